//! The driver scenario suite, written once as functions of a runtime and run on tokio and on
//! async-std (see the `scenarios!` list at the end).

#[macro_use]
mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use ice_driver::{
    CloseMode, Communicator, Endpoint, Error, FnServant, Identity, ObjectAdapter, OperationMode,
    Properties, Proxy, Runtime,
};

struct Setup {
    server: Communicator,
    client: Communicator,
    adapter: ObjectAdapter,
    servant: Arc<HelloI>,
    hello: Proxy,
}

fn test_properties() -> Properties {
    properties(&[("Ice.MessageSizeMax", "16384")])
}

async fn setup(rt: &Arc<dyn Runtime>) -> Setup {
    setup_with(rt, test_properties()).await
}

/// A setup whose server communicator has `server_properties`.
async fn setup_with(rt: &Arc<dyn Runtime>, server_properties: Properties) -> Setup {
    let server = Communicator::with_properties(rt.clone(), server_properties);
    let adapter = server
        .create_object_adapter_with_endpoints("Test", "tcp -h 127.0.0.1 -p 0")
        .expect("adapter");
    let servant = HelloI::new();
    adapter.add(Identity::new("hello"), servant.clone()).expect("add");
    adapter.add_facet(Identity::new("hello"), "admin", HelloI::new()).expect("add facet");
    adapter.activate().expect("activate");
    assert_ne!(port_of(&adapter.endpoints()[0]), 0, "real port published");
    let client = Communicator::with_properties(rt.clone(), test_properties());
    let hello =
        client.string_to_proxy(&format!("hello:{}", adapter.endpoints()[0])).expect("proxy");
    Setup { server, client, adapter, servant, hello }
}

impl Setup {
    async fn teardown(self) {
        self.client.destroy().await;
        self.server.destroy().await;
    }
}

fn port_of(endpoint: &Endpoint) -> u16 {
    match endpoint {
        Endpoint::Tcp(ip) => ip.port,
        other => panic!("not a TCP endpoint: {other}"),
    }
}

async fn say_hello(p: &Proxy, name: &str) -> Result<String, Error> {
    p.invoke_typed("sayHello", OperationMode::Normal, name).await
}

async fn twoway(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    assert_eq!(say_hello(&s.hello, "Alice").await.unwrap(), "Hello, Alice!");
    s.hello.ice_ping().await.unwrap();
    assert!(s.hello.ice_is_a(HELLO_ID).await.unwrap());
    assert!(s.hello.ice_is_a("::Ice::Object").await.unwrap());
    assert!(!s.hello.ice_is_a("::Demo::Other").await.unwrap());
    assert_eq!(s.hello.ice_id().await.unwrap(), HELLO_ID);
    assert_eq!(
        s.hello.ice_ids().await.unwrap(),
        vec!["::DriverTest::Hello".to_owned(), "::Ice::Object".to_owned()]
    );
    // The facet is another servant behind the same identity.
    let admin = s.hello.ice_facet("admin");
    assert_eq!(say_hello(&admin, "Bob").await.unwrap(), "Hello, Bob! [admin]");
    // Proxies to the same endpoint share one connection.
    let a = s.hello.ice_get_connection().await.unwrap();
    let b = admin.ice_get_connection().await.unwrap();
    assert_eq!(a, b);
    assert!(!a.is_incoming());
    wait_for(&rt, "accepted connections", || async { s.adapter.connections().len() }, 1).await;
    // The stringified proxy parses back to an equal proxy.
    let again = s.client.string_to_proxy(&s.hello.to_string()).unwrap();
    assert_eq!(again, s.hello);
    s.teardown().await;
}

async fn oneway(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    let oneway = s.hello.ice_oneway();
    for _ in 0..50 {
        oneway.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    }
    wait_for_count(&rt, &s.hello, 50).await;
    // Operations that return something need a twoway proxy.
    assert!(matches!(oneway.ice_id().await, Err(Error::TwowayOnly(_))));
    s.teardown().await;
}

