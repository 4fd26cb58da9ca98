//! Routed proxies (`Ice::Router`, spec glacier2.md §2.3): what the client runtime keeps per
//! router, and the two router calls it makes on its own, `getClientProxy` and `addProxies`.

use std::collections::HashSet;
use std::sync::{Mutex, Weak};

use ice_proto::proxy::{Endpoint, ProxyData};
use ice_proto::{Decode, Encapsulation, Identity, OperationMode, OutputStream};

use crate::adapter::ObjectAdapter;
use crate::communicator::Instance;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::proxy::Proxy;
use crate::runtime::BoxFuture;

/// Where routed requests go and which identities the router already knows.
#[derive(Debug, Default)]
struct ClientSide {
    endpoints: Vec<Endpoint>,
    has_routing_table: bool,
}

/// One per router proxy and communicator (`IceInternal::RouterInfo`).
pub(crate) struct RouterInfo {
    /// The router proxy itself; never routed.
    router: ProxyData,
    /// The router proxy's connection id: its session lives on the connection with that id.
    connection_id: String,
    instance: Weak<Instance>,
    client: tokio::sync::OnceCell<ClientSide>,
    /// Identities already given to the router with `addProxies`.
    added: Mutex<HashSet<Identity>>,
    /// The routed object adapter that receives callbacks over the router connections.
    adapter: Mutex<Option<ObjectAdapter>>,
}

impl RouterInfo {
    pub(crate) fn new(
        router: ProxyData,
        connection_id: &str,
        instance: Weak<Instance>,
    ) -> RouterInfo {
        RouterInfo {
            router,
            connection_id: connection_id.to_owned(),
            instance,
            client: tokio::sync::OnceCell::new(),
            added: Mutex::new(HashSet::new()),
            adapter: Mutex::new(None),
        }
    }

    /// The router proxy's data.
    pub(crate) fn router_data(&self) -> &ProxyData {
        &self.router
    }

    /// An unrouted proxy for the router.
    pub(crate) fn router_proxy(&self) -> Result<Proxy> {
        let instance = self.instance.upgrade().ok_or(Error::CommunicatorDestroyed)?;
        Ok(Proxy::unrouted(instance, self.router.clone()).ice_connection_id(&self.connection_id))
    }

    async fn client_side(&self) -> Result<&ClientSide> {
        self.client
            .get_or_try_init(|| async {
                let router = self.router_proxy()?;
                let params = Encapsulation::empty(router.ice_get_encoding_version());
                let reply =
                    call(router, "getClientProxy", OperationMode::Nonmutating, params).await?;
                let mut r = reply.reader()?;
                let client = Option::<ProxyData>::decode(&mut r)?;
                // A router that does not send the optional has a routing table (Ice 3.6).
                let has_routing_table = r.read_optional::<bool>(1)?.unwrap_or(true);
                r.skip_remaining_optionals()?;
                reply.finish(&mut r)?;
                // A null client proxy: send routed requests over the router's own connection,
                // which carries the session.
                let endpoints = match client {
                    Some(c) => c.endpoints,
                    None => self.router.endpoints.clone(),
                };
                tracing::debug!(?endpoints, has_routing_table, "router client endpoints");
                Ok(ClientSide { endpoints, has_routing_table })
            })
            .await
    }

    /// The endpoints routed requests are sent to (`getClientProxy`, asked once).
    pub(crate) async fn client_endpoints(&self) -> Result<Vec<Endpoint>> {
        Ok(self.client_side().await?.endpoints.clone())
    }

    /// Attaches the routed adapter, if any, to `connection` (a connection to the router's
    /// client endpoints), so that callbacks arriving on it are dispatched.
    pub(crate) fn attach(&self, connection: &Connection) {
        let adapter = self.adapter.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(adapter) = adapter {
            if connection.adapter().as_ref() != Some(&adapter) {
                connection.set_adapter(Some(adapter));
            }
        }
    }

    /// Makes `adapter` the one receiving callbacks (`None` detaches it).
    pub(crate) fn set_adapter(&self, adapter: Option<ObjectAdapter>) {
        *self.adapter.lock().unwrap_or_else(|e| e.into_inner()) = adapter;
    }

    /// The routed adapter.
    pub(crate) fn adapter(&self) -> Option<ObjectAdapter> {
        self.adapter.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Tells the router about `proxy` before its first request (`addProxies`), unless it has no
    /// routing table or already knows the identity.
    pub(crate) async fn add_proxy(&self, proxy: &Proxy) -> Result<()> {
        // Nearly always known already: then no future is needed, and every routed
        // invocation's future would otherwise carry the (large) one that asks the router.
        let no_table = self.client.get().is_some_and(|c| !c.has_routing_table);
        let added = || {
            self.added.lock().unwrap_or_else(|e| e.into_inner()).contains(proxy.ice_get_identity())
        };
        if no_table || added() {
            return Ok(());
        }
        Box::pin(self.add_new_proxy(proxy)).await
    }

    /// [`RouterInfo::add_proxy`] for a proxy the router may not know.
    async fn add_new_proxy(&self, proxy: &Proxy) -> Result<()> {
        if !self.client_side().await?.has_routing_table {
            return Ok(());
        }
        let identity = proxy.ice_get_identity();
        if self.added.lock().unwrap_or_else(|e| e.into_inner()).contains(identity) {
            return Ok(());
        }
        let router = self.router_proxy()?;
        let encoding = router.ice_get_encoding_version();
        let mut out = OutputStream::new(encoding);
        out.write_size(1);
        proxy.write(&mut out)?;
        let params = Encapsulation::build(encoding, |o| o.write_raw(out.as_slice()));
        let reply = call(router, "addProxies", OperationMode::Idempotent, params).await?;
        let evicted: Vec<Option<ProxyData>> = reply.decode()?;
        let mut added = self.added.lock().unwrap_or_else(|e| e.into_inner());
        for e in evicted.into_iter().flatten() {
            added.remove(&e.identity);
        }
        added.insert(identity.clone());
        Ok(())
    }

    /// Forgets that the router knows `identity` (it answered ObjectNotExist on
    /// `ice_add_proxy`: the entry was evicted), so that the retry adds it again.
    pub(crate) fn forget(&self, identity: &Identity) {
        self.added.lock().unwrap_or_else(|e| e.into_inner()).remove(identity);
    }

    /// The connection to the router's client endpoints that carries the router proxy's
    /// session (its connection id), established if needed.
    pub(crate) async fn connection(&self) -> Result<Connection> {
        let router = self.router_proxy()?;
        let endpoints = self.client_endpoints().await?;
        let connection = router.select_connection(&endpoints, false).await?;
        self.attach(&connection);
        Ok(connection)
    }
}

/// Invokes `operation` on the (unrouted) router proxy. Boxed: routed invocations call this,
/// and a future cannot contain itself.
fn call(
    router: Proxy,
    operation: &'static str,
    mode: OperationMode,
    params: Encapsulation,
) -> BoxFuture<'static, Result<Encapsulation>> {
    Box::pin(async move { router.invoke(operation, mode, params).await })
}
