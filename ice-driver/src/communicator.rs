//! The communicator: configuration, outgoing connections and object adapters
//! (`Ice::Communicator`).

use crate::trace::TraceLevels;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use ice_proto::connection::{Acm, AcmClose, AcmHeartbeat, CloseMode, ConnectionConfig, Side};
use ice_proto::proxy::{
    parse_proxy, Endpoint, EndpointSelection, ParseDefaults, ProxyData, UdpEndpoint,
    DEFAULT_TIMEOUT,
};
use ice_proto::retry::RetryPolicy;
use ice_proto::{Identity, Properties};

use crate::adapter::ObjectAdapter;
use crate::connection::Io;
use crate::connection::{spawn_connection, Connection, ConnectionSetup};
use crate::endpoint::{connect_addrs, connection_key, parse_adapter_endpoints, ConnectionKey};
use crate::error::{Error, ParseError, Result, SocketError};
use crate::glacier2::SessionRouter;
use crate::locator::LocatorInfo;
use crate::proxy::Proxy;
use crate::router::RouterInfo;
use crate::runtime::Runtime;
use crate::transport::{self, Transports};
use crate::udp::client_socket;
use crate::util::with_deadline;
use ice_proto::locator::CacheTimeout;

/// How long [`Communicator::destroy`] waits for connections to close gracefully.
const DESTROY_WAIT: Duration = Duration::from_secs(10);

/// One outgoing connection per endpoint, established by one caller at a time.
type ConnectionSlot = Arc<tokio::sync::Mutex<Option<Connection>>>;

pub(crate) struct Instance {
    pub(crate) runtime: Arc<dyn Runtime>,
    pub(crate) properties: Properties,
    pub(crate) retry: RetryPolicy,
    pub(crate) client_config: ConnectionConfig,
    pub(crate) server_config: ConnectionConfig,
    /// Settings of outgoing and incoming UDP "connections".
    pub(crate) datagram_client_config: ConnectionConfig,
    pub(crate) datagram_server_config: ConnectionConfig,
    pub(crate) trace: TraceLevels,
    /// What proxy and endpoint strings leave out (`Ice.Default.*`).
    pub(crate) parse_defaults: ParseDefaults,
    /// `Ice.ThreadPool.Client.Serialize`: dispatches on outgoing connections one at a time.
    client_serialize: bool,
    destroyed: AtomicBool,
    /// `Ice.Default.EndpointSelection`.
    pub(crate) default_selection: EndpointSelection,
    outgoing: Mutex<HashMap<ConnectionKey, ConnectionSlot>>,
    adapters: Mutex<Vec<ObjectAdapter>>,
    /// Set by `shutdown` (and `destroy`).
    shutdown: tokio::sync::watch::Sender<bool>,
    /// The adapter new outgoing connections dispatch to (bidirectional connections).
    default_adapter: Mutex<Option<ObjectAdapter>>,
    /// One per locator proxy, keyed by its stringified form.
    locators: Mutex<HashMap<String, Arc<LocatorInfo>>>,
    default_locator: OnceLock<Option<Arc<LocatorInfo>>>,
    /// `Ice.Default.LocatorCacheTimeout`.
    pub(crate) default_locator_cache_timeout: CacheTimeout,
    /// One per router proxy, keyed by its stringified form and connection id.
    routers: Mutex<HashMap<(String, String), Arc<RouterInfo>>>,
    default_router: OnceLock<Option<Arc<RouterInfo>>>,
    /// The `IceSSL` configuration, built at the first `ssl` or `wss` use.
    pub(crate) transports: Transports,
    weak: Weak<Instance>,
    /// The admin object of `Ice.Admin.*`: created with the communicator, at the first
    /// [`Communicator::admin`] with `Ice.Admin.DelayCreation`, and dropped by `destroy`.
    pub(crate) admin: Mutex<crate::admin::AdminSlot>,
}

impl Instance {
    pub(crate) fn is_destroyed(&self) -> bool {
        self.destroyed.load(Ordering::Acquire)
    }

    pub(crate) fn check_alive(&self) -> Result<()> {
        if self.is_destroyed() {
            Err(Error::CommunicatorDestroyed)
        } else {
            Ok(())
        }
    }

    /// The usable connection to `endpoint` for proxies with `connection_id`, if one is open
    /// (or being opened: then its opener's result is not awaited).
    pub(crate) fn existing_connection(
        &self,
        endpoint: &Endpoint,
        connection_id: &str,
    ) -> Option<Connection> {
        let key = connection_key(endpoint, connection_id)?;
        let slot = self.outgoing.lock().unwrap_or_else(|e| e.into_inner()).get(&key).cloned()?;
        let guard = slot.try_lock().ok()?;
        guard.as_ref().filter(|c| c.is_usable()).cloned()
    }

    /// The usable connection to `endpoint` for proxies with `connection_id`, opened now if
    /// there is none.
    pub(crate) async fn connection_to(
        &self,
        endpoint: &Endpoint,
        connection_id: &str,
    ) -> Result<Connection> {
        self.check_alive()?;
        let key = connection_key(endpoint, connection_id)
            .ok_or_else(|| Error::NoEndpoint(endpoint.to_string()))?;
        let slot =
            self.outgoing.lock().unwrap_or_else(|e| e.into_inner()).entry(key).or_default().clone();
        let mut guard = slot.lock().await;
        if let Some(c) = guard.as_ref().filter(|c| c.is_usable()) {
            return Ok(c.clone());
        }
        let connection = self.connect(endpoint).await?;
        self.check_alive()?;
        *guard = Some(connection.clone());
        Ok(connection)
    }

