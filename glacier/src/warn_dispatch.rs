//! `Ice.Warn.Dispatch` (1 by default): a routed request that fails is logged as ZeroC's
//! runtime logs a dispatch that raised, so that glacier2router's operators see the same
//! warnings. At 1, failures the router met itself (a back end refused, lost, not resolved)
//! and the `Unknown*` exceptions relayed; at 2, "does not exist" answers too.
//!
//! ```text
//! -! ... warning: dispatch exception: ::Ice::ConnectionRefusedException:
//! connection refused: Connection refused
//! identity: hello
//! facet:
//! operation: ice_ping
//! remote host: 127.0.0.1 remote port: 53412
//! ```

use std::net::SocketAddr;

use ice_driver::{Connection, Identity, Outcome};
use ice_proto::frame::{ReplyStatus, Request};

/// What a warning names of a request, kept while it is forwarded (only when warnings are on).
pub(crate) struct DispatchWarning {
    level: i32,
    identity: Identity,
    facet: String,
    operation: String,
    remote: Option<SocketAddr>,
}

impl DispatchWarning {
    /// Keeps what a warning about `request` from `connection` would name, if `level` > 0.
    pub(crate) fn new(level: i32, request: &Request, connection: &Connection) -> Option<Self> {
        (level > 0).then(|| DispatchWarning {
            level,
            identity: request.identity.clone(),
            facet: request.facet.clone(),
            operation: request.operation.clone(),
            remote: connection.remote_addr(),
        })
    }

    /// Logs the failure in `outcome`, if it is one the level asks for.
    pub(crate) fn check(&self, outcome: &Outcome) {
        let exception = match outcome {
            Outcome::Failed { error, .. } => error.to_ice_string(),
            Outcome::Reply(ReplyStatus::UnknownLocalException(s)) => {
                format!("::Ice::UnknownLocalException:\nunknown local exception:\n{s}")
            }
            Outcome::Reply(ReplyStatus::UnknownUserException(s)) => {
                format!("::Ice::UnknownUserException:\nunknown user exception:\n{s}")
            }
            Outcome::Reply(ReplyStatus::UnknownException(s)) => {
                format!("::Ice::UnknownException:\nunknown exception:\n{s}")
            }
            Outcome::Reply(ReplyStatus::ObjectNotExist(_)) if self.level > 1 => {
                "::Ice::ObjectNotExistException:\nobject does not exist".to_owned()
            }
            Outcome::Reply(ReplyStatus::FacetNotExist(_)) if self.level > 1 => {
                "::Ice::FacetNotExistException:\nfacet does not exist".to_owned()
            }
            Outcome::Reply(ReplyStatus::OperationNotExist(_)) if self.level > 1 => {
                "::Ice::OperationNotExistException:\noperation does not exist".to_owned()
            }
            _ => return,
        };
        let remote = match self.remote {
            Some(a) => format!("\nremote host: {} remote port: {}", a.ip(), a.port()),
            None => String::new(),
        };
        tracing::warn!(
            "dispatch exception: {exception}\nidentity: {}\nfacet: {}\noperation: {}{remote}",
            self.identity,
            self.facet,
            self.operation
        );
    }
}
