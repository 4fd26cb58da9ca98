//! `glacier`: a Glacier2 router, a drop-in for ZeroC's `glacier2router` (Ice 3.7 and 3.8)
//! that runs on tokio or async-std.
//!
//! It reads the same configuration files (`Glacier2.*` and `Ice.*` properties), serves the
//! same objects (`<InstanceName>/router`, `Ice/RouterFinder`), creates sessions with the
//! same permissions verifiers and session managers, and forwards requests of ZeroC clients to
//! back ends (and callbacks back over the clients' own connections) the way glacier2router
//! does. The routing decisions live in [`ice_proto::router`], without IO; this crate wires
//! them to connections.
//!
//! Forwarding goes through the driver's connection engine with a [`ice_driver::Dispatcher`]:
//! a request is forwarded from the task of the connection it arrived on, its parameters are
//! never decoded, and the reply is relayed from the task of the back-end connection. There is
//! no task per request, and no queue without bound: a client connection stops being read while
//! `Ice.Connection.Server.MaxDispatches` (100) of its requests are being forwarded.
//!
//! ```no_run
//! # async fn demo() -> Result<(), glacier::StartError> {
//! let mut properties = ice_driver::Properties::new();
//! properties.load_str(glacier::DEFAULT_CONFIG);
//! let router = glacier::Glacier::start(ice_driver_tokio::TokioRuntime::shared(), properties).await?;
//! router.wait_for_shutdown().await;
//! # Ok(()) }
//! ```

mod admin;
mod admin_logger;
mod buffered;
mod config;
pub mod crypt;
#[cfg(unix)]
pub mod daemon;
mod dispatch;
mod inflight;
pub mod log;
mod metrics;
mod router_object;
mod session;
#[cfg(unix)]
pub mod systemd;
mod trace;
mod verifier;
mod warn_dispatch;

pub use config::{StartError, DEFAULT_CONFIG};

use foldhash::{HashMap, HashMapExt};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use ice_driver::{
    Communicator, Connection, Endpoint, Identity, ObjectAdapter, Properties, Proxy, Runtime,
};
use ice_proto::router::Router;
use tokio::sync::watch;

use crate::verifier::{SslVerifier, Verifier};

/// Counters of a running router, for operators and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RouterStats {
    /// Live sessions.
    pub sessions: usize,
    /// Routing-table entries of all sessions.
    pub routing_table_entries: usize,
    /// Client connections with a session the router tracks for callbacks.
    pub session_connections: usize,
    /// Connections to back ends the router keeps.
    pub backend_connections: usize,
    /// Client requests forwarded and not answered yet.
    pub forwards_in_flight: usize,
}

/// The connection of a client with a session, and its callbacks in flight.
#[derive(Clone)]
pub(crate) struct SessionClient {
    pub(crate) connection: Connection,
    /// Twoway callbacks in flight.
    pub(crate) twoways: Arc<std::sync::atomic::AtomicUsize>,
    /// Oneway callbacks not yet written.
    pub(crate) oneways: Arc<std::sync::atomic::AtomicUsize>,
    /// Whether a ping of the session manager's session is under way.
    pub(crate) pinging: Arc<std::sync::atomic::AtomicBool>,
}

impl SessionClient {
    pub(crate) fn new(connection: Connection) -> SessionClient {
        SessionClient {
            connection,
            twoways: Arc::default(),
            oneways: Arc::default(),
            pinging: Arc::default(),
        }
    }
}

