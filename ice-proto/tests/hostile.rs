//! Malformed and malicious input: every case is a typed error, never a panic, and nothing is
//! buffered or allocated beyond what the limits allow.

mod util;

use bytes::{BufMut, Bytes, BytesMut};
use bzip2::{Action, Compress, Compression};
use ice_proto::frame::{
    decode_datagram, FrameDecoder, Header, Message, MessageType, ProtocolError, ReplyStatus,
    DEFAULT_MESSAGE_SIZE_MAX, HEADER_SIZE,
};
use ice_proto::DecodeError;
use util::spec_hex;

const MAX: usize = DEFAULT_MESSAGE_SIZE_MAX;

/// A header for a message of `size` bytes.
fn header(ty: u8, compression: u8, size: i32) -> Vec<u8> {
    let mut h = b"IceP\x01\x00\x01\x00".to_vec();
    h.push(ty);
    h.push(compression);
    h.extend_from_slice(&size.to_le_bytes());
    h
}

/// A message of type `ty` around `body`, with a correct size.
fn message(ty: u8, compression: u8, body: &[u8]) -> Vec<u8> {
    let mut m = header(ty, compression, (HEADER_SIZE + body.len()) as i32);
    m.extend_from_slice(body);
    m
}

fn decode_stream(bytes: &[u8]) -> Result<Option<Message>, ProtocolError> {
    let mut buf = BytesMut::from(bytes);
    match FrameDecoder::new(MAX).decode(&mut buf)? {
        Some(raw) => raw.decode().map(Some),
        None => Ok(None),
    }
}

fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut c = Compress::new(Compression::new(1), 0);
    let mut out = Vec::with_capacity(data.len() + 1000);
    c.compress_vec(data, &mut out, Action::Finish).expect("compresses");
    out
}

/// A compressed message claiming an uncompressed total of `claimed` bytes.
fn compressed(ty: u8, claimed: i32, stream: &[u8]) -> Vec<u8> {
    let mut body = claimed.to_le_bytes().to_vec();
    body.extend_from_slice(stream);
    message(ty, 2, &body)
}

#[test]
fn bad_headers() {
    let mut bad_magic = message(3, 0, &[]);
    bad_magic[..4].copy_from_slice(b"IceQ");
    assert_eq!(decode_stream(&bad_magic), Err(ProtocolError::BadMagic(*b"IceQ")));

    for (at, value, err) in [
        (4, 2, ProtocolError::UnsupportedProtocol { major: 2, minor: 0 }),
        (5, 1, ProtocolError::UnsupportedProtocol { major: 1, minor: 1 }),
        (6, 0, ProtocolError::UnsupportedEncoding { major: 0, minor: 0 }),
        (7, 1, ProtocolError::UnsupportedEncoding { major: 1, minor: 1 }),
        (8, 5, ProtocolError::UnknownMessageType(5)),
        (8, 255, ProtocolError::UnknownMessageType(255)),
        (9, 3, ProtocolError::BadCompressionStatus(3)),
    ] {
        let mut m = message(3, 0, &[]);
        m[at] = value;
        assert_eq!(decode_stream(&m), Err(err), "byte {at} = {value}");
    }
}

#[test]
fn bad_sizes() {
    for size in [0, 13, -1, i32::MIN] {
        assert_eq!(
            decode_stream(&header(3, 0, size)),
            Err(ProtocolError::IllegalMessageSize(size.into()))
        );
    }
    assert_eq!(
        decode_stream(&header(0, 0, i32::MAX)),
        Err(ProtocolError::MemoryLimit { size: i32::MAX as usize, max: MAX })
    );
    assert_eq!(
        decode_stream(&header(0, 0, MAX as i32 + 1)),
        Err(ProtocolError::MemoryLimit { size: MAX + 1, max: MAX })
    );
}

#[test]
fn header_is_checked_before_the_body_arrives() {
    let mut decoder = FrameDecoder::new(1000);
    // An oversized message fails on its 14 header bytes alone.
    let mut buf = BytesMut::from(&header(0, 0, 5000)[..]);
    assert_eq!(decoder.decode(&mut buf), Err(ProtocolError::MemoryLimit { size: 5000, max: 1000 }));
    // Errors are sticky: the connection is over, even if good bytes follow.
    let mut good = BytesMut::from(&message(3, 0, &[])[..]);
    assert_eq!(
        decoder.decode(&mut good),
        Err(ProtocolError::MemoryLimit { size: 5000, max: 1000 })
    );

    // A bad header is rejected before the rest of the header's message is there.
    let mut buf = BytesMut::from(&header(9, 0, 500)[..]);
    assert_eq!(FrameDecoder::new(1000).decode(&mut buf), Err(ProtocolError::UnknownMessageType(9)));

    // An acceptable header waits for its body, with room reserved for no more than it.
    let mut decoder = FrameDecoder::new(1000);
    let mut buf = BytesMut::from(&header(0, 0, 600)[..13]);
    assert_eq!(decoder.decode(&mut buf), Ok(None));
    buf.put_u8(header(0, 0, 600)[13]);
    assert_eq!(decoder.decode(&mut buf), Ok(None));
    assert!(buf.capacity() >= 600);
    assert_eq!(buf.len(), 14, "nothing consumed until the message is complete");
}

