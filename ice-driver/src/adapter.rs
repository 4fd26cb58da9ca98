//! Object adapters: a set of servants reachable through the adapter's endpoints
//! (`Ice::ObjectAdapter`).

use foldhash::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::Poll;
use std::time::Duration;

use ice_proto::connection::{CloseMode, ConnectionConfig};
use ice_proto::Identity;
use tokio::sync::watch;

use crate::communicator::{Communicator, Instance};
use crate::connection::{spawn_connection, Connection, ConnectionSetup, Dispatcher, Io};
use crate::endpoint::bind_addrs;
use crate::error::{Error, Result, SocketError};
use crate::locator::Registration;
use crate::name_map::NameMap;
use crate::proxy::Proxy;
use crate::router::RouterInfo;
use crate::runtime::{Runtime, TcpListener, TcpStream, UdpSocket};
use crate::servant::{DispatchError, Servant};
use crate::transport::{Layers, TransportInfo};
use crate::udp::{adapter_socket, published_host};
use crate::util::with_deadline;
use ice_proto::proxy::{Endpoint, IpEndpoint};

/// How long [`ObjectAdapter::deactivate`] waits for incoming connections to close.
const DEACTIVATE_WAIT: Duration = Duration::from_secs(10);

/// Servants keyed by identity and facet, plus default servants keyed by category.
#[derive(Default)]
struct Servants {
    active: HashMap<Identity, NameMap<Arc<dyn Servant>>>,
    defaults: NameMap<Arc<dyn Servant>>,
}

struct Inner {
    name: String,
    instance: Weak<Instance>,
    runtime: Arc<dyn Runtime>,
    config: ConnectionConfig,
    datagram_config: ConnectionConfig,
    endpoints: Mutex<Vec<Endpoint>>,
    servants: Mutex<Servants>,
    /// Listeners not yet accepting, each with its endpoint's timeout (`-t`, in ms).
    listeners: Mutex<Vec<Listener>>,
    /// Sockets of udp endpoints, served from activation on.
    datagram_sockets: Mutex<Vec<Box<dyn UdpSocket>>>,
    connections: Mutex<Vec<Connection>>,
    activated: AtomicBool,
    deactivated: AtomicBool,
    stop: watch::Sender<bool>,
    /// Each accept loop holds a receiver until its listener is closed, so that `deactivate`
    /// returns only once the ports are free again (refused, and ready to be bound anew).
    listening: watch::Sender<()>,
    /// Set once deactivation has closed the incoming connections.
    deactivated_done: watch::Sender<bool>,
    /// Each listener's transport and address, for `Ice.Trace.Network`.
    listening_at: Vec<(&'static str, std::net::SocketAddr)>,
    /// Whether incoming connections are held: not accepted, their requests not dispatched
    /// (datagrams dropped). True until the first activation; cleared for good on deactivation.
    holding: watch::Sender<bool>,
    /// `holding`'s value, read per dispatch without the channel's lock.
    held: AtomicBool,
    /// Dispatches in progress, for `wait_for_hold` and `wait_for_deactivate`: a counter, not
    /// a watch channel, because it changes twice per request.
    dispatches: AtomicUsize,
    /// Tasks in `wait_for_hold`; only then does the last dispatch to finish notify `quiet`.
    quiet_waiters: AtomicUsize,
    quiet: tokio::sync::Notify,
    /// The router of a routed adapter: it receives requests over the router connection.
    router: Option<Arc<RouterInfo>>,
    /// The category of the identities `add_with_uuid` makes (the router's client category).
    category: String,
    /// Takes the requests of incoming connections before the servants do.
    dispatcher: Mutex<Option<Arc<dyn Dispatcher>>>,
    /// `<name>.ThreadPool.Serialize` (else `Ice.ThreadPool.Server.Serialize`): one dispatch
    /// at a time per connection.
    serialize: bool,
    /// `<name>.AdapterId` and `<name>.ReplicaGroupId`, registered with `locator`.
    registration: Registration,
    unregistered: AtomicBool,
}

/// A collection of servants and the endpoints where clients reach them
/// (`Ice::ObjectAdapter`). Cloning gives another handle to the same adapter.
#[derive(Clone)]
pub struct ObjectAdapter {
    inner: Arc<Inner>,
}

impl fmt::Debug for ObjectAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectAdapter")
            .field("name", &self.inner.name)
            .field("endpoints", &self.inner.endpoints)
            .finish_non_exhaustive()
    }
}

