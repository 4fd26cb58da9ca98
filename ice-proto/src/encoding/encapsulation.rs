use bytes::{BufMut, Bytes};

use super::{Decode, Encode, EncodingVersion, InputStream, OutputStream};
use crate::DecodeError;

/// An encapsulation (spec §3.9): data in a stated encoding, prefixed by its size so that a
/// reader can skip or forward it without decoding it.
///
/// The contents are kept as [`Bytes`], so passing an encapsulation along (as a router does)
/// never copies it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Encapsulation {
    /// The encoding of the contents.
    pub encoding: EncodingVersion,
    /// The contents, after the 6-byte header.
    pub data: Bytes,
}

impl Encapsulation {
    /// Size of the header: an `int` size and two version bytes.
    pub const HEADER_SIZE: usize = 6;

    /// An encapsulation holding `data`, already encoded in `encoding`.
    pub fn new(encoding: EncodingVersion, data: Bytes) -> Self {
        Encapsulation { encoding, data }
    }

    /// An empty encapsulation (no parameters, or a void result).
    pub fn empty(encoding: EncodingVersion) -> Self {
        Encapsulation { encoding, data: Bytes::new() }
    }

    /// Encodes `value` into a new encapsulation in `encoding`.
    pub fn from_value<T: Encode + ?Sized>(encoding: EncodingVersion, value: &T) -> Self {
        Self::build(encoding, |out| value.encode(out))
    }

    /// Builds an encapsulation by writing its contents with `write`.
    pub fn build(encoding: EncodingVersion, write: impl FnOnce(&mut OutputStream)) -> Self {
        let mut out = OutputStream::new(encoding);
        write(&mut out);
        Encapsulation { encoding, data: out.into_bytes() }
    }

    /// Total encoded size, header included.
    pub fn encoded_len(&self) -> usize {
        self.data.len() + Self::HEADER_SIZE
    }

    /// Whether it holds no data.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// A reader over the contents. Fails with [`DecodeError::UnsupportedEncoding`] unless the
    /// encoding is 1.0 or 1.1.
    pub fn reader(&self) -> Result<InputStream, DecodeError> {
        if !self.encoding.is_supported() {
            return Err(DecodeError::UnsupportedEncoding(self.encoding));
        }
        Ok(InputStream::new(self.data.clone(), self.encoding))
    }

    /// Checks that `reader` consumed the whole encapsulation the way ZeroC Ice requires: in 1.1
    /// trailing optionals (unknown to the reader) are skipped first; in 1.0 one stray trailing
    /// byte is tolerated.
    pub fn finish(&self, reader: &mut InputStream) -> Result<(), DecodeError> {
        if self.encoding == EncodingVersion::V1_0 {
            if reader.remaining() > 1 {
                return Err(DecodeError::Encapsulation("unexpected bytes after the last value"));
            }
            return Ok(());
        }
        // Like Ice, an end marker stops the skipping; only the position then matters.
        reader.skip_remaining_optionals()?;
        reader.expect_end()
    }

    /// [`Encapsulation::finish`], skipping optional class instances with the classes
    /// `factory` knows, as Ice skips them with its value factories (so that an instance in the
    /// compact format, which only a reader knowing its class can skip, is skipped too).
    pub fn finish_with(
        &self,
        reader: &mut InputStream,
        factory: &dyn crate::value::ValueFactory,
    ) -> Result<(), DecodeError> {
        if self.encoding == EncodingVersion::V1_0 {
            return self.finish(reader);
        }
        crate::value::ValueReader::new(reader, factory).skip_remaining_optionals()?;
        reader.expect_end()
    }

    /// Decodes the whole contents as one `T` (use a tuple for several parameters) and checks
    /// that nothing but unknown optionals is left.
    pub fn decode<T: Decode>(&self) -> Result<T, DecodeError> {
        let mut r = self.reader()?;
        let v = T::decode(&mut r)?;
        self.finish(&mut r)?;
        Ok(v)
    }

    /// Checks that the encapsulation carries no parameters, as a reader expecting none does
    /// (Ice's `skipEmptyEncapsulation`): in 1.0 it must be exactly empty; in 1.1 its contents
    /// can only be optionals unknown to the reader and are skipped unread.
    pub fn expect_empty(&self) -> Result<(), DecodeError> {
        if !self.encoding.is_supported() {
            return Err(DecodeError::UnsupportedEncoding(self.encoding));
        }
        if self.encoding == EncodingVersion::V1_0 && !self.data.is_empty() {
            return Err(DecodeError::Encapsulation(
                "1.0 encapsulation without parameters is not empty",
            ));
        }
        Ok(())
    }

    /// The encoded encapsulation, header included, as one buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = OutputStream::with_capacity(self.encoding, self.encoded_len());
        self.encode(&mut out);
        out.into_bytes()
    }

    /// The 6-byte header (size and version), for writing header and contents as separate
    /// chunks without copying the contents.
    pub fn header_bytes(&self) -> [u8; 6] {
        let mut h = [0u8; 6];
        let size = i32::try_from(self.encoded_len()).unwrap_or(i32::MAX);
        h[..4].copy_from_slice(&size.to_le_bytes());
        h[4] = self.encoding.major;
        h[5] = self.encoding.minor;
        h
    }
}

impl Encode for Encapsulation {
    fn encode(&self, out: &mut OutputStream) {
        let buf = out.buf_mut();
        buf.reserve(self.encoded_len());
        buf.put_slice(&self.header_bytes());
        buf.put_slice(&self.data);
    }
}

impl Decode for Encapsulation {
    const MIN_WIRE_SIZE: usize = Self::HEADER_SIZE;
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        input.read_encapsulation()
    }
}