/// Oneways worth several times a connection's oneway budget (1 MiB accepted and not yet
/// written) all go through: each gives its share back once written. A share not given back
/// would stall the sender, which the invocation timeout turns into a failure.
async fn oneways_past_the_budget(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    let oneway = s.hello.ice_oneway().ice_invocation_timeout(Some(Duration::from_secs(20)));
    let name = "x".repeat(64 * 1024);
    for _ in 0..64 {
        oneway.invoke_typed::<_, ()>("sayHello", OperationMode::Normal, &name).await.unwrap();
        oneway.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    }
    wait_for_count(&rt, &s.hello, 64).await;
    s.teardown().await;
}

async fn batch(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    // Validate the connection first, so that the batch is the only thing left to send.
    s.hello.ice_ping().await.unwrap();
    let batch = s.hello.ice_batch_oneway();
    for _ in 0..20 {
        batch.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    }
    // Nothing was sent yet: a twoway call on the same connection overtakes the batch.
    assert_eq!(
        s.hello.invoke_typed::<_, i32>("getCount", OperationMode::Idempotent, &()).await.unwrap(),
        0
    );
    batch.ice_flush_batch_requests().await.unwrap();
    wait_for_count(&rt, &s.hello, 20).await;
    // Flushing an empty batch is fine.
    batch.ice_flush_batch_requests().await.unwrap();
    s.teardown().await;
}

async fn user_exception(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    let err = s
        .hello
        .invoke_typed::<_, ()>("fail", OperationMode::Normal, &(42i32, "bad luck"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UserException(_)));
    assert_eq!(expect_boom(&err), (42, "bad luck".to_owned()));
    s.teardown().await;
}

async fn request_failures(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    let ghost = s.hello.ice_identity(Identity::new("ghost"));
    match ghost.ice_ping().await {
        Err(Error::ObjectNotExist { identity, facet, operation }) => {
            assert_eq!(identity, Identity::new("ghost"));
            assert_eq!(facet, "");
            assert_eq!(operation, "ice_ping");
        }
        other => panic!("expected ObjectNotExist, got {other:?}"),
    }
    match s.hello.ice_facet("nope").ice_ping().await {
        Err(Error::FacetNotExist { facet, .. }) => assert_eq!(facet, "nope"),
        other => panic!("expected FacetNotExist, got {other:?}"),
    }
    match s.hello.invoke_typed::<_, ()>("frobnicate", OperationMode::Normal, &()).await {
        Err(Error::OperationNotExist { operation, .. }) => assert_eq!(operation, "frobnicate"),
        other => panic!("expected OperationNotExist, got {other:?}"),
    }
    // Parameters that do not decode: the servant's decode error becomes UnknownLocal.
    assert!(matches!(
        s.hello.invoke_typed::<_, String>("sayHello", OperationMode::Normal, &7i32).await,
        Err(Error::UnknownLocal(_))
    ));
    // A default servant answers for every identity of its category.
    let cat = FnServant::new("::DriverTest::Cat", |current, _params| async move {
        current.ok(&current.identity.name)
    });
    s.adapter.add_default_servant("cats", cat).unwrap();
    let tom = s.hello.ice_identity(Identity::with_category("cats", "tom"));
    assert_eq!(
        tom.invoke_typed::<_, String>("name", OperationMode::Normal, &()).await.unwrap(),
        "tom"
    );
    assert_eq!(tom.ice_id().await.unwrap(), "::DriverTest::Cat");
    // Removing a servant makes its object disappear.
    assert!(s.adapter.find(&Identity::new("hello")).is_some());
    s.adapter.remove(&Identity::new("hello")).unwrap();
    assert!(s.adapter.find(&Identity::new("hello")).is_none());
    assert!(matches!(s.hello.ice_ping().await, Err(Error::FacetNotExist { .. })));
    s.adapter.remove_facet(&Identity::new("hello"), "admin").unwrap();
    assert!(matches!(s.hello.ice_ping().await, Err(Error::ObjectNotExist { .. })));
    s.teardown().await;
}

