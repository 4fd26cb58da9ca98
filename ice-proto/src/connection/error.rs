use crate::frame::ProtocolError;
use crate::retry::Failure;

/// Why a connection closed. Once set it never changes (fatal errors are sticky), and every
/// invocation still waiting on the connection fails with it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The peer sent bytes that break the protocol; the connection was aborted without a
    /// CloseConnection.
    #[error("protocol error: {0}")]
    Protocol(#[from] ProtocolError),
    /// The first message from the server was not ValidateConnection
    /// (`ConnectionNotValidatedException`).
    #[error("connection not validated: first message was not ValidateConnection")]
    NotValidated,
    /// The transport ended without a CloseConnection (`ConnectionLostException`).
    #[error("connection lost")]
    ConnectionLost,
    /// The peer closed gracefully (`CloseConnectionException`): it did not dispatch anything we
    /// are still waiting for, so those requests are safe to retry.
    #[error("connection closed by the peer")]
    CloseConnection,
    /// The application closed the connection (`ConnectionManuallyClosedException`).
    #[error("connection closed by the application (graceful: {graceful})")]
    ManuallyClosed {
        /// Whether CloseConnection was sent.
        graceful: bool,
    },
    /// ACM found the connection inactive (`ConnectionTimeoutException`).
    #[error("connection timed out")]
    Timeout,
    /// Ice 3.8's idle check: nothing was read for the idle timeout.
    #[error("connection idle for too long")]
    Idle,
    /// Part of a message arrived, then nothing more for the read timeout
    /// ([`ConnectionConfig::read_timeout`](super::ConnectionConfig::read_timeout), Ice's
    /// `TimeoutException`): a stalled peer; the connection was aborted.
    #[error("read timed out in the middle of a message")]
    ReadTimeout,
    /// The peer took none of our bytes for the write timeout
    /// ([`ConnectionConfig::write_timeout`](super::ConnectionConfig::write_timeout), Ice's
    /// `TimeoutException`): a peer that does not read; the connection was aborted.
    #[error("write timed out")]
    WriteTimeout,
    /// Nothing went on for the inactivity timeout
    /// ([`ConnectionConfig::inactivity_timeout`](super::ConnectionConfig::inactivity_timeout)),
    /// so we closed the connection gracefully. No invocation fails with it: there was none.
    #[error("connection closed after being inactive for the inactivity timeout")]
    Inactive,
    /// The peer did not close within the close timeout (`CloseTimeoutException`).
    #[error("close timed out")]
    CloseTimeout,
}

impl ConnectionError {
    /// The retry category of an invocation that failed with this error.
    pub fn failure(&self) -> Failure {
        match self {
            ConnectionError::Protocol(ProtocolError::MemoryLimit { .. }) => Failure::Marshal,
            ConnectionError::Protocol(_) | ConnectionError::ConnectionLost => {
                Failure::ConnectionLost
            }
            ConnectionError::NotValidated => Failure::ConnectFailed,
            ConnectionError::CloseConnection => Failure::CloseConnection,
            ConnectionError::ManuallyClosed { .. } => Failure::Shutdown,
            ConnectionError::Timeout
            | ConnectionError::Idle
            | ConnectionError::ReadTimeout
            | ConnectionError::WriteTimeout
            | ConnectionError::Inactive
            | ConnectionError::CloseTimeout => Failure::Timeout,
        }
    }
}
