//! Indirect proxies with a real IceGrid registry (ZeroC 3.7's `icegridregistry`, dynamic
//! registration): Rust servers register their adapters and are called through
//! `hello@Adapter` and well-known proxies by Rust and ZeroC clients; a Rust client resolves a
//! ZeroC server's adapter, survives its move to another port through the locator cache, and
//! spreads over a replica group of Rust and ZeroC servers. Each scenario runs on tokio and
//! async-std.

#[macro_use]
mod common;

use std::sync::Arc;

use common::*;
use ice_driver::{Communicator, Error, Identity, ObjectAdapter, OperationMode, Proxy, Runtime};
use ice_tests::glacier2router::RouterKind;
use ice_tests::icegrid::{require_icegrid, IceGridRegistry};
use ice_tests::peers::IceVersion;

/// The registry, or `None` under the missing-peer policy.
fn registry() -> Option<IceGridRegistry> {
    require_icegrid()?;
    Some(IceGridRegistry::start().expect("start icegridregistry"))
}

/// A Rust server whose adapter `Hello` has `adapter_id` (and `replica_group`, if any) and
/// registers with the registry.
async fn rust_server(
    rt: &Arc<dyn Runtime>,
    registry: &IceGridRegistry,
    adapter_id: &str,
    replica_group: Option<&str>,
) -> (Communicator, ObjectAdapter, Arc<HelloI>) {
    let locator = registry.locator();
    let mut pairs = vec![
        ("Ice.Default.Locator", locator.as_str()),
        ("Hello.Endpoints", "tcp -h 127.0.0.1"),
        ("Hello.AdapterId", adapter_id),
    ];
    if let Some(group) = replica_group {
        pairs.push(("Hello.ReplicaGroupId", group));
    }
    let communicator = Communicator::with_properties(rt.clone(), properties(&pairs));
    let adapter = communicator.create_object_adapter("Hello").unwrap();
    let hello = HelloI::new();
    adapter.add(Identity::new("hello"), hello.clone()).unwrap();
    adapter.activate_async().await.expect("activate and register");
    (communicator, adapter, hello)
}

fn client(rt: &Arc<dyn Runtime>, registry: &IceGridRegistry) -> Communicator {
    let locator = registry.locator();
    Communicator::with_properties(rt.clone(), properties(&[("Ice.Default.Locator", &locator)]))
}

async fn say_hello(p: &Proxy) -> Result<String, Error> {
    p.invoke_typed("sayHello", OperationMode::Normal, "grid").await
}

async fn zeroc_client_ok(registry: &IceGridRegistry, version: IceVersion, proxy: &str) {
    let Some(python) = python_for(version) else { return };
    let locator = format!("--Ice.Default.Locator={}", registry.locator());
    let out = run_peer(&python, "icegrid_client.py", &["--proxy", proxy, &locator]).await;
    assert!(out.status.success(), "ZeroC {version:?} client of {proxy}: {:?}", out.stdout);
    assert_eq!(out.stdout, vec!["OK resolved", "OK called"], "{version:?}");
}

/// A Rust server registers `HelloAdapter`; Rust and ZeroC clients call it as
/// `hello@HelloAdapter` and, once the object is added to the registry, as well-known `hello`.
/// Destroying the server unregisters the adapter.
async fn rust_server_is_found_through_icegrid(rt: Arc<dyn Runtime>) {
    let Some(registry) = registry() else { return };
    let (server, adapter, _hello) = rust_server(&rt, &registry, "HelloAdapter", None).await;
    let made = adapter.create_proxy(Identity::new("hello")).unwrap();
    assert_eq!(made.ice_get_adapter_id(), "HelloAdapter");
    assert!(made.ice_get_endpoints().is_empty());
    assert_eq!(made.to_string(), "hello -t -e 1.1 @ HelloAdapter");

    let client = client(&rt, &registry);
    let indirect = client.string_to_proxy("hello@HelloAdapter").unwrap();
    assert!(indirect.ice_get_locator().is_some());
    assert_eq!(say_hello(&indirect).await.unwrap(), "Hello, grid!");
    zeroc_client_ok(&registry, IceVersion::V37, "hello@HelloAdapter").await;
    zeroc_client_ok(&registry, IceVersion::V38, "hello@HelloAdapter").await;

    let adapters = registry.admin("adapter list").unwrap();
    assert!(adapters.lines().any(|l| l.trim() == "HelloAdapter"), "icegridadmin: {adapters}");
    registry.admin("object add 'hello@HelloAdapter' ::DriverTest::Hello").unwrap();
    let well_known = client.string_to_proxy("hello").unwrap();
    assert_eq!(say_hello(&well_known).await.unwrap(), "Hello, grid!");
    zeroc_client_ok(&registry, IceVersion::V37, "hello").await;

    // An adapter the registry never heard of.
    let nowhere = client.string_to_proxy("hello@NoSuchAdapter").unwrap();
    match nowhere.ice_ping().await {
        Err(Error::NotRegistered { kind, id }) => {
            assert_eq!((kind.as_str(), id.as_str()), ("object adapter", "NoSuchAdapter"))
        }
        other => panic!("{other:?}"),
    }
    let unknown = client.string_to_proxy("nobody").unwrap();
    assert!(matches!(unknown.ice_ping().await, Err(Error::NotRegistered { .. })));

    // Gone from the registry once the server is destroyed.
    server.destroy().await;
    let fresh = self::client(&rt, &registry);
    let after = fresh.string_to_proxy("hello@HelloAdapter").unwrap();
    assert!(matches!(after.ice_ping().await, Err(Error::NotRegistered { .. })), "unregistered");
    fresh.destroy().await;
    client.destroy().await;
}

