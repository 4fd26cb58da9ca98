//! Encoding: chunking without copies, compression decisions, the batch queue.

mod util;

use bytes::{Bytes, BytesMut};
use ice_proto::frame::{
    BatchRequestQueue, FrameDecoder, Message, Reply, ReplyStatus, Request, HEADER_SIZE,
};
use ice_proto::{Encapsulation, EncodingVersion, Identity, OperationMode};
use util::vectors::{parse_file, vectors_dir};

fn decode_all(bytes: &[u8]) -> Vec<(u8, Message)> {
    let mut buf = BytesMut::from(bytes);
    let mut decoder = FrameDecoder::new(4 << 20);
    let mut out = Vec::new();
    while let Some(raw) = decoder.decode(&mut buf).expect("valid") {
        let compression = raw.header.compression;
        out.push((compression, raw.into_message().expect("decodes")));
    }
    assert!(buf.is_empty());
    out
}

fn big_params(n: usize) -> Encapsulation {
    let data: Vec<u8> = (0..n).map(|i| (i * 7 % 251) as u8).collect();
    Encapsulation::new(EncodingVersion::V1_1, Bytes::from(data))
}

fn request(id: i32, params: Encapsulation) -> Request {
    Request {
        request_id: id,
        ..Request::new(Identity::new("hello"), "echo", OperationMode::Normal, params)
    }
}

#[test]
fn large_encapsulations_are_shared_not_copied() {
    let params = big_params(1 << 20);
    let req = request(5, params.clone());
    let frame = Message::Request(req.clone()).encode(false);
    assert_eq!(frame.len(), HEADER_SIZE + 4 + 7 + 1 + 5 + 1 + 1 + 6 + (1 << 20));
    assert_eq!(frame.chunks().len(), 2, "head and params");
    assert_eq!(
        frame.chunks()[1].as_ptr(),
        params.data.as_ptr(),
        "params chunk is the caller's buffer"
    );
    assert_eq!(decode_all(&frame.to_bytes()), [(0, Message::Request(req))]);

    let reply = Reply { request_id: 5, status: ReplyStatus::Ok(params.clone()) };
    let frame = Message::Reply(reply.clone()).encode(false);
    assert_eq!(frame.chunks().len(), 2);
    assert_eq!(frame.chunks()[1].as_ptr(), params.data.as_ptr());
    assert_eq!(decode_all(&frame.to_bytes()), [(0, Message::Reply(reply))]);
}

#[test]
fn small_messages_are_one_chunk() {
    let frame = Message::Request(request(1, big_params(40))).encode(false);
    assert_eq!(frame.chunks().len(), 1);
}

#[test]
fn compression_threshold_and_levels() {
    // 99 bytes: sent uncompressed with byte 1; 100 bytes: compressed.
    let fixed = HEADER_SIZE + 4 + 7 + 1 + 5 + 1 + 1 + 6;
    for (total, byte) in [(99, 1), (100, 2)] {
        let msg = Message::Request(request(1, big_params(total - fixed)));
        let frame = msg.encode(true);
        assert_eq!(frame.chunks()[0][9], byte, "{total} bytes");
        assert_eq!(decode_all(&frame.to_bytes()), [(byte, msg.clone())]);
        assert_eq!(msg.encode(false).chunks()[0][9], 0);
    }
    let msg = Message::Request(request(1, big_params(300_000)));
    let level1 = msg.encode(true).to_bytes();
    let level9 = msg.encode_with_level(true, 9).to_bytes();
    assert_eq!(&level1[18..22], b"BZh1");
    assert_eq!(&level9[18..22], b"BZh9");
    let original = (msg.encode(false).len() as i32).to_le_bytes();
    assert_eq!(level1[14..18], original, "uncompressed total after the header");
    assert_eq!(level1.len(), i32::from_le_bytes(level1[10..14].try_into().unwrap()) as usize);
    assert_eq!(decode_all(&level9), [(2, msg)]);
}

#[test]
fn queue_reproduces_the_captured_batch() {
    let messages = parse_file(&vectors_dir().join("14_batch_oneway.hex"));
    let captured = messages.iter().find(|m| m.bytes[8] == 1).expect("the BatchRequest");
    let mut queue = BatchRequestQueue::new();
    for _ in 0..5 {
        let tick = Request::new(
            Identity::new("hello"),
            "tick",
            OperationMode::Normal,
            Encapsulation::empty(EncodingVersion::V1_1),
        );
        queue.push(tick);
    }
    assert_eq!(queue.size(), captured.bytes.len());
    let flushed = queue.take().expect("queued");
    assert_eq!(flushed.count, 5);
    assert_eq!(&flushed.frame.to_bytes()[..], &captured.bytes[..]);
}

#[test]
fn queue_shares_large_params_and_compresses_on_request() {
    let big = big_params(4096);
    let mut queue = BatchRequestQueue::new();
    queue.push(request(77, big_params(10)));
    queue.push(request(78, big.clone()));
    queue.push(request(79, big_params(3)));
    let expected: Vec<Request> =
        [big_params(10), big.clone(), big_params(3)].into_iter().map(|p| request(0, p)).collect();
    let flushed = queue.take().expect("queued");
    assert_eq!(flushed.count, 3);
    assert!(flushed.frame.chunks().iter().any(|c| c.as_ptr() == big.data.as_ptr()), "shared");
    let decoded = decode_all(&flushed.frame.to_bytes());
    let [(0, Message::BatchRequest(batch))] = &decoded[..] else { panic!("{decoded:?}") };
    assert_eq!(batch.requests, expected, "request ids are not sent");

    // Any compressing proxy makes the batch compressed; an override wins.
    for (flags, force, byte) in [
        ([false, true], None, 2),
        ([false, false], None, 0),
        ([true, true], Some(false), 0),
        ([false, false], Some(true), 2),
    ] {
        let mut queue = BatchRequestQueue::new();
        for (i, f) in flags.into_iter().enumerate() {
            queue.push_with(request(0, big_params(100 + i)), f);
        }
        let flushed = queue.take_with(force).expect("queued");
        let decoded = decode_all(&flushed.frame.to_bytes());
        assert_eq!(decoded[0].0, byte, "{flags:?} {force:?}");
        assert!(!queue.wants_compression(), "reset by take");
    }
    // A small batch from a compressing proxy is sent with byte 1.
    let mut queue = BatchRequestQueue::new();
    queue.push_with(request(0, Encapsulation::empty(EncodingVersion::V1_1)), true);
    assert_eq!(queue.take().unwrap().frame.chunks()[0][9], 1);
}
