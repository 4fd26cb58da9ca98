//! `max_output_backlog`: a server-side connection whose replies are not being read stops
//! reading requests once that many bytes wait to be written, and resumes as they drain; a
//! client-side connection never stops for it.

use std::time::Instant;

use bytes::{Bytes, BytesMut};
use ice_proto::connection::{Connection, ConnectionConfig, Event, Side};
use ice_proto::frame::{Message, ReplyStatus, Request};
use ice_proto::{Context, Encapsulation, EncodingVersion, Identity, OperationMode};

fn twoway(id: i32) -> Bytes {
    let request = Request {
        request_id: id,
        identity: Identity::new("hello"),
        facet: String::new(),
        operation: "big".into(),
        mode: OperationMode::Normal,
        context: Context::new(),
        params: Encapsulation::empty(EncodingVersion::V1_1),
    };
    Message::Request(request).encode(false).to_bytes()
}

fn big_reply() -> ReplyStatus {
    ReplyStatus::Ok(Encapsulation::new(EncodingVersion::V1_1, Bytes::from(vec![7u8; 300_000])))
}

/// Answers every dispatched request with a 300 kB reply; returns how many.
fn answer_all(conn: &mut Connection) -> usize {
    let mut n = 0;
    while let Some(e) = conn.poll_event() {
        if let Event::Request(r) = e {
            conn.reply(r.dispatch, big_reply());
            n += 1;
        }
    }
    n
}

#[test]
fn a_server_stops_reading_while_its_replies_back_up() {
    let now = Instant::now();
    let config = ConnectionConfig::new(Side::Server);
    assert_eq!(config.max_output_backlog, 1024 * 1024);
    let mut server = Connection::new(config, now);
    // The ValidateConnection goes out.
    let t = server.poll_transmit().expect("validate");
    drop(t);
    server.handle_written(now);
    // One request per read, each answered with a reply that is queued and never written.
    let mut input = BytesMut::new();
    let mut answered = 0;
    for id in 1..=10 {
        input.extend_from_slice(&twoway(id));
        if server.wants_input() {
            server.handle_input(now, &mut input);
            answered += answer_all(&mut server);
        }
    }
    // Four replies (1.2 MB) pass the 1 MiB backlog: the other requests are not read.
    assert_eq!(answered, 4);
    assert!(!server.wants_input());
    // Fed anyway, nothing more is decoded.
    server.handle_input(now, &mut input);
    assert_eq!(answer_all(&mut server), 0);
    assert!(!input.is_empty(), "the rest waits in the read buffer");
    // The peer reads again: once the replies are written, input resumes.
    while let Some(t) = server.poll_transmit() {
        drop(t);
        server.handle_written(now);
    }
    assert!(server.wants_input());
    server.handle_input(now, &mut input);
    answered += answer_all(&mut server);
    while !input.is_empty() || server.poll_transmit().is_some() {
        server.handle_written(now);
        server.handle_input(now, &mut input);
        answered += answer_all(&mut server);
    }
    assert_eq!(answered, 10);
    assert!(!server.is_closed());
}

#[test]
fn a_client_keeps_reading_whatever_it_has_to_write() {
    let config = ConnectionConfig::new(Side::Client);
    assert_eq!(config.max_output_backlog, 0, "no limit on the client side");
}
