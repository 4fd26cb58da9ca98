use crate::encoding::EncodingVersion;

/// Why bytes could not be decoded. Each variant corresponds to one of ZeroC Ice's
/// `MarshalException` family (the Ice name is given in the variant docs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Fewer bytes were left than a value needs (`UnmarshalOutOfBoundsException`).
    #[error("unmarshal out of bounds: needed {needed} bytes, {left} left")]
    OutOfBounds {
        /// Bytes the value needed.
        needed: usize,
        /// Bytes that were left.
        left: usize,
    },
    /// A size or count was negative (`UnmarshalOutOfBoundsException`).
    #[error("negative size {0}")]
    NegativeSize(i32),
    /// A string was not valid UTF-8 (`MarshalException`).
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// An encapsulation's header is inconsistent with the bytes around it
    /// (`EncapsulationException`).
    #[error("bad encapsulation: {0}")]
    Encapsulation(&'static str),
    /// An encapsulation uses an encoding this implementation does not know
    /// (`UnsupportedEncodingException`).
    #[error("unsupported encoding {0}")]
    UnsupportedEncoding(EncodingVersion),
    /// An enumerator value is not defined by the enum (`MarshalException`).
    #[error("invalid enumerator value {0}")]
    InvalidEnumerator(i32),
    /// An optional value was found with a different format than its type uses
    /// (`MarshalException`).
    #[error("optional tag {tag} has format {found}, expected {expected}")]
    OptionalFormatMismatch {
        /// The tag.
        tag: u32,
        /// The format on the wire.
        found: u8,
        /// The format of the expected type.
        expected: u8,
    },
    /// A value violates a rule of the encoding, such as a facet sequence with more than one
    /// element or an out-of-range port (`MarshalException`).
    #[error("marshal error: {0}")]
    Invalid(String),
    /// A proxy could not be decoded (`ProxyUnmarshalException`).
    #[error("bad proxy: {0}")]
    Proxy(String),
    /// Class graph or nesting deeper than allowed (`MarshalException`, `Ice.ClassGraphDepthMax`).
    #[error("nesting deeper than the limit of {0}")]
    TooDeep(usize),
    /// A class or exception type id is not known to the reader and cannot be sliced
    /// (`NoValueFactoryException` / `UnknownUserException`).
    #[error("unknown type id {0:?} and no slice size to skip it")]
    UnknownType(String),
}

impl DecodeError {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        DecodeError::Invalid(msg.into())
    }
}
