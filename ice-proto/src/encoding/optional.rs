use std::fmt;

/// How an optional value is laid out after its tag (spec §3.10). The discriminants are the
/// values found in the low three bits of the optional header byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OptionalFormat {
    /// One byte: `bool`, `byte`.
    F1 = 0,
    /// Two bytes: `short`.
    F2 = 1,
    /// Four bytes: `int`, `float`.
    F4 = 2,
    /// Eight bytes: `long`, `double`.
    F8 = 3,
    /// One size: enums.
    Size = 4,
    /// A size `n` then `n` bytes: strings, fixed-size structs, containers of fixed-size elements.
    VSize = 5,
    /// An `int` `n` then `n` bytes: variable-size structs and containers, proxies.
    FSize = 6,
    /// A class instance reference.
    Class = 7,
}

impl OptionalFormat {
    /// The format encoded in the low three bits of `b`.
    pub fn from_bits(b: u8) -> OptionalFormat {
        match b & 7 {
            0 => OptionalFormat::F1,
            1 => OptionalFormat::F2,
            2 => OptionalFormat::F4,
            3 => OptionalFormat::F8,
            4 => OptionalFormat::Size,
            5 => OptionalFormat::VSize,
            6 => OptionalFormat::FSize,
            _ => OptionalFormat::Class,
        }
    }
}

impl fmt::Display for OptionalFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The byte that ends the optional members of a class or exception slice.
pub(crate) const OPTIONAL_END_MARKER: u8 = 0xFF;