async fn contexts(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    let fr = s.hello.ice_context(context(&[("lang", "fr"), ("x", "y")]));
    assert_eq!(say_hello(&fr, "Zoé").await.unwrap(), "Bonjour, Zoé!");
    let seen: std::collections::BTreeMap<String, String> =
        fr.invoke_typed("getContext", OperationMode::Normal, &()).await.unwrap();
    assert_eq!(seen, context(&[("lang", "fr"), ("x", "y")]));
    // The original proxy is unchanged.
    assert_eq!(say_hello(&s.hello, "Zoé").await.unwrap(), "Hello, Zoé!");
    // A per-call context replaces the proxy's for that call only.
    let call = context(&[("lang", "fr"), ("call", "1")]);
    let seen: std::collections::BTreeMap<String, String> = s
        .hello
        .invoke_typed_with_context("getContext", OperationMode::Normal, &(), &call)
        .await
        .unwrap();
    assert_eq!(seen, call);
    let greeting: String = fr
        .invoke_typed_with_context("sayHello", OperationMode::Normal, "Zoé", &context(&[]))
        .await
        .unwrap();
    assert_eq!(greeting, "Hello, Zoé!");
    s.teardown().await;
}

async fn compression_and_large_messages(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    let compressible: Bytes = (0..200_000u32).map(|i| (i / 1000) as u8).collect::<Vec<_>>().into();
    let z = s.hello.ice_compress(true);
    let back: Bytes = z.invoke_typed("echo", OperationMode::Normal, &compressible).await.unwrap();
    assert_eq!(back, compressible);
    // Several multi-megabyte messages in both directions at once: reads never wait for
    // writes, so neither side can deadlock on full socket buffers.
    let big: Bytes = (0..4_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect::<Vec<_>>()
        .into();
    let mut waiting = Vec::new();
    for _ in 0..4 {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (hello, big) = (s.hello.clone(), big.clone());
        rt.spawn(Box::pin(async move {
            let r: Result<Bytes, Error> =
                hello.invoke_typed("echo", OperationMode::Normal, &big).await;
            let _ = tx.send(r);
        }));
        waiting.push(rx);
    }
    for rx in waiting {
        assert_eq!(rx.await.unwrap().unwrap(), big);
    }
    s.teardown().await;
}

/// Callers on several tasks share one connection: small calls, small requests with large
/// replies (read in many pieces), and calls dropped as soon as they were sent. Lone calls
/// are read by their callers where the runtime lets them (async-std), the rest by the
/// connection's task, and reading passes between them all the time: every call that was
/// not dropped gets its own answer, and none waits forever.
async fn callers_sharing_a_connection_read_in_turn(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    s.hello.ice_ping().await.unwrap();
    let mut waiting = Vec::new();
    for task in 0..4u32 {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let hello = s.hello.clone();
        rt.spawn(Box::pin(async move {
            for i in 0..60u32 {
                let name = format!("{task}-{i}");
                let greeting = say_hello(&hello, &name).await.unwrap();
                assert_eq!(greeting, format!("Hello, {name}!"));
                let size = 70_000 + 1_000 * (i % 7) as i32;
                let big: Bytes =
                    hello.invoke_typed("big", OperationMode::Normal, &size).await.unwrap();
                assert_eq!(big.len(), size as usize);
                // Dropped once sent (or not): its reply, if any, is the connection's to take in.
                let dropped = hello.invoke_typed::<_, Bytes>("big", OperationMode::Normal, &size);
                tokio::select! {
                    biased;
                    r = dropped => assert_eq!(r.unwrap().len(), size as usize),
                    () = std::future::ready(()) => {}
                }
            }
            let _ = tx.send(());
        }));
        waiting.push(rx);
    }
    // And one caller alone on a connection of its own: every call is lone, so read by the
    // caller where it can be, and nothing else wakes the connection's task when the caller
    // hands reading back part-way through a large reply.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let alone = s.hello.ice_connection_id("alone");
    rt.spawn(Box::pin(async move {
        for i in 0..300u32 {
            let size = 70_000 + 3_000 * (i % 11) as i32;
            let big: Bytes = alone.invoke_typed("big", OperationMode::Normal, &size).await.unwrap();
            assert_eq!(big.len(), size as usize);
        }
        let _ = tx.send(());
    }));
    waiting.push(rx);
    for rx in waiting {
        tokio::select! {
            r = rx => r.expect("a caller task panicked"),
            () = sleep(&rt, Duration::from_secs(120)) => panic!("a call never got its answer"),
        }
    }
    assert_eq!(say_hello(&s.hello, "last").await.unwrap(), "Hello, last!");
    s.teardown().await;
}

async fn slow_servant_does_not_block_others(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    let (tx, mut blocked) = tokio::sync::oneshot::channel();
    let hello = s.hello.clone();
    rt.spawn(Box::pin(async move {
        let r = hello.invoke_typed::<_, ()>("block", OperationMode::Normal, &()).await;
        let _ = tx.send(r);
    }));
    // While block() is dispatched and waiting, other requests on the same connection are
    // answered.
    for i in 0..10 {
        assert_eq!(say_hello(&s.hello, &i.to_string()).await.unwrap(), format!("Hello, {i}!"));
    }
    assert!(blocked.try_recv().is_err(), "block() cannot finish before unblock()");
    s.hello.invoke_typed::<_, ()>("unblock", OperationMode::Normal, &()).await.unwrap();
    blocked.await.unwrap().unwrap();
    s.teardown().await;
}

/// "Oneway set, then twoway get": the requests of one connection are dispatched in the order
/// they arrived, on every runtime (each dispatch used to be a task of its own, which a
/// multi-threaded runtime could start out of order).
async fn dispatches_start_in_arrival_order(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    let oneway = s.hello.ice_oneway();
    for round in 1..=5 {
        for _ in 0..2000 {
            oneway.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
        }
        let count: i32 =
            s.hello.invoke_typed("getCount", OperationMode::Idempotent, &()).await.unwrap();
        assert_eq!(count, round * 2000, "the twoway was dispatched before earlier oneways");
    }
    s.teardown().await;
}

/// `ThreadPool.Serialize`: a connection's next dispatch starts only once the previous one
/// completed.
async fn serialized_dispatch(rt: Arc<dyn Runtime>) {
    let mut props = test_properties();
    props.set("Test.ThreadPool.Serialize", "1").unwrap();
    let s = setup_with(&rt, props).await;
    let (tx, blocked) = tokio::sync::oneshot::channel();
    let hello = s.hello.clone();
    rt.spawn(Box::pin(async move {
        let r = hello.invoke_typed::<_, ()>("block", OperationMode::Normal, &()).await;
        let _ = tx.send(r);
    }));
    let started = || async { s.servant.blocked.load(std::sync::atomic::Ordering::SeqCst) };
    wait_until(&rt, "block() dispatched", started, 1).await;
    let (tx2, mut answered) = tokio::sync::oneshot::channel();
    let hello = s.hello.clone();
    rt.spawn(Box::pin(async move {
        let _ = tx2.send(say_hello(&hello, "queued").await);
    }));
    // Another connection (another client) releases block(); only then is sayHello dispatched.
    let other = Communicator::with_properties(rt.clone(), test_properties());
    let unblock = other.string_to_proxy(&s.hello.to_string()).unwrap();
    assert!(answered.try_recv().is_err(), "sayHello ran while block() was dispatched");
    unblock.invoke_typed::<_, ()>("unblock", OperationMode::Normal, &()).await.unwrap();
    blocked.await.unwrap().unwrap();
    assert_eq!(answered.await.unwrap().unwrap(), "Hello, queued!");
    other.destroy().await;
    s.teardown().await;
}

async fn panicking_servant(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    match s.hello.invoke_typed::<_, ()>("crash", OperationMode::Normal, &()).await {
        Err(Error::Unknown(msg)) => assert!(msg.contains("crash() called"), "{msg}"),
        other => panic!("expected UnknownException, got {other:?}"),
    }
    // The connection and the server are fine.
    assert_eq!(say_hello(&s.hello, "again").await.unwrap(), "Hello, again!");
    // A servant that panics before its future even exists fails its own dispatch only.
    let eager = ice_driver::FnServant::new("::Test::Eager", |_current: ice_driver::Current, _| {
        panic!("eager panic");
        #[allow(unreachable_code)]
        async {
            Err(ice_driver::DispatchError::ObjectNotExist)
        }
    });
    s.adapter.add(ice_driver::Identity::new("eager"), eager).unwrap();
    let eager = s.hello.ice_identity(ice_driver::Identity::new("eager"));
    let slow = s.hello.clone();
    let blocked =
        spawn(
            &rt,
            async move { slow.invoke_typed::<_, ()>("block", OperationMode::Normal, &()).await },
        );
    match eager.invoke_typed::<_, ()>("anything", OperationMode::Normal, &()).await {
        Err(Error::Unknown(msg)) => assert!(msg.contains("eager panic"), "{msg}"),
        other => panic!("expected UnknownException, got {other:?}"),
    }
    // The dispatch in progress on the same connection was not lost with it.
    s.hello.invoke_typed::<_, ()>("unblock", OperationMode::Normal, &()).await.unwrap();
    blocked.await.unwrap().unwrap();
    s.teardown().await;
}

/// While the adapter holds, requests wait; once it is activated they are dispatched in the
/// order they arrived.
async fn held_requests_start_in_order(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    s.hello.ice_ping().await.unwrap();
    s.adapter.hold().unwrap();
    let oneway = s.hello.ice_oneway();
    for _ in 0..300 {
        oneway.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    }
    let hello = s.hello.clone();
    let count = spawn(&rt, async move {
        hello.invoke_typed::<_, i32>("getCount", OperationMode::Idempotent, &()).await
    });
    // The requests are read (the dispatch limit is 100: reading pauses) while held.
    let seen = || async { s.servant.count.load(std::sync::atomic::Ordering::SeqCst) };
    assert_eq!(seen().await, 0);
    s.adapter.activate().unwrap();
    assert_eq!(count.await.unwrap().unwrap(), 300);
    s.teardown().await;
}

async fn callback_over_client_connection(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    // A client adapter with no endpoints: reachable only over connections it is attached to.
    let client_adapter = s.client.create_object_adapter_with_endpoints("", "").unwrap();
    assert!(client_adapter.endpoints().is_empty());
    let receiver = Arc::new(ReceiverI { prefix: "rx".into(), connections: Default::default() });
    client_adapter.add(Identity::new("receiver"), receiver.clone()).unwrap();
    client_adapter.activate().unwrap();
    let connection = s.hello.ice_get_connection().await.unwrap();
    // Without an adapter on the connection the callback finds no object.
    let err = s
        .hello
        .invoke_typed::<_, String>("callback", OperationMode::Normal, "receiver")
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::UnknownLocal(m) if m.contains("does not exist")), "{err:?}");
    connection.set_adapter(Some(client_adapter.clone()));
    for _ in 0..3 {
        let answer: String =
            s.hello.invoke_typed("callback", OperationMode::Normal, "receiver").await.unwrap();
        assert_eq!(answer, "rx:ping");
    }
    // Every callback came over the connection the client opened.
    let seen = receiver.connections.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|c| *c == connection));
    // A fixed proxy on a closed connection fails clearly.
    let incoming = s.adapter.connections();
    assert_eq!(incoming.len(), 1);
    let back = incoming[0].create_proxy(Identity::new("receiver")).unwrap();
    let answer: String =
        back.invoke_typed("notify", OperationMode::Normal, "direct").await.unwrap();
    assert_eq!(answer, "rx:direct");
    incoming[0].close(CloseMode::Gracefully);
    incoming[0].closed().await;
    let err =
        back.invoke_typed::<_, String>("notify", OperationMode::Normal, "late").await.unwrap_err();
    assert!(matches!(err, Error::FixedConnectionClosed(_)), "{err:?}");
    s.teardown().await;
}

