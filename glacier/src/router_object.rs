//! The router's own objects: `<InstanceName>/router` (`Glacier2::Router`, which extends
//! `Ice::Router`), `Ice/RouterFinder`, and each session's `SessionControl` with its filter
//! objects on the server endpoints.

use std::collections::BTreeSet;
use std::sync::{Arc, Weak};

use ice_driver::glacier2::SessionNotExistException;
use ice_driver::{
    BoxFuture, CloseMode, Current, DispatchError, DispatchResult, Encapsulation, Identity,
    ObjectAdapter, Servant,
};
use ice_proto::proxy::ProxyData;
use ice_proto::router::{ConnectionId, DestroyReason};

use crate::State;

/// `Glacier2::Router` on the client endpoints.
struct RouterServant {
    state: Weak<State>,
}

/// `Ice::RouterFinder` on the client endpoints.
struct RouterFinderServant {
    state: Weak<State>,
}

pub(crate) fn register(state: &Arc<State>, adapter: &ObjectAdapter) -> ice_driver::Result<()> {
    let weak = Arc::downgrade(state);
    adapter.add(state.router_identity.clone(), Arc::new(RouterServant { state: weak.clone() }))?;
    adapter.add(
        Identity::with_category("Ice", "RouterFinder"),
        Arc::new(RouterFinderServant { state: weak }),
    )
}

fn proxy_with(identity: Identity, endpoints: &[ice_driver::Endpoint]) -> ProxyData {
    let mut p = ProxyData::new(identity);
    p.endpoints = endpoints.to_vec();
    p
}

/// A request that needs a session on a connection without one: the connection is aborted,
/// so the client sees it lost.
fn no_session(state: &State, current: &Current) -> DispatchError {
    state.metrics.rejected(crate::metrics::Rejection::NoSession);
    current.connection.close(CloseMode::Forcefully);
    DispatchError::ObjectNotExist
}

fn session_not_exist(current: &Current) -> DispatchError {
    DispatchError::user(&SessionNotExistException, current)
}

impl Servant for RouterServant {
    fn ice_id(&self) -> &str {
        "::Glacier2::Router"
    }

