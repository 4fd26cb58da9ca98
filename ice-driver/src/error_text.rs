//! How ZeroC's runtime names and prints each local exception: the text an
//! `UnknownLocalException` carries when a server (or the router) relays a failure it met
//! itself. ZeroC's is `ice_print`, `<file>:<line>: <type id>:\n<description>`; ours leaves out
//! the source location, so that code looking for `::Ice::ConnectionRefusedException` in
//! `unknown` finds it with either.

use ice_proto::frame::ProtocolError;

use crate::Error;

impl Error {
    /// The Slice type id of the ZeroC exception this error stands for, such as
    /// `::Ice::ConnectionRefusedException`.
    pub fn ice_type_id(&self) -> &'static str {
        match self {
            Error::UserException(_) => "::Ice::UserException",
            Error::ObjectNotExist { .. } => "::Ice::ObjectNotExistException",
            Error::FacetNotExist { .. } => "::Ice::FacetNotExistException",
            Error::OperationNotExist { .. } => "::Ice::OperationNotExistException",
            Error::UnknownLocal(_) => "::Ice::UnknownLocalException",
            Error::UnknownUser(_) => "::Ice::UnknownUserException",
            Error::Unknown(_) => "::Ice::UnknownException",
            Error::Dispatch { .. } => "::Ice::UnknownReplyStatusException",
            Error::ConnectionLost => "::Ice::ConnectionLostException",
            Error::CloseConnection => "::Ice::CloseConnectionException",
            Error::ConnectionManuallyClosed { .. } => "::Ice::ConnectionManuallyClosedException",
            Error::Protocol(ProtocolError::MemoryLimit { .. }) => "::Ice::MemoryLimitException",
            Error::Protocol(_) => "::Ice::ProtocolException",
            Error::ConnectionNotValidated => "::Ice::ConnectionNotValidatedException",
            Error::ConnectionTimeout => "::Ice::ConnectionTimeoutException",
            Error::ConnectFailed { reason, .. } => match connect_failure(reason) {
                ConnectFailure::Refused => "::Ice::ConnectionRefusedException",
                ConnectFailure::Dns => "::Ice::DNSException",
                ConnectFailure::Timeout => "::Ice::ConnectTimeoutException",
                ConnectFailure::Other => "::Ice::ConnectFailedException",
            },
            Error::Security { .. } => "::Ice::SecurityException",
            Error::Timeout => "::Ice::TimeoutException",
            Error::InvocationTimeout => "::Ice::InvocationTimeoutException",
            Error::CommunicatorDestroyed => "::Ice::CommunicatorDestroyedException",
            Error::ObjectAdapterDeactivated(_) => "::Ice::ObjectAdapterDeactivatedException",
            Error::Marshal(_) => "::Ice::MarshalException",
            Error::Parse(_) => "::Ice::ProxyParseException",
            Error::AlreadyRegistered(_) => "::Ice::AlreadyRegisteredException",
            Error::Socket(_) => "::Ice::SocketException",
            Error::NoEndpoint(_) => "::Ice::NoEndpointException",
            Error::TwowayOnly(_) => "::Ice::TwowayOnlyException",
            Error::DatagramLimit { .. } => "::Ice::DatagramLimitException",
            Error::NotRegistered { .. } => "::Ice::NotRegisteredException",
            Error::AdapterIdInUse(_) => "::Ice::ObjectAdapterIdInUseException",
            Error::FixedConnectionClosed(inner) => inner.ice_type_id(),
        }
    }

    /// The error as ZeroC's runtime prints it, without the source location: its type id,
    /// a colon, and on the next line what happened, in ZeroC's words where they are known
    /// (`::Ice::ConnectionRefusedException:\nconnection refused: Connection refused`).
    pub fn to_ice_string(&self) -> String {
        let description = match self {
            Error::ConnectFailed { endpoint, reason } => match connect_failure(reason) {
                ConnectFailure::Refused => "connection refused: Connection refused".to_owned(),
                ConnectFailure::Dns => {
                    let what = reason.rsplit(": ").next().unwrap_or(reason);
                    let host = endpoint.rsplit_once(':').map_or(endpoint.as_str(), |(h, _)| h);
                    format!("DNS error: {what}\nhost: {host}")
                }
                ConnectFailure::Timeout => "timeout while establishing a connection".to_owned(),
                ConnectFailure::Other => format!("connect failed: {reason}"),
            },
            Error::Protocol(ProtocolError::MemoryLimit { size, max }) => format!(
                "protocol error: memory limit exceeded:\nrequested {size} bytes, maximum \
                 allowed is {max} bytes (see Ice.MessageSizeMax)"
            ),
            Error::FixedConnectionClosed(inner) => return inner.to_ice_string(),
            other => other.to_string(),
        };
        format!("{}:\n{description}", self.ice_type_id())
    }
}

enum ConnectFailure {
    Refused,
    Dns,
    Timeout,
    Other,
}

/// What a connect failure's reason (the system's message) says happened.
fn connect_failure(reason: &str) -> ConnectFailure {
    let reason = reason.to_ascii_lowercase();
    if reason.contains("refused") {
        ConnectFailure::Refused
    } else if reason.contains("resolve") || reason.contains("lookup") {
        ConnectFailure::Dns
    } else if reason.contains("timed out") || reason.contains("timeout") {
        ConnectFailure::Timeout
    } else {
        ConnectFailure::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_failures_print_as_zeroc_names_them() {
        let refused = Error::ConnectFailed {
            endpoint: "tcp -h 127.0.0.1 -p 1 -t 60000".into(),
            reason: "Connection refused (os error 111)".into(),
        };
        assert_eq!(
            refused.to_ice_string(),
            "::Ice::ConnectionRefusedException:\nconnection refused: Connection refused"
        );
        let dns = Error::ConnectFailed {
            endpoint: "no-such-host.invalid:4061".into(),
            reason:
                "cannot resolve: failed to lookup address information: Name or service not known"
                    .into(),
        };
        assert_eq!(
            dns.to_ice_string(),
            "::Ice::DNSException:\nDNS error: Name or service not known\nhost: no-such-host.invalid"
        );
        let limit = Error::Protocol(ProtocolError::MemoryLimit { size: 500030, max: 102400 });
        assert!(limit.to_ice_string().starts_with("::Ice::MemoryLimitException:\nprotocol error"));
        assert_eq!(
            Error::ConnectionLost.to_ice_string(),
            "::Ice::ConnectionLostException:\nconnection lost"
        );
    }
}
