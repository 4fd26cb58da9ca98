use bytes::Bytes;

use super::chunks::{shared_len, string_len, FrameWriter};
use super::ProtocolError;
use crate::encoding::{Decode, Encapsulation, Encode, EncodingVersion, InputStream};
use crate::identity::{read_facet, write_facet, Identity};

/// What a reply with status 2, 3 or 4 says could not be found: the request's target and
/// operation (`Ice::RequestFailedException`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestFailed {
    /// The identity of the request.
    pub identity: Identity,
    /// The facet of the request; empty for the default facet.
    pub facet: String,
    /// The operation of the request.
    pub operation: String,
}

impl RequestFailed {
    fn encoded_len(&self) -> usize {
        let facet = if self.facet.is_empty() { 1 } else { 1 + string_len(&self.facet) };
        string_len(&self.identity.name)
            + string_len(&self.identity.category)
            + facet
            + string_len(&self.operation)
    }

    fn read(input: &mut InputStream) -> Result<RequestFailed, ProtocolError> {
        let identity = Identity::decode(input)?;
        let facet = read_facet(input)?;
        let operation = input.read_string()?;
        Ok(RequestFailed { identity, facet, operation })
    }
}

/// The outcome a reply carries: its status byte and what follows it (spec §1.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyStatus {
    /// Status 0: success; the encapsulation holds the out-parameters and return value.
    Ok(Encapsulation),
    /// Status 1: the encapsulation holds a user exception.
    UserException(Encapsulation),
    /// Status 2: no servant for the identity.
    ObjectNotExist(RequestFailed),
    /// Status 3: the object has no such facet.
    FacetNotExist(RequestFailed),
    /// Status 4: the servant has no such operation.
    OperationNotExist(RequestFailed),
    /// Status 5: the dispatch failed with an Ice local exception, described by the text.
    UnknownLocalException(String),
    /// Status 6: the dispatch raised a user exception the operation does not declare.
    UnknownUserException(String),
    /// Status 7: the dispatch failed with any other error, described by the text.
    UnknownException(String),
    /// A status above 7 (Ice 3.8 `DispatchException`), followed by a message. Encoding a
    /// status of 7 or less here produces a reply that decodes as another variant.
    Other {
        /// The status byte.
        status: u8,
        /// The message.
        message: String,
    },
}

impl ReplyStatus {
    /// The status byte on the wire.
    pub fn code(&self) -> u8 {
        match self {
            ReplyStatus::Ok(_) => 0,
            ReplyStatus::UserException(_) => 1,
            ReplyStatus::ObjectNotExist(_) => 2,
            ReplyStatus::FacetNotExist(_) => 3,
            ReplyStatus::OperationNotExist(_) => 4,
            ReplyStatus::UnknownLocalException(_) => 5,
            ReplyStatus::UnknownUserException(_) => 6,
            ReplyStatus::UnknownException(_) => 7,
            ReplyStatus::Other { status, .. } => *status,
        }
    }
}

/// A reply (message type 2): the answer to the twoway request with the same id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The id of the request being answered.
    pub request_id: i32,
    /// The outcome.
    pub status: ReplyStatus,
}

impl Reply {
    /// Encoded length of the body.
    pub(crate) fn body_len(&self) -> usize {
        5 + match &self.status {
            ReplyStatus::Ok(e) | ReplyStatus::UserException(e) => e.encoded_len(),
            ReplyStatus::ObjectNotExist(f)
            | ReplyStatus::FacetNotExist(f)
            | ReplyStatus::OperationNotExist(f) => f.encoded_len(),
            ReplyStatus::UnknownLocalException(s)
            | ReplyStatus::UnknownUserException(s)
            | ReplyStatus::UnknownException(s)
            | ReplyStatus::Other { message: s, .. } => string_len(s),
        }
    }

    /// Bytes of the body that [`Reply::write_body`] puts in a chunk of their own.
    pub(crate) fn shared_len(&self) -> usize {
        match &self.status {
            ReplyStatus::Ok(e) | ReplyStatus::UserException(e) => shared_len(&e.data),
            _ => 0,
        }
    }

    pub(crate) fn write_body(&self, w: &mut FrameWriter) {
        let out = w.out();
        out.write_i32(self.request_id);
        out.write_u8(self.status.code());
        match &self.status {
            ReplyStatus::Ok(e) | ReplyStatus::UserException(e) => {
                out.write_raw(&e.header_bytes());
                w.write_shared(&e.data);
            }
            ReplyStatus::ObjectNotExist(f)
            | ReplyStatus::FacetNotExist(f)
            | ReplyStatus::OperationNotExist(f) => {
                f.identity.encode(out);
                write_facet(out, &f.facet);
                out.write_string(&f.operation);
            }
            ReplyStatus::UnknownLocalException(s)
            | ReplyStatus::UnknownUserException(s)
            | ReplyStatus::UnknownException(s)
            | ReplyStatus::Other { message: s, .. } => out.write_string(s),
        }
    }

    /// Decodes the body of a Reply message (everything after the header).
    pub fn decode_body(body: Bytes) -> Result<Reply, ProtocolError> {
        let mut input = InputStream::new(body, EncodingVersion::V1_0);
        let request_id = input.read_i32()?;
        let status = match input.read_u8()? {
            0 => ReplyStatus::Ok(input.read_encapsulation()?),
            1 => ReplyStatus::UserException(input.read_encapsulation()?),
            2 => ReplyStatus::ObjectNotExist(RequestFailed::read(&mut input)?),
            3 => ReplyStatus::FacetNotExist(RequestFailed::read(&mut input)?),
            4 => ReplyStatus::OperationNotExist(RequestFailed::read(&mut input)?),
            5 => ReplyStatus::UnknownLocalException(input.read_string()?),
            6 => ReplyStatus::UnknownUserException(input.read_string()?),
            7 => ReplyStatus::UnknownException(input.read_string()?),
            status => ReplyStatus::Other { status, message: input.read_string()? },
        };
        if !input.is_empty() {
            return Err(ProtocolError::TrailingBytes);
        }
        Ok(Reply { request_id, status })
    }
}
