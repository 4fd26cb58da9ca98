use bytes::{BufMut, Bytes, BytesMut};

use super::{Encapsulation, Encode, EncodingVersion, OptionalFormat};

/// Writes values in the Ice encoding into a growable buffer.
///
/// Sizes that are only known after their contents are written (encapsulations, `FSize`
/// optionals, slice sizes) are reserved and back-patched: see [`OutputStream::start_size`].
#[derive(Debug, Default)]
pub struct OutputStream {
    buf: BytesMut,
    encoding: EncodingVersion,
}

/// A reserved 4-byte size in an [`OutputStream`], to be filled in later.
#[derive(Debug, Clone, Copy)]
#[must_use = "a reserved size must be back-patched"]
pub struct SizeMark {
    pos: usize,
    outer_encoding: EncodingVersion,
}

impl OutputStream {
    /// A stream writing `encoding` (the encoding of the enclosing encapsulation).
    pub fn new(encoding: EncodingVersion) -> Self {
        OutputStream { buf: BytesMut::new(), encoding }
    }

    /// Like [`OutputStream::new`], with room for `capacity` bytes.
    pub fn with_capacity(encoding: EncodingVersion, capacity: usize) -> Self {
        OutputStream { buf: BytesMut::with_capacity(capacity), encoding }
    }

    /// A stream that appends to `buf`.
    pub fn from_buf(buf: BytesMut, encoding: EncodingVersion) -> Self {
        OutputStream { buf, encoding }
    }

    /// The encoding values are currently written in.
    pub fn encoding(&self) -> EncodingVersion {
        self.encoding
    }

