//! Session lifecycle: `createSession`, destruction by every path (spec 5.6), heartbeats,
//! expiry, and the router's shutdown.

use std::future::Future as _;
use std::sync::Arc;
use std::time::Duration;

use ice_driver::{
    CloseMode, Connection, Context, Current, DispatchError, DispatchResult, Encapsulation,
    OperationMode,
};
use ice_proto::proxy::ProxyData;
use ice_proto::router::{
    ConnectionId, ConnectionInfo, CreateSessionError, DestroyReason, DestroyedSession, Heartbeat,
    NewSession, Router, SessionKind,
};

use crate::verifier::{
    cannot_create, create_with_manager, create_with_ssl_manager, denied, SslInfo,
};
use crate::State;

/// How long a `createSession` waits between looks at another one under way on its connection.
const CREATE_WAIT: Duration = Duration::from_millis(10);
/// How long shutdown waits for session managers to destroy their sessions.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(5);

/// The characters of a callback category: printable ASCII without space (as glacier2router).
fn random_category() -> String {
    let mut bytes = [0u8; 20];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness at all: refuse to hand out guessable categories.
        panic!("the operating system's random number generator is unavailable");
    }
    bytes.iter().map(|b| char::from(33 + (b % 94))).collect()
}

/// A random UUID string, for the identities of SessionControl objects.
pub(crate) fn uuid() -> String {
    // Not ice-driver's uuid(): a back end that guessed a session's SessionControl identity
    // could destroy it, so these come from the OS's random number generator.
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        panic!("the operating system's random number generator is unavailable");
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        h[0..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..16].concat()
    )
}

pub(crate) fn connection_info(connection: &Connection) -> ConnectionInfo {
    let transport = connection.transport_info();
    // Like glacier2router, the TLS items of the top-level transport only: not over wss.
    let ssl = transport.kind == "ssl";
    ConnectionInfo {
        transport: transport.kind.to_owned(),
        local: connection.local_addr(),
        remote: connection.remote_addr(),
        cipher: transport.cipher.clone().filter(|_| ssl),
        peer_cert: transport.peer_certificates_pem().into_iter().next().filter(|_| ssl),
    }
}

/// Who asks for a session, and how they prove who they are.
enum Credentials {
    /// `createSession(userId, password)`.
    Password { user: String, password: String },
    /// `createSessionFromSecureConnection()`: the client's verified certificate.
    Ssl { info: SslInfo, subject: String },
}

/// `createSessionFromSecureConnection()` on the connection of `current` (spec 5.3).
pub(crate) async fn create_session_from_secure_connection(
    state: &Arc<State>,
    current: &Current,
) -> DispatchResult {
    if state.ssl_verifier.is_none() {
        return Err(denied("no configured ssl permissions verifier", current.encoding));
    }
    let transport = current.connection.transport_info();
    if transport.kind != "ssl" {
        return Err(denied("not ssl connection", current.encoding));
    }
    if transport.peer_certificates.is_empty() {
        return Err(denied("the client did not provide a certificate", current.encoding));
    }
    let Some(subject) = transport.peer_subject() else {
        return Err(denied("certificate encoding exception", current.encoding));
    };
    if subject.is_empty() {
        return Err(denied("empty user DN", current.encoding));
    }
    let host_port = |a: Option<std::net::SocketAddr>| {
        a.map(|a| (a.ip().to_string(), i32::from(a.port()))).unwrap_or_default()
    };
    let (remote_host, remote_port) = host_port(current.connection.remote_addr());
    let (local_host, local_port) = host_port(current.connection.local_addr());
    let info = SslInfo {
        remote_host,
        remote_port,
        local_host,
        local_port,
        cipher: transport.cipher.clone().unwrap_or_default(),
        certs: transport.peer_certificates_pem(),
    };
    create(state, current, Credentials::Ssl { info, subject }).await
}

fn create_error(e: CreateSessionError, current: &Current) -> DispatchError {
    cannot_create(&e.to_string(), current.encoding)
}

/// `createSession(userId, password)` on the connection of `current`.
pub(crate) async fn create_session(
    state: &Arc<State>,
    current: &Current,
    user: String,
    password: String,
) -> DispatchResult {
    if state.verifier.is_none() {
        return Err(denied("no configured permissions verifier", current.encoding));
    }
    create(state, current, Credentials::Password { user, password }).await
}

