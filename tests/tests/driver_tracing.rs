//! `Ice.Trace.Network` / `Ice.Trace.Protocol` raise the driver's connection and protocol
//! `tracing` events to INFO. One test in this binary, because it installs a global subscriber
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

fn levels_of(events: &[(Level, String)], message: &str) -> Vec<Level> {
    events.iter().filter(|(_, m)| m == message).map(|(l, _)| *l).collect()
}

#[test]
fn trace_properties_raise_events_to_info() {
    let events = Arc::new(Mutex::new(Vec::new()));
    tracing::subscriber::set_global_default(Capture(events.clone())).expect("one subscriber");
    let take = || std::mem::take(&mut *events.lock().unwrap());

    on_tokio(|rt| ping(rt, &[]));
    let quiet = take();
    for message in ["connecting", "connection established", "connection validated"] {
        let levels = levels_of(&quiet, message);
        assert!(!levels.is_empty(), "no {message:?} event: {quiet:?}");
        assert!(levels.iter().all(|l| *l == Level::DEBUG), "{message:?}: {levels:?}");
    }
    let requests = levels_of(&quiet, "sending request");
    assert!(!requests.is_empty() && requests.iter().all(|l| *l == Level::TRACE));

    on_tokio(|rt| ping(rt, &[("Ice.Trace.Network", "1")]));
    let network = take();
    for message in ["connecting", "connection established", "connection validated"] {
        let levels = levels_of(&network, message);
        assert!(levels.contains(&Level::INFO), "{message:?} not at INFO: {network:?}");
    }
    assert!(levels_of(&network, "sending request").iter().all(|l| *l == Level::TRACE));

    on_tokio(|rt| ping(rt, &[("Ice.Trace.Protocol", "2")]));
    let protocol = take();
    for message in ["sending request", "dispatching request"] {
        let levels = levels_of(&protocol, message);
        assert!(levels.contains(&Level::INFO), "{message:?} not at INFO: {protocol:?}");
    }
    assert!(levels_of(&protocol, "connection validated").iter().all(|l| *l == Level::DEBUG));
}