pub(crate) struct State {
    pub(crate) core: Mutex<Router>,
    pub(crate) communicator: Communicator,
    pub(crate) runtime: Arc<dyn Runtime>,
    pub(crate) properties: Properties,
    /// Client connections with a session, by connection id (callbacks go over them).
    pub(crate) clients: Mutex<HashMap<u64, SessionClient>>,
    /// Connections to back ends, by endpoint list.
    /// Stream (0) and datagram (1) back ends.
    pub(crate) backends: [dispatch::Backends; 2],
    pub(crate) verifier: Option<Verifier>,
    /// `Glacier2.SSLPermissionsVerifier`.
    pub(crate) ssl_verifier: Option<SslVerifier>,
    pub(crate) session_manager: Option<Proxy>,
    /// `Glacier2.SSLSessionManager`.
    pub(crate) ssl_session_manager: Option<Proxy>,
    pub(crate) router_identity: Identity,
    /// `<alias>/router` for each of `Glacier.InstanceAliases`: the router answers there too.
    pub(crate) router_aliases: Vec<Identity>,
    pub(crate) client_endpoints: Vec<Endpoint>,
    /// Hosts and ports of the client and server endpoints, for proxies pointing back here.
    pub(crate) own_addresses: Vec<(String, u16)>,
    /// `Glacier2.AddConnectionContext`.
    pub(crate) add_connection_context: u8,
    pub(crate) server_adapter: Option<ObjectAdapter>,
    pub(crate) return_client_proxy: bool,
    pub(crate) session_timeout_reply: i64,
    pub(crate) acm_timeout: i32,
    /// Ice 3.7 behaviour for SessionControl `destroy` (the client's connection stays open):
    /// only for a configuration that uses 3.7's own properties and none of 3.8's.
    pub(crate) ice37: bool,
    pub(crate) trace: trace::Trace,
    pub(crate) shutdown: watch::Sender<bool>,
    /// Buffered forwarding, each way, and the pause between drains.
    pub(crate) client_buffered: bool,
    pub(crate) server_buffered: bool,
    pub(crate) client_sleep: std::time::Duration,
    pub(crate) server_sleep: std::time::Duration,
    pub(crate) queues: buffered::Queues,
    pub(crate) inflight: inflight::InFlight,
    /// `Ice.Warn.Dispatch`: which failed routed requests are logged.
    pub(crate) warn_dispatch: i32,
    /// The encoding of the proxies the router makes (`Ice.Default.EncodingVersion`).
    pub(crate) proxy_encoding: ice_driver::EncodingVersion,
    /// What the `Logger` admin facet serves, if the command line keeps messages.
    pub(crate) logs: Option<Arc<log::LogBuffer>>,
    /// The filter objects of each SessionControl object.
    pub(crate) control_index: Mutex<HashMap<Identity, [Identity; 3]>>,
    /// `Session::destroy` calls under way.
    pub(crate) pending_destroys: watch::Sender<usize>,
    /// Counters for the metrics endpoint (kept whether or not it is served).
    pub(crate) metrics: metrics::Metrics,
    pub(crate) metrics_server: std::sync::OnceLock<metrics::MetricsServer>,
}

impl State {
    pub(crate) fn core(&self) -> MutexGuard<'_, Router> {
        self.core.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn now(&self) -> Instant {
        self.runtime.now()
    }
}

/// A running router. Dropping it does not stop it: call [`Glacier::shutdown`].
#[derive(Clone)]
pub struct Glacier {
    state: Arc<State>,
    client_adapter: ObjectAdapter,
}

impl Glacier {
    /// Starts a router configured by `properties` on `runtime`: checks the configuration,
    /// listens on `Glacier2.Client.Endpoints` (and `Glacier2.Server.Endpoints`,
    /// `Ice.Admin.Endpoints` when set) and prints `<adapter> ready` lines with
    /// `Ice.PrintAdapterReady`.
    pub async fn start(
        runtime: Arc<dyn Runtime>,
        properties: Properties,
    ) -> Result<Glacier, StartError> {
        Glacier::start_with_options(runtime, properties, StartOptions::default()).await
    }

