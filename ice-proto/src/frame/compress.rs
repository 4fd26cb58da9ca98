//! bzip2 compression of message bodies (spec §2).

use bytes::Bytes;
use bzip2::{Action, Compress, Compression, Decompress, Status};

use super::{Frame, Header, MessageType, ProtocolError, HEADER_SIZE};

/// Default of `Ice.Compression.Level`: the bzip2 block size in units of 100 KB (1..=9).
pub const DEFAULT_COMPRESSION_LEVEL: u32 = 1;

/// Messages shorter than this (header included) are never compressed.
pub const COMPRESSION_THRESHOLD: usize = 100;

/// Output room added at a time while compressing.
const COMPRESS_STEP: usize = 4096;

/// The compression byte ZeroC Ice sends for a message of `total` bytes (spec §2).
/// `compress` is the proxy's compress flag for requests and batches, and whether the
/// request's compression byte was above 0 for replies.
pub(crate) fn compression_byte(message_type: MessageType, compress: bool, total: usize) -> u8 {
    match message_type {
        MessageType::ValidateConnection | MessageType::CloseConnection => 0,
        _ if !compress => 0,
        _ if total >= COMPRESSION_THRESHOLD => 2,
        _ => 1,
    }
}

/// Compresses the body of `frame`, an uncompressed message of type `message_type`, into one
/// chunk: header (compression byte 2, compressed size), the original total size, the bzip2
/// stream. `None` if the codec fails; the caller then sends the message uncompressed.
pub(crate) fn compress_frame(
    frame: &Frame,
    message_type: MessageType,
    level: u32,
) -> Option<Frame> {
    let original = i32::try_from(frame.len()).ok()?;
    let mut codec = Compress::new(Compression::new(level.clamp(1, 9)), 0);
    let mut out: Vec<u8> = Vec::with_capacity(HEADER_SIZE + 4 + frame.len() / 2 + 600);
    out.extend_from_slice(&[0; HEADER_SIZE]);
    out.extend_from_slice(&original.to_le_bytes());
    let mut skip = HEADER_SIZE;
    for chunk in frame.iter_slices() {
        let body = chunk.get(skip..).unwrap_or_default();
        skip = skip.saturating_sub(chunk.len());
        let mut consumed = 0;
        while consumed < body.len() {
            out.reserve(COMPRESS_STEP);
            let before = codec.total_in();
            codec.compress_vec(body.get(consumed..)?, &mut out, Action::Run).ok()?;
            consumed += usize::try_from(codec.total_in() - before).ok()?;
        }
    }
    loop {
        out.reserve(COMPRESS_STEP);
        if codec.compress_vec(&[], &mut out, Action::Finish).ok()? == Status::StreamEnd {
            break;
        }
    }
    let header = Header { message_type, compression: 2, size: out.len() };
    i32::try_from(out.len()).ok()?;
    out[..HEADER_SIZE].copy_from_slice(&header.encode());
    Some(Frame::from_bytes(Bytes::from(out)))
}

/// Decompresses the body of a message with compression byte 2: an `int` with the total
/// uncompressed size (header included), then a bzip2 stream that must decode to exactly the
/// rest of that size. The output never grows past that size, which is checked against
/// `max_message_size` first, so a bzip2 bomb fails instead of exhausting memory.
pub(crate) fn decompress_body(
    body: &[u8],
    max_message_size: usize,
) -> Result<Bytes, ProtocolError> {
    let Some((size, stream)) = body.split_first_chunk::<4>() else {
        return Err(crate::DecodeError::OutOfBounds { needed: 4, left: body.len() }.into());
    };
    let size = i32::from_le_bytes(*size);
    let total = match usize::try_from(size) {
        Ok(t) if t > HEADER_SIZE => t,
        _ => return Err(ProtocolError::IllegalMessageSize(size.into())),
    };
    if total > max_message_size {
        return Err(ProtocolError::MemoryLimit { size: total, max: max_message_size });
    }
    let expected = total - HEADER_SIZE;
    // Start from what the input plausibly expands to and double from there, so a small
    // message that merely claims a large size does not get that much memory up front. The
    // codec only ever sees `out[filled..]`, and `out` never grows past `expected`.
    let mut out = vec![0u8; expected.min(stream.len().saturating_mul(8).max(64 * 1024))];
    let mut filled = 0usize;
    let mut consumed = 0usize;
    let mut codec = Decompress::new(false);
    loop {
        if filled == out.len() && out.len() < expected {
            out.resize(out.len().saturating_mul(2).min(expected), 0);
        }
        let (in_before, out_before) = (codec.total_in(), codec.total_out());
        let input = stream.get(consumed..).unwrap_or_default();
        let output = out.get_mut(filled..).unwrap_or_default();
        let status = codec
            .decompress(input, output)
            .map_err(|e| ProtocolError::Compression(format!("bzip2: {e}")))?;
        let read = usize::try_from(codec.total_in() - in_before).unwrap_or(usize::MAX);
        let written = usize::try_from(codec.total_out() - out_before).unwrap_or(usize::MAX);
        consumed = consumed.saturating_add(read);
        filled = filled.saturating_add(written);
        if status == Status::StreamEnd {
            break;
        }
        if read == 0 && written == 0 {
            return Err(ProtocolError::Compression(if filled >= expected {
                format!("bzip2 stream decompresses to more than the announced {expected} bytes")
            } else {
                format!("bzip2 stream ends early, after {filled} of {expected} bytes")
            }));
        }
    }
    if filled != expected {
        return Err(ProtocolError::Compression(format!(
            "bzip2 stream decompresses to {filled} bytes, announced {expected}"
        )));
    }
    if consumed != stream.len() {
        return Err(ProtocolError::Compression("bytes after the end of the bzip2 stream".into()));
    }
    out.truncate(filled);
    Ok(Bytes::from(out))
}
