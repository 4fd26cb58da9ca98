//! Datagram (UDP) connections: one message per datagram, oneway only, batches that fit in one
//! datagram, and bad datagrams dropped without harm.

use std::time::Instant;

use bytes::Bytes;
use ice_proto::connection::{
    CloseMode, Connection, ConnectionConfig, Event, InvokeError, Side, MAX_UDP_PAYLOAD,
};
use ice_proto::frame::Request;
use ice_proto::{Context, Encapsulation, EncodingVersion, Identity, OperationMode};

fn request(op: &str, payload: usize) -> Request {
    Request {
        request_id: 0,
        identity: Identity::new("hello"),
        facet: String::new(),
        operation: op.into(),
        mode: OperationMode::Normal,
        context: Context::new(),
        params: Encapsulation::from_value(EncodingVersion::V1_1, &vec![7u8; payload]),
    }
}

fn pair(config: impl Fn(&mut ConnectionConfig)) -> (Connection, Connection, Instant) {
    let now = Instant::now();
    let mut client = ConnectionConfig::datagram(Side::Client);
    config(&mut client);
    let server = ConnectionConfig::datagram(Side::Server);
    (Connection::new(client, now), Connection::new(server, now), now)
}

/// Every datagram the client would send, each marked written.
fn datagrams(conn: &mut Connection, now: Instant) -> Vec<Bytes> {
    let mut out = Vec::new();
    while let Some(t) = conn.poll_transmit() {
        out.push(t.to_bytes());
        conn.handle_written(now);
    }
    out
}

fn dispatched(conn: &mut Connection) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    while let Some(e) = conn.poll_event() {
        if let Event::Request(r) = e {
            out.push((r.request.operation.clone(), r.twoway));
        }
    }
    out
}

#[test]
fn oneway_requests_go_one_per_datagram_without_validation() {
    let (mut client, mut server, now) = pair(|_| {});
    assert!(server.poll_transmit().is_none(), "no ValidateConnection over UDP");
    client.invoke(request("a", 10), false, false).unwrap();
    client.invoke(request("b", 10), false, false).unwrap();
    let sent = datagrams(&mut client, now);
    assert_eq!(sent.len(), 2);
    for d in sent {
        server.handle_datagram(now, d);
    }
    assert_eq!(dispatched(&mut server), [("a".into(), false), ("b".into(), false)]);
    assert!(matches!(
        client.invoke(request("c", 1), true, false),
        Err(InvokeError::TwowayOverDatagram)
    ));
}

#[test]
fn a_request_larger_than_a_datagram_is_refused_and_the_connection_stays_usable() {
    let (mut client, mut server, now) = pair(|_| {});
    let err = client.invoke(request("big", MAX_UDP_PAYLOAD), false, false).unwrap_err();
    assert!(matches!(err, InvokeError::DatagramLimit { max: MAX_UDP_PAYLOAD, .. }), "{err:?}");
    assert!(datagrams(&mut client, now).is_empty());
    assert_eq!(client.pending_invocations(), 0);
    // Just under the limit still goes.
    client.invoke(request("fits", MAX_UDP_PAYLOAD - 200), false, false).unwrap();
    let sent = datagrams(&mut client, now);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].len() <= MAX_UDP_PAYLOAD);
    server.handle_datagram(now, sent[0].clone());
    assert_eq!(dispatched(&mut server), [("fits".into(), false)]);
}

#[test]
fn a_batch_goes_in_one_datagram_and_flushes_itself_at_the_datagram_limit() {
    let (mut client, mut server, now) = pair(|_| {});
    for op in ["x", "y", "z"] {
        assert_eq!(client.queue_batch_request(request(op, 100), false).unwrap(), None);
    }
    client.flush_batch().unwrap().expect("a batch");
    let sent = datagrams(&mut client, now);
    assert_eq!(sent.len(), 1);
    server.handle_datagram(now, sent[0].clone());
    assert_eq!(dispatched(&mut server).len(), 3);

    // 20 KB requests and a 50 000-byte limit: the third would not fit, so the first two go
    // before it is queued.
    let (mut client, mut server, _) = pair(|c| c.max_datagram_size = 50_000);
    let mut auto = Vec::new();
    for i in 0..3 {
        let op = format!("r{i}");
        if client.queue_batch_request(request(&op, 20_000), false).unwrap().is_some() {
            auto.push(i);
        }
    }
    assert_eq!(auto, [2]);
    client.flush_batch().unwrap().expect("the third request");
    let sent = datagrams(&mut client, now);
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|d| d.len() <= 50_000));
    for d in sent {
        server.handle_datagram(now, d);
    }
    assert_eq!(dispatched(&mut server).len(), 3);
    // A request that cannot fit on its own is refused, and the batch is untouched.
    let err = client.queue_batch_request(request("huge", 60_000), false).unwrap_err();
    assert!(matches!(err, InvokeError::DatagramLimit { max: 50_000, .. }), "{err:?}");
    assert_eq!(client.batch_len(), 0);
}

#[test]
fn batch_oneway_flushes_itself_at_the_auto_flush_size_on_streams_too() {
    let now = Instant::now();
    let mut config = ConnectionConfig::new(Side::Server);
    config.batch_auto_flush_size = 1000;
    let mut conn = Connection::new(config, now);
    let mut flushes = 0;
    for i in 0..10 {
        if conn.queue_batch_request(request(&format!("r{i}"), 300), false).unwrap().is_some() {
            flushes += 1;
            assert_eq!(conn.batch_len(), 1, "the new request starts the next batch");
        }
    }
    // Three ~330-byte requests fit in 1000 bytes; the fourth goes into a new batch.
    assert_eq!(flushes, 3);
    assert_eq!(conn.batch_len(), 1);
}

#[test]
fn bad_datagrams_are_dropped_and_close_is_immediate() {
    let (mut client, mut server, now) = pair(|_| {});
    server.handle_datagram(now, Bytes::from_static(b"IceP garbage"));
    server.handle_datagram(now, Bytes::from_static(&[0u8; 3]));
    // A reply or a validate message makes no sense on UDP: ignored too.
    server.handle_datagram(
        now,
        Bytes::from_static(&[b'I', b'c', b'e', b'P', 1, 0, 1, 0, 3, 0, 14, 0, 0, 0]),
    );
    assert!(!server.is_closed());
    client.invoke(request("after", 1), false, false).unwrap();
    for d in datagrams(&mut client, now) {
        server.handle_datagram(now, d);
    }
    assert_eq!(dispatched(&mut server), [("after".into(), false)]);
    server.close(CloseMode::Gracefully);
    assert!(server.is_closed(), "nothing to say goodbye to over UDP");
}
