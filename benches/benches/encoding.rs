//! Encoding and decoding throughput of `ice_proto::encoding`, each group beside a `memcpy` of
//! the same number of bytes measured in the same run, so results read as "times a memcpy".

use std::collections::BTreeMap;
use std::hint::black_box;

use bytes::Bytes;
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use ice_proto::encoding::{Decode, Encode, InputStream, OutputStream};
use ice_proto::{DecodeError, Encapsulation, EncodingVersion};

const V11: EncodingVersion = EncodingVersion::V1_1;

/// A Slice struct with strings, as found in typical request parameters.
#[derive(Debug, Clone, PartialEq)]
struct Contact {
    id: i64,
    name: String,
    email: String,
    city: String,
    score: i32,
}

impl Encode for Contact {
    fn encode(&self, out: &mut OutputStream) {
        out.write_i64(self.id);
        out.write_string(&self.name);
        out.write_string(&self.email);
        out.write_string(&self.city);
        out.write_i32(self.score);
    }
}

impl Decode for Contact {
    const MIN_WIRE_SIZE: usize = 15;
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        Ok(Contact {
            id: input.read_i64()?,
            name: input.read_string()?,
            email: input.read_string()?,
            city: input.read_string()?,
            score: input.read_i32()?,
        })
    }
}

/// The parameters of a typical request: one struct, a sequence of 16 more, and a
/// `dictionary<string, string>` of 16 entries.
type RequestBody = (Contact, Vec<Contact>, BTreeMap<String, String>);

fn contact(i: i64) -> Contact {
    Contact {
        id: i,
        name: format!("Contact number {i}"),
        email: format!("contact.{i}@example.com"),
        city: "Zürich".to_owned(),
        score: (i as i32) * 7,
    }
}

fn request_body() -> RequestBody {
    let attributes =
        (0..16).map(|i| (format!("attribute-{i}"), format!("value of attribute {i}"))).collect();
    (contact(0), (1..=16).map(contact).collect(), attributes)
}

/// Adds the baseline: copying `len` bytes between two preallocated buffers.
fn bench_memcpy(group: &mut BenchmarkGroup<'_, WallTime>, len: usize) {
    let src = vec![0xa5u8; len];
    let mut dst = vec![0u8; len];
    group.bench_function("memcpy", |b| {
        b.iter(|| {
            dst.copy_from_slice(black_box(&src));
            black_box(&mut dst);
        })
    });
}

fn request_body_group(c: &mut Criterion) {
    let body = request_body();
    let encaps = Encapsulation::from_value(V11, &body);
    let mut group = c.benchmark_group("request_body");
    group.throughput(Throughput::Bytes(encaps.data.len() as u64));

    group.bench_function("encode", |b| {
        b.iter(|| black_box(Encapsulation::from_value(V11, black_box(&body))))
    });
    group.bench_function("decode", |b| {
        b.iter(|| black_box(black_box(&encaps).decode::<RequestBody>()))
    });
    bench_memcpy(&mut group, encaps.data.len());
    group.finish();
}

fn byte_seq_group(c: &mut Criterion, label: &str, len: usize) {
    let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
    let as_bytes = Bytes::from(data.clone());
    let wire = Encapsulation::from_value(V11, &as_bytes);

    let mut group = c.benchmark_group(format!("byte_seq/{label}"));
    group.throughput(Throughput::Bytes(len as u64));
    group.bench_function("encode_bytes", |b| {
        b.iter(|| {
            let mut out = OutputStream::with_capacity(V11, len + 5);
            out.write(black_box(&as_bytes));
            black_box(out.into_bytes())
        })
    });
    group.bench_function("encode_vec", |b| {
        b.iter(|| {
            let mut out = OutputStream::with_capacity(V11, len + 5);
            out.write(black_box(&data));
            black_box(out.into_bytes())
        })
    });
    group.bench_function("decode_bytes_zero_copy", |b| {
        b.iter(|| black_box(black_box(&wire).decode::<Bytes>()))
    });
    group.bench_function("decode_vec", |b| {
        b.iter(|| black_box(black_box(&wire).decode::<Vec<u8>>()))
    });
    bench_memcpy(&mut group, len);
    group.finish();
}

fn byte_seqs(c: &mut Criterion) {
    byte_seq_group(c, "1KiB", 1 << 10);
    byte_seq_group(c, "64KiB", 64 << 10);
    byte_seq_group(c, "1MiB", 1 << 20);
}

/// Checks, before timing anything, that the benchmarked decoders give back what was encoded.
fn sanity(_: &mut Criterion) {
    let body = request_body();
    let encaps = Encapsulation::from_value(V11, &body);
    assert_eq!(encaps.decode::<RequestBody>().ok(), Some(body));
    let data = Bytes::from(vec![7u8; 1000]);
    assert_eq!(Encapsulation::from_value(V11, &data).decode::<Bytes>().ok(), Some(data));
}

criterion_group!(benches, sanity, request_body_group, byte_seqs);
criterion_main!(benches);
