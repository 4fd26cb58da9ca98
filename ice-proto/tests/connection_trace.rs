//! `ConnectionConfig::trace_protocol`: what each side describes, compressed messages included,
//! and how much a connection keeps when nobody polls its traces.

mod pair;

use bytes::Bytes;
use ice_proto::connection::{ConnectionConfig, Event, Side, MAX_PENDING_TRACES};
use ice_proto::frame::{ReplyStatus, Request};
use ice_proto::{Context, Encapsulation, EncodingVersion, Identity, OperationMode};
use pair::Pair;

fn traced(side: Side) -> ConnectionConfig {
    let mut config = ConnectionConfig::new(side);
    config.trace_protocol = true;
    config
}

fn request(operation: &str, params: Bytes) -> Request {
    Request {
        request_id: 0,
        identity: Identity::new("hello"),
        facet: String::new(),
        operation: operation.into(),
        mode: OperationMode::Normal,
        context: Context::new(),
        params: Encapsulation::new(EncodingVersion::V1_1, params),
    }
}

fn traces(conn: &mut ice_proto::connection::Connection) -> Vec<String> {
    std::iter::from_fn(|| conn.poll_trace()).collect()
}

#[test]
fn a_compressed_request_and_its_reply_are_described_uncompressed_on_both_sides() {
    let mut p = Pair::new(traced(Side::Client), traced(Side::Server));
    p.drive();
    // Compressible parameters, large enough for ZeroC's rule to compress them.
    let params = Bytes::from(vec![b'a'; 4000]);
    p.client.invoke(request("sayHello", params), true, true).expect("invoke");
    p.drive();
    let dispatch = p
        .server_events
        .iter()
        .find_map(|e| match e {
            Event::Request(r) => Some(r.dispatch),
            _ => None,
        })
        .expect("dispatched");
    p.server.reply(
        dispatch,
        ReplyStatus::Ok(Encapsulation::new(EncodingVersion::V1_1, Bytes::from(vec![b'b'; 4000]))),
    );
    p.drive();
    assert!(p.client_events.iter().any(|e| matches!(e, Event::Reply { .. })));

    let client = traces(&mut p.client);
    let server = traces(&mut p.server);
    let sent = client.iter().find(|t| t.starts_with("sending request ")).expect("client's request");
    assert!(
        sent.contains("\ncompression status = 2 (compressed; compress response, if any)"),
        "{sent}"
    );
    assert!(sent.contains("\noperation = sayHello\n"), "{sent}");
    assert!(sent.contains("\nidentity = hello\n"), "{sent}");
    let received =
        server.iter().find(|t| t.starts_with("received request ")).expect("server's request");
    assert!(received.contains("\ncompression status = 2"), "{received}");
    assert!(received.contains("\noperation = sayHello\n"), "{received}");
    // The message size is the one on the wire: what compression made of 4000 bytes.
    let size: usize = received
        .lines()
        .find_map(|l| l.strip_prefix("message size = "))
        .expect("size line")
        .parse()
        .expect("a number");
    assert!(size < 1000, "{received}");
    let reply = client.iter().find(|t| t.starts_with("received reply ")).expect("client's reply");
    assert!(reply.contains("\ncompression status = 2"), "{reply}");
    assert!(reply.contains("\nreply status = 0 (ok)"), "{reply}");
    assert!(server.iter().any(|t| t.starts_with("sending reply ")));
    // The validation, traced once per side.
    assert_eq!(server.iter().filter(|t| t.starts_with("sending validate connection ")).count(), 1);
    assert_eq!(client.iter().filter(|t| t.starts_with("received validate connection ")).count(), 1);
}

#[test]
fn traces_nobody_polls_are_bounded_keeping_the_latest() {
    let mut p = Pair::new(traced(Side::Client), ConnectionConfig::new(Side::Server));
    p.drive();
    let total = MAX_PENDING_TRACES + 500;
    for i in 0..total {
        p.client.invoke(request(&format!("op{i}"), Bytes::new()), false, false).expect("invoke");
        p.drive();
    }
    let kept = traces(&mut p.client);
    assert_eq!(kept.len(), MAX_PENDING_TRACES);
    let last = kept.last().expect("some");
    assert!(last.contains(&format!("\noperation = op{}\n", total - 1)), "{last}");
    let first = kept.first().expect("some");
    let oldest = total - MAX_PENDING_TRACES;
    assert!(first.contains(&format!("\noperation = op{oldest}\n")), "{first}");
}
