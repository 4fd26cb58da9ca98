//! Which connection a proxy uses, as ZeroC chooses it (issue 12): a proxy keeps the
//! connection it chose, reuses open connections before opening new ones, orders its endpoints
//! by `ice_endpoint_selection`, and gets connections of its own with `ice_connection_id`.
//! Each scenario runs on tokio and async-std.

#[macro_use]
mod common;

use std::sync::{Arc, Mutex};

use common::*;
use ice_driver::{
    Communicator, Current, EndpointSelection, Error, FnServant, Identity, ObjectAdapter,
    OperationMode, Proxy, Runtime,
};
use ice_tests::refused::RefusedPort;

/// A server whose `hello` object records the argument of every `record(int)` and counts
/// `tick`s like [`HelloI`].
struct Server {
    communicator: Communicator,
    adapter: ObjectAdapter,
    hello: Arc<HelloI>,
    recorded: Arc<Mutex<Vec<i32>>>,
}

fn server(rt: &Arc<dyn Runtime>) -> Server {
    let communicator = Communicator::new(rt.clone());
    let adapter =
        communicator.create_object_adapter_with_endpoints("", "tcp -h 127.0.0.1 -p 0").unwrap();
    let hello = HelloI::new();
    adapter.add(Identity::new("hello"), hello.clone()).unwrap();
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let sink = recorded.clone();
    let recorder = FnServant::new("::Test::Recorder", move |current: Current, params| {
        let sink = sink.clone();
        async move {
            let value: i32 = params.decode()?;
            sink.lock().unwrap().push(value);
            current.void()
        }
    });
    adapter.add(Identity::new("recorder"), recorder).unwrap();
    adapter.activate().unwrap();
    Server { communicator, adapter, hello, recorded }
}

impl Server {
    fn endpoint(&self) -> String {
        self.adapter.endpoints()[0].to_string()
    }