/// A dispatch that awaits waits in its connection's task; when the connection closes under it,
/// it still runs to its end (only its reply is lost), as a ZeroC dispatch does.
async fn dispatch_outlives_its_connection(rt: Arc<dyn Runtime>) {
    use std::sync::atomic::Ordering::SeqCst;
    let s = setup(&rt).await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let hello = s.hello.clone();
    rt.spawn(Box::pin(async move {
        let _ = tx.send(hello.invoke_typed::<_, ()>("block", OperationMode::Normal, &()).await);
    }));
    wait_until(&rt, "blocked dispatches", || async { s.servant.blocked.load(SeqCst) }, 1).await;
    let incoming = s.adapter.connections();
    assert_eq!(incoming.len(), 1);
    incoming[0].close(CloseMode::Forcefully);
    incoming[0].closed().await;
    assert_eq!(rx.await.unwrap(), Err(Error::ConnectionLost));
    assert_eq!(s.servant.unblocked.load(SeqCst), 0);
    s.servant.release(1);
    wait_until(&rt, "finished dispatches", || async { s.servant.unblocked.load(SeqCst) }, 1).await;
    s.teardown().await;
}

// The server's read, inactivity and close timeouts against hand-driven peers are checked in
// virtual time: tests/tests/driver_virtual_time.rs.

