//! Our router (`glacier`, in-process) between a Rust client and a Rust back end, on both
//! runtimes: sessions, routed calls of every kind, callbacks over the client's connection,
//! contexts, routing-table eviction, and hostile or careless clients. The router's own
//! counters prove that gone clients leave nothing behind.

#[macro_use]
mod common;

use std::future::Future as _;
use std::io::{Read as _, Write as _};
use std::sync::Arc;

use common::*;
use ice_driver::glacier2::SessionRouter;
use ice_driver::{
    BoxFuture, Communicator, Current, DispatchError, DispatchResult, Encapsulation, Error,
    Identity, OperationMode, Proxy, Runtime, Servant,
};

/// Starts a router on loopback (any ports) with the null verifier and `extra` properties.
async fn start_router(rt: &Arc<dyn Runtime>, extra: &[(&str, &str)]) -> glacier::Glacier {
    let mut pairs = vec![
        ("Glacier2.Client.Endpoints", "tcp -h 127.0.0.1 -p 0"),
        ("Glacier2.Server.Endpoints", "tcp -h 127.0.0.1 -p 0"),
        ("Glacier2.PermissionsVerifier", "Glacier2/NullPermissionsVerifier"),
    ];
    pairs.extend_from_slice(extra);
    glacier::Glacier::start(rt.clone(), properties(&pairs)).await.expect("start the router")
}

/// `caller.callback(receiver, msg)`: calls `notify(msg)` on `receiver` (a proxy, through the
/// router's server endpoints) and returns its answer; its user exceptions are passed on.
struct CallerI {
    communicator: Communicator,
}

impl Servant for CallerI {
    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            let (receiver, msg): (Option<ice_driver::ProxyData>, String) = params.decode()?;
            let receiver =
                self.communicator.proxy_from_data(receiver.ok_or(DispatchError::ObjectNotExist)?);
            let oneway = current.operation == "callbackOneway";
            let target = if oneway { receiver.ice_oneway() } else { receiver };
            match target.invoke_typed::<_, String>("notify", OperationMode::Normal, &msg).await {
                Ok(answer) => current.ok(&answer),
                Err(Error::UserException(e)) => Err(DispatchError::UserException(e)),
                Err(Error::ObjectNotExist { .. }) => Err(DispatchError::ObjectNotExist),
                Err(e) => Err(DispatchError::UnknownLocal(e.to_string())),
            }
        })
    }
}

/// A client's callback object: answers `notify(msg)` with `"cb:<msg>"`, raises Boom for
/// `"boom"`.
struct CallbackI;

impl Servant for CallbackI {
    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            let msg: String = params.decode()?;
            if msg == "boom" {
                return Err(DispatchError::user(
                    &Boom { code: 42, reason: "from the client".into() },
                    current,
                ));
            }
            current.ok(&format!("cb:{msg}"))
        })
    }
}

struct Backend {
    communicator: Communicator,
    port: u16,
    hello: Arc<HelloI>,
}

async fn start_backend(rt: &Arc<dyn Runtime>) -> Backend {
    let communicator = Communicator::new(rt.clone());
    let adapter = communicator
        .create_object_adapter_with_endpoints("Backend", "tcp -h 127.0.0.1 -p 0")
        .unwrap();
    let hello = HelloI::new();
    adapter.add(Identity::new("hello"), hello.clone()).unwrap();
    adapter.add_facet(Identity::new("hello"), "f", hello.clone()).unwrap();
    adapter
        .add(Identity::new("caller"), Arc::new(CallerI { communicator: communicator.clone() }))
        .unwrap();
    adapter.activate().unwrap();
    let port = match &adapter.endpoints()[0] {
        ice_driver::Endpoint::Tcp(ip) => ip.port,
        other => panic!("{other}"),
    };
    Backend { communicator, port, hello }
}

/// A client communicator routed through `router`, and its session router.
fn client(
    rt: &Arc<dyn Runtime>,
    router: &glacier::Glacier,
    extra: &[(&str, &str)],
) -> (Communicator, SessionRouter) {
    let router_proxy = router.router_proxy().to_string();
    let mut pairs = vec![("Ice.Default.Router", router_proxy.as_str())];
    pairs.extend_from_slice(extra);
    let communicator = Communicator::with_properties(rt.clone(), properties(&pairs));
    let session = SessionRouter::new(&communicator.string_to_proxy(&router_proxy).unwrap());
    (communicator, session)
}

fn proxy(c: &Communicator, name: &str, port: u16) -> Proxy {
    c.string_to_proxy(&format!("{name}:tcp -h 127.0.0.1 -p {port}")).unwrap()
}

async fn say_hello(hello: &Proxy) -> Result<String, Error> {
    hello.invoke_typed("sayHello", OperationMode::Normal, "Rust").await
}

