//! `max_dispatches`: a connection stops asking for input while that many requests are being
//! dispatched, and its timers do not blame the peer for the silence.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use ice_proto::connection::{Connection, ConnectionConfig, Event, Side};
use ice_proto::frame::{Message, ReplyStatus, Request};
use ice_proto::{Context, Encapsulation, EncodingVersion, Identity, OperationMode};

fn oneway(op: &str) -> Bytes {
    let request = Request {
        request_id: 0,
        identity: Identity::new("hello"),
        facet: String::new(),
        operation: op.into(),
        mode: OperationMode::Normal,
        context: Context::new(),
        params: Encapsulation::empty(EncodingVersion::V1_1),
    };
    Message::Request(request).encode(false).to_bytes()
}

fn dispatches(conn: &mut Connection) -> Vec<ice_proto::connection::DispatchId> {
    let mut out = Vec::new();
    while let Some(e) = conn.poll_event() {
        if let Event::Request(r) = e {
            out.push(r.dispatch);
        }
    }
    out
}

#[test]
fn input_pauses_at_the_limit_and_resumes_below_it() {
    let now = Instant::now();
    let mut config = ConnectionConfig::new(Side::Server);
    config.max_dispatches = 2;
    config.read_timeout = Some(Duration::from_secs(1));
    let mut server = Connection::new(config, now);
    while let Some(_t) = server.poll_transmit() {
        server.handle_written(now);
    }
    assert!(server.wants_input());
    let mut input = BytesMut::new();
    input.extend_from_slice(&oneway("a"));
    server.handle_input(now, &mut input);
    assert!(server.wants_input(), "one of two");
    // Two more in one read, the second of them only half there: the limit is passed by what
    // was already read, then input pauses.
    input.extend_from_slice(&oneway("b"));
    let c = oneway("c");
    input.extend_from_slice(&c[..10]);
    server.handle_input(now, &mut input);
    let running = dispatches(&mut server);
    assert_eq!(running.len(), 2);
    assert!(!server.wants_input());
    // A half-read message does not time out while we are the ones not reading.
    let later = now + Duration::from_secs(30);
    assert!(server.poll_timeout().is_none_or(|t| t > now + Duration::from_secs(1)));
    server.handle_timeout(later);
    assert!(!server.is_closed(), "read timeout fired while reading was paused");
    // One dispatch completes: reading resumes, and the read clock starts again from here.
    server.reply(running[0], ReplyStatus::Ok(Encapsulation::empty(EncodingVersion::V1_1)));
    assert!(server.wants_input());
    input.extend_from_slice(&c[10..]);
    server.handle_input(later, &mut input);
    assert_eq!(dispatches(&mut server).len(), 1);
    assert!(!server.is_closed());
}

#[test]
fn a_datagram_connection_drops_requests_beyond_the_limit() {
    let now = Instant::now();
    let mut config = ConnectionConfig::datagram(Side::Server);
    config.max_dispatches = 1;
    let mut server = Connection::new(config, now);
    server.handle_datagram(now, oneway("a"));
    server.handle_datagram(now, oneway("dropped"));
    let running = dispatches(&mut server);
    assert_eq!(running.len(), 1);
    assert!(server.wants_input(), "a datagram socket is always drained");
    server.reply(running[0], ReplyStatus::Ok(Encapsulation::empty(EncodingVersion::V1_1)));
    server.handle_datagram(now, oneway("b"));
    assert_eq!(dispatches(&mut server).len(), 1);
}

#[test]
fn decoding_stops_exactly_at_the_limit_and_resumes_with_what_was_read() {
    let now = Instant::now();
    let mut config = ConnectionConfig::new(Side::Server);
    config.max_dispatches = 3;
    let mut server = Connection::new(config, now);
    while let Some(_t) = server.poll_transmit() {
        server.handle_written(now);
    }
    // Fifty small requests in one read.
    let mut input = BytesMut::new();
    for i in 0..50 {
        input.extend_from_slice(&oneway(&format!("op{i}")));
    }
    server.handle_input(now, &mut input);
    let first = dispatches(&mut server);
    assert_eq!(first.len(), 3, "exactly the limit");
    assert!(!server.wants_input());
    assert!(!input.is_empty(), "the rest waits, undecoded");
    // One completes: one more is decoded from what was already read.
    server.reply(first[0], ReplyStatus::Ok(Encapsulation::empty(EncodingVersion::V1_1)));
    assert!(server.wants_input());
    server.handle_input(now, &mut input);
    assert_eq!(dispatches(&mut server).len(), 1);
    assert!(!server.wants_input());
}
