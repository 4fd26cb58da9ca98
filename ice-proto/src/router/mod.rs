//! The Glacier2 session-routing core: the brain of a Glacier2 router, without IO.
//!
//! Like quinn's `Endpoint`, one [`Router`] serves many connections, named by the caller with
//! [`ConnectionId`]s: inputs come in as method calls with the time passed in, and each call
//! returns what the caller must do — forward this request over that connection, answer the
//! client with this reply, abort the connection, destroy that session at the session manager.
//! The caller owns sockets, connections and calls to permissions verifiers and session
//! managers.
//!
//! - Sessions: one per client connection ([`Router::begin_create_session`],
//!   [`Router::finish_create_session`], [`Router::destroy_session`],
//!   [`Router::connection_closed`]), expiring after `Glacier2.SessionTimeout` without use
//!   ([`Router::handle_timeout`], [`Router::poll_timeout`]).
//! - Client requests ([`Router::route_client_request`]): the session of the connection, the
//!   accept filters, the routing table fed by `addProxies` ([`Router::add_proxies`]), the
//!   `_fwd` options and the forwarded context. Parameters are never decoded: the request's
//!   encapsulation is handed back untouched.
//! - Callbacks from back ends ([`Router::route_callback`]): by identity category to the
//!   connection of the session that owns it.

mod address_filter;
mod config;
mod forward;
mod queue;
mod routing_table;
mod session;

pub use address_filter::{ProxyRejection, ProxyVerifier};
pub use config::{split_filter_list, AcceptUser, Filters, RouterConfig, RouterConfigError};
pub use forward::ForwardOptions;
pub use queue::{Enqueued, RequestQueue};
pub use routing_table::{Added, RoutingTable};
pub use session::{ConnectionInfo, NewSession, Session, SessionKind};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::Arc;
use std::time::Instant;

use crate::frame::{ReplyStatus, Request, RequestFailed};
use crate::proxy::ProxyData;
use crate::Context;

/// Names a client or back-end connection; the caller picks the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub u64);

/// Why `createSession*` cannot go on (the exceptions and reasons glacier2router gives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CreateSessionError {
    /// `CannotCreateSessionException("router is shutting down")`.
    #[error("router is shutting down")]
    ShuttingDown,
    /// `CannotCreateSessionException("session exists")`.
    #[error("session exists")]
    SessionExists,
    /// Another `createSession*` is under way on the connection: wait for it, then try again.
    #[error("a session is being created on this connection")]
    InProgress,
}

/// What a heartbeat means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heartbeat {
    /// The session was refreshed.
    Refreshed,
    /// The connection never had a session: nothing to do.
    NoSession,
    /// The connection's session ended (destroyed, expired): abort the connection, as
    /// glacier2router does, so that the client learns it.
    Abort,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DestroyReason {
    /// The client called `destroySession`.
    Destroyed,
    /// The client connection closed.
    ConnectionClosed,
    /// Unused for `Glacier2.SessionTimeout`.
    Expired,
    /// The router is shutting down.
    Shutdown,
    /// A back end destroyed it through SessionControl, or a refresh failed.
    ByServer,
}

/// A session that just ended: the caller destroys its session-manager session (if any),
/// unregisters its SessionControl object and traces it.
#[derive(Debug, Clone)]
pub struct DestroyedSession {
    /// Its client connection.
    pub connection: ConnectionId,
    /// The session.
    pub session: Session,
    /// Why it ended.
    pub reason: DestroyReason,
}

/// Why a client request is answered by the router itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The identity is not in the routing table: the client adds it and retries.
    NotInTable,
    /// The category, identity or adapter-id filters refused it: those consulted, none of
    /// which matched.
    Filtered(ConsultedFilters),
}

/// The filters a refused request was checked against (`Glacier2.Filter.*` and the session's
/// own), for the router's `rejecting request: category filter, ...` trace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsultedFilters {
    /// The category filter.
    pub category: bool,
    /// The identity filter.
    pub identity: bool,
    /// The adapter-id filter (only for a target with an adapter id).
    pub adapter_id: bool,
}

/// What `addProxies` did: the proxies evicted to make room (returned to the client), and
/// what happened to each proxy added.
#[derive(Debug, Clone)]
pub struct AddedProxies {
    /// Evicted, least recently used first.
    pub evicted: Vec<ProxyData>,
    /// Each non-null proxy, and whether it was new.
    pub added: Vec<(ProxyData, Added)>,
}

/// Why `addProxies` changed nothing; either way the caller aborts the client's connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddProxiesError {
    /// The connection has no session.
    #[error("no session is associated with the connection")]
    NoSession,
    /// The proxy verifier refused `proxy`.
    #[error("rejected proxy `{proxy}': {why:?}")]
    Rejected {
        /// The proxy.
        proxy: Box<ProxyData>,
        /// Why.
        why: ProxyRejection,
    },
}

