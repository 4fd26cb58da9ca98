//! Every message captured from real ZeroC Ice 3.7.8 peers (`vectors/*.hex`) goes through the
//! frame decoder (whole, byte by byte, in random chunks), decodes, and re-encodes to the same
//! bytes.

mod util;

use bytes::{Bytes, BytesMut};
use ice_proto::frame::{
    FrameDecoder, Message, MessageType, RawFrame, ReplyStatus, DEFAULT_MESSAGE_SIZE_MAX,
    HEADER_SIZE,
};
use util::vectors::{all_messages, parse_file, vector_files, Direction, VectorMessage};
use util::Rng;

/// The body a decoder must deliver for a captured message.
fn expected_body(m: &VectorMessage) -> Vec<u8> {
    match m.bytes[9] {
        2 => m
            .decompressed_body
            .clone()
            .unwrap_or_else(|| panic!("{}: no decompressed body", m.at())),
        _ => m.bytes[HEADER_SIZE..].to_vec(),
    }
}

/// Feeds `stream` to a fresh decoder in pieces whose sizes `next_len` picks.
fn decode_stream(stream: &[u8], mut next_len: impl FnMut() -> usize) -> Vec<RawFrame> {
    let mut decoder = FrameDecoder::new(DEFAULT_MESSAGE_SIZE_MAX);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut pos = 0;
    while pos < stream.len() {
        let n = next_len().min(stream.len() - pos);
        buf.extend_from_slice(&stream[pos..pos + n]);
        pos += n;
        while let Some(f) = decoder.decode(&mut buf).expect("captured bytes decode") {
            frames.push(f);
        }
    }
    assert!(buf.is_empty(), "bytes left over");
    frames
}

fn check_frames(messages: &[&VectorMessage], frames: &[RawFrame], how: &str) {
    assert_eq!(frames.len(), messages.len(), "{how}: number of frames");
    for (m, f) in messages.iter().zip(frames) {
        assert_eq!(f.header.size, m.bytes.len(), "{}: {how}: size", m.at());
        assert_eq!(f.header.compression, m.bytes[9], "{}: {how}: compression byte", m.at());
        assert_eq!(f.header.message_type as u8, m.bytes[8], "{}: {how}: type", m.at());
        assert_eq!(&f.body[..], &expected_body(m)[..], "{}: {how}: body", m.at());
    }
}

#[test]
fn every_vector_file_has_messages() {
    let files = vector_files();
    assert!(files.len() >= 25, "found only {} vector files", files.len());
    for f in files {
        assert!(!parse_file(&f).is_empty(), "{} has no message", f.display());
    }
}

#[test]
fn streams_split_into_the_captured_messages_however_they_arrive() {
    for file in vector_files() {
        let messages = parse_file(&file);
        for direction in [Direction::FromConnector, Direction::FromAcceptor] {
            let ours: Vec<&VectorMessage> =
                messages.iter().filter(|m| m.direction == direction).collect();
            let stream: Vec<u8> = ours.iter().flat_map(|m| m.bytes.iter().copied()).collect();
            check_frames(&ours, &decode_stream(&stream, || usize::MAX), "whole");
            check_frames(&ours, &decode_stream(&stream, || 1), "byte by byte");
            for seed in 0..8 {
                let mut rng = Rng::new(seed);
                let frames = decode_stream(&stream, || rng.between_1_and(64));
                check_frames(&ours, &frames, &format!("random chunks, seed {seed}"));
            }
        }
    }
}

#[test]
fn summary_comments_agree_with_decoded_headers() {
    for m in all_messages() {
        let f = decode_stream(&m.bytes, || usize::MAX).pop().expect("one frame");
        let name = match f.header.message_type {
            MessageType::Request => "Request",
            MessageType::BatchRequest => "BatchRequest",
            MessageType::Reply => "Reply",
            MessageType::ValidateConnection => "ValidateConnection",
            MessageType::CloseConnection => "CloseConnection",
        };
        assert_eq!(m.comment_type(), name, "{}", m.at());
        assert_eq!(
            m.comment_field("compress"),
            Some(&*f.header.compression.to_string()),
            "{}",
            m.at()
        );
        assert_eq!(m.comment_field("size"), Some(&*f.header.size.to_string()), "{}", m.at());
        let msg = f.decode().unwrap_or_else(|e| panic!("{}: {e}", m.at()));
        match &msg {
            Message::Request(r) => {
                assert_eq!(
                    m.comment_field("requestId"),
                    Some(&*r.request_id.to_string()),
                    "{}",
                    m.at()
                );
                assert_eq!(m.comment_field("op"), Some(&*r.operation), "{}", m.at());
                let identity = m.comment_quoted("identity").expect("identity");
                assert_eq!(identity, r.identity.to_string(), "{}", m.at());
                assert_eq!(m.comment_quoted("facet").as_deref(), Some(&*r.facet), "{}", m.at());
            }
            Message::BatchRequest(b) => {
                assert_eq!(
                    m.comment_field("count"),
                    Some(&*b.requests.len().to_string()),
                    "{}",
                    m.at()
                );
                assert!(b.requests.iter().all(|r| r.request_id == 0));
            }
            Message::Reply(r) => {
                assert_eq!(
                    m.comment_field("requestId"),
                    Some(&*r.request_id.to_string()),
                    "{}",
                    m.at()
                );
                let status = m.comment_field("status").expect("status");
                assert!(
                    status.starts_with(&format!("{}(", r.status.code())),
                    "{}: {status}",
                    m.at()
                );
            }
            Message::ValidateConnection | Message::CloseConnection => {}
        }
    }
}