async fn destroy_and_timeouts(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    // An invocation timeout gives up on a call that does not return.
    let impatient = s.hello.ice_invocation_timeout(Some(Duration::from_millis(200)));
    assert_eq!(
        impatient.invoke_typed::<_, ()>("block", OperationMode::Normal, &()).await,
        Err(Error::InvocationTimeout)
    );
    // The connection is still usable afterwards.
    assert_eq!(say_hello(&s.hello, "x").await.unwrap(), "Hello, x!");
    // Destroying the client fails the invocation still waiting for its reply.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let hello = s.hello.clone();
    rt.spawn(Box::pin(async move {
        let r = hello.invoke_typed::<_, ()>("block", OperationMode::Normal, &()).await;
        let _ = tx.send(r);
    }));
    // Destroy only once the server is inside both block() dispatches.
    for _ in 0..1000 {
        if s.servant.blocked.load(std::sync::atomic::Ordering::SeqCst) == 2 {
            break;
        }
        sleep(&rt, Duration::from_millis(10)).await;
    }
    assert_eq!(s.servant.blocked.load(std::sync::atomic::Ordering::SeqCst), 2);
    s.client.destroy().await;
    let r = rx.await.unwrap();
    assert_eq!(r, Err(Error::CommunicatorDestroyed));
    assert_eq!(s.hello.ice_ping().await, Err(Error::CommunicatorDestroyed));
    assert!(s.client.is_destroyed());
    // Let the two blocked dispatches end so that the server closes promptly.
    s.servant.count.store(0, std::sync::atomic::Ordering::SeqCst);
    let other = Communicator::new(rt.clone());
    let p = other.string_to_proxy(&s.hello.to_string()).unwrap();
    for _ in 0..2 {
        p.invoke_typed::<_, ()>("unblock", OperationMode::Normal, &()).await.unwrap();
    }
    other.destroy().await;
    s.server.destroy().await;
}