/// Steps 2 to 8 of spec 5.2, for either kind of session.
async fn create(state: &Arc<State>, current: &Current, credentials: Credentials) -> DispatchResult {
    let id = ConnectionId(current.connection.id());
    loop {
        let begun = state.core().begin_create_session(id);
        match begun {
            Ok(()) => break,
            Err(CreateSessionError::InProgress) => {
                state.runtime.sleep_until(state.now() + CREATE_WAIT).await;
            }
            Err(e) => return Err(create_error(e, current)),
        }
    }
    let info = connection_info(&current.connection);
    let auth_context = state.core().authentication_context(&current.context, &info);
    let warn = state.trace.session() >= 1;
    let verified = match (&credentials, &state.verifier, &state.ssl_verifier) {
        (Credentials::Password { user, password }, Some(v), _) => {
            v.check(user, password, &auth_context, current.encoding, warn).await
        }
        (Credentials::Ssl { info, .. }, _, Some(v)) => {
            v.authorize(info, &auth_context, current.encoding, warn).await
        }
        _ => Err(denied("no configured permissions verifier", current.encoding)),
    };
    if let Err(e) = verified {
        state.core().abort_create_session(id);
        return Err(e);
    }
    let (user, kind) = match &credentials {
        Credentials::Password { user, .. } => (user.clone(), SessionKind::Password),
        Credentials::Ssl { subject, .. } => (subject.clone(), SessionKind::Ssl),
    };
    let manager = match &credentials {
        Credentials::Password { .. } => state.session_manager.as_ref(),
        Credentials::Ssl { .. } => state.ssl_session_manager.as_ref(),
    };
    let category = state.server_adapter.as_ref().map(|_| random_category());
    let mut control = None;
    let mut session_proxy = None;
    if let Some(manager) = manager {
        let control_proxy = crate::router_object::add_session_control(state, id);
        control = control_proxy.as_ref().map(|p| p.identity.clone());
        let (control_proxy, ctx, encoding) =
            (control_proxy.as_ref(), &auth_context, current.encoding);
        let created = match &credentials {
            Credentials::Password { .. } => {
                create_with_manager(manager, &user, control_proxy, ctx, encoding).await
            }
            Credentials::Ssl { info, .. } => {
                create_with_ssl_manager(manager, info, control_proxy, ctx, encoding).await
            }
        };
        match created {
            Ok(p) => session_proxy = p,
            Err(e) => {
                state.core().abort_create_session(id);
                crate::router_object::remove_session_control(state, control.as_ref());
                return Err(e);
            }
        }
    }
    let new = NewSession {
        user_id: user.clone(),
        kind,
        category: category.clone(),
        session_proxy: session_proxy.clone(),
        control: control.clone(),
        // Kept only where it is sent on later (`Glacier2.AddConnectionContext=1`), not held
        // by every idle session.
        connection_context: if state.add_connection_context == 1 {
            info.context()
        } else {
            Context::new()
        },
    };
    // The session and its client connection are registered together, under the core's lock,
    // so that a session ending concurrently never takes the other's entry along.
    let finished = {
        let mut core = state.core();
        let r = core.finish_create_session(state.now(), id, new).map(|_| ());
        if r.is_ok() {
            state
                .clients
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id.0, crate::SessionClient::new(current.connection.clone()));
        }
        r
    };
    if let Err(e) = finished {
        crate::router_object::remove_session_control(state, control.as_ref());
        if let Some(p) = &session_proxy {
            destroy_at_manager(
                state,
                p,
                if state.add_connection_context == 1 { info.context() } else { Context::new() },
            );
        }
        return Err(create_error(e, current));
    }
    if current.connection.is_closed() {
        // Closed while the session was being created: the close hook already ran.
        client_closed(state, &current.connection);
    }
    state.metrics.session_created();
    if state.trace.session() > 0 {
        let text = crate::trace::session(&user, category.as_deref(), Some(&current.connection));
        tracing::info!(target: "Glacier2", "created session\n{text}");
    }
    current.ok(&session_proxy)
}

/// `Session::destroy` on a session manager's session, in the background.
fn destroy_at_manager(state: &Arc<State>, session: &ProxyData, context: Context) {
    let proxy = state.communicator.proxy_from_data(session.clone());
    let trace = state.trace.session();
    let pending = state.pending_destroys.clone();
    pending.send_modify(|n| *n += 1);
    state.runtime.spawn(Box::pin(async move {
        let params = Encapsulation::empty(proxy.ice_get_encoding_version());
        if let Err(e) =
            proxy.invoke_with_context("destroy", OperationMode::Normal, params, &context).await
        {
            if trace > 0 {
                tracing::info!(target: "Glacier2", "exception while destroying session\n{}", e.to_ice_string());
            }
        }
        pending.send_modify(|n| *n = n.saturating_sub(1));
    }));
}

/// Ends the sessions `f` picks, forgetting their client connections in the same critical
/// section, then does everything that follows (SessionControl, session manager, traces).
pub(crate) fn end(state: &Arc<State>, f: impl FnOnce(&mut Router) -> Vec<DestroyedSession>) {
    let gone = {
        let mut core = state.core();
        let gone = f(&mut core);
        let mut ended = Vec::with_capacity(gone.len());
        if !gone.is_empty() {
            let mut clients = state.clients.lock().unwrap_or_else(|e| e.into_inner());
            for d in gone {
                let client = clients.remove(&d.connection.0).map(|c| c.connection);
                ended.push((d, client));
            }
        }
        ended
    };
    for (d, client) in gone {
        destroyed(state, d, client);
    }
}

