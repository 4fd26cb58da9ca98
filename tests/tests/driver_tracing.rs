//! `Ice.Trace.Network` / `Ice.Trace.Protocol` raise the driver's connection and protocol
//! `tracing` events to INFO, worded as ZeroC's traces. One test in this binary, because it installs a global subscriber
//! (connection tasks run on runtime threads, so a thread-local one would miss them).

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use ice_driver::{Communicator, Identity, Runtime};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Records the level and message of every event.
struct Capture(Arc<Mutex<Vec<(Level, String)>>>);

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        if let Ok(mut events) = self.0.lock() {
            events.push((*event.metadata().level(), message.0));
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// A Rust client pings a Rust server, both configured with `props`.
async fn ping(rt: Arc<dyn Runtime>, props: &'static [(&'static str, &'static str)]) {
    let server = Communicator::with_properties(rt.clone(), properties(props));
    let adapter =
        server.create_object_adapter_with_endpoints("Test", "tcp -h 127.0.0.1 -p 0").unwrap();
    adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
    adapter.activate().unwrap();
    let client = Communicator::with_properties(rt, properties(props));
    let hello = client.string_to_proxy(&format!("hello:{}", adapter.endpoints()[0])).unwrap();
    hello.ice_ping().await.unwrap();
    client.destroy().await;
    server.destroy().await;
}

/// A Rust client with `Ice.Trace.Network=1` pings a TCP server that accepts and then closes
/// without validating the connection.
async fn ping_unvalidated(rt: Arc<dyn Runtime>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let closer = std::thread::spawn(move || {
        // The first attempt and its retry.
        for _ in 0..2 {
            drop(listener.accept());
        }
    });
    let client = Communicator::with_properties(rt, properties(&[("Ice.Trace.Network", "1")]));
    let hello = client.string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {port}")).unwrap();
    assert!(hello.ice_ping().await.is_err());
    client.destroy().await;
    closer.join().unwrap();
}

/// A server configured with `props`, listening on `endpoint` (tcp or ws, port 0), and the
/// port it got, for raw sockets to connect to.
fn raw_target(rt: Arc<dyn Runtime>, props: &[(&str, &str)], endpoint: &str) -> (Communicator, u16) {
    let server = Communicator::with_properties(rt, properties(props));
    let adapter = server.create_object_adapter_with_endpoints("Test", endpoint).unwrap();
    adapter.activate().unwrap();
    let port = match &adapter.endpoints()[0] {
        ice_driver::Endpoint::Tcp(ip) => ip.port,
        ice_driver::Endpoint::Ws(ws) => ws.ip.port,
        other => panic!("{other}"),
    };
    (server, port)
}

/// How many of the events so far start with `start`.
fn count(events: &Mutex<Vec<(Level, String)>>, start: &str) -> usize {
    events.lock().unwrap().iter().filter(|(_, m)| m.starts_with(start)).count()
}

/// A server with `Ice.Trace.Network=2` on a `ws` endpoint gets a connection that sends no
/// WebSocket handshake, only garbage; returns once the server gave up on it.
async fn garbage_ws_handshake(rt: Arc<dyn Runtime>, events: Arc<Mutex<Vec<(Level, String)>>>) {
    use std::io::Write;
    let (server, port) =
        raw_target(rt.clone(), &[("Ice.Trace.Network", "2")], "ws -h 127.0.0.1 -p 0");
    let mut raw = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    raw.write_all(b"NOT HTTP AT ALL\r\n\r\n").unwrap();
    drop(raw);
    // The handshake fails as soon as the garbage is read.
    let failed = || async { count(&events, "failed to accept ws connection") };
    wait_for(&rt, "failed handshakes", failed, 1).await;
    server.destroy().await;
}

/// A server with `Ice.Warn.Connections=1` gets a client that reads the ValidateConnection,
/// then sends a header with a bad magic; returns once the server warned about it.
async fn bad_magic(rt: Arc<dyn Runtime>, events: Arc<Mutex<Vec<(Level, String)>>>) {
    use std::io::{Read, Write};
    let (server, port) =
        raw_target(rt.clone(), &[("Ice.Warn.Connections", "1")], "tcp -h 127.0.0.1 -p 0");
    let mut raw = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut validate = [0u8; 14];
    raw.read_exact(&mut validate).unwrap();
    raw.write_all(b"XXXX\x01\x00\x01\x00\x00\x00\x0e\x00\x00\x00").unwrap();
    let warned = || async { count(&events, "connection exception:") };
    wait_for(&rt, "connection warnings", warned, 1).await;
    drop(raw);
    server.destroy().await;
}

/// A server with `Ice.Warn.Connections=1` gets health checks: connections that read the
/// ValidateConnection (or not) and leave without sending anything.
async fn health_checks(rt: Arc<dyn Runtime>, events: Arc<Mutex<Vec<(Level, String)>>>) {
    use std::io::Read;
    let (server, port) =
        raw_target(rt.clone(), &[("Ice.Warn.Connections", "1")], "tcp -h 127.0.0.1 -p 0");
    for read_validation in [true, false] {
        let mut raw = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        if read_validation {
            let mut validate = [0u8; 14];
            raw.read_exact(&mut validate).unwrap();
        }
    }
    // Until the server saw both go (closed by the peer, not by the destroy below).
    let closed = || async { count(&events, "closed tcp connection") };
    wait_for(&rt, "closed connections", closed, 2).await;
    server.destroy().await;
}

/// The levels and texts of the events whose message starts with `start`.
fn starting<'a>(events: &'a [(Level, String)], start: &str) -> Vec<&'a (Level, String)> {
    events.iter().filter(|(_, m)| m.starts_with(start)).collect()
}