    async fn connect(&self, endpoint: &Endpoint) -> Result<Connection> {
        let ip = match endpoint {
            Endpoint::Tcp(ip) | Endpoint::Ssl(ip) => ip,
            Endpoint::Ws(ws) | Endpoint::Wss(ws) => &ws.ip,
            Endpoint::Udp(udp) => return self.connect_udp(endpoint, udp).await,
            _ => return Err(Error::NoEndpoint(endpoint.to_string())),
        };
        let mut last =
            Error::ConnectFailed { endpoint: endpoint.to_string(), reason: "no address".into() };
        let rt = &self.runtime;
        let timeout = u64::try_from(ip.timeout).ok().filter(|t| *t > 0).map(Duration::from_millis);
        let deadline = || timeout.map(|t| rt.sleep_until(rt.now() + t));
        // Resolution gets the connect timeout too: a resolver that never answers must not
        // hold the invocation forever.
        let addrs = with_deadline(connect_addrs(&**rt, &ip.host, ip.port), deadline())
            .await
            .unwrap_or_else(|| {
                Err(Error::ConnectFailed {
                    endpoint: endpoint.to_string(),
                    reason: "name resolution timed out".into(),
                })
            })?;
        for addr in addrs {
            let deadline = deadline();
            let kind = endpoint.transport();
            crate::trace::network(self.trace, 2, || {
                format!("trying to establish {kind} connection to {}", crate::trace::address(addr))
            });
            // The TLS and WebSocket handshakes count in the connect timeout.
            let established = async {
                let stream = rt.connect(addr).await.map_err(|e| Error::ConnectFailed {
                    endpoint: endpoint.to_string(),
                    reason: e.to_string(),
                })?;
                // Boxed: the TLS and WebSocket handshake states are large, and would otherwise
                // grow every invocation's future.
                Box::pin(transport::connect(&self.transports, &self.properties, endpoint, stream))
                    .await
            };
            let error = match with_deadline(established, deadline).await {
                Some(Ok((stream, info))) => {
                    let mut config = self.client_config.clone();
                    config.set_endpoint_timeout(ip.timeout);
                    return Ok(spawn_connection(ConnectionSetup {
                        runtime: rt.clone(),
                        instance: self.weak.clone(),
                        config,
                        io: Io::Stream(stream),
                        transport: info,
                        adapter: self.default_adapter(),
                        dispatcher: None,
                        endpoint: Some(endpoint.clone()),
                        serialize: self.client_serialize,
                    }));
                }
                Some(Err(e)) => e,
                None => Error::ConnectFailed {
                    endpoint: endpoint.to_string(),
                    reason: "connect timed out".to_owned(),
                },
            };
            crate::trace::network(self.trace, 2, || {
                format!(
                    "failed to establish {kind} connection to {}\n{}",
                    crate::trace::address(addr),
                    error.to_ice_string()
                )
            });
            last = error;
        }
        Err(last)
    }

    /// A UDP "connection" to `udp`: a socket that sends to its first address. Nothing is
    /// exchanged before the first datagram, so this cannot fail for an absent peer.
    async fn connect_udp(&self, endpoint: &Endpoint, udp: &UdpEndpoint) -> Result<Connection> {
        let addrs = connect_addrs(&*self.runtime, &udp.host, udp.port).await?;
        let remote = addrs.into_iter().next().ok_or_else(|| Error::ConnectFailed {
            endpoint: endpoint.to_string(),
            reason: "no address".into(),
        })?;
        let socket = self
            .runtime
            .udp(client_socket(udp, remote)?)
            .map_err(|e| SocketError::new(format!("cannot set up {endpoint}"), &e))?;
        Ok(spawn_connection(ConnectionSetup {
            runtime: self.runtime.clone(),
            instance: self.weak.clone(),
            config: self.datagram_client_config.clone(),
            io: Io::Datagram { socket, peer: Some(remote) },
            transport: transport::TransportInfo::plain("udp"),
            adapter: self.default_adapter(),
            dispatcher: None,
            endpoint: Some(endpoint.clone()),
            serialize: self.client_serialize,
        }))
    }