async fn routed_calls_callbacks_and_errors(rt: Arc<dyn Runtime>) {
    let router = start_router(&rt, &[]).await;
    let backend = start_backend(&rt).await;
    let (client, session) = client(&rt, &router, &[]);
    let hello = proxy(&client, "hello", backend.port);

    // No session yet: the router aborts the connection.
    assert!(matches!(hello.ice_ping().await, Err(Error::ConnectionLost)), "no session");
    assert!(session.create_session("user", "pw").await.unwrap().is_none());
    assert_eq!(router.stats().sessions, 1);

    assert_eq!(say_hello(&hello).await.unwrap(), "Hello, Rust!");
    assert_eq!(say_hello(&hello.ice_facet("f")).await.unwrap(), "Hello, Rust! [f]");
    let err = hello
        .invoke_typed::<_, ()>("fail", OperationMode::Normal, &(7, "seven"))
        .await
        .unwrap_err();
    assert_eq!(expect_boom(&err), (7, "seven".to_owned()), "user exceptions pass untouched");
    let ghost = hello.ice_identity(Identity::new("ghost"));
    assert!(
        matches!(ghost.ice_ping().await, Err(Error::ObjectNotExist { operation, .. }) if operation == "ice_ping")
    );
    // A proxy pointing back at the router's own client endpoint neither loops nor hangs.
    let own = router.client_endpoints()[0].to_string();
    let collocated = client.string_to_proxy(&format!("collocated:{own}")).unwrap();
    assert!(matches!(collocated.ice_ping().await, Err(Error::ObjectNotExist { .. })));
    // The client's context is not forwarded by default.
    let ctx = hello.ice_context(context(&[("k", "v")]));
    let seen: ice_driver::Context =
        ctx.invoke_typed("getContext", OperationMode::Idempotent, &()).await.unwrap();
    assert!(seen.is_empty(), "{seen:?}");

    // Oneways keep their order through the router: a twoway after them sees them all.
    let oneway = hello.ice_oneway();
    for _ in 0..500 {
        oneway
            .invoke("tick", OperationMode::Normal, Encapsulation::empty(Default::default()))
            .await
            .unwrap();
    }
    let count: i32 = hello.invoke_typed("getCount", OperationMode::Idempotent, &()).await.unwrap();
    assert_eq!(count, 500, "oneways then a twoway, in order");

    // Callbacks: the back end calls the client's object through the router's server endpoints.
    let router_prx = client.string_to_proxy(&router.router_proxy().to_string()).unwrap();
    let adapter = client.create_object_adapter_with_router("Callbacks", &router_prx).await.unwrap();
    adapter.activate().unwrap();
    let cb = adapter.add_with_uuid(Arc::new(CallbackI)).unwrap();
    assert_eq!(cb.ice_get_endpoints(), router.server_endpoints().as_slice());
    let caller = proxy(&client, "caller", backend.port);
    let answer: String = caller
        .invoke_typed("callback", OperationMode::Normal, &(Some(cb.data().clone()), "hi"))
        .await
        .unwrap();
    assert_eq!(answer, "cb:hi");
    // A user exception raised by the client's callback goes back to the back end and, relayed
    // by it, to the client: members intact across four hops.
    let err = caller
        .invoke_typed::<_, String>(
            "callback",
            OperationMode::Normal,
            &(Some(cb.data().clone()), "boom"),
        )
        .await
        .unwrap_err();
    assert_eq!(expect_boom(&err), (42, "from the client".to_owned()));
    // A category no session owns: ObjectNotExist at the back end.
    let stranger = cb.ice_identity(Identity::with_category("dummy", "cb"));
    let err = caller
        .invoke_typed::<_, String>(
            "callback",
            OperationMode::Normal,
            &(Some(stranger.data().clone()), "x"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ObjectNotExist { .. }), "{err:?}");
    // Three concurrent twoway callbacks are not serialised.
    let calls = (0..3).map(|i| {
        let (caller, cb) = (caller.clone(), cb.clone());
        async move {
            caller
                .invoke_typed::<_, String>(
                    "callback",
                    OperationMode::Normal,
                    &(Some(cb.data().clone()), format!("{i}")),
                )
                .await
        }
    });
    for (i, r) in futures_join(calls).await.into_iter().enumerate() {
        assert_eq!(r.unwrap(), format!("cb:{i}"));
    }

    assert!(router.stats().routing_table_entries >= 2);
    session.destroy_session().await.unwrap();
    assert_eq!(router.stats().sessions, 0);
    assert_eq!(router.stats().routing_table_entries, 0);
    // The connection stays open (Ice 3.7), but has no session any more.
    assert!(matches!(hello.ice_ping().await, Err(Error::ConnectionLost)));
    client.destroy().await;
    backend.communicator.destroy().await;
    router.shutdown().await;
}

/// Runs futures concurrently and returns their outputs in order.
async fn futures_join<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (f, out) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if out.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *out = Some(v),
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("completed")).collect()
}

async fn contexts_are_forwarded_when_configured(rt: Arc<dyn Runtime>) {
    let router = start_router(
        &rt,
        &[("Glacier2.Client.ForwardContext", "1"), ("Glacier2.AddConnectionContext", "1")],
    )
    .await;
    let backend = start_backend(&rt).await;
    let (client, session) = client(&rt, &router, &[]);
    session.create_session("user", "pw").await.unwrap();
    let hello = proxy(&client, "hello", backend.port).ice_context(context(&[("k", "v")]));
    let seen: ice_driver::Context =
        hello.invoke_typed("getContext", OperationMode::Idempotent, &()).await.unwrap();
    assert_eq!(seen.get("k").map(String::as_str), Some("v"));
    assert_eq!(seen.get("_con.type").map(String::as_str), Some("tcp"));
    assert_eq!(seen.get("_con.remoteAddress").map(String::as_str), Some("127.0.0.1"));
    let local_port = match &router.client_endpoints()[0] {
        ice_driver::Endpoint::Tcp(ip) => ip.port.to_string(),
        other => panic!("{other}"),
    };
    assert_eq!(seen.get("_con.localPort"), Some(&local_port));
    client.destroy().await;
    backend.communicator.destroy().await;
    router.shutdown().await;
}

async fn eviction_and_re_add(rt: Arc<dyn Runtime>) {
    let router = start_router(&rt, &[("Glacier2.RoutingTable.MaxSize", "2")]).await;
    let backend = start_backend(&rt).await;
    let (client, session) = client(&rt, &router, &[("Ice.RetryIntervals", "-1")]);
    session.create_session("user", "pw").await.unwrap();
    // Five identities of one servant (a default servant would do; here one identity per
    // call of the same object is enough: `hello` with facets shares the identity, so use
    // distinct identities that the back end does not have and expect ObjectNotExist from it).
    let names = ["a", "b", "c", "hello"];
    for round in 0..5 {
        for name in names {
            let p = proxy(&client, name, backend.port);
            let r = p.ice_ping().await;
            if name == "hello" {
                r.unwrap_or_else(|e| panic!("round {round}: {e}"));
            } else {
                // The back end's own ObjectNotExist (operation ice_ping), not the router's.
                assert!(
                    matches!(r, Err(Error::ObjectNotExist { ref operation, .. }) if operation == "ice_ping"),
                    "{r:?}"
                );
            }
            assert!(router.stats().routing_table_entries <= 2);
        }
    }
    client.destroy().await;
    backend.communicator.destroy().await;
    router.shutdown().await;
}

