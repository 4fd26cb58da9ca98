use super::{InputStream, OptionalFormat, OutputStream};
use crate::DecodeError;

/// A type that can be written to an [`OutputStream`] in the Ice encoding.
///
/// Implement it by hand for Slice structs: write each member in declaration order. Set
/// [`Encode::FIXED_SIZE`] when every member has a fixed wire size (Slice's "fixed-size struct"),
/// because that changes how the struct is written as an optional.
pub trait Encode {
    /// The wire size when every value of the type has the same size (primitives and structs of
    /// them); `None` for variable-size types.
    const FIXED_SIZE: Option<usize> = None;

    /// The format used when a value of this type is an optional member or parameter.
    const OPTIONAL_FORMAT: OptionalFormat = match Self::FIXED_SIZE {
        Some(_) => OptionalFormat::VSize,
        None => OptionalFormat::FSize,
    };

    /// Writes the value.
    fn encode(&self, out: &mut OutputStream);

    /// Writes the value as the payload of an optional (after its tag header), in
    /// [`Encode::OPTIONAL_FORMAT`].
    fn encode_optional(&self, out: &mut OutputStream) {
        match (Self::OPTIONAL_FORMAT, Self::FIXED_SIZE) {
            (OptionalFormat::VSize, Some(n)) => {
                out.write_size(n);
                self.encode(out);
            }
            (OptionalFormat::FSize, _) => {
                let mark = out.start_size();
                self.encode(out);
                out.end_size_exclusive(mark);
            }
            _ => self.encode(out),
        }
    }

    /// Writes a run of values; a sequence writes its size and then calls this. Overridden by
    /// `u8` and `bool` to copy the bytes in one go.
    fn encode_slice(items: &[Self], out: &mut OutputStream)
    where
        Self: Sized,
    {
        for item in items {
            item.encode(out);
        }
    }
}

/// A type that can be read from an [`InputStream`] in the Ice encoding.
///
/// Decoders never panic and never allocate more than the input justifies: a sequence whose
/// count times [`Decode::MIN_WIRE_SIZE`] exceeds the bytes left fails before allocating.
pub trait Decode: Sized {
    /// The wire size when every value of the type has the same size; must agree with
    /// [`Encode::FIXED_SIZE`].
    const FIXED_SIZE: Option<usize> = None;

    /// The smallest number of bytes a value can occupy (1 for strings and sequences).
    const MIN_WIRE_SIZE: usize = match Self::FIXED_SIZE {
        Some(n) => n,
        None => 1,
    };

    /// The format used when a value of this type is an optional; must agree with
    /// [`Encode::OPTIONAL_FORMAT`].
    const OPTIONAL_FORMAT: OptionalFormat = match Self::FIXED_SIZE {
        Some(_) => OptionalFormat::VSize,
        None => OptionalFormat::FSize,
    };

    /// Reads a value.
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError>;

    /// Reads the payload of an optional (after its tag header).
    fn decode_optional(input: &mut InputStream) -> Result<Self, DecodeError> {
        match (Self::OPTIONAL_FORMAT, Self::FIXED_SIZE) {
            (OptionalFormat::VSize, Some(_)) => {
                input.read_size()?;
                Self::decode(input)
            }
            (OptionalFormat::FSize, _) => {
                input.read_i32()?;
                Self::decode(input)
            }
            _ => Self::decode(input),
        }
    }

    /// Reads `count` values for a sequence. `count` has already been checked against the bytes
    /// left, so reserving `count` elements is safe.
    fn decode_vec(count: usize, input: &mut InputStream) -> Result<Vec<Self>, DecodeError> {
        let mut v = Vec::with_capacity(count);
        for _ in 0..count {
            v.push(Self::decode(input)?);
        }
        Ok(v)
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    const FIXED_SIZE: Option<usize> = T::FIXED_SIZE;
    const OPTIONAL_FORMAT: OptionalFormat = T::OPTIONAL_FORMAT;
    fn encode(&self, out: &mut OutputStream) {
        (**self).encode(out)
    }
    fn encode_optional(&self, out: &mut OutputStream) {
        (**self).encode_optional(out)
    }
}

impl<T: Encode + ?Sized> Encode for Box<T> {
    const FIXED_SIZE: Option<usize> = T::FIXED_SIZE;
    const OPTIONAL_FORMAT: OptionalFormat = T::OPTIONAL_FORMAT;
    fn encode(&self, out: &mut OutputStream) {
        (**self).encode(out)
    }
    fn encode_optional(&self, out: &mut OutputStream) {
        (**self).encode_optional(out)
    }
}

impl<T: Decode> Decode for Box<T> {
    const FIXED_SIZE: Option<usize> = T::FIXED_SIZE;
    const MIN_WIRE_SIZE: usize = T::MIN_WIRE_SIZE;
    const OPTIONAL_FORMAT: OptionalFormat = T::OPTIONAL_FORMAT;
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        T::decode(input).map(Box::new)
    }
    fn decode_optional(input: &mut InputStream) -> Result<Self, DecodeError> {
        T::decode_optional(input).map(Box::new)
    }
}
