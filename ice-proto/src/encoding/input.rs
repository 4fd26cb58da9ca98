use bytes::Bytes;

use super::optional::OPTIONAL_END_MARKER;
use super::{Decode, Encapsulation, EncodingVersion, OptionalFormat};
use crate::DecodeError;

/// Reads values in the Ice encoding from a [`Bytes`] buffer.
///
/// Reading sub-ranges ([`InputStream::read_bytes`], encapsulations, byte sequences as
/// [`Bytes`]) shares the buffer instead of copying it.
#[derive(Debug, Clone)]
pub struct InputStream {
    buf: Bytes,
    pos: usize,
    encoding: EncodingVersion,
}

impl InputStream {
    /// A stream over `buf`, whose contents are in `encoding`.
    pub fn new(buf: impl Into<Bytes>, encoding: EncodingVersion) -> Self {
        InputStream { buf: buf.into(), pos: 0, encoding }
    }

    /// The encoding being read.
    pub fn encoding(&self) -> EncodingVersion {
        self.encoding
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Offset of the next byte to read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The bytes not yet read, without consuming them.
    pub fn peek_rest(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Fails unless every byte has been read.
    pub fn expect_end(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            _ => Err(DecodeError::Encapsulation("unexpected bytes after the last value")),
        }
    }

    fn need(&self, n: usize) -> Result<(), DecodeError> {
        if n > self.remaining() {
            Err(DecodeError::OutOfBounds { needed: n, left: self.remaining() })
        } else {
            Ok(())
        }
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        self.need(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(&self.buf[self.pos..self.pos + N]);
        self.pos += N;
        Ok(a)
    }

    /// Reads any decodable value.
    pub fn read<T: Decode>(&mut self) -> Result<T, DecodeError> {
        T::decode(self)
    }

    /// Reads one byte.
    pub fn read_u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take::<1>()?[0])
    }

