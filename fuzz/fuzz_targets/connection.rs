//! Arbitrary bytes, in arbitrary chunks, fed to both a client and a server connection while
//! they also invoke and reply: never a panic, and the state machine's invariants hold.
#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::BytesMut;
use ice_proto::connection::{CloseMode, Connection, ConnectionConfig, Event, Side};
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
    let mut conn = Connection::new(ConnectionConfig::new(side), now);
    let mut buf = BytesMut::new();
    if validate_first {
        buf.extend_from_slice(&VALIDATE);
        conn.handle_input(now, &mut buf);
    }
    let mut closed = false;
    for step in steps {
        match step {
            Step::Input(bytes) => {
                buf.extend_from_slice(bytes);
                conn.handle_input(now, &mut buf);
                // Never buffers more than one message beyond the limit.
                assert!(buf.len() <= conn.config().max_message_size + 14);
            }
            Step::Invoke { twoway, compress } => {
                let _ = conn.invoke(request(), *twoway, *compress);
            }
            Step::Batch => {
                let _ = conn.queue_batch_request(request(), false);
            }
            Step::Flush => {
                let _ = conn.flush_batch();
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
                Event::Request(r) => conn.reply(r.dispatch, ReplyStatus::UnknownException("x".into())),
                Event::Closed { .. } => closed = true,
                _ => {}
            }
        }
        if conn.is_closed() {
            assert!(closed || conn.poll_event().is_none());
            assert_eq!(conn.pending_invocations(), 0);
            assert!(conn.poll_transmit().is_none());
        }
    }
}

fuzz_target!(|input: Input| {
    run(Side::Client, &input.client, input.validate_first);
    run(Side::Server, &input.server, false);
});
