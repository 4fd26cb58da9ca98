//! Metrics glacier2router does not offer: a Prometheus text endpoint, off unless
//! `Glacier.Metrics.Address` is set (`9464` or `127.0.0.1:9464`; loopback only unless
//! `Glacier.Metrics.AllowRemote=1`). `GET /metrics` answers; it is served by a thread of its
//! own, off the router's runtime.
//!
//! | metric | type | what |
//! |---|---|---|
//! | `glacier_sessions` | gauge | live sessions |
//! | `glacier_sessions_created_total` | counter | sessions created |
//! | `glacier_sessions_destroyed_total{reason}` | counter | sessions ended: `destroyed` (by the client), `connection_closed`, `expired`, `shutdown`, `by_server` (SessionControl or a failed refresh) |
//! | `glacier_requests_forwarded_total{direction}` | counter | requests forwarded: `to_server` (client requests), `to_client` (callbacks) |
//! | `glacier_request_bytes_forwarded_total{direction}` | counter | bytes of their parameters |
//! | `glacier_rejections_total{reason}` | counter | requests and proxies refused: `no_session`, `filtered` (category, identity or adapter-id filters), `add_proxies` (address filter or `ProxySizeMax`), `callback_limit` (a client with too many callbacks in flight) |
//! | `glacier_forward_latency_seconds{direction}` | histogram | from forwarding a twoway request to relaying its reply |
//! | `glacier_forwards_in_flight` | gauge | client requests forwarded and not answered yet |
//! | `glacier_buffered_requests{direction}` | gauge | requests waiting in buffered-mode queues |
//! | `glacier_routing_table_entries` | gauge | routing-table entries of all sessions |
//! | `glacier_backend_connections` | gauge | connections to back ends |

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Weak};
use std::time::Instant;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use ice_proto::router::DestroyReason;
use ice_proto::Properties;

use crate::buffered::Direction;
use crate::State;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DirectionLabel {
    direction: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

/// Why a request or proxy was refused, for `glacier_rejections_total`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Rejection {
    NoSession,
    Filtered,
    AddProxies,
    CallbackLimit,
}

/// The counters the router updates as it works; cheap atomic handles.
pub(crate) struct Metrics {
    registry: Registry,
    sessions: Gauge,
    created: Counter,
    destroyed: Family<ReasonLabel, Counter>,
    requests: [Counter; 2],
    bytes: [Counter; 2],
    latency: [Histogram; 2],
    rejections: [Counter; 4],
    in_flight: Gauge,
    buffered: [Gauge; 2],
    routing_entries: Gauge,
    backends: Gauge,
}

