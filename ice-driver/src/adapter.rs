//! Object adapters: a set of servants reachable through the adapter's endpoints
//! (`Ice::ObjectAdapter`).

use std::collections::HashMap;
use std::fmt;
use std::future::Future as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::Poll;
use std::time::Duration;

use ice_proto::connection::{CloseMode, ConnectionConfig};
use ice_proto::Identity;
use tokio::sync::watch;

use crate::communicator::{Communicator, Instance};
use crate::connection::{spawn_connection, Connection, ConnectionSetup};
use crate::endpoint::bind_addrs;
use crate::error::{Error, Result};
use crate::proxy::Proxy;
use crate::router::RouterInfo;
use crate::runtime::{Runtime, TcpListener};
use crate::servant::{DispatchError, Servant};
use crate::util::with_deadline;
use ice_proto::proxy::{Endpoint, IpEndpoint};

/// How long [`ObjectAdapter::deactivate`] waits for incoming connections to close.
const DEACTIVATE_WAIT: Duration = Duration::from_secs(10);

/// Servants keyed by identity and facet, plus default servants keyed by category.
#[derive(Default)]
struct Servants {
    active: HashMap<Identity, HashMap<String, Arc<dyn Servant>>>,
    defaults: HashMap<String, Arc<dyn Servant>>,
}

struct Inner {
    name: String,
    instance: Weak<Instance>,
    runtime: Arc<dyn Runtime>,
    config: ConnectionConfig,
    endpoints: Vec<Endpoint>,
    servants: Mutex<Servants>,
    /// Listeners not yet accepting, each with its endpoint's timeout (`-t`, in ms).
    listeners: Mutex<Vec<(Box<dyn TcpListener>, i32)>>,
    connections: Mutex<Vec<Connection>>,
    activated: AtomicBool,
    deactivated: AtomicBool,
    stop: watch::Sender<bool>,
    /// The router of a routed adapter: it receives requests over the router connection.
    router: Option<Arc<RouterInfo>>,
    /// The category of the identities `add_with_uuid` makes (the router's client category).
    category: String,
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
        endpoints: Vec<IpEndpoint>,
    ) -> Result<ObjectAdapter> {
        let runtime = &instance.runtime;
        let mut listeners = Vec::new();
        let mut published = Vec::new();
        for endpoint in endpoints {
            for addr in bind_addrs(&endpoint)? {
                let listener = runtime.bind(addr).map_err(|e| {
                    Error::Socket(format!(
                        "cannot listen on {}: {e}",
                        Endpoint::Tcp(endpoint.clone())
                    ))
                })?;
                let local = listener.local_addr().map_err(|e| Error::Socket(e.to_string()))?;
                let mut e = endpoint.clone();
                e.port = local.port();
                if e.host.is_empty() || e.host == "*" || e.host == "0.0.0.0" {
                    e.host = "127.0.0.1".into();
                }
                let e = Endpoint::Tcp(e);
                tracing::debug!(adapter = name, endpoint = %e, "listening");
                published.push(e);
                listeners.push((listener, endpoint.timeout));
            }
        }
        Ok(ObjectAdapter::from_parts(instance, name, published, listeners, None, String::new()))
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
        listeners: Vec<(Box<dyn TcpListener>, i32)>,
        router: Option<Arc<RouterInfo>>,
        category: String,
    ) -> ObjectAdapter {
        let (stop, _) = watch::channel(false);
        ObjectAdapter {
            inner: Arc::new(Inner {
                name: name.to_owned(),
                instance: Arc::downgrade(instance),
                runtime: instance.runtime.clone(),
                config: instance.server_config.clone(),
                endpoints,
                servants: Mutex::new(Servants::default()),
                listeners: Mutex::new(listeners),
                connections: Mutex::new(Vec::new()),
                activated: AtomicBool::new(false),
                deactivated: AtomicBool::new(false),
                stop,
                router,
                category,
            }),
        }
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

    /// The endpoints clients use to reach the adapter, with the real ports when the
    /// configuration said port 0.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.inner.endpoints
    }

    /// A proxy for `identity` through this adapter's endpoints.
    pub fn create_proxy(&self, identity: Identity) -> Result<Proxy> {
        let instance = self.inner.instance.upgrade().ok_or(Error::CommunicatorDestroyed)?;
        Ok(Proxy::direct(instance, identity, self.inner.endpoints.clone()))
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
        facets.insert(facet.to_owned(), servant);
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
        s.defaults.insert(category.to_owned(), servant);
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

    /// Starts accepting connections on the adapter's endpoints.
    pub fn activate(&self) -> Result<()> {
        if self.is_deactivated() {
            return Err(Error::ObjectAdapterDeactivated(self.inner.name.clone()));
        }
        if self.inner.activated.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let listeners =
            std::mem::take(&mut *self.inner.listeners.lock().unwrap_or_else(|e| e.into_inner()));
        for (listener, timeout) in listeners {
            let adapter = self.clone();
            let stop = self.inner.stop.subscribe();
            // Incoming connections get the read and write timeouts of the endpoint they
            // arrived on, as in ZeroC.
            let mut config = self.inner.config.clone();
            config.set_endpoint_timeout(timeout);
            self.inner.runtime.spawn(Box::pin(accept_loop(adapter, listener, config, stop)));
        }
        Ok(())
    }

    /// Whether [`ObjectAdapter::deactivate`] was called.
    pub fn is_deactivated(&self) -> bool {
        self.inner.deactivated.load(Ordering::Acquire)
    }

    /// Stops accepting connections and closes the incoming ones gracefully, letting the
    /// dispatches in progress finish; returns once they are closed (or after 10 s).
    pub async fn deactivate(&self) {
        if self.inner.deactivated.swap(true, Ordering::AcqRel) {
            return;
        }
        tracing::debug!(adapter = %self.inner.name, "deactivating");
        if let Some(router) = &self.inner.router {
            if router.adapter().as_ref() == Some(self) {
                router.set_adapter(None);
            }
        }
        self.inner.stop.send_replace(true);
        self.inner.listeners.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let connections =
            std::mem::take(&mut *self.inner.connections.lock().unwrap_or_else(|e| e.into_inner()));
        for c in &connections {
            c.close(CloseMode::Gracefully);
        }
        let rt = &self.inner.runtime;
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

    fn accepted(&self, connection: Connection) {
        let mut list = self.inner.connections.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|c| !c.is_closed());
        list.push(connection);
    }
}

