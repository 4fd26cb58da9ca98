//! Runtime-agnostic async driver for [`ice_proto`]: the Ice user API — [`Communicator`],
//! [`ObjectAdapter`], [`Proxy`], [`Servant`], [`Connection`] — over TCP, SSL, WS, WSS and UDP, on any async runtime
//! that implements [`Runtime`] (see `ice-driver-tokio` and `ice-driver-async-std`).
//!
//! Each connection is served by one task that owns the [`ice_proto::connection`] state
//! machine; each incoming request is dispatched in a task of its own, so a slow servant does
//! not hold up other requests.
//!
//! ```no_run
//! # async fn demo(runtime: std::sync::Arc<dyn ice_driver::Runtime>) -> Result<(), ice_driver::Error> {
//! let communicator = ice_driver::Communicator::new(runtime);
//! let hello = communicator.string_to_proxy("hello:tcp -h localhost -p 10000")?;
//! hello.invoke_typed::<_, ()>("sayHello", ice_driver::OperationMode::Normal, &()).await?;
//! communicator.destroy().await;
//! # Ok(()) }
//! ```

mod adapter;
pub mod admin;
mod communicator;
mod connection;
mod endpoint;
mod error;
mod error_text;
pub mod glacier2;
mod locator;
mod name_map;
mod proxy;
mod router;
pub mod runtime;
mod servant;
mod trace;
mod transport;
mod udp;
mod util;

pub use adapter::ObjectAdapter;
pub use communicator::Communicator;
pub use connection::{live_connections, Connection, Dispatcher, Outcome};
pub use error::{Error, ParseError, Result, SocketError};
pub use proxy::Proxy;
pub use runtime::{BoxFuture, Runtime};
pub use servant::{dispatch_builtin, Current, DispatchError, DispatchResult, FnServant, Servant};
pub use transport::TransportInfo;

pub use ice_proto;
pub use ice_proto::connection::{CloseMode, DispatchId, IncomingRequest};
pub use ice_proto::proxy::{
    Endpoint, EndpointSelection, IpEndpoint, ProxyData, ProxyMode, UdpEndpoint,
};
pub use ice_proto::{Context, Encapsulation, EncodingVersion, Identity, OperationMode, Properties};

/// Parses an identity in Ice's string form (`category/name`, backslash escapes).
pub fn string_to_identity(s: &str) -> Result<Identity> {
    Ok(ice_proto::proxy::string_to_identity(s).map_err(ParseError::Identity)?)
}