    /// Looks at the next byte without reading it.
    pub fn peek_u8(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Reads a `bool`; any non-zero byte is `true`, as in ZeroC Ice.
    pub fn read_bool(&mut self) -> Result<bool, DecodeError> {
        Ok(self.read_u8()? != 0)
    }

    /// Reads a `short`.
    pub fn read_i16(&mut self) -> Result<i16, DecodeError> {
        Ok(i16::from_le_bytes(self.take()?))
    }

    /// Reads an `int`.
    pub fn read_i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_le_bytes(self.take()?))
    }

    /// Reads a `long`.
    pub fn read_i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.take()?))
    }

    /// Reads a `float`.
    pub fn read_f32(&mut self) -> Result<f32, DecodeError> {
        Ok(f32::from_le_bytes(self.take()?))
    }

    /// Reads a `double`.
    pub fn read_f64(&mut self) -> Result<f64, DecodeError> {
        Ok(f64::from_le_bytes(self.take()?))
    }

    /// Reads an Ice size (one byte, or `0xFF` and a non-negative `int`).
    pub fn read_size(&mut self) -> Result<usize, DecodeError> {
        match self.read_u8()? {
            0xFF => {
                let n = self.read_i32()?;
                usize::try_from(n).map_err(|_| DecodeError::NegativeSize(n))
            }
            b => Ok(b as usize),
        }
    }

    /// Reads a sequence's element count and checks that `count * min_element_size` bytes are
    /// left, so that the caller can allocate `count` elements safely.
    pub fn read_count(&mut self, min_element_size: usize) -> Result<usize, DecodeError> {
        let n = self.read_size()?;
        let needed = n.saturating_mul(min_element_size);
        self.need(needed)?;
        Ok(n)
    }

    /// Reads `n` raw bytes, sharing the underlying buffer.
    pub fn read_bytes(&mut self, n: usize) -> Result<Bytes, DecodeError> {
        self.need(n)?;
        let b = self.buf.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(b)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<(), DecodeError> {
        self.need(n)?;
        self.pos += n;
        Ok(())
    }

    /// Reads a `sequence<byte>` without copying.
    pub fn read_byte_seq(&mut self) -> Result<Bytes, DecodeError> {
        let n = self.read_size()?;
        self.read_bytes(n)
    }

    /// Reads a `sequence<byte>` as a borrowed slice.
    pub fn read_byte_slice(&mut self) -> Result<&[u8], DecodeError> {
        let n = self.read_size()?;
        self.need(n)?;
        let start = self.pos;
        self.pos += n;
        Ok(&self.buf[start..start + n])
    }

    /// Reads a string, checking that it is UTF-8.
    pub fn read_string(&mut self) -> Result<String, DecodeError> {
        let bytes = self.read_byte_slice()?;
        // Most categories and facets are empty: no UTF-8 check to call for them.
        if bytes.is_empty() {
            return Ok(String::new());
        }
        std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| DecodeError::InvalidUtf8)
    }

    /// Reads a sequence of `T`.
    pub fn read_seq<T: Decode>(&mut self) -> Result<Vec<T>, DecodeError> {
        let n = self.read_count(T::MIN_WIRE_SIZE)?;
        T::decode_vec(n, self)
    }

    /// Reads an enumerator of an enum whose largest enumerator is `max_value` (spec §3.6), and
    /// checks it is within `0..=max_value`.
    pub fn read_enum(&mut self, max_value: i32) -> Result<i32, DecodeError> {
        let v = if self.encoding == EncodingVersion::V1_0 {
            if max_value < 127 {
                self.read_u8()? as i32
            } else if max_value < 32767 {
                self.read_i16()? as i32
            } else {
                self.read_i32()?
            }
        } else {
            let n = self.read_size()?;
            i32::try_from(n).map_err(|_| DecodeError::InvalidEnumerator(i32::MAX))?
        };
        if v < 0 || v > max_value {
            return Err(DecodeError::InvalidEnumerator(v));
        }
        Ok(v)
    }

    /// Reads an encapsulation (size, version, contents) without decoding its contents. The
    /// size is checked against the bytes left; the version is not (see
    /// [`Encapsulation::reader`]).
    pub fn read_encapsulation(&mut self) -> Result<Encapsulation, DecodeError> {
        let size = self.read_i32()?;
        if size < 6 {
            return Err(DecodeError::Encapsulation("size smaller than its 6-byte header"));
        }
        let content = size as usize - 4;
        if content > self.remaining() {
            return Err(DecodeError::OutOfBounds { needed: content, left: self.remaining() });
        }
        let major = self.read_u8()?;
        let minor = self.read_u8()?;
        let data = self.read_bytes(content - 2)?;
        Ok(Encapsulation::new(EncodingVersion { major, minor }, data))
    }

    /// Reads the header of an optional value expected with `tag` and `format`. Returns `true`
    /// if it is present (the payload follows), `false` if it is absent. Optionals with smaller
    /// tags are skipped; unknown ones are how newer peers extend a type.
    pub fn read_optional_header(
        &mut self,
        tag: u32,
        format: OptionalFormat,
    ) -> Result<bool, DecodeError> {
        if self.encoding == EncodingVersion::V1_0 {
            return Ok(false);
        }
        loop {
            let start = self.pos;
            let Some(v) = self.peek_u8() else {
                return Ok(false);
            };
            if v == OPTIONAL_END_MARKER {
                return Ok(false);
            }
            self.pos += 1;
            let found_format = OptionalFormat::from_bits(v);
            let mut found_tag = (v >> 3) as u32;
            if found_tag == 30 {
                found_tag = u32::try_from(self.read_size()?)
                    .map_err(|_| DecodeError::invalid("optional tag too large"))?;
            }
            if found_tag > tag {
                self.pos = start;
                return Ok(false);
            }
            if found_tag < tag {
                self.skip_optional(found_format)?;
                continue;
            }
            if found_format != format {
                return Err(DecodeError::OptionalFormatMismatch {
                    tag,
                    found: found_format as u8,
                    expected: format as u8,
                });
            }
            return Ok(true);
        }
    }

    /// Reads the optional with `tag`, or `None` if it is absent.
    pub fn read_optional<T: Decode>(&mut self, tag: u32) -> Result<Option<T>, DecodeError> {
        if self.read_optional_header(tag, T::OPTIONAL_FORMAT)? {
            T::decode_optional(self).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Skips the payload of an optional in `format`.
    pub fn skip_optional(&mut self, format: OptionalFormat) -> Result<(), DecodeError> {
        match format {
            OptionalFormat::F1 => self.skip(1),
            OptionalFormat::F2 => self.skip(2),
            OptionalFormat::F4 => self.skip(4),
            OptionalFormat::F8 => self.skip(8),
            OptionalFormat::Size => self.read_size().map(drop),
            OptionalFormat::VSize => {
                let n = self.read_size()?;
                self.skip(n)
            }
            OptionalFormat::FSize => {
                let n = self.read_i32()?;
                let n = usize::try_from(n).map_err(|_| DecodeError::NegativeSize(n))?;
                self.skip(n)
            }
            // Only a class reader can tell where an instance ends. One that knows no class
            // slices the instance off and drops it, as Ice skips a class it does not know: in
            // the sliced format; the compact format cannot be skipped (as in Ice).
            OptionalFormat::Class => {
                let nothing = crate::value::ValueRegistry::new();
                crate::value::ValueReader::new(self, &nothing).read_value().map(drop)
            }
        }
    }

    /// Skips every remaining optional up to the end of the data or a `0xFF` end marker (which
    /// is consumed). Returns whether an end marker was found.
    pub fn skip_remaining_optionals(&mut self) -> Result<bool, DecodeError> {
        loop {
            let Some(v) = self.peek_u8() else {
                return Ok(false);
            };
            self.pos += 1;
            if v == OPTIONAL_END_MARKER {
                return Ok(true);
            }
            if (v >> 3) == 30 {
                self.read_size()?;
            }
            self.skip_optional(OptionalFormat::from_bits(v))?;
        }
    }
}
