//! Proxies inside messages captured from real ZeroC Ice 3.7.8 (`vectors/`): each is decoded,
//! checked, and re-encoded byte for byte.

use bytes::Bytes;
use ice_proto::{
    Context, Decode, Encapsulation, EncodingVersion, Identity, InputStream, OperationMode,
    OutputStream, ProxyData,
};

/// One captured message: the summary comment above it and its bytes.
struct Message {
    summary: String,
    bytes: Vec<u8>,
}

fn messages(file: &str) -> Vec<Message> {
    let path = format!("{}/../vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = Vec::new();
    let mut summary = String::new();
    for line in text.lines() {
        if let Some(c) = line.strip_prefix("# ") {
            summary = c.to_owned();
        } else if let Some(h) = line.strip_prefix("> ").or_else(|| line.strip_prefix("< ")) {
            let bytes = (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                .collect();
            out.push(Message { summary: summary.clone(), bytes });
        }
    }
    out
}

/// The one message whose summary contains every one of `needles`.
fn find<'m>(msgs: &'m [Message], needles: &[&str]) -> &'m Message {
    let mut hits = msgs.iter().filter(|m| needles.iter().all(|n| m.summary.contains(n)));
    let m = hits.next().unwrap_or_else(|| panic!("no message with {needles:?}"));
    assert!(hits.next().is_none(), "several messages with {needles:?}");
    m
}

/// The parameters of a request (spec §1.2), after checking the header.
fn request_params(m: &Message, operation: &str) -> Encapsulation {
    let mut input = InputStream::new(Bytes::copy_from_slice(&m.bytes[14..]), EncodingVersion::V1_0);
    let _request_id = input.read_i32().unwrap();
    let _identity = Identity::decode(&mut input).unwrap();
    let _facet = ice_proto::identity::read_facet(&mut input).unwrap();
    assert_eq!(input.read_string().unwrap(), operation);
    let _mode = OperationMode::decode(&mut input).unwrap();
    let _context: Context = input.read().unwrap();
    let params = input.read_encapsulation().unwrap();
    input.expect_end().unwrap();
    params
}

/// The result of a reply with status Ok (spec §1.4).
fn reply_result(m: &Message) -> Encapsulation {
    let mut input = InputStream::new(Bytes::copy_from_slice(&m.bytes[14..]), EncodingVersion::V1_0);
    let _request_id = input.read_i32().unwrap();
    assert_eq!(input.read_u8().unwrap(), 0, "reply status Ok");
    let result = input.read_encapsulation().unwrap();
    input.expect_end().unwrap();
    result
}

/// Decodes the single proxy parameter of `encaps`, checks that re-encoding gives the same
/// bytes, and returns the proxy.
fn single_proxy(encaps: &Encapsulation) -> Option<ProxyData> {
    let proxy: Option<ProxyData> = encaps.decode().unwrap();
    let again = Encapsulation::from_value(encaps.encoding, &proxy);
    assert_eq!(again, *encaps, "re-encoded proxy differs");
    proxy
}

#[test]
fn subscribe_callback_proxy() {
    let msgs = messages("19_proxy_param_callback.c1_client_to_server.hex");
    let params = request_params(find(&msgs, &["op=subscribe"]), "subscribe");
    assert_eq!(params.encoding, EncodingVersion::V1_1);
    let cb = single_proxy(&params).unwrap();
    assert_eq!(cb.to_string(), "cb-lab -t -e 1.1:tcp -h 127.0.0.1 -p 10121 -t 60000");
}

#[test]
fn glacier2_router_proxies() {
    let msgs = messages("22_glacier2_session_routing.c1_client_to_router.hex");

    // getClientProxy returns a null proxy and the optional hasRoutingTable (tag 1) = true.
    let result = reply_result(find(&msgs, &["requestId=3", "Reply"]));
    let mut r = result.reader().unwrap();
    assert_eq!(r.read::<Option<ProxyData>>(), Ok(None));
    assert_eq!(r.read_optional::<bool>(1), Ok(Some(true)));
    result.finish(&mut r).unwrap();
    let mut out = OutputStream::new(EncodingVersion::V1_1);
    out.write(&None::<ProxyData>);
    out.write_optional(1, &Some(true));
    assert_eq!(out.as_slice(), &result.data[..]);

    // getServerProxy returns the router's server-side proxy, in the client's category.
    let server = single_proxy(&reply_result(find(&msgs, &["requestId=4", "Reply"]))).unwrap();
    assert_eq!(server.identity.name, "dummy");
    assert_eq!(server.identity.category, "TSy9FEseKBqI\\l5z,6zc");
    assert_eq!(
        server.to_string(),
        "TSy9FEseKBqI\\\\l5z,6zc/dummy -t -e 1.1:tcp -h 127.0.0.1 -p 4174 -t 60000"
    );

    // addProxies sends a sequence of proxies.
    let params = request_params(find(&msgs, &["op=addProxies"]), "addProxies");
    let proxies: Vec<Option<ProxyData>> = params.decode().unwrap();
    assert_eq!(proxies.len(), 1);
    let hello = proxies[0].as_ref().unwrap();
    assert_eq!(hello.to_string(), "hello -t -e 1.1:tcp -h 127.0.0.1 -p 10111 -t 60000");
    assert_eq!(Encapsulation::from_value(params.encoding, &proxies), params);

    // subscribe through the router carries a callback proxy in the client's category.
    let params = request_params(find(&msgs, &["op=subscribe"]), "subscribe");
    let cb = single_proxy(&params).unwrap();
    assert_eq!(cb.identity, Identity::with_category("TSy9FEseKBqI\\l5z,6zc", "cb"));
    assert_eq!(cb.endpoints, server.endpoints);
}

#[test]
fn glacier2_forwards_the_callback_proxy_unchanged() {
    let client = messages("22_glacier2_session_routing.c1_client_to_router.hex");
    let server = messages("22_glacier2_session_routing.c2_router_to_server.hex");
    let sent = request_params(find(&client, &["op=subscribe"]), "subscribe");
    let forwarded = request_params(find(&server, &["op=subscribe"]), "subscribe");
    assert_eq!(sent, forwarded);
    assert_eq!(single_proxy(&sent), single_proxy(&forwarded));
}
