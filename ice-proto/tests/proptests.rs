//! Properties: any chunking of a stream yields the same frames, arbitrary bytes never panic
//! the decoders, and every message survives an encode/decode round trip.

use bytes::{Bytes, BytesMut};
use ice_proto::frame::{
    decode_datagram, BatchRequest, FrameDecoder, Message, RawFrame, Reply, ReplyStatus, Request,
    RequestFailed,
};
use ice_proto::{Context, Encapsulation, EncodingVersion, Identity, OperationMode};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![4 => "[a-zA-Z_:]{0,12}", 1 => "\\PC{0,6}", 1 => "[a-z]{250,300}"]
}

fn identity() -> impl Strategy<Value = Identity> {
    (text(), text()).prop_map(|(name, category)| Identity { name, category })
}

fn encapsulation() -> impl Strategy<Value = Encapsulation> {
    (0u8..2, prop_oneof![4 => vec(any::<u8>(), 0..64), 1 => vec(any::<u8>(), 500..1500)]).prop_map(
        |(minor, data)| Encapsulation::new(EncodingVersion { major: 1, minor }, data.into()),
    )
}

fn mode() -> impl Strategy<Value = OperationMode> {
    prop_oneof![
        Just(OperationMode::Normal),
        Just(OperationMode::Nonmutating),
        Just(OperationMode::Idempotent)
    ]
}

fn request(with_id: bool) -> impl Strategy<Value = Request> {
    let id = if with_id { any::<i32>().boxed() } else { Just(0).boxed() };
    (id, identity(), text(), text(), mode(), btree_map(text(), text(), 0..4), encapsulation())
        .prop_map(|(request_id, identity, facet, operation, mode, context, params)| Request {
            request_id,
            identity,
            facet,
            operation,
            mode,
            context: Context::from_iter(context),
            params,
        })
}

fn request_failed() -> impl Strategy<Value = RequestFailed> {
    (identity(), text(), text()).prop_map(|(identity, facet, operation)| RequestFailed {
        identity,
        facet,
        operation,
    })
}

fn reply_status() -> impl Strategy<Value = ReplyStatus> {
    prop_oneof![
        encapsulation().prop_map(ReplyStatus::Ok),
        encapsulation().prop_map(ReplyStatus::UserException),
        request_failed().prop_map(ReplyStatus::ObjectNotExist),
        request_failed().prop_map(ReplyStatus::FacetNotExist),
        request_failed().prop_map(ReplyStatus::OperationNotExist),
        text().prop_map(ReplyStatus::UnknownLocalException),
        text().prop_map(ReplyStatus::UnknownUserException),
        text().prop_map(ReplyStatus::UnknownException),
        (8u8.., text()).prop_map(|(status, message)| ReplyStatus::Other { status, message }),
    ]
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        request(true).prop_map(Message::Request),
        vec(request(false), 0..4)
            .prop_map(|requests| Message::BatchRequest(BatchRequest { requests })),
        (any::<i32>(), reply_status())
            .prop_map(|(request_id, status)| Message::Reply(Reply { request_id, status })),
        Just(Message::ValidateConnection),
        Just(Message::CloseConnection),
    ]
}

/// Feeds `stream` in pieces ending at `cuts` (sorted or not), collecting frames until the
/// first error.
fn feed(stream: &[u8], cuts: &[usize]) -> (Vec<RawFrame>, Option<ice_proto::frame::ProtocolError>) {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    cuts.push(stream.len());
    cuts.sort_unstable();
    let mut decoder = FrameDecoder::new(1 << 20);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut pos = 0;
    for cut in cuts {
        buf.extend_from_slice(&stream[pos..cut]);
        pos = cut;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(f)) => frames.push(f),
                Ok(None) => break,
                Err(e) => return (frames, Some(e)),
            }
        }
    }
    (frames, None)
}

