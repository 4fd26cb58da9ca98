use super::{InputStream, OutputStream};
use crate::DecodeError;

/// A Slice enum. Implement it for a Rust enum, then write values with
/// [`IceEnum::write`] and read them with [`IceEnum::read`]; the wire width follows the rules of
/// encodings 1.0 and 1.1 (spec §3.6). [`ice_enum!`](crate::ice_enum) adds the
/// [`Encode`](super::Encode) / [`Decode`](super::Decode) impls that containers, tuples and
/// optionals need.
///
/// ```
/// use ice_proto::encoding::IceEnum;
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// enum Color { Red, Green, Blue }
/// impl IceEnum for Color {
///     const MAX_VALUE: i32 = 2;
///     fn value(&self) -> i32 { *self as i32 }
///     fn from_value(v: i32) -> Option<Self> {
///         [Color::Red, Color::Green, Color::Blue].get(usize::try_from(v).ok()?).copied()
///     }
/// }
/// ```
pub trait IceEnum: Sized {
    /// The largest enumerator value, which sets the 1.0 wire width.
    const MAX_VALUE: i32;
    /// The enumerator's value.
    fn value(&self) -> i32;
    /// The enumerator with value `v`, if any.
    fn from_value(v: i32) -> Option<Self>;

    /// Writes the enumerator.
    fn write(&self, out: &mut OutputStream) {
        out.write_enum(self.value(), Self::MAX_VALUE)
    }

    /// Reads an enumerator, failing on values the enum does not define.
    fn read(input: &mut InputStream) -> Result<Self, DecodeError> {
        let v = input.read_enum(Self::MAX_VALUE)?;
        Self::from_value(v).ok_or(DecodeError::InvalidEnumerator(v))
    }
}

/// Implements [`Encode`](crate::encoding::Encode) and [`Decode`](crate::encoding::Decode) for
/// types that implement [`IceEnum`], so that Slice enums can be struct members, sequence
/// elements, dictionary values, parameters and optionals (format `Size`, spec §3.10).
///
/// ```
/// use ice_proto::encoding::{EncodingVersion, IceEnum, InputStream, OutputStream};
///
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// enum Color { Red, Green, Blue }
/// impl IceEnum for Color {
///     const MAX_VALUE: i32 = 2;
///     fn value(&self) -> i32 { *self as i32 }
///     fn from_value(v: i32) -> Option<Self> {
///         [Color::Red, Color::Green, Color::Blue].get(usize::try_from(v).ok()?).copied()
///     }
/// }
/// ice_proto::ice_enum!(Color);
///
/// let mut out = OutputStream::new(EncodingVersion::V1_1);
/// out.write(&vec![Color::Blue, Color::Red]);
/// out.write_optional(3, &Some(Color::Green));
/// assert_eq!(out.as_slice(), [2, 2, 0, 0x1c, 1]);
///
/// let mut input = InputStream::new(out.into_bytes(), EncodingVersion::V1_1);
/// assert_eq!(input.read::<Vec<Color>>().unwrap(), [Color::Blue, Color::Red]);
/// assert_eq!(input.read_optional::<Color>(3).unwrap(), Some(Color::Green));
/// ```
#[macro_export]
macro_rules! ice_enum {
    ($($enum_type:ty),+ $(,)?) => {$(
        impl $crate::encoding::Encode for $enum_type {
            const OPTIONAL_FORMAT: $crate::encoding::OptionalFormat =
                $crate::encoding::OptionalFormat::Size;
            fn encode(&self, out: &mut $crate::encoding::OutputStream) {
                $crate::encoding::IceEnum::write(self, out)
            }
        }
        impl $crate::encoding::Decode for $enum_type {
            // Enums are variable-size (1, 2, 4 or 5 bytes) but never shorter than one byte.
            const MIN_WIRE_SIZE: usize = 1;
            const OPTIONAL_FORMAT: $crate::encoding::OptionalFormat =
                $crate::encoding::OptionalFormat::Size;
            fn decode(
                input: &mut $crate::encoding::InputStream,
            ) -> ::core::result::Result<Self, $crate::DecodeError> {
                <$enum_type as $crate::encoding::IceEnum>::read(input)
            }
        }
    )+};
}