    fn ticks(&self) -> i32 {
        self.hello.count.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// `name:<endpoint of each server>`.
fn proxy_to(client: &Communicator, name: &str, servers: &[&Server]) -> Proxy {
    let endpoints: Vec<String> = servers.iter().map(|s| s.endpoint()).collect();
    client.string_to_proxy(&format!("{name}:{}", endpoints.join(":"))).unwrap()
}

async fn tick(p: &Proxy) {
    p.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
}

async fn count(p: &Proxy) -> i32 {
    p.invoke_typed("getCount", OperationMode::Idempotent, &()).await.unwrap()
}

/// Batch oneways through a proxy with two endpoints are queued on one connection, and the
/// flush sends all of them there.
async fn batch_through_two_endpoints_arrives_in_one_flush(rt: Arc<dyn Runtime>) {
    let (a, b) = (server(&rt), server(&rt));
    let client = Communicator::new(rt.clone());
    let hello = proxy_to(&client, "hello", &[&a, &b]);
    let batch = hello.ice_batch_oneway();
    for _ in 0..50 {
        tick(&batch).await;
    }
    batch.ice_flush_batch_requests().await.unwrap();
    // A twoway copy uses the same connection, dispatched after the batch.
    assert_eq!(count(&hello).await, 50);
    assert_eq!(a.ticks() + b.ticks(), 50, "every batched request arrived");
    assert!(a.ticks() == 0 || b.ticks() == 0, "split: {} and {}", a.ticks(), b.ticks());
    client.destroy().await;
    a.communicator.destroy().await;
    b.communicator.destroy().await;
}

/// Oneways of one caller through a two-endpoint proxy arrive at one server, in order.
async fn oneways_through_two_endpoints_stay_in_order(rt: Arc<dyn Runtime>) {
    let (a, b) = (server(&rt), server(&rt));
    let client = Communicator::new(rt.clone());
    let recorder = proxy_to(&client, "recorder", &[&a, &b]).ice_oneway();
    const N: i32 = 300;
    for i in 0..N {
        recorder.invoke_typed::<_, ()>("record", OperationMode::Normal, &i).await.unwrap();
    }
    // A twoway on the same proxy's connection is dispatched after every oneway before it.
    let twoway = recorder.ice_twoway();
    twoway.ice_ping().await.unwrap();
    let (ra, rb) = (a.recorded.lock().unwrap().clone(), b.recorded.lock().unwrap().clone());
    let all = if ra.is_empty() { rb } else { ra };
    assert_eq!(all, (0..N).collect::<Vec<_>>(), "one server, in order");
    client.destroy().await;
    a.communicator.destroy().await;
    b.communicator.destroy().await;
}

/// `ice_get_connection` answers the same connection every time, and so do copies of the
/// proxy that keep its endpoints.
async fn get_connection_is_stable(rt: Arc<dyn Runtime>) {
    let (a, b) = (server(&rt), server(&rt));
    let client = Communicator::new(rt.clone());
    let hello = proxy_to(&client, "hello", &[&a, &b]);
    let first = hello.ice_get_connection().await.unwrap();
    for _ in 0..20 {
        assert_eq!(hello.ice_get_connection().await.unwrap(), first);
        assert_eq!(hello.ice_oneway().ice_get_connection().await.unwrap(), first);
        assert_eq!(hello.ice_facet("f").ice_get_connection().await.unwrap(), first);
    }
    // A fresh copy with the same endpoints reuses the open connection instead of opening a
    // second one to the other endpoint.
    for _ in 0..20 {
        let copy = proxy_to(&client, "hello", &[&a, &b]);
        assert_eq!(copy.ice_get_connection().await.unwrap(), first);
    }
    // The servers accept asynchronously: wait until they see it, and see no other.
    hello.ice_ping().await.unwrap();
    let accepted = || async { a.adapter.connections().len() + b.adapter.connections().len() };
    wait_for(&rt, "accepted connections", accepted, 1).await;
    client.destroy().await;
    a.communicator.destroy().await;
    b.communicator.destroy().await;
}

/// Proxies with different connection ids use different connections; the same id shares one.
async fn connection_ids_get_connections_of_their_own(rt: Arc<dyn Runtime>) {
    let a = server(&rt);
    let client = Communicator::new(rt.clone());
    let hello = proxy_to(&client, "hello", &[&a]);
    let plain = hello.ice_get_connection().await.unwrap();
    let one = hello.ice_connection_id("one");
    let two = hello.ice_connection_id("two");
    assert_eq!(one.ice_get_connection_id(), "one");
    let (c1, c2) =
        (one.ice_get_connection().await.unwrap(), two.ice_get_connection().await.unwrap());
    assert_ne!(c1, c2);
    assert_ne!(c1, plain);
    assert_ne!(c2, plain);
    let again = proxy_to(&client, "hello", &[&a]).ice_connection_id("one");
    assert_eq!(again.ice_get_connection().await.unwrap(), c1);
    assert_ne!(one, hello, "the connection id is part of a proxy's equality");
    tick(&one).await;
    tick(&two).await;
    hello.ice_ping().await.unwrap();
    wait_for(&rt, "accepted connections", || async { a.adapter.connections().len() }, 3).await;
    client.destroy().await;
    a.communicator.destroy().await;
}

/// `Ordered` picks the first endpoint that works: always the first when it is up, the next
/// one when it is not.
async fn ordered_picks_the_first_live_endpoint(rt: Arc<dyn Runtime>) {
    let (a, b) = (server(&rt), server(&rt));
    for _ in 0..10 {
        let client = Communicator::new(rt.clone());
        let hello = proxy_to(&client, "hello", &[&a, &b])
            .ice_endpoint_selection(EndpointSelection::Ordered);
        tick(&hello).await;
        client.destroy().await;
    }
    assert_eq!((a.ticks(), b.ticks()), (10, 0));
    // The same through Ice.Default.EndpointSelection, behind an endpoint nobody listens on.
    let refused = RefusedPort::new();
    let dead = refused.endpoint();
    let client = Communicator::with_properties(
        rt.clone(),
        properties(&[("Ice.Default.EndpointSelection", "Ordered")]),
    );
    let hello =
        client.string_to_proxy(&format!("hello:{dead}:{}:{}", b.endpoint(), a.endpoint())).unwrap();
    assert_eq!(hello.ice_get_endpoint_selection(), EndpointSelection::Ordered);
    for _ in 0..5 {
        tick(&hello).await;
    }
    assert_eq!((a.ticks(), b.ticks()), (10, 5));
    client.destroy().await;
    a.communicator.destroy().await;
    b.communicator.destroy().await;
}

/// A proxy that does not cache its connection chooses again for every request, so a caller's
/// requests spread over the endpoints (all 40 on one endpoint has a probability of 2^-39).
async fn uncached_proxy_spreads_requests(rt: Arc<dyn Runtime>) {
    let (a, b) = (server(&rt), server(&rt));
    let client = Communicator::new(rt.clone());
    let hello = proxy_to(&client, "hello", &[&a, &b]).ice_connection_cached(false);
    assert!(!hello.ice_is_connection_cached());
    for _ in 0..40 {
        tick(&hello).await;
    }
    assert_eq!(a.ticks() + b.ticks(), 40);
    assert!(a.ticks() > 0 && b.ticks() > 0, "{} and {}", a.ticks(), b.ticks());
    // One connection per endpoint, reused.
    wait_for(&rt, "connections to a", || async { a.adapter.connections().len() }, 1).await;
    wait_for(&rt, "connections to b", || async { b.adapter.connections().len() }, 1).await;
    client.destroy().await;
    a.communicator.destroy().await;
    b.communicator.destroy().await;
}

/// A connect failure moves on to the next endpoint, and a proxy whose cached connection
/// broke chooses again (a `Normal` request that was not sent is not at risk).
async fn failover_after_connect_failure_and_broken_connection(rt: Arc<dyn Runtime>) {
    let (a, b) = (server(&rt), server(&rt));
    let refused = RefusedPort::new();
    let dead = refused.endpoint();
    let client = Communicator::new(rt.clone());
    for _ in 0..10 {
        let hello = client
            .string_to_proxy(&format!("hello:{dead}:{}", a.endpoint()))
            .unwrap()
            .ice_connection_cached(false);
        tick(&hello).await;
    }
    assert_eq!(a.ticks(), 10);
    let both =
        proxy_to(&client, "hello", &[&a, &b]).ice_endpoint_selection(EndpointSelection::Ordered);
    let used = both.ice_get_connection().await.unwrap();
    tick(&both).await;
    assert_eq!(a.ticks(), 11);
    a.communicator.destroy().await;
    assert!(
        matches!(used.closed().await, Error::ConnectionLost | Error::CloseConnection),
        "{used:?}"
    );
    tick(&both).await;
    assert_eq!(b.ticks(), 1);
    assert_ne!(both.ice_get_connection().await.unwrap(), used);
    client.destroy().await;
    b.communicator.destroy().await;
}

/// `property_to_proxy` reads the proxy and its `EndpointSelection`, `ConnectionCached`,
/// `InvocationTimeout` and `Context.*` sub-properties; a bad selection is an error.
async fn property_to_proxy_reads_the_sub_properties(rt: Arc<dyn Runtime>) {
    let a = server(&rt);
    let client = Communicator::with_properties(
        rt.clone(),
        properties(&[
            ("Hello.Proxy", &format!("hello:{}", a.endpoint())),
            ("Hello.Proxy.EndpointSelection", "Ordered"),
            ("Hello.Proxy.ConnectionCached", "0"),
            ("Hello.Proxy.InvocationTimeout", "5000"),
            ("Hello.Proxy.Context.lang", "fr"),
            ("Bad.Proxy", "hello:tcp -h 127.0.0.1 -p 1"),
            ("Bad.Proxy.EndpointSelection", "Sideways"),
        ]),
    );
    let hello = client.property_to_proxy("Hello.Proxy").unwrap().expect("set");
    assert_eq!(hello.ice_get_endpoint_selection(), EndpointSelection::Ordered);
    assert!(!hello.ice_is_connection_cached());
    let greeting: String =
        hello.invoke_typed("sayHello", OperationMode::Normal, "Ana").await.unwrap();
    assert_eq!(greeting, "Bonjour, Ana!");
    assert!(client.property_to_proxy("Missing.Proxy").unwrap().is_none());
    assert!(matches!(client.property_to_proxy("Bad.Proxy"), Err(Error::Parse(_))));
    client.destroy().await;
    a.communicator.destroy().await;
}

/// A runtime whose resolver answers only when the test says so, to show that host names are
/// resolved through [`Runtime::resolve`] while other work goes on.
#[derive(Debug)]
struct HeldResolver {
    inner: Arc<dyn Runtime>,
    asked: Mutex<Vec<(String, tokio::sync::oneshot::Sender<Vec<std::net::SocketAddr>>)>>,
    notify: tokio::sync::Notify,
}

impl Runtime for HeldResolver {
    fn spawn(&self, future: ice_driver::BoxFuture<'static, ()>) {
        self.inner.spawn(future)
    }
    fn now(&self) -> std::time::Instant {
        self.inner.now()
    }
    fn sleep_until(&self, deadline: std::time::Instant) -> ice_driver::BoxFuture<'static, ()> {
        self.inner.sleep_until(deadline)
    }
    fn resolve(
        &self,
        host: String,
        _port: u16,
    ) -> ice_driver::BoxFuture<'static, std::io::Result<Vec<std::net::SocketAddr>>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.asked.lock().unwrap().push((host, tx));
        self.notify.notify_one();
        Box::pin(async move { rx.await.map_err(|_| std::io::Error::other("no answer")) })
    }
    fn connect(
        &self,
        addr: std::net::SocketAddr,
    ) -> ice_driver::BoxFuture<'static, std::io::Result<Box<dyn ice_driver::runtime::TcpStream>>>
    {
        self.inner.connect(addr)
    }
    fn bind(
        &self,
        addr: std::net::SocketAddr,
    ) -> std::io::Result<Box<dyn ice_driver::runtime::TcpListener>> {
        self.inner.bind(addr)
    }
    fn udp(
        &self,
        socket: std::net::UdpSocket,
    ) -> std::io::Result<Box<dyn ice_driver::runtime::UdpSocket>> {
        self.inner.udp(socket)
    }
}