/// Everything that follows the end of a session.
fn destroyed(state: &Arc<State>, d: DestroyedSession, client: Option<Connection>) {
    state.metrics.session_destroyed(d.reason);
    crate::router_object::remove_session_control(state, d.session.control.as_ref());
    if state.trace.session() > 0 {
        let what = if d.reason == DestroyReason::Expired {
            "expiring session"
        } else {
            "destroying session"
        };
        let category = d.session.category.as_deref();
        let text = crate::trace::session(&d.session.user_id, category, client.as_ref());
        tracing::info!(target: "Glacier2", "{what}\n{text}");
    }
    if let Some(p) = &d.session.session_proxy {
        let add = state.add_connection_context == 1;
        let ctx = if add { d.session.connection_context.clone() } else { Context::new() };
        destroy_at_manager(state, p, ctx);
    }
}

/// A client connection closed: its session ends.
pub(crate) fn client_closed(state: &Arc<State>, connection: &Connection) {
    state.inflight.client_gone(connection.id());
    let id = ConnectionId(connection.id());
    end(state, |core| core.connection_closed(id).into_iter().collect());
    state.clients.lock().unwrap_or_else(|e| e.into_inner()).remove(&connection.id());
}

/// A heartbeat refreshes the session; with a session manager's session, that session is
/// pinged too and the client aborted if it is gone.
pub(crate) fn heartbeat(state: &Arc<State>, connection: &Connection) {
    let id = ConnectionId(connection.id());
    let session = {
        let mut core = state.core();
        match core.handle_heartbeat(state.now(), id) {
            Heartbeat::Refreshed => {}
            Heartbeat::NoSession => return,
            Heartbeat::Abort => {
                // Its session ended while the connection stayed open: the client learns it.
                drop(core);
                connection.close(CloseMode::Forcefully);
                return;
            }
        }
        core.session(id).and_then(|s| s.session_proxy.clone().map(|p| (p, s.generation())))
    };
    let Some((p, generation)) = session else { return };
    // One ping in flight per session, however fast the heartbeats come.
    let client = state.clients.lock().unwrap_or_else(|e| e.into_inner()).get(&id.0).cloned();
    let Some(client) = client else { return };
    if client.pinging.swap(true, std::sync::atomic::Ordering::AcqRel) {
        return;
    }
    let proxy = state.communicator.proxy_from_data(p);
    let (state, connection) = (state.clone(), connection.clone());
    state.runtime.clone().spawn(Box::pin(async move {
        let failed = proxy.ice_ping().await.is_err();
        client.pinging.store(false, std::sync::atomic::Ordering::Release);
        if failed {
            connection.close(CloseMode::Forcefully);
            end(&state, |core| {
                core.destroy_session_if(id, generation, DestroyReason::ByServer)
                    .into_iter()
                    .collect()
            });
        }
    }));
}

/// `destroySession` / SessionControl `destroy`: `Ok` if there was a session.
pub(crate) fn destroy(state: &Arc<State>, id: ConnectionId, reason: DestroyReason) -> bool {
    let mut found = false;
    end(state, |core| {
        let gone: Vec<_> = core.destroy_session(id, reason).into_iter().collect();
        found = !gone.is_empty();
        gone
    });
    found
}

/// Like [`destroy`], only if the session is still the one of `generation`.
pub(crate) fn destroy_if(
    state: &Arc<State>,
    id: ConnectionId,
    generation: u64,
    reason: DestroyReason,
) {
    end(state, |core| core.destroy_session_if(id, generation, reason).into_iter().collect());
}

/// Destroys sessions unused for `Glacier2.SessionTimeout`, every quarter of it.
pub(crate) fn spawn_reaper(state: &Arc<State>, timeout: Duration) {
    let weak = Arc::downgrade(state);
    let runtime = state.runtime.clone();
    let period = crate::config::reaper_period(timeout);
    runtime.clone().spawn(Box::pin(async move {
        loop {
            runtime.sleep_until(runtime.now() + period).await;
            let Some(state) = weak.upgrade() else { return };
            if *state.shutdown.borrow() {
                return;
            }
            let now = state.now();
            end(&state, |core| core.handle_timeout(now));
        }
    }));
}

/// Stops the router once: sessions destroyed (session managers told), then adapters and
/// connections closed.
pub(crate) async fn shutdown(state: &Arc<State>) {
    state.shutdown.send_replace(true);
    // No new connection from here on; the sessions' connections close once their requests
    // in progress have replied.
    state.communicator.shutdown();
    if let Some(server) = state.metrics_server.get() {
        server.stop();
    }
    end(state, |core| if core.is_shutting_down() { Vec::new() } else { core.shutdown() });
    // Let the Session::destroy calls complete (for a while) before the connections close.
    let mut pending = state.pending_destroys.subscribe();
    let mut done = std::pin::pin!(pending.wait_for(|n| *n == 0));
    let mut deadline = state.runtime.sleep_until(state.now() + SHUTDOWN_WAIT);
    std::future::poll_fn(|cx| {
        if done.as_mut().poll(cx).is_ready() || deadline.as_mut().poll(cx).is_ready() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    state.communicator.destroy().await;
}