    /// Number of bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes written so far.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf
    }

    /// The buffer, for adding more bytes without the stream.
    pub fn buf_mut(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// Ends writing and returns the bytes.
    pub fn into_bytes(self) -> Bytes {
        self.buf.freeze()
    }

    /// Ends writing and returns the buffer.
    pub fn into_inner(self) -> BytesMut {
        self.buf
    }

    /// Writes any encodable value.
    pub fn write<T: Encode + ?Sized>(&mut self, v: &T) {
        v.encode(self)
    }

    /// Writes one byte.
    pub fn write_u8(&mut self, v: u8) {
        self.buf.put_u8(v)
    }

    /// Writes a `bool` as one byte, 0 or 1.
    pub fn write_bool(&mut self, v: bool) {
        self.buf.put_u8(v as u8)
    }

    /// Writes a `short`.
    pub fn write_i16(&mut self, v: i16) {
        self.buf.put_i16_le(v)
    }

    /// Writes an `int`.
    pub fn write_i32(&mut self, v: i32) {
        self.buf.put_i32_le(v)
    }

    /// Writes a `long`.
    pub fn write_i64(&mut self, v: i64) {
        self.buf.put_i64_le(v)
    }

    /// Writes a `float`.
    pub fn write_f32(&mut self, v: f32) {
        self.buf.put_f32_le(v)
    }

    /// Writes a `double`.
    pub fn write_f64(&mut self, v: f64) {
        self.buf.put_f64_le(v)
    }

    /// Writes an Ice size: one byte below 255, else `0xFF` and an `int`.
    ///
    /// # Panics
    /// If `n` exceeds `i32::MAX`, which Ice cannot represent.
    pub fn write_size(&mut self, n: usize) {
        if n < 255 {
            self.buf.put_u8(n as u8);
        } else {
            let n = i32::try_from(n).unwrap_or_else(|_| panic!("Ice size {n} exceeds i32::MAX"));
            self.buf.put_u8(0xFF);
            self.buf.put_i32_le(n);
        }
    }

    /// Writes raw bytes with no size prefix.
    pub fn write_raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes)
    }

    /// Writes a string: its UTF-8 length as a size, then the bytes.
    pub fn write_string(&mut self, s: &str) {
        self.write_byte_seq(s.as_bytes())
    }

    /// Writes a `sequence<byte>`: a size then the bytes.
    pub fn write_byte_seq(&mut self, bytes: &[u8]) {
        self.write_size(bytes.len());
        self.buf.extend_from_slice(bytes)
    }

    /// Writes a sequence: the element count as a size, then each element.
    pub fn write_seq<T: Encode>(&mut self, items: &[T]) {
        self.write_size(items.len());
        T::encode_slice(items, self)
    }

    /// Writes an enumerator of an enum whose largest enumerator is `max_value`: a size in 1.1;
    /// in 1.0 a byte, short or int depending on `max_value` (spec §3.6).
    pub fn write_enum(&mut self, value: i32, max_value: i32) {
        if self.encoding == EncodingVersion::V1_0 {
            if max_value < 127 {
                self.write_u8(value as u8)
            } else if max_value < 32767 {
                self.write_i16(value as i16)
            } else {
                self.write_i32(value)
            }
        } else {
            self.write_size(value.max(0) as usize)
        }
    }

    /// Reserves a 4-byte size to be filled in by [`OutputStream::end_size_exclusive`] or
    /// [`OutputStream::end_size_inclusive`].
    pub fn start_size(&mut self) -> SizeMark {
        let pos = self.buf.len();
        self.buf.put_i32_le(0);
        SizeMark { pos, outer_encoding: self.encoding }
    }

    /// Fills in `mark` with the number of bytes written after it (`FSize` optionals).
    pub fn end_size_exclusive(&mut self, mark: SizeMark) {
        let n = self.buf.len() - mark.pos - 4;
        self.patch_i32(mark.pos, n);
    }

    /// Fills in `mark` with the number of bytes written since it, counting its own 4 bytes
    /// (encapsulations, slice sizes).
    pub fn end_size_inclusive(&mut self, mark: SizeMark) {
        let n = self.buf.len() - mark.pos;
        self.patch_i32(mark.pos, n);
    }

    fn patch_i32(&mut self, pos: usize, n: usize) {
        let n = i32::try_from(n).unwrap_or_else(|_| panic!("Ice size {n} exceeds i32::MAX"));
        self.buf[pos..pos + 4].copy_from_slice(&n.to_le_bytes());
    }

    /// Starts an encapsulation in `encoding`; values written until
    /// [`OutputStream::end_encapsulation`] use that encoding.
    pub fn start_encapsulation(&mut self, encoding: EncodingVersion) -> SizeMark {
        let mark = self.start_size();
        self.buf.put_u8(encoding.major);
        self.buf.put_u8(encoding.minor);
        self.encoding = encoding;
        mark
    }

    /// Ends the encapsulation begun at `mark`: back-patches its size and restores the
    /// enclosing encoding.
    pub fn end_encapsulation(&mut self, mark: SizeMark) {
        self.end_size_inclusive(mark);
        self.encoding = mark.outer_encoding;
    }

    /// Writes an encapsulation that was already encoded (for example, one being forwarded).
    pub fn write_encapsulation(&mut self, encaps: &Encapsulation) {
        encaps.encode(self)
    }

    /// Writes the optional header for `tag` in `format` (spec §3.10). Returns `false`, writing
    /// nothing, in encoding 1.0, which has no optionals: the caller must then omit the value.
    pub fn write_optional_header(&mut self, tag: u32, format: OptionalFormat) -> bool {
        if self.encoding == EncodingVersion::V1_0 {
            return false;
        }
        if tag < 30 {
            self.write_u8(((tag as u8) << 3) | format as u8);
        } else {
            self.write_u8(0xF0 | format as u8);
            self.write_size(tag as usize);
        }
        true
    }

    /// Writes an optional member or parameter with `tag` if `value` is `Some`. Optionals must be
    /// written in increasing tag order.
    pub fn write_optional<T: Encode>(&mut self, tag: u32, value: &Option<T>) {
        if let Some(v) = value {
            if self.write_optional_header(tag, T::OPTIONAL_FORMAT) {
                v.encode_optional(self);
            }
        }
    }
}