    pub(crate) fn default_adapter(&self) -> Option<ObjectAdapter> {
        self.default_adapter.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The router information shared by every proxy routed through `router` (with
    /// `connection_id`: a Glacier2 client holds one session per router connection id).
    pub(crate) fn router_info(&self, router: &ProxyData, connection_id: &str) -> Arc<RouterInfo> {
        self.routers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((router.to_string(), connection_id.to_owned()))
            .or_insert_with(|| {
                Arc::new(RouterInfo::new(router.clone(), connection_id, self.weak.clone()))
            })
            .clone()
    }

    /// The locator information shared by every proxy that resolves through `locator`.
    pub(crate) fn locator_info(&self, locator: &ProxyData) -> Arc<LocatorInfo> {
        self.locators
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(locator.to_string())
            .or_insert_with(|| {
                let background =
                    self.properties.get_int_or("Ice.BackgroundLocatorCacheUpdates", 0) > 0;
                Arc::new(LocatorInfo::new(locator.clone(), self.weak.clone(), background))
            })
            .clone()
    }

    /// The locator of `Ice.Default.Locator`, if set (and parsable).
    pub(crate) fn default_locator(&self) -> Option<Arc<LocatorInfo>> {
        self.default_locator
            .get_or_init(|| {
                let s = self.properties.get("Ice.Default.Locator").filter(|s| !s.is_empty())?;
                match parse_proxy(s, &self.parse_defaults) {
                    Ok(parsed) => parsed.proxy.map(|data| self.locator_info(&data)),
                    Err(e) => {
                        tracing::warn!(locator = s, error = %e, "ignoring Ice.Default.Locator");
                        None
                    }
                }
            })
            .clone()
    }

    /// The router of `Ice.Default.Router`, if set (and parsable).
    pub(crate) fn default_router(&self) -> Option<Arc<RouterInfo>> {
        self.default_router
            .get_or_init(|| {
                let s = self.properties.get("Ice.Default.Router").filter(|s| !s.is_empty())?;
                match parse_proxy(s, &self.parse_defaults) {
                    Ok(parsed) => parsed.proxy.map(|data| self.router_info(&data, "")),
                    Err(e) => {
                        tracing::warn!(router = s, error = %e, "ignoring Ice.Default.Router");
                        None
                    }
                }
            })
            .clone()
    }

    /// Forgets `connection` (opened for proxies with `connection_id`) so that the next
    /// invocation opens a new one.
    pub(crate) fn forget(&self, connection: &Connection, connection_id: &str) {
        if let Some(key) = connection.endpoint().and_then(|e| connection_key(e, connection_id)) {
            let slot = self.outgoing.lock().unwrap_or_else(|e| e.into_inner()).get(&key).cloned();
            if let Some(slot) = slot {
                if let Ok(mut guard) = slot.try_lock() {
                    if guard.as_ref() == Some(connection) {
                        *guard = None;
                    }
                }
            }
        }
    }
}

/// The entry point of an Ice program: it holds the configuration, creates proxies and object
/// adapters, and owns the outgoing connections (`Ice::Communicator`). Cloning gives another
/// handle to the same communicator.
#[derive(Clone)]
pub struct Communicator {
    pub(crate) instance: Arc<Instance>,
}

impl fmt::Debug for Communicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Communicator")
            .field("destroyed", &self.instance.is_destroyed())
            .finish_non_exhaustive()
    }
}

impl Communicator {
    /// A communicator with default settings running on `runtime`.
    pub fn new(runtime: Arc<dyn Runtime>) -> Communicator {
        Communicator::with_properties(runtime, Properties::new())
    }

    /// A communicator configured by `properties` (`Ice.RetryIntervals`, `Ice.ACM.*`,
    /// `Ice.Connection.*.IdleTimeout`, `Ice.Connection.*.InactivityTimeout`,
    /// `Ice.Connection.*.MaxDispatches`,
    /// `Ice.Default.Timeout`, `Ice.MessageSizeMax`, `<adapter>.Endpoints`, …).
    /// `Ice.Trace.Network` and `Ice.Trace.Protocol` (>= 1) raise the connection and request
    /// `tracing` events to INFO. `Ice.PrintProcessId` prints the process id on stdout (once per
    /// process). With `Ice.Admin.Endpoints` the admin object starts listening
    /// at once (see [`Communicator::admin`]): create the communicator inside the runtime then.
    ///
    /// # Panics
    /// On tokio, with `Ice.Admin.Endpoints` set (and `Ice.Admin.DelayCreation` not), when
    /// called outside a tokio runtime: the admin adapter's listener needs the runtime.
    pub fn with_properties(runtime: Arc<dyn Runtime>, properties: Properties) -> Communicator {
        // What Ice warns about as it reads a configuration (unknown properties, lines that
        // are not properties) is logged once, here.
        for warning in properties.take_warnings() {
            tracing::warn!("{warning}");
        }
        let retry =
            properties.get("Ice.RetryIntervals").map(RetryPolicy::parse).unwrap_or_default();
        let client_config = connection_config(&properties, Side::Client);
        let server_config = connection_config(&properties, Side::Server);
        let datagram_client_config = datagram_config(&properties, Side::Client);
        let datagram_server_config = datagram_config(&properties, Side::Server);
        let trace = TraceLevels::from_properties(&properties);
        let parse_defaults = ParseDefaults::from_properties(&properties);
        let client_serialize = properties.get_int_or("Ice.ThreadPool.Client.Serialize", 0) > 0;
        if properties.get_int_or("Ice.Default.Timeout", DEFAULT_TIMEOUT) != parse_defaults.timeout {
            tracing::warn!("invalid Ice.Default.Timeout, using {}", parse_defaults.timeout);
        }
        let default_selection = match properties.get("Ice.Default.EndpointSelection") {
            None => EndpointSelection::Random,
            Some(s) => s.parse().unwrap_or_else(|e| {
                tracing::warn!("invalid Ice.Default.EndpointSelection: {e}; using Random");
                EndpointSelection::Random
            }),
        };
        let default_locator_cache_timeout = CacheTimeout::from_seconds(
            properties.get_int_or("Ice.Default.LocatorCacheTimeout", -1),
        );
        let instance = Arc::new_cyclic(|weak| Instance {
            runtime,
            properties,
            retry,
            client_config,
            server_config,
            datagram_client_config,
            datagram_server_config,
            trace,
            parse_defaults,
            client_serialize,
            default_selection,
            destroyed: AtomicBool::new(false),
            outgoing: Mutex::new(HashMap::new()),
            adapters: Mutex::new(Vec::new()),
            shutdown: tokio::sync::watch::channel(false).0,
            default_adapter: Mutex::new(None),
            locators: Mutex::new(HashMap::new()),
            default_locator: OnceLock::new(),
            default_locator_cache_timeout,
            routers: Mutex::new(HashMap::new()),
            default_router: OnceLock::new(),
            transports: Transports::default(),
            weak: weak.clone(),
            admin: Mutex::new(crate::admin::AdminSlot::Pending),
        });
        let communicator = Communicator { instance };
        // `Ice.PrintProcessId`: the process id on stdout, once per process, as ZeroC's.
        static PROCESS_ID_PRINTED: AtomicBool = AtomicBool::new(false);
        if communicator.properties().get_int_or("Ice.PrintProcessId", 0) > 0
            && !PROCESS_ID_PRINTED.swap(true, Ordering::AcqRel)
        {
            use std::io::Write as _;
            let _ = writeln!(std::io::stdout().lock(), "{}", std::process::id());
        }
        if communicator.properties().get_int_or("Ice.Admin.DelayCreation", 0) <= 0 {
            drop(communicator.admin_slot());
        }
        communicator
    }

