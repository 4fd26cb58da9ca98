//! Arbitrary sequences of inputs to the Glacier2 routing core from several clients and back
//! ends: sessions created, destroyed, closed and expired; proxies added; requests and
//! callbacks routed. Invariants: a forwarded request only ever reaches a proxy its own
//! session added, a callback only ever reaches the session that owns its category, no routing
//! table outgrows its bound, and the router's session count matches a model. Each session
//! also has a buffered request queue, checked against a model: a oneway with an `_ovrd` key
//! replaces in place the queued oneway with the same key and target, nothing else is ever
//! replaced or reordered, and a drain gives back exactly what waits, oldest first.
#![no_main]

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::Bytes;
use ice_proto::frame::Request;
use ice_proto::proxy::{Endpoint, IpEndpoint, ProxyData};
use ice_proto::router::{
    CallbackRoute, ClientRoute, ConnectionId, Enqueued, NewSession, RequestQueue, Router,
    RouterConfig, SessionKind,
};
use ice_proto::{Encapsulation, EncodingVersion, Identity, OperationMode};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    Create { conn: u8 },
    Destroy { conn: u8 },
    Close { conn: u8 },
    Add { conn: u8, proxies: Vec<(u8, u8, u8)> },
    Request { conn: u8, category: u8, name: u8, twoway: bool, fwd: Option<String> },
    Callback { category: u8, generation: u8, twoway: bool },
    Advance { seconds: u8 },
    Queue { conn: u8, key: Option<u8>, target: u8, twoway: bool },
    Drain { conn: u8 },
}

/// A queued request as the model keeps it: override key, target, twoway, and a number.
type Modelled = (Option<String>, String, bool, u32);

/// What the queue must do with a push, by the rule stated in the module's comment.
fn model_push(model: &mut Vec<Modelled>, entry: Modelled) -> Option<u32> {
    let (key, target, twoway, item) = entry;
    let key = key.filter(|k| !k.is_empty());
    if let (Some(k), false) = (&key, twoway) {
        let same = model
            .iter_mut()
            .find(|(ek, et, etw, _)| !*etw && ek.as_deref() == Some(k.as_str()) && *et == target);
        if let Some(e) = same {
            return Some(std::mem::replace(&mut e.3, item));
        }
    }
    model.push((key, target, twoway, item));
    None
}

#[derive(Arbitrary, Debug)]
struct Input {
    max: u8,
    timeout: u8,
    ops: Vec<Op>,
}

fn identity(category: u8, name: u8) -> Identity {
    Identity::with_category(format!("c{}", category % 4), format!("n{}", name % 8))
}

fn request(identity: Identity, ctx: Option<String>) -> Request {
    let mut r = Request::new(
        identity,
        "op",
        OperationMode::Normal,
        Encapsulation::new(EncodingVersion::V1_1, Bytes::from_static(b"\x00")),
    );
    if let Some(f) = ctx {
        r.context.insert("_fwd".into(), f);
    }
    r
}

