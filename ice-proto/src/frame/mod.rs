//! Ice protocol messages and their framing (spec §1, §2).
//!
//! - [`FrameDecoder`] cuts a stream of bytes into [`RawFrame`]s (checked header, body);
//!   [`decode_datagram`] does the same for one UDP datagram.
//! - [`Message::decode`] turns a header and body into a [`Message`]; [`Message::encode`] turns
//!   a message into a [`Frame`], a few [`Bytes`](bytes::Bytes) chunks that share large
//!   encapsulations instead of copying them.
//! - [`BatchRequestQueue`] accumulates batched oneway requests into one BatchRequest.
//!
//! Compression (byte 9 of the header) follows ZeroC Ice: bzip2 at `Ice.Compression.Level`
//! for messages of 100 bytes or more whose sender asked for it.

mod batch;
mod batch_queue;
mod chunks;
mod compress;
mod decoder;
mod error;
mod header;
mod message;
mod reply;
mod request;
pub mod trace;

pub(crate) use batch::BatchReader;
pub use batch::BatchRequest;
pub use batch_queue::{BatchRequestQueue, FlushedBatch};
pub use chunks::Frame;
pub(crate) use compress::decompress_body;
pub use compress::{COMPRESSION_THRESHOLD, DEFAULT_COMPRESSION_LEVEL};
pub use decoder::{decode_datagram, FrameDecoder, RawFrame};
pub use error::ProtocolError;
pub use header::{Header, MessageType, DEFAULT_MESSAGE_SIZE_MAX, HEADER_SIZE, MAGIC};
pub use message::Message;
pub use reply::{Reply, ReplyStatus, RequestFailed};
pub use request::Request;

use chunks::FrameWriter;