/// What to do with a request from a client.
// Returned and taken apart at once on the forwarding path: boxing the large variant would
// cost an allocation per forwarded request.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum ClientRoute {
    /// Send `request` to `target` as `options` say. A client twoway sent as oneway is
    /// answered with an empty success reply once sent.
    Forward {
        /// Where: the routing table's proxy with the request's facet and the forward mode
        /// (shared with the table unless those differ from what it stores).
        target: Arc<ProxyData>,
        /// How.
        options: ForwardOptions,
        /// The request to send: the client's, with the context the back end must see.
        request: Request,
    },
    /// The connection has no session: abort it (no reply reaches the client).
    NoSession,
    /// Answer the client with `status`.
    Refused {
        /// The reply (ObjectNotExist).
        status: ReplyStatus,
        /// Why.
        why: Refusal,
    },
}

/// What to do with a request from a back end on the server endpoints.
#[derive(Debug, Clone)]
pub enum CallbackRoute {
    /// Send `request` over the client connection `client`.
    Forward {
        /// The client's connection.
        client: ConnectionId,
        /// How.
        options: ForwardOptions,
        /// The request, with the context the client must see.
        request: Request,
    },
    /// No session has the identity's category: answer the back end with ObjectNotExist.
    NoSession(ReplyStatus),
}

/// The session-routing state of one router. See the [module docs](self).
#[derive(Debug)]
pub struct Router {
    config: RouterConfig,
    sessions: HashMap<ConnectionId, Session>,
    by_category: HashMap<String, ConnectionId>,
    /// Connections whose `createSession*` is under way, with the filters their session will
    /// start from (a session manager may change them through SessionControl meanwhile).
    creating: HashMap<ConnectionId, Filters>,
    /// Connections still open whose session ended (a heartbeat on one aborts it).
    ended: HashSet<ConnectionId>,
    next_generation: u64,
    shutting_down: bool,
}

fn not_exist(request: &Request, operation: &str) -> ReplyStatus {
    ReplyStatus::ObjectNotExist(RequestFailed {
        identity: request.identity.clone(),
        facet: request.facet.clone(),
        operation: operation.to_owned(),
    })
}

impl Router {
    /// A router with no session.
    pub fn new(config: RouterConfig) -> Router {
        Router {
            config,
            sessions: HashMap::new(),
            by_category: HashMap::new(),
            creating: HashMap::new(),
            ended: HashSet::new(),
            next_generation: 1,
            shutting_down: false,
        }
    }

    // ----- getters -----

    /// The settings.
    pub fn config(&self) -> &RouterConfig {
        &self.config
    }

    /// The session of `connection`.
    pub fn session(&self, connection: ConnectionId) -> Option<&Session> {
        self.sessions.get(&connection)
    }

    /// The session of `connection`, to change its filters (SessionControl).
    pub fn session_mut(&mut self, connection: ConnectionId) -> Option<&mut Session> {
        self.sessions.get_mut(&connection)
    }

    /// How many sessions are live.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Entries in all routing tables together.
    pub fn routing_table_entries(&self) -> usize {
        self.sessions.values().map(|s| s.routing_table.len()).sum()
    }

    /// The client connection whose session routes callbacks of `category`.
    pub fn connection_for_category(&self, category: &str) -> Option<ConnectionId> {
        self.by_category.get(category).copied()
    }