    fn ice_ids(&self) -> Vec<String> {
        vec!["::Glacier2::Router".into(), "::Ice::Object".into(), "::Ice::Router".into()]
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            let state = self.state.upgrade().ok_or(DispatchError::ObjectNotExist)?;
            let id = ConnectionId(current.connection.id());
            let has_session = state.core().touch(state.now(), id);
            match current.operation.as_str() {
                "getClientProxy" => {
                    params.expect_empty()?;
                    if !has_session {
                        return Err(no_session(&state, current));
                    }
                    let client = state
                        .return_client_proxy
                        .then(|| proxy_with(Identity::new("dummy"), &state.client_endpoints));
                    Ok(Encapsulation::build(current.encoding, |out| {
                        ice_proto::Encode::encode(&client, out);
                        out.write_optional(1, &Some(true));
                    }))
                }
                "getServerProxy" => {
                    params.expect_empty()?;
                    if !has_session {
                        return Err(no_session(&state, current));
                    }
                    let category = state.core().session(id).and_then(|s| s.category.clone());
                    let server = match (&state.server_adapter, category) {
                        (Some(a), Some(c)) => {
                            Some(proxy_with(Identity::with_category(c, "dummy"), &a.endpoints()))
                        }
                        _ => None,
                    };
                    current.ok(&server)
                }
                "addProxies" => {
                    let proxies: Vec<Option<ProxyData>> = params.decode()?;
                    let added = state.core().add_proxies(state.now(), id, &proxies);
                    let (evicted, added) = match added {
                        Ok(a) => (a.evicted, a.added),
                        Err(e) => {
                            if !matches!(e, ice_proto::router::AddProxiesError::NoSession) {
                                state.metrics.rejected(crate::metrics::Rejection::AddProxies);
                            }
                            if state.trace.client_reject() > 0 {
                                tracing::info!(target: "Glacier2", "rejecting request: {e}");
                            }
                            return Err(no_session(&state, current));
                        }
                    };
                    let level = state.trace.routing_table();
                    for (p, what) in &added {
                        if level == 1 || level >= 3 {
                            let verb = match what {
                                ice_proto::router::Added::Inserted => {
                                    "adding proxy to routing table"
                                }
                                ice_proto::router::Added::AlreadyPresent => {
                                    "proxy already in routing table"
                                }
                            };
                            tracing::info!(target: "Glacier2", "{verb}:\n{p}");
                        }
                    }
                    if level >= 2 {
                        for p in &evicted {
                            tracing::info!(target: "Glacier2", "evicting proxy from routing table:\n{p}");
                        }
                    }
                    let evicted: Vec<Option<ProxyData>> = evicted.into_iter().map(Some).collect();
                    current.ok(&evicted)
                }
                "getCategoryForClient" => {
                    params.expect_empty()?;
                    if state.server_adapter.is_none() {
                        return current.ok("");
                    }
                    if !has_session {
                        return Err(no_session(&state, current));
                    }
                    let category = state
                        .core()
                        .session(id)
                        .and_then(|s| s.category.clone())
                        .unwrap_or_default();
                    current.ok(&category)
                }
                "createSession" => {
                    let (user, password): (String, String) = params.decode()?;
                    crate::session::create_session(&state, current, user, password).await
                }
                "createSessionFromSecureConnection" => {
                    params.expect_empty()?;
                    crate::session::create_session_from_secure_connection(&state, current).await
                }
                "refreshSession" => {
                    params.expect_empty()?;
                    if !has_session {
                        return Err(session_not_exist(current));
                    }
                    let session = state
                        .core()
                        .session(id)
                        .and_then(|s| s.session_proxy.clone().map(|p| (p, s.generation())));
                    if let Some((p, generation)) = session {
                        if state.communicator.proxy_from_data(p).ice_ping().await.is_err() {
                            crate::session::destroy_if(
                                &state,
                                id,
                                generation,
                                DestroyReason::ByServer,
                            );
                            return Err(session_not_exist(current));
                        }
                    }
                    current.void()
                }
                "destroySession" => {
                    params.expect_empty()?;
                    if crate::session::destroy(&state, id, DestroyReason::Destroyed) {
                        current.void()
                    } else {
                        Err(session_not_exist(current))
                    }
                }
                "getSessionTimeout" => {
                    params.expect_empty()?;
                    current.ok(&state.session_timeout_reply)
                }
                "getACMTimeout" => {
                    params.expect_empty()?;
                    current.ok(&state.acm_timeout)
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

impl Servant for RouterFinderServant {
    fn ice_id(&self) -> &str {
        "::Ice::RouterFinder"
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            let state = self.state.upgrade().ok_or(DispatchError::ObjectNotExist)?;
            match current.operation.as_str() {
                "getRouter" => {
                    params.expect_empty()?;
                    let router = proxy_with(state.router_identity.clone(), &state.client_endpoints);
                    current.ok(&Some(router))
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

/// Which filter set a StringSet or IdentitySet object changes.
#[derive(Clone, Copy)]
enum FilterKind {
    Categories,
    AdapterIds,
    Identities,
}

/// `Glacier2::SessionControl` of the session of one client connection.
struct SessionControlServant {
    state: Weak<State>,
    connection: ConnectionId,
    /// The identities of its filter objects, in `FilterKind` order.
    filters: [Identity; 3],
}

struct FilterServant {
    state: Weak<State>,
    connection: ConnectionId,
    kind: FilterKind,
}

/// Registers the SessionControl object (and its filter objects) for the session being created
/// on `connection`; `None` without server endpoints.
pub(crate) fn add_session_control(
    state: &Arc<State>,
    connection: ConnectionId,
) -> Option<ProxyData> {
    let adapter = state.server_adapter.as_ref()?;
    let weak = Arc::downgrade(state);
    let filters = [
        Identity::new(crate::session::uuid()),
        Identity::new(crate::session::uuid()),
        Identity::new(crate::session::uuid()),
    ];
    for (identity, kind) in
        filters.iter().zip([FilterKind::Categories, FilterKind::AdapterIds, FilterKind::Identities])
    {
        let servant = FilterServant { state: weak.clone(), connection, kind };
        adapter.add(identity.clone(), Arc::new(servant)).ok()?;
    }
    let identity = Identity::new(crate::session::uuid());
    state
        .control_index
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(identity.clone(), filters.clone());
    let servant = SessionControlServant { state: weak, connection, filters };
    adapter.add(identity.clone(), Arc::new(servant)).ok()?;
    Some(proxy_with(identity, &adapter.endpoints()))
}

/// Unregisters a SessionControl object and its filter objects.
pub(crate) fn remove_session_control(state: &State, control: Option<&Identity>) {
    let (Some(adapter), Some(control)) = (&state.server_adapter, control) else { return };
    if let Some(filters) = state.control_filters(control) {
        for f in filters {
            adapter.remove(&f);
        }
    }
    adapter.remove(control);
}

impl State {
    fn control_filters(&self, control: &Identity) -> Option<[Identity; 3]> {
        self.control_index.lock().unwrap_or_else(|e| e.into_inner()).remove(control)
    }
}

impl Servant for SessionControlServant {
    fn ice_id(&self) -> &str {
        "::Glacier2::SessionControl"
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            let state = self.state.upgrade().ok_or(DispatchError::ObjectNotExist)?;
            let endpoints =
                state.server_adapter.as_ref().map(ObjectAdapter::endpoints).unwrap_or_default();
            let filter =
                |i: usize| current.ok(&Some(proxy_with(self.filters[i].clone(), &endpoints)));
            match current.operation.as_str() {
                "categories" => filter(0),
                "adapterIds" => filter(1),
                "identities" => filter(2),
                "getSessionTimeout" => {
                    let t = i32::try_from(state.session_timeout_reply).unwrap_or(i32::MAX);
                    current.ok(&t)
                }
                "destroy" => {
                    params.expect_empty()?;
                    let client = state
                        .clients
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get(&self.connection.0)
                        .map(|c| c.connection.clone());
                    if !crate::session::destroy(&state, self.connection, DestroyReason::ByServer) {
                        if !state.ice37 {
                            return current.void();
                        }
                        return Err(DispatchError::UnknownUser(
                            "::Glacier2::SessionNotExistException".into(),
                        ));
                    }
                    // Ice 3.8 closes the client's connection; 3.7 leaves it open.
                    if let (false, Some(c)) = (state.ice37, client) {
                        c.close(CloseMode::Gracefully);
                    }
                    current.void()
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

impl Servant for FilterServant {
    fn ice_id(&self) -> &str {
        match self.kind {
            FilterKind::Identities => "::Glacier2::IdentitySet",
            _ => "::Glacier2::StringSet",
        }
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            let state = self.state.upgrade().ok_or(DispatchError::ObjectNotExist)?;
            let op = current.operation.as_str();
            let mut core = state.core();
            // The session's filters, or those of the session being created (a session manager
            // may set them from inside `create`).
            let filters = core.filters_mut(self.connection).ok_or(DispatchError::ObjectNotExist)?;
            match (self.kind, op) {
                (FilterKind::Identities, "add" | "remove") => {
                    let items: Vec<Identity> = params.decode()?;
                    change(&mut filters.identities, items, op == "add");
                    current.void()
                }
                (FilterKind::Identities, "get") => {
                    current.ok(&filters.identities.iter().cloned().collect::<Vec<_>>())
                }
                (kind, "add" | "remove") => {
                    let items: Vec<String> = params.decode()?;
                    let set = if matches!(kind, FilterKind::Categories) {
                        &mut filters.categories
                    } else {
                        &mut filters.adapter_ids
                    };
                    change(set, items, op == "add");
                    current.void()
                }
                (kind, "get") => {
                    let set = if matches!(kind, FilterKind::Categories) {
                        &filters.categories
                    } else {
                        &filters.adapter_ids
                    };
                    current.ok(&set.iter().cloned().collect::<Vec<_>>())
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

fn change<T: Ord>(set: &mut BTreeSet<T>, items: Vec<T>, add: bool) {
    for item in items {
        if add {
            set.insert(item);
        } else {
            set.remove(&item);
        }
    }
}
