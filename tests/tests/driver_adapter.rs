//! Object adapter life cycle on both runtimes: hold / activate, wait for hold, deactivation
//! and communicator shutdown, default servants, and the communicator's default object adapter
//! for bidirectional connections.

#[macro_use]
mod common;

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use ice_driver::{
    Communicator, DispatchError, Error, FnServant, Identity, ObjectAdapter, OperationMode, Proxy,
    Runtime,
};
use tokio::sync::Notify;

async fn server(rt: &Arc<dyn Runtime>, endpoints: &str) -> (Communicator, ObjectAdapter) {
    let communicator = Communicator::new(rt.clone());
    let adapter = communicator.create_object_adapter_with_endpoints("A", endpoints).unwrap();
    (communicator, adapter)
}

async fn count(hello: &Proxy) -> i32 {
    hello.invoke_typed("getCount", OperationMode::Idempotent, &()).await.unwrap()
}

async fn tick(hello: &Proxy) -> Result<(), Error> {
    hello.invoke_typed("tick", OperationMode::Normal, &()).await
}

/// A held adapter neither dispatches requests of its connections nor accepts new ones;
/// activating it again releases the held requests.
async fn hold_and_activate(rt: Arc<dyn Runtime>) {
    let (server, adapter) = server(&rt, "tcp -h 127.0.0.1 -p 0").await;
    assert!(adapter.is_holding(), "an adapter holds until activated");
    let servant = HelloI::new();
    adapter.add(Identity::new("hello"), servant.clone()).unwrap();
    adapter.activate().unwrap();
    assert!(!adapter.is_holding());
    let client = Communicator::new(rt.clone());
    let hello = client.create_proxy(Identity::new("hello"), adapter.endpoints().to_vec());
    tick(&hello).await.unwrap();

    adapter.hold().unwrap();
    assert!(adapter.is_holding());
    let held = {
        let hello = hello.clone();
        spawn(&rt, async move { tick(&hello).await })
    };
    // A new client cannot even get its connection validated.
    let other = Communicator::new(rt.clone());
    let late = other
        .create_proxy(Identity::new("hello"), adapter.endpoints().to_vec())
        .ice_invocation_timeout(Some(Duration::from_millis(300)));
    assert!(matches!(tick(&late).await, Err(Error::InvocationTimeout)));
    assert_eq!(servant.count.load(Ordering::SeqCst), 1, "the held request was dispatched");

    adapter.activate().unwrap();
    held.await.unwrap().unwrap();
    let late = late.ice_invocation_timeout(None);
    tick(&late).await.unwrap();
    assert_eq!(count(&hello).await, 3);
    other.destroy().await;
    client.destroy().await;
    server.destroy().await;
}

/// `wait_for_hold` returns once the dispatches in progress are done.
async fn wait_for_hold(rt: Arc<dyn Runtime>) {
    let (server, adapter) = server(&rt, "tcp -h 127.0.0.1 -p 0").await;
    let release = Arc::new(Notify::new());
    let started = Arc::new(Notify::new());
    let finished = Arc::new(AtomicI32::new(0));
    let servant = {
        let (release, started, finished) = (release.clone(), started.clone(), finished.clone());
        FnServant::new("::Test::Slow", move |current, _params| {
            let (release, started, finished) = (release.clone(), started.clone(), finished.clone());
            async move {
                started.notify_one();
                release.notified().await;
                finished.fetch_add(1, Ordering::SeqCst);
                current.void()
            }
        })
    };
    adapter.add(Identity::new("slow"), servant).unwrap();
    adapter.activate().unwrap();
    let client = Communicator::new(rt.clone());
    let slow = client.create_proxy(Identity::new("slow"), adapter.endpoints().to_vec());
    let call = {
        let slow = slow.clone();
        spawn(
            &rt,
            async move { slow.invoke_typed::<_, ()>("work", OperationMode::Normal, &()).await },
        )
    };
    started.notified().await;
    adapter.hold().unwrap();
    let waiting = {
        let (adapter, finished) = (adapter.clone(), finished.clone());
        spawn(&rt, async move {
            adapter.wait_for_hold().await;
            finished.load(Ordering::SeqCst)
        })
    };
    sleep(&rt, Duration::from_millis(100)).await;
    release.notify_one();
    assert_eq!(waiting.await.unwrap(), 1, "wait_for_hold returned before the dispatch ended");
    call.await.unwrap().unwrap();
    client.destroy().await;
    server.destroy().await;
}