/// Every event starting with `start` is at `level`, and there is one.
fn all_at(events: &[(Level, String)], start: &str, level: Level) {
    let found = starting(events, start);
    assert!(!found.is_empty(), "no {start:?} event: {events:#?}");
    assert!(found.iter().all(|(l, _)| *l == level), "{start:?} not at {level}: {found:#?}");
}

#[test]
fn trace_properties_raise_events_to_info_in_zeroc_words() {
    let events = Arc::new(Mutex::new(Vec::new()));
    tracing::subscriber::set_global_default(Capture(events.clone())).expect("one subscriber");
    let take = || std::mem::take(&mut *events.lock().unwrap());

    on_tokio(|rt| ping(rt, &[]));
    let quiet = take();
    for start in ["listening for tcp connections", "accepted tcp connection", "established tcp"] {
        all_at(&quiet, start, Level::DEBUG);
    }
    // Messages are only described when Ice.Trace.Protocol asks.
    all_at(&quiet, "sending request", Level::TRACE);
    assert!(starting(&quiet, "received reply").is_empty());

    on_tokio(|rt| ping(rt, &[("Ice.Trace.Network", "1")]));
    let network = take();
    for start in [
        "listening for tcp connections\nlocal address = 127.0.0.1:",
        "published endpoints for object adapter `Test':\ntcp -h 127.0.0.1 -p ",
        "accepting tcp connections at 127.0.0.1:",
        "accepted tcp connection\nlocal address = 127.0.0.1:",
        "established tcp connection\nlocal address = 127.0.0.1:",
        "closed tcp connection\nlocal address = 127.0.0.1:",
        "stopping to accept tcp connections at 127.0.0.1:",
    ] {
        all_at(&network, start, Level::INFO);
    }
    let accepted = &starting(&network, "accepted tcp connection")[0].1;
    assert!(accepted.contains("\nremote address = 127.0.0.1:"), "{accepted}");
    // Connection attempts are level 2.
    all_at(&network, "trying to establish tcp connection to 127.0.0.1:", Level::DEBUG);

    // What proxies carry, after `<name>.PublishedEndpoints`, traced once.
    on_tokio(|rt| async move {
        let props = properties(&[
            ("Ice.Trace.Network", "1"),
            ("Test.Endpoints", "tcp -h 127.0.0.1 -p 0"),
            ("Test.PublishedEndpoints", "tcp -h gateway.example.com -p 4000"),
        ]);
        let communicator = Communicator::with_properties(rt, props);
        communicator.create_object_adapter("Test").unwrap();
        communicator.destroy().await;
    });
    let published = take();
    let traced = starting(&published, "published endpoints for object adapter `Test'");
    assert_eq!(traced.len(), 1, "{published:#?}");
    assert!(traced[0].1.ends_with(":\ntcp -h gateway.example.com -p 4000 -t 60000"), "{traced:#?}");
    // Never activated, it still stops accepting when destroyed, as ZeroC's says.
    let stopping = starting(&published, "stopping to accept tcp connections at 127.0.0.1:");
    assert_eq!(stopping.len(), 1, "{published:#?}");

    // ZeroC: a connection whose transport was up is `closed` (with why) even if it never got
    // validated; `failed to establish` is for a connect or handshake that failed.
    on_tokio(ping_unvalidated);
    let unvalidated = take();
    all_at(&unvalidated, "closed tcp connection\nlocal address = 127.0.0.1:", Level::INFO);
    let closed = &starting(&unvalidated, "closed tcp connection")[0].1;
    let lost = "::Ice::ConnectionLostException:\nconnection lost: recv() returned zero";
    assert!(closed.ends_with(lost), "{closed}");
    assert!(starting(&unvalidated, "failed to establish").is_empty(), "{unvalidated:#?}");

    // Ice.Warn.Connections: nothing for connections that close as they should...
    on_tokio(|rt| ping(rt, &[("Ice.Warn.Connections", "1")]));
    let orderly = take();
    assert!(starting(&orderly, "closed tcp connection").iter().all(|(l, _)| *l == Level::DEBUG));
    assert!(starting(&orderly, "connection exception").is_empty(), "{orderly:#?}");
    // ... or that never sent a message (as ZeroC's: health checks are no warning) ...
    on_tokio(|rt| health_checks(rt, events.clone()));
    let checks = take();
    let lost = starting(&checks, "closed tcp connection");
    assert_eq!(lost.len(), 2, "{checks:#?}");
    // In ZeroC's words: `recv() returned zero`, or the system's error (a reset).
    assert!(lost.iter().all(|(_, m)| m.contains("\nconnection lost: ")), "{lost:#?}");
    assert!(starting(&checks, "connection exception").is_empty(), "{checks:#?}");
    // ... a warning with why and the addresses for one that breaks the protocol.
    on_tokio(|rt| bad_magic(rt, events.clone()));
    let broken = take();
    all_at(&broken, "connection exception:\n", Level::WARN);
    let warning = &starting(&broken, "connection exception:")[0].1;
    assert!(warning.contains("\nlocal address = 127.0.0.1:"), "{warning}");
    assert!(warning.contains("\nremote address = 127.0.0.1:"), "{warning}");
    assert!(warning.to_lowercase().contains("magic"), "{warning}");

    // A handshake that fails is a level-2 trace with the addresses and why.
    on_tokio(|rt| garbage_ws_handshake(rt, events.clone()));
    let garbage = take();
    all_at(&garbage, "failed to accept ws connection\nlocal address = 127.0.0.1:", Level::INFO);
    let failed = &starting(&garbage, "failed to accept ws connection")[0].1;
    assert!(failed.contains("\nremote address = 127.0.0.1:"), "{failed}");
    assert!(failed.contains("websocket handshake failed"), "{failed}");

    on_tokio(|rt| ping(rt, &[("Ice.Trace.Network", "2")]));
    all_at(&take(), "trying to establish tcp connection to 127.0.0.1:", Level::INFO);

    // A typo under Ice's prefixes is a warning in ZeroC's words, once per communicator (the
    // server's, then the client's) as it reads its configuration; names of 3.7 and 3.8
    // alike are known.
    on_tokio(|rt| {
        ping(
            rt,
            &[
                ("Ice.Trace.Netwrok", "1"),
                ("ice.trace.protocol", "0"),
                ("Ice.Connection.Client.IdleTimeout", "60"),
                ("Ice.ACM.Client.Timeout", "60"),
            ],
        )
    });
    let typos = take();
    let unknown: Vec<&str> =
        starting(&typos, "unknown property").iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(
        unknown,
        [
            "unknown property: `Ice.Trace.Netwrok'",
            "unknown property: `ice.trace.protocol'; did you mean `Ice.Trace.Protocol'"
        ]
        .repeat(2),
        "{typos:#?}"
    );
    all_at(&typos, "unknown property", Level::WARN);
    // An adapter's own typos, when it is created; `Ice.Warn.UnknownProperties=0` silences them.
    for (warn, expected) in [("1", 1), ("0", 0)] {
        on_tokio(|rt| async move {
            let props = properties(&[
                ("Ice.Warn.UnknownProperties", warn),
                ("Test.Endpoints", "tcp -h 127.0.0.1 -p 0"),
                ("Test.Endpionts", "tcp -h 127.0.0.1 -p 0"),
                ("Test.ACM.Timeout", "30"),
                ("Test.Connection.IdleTimeout", "30"),
            ]);
            let communicator = Communicator::with_properties(rt, props);
            communicator.create_object_adapter("Test").unwrap();
            communicator.destroy().await;
        });
        let adapter = take();
        let found = starting(&adapter, "found unknown properties");
        assert_eq!(found.len(), expected, "{adapter:#?}");
        if let Some((level, message)) = found.first() {
            assert_eq!(*level, Level::WARN);
            assert_eq!(
                message,
                "found unknown properties for object adapter `Test':\n    Test.Endpionts"
            );
        }
    }
    // A proxy property's, when the proxy is read.
    on_tokio(|rt| async move {
        let props = properties(&[
            ("Hello.Proxy", "hello:tcp -h 127.0.0.1 -p 10000"),
            ("Hello.Proxy.InvocationTimeout", "100"),
            ("Hello.Proxy.Locatr", "locator:tcp -h 127.0.0.1 -p 10001"),
        ]);
        let communicator = Communicator::with_properties(rt, props);
        communicator.property_to_proxy("Hello.Proxy").unwrap().unwrap();
        communicator.destroy().await;
    });
    let proxy = take();
    let found = starting(&proxy, "found unknown properties");
    assert_eq!(found.len(), 1, "{proxy:#?}");
    assert_eq!(
        found[0].1,
        "found unknown properties for proxy 'Hello.Proxy':\n    Hello.Proxy.Locatr"
    );

    on_tokio(|rt| ping(rt, &[("Ice.Trace.Protocol", "1")]));
    let protocol = take();
    for start in [
        "sending validate connection \nmessage type = 3 (validate connection)\n",
        "received validate connection ",
        "sending request \nmessage type = 0 (request)\ncompression status = 0 (not compressed; \
         do not compress response, if any)\nmessage size = ",
        "received request \nmessage type = 0 (request)",
        "sending reply \nmessage type = 2 (reply)",
        "received reply \nmessage type = 2 (reply)",
    ] {
        all_at(&protocol, start, Level::INFO);
    }
    let request = &starting(&protocol, "sending request ")[0].1;
    let expected = "\nrequest id = 1\nidentity = hello\nfacet = \noperation = ice_ping\nmode = 1 \
         (nonmutating)\ncontext = \nencoding = 1.1";
    assert!(request.ends_with(expected), "{request}");
    let reply = &starting(&protocol, "received reply ")[0].1;
    assert!(reply.ends_with("\nrequest id = 1\nreply status = 0 (ok)\nencoding = 1.1"), "{reply}");
    all_at(&protocol, "accepted tcp connection", Level::DEBUG);
}
