//! The Glacier2 routing core between real protocol state machines on a simulated network, no
//! sockets: a client, the router's two legs (its client endpoint and its connection to the
//! back end, plus the back end's connection to the router's server endpoint for callbacks),
//! and a back end. The "router" here is the few lines a driver adds around
//! [`ice_proto::router::Router`]: take a request event, ask the core, invoke on the other leg,
//! relay the reply.

mod pair;

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use ice_proto::connection::{DispatchId, Event, IncomingRequest, InvocationId};
use ice_proto::frame::{ReplyStatus, Request};
use ice_proto::proxy::{Endpoint, IpEndpoint, ProxyData};
use ice_proto::router::{
    CallbackRoute, ClientRoute, ConnectionId, NewSession, Router, RouterConfig, SessionKind,
};
use ice_proto::{Encapsulation, EncodingVersion, Identity, OperationMode, Properties};
use pair::Pair;

const CLIENT: ConnectionId = ConnectionId(1);

fn enc(bytes: &'static [u8]) -> Encapsulation {
    Encapsulation::new(EncodingVersion::V1_1, Bytes::from_static(bytes))
}

fn request(category: &str, name: &str, op: &str, params: &'static [u8]) -> Request {
    Request::new(Identity::with_category(category, name), op, OperationMode::Normal, enc(params))
}

fn backend_proxy(category: &str, name: &str) -> ProxyData {
    let mut p = ProxyData::new(Identity::with_category(category, name));
    p.endpoints.push(Endpoint::Tcp(IpEndpoint::new("backend", 10000)));
    p
}

fn take_requests(events: &mut Vec<Event>) -> Vec<IncomingRequest> {
    let mut out = Vec::new();
    events.retain_mut(|e| match std::mem::replace(e, Event::Connected) {
        Event::Request(r) => {
            out.push(r);
            false
        }
        other => {
            *e = other;
            true
        }
    });
    out
}

fn take_replies(events: &mut Vec<Event>) -> Vec<(InvocationId, ReplyStatus)> {
    let mut out = Vec::new();
    events.retain_mut(|e| match std::mem::replace(e, Event::Connected) {
        Event::Reply { invocation, status, .. } => {
            out.push((invocation, status));
            false
        }
        other => {
            *e = other;
            true
        }
    });
    out
}

/// The whole simulated deployment.
struct Net {
    core: Router,
    /// Client (client side) <-> router's client endpoint (server side).
    front: Pair,
    /// Router (client side) <-> back end (server side).
    back: Pair,
    /// Back end (client side) <-> router's server endpoint (server side), for callbacks.
    callbacks: Pair,
    /// Forwarded client requests: back-leg invocation -> front-leg dispatch.
    forwarded: HashMap<InvocationId, DispatchId>,
    /// Forwarded callbacks: front-leg invocation -> callback-leg dispatch.
    reversed: HashMap<InvocationId, DispatchId>,
    /// Request ids the back end saw.
    backend_ids: Vec<i32>,
}

impl Net {
    fn new(props: &[(&str, &str)]) -> Net {
        let mut p = Properties::new();
        for (k, v) in props {
            p.set(k, v).unwrap();
        }
        Net {
            core: Router::new(RouterConfig::from_properties(&p).unwrap()),
            front: Pair::connected(),
            back: Pair::connected(),
            callbacks: Pair::connected(),
            forwarded: HashMap::new(),
            reversed: HashMap::new(),
            backend_ids: Vec::new(),
        }
    }

    fn session(&mut self, category: &str) {
        self.core.begin_create_session(CLIENT).unwrap();
        let new = NewSession {
            user_id: "user".into(),
            kind: SessionKind::Password,
            category: Some(category.into()),
            session_proxy: None,
            control: None,
            connection_context: Default::default(),
        };
        self.core.finish_create_session(self.front.now, CLIENT, new).unwrap();
    }

    /// Runs the network and the router until nothing moves.
    fn settle(&mut self) {
        for _ in 0..100 {
            self.front.drive();
            self.back.drive();
            self.callbacks.drive();
            let mut moved = false;
            // Client requests at the router's client endpoint.
            for r in take_requests(&mut self.front.server_events) {
                moved = true;
                let now = self.front.now;
                match self.core.route_client_request(now, CLIENT, r.request, r.twoway) {
                    ClientRoute::Forward { options, request, .. } => {
                        let id =
                            self.back.client.invoke(request, options.is_twoway(), false).unwrap();
                        if options.is_twoway() {
                            self.forwarded.insert(id, r.dispatch);
                        } else {
                            self.front.server.reply(r.dispatch, ReplyStatus::Ok(enc(b"")));
                        }
                    }
                    ClientRoute::Refused { status, .. } => {
                        self.front.server.reply(r.dispatch, status)
                    }
                    ClientRoute::NoSession => {
                        self.front.server.close(ice_proto::connection::CloseMode::Forcefully)
                    }
                }
            }
            // The back end answers each request with its operation name as the result.
            for r in take_requests(&mut self.back.server_events) {
                moved = true;
                self.backend_ids.push(r.request.request_id);
                let body = format!("{}:{}", r.request.operation, r.request.params.data.len());
                let status =
                    ReplyStatus::Ok(Encapsulation::new(EncodingVersion::V1_1, Bytes::from(body)));
                self.back.server.reply(r.dispatch, status);
            }
            for (id, status) in take_replies(&mut self.back.client_events) {
                moved = true;
                // (Replies to the router's own requests on the back leg are not relayed.)
                if let Some(dispatch) = self.forwarded.remove(&id) {
                    self.front.server.reply(dispatch, status);
                }
            }
            // Callbacks at the router's server endpoint go over the client's connection.
            for r in take_requests(&mut self.callbacks.server_events) {
                moved = true;
                match self.core.route_callback(r.request, r.twoway) {
                    CallbackRoute::Forward { client, options, request } => {
                        assert_eq!(client, CLIENT);
                        let id =
                            self.front.server.invoke(request, options.is_twoway(), false).unwrap();
                        self.reversed.insert(id, r.dispatch);
                    }
                    CallbackRoute::NoSession(status) => {
                        self.callbacks.server.reply(r.dispatch, status)
                    }
                }
            }
            for r in take_requests(&mut self.front.client_events) {
                moved = true;
                let status = ReplyStatus::Ok(Encapsulation::new(
                    EncodingVersion::V1_1,
                    Bytes::from(format!("client:{}", r.request.operation)),
                ));
                self.front.client.reply(r.dispatch, status);
            }
            for (id, status) in take_replies(&mut self.front.server_events) {
                moved = true;
                let dispatch = self.reversed.remove(&id).expect("a forwarded callback");
                self.callbacks.server.reply(dispatch, status);
            }
            if !moved {
                return;
            }
        }
        panic!("the network does not settle");
    }
}

