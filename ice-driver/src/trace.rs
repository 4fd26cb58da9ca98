//! `Ice.Trace.Network` and `Ice.Trace.Protocol`: Ice's trace properties raise the driver's
//! connection and protocol `tracing` events to INFO, so they show with a default subscriber
//! filter; without them the same events stay at DEBUG/TRACE for subscribers that ask. Their
//! text is ZeroC's (`accepted tcp connection` / `local address = ...`), so that what an
//! operator greps in ZeroC's traces is found in ours.

use std::net::SocketAddr;

use ice_proto::properties::Properties;

/// The Ice trace levels the driver itself follows. (`Ice.Trace.Protocol` is the connection
/// core's `trace_protocol`: it describes the messages.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TraceLevels {
    /// `Ice.Trace.Network`: 1 traces listeners and connections accepted, established and
    /// closed; 2 adds connection attempts and their failures.
    pub(crate) network_level: i32,
    /// `Ice.Warn.Connections`: a validated connection that closes for an unexpected reason
    /// is logged as a warning (`connection exception:`).
    pub(crate) warn_connections: bool,
}

impl TraceLevels {
    pub(crate) fn from_properties(props: &Properties) -> Self {
        TraceLevels {
            network_level: props.get_int("Ice.Trace.Network"),
            warn_connections: props.get_int("Ice.Warn.Connections") > 0,
        }
    }
}

/// An `Ice.Trace.Network` trace of `level`: `text()` at INFO when the property is at that level
/// or more, else at DEBUG for a subscriber that asks. The text is only built to be seen.
pub(crate) fn network(levels: TraceLevels, level: i32, text: impl FnOnce() -> String) {
    if levels.network_level >= level {
        tracing::info!(ice.category = "Network", "{}", text());
    } else if tracing::enabled!(tracing::Level::DEBUG) {
        tracing::debug!(ice.category = "Network", "{}", text());
    }
}

/// An address as ZeroC writes it: `host:port`, an IPv6 host without brackets.
pub(crate) fn address(a: SocketAddr) -> String {
    format!("{}:{}", a.ip(), a.port())
}

/// A connection's addresses as ZeroC describes a connection.
pub(crate) fn connection_addresses(
    local: Option<SocketAddr>,
    remote: Option<SocketAddr>,
) -> String {
    let local = local.map_or_else(|| "<not available>".to_owned(), address);
    let remote = remote.map_or_else(|| "<not connected>".to_owned(), address);
    format!("local address = {local}\nremote address = {remote}")
}

/// A connection event as ZeroC traces it: `<what> <kind> connection` and the addresses.
pub(crate) fn connection_event(
    what: &str,
    kind: &str,
    local: Option<SocketAddr>,
    remote: Option<SocketAddr>,
) -> String {
    format!("{what} {kind} connection\n{}", connection_addresses(local, remote))
}

/// `Ice.Trace.Protocol` >= 1: the connection core describes every message.
pub(crate) fn protocol_on(props: &Properties) -> bool {
    props.get_int("Ice.Trace.Protocol") >= 1
}