async fn reconnect_and_endpoints(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    s.hello.ice_ping().await.unwrap();
    let first = s.hello.ice_get_connection().await.unwrap();
    // The server closes the connection gracefully: the next call opens a new one.
    for c in s.adapter.connections() {
        c.close(CloseMode::Gracefully);
    }
    first.closed().await;
    assert_eq!(say_hello(&s.hello, "again").await.unwrap(), "Hello, again!");
    let second = s.hello.ice_get_connection().await.unwrap();
    assert_ne!(first, second);
    // A proxy with a dead endpoint besides the good one: whichever is tried first, the call
    // succeeds (the dead one is refused and the other is tried).
    let refused = ice_tests::refused::RefusedPort::new();
    let dead_port = refused.port();
    let both = s.client.string_to_proxy(&format!(
        "hello:tcp -h 127.0.0.1 -p {dead_port}:{}",
        s.adapter.endpoints()[0]
    ));
    let both = both.unwrap();
    for i in 0..6 {
        assert_eq!(say_hello(&both, &i.to_string()).await.unwrap(), format!("Hello, {i}!"));
    }
    // Only dead endpoints: ConnectFailed, after the configured retries.
    let dead_only =
        s.client.string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {dead_port}")).unwrap();
    assert!(matches!(dead_only.ice_ping().await, Err(Error::ConnectFailed { .. })));
    s.teardown().await;
}