proptest! {
    #[test]
    fn round_trip(msg in message(), compress in any::<bool>()) {
        let frame = msg.encode(compress);
        let (frames, err) = feed(&frame.to_bytes(), &[]);
        prop_assert_eq!(err, None);
        prop_assert_eq!(frames.len(), 1);
        prop_assert_eq!(frames[0].header.size, frame.len());
        prop_assert_eq!(frames[0].decode(), Ok(msg));
    }

    #[test]
    fn any_chunking_yields_the_same_frames(
        msgs in vec((message(), any::<bool>()), 1..5),
        cuts in vec(any::<usize>(), 0..20),
    ) {
        let stream: Vec<u8> =
            msgs.iter().flat_map(|(m, c)| m.encode(*c).to_bytes().to_vec()).collect();
        let (whole, err) = feed(&stream, &[]);
        prop_assert_eq!(err, None);
        let (chunked, err) = feed(&stream, &cuts);
        prop_assert_eq!(err, None);
        prop_assert_eq!(&whole, &chunked);
        let decoded: Vec<Message> = chunked.iter().map(|f| f.decode().unwrap()).collect();
        let expected: Vec<Message> = msgs.into_iter().map(|(m, _)| m).collect();
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn awaited_is_the_rest_of_the_message_part_way_in(
        msgs in vec((message(), any::<bool>()), 1..5),
        cuts in vec(any::<usize>(), 0..20),
    ) {
        let encoded: Vec<Vec<u8>> = msgs.iter().map(|(m, c)| m.encode(*c).to_bytes().to_vec()).collect();
        let ends: Vec<usize> = encoded.iter().scan(0, |end, m| { *end += m.len(); Some(*end) }).collect();
        let stream = encoded.concat();
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
        cuts.push(stream.len());
        cuts.sort_unstable();
        let mut decoder = FrameDecoder::new(1 << 20);
        let mut buf = BytesMut::new();
        let mut pos = 0;
        for cut in cuts {
            buf.extend_from_slice(&stream[pos..cut]);
            pos = cut;
            while decoder.decode(&mut buf).unwrap().is_some() {}
            let front = pos - buf.len();
            let end = ends.iter().copied().find(|&e| e > front).unwrap_or(stream.len());
            let expected = if buf.len() >= 14 { end - pos } else { 0 };
            prop_assert_eq!(decoder.awaited(&buf), expected);
            // The decoder reserved that room, so reading it in grows nothing.
            prop_assert!(buf.capacity() >= buf.len() + expected);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in vec(any::<u8>(), 0..300), cuts in vec(any::<usize>(), 0..8)) {
        let (frames, _) = feed(&data, &cuts);
        for f in frames {
            let _ = f.decode();
        }
        let _ = decode_datagram(Bytes::from(data), 1 << 20);
    }

    /// Random bodies behind valid headers, so that the message decoders see them.
    #[test]
    fn arbitrary_bodies_never_panic(
        ty in 0u8..5,
        compression in 0u8..3,
        body in vec(any::<u8>(), 0..300),
        chained in any::<bool>(),
    ) {
        let mut stream = b"IceP\x01\x00\x01\x00".to_vec();
        stream.push(ty);
        stream.push(compression);
        stream.extend_from_slice(&((14 + body.len()) as i32).to_le_bytes());
        stream.extend_from_slice(&body);
        if chained {
            stream.extend_from_slice(&Message::ValidateConnection.encode(false).to_bytes());
        }
        let (frames, err) = feed(&stream, &[]);
        prop_assert!(err.is_some() || frames.len() == 1 + chained as usize);
        for f in frames {
            let _ = f.decode();
        }
        let _ = decode_datagram(Bytes::from(stream), 1 << 20);
    }

    /// Every single-byte corruption of a valid message is an error or another valid message.
    #[test]
    fn corrupted_messages_never_panic(msg in message(), at in any::<usize>(), byte in any::<u8>()) {
        let mut bytes = msg.encode(false).to_bytes().to_vec();
        let at = at % bytes.len();
        bytes[at] = byte;
        let (frames, _) = feed(&bytes, &[]);
        for f in frames {
            if let Ok(m) = f.decode() {
                // Whatever decodes must encode to a frame that decodes the same way.
                let (again, err) = feed(&m.encode(false).to_bytes(), &[]);
                prop_assert_eq!(err, None);
                prop_assert_eq!(again[0].decode(), Ok(m));
            }
        }
    }
}
