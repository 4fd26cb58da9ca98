//! The cases of ZeroC's `Glacier2/staticFiltering` test (Ice 3.7.8), against the routing core:
//! each router configuration (address accept/reject rules, `ProxySizeMax`, category,
//! identity and adapter-id filters), and proxies a client adds then calls, each accepted or
//! refused as in that test. Host-name cases use a made-up host and domain: the router matches
//! hosts as written, without DNS.

use std::time::Instant;

use ice_proto::frame::Request;
use ice_proto::proxy::ProxyData;
use ice_proto::router::{ClientRoute, ConnectionId, NewSession, Router, RouterConfig, SessionKind};
use ice_proto::{Encapsulation, EncodingVersion, OperationMode, Properties};

const FQDN: &str = "glacierhost.example.com";
const HOST: &str = "glacierhost";
const DOMAIN: &str = ".example.com";

/// Accept rules, reject rules, ProxySizeMax, categories, identities, adapter ids.
type Config<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str);

fn router(config: Config<'_>) -> Router {
    let (accept, reject, size, categories, identities, adapters) = config;
    let mut p = Properties::new();
    p.set("Glacier2.RoutingTable.MaxSize", "10").unwrap();
    for (k, v) in [
        ("Glacier2.Filter.Address.Accept", accept),
        ("Glacier2.Filter.Address.Reject", reject),
        ("Glacier2.Filter.ProxySizeMax", size),
        ("Glacier2.Filter.Category.Accept", categories),
        ("Glacier2.Filter.Identity.Accept", identities),
        ("Glacier2.Filter.AdapterId.Accept", adapters),
    ] {
        if !v.is_empty() {
            p.set(k, v).unwrap();
        }
    }
    Router::new(RouterConfig::from_properties(&p).unwrap())
}

/// Whether a fresh session that adds `proxy` and pings it gets through.
fn accepted(config: Config<'_>, proxy: &str) -> bool {
    let mut r = router(config);
    let now = Instant::now();
    let c = ConnectionId(1);
    r.begin_create_session(c).unwrap();
    let new = NewSession {
        user_id: "userid".into(),
        kind: SessionKind::Password,
        category: None,
        session_proxy: None,
        control: None,
        connection_context: Default::default(),
    };
    r.finish_create_session(now, c, new).unwrap();
    let p: ProxyData = proxy.parse().unwrap_or_else(|e| panic!("{proxy}: {e}"));
    if r.add_proxies(now, c, &[Some(p.clone())]).is_err() {
        return false;
    }
    let ping = Request::new(
        p.identity.clone(),
        "ice_ping",
        OperationMode::Nonmutating,
        Encapsulation::empty(EncodingVersion::V1_1),
    );
    matches!(r.route_client_request(now, c, ping, true), ClientRoute::Forward { .. })
}

fn check(name: &str, config: Config<'_>, cases: &[(bool, String)]) {
    for (expected, proxy) in cases {
        assert_eq!(accepted(config, proxy), *expected, "{name}: {proxy}");
    }
}

fn cases(list: &[(bool, &str)]) -> Vec<(bool, String)> {
    list.iter().map(|(e, p)| (*e, p.replace("{fqdn}", FQDN).replace("{host}", HOST))).collect()
}

#[test]
fn category_identity_and_adapter_filters() {
    check(
        "category filter",
        ("", "", "", "foo \"a cat with spaces\"", "", ""),
        &cases(&[
            (true, "foo/helloA:tcp -h 127.0.0.1 -p 12010"),
            (true, "\"a cat with spaces/helloB\":tcp -h 127.0.0.1 -p 12010"),
            (false, "nocat/helloC:tcp -h 127.0.0.1 -p 12010"),
            (false, "cat/helloD:tcp -h 127.0.0.1 -p 12010"),
        ]),
    );
    check(
        "adapter id filter",
        ("", "*", "", "", "", "foo \"an adapter with spaces\""),
        &cases(&[
            (false, "foo/helloA:tcp -h 127.0.0.1 -p 12010"),
            (false, "nocat/helloC:tcp -h 127.0.0.1 -p 12010"),
            (false, "helloE @ bar"),
            (true, "helloF1 @ \"an adapter with spaces\""),
            (true, "helloF @ foo"),
        ]),
    );
    check(
        "identity filters",
        ("", "", "", "", "myident cata/fooa \"a funny id/that might mess it up\"", ""),
        &cases(&[
            (false, "\"a cat with spaces/helloB\":tcp -h 127.0.0.1 -p 12010"),
            (false, "baz/myident:tcp -h 127.0.0.1 -p 12010"),
            (false, "cata/foo:tcp -h 127.0.0.1 -p 12010"),
            (false, "cat/fooa:tcp -h 127.0.0.1 -p 12010"),
            (true, "myident:tcp -h 127.0.0.1 -p 12010"),
            (true, "cata/fooa:tcp -h 127.0.0.1 -p 12010"),
            (true, "\"a funny id/that might mess it up\":tcp -h 127.0.0.1 -p 12010"),
        ]),
    );
    let mixed = (
        "",
        "",
        "",
        "mycat \"a sec cat\"",
        "myident cata/fooa \"a funny id/that might mess it up\" \"a\\\"nother\"",
        "myadapter",
    );
    check(
        "mixing filters",
        mixed,
        &cases(&[
            (false, "nocat/helloC:tcp -h 127.0.0.1 -p 12010"),
            (false, "baz/myident:tcp -h 127.0.0.1 -p 12010"),
            (true, "mycat/fooa:tcp -h 127.0.0.1 -p 12010"),
            (true, "\"a sec cat/fooa\":tcp -h 127.0.0.1 -p 12010"),
            (true, "mycat/foo @ jimbo"),
            (false, "hiscatA @ jimbo"),
            (true, "hiscat @ myadapter"),
            (true, "a\\\"nother @ jimbo"),
            (true, "myident:tcp -h 127.0.0.1 -p 12010"),
        ]),
    );
    let indirect_only = (
        "",
        "*",
        "",
        mixed.3,
        "myident cata/fooa \"a funny id/that might mess it up\"",
        "myadapter",
    );
    check(
        "mixing filters (indirect only)",
        indirect_only,
        &cases(&[
            (false, "mycat/fooa:tcp -h 127.0.0.1 -p 12010"),
            (true, "mycat/foo @ jimbo"),
            (false, "hiscatA @ jimbo"),
            (true, "hiscat @ myadapter"),
            (false, "myident:tcp -h 127.0.0.1 -p 12010"),
            (true, "\"a funny id/that might mess it up\" @ myadapter"),
            (false, "\"a funny id/that might mess it up\":tcp -h 127.0.0.1 -p 12010"),
        ]),
    );
}

