use super::{InputStream, OutputStream};
use crate::DecodeError;

/// A Slice enum. Implement it for a Rust enum, then write values with
/// [`IceEnum::write`] and read them with [`IceEnum::read`]; the wire width follows the rules of
/// encodings 1.0 and 1.1 (spec §3.6).
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