impl PartialEq for ObjectAdapter {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl ObjectAdapter {
    /// Binds `endpoints` (none for an adapter that only serves bidirectional connections).
    pub(crate) fn new(
        instance: &Arc<Instance>,
        name: &str,
        endpoints: Vec<Endpoint>,
    ) -> Result<ObjectAdapter> {
        let runtime = &instance.runtime;
        let mut listeners = Vec::new();
        let mut sockets = Vec::new();
        let mut published = Vec::new();
        for endpoint in endpoints {
            match endpoint {
                Endpoint::Tcp(_) | Endpoint::Ssl(_) | Endpoint::Ws(_) | Endpoint::Wss(_) => {
                    let layers = Layers::for_endpoint(
                        &instance.transports,
                        &instance.properties,
                        &endpoint,
                    )?;
                    let Some(ip) = stream_ip(&endpoint).cloned() else { continue };
                    for addr in bind_addrs(&ip.host, ip.port)? {
                        crate::trace::network(instance.trace, 2, || {
                            format!(
                                "attempting to bind to {} socket {}",
                                endpoint.transport(),
                                crate::trace::address(addr)
                            )
                        });
                        let what = || format!("cannot listen on {endpoint}");
                        let listener =
                            runtime.bind(addr).map_err(|e| SocketError::new(what(), &e))?;
                        let local =
                            listener.local_addr().map_err(|e| SocketError::new(what(), &e))?;
                        let mut e = endpoint.clone();
                        if let Some(p) = stream_ip_mut(&mut e) {
                            p.port = local.port();
                            p.host = published_host(&p.host);
                        }
                        published.push(e);
                        let kind = endpoint.transport();
                        crate::trace::network(instance.trace, 1, || {
                            format!(
                                "listening for {kind} connections\nlocal address = {}",
                                crate::trace::address(local)
                            )
                        });
                        listeners.push(Listener {
                            listener,
                            timeout: ip.timeout,
                            layers: layers.clone(),
                            kind,
                            local,
                        });
                    }
                }
                Endpoint::Udp(udp) => {
                    let socket = adapter_socket(&udp)?;
                    let what = "cannot set up udp socket";
                    let local = socket.local_addr().map_err(|e| SocketError::new(what, &e))?;
                    let socket = runtime.udp(socket).map_err(|e| SocketError::new(what, &e))?;
                    let mut e = udp.clone();
                    e.port = local.port();
                    e.host = published_host(&e.host);
                    published.push(Endpoint::Udp(e));
                    sockets.push(socket);
                }
                _ => {}
            }
        }
        let adapter =
            ObjectAdapter::from_parts(instance, name, published, listeners, None, String::new());
        *adapter.inner.datagram_sockets.lock().unwrap_or_else(|e| e.into_inner()) = sockets;
        Ok(adapter)
    }

    /// A routed adapter: no listener, it publishes the router's server endpoints and gets its
    /// requests over the connection to the router.
    pub(crate) fn routed(
        instance: &Arc<Instance>,
        name: &str,
        router: Arc<RouterInfo>,
        endpoints: Vec<Endpoint>,
        category: String,
    ) -> ObjectAdapter {
        ObjectAdapter::from_parts(instance, name, endpoints, Vec::new(), Some(router), category)
    }

    fn from_parts(
        instance: &Arc<Instance>,
        name: &str,
        endpoints: Vec<Endpoint>,
        listeners: Vec<Listener>,
        router: Option<Arc<RouterInfo>>,
        category: String,
    ) -> ObjectAdapter {
        let (stop, _) = watch::channel(false);
        let (holding, _) = watch::channel(true);
        let (listening, _) = watch::channel(());
        let listening_at = listeners.iter().map(|l| (l.kind, l.local)).collect();
        ObjectAdapter {
            inner: Arc::new(Inner {
                name: name.to_owned(),
                instance: Arc::downgrade(instance),
                runtime: instance.runtime.clone(),
                config: crate::communicator::adapter_connection_config(
                    &instance.properties,
                    name,
                    &instance.server_config,
                ),
                datagram_config: instance.datagram_server_config.clone(),
                endpoints: Mutex::new(endpoints),
                servants: Mutex::new(Servants::default()),
                listeners: Mutex::new(listeners),
                datagram_sockets: Mutex::new(Vec::new()),
                connections: Mutex::new(Vec::new()),
                activated: AtomicBool::new(false),
                deactivated: AtomicBool::new(false),
                stop,
                listening,
                deactivated_done: watch::channel(false).0,
                listening_at,
                holding,
                held: AtomicBool::new(true),
                dispatches: AtomicUsize::new(0),
                quiet_waiters: AtomicUsize::new(0),
                quiet: tokio::sync::Notify::new(),
                router,
                category,
                dispatcher: Mutex::new(None),
                registration: Registration::from_properties(instance, name),
                unregistered: AtomicBool::new(false),
                serialize: {
                    let p = &instance.properties;
                    let general = p.get_int_or("Ice.ThreadPool.Server.Serialize", 0);
                    let own = if name.is_empty() {
                        general
                    } else {
                        p.get_int_or(&format!("{name}.ThreadPool.Serialize"), general)
                    };
                    own > 0
                },
            }),
        }
    }

