//! Whole conversations between two connection state machines over a simulated network.

mod pair;

use std::time::Duration;

use bytes::BytesMut;
use ice_proto::connection::{
    Acm, AcmClose, AcmHeartbeat, CloseMode, Connection, ConnectionConfig, ConnectionError,
    ConnectionState, Event, InvocationId, Side,
};
use ice_proto::frame::{ReplyStatus, Request};
use ice_proto::retry::{FailedAttempt, ProxyTraits, RetryDecision, RetryPolicy};
use ice_proto::{Context, Encapsulation, EncodingVersion, Identity, OperationMode};
use pair::Pair;

fn request(op: &str, mode: OperationMode) -> Request {
    Request {
        request_id: 0,
        identity: Identity::new("hello"),
        facet: String::new(),
        operation: op.into(),
        mode,
        context: Context::new(),
        params: Encapsulation::from_value(EncodingVersion::V1_1, &op.to_string()),
    }
}

fn requests(events: &[Event]) -> Vec<(&Request, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Request(r) => Some((&r.request, r.twoway)),
            _ => None,
        })
        .collect()
}

fn reply_ok_to_all(conn: &mut Connection, events: &mut Vec<Event>) {
    for e in events.drain(..) {
        if let Event::Request(r) = e {
            let result = Encapsulation::from_value(EncodingVersion::V1_1, &r.request.operation);
            conn.reply(r.dispatch, ReplyStatus::Ok(result));
        }
    }
}

fn got_reply(events: &[Event], id: InvocationId) -> bool {
    events.iter().any(|e| matches!(e, Event::Reply { invocation, .. } if *invocation == id))
}

fn was_sent(events: &[Event], id: InvocationId) -> bool {
    events.iter().any(|e| matches!(e, Event::Sent { invocation } if *invocation == id))
}

fn failed(events: &[Event]) -> Vec<(InvocationId, ConnectionError, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::InvocationFailed { invocation, error, sent } => {
                Some((*invocation, error.clone(), *sent))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn server_validates_then_twoway_round_trip() {
    let mut p = Pair::default_pair();
    // The client may invoke before validation: the request waits for ValidateConnection.
    let id = p.client.invoke(request("sayHello", OperationMode::Normal), true, false).unwrap();
    assert!(p.client.poll_transmit().is_none());
    p.drive();
    assert!(matches!(p.client_events[0], Event::Connected));
    // The server spoke first, with exactly the 14-byte ValidateConnection.
    assert_eq!(&p.server_sent()[..14], &[0x49, 0x63, 0x65, 0x50, 1, 0, 1, 0, 3, 0, 14, 0, 0, 0]);
    let reqs = requests(&p.server_events);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].0.operation, "sayHello");
    assert_eq!(reqs[0].0.request_id, 1);
    assert!(reqs[0].1);
    let mut ev = std::mem::take(&mut p.server_events);
    reply_ok_to_all(&mut p.server, &mut ev);
    p.drive();
    let reply = p.client_events.iter().find_map(|e| match e {
        Event::Reply { invocation, status, .. } => Some((*invocation, status)),
        _ => None,
    });
    let (inv, status) = reply.expect("reply");
    assert_eq!(inv, id);
    match status {
        ReplyStatus::Ok(e) => assert_eq!(e.decode::<String>().unwrap(), "sayHello"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(p.client.pending_invocations(), 0);
}

#[test]
fn oneway_completes_when_sent_and_gets_no_reply() {
    let mut p = Pair::connected();
    let id = p.client.invoke(request("tick", OperationMode::Normal), false, false).unwrap();
    p.drive();
    assert!(was_sent(&p.client_events, id));
    let reqs = requests(&p.server_events);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].0.request_id, 0);
    assert!(!reqs[0].1);
    let mut ev = std::mem::take(&mut p.server_events);
    reply_ok_to_all(&mut p.server, &mut ev);
    p.drive();
    // Only the validation message came from the server: no reply to a oneway.
    assert_eq!(p.server_sent().len(), 14);
    assert_eq!(p.client.pending_invocations(), 0);
}

