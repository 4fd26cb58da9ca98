//! Connections that stall or idle: the read and write timeouts of a message stuck half-way
//! (the endpoint timeout, aborting) and Ice 3.8's inactivity timeout (closing gracefully),
//! in virtual time over the simulated network.

mod pair;

use std::time::{Duration, Instant};

use bytes::BytesMut;
use ice_proto::connection::{
    Acm, AcmClose, AcmHeartbeat, Connection, ConnectionConfig, ConnectionError, ConnectionState,
    Event, InvocationId, InvokeError, Side,
};
use ice_proto::frame::{ReplyStatus, Request};
use ice_proto::retry::{FailedAttempt, ProxyTraits, RetryDecision, RetryPolicy};
use ice_proto::{Context, Encapsulation, EncodingVersion, Identity, OperationMode};
use pair::Pair;

const CLOSE_CONNECTION: u8 = 4;
const VALIDATE_CONNECTION: u8 = 3;

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn request(op: &str) -> Request {
    Request {
        request_id: 0,
        identity: Identity::new("hello"),
        facet: String::new(),
        operation: op.into(),
        mode: OperationMode::Normal,
        context: Context::new(),
        params: Encapsulation::from_value(EncodingVersion::V1_1, &op.to_string()),
    }
}

/// The message types in a byte stream written by one side.
fn message_types(stream: &[u8]) -> Vec<u8> {
    let mut types = Vec::new();
    let mut rest = stream;
    while rest.len() >= 14 {
        types.push(rest[8]);
        let size = i32::from_le_bytes([rest[10], rest[11], rest[12], rest[13]]);
        let size = usize::try_from(size).unwrap().min(rest.len());
        rest = &rest[size..];
    }
    types
}

fn count(types: &[u8], kind: u8) -> usize {
    types.iter().filter(|t| **t == kind).count()
}

/// ACM that heartbeats every `timeout / 2` without writes and never closes by itself.
fn heartbeat_only(timeout_s: u64) -> Acm {
    Acm {
        timeout: Some(Duration::from_secs(timeout_s)),
        heartbeat: AcmHeartbeat::OnIdle,
        close: AcmClose::Off,
    }
}

const NO_ACM: Acm = Acm { timeout: None, heartbeat: AcmHeartbeat::Off, close: AcmClose::Off };

fn config(side: Side, acm: Acm, inactivity_s: Option<u64>) -> ConnectionConfig {
    let mut c = ConnectionConfig::new(side);
    c.acm = acm;
    c.inactivity_timeout = inactivity_s.map(Duration::from_secs);
    c
}

fn connected(client: ConnectionConfig, server: ConnectionConfig) -> Pair {
    let mut p = Pair::new(client, server);
    p.drive();
    assert!(matches!(p.client_events.first(), Some(Event::Connected)));
    p.client_events.clear();
    p
}

/// The dispatch ids of the requests the server received so far (events drained).
fn take_dispatches(p: &mut Pair) -> Vec<ice_proto::connection::DispatchId> {
    p.server_events
        .drain(..)
        .filter_map(|e| match e {
            Event::Request(r) => Some(r.dispatch),
            _ => None,
        })
        .collect()
}

fn got_reply(events: &[Event], id: InvocationId) -> bool {
    events.iter().any(|e| matches!(e, Event::Reply { invocation, .. } if *invocation == id))
}

fn retry_decision(error: &ConnectionError, sent: bool) -> RetryDecision {
    RetryPolicy::default().decide(&FailedAttempt {
        failure: error.failure(),
        sent,
        mode: OperationMode::Normal,
        proxy: ProxyTraits::default(),
        retries: 0,
    })
}

/// A request header announcing 100 bytes, followed by 10 of them.
fn half_a_request() -> Vec<u8> {
    let mut bytes = vec![b'I', b'c', b'e', b'P', 1, 0, 1, 0, 0, 0];
    bytes.extend_from_slice(&100i32.to_le_bytes());
    bytes.extend_from_slice(&[0u8; 10]);
    bytes
}