    /// Has `dispatcher` take the requests of the connections this adapter accepts from now
    /// on, before its servants (a request the dispatcher gives back goes to the servants).
    pub fn set_dispatcher(&self, dispatcher: Option<Arc<dyn Dispatcher>>) {
        *self.inner.dispatcher.lock().unwrap_or_else(|e| e.into_inner()) = dispatcher;
    }

    fn dispatcher(&self) -> Option<Arc<dyn Dispatcher>> {
        self.inner.dispatcher.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The router proxy of a routed adapter.
    pub fn router(&self) -> Option<Proxy> {
        self.inner.router.as_ref().and_then(|r| r.router_proxy().ok())
    }

    /// The category of the identities [`ObjectAdapter::add_with_uuid`] makes: for an adapter
    /// routed through Glacier2, the client's category (`getCategoryForClient`), which the
    /// router needs to route callbacks; else empty.
    pub fn category(&self) -> &str {
        &self.inner.category
    }

    /// The adapter's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The communicator that created the adapter, unless it was dropped.
    pub fn communicator(&self) -> Option<Communicator> {
        self.inner.instance.upgrade().map(Communicator::from_instance)
    }

    /// The endpoints clients use to reach the adapter (its published endpoints): those it
    /// listens on, with the real ports when the configuration said port 0, unless
    /// [`ObjectAdapter::set_published_endpoints`] replaced them.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.inner.endpoints.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// ZeroC's trace of the endpoints the adapter publishes, once they are known (after
    /// `<name>.PublishedEndpoints`, or the router's server endpoints).
    pub(crate) fn trace_published(&self, trace: crate::trace::TraceLevels) {
        let endpoints = self.endpoints();
        if endpoints.is_empty() {
            return;
        }
        crate::trace::network(trace, 1, || {
            let list: Vec<String> = endpoints.iter().map(ToString::to_string).collect();
            format!("published endpoints for object adapter `{}':\n{}", self.name(), list.join(":"))
        });
    }

    /// Replaces the endpoints this adapter's proxies carry, e.g. with the address a NAT or
    /// firewall exposes (`<adapter>.PublishedEndpoints`, `setPublishedEndpoints`).
    pub fn set_published_endpoints(&self, endpoints: Vec<Endpoint>) {
        *self.inner.endpoints.lock().unwrap_or_else(|e| e.into_inner()) = endpoints;
    }

    /// A proxy for `identity`: indirect (`identity @ <ReplicaGroupId or AdapterId>`) when the
    /// adapter has an adapter id, as ZeroC's `createProxy`; else through its endpoints.
    pub fn create_proxy(&self, identity: Identity) -> Result<Proxy> {
        match self.inner.registration.proxy_adapter_id() {
            Some(id) => self.create_indirect_proxy_for(identity, id),
            None => self.create_direct_proxy(identity),
        }
    }

    /// A proxy for `identity` through this adapter's endpoints (`createDirectProxy`).
    pub fn create_direct_proxy(&self, identity: Identity) -> Result<Proxy> {
        let instance = self.inner.instance.upgrade().ok_or(Error::CommunicatorDestroyed)?;
        Ok(Proxy::direct(instance, identity, self.endpoints()))
    }

    /// A proxy for `identity` naming this adapter's own id (`createIndirectProxy`), or a
    /// direct one if it has none.
    pub fn create_indirect_proxy(&self, identity: Identity) -> Result<Proxy> {
        match self.adapter_id() {
            "" => self.create_direct_proxy(identity),
            id => self.create_indirect_proxy_for(identity, id),
        }
    }

    fn create_indirect_proxy_for(&self, identity: Identity, adapter_id: &str) -> Result<Proxy> {
        let instance = self.inner.instance.upgrade().ok_or(Error::CommunicatorDestroyed)?;
        let mut data = ice_proto::proxy::ProxyData::new(identity);
        data.adapter_id = adapter_id.to_owned();
        Ok(Proxy::from_data(instance, data))
    }

    /// `<name>.AdapterId`: the id this adapter registers with the locator (empty: none).
    pub fn adapter_id(&self) -> &str {
        &self.inner.registration.adapter_id
    }

    fn servants(&self) -> std::sync::MutexGuard<'_, Servants> {
        // A servant map cannot be left half-updated: recover from a poisoned lock.
        self.inner.servants.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `servant` for `identity` (default facet).
    pub fn add(&self, identity: Identity, servant: Arc<dyn Servant>) -> Result<()> {
        self.add_facet(identity, "", servant)
    }

    /// Adds `servant` under a new UUID identity (in the adapter's [`ObjectAdapter::category`])
    /// and returns a proxy for it.
    pub fn add_with_uuid(&self, servant: Arc<dyn Servant>) -> Result<Proxy> {
        let identity =
            Identity { name: crate::util::uuid(), category: self.inner.category.clone() };
        self.add(identity.clone(), servant)?;
        self.create_proxy(identity)
    }

    /// Adds `servant` for `identity` and `facet`.
    pub fn add_facet(
        &self,
        identity: Identity,
        facet: &str,
        servant: Arc<dyn Servant>,
    ) -> Result<()> {
        let mut s = self.servants();
        let facets = s.active.entry(identity.clone()).or_default();
        if facets.contains_key(facet) {
            return Err(Error::AlreadyRegistered(format!("servant `{identity}' facet `{facet}'")));
        }
        facets.insert(facet, servant);
        Ok(())
    }

    /// Removes the servant of `identity` (default facet) and returns it.
    pub fn remove(&self, identity: &Identity) -> Option<Arc<dyn Servant>> {
        self.remove_facet(identity, "")
    }

    /// Removes the servant of `identity` and `facet` and returns it.
    pub fn remove_facet(&self, identity: &Identity, facet: &str) -> Option<Arc<dyn Servant>> {
        let mut s = self.servants();
        let facets = s.active.get_mut(identity)?;
        let removed = facets.remove(facet);
        if facets.is_empty() {
            s.active.remove(identity);
        }
        removed
    }

    /// The servant of `identity` (default facet), if any.
    pub fn find(&self, identity: &Identity) -> Option<Arc<dyn Servant>> {
        self.find_facet(identity, "")
    }

    /// The servant of `identity` and `facet`, if any.
    pub fn find_facet(&self, identity: &Identity, facet: &str) -> Option<Arc<dyn Servant>> {
        self.servants().active.get(identity).and_then(|f| f.get(facet)).cloned()
    }

    /// Adds a servant for every identity of `category` that has no servant of its own (the
    /// empty category matches any identity).
    pub fn add_default_servant(&self, category: &str, servant: Arc<dyn Servant>) -> Result<()> {
        let mut s = self.servants();
        if s.defaults.contains_key(category) {
            return Err(Error::AlreadyRegistered(format!(
                "default servant for category `{category}'"
            )));
        }
        s.defaults.insert(category, servant);
        Ok(())
    }

    /// Removes the default servant of `category` and returns it.
    pub fn remove_default_servant(&self, category: &str) -> Option<Arc<dyn Servant>> {
        self.servants().defaults.remove(category)
    }

    /// The servant that dispatches a request for `identity` and `facet`, or the error the
    /// caller gets.
    pub(crate) fn find_for_dispatch(
        &self,
        identity: &Identity,
        facet: &str,
    ) -> Result<Arc<dyn Servant>, DispatchError> {
        if self.is_deactivated() {
            return Err(DispatchError::ObjectNotExist);
        }
        let s = self.servants();
        let facets = s.active.get(identity);
        if let Some(servant) = facets.and_then(|f| f.get(facet)) {
            return Ok(servant.clone());
        }
        if let Some(servant) = s.defaults.get(&identity.category).or_else(|| s.defaults.get("")) {
            return Ok(servant.clone());
        }
        match facets {
            Some(_) => Err(DispatchError::FacetNotExist),
            None => Err(DispatchError::ObjectNotExist),
        }
    }

    /// Starts accepting connections on the adapter's endpoints and dispatching their requests,
    /// or resumes after [`ObjectAdapter::hold`]; an adapter with an adapter id also starts
    /// registering with the locator (see [`ObjectAdapter::activate_async`], which waits for it).
    /// Requests arriving over bidirectional
    /// connections (see [`Connection::set_adapter`]) are dispatched whether or not the adapter
    /// is active, as in ZeroC's runtime.
    pub fn activate(&self) -> Result<()> {
        let first = !self.inner.activated.load(Ordering::Acquire);
        self.activate_listeners()?;
        if first && self.inner.registration.is_needed() {
            let (registration, endpoints) = (self.inner.registration.clone(), self.endpoints());
            self.inner.runtime.spawn(Box::pin(async move {
                if let Err(e) = registration.register(endpoints).await {
                    tracing::warn!(error = %e, "cannot register the object adapter with the locator");
                }
            }));
        }
        Ok(())
    }

    fn activate_listeners(&self) -> Result<()> {
        if self.is_deactivated() {
            return Err(Error::ObjectAdapterDeactivated(self.inner.name.clone()));
        }
        if self.is_holding() {
            self.trace_listeners("accepting");
        }
        self.set_holding(false);
        if self.inner.activated.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let listeners =
            std::mem::take(&mut *self.inner.listeners.lock().unwrap_or_else(|e| e.into_inner()));
        for Listener { listener, timeout, layers, .. } in listeners {
            let adapter = self.clone();
            let stop = self.inner.stop.subscribe();
            // Incoming connections get the read and write timeouts of the endpoint they
            // arrived on, as in ZeroC.
            let mut config = self.inner.config.clone();
            config.set_endpoint_timeout(timeout);
            let accept = Accept { listener, config, layers, timeout };
            let alive = self.inner.listening.subscribe();
            self.inner.runtime.spawn(Box::pin(async move {
                accept_loop(adapter, accept, stop).await;
                // The loop has dropped its listener.
                drop(alive);
            }));
        }
        let sockets = std::mem::take(
            &mut *self.inner.datagram_sockets.lock().unwrap_or_else(|e| e.into_inner()),
        );
        for socket in sockets {
            let connection = spawn_connection(ConnectionSetup {
                runtime: self.inner.runtime.clone(),
                instance: self.inner.instance.clone(),
                config: self.inner.datagram_config.clone(),
                io: Io::Datagram { socket, peer: None },
                transport: TransportInfo::plain("udp"),
                adapter: Some(self.clone()),
                dispatcher: self.dispatcher(),
                endpoint: None,
                serialize: self.inner.serialize,
            });
            self.accepted(connection);
        }
        Ok(())
    }

    /// [`ObjectAdapter::activate`], then, for an adapter with `<name>.AdapterId` and a locator
    /// (`<name>.Locator`, else `Ice.Default.Locator`), registers its published endpoints with
    /// the locator's registry (`setAdapterDirectProxy`, or `setReplicatedAdapterDirectProxy`
    /// with `<name>.ReplicaGroupId`) and returns once the registry has them, as ZeroC's
    /// `activate` does. An adapter id the registry does not know fails with
    /// [`Error::NotRegistered`] (enable `IceGrid.Registry.DynamicRegistration` or deploy it),
    /// one already active elsewhere with [`Error::AdapterIdInUse`]. [`ObjectAdapter::activate`]
    /// alone starts the same registration without waiting for it.
    pub async fn activate_async(&self) -> Result<()> {
        let first = !self.inner.activated.load(Ordering::Acquire);
        self.activate_listeners()?;
        if first {
            self.inner.registration.register(self.endpoints()).await?;
        }
        Ok(())
    }

    /// Registers `process`, a proxy for an `Ice::Process` servant (usually this adapter's
    /// admin object with facet `Process`), as the process of server `server_id` with this
    /// adapter's locator registry (`setServerProcessProxy`), as ZeroC's runtime does with
    /// `Ice.Admin.ServerId`. An IceGrid node that started the server waits for this before it
    /// reports the server active, and stops the server through it. Without a locator this
    /// does nothing; a server the registry does not know fails with [`Error::NotRegistered`].
    pub async fn set_server_process_proxy(&self, server_id: &str, process: &Proxy) -> Result<()> {
        self.inner.registration.set_server_process_proxy(server_id, process.data()).await
    }

    /// Removes the adapter's endpoints from the locator registry, once.
    pub(crate) async fn unregister(&self) {
        let registered = self.inner.activated.load(Ordering::Acquire)
            && self.inner.registration.is_needed()
            && !self.inner.unregistered.swap(true, Ordering::AcqRel);
        if registered {
            if let Err(e) = self.inner.registration.unregister().await {
                tracing::debug!(error = %e, "cannot unregister the object adapter");
            }
        }
    }

    /// Holds incoming connections (`Ice::ObjectAdapter::hold`): no new connection is accepted,
    /// requests on incoming connections wait until [`ObjectAdapter::activate`], and datagrams
    /// are dropped. Dispatches in progress continue; see [`ObjectAdapter::wait_for_hold`].
    pub fn hold(&self) -> Result<()> {
        if self.is_deactivated() {
            return Err(Error::ObjectAdapterDeactivated(self.inner.name.clone()));
        }
        if !self.is_holding() {
            self.trace_listeners("holding");
        }
        self.set_holding(true);
        Ok(())
    }

    /// `Ice.Trace.Network`: `<what> tcp connections at <address>` for each listener, as ZeroC
    /// says when an adapter starts, holds and stops accepting.
    fn trace_listeners(&self, what: &str) {
        let trace = self.inner.instance.upgrade().map(|i| i.trace).unwrap_or_default();
        for (kind, local) in &self.inner.listening_at {
            crate::trace::network(trace, 1, || {
                format!("{what} {kind} connections at {}", crate::trace::address(*local))
            });
        }
    }

    /// Whether the adapter holds requests (never activated, or [`ObjectAdapter::hold`]).
    pub fn is_holding(&self) -> bool {
        self.inner.held.load(Ordering::Acquire)
    }

    fn set_holding(&self, holding: bool) {
        self.inner.held.store(holding, Ordering::Release);
        self.inner.holding.send_replace(holding);
    }

    /// Waits until the dispatches in progress have completed, so that a held adapter is
    /// quiescent (`Ice::ObjectAdapter::waitForHold`).
    pub async fn wait_for_hold(&self) {
        let inner = &self.inner;
        inner.quiet_waiters.fetch_add(1, Ordering::SeqCst);
        // Counted out however the wait ends (it may be dropped).
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let _waiting = Waiting(&inner.quiet_waiters);
        loop {
            let notified = inner.quiet.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before the count is read, so the last dispatch's notification
            // cannot fall in between.
            notified.as_mut().enable();
            if inner.dispatches.load(Ordering::SeqCst) == 0 {
                break;
            }
            notified.await;
        }
    }

    /// Waits until the adapter is deactivated (by [`ObjectAdapter::deactivate`] from
    /// anywhere, or by [`Communicator::shutdown`]) and its last dispatch has completed
    /// (`Ice::ObjectAdapter::waitForDeactivate`).
    pub async fn wait_for_deactivate(&self) {
        let mut stop = self.inner.stop.subscribe();
        let _ = stop.wait_for(|s| *s).await;
        self.wait_for_hold().await;
    }

    /// Waits while the adapter holds; `false` once it is deactivated.
    pub(crate) async fn until_active(&self) -> bool {
        let mut rx = self.inner.holding.subscribe();
        let _ = rx.wait_for(|h| !*h).await;
        !self.is_deactivated()
    }

    /// Counts a dispatch until the guard is dropped.
    pub(crate) fn dispatch_guard(&self) -> DispatchGuard<'_> {
        self.inner.dispatches.fetch_add(1, Ordering::SeqCst);
        DispatchGuard { adapter: self }
    }