fn ok_body(status: &ReplyStatus) -> String {
    match status {
        ReplyStatus::Ok(e) => String::from_utf8(e.data.to_vec()).unwrap(),
        other => panic!("not a success: {other:?}"),
    }
}

#[test]
fn requests_are_forwarded_with_their_parameters_and_replies_relayed() {
    let mut net = Net::new(&[]);
    net.session("cat");
    net.core.add_proxies(net.front.now, CLIENT, &[Some(backend_proxy("", "hello"))]).unwrap();
    // The back leg already carried other requests: its request ids differ from the client's.
    net.back.client.invoke(request("", "warmup", "x", b""), true, false).unwrap();
    net.settle();
    let first = net
        .front
        .client
        .invoke(request("", "hello", "sayHello", b"\x05Hello"), true, false)
        .unwrap();
    let second =
        net.front.client.invoke(request("", "hello", "other", b"\x01"), true, false).unwrap();
    net.settle();
    let replies: HashMap<_, _> = take_replies(&mut net.front.client_events).into_iter().collect();
    assert_eq!(ok_body(&replies[&first]), "sayHello:6");
    assert_eq!(ok_body(&replies[&second]), "other:1");
    assert_eq!(net.backend_ids, vec![1, 2, 3], "the router's own request ids on the back leg");
    assert!(net.forwarded.is_empty());
}

#[test]
fn unknown_identities_and_missing_sessions() {
    let mut net = Net::new(&[("Glacier2.RoutingTable.MaxSize", "1")]);
    // No session: the router aborts the client's connection.
    net.front.client.invoke(request("", "hello", "op", b""), true, false).unwrap();
    net.settle();
    assert!(net.front.client.is_closed());

    let mut net = Net::new(&[("Glacier2.RoutingTable.MaxSize", "1")]);
    net.session("cat");
    net.core.add_proxies(net.front.now, CLIENT, &[Some(backend_proxy("", "a"))]).unwrap();
    let evicted = net
        .core
        .add_proxies(net.front.now, CLIENT, &[Some(backend_proxy("", "b"))])
        .unwrap()
        .evicted;
    assert_eq!(evicted[0].identity, Identity::new("a"));
    let id = net.front.client.invoke(request("", "a", "op", b""), true, false).unwrap();
    net.settle();
    match &take_replies(&mut net.front.client_events)[..] {
        [(i, ReplyStatus::ObjectNotExist(f))] if *i == id => {
            assert_eq!(f.operation, "ice_add_proxy")
        }
        other => panic!("{other:?}"),
    }
    assert!(net.backend_ids.is_empty(), "nothing reached the back end");
    // Oneways to a known identity are forwarded, never answered.
    net.front.client.invoke(request("", "b", "tick", b""), false, false).unwrap();
    net.settle();
    assert_eq!(net.backend_ids, vec![0]);
    assert!(take_replies(&mut net.front.client_events).is_empty());
}

#[test]
fn callbacks_travel_over_the_clients_own_connection() {
    let mut net = Net::new(&[]);
    net.session("cat");
    let id = net
        .callbacks
        .client
        .invoke(request("cat", "receiver", "notify", b"\x02hi"), true, false)
        .unwrap();
    let stranger = net
        .callbacks
        .client
        .invoke(request("nobody", "receiver", "notify", b""), true, false)
        .unwrap();
    net.settle();
    let replies: HashMap<_, _> =
        take_replies(&mut net.callbacks.client_events).into_iter().collect();
    assert_eq!(ok_body(&replies[&id]), "client:notify");
    assert!(matches!(replies[&stranger], ReplyStatus::ObjectNotExist(_)));
    assert!(net.reversed.is_empty());
}

#[test]
fn sessions_expire_on_virtual_time() {
    let mut net = Net::new(&[("Glacier2.SessionTimeout", "10")]);
    net.session("cat");
    net.core.add_proxies(net.front.now, CLIENT, &[Some(backend_proxy("", "a"))]).unwrap();
    net.front.run_for(Duration::from_secs(5));
    net.front.client.invoke(request("", "a", "op", b""), true, false).unwrap();
    net.settle();
    assert_eq!(
        net.core.handle_timeout(net.front.now + Duration::from_secs(6)).len(),
        0,
        "refreshed by use"
    );
    let expired = net.core.handle_timeout(net.front.now + Duration::from_secs(10));
    assert_eq!(expired.len(), 1);
    // The connection stays open; the next request finds no session and is aborted.
    net.front.client.invoke(request("", "a", "op", b""), true, false).unwrap();
    net.settle();
    assert!(net.front.client.is_closed());
}