#[test]
fn batch_is_one_message_dispatched_in_order() {
    let mut p = Pair::connected();
    for i in 0..5 {
        p.client
            .queue_batch_request(request(&format!("tick{i}"), OperationMode::Normal), false)
            .unwrap();
    }
    assert_eq!(p.client.batch_len(), 5);
    let before = p.client_sent().len();
    let id = p.client.flush_batch().unwrap().expect("non-empty batch");
    p.drive();
    let sent = &p.client_sent()[before..];
    assert_eq!(sent[8], 1, "one BatchRequest message");
    assert_eq!(i32::from_le_bytes(sent[14..18].try_into().unwrap()), 5);
    assert!(was_sent(&p.client_events, id));
    let ops: Vec<_> = requests(&p.server_events).iter().map(|(r, _)| r.operation.clone()).collect();
    assert_eq!(ops, ["tick0", "tick1", "tick2", "tick3", "tick4"]);
    assert_eq!(p.client.flush_batch().unwrap(), None);
}

#[test]
fn callback_from_server_over_the_clients_connection() {
    let mut p = Pair::connected();
    let call = p.client.invoke(request("subscribe", OperationMode::Normal), true, false).unwrap();
    p.drive();
    // While dispatching subscribe, the server calls back over the same connection.
    let cb = p.server.invoke(request("notify", OperationMode::Normal), true, false).unwrap();
    p.drive();
    let client_reqs = requests(&p.client_events);
    assert_eq!(client_reqs.len(), 1);
    assert_eq!(client_reqs[0].0.operation, "notify");
    // Each side numbers its own requests: both used id 1.
    assert_eq!(client_reqs[0].0.request_id, 1);
    let mut ev = std::mem::take(&mut p.client_events);
    reply_ok_to_all(&mut p.client, &mut ev);
    p.drive();
    assert!(got_reply(&p.server_events, cb));
    let mut ev = std::mem::take(&mut p.server_events);
    reply_ok_to_all(&mut p.server, &mut ev);
    p.drive();
    assert!(got_reply(&p.client_events, call));
}

#[test]
fn graceful_close_waits_for_dispatch_and_fails_the_rest_as_retryable() {
    let mut p = Pair::connected();
    let a = p.client.invoke(request("slow", OperationMode::Normal), true, false).unwrap();
    p.drive();
    let mut dispatched = std::mem::take(&mut p.server_events);
    assert_eq!(dispatched.len(), 1);
    // The server decides to close while "slow" is being dispatched.
    p.server.close(CloseMode::Gracefully);
    assert_eq!(p.server.state(), ConnectionState::Closing);
    // A request arriving now is ignored by the server.
    let b = p.client.invoke(request("late", OperationMode::Normal), true, false).unwrap();
    p.drive();
    assert!(requests(&p.server_events).is_empty());
    // No CloseConnection until the dispatch in progress is answered.
    assert_eq!(p.server_sent().len(), 14);
    reply_ok_to_all(&mut p.server, &mut dispatched);
    p.drive();
    // "slow" got its reply; "late" failed with CloseConnection although it was sent.
    assert!(got_reply(&p.client_events, a));
    let f = failed(&p.client_events);
    assert_eq!(f, vec![(b, ConnectionError::CloseConnection, true)]);
    // CloseConnection proves "late" was not dispatched: even a Normal request is retried.
    let decision = RetryPolicy::default().decide(&FailedAttempt {
        failure: f[0].1.failure(),
        sent: true,
        mode: OperationMode::Normal,
        proxy: ProxyTraits::default(),
        retries: 0,
    });
    assert!(matches!(decision, RetryDecision::Retry { .. }));
    assert!(p.client.is_closed() && p.server.is_closed());
    assert_eq!(p.server.error(), Some(&ConnectionError::ManuallyClosed { graceful: true }));
    // The server's CloseConnection carries compression byte 0.
    let sent = p.server_sent();
    let close = &sent[sent.len() - 14..];
    assert_eq!(close, &[0x49, 0x63, 0x65, 0x50, 1, 0, 1, 0, 4, 0, 14, 0, 0, 0]);
}

#[test]
fn link_drop_after_send_retries_only_idempotent() {
    for (mode, expect_retry) in [(OperationMode::Normal, false), (OperationMode::Idempotent, true)]
    {
        let mut p = Pair::connected();
        let id = p.client.invoke(request("op", mode), true, false).unwrap();
        p.drive();
        assert_eq!(p.client.is_sent(id), Some(true));
        p.drop_link();
        p.drive();
        let f = failed(&p.client_events);
        assert_eq!(f, vec![(id, ConnectionError::ConnectionLost, true)]);
        let d = RetryPolicy::default().decide(&FailedAttempt {
            failure: f[0].1.failure(),
            sent: f[0].2,
            mode,
            proxy: ProxyTraits::default(),
            retries: 0,
        });
        assert_eq!(matches!(d, RetryDecision::Retry { .. }), expect_retry, "{mode:?}");
    }
}

