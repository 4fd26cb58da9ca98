use super::ProtocolError;

/// Size of the header that starts every Ice message.
pub const HEADER_SIZE: usize = 14;

/// The magic bytes that start every Ice message.
pub const MAGIC: [u8; 4] = *b"IceP";

/// Default of `Ice.MessageSizeMax`: 1024 KiB. Larger incoming messages are rejected with
/// [`ProtocolError::MemoryLimit`].
pub const DEFAULT_MESSAGE_SIZE_MAX: usize = 1024 * 1024;

/// The header bytes 4..8: protocol 1.0, framing encoding 1.0.
const VERSIONS: [u8; 4] = [1, 0, 1, 0];

/// The kind of an Ice message (header byte 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MessageType {
    /// A request, oneway (id 0) or twoway.
    Request = 0,
    /// Several oneway requests in one message.
    BatchRequest = 1,
    /// The answer to a twoway request.
    Reply = 2,
    /// Sent by the accepting side when a connection opens, and as a heartbeat.
    ValidateConnection = 3,
    /// Announces a graceful close.
    CloseConnection = 4,
}

impl TryFrom<u8> for MessageType {
    type Error = ProtocolError;
    fn try_from(v: u8) -> Result<Self, ProtocolError> {
        Ok(match v {
            0 => MessageType::Request,
            1 => MessageType::BatchRequest,
            2 => MessageType::Reply,
            3 => MessageType::ValidateConnection,
            4 => MessageType::CloseConnection,
            _ => return Err(ProtocolError::UnknownMessageType(v)),
        })
    }
}

/// The fields of a message header that vary (spec §1.1); magic and versions are fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// The message type.
    pub message_type: MessageType,
    /// The compression byte: 0 (sender does not want compressed replies), 1 (not compressed,
    /// replies may be), 2 (the body is bzip2-compressed).
    pub compression: u8,
    /// Total size of the message on the wire, header included.
    pub size: usize,
}

impl Header {
    /// Parses and checks a header the way ZeroC Ice does, in its order: magic, protocol
    /// version, encoding version, size (at least 14 and at most `max_message_size`), then
    /// compression byte and message type.
    pub fn decode(b: &[u8; HEADER_SIZE], max_message_size: usize) -> Result<Header, ProtocolError> {
        let [m0, m1, m2, m3, pmaj, pmin, emaj, emin, ty, compression, s0, s1, s2, s3] = *b;
        let magic = [m0, m1, m2, m3];
        if magic != MAGIC {
            return Err(ProtocolError::BadMagic(magic));
        }
        if pmaj != 1 || pmin != 0 {
            return Err(ProtocolError::UnsupportedProtocol { major: pmaj, minor: pmin });
        }
        if emaj != 1 || emin != 0 {
            return Err(ProtocolError::UnsupportedEncoding { major: emaj, minor: emin });
        }
        let size = i32::from_le_bytes([s0, s1, s2, s3]);
        let size = match usize::try_from(size) {
            Ok(s) if s >= HEADER_SIZE => s,
            _ => return Err(ProtocolError::IllegalMessageSize(size.into())),
        };
        if size > max_message_size {
            return Err(ProtocolError::MemoryLimit { size, max: max_message_size });
        }
        if compression > 2 {
            return Err(ProtocolError::BadCompressionStatus(compression));
        }
        let message_type = MessageType::try_from(ty)?;
        Ok(Header { message_type, compression, size })
    }

    /// The 14 header bytes.
    ///
    /// # Panics
    /// If `size` exceeds `i32::MAX`, which Ice cannot represent.
    pub fn encode(&self) -> [u8; HEADER_SIZE] {
        let size = i32::try_from(self.size)
            .unwrap_or_else(|_| panic!("Ice message size {} exceeds i32::MAX", self.size));
        let mut b = [0u8; HEADER_SIZE];
        b[..4].copy_from_slice(&MAGIC);
        b[4..8].copy_from_slice(&VERSIONS);
        b[8] = self.message_type as u8;
        b[9] = self.compression;
        b[10..].copy_from_slice(&size.to_le_bytes());
        b
    }

    /// Whether the body is bzip2-compressed (compression byte 2).
    pub fn is_compressed(&self) -> bool {
        self.compression == 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_connection_round_trip() {
        let bytes = [0x49, 0x63, 0x65, 0x50, 1, 0, 1, 0, 3, 0, 0x0e, 0, 0, 0];
        let h = Header::decode(&bytes, DEFAULT_MESSAGE_SIZE_MAX).unwrap();
        assert_eq!(
            h,
            Header { message_type: MessageType::ValidateConnection, compression: 0, size: 14 }
        );
        assert_eq!(h.encode(), bytes);
    }

    #[test]
    fn size_limit_is_inclusive() {
        let mut h = Header { message_type: MessageType::Request, compression: 0, size: 100 };
        assert!(Header::decode(&h.encode(), 100).is_ok());
        h.size = 101;
        assert_eq!(
            Header::decode(&h.encode(), 100),
            Err(ProtocolError::MemoryLimit { size: 101, max: 100 })
        );
    }
}