    /// Whether [`ObjectAdapter::deactivate`] was called.
    pub fn is_deactivated(&self) -> bool {
        self.inner.deactivated.load(Ordering::Acquire)
    }

    /// Stops accepting connections and closes the incoming ones gracefully, letting the
    /// dispatches in progress finish; returns once they are closed (forcefully after about
    /// 10 s). Called again, or after [`Communicator::shutdown`](crate::Communicator::shutdown),
    /// it waits for that deactivation to finish: a dispatch that awaits it on one of the
    /// adapter's own connections thus waits for its own connection, until the forced close.
    pub async fn deactivate(&self) {
        match self.begin_deactivate() {
            Some(rest) => rest.await,
            // Deactivated elsewhere (`Communicator::shutdown`): wait for that to finish, so
            // that `Communicator::destroy` leaves replies in flight (the `Process::shutdown`
            // reply itself) to the graceful close instead of cutting them off.
            None => {
                let mut done = self.inner.deactivated_done.subscribe();
                let _ = done.wait_for(|d| *d).await;
            }
        }
    }

    /// Marks the adapter deactivated and, unless it must first take its endpoints out of the
    /// locator registry (ZeroC unregisters before it stops accepting; that waits for the
    /// registry, for up to 10 s, in the returned future), stops accepting and starts closing
    /// the incoming connections before returning. A dispatch that deactivates
    /// its own adapter (`Process::shutdown`) thus replies on a connection that already ignores
    /// new requests, whose peer retries them elsewhere after the CloseConnection that follows
    /// the reply. The returned future does the rest; `None` if already deactivated.
    pub(crate) fn begin_deactivate(&self) -> Option<impl Future<Output = ()> + Send + 'static> {
        if self.inner.deactivated.swap(true, Ordering::AcqRel) {
            return None;
        }
        tracing::debug!(adapter = %self.inner.name, "deactivating");
        let unregister_first =
            self.inner.activated.load(Ordering::Acquire) && self.inner.registration.is_needed();
        if !unregister_first {
            self.stop_accepting();
        }
        // Waiters are released however the rest ends: done, or dropped unpolled with its
        // runtime.
        struct Done(ObjectAdapter);
        impl Drop for Done {
            fn drop(&mut self) {
                self.0.inner.deactivated_done.send_replace(true);
            }
        }
        let done = Done(self.clone());
        Some(async move {
            let adapter = &done.0;
            if unregister_first {
                let rt = &adapter.inner.runtime;
                let deadline = rt.sleep_until(rt.now() + DEACTIVATE_WAIT);
                with_deadline(adapter.unregister(), Some(deadline)).await;
                adapter.stop_accepting();
            }
            adapter.close_connections().await;
        })
    }