    /// [`Glacier::start`] with the options of the `glacier` command line.
    pub async fn start_with_options(
        runtime: Arc<dyn Runtime>,
        mut properties: Properties,
        options: StartOptions,
    ) -> Result<Glacier, StartError> {
        let config = config::prepare(&mut properties)?;
        config::warn_properties(&properties);
        for w in properties.take_warnings() {
            tracing::warn!("{w}");
        }
        let communicator = Communicator::with_properties(
            runtime.clone(),
            config::communicator_properties(&properties),
        );
        let prop = |k: &str| properties.get(k).filter(|v| !v.trim().is_empty()).map(str::to_owned);
        let bad = |property: &str, e: &dyn std::fmt::Display| StartError::Property {
            property: property.to_owned(),
            reason: e.to_string(),
        };
        let instance = config.instance_name.clone();
        let verifier = match (prop("Glacier2.PermissionsVerifier"), prop("Glacier2.CryptPasswords"))
        {
            (Some(v), _)
                if verifier::is_null_verifier(&v, &instance, "NullPermissionsVerifier") =>
            {
                Some(Verifier::Null)
            }
            (Some(v), _) => {
                let proxy = communicator
                    .string_to_proxy(&v)
                    .map_err(|e| bad("Glacier2.PermissionsVerifier", &e))?;
                Some(Verifier::Remote(Box::new(proxy)))
            }
            (None, Some(file)) => Some(Verifier::Crypt(Arc::new(crypt::CryptPasswords::load(
                std::path::Path::new(&file),
            )?))),
            (None, None) => None,
        };
        let mut ssl_verifier = match prop("Glacier2.SSLPermissionsVerifier") {
            Some(v)
                if verifier::is_null_verifier(&v, &instance, "NullSSLPermissionsVerifier")
                    || verifier::is_null_verifier(&v, &instance, "NullPermissionsVerifier") =>
            {
                Some(SslVerifier::Null)
            }
            Some(v) => Some(SslVerifier::Remote(Box::new(
                communicator
                    .string_to_proxy(&v)
                    .map_err(|e| bad("Glacier2.SSLPermissionsVerifier", &e))?,
            ))),
            None => None,
        };
        if verifier.is_none() && ssl_verifier.is_none() {
            return Err(StartError::NoVerifier);
        }
        let manager = |property: &str| match prop(property) {
            Some(v) => communicator.string_to_proxy(&v).map(Some).map_err(|e| bad(property, &e)),
            None => Ok(None),
        };
        let session_manager = manager("Glacier2.SessionManager")?;
        let ssl_session_manager = manager("Glacier2.SSLSessionManager")?;
        // Checked once, as glacier2router does: unreachable is only worth a warning (the
        // back end may start later), the wrong type stops start-up.
        if let Some(Verifier::Remote(p)) = &verifier {
            check_type(
                p,
                "Glacier2.PermissionsVerifier",
                "::Glacier2::PermissionsVerifier",
                &options,
            )
            .await?;
        }
        if let Some(p) = &session_manager {
            check_type(p, "Glacier2.SessionManager", "::Glacier2::SessionManager", &options)
                .await?;
        }
        // glacier2router only logs an SSL verifier of the wrong type, and goes on without it.
        if let Some(SslVerifier::Remote(p)) = &ssl_verifier {
            let id = "::Glacier2::SSLPermissionsVerifier";
            if let Err(e) = check_type(p, "Glacier2.SSLPermissionsVerifier", id, &options).await {
                tracing::error!(target: "Glacier2", "{e}");
                ssl_verifier = None;
            }
        }
        if let Some(p) = &ssl_session_manager {
            let id = "::Glacier2::SSLSessionManager";
            check_type(p, "Glacier2.SSLSessionManager", id, &options).await?;
        }
        let client_adapter = communicator
            .create_object_adapter("Glacier2.Client")
            .map_err(|e| bad("Glacier2.Client.Endpoints", &e))?;
        let server_adapter = match prop("Glacier2.Server.Endpoints") {
            Some(_) => Some(
                communicator
                    .create_object_adapter("Glacier2.Server")
                    .map_err(|e| bad("Glacier2.Server.Endpoints", &e))?,
            ),
            None => None,
        };
        // Indirect proxies are resolved by the communicator's locator: a locator that does
        // not parse stops start-up rather than being ignored.
        if let Some(l) = prop("Ice.Default.Locator") {
            communicator.string_to_proxy(&l).map_err(|e| bad("Ice.Default.Locator", &e))?;
        }
        let trace = trace::Trace::from_properties(&properties);
        let metrics_address =
            metrics::address(&properties).map_err(|e| bad("Glacier.Metrics.Address", &e))?;
        let state = Arc::new(State {
            session_timeout_reply: config::session_timeout_reply(&properties, &config),
            acm_timeout: config::client_acm_timeout(&properties),
            ice37: config::is_explicitly_ice37(&properties),
            return_client_proxy: properties.get_int_or("Glacier2.ReturnClientProxy", 0) > 0,
            router_identity: Identity::with_category(instance.clone(), "router"),
            router_aliases: properties
                .get("Glacier.InstanceAliases")
                .unwrap_or("")
                .split_whitespace()
                .filter(|a| *a != instance)
                .map(|a| Identity::with_category(a, "router"))
                .collect(),
            core: Mutex::new(Router::new(config.clone())),
            communicator: communicator.clone(),
            runtime: runtime.clone(),
            properties: properties.clone(),
            clients: Mutex::new(HashMap::new()),
            backends: Default::default(),
            verifier,
            ssl_verifier,
            session_manager,
            ssl_session_manager,
            client_endpoints: client_adapter.endpoints(),
            own_addresses: dispatch::own_addresses(
                &[
                    client_adapter.endpoints(),
                    server_adapter.as_ref().map(ObjectAdapter::endpoints).unwrap_or_default(),
                ]
                .concat(),
            ),
            add_connection_context: config.add_connection_context,
            server_adapter: server_adapter.clone(),
            trace,
            shutdown: watch::channel(false).0,
            pending_destroys: watch::channel(0).0,
            metrics: metrics::Metrics::new(),
            metrics_server: std::sync::OnceLock::new(),
            control_index: Mutex::new(HashMap::new()),
            client_buffered: config::buffered(&properties, "Glacier2.Client"),
            server_buffered: config::buffered(&properties, "Glacier2.Server"),
            client_sleep: config::sleep_time(&properties, "Glacier2.Client"),
            server_sleep: config::sleep_time(&properties, "Glacier2.Server"),
            queues: buffered::Queues::default(),
            inflight: inflight::InFlight::default(),
            logs: options.logs.clone(),
            proxy_encoding: ice_proto::proxy::ParseDefaults::from_properties(&properties).encoding,
            warn_dispatch: properties.get_int_or("Ice.Warn.Dispatch", 1),
        });
        let weak = Arc::downgrade(&state);
        if let Some(addr) = metrics_address {
            let server = metrics::MetricsServer::start(addr, weak.clone())
                .map_err(|e| bad("Glacier.Metrics.Address", &e))?;
            let _ = state.metrics_server.set(server);
        }
        client_adapter
            .set_dispatcher(Some(Arc::new(dispatch::ClientDispatcher { state: weak.clone() })));
        router_object::register(&state, &client_adapter)
            .map_err(|e| bad("Glacier2.InstanceName", &e))?;
        let print_ready = properties.get_int_or("Ice.PrintAdapterReady", 0) > 0;
        // First, as ZeroC's communicator creates it before the router's own adapters.
        if let Some(admin) = admin::start(&state).await? {
            if print_ready {
                ready(admin.name());
            }
        }
        client_adapter.activate().map_err(|e| bad("Glacier2.Client.Endpoints", &e))?;
        if print_ready {
            ready("Glacier2.Client");
        }
        if let Some(server) = &server_adapter {
            server
                .set_dispatcher(Some(Arc::new(dispatch::ServerDispatcher { state: weak.clone() })));
            server.activate().map_err(|e| bad("Glacier2.Server.Endpoints", &e))?;
            if print_ready {
                ready("Glacier2.Server");
            }
        }
        for e in client_adapter.endpoints() {
            tracing::debug!(target: "Glacier2", "clients connect to {e}");
        }
        if let Some(timeout) = config.session_timeout {
            session::spawn_reaper(&state, timeout);
        }
        Ok(Glacier { state, client_adapter })
    }