async fn hostile_and_gone_clients_leave_nothing_behind(rt: Arc<dyn Runtime>) {
    let router = start_router(&rt, &[]).await;
    let backend = start_backend(&rt).await;
    let addr = match &router.client_endpoints()[0] {
        ice_driver::Endpoint::Tcp(ip) => format!("127.0.0.1:{}", ip.port),
        other => panic!("{other}"),
    };
    // Garbage, an oversized message and a truncated one, each on its own raw socket: the
    // router closes each connection (read returns EOF or an error) and stays up.
    let bad: Vec<Vec<u8>> = vec![
        b"GET / HTTP/1.1\r\n\r\n".to_vec(),
        vec![b'I', b'c', b'e', b'P', 1, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f],
        vec![b'I', b'c', b'e', b'P', 1, 0, 1, 0, 0, 0, 100, 0, 0, 0, 1, 2, 3],
    ];
    let handles: Vec<_> = bad
        .into_iter()
        .map(|bytes| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut s = std::net::TcpStream::connect(&addr).unwrap();
                s.set_read_timeout(Some(std::time::Duration::from_secs(90))).unwrap();
                let _ = s.write_all(&bytes);
                if bytes.len() == 17 {
                    // Truncated: say no more, and close our side.
                    let _ = s.shutdown(std::net::Shutdown::Write);
                }
                let mut buf = [0u8; 1024];
                let mut total = 0;
                loop {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => return total,
                        Ok(n) => total += n,
                    }
                }
            })
        })
        .collect();
    // Meanwhile 1000 clients create sessions, call, and go away without destroying them.
    for batch in 0..10 {
        let clients: Vec<_> = (0..100)
            .map(|i| {
                let (c, s) = client(&rt, &router, &[]);
                let hello = proxy(&c, "hello", backend.port);
                async move {
                    s.create_session(&format!("u{batch}-{i}"), "pw").await.unwrap();
                    assert_eq!(say_hello(&hello).await.unwrap(), "Hello, Rust!");
                    c.destroy().await;
                }
            })
            .collect();
        futures_join(clients.into_iter()).await;
    }
    for h in handles {
        // The router wrote its ValidateConnection, then closed.
        let written = h.join().unwrap();
        assert!(written <= 14, "{written}");
    }
    let no_session = || async { router.stats().sessions == 0 };
    wait_until(&rt, "no session left", no_session, true).await;
    let s = router.stats();
    assert_eq!((s.sessions, s.routing_table_entries, s.session_connections), (0, 0, 0));
    // Still serving.
    let (c, session) = client(&rt, &router, &[]);
    session.create_session("last", "pw").await.unwrap();
    assert_eq!(say_hello(&proxy(&c, "hello", backend.port)).await.unwrap(), "Hello, Rust!");
    c.destroy().await;
    backend.communicator.destroy().await;
    router.shutdown().await;
}

async fn session_timeout_expires_idle_sessions(rt: Arc<dyn Runtime>) {
    let router = start_router(&rt, &[("Glacier2.SessionTimeout", "1")]).await;
    let backend = start_backend(&rt).await;
    // The client heartbeats off: nothing refreshes the session.
    let (client, session) = client(&rt, &router, &[("Ice.ACM.Client.Heartbeat", "0")]);
    session.create_session("user", "pw").await.unwrap();
    assert_eq!(session.get_session_timeout().await.unwrap(), 1);
    let hello = proxy(&client, "hello", backend.port);
    assert_eq!(say_hello(&hello).await.unwrap(), "Hello, Rust!");
    let no_session = || async { router.stats().sessions == 0 };
    wait_until(&rt, "no session left", no_session, true).await;
    client.destroy().await;
    backend.communicator.destroy().await;
    router.shutdown().await;
}

/// A client's callback object that never answers.
struct StuckI;

impl Servant for StuckI {
    fn dispatch<'a>(
        &'a self,
        _current: &'a Current,
        _params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(std::future::pending())
    }
}

async fn a_stuck_client_does_not_hold_up_others(rt: Arc<dyn Runtime>) {
    let router = start_router(&rt, &[]).await;
    let backend = start_backend(&rt).await;
    let router_proxy = router.router_proxy().to_string();
    let mut receivers = Vec::new();
    let mut clients = Vec::new();
    for servant in [Arc::new(StuckI) as Arc<dyn Servant>, Arc::new(CallbackI)] {
        let (c, session) = client(&rt, &router, &[]);
        session.create_session("user", "pw").await.unwrap();
        let r = c.string_to_proxy(&router_proxy).unwrap();
        let adapter = c.create_object_adapter_with_router("Callbacks", &r).await.unwrap();
        adapter.activate().unwrap();
        receivers.push(adapter.add_with_uuid(servant).unwrap());
        clients.push(c);
    }
    let caller = proxy(&clients[1], "caller", backend.port);
    // 200 callbacks to the stuck client at once, from the back end's one connection.
    let stuck = receivers[0].data().clone();
    let calls: Vec<_> = (0..200)
        .map(|_| {
            let caller = caller.clone();
            let stuck = stuck.clone();
            async move {
                caller
                    .invoke_typed::<_, String>(
                        "callback",
                        OperationMode::Normal,
                        &(Some(stuck), "x"),
                    )
                    .await
            }
        })
        .collect();
    let mut calls: Vec<_> = calls.into_iter().map(Box::pin).collect();
    // The callbacks beyond the client's bound fail at once, with the router's reason.
    let mut failed = 0;
    while failed < 200 - 64 {
        let (r, i) = std::future::poll_fn(|cx| {
            for (i, f) in calls.iter_mut().enumerate() {
                if let std::task::Poll::Ready(r) = f.as_mut().poll(cx) {
                    return std::task::Poll::Ready((r, i));
                }
            }
            std::task::Poll::Pending
        })
        .await;
        drop(calls.remove(i));
        let err = r.unwrap_err();
        assert!(err.to_string().contains("too many callbacks in flight"), "{err}");
        failed += 1;
    }
    // Meanwhile the other client's callbacks go through the same back-end connection.
    let ok = receivers[1].data().clone();
    for _ in 0..3 {
        let answer: String = caller
            .invoke_typed("callback", OperationMode::Normal, &(Some(ok.clone()), "hi"))
            .await
            .unwrap();
        assert_eq!(answer, "cb:hi");
    }
    // The stuck client goes away: its 64 callbacks fail, and the router keeps nothing of it.
    let stuck_client = clients.remove(0);
    let r = stuck_client.string_to_proxy(&router_proxy).unwrap();
    r.ice_get_connection().await.unwrap().close(ice_driver::CloseMode::Forcefully);
    stuck_client.destroy().await;
    for f in calls {
        assert!(f.await.is_err());
    }
    let one_session = || async { router.stats().sessions == 1 };
    wait_until(&rt, "one session left", one_session, true).await;
    for c in clients {
        c.destroy().await;
    }
    backend.communicator.destroy().await;
    router.shutdown().await;
}