/// A Rust client resolves a ZeroC server's adapter; when the server comes back on another
/// port, the cached endpoints fail to connect, the cache entry is dropped and the adapter
/// resolved again, without the caller seeing a failure.
async fn rust_client_follows_a_zeroc_server_through_the_cache(rt: Arc<dyn Runtime>) {
    let Some(registry) = registry() else { return };
    let Some(python) = python_for(IceVersion::V37) else { return };
    let locator = format!("--Ice.Default.Locator={}", registry.locator());
    let args = [locator.as_str(), "--Test.AdapterId=PyAdapter"];
    let first = start_peer(&python, "driver/server.py", &args);
    let client = client(&rt, &registry);
    let hello = client.string_to_proxy("hello@PyAdapter").unwrap();
    assert_eq!(say_hello(&hello).await.unwrap(), "Hello, grid!");
    let old_port = first.port();
    let old = hello.ice_get_connection().await.unwrap();
    drop(first);
    // Known to be gone before the next call, which must not use it.
    old.closed().await;
    let second = start_peer(&python, "driver/server.py", &args);
    assert_ne!(second.port(), old_port);
    // A new proxy: no cached connection, only the cached (now wrong) endpoints.
    let again = client.string_to_proxy("hello@PyAdapter").unwrap();
    assert_eq!(say_hello(&again).await.unwrap(), "Hello, grid!");
    let connection = again.ice_get_connection().await.unwrap();
    assert_eq!(connection.remote_addr().map(|a| a.port()), Some(second.port()));
    // A well-known object of the ZeroC server.
    registry.admin("object add 'hello@PyAdapter' ::DriverTest::Hello").unwrap();
    let well_known = client.string_to_proxy("hello").unwrap();
    assert_eq!(say_hello(&well_known).await.unwrap(), "Hello, grid!");
    // With no caching, every connection asks the registry.
    let uncached = again.ice_locator_cache_timeout(0).ice_connection_cached(false);
    assert_eq!(uncached.ice_get_locator_cache_timeout(), 0);
    assert_eq!(say_hello(&uncached).await.unwrap(), "Hello, grid!");
    client.destroy().await;
}