    /// The admin object (`Ice::Communicator::getAdmin`): with `Ice.Admin.Endpoints` set, the
    /// communicator serves `<Ice.Admin.InstanceName or a UUID>/admin` with the `Process` and
    /// `Properties` facets, and registers the `Process` facet for `Ice.Admin.ServerId` with
    /// the locator registry, so that an IceGrid node can start, watch and stop the server.
    /// `None` without an admin object.
    pub fn admin(&self) -> Option<Proxy> {
        let slot = self.admin_slot();
        let crate::admin::AdminSlot::Ready(admin) = &*slot else { return None };
        admin.adapter.create_proxy(admin.identity.clone()).ok()
    }

    /// Adds `servant` to the admin object as facet `facet` (`addAdminFacet`); fails without
    /// an admin object or if the facet exists. A facet that `Ice.Admin.Facets` leaves out is
    /// not served, as in ZeroC's runtime.
    pub fn add_admin_facet(&self, facet: &str, servant: Arc<dyn crate::Servant>) -> Result<()> {
        let slot = self.admin_slot();
        let crate::admin::AdminSlot::Ready(admin) = &*slot else {
            return Err(Error::invalid("no admin object (Ice.Admin.Endpoints)"));
        };
        if !crate::admin::facet_enabled(self.properties(), facet) {
            return Ok(());
        }
        admin.adapter.add_facet(admin.identity.clone(), facet, servant)
    }