#[test]
fn a_peer_stalled_half_way_through_a_message_is_aborted_after_the_read_timeout() {
    // The client stays silent (no heartbeats) so that only the injected bytes reach the server.
    let client = config(Side::Client, NO_ACM, None);
    let mut server = config(Side::Server, Acm::SERVER, None);
    server.read_timeout = Some(secs(5.0));
    let mut p = connected(client, server);
    p.run_for(secs(10.0));
    assert_eq!(p.server.state(), ConnectionState::Active, "no partial message, no timeout");

    p.inject_to_server(&half_a_request());
    p.drive();
    let arrived = p.now;
    assert_eq!(p.server.poll_timeout(), Some(arrived + secs(5.0)));
    p.run_for(secs(4.9));
    assert_eq!(p.server.state(), ConnectionState::Active);
    // More bytes of the message: progress restarts the clock.
    p.inject_to_server(&[0u8; 10]);
    p.drive();
    let progressed = p.now;
    assert_eq!(p.server.poll_timeout(), Some(progressed + secs(5.0)));
    p.run_until(progressed + secs(4.9));
    assert_eq!(p.server.state(), ConnectionState::Active);
    p.run_until(progressed + secs(5.1));
    assert!(p.server.is_closed());
    assert_eq!(p.server.error(), Some(&ConnectionError::ReadTimeout));
    assert!(matches!(
        p.server_events.last(),
        Some(Event::Closed { error: ConnectionError::ReadTimeout })
    ));
    // Aborted: the server wrote no CloseConnection; the client sees the transport end.
    assert_eq!(count(&message_types(&p.server_sent()), CLOSE_CONNECTION), 0);
    assert_eq!(p.client.error(), Some(&ConnectionError::ConnectionLost));
}

#[test]
fn a_connection_waiting_for_a_whole_message_is_never_read_timed_out() {
    let mut client = ConnectionConfig::new(Side::Client);
    client.read_timeout = Some(secs(1.0));
    let mut server = ConnectionConfig::new(Side::Server);
    server.read_timeout = Some(secs(1.0));
    let mut p = connected(client, server);
    // A dispatch much longer than the read timeout: neither side has a partial message.
    let id = p.client.invoke(request("slow"), true, false).unwrap();
    p.drive();
    let dispatches = take_dispatches(&mut p);
    assert_eq!(dispatches.len(), 1);
    p.run_for(secs(50.0));
    assert_eq!(p.client.state(), ConnectionState::Active);
    assert_eq!(p.server.state(), ConnectionState::Active);
    let result = Encapsulation::from_value(EncodingVersion::V1_1, &"done".to_string());
    p.server.reply(dispatches[0], ReplyStatus::Ok(result));
    p.drive();
    assert!(got_reply(&p.client_events, id));
}

#[test]
fn an_idle_connection_is_closed_gracefully_after_the_inactivity_timeout() {
    // Both sides heartbeat every second; only the server has an inactivity timeout.
    let client = config(Side::Client, heartbeat_only(2), None);
    let server = config(Side::Server, heartbeat_only(2), Some(10));
    let mut p = connected(client, server);
    let start = p.now;
    let sent_before = (message_types(&p.client_sent()), message_types(&p.server_sent()));
    p.run_until(start + secs(9.9));
    assert_eq!(p.server.state(), ConnectionState::Active);
    assert_eq!(p.client.state(), ConnectionState::Active);
    // Heartbeats flow both ways meanwhile, and do not count as activity.
    let client_hb = count(&message_types(&p.client_sent()), VALIDATE_CONNECTION)
        - count(&sent_before.0, VALIDATE_CONNECTION);
    let server_hb = count(&message_types(&p.server_sent()), VALIDATE_CONNECTION)
        - count(&sent_before.1, VALIDATE_CONNECTION);
    assert!(client_hb >= 5 && server_hb >= 5, "heartbeats: client {client_hb}, server {server_hb}");
    p.run_until(start + secs(10.5));
    // Graceful: the server wrote CloseConnection, the client closed on reading it.
    let server_types = message_types(&p.server_sent());
    assert_eq!(server_types.last(), Some(&CLOSE_CONNECTION));
    assert_eq!(count(&server_types, CLOSE_CONNECTION), 1);
    assert!(p.client.is_closed() && p.server.is_closed());
    assert_eq!(p.server.error(), Some(&ConnectionError::Inactive));
    assert_eq!(p.client.error(), Some(&ConnectionError::CloseConnection));
    // The client's next invocation is refused by this connection, so it goes to a new one;
    // had it been in flight, CloseConnection makes it safe to retry even if not idempotent.
    assert_eq!(
        p.client.invoke(request("next"), true, false),
        Err(InvokeError::Closed(ConnectionError::CloseConnection))
    );
    assert!(matches!(
        retry_decision(&ConnectionError::CloseConnection, true),
        RetryDecision::Retry { .. }
    ));
}

