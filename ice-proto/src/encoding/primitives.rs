use bytes::Bytes;

use super::{Decode, Encode, InputStream, OptionalFormat, OutputStream};
use crate::DecodeError;

macro_rules! primitive {
    ($t:ty, $size:expr, $fmt:ident, $write:ident, $read:ident) => {
        impl Encode for $t {
            const FIXED_SIZE: Option<usize> = Some($size);
            const OPTIONAL_FORMAT: OptionalFormat = OptionalFormat::$fmt;
            fn encode(&self, out: &mut OutputStream) {
                out.$write(*self)
            }
        }
        impl Decode for $t {
            const FIXED_SIZE: Option<usize> = Some($size);
            const OPTIONAL_FORMAT: OptionalFormat = OptionalFormat::$fmt;
            fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
                input.$read()
            }
        }
    };
}

primitive!(i16, 2, F2, write_i16, read_i16);
primitive!(i32, 4, F4, write_i32, read_i32);
primitive!(i64, 8, F8, write_i64, read_i64);
primitive!(f32, 4, F4, write_f32, read_f32);
primitive!(f64, 8, F8, write_f64, read_f64);

impl Encode for u8 {
    const FIXED_SIZE: Option<usize> = Some(1);
    const OPTIONAL_FORMAT: OptionalFormat = OptionalFormat::F1;
    fn encode(&self, out: &mut OutputStream) {
        out.write_u8(*self)
    }
    fn encode_slice(items: &[Self], out: &mut OutputStream) {
        out.write_raw(items)
    }
}

impl Decode for u8 {
    const FIXED_SIZE: Option<usize> = Some(1);
    const OPTIONAL_FORMAT: OptionalFormat = OptionalFormat::F1;
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        input.read_u8()
    }
    fn decode_vec(count: usize, input: &mut InputStream) -> Result<Vec<Self>, DecodeError> {
        Ok(input.read_bytes(count)?.to_vec())
    }
}

impl Encode for bool {
    const FIXED_SIZE: Option<usize> = Some(1);
    const OPTIONAL_FORMAT: OptionalFormat = OptionalFormat::F1;
    fn encode(&self, out: &mut OutputStream) {
        out.write_bool(*self)
    }
}

impl Decode for bool {
    const FIXED_SIZE: Option<usize> = Some(1);
    const OPTIONAL_FORMAT: OptionalFormat = OptionalFormat::F1;
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        input.read_bool()
    }
}

impl Encode for str {
    const OPTIONAL_FORMAT: OptionalFormat = OptionalFormat::VSize;
    fn encode(&self, out: &mut OutputStream) {
        out.write_string(self)
    }
    fn encode_optional(&self, out: &mut OutputStream) {
        out.write_string(self)
    }
}

impl Encode for String {
    const OPTIONAL_FORMAT: OptionalFormat = OptionalFormat::VSize;
    fn encode(&self, out: &mut OutputStream) {
        out.write_string(self)
    }
    fn encode_optional(&self, out: &mut OutputStream) {
        out.write_string(self)
    }
}

impl Decode for String {
    const OPTIONAL_FORMAT: OptionalFormat = OptionalFormat::VSize;
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        input.read_string()
    }
    fn decode_optional(input: &mut InputStream) -> Result<Self, DecodeError> {
        input.read_string()
    }
}

/// `Bytes` is a `sequence<byte>` that is read without copying.
impl Encode for Bytes {
    const OPTIONAL_FORMAT: OptionalFormat = OptionalFormat::VSize;
    fn encode(&self, out: &mut OutputStream) {
        out.write_byte_seq(self)
    }
    fn encode_optional(&self, out: &mut OutputStream) {
        out.write_byte_seq(self)
    }
}

impl Decode for Bytes {
    const OPTIONAL_FORMAT: OptionalFormat = OptionalFormat::VSize;
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        input.read_byte_seq()
    }
    fn decode_optional(input: &mut InputStream) -> Result<Self, DecodeError> {
        input.read_byte_seq()
    }
}

impl Encode for () {
    const FIXED_SIZE: Option<usize> = Some(0);
    fn encode(&self, _out: &mut OutputStream) {}
}

impl Decode for () {
    const FIXED_SIZE: Option<usize> = Some(0);
    fn decode(_input: &mut InputStream) -> Result<Self, DecodeError> {
        Ok(())
    }
}

macro_rules! tuple {
    ($($n:tt $t:ident),+) => {
        /// A tuple encodes its elements in order, like a Slice struct or a parameter list.
        impl<$($t: Encode),+> Encode for ($($t,)+) {
            const FIXED_SIZE: Option<usize> = sum_fixed(&[$($t::FIXED_SIZE),+]);
            fn encode(&self, out: &mut OutputStream) {
                $(self.$n.encode(out);)+
            }
        }
        impl<$($t: Decode),+> Decode for ($($t,)+) {
            const FIXED_SIZE: Option<usize> = sum_fixed(&[$($t::FIXED_SIZE),+]);
            const MIN_WIRE_SIZE: usize = 0 $(+ $t::MIN_WIRE_SIZE)+;
            fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
                Ok(($($t::decode(input)?,)+))
            }
        }
    };
}

/// The fixed size of a struct whose members have the given fixed sizes, if all do.
pub const fn sum_fixed(sizes: &[Option<usize>]) -> Option<usize> {
    let mut total = 0;
    let mut i = 0;
    while i < sizes.len() {
        match sizes[i] {
            Some(n) => total += n,
            None => return None,
        }
        i += 1;
    }
    Some(total)
}

tuple!(0 A);
tuple!(0 A, 1 B);
tuple!(0 A, 1 B, 2 C);
tuple!(0 A, 1 B, 2 C, 3 D);
tuple!(0 A, 1 B, 2 C, 3 D, 4 E);
tuple!(0 A, 1 B, 2 C, 3 D, 4 E, 5 F);
tuple!(0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G);
tuple!(0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H);