/// Two Rust servers and a ZeroC server join the replica group `ReplicatedHello`; a client
/// that chooses its connection per request spreads over all three.
async fn replica_group_of_rust_and_zeroc_servers(rt: Arc<dyn Runtime>) {
    let Some(registry) = registry() else { return };
    let Some(python) = python_for(IceVersion::V37) else { return };
    let group = Some("ReplicatedHello");
    let (a, adapter_a, hello_a) = rust_server(&rt, &registry, "HelloA", group).await;
    let (b, _, hello_b) = rust_server(&rt, &registry, "HelloB", group).await;
    assert_eq!(
        adapter_a.create_proxy(Identity::new("hello")).unwrap().ice_get_adapter_id(),
        "ReplicatedHello"
    );
    let locator = format!("--Ice.Default.Locator={}", registry.locator());
    let py = start_peer(
        &python,
        "driver/server.py",
        &[&locator, "--Test.AdapterId=HelloC", "--Test.ReplicaGroupId=ReplicatedHello"],
    );
    let client = client(&rt, &registry);
    let group = client
        .string_to_proxy("hello@ReplicatedHello")
        .unwrap()
        .ice_connection_cached(false)
        .ice_locator_cache_timeout(0);
    const CALLS: i32 = 90;
    for _ in 0..CALLS {
        group.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    }
    let count = |h: &HelloI| h.count.load(std::sync::atomic::Ordering::SeqCst);
    let py_hello =
        client.string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {}", py.port())).unwrap();
    let py_count: i32 =
        py_hello.invoke_typed("getCount", OperationMode::Idempotent, &()).await.unwrap();
    let counts = (count(&hello_a), count(&hello_b), py_count);
    assert_eq!(counts.0 + counts.1 + counts.2, CALLS, "{counts:?}");
    // Each replica missing all 90 calls has a probability of (2/3)^90.
    assert!(counts.0 > 0 && counts.1 > 0 && counts.2 > 0, "{counts:?}");
    // ZeroC's client spreads over the same group too.
    zeroc_client_ok(&registry, IceVersion::V37, "hello@ReplicatedHello").await;
    client.destroy().await;
    a.destroy().await;
    b.destroy().await;
    drop(py);
}

/// Our router with IceGrid's Glacier2 session manager (`Glacier2.SessionManager=
/// TestGrid/SessionManager`, a well-known object resolved through the router's locator): the
/// session is IceGrid's, and the filters IceGrid sets through SessionControl while creating it
/// (`IceGrid.Registry.SessionFilters=1`: the session and `TestGrid/Query` only) are enforced.
async fn glacier_with_icegrid_session_manager(rt: Arc<dyn Runtime>) {
    let Some(registry) = registry() else { return };
    let locator = registry.locator();
    let router = glacier::Glacier::start(
        rt.clone(),
        properties(&[
            ("Glacier2.Client.Endpoints", "tcp -h 127.0.0.1 -p 0"),
            ("Glacier2.Server.Endpoints", "tcp -h 127.0.0.1 -p 0"),
            ("Glacier2.PermissionsVerifier", "Glacier2/NullPermissionsVerifier"),
            ("Glacier2.SessionManager", "TestGrid/SessionManager"),
            ("Ice.Default.Locator", &locator),
        ]),
    )
    .await
    .expect("start the router");
    let client = Communicator::with_properties(
        rt.clone(),
        properties(&[("Ice.Default.Router", &router.router_proxy().to_string())]),
    );
    let session_router = ice_driver::glacier2::SessionRouter::new(
        &client.string_to_proxy(&router.router_proxy().to_string()).unwrap(),
    );
    let session = session_router.create_session("alice", "any").await.unwrap().expect("session");
    assert!(session.ice_is_a("::IceGrid::Session").await.unwrap());
    session.invoke_typed::<_, ()>("keepAlive", OperationMode::Idempotent, &()).await.unwrap();
    // The registry's endpoints, as the client would get them from its administrator.
    let query = client
        .string_to_proxy(&format!("TestGrid/Query:tcp -h 127.0.0.1 -p {}", registry.port))
        .unwrap();
    query.ice_ping().await.unwrap();
    let locator_proxy = client.string_to_proxy(&locator).unwrap();
    assert!(
        matches!(locator_proxy.ice_ping().await, Err(Error::ObjectNotExist { .. })),
        "not in the session's identity filter"
    );
    session_router.destroy_session().await.unwrap();
    client.destroy().await;
    router.shutdown().await;
}