#[test]
fn unsent_request_fails_as_not_sent() {
    let mut p = Pair::default_pair();
    // Before validation nothing is written, so a dropped link leaves the request unsent.
    let id = p.client.invoke(request("op", OperationMode::Normal), true, false).unwrap();
    p.drop_link();
    p.drive();
    assert_eq!(failed(&p.client_events), vec![(id, ConnectionError::ConnectionLost, false)]);
}

fn acm(timeout_s: u64, heartbeat: AcmHeartbeat, close: AcmClose) -> Acm {
    Acm { timeout: Some(Duration::from_secs(timeout_s)), heartbeat, close }
}

#[test]
fn heartbeats_keep_an_idle_connection_alive() {
    let mut c = ConnectionConfig::new(Side::Client);
    c.acm = acm(2, AcmHeartbeat::Off, AcmClose::OnInvocation);
    let mut s = ConnectionConfig::new(Side::Server);
    s.acm = acm(2, AcmHeartbeat::Always, AcmClose::Off);
    let mut p = Pair::new(c, s);
    p.drive();
    // A long call: the server dispatches for 30 s, heartbeating meanwhile.
    let id = p.client.invoke(request("slow", OperationMode::Normal), true, false).unwrap();
    p.drive();
    let mut dispatched = std::mem::take(&mut p.server_events);
    p.run_for(Duration::from_secs(30));
    assert_eq!(p.client.state(), ConnectionState::Active);
    // About one heartbeat per second (timeout / 2), each a bare ValidateConnection.
    let heartbeats = (p.server_sent().len() - 14) / 14;
    assert!((25..=35).contains(&heartbeats), "{heartbeats} heartbeats");
    reply_ok_to_all(&mut p.server, &mut dispatched);
    p.drive();
    assert!(got_reply(&p.client_events, id));
}

#[test]
fn silent_peer_is_aborted_while_waiting_for_a_reply() {
    let mut c = ConnectionConfig::new(Side::Client);
    c.acm = acm(2, AcmHeartbeat::Off, AcmClose::OnInvocation);
    let mut s = ConnectionConfig::new(Side::Server);
    s.acm = Acm { timeout: None, heartbeat: AcmHeartbeat::Off, close: AcmClose::Off };
    let mut p = Pair::new(c, s);
    p.drive();
    let id = p.client.invoke(request("slow", OperationMode::Normal), true, false).unwrap();
    p.run_for(Duration::from_secs(10));
    assert!(p.client.is_closed());
    assert_eq!(failed(&p.client_events), vec![(id, ConnectionError::Timeout, true)]);
    // Aborted: no CloseConnection was written by the client.
    assert!(!p.client_sent().chunks(14).any(|m| m.len() == 14 && m[8] == 4));
}

#[test]
fn idle_connection_is_closed_gracefully_by_acm() {
    let mut c = ConnectionConfig::new(Side::Client);
    c.acm = acm(5, AcmHeartbeat::Off, AcmClose::OnInvocationAndIdle);
    let mut s = ConnectionConfig::new(Side::Server);
    s.acm = acm(5, AcmHeartbeat::OnIdle, AcmClose::OnInvocation);
    let mut p = Pair::new(c, s);
    p.drive();
    p.run_for(Duration::from_secs(4));
    assert_eq!(p.client.state(), ConnectionState::Active);
    p.run_for(Duration::from_secs(10));
    assert!(p.client.is_closed() && p.server.is_closed());
    assert_eq!(p.client.error(), Some(&ConnectionError::Timeout));
    assert_eq!(p.server.error(), Some(&ConnectionError::CloseConnection));
    let sent = p.client_sent();
    assert_eq!(&sent[sent.len() - 14..][8..10], &[4, 0]);
}

