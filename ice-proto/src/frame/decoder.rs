use bytes::{Buf, Bytes, BytesMut};

use super::compress::decompress_body;
use super::{Header, Message, ProtocolError, HEADER_SIZE};

/// One message cut from the input: its checked header and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFrame {
    /// The header as received: `compression` keeps the wire byte (2 for a message that was
    /// compressed) and `size` the size on the wire.
    pub header: Header,
    /// Everything after the header, decompressed if the message was compressed. Shares the
    /// input buffer when it was not.
    pub body: Bytes,
}

impl RawFrame {
    /// Decodes the message.
    pub fn decode(&self) -> Result<Message, ProtocolError> {
        Message::decode(&self.header, self.body.clone())
    }

    /// Decodes the message, giving the body to it.
    pub fn into_message(self) -> Result<Message, ProtocolError> {
        Message::decode(&self.header, self.body)
    }
}

/// Splits a stream transport's bytes (TCP, TLS, WebSocket payloads) into messages.
///
/// Each header is checked as soon as its 14 bytes have arrived, before any of the body is
/// waited for; bodies are cut from the input buffer without copying. Compressed bodies are
/// decompressed, within `Ice.MessageSizeMax`. Any chunking of the input yields the same
/// frames. Errors are sticky: after one, every call returns it again, as the connection is
/// over.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    max_message_size: usize,
    error: Option<ProtocolError>,
}

impl FrameDecoder {
    /// A decoder that rejects messages larger than `max_message_size` bytes (see
    /// [`DEFAULT_MESSAGE_SIZE_MAX`](super::DEFAULT_MESSAGE_SIZE_MAX)).
    pub fn new(max_message_size: usize) -> Self {
        FrameDecoder { max_message_size, error: None }
    }

    /// The size limit.
    pub fn max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// Takes the next complete message from the front of `buf`, or returns `Ok(None)` if it
    /// has not fully arrived (reserving room for the rest of it in `buf`).
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<RawFrame>, ProtocolError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let result = self.decode_next(buf);
        if let Err(e) = &result {
            self.error = Some(e.clone());
        }
        result
    }

    /// How many more bytes the message at the front of `buf` needs before [`decode`] can
    /// return it: 0 when its header has not fully arrived (or is not valid), or when it is
    /// complete. A driver reads a large message's rest into exactly this room, so that its
    /// buffer never grows (and copies) mid-message.
    ///
    /// [`decode`]: FrameDecoder::decode
    pub fn awaited(&self, buf: &[u8]) -> usize {
        let Some(header_bytes) = buf.first_chunk::<HEADER_SIZE>() else {
            return 0;
        };
        match Header::decode(header_bytes, self.max_message_size) {
            Ok(header) => header.size.saturating_sub(buf.len()),
            Err(_) => 0,
        }
    }

    fn decode_next(&self, buf: &mut BytesMut) -> Result<Option<RawFrame>, ProtocolError> {
        let Some(header_bytes) = buf.first_chunk::<HEADER_SIZE>() else {
            return Ok(None);
        };
        let header = Header::decode(header_bytes, self.max_message_size)?;
        if buf.len() < header.size {
            buf.reserve(header.size - buf.len());
            return Ok(None);
        }
        buf.advance(HEADER_SIZE);
        let body = buf.split_to(header.size - HEADER_SIZE).freeze();
        finish(header, body, self.max_message_size).map(Some)
    }
}

impl Default for FrameDecoder {
    /// A decoder with the default `Ice.MessageSizeMax`.
    fn default() -> Self {
        FrameDecoder::new(super::DEFAULT_MESSAGE_SIZE_MAX)
    }
}

/// Reads the one message a UDP datagram holds. A datagram shorter than 14 bytes, or of a
/// different length than its header announces, is an error (ZeroC Ice drops it).
pub fn decode_datagram(
    datagram: Bytes,
    max_message_size: usize,
) -> Result<RawFrame, ProtocolError> {
    let Some(header_bytes) = datagram.first_chunk::<HEADER_SIZE>() else {
        return Err(ProtocolError::IllegalMessageSize(datagram.len() as i64));
    };
    let header = Header::decode(header_bytes, max_message_size)?;
    if header.size != datagram.len() {
        return Err(ProtocolError::DatagramSize { size: header.size, received: datagram.len() });
    }
    finish(header, datagram.slice(HEADER_SIZE..), max_message_size)
}

fn finish(header: Header, body: Bytes, max: usize) -> Result<RawFrame, ProtocolError> {
    let body = if header.is_compressed() { decompress_body(&body, max)? } else { body };
    Ok(RawFrame { header, body })
}
