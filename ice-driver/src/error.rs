//! The error of every fallible operation of this crate, named after Ice's exceptions.

use ice_proto::connection::ConnectionError;
use ice_proto::frame::ProtocolError;
use ice_proto::proxy::{
    EndpointParseError, EndpointSelectionParseError, IdentityParseError, ProxyParseError,
};
use ice_proto::retry::Failure;
use ice_proto::value::{decode_user_exception, DecodedException, ExceptionFactory};
use ice_proto::{DecodeError, Encapsulation, Identity};

/// Why an invocation or another operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The servant raised a user exception; decode it from the encapsulation.
    #[error("user exception")]
    UserException(Encapsulation),
    /// No servant for the identity (`Ice::ObjectNotExistException`).
    #[error(
        "object does not exist: identity `{identity}', facet `{facet}', operation `{operation}'"
    )]
    ObjectNotExist {
        /// The target identity.
        identity: Identity,
        /// The target facet.
        facet: String,
        /// The operation.
        operation: String,
    },
    /// The object has no such facet (`Ice::FacetNotExistException`).
    #[error(
        "facet does not exist: identity `{identity}', facet `{facet}', operation `{operation}'"
    )]
    FacetNotExist {
        /// The target identity.
        identity: Identity,
        /// The target facet.
        facet: String,
        /// The operation.
        operation: String,
    },
    /// The servant does not implement the operation (`Ice::OperationNotExistException`).
    #[error(
        "operation does not exist: identity `{identity}', facet `{facet}', operation `{operation}'"
    )]
    OperationNotExist {
        /// The target identity.
        identity: Identity,
        /// The target facet.
        facet: String,
        /// The operation.
        operation: String,
    },
    /// The dispatch failed with an Ice local exception (`Ice::UnknownLocalException`).
    #[error("unknown local exception: {0}")]
    UnknownLocal(String),
    /// The dispatch raised an undeclared user exception (`Ice::UnknownUserException`).
    #[error("unknown user exception: {0}")]
    UnknownUser(String),
    /// The dispatch failed otherwise, e.g. the servant panicked (`Ice::UnknownException`).
    #[error("unknown exception: {0}")]
    Unknown(String),
    /// A reply status this implementation does not know (Ice 3.8 dispatch exceptions).
    #[error("dispatch failed with status {status}: {message}")]
    Dispatch {
        /// The reply status byte.
        status: u8,
        /// The message.
        message: String,
    },
    /// The connection was lost without a CloseConnection (`Ice::ConnectionLostException`).
    #[error("connection lost")]
    ConnectionLost,
    /// The peer closed the connection gracefully (`Ice::CloseConnectionException`).
    #[error("connection closed by the peer")]
    CloseConnection,
    /// The application closed the connection (`Ice::ConnectionManuallyClosedException`).
    #[error("connection closed by the application (graceful: {graceful})")]
    ConnectionManuallyClosed {
        /// Whether it was closed gracefully.
        graceful: bool,
    },
    /// The peer broke the protocol and the connection was aborted (`Ice::ProtocolException`).
    #[error("protocol error: {0}")]
    Protocol(ProtocolError),
    /// The server's first message was not ValidateConnection
    /// (`Ice::ConnectionNotValidatedException`).
    #[error("connection not validated by the server")]
    ConnectionNotValidated,
    /// Active connection management, Ice 3.8's idle check or its inactivity timeout found the
    /// connection inactive (`Ice::ConnectionTimeoutException`).
    #[error("connection timed out")]
    ConnectionTimeout,
    /// No connection could be established (`Ice::ConnectFailedException`).
    #[error("connect to {endpoint} failed: {reason}")]
    ConnectFailed {
        /// The endpoint tried last.
        endpoint: String,
        /// Why.
        reason: String,
    },
    /// The TLS layer or an `IceSSL` check refused the peer (`Ice::SecurityException`): a
    /// certificate that does not verify, a name mismatch, a peer without a required
    /// certificate. Not retried.
    #[error("security error with {endpoint}: {reason}")]
    Security {
        /// The endpoint connected to.
        endpoint: String,
        /// What was refused, as the TLS layer or the check says it.
        reason: String,
    },
    /// A message stalled half-way for the endpoint timeout (`-t`, `Ice.Default.Timeout`), in
    /// either direction, and the connection was aborted; or the close timeout expired
    /// (`Ice::TimeoutException`).
    #[error("timeout")]
    Timeout,
    /// The proxy's invocation timeout expired (`Ice::InvocationTimeoutException`).
    #[error("invocation timed out")]
    InvocationTimeout,
    /// The communicator was destroyed (`Ice::CommunicatorDestroyedException`).
    #[error("communicator destroyed")]
    CommunicatorDestroyed,
    /// The object adapter was deactivated (`Ice::ObjectAdapterDeactivatedException`).
    #[error("object adapter `{0}' deactivated")]
    ObjectAdapterDeactivated(String),
    /// Bytes could not be (un)marshaled (`Ice::MarshalException`).
    #[error("marshal error: {0}")]
    Marshal(#[from] DecodeError),
    /// A proxy, endpoint or identity string, or a setting, could not be parsed
    /// (`Ice::ProxyParseException`, `Ice::EndpointParseException`, …).
    #[error("parse error: {0}")]
    Parse(#[from] ParseError),
    /// A servant or default servant is already registered for this identity and facet, or an
    /// object adapter with this name exists (`Ice::AlreadyRegisteredException`).
    #[error("already registered: {0}")]
    AlreadyRegistered(String),
    /// A socket could not be set up (bind, listen).
    #[error("socket error: {0}")]
    Socket(#[from] SocketError),
    /// The proxy has no endpoints and no fixed connection (`Ice::NoEndpointException`).
    #[error("proxy has no endpoints: {0}")]
    NoEndpoint(String),
    /// The operation needs a twoway proxy (`Ice::TwowayOnlyException`).
    #[error("operation `{0}' needs a twoway proxy")]
    TwowayOnly(String),
    /// The request does not fit in one UDP datagram (`Ice::DatagramLimitException`).
    #[error("message of {size} bytes exceeds the datagram limit of {max} bytes")]
    DatagramLimit {
        /// The size of the encoded message.
        size: usize,
        /// The largest message one datagram carries.
        max: usize,
    },
    /// The locator knows no such object adapter or well-known object
    /// (`Ice::NotRegisteredException`).
    #[error("no {kind} `{id}' is registered with the locator")]
    NotRegistered {
        /// `object adapter` or `object`.
        kind: String,
        /// The adapter id or the stringified identity.
        id: String,
    },
    /// Another object adapter with this adapter id is active in the locator's registry
    /// (`Ice::ObjectAdapterIdInUseException`).
    #[error("object adapter id `{0}' is already in use")]
    AdapterIdInUse(String),
    /// The fixed connection of the proxy is closed (`Ice::FixedProxyException` after close).
    #[error("fixed connection closed: {0}")]
    FixedConnectionClosed(Box<Error>),
}

impl Error {
    /// Decodes the exception of an [`Error::UserException`] with the exception types of
    /// `exceptions`; `None` for any other error.
    pub fn decode_user_exception(
        &self,
        exceptions: &dyn ExceptionFactory,
    ) -> Option<Result<DecodedException, DecodeError>> {
        match self {
            Error::UserException(e) => Some(decode_user_exception(e, exceptions)),
            _ => None,
        }
    }

    /// The error an invocation gets when its connection closed with `error`.
    pub fn from_connection(error: &ConnectionError) -> Error {
        match error {
            ConnectionError::Protocol(p) => Error::Protocol(p.clone()),
            ConnectionError::NotValidated => Error::ConnectionNotValidated,
            ConnectionError::ConnectionLost => Error::ConnectionLost,
            ConnectionError::CloseConnection => Error::CloseConnection,
            ConnectionError::ManuallyClosed { graceful } => {
                Error::ConnectionManuallyClosed { graceful: *graceful }
            }
            ConnectionError::Timeout | ConnectionError::Idle | ConnectionError::Inactive => {
                Error::ConnectionTimeout
            }
            ConnectionError::ReadTimeout
            | ConnectionError::WriteTimeout
            | ConnectionError::CloseTimeout => Error::Timeout,
            _ => Error::ConnectionLost,
        }
    }

    /// The retry category of this error (see [`ice_proto::retry`]).
    pub fn failure(&self) -> Failure {
        match self {
            Error::ObjectNotExist { operation, .. } => {
                Failure::ObjectNotExist { router_add_proxy: operation == "ice_add_proxy" }
            }
            Error::FacetNotExist { .. } | Error::OperationNotExist { .. } => Failure::RequestFailed,
            Error::UnknownLocal(_) => Failure::UnknownLocal,
            Error::ConnectionLost => Failure::ConnectionLost,
            Error::Protocol(ProtocolError::MemoryLimit { .. }) => Failure::Marshal,
            Error::Protocol(_) => Failure::ConnectionLost,
            Error::CloseConnection => Failure::CloseConnection,
            Error::ConnectionNotValidated | Error::ConnectFailed { .. } => Failure::ConnectFailed,
            Error::ConnectionTimeout | Error::Timeout => Failure::Timeout,
            Error::ConnectionManuallyClosed { .. }
            | Error::CommunicatorDestroyed
            | Error::ObjectAdapterDeactivated(_) => Failure::Shutdown,
            Error::InvocationTimeout => Failure::InvocationTimeout,
            Error::Marshal(_) | Error::DatagramLimit { .. } => Failure::Marshal,
            _ => Failure::Application,
        }
    }
}

/// What could not be parsed, with the parser's own error where there is one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// A stringified proxy.
    #[error(transparent)]
    Proxy(#[from] ProxyParseError),
    /// An endpoint.
    #[error(transparent)]
    Endpoint(#[from] EndpointParseError),
    /// A stringified identity.
    #[error(transparent)]
    Identity(#[from] IdentityParseError),
    /// An endpoint selection type (`Random` or `Ordered`).
    #[error(transparent)]
    EndpointSelection(#[from] EndpointSelectionParseError),
    /// Anything else (a property value, a null proxy where one is needed), described.
    #[error("{0}")]
    Invalid(String),
}

/// A socket that could not be set up: what was attempted and the system's error kind and
/// message (kept as text so that [`Error`] stays `Clone`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{context}: {message}")]
pub struct SocketError {
    /// What was attempted, such as `bind tcp -h 0.0.0.0 -p 4063`.
    pub context: String,
    /// The system error's kind.
    pub kind: std::io::ErrorKind,
    /// The system error's message.
    pub message: String,
}

impl SocketError {
    /// `error` while doing `context`.
    pub fn new(context: impl Into<String>, error: &std::io::Error) -> SocketError {
        SocketError { context: context.into(), kind: error.kind(), message: error.to_string() }
    }
}

impl Error {
    /// An [`Error::Parse`] that describes what is wrong in words.
    pub fn invalid(description: impl Into<String>) -> Error {
        Error::Parse(ParseError::Invalid(description.into()))
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