/// Ice 3.7 counts every message received as activity for the close modes a server picks:
/// a client that heartbeats keeps a connection closed "on idle" open (as a Glacier2 client
/// keeps its session), and one that does not is closed once the timeout passes.
#[test]
fn a_peer_that_heartbeats_keeps_a_connection_closed_on_idle_open() {
    // The server's own heartbeats (OnIdle, our default) keep nothing open, even when they
    // fall due with its checks.
    let cases = [AcmHeartbeat::Always, AcmHeartbeat::Off]
        .into_iter()
        .flat_map(|c| [(c, AcmHeartbeat::Off), (c, AcmHeartbeat::OnIdle)]);
    for close in [AcmClose::OnIdleForceful, AcmClose::OnIdle] {
        for (heartbeat, own) in cases.clone() {
            let mut c = ConnectionConfig::new(Side::Client);
            c.acm = acm(5, heartbeat, AcmClose::Off);
            let mut s = ConnectionConfig::new(Side::Server);
            s.acm = acm(5, own, close);
            let mut p = Pair::new(c, s);
            p.drive();
            p.run_for(Duration::from_secs(30));
            if heartbeat == AcmHeartbeat::Always {
                assert_eq!(p.server.state(), ConnectionState::Active, "{close:?}");
                assert_eq!(p.client.state(), ConnectionState::Active, "{close:?}");
            } else {
                assert!(p.server.is_closed(), "{close:?}, no heartbeats, ours {own:?}");
                let graceful = p.server_sent().chunks(14).any(|m| m.len() == 14 && m[8] == 4);
                // OnIdleForceful aborts; OnIdle says CloseConnection first.
                assert_eq!(graceful, close == AcmClose::OnIdle, "{close:?}");
            }
        }
    }
}

/// A dispatch that outlasts the ACM timeout of a server closing "on idle, forcefully" (as
/// Glacier2 does for its clients): while the server heartbeats, the connection is not idle
/// (ZeroC counts the heartbeats it sends during the dispatch), and the reply gets through;
/// with heartbeats off it is aborted, whatever is in progress.
#[test]
fn a_long_dispatch_keeps_a_heartbeating_connection_closed_on_idle_open() {
    for heartbeat in [AcmHeartbeat::OnDispatch, AcmHeartbeat::Off] {
        let mut c = ConnectionConfig::new(Side::Client);
        c.acm = acm(5, AcmHeartbeat::Off, AcmClose::Off);
        let mut s = ConnectionConfig::new(Side::Server);
        s.acm = acm(5, heartbeat, AcmClose::OnIdleForceful);
        let mut p = Pair::new(c, s);
        p.drive();
        let id = p.client.invoke(request("slow", OperationMode::Normal), true, false).unwrap();
        p.drive();
        let mut dispatched = std::mem::take(&mut p.server_events);
        p.run_for(Duration::from_secs(30));
        if heartbeat == AcmHeartbeat::Off {
            assert!(p.server.is_closed(), "no heartbeats: aborted");
            continue;
        }
        assert_eq!(p.server.state(), ConnectionState::Active);
        reply_ok_to_all(&mut p.server, &mut dispatched);
        p.drive();
        assert!(got_reply(&p.client_events, id));
        // Idle once the dispatch is over, and the client is silent: aborted.
        p.run_for(Duration::from_secs(30));
        assert!(p.server.is_closed(), "idle after the dispatch");
    }
}

#[test]
fn garbage_closes_only_that_connection_with_a_typed_error() {
    let now = std::time::Instant::now();
    let mut server = Connection::new(ConnectionConfig::new(Side::Server), now);
    let mut other = Connection::new(ConnectionConfig::new(Side::Server), now);
    let mut buf = BytesMut::from(&b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..]);
    server.handle_input(now, &mut buf);
    assert!(server.is_closed());
    assert!(matches!(server.error(), Some(ConnectionError::Protocol(_))));
    assert!(!other.is_closed());
    assert!(other.poll_transmit().is_some());
    // Closed is the last event and the connection stays closed.
    let mut last = None;
    while let Some(e) = server.poll_event() {
        last = Some(e);
    }
    assert!(matches!(last, Some(Event::Closed { .. })));
    let mut more = BytesMut::from(&[0x49, 0x63, 0x65, 0x50][..]);
    server.handle_input(now, &mut more);
    assert!(server.poll_event().is_none());
}

#[test]
fn client_rejects_a_first_message_other_than_validate() {
    let now = std::time::Instant::now();
    let mut client = Connection::new(ConnectionConfig::new(Side::Client), now);
    let close = [0x49, 0x63, 0x65, 0x50, 1, 0, 1, 0, 4, 0, 14, 0, 0, 0];
    client.handle_input(now, &mut BytesMut::from(&close[..]));
    assert_eq!(client.error(), Some(&ConnectionError::NotValidated));
}

#[test]
fn late_reply_after_cancel_is_ignored() {
    let mut p = Pair::connected();
    let id = p.client.invoke(request("slow", OperationMode::Normal), true, false).unwrap();
    p.drive();
    assert!(p.client.cancel(id), "it was sent");
    let mut ev = std::mem::take(&mut p.server_events);
    reply_ok_to_all(&mut p.server, &mut ev);
    p.drive();
    assert!(!p.client_events.iter().any(|e| matches!(e, Event::Reply { .. })));
    assert_eq!(p.client.state(), ConnectionState::Active);
}