    /// Drops the listeners and starts closing the incoming connections gracefully.
    fn stop_accepting(&self) {
        // As ZeroC's: its acceptors are started at creation, activated or not.
        self.trace_listeners("stopping to accept");
        if let Some(router) = &self.inner.router {
            if router.adapter().as_ref() == Some(self) {
                router.set_adapter(None);
            }
        }
        self.inner.stop.send_replace(true);
        // Held requests wake up and find the adapter deactivated.
        self.set_holding(false);
        self.inner.listeners.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.inner.datagram_sockets.lock().unwrap_or_else(|e| e.into_inner()).clear();
        for c in self.inner.connections.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            c.close(CloseMode::Gracefully);
        }
    }

    /// Waits for the accept loops to end, then for the incoming connections to close (closed
    /// forcefully after 10 s).
    async fn close_connections(&self) {
        let rt = &self.inner.runtime;
        let closed = self.inner.listening.closed();
        with_deadline(closed, Some(rt.sleep_until(rt.now() + DEACTIVATE_WAIT))).await;
        // Including any accepted while the loops were stopping.
        let connections =
            std::mem::take(&mut *self.inner.connections.lock().unwrap_or_else(|e| e.into_inner()));
        for c in &connections {
            c.close(CloseMode::Gracefully);
        }
        let deadline = rt.sleep_until(rt.now() + DEACTIVATE_WAIT);
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

    /// Incoming connections currently open.
    pub fn connections(&self) -> Vec<Connection> {
        let mut list = self.inner.connections.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|c| !c.is_closed());
        list.clone()
    }

    /// Drops `connection` (closed) from the incoming connections.
    pub(crate) fn forget_connection(&self, connection: &Connection) {
        let mut list = self.inner.connections.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|c| c != connection && !c.is_closed());
    }

    fn accepted(&self, connection: Connection) {
        let mut list = self.inner.connections.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|c| !c.is_closed());
        list.push(connection);
    }
}