/// A replica of `ReplicatedHello` goes away while a client calls the group: later calls go to
/// the others, and no `Normal` request is lost or run twice (the replicas' counts add up to
/// exactly the calls made).
async fn replica_leaves_mid_run(rt: Arc<dyn Runtime>) {
    let Some(registry) = registry() else { return };
    let group = Some("ReplicatedHello");
    let (a, _, hello_a) = rust_server(&rt, &registry, "HelloA", group).await;
    let (b, _, hello_b) = rust_server(&rt, &registry, "HelloB", group).await;
    let (c, _, hello_c) = rust_server(&rt, &registry, "HelloC", group).await;
    let client = client(&rt, &registry);
    let proxy = client
        .string_to_proxy("hello@ReplicatedHello")
        .unwrap()
        .ice_connection_cached(false)
        .ice_locator_cache_timeout(0);
    const CALLS: usize = 150;
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let calls = {
        let (proxy, done) = (proxy.clone(), done.clone());
        spawn(&rt, async move {
            for _ in 0..CALLS {
                proxy.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await?;
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            Ok::<_, Error>(())
        })
    };
    let count = |h: &HelloI| h.count.load(std::sync::atomic::Ordering::SeqCst);
    wait_until(
        &rt,
        "calls",
        || async { done.load(std::sync::atomic::Ordering::SeqCst).min(50) },
        50,
    )
    .await;
    a.destroy().await;
    let at_departure = count(&hello_a);
    calls.await.unwrap().expect("every call succeeds");
    assert_eq!(count(&hello_a), at_departure, "nothing reached the departed replica after it left");
    let total = count(&hello_a) + count(&hello_b) + count(&hello_c);
    assert_eq!(total as usize, CALLS, "each Normal call ran exactly once");
    client.destroy().await;
    b.destroy().await;
    c.destroy().await;
}

/// A Glacier2 client reaches a back end registered with IceGrid through our router, which
/// resolves `hello@HelloAdapter` with its own `Ice.Default.Locator`.
async fn glacier_client_reaches_an_icegrid_back_end(rt: Arc<dyn Runtime>) {
    let Some(registry) = registry() else { return };
    let (server, _, hello) = rust_server(&rt, &registry, "HelloAdapter", None).await;
    let locator = registry.locator();
    let router = glacier::Glacier::start(
        rt.clone(),
        properties(&[
            ("Glacier2.Client.Endpoints", "tcp -h 127.0.0.1 -p 0"),
            ("Glacier2.PermissionsVerifier", "Glacier2/NullPermissionsVerifier"),
            ("Ice.Default.Locator", &locator),
        ]),
    )
    .await
    .expect("start the router");
    let router_proxy = router.router_proxy().to_string();
    let client = Communicator::with_properties(
        rt.clone(),
        properties(&[("Ice.Default.Router", &router_proxy)]),
    );
    let session =
        ice_driver::glacier2::SessionRouter::new(&client.string_to_proxy(&router_proxy).unwrap());
    session.create_session("bob", "any").await.unwrap();
    let indirect = client.string_to_proxy("hello@HelloAdapter").unwrap();
    assert_eq!(say_hello(&indirect).await.unwrap(), "Hello, grid!");
    indirect.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    assert_eq!(hello.count.load(std::sync::atomic::Ordering::SeqCst), 1);
    client.destroy().await;
    router.shutdown().await;
    server.destroy().await;
}

/// Routers deployed on an IceGrid node and started by it, as IceGrid users run
/// glacier2router: `glacier` on each runtime, and ZeroC's glacier2router beside them. The
/// node calls a server active only once it registered its admin `Process` facet
/// (`Ice.Admin.ServerId`, which the node sets), reaches its `Properties` facet for
/// `server properties` and its `Logger` facet for `server show log`, and stops it through
/// `Process::shutdown`.
async fn routers_started_by_an_icegrid_node(rt: Arc<dyn Runtime>) {
    let Some(()) = require_icegrid() else { return };
    let Some(zeroc) = ice_tests::glacier2router::router_binary(RouterKind::ZeroC) else { return };
    let glacier = ice_tests::glacier2router::glacier_binary();
    let grid = IceGridRegistry::start_with_node().expect("start icegridnode");
    let routers = [
        ("glacier-tokio", glacier.display().to_string(), "tokio"),
        ("glacier-async-std", glacier.display().to_string(), "async-std"),
        ("glacier2router", zeroc.display().to_string(), ""),
    ];
    let user = server_user();
    let mut servers = String::new();
    let mut ports = Vec::new();
    for (id, exe, runtime) in &routers {
        let port = ice_tests::glacier2router::free_port().unwrap();
        ports.push(port);
        let options = if runtime.is_empty() {
            String::new()
        } else {
            format!("<option>--runtime</option><option>{runtime}</option>")
        };
        servers.push_str(&format!(
            r#"<server id="{id}" exe="{exe}" {user} activation="manual" activation-timeout="30">
                 {options}
                 <property name="Glacier2.InstanceName" value="{id}"/>
                 <property name="Glacier2.Client.Endpoints" value="tcp -h 127.0.0.1 -p {port}"/>
                 <property name="Glacier2.Server.Endpoints" value="tcp -h 127.0.0.1"/>
                 <property name="Glacier2.PermissionsVerifier" value="{id}/NullPermissionsVerifier"/>
                 <property name="Glacier2.Trace.Session" value="1"/>
               </server>"#
        ));
    }
    grid.deploy(&format!(
        r#"<icegrid><application name="Routers"><node name="node1">{servers}</node></application></icegrid>"#
    ))
    .unwrap();
    for ((id, _, _), port) in routers.iter().zip(ports) {
        // `server start` returns once the node calls the server active, and fails if its
        // activation timed out.
        grid.admin(&format!("server start {id}")).unwrap_or_else(|e| panic!("{id}: {e}"));
        let state = grid.admin(&format!("server state {id}")).unwrap();
        assert!(state.starts_with("active"), "{id}: {state}");
        let listed = grid.admin(&format!("server properties {id}")).unwrap();
        assert!(listed.contains(&format!("Glacier2.InstanceName={id}")), "{id}: {listed}");

        let router_proxy = format!("{id}/router:tcp -h 127.0.0.1 -p {port}");
        let client = Communicator::with_properties(
            rt.clone(),
            properties(&[("Ice.Default.Router", &router_proxy)]),
        );
        let session = ice_driver::glacier2::SessionRouter::new(
            &client.string_to_proxy(&router_proxy).unwrap(),
        );
        session.create_session("carol", "any").await.unwrap();
        // The admin `Logger` facet keeps the session trace (`server show log`).
        let log = grid.admin(&format!("server show {id} log")).unwrap();
        assert!(log.contains("created session") && log.contains("carol"), "{id}: {log}");
        session.destroy_session().await.unwrap();
        client.destroy().await;

        grid.admin(&format!("server stop {id}")).unwrap_or_else(|e| panic!("{id}: {e}"));
        let state = grid.admin(&format!("server state {id}")).unwrap();
        assert!(state.starts_with("inactive"), "{id}: {state}");
    }
}

/// `root` for the servers of a node run by root: it starts them as `nobody` otherwise, and
/// `nobody` may not reach a build directory under root's home.
fn server_user() -> &'static str {
    let uid = std::process::Command::new("id").arg("-u").output().unwrap().stdout;
    if uid.trim_ascii() == b"0" {
        r#"user="root""#
    } else {
        ""
    }
}