    /// The admin slot, the admin object created first if it is still to be.
    fn admin_slot(&self) -> std::sync::MutexGuard<'_, crate::admin::AdminSlot> {
        let mut slot = self.instance.admin.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(*slot, crate::admin::AdminSlot::Pending) && !self.is_destroyed() {
            *slot = match crate::admin::start_if_configured(self) {
                Ok(Some(admin)) => crate::admin::AdminSlot::Ready(admin),
                Ok(None) => crate::admin::AdminSlot::Absent,
                Err(e) => {
                    tracing::error!(error = %e, "cannot create the admin object (Ice.Admin.*)");
                    crate::admin::AdminSlot::Absent
                }
            };
        }
        slot
    }

    pub(crate) fn from_instance(instance: Arc<Instance>) -> Communicator {
        Communicator { instance }
    }

    /// The runtime the communicator runs on.
    pub fn runtime(&self) -> &Arc<dyn Runtime> {
        &self.instance.runtime
    }

    /// The configuration.
    pub fn properties(&self) -> &Properties {
        &self.instance.properties
    }

    /// Parses a proxy string such as `hello:tcp -h localhost -p 10000`.
    pub fn string_to_proxy(&self, s: &str) -> Result<Proxy> {
        Proxy::parse(self.instance.clone(), s)
    }

    /// The proxy in property `name`, with the settings of its sub-properties as ZeroC's
    /// `propertyToProxy` reads them: `<name>.EndpointSelection`, `<name>.ConnectionCached`,
    /// `<name>.InvocationTimeout` (milliseconds, -1 for none), `<name>.Locator`,
    /// `<name>.LocatorCacheTimeout` (seconds), `<name>.Router` and
    /// `<name>.Context.<key>`. `Ok(None)` if the property is not set.
    pub fn property_to_proxy(&self, name: &str) -> Result<Option<Proxy>> {
        let props = &self.instance.properties;
        let Some(s) = props.get(name).filter(|s| !s.trim().is_empty()) else {
            return Ok(None);
        };
        let mut proxy = self.string_to_proxy(s)?;
        warn_unknown(props, &props.unknown_proxy_properties(name), || format!("proxy '{name}'"));
        if let Some(v) = props.get(&format!("{name}.EndpointSelection")) {
            let selection = v.parse().map_err(ParseError::EndpointSelection)?;
            proxy = proxy.ice_endpoint_selection(selection);
        }
        if let Some(v) = props
            .try_get_int(&format!("{name}.ConnectionCached"))
            .map_err(|e| Error::invalid(e.to_string()))?
        {
            proxy = proxy.ice_connection_cached(v > 0);
        }
        if let Some(ms) = props
            .try_get_int(&format!("{name}.InvocationTimeout"))
            .map_err(|e| Error::invalid(e.to_string()))?
        {
            let timeout = u64::try_from(ms).ok().filter(|ms| *ms > 0).map(Duration::from_millis);
            proxy = proxy.ice_invocation_timeout(timeout);
        }
        if let Some(locator) = self.property_to_proxy(&format!("{name}.Locator"))? {
            proxy = proxy.ice_locator(Some(&locator));
        }
        let key = format!("{name}.LocatorCacheTimeout");
        if let Some(seconds) = props.try_get_int(&key).map_err(|e| Error::invalid(e.to_string()))? {
            proxy = proxy.ice_locator_cache_timeout(seconds);
        }
        if let Some(router) = self.property_to_proxy(&format!("{name}.Router"))? {
            proxy = proxy.ice_router(Some(&router));
        }
        let prefix = format!("{name}.Context.");
        let context: ice_proto::Context = props
            .get_with_prefix(&prefix)
            .into_iter()
            .map(|(k, v)| (k[prefix.len()..].to_owned(), v))
            .collect();
        if !context.is_empty() {
            proxy = proxy.ice_context(context);
        }
        Ok(Some(proxy))
    }

    /// A twoway proxy for `identity` at `endpoints`.
    pub fn create_proxy(&self, identity: Identity, endpoints: Vec<Endpoint>) -> Proxy {
        Proxy::direct(self.instance.clone(), identity, endpoints)
    }

    /// A proxy with the given data (identity, facet, mode, encoding, endpoints).
    pub fn proxy_from_data(&self, data: ProxyData) -> Proxy {
        Proxy::from_data(self.instance.clone(), data)
    }

    /// Creates an object adapter listening on `<name>.Endpoints` (none if unset: such an
    /// adapter serves only bidirectional connections). Its proxies carry
    /// `<name>.PublishedEndpoints` when set (say, the address a NAT or firewall exposes),
    /// else the endpoints it listens on. An adapter with `<name>.Router` needs
    /// calls to the router: use [`Communicator::create_routed_object_adapter`].
    pub fn create_object_adapter(&self, name: &str) -> Result<ObjectAdapter> {
        if !name.is_empty() && self.instance.properties.get(&format!("{name}.Router")).is_some() {
            return Err(Error::invalid(format!(
                "{name}.Router is set: create the adapter with create_routed_object_adapter"
            )));
        }
        let endpoints = if name.is_empty() {
            String::new()
        } else {
            self.instance.properties.get(&format!("{name}.Endpoints")).unwrap_or("").to_owned()
        };
        let published = self.instance.properties.get(&format!("{name}.PublishedEndpoints"));
        let published = published.filter(|p| !name.is_empty() && !p.trim().is_empty());
        let published = match published {
            Some(p) => Some(parse_adapter_endpoints(p, &self.instance.parse_defaults)?),
            None => None,
        };
        self.create_adapter(name, &endpoints, published)
    }

    /// Creates an object adapter routed through `router` (an `Ice::Router`, e.g. a Glacier2
    /// router with a session): it has no listener, publishes the endpoints of the router's
    /// server proxy (`getServerProxy`), and receives requests over this communicator's
    /// connection to the router (bidirectional). With a Glacier2 router,
    /// [`ObjectAdapter::add_with_uuid`] uses the client's category (`getCategoryForClient`)
    /// so that the router forwards callbacks to it; create the session first.
    pub async fn create_object_adapter_with_router(
        &self,
        name: &str,
        router: &Proxy,
    ) -> Result<ObjectAdapter> {
        self.instance.check_alive()?;
        let info = self.instance.router_info(router.data(), router.ice_get_connection_id());
        let session = SessionRouter::new(&info.router_proxy()?);
        let server = session
            .get_server_proxy()
            .await?
            .ok_or_else(|| Error::NoEndpoint(format!("router {router} has no server endpoints")))?;
        let category = match session.get_category_for_client().await {
            Ok(category) => category,
            // A plain Ice::Router has no categories.
            Err(Error::OperationNotExist { .. }) => String::new(),
            Err(e) => return Err(e),
        };
        let adapter = {
            let mut adapters = self.instance.adapters.lock().unwrap_or_else(|e| e.into_inner());
            if !name.is_empty() && adapters.iter().any(|a| a.name() == name) {
                return Err(Error::AlreadyRegistered(format!("object adapter `{name}'")));
            }
            let adapter = ObjectAdapter::routed(
                &self.instance,
                name,
                info.clone(),
                server.ice_get_endpoints().to_vec(),
                category,
            );
            adapter.trace_published(self.instance.trace);
            adapters.push(adapter.clone());
            adapter
        };
        info.set_adapter(Some(adapter.clone()));
        info.connection().await?;
        Ok(adapter)
    }

    /// Creates the object adapter `name` routed through the router of `<name>.Router`; see
    /// [`Communicator::create_object_adapter_with_router`].
    pub async fn create_routed_object_adapter(&self, name: &str) -> Result<ObjectAdapter> {
        let key = format!("{name}.Router");
        let router = self
            .instance
            .properties
            .get(&key)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::invalid(format!("{key} is not set")))?;
        let router = self.string_to_proxy(router)?.ice_router(None);
        self.create_object_adapter_with_router(name, &router).await
    }

    /// Creates an object adapter listening on `endpoints`, e.g. `tcp -h 127.0.0.1 -p 0`.
    pub fn create_object_adapter_with_endpoints(
        &self,
        name: &str,
        endpoints: &str,
    ) -> Result<ObjectAdapter> {
        self.create_adapter(name, endpoints, None)
    }

    /// An adapter listening on `endpoints` whose proxies carry `published` if given.
    fn create_adapter(
        &self,
        name: &str,
        endpoints: &str,
        published: Option<Vec<Endpoint>>,
    ) -> Result<ObjectAdapter> {
        self.instance.check_alive()?;
        let mut adapters = self.instance.adapters.lock().unwrap_or_else(|e| e.into_inner());
        if !name.is_empty() && adapters.iter().any(|a| a.name() == name) {
            return Err(Error::AlreadyRegistered(format!("object adapter `{name}'")));
        }
        let properties = &self.instance.properties;
        let unknown = properties.unknown_adapter_properties(name);
        warn_unknown(properties, &unknown, || format!("object adapter `{name}'"));
        let endpoints = parse_adapter_endpoints(endpoints, &self.instance.parse_defaults)?;
        let adapter = ObjectAdapter::new(&self.instance, name, endpoints)?;
        if let Some(published) = published {
            adapter.set_published_endpoints(published);
        }
        adapter.trace_published(self.instance.trace);
        adapters.push(adapter.clone());
        Ok(adapter)
    }

    /// Sets the object adapter that dispatches requests arriving over the outgoing
    /// connections this communicator establishes from now on, so that a server can call back
    /// over the client's own connection (as `Connection::set_adapter` does for one
    /// connection; Ice 3.8's `setDefaultObjectAdapter`). `None` stops it.
    pub fn set_default_object_adapter(&self, adapter: Option<ObjectAdapter>) {
        *self.instance.default_adapter.lock().unwrap_or_else(|e| e.into_inner()) = adapter;
    }

    /// The adapter set by [`Communicator::set_default_object_adapter`].
    pub fn default_object_adapter(&self) -> Option<ObjectAdapter> {
        self.instance.default_adapter()
    }

    /// Deactivates every object adapter without waiting (`Ice::Communicator::shutdown`): a
    /// servant may call it to stop its server. Outgoing invocations keep working until
    /// [`Communicator::destroy`].
    pub fn shutdown(&self) {
        if self.instance.shutdown.send_replace(true) {
            return;
        }
        let adapters = self.instance.adapters.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for adapter in adapters {
            // Each adapter stops accepting now, as ZeroC's synchronous shutdown (one
            // registered with a locator once its registry has forgotten it).
            if let Some(rest) = adapter.begin_deactivate() {
                self.instance.runtime.spawn(Box::pin(rest));
            }
        }
    }

    /// Whether [`Communicator::shutdown`] (or [`Communicator::destroy`]) was called.
    pub fn is_shutdown(&self) -> bool {
        *self.instance.shutdown.borrow()
    }

    /// Waits until [`Communicator::shutdown`] is called and every object adapter has finished
    /// its dispatches (`Ice::Communicator::waitForShutdown`): what a server's main task awaits.
    pub async fn wait_for_shutdown(&self) {
        let mut rx = self.instance.shutdown.subscribe();
        let _ = rx.wait_for(|s| *s).await;
        let adapters = self.instance.adapters.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for adapter in adapters {
            adapter.wait_for_deactivate().await;
        }
    }

    /// Whether [`Communicator::destroy`] was called.
    pub fn is_destroyed(&self) -> bool {
        self.instance.is_destroyed()
    }

    /// Deactivates every object adapter and closes every connection gracefully; invocations
    /// still waiting fail with [`Error::CommunicatorDestroyed`]. Returns once the connections
    /// are closed (or after 10 s).
    pub async fn destroy(&self) {
        if self.instance.is_destroyed() {
            return;
        }
        // Registered adapters tell the locator registry they are gone while calls still work.
        let adapters = self.instance.adapters.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for a in &adapters {
            let rt = &self.instance.runtime;
            let deadline = rt.sleep_until(rt.now() + DESTROY_WAIT);
            with_deadline(a.unregister(), Some(deadline)).await;
        }
        if self.instance.destroyed.swap(true, Ordering::AcqRel) {
            return;
        }
        tracing::debug!("destroying communicator");
        // Its servants may hold the communicator: dropped, so that nothing keeps it alive.
        *self.instance.admin.lock().unwrap_or_else(|e| e.into_inner()) =
            crate::admin::AdminSlot::Absent;
        self.instance.shutdown.send_replace(true);
        *self.instance.default_adapter.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let adapters =
            std::mem::take(&mut *self.instance.adapters.lock().unwrap_or_else(|e| e.into_inner()));
        let slots: Vec<ConnectionSlot> = self
            .instance
            .outgoing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .map(|(_, s)| s)
            .collect();
        let mut connections = Vec::new();
        for slot in slots {
            if let Some(c) = slot.lock().await.take() {
                c.close(CloseMode::Gracefully);
                connections.push(c);
            }
        }
        for a in &adapters {
            a.deactivate().await;
        }
        let rt = &self.instance.runtime;
        let deadline = rt.sleep_until(rt.now() + DESTROY_WAIT);
        let all_closed = async {
            for c in &connections {
                c.closed().await;
            }
        };
        if with_deadline(all_closed, Some(deadline)).await.is_none() {
            for c in &connections {
                c.close(CloseMode::Forcefully);
            }
        }
    }
}

