use std::time::{Duration, Instant};

use super::*;
use crate::proxy::{Endpoint, IpEndpoint, ProxyMode};
use crate::{Encapsulation, EncodingVersion, Identity, OperationMode, Properties};

const C1: ConnectionId = ConnectionId(1);
const C2: ConnectionId = ConnectionId(2);

fn props(pairs: &[(&str, &str)]) -> Properties {
    let mut p = Properties::new();
    for (k, v) in pairs {
        p.set(k, v).unwrap();
    }
    p
}

fn proxy(category: &str, name: &str, port: u16) -> ProxyData {
    let mut p = ProxyData::new(Identity::with_category(category, name));
    p.endpoints.push(Endpoint::Tcp(IpEndpoint::new("127.0.0.1", port)));
    p
}

fn request(category: &str, name: &str, ctx: &[(&str, &str)]) -> Request {
    let mut r = Request::new(
        Identity::with_category(category, name),
        "op",
        OperationMode::Normal,
        Encapsulation::new(EncodingVersion::V1_1, bytes::Bytes::from_static(b"\x01\x02")),
    );
    r.context = ctx.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    r
}

fn session(router: &mut Router, now: Instant, c: ConnectionId, user: &str, category: &str) {
    router.begin_create_session(c).unwrap();
    let new = NewSession {
        user_id: user.into(),
        kind: SessionKind::Password,
        category: Some(category.into()),
        session_proxy: None,
        control: None,
        connection_context: ConnectionInfo {
            transport: "tcp".into(),
            local: Some("127.0.0.1:4063".parse().unwrap()),
            remote: Some("127.0.0.1:50000".parse().unwrap()),
            ..ConnectionInfo::default()
        }
        .context(),
    };
    router.finish_create_session(now, c, new).unwrap();
}

#[test]
fn one_session_per_connection_and_no_session_after_shutdown() {
    let now = Instant::now();
    let mut r = Router::new(RouterConfig::default());
    r.begin_create_session(C1).unwrap();
    assert_eq!(r.begin_create_session(C1), Err(CreateSessionError::InProgress));
    r.abort_create_session(C1);
    session(&mut r, now, C1, "u", "cat1");
    assert_eq!(r.begin_create_session(C1), Err(CreateSessionError::SessionExists));
    assert_eq!(r.connection_for_category("cat1"), Some(C1));
    let gone = r.shutdown();
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].reason, DestroyReason::Shutdown);
    assert_eq!(r.begin_create_session(C2), Err(CreateSessionError::ShuttingDown));
    assert_eq!(r.connection_for_category("cat1"), None);
}

