//! Framing throughput: cutting a byte stream into messages and decoding them, and encoding
//! messages into frames, for small requests (messages per second) and 1 MiB requests (bytes
//! per second). Each group has a `memcpy` baseline over the same bytes, measured in the same
//! run, so results read as ratios.

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ice_proto::frame::{FrameDecoder, Message, Request};
use ice_proto::{Encapsulation, EncodingVersion, Identity, OperationMode};

/// Small requests per iteration.
const BATCH: usize = 1000;

/// A request like `sayHello("Rust")` from the captured vectors (46 bytes).
fn small_request(id: i32) -> Message {
    let params = Encapsulation::build(EncodingVersion::V1_1, |out| out.write_string("Rust"));
    Message::Request(Request {
        request_id: id,
        ..Request::new(Identity::new("hello"), "sayHello", OperationMode::Normal, params)
    })
}

/// A request whose parameters are 1 MiB.
fn large_request() -> Message {
    let data: Vec<u8> = (0..1usize << 20).map(|i| (i * 7 % 251) as u8).collect();
    let params = Encapsulation::new(EncodingVersion::V1_1, Bytes::from(data));
    Message::Request(Request {
        request_id: 1,
        ..Request::new(Identity::new("hello"), "echoBytes", OperationMode::Normal, params)
    })
}

/// Cuts every message from `buf`, decoding each.
fn decode_all(decoder: &mut FrameDecoder, mut buf: BytesMut) -> usize {
    let mut n = 0;
    while let Some(raw) = decoder.decode(&mut buf).expect("valid") {
        black_box(raw.into_message().expect("decodes"));
        n += 1;
    }
    n
}

fn memcpy_baseline(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    bytes: &[u8],
) {
    let mut dst = vec![0u8; bytes.len()];
    c.bench_function("memcpy", |b| {
        b.iter(|| {
            dst.copy_from_slice(black_box(bytes));
            black_box(&dst);
        })
    });
}

fn small(c: &mut Criterion) {
    let messages: Vec<Message> = (1..=BATCH as i32).map(small_request).collect();
    let stream: Vec<u8> =
        messages.iter().flat_map(|m| m.encode(false).to_bytes().to_vec()).collect();

    let mut g = c.benchmark_group("small_requests");
    g.throughput(Throughput::Elements(BATCH as u64));
    memcpy_baseline(&mut g, &stream);
    g.bench_function("decode", |b| {
        let mut decoder = FrameDecoder::default();
        b.iter_batched(
            || BytesMut::from(&stream[..]),
            |buf| assert_eq!(decode_all(&mut decoder, buf), BATCH),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("encode", |b| {
        b.iter(|| {
            for m in &messages {
                black_box(m.encode(false));
            }
        })
    });
    g.finish();
}

fn large(c: &mut Criterion) {
    let message = large_request();
    let stream = message.encode(false).to_bytes();

    let mut g = c.benchmark_group("large_request");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    memcpy_baseline(&mut g, &stream);
    g.bench_function("decode", |b| {
        let mut decoder = FrameDecoder::new(4 << 20);
        b.iter_batched(
            || BytesMut::from(&stream[..]),
            |buf| assert_eq!(decode_all(&mut decoder, buf), 1),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("encode", |b| b.iter(|| black_box(message.encode(false))));
    g.finish();
}

criterion_group!(benches, small, large);
criterion_main!(benches);