/// A bound listener of an adapter, waiting for its activation.
struct Listener {
    listener: Box<dyn TcpListener>,
    /// The endpoint's `-t`.
    timeout: i32,
    layers: Layers,
    /// `tcp`, `ssl`, `ws`, `wss`, and the bound address, for the traces.
    kind: &'static str,
    local: std::net::SocketAddr,
}

/// What an accept loop needs.
struct Accept {
    listener: Box<dyn TcpListener>,
    config: ConnectionConfig,
    layers: Layers,
    timeout: i32,
}

/// The tcp part of a stream endpoint.
fn stream_ip(endpoint: &Endpoint) -> Option<&IpEndpoint> {
    match endpoint {
        Endpoint::Tcp(ip) | Endpoint::Ssl(ip) => Some(ip),
        Endpoint::Ws(ws) | Endpoint::Wss(ws) => Some(&ws.ip),
        _ => None,
    }
}

fn stream_ip_mut(endpoint: &mut Endpoint) -> Option<&mut IpEndpoint> {
    match endpoint {
        Endpoint::Tcp(ip) | Endpoint::Ssl(ip) => Some(ip),
        Endpoint::Ws(ws) | Endpoint::Wss(ws) => Some(&mut ws.ip),
        _ => None,
    }
}

/// Starts the connection of an accepted `stream` whose handshakes are done.
fn start_incoming(
    adapter: &ObjectAdapter,
    config: ConnectionConfig,
    stream: Box<dyn TcpStream>,
    transport: TransportInfo,
) {
    let connection = spawn_connection(ConnectionSetup {
        runtime: adapter.inner.runtime.clone(),
        instance: adapter.inner.instance.clone(),
        config,
        io: Io::Stream(stream),
        transport,
        adapter: Some(adapter.clone()),
        dispatcher: adapter.dispatcher(),
        endpoint: None,
        serialize: adapter.inner.serialize,
    });
    adapter.accepted(connection);
}