async fn accept_loop(
    adapter: ObjectAdapter,
    mut listener: Box<dyn TcpListener>,
    config: ConnectionConfig,
    mut stop: watch::Receiver<bool>,
) {
    let mut stopped = Box::pin(async move {
        let _ = stop.wait_for(|s| *s).await;
    });
    loop {
        let accepted = std::future::poll_fn(|cx| {
            if stopped.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            listener.poll_accept(cx).map(Some)
        })
        .await;
        let rt = &adapter.inner.runtime;
        match accepted {
            None => return,
            Some(Ok((stream, peer))) => {
                if adapter.is_deactivated() {
                    return;
                }
                tracing::debug!(adapter = %adapter.inner.name, %peer, "accepted connection");
                let connection = spawn_connection(ConnectionSetup {
                    runtime: rt.clone(),
                    instance: adapter.inner.instance.clone(),
                    config: config.clone(),
                    stream,
                    adapter: Some(adapter.clone()),
                    endpoint: None,
                });
                adapter.accepted(connection);
            }
            Some(Err(e)) => {
                // Typically out of file descriptors: back off instead of spinning.
                tracing::warn!(adapter = %adapter.inner.name, error = %e, "accept failed");
                rt.sleep_until(rt.now() + Duration::from_millis(50)).await;
            }
        }
    }
}