async fn a_request_that_may_have_reached_the_back_end_is_never_sent_twice(rt: Arc<dyn Runtime>) {
    let router = start_router(&rt, &[]).await;
    let backend = start_backend(&rt).await;
    let (client, session) = client(&rt, &router, &[]);
    session.create_session("user", "pw").await.unwrap();
    let hello = proxy(&client, "hello", backend.port);
    hello.ice_ping().await.unwrap();
    // `drop` (a Normal operation) makes the back end abort its connection with the router
    // after the request arrived: the router reports the failure instead of sending it again.
    let err = hello.invoke_typed::<_, ()>("drop", OperationMode::Normal, &()).await.unwrap_err();
    // Named as ZeroC's router names it, so that a client looking for the type finds it.
    let lost = "::Ice::ConnectionLostException:\n";
    assert!(matches!(&err, Error::UnknownLocal(m) if m.starts_with(lost)), "{err:?}");
    assert_eq!(backend.hello.drops.load(std::sync::atomic::Ordering::SeqCst), 1, "sent once");
    // The router connects again for the next request.
    assert_eq!(say_hello(&hello).await.unwrap(), "Hello, Rust!");
    // A back end that cannot be reached.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = proxy(&client, "unreachable", closed).ice_ping().await.unwrap_err();
    let refused = "::Ice::ConnectionRefusedException:\nconnection refused: Connection refused";
    assert!(matches!(&err, Error::UnknownLocal(m) if m == refused), "{err:?}");
    assert_eq!(backend.hello.drops.load(std::sync::atomic::Ordering::SeqCst), 1);
    client.destroy().await;
    backend.communicator.destroy().await;
    router.shutdown().await;
}

async fn a_back_end_that_never_answers_keeps_nothing_of_gone_clients(rt: Arc<dyn Runtime>) {
    let router = start_router(&rt, &[]).await;
    let backend = start_backend(&rt).await;
    let (client, session) = client(&rt, &router, &[]);
    session.create_session("user", "pw").await.unwrap();
    let hello = proxy(&client, "hello", backend.port);
    hello.ice_ping().await.unwrap();
    for _ in 0..10 {
        let hello = hello.clone();
        rt.spawn(Box::pin(async move {
            let _ = hello.invoke_typed::<_, ()>("block", OperationMode::Normal, &()).await;
        }));
    }
    let blocked = || async { backend.hello.blocked.load(std::sync::atomic::Ordering::SeqCst) };
    wait_until(&rt, "blocked dispatches", blocked, 10).await;
    assert_eq!(router.stats().forwards_in_flight, 10);
    // The client goes away: the router forgets its ten requests (the back end still runs them).
    let r = client.string_to_proxy(&router.router_proxy().to_string()).unwrap();
    r.ice_get_connection().await.unwrap().close(ice_driver::CloseMode::Forcefully);
    let nothing_left =
        || async { router.stats().forwards_in_flight == 0 && router.stats().sessions == 0 };
    wait_until(&rt, "nothing left of the client", nothing_left, true).await;
    // The same back end still serves others.
    let (other, session) = self::client(&rt, &router, &[]);
    session.create_session("other", "pw").await.unwrap();
    assert_eq!(say_hello(&proxy(&other, "hello", backend.port)).await.unwrap(), "Hello, Rust!");
    for _ in 0..10 {
        proxy(&backend.communicator, "hello", backend.port)
            .invoke_typed::<_, ()>("unblock", OperationMode::Normal, &())
            .await
            .unwrap();
    }
    other.destroy().await;
    client.destroy().await;
    backend.communicator.destroy().await;
    router.shutdown().await;
}

async fn address_filters_and_proxy_size_guard_add_proxies(rt: Arc<dyn Runtime>) {
    let backend = start_backend(&rt).await;
    let accept = format!("127.0.0.1:{}", backend.port);
    let router = start_router(&rt, &[("Glacier2.Filter.Address.Accept", &accept)]).await;
    let (client, session) = client(&rt, &router, &[]);
    session.create_session("user", "pw").await.unwrap();
    assert_eq!(say_hello(&proxy(&client, "hello", backend.port)).await.unwrap(), "Hello, Rust!");
    // Another host for the same back end: addProxies is refused, the connection aborted and
    // the session gone with it.
    let other =
        client.string_to_proxy(&format!("other:tcp -h localhost -p {}", backend.port)).unwrap();
    assert!(matches!(other.ice_ping().await, Err(Error::ConnectionLost)));
    let gone = || async { router.stats().sessions == 0 };
    wait_until(&rt, "session destroyed", gone, true).await;
    client.destroy().await;
    router.shutdown().await;

    // ProxySizeMax: measured on the proxy's string form as the client sent it.
    let p = format!("hello -t -e 1.1:tcp -h 127.0.0.1 -p {} -t 60000", backend.port);
    let size = p.len().to_string();
    let router = start_router(&rt, &[("Glacier2.Filter.ProxySizeMax", &size)]).await;
    let (client, session) = self::client(&rt, &router, &[]);
    session.create_session("user", "pw").await.unwrap();
    let fits = client.string_to_proxy(&p).unwrap();
    assert_eq!(fits.to_string(), p);
    assert_eq!(say_hello(&fits).await.unwrap(), "Hello, Rust!");
    let longer = fits.ice_identity(Identity::new("hello2"));
    assert!(matches!(longer.ice_ping().await, Err(Error::ConnectionLost)));
    client.destroy().await;
    backend.communicator.destroy().await;
    router.shutdown().await;
}

