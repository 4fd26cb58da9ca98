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
            ConnectionError::Timeout | ConnectionError::Idle | ConnectionError::CloseTimeout => {
                Failure::Timeout
            }
        }
    }
}
