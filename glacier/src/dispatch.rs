//! The forwarding data path: client requests to back ends, back-end callbacks to clients.
//! Both run in the task of the connection the request arrived on; the reply is relayed from
//! the task of the connection it came back on.

// std's SipHash here, not foldhash: clients choose these endpoints, and this table is
// shared by every session, so it must resist keys crafted to collide.
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use ice_driver::{
    CloseMode, Connection, Dispatcher, Encapsulation, Endpoint, IncomingRequest, Outcome,
};
use ice_proto::frame::{ReplyStatus, Request, RequestFailed};
use ice_proto::proxy::ProxyData;
use ice_proto::router::{CallbackRoute, ClientRoute, ConnectionId, ForwardOptions, Refusal};

use crate::buffered::{self, Direction, OnDone};
use crate::metrics::Rejection;
use crate::warn_dispatch::DispatchWarning;
use crate::State;

/// Counts one callback in flight to a client until dropped (sent, answered, or dropped
/// unsent by an override).
struct CallbackSlot(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for CallbackSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Twoway callbacks in flight to one client, at most (see `ServerDispatcher`).
const MAX_TWOWAY_CALLBACKS: usize = 64;
/// Oneway callbacks to one client not yet written, at most.
const MAX_ONEWAY_CALLBACKS: usize = 10_000;

/// Takes the requests of client connections (`Glacier2.Client`).
pub(crate) struct ClientDispatcher {
    pub(crate) state: Weak<State>,
}

/// Takes the requests of back-end connections on `Glacier2.Server`.
pub(crate) struct ServerDispatcher {
    pub(crate) state: Weak<State>,
}

fn not_exist(request: &Request) -> ReplyStatus {
    ReplyStatus::ObjectNotExist(RequestFailed {
        identity: request.identity.clone(),
        facet: request.facet.clone(),
        operation: request.operation.clone(),
    })
}

/// What the caller of a forwarded request is told of its outcome.
fn relayed(outcome: Outcome, encoding: ice_driver::EncodingVersion) -> ReplyStatus {
    match outcome {
        Outcome::Reply(status) => status,
        // A twoway request forwarded as oneway (`_fwd`) is answered once sent.
        Outcome::Sent => ReplyStatus::Ok(Encapsulation::empty(encoding)),
        Outcome::Failed { error, .. } => ReplyStatus::UnknownLocalException(error.to_ice_string()),
    }
}

impl Dispatcher for ClientDispatcher {
    fn dispatch(
        &self,
        connection: &Connection,
        incoming: IncomingRequest,
    ) -> Option<IncomingRequest> {
        let Some(state) = self.state.upgrade() else {
            let status = not_exist(&incoming.request);
            connection.reply(incoming.dispatch, status);
            return None;
        };
        let identity = &incoming.request.identity;
        if *identity == state.router_identity
            || (identity.category == "Ice" && identity.name == "RouterFinder")
            || state.router_aliases.contains(identity)
        {
            return Some(incoming);
        }
        forward_client_request(&state, connection, incoming);
        None
    }

    fn heartbeat(&self, connection: &Connection) {
        if let Some(state) = self.state.upgrade() {
            crate::session::heartbeat(&state, connection);
        }
    }

    fn closed(&self, connection: &Connection) {
        if let Some(state) = self.state.upgrade() {
            crate::session::client_closed(&state, connection);
        }
    }
}

/// `Glacier2.Client.Trace.Reject`: a request on a connection without a session, in
/// glacier2router's words.
pub(crate) fn trace_no_session(identity: &ice_driver::Identity) {
    tracing::info!(
        target: "Glacier2",
        "rejecting request, no session is associated with the connection.\nidentity: {}",
        crate::trace::identity(identity)
    );
}

/// A request context as glacier2router traces it: `k/v, k/v`.
fn context_text(context: &ice_driver::Context) -> String {
    let pairs: Vec<String> = context.iter().map(|(k, v)| format!("{k}/{v}")).collect();
    pairs.join(", ")
}

/// `Glacier2.{Client,Server}.Trace.Request`, in glacier2router's words: what is routed
/// (`proxy = ...`, or for a callback `identity = ...`), the operation and the context the
/// sender gave (`context_text`).
fn trace_routing(reverse: bool, buffered: bool, what: &str, operation: &str, context: &str) {
    tracing::info!(
        target: "Glacier2",
        "{}routing ({})\n{what}\noperation = {operation}\ncontext = {context}",
        if reverse { "reverse " } else { "" },
        if buffered { "buffered" } else { "not buffered" },
    );
}

/// `Glacier2.{Client,Server}.Trace.Override`, in glacier2router's words: a queued request
/// was replaced by this one (same `_ovrd` value, same target).
fn trace_override(reverse: bool, what: &str, operation: &str, context: &str) {
    tracing::info!(
        target: "Glacier2",
        "{}routing override\n{what}\noperation = {operation}\ncontext = {context}",
        if reverse { "reverse " } else { "" },
    );
}

fn forward_client_request(state: &Arc<State>, connection: &Connection, incoming: IncomingRequest) {
    let IncomingRequest { dispatch, request, twoway, .. } = incoming;
    let encoding = request.params.encoding;
    let trace = state.trace.snapshot();
    // Kept for the traces only: the request itself moves into the routing core, which
    // replaces its context with the one forwarded; glacier2router traces the client's.
    let identity = (trace.client_reject > 0).then(|| request.identity.clone());
    let context = (trace.client_request > 0 || trace.client_override > 0)
        .then(|| context_text(&request.context));
    let warning = DispatchWarning::new(state.warn_dispatch, &request, connection);
    let route = state.core().route_client_request(
        state.now(),
        ConnectionId(connection.id()),
        request,
        twoway,
    );
    match route {
        ClientRoute::NoSession => {
            if let Some(identity) = &identity {
                trace_no_session(identity);
            }
            state.metrics.rejected(Rejection::NoSession);
            // Aborted: the client sees the connection lost, never this reply.
            connection.close(CloseMode::Forcefully);
            connection.reply(dispatch, ReplyStatus::ObjectNotExist(RequestFailed::default()));
        }
        ClientRoute::Refused { status, why } => {
            if let Refusal::Filtered(consulted) = why {
                state.metrics.rejected(Rejection::Filtered);
                if let Some(identity) = &identity {
                    // glacier2router's words: the filters consulted, none of which matched.
                    let names = [
                        (consulted.category, "category filter"),
                        (consulted.identity, "identity filter"),
                        (consulted.adapter_id, "adapter id filter"),
                    ];
                    let names: Vec<&str> =
                        names.iter().filter(|(on, _)| *on).map(|(_, n)| *n).collect();
                    tracing::info!(
                        target: "Glacier2",
                        "rejecting request: {}\nidentity: {identity}",
                        names.join(", ")
                    );
                }
            }
            connection.reply(dispatch, status);
        }
        ClientRoute::Forward { target, options, request } => {
            // A proxy that points back at the router itself would loop through it: ZeroC's
            // router dispatches such a request collocated and finds no object.
            if points_at_router(state, &target) {
                connection.reply(dispatch, not_exist(&request));
                return;
            }
            if let Some(c) = options.unknown {
                tracing::warn!(target: "Glacier2", "unknown forward option `{c}'");
            }
            let what = context.as_ref().map(|_| format!("proxy = {target}"));
            if let (Some(context), Some(what), true) = (&context, &what, trace.client_request > 0) {
                trace_routing(false, state.client_buffered, what, &request.operation, context);
            }
            state.metrics.forwarded(Direction::ToServer, request.params.data.len());
            let client = connection.clone();
            let finish: OnDone = timed(state, Direction::ToServer, twoway, move |outcome| {
                if let Some(warning) = &warning {
                    warning.check(&outcome);
                }
                client.reply(dispatch, relayed(outcome, encoding))
            });
            if state.client_buffered {
                let (override_key, twoway) = (options.override_key.clone(), options.is_twoway());
                // Only a request with `_ovrd` is ever compared with the queued ones.
                let target_key = match &override_key {
                    Some(_) => format!("{target} {:?}", target.mode),
                    None => String::new(),
                };
                let st = state.clone();
                let session = connection.id();
                let from = connection.clone();
                let operation = (trace.client_override > 0).then(|| request.operation.clone());
                let start = move |done: OnDone| {
                    send_to_backend(&st, &from, target, options, request, done);
                };
                let overrode = buffered::enqueue(
                    state,
                    session,
                    Direction::ToServer,
                    override_key,
                    target_key,
                    twoway,
                    start,
                    finish,
                );
                if let (true, Some(op), Some(what), Some(ctx)) =
                    (overrode, operation, what, context)
                {
                    trace_override(false, &what, &op, &ctx);
                }
            } else {
                send_to_backend(state, connection, target, options, request, finish);
            }
        }
    }
}

/// `reply`, which also records the latency of a twoway for the metrics.
fn timed(
    state: &Arc<State>,
    direction: Direction,
    twoway: bool,
    reply: impl FnOnce(Outcome) + Send + 'static,
) -> OnDone {
    if !twoway {
        return Box::new(reply);
    }
    let (weak, since) = (Arc::downgrade(state), Instant::now());
    Box::new(move |outcome| {
        if let Some(state) = weak.upgrade() {
            state.metrics.answered(direction, since);
        }
        reply(outcome);
    })
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "" | "localhost" | "127.0.0.1" | "::1" | "0.0.0.0" | "::")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether one of `target`'s endpoints is one of the router's own listening endpoints.
fn points_at_router(state: &State, target: &ProxyData) -> bool {
    target.endpoints.iter().any(|e| match e {
        ice_driver::Endpoint::Tcp(ip) => state.own_addresses.iter().any(|(host, port)| {
            *port == ip.port && (*host == ip.host || (is_loopback(&ip.host) && is_loopback(host)))
        }),
        _ => false,
    })
}

/// The hosts and ports the router listens on (client and server endpoints), computed once.
pub(crate) fn own_addresses(endpoints: &[Endpoint]) -> Vec<(String, u16)> {
    endpoints
        .iter()
        .filter_map(|e| match e {
            Endpoint::Tcp(ip) => Some((ip.host.clone(), ip.port)),
            _ => None,
        })
        .collect()
}

/// The router's connections to back ends by endpoint list, one table for stream and one for
/// datagram targets (looked up by the target's endpoints, with no key to build per request).
pub(crate) type Backends = Mutex<HashMap<Vec<Endpoint>, Backend>>;

fn backends<'a>(
    state: &'a State,
    target: &ProxyData,
) -> std::sync::MutexGuard<'a, HashMap<Vec<Endpoint>, Backend>> {
    let table = &state.backends[usize::from(target.mode.is_datagram())];
    table.lock().unwrap_or_else(|e| e.into_inner())
}

