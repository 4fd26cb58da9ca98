//! Dispatchers: code that takes the requests of a connection itself, in the connection's own
//! task, instead of an object adapter's servants — what a router does to forward requests
//! without a task per request.

use ice_proto::connection::IncomingRequest;

use super::Connection;

/// Takes the requests of the connections it is set on (see [`Connection::set_dispatcher`] and
/// [`crate::ObjectAdapter::set_dispatcher`]).
///
/// Every method is called from the connection's task and must not block: start whatever the
/// request needs (say, [`Connection::invoke_then`] on another connection) and return. Each
/// request taken must be answered once with [`Connection::reply`], oneway ones too.
pub trait Dispatcher: Send + Sync + 'static {
    /// A request arrived on `connection`. Return it to have the connection's object adapter
    /// dispatch it to a servant as usual; keep it to answer it yourself.
    fn dispatch(
        &self,
        connection: &Connection,
        request: IncomingRequest,
    ) -> Option<IncomingRequest>;

    /// The peer sent a heartbeat (a ValidateConnection message) on `connection`.
    fn heartbeat(&self, _connection: &Connection) {}

    /// `connection` is closed and its socket released; this is the last call for it.
    fn closed(&self, _connection: &Connection) {}
}