/// Host names go through the runtime's resolver: while it has not answered, calls to other
/// proxies proceed; its answer is used; a resolver that never answers fails the call at the
/// endpoint's timeout; and each runtime's own resolver finds `localhost`.
async fn host_names_resolve_through_the_runtime(rt: Arc<dyn Runtime>) {
    let a = server(&rt);
    let port = match &a.adapter.endpoints()[0] {
        ice_driver::Endpoint::Tcp(ip) => ip.port,
        other => panic!("{other}"),
    };
    let held = Arc::new(HeldResolver {
        inner: rt.clone(),
        asked: Mutex::new(Vec::new()),
        notify: tokio::sync::Notify::new(),
    });
    let client = Communicator::new(held.clone());
    let named = client.string_to_proxy(&format!("hello:tcp -h backend.test -p {port}")).unwrap();
    let pending = spawn(&rt, async move { named.ice_ping().await });
    held.notify.notified().await;
    // The named call waits for its resolver; a call by address does not.
    proxy_to(&client, "hello", &[&a]).ice_ping().await.unwrap();
    let (host, answer) = held.asked.lock().unwrap().pop().expect("asked");
    assert_eq!(host, "backend.test");
    answer.send(vec![std::net::SocketAddr::from(([127, 0, 0, 1], port))]).unwrap();
    pending.await.unwrap().unwrap();
    // A resolver that never answers: the endpoint's timeout ends the attempt.
    let stuck = client
        .string_to_proxy(&format!("hello:tcp -h stuck.test -p {port} -t 100"))
        .unwrap()
        .ice_invocation_timeout(Some(std::time::Duration::from_secs(30)));
    match stuck.ice_ping().await {
        Err(Error::ConnectFailed { reason, .. }) => {
            assert!(reason.contains("resolution"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    client.destroy().await;
    let client = Communicator::new(rt.clone());
    let local = client.string_to_proxy(&format!("hello:tcp -h localhost -p {port}")).unwrap();
    local.ice_ping().await.unwrap();
    let nowhere = client.string_to_proxy("hello:tcp -h no-such-host.invalid -p 1").unwrap();
    assert!(matches!(nowhere.ice_ping().await, Err(Error::ConnectFailed { .. })));
    client.destroy().await;
    a.communicator.destroy().await;
}

on_both_runtimes!(
    batch_through_two_endpoints_arrives_in_one_flush,
    oneways_through_two_endpoints_stay_in_order,
    get_connection_is_stable,
    connection_ids_get_connections_of_their_own,
    ordered_picks_the_first_live_endpoint,
    uncached_proxy_spreads_requests,
    failover_after_connect_failure_and_broken_connection,
    property_to_proxy_reads_the_sub_properties,
    host_names_resolve_through_the_runtime,
);
