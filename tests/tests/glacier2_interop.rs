//! The Rust client through ZeroC's Glacier2 router (`glacier2router`, Ice 3.7), on both
//! runtimes: session creation, routed calls to a ZeroC back-end (`tests/interop/lab_server.py`,
//! on Ice 3.7, and once on Ice 3.8 behind the same 3.7 router) and callbacks from the back-end
//! to a routed object adapter over the client's connection to the router.
//!
//! A missing `glacier2router` or ZeroC Python fails these tests unless
//! `ICE_INTEROP_ALLOW_SKIP=1` (see `ice_tests::peers::require_peer`).

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use ice_driver::glacier2::{self, CannotCreateSessionException, SessionRouter};
use ice_driver::ice_proto::value::DecodedException;
use ice_driver::{
    BoxFuture, Communicator, Current, DispatchError, DispatchResult, Encapsulation, OperationMode,
    Runtime, Servant,
};
use ice_tests::glacier2router::{router_binary, Glacier2Router, RouterKind};
use ice_tests::peers::IceVersion;

/// `Lab::Callback`: records every `notify(msg)`.
#[derive(Default)]
struct CallbackI {
    messages: Mutex<Vec<String>>,
}

impl Servant for CallbackI {
    fn ice_id(&self) -> &str {
        "::Lab::Callback"
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            match current.operation.as_str() {
                "notify" => {
                    let msg: String = params.decode()?;
                    self.messages.lock().unwrap().push(msg);
                    current.void()
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

async fn client_through_router(rt: Arc<dyn Runtime>, router_proxy: String, backend: u16) {
    let client = Communicator::with_properties(
        rt.clone(),
        properties(&[("Ice.Default.Router", &router_proxy)]),
    );
    let router = client.string_to_proxy(&router_proxy).unwrap();
    assert!(router.ice_get_router().is_none(), "the router proxy itself is never routed");
    let session = SessionRouter::new(&router);
    assert!(session.create_session("rust", "any").await.unwrap().is_none());
    // One session per connection: the second attempt is a Glacier2 user exception.
    let err = session.create_session("rust", "any").await.unwrap_err();
    match err.decode_user_exception(&glacier2::exceptions) {
        Some(Ok(DecodedException::Known(k))) => {
            assert!(k.exception.downcast_ref::<CannotCreateSessionException>().is_some())
        }
        other => panic!("expected CannotCreateSessionException, got {other:?}"),
    }
    assert!(glacier2::denied_reason(&err).is_some());

    let hello = client.string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {backend}")).unwrap();
    assert!(hello.ice_get_router().is_some(), "Ice.Default.Router applies");
    let greeting: String =
        hello.invoke_typed("sayHello", OperationMode::Normal, "Rust").await.unwrap();
    assert_eq!(greeting, "Hello, Rust!");
    let faceted: String = hello
        .ice_facet("admin-facet")
        .invoke_typed("sayHello", OperationMode::Normal, "Rust")
        .await
        .unwrap();
    assert_eq!(faceted, "Hello, Rust! [admin-facet]");
    // The routing table holds one proxy (see `run`): each identity evicts the other, and the
    // evicted identities `addProxies` returns make the client add them again.
    for _ in 0..3 {
        let ghost = hello.ice_identity(ice_driver::Identity::new("ghost"));
        assert!(matches!(
            ghost.ice_ping().await,
            Err(ice_driver::Error::ObjectNotExist { operation, .. }) if operation == "ice_ping"
        ));
        hello.ice_ping().await.unwrap();
    }
    // Routed requests share the router connection, which carries the session.
    let connection = hello.ice_get_connection().await.unwrap();
    assert_eq!(connection, router.ice_get_connection().await.unwrap());
    let router_port = router.ice_get_endpoints()[0].to_string();
    assert!(
        router_port.contains(&connection.remote_addr().unwrap().port().to_string()),
        "{router_port} vs {connection:?}"
    );
    // The same object without the router is reached directly, over another connection.
    let direct = hello.ice_router(None);
    assert_ne!(direct.ice_get_connection().await.unwrap(), connection);

    // Callbacks: the back-end calls the routed adapter's object through the router, which
    // forwards it over our connection.
    let adapter = client.create_object_adapter_with_router("Callbacks", &router).await.unwrap();
    let category = session.get_category_for_client().await.unwrap();
    assert!(!category.is_empty());
    assert_eq!(adapter.category(), category);
    adapter.activate().unwrap();
    let servant = Arc::new(CallbackI::default());
    let cb = adapter.add_with_uuid(servant.clone()).unwrap();
    assert_eq!(cb.ice_get_identity().category, category);
    let server = session.get_server_proxy().await.unwrap().unwrap();
    assert_eq!(cb.ice_get_endpoints(), server.ice_get_endpoints());
    for n in 1..=2 {
        hello
            .invoke("subscribe", OperationMode::Normal, cb.to_encapsulation().unwrap())
            .await
            .unwrap();
        assert_eq!(
            servant.messages.lock().unwrap().last().cloned(),
            Some(format!("callback #{n}"))
        );
    }
    assert_eq!(servant.messages.lock().unwrap().len(), 2);
    assert!(session.get_session_timeout().await.is_ok());

    session.destroy_session().await.unwrap();
    client.destroy().await;
}

/// A scenario for one runtime, as `on_tokio` / `on_async_std` run it.
type Scenario = Box<dyn FnOnce(Arc<dyn Runtime>) -> BoxFuture<'static, ()>>;

/// Runs the scenario with a back-end on ZeroC `version`'s Python, through ZeroC's Ice 3.7
/// router or ours: the same assertions hold for both.
fn run(on: fn(Scenario), version: IceVersion, kind: RouterKind) {
    let Some(python) = python_for(version) else { return };
    let Some(binary) = router_binary(kind) else { return };
    let router = Glacier2Router::start(&binary, &[("Glacier2.RoutingTable.MaxSize", "1")])
        .expect("start glacier2router");
    let backend = start_peer(&python, "lab_server.py", &[]);
    let (proxy, port) = (router.router_proxy(), backend.port());
    on(Box::new(move |rt| Box::pin(client_through_router(rt, proxy, port))));
    drop(backend);
}

#[test]
fn tokio_client_through_glacier2router() {
    run(on_tokio::<Scenario, _>, IceVersion::V37, RouterKind::ZeroC);
}

#[test]
fn async_std_client_through_glacier2router() {
    run(on_async_std::<Scenario, _>, IceVersion::V37, RouterKind::ZeroC);
}

#[test]
fn tokio_client_through_glacier2router_to_ice38_backend() {
    run(on_tokio::<Scenario, _>, IceVersion::V38, RouterKind::ZeroC);
}

#[test]
fn tokio_client_through_glacier() {
    run(on_tokio::<Scenario, _>, IceVersion::V37, RouterKind::Glacier);
}

#[test]
fn async_std_client_through_glacier() {
    run(on_async_std::<Scenario, _>, IceVersion::V37, RouterKind::Glacier);
}

#[test]
fn tokio_client_through_glacier_to_ice38_backend() {
    run(on_tokio::<Scenario, _>, IceVersion::V38, RouterKind::Glacier);
}

/// A password file made with `openssl passwd -6` (glibc SHA-512 crypt, what ZeroC's
/// `icehashpassword` makes on Linux) for `user` / `password`.
fn password_file(user: &str, password: &str) -> std::path::PathBuf {
    let out = std::process::Command::new("openssl")
        .args(["passwd", "-6", password])
        .output()
        .expect("run openssl passwd");
    assert!(out.status.success(), "openssl passwd failed");
    let hash = String::from_utf8(out.stdout).unwrap();
    let unique = ice_tests::glacier2router::free_port().unwrap();
    let path =
        std::env::temp_dir().join(format!("ice-rs-passwords-{}-{unique}", std::process::id()));
    std::fs::write(&path, format!("{user} {}\n", hash.trim())).unwrap();
    path
}

/// ZeroC's Python client (`tests/interop/glacier_client.py`) through a router to a ZeroC
/// back end: sessions with a crypt password file, routed calls, oneway ordering, callbacks.
fn python_client_through(kind: RouterKind, version: IceVersion) {
    let Some(python) = python_for(version) else { return };
    let Some(binary) = router_binary(kind) else { return };
    let passwords = password_file("userid", "abc123");
    let router = Glacier2Router::start(
        &binary,
        &[
            ("Glacier2.CryptPasswords", passwords.to_str().unwrap()),
            ("Glacier2.SessionTimeout", "30"),
        ],
    )
    .expect("start the router");
    let backend = start_peer(&python, "lab_server.py", &[]);
    let port = backend.port().to_string();
    let proxy = router.router_proxy();
    let out = python
        .run(
            "glacier_client.py",
            &[
                "--router",
                &proxy,
                "--backend-port",
                &port,
                "--user",
                "userid",
                "--password",
                "abc123",
                "--session-timeout",
                "30",
            ],
            std::time::Duration::from_secs(120),
        )
        .expect("run glacier_client.py");
    let _ = std::fs::remove_file(&passwords);
    assert!(out.status.success(), "{kind:?}: {:#?}", out.stdout);
    assert!(out.stdout.iter().any(|l| l == "OK destroy_session"), "{:#?}", out.stdout);
}

/// ZeroC's Python client stops the router through its admin `Process::shutdown` over ws, as
/// ZeroC's test harness stops routers: the reply arrives before the router exits, which must
/// wait for the admin connection's graceful close (glacier cut the reply off in about half
/// the runs, a ConnectionLostException for the caller); then the router closes the
/// connection. Several rounds, since the reply was a race.
fn python_stops_router_over_ws(kind: RouterKind) {
    let Some(python) = python_for(IceVersion::V37) else { return };
    let Some(binary) = router_binary(kind) else { return };
    for round in 0..12 {
        let port = ice_tests::glacier2router::free_port().unwrap();
        let admin = format!("ws -h 127.0.0.1 -p {port}");
        let mut router = Glacier2Router::start(
            &binary,
            &[("Ice.Admin.Endpoints", &admin), ("Ice.Admin.InstanceName", "Glacier2")],
        )
        .expect("start the router");
        let process = format!("Glacier2/admin -f Process:{admin}");
        let out = python
            .run("admin_shutdown.py", &["--process", &process], std::time::Duration::from_secs(60))
            .expect("run admin_shutdown.py");
        assert!(out.status.success(), "{kind:?}, round {round}: {:#?}", out.stdout);
        let status = router.wait().expect("wait for the router");
        assert!(status.success(), "{kind:?}, round {round}: {status}");
    }
}

/// ZeroC's Java client (Ice for Java 3.7, `tests/interop/java/GlacierClient.java`) through a
/// router to ZeroC's Python back end: a session, a routed call, a callback over its router
/// connection, then `Process::shutdown` on the router's admin object over ws, answered before
/// the router exits (ZeroC's Java Glacier2 suites stop the router that way; they lost that
/// reply over ws, wss and ssl in about half their runs until glacier waited for the admin
/// connection to close, which `python_stops_router_over_ws` catches more reliably than this).
fn java_client_through(kind: RouterKind) {
    let Some(java) = ice_tests::java::require_java() else { return };
    let Some(python) = python_for(IceVersion::V37) else { return };
    let Some(binary) = router_binary(kind) else { return };
    let backend = start_peer(&python, "lab_server.py", &[]);
    let backend_port = backend.port().to_string();
    for round in 0..3 {
        let admin =
            format!("ws -h 127.0.0.1 -p {}", ice_tests::glacier2router::free_port().unwrap());
        let mut router = Glacier2Router::start(
            &binary,
            &[("Ice.Admin.Endpoints", &admin), ("Ice.Admin.InstanceName", "Glacier2")],
        )
        .expect("start the router");
        let process = format!("Glacier2/admin -f Process:{admin}");
        let out = java
            .run(
                "GlacierClient",
                &[
                    "--router",
                    &router.router_proxy(),
                    "--backend-port",
                    &backend_port,
                    "--process",
                    &process,
                    "--Ice.Default.InvocationTimeout=30000",
                ],
                std::time::Duration::from_secs(120),
            )
            .expect("run the Java client");
        assert!(out.status.success(), "{kind:?}, round {round}: {:#?}", out.stdout);
        for step in ["create_session", "routed_call", "callback", "destroy_session", "shutdown"] {
            let line = format!("OK {step}");
            assert!(out.stdout.contains(&line), "{kind:?}: no {line:?} in {:#?}", out.stdout);
        }
        let status = router.wait().expect("wait for the router");
        assert!(status.success(), "{kind:?}, round {round}: {status}");
    }
}

#[test]
fn java_client_through_glacier2router() {
    java_client_through(RouterKind::ZeroC);
}

#[test]
fn java_client_through_glacier() {
    java_client_through(RouterKind::Glacier);
}

#[test]
fn zeroc_client_stops_glacier2router_over_ws() {
    python_stops_router_over_ws(RouterKind::ZeroC);
}

#[test]
fn zeroc_client_stops_glacier_over_ws() {
    python_stops_router_over_ws(RouterKind::Glacier);
}

#[test]
fn zeroc_client_through_glacier2router() {
    python_client_through(RouterKind::ZeroC, IceVersion::V37);
}

#[test]
fn zeroc_client_through_glacier() {
    python_client_through(RouterKind::Glacier, IceVersion::V37);
}

#[test]
fn zeroc_38_client_through_glacier() {
    python_client_through(RouterKind::Glacier, IceVersion::V38);
}

#[test]
fn zeroc_38_client_through_glacier2router() {
    python_client_through(RouterKind::ZeroC, IceVersion::V38);
}

/// ZeroC's Python 3.7 client idles on a router whose client connections have a 3 s ACM
/// timeout (`tests/interop/glacier_keepalive.py`): with `Glacier2.SessionTimeout=3`,
/// heartbeats keep its connection and session, as Glacier2.SessionHelper relies on; with
/// only `Glacier2.Client.ACM.Timeout=3` and no session timeout, silence loses both
/// (glacier2router closes idle client connections forcefully whatever the session timeout).
fn python_client_idles(kind: RouterKind, heartbeats: bool) {
    let Some(python) = python_for(IceVersion::V37) else { return };
    let Some(binary) = router_binary(kind) else { return };
    let timeout =
        if heartbeats { "Glacier2.SessionTimeout" } else { "Glacier2.Client.ACM.Timeout" };
    let router = Glacier2Router::start(&binary, &[(timeout, "3")]).expect("start the router");
    let backend = start_peer(&python, "lab_server.py", &[]);
    let port = backend.port().to_string();
    let proxy = router.router_proxy();
    let mode = if heartbeats { "--heartbeats" } else { "--silent" };
    let out = python
        .run(
            "glacier_keepalive.py",
            &["--router", &proxy, "--backend-port", &port, "--acm-timeout", "3", mode],
            std::time::Duration::from_secs(60),
        )
        .expect("run glacier_keepalive.py");
    assert!(out.status.success(), "{kind:?} {mode}: {:#?}", out.stdout);
    let last = if heartbeats { "OK idle_with_heartbeats" } else { "OK idle_without_heartbeats" };
    assert!(out.stdout.iter().any(|l| l == last), "{kind:?} {mode}: {:#?}", out.stdout);
}

#[test]
fn heartbeats_keep_an_idle_session_through_glacier2router() {
    python_client_idles(RouterKind::ZeroC, true);
}

#[test]
fn heartbeats_keep_an_idle_session_through_glacier() {
    python_client_idles(RouterKind::Glacier, true);
}

#[test]
fn a_silent_client_loses_its_session_through_glacier2router() {
    python_client_idles(RouterKind::ZeroC, false);
}

#[test]
fn a_silent_client_loses_its_session_through_glacier() {
    python_client_idles(RouterKind::Glacier, false);
}

/// Buffered forwarding with `Glacier2.Client.SleepTime`: oneways that wait in the queue with
/// the same `_ovrd` value replace each other, with ZeroC's router and ours.
async fn overrides(rt: Arc<dyn Runtime>, router_proxy: String, backend: u16) {
    let client = Communicator::with_properties(
        rt.clone(),
        properties(&[("Ice.Default.Router", &router_proxy)]),
    );
    let router = client.string_to_proxy(&router_proxy).unwrap();
    SessionRouter::new(&router).create_session("rust", "any").await.unwrap();
    let hello = client.string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {backend}")).unwrap();
    hello.invoke_typed::<_, ()>("resetCount", OperationMode::Normal, &()).await.unwrap();
    // The drain that forwarded resetCount now sleeps: these four wait, each replacing the last.
    let oneway = hello.ice_oneway().ice_context(context(&[("_ovrd", "tick")]));
    for _ in 0..4 {
        oneway.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    }
    // Queued after them, so answered once they were forwarded.
    let count: i32 = hello.invoke_typed("getCount", OperationMode::Idempotent, &()).await.unwrap();
    assert!((1..4).contains(&count), "{count} ticks arrived");
    client.destroy().await;
}

fn run_overrides(kind: RouterKind) {
    let Some(python) = python_for(IceVersion::V37) else { return };
    let Some(binary) = router_binary(kind) else { return };
    let router = Glacier2Router::start(
        &binary,
        &[("Glacier2.Client.Buffered", "1"), ("Glacier2.Client.SleepTime", "1000")],
    )
    .expect("start the router");
    let backend = start_peer(&python, "lab_server.py", &[]);
    let (proxy, port) = (router.router_proxy(), backend.port());
    on_tokio::<Scenario, _>(Box::new(move |rt| Box::pin(overrides(rt, proxy, port))));
}

#[test]
fn buffered_overrides_through_glacier2router() {
    run_overrides(RouterKind::ZeroC);
}

#[test]
fn buffered_overrides_through_glacier() {
    run_overrides(RouterKind::Glacier);
}

/// A remote permissions verifier and session manager written with ZeroC
/// (`tests/interop/glacier_auth_server.py`), through ZeroC's router and ours: every refusal
/// reaches the client with the same exception and reason, the client's context reaches the
/// verifier, and destroying the session tells the session manager's session.
async fn authentication(rt: Arc<dyn Runtime>, router_proxy: String, auth: u16) {
    let client = Communicator::with_properties(
        rt.clone(),
        properties(&[("Ice.Default.Router", &router_proxy)]),
    );
    let stats = client
        .string_to_proxy(&format!("stats:tcp -h 127.0.0.1 -p {auth}"))
        .unwrap()
        .ice_router(None);
    let router = client.string_to_proxy(&router_proxy).unwrap();
    let session = SessionRouter::new(&router);
    for (user, password, reason, denied) in [
        ("u", "bad", "bad password u", true),
        ("raise", "x", "no way", true),
        ("cannot", "okcannot", "nope", false),
        ("one", "okone", "internal server error", false),
    ] {
        let err = session.create_session(user, password).await.unwrap_err();
        assert_eq!(glacier2::denied_reason(&err).as_deref(), Some(reason), "{user}");
        let is_denied = matches!(
            err.decode_user_exception(&glacier2::exceptions),
            Some(Ok(DecodedException::Known(k)))
                if k.exception.downcast_ref::<glacier2::PermissionDeniedException>().is_some()
        );
        assert_eq!(is_denied, denied, "{user}");
    }
    let with_context = SessionRouter::new(&router.ice_context(context(&[("k", "v")])));
    let proxy = with_context.create_session("alice", "okalice").await.unwrap().expect("a session");
    let seen = |key: &'static str| {
        let stats = stats.clone();
        async move {
            stats.invoke_typed::<_, String>("sayHello", OperationMode::Normal, key).await.unwrap()
        }
    };
    assert_eq!(seen("k").await, "v");
    assert_eq!(seen("_con.type").await, "tcp");
    assert_eq!(seen("control").await, "control:True");
    // The session is reached through the router like any back-end object.
    proxy.ice_ping().await.unwrap();
    session.destroy_session().await.unwrap();
    let destroyed = || async {
        stats.invoke_typed::<_, i32>("getCount", OperationMode::Idempotent, &()).await.unwrap()
    };
    wait_until(&rt, "destroyed sessions", destroyed, 1).await;
    client.destroy().await;
}

fn run_authentication(kind: RouterKind) {
    let Some(python) = python_for(IceVersion::V37) else { return };
    let Some(binary) = router_binary(kind) else { return };
    let auth = start_peer(&python, "glacier_auth_server.py", &[]);
    let verifier = format!("verifier:tcp -h 127.0.0.1 -p {}", auth.port());
    let manager = format!("manager:tcp -h 127.0.0.1 -p {}", auth.port());
    let router = Glacier2Router::start(
        &binary,
        &[
            ("Glacier2.PermissionsVerifier", &verifier),
            ("Glacier2.SessionManager", &manager),
            ("Glacier2.AddConnectionContext", "1"),
        ],
    )
    .expect("start the router");
    let (proxy, port) = (router.router_proxy(), auth.port());
    on_tokio::<Scenario, _>(Box::new(move |rt| Box::pin(authentication(rt, proxy, port))));
}

#[test]
fn remote_verifier_and_session_manager_through_glacier2router() {
    run_authentication(RouterKind::ZeroC);
}

#[test]
fn remote_verifier_and_session_manager_through_glacier() {
    run_authentication(RouterKind::Glacier);
}