fn index(direction: Direction) -> usize {
    match direction {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

const DIRECTIONS: [&str; 2] = ["to_server", "to_client"];

impl Metrics {
    pub(crate) fn new() -> Metrics {
        let mut registry = Registry::with_prefix("glacier");
        let sessions = Gauge::default();
        registry.register("sessions", "Live sessions", sessions.clone());
        let created = Counter::default();
        registry.register("sessions_created", "Sessions created", created.clone());
        let destroyed = Family::<ReasonLabel, Counter>::default();
        registry.register("sessions_destroyed", "Sessions ended, by reason", destroyed.clone());
        let requests_family = Family::<DirectionLabel, Counter>::default();
        registry.register(
            "requests_forwarded",
            "Requests forwarded (to_server: client requests; to_client: callbacks)",
            requests_family.clone(),
        );
        let bytes_family = Family::<DirectionLabel, Counter>::default();
        registry.register(
            "request_bytes_forwarded",
            "Bytes of the parameters of forwarded requests",
            bytes_family.clone(),
        );
        let latency_family = Family::<DirectionLabel, Histogram>::new_with_constructor(|| {
            // 50 us to about 13 s.
            Histogram::new(exponential_buckets(0.000_05, 4.0, 10))
        });
        registry.register(
            "forward_latency_seconds",
            "From forwarding a twoway request to relaying its reply",
            latency_family.clone(),
        );
        let rejections_family = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "rejections",
            "Requests and proxies refused, by reason",
            rejections_family.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "forwards_in_flight",
            "Client requests forwarded and not answered yet",
            in_flight.clone(),
        );
        let buffered_family = Family::<DirectionLabel, Gauge>::default();
        registry.register(
            "buffered_requests",
            "Requests waiting in buffered-mode queues",
            buffered_family.clone(),
        );
        let routing_entries = Gauge::default();
        registry.register(
            "routing_table_entries",
            "Routing-table entries of all sessions",
            routing_entries.clone(),
        );
        let backends = Gauge::default();
        registry.register("backend_connections", "Connections to back ends", backends.clone());
        let by_direction = |i: usize| DirectionLabel { direction: DIRECTIONS[i] };
        let reason = |r: &'static str| ReasonLabel { reason: r };
        Metrics {
            sessions,
            created,
            destroyed,
            requests: [0, 1].map(|i| requests_family.get_or_create(&by_direction(i)).clone()),
            bytes: [0, 1].map(|i| bytes_family.get_or_create(&by_direction(i)).clone()),
            latency: [0, 1].map(|i| latency_family.get_or_create(&by_direction(i)).clone()),
            rejections: ["no_session", "filtered", "add_proxies", "callback_limit"]
                .map(|r| rejections_family.get_or_create(&reason(r)).clone()),
            in_flight,
            buffered: [0, 1].map(|i| buffered_family.get_or_create(&by_direction(i)).clone()),
            routing_entries,
            backends,
            registry,
        }
    }

    pub(crate) fn session_created(&self) {
        self.created.inc();
    }

    pub(crate) fn session_destroyed(&self, why: DestroyReason) {
        let reason = match why {
            DestroyReason::Destroyed => "destroyed",
            DestroyReason::ConnectionClosed => "connection_closed",
            DestroyReason::Expired => "expired",
            DestroyReason::Shutdown => "shutdown",
            DestroyReason::ByServer => "by_server",
        };
        self.destroyed.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// A request forwarded `direction` with `bytes` of parameters.
    pub(crate) fn forwarded(&self, direction: Direction, bytes: usize) {
        let i = index(direction);
        self.requests[i].inc();
        self.bytes[i].inc_by(bytes as u64);
    }

    /// A twoway forwarded at `since` was answered.
    pub(crate) fn answered(&self, direction: Direction, since: Instant) {
        self.latency[index(direction)].observe(since.elapsed().as_secs_f64());
    }

    pub(crate) fn rejected(&self, why: Rejection) {
        let i = match why {
            Rejection::NoSession => 0,
            Rejection::Filtered => 1,
            Rejection::AddProxies => 2,
            Rejection::CallbackLimit => 3,
        };
        self.rejections[i].inc();
    }

    /// The exposition text, with the gauges read from `state` now.
    pub(crate) fn render(&self, state: &State) -> String {
        let stats = crate::stats_of(state);
        let set = |g: &Gauge, v: usize| {
            g.set(i64::try_from(v).unwrap_or(i64::MAX));
        };
        set(&self.sessions, stats.sessions);
        set(&self.routing_entries, stats.routing_table_entries);
        set(&self.backends, stats.backend_connections);
        set(&self.in_flight, stats.forwards_in_flight);
        for direction in [Direction::ToServer, Direction::ToClient] {
            set(&self.buffered[index(direction)], state.queues.waiting(direction));
        }
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// The metrics endpoint's configuration is invalid.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MetricsConfigError {
    #[error("Glacier.Metrics.Address `{0}' is neither a port nor host:port")]
    Address(String),
    #[error(
        "Glacier.Metrics.Address `{0}' is not a loopback address (set Glacier.Metrics.AllowRemote=1 to serve it there)"
    )]
    NotLoopback(String),
    #[error("cannot serve metrics on {0}: {1}")]
    Bind(SocketAddr, String),
}

/// Where to serve metrics, if anywhere.
pub(crate) fn address(props: &Properties) -> Result<Option<SocketAddr>, MetricsConfigError> {
    let Some(value) = props.get("Glacier.Metrics.Address").map(str::trim).filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    let addr = match value.parse::<u16>() {
        Ok(port) => SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
        Err(_) => {
            value.parse::<SocketAddr>().map_err(|_| MetricsConfigError::Address(value.into()))?
        }
    };
    let remote_ok = props.get_int_or("Glacier.Metrics.AllowRemote", 0) > 0;
    if !addr.ip().is_loopback() && !remote_ok {
        return Err(MetricsConfigError::NotLoopback(value.into()));
    }
    Ok(Some(addr))
}

/// The running metrics endpoint; stopped by [`MetricsServer::stop`].
pub(crate) struct MetricsServer {
    server: Arc<tiny_http::Server>,
    addr: SocketAddr,
}

impl MetricsServer {
    /// Serves `GET /metrics` on `addr` from a thread of its own.
    pub(crate) fn start(
        addr: SocketAddr,
        state: Weak<State>,
    ) -> Result<MetricsServer, MetricsConfigError> {
        let server = tiny_http::Server::http(addr)
            .map_err(|e| MetricsConfigError::Bind(addr, e.to_string()))?;
        let addr = server.server_addr().to_ip().unwrap_or(addr);
        let server = Arc::new(server);
        let serving = server.clone();
        std::thread::Builder::new()
            .name("glacier-metrics".into())
            .spawn(move || serve(&serving, &state))
            .map_err(|e| MetricsConfigError::Bind(addr, e.to_string()))?;
        tracing::info!(target: "Glacier2", "metrics on http://{addr}/metrics");
        Ok(MetricsServer { server, addr })
    }

    /// The address it listens on (with the real port when configured with port 0).
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub(crate) fn stop(&self) {
        self.server.unblock();
    }
}

fn serve(server: &tiny_http::Server, state: &Weak<State>) {
    for request in server.incoming_requests() {
        let Some(state) = state.upgrade() else { break };
        let path = request.url().split('?').next().unwrap_or("");
        let response = match (request.method(), path) {
            (tiny_http::Method::Get, "/metrics") => {
                let text = state.metrics.render(&state);
                let content_type = tiny_http::Header::from_bytes(
                    &b"Content-Type"[..],
                    &b"application/openmetrics-text; version=1.0.0; charset=utf-8"[..],
                )
                .ok();
                let mut response = tiny_http::Response::from_string(text);
                if let Some(h) = content_type {
                    response.add_header(h);
                }
                response
            }
            _ => tiny_http::Response::from_string("not found\n").with_status_code(404),
        };
        let _ = request.respond(response);
    }
}