/// Requests held for a back end while the router connects to it, at most.
const MAX_CONNECT_QUEUE: usize = 10_000;

/// A request waiting for its back-end connection.
pub(crate) struct Queued {
    request: Request,
    twoway: bool,
    compress: bool,
    on_done: OnDone,
    /// The client, number and attempt of the request (see `InFlight`).
    track: (u64, u64, u32),
}

impl Queued {
    fn send(self, state: &State, connection: &Connection) {
        let (client, seq, attempt) = self.track;
        let key = connection.invoke_then(self.request, self.twoway, self.compress, self.on_done);
        state.inflight.started(client, seq, attempt, connection, key);
    }
}

/// The router's connection to one back end (one endpoint list).
pub(crate) enum Backend {
    /// Established.
    Ready(Connection),
    /// Being established; requests wait in arrival order.
    Connecting(Vec<Queued>),
}

/// Sends `request` to `target`, over the connection to its endpoints if there is one (from
/// this task, without waiting), else once connected; requests to one back end keep their
/// order either way.
fn send_to_backend(
    state: &Arc<State>,
    client: &Connection,
    mut target: Arc<ProxyData>,
    options: ForwardOptions,
    request: Request,
    on_done: impl FnOnce(Outcome) + Send + 'static,
) {
    if target.endpoints.is_empty() {
        // Indirect: through the router communicator's locator (`Ice.Default.Locator`).
        let indirect = state.communicator.proxy_from_data(ProxyData::clone(&target));
        if let Some(endpoints) = indirect.ice_located() {
            Arc::make_mut(&mut target).endpoints = endpoints;
        }
    }
    if target.endpoints.is_empty() {
        // Not known yet: find its endpoints first, then forward as usual.
        let state2 = state.clone();
        let client = client.clone();
        state.runtime.spawn(Box::pin(async move {
            let indirect = state2.communicator.proxy_from_data(ProxyData::clone(&target));
            match indirect.ice_locate().await {
                Ok(endpoints) => {
                    let mut target = target;
                    Arc::make_mut(&mut target).endpoints = endpoints;
                    send_to_backend(&state2, &client, target, options, request, on_done);
                }
                Err(error) => on_done(Outcome::Failed { error, sent: false }),
            }
        }));
        return;
    }
    let seq = state.inflight.begin(client);
    let client = client.id();
    let weak = Arc::downgrade(state);
    let on_done = move |outcome| {
        if let Some(state) = weak.upgrade() {
            state.inflight.end(client, seq);
        }
        on_done(outcome);
    };
    let track = (client, seq, 0);
    // Without buffering, batch modes are sent one request at a time (as Ice 3.8 does).
    let unbatched = match target.mode {
        ice_proto::ProxyMode::BatchOneway => Some(ice_proto::ProxyMode::Oneway),
        ice_proto::ProxyMode::BatchDatagram => Some(ice_proto::ProxyMode::Datagram),
        _ => None,
    };
    if let Some(mode) = unbatched {
        Arc::make_mut(&mut target).mode = mode;
    }
    let twoway = options.is_twoway();
    let compress = options.compress || target.endpoints.first().is_some_and(|e| e.compress());
    let cached = match backends(state, &target).get(target.endpoints.as_slice()) {
        Some(Backend::Ready(c)) if !c.is_closed() => Some(c.clone()),
        _ => None,
    };
    let Some(connection) = cached else {
        let queued = Queued { request, twoway, compress, on_done: Box::new(on_done), track };
        return connect_and_send(state, target, queued);
    };
    // A connection that started closing refuses the request before sending it: then connect
    // again, which is safe (it was never sent).
    let retry = (state.clone(), target, request.clone(), connection.clone());
    let invocation =
        connection.invoke_then(request, twoway, compress, move |outcome| match outcome {
            Outcome::Failed { sent: false, .. } => {
                let (state, target, request, refused) = retry;
                // Forget that connection, so that a new one is made.
                let mut table = backends(&state, &target);
                let key = target.endpoints.as_slice();
                if matches!(table.get(key), Some(Backend::Ready(c)) if *c == refused) {
                    table.remove(key);
                }
                drop(table);
                let queued = Queued {
                    request,
                    twoway,
                    compress,
                    on_done: Box::new(on_done),
                    track: (client, seq, 1),
                };
                connect_and_send(&state, target, queued);
            }
            outcome => on_done(outcome),
        });
    state.inflight.started(client, seq, 0, &connection, invocation);
}