/// ZeroC's warning about the properties of `what` (an adapter, a proxy) that it does not
/// read, unless `Ice.Warn.UnknownProperties=0`.
fn warn_unknown(props: &Properties, unknown: &[&str], what: impl FnOnce() -> String) {
    if !unknown.is_empty() && props.get_int_or("Ice.Warn.UnknownProperties", 1) > 0 {
        tracing::warn!("found unknown properties for {}:\n    {}", what(), unknown.join("\n    "));
    }
}

/// Sizes in KiB (`Ice.MessageSizeMax`, `Ice.BatchAutoFlushSize`): 0 or less means no limit.
fn kib(props: &Properties, name: &str, default: i32) -> usize {
    match usize::try_from(props.get_int_or(name, default)) {
        Ok(kb) if kb > 0 => kb.saturating_mul(1024),
        _ => usize::MAX,
    }
}

/// Settings of UDP "connections": `Ice.MessageSizeMax`, `Ice.BatchAutoFlushSize` and
/// `Ice.UDP.SndSize` (the largest datagram sent, less the IP and UDP headers).
fn datagram_config(props: &Properties, side: Side) -> ConnectionConfig {
    let mut config = ConnectionConfig::datagram(side);
    config.trace_protocol = crate::trace::protocol_on(props);
    config.max_message_size = kib(props, "Ice.MessageSizeMax", 1024);
    config.batch_auto_flush_size = kib(props, "Ice.BatchAutoFlushSize", 1024);
    if let Ok(send_buffer) = usize::try_from(props.get_int_or("Ice.UDP.SndSize", 0)) {
        if send_buffer > 28 {
            config.max_datagram_size = config.max_datagram_size.min(send_buffer - 28);
        }
    }
    max_dispatches_config(props, side, &mut config);
    config
}