/// A server of its own with one `HelloI` under identity `hello`.
struct OneServer {
    server: Communicator,
    adapter: ObjectAdapter,
    servant: Arc<HelloI>,
}

fn one_server(rt: &Arc<dyn Runtime>) -> OneServer {
    let server = Communicator::new(rt.clone());
    let adapter = server.create_object_adapter_with_endpoints("", "tcp -h 127.0.0.1 -p 0").unwrap();
    let servant = HelloI::new();
    adapter.add(Identity::new("hello"), servant.clone()).unwrap();
    adapter.activate().unwrap();
    OneServer { server, adapter, servant }
}

fn ticks(s: &OneServer) -> i32 {
    s.servant.count.load(std::sync::atomic::Ordering::SeqCst)
}

async fn tick(p: &Proxy) {
    p.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
}

/// Endpoints are tried in random order: each fresh client of a proxy with two working
/// endpoints picks one, and over 24 clients both get used (all picking the same one has a
/// probability of 2^-23 if the order is random, and is certain if it is not).
async fn random_endpoint_order(rt: Arc<dyn Runtime>) {
    let (a, b) = (one_server(&rt), one_server(&rt));
    let both = format!("hello:{}:{}", a.adapter.endpoints()[0], b.adapter.endpoints()[0]);
    const CLIENTS: i32 = 24;
    for _ in 0..CLIENTS {
        let client = Communicator::new(rt.clone());
        tick(&client.string_to_proxy(&both).unwrap()).await;
        client.destroy().await;
    }
    let (na, nb) = (ticks(&a), ticks(&b));
    assert_eq!(na + nb, CLIENTS);
    assert!(
        na > 0 && nb > 0,
        "always the same endpoint: {na} calls to the first, {nb} to the second"
    );
    a.server.destroy().await;
    b.server.destroy().await;
}

/// The server of an established connection dies: the next invocations (not idempotent) go to
/// the proxy's other endpoint.
async fn failover_when_server_dies(rt: Arc<dyn Runtime>) {
    let servers = [one_server(&rt), one_server(&rt)];
    let endpoints = servers.each_ref().map(|s| s.adapter.endpoints()[0].to_string());
    let client = Communicator::new(rt.clone());
    let both = client.string_to_proxy(&format!("hello:{}:{}", endpoints[0], endpoints[1])).unwrap();
    tick(&both).await;
    let (dead, alive) = if ticks(&servers[0]) == 1 { (0, 1) } else { (1, 0) };
    assert_eq!(ticks(&servers[alive]), 0);
    // The connection the call used (connections are shared per endpoint).
    let only_dead = client.string_to_proxy(&format!("hello:{}", endpoints[dead])).unwrap();
    let connection = only_dead.ice_get_connection().await.unwrap();
    let [first, second] = servers;
    let (dead_server, alive_server) = if dead == 0 { (first, second) } else { (second, first) };
    for c in dead_server.adapter.connections() {
        c.close(CloseMode::Forcefully);
    }
    dead_server.server.destroy().await;
    assert!(matches!(connection.closed().await, Error::ConnectionLost), "{connection:?}");
    for _ in 0..10 {
        tick(&both).await;
    }
    assert_eq!(ticks(&alive_server), 10);
    assert_eq!(ticks(&dead_server), 1);
    client.destroy().await;
    alive_server.server.destroy().await;
}