/// Queues `queued` for the back end `target`, connecting to it unless that is under way.
fn connect_and_send(state: &Arc<State>, target: Arc<ProxyData>, queued: Queued) {
    {
        let mut backends = backends(state, &target);
        match backends.get_mut(target.endpoints.as_slice()) {
            Some(Backend::Connecting(waiting)) => {
                if waiting.len() >= MAX_CONNECT_QUEUE {
                    drop(backends);
                    let error = ice_driver::Error::ConnectFailed {
                        endpoint: target.to_string(),
                        reason: "too many requests waiting for the connection".into(),
                    };
                    (queued.on_done)(Outcome::Failed { error, sent: false });
                } else {
                    waiting.push(queued);
                }
                return;
            }
            Some(Backend::Ready(c)) if !c.is_closed() => {
                let c = c.clone();
                drop(backends);
                queued.send(state, &c);
                return;
            }
            _ => {
                // Connections that closed are forgotten here, as new ones are made.
                backends.retain(|_, b| !matches!(b, Backend::Ready(c) if c.is_closed()));
                backends.insert(target.endpoints.clone(), Backend::Connecting(vec![queued]));
            }
        }
    }
    let state2 = state.clone();
    state.runtime.spawn(Box::pin(async move {
        let proxy = state2.communicator.proxy_from_data(ProxyData::clone(&target));
        let result = proxy.ice_get_connection().await;
        let waiting = {
            let mut backends = backends(&state2, &target);
            let waiting = match backends.remove(target.endpoints.as_slice()) {
                Some(Backend::Connecting(w)) => w,
                _ => Vec::new(),
            };
            if let Ok(c) = &result {
                backends.insert(target.endpoints.clone(), Backend::Ready(c.clone()));
            }
            waiting
        };
        for q in waiting {
            match &result {
                Ok(c) => q.send(&state2, c),
                Err(error) => (q.on_done)(Outcome::Failed { error: error.clone(), sent: false }),
            }
        }
    }));
}