/// A Rust server deployed on an IceGrid node (`tests/src/bin/icegrid_server.rs`) and
/// activated on demand: the first call to `hello@RustHelloAdapter` makes the node start it;
/// it registers its adapter and its admin `Process` facet (`Ice.Admin.ServerId`), so the
/// node calls it active, reads its properties through the `Properties` facet and stops it
/// through `Process::shutdown`.
async fn rust_server_started_by_an_icegrid_node(rt: Arc<dyn Runtime>) {
    let Some(()) = require_icegrid() else { return };
    let exe = env!("CARGO_BIN_EXE_icegrid_server");
    let grid = IceGridRegistry::start_with_node().expect("start icegridnode");
    grid.deploy(&format!(
        r#"<icegrid><application name="Rust"><node name="node1">
             <server id="RustHello" exe="{}" {} activation="on-demand" activation-timeout="30">
               <adapter name="Hello" endpoints="tcp -h 127.0.0.1" id="RustHelloAdapter"/>
             </server>
           </node></application></icegrid>"#,
        exe,
        server_user()
    ))
    .unwrap();
    let client = Communicator::with_properties(
        rt.clone(),
        properties(&[("Ice.Default.Locator", &grid.locator())]),
    );
    let hello = client.string_to_proxy("hello@RustHelloAdapter").unwrap();
    hello.invoke_typed::<_, ()>("sayHello", OperationMode::Normal, &()).await.unwrap();
    let state = grid.admin("server state RustHello").unwrap();
    assert!(state.starts_with("active"), "{state}");
    let listed = grid.admin("server properties RustHello").unwrap();
    assert!(listed.contains("Hello.AdapterId=RustHelloAdapter"), "{listed}");
    assert!(listed.contains("Ice.Admin.ServerId=RustHello"), "{listed}");
    grid.admin("server stop RustHello").unwrap();
    let state = grid.admin("server state RustHello").unwrap();
    assert!(state.starts_with("inactive"), "{state}");
    client.destroy().await;
}

on_both_runtimes!(
    rust_server_started_by_an_icegrid_node,
    routers_started_by_an_icegrid_node,
    replica_leaves_mid_run,
    glacier_client_reaches_an_icegrid_back_end,
    glacier_with_icegrid_session_manager,
    rust_server_is_found_through_icegrid,
    rust_client_follows_a_zeroc_server_through_the_cache,
    replica_group_of_rust_and_zeroc_servers,
);
