//! Proxies and endpoints as data (spec §4–6): what a proxy designates, how it is marshaled in
//! encodings 1.0 and 1.1, and its string form, all matching ZeroC Ice 3.7.
//!
//! - [`ProxyData`]: identity, facet, mode, security, versions, endpoints or adapter id.
//!   Marshal a Slice proxy value as `Option<ProxyData>` (`None` is the null proxy).
//! - [`Endpoint`]: tcp, ssl, udp, ws, wss, and opaque endpoints of other types.
//! - [`ProxyData::parse`] / [`parse_proxy`] and [`Endpoint::parse`] read stringified proxies
//!   and endpoints; `Display` prints them back.
//! - [`identity_to_string`], [`string_to_identity`], [`escape`] and [`unescape`] convert
//!   identities and escaped strings under a [`ToStringMode`].
//!
//! ```
//! use ice_proto::proxy::{Endpoint, ProxyData};
//!
//! let proxy: ProxyData = "hello:tcp -h 127.0.0.1 -p 10000".parse()?;
//! assert_eq!(proxy.identity.name, "hello");
//! assert!(matches!(&proxy.endpoints[0], Endpoint::Tcp(tcp) if tcp.port == 10000));
//! assert_eq!(proxy.to_string(), "hello -t -e 1.1:tcp -h 127.0.0.1 -p 10000 -t 60000");
//! # Ok::<(), ice_proto::proxy::ProxyParseError>(())
//! ```

mod defaults;
mod endpoint;
mod endpoint_string;
mod error;
mod escape;
mod lexer;
mod opaque_base64;
mod proxy_string;
mod reference;
mod selection;

pub use defaults::ParseDefaults;
pub use endpoint::{
    Endpoint, IpEndpoint, OpaqueEndpoint, UdpEndpoint, WsEndpoint, DEFAULT_TIMEOUT,
};
pub use endpoint_string::EndpointRole;
pub use error::{
    EndpointParseError, IdentityParseError, ProxyParseError, QuotedItem, UnescapeError,
};
pub use escape::{escape, identity_to_string, string_to_identity, unescape, ToStringMode};
pub use proxy_string::{parse_proxy, ParsedProxy};
pub use reference::{ProxyData, ProxyMode};
pub use selection::{EndpointSelection, EndpointSelectionParseError};