/// `Ice::Locator` of a back end: every adapter id and identity resolves to the back end.
struct LocatorI {
    port: u16,
}

impl Servant for LocatorI {
    fn ice_id(&self) -> &str {
        "::Ice::Locator"
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            let identity = match current.operation.as_str() {
                "findAdapterById" => {
                    let _adapter: String = params.decode()?;
                    Identity::new("dummy")
                }
                "findObjectById" => params.decode::<Identity>()?,
                _ => return Err(DispatchError::OperationNotExist),
            };
            let mut p = ice_driver::ProxyData::new(identity);
            p.endpoints.push(ice_driver::Endpoint::Tcp(ice_driver::IpEndpoint::new(
                "127.0.0.1",
                self.port,
            )));
            current.ok(&Some(p))
        })
    }
}

async fn indirect_proxies_resolve_through_the_routers_locator(rt: Arc<dyn Runtime>) {
    let backend = start_backend(&rt).await;
    let locator_adapter = backend
        .communicator
        .create_object_adapter_with_endpoints("Locator", "tcp -h 127.0.0.1 -p 0")
        .unwrap();
    locator_adapter
        .add(Identity::new("locator"), Arc::new(LocatorI { port: backend.port }))
        .unwrap();
    locator_adapter.activate().unwrap();
    let locator = format!("locator:{}", locator_adapter.endpoints()[0]);
    let router = start_router(
        &rt,
        &[("Ice.Default.Locator", &locator), ("Glacier2.Filter.AdapterId.Accept", "bar")],
    )
    .await;
    let (client, session) = client(&rt, &router, &[]);
    session.create_session("user", "pw").await.unwrap();
    let by_adapter = client.string_to_proxy("hello @ bar").unwrap();
    assert_eq!(say_hello(&by_adapter).await.unwrap(), "Hello, Rust!");
    let refused = client.string_to_proxy("caller @ baz").unwrap();
    assert!(
        matches!(refused.ice_ping().await, Err(Error::ObjectNotExist { .. })),
        "adapter-id filter"
    );
    let well_known = client.string_to_proxy("hello").unwrap();
    // A well-known proxy has no adapter id: the adapter-id filter does not apply to it.
    assert_eq!(say_hello(&well_known.ice_facet("f")).await.unwrap(), "Hello, Rust! [f]");
    client.destroy().await;
    backend.communicator.destroy().await;
    router.shutdown().await;
}

/// A `Glacier2::SessionManager` that, inside `create`, adds the category `allowed` to the
/// session's filters through its SessionControl (as IceGrid's session managers do), then
/// returns no session proxy.
struct FilteringManagerI {
    communicator: Communicator,
}

impl Servant for FilteringManagerI {
    fn ice_id(&self) -> &str {
        "::Glacier2::SessionManager"
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            let (_user, control): (String, Option<ice_driver::ProxyData>) = params.decode()?;
            let control =
                self.communicator.proxy_from_data(control.ok_or(DispatchError::ObjectNotExist)?);
            let local = |e: Error| DispatchError::UnknownLocal(e.to_string());
            let categories: Option<ice_driver::ProxyData> = control
                .invoke_typed("categories", OperationMode::Normal, &())
                .await
                .map_err(local)?;
            let categories =
                self.communicator.proxy_from_data(categories.ok_or(DispatchError::ObjectNotExist)?);
            categories
                .invoke_typed::<_, ()>(
                    "add",
                    OperationMode::Idempotent,
                    &vec!["allowed".to_owned()],
                )
                .await
                .map_err(local)?;
            let got: Vec<String> = categories
                .invoke_typed("get", OperationMode::Idempotent, &())
                .await
                .map_err(local)?;
            assert_eq!(got, ["allowed"]);
            current.ok(&None::<ice_driver::ProxyData>)
        })
    }
}

async fn a_session_manager_sets_filters_while_creating_the_session(rt: Arc<dyn Runtime>) {
    let backend = start_backend(&rt).await;
    let manager_adapter = backend
        .communicator
        .create_object_adapter_with_endpoints("Manager", "tcp -h 127.0.0.1 -p 0")
        .unwrap();
    let manager = FilteringManagerI { communicator: backend.communicator.clone() };
    manager_adapter.add(Identity::new("manager"), Arc::new(manager)).unwrap();
    manager_adapter.activate().unwrap();
    let manager = format!("manager:{}", manager_adapter.endpoints()[0]);
    let router = start_router(&rt, &[("Glacier2.SessionManager", &manager)]).await;
    let (client, session) = client(&rt, &router, &[]);
    assert!(session.create_session("user", "pw").await.unwrap().is_none());
    let allowed = proxy(&client, "allowed/hello", backend.port);
    // The back end has no `allowed/hello`: its own ObjectNotExist says the router let it through.
    assert!(
        matches!(allowed.ice_ping().await, Err(Error::ObjectNotExist { ref operation, .. }) if operation == "ice_ping")
    );
    let hello = proxy(&client, "hello", backend.port);
    assert!(matches!(hello.ice_ping().await, Err(Error::ObjectNotExist { .. })), "filtered");
    // Not reached: the back end never saw a request for `hello`.
    assert_eq!(backend.hello.count.load(std::sync::atomic::Ordering::SeqCst), 0);
    client.destroy().await;
    backend.communicator.destroy().await;
    router.shutdown().await;
}