#[test]
fn a_request_racing_the_inactivity_close_is_retryable() {
    let client = config(Side::Client, NO_ACM, None);
    let server = config(Side::Server, NO_ACM, Some(10));
    let mut p = connected(client, server);
    p.latency = secs(0.5);
    // Sent just before the server decides to close: it arrives after the CloseConnection
    // went out, and the server ignores it.
    p.run_until(p.now + secs(9.8));
    let id = p.client.invoke(request("late"), true, false).unwrap();
    p.run_for(secs(3.0));
    assert!(take_dispatches(&mut p).is_empty(), "a closing server dispatches nothing new");
    assert_eq!(p.server.error(), Some(&ConnectionError::Inactive));
    let failed: Vec<_> = p
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::InvocationFailed { invocation, error, sent } => {
                Some((*invocation, error, *sent))
            }
            _ => None,
        })
        .collect();
    assert_eq!(failed, vec![(id, &ConnectionError::CloseConnection, true)]);
    assert!(matches!(retry_decision(failed[0].1, true), RetryDecision::Retry { .. }));
}

#[test]
fn a_long_dispatch_keeps_the_connection_open_past_the_inactivity_timeout() {
    // The client's own inactivity timeout also waits while its reply is outstanding.
    let client = config(Side::Client, heartbeat_only(4), Some(10));
    let server = config(Side::Server, heartbeat_only(4), Some(10));
    let mut p = connected(client, server);
    let id = p.client.invoke(request("slow"), true, false).unwrap();
    p.drive();
    let dispatches = take_dispatches(&mut p);
    let before = message_types(&p.server_sent());
    p.run_for(secs(60.0));
    assert_eq!(p.client.state(), ConnectionState::Active, "awaited reply");
    assert_eq!(p.server.state(), ConnectionState::Active, "dispatch in progress");
    let heartbeats = count(&message_types(&p.server_sent()), VALIDATE_CONNECTION)
        - count(&before, VALIDATE_CONNECTION);
    assert!(heartbeats >= 20, "{heartbeats} heartbeats during the dispatch");
    let result = Encapsulation::from_value(EncodingVersion::V1_1, &"done".to_string());
    p.server.reply(dispatches[0], ReplyStatus::Ok(result));
    p.drive();
    assert!(got_reply(&p.client_events, id));
    // The reply was the last activity: the inactivity timeout counts from it.
    let replied = p.now;
    p.run_until(replied + secs(9.5));
    assert!(!p.client.is_closed() && !p.server.is_closed());
    p.run_until(replied + secs(11.0));
    assert!(p.client.is_closed() && p.server.is_closed());
    // Both sides had the same timeout: one of them closed gracefully, the other saw it.
    let errors = [p.client.error().cloned(), p.server.error().cloned()];
    assert!(errors.contains(&Some(ConnectionError::Inactive)), "{errors:?}");
    assert!(errors.contains(&Some(ConnectionError::CloseConnection)), "{errors:?}");
}

#[test]
fn a_oneway_dispatch_and_a_queued_batch_count_as_activity() {
    let client = config(Side::Client, heartbeat_only(4), None);
    let server = config(Side::Server, heartbeat_only(4), Some(10));
    let mut p = connected(client, server);
    p.client.invoke(request("oneway"), false, false).unwrap();
    p.drive();
    let dispatches = take_dispatches(&mut p);
    p.run_for(secs(30.0));
    assert_eq!(p.server.state(), ConnectionState::Active, "oneway dispatch in progress");
    // The dispatch ends without a reply: the clock starts then, not at the request.
    p.server.reply(dispatches[0], ReplyStatus::Ok(Encapsulation::empty(EncodingVersion::V1_1)));
    let ended = p.now;
    p.run_until(ended + secs(9.0));
    assert_eq!(p.server.state(), ConnectionState::Active);
    p.run_until(ended + secs(15.0));
    assert_eq!(p.server.error(), Some(&ConnectionError::Inactive));

    // A client with a queued batch is not inactive.
    let client = config(Side::Client, heartbeat_only(4), Some(10));
    let server = config(Side::Server, heartbeat_only(4), None);
    let mut p = connected(client, server);
    p.client.queue_batch_request(request("batched"), false).unwrap();
    p.run_for(secs(30.0));
    assert_eq!(p.client.state(), ConnectionState::Active);
    p.client.flush_batch().unwrap();
    p.run_for(secs(15.0));
    assert_eq!(p.client.error(), Some(&ConnectionError::Inactive));
    assert_eq!(p.server.error(), Some(&ConnectionError::CloseConnection));
}