#[test]
fn requests_need_a_session_and_a_routing_table_entry() {
    let now = Instant::now();
    let mut r = Router::new(RouterConfig::default());
    assert!(matches!(
        r.route_client_request(now, C1, request("", "hello", &[]), true),
        ClientRoute::NoSession
    ));
    session(&mut r, now, C1, "u", "cat1");
    match r.route_client_request(now, C1, request("", "hello", &[]), true) {
        ClientRoute::Refused {
            status: ReplyStatus::ObjectNotExist(f),
            why: Refusal::NotInTable,
        } => {
            assert_eq!(f.operation, "ice_add_proxy");
            assert_eq!(f.identity, Identity::new("hello"));
        }
        other => panic!("{other:?}"),
    }
    let mut added = proxy("", "hello", 10000);
    added.mode = ProxyMode::Oneway;
    added.facet = "f".into();
    let evicted = r.add_proxies(now, C1, &[None, Some(added)]).unwrap().evicted;
    assert!(evicted.is_empty());
    let mut req = request("", "hello", &[]);
    req.facet = "admin".into();
    match r.route_client_request(now, C1, req, true) {
        ClientRoute::Forward { target, options, request } => {
            // Stored normalised, then the request's facet and kind applied.
            assert_eq!(target.facet, "admin");
            assert_eq!(target.mode, ProxyMode::Twoway);
            assert!(options.is_twoway());
            assert_eq!(request.params.data.as_ref(), b"\x01\x02");
            assert!(request.context.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // Another connection's session does not see the table.
    session(&mut r, now, C2, "v", "cat2");
    assert!(matches!(
        r.route_client_request(now, C2, request("", "hello", &[]), true),
        ClientRoute::Refused { why: Refusal::NotInTable, .. }
    ));
}

#[test]
fn eviction_returns_the_least_recently_used_and_keeps_the_first_proxy() {
    let now = Instant::now();
    let mut r = Router::new(
        RouterConfig::from_properties(&props(&[("Glacier2.RoutingTable.MaxSize", "2")])).unwrap(),
    );
    session(&mut r, now, C1, "u", "cat");
    r.add_proxies(now, C1, &[Some(proxy("", "a", 1)), Some(proxy("", "b", 1))]).unwrap();
    // `a` used: `b` is now the oldest.
    assert!(matches!(
        r.route_client_request(now, C1, request("", "a", &[]), true),
        ClientRoute::Forward { .. }
    ));
    let evicted = r.add_proxies(now, C1, &[Some(proxy("", "c", 1))]).unwrap().evicted;
    assert_eq!(evicted.len(), 1);
    assert_eq!(evicted[0].identity, Identity::new("b"));
    // Re-adding an identity does not retarget it.
    let added = r.add_proxies(now, C1, &[Some(proxy("", "a", 2))]).unwrap().added;
    assert_eq!(added[0].1, Added::AlreadyPresent);
    match r.route_client_request(now, C1, request("", "a", &[]), true) {
        ClientRoute::Forward { target, .. } => {
            assert_eq!(target.endpoints, proxy("", "a", 1).endpoints)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.routing_table_entries(), 2);
}

#[test]
fn filters_are_ored_and_accept_user_adds_the_user_category() {
    let now = Instant::now();
    let cfg = RouterConfig::from_properties(&props(&[
        ("Glacier2.Filter.Category.Accept", "c1 \"a cat\""),
        ("Glacier2.Filter.Category.AcceptUser", "2"),
        ("Glacier2.Filter.Identity.Accept", "x/y"),
    ]))
    .unwrap();
    let mut r = Router::new(cfg);
    session(&mut r, now, C1, "userid", "cat");
    for (cat, name) in
        [("c1", "cb"), ("a cat", "cb"), ("_userid", "cb"), ("x", "y"), ("c3", "cb"), ("x", "z")]
    {
        r.add_proxies(now, C1, &[Some(proxy(cat, name, 1))]).unwrap();
    }
    let ok = |r: &mut Router, c: &str, n: &str| {
        matches!(
            r.route_client_request(now, C1, request(c, n, &[]), true),
            ClientRoute::Forward { .. }
        )
    };
    assert!(ok(&mut r, "c1", "cb"));
    assert!(ok(&mut r, "a cat", "cb"));
    assert!(ok(&mut r, "_userid", "cb"));
    assert!(ok(&mut r, "x", "y"));
    match r.route_client_request(now, C1, request("c3", "cb", &[]), true) {
        ClientRoute::Refused {
            status: ReplyStatus::ObjectNotExist(f),
            why: Refusal::Filtered(_),
        } => {
            assert_eq!(f.operation, "op")
        }
        other => panic!("{other:?}"),
    }
    assert!(!ok(&mut r, "x", "z"));
}

#[test]
fn adapter_id_filter_applies_to_indirect_proxies_only() {
    let now = Instant::now();
    let cfg = RouterConfig::from_properties(&props(&[("Glacier2.Filter.AdapterId.Accept", "foo")]))
        .unwrap();
    let mut r = Router::new(cfg);
    session(&mut r, now, C1, "u", "cat");
    let mut foo = ProxyData::new(Identity::new("a"));
    foo.adapter_id = "foo".into();
    let mut baz = ProxyData::new(Identity::new("b"));
    baz.adapter_id = "baz".into();
    r.add_proxies(now, C1, &[Some(foo), Some(baz), Some(proxy("", "direct", 1))]).unwrap();
    assert!(matches!(
        r.route_client_request(now, C1, request("", "a", &[]), true),
        ClientRoute::Forward { .. }
    ));
    assert!(matches!(
        r.route_client_request(now, C1, request("", "b", &[]), true),
        ClientRoute::Refused { why: Refusal::Filtered(_), .. }
    ));
    assert!(matches!(
        r.route_client_request(now, C1, request("", "direct", &[]), true),
        ClientRoute::Forward { .. }
    ));
}

#[test]
fn fwd_options_and_forwarded_contexts() {
    let now = Instant::now();
    let o = ForwardOptions::from_request(
        true,
        &[("_fwd".to_owned(), "tOzx".to_owned())].into_iter().collect(),
    );
    assert_eq!(o.mode, ProxyMode::BatchOneway);
    assert!(o.compress);
    assert_eq!(o.unknown, Some('x'));
    assert_eq!(ForwardOptions::from_request(false, &Context::new()).mode, ProxyMode::Oneway);

    let cfg = RouterConfig::from_properties(&props(&[
        ("Glacier2.Client.ForwardContext", "1"),
        ("Glacier2.AddConnectionContext", "1"),
    ]))
    .unwrap();
    let mut r = Router::new(cfg);
    session(&mut r, now, C1, "u", "cat");
    r.add_proxies(now, C1, &[Some(proxy("", "a", 1))]).unwrap();
    match r.route_client_request(
        now,
        C1,
        request("", "a", &[("_fwd", "o"), ("_con.type", "spoof"), ("k", "v")]),
        true,
    ) {
        ClientRoute::Forward { target, options, request } => {
            assert_eq!(target.mode, ProxyMode::Oneway);
            assert!(!options.is_twoway());
            assert_eq!(request.context.get("k").map(String::as_str), Some("v"));
            assert_eq!(request.context.get("_fwd").map(String::as_str), Some("o"));
            // The client's own value wins, as in glacier2router.
            assert_eq!(request.context.get("_con.type").map(String::as_str), Some("spoof"));
            assert_eq!(request.context.get("_con.localPort").map(String::as_str), Some("4063"));
        }
        other => panic!("{other:?}"),
    }
    // Without ForwardContext the client's context is dropped.
    let mut r = Router::new(RouterConfig::default());
    session(&mut r, now, C1, "u", "cat");
    r.add_proxies(now, C1, &[Some(proxy("", "a", 1))]).unwrap();
    match r.route_client_request(now, C1, request("", "a", &[("k", "v")]), true) {
        ClientRoute::Forward { request, .. } => assert!(request.context.is_empty()),
        other => panic!("{other:?}"),
    }
    let auth = r.authentication_context(
        &[("_con.type".to_owned(), "x".to_owned()), ("a".to_owned(), "b".to_owned())]
            .into_iter()
            .collect(),
        &ConnectionInfo::default(),
    );
    assert_eq!(auth.len(), 1, "{auth:?}");
}

#[test]
fn callbacks_route_by_category_to_the_owner_only() {
    let now = Instant::now();
    let mut r = Router::new(RouterConfig::default());
    session(&mut r, now, C1, "u", "cat1");
    session(&mut r, now, C2, "v", "cat2");
    match r.route_callback(request("cat2", "anything", &[("k", "v")]), true) {
        CallbackRoute::Forward { client, request, options } => {
            assert_eq!(client, C2);
            assert!(request.context.is_empty());
            assert!(options.is_twoway());
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        r.route_callback(request("dummy", "x", &[]), true),
        CallbackRoute::NoSession(ReplyStatus::ObjectNotExist(_))
    ));
    r.connection_closed(C2).unwrap();
    assert!(matches!(
        r.route_callback(request("cat2", "x", &[]), true),
        CallbackRoute::NoSession(_)
    ));
    assert_eq!(r.session_count(), 1);
}

#[test]
fn sessions_expire_after_the_session_timeout_unless_touched() {
    let t0 = Instant::now();
    let cfg = RouterConfig::from_properties(&props(&[("Glacier2.SessionTimeout", "30")])).unwrap();
    let mut r = Router::new(cfg);
    session(&mut r, t0, C1, "u", "c1");
    session(&mut r, t0, C2, "v", "c2");
    assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_secs(30)));
    assert!(r.touch(t0 + Duration::from_secs(20), C2));
    assert!(r.handle_timeout(t0 + Duration::from_secs(29)).is_empty());
    let gone = r.handle_timeout(t0 + Duration::from_secs(30));
    assert_eq!(gone.len(), 1);
    assert_eq!((gone[0].connection, gone[0].reason), (C1, DestroyReason::Expired));
    assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_secs(50)));
    assert!(matches!(
        r.route_client_request(t0, C1, request("", "a", &[]), true),
        ClientRoute::NoSession
    ));
}