#[test]
fn address_rules() {
    check(
        "reject all",
        ("", "*", "", "", "", ""),
        &cases(&[
            (false, "helloA:tcp -h {fqdn} -p 12010"),
            (false, "helloB:tcp -h {host} -p 12010"),
            (false, "helloC:tcp -h 127.0.0.1 -p 12010"),
            (true, "bar @ foo"),
        ]),
    );
    check(
        "loopback only",
        ("127.0.0.1 localhost", "", "", "", "", ""),
        &cases(&[
            (false, "hello:tcp -h {fqdn} -p 12010"),
            (false, "hello:tcp -h {host} -p 12010"),
            (false, "127.0.0.1:tcp -h {host} -p 12010"),
            (false, "localhost/127.0.0.1:tcp -h {host} -p 12010"),
            (true, "localhost:tcp -h 127.0.0.1 -p 12010"),
            (true, "localhost/127.0.0.1:tcp -h localhost -p 12010"),
            (true, "hello/somecat:tcp -h localhost -p 12010"),
        ]),
    );
    check(
        "port filter",
        ("127.0.0.1:12010 localhost:12010", "", "", "", "", ""),
        &cases(&[
            (false, "hello1:tcp -h 127.0.0.1 -p 12011"),
            (false, "hello2:tcp -h localhost -p 12011"),
            (false, "hello5:tcp -h {host} -p 12010"),
            (true, "hello3:tcp -h 127.0.0.1 -p 12010"),
            (true, "hello4:tcp -h localhost -p 12010"),
        ]),
    );
    check(
        "reject port ranges",
        ("", "127.0.0.1:[0-12009,12011-65535] localhost:[0-12009,12011-65535]", "", "", "", ""),
        &cases(&[
            (false, "hello1:tcp -h 127.0.0.1 -p 12011"),
            (false, "hello2:tcp -h localhost -p 12011"),
            (true, "hello5:tcp -h {host} -p 12010"),
            (true, "hello3:tcp -h 127.0.0.1 -p 12010"),
        ]),
    );
    check(
        "port with any address",
        ("*:12010", "", "", "", "", ""),
        &cases(&[
            (false, "hello1:tcp -h 127.0.0.1 -p 12011"),
            (true, "hello5:tcp -h {host} -p 12010"),
            (true, "hello4:tcp -h localhost -p 12010"),
        ]),
    );
    let domain = format!("*{DOMAIN}");
    check(
        "domain (accept)",
        (&domain, "", "", "", "", ""),
        &cases(&[(true, "hello:tcp -h {fqdn} -p 12010"), (false, "hello:tcp -h {host} -p 12010")]),
    );
    check(
        "domain (reject)",
        ("", &domain, "", "", "", ""),
        &cases(&[
            (false, "hello:tcp -h {fqdn} -p 12010"),
            (true, "hello:tcp -h {host} -p 12010"),
            (true, "bar:tcp -h 127.0.0.1 -p 12010"),
        ]),
    );
    check(
        "domain (mixed)",
        ("127.0.0.1", FQDN, "", "", "", ""),
        &cases(&[
            (false, "hello:tcp -h {fqdn} -p 12010:tcp -h 127.0.0.1 -p 12010"),
            (true, "bar:tcp -h 127.0.0.1 -p 12010"),
        ]),
    );
    check(
        "12[7].0.0.*",
        ("12[7].0.0.*", "", "", "", "", ""),
        &cases(&[
            (true, "hello:tcp -h 127.0.0.1 -p 12010"),
            (false, "hello:tcp -h 128.0.0.1 -p 12010"),
            (false, "hello:tcp -h 126.0.0.1 -p 12010"),
        ]),
    );
    check(
        "maximum proxy length",
        ("", "", "53", "", "", ""),
        &cases(&[
            (true, "hello:tcp -h 127.0.0.1 -p 12010 -t infinite"),
            (false, "012345678901234567890123456789012345678901234567890123456789:tcp -h 127.0.0.1 -p 12010"),
        ]),
    );
}