impl Dispatcher for ServerDispatcher {
    fn dispatch(
        &self,
        connection: &Connection,
        incoming: IncomingRequest,
    ) -> Option<IncomingRequest> {
        // SessionControl and its filter objects (empty category) are servants of the adapter.
        if incoming.request.identity.category.is_empty() {
            return Some(incoming);
        }
        let Some(state) = self.state.upgrade() else {
            let status = not_exist(&incoming.request);
            connection.reply(incoming.dispatch, status);
            return None;
        };
        let IncomingRequest { dispatch, request, twoway, .. } = incoming;
        let encoding = request.params.encoding;
        // Traced once it is known to have a client to go to, with the context the back end
        // gave, as glacier2router does.
        let levels = state.trace.snapshot();
        let traced = (levels.server_request > 0 || levels.server_override > 0).then(|| {
            let what = format!("identity = {}", crate::trace::identity(&request.identity));
            (what, context_text(&request.context))
        });
        let route = state.core().route_callback(request, twoway);
        match route {
            CallbackRoute::NoSession(status) => connection.reply(dispatch, status),
            CallbackRoute::Forward { client, options, request } => {
                if let (Some((what, context)), true) = (&traced, levels.server_request > 0) {
                    trace_routing(true, state.server_buffered, what, &request.operation, context);
                }
                let client =
                    state.clients.lock().unwrap_or_else(|e| e.into_inner()).get(&client.0).cloned();
                let Some(client) = client else {
                    connection.reply(dispatch, not_exist(&request));
                    return None;
                };
                // A client that does not keep up gets at most so many callbacks in flight;
                // more fail at once, so that it cannot hold up the back end's connection
                // (shared with other clients) or grow the router's memory. (A oneway beyond
                // the bound is lost, as one to a dead client is.)
                let (twoway, compress) = (options.is_twoway(), options.compress);
                let (counter, max) = if twoway {
                    (&client.twoways, MAX_TWOWAY_CALLBACKS)
                } else {
                    (&client.oneways, MAX_ONEWAY_CALLBACKS)
                };
                if counter.fetch_add(1, Ordering::AcqRel) >= max {
                    counter.fetch_sub(1, Ordering::AcqRel);
                    state.metrics.rejected(Rejection::CallbackLimit);
                    tracing::warn!(target: "Glacier2", identity = %crate::trace::identity(&request.identity), "callback refused: the client has too many callbacks in flight");
                    let reason = "the client has too many callbacks in flight".to_owned();
                    connection.reply(dispatch, ReplyStatus::UnknownLocalException(reason));
                    return None;
                }
                state.metrics.forwarded(Direction::ToClient, request.params.data.len());
                let backend = connection.clone();
                let warning = DispatchWarning::new(state.warn_dispatch, &request, connection);
                let finish: OnDone = timed(&state, Direction::ToClient, twoway, move |outcome| {
                    if let Some(warning) = &warning {
                        warning.check(&outcome);
                    }
                    backend.reply(dispatch, relayed(outcome, encoding))
                });
                let slot = CallbackSlot(counter.clone());
                let target_key = match (&options.override_key, state.server_buffered) {
                    (Some(_), true) => {
                        format!("{}/{} {:?}", request.identity, request.facet, options.mode)
                    }
                    _ => String::new(),
                };
                let to = client.connection.clone();
                let operation = (levels.server_override > 0).then(|| request.operation.clone());
                let start = move |done: OnDone| {
                    to.invoke_then(request, twoway, compress, move |outcome| {
                        drop(slot);
                        done(outcome);
                    });
                };
                if state.server_buffered {
                    let overrode = buffered::enqueue(
                        &state,
                        client.connection.id(),
                        Direction::ToClient,
                        options.override_key.clone(),
                        target_key,
                        twoway,
                        start,
                        finish,
                    );
                    if let (true, Some(op), Some((what, context))) = (overrode, operation, &traced)
                    {
                        trace_override(true, what, &op, context);
                    }
                } else {
                    start(finish);
                }
            }
        }
        None
    }
}