    /// Whether [`Router::shutdown`] was called.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down
    }

    /// The context for permissions verifiers and session managers: the client's own (less any
    /// `_con.*` entry it sent) plus the connection's `_con.*` entries when
    /// `Glacier2.AddConnectionContext` is set.
    pub fn authentication_context(&self, client: &Context, info: &ConnectionInfo) -> Context {
        let mut c: Context = client
            .iter()
            .filter(|(k, _)| !k.starts_with("_con."))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if self.config.add_connection_context > 0 {
            c.extend(info.context());
        }
        c
    }

    // ----- sessions -----

    /// Starts `createSession*` on `connection`. On success the caller authenticates the client
    /// and ends with [`Router::finish_create_session`] or [`Router::abort_create_session`].
    pub fn begin_create_session(
        &mut self,
        connection: ConnectionId,
    ) -> Result<(), CreateSessionError> {
        if self.shutting_down {
            return Err(CreateSessionError::ShuttingDown);
        }
        if self.sessions.contains_key(&connection) {
            return Err(CreateSessionError::SessionExists);
        }
        if self.creating.contains_key(&connection) {
            return Err(CreateSessionError::InProgress);
        }
        self.creating.insert(connection, self.config.filters.clone());
        Ok(())
    }

    /// The filters of the session of `connection`, or of the session being created on it
    /// (what SessionControl's filter objects change).
    pub fn filters_mut(&mut self, connection: ConnectionId) -> Option<&mut Filters> {
        match self.sessions.get_mut(&connection) {
            Some(s) => Some(&mut s.filters),
            None => self.creating.get_mut(&connection),
        }
    }

    /// Gives up the creation started on `connection` (authentication failed).
    pub fn abort_create_session(&mut self, connection: ConnectionId) {
        self.creating.remove(&connection);
    }

    /// Registers the session of `connection`, authenticated at `now`. Fails (and registers
    /// nothing) if the router started shutting down or the connection closed meanwhile
    /// (`closed`): the caller then destroys what it created for it.
    pub fn finish_create_session(
        &mut self,
        now: Instant,
        connection: ConnectionId,
        new: NewSession,
    ) -> Result<&Session, CreateSessionError> {
        let pending = self.creating.remove(&connection);
        if self.shutting_down {
            return Err(CreateSessionError::ShuttingDown);
        }
        let Some(mut filters) = pending.filter(|_| !self.sessions.contains_key(&connection)) else {
            return Err(CreateSessionError::SessionExists);
        };
        if new.kind == SessionKind::Password && !new.user_id.is_empty() {
            match self.config.accept_user {
                AcceptUser::No => {}
                AcceptUser::UserId => {
                    filters.categories.insert(new.user_id.clone());
                }
                AcceptUser::UnderscoreUserId => {
                    filters.categories.insert(format!("_{}", new.user_id));
                }
            }
        }
        if let Some(category) = &new.category {
            self.by_category.insert(category.clone(), connection);
        }
        let session = Session {
            user_id: new.user_id,
            kind: new.kind,
            category: new.category,
            session_proxy: new.session_proxy,
            control: new.control,
            connection_context: new.connection_context,
            filters,
            routing_table: RoutingTable::new(self.config.routing_table_max),
            last_activity: now,
            generation: self.next_generation,
        };
        self.next_generation += 1;
        self.ended.remove(&connection);
        Ok(self.sessions.entry(connection).or_insert(session))
    }

    fn remove(
        &mut self,
        connection: ConnectionId,
        reason: DestroyReason,
    ) -> Option<DestroyedSession> {
        let session = self.sessions.remove(&connection)?;
        if !matches!(reason, DestroyReason::ConnectionClosed | DestroyReason::Shutdown) {
            self.ended.insert(connection);
        }
        if let Some(category) = &session.category {
            if self.by_category.get(category) == Some(&connection) {
                self.by_category.remove(category);
            }
        }
        Some(DestroyedSession { connection, session, reason })
    }

    /// Ends the session of `connection` (`destroySession`, SessionControl `destroy`, a failed
    /// refresh); `None` if it has none.
    pub fn destroy_session(
        &mut self,
        connection: ConnectionId,
        reason: DestroyReason,
    ) -> Option<DestroyedSession> {
        self.remove(connection, reason)
    }

    /// `connection` closed: its session, if any, ends, and any creation under way on it is
    /// forgotten.
    pub fn connection_closed(&mut self, connection: ConnectionId) -> Option<DestroyedSession> {
        self.creating.remove(&connection);
        self.ended.remove(&connection);
        self.remove(connection, DestroyReason::ConnectionClosed)
    }

    /// The router stops: no new session, and every session ends.
    pub fn shutdown(&mut self) -> Vec<DestroyedSession> {
        self.shutting_down = true;
        let all: Vec<ConnectionId> = self.sessions.keys().copied().collect();
        all.into_iter().filter_map(|c| self.remove(c, DestroyReason::Shutdown)).collect()
    }

    /// Ends the session of `connection` only if it is still the one of `generation` (see
    /// [`Session::generation`]): for a decision taken before an await, such as a failed ping
    /// of the session manager's session, which must not end a newer session.
    pub fn destroy_session_if(
        &mut self,
        connection: ConnectionId,
        generation: u64,
        reason: DestroyReason,
    ) -> Option<DestroyedSession> {
        match self.sessions.get(&connection) {
            Some(s) if s.generation == generation => self.remove(connection, reason),
            _ => None,
        }
    }

    /// A heartbeat (ValidateConnection) arrived on `connection` at `now`.
    pub fn handle_heartbeat(&mut self, now: Instant, connection: ConnectionId) -> Heartbeat {
        if self.touch(now, connection) {
            Heartbeat::Refreshed
        } else if self.ended.contains(&connection) {
            Heartbeat::Abort
        } else {
            Heartbeat::NoSession
        }
    }

    /// The client of `connection` used its session at `now` (a router operation, a heartbeat,
    /// `refreshSession`). Returns whether it has a session.
    pub fn touch(&mut self, now: Instant, connection: ConnectionId) -> bool {
        match self.sessions.get_mut(&connection) {
            Some(s) => {
                s.last_activity = s.last_activity.max(now);
                true
            }
            None => false,
        }
    }

    /// When the next session expires, with `Glacier2.SessionTimeout`.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let timeout = self.config.session_timeout?;
        self.sessions.values().map(|s| s.last_activity + timeout).min()
    }

    /// Ends the sessions unused for `Glacier2.SessionTimeout` at `now`. Their connections stay
    /// open (the next request on one is treated as having no session).
    pub fn handle_timeout(&mut self, now: Instant) -> Vec<DestroyedSession> {
        let Some(timeout) = self.config.session_timeout else { return Vec::new() };
        let expired: Vec<ConnectionId> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.last_activity + timeout <= now)
            .map(|(c, _)| *c)
            .collect();
        expired.into_iter().filter_map(|c| self.remove(c, DestroyReason::Expired)).collect()
    }

    // ----- routing -----

    /// `addProxies` from the client of `connection` at `now`: null entries are skipped; every
    /// proxy is first checked by the proxy verifier (address filters, `ProxySizeMax`), and if
    /// one is refused nothing changes and the caller aborts the connection (the session dies
    /// with it); else each is added to the session's routing table.
    pub fn add_proxies(
        &mut self,
        now: Instant,
        connection: ConnectionId,
        proxies: &[Option<ProxyData>],
    ) -> Result<AddedProxies, AddProxiesError> {
        let session = self.sessions.get_mut(&connection).ok_or(AddProxiesError::NoSession)?;
        session.last_activity = session.last_activity.max(now);
        for p in proxies.iter().flatten() {
            if let Err(why) = self.config.proxy_verifier.check(p) {
                return Err(AddProxiesError::Rejected { proxy: Box::new(p.clone()), why });
            }
        }
        let mut evicted = Vec::new();
        let mut added = Vec::new();
        for p in proxies.iter().flatten() {
            let what = session.routing_table.add(p, &mut evicted);
            added.push((p.clone(), what));
        }
        Ok(AddedProxies { evicted, added })
    }

    /// Decides what to do with `request`, which arrived `twoway` (or not) on the client
    /// connection `connection` at `now`.
    pub fn route_client_request(
        &mut self,
        now: Instant,
        connection: ConnectionId,
        mut request: Request,
        twoway: bool,
    ) -> ClientRoute {
        let Some(session) = self.sessions.get_mut(&connection) else {
            return ClientRoute::NoSession;
        };
        session.last_activity = session.last_activity.max(now);
        let filters = &session.filters;
        let mut consulted = ConsultedFilters::default();
        let mut matched = false;
        if !filters.categories.is_empty() {
            consulted.category = true;
            matched |= filters.categories.contains(&request.identity.category);
        }
        if !filters.identities.is_empty() {
            consulted.identity = true;
            matched |= filters.identities.contains(&request.identity);
        }
        let target = match session.routing_table.get(&request.identity) {
            Some(t) if !request.identity.name.is_empty() => t,
            _ => {
                return ClientRoute::Refused {
                    status: not_exist(&request, "ice_add_proxy"),
                    why: Refusal::NotInTable,
                }
            }
        };
        if !target.adapter_id.is_empty() && !filters.adapter_ids.is_empty() {
            consulted.adapter_id = true;
            matched |= filters.adapter_ids.contains(&target.adapter_id);
        }
        if consulted != ConsultedFilters::default() && !matched {
            return ClientRoute::Refused {
                status: not_exist(&request, &request.operation),
                why: Refusal::Filtered(consulted),
            };
        }
        let options = ForwardOptions::from_request(twoway, &request.context);
        let mut target = target.clone();
        if target.facet != request.facet
            || target.mode != options.mode
            || target.secure != options.secure
        {
            let t = Arc::make_mut(&mut target);
            t.facet = request.facet.clone();
            t.mode = options.mode;
            t.secure = options.secure;
        }
        let add_con = self.config.add_connection_context == 1;
        let context = if self.config.client_forward_context {
            let mut c = std::mem::take(&mut request.context);
            if add_con {
                for (k, v) in &session.connection_context {
                    c.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            c
        } else if add_con {
            session.connection_context.clone()
        } else {
            Context::new()
        };
        request.context = context;
        ClientRoute::Forward { target, options, request }
    }

    /// Decides what to do with a callback `request` from a back end, which arrived `twoway`
    /// (or not) on the server endpoints: routed by its identity's category alone.
    pub fn route_callback(&self, mut request: Request, twoway: bool) -> CallbackRoute {
        let Some(client) = self.by_category.get(&request.identity.category).copied() else {
            return CallbackRoute::NoSession(not_exist(&request, &request.operation));
        };
        let options = ForwardOptions::from_request(twoway, &request.context);
        if !self.config.server_forward_context {
            request.context = Context::new();
        }
        CallbackRoute::Forward { client, options, request }
    }
}

#[cfg(test)]
mod tests;