/// Connection settings from `Ice.MessageSizeMax`, `Ice.BatchAutoFlushSize`,
/// `Ice.Default.Timeout` (the read and write timeouts, until an endpoint's own `-t` replaces
/// it) and `Ice.ACM[.Client|.Server].*`.
fn connection_config(props: &Properties, side: Side) -> ConnectionConfig {
    let mut config = ConnectionConfig::new(side);
    config.trace_protocol = crate::trace::protocol_on(props);
    config.set_endpoint_timeout(ParseDefaults::from_properties(props).timeout);
    config.max_message_size = kib(props, "Ice.MessageSizeMax", 1024);
    config.batch_auto_flush_size = kib(props, "Ice.BatchAutoFlushSize", 1024);
    let scope = match side {
        Side::Client => "Ice.ACM.Client",
        Side::Server => "Ice.ACM.Server",
    };
    let acm_int = |name: &str, default: i32| {
        let general = props.get_int_or(&format!("Ice.ACM.{name}"), default);
        props.get_int_or(&format!("{scope}.{name}"), general)
    };
    let default = config.acm;
    let timeout = acm_int(
        "Timeout",
        default.timeout.map_or(0, |t| i32::try_from(t.as_secs()).unwrap_or(i32::MAX)),
    );
    let heartbeat = Acm::heartbeat_from_int(acm_int("Heartbeat", heartbeat_int(default.heartbeat)))
        .unwrap_or(default.heartbeat);
    let close =
        Acm::close_from_int(acm_int("Close", close_int(default.close))).unwrap_or(default.close);
    config.acm = Acm {
        timeout: (timeout > 0).then(|| Duration::from_secs(timeout as u64)),
        heartbeat,
        close,
    };
    idle_timeout_config(props, side, &mut config);
    config
}

/// The settings of the connections an object adapter `name` accepts: `server` (from
/// `Ice.ACM.Server.*` and `Ice.Connection.Server.*`) with the adapter's own `<name>.ACM.Timeout`,
/// `.Heartbeat`, `.Close` (Ice 3.7) and `<name>.Connection.IdleTimeout`, `.EnableIdleCheck`,
/// `.InactivityTimeout`, `.MaxDispatches` (Ice 3.8) over them, as ZeroC reads them.
pub(crate) fn adapter_connection_config(
    props: &Properties,
    name: &str,
    server: &ConnectionConfig,
) -> ConnectionConfig {
    let mut config = server.clone();
    if name.is_empty() {
        return config;
    }
    let int =
        |key: &str| props.get(&format!("{name}.{key}")).and_then(|v| v.trim().parse::<i64>().ok());
    if let Some(t) = int("ACM.Timeout") {
        config.acm.timeout = u64::try_from(t).ok().filter(|t| *t > 0).map(Duration::from_secs);
    }
    if let Some(h) = int("ACM.Heartbeat").and_then(|h| Acm::heartbeat_from_int(h as i32)) {
        config.acm.heartbeat = h;
    }
    if let Some(c) = int("ACM.Close").and_then(|c| Acm::close_from_int(c as i32)) {
        config.acm.close = c;
    }
    if let Some(seconds) = int("Connection.IdleTimeout") {
        config.acm.timeout =
            u64::try_from(seconds).ok().filter(|s| *s > 0).map(Duration::from_secs);
        config.acm.close = AcmClose::OnInvocation;
        if config.idle_check.is_some() {
            config.idle_check = config.acm.timeout;
        }
    }
    if let Some(check) = int("Connection.EnableIdleCheck") {
        config.idle_check = if check > 0 { config.acm.timeout } else { None };
    }
    if let Some(seconds) = int("Connection.InactivityTimeout") {
        config.inactivity_timeout =
            u64::try_from(seconds).ok().filter(|s| *s > 0).map(Duration::from_secs);
    }
    if let Some(max) = int("Connection.MaxDispatches") {
        config.max_dispatches = usize::try_from(max).unwrap_or(0);
    }
    if props.get(&format!("{name}.MessageSizeMax")).is_some() {
        config.max_message_size = kib(props, &format!("{name}.MessageSizeMax"), 1024);
    }
    config
}

/// Ice 3.8's `Ice.Connection[.Client|.Server].IdleTimeout`, `.EnableIdleCheck` and
/// `.InactivityTimeout`, for configurations written for 3.8 peers. An idle timeout replaces
/// the ACM timeout, so a heartbeat goes out after half of it without writes (what a 3.8 peer's
/// idle check needs). By itself it does not close idle connections: the connection is only
/// aborted when invocations wait and nothing was read for that long (ACM close
/// `OnInvocation`); closing idle connections is the inactivity timeout's job (seconds, 0 =
/// off; 300 s by default). The idle check proper (abort when nothing was read for the idle
/// timeout) is only enabled when `EnableIdleCheck` is set to 1, because 3.7 peers do not
/// heartbeat by default.
fn idle_timeout_config(props: &Properties, side: Side, config: &mut ConnectionConfig) {
    let int = |name: &str| connection_int(props, side, name);
    if let Some(seconds) = int("IdleTimeout") {
        config.acm.timeout =
            u64::try_from(seconds).ok().filter(|s| *s > 0).map(Duration::from_secs);
        config.acm.close = AcmClose::OnInvocation;
    }
    if int("EnableIdleCheck") == Some(1) {
        config.idle_check = config.acm.timeout;
    }
    if let Some(seconds) = int("InactivityTimeout") {
        config.inactivity_timeout =
            u64::try_from(seconds).ok().filter(|s| *s > 0).map(Duration::from_secs);
    }
    max_dispatches_config(props, side, config);
}