/// A servant shuts the communicator down; the server's main task wakes from
/// `wait_for_shutdown` with every adapter deactivated.
async fn shutdown_from_a_servant(rt: Arc<dyn Runtime>) {
    let (server, adapter) = server(&rt, "tcp -h 127.0.0.1 -p 0").await;
    let shutdown = FnServant::new("::Test::Admin", |current, _params| async move {
        let adapter = current.adapter.clone().ok_or(DispatchError::ObjectNotExist)?;
        adapter.communicator().ok_or(DispatchError::ObjectNotExist)?.shutdown();
        current.void()
    });
    adapter.add(Identity::new("admin"), shutdown).unwrap();
    adapter.activate().unwrap();
    assert!(!server.is_shutdown());
    let main = {
        let (server, adapter) = (server.clone(), adapter.clone());
        spawn(&rt, async move {
            server.wait_for_shutdown().await;
            adapter.is_deactivated()
        })
    };
    let client = Communicator::new(rt.clone());
    let admin = client.create_proxy(Identity::new("admin"), adapter.endpoints().to_vec());
    admin.invoke_typed::<_, ()>("shutdown", OperationMode::Normal, &()).await.unwrap();
    assert!(main.await.unwrap(), "wait_for_shutdown returned with the adapter still active");
    assert!(server.is_shutdown());
    adapter.wait_for_deactivate().await;
    // The deactivated adapter answers nobody; activating it again is an error.
    let fresh = Communicator::new(rt.clone());
    let again = fresh
        .create_proxy(Identity::new("admin"), adapter.endpoints().to_vec())
        .ice_invocation_timeout(Some(Duration::from_secs(5)));
    assert!(again.ice_ping().await.is_err());
    assert!(matches!(adapter.activate(), Err(Error::ObjectAdapterDeactivated(_))));
    fresh.destroy().await;
    client.destroy().await;
    server.destroy().await;
}

/// Default servants per category, the catch-all default servant, and their removal.
async fn default_servants(rt: Arc<dyn Runtime>) {
    let (server, adapter) = server(&rt, "tcp -h 127.0.0.1 -p 0").await;
    let named = |name: &'static str| {
        FnServant::new("::Test::Named", move |current, _params| async move {
            current.ok(&format!("{name}:{}", current.identity))
        })
    };
    adapter.add_default_servant("cats", named("cats")).unwrap();
    adapter.add_default_servant("", named("any")).unwrap();
    adapter.add(Identity::new("solo"), named("solo")).unwrap();
    assert!(matches!(
        adapter.add_default_servant("cats", named("again")),
        Err(Error::AlreadyRegistered(_))
    ));
    adapter.activate().unwrap();
    let client = Communicator::new(rt.clone());
    let call = |id: &str| {
        let p = client.create_proxy(
            ice_driver::string_to_identity(id).unwrap(),
            adapter.endpoints().to_vec(),
        );
        async move { p.invoke_typed::<_, String>("who", OperationMode::Normal, &()).await }
    };
    assert_eq!(call("cats/tom").await.unwrap(), "cats:cats/tom");
    assert_eq!(call("dogs/rex").await.unwrap(), "any:dogs/rex");
    assert_eq!(call("solo").await.unwrap(), "solo:solo");
    assert!(adapter.remove_default_servant("").is_some());
    assert!(matches!(call("dogs/rex").await, Err(Error::ObjectNotExist { .. })));
    assert_eq!(call("cats/felix").await.unwrap(), "cats:cats/felix");
    client.destroy().await;
    server.destroy().await;
}

/// The communicator's default object adapter dispatches callbacks arriving over the
/// connections it opens, without `set_adapter` on each.
async fn default_object_adapter(rt: Arc<dyn Runtime>) {
    let (server, adapter) = server(&rt, "tcp -h 127.0.0.1 -p 0").await;
    adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
    adapter.activate().unwrap();
    let client = Communicator::new(rt.clone());
    let callbacks = client.create_object_adapter_with_endpoints("", "").unwrap();
    let receiver = Arc::new(ReceiverI { prefix: "dflt".into(), connections: Default::default() });
    callbacks.add(Identity::new("receiver"), receiver.clone()).unwrap();
    client.set_default_object_adapter(Some(callbacks.clone()));
    assert_eq!(client.default_object_adapter(), Some(callbacks.clone()));
    let hello = client.create_proxy(Identity::new("hello"), adapter.endpoints().to_vec());
    let answer: String =
        hello.invoke_typed("callback", OperationMode::Normal, "receiver").await.unwrap();
    assert_eq!(answer, "dflt:ping");
    let connection = hello.ice_get_connection().await.unwrap();
    assert_eq!(connection.adapter(), Some(callbacks));
    assert_eq!(receiver.connections.lock().unwrap().as_slice(), [connection]);
    client.destroy().await;
    server.destroy().await;
}

