use std::fmt;

/// An encoding version (`Ice::EncodingVersion`): the format of the data inside an
/// encapsulation. Ice knows 1.0 and 1.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EncodingVersion {
    /// Major version, always 1 for data Ice can read.
    pub major: u8,
    /// Minor version: 0 or 1.
    pub minor: u8,
}

impl EncodingVersion {
    /// Encoding 1.0, used by Ice 3.4 and earlier, and by the message framing itself.
    pub const V1_0: EncodingVersion = EncodingVersion { major: 1, minor: 0 };
    /// Encoding 1.1, the default since Ice 3.5.
    pub const V1_1: EncodingVersion = EncodingVersion { major: 1, minor: 1 };

    /// Whether this implementation can read and write data in this encoding.
    pub fn is_supported(self) -> bool {
        self.major == 1 && self.minor <= 1
    }
}

impl Default for EncodingVersion {
    fn default() -> Self {
        Self::V1_1
    }
}

impl fmt::Display for EncodingVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A protocol version (`Ice::ProtocolVersion`). Ice has only ever had protocol 1.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProtocolVersion {
    /// Major version.
    pub major: u8,
    /// Minor version.
    pub minor: u8,
}

impl ProtocolVersion {
    /// Protocol 1.0, the only Ice protocol.
    pub const V1_0: ProtocolVersion = ProtocolVersion { major: 1, minor: 0 };
}

impl Default for ProtocolVersion {
    fn default() -> Self {
        Self::V1_0
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}