#[test]
fn plain_numbers_that_are_not_numbers_give_the_default_with_a_warning() {
    let p =
        props(&[("Glacier2.SessionTimeout", "\"30\""), ("Glacier2.Client.ForwardContext", "yes")]);
    let cfg = RouterConfig::from_properties(&p).unwrap();
    assert_eq!(cfg.session_timeout, None);
    assert!(!cfg.client_forward_context);
    assert_eq!(p.take_warnings().len(), 2);
}

#[test]
fn bad_filter_and_limit_properties_are_refused() {
    for (k, v) in [
        ("Glacier2.RoutingTable.MaxSize", "0"),
        ("Glacier2.Filter.Category.AcceptUser", "3"),
        ("Glacier2.Filter.Category.Accept", "\"open"),
        ("Glacier2.RoutingTable.MaxSize", "abc"),
    ] {
        let e = RouterConfig::from_properties(&props(&[(k, v)])).unwrap_err();
        assert_eq!(e.property, k);
    }
}

#[test]
fn filters_changed_while_the_session_is_created_are_kept() {
    let now = Instant::now();
    let mut r = Router::new(RouterConfig::default());
    r.begin_create_session(C1).unwrap();
    // The session manager adds a category through SessionControl inside `create`.
    r.filters_mut(C1).unwrap().categories.insert("allowed".into());
    let new = NewSession {
        user_id: "u".into(),
        kind: SessionKind::Password,
        category: None,
        session_proxy: None,
        control: None,
        connection_context: Context::new(),
    };
    r.finish_create_session(now, C1, new).unwrap();
    r.add_proxies(now, C1, &[Some(proxy("allowed", "a", 1)), Some(proxy("other", "b", 1))])
        .unwrap();
    assert!(matches!(
        r.route_client_request(now, C1, request("allowed", "a", &[]), true),
        ClientRoute::Forward { .. }
    ));
    assert!(matches!(
        r.route_client_request(now, C1, request("other", "b", &[]), true),
        ClientRoute::Refused { why: Refusal::Filtered(_), .. }
    ));
    assert!(r.filters_mut(C2).is_none());
}

#[test]
fn heartbeats_and_generations() {
    let now = Instant::now();
    let mut r = Router::new(RouterConfig::default());
    assert_eq!(r.handle_heartbeat(now, C1), Heartbeat::NoSession);
    session(&mut r, now, C1, "u", "c");
    assert_eq!(r.handle_heartbeat(now, C1), Heartbeat::Refreshed);
    let first = r.session(C1).unwrap().generation();
    r.destroy_session(C1, DestroyReason::Destroyed).unwrap();
    // The connection stays open without a session: a heartbeat on it aborts it.
    assert_eq!(r.handle_heartbeat(now, C1), Heartbeat::Abort);
    session(&mut r, now, C1, "u", "c2");
    assert_eq!(r.handle_heartbeat(now, C1), Heartbeat::Refreshed);
    // A decision about the first session does not end the second.
    assert!(r.destroy_session_if(C1, first, DestroyReason::ByServer).is_none());
    let second = r.session(C1).unwrap().generation();
    assert_ne!(first, second);
    assert!(r.destroy_session_if(C1, second, DestroyReason::ByServer).is_some());
    r.connection_closed(C1);
    assert_eq!(r.handle_heartbeat(now, C1), Heartbeat::NoSession);
}
