use bytes::Bytes;

use super::compress::{compress_frame, compression_byte, DEFAULT_COMPRESSION_LEVEL};
use super::{
    BatchRequest, Frame, FrameWriter, Header, MessageType, ProtocolError, Reply, Request,
    HEADER_SIZE,
};

/// An Ice message (spec §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A oneway or twoway request.
    Request(Request),
    /// Oneway requests sent together.
    BatchRequest(BatchRequest),
    /// The reply to a twoway request.
    Reply(Reply),
    /// Connection validation, also the heartbeat.
    ValidateConnection,
    /// Graceful close.
    CloseConnection,
}

impl Message {
    /// The type written in the header.
    pub fn message_type(&self) -> MessageType {
        match self {
            Message::Request(_) => MessageType::Request,
            Message::BatchRequest(_) => MessageType::BatchRequest,
            Message::Reply(_) => MessageType::Reply,
            Message::ValidateConnection => MessageType::ValidateConnection,
            Message::CloseConnection => MessageType::CloseConnection,
        }
    }

    /// Encodes the message, header included.
    ///
    /// `compress` is, for requests and batch requests, the proxy's compress flag; for
    /// replies, whether the request's compression byte was above 0. With it on, a message of
    /// 100 bytes or more is bzip2-compressed (compression byte 2) and a smaller one is sent
    /// with byte 1; with it off the byte is 0. ValidateConnection and CloseConnection always
    /// carry 0. Large encapsulations of uncompressed messages are shared, not copied.
    ///
    /// # Panics
    /// If the message is larger than `i32::MAX` bytes, which Ice cannot frame.
    pub fn encode(&self, compress: bool) -> Frame {
        self.encode_with_level(compress, DEFAULT_COMPRESSION_LEVEL)
    }

    /// Like [`Message::encode`], with the bzip2 block size `level` (1..=9,
    /// `Ice.Compression.Level`).
    pub fn encode_with_level(&self, compress: bool, level: u32) -> Frame {
        let message_type = self.message_type();
        let (body_len, shared) = match self {
            Message::Request(r) => (4 + r.fields_len(), r.shared_len()),
            Message::BatchRequest(b) => (b.body_len(), b.shared_len()),
            Message::Reply(r) => (r.body_len(), r.shared_len()),
            Message::ValidateConnection | Message::CloseConnection => (0, 0),
        };
        let size = HEADER_SIZE + body_len;
        let compression = compression_byte(message_type, compress, size);
        let mut w = FrameWriter::new(size, shared);
        let header = Header { message_type, compression: compression.min(1), size };
        w.out().write_raw(&header.encode());
        match self {
            Message::Request(r) => {
                w.out().write_i32(r.request_id);
                r.write_fields(&mut w);
            }
            Message::BatchRequest(b) => b.write_body(&mut w),
            Message::Reply(r) => r.write_body(&mut w),
            Message::ValidateConnection | Message::CloseConnection => {}
        }
        debug_assert_eq!(w.len(), size);
        let frame = w.finish();
        if compression == 2 {
            if let Some(compressed) = compress_frame(&frame, message_type, level) {
                return compressed;
            }
        }
        frame
    }

    /// Decodes a message from its header and its body (everything after the 14 header
    /// bytes, already decompressed, as [`FrameDecoder`](super::FrameDecoder) delivers it).
    /// Encapsulations in the result share `body`'s buffer.
    pub fn decode(header: &Header, body: Bytes) -> Result<Message, ProtocolError> {
        Ok(match header.message_type {
            MessageType::Request => Message::Request(Request::decode_body(body)?),
            MessageType::BatchRequest => Message::BatchRequest(BatchRequest::decode_body(body)?),
            MessageType::Reply => Message::Reply(Reply::decode_body(body)?),
            MessageType::ValidateConnection | MessageType::CloseConnection => {
                if !body.is_empty() {
                    return Err(ProtocolError::TrailingBytes);
                }
                if header.message_type == MessageType::ValidateConnection {
                    Message::ValidateConnection
                } else {
                    Message::CloseConnection
                }
            }
        })
    }
}

impl From<Request> for Message {
    fn from(r: Request) -> Message {
        Message::Request(r)
    }
}

impl From<BatchRequest> for Message {
    fn from(b: BatchRequest) -> Message {
        Message::BatchRequest(b)
    }
}

impl From<Reply> for Message {
    fn from(r: Reply) -> Message {
        Message::Reply(r)
    }
}