#[test]
fn cancel_before_transmit_removes_the_request() {
    let mut p = Pair::default_pair();
    let id = p.client.invoke(request("never", OperationMode::Normal), true, false).unwrap();
    assert!(!p.client.cancel(id), "not sent yet");
    p.drive();
    assert!(requests(&p.server_events).is_empty());
}

#[test]
fn graceful_close_with_wait_lets_invocations_finish() {
    let mut p = Pair::connected();
    let id = p.client.invoke(request("op", OperationMode::Normal), true, false).unwrap();
    p.drive();
    p.client.close(CloseMode::GracefullyWithWait);
    assert!(p.client.invoke(request("more", OperationMode::Normal), true, false).is_err());
    let mut ev = std::mem::take(&mut p.server_events);
    reply_ok_to_all(&mut p.server, &mut ev);
    p.drive();
    assert!(got_reply(&p.client_events, id));
    assert!(p.client.is_closed() && p.server.is_closed());
    assert_eq!(p.server.error(), Some(&ConnectionError::CloseConnection));
}

#[test]
fn a_stalled_write_does_not_make_the_heartbeat_timer_spin() {
    let start = std::time::Instant::now();
    let mut config = ConnectionConfig::new(Side::Server);
    config.acm = acm(2, AcmHeartbeat::OnIdle, AcmClose::Off);
    let mut server = Connection::new(config, start);
    // The validation message is handed out but its write never completes.
    assert!(server.poll_transmit().is_some());
    let later = start + Duration::from_secs(5);
    server.handle_timeout(later);
    assert!(server.poll_timeout().is_none_or(|t| t > later), "deadline in the past while writing");
    // Once the write completes, heartbeats are scheduled again from that moment.
    server.handle_written(later);
    let next = server.poll_timeout().expect("heartbeat deadline");
    assert_eq!(next, later + Duration::from_secs(1));
}

/// A BatchRequest message of `ops` (identity `bench`, empty encapsulations); `bad` makes the
/// last request's operation name invalid UTF-8.
fn batch_message(ops: &[&str], bad: bool) -> BytesMut {
    let mut body = (ops.len() as i32).to_le_bytes().to_vec();
    for (i, op) in ops.iter().enumerate() {
        body.extend_from_slice(&[5, b'b', b'e', b'n', b'c', b'h', 0, 0, op.len() as u8]);
        let start = body.len();
        body.extend_from_slice(op.as_bytes());
        if bad && i == ops.len() - 1 {
            body[start] = 0xff;
        }
        body.extend_from_slice(&[0, 0, 6, 0, 0, 0, 1, 1]);
    }
    let mut m = vec![0x49, 0x63, 0x65, 0x50, 1, 0, 1, 0, 1, 0];
    m.extend_from_slice(&((14 + body.len()) as i32).to_le_bytes());
    m.extend_from_slice(&body);
    BytesMut::from(&m[..])
}

fn dispatched(conn: &mut Connection) -> Vec<String> {
    std::iter::from_fn(|| conn.poll_event())
        .filter_map(|e| match e {
            Event::Request(r) => Some(r.request.operation),
            _ => None,
        })
        .collect()
}

#[test]
fn a_batch_that_fails_to_decode_dispatches_none_of_its_requests() {
    let now = std::time::Instant::now();
    let mut server = Connection::new(ConnectionConfig::new(Side::Server), now);
    let mut input = batch_message(&["a", "b"], false);
    input.extend_from_slice(&batch_message(&["c", "d", "e"], true));
    server.handle_input(now, &mut input);
    // The good batch before it is dispatched, in order; nothing of the broken one is.
    assert_eq!(dispatched(&mut server), ["a", "b"]);
    assert!(server.is_closed());
    assert!(matches!(server.error(), Some(ConnectionError::Protocol(_))));
}

#[test]
fn a_broken_batch_datagram_is_dropped_and_the_next_is_dispatched() {
    let now = std::time::Instant::now();
    let mut server = Connection::new(ConnectionConfig::datagram(Side::Server), now);
    server.handle_datagram(now, batch_message(&["c", "d"], true).freeze());
    assert!(dispatched(&mut server).is_empty());
    assert_eq!(server.dispatches_in_progress(), 0);
    server.handle_datagram(now, batch_message(&["e", "f"], false).freeze());
    assert_eq!(dispatched(&mut server), ["e", "f"]);
    assert!(!server.is_closed());
}
