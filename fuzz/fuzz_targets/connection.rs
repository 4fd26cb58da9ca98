//! Arbitrary bytes, in arbitrary chunks, fed to both a client and a server connection while
//! they also invoke and reply: never a panic, and the state machine's invariants hold, checked
//! against a model of the invocations made: a reply or a failure goes only to an invocation
//! still waiting for one, and at most once (none to a oneway); no request is dispatched twice;
//! nothing happens after `Closed`, a closed connection stays closed and refuses invocations,
//! and by then every invocation has had its outcome.
#![no_main]

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::BytesMut;
use ice_proto::connection::{
    CloseMode, Connection, ConnectionConfig, DispatchId, Event, InvocationId, Side,
};
use ice_proto::frame::{ReplyStatus, Request};
use ice_proto::{Context, Encapsulation, EncodingVersion, Identity, OperationMode};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Step {
    Input(Vec<u8>),
    Invoke { twoway: bool, compress: bool },
    Batch,
    Flush,
    Advance(u16),
    Close(u8),
    Eof,
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// A valid ValidateConnection first, so the client gets past validation.
    validate_first: bool,
    client: Vec<Step>,
    server: Vec<Step>,
}

const VALIDATE: [u8; 14] = [0x49, 0x63, 0x65, 0x50, 1, 0, 1, 0, 3, 0, 14, 0, 0, 0];

fn request() -> Request {
    Request {
        request_id: 0,
        identity: Identity::new("fuzz"),
        facet: String::new(),
        operation: "op".into(),
        mode: OperationMode::Normal,
        context: Context::new(),
        params: Encapsulation::empty(EncodingVersion::V1_1),
    }
}

fn run(side: Side, steps: &[Step], validate_first: bool) {
    let mut now = Instant::now();
    let mut config = ConnectionConfig::new(side);
    // Half the runs describe every message (Ice.Trace.Protocol), from hostile input too.
    config.trace_protocol = steps.len() % 2 == 1;
    let mut conn = Connection::new(config, now);
    let mut buf = BytesMut::new();
    if validate_first {
        buf.extend_from_slice(&VALIDATE);
        conn.handle_input(now, &mut buf);
    }
    let mut closed = false;
    // Invocations without an outcome yet: whether each is twoway, and whether it was sent.
    let mut waiting: HashMap<InvocationId, (bool, bool)> = HashMap::new();
    let mut dispatched: HashSet<DispatchId> = HashSet::new();
    for step in steps {
        match step {
            Step::Input(bytes) => {
                buf.extend_from_slice(bytes);
                conn.handle_input(now, &mut buf);
                // Never buffers more than one message beyond the limit.
                assert!(buf.len() <= conn.config().max_message_size + 14);
            }
            Step::Invoke { twoway, compress } => {
                let result = conn.invoke(request(), *twoway, *compress);
                if let Ok(id) = result {
                    assert!(!closed, "a closed connection took an invocation");
                    assert!(waiting.insert(id, (*twoway, false)).is_none(), "{id:?} reused");
                }
            }
            Step::Batch => {
                let _ = conn.queue_batch_request(request(), false);
            }
            Step::Flush => {
                if let Ok(Some(id)) = conn.flush_batch() {
                    assert!(!closed, "a closed connection took a batch");
                    assert!(waiting.insert(id, (false, false)).is_none(), "{id:?} reused");
                }
            }
            Step::Advance(ms) => {
                now += Duration::from_millis(u64::from(*ms) * 100);
                conn.handle_timeout(now);
            }
            Step::Close(m) => conn.close(match m % 3 {
                0 => CloseMode::Forcefully,
                1 => CloseMode::Gracefully,
                _ => CloseMode::GracefullyWithWait,
            }),
            Step::Eof => conn.handle_eof(now),
        }
        while conn.poll_transmit().is_some() {
            conn.handle_written(now);
        }
        if let Some(t) = conn.poll_timeout() {
            // Deadlines are never in an unbounded past: handling them makes progress.
            if t <= now {
                conn.handle_timeout(now);
            }
        }
        while let Some(e) = conn.poll_event() {
            assert!(!closed, "event after Closed: {e:?}");
            match e {
                Event::Request(r) => {
                    assert!(dispatched.insert(r.dispatch), "{:?} dispatched twice", r.dispatch);
                    conn.reply(r.dispatch, ReplyStatus::UnknownException("x".into()))
                }
                Event::Reply { invocation, .. } => match waiting.remove(&invocation) {
                    Some((true, _)) => {}
                    other => panic!("reply to {invocation:?}, which waits for none: {other:?}"),
                },
                Event::Sent { invocation } => match waiting.get_mut(&invocation) {
                    Some((true, sent)) => {
                        assert!(!*sent, "{invocation:?} sent twice");
                        *sent = true;
                    }
                    Some((false, _)) => {
                        waiting.remove(&invocation);
                    }
                    None => panic!("Sent for {invocation:?}, which waits for nothing"),
                },
                Event::InvocationFailed { invocation, .. } => {
                    assert!(waiting.remove(&invocation).is_some(), "{invocation:?} failed twice");
                }
                Event::Closed { .. } => {
                    closed = true;
                    assert!(waiting.is_empty(), "closed with outcomes missing: {waiting:?}");
                }
                _ => {}
            }
        }
        if closed {
            assert!(conn.is_closed(), "a closed connection reopened");
        }
        if conn.is_closed() {
            assert!(closed || conn.poll_event().is_none());
            assert_eq!(conn.pending_invocations(), 0);
            assert!(conn.poll_transmit().is_none());
        }
    }
    // Never more descriptions kept than the bound, however many messages went by.
    let traces = std::iter::from_fn(|| conn.poll_trace()).count();
    assert!(traces <= ice_proto::connection::MAX_PENDING_TRACES);
}

fuzz_target!(|input: Input| {
    run(Side::Client, &input.client, input.validate_first);
    run(Side::Server, &input.server, false);
});