async fn a_heartbeat_after_the_session_ended_aborts_the_connection(rt: Arc<dyn Runtime>) {
    let router = start_router(&rt, &[]).await;
    // Heartbeats every half second or so, whatever happens.
    let (client, session) =
        client(&rt, &router, &[("Ice.ACM.Client.Timeout", "1"), ("Ice.ACM.Client.Heartbeat", "3")]);
    session.create_session("user", "pw").await.unwrap();
    let connection = session.proxy().ice_get_connection().await.unwrap();
    session.destroy_session().await.unwrap();
    // The router leaves the connection open (Ice 3.7), then aborts it at the next heartbeat.
    let reason = connection.closed().await;
    assert!(matches!(reason, Error::ConnectionLost), "{reason:?}");
    client.destroy().await;
    router.shutdown().await;
}

async fn idle_and_stalled_connections_do_not_hold_up_clients(rt: Arc<dyn Runtime>) {
    let router = start_router(&rt, &[]).await;
    let backend = start_backend(&rt).await;
    let addr = match &router.client_endpoints()[0] {
        ice_driver::Endpoint::Tcp(ip) => format!("127.0.0.1:{}", ip.port),
        other => panic!("{other}"),
    };
    // 2,000 connections that never send a byte, and 100 that send half a header and stall.
    let mut sockets = Vec::new();
    for i in 0..2100 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        if i >= 2000 {
            s.write_all(&[b'I', b'c', b'e', b'P', 1, 0]).unwrap();
        }
        sockets.push(s);
    }
    // Clients are served meanwhile, each with its own session.
    for i in 0..5 {
        let (c, session) = client(&rt, &router, &[]);
        session.create_session(&format!("u{i}"), "pw").await.unwrap();
        assert_eq!(say_hello(&proxy(&c, "hello", backend.port)).await.unwrap(), "Hello, Rust!");
        c.destroy().await;
    }
    drop(sockets);
    let nothing_left = || async { router.stats().sessions == 0 };
    wait_until(&rt, "no session left", nothing_left, true).await;
    backend.communicator.destroy().await;
    router.shutdown().await;
}

/// One client communicator holds two sessions, one per router connection id (as ZeroC's
/// multi-session clients do): each has its own connection, category and routed proxies, and
/// destroying one leaves the other working.
async fn one_communicator_holds_a_session_per_connection_id(rt: Arc<dyn Runtime>) {
    let router = start_router(&rt, &[]).await;
    let backend = start_backend(&rt).await;
    let client = Communicator::new(rt.clone());
    let router_proxy = client.string_to_proxy(&router.router_proxy().to_string()).unwrap();
    let (r1, r2) = (router_proxy.ice_connection_id("one"), router_proxy.ice_connection_id("two"));
    let (s1, s2) = (SessionRouter::new(&r1), SessionRouter::new(&r2));
    s1.create_session("alice", "pw").await.unwrap();
    s2.create_session("bob", "pw").await.unwrap();
    assert_eq!(router.stats().sessions, 2);
    let c1 = s1.get_category_for_client().await.unwrap();
    let c2 = s2.get_category_for_client().await.unwrap();
    assert_ne!(c1, c2, "two sessions");
    let routed = |r: &Proxy, id: &str| {
        proxy(&client, "hello", backend.port).ice_router(Some(r)).ice_connection_id(id)
    };
    let (h1, h2) = (routed(&r1, "one"), routed(&r2, "two"));
    assert_eq!(say_hello(&h1).await.unwrap(), "Hello, Rust!");
    assert_eq!(say_hello(&h2).await.unwrap(), "Hello, Rust!");
    assert_ne!(h1.ice_get_connection().await.unwrap(), h2.ice_get_connection().await.unwrap());
    assert_eq!(h1.ice_get_connection().await.unwrap(), r1.ice_get_connection().await.unwrap());
    s1.destroy_session().await.unwrap();
    wait_for(&rt, "sessions", || async { router.stats().sessions }, 1).await;
    assert_eq!(say_hello(&h2).await.unwrap(), "Hello, Rust!");
    assert_eq!(s2.get_category_for_client().await.unwrap(), c2);
    client.destroy().await;
    backend.communicator.destroy().await;
    router.shutdown().await;
}

/// `GET path` on `addr`, from a thread of its own: the status line and the body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let request = format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n");
    std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect to metrics");
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let _ = tx.send(response);
    });
    let response = rx.await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    (head.lines().next().unwrap_or("").to_owned(), body.to_owned())
}