fuzz_target!(|input: Input| {
    let mut props = ice_proto::Properties::new();
    let max = usize::from(input.max % 8) + 1;
    props.set("Glacier2.RoutingTable.MaxSize", &max.to_string()).unwrap();
    props.set("Glacier2.SessionTimeout", &(input.timeout % 5).to_string()).unwrap();
    let mut router = Router::new(RouterConfig::from_properties(&props).unwrap());
    let mut now = Instant::now();
    // Model: per live session, its category and every proxy (by identity) it added.
    let mut live: HashMap<u64, (String, HashMap<Identity, HashSet<u16>>)> = HashMap::new();
    let mut generation = 0u32;
    // Per connection: its buffered queue, and the model of what it holds.
    let mut queues: HashMap<u64, (RequestQueue<u32>, Vec<Modelled>)> = HashMap::new();
    let mut pushed = 0u32;
    for op in input.ops.into_iter().take(500) {
        match op {
            Op::Create { conn } => {
                let c = ConnectionId(u64::from(conn % 6));
                if router.begin_create_session(c).is_ok() {
                    generation += 1;
                    let category = format!("cat{}-{generation}", c.0);
                    let new = NewSession {
                        user_id: "u".into(),
                        kind: SessionKind::Password,
                        category: Some(category.clone()),
                        session_proxy: None,
                        control: None,
                        connection_context: Default::default(),
                    };
                    router.finish_create_session(now, c, new).unwrap();
                    live.insert(c.0, (category, HashMap::new()));
                }
            }
            Op::Destroy { conn } => {
                let c = ConnectionId(u64::from(conn % 6));
                let gone = router.destroy_session(c, ice_proto::router::DestroyReason::Destroyed);
                assert_eq!(gone.is_some(), live.remove(&c.0).is_some());
                queues.remove(&c.0);
            }
            Op::Close { conn } => {
                let c = ConnectionId(u64::from(conn % 6));
                let gone = router.connection_closed(c);
                assert_eq!(gone.is_some(), live.remove(&c.0).is_some());
                queues.remove(&c.0);
            }
            Op::Add { conn, proxies } => {
                let c = ConnectionId(u64::from(conn % 6));
                let list: Vec<Option<ProxyData>> = proxies
                    .iter()
                    .take(16)
                    .map(|(cat, name, port)| {
                        let mut p = ProxyData::new(identity(*cat, *name));
                        p.endpoints.push(Endpoint::Tcp(IpEndpoint::new("h", u16::from(*port))));
                        Some(p)
                    })
                    .collect();
                let result = router.add_proxies(now, c, &list);
                assert_eq!(result.is_ok(), live.contains_key(&c.0));
                if let (Ok(_), Some((_, added))) = (result, live.get_mut(&c.0)) {
                    for p in list.into_iter().flatten() {
                        let port = match &p.endpoints[0] {
                            Endpoint::Tcp(ip) => ip.port,
                            _ => unreachable!(),
                        };
                        added.entry(p.identity).or_default().insert(port);
                    }
                }
                if let Some(s) = router.session(c) {
                    assert!(s.routing_table.len() <= max);
                }
            }
            Op::Request { conn, category, name, twoway, fwd } => {
                let c = ConnectionId(u64::from(conn % 6));
                let id = identity(category, name);
                match router.route_client_request(now, c, request(id.clone(), fwd), twoway) {
                    ClientRoute::NoSession => assert!(!live.contains_key(&c.0)),
                    ClientRoute::Refused { .. } => assert!(live.contains_key(&c.0)),
                    ClientRoute::Forward { target, request, .. } => {
                        let (_, added) = live.get(&c.0).expect("forwarded without a session");
                        assert_eq!(target.identity, id);
                        assert_eq!(request.params.data.as_ref(), b"\x00");
                        let port = match &target.endpoints[0] {
                            Endpoint::Tcp(ip) => ip.port,
                            _ => unreachable!(),
                        };
                        let ports = added.get(&id).expect("target this session never added");
                        assert!(ports.contains(&port), "another session's proxy");
                    }
                }
            }
            Op::Callback { category, generation: g, twoway } => {
                let cat = format!("cat{}-{}", category % 6, g);
                let id = Identity::with_category(cat.clone(), "x");
                match router.route_callback(request(id, None), twoway) {
                    CallbackRoute::Forward { client, .. } => {
                        let (owner_cat, _) = live.get(&client.0).expect("callback to no session");
                        assert_eq!(*owner_cat, cat);
                    }
                    CallbackRoute::NoSession(_) => {
                        assert!(!live.values().any(|(c, _)| *c == cat));
                    }
                }
            }
            Op::Advance { seconds } => {
                now += Duration::from_secs(u64::from(seconds % 8));
                for d in router.handle_timeout(now) {
                    assert!(live.remove(&d.connection.0).is_some());
                    queues.remove(&d.connection.0);
                }
            }
            Op::Queue { conn, key, target, twoway } => {
                let c = u64::from(conn % 6);
                if !live.contains_key(&c) {
                    continue;
                }
                pushed += 1;
                let key =
                    key.map(|k| if k % 5 == 0 { String::new() } else { format!("k{}", k % 3) });
                let target = format!("t{}", target % 3);
                let (queue, model) = queues.entry(c).or_insert_with(Default::default);
                let expected = model_push(model, (key.clone(), target.clone(), twoway, pushed));
                match queue.push(key, target, twoway, pushed) {
                    Enqueued::Queued => assert_eq!(expected, None, "should have overridden"),
                    Enqueued::Overrode(old) => assert_eq!(Some(old), expected, "wrong override"),
                }
                assert_eq!(queue.len(), model.len());
            }
            Op::Drain { conn } => {
                if let Some((queue, model)) = queues.get_mut(&u64::from(conn % 6)) {
                    let items: Vec<u32> = model.drain(..).map(|e| e.3).collect();
                    assert_eq!(queue.take_all(), items);
                    assert!(queue.is_empty());
                }
            }
        }
        assert_eq!(router.session_count(), live.len());
    }
});
