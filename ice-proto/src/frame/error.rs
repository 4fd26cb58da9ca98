use crate::DecodeError;

/// Why a message could not be framed or decoded. Every variant is fatal for a stream
/// connection: ZeroC Ice closes the socket without a CloseConnection message (spec §1.1). On
/// UDP the offending datagram is dropped.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The first four bytes are not `IceP` (`BadMagicException`).
    #[error("bad magic {0:02x?}, expected \"IceP\"")]
    BadMagic([u8; 4]),
    /// The header announces a protocol other than 1.0 (`UnsupportedProtocolException`).
    #[error("unsupported protocol {major}.{minor}")]
    UnsupportedProtocol {
        /// Major version from the header.
        major: u8,
        /// Minor version from the header.
        minor: u8,
    },
    /// The header announces a framing encoding other than 1.0 (`UnsupportedEncodingException`).
    #[error("unsupported protocol encoding {major}.{minor}")]
    UnsupportedEncoding {
        /// Major version from the header.
        major: u8,
        /// Minor version from the header.
        minor: u8,
    },
    /// A message size smaller than a header, negative, or (for a compressed message) an
    /// uncompressed size of 14 or less (`IllegalMessageSizeException`).
    #[error("illegal message size {0}")]
    IllegalMessageSize(i64),
    /// A message (or its uncompressed form) is larger than `Ice.MessageSizeMax`
    /// (`MemoryLimitException`).
    #[error("message of {size} bytes exceeds the limit of {max} bytes (Ice.MessageSizeMax)")]
    MemoryLimit {
        /// The announced size.
        size: usize,
        /// The configured limit.
        max: usize,
    },
    /// The message type byte is not 0..=4 (`UnknownMessageException`).
    #[error("unknown message type {0}")]
    UnknownMessageType(u8),
    /// The compression byte is not 0, 1 or 2 (`ProtocolException`).
    #[error("bad compression status {0}")]
    BadCompressionStatus(u8),
    /// A bzip2 body could not be decompressed, or did not decompress to exactly the announced
    /// size (`CompressionException`).
    #[error("compression error: {0}")]
    Compression(String),
    /// The body of a message could not be decoded (`MarshalException` family).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Bytes were left after the last field of a message.
    #[error("unexpected bytes after the end of the message")]
    TrailingBytes,
    /// A batch request's count is negative or larger than its body could hold
    /// (`UnmarshalOutOfBoundsException`).
    #[error("bad batch request count {0}")]
    BadBatchCount(i32),
    /// A datagram holds fewer or more bytes than its header announces
    /// (`DatagramLimitException` when truncated).
    #[error("datagram of {received} bytes holds a message of {size} bytes")]
    DatagramSize {
        /// The size from the header.
        size: usize,
        /// The bytes received.
        received: usize,
    },
}
