//! Arbitrary bytes as a TCP stream (cut into pieces whose size the first byte picks) and as a
//! datagram: the frame decoder must never panic, must cut the same frames whatever the
//! pieces, and every message it accepts must survive re-encoding. `Ice.Trace.Protocol`'s
//! description of each frame, and of any 14 bytes taken for a header, must not panic either.
#![no_main]

use bytes::{Bytes, BytesMut};
use ice_proto::frame::trace::{describe, Direction};
use ice_proto::frame::{decode_datagram, FrameDecoder, ProtocolError, RawFrame, HEADER_SIZE};
use libfuzzer_sys::fuzz_target;

const MAX: usize = 64 * 1024;

fn feed(stream: &[u8], piece: usize) -> (Vec<RawFrame>, Option<ProtocolError>) {
    let mut decoder = FrameDecoder::new(MAX);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for p in stream.chunks(piece) {
        buf.extend_from_slice(p);
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

fuzz_target!(|data: &[u8]| {
    let Some((&piece, stream)) = data.split_first() else { return };
    let (frames, error) = feed(stream, piece as usize + 1);
    assert_eq!((frames.clone(), error), feed(stream, stream.len().max(1)));
    if let Some(header) = stream.first_chunk::<HEADER_SIZE>() {
        let _ =
            describe(Direction::Received, header, Bytes::copy_from_slice(&stream[HEADER_SIZE..]));
    }
    for f in frames {
        let _ = describe(Direction::Received, &f.header.encode(), f.body.clone());
        if let Ok(msg) = f.decode() {
            let encoded = msg.encode(f.header.compression > 0).to_bytes();
            let mut buf = BytesMut::from(&encoded[..]);
            let again = FrameDecoder::new(1 << 30)
                .decode(&mut buf)
                .expect("our own encoding is valid")
                .expect("and complete");
            assert!(buf.is_empty());
            assert_eq!(again.decode().expect("and decodes"), msg);
        }
    }
    let _ = decode_datagram(Bytes::copy_from_slice(stream), MAX).map(|f| f.decode());
});