/// The value of the sample `name` (with its labels, as printed) in Prometheus text.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// The metrics endpoint (`Glacier.Metrics.Address`) counts sessions, forwarded requests and
/// their bytes, rejections and latencies; anything but `/metrics` is 404; an address off
/// loopback or not an address stops start-up.
async fn metrics_endpoint_counts_what_the_router_does(rt: Arc<dyn Runtime>) {
    let router = start_router(&rt, &[("Glacier.Metrics.Address", "127.0.0.1:0")]).await;
    let addr = router.metrics_address().expect("metrics on");
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    let backend = start_backend(&rt).await;
    let (client, session) = client(&rt, &router, &[]);
    session.create_session("user", "pw").await.unwrap();
    let hello = proxy(&client, "hello", backend.port);
    for _ in 0..3 {
        assert_eq!(say_hello(&hello).await.unwrap(), "Hello, Rust!");
    }
    // A client without a session is refused.
    let (stranger, _) = self::client(&rt, &router, &[]);
    assert!(proxy(&stranger, "hello", backend.port).ice_ping().await.is_err());
    let (status, text) = http_get(addr, "/metrics").await;
    assert!(status.contains("200"), "{status}");
    assert_eq!(sample(&text, "glacier_sessions"), Some(1.0), "{text}");
    assert_eq!(sample(&text, "glacier_sessions_created_total"), Some(1.0));
    assert_eq!(
        sample(&text, r#"glacier_requests_forwarded_total{direction="to_server"}"#),
        Some(3.0)
    );
    // "Rust", encoded: a size byte and four bytes, three times.
    assert_eq!(
        sample(&text, r#"glacier_request_bytes_forwarded_total{direction="to_server"}"#),
        Some(15.0)
    );
    assert_eq!(
        sample(&text, r#"glacier_forward_latency_seconds_count{direction="to_server"}"#),
        Some(3.0)
    );
    // At least once: the client's runtime retries getClientProxy on a new connection.
    let no_session = sample(&text, r#"glacier_rejections_total{reason="no_session"}"#);
    assert!(no_session.is_some_and(|n| n >= 1.0), "{no_session:?}");
    assert_eq!(sample(&text, "glacier_forwards_in_flight"), Some(0.0));
    session.destroy_session().await.unwrap();
    wait_for(&rt, "sessions", || async { router.stats().sessions }, 0).await;
    let (_, text) = http_get(addr, "/metrics").await;
    assert_eq!(sample(&text, "glacier_sessions"), Some(0.0));
    assert_eq!(sample(&text, r#"glacier_sessions_destroyed_total{reason="destroyed"}"#), Some(1.0));
    let (status, _) = http_get(addr, "/other").await;
    assert!(status.contains("404"), "{status}");
    stranger.destroy().await;
    client.destroy().await;
    backend.communicator.destroy().await;
    router.shutdown().await;

    for (value, why) in [("10.1.2.3:9464", "loopback"), ("not-an-address", "neither")] {
        let mut pairs = vec![
            ("Glacier2.Client.Endpoints", "tcp -h 127.0.0.1 -p 0"),
            ("Glacier2.PermissionsVerifier", "Glacier2/NullPermissionsVerifier"),
        ];
        pairs.push(("Glacier.Metrics.Address", value));
        let error =
            glacier::Glacier::start(rt.clone(), properties(&pairs)).await.err().expect(value);
        let text = error.to_string();
        assert!(text.contains("Glacier.Metrics.Address") && text.contains(why), "{text}");
    }
}

/// A client floods oneways through the router to a back end whose servant does not finish
/// them: the router holds a bounded number (the client connection's dispatch limit, and the
/// buffered queue's bound), another client is served meanwhile, and once the back end catches
/// up every oneway arrives exactly once.
async fn a_oneway_flood_to_a_slow_back_end_is_bounded(rt: Arc<dyn Runtime>) {
    for buffered in ["0", "1"] {
        let router = start_router(
            &rt,
            &[
                ("Glacier2.Client.Buffered", buffered),
                ("Glacier2.Server.Buffered", buffered),
                ("Glacier.Metrics.Address", "127.0.0.1:0"),
            ],
        )
        .await;
        let (slow, other) = (start_backend(&rt).await, start_backend(&rt).await);
        let (flooder, session) = client(&rt, &router, &[]);
        session.create_session("flood", "pw").await.unwrap();
        let blocking = proxy(&flooder, "hello", slow.port).ice_oneway();
        const FLOOD: usize = 20_000;
        let sender = {
            let blocking = blocking.clone();
            spawn(&rt, async move {
                for _ in 0..FLOOD {
                    blocking.invoke_typed::<_, ()>("block", OperationMode::Normal, &()).await?;
                }
                Ok::<_, Error>(())
            })
        };
        let started =
            || async { slow.hello.blocked.load(std::sync::atomic::Ordering::SeqCst).min(1) };
        wait_until(&rt, "first blocked dispatch", started, 1).await;
        // Another client, another back end: served while the flood is held up.
        let (calm, calm_session) = client(&rt, &router, &[]);
        calm_session.create_session("calm", "pw").await.unwrap();
        for _ in 0..5 {
            assert_eq!(
                say_hello(&proxy(&calm, "hello", other.port)).await.unwrap(),
                "Hello, Rust!"
            );
        }
        let stats = router.stats();
        // At most the client connection's dispatch limit, plus, buffered, the oneways the
        // router acknowledged before sending (its queue's bound).
        let bound = if buffered == "1" { 100 + 1000 } else { 100 };
        assert!(stats.forwards_in_flight <= bound, "{stats:?}");
        let (_, text) = http_get(router.metrics_address().unwrap(), "/metrics").await;
        let queued = sample(&text, r#"glacier_buffered_requests{direction="to_server"}"#).unwrap();
        // Acknowledged oneways (at most 1000), and those waiting to be written, at most the
        // client connection's dispatch limit.
        assert!(queued <= 1100.0, "buffered queue past its bound: {queued}");
        // The back end catches up: every oneway arrives, once.
        slow.hello.release(FLOOD);
        sender.await.unwrap().expect("every oneway accepted");
        let blocked = || async { slow.hello.blocked.load(std::sync::atomic::Ordering::SeqCst) };
        wait_until(&rt, "oneways delivered", blocked, FLOOD as i32).await;
        wait_for(&rt, "nothing in flight", || async { router.stats().forwards_in_flight }, 0).await;
        calm.destroy().await;
        flooder.destroy().await;
        slow.communicator.destroy().await;
        other.communicator.destroy().await;
        router.shutdown().await;
    }
}

/// A TCP relay between a client and the router that stops passing the router's bytes on when
/// told to: the client then looks, to the router, like one that does not read.
struct StallingRelay {
    port: u16,
    stalled: Arc<std::sync::atomic::AtomicBool>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl StallingRelay {
    fn start(router_port: u16) -> StallingRelay {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stalled = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (st, sp) = (stalled.clone(), stop.clone());
        std::thread::spawn(move || {
            let Ok((client, _)) = listener.accept() else { return };
            let router = std::net::TcpStream::connect(("127.0.0.1", router_port)).unwrap();
            let (mut c_read, mut r_write) =
                (client.try_clone().unwrap(), router.try_clone().unwrap());
            let sp2 = sp.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 16384];
                while let Ok(n) = c_read.read(&mut buf) {
                    if n == 0
                        || sp2.load(std::sync::atomic::Ordering::SeqCst)
                        || r_write.write_all(&buf[..n]).is_err()
                    {
                        break;
                    }
                }
                let _ = r_write.shutdown(std::net::Shutdown::Both);
            });
            let (mut r_read, mut c_write) = (router, client);
            let mut buf = [0u8; 16384];
            loop {
                if sp.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                if st.load(std::sync::atomic::Ordering::SeqCst) {
                    // Reads nothing more from the router: its writes back up.
                    std::thread::park_timeout(std::time::Duration::from_millis(20));
                    continue;
                }
                r_read.set_read_timeout(Some(std::time::Duration::from_millis(20))).unwrap();
                match r_read.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if c_write.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    Err(e)
                        if e.kind() == std::io::ErrorKind::WouldBlock
                            || e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => break,
                }
            }
            let _ = r_read.shutdown(std::net::Shutdown::Both);
            let _ = c_write.shutdown(std::net::Shutdown::Both);
        });
        StallingRelay { port, stalled, stop }
    }
}

/// A back end answers with 256 KiB replies to a client that stops reading: the router holds
/// at most the client connection's dispatch limit of them, serves everyone else meanwhile,
/// and keeps nothing of that client once it is gone.
async fn huge_replies_to_a_client_that_does_not_read(rt: Arc<dyn Runtime>) {
    let router = start_router(&rt, &[]).await;
    let backend = start_backend(&rt).await;
    let router_port = match &router.client_endpoints()[0] {
        ice_driver::Endpoint::Tcp(ip) => ip.port,
        other => panic!("{other}"),
    };
    let relay = StallingRelay::start(router_port);
    let through_relay = format!("Glacier2/router:tcp -h 127.0.0.1 -p {} -t 60000", relay.port);
    let reader = Communicator::with_properties(
        rt.clone(),
        properties(&[("Ice.Default.Router", &through_relay), ("Ice.MessageSizeMax", "0")]),
    );
    SessionRouter::new(&reader.string_to_proxy(&through_relay).unwrap())
        .create_session("sleepy", "pw")
        .await
        .unwrap();
    let big = proxy(&reader, "hello", backend.port);
    let first: bytes::Bytes =
        big.invoke_typed("big", OperationMode::Normal, &1024i32).await.unwrap();
    assert_eq!(first.len(), 1024);
    relay.stalled.store(true, std::sync::atomic::Ordering::SeqCst);
    let calls: Vec<_> = (0..150)
        .map(|_| {
            let big = big.clone();
            spawn(&rt, async move {
                big.invoke_typed::<_, bytes::Bytes>("big", OperationMode::Normal, &(256 * 1024))
                    .await
            })
        })
        .collect();
    // Everyone else is served while those replies pile up.
    let (calm, calm_session) = client(&rt, &router, &[]);
    calm_session.create_session("calm", "pw").await.unwrap();
    for _ in 0..5 {
        assert_eq!(say_hello(&proxy(&calm, "hello", backend.port)).await.unwrap(), "Hello, Rust!");
    }
    // (That the router stops reading such a client once its replies back up is checked on
    // the connection core, where it does not depend on the kernel's socket buffers:
    // ice-proto/tests/connection_output_backlog.rs.)
    let stats = router.stats();
    assert!(stats.forwards_in_flight <= 100, "more than the dispatch limit held: {stats:?}");
    // The sleepy client goes away: the router lets go of its session and replies.
    relay.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for call in calls {
        let _ = call.await;
    }
    reader.destroy().await;
    wait_for(&rt, "sessions", || async { router.stats().sessions }, 1).await;
    wait_for(&rt, "nothing in flight", || async { router.stats().forwards_in_flight }, 0).await;
    assert_eq!(say_hello(&proxy(&calm, "hello", backend.port)).await.unwrap(), "Hello, Rust!");
    calm.destroy().await;
    backend.communicator.destroy().await;
    router.shutdown().await;
}

/// The proxies the router hands out are in its `Ice.Default.EncodingVersion`, as
/// glacier2router's are.
async fn proxies_the_router_makes_use_its_default_encoding(rt: Arc<dyn Runtime>) {
    let router = start_router(&rt, &[("Ice.Default.EncodingVersion", "1.0")]).await;
    let (client, session) = client(&rt, &router, &[]);
    session.create_session("user", "pw").await.unwrap();
    let server = session.get_server_proxy().await.unwrap().expect("server endpoints");
    assert_eq!(server.ice_get_encoding_version(), ice_driver::EncodingVersion::V1_0);
    client.destroy().await;
    router.shutdown().await;
}

on_both_runtimes!(
    proxies_the_router_makes_use_its_default_encoding,
    a_oneway_flood_to_a_slow_back_end_is_bounded,
    huge_replies_to_a_client_that_does_not_read,
    metrics_endpoint_counts_what_the_router_does,
    one_communicator_holds_a_session_per_connection_id,
    idle_and_stalled_connections_do_not_hold_up_clients,
    a_session_manager_sets_filters_while_creating_the_session,
    a_heartbeat_after_the_session_ended_aborts_the_connection,
    indirect_proxies_resolve_through_the_routers_locator,
    address_filters_and_proxy_size_guard_add_proxies,
    a_back_end_that_never_answers_keeps_nothing_of_gone_clients,
    a_request_that_may_have_reached_the_back_end_is_never_sent_twice,
    a_stuck_client_does_not_hold_up_others,
    routed_calls_callbacks_and_errors,
    contexts_are_forwarded_when_configured,
    eviction_and_re_add,
    hostile_and_gone_clients_leave_nothing_behind,
    session_timeout_expires_idle_sessions,
);