#[test]
fn truncated_and_lying_bodies() {
    let ping = spec_hex(
        "49 63 65 50 01 00 01 00 00 00 2a 00 00 00 | 01 00 00 00 | 04 74 65 73 74 00 | 00 |
         08 69 63 65 5f 70 69 6e 67 | 01 | 00 | 06 00 00 00 01 01",
    );
    // An incomplete message is not an error on a stream, just not there yet.
    assert_eq!(decode_stream(&ping[..30]), Ok(None));
    // A size field that cuts the request short: the body runs out.
    let mut short = ping.clone();
    short[10] = 30;
    assert!(matches!(
        decode_stream(&short[..30]),
        Err(ProtocolError::Decode(DecodeError::OutOfBounds { .. }))
    ));
    // A size field that claims more than the request: bytes left over.
    let mut long = ping.clone();
    long.extend_from_slice(&[0, 0, 0]);
    long[10] += 3;
    assert_eq!(decode_stream(&long), Err(ProtocolError::TrailingBytes));
    // An encapsulation claiming more than the message holds.
    let mut encaps = ping.clone();
    encaps[36] = 0x40;
    assert!(matches!(decode_stream(&encaps), Err(ProtocolError::Decode(_))));
    // An encapsulation smaller than its own header.
    encaps[36] = 5;
    assert!(matches!(
        decode_stream(&encaps),
        Err(ProtocolError::Decode(DecodeError::Encapsulation(_)))
    ));
    // Strings longer than the message.
    let mut name = ping.clone();
    name[18] = 0xff;
    assert!(matches!(decode_stream(&name), Err(ProtocolError::Decode(_))));
    // Validate and close carry no body.
    assert_eq!(decode_stream(&message(3, 0, &[0])), Err(ProtocolError::TrailingBytes));
    assert_eq!(decode_stream(&message(4, 0, &[1, 2])), Err(ProtocolError::TrailingBytes));
    // A reply with only part of its request id.
    assert!(matches!(decode_stream(&message(2, 0, &[1, 0])), Err(ProtocolError::Decode(_))));
}

#[test]
fn bad_request_fields() {
    let body = |facet: &[u8], mode: u8| {
        let mut b = vec![1, 0, 0, 0, 1, b'x', 0];
        b.extend_from_slice(facet);
        b.extend_from_slice(&[2, b'o', b'p', mode, 0, 6, 0, 0, 0, 1, 1]);
        b
    };
    assert!(decode_stream(&message(0, 0, &body(&[0], 0))).unwrap().is_some());
    assert!(matches!(
        decode_stream(&message(0, 0, &body(&[2, 1, b'a', 1, b'b'], 0))),
        Err(ProtocolError::Decode(DecodeError::Invalid(_)))
    ));
    assert_eq!(
        decode_stream(&message(0, 0, &body(&[0], 3))),
        Err(ProtocolError::Decode(DecodeError::InvalidEnumerator(3)))
    );
    let mut bad_utf8 = body(&[0], 0);
    bad_utf8[5] = 0xff;
    assert_eq!(
        decode_stream(&message(0, 0, &bad_utf8)),
        Err(ProtocolError::Decode(DecodeError::InvalidUtf8))
    );
}

#[test]
fn batch_counts() {
    // Minimal batched request: 12 bytes.
    let one = [0u8, 0, 0, 0, 0, 0, 6, 0, 0, 0, 1, 1];
    let batch = |count: i32, n: usize| {
        let mut b = count.to_le_bytes().to_vec();
        for _ in 0..n {
            b.extend_from_slice(&one);
        }
        message(1, 0, &b)
    };
    let Ok(Some(Message::BatchRequest(b))) = decode_stream(&batch(3, 3)) else { panic!() };
    assert_eq!(b.requests.len(), 3);
    assert!(
        matches!(decode_stream(&batch(0, 0)), Ok(Some(Message::BatchRequest(b))) if b.requests.is_empty())
    );
    for (count, n) in [(-1, 1), (i32::MIN, 0), (i32::MAX, 2), (4, 3), (1, 0)] {
        assert_eq!(decode_stream(&batch(count, n)), Err(ProtocolError::BadBatchCount(count)));
    }
    assert_eq!(decode_stream(&batch(2, 3)), Err(ProtocolError::TrailingBytes));
    // A count that fits the bytes but requests that do not.
    let mut lying = batch(2, 2);
    lying[HEADER_SIZE + 4 + 6] = 0x30;
    assert!(matches!(decode_stream(&lying), Err(ProtocolError::Decode(_))));
}