    /// The endpoints clients connect to (`Glacier2.Client`, as published).
    pub fn client_endpoints(&self) -> Vec<Endpoint> {
        self.client_adapter.endpoints()
    }

    /// The endpoints back ends send callbacks to (`Glacier2.Server`), if any.
    pub fn server_endpoints(&self) -> Vec<Endpoint> {
        self.state.server_adapter.as_ref().map(ObjectAdapter::endpoints).unwrap_or_default()
    }

    /// The router proxy clients use (`<InstanceName>/router:<client endpoints>`).
    pub fn router_proxy(&self) -> Proxy {
        self.state
            .communicator
            .create_proxy(self.state.router_identity.clone(), self.client_endpoints())
    }

    /// The router's counters.
    pub fn stats(&self) -> RouterStats {
        stats_of(&self.state)
    }

    /// Where the metrics endpoint listens (`Glacier.Metrics.Address`), if it is on.
    pub fn metrics_address(&self) -> Option<std::net::SocketAddr> {
        self.state.metrics_server.get().map(metrics::MetricsServer::addr)
    }

    /// Stops the router: no new session, every session destroyed (session managers told),
    /// adapters deactivated, connections closed. Returns once done.
    pub async fn shutdown(&self) {
        session::shutdown(&self.state).await;
    }