#[test]
fn every_message_reencodes_to_the_captured_bytes() {
    let mut compressed = 0;
    let mut closes = 0;
    for m in all_messages() {
        let raw = decode_stream(&m.bytes, || usize::MAX).pop().expect("one frame");
        let msg = raw.decode().unwrap_or_else(|e| panic!("{}: {e}", m.at()));
        let wire_byte = m.bytes[9];
        let ours = msg.encode(wire_byte > 0).to_bytes();
        match (&msg, wire_byte) {
            (Message::CloseConnection, 1) => {
                // ZeroC C++ 3.7 sends CloseConnection with byte 1; we send 0, like 3.8 and
                // the Java/JS runtimes (spec §1.6).
                assert_eq!(ours[9], 0, "{}", m.at());
                assert_eq!(ours[..9], m.bytes[..9], "{}", m.at());
                assert_eq!(ours[10..], m.bytes[10..], "{}", m.at());
                closes += 1;
            }
            (_, 2) => {
                assert_eq!(ours[9], 2, "{}: we compress it too", m.at());
                let again = decode_stream(&ours, || usize::MAX).pop().expect("one frame");
                assert_eq!(&again.body[..], &expected_body(&m)[..], "{}", m.at());
                assert_eq!(again.decode().expect("our compressed message decodes"), msg);
                // The pure-Rust bzip2 port produces libbzip2's exact stream.
                assert_eq!(&ours[..], &m.bytes[..], "{}: compressed bytes", m.at());
                compressed += 1;
            }
            _ => assert_eq!(&ours[..], &m.bytes[..], "{}: re-encoding differs", m.at()),
        }
    }
    assert_eq!(compressed, 2, "15_compressed.hex has a compressed request and reply");
    assert!(closes >= 20, "the C++ CloseConnection difference was exercised {closes} times");
}

#[test]
fn compression_byte_decisions_match_the_capture() {
    let messages = parse_file(&util::vectors::vectors_dir().join("15_compressed.hex"));
    let flags: Vec<u8> = messages.iter().map(|m| m.bytes[9]).collect();
    // Validate, small request (1), its small reply (1), large request (2), large reply (2),
    // close (C++: 1).
    assert_eq!(flags, [0, 1, 1, 2, 2, 1]);
    for m in &messages[1..5] {
        let raw = decode_stream(&m.bytes, || usize::MAX).pop().expect("one frame");
        let msg = raw.decode().expect("decodes");
        assert_eq!(msg.encode(true).chunks()[0][9], m.bytes[9], "{}", m.at());
        assert_eq!(msg.encode(false).chunks()[0][9], 0, "{}", m.at());
    }
}

#[test]
fn captured_reply_statuses_decode_to_their_variants() {
    let mut seen = std::collections::BTreeSet::new();
    for m in all_messages() {
        let raw = decode_stream(&m.bytes, || usize::MAX).pop().expect("one frame");
        if let Message::Reply(r) = raw.decode().expect("decodes") {
            seen.insert(r.status.code());
            match (&r.status, m.file.as_str()) {
                (ReplyStatus::ObjectNotExist(f), "09_object_not_exist.hex") => {
                    assert!(!f.identity.name.is_empty());
                    assert!(!f.operation.is_empty());
                }
                (ReplyStatus::FacetNotExist(f), "10_facet_not_exist.hex") => {
                    assert!(!f.facet.is_empty(), "the unknown facet is named")
                }
                (ReplyStatus::OperationNotExist(f), "11_operation_not_exist.hex") => {
                    assert!(!f.operation.is_empty())
                }
                (ReplyStatus::UnknownException(text), "12_unknown_exception.hex") => {
                    assert!(!text.is_empty())
                }
                (ReplyStatus::Ok(_) | ReplyStatus::UserException(_), _) => {}
                (other, file) => panic!("{file}: unexpected status {other:?}"),
            }
        }
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), [0, 1, 2, 3, 4, 7]);
}

#[test]
fn decoded_params_share_the_received_buffer() {
    let m = all_messages()
        .into_iter()
        .find(|m| m.file == "06_twoway_params.hex" && m.bytes[8] == 0)
        .expect("the mix request");
    let stream = Bytes::from(m.bytes.clone());
    let mut buf = BytesMut::from(&stream[..]);
    let raw = FrameDecoder::new(DEFAULT_MESSAGE_SIZE_MAX).decode(&mut buf).unwrap().unwrap();
    let Message::Request(r) = raw.decode().unwrap() else { panic!("not a request") };
    let body = raw.body.as_ptr_range();
    let params = r.params_bytes().as_ptr_range();
    assert!(body.start <= params.start && params.end <= body.end, "params point into the body");
}