/// A caller waiting for the reply to the request it wrote may be the one the socket wakes
/// (on async-std it reads its reply itself). Once it gives up, the connection reads on its
/// own again: it takes in the late reply, and sees the server close it with no call made.
async fn a_caller_that_gives_up_leaves_the_connection_reading(rt: Arc<dyn Runtime>) {
    use std::sync::atomic::Ordering::SeqCst;
    let s = setup(&rt).await;
    let connection = s.hello.ice_get_connection().await.unwrap();
    s.hello.ice_ping().await.unwrap();
    {
        let call = s.hello.invoke_typed::<_, ()>("block", OperationMode::Normal, &());
        let servant = &s.servant;
        let blocked =
            wait_for(&rt, "block() started", || async { servant.blocked.load(SeqCst) }, 1);
        tokio::select! {
            r = call => panic!("block() returned {r:?} while blocked"),
            () = blocked => {}
        }
    }
    s.servant.release(1);
    let servant = &s.servant;
    wait_for(&rt, "block() finished", || async { servant.unblocked.load(SeqCst) }, 1).await;
    s.server.destroy().await;
    tokio::select! {
        reason = connection.closed() => assert!(connection.is_closed(), "{reason:?}"),
        () = sleep(&rt, Duration::from_secs(30)) => panic!("the server's close was never read"),
    }
    s.client.destroy().await;
}

async fn at_most_once(rt: Arc<dyn Runtime>) {
    let s = setup(&rt).await;
    let client =
        Communicator::with_properties(rt.clone(), properties(&[("Ice.RetryIntervals", "0 10")]));
    let hello = client.string_to_proxy(&s.hello.to_string()).unwrap();
    let drops = || s.servant.drops.load(std::sync::atomic::Ordering::SeqCst);
    // The connection breaks after the request was sent: a Normal operation may have run, so
    // it is not sent again.
    assert_eq!(
        hello.invoke_typed::<_, ()>("drop", OperationMode::Normal, &()).await,
        Err(Error::ConnectionLost)
    );
    assert_eq!(drops(), 1);
    // An idempotent one is retried once per Ice.RetryIntervals entry, on new connections.
    assert_eq!(
        hello.invoke_typed::<_, ()>("drop", OperationMode::Idempotent, &()).await,
        Err(Error::ConnectionLost)
    );
    assert_eq!(drops(), 4);
    assert_eq!(say_hello(&hello, "still").await.unwrap(), "Hello, still!");
    // An UnknownLocalException reply is retried for an idempotent operation only (spec 9.2).
    let failure = |mode| hello.invoke_typed::<_, ()>("localFailure", mode, &());
    assert!(matches!(failure(OperationMode::Normal).await, Err(Error::UnknownLocal(_))));
    assert_eq!(drops(), 5);
    assert!(matches!(failure(OperationMode::Idempotent).await, Err(Error::UnknownLocal(_))));
    assert_eq!(drops(), 8);
    client.destroy().await;
    s.teardown().await;
}

on_both_runtimes!(
    held_requests_start_in_order,
    dispatches_start_in_arrival_order,
    serialized_dispatch,
    twoway,
    oneway,
    oneways_past_the_budget,
    batch,
    user_exception,
    request_failures,
    contexts,
    compression_and_large_messages,
    slow_servant_does_not_block_others,
    panicking_servant,
    callback_over_client_connection,
    dispatch_outlives_its_connection,
    destroy_and_timeouts,
    reconnect_and_endpoints,
    random_endpoint_order,
    failover_when_server_dies,
    a_caller_that_gives_up_leaves_the_connection_reading,
    callers_sharing_a_connection_read_in_turn,
    at_most_once,
);

// The scenarios whose reads and writes busy-polling changes, with busy-polling connections
// and callers: replies read by their callers or by the task, pipelined and in turn, large
// messages, callbacks, lost connections and retries.
on_both_runtimes_busy_polling!(
    twoway,
    oneway,
    batch,
    user_exception,
    request_failures,
    compression_and_large_messages,
    callback_over_client_connection,
    dispatch_outlives_its_connection,
    failover_when_server_dies,
    a_caller_that_gives_up_leaves_the_connection_reading,
    callers_sharing_a_connection_read_in_turn,
    at_most_once,
);