/// `<adapter>.PublishedEndpoints` replaces what proxies carry; `Ice.Default.Host` fills in
/// endpoints without `-h`.
async fn configured_endpoints(rt: Arc<dyn Runtime>) {
    let server = Communicator::with_properties(
        rt.clone(),
        properties(&[
            ("Ice.Default.Host", "127.0.0.1"),
            ("A.Endpoints", "tcp -p 0"),
            ("A.PublishedEndpoints", "tcp -h gateway.example -p 4063"),
            ("B.Endpoints", "tcp -p 0"),
            ("Small.Endpoints", "tcp -p 0"),
            ("Small.MessageSizeMax", "1"),
        ]),
    );
    let a = server.create_object_adapter("A").unwrap();
    assert_eq!(a.endpoints().len(), 1);
    assert_eq!(a.endpoints()[0].to_string(), "tcp -h gateway.example -p 4063 -t 60000");
    let proxy = a.create_proxy(Identity::new("x")).unwrap();
    assert_eq!(proxy.to_string(), "x -t -e 1.1:tcp -h gateway.example -p 4063 -t 60000");
    let b = server.create_object_adapter("B").unwrap();
    b.add(Identity::new("hello"), HelloI::new()).unwrap();
    b.activate().unwrap();
    let published = b.endpoints()[0].to_string();
    assert!(published.starts_with("tcp -h 127.0.0.1 -p "), "{published}");
    let client = Communicator::new(rt.clone());
    let hello = client.create_proxy(Identity::new("hello"), b.endpoints());
    hello.ice_ping().await.unwrap();
    // `<adapter>.MessageSizeMax` (KiB) bounds what that adapter's connections accept; the
    // communicator's 1 MiB stays the bound of the others.
    let small = server.create_object_adapter("Small").unwrap();
    small.add(Identity::new("hello"), HelloI::new()).unwrap();
    small.activate().unwrap();
    let big_context: ice_driver::Context = [("k".to_owned(), "x".repeat(4096))].into();
    let to_small = client.create_proxy(Identity::new("hello"), small.endpoints());
    to_small.ice_ping().await.unwrap();
    assert!(to_small.ice_context(big_context.clone()).ice_ping().await.is_err());
    hello.ice_context(big_context).ice_ping().await.unwrap();
    client.destroy().await;
    server.destroy().await;
}

/// A client flooding the server with requests that do not complete is held back by
/// `MaxDispatches`: the server stops reading its connection instead of starting a task per
/// request, and catches up once dispatches complete.
async fn dispatch_limit(rt: Arc<dyn Runtime>) {
    let server = Communicator::with_properties(
        rt.clone(),
        properties(&[("Ice.Connection.Server.MaxDispatches", "10")]),
    );
    let adapter =
        server.create_object_adapter_with_endpoints("A", "tcp -h 127.0.0.1 -p 0").unwrap();
    let servant = HelloI::new();
    adapter.add(Identity::new("hello"), servant.clone()).unwrap();
    adapter.activate().unwrap();
    let flooder = Communicator::new(rt.clone());
    // Small requests: one read of the server holds hundreds of them.
    let blocking = flooder.create_proxy(Identity::new("hello"), adapter.endpoints()).ice_oneway();
    const FLOOD: i32 = 1000;
    let sender = {
        let blocking = blocking.clone();
        spawn(&rt, async move {
            for _ in 0..FLOOD {
                blocking.invoke_typed::<_, ()>("block", OperationMode::Normal, &()).await.unwrap();
            }
        })
    };
    while servant.blocked.load(Ordering::SeqCst) < 10 {
        sleep(&rt, Duration::from_millis(20)).await;
    }
    sleep(&rt, Duration::from_millis(300)).await;
    let started = servant.blocked.load(Ordering::SeqCst);
    assert_eq!(started, 10, "dispatches started with a limit of 10");
    // Another client is served meanwhile, and lets the blocked dispatches finish.
    let other = Communicator::new(rt.clone());
    let hello = other.create_proxy(Identity::new("hello"), adapter.endpoints());
    for _ in 0..FLOOD {
        hello.invoke_typed::<_, ()>("unblock", OperationMode::Normal, &()).await.unwrap();
    }
    sender.await.unwrap();
    while servant.blocked.load(Ordering::SeqCst) < FLOOD {
        sleep(&rt, Duration::from_millis(20)).await;
    }
    other.destroy().await;
    flooder.destroy().await;
    server.destroy().await;
}

/// Datagrams reaching a held adapter are dropped, not queued.
async fn held_datagrams_are_dropped(rt: Arc<dyn Runtime>) {
    let (server, adapter) = server(&rt, "tcp -h 127.0.0.1 -p 0:udp -h 127.0.0.1 -p 0").await;
    let servant = HelloI::new();
    adapter.add(Identity::new("hello"), servant.clone()).unwrap();
    adapter.activate().unwrap();
    let client = Communicator::new(rt.clone());
    let hello = client.create_proxy(Identity::new("hello"), adapter.endpoints().to_vec());
    let datagram = hello.ice_datagram();
    adapter.hold().unwrap();
    tick(&datagram).await.unwrap();
    sleep(&rt, Duration::from_millis(200)).await;
    adapter.activate().unwrap();
    tick(&datagram).await.unwrap();
    wait_for_count(&rt, &hello, 1).await;
    sleep(&rt, Duration::from_millis(200)).await;
    assert_eq!(count(&hello).await, 1, "the datagram sent while holding was dispatched");
    client.destroy().await;
    server.destroy().await;
}

// Their "nothing happens meanwhile" sleeps are exact in virtual time.
in_virtual_time!(wait_for_hold, dispatch_limit);

on_both_runtimes!(
    hold_and_activate,
    shutdown_from_a_servant,
    default_servants,
    default_object_adapter,
    held_datagrams_are_dropped,
    configured_endpoints,
);
