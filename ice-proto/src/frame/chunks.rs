use std::fmt;

use bytes::{Bytes, BytesMut};
use smallvec::SmallVec;

use crate::encoding::{EncodingVersion, OutputStream};

/// Shared payloads (encapsulation contents) up to this size are copied next to the fields
/// around them: one more small copy is cheaper than one more chunk to write.
const INLINE_MAX: usize = 512;

/// An encoded message, ready to write, as a few chunks.
///
/// Large encapsulations (request parameters, reply results) are kept as their own chunk,
/// sharing the caller's [`Bytes`] instead of being copied, so a driver should write the chunks
/// with a vectored write. Equality compares the bytes, not how they are split.
#[derive(Clone, Default)]
pub struct Frame {
    chunks: SmallVec<[Bytes; 3]>,
    len: usize,
}

impl Frame {
    /// A frame made of one buffer.
    pub fn from_bytes(bytes: Bytes) -> Frame {
        let len = bytes.len();
        let mut chunks = SmallVec::new();
        if len > 0 {
            chunks.push(bytes);
        }
        Frame { chunks, len }
    }

    /// The chunks, in order; none is empty.
    pub fn chunks(&self) -> &[Bytes] {
        &self.chunks
    }

    /// Total size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the frame holds no bytes (never the case for an encoded message).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Gives up the chunks.
    pub fn into_chunks(self) -> SmallVec<[Bytes; 3]> {
        self.chunks
    }

    /// The whole frame as one buffer: free for a single-chunk frame, a copy otherwise.
    pub fn to_bytes(&self) -> Bytes {
        match self.chunks.as_slice() {
            [] => Bytes::new(),
            [one] => one.clone(),
            many => {
                let mut b = BytesMut::with_capacity(self.len);
                for c in many {
                    b.extend_from_slice(c);
                }
                b.freeze()
            }
        }
    }

    /// Puts `bytes` in front of the frame.
    pub(crate) fn prepend(&mut self, bytes: Bytes) {
        if !bytes.is_empty() {
            self.len += bytes.len();
            self.chunks.insert(0, bytes);
        }
    }

    /// The bytes in order, across chunk boundaries.
    pub(crate) fn iter_slices(&self) -> impl Iterator<Item = &[u8]> {
        self.chunks.iter().map(|c| c.as_ref())
    }
}

impl From<Bytes> for Frame {
    fn from(bytes: Bytes) -> Frame {
        Frame::from_bytes(bytes)
    }
}

impl fmt::Debug for Frame {
    /// Sizes only: a frame can hold megabytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sizes: SmallVec<[usize; 3]> = self.chunks.iter().map(Bytes::len).collect();
        f.debug_struct("Frame").field("len", &self.len).field("chunks", &sizes.as_slice()).finish()
    }
}

impl PartialEq for Frame {
    fn eq(&self, other: &Frame) -> bool {
        self.len == other.len && self.iter_slices().flatten().eq(other.iter_slices().flatten())
    }
}

impl Eq for Frame {}

/// Builds a [`Frame`]: small fields go into one buffer sized in advance, large shared
/// payloads become chunks of their own.
#[derive(Debug, Default)]
pub(crate) struct FrameWriter {
    out: OutputStream,
    chunks: SmallVec<[Bytes; 3]>,
    len: usize,
}

impl FrameWriter {
    /// A writer for a frame of `total` bytes, of which `shared` may end up in shared chunks.
    pub(crate) fn new(total: usize, shared: usize) -> Self {
        FrameWriter::from_buf(BytesMut::with_capacity(total.saturating_sub(shared)))
    }

    /// A writer that appends to `buf`.
    pub(crate) fn from_buf(buf: BytesMut) -> Self {
        FrameWriter {
            out: OutputStream::from_buf(buf, EncodingVersion::V1_0),
            chunks: SmallVec::new(),
            len: 0,
        }
    }

    /// The stream for small fields.
    pub(crate) fn out(&mut self) -> &mut OutputStream {
        &mut self.out
    }

    /// Appends `data`, sharing it if it is large.
    pub(crate) fn write_shared(&mut self, data: &Bytes) {
        if data.len() <= INLINE_MAX {
            self.out.write_raw(data);
        } else {
            self.flush();
            self.len += data.len();
            self.chunks.push(data.clone());
        }
    }

    /// Bytes written so far, in chunks and in the buffer.
    pub(crate) fn len(&self) -> usize {
        self.len + self.out.len()
    }

    fn flush(&mut self) {
        let b = self.out.buf_mut().split().freeze();
        if !b.is_empty() {
            self.len += b.len();
            self.chunks.push(b);
        }
    }

    /// Ends writing.
    pub(crate) fn finish(mut self) -> Frame {
        if self.chunks.is_empty() {
            // Freezing the whole buffer (sized exactly in advance) costs no allocation,
            // unlike splitting it.
            return Frame::from_bytes(self.out.into_bytes());
        }
        self.flush();
        Frame { chunks: self.chunks, len: self.len }
    }
}

/// How many bytes of `data` [`FrameWriter::write_shared`] puts in a chunk of its own.
pub(crate) fn shared_len(data: &Bytes) -> usize {
    if data.len() > INLINE_MAX {
        data.len()
    } else {
        0
    }
}

/// Encoded length of an Ice size.
pub(crate) fn size_len(n: usize) -> usize {
    if n < 255 {
        1
    } else {
        5
    }
}

/// Encoded length of a string.
pub(crate) fn string_len(s: &str) -> usize {
    size_len(s.len()) + s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_payloads_are_shared_not_copied() {
        let big = Bytes::from(vec![7u8; 4096]);
        let mut w = FrameWriter::new(4096 + 8, 4096);
        w.out().write_i32(1);
        w.write_shared(&big);
        w.out().write_i32(2);
        let f = w.finish();
        assert_eq!(f.chunks().len(), 3);
        assert_eq!(f.len(), 4104);
        assert_eq!(f.chunks()[1].as_ptr(), big.as_ptr());
        let small = Bytes::from_static(b"abc");
        let mut w = FrameWriter::new(7, 3);
        w.out().write_i32(1);
        w.write_shared(&small);
        let f = w.finish();
        assert_eq!(f.chunks().len(), 1);
        assert_eq!(&f.to_bytes()[..], &[1, 0, 0, 0, b'a', b'b', b'c']);
    }

    #[test]
    fn equality_ignores_chunk_boundaries() {
        let whole = Frame::from_bytes(Bytes::from_static(b"abcdef"));
        let mut w = FrameWriter::new(6, 0);
        w.out().write_raw(b"abc");
        w.flush();
        w.out().write_raw(b"def");
        let split = w.finish();
        assert_eq!(split.chunks().len(), 2);
        assert_eq!(whole, split);
        assert_ne!(whole, Frame::from_bytes(Bytes::from_static(b"abcdeg")));
    }
}