/// `Ice.Connection[.Client|.Server].MaxDispatches` (Ice 3.8; 0 or less: no limit).
fn max_dispatches_config(props: &Properties, side: Side, config: &mut ConnectionConfig) {
    if let Some(max) = connection_int(props, side, "MaxDispatches") {
        config.max_dispatches = usize::try_from(max).unwrap_or(0);
    }
}

/// The integer `Ice.Connection.<Client|Server>.<name>`, else `Ice.Connection.<name>`.
fn connection_int(props: &Properties, side: Side, name: &str) -> Option<i64> {
    let scope = match side {
        Side::Client => "Ice.Connection.Client",
        Side::Server => "Ice.Connection.Server",
    };
    let general = props.get(&format!("Ice.Connection.{name}"));
    props.get(&format!("{scope}.{name}")).or(general).and_then(|v| v.trim().parse::<i64>().ok())
}

fn heartbeat_int(h: AcmHeartbeat) -> i32 {
    match h {
        AcmHeartbeat::Off => 0,
        AcmHeartbeat::OnDispatch => 1,
        AcmHeartbeat::OnIdle => 2,
        AcmHeartbeat::Always => 3,
    }
}

fn close_int(c: AcmClose) -> i32 {
    match c {
        AcmClose::Off => 0,
        AcmClose::OnIdle => 1,
        AcmClose::OnInvocation => 2,
        AcmClose::OnInvocationAndIdle => 3,
        AcmClose::OnIdleForceful => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Properties {
        let mut p = Properties::new();
        for (k, v) in pairs {
            p.set(k, v).expect("property");
        }
        p
    }

    #[test]
    fn idle_timeout_sets_the_heartbeat_period_without_closing_idle_connections() {
        let p = props(&[("Ice.Connection.Client.IdleTimeout", "2")]);
        let client = connection_config(&p, Side::Client);
        assert_eq!(client.acm.timeout, Some(Duration::from_secs(2)));
        assert_eq!(client.acm.heartbeat, AcmHeartbeat::OnIdle);
        assert_eq!(client.acm.close, AcmClose::OnInvocation);
        assert_eq!(client.idle_check, None);
        // Scoped to the client side only.
        assert_eq!(connection_config(&p, Side::Server).acm, Acm::SERVER);
    }

    #[test]
    fn idle_check_follows_enable_idle_check_and_the_general_idle_timeout() {
        let p = props(&[
            ("Ice.Connection.IdleTimeout", "4"),
            ("Ice.Connection.Server.EnableIdleCheck", "1"),
        ]);
        let server = connection_config(&p, Side::Server);
        assert_eq!(server.acm.timeout, Some(Duration::from_secs(4)));
        assert_eq!(server.idle_check, Some(Duration::from_secs(4)));
        assert_eq!(connection_config(&p, Side::Client).idle_check, None);
    }

    #[test]
    fn endpoint_and_inactivity_timeouts_come_from_properties() {
        let defaults = connection_config(&Properties::new(), Side::Server);
        assert_eq!(defaults.read_timeout, Some(Duration::from_secs(60)));
        assert_eq!(defaults.write_timeout, Some(Duration::from_secs(60)));
        assert_eq!(defaults.inactivity_timeout, Some(Duration::from_secs(300)));

        let p = props(&[
            ("Ice.Default.Timeout", "1500"),
            ("Ice.Connection.InactivityTimeout", "0"),
            ("Ice.Connection.Server.InactivityTimeout", "2"),
        ]);
        let server = connection_config(&p, Side::Server);
        assert_eq!(server.read_timeout, Some(Duration::from_millis(1500)));
        assert_eq!(server.write_timeout, Some(Duration::from_millis(1500)));
        assert_eq!(server.inactivity_timeout, Some(Duration::from_secs(2)));
        let client = connection_config(&p, Side::Client);
        assert_eq!(client.read_timeout, Some(Duration::from_millis(1500)));
        assert_eq!(client.inactivity_timeout, None, "0 turns it off");

        // Endpoints without `-t` get Ice.Default.Timeout; an endpoint's own `-t` wins.
        let parse = ParseDefaults::from_properties(&p);
        let endpoints =
            crate::endpoint::parse_adapter_endpoints("tcp -p 1 : tcp -p 2 -t 700", &parse).unwrap();
        let timeouts: Vec<i32> = endpoints
            .iter()
            .map(|e| match e {
                Endpoint::Tcp(ip) => ip.timeout,
                other => panic!("not tcp: {other}"),
            })
            .collect();
        assert_eq!(timeouts, [1500, 700]);
        let mut incoming = server.clone();
        incoming.set_endpoint_timeout(timeouts[1]);
        assert_eq!(incoming.read_timeout, Some(Duration::from_millis(700)));
        incoming.set_endpoint_timeout(-1);
        assert_eq!((incoming.read_timeout, incoming.write_timeout), (None, None));

        let infinite = connection_config(&props(&[("Ice.Default.Timeout", "-1")]), Side::Client);
        assert_eq!(infinite.read_timeout, None);
        // Not a valid timeout: Ice's default.
        let invalid = connection_config(&props(&[("Ice.Default.Timeout", "0")]), Side::Client);
        assert_eq!(invalid.read_timeout, Some(Duration::from_secs(60)));
    }

    #[test]
    fn without_idle_timeout_acm_properties_apply() {
        let p = props(&[("Ice.ACM.Timeout", "7"), ("Ice.ACM.Close", "1")]);
        let client = connection_config(&p, Side::Client);
        assert_eq!(client.acm.timeout, Some(Duration::from_secs(7)));
        assert_eq!(client.acm.close, AcmClose::OnIdle);
        assert_eq!(client.idle_check, None);
    }
}
