use std::mem;

use bytes::{BufMut, BytesMut};

use super::batch::count_i32;
use super::compress::{compress_frame, compression_byte, DEFAULT_COMPRESSION_LEVEL};
use super::{Frame, FrameWriter, Header, MessageType, Request, HEADER_SIZE};

/// Batched oneway requests waiting to be sent as one BatchRequest message.
///
/// Each pushed request is encoded at once into a growing buffer (large parameter
/// encapsulations are kept as shared chunks, not copied); [`BatchRequestQueue::take`] adds the
/// header and count. Callers flush when [`BatchRequestQueue::size`] passes
/// `Ice.BatchAutoFlushSize`, or when the application asks.
#[derive(Debug)]
pub struct BatchRequestQueue {
    body: FrameWriter,
    count: usize,
    compress: bool,
    level: u32,
}

/// A batch taken from a [`BatchRequestQueue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlushedBatch {
    /// The encoded BatchRequest message.
    pub frame: Frame,
    /// How many requests it holds.
    pub count: usize,
}

impl Default for BatchRequestQueue {
    fn default() -> Self {
        BatchRequestQueue::new()
    }
}

impl BatchRequestQueue {
    /// An empty queue compressing at the default level.
    pub fn new() -> Self {
        BatchRequestQueue::with_compression_level(DEFAULT_COMPRESSION_LEVEL)
    }

    /// An empty queue compressing at bzip2 block size `level` (`Ice.Compression.Level`).
    pub fn with_compression_level(level: u32) -> Self {
        BatchRequestQueue { body: FrameWriter::default(), count: 0, compress: false, level }
    }

    /// Queues a request from a proxy without compression. Its request id is not sent.
    pub fn push(&mut self, request: Request) {
        self.push_with(request, false)
    }

    /// Queues a request; `compress` is its proxy's compress flag. The batch is compressed if
    /// any of its requests' proxies asked for it.
    pub fn push_with(&mut self, request: Request, compress: bool) {
        request.write_fields(&mut self.body);
        self.count += 1;
        self.compress |= compress;
    }

    /// Number of queued requests.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no request is queued.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Size in bytes of the BatchRequest message the queue would make, uncompressed.
    pub fn size(&self) -> usize {
        HEADER_SIZE + 4 + self.body.len()
    }

    /// What [`BatchRequestQueue::size`] would be once `request` is queued too.
    pub fn size_with(&self, request: &Request) -> usize {
        self.size() + request.fields_len()
    }

    /// Whether a queued request's proxy asked for compression.
    pub fn wants_compression(&self) -> bool {
        self.compress
    }

    /// Takes the queued requests as one message, compressed as the requests' proxies asked
    /// (ZeroC's `CompressBatch::BasedOnProxy`), and empties the queue. `None` if it is empty.
    pub fn take(&mut self) -> Option<FlushedBatch> {
        self.take_with(None)
    }

    /// Like [`BatchRequestQueue::take`]; `Some(compress)` overrides the requests' choice
    /// (`CompressBatch::Yes` / `No`).
    pub fn take_with(&mut self, compress: Option<bool>) -> Option<FlushedBatch> {
        if self.count == 0 {
            return None;
        }
        let count = mem::take(&mut self.count);
        let compress = compress.unwrap_or(mem::take(&mut self.compress));
        self.compress = false;
        let mut frame = mem::take(&mut self.body).finish();
        let size = HEADER_SIZE + 4 + frame.len();
        let compression = compression_byte(MessageType::BatchRequest, compress, size);
        let header = Header {
            message_type: MessageType::BatchRequest,
            compression: compression.min(1),
            size,
        };
        let mut head = BytesMut::with_capacity(HEADER_SIZE + 4);
        head.put_slice(&header.encode());
        head.put_i32_le(count_i32(count));
        frame.prepend(head.freeze());
        if compression == 2 {
            if let Some(compressed) = compress_frame(&frame, MessageType::BatchRequest, self.level)
            {
                frame = compressed;
            }
        }
        Some(FlushedBatch { frame, count })
    }
}