    /// Waits until the router was shut down (by [`Glacier::shutdown`] or the admin `Process`
    /// facet's `shutdown`).
    pub async fn wait_for_shutdown(&self) {
        let mut rx = self.state.shutdown.subscribe();
        let _ = rx.wait_for(|s| *s).await;
        session::shutdown(&self.state).await;
    }
}

/// The counters of the router of `state`.
pub(crate) fn stats_of(state: &State) -> RouterStats {
    let (sessions, routing_table_entries) = {
        let core = state.core();
        (core.session_count(), core.routing_table_entries())
    };
    let clients = state.clients.lock().unwrap_or_else(|e| e.into_inner()).len();
    let mut backend_connections = 0;
    for table in &state.backends {
        let mut table = table.lock().unwrap_or_else(|e| e.into_inner());
        table.retain(|_, b| !matches!(b, dispatch::Backend::Ready(c) if c.is_closed()));
        backend_connections += table.len();
    }
    RouterStats {
        sessions,
        routing_table_entries,
        session_connections: clients,
        backend_connections,
        forwards_in_flight: state.inflight.len(),
    }
}

/// Options of the `glacier` command line that are not properties.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// `--nowarn`: no warning about an unreachable verifier or session manager.
    pub nowarn: bool,
    /// The messages the router's `tracing` subscriber keeps ([`log::LogCapture`]): with
    /// them the admin object serves the `Logger` facet.
    pub logs: Option<Arc<log::LogBuffer>>,
}

/// How long start-up waits to learn whether a verifier or session manager is reachable.
const CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

async fn check_type(
    proxy: &Proxy,
    property: &str,
    type_id: &str,
    options: &StartOptions,
) -> Result<(), StartError> {
    match proxy.ice_invocation_timeout(Some(CHECK_TIMEOUT)).ice_is_a(type_id).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(StartError::Property {
            property: property.to_owned(),
            reason: format!("`{proxy}' is not a {type_id}"),
        }),
        Err(e) => {
            if !options.nowarn {
                // glacier2router's words: what it is, the property's value, the exception.
                let what = match property {
                    "Glacier2.PermissionsVerifier" => "permissions verifier",
                    "Glacier2.SessionManager" => "session manager",
                    "Glacier2.SSLPermissionsVerifier" => "ssl permissions verifier",
                    _ => "ssl session manager",
                };
                let communicator = proxy.communicator();
                let value = communicator.properties().get(property).map(str::to_owned);
                let value = value.unwrap_or_else(|| proxy.to_string());
                tracing::warn!(
                    target: "Glacier2",
                    "unable to contact {what} `{}'\n{}",
                    value.trim(),
                    e.to_ice_string()
                );
            }
            Ok(())
        }
    }
}

fn ready(name: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{name} ready");
    let _ = out.flush();
}