#[test]
fn reply_statuses_beyond_7() {
    let mut body = vec![9, 0, 0, 0, 8, 3];
    body.extend_from_slice(b"why");
    assert_eq!(
        decode_stream(&message(2, 0, &body)),
        Ok(Some(Message::Reply(ice_proto::frame::Reply {
            request_id: 9,
            status: ReplyStatus::Other { status: 8, message: "why".into() }
        })))
    );
    assert!(matches!(
        decode_stream(&message(2, 0, &[9, 0, 0, 0, 200])),
        Err(ProtocolError::Decode(_))
    ));
}

#[test]
fn bad_compressed_bodies() {
    let body = [7u8; 200];
    let stream = bzip2(&body);
    let total = (HEADER_SIZE + body.len()) as i32;
    // Sanity: the honest message decompresses.
    let mut buf = BytesMut::from(&compressed(0, total, &stream)[..]);
    let raw = FrameDecoder::new(MAX).decode(&mut buf).unwrap().unwrap();
    assert_eq!(raw.header.compression, 2);
    assert_eq!(&raw.body[..], &body[..]);

    for claimed in [14, 0, -5] {
        assert_eq!(
            decode_stream(&compressed(0, claimed, &stream)),
            Err(ProtocolError::IllegalMessageSize(claimed.into()))
        );
    }
    assert_eq!(
        decode_stream(&compressed(0, MAX as i32 + 1, &stream)),
        Err(ProtocolError::MemoryLimit { size: MAX + 1, max: MAX })
    );
    let compression_error = |bytes: Vec<u8>| match decode_stream(&bytes) {
        Err(ProtocolError::Compression(_)) => {}
        other => panic!("expected a compression error, got {other:?}"),
    };
    compression_error(compressed(0, total - 1, &stream)); // decompresses to more
    compression_error(compressed(0, total + 1, &stream)); // decompresses to less
    compression_error(compressed(0, total, &stream[..stream.len() - 4])); // truncated stream
    compression_error(compressed(0, total, b"not bzip2 at all")); // garbage
    let mut trailing = stream.clone();
    trailing.push(0);
    compression_error(compressed(0, total, &trailing));
    let mut corrupt = stream.clone();
    let mid = corrupt.len() / 2;
    corrupt[mid] ^= 0x55;
    compression_error(compressed(0, total, &corrupt));
    // Shorter than the uncompressed-size field.
    assert!(matches!(
        decode_stream(&message(0, 2, &[1, 0])),
        Err(ProtocolError::Decode(DecodeError::OutOfBounds { .. }))
    ));
}

#[test]
fn bzip2_bomb_fails_within_the_limit() {
    // 8 MiB of zeros compress to a few hundred bytes; the message claims 1 MiB.
    let zeros = vec![0u8; 8 << 20];
    let stream = bzip2(&zeros);
    assert!(stream.len() < 64 * 1024, "bomb is {} bytes", stream.len());
    match decode_stream(&compressed(0, MAX as i32, &stream)) {
        Err(ProtocolError::Compression(msg)) => assert!(msg.contains("more than"), "{msg}"),
        other => panic!("expected a compression error, got {other:?}"),
    }
    // Claiming more than the limit fails before decompressing.
    assert_eq!(
        decode_stream(&compressed(0, i32::MAX, &stream)),
        Err(ProtocolError::MemoryLimit { size: i32::MAX as usize, max: MAX })
    );
}

#[test]
fn datagrams() {
    let ping = message(3, 0, &[]);
    let raw = decode_datagram(Bytes::from(ping.clone()), MAX).unwrap();
    assert_eq!(raw.header.message_type, MessageType::ValidateConnection);
    assert_eq!(
        decode_datagram(Bytes::from_static(b"IceP"), MAX),
        Err(ProtocolError::IllegalMessageSize(4))
    );
    let mut request = message(0, 0, &[0; 20]);
    assert_eq!(
        decode_datagram(Bytes::copy_from_slice(&request[..30]), MAX),
        Err(ProtocolError::DatagramSize { size: 34, received: 30 })
    );
    request.push(0);
    assert_eq!(
        decode_datagram(Bytes::from(request), MAX),
        Err(ProtocolError::DatagramSize { size: 34, received: 35 })
    );
    let mut bad = ping;
    bad[0] = b'X';
    assert!(matches!(decode_datagram(Bytes::from(bad), MAX), Err(ProtocolError::BadMagic(_))));
}

#[test]
fn header_decode_directly() {
    let h = Header { message_type: MessageType::Reply, compression: 1, size: 25 };
    assert_eq!(Header::decode(&h.encode(), MAX), Ok(h));
}