#[test]
fn a_cancelled_invocation_restarts_the_inactivity_clock() {
    let client = config(Side::Client, heartbeat_only(4), Some(10));
    let server = config(Side::Server, heartbeat_only(4), None);
    let mut p = connected(client, server);
    let id = p.client.invoke(request("never"), true, false).unwrap();
    p.run_for(secs(50.0));
    assert!(p.client.cancel(id));
    let cancelled = p.now;
    p.run_until(cancelled + secs(9.0));
    assert_eq!(p.client.state(), ConnectionState::Active);
    // Heartbeats every 2 s give the clock its next reading: closed soon after 10 s.
    p.run_until(cancelled + secs(13.0));
    assert_eq!(p.client.error(), Some(&ConnectionError::Inactive));
}

#[test]
fn inactivity_and_stall_timeouts_never_apply_to_datagram_connections() {
    let now = Instant::now();
    let mut config = ConnectionConfig::datagram(Side::Server);
    assert_eq!(config.inactivity_timeout, None);
    config.inactivity_timeout = Some(secs(1.0));
    config.read_timeout = Some(secs(1.0));
    let mut c = Connection::new(config, now);
    assert_eq!(c.poll_timeout(), None);
    c.handle_timeout(now + secs(3600.0));
    assert_eq!(c.state(), ConnectionState::Active);
}

#[test]
fn a_peer_that_does_not_read_is_aborted_after_the_write_timeout() {
    let start = Instant::now();
    let mut config = ConnectionConfig::new(Side::Server);
    config.acm = heartbeat_only(60);
    config.write_timeout = Some(secs(5.0));
    let mut server = Connection::new(config, start);
    assert!(server.poll_transmit().is_some());
    // A write that does not complete at once but is not reported as blocked starts nothing.
    assert!(
        server.poll_timeout().is_none_or(|d| d > start + secs(5.0)),
        "no write timeout without a blocked write"
    );
    server.handle_write_blocked(start);
    assert_eq!(server.poll_timeout(), Some(start + secs(5.0)));
    // Still blocked later: the clock is not restarted.
    server.handle_write_blocked(start + secs(3.0));
    assert_eq!(server.poll_timeout(), Some(start + secs(5.0)));
    // Progress stops it; blocking again starts it anew.
    server.handle_write_progress(start + secs(4.0));
    server.handle_write_blocked(start + secs(4.0));
    assert_eq!(server.poll_timeout(), Some(start + secs(9.0)));
    server.handle_timeout(start + secs(8.9));
    assert_eq!(server.state(), ConnectionState::Active);
    server.handle_timeout(start + secs(9.0));
    assert_eq!(server.error(), Some(&ConnectionError::WriteTimeout));
    assert!(matches!(
        std::iter::from_fn(|| server.poll_event()).last(),
        Some(Event::Closed { error: ConnectionError::WriteTimeout })
    ));
}

#[test]
fn a_close_stuck_behind_an_unread_write_is_aborted_by_the_write_timeout() {
    let start = Instant::now();
    let mut config = ConnectionConfig::new(Side::Server);
    config.write_timeout = Some(secs(5.0));
    config.inactivity_timeout = Some(secs(10.0));
    let mut server = Connection::new(config, start);
    assert!(server.poll_transmit().is_some());
    server.handle_written(start);
    // Inactive for 10 s: CloseConnection is queued and handed out, but never written.
    server.handle_timeout(start + secs(10.0));
    assert_eq!(server.state(), ConnectionState::ClosingPending);
    assert!(server.poll_transmit().is_some());
    server.handle_write_blocked(start + secs(10.0));
    assert_eq!(server.poll_timeout(), Some(start + secs(15.0)));
    server.handle_timeout(start + secs(15.0));
    // The graceful close became an abort: the peer never took the CloseConnection.
    assert_eq!(server.error(), Some(&ConnectionError::WriteTimeout));
}

#[test]
fn a_message_arriving_in_slow_pieces_is_not_aborted() {
    let now = Instant::now();
    let mut config = ConnectionConfig::new(Side::Server);
    config.read_timeout = Some(secs(2.0));
    let mut server = Connection::new(config, now);
    let bytes = half_a_request();
    let mut buf = BytesMut::new();
    // A byte every 1.5 s: slow, but never 2 s without progress.
    for (i, b) in bytes.iter().enumerate() {
        let t = now + secs(1.5 * i as f64);
        server.handle_timeout(t);
        buf.extend_from_slice(&[*b]);
        server.handle_input(t, &mut buf);
        assert_eq!(server.state(), ConnectionState::Active, "after byte {i}");
    }
    assert_eq!(buf.len(), bytes.len(), "the message is still incomplete");
}