async fn accept_loop(adapter: ObjectAdapter, accept: Accept, mut stop: watch::Receiver<bool>) {
    let Accept { mut listener, config, layers, timeout } = accept;
    let mut stopped = Box::pin(async move {
        let _ = stop.wait_for(|s| *s).await;
    });
    let mut holding = adapter.inner.holding.subscribe();
    loop {
        if !adapter.until_active().await {
            return;
        }
        // Stop accepting as soon as the adapter holds, not after one more connection.
        let mut held = std::pin::pin!(holding.wait_for(|h| *h));
        let accepted = std::future::poll_fn(|cx| {
            if stopped.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            if held.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Some(None));
            }
            listener.poll_accept(cx).map(|r| Some(Some(r)))
        })
        .await;
        let rt = &adapter.inner.runtime;
        let Some(accepted) = accepted else { return };
        let Some(accepted) = accepted else { continue };
        match accepted {
            Ok((stream, peer)) => {
                if adapter.is_deactivated() {
                    return;
                }
                tracing::debug!(adapter = %adapter.inner.name, %peer, "accepted connection");
                if layers.is_plain() {
                    start_incoming(&adapter, config.clone(), stream, TransportInfo::plain("tcp"));
                    continue;
                }
                // A handshake of its own, so that a slow or silent peer holds up no other.
                let (adapter, config, layers) = (adapter.clone(), config.clone(), layers.clone());
                rt.spawn(Box::pin(async move {
                    let Some(instance) = adapter.inner.instance.upgrade() else { return };
                    let (props, trace) = (instance.properties.clone(), instance.trace);
                    drop(instance);
                    let rt = adapter.inner.runtime.clone();
                    let name = adapter.inner.name.clone();
                    let local = stream.local_addr().ok();
                    match layers.accept(&*rt, &props, &name, timeout, stream).await {
                        Ok((stream, info)) if !adapter.is_deactivated() => {
                            start_incoming(&adapter, config, stream, info);
                        }
                        Ok(_) => {}
                        // As ZeroC's: a handshake that fails is a level-2 network trace, not
                        // a log line per port scan.
                        Err(reason) => crate::trace::network(trace, 2, || {
                            let event = crate::trace::connection_event(
                                "failed to accept",
                                layers.kind(),
                                local,
                                Some(peer),
                            );
                            format!("{event}\n{reason}")
                        }),
                    }
                }));
            }
            Err(e) => {
                // Typically out of file descriptors: back off instead of spinning.
                tracing::warn!(adapter = %adapter.inner.name, error = %e, "accept failed");
                rt.sleep_until(rt.now() + Duration::from_millis(50)).await;
            }
        }
    }
}

/// Counts one dispatch of an adapter (see [`ObjectAdapter::wait_for_hold`]).
pub(crate) struct DispatchGuard<'a> {
    adapter: &'a ObjectAdapter,
}

impl Drop for DispatchGuard<'_> {
    fn drop(&mut self) {
        let inner = &self.adapter.inner;
        if inner.dispatches.fetch_sub(1, Ordering::SeqCst) == 1
            && inner.quiet_waiters.load(Ordering::SeqCst) > 0
        {
            inner.quiet.notify_waiters();
        }
    }
}
