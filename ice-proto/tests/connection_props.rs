//! Properties of the connection state machine over a simulated network: chunking does not
//! matter, and under random faults no Normal request is ever dispatched twice.

mod pair;

use std::collections::HashMap;

use ice_proto::connection::{CloseMode, ConnectionError, Event, InvocationId};
use ice_proto::frame::{ReplyStatus, Request};
use ice_proto::retry::{FailedAttempt, ProxyTraits, RetryDecision, RetryPolicy};
use ice_proto::{Context, Encapsulation, EncodingVersion, Identity, OperationMode};
use pair::Pair;
use proptest::prelude::*;

fn request(op: String, mode: OperationMode, payload: usize) -> Request {
    Request {
        request_id: 0,
        identity: Identity::new("obj"),
        facet: String::new(),
        operation: op,
        mode,
        context: Context::new(),
        params: Encapsulation::from_value(EncodingVersion::V1_1, &vec![7u8; payload]),
    }
}

/// A summary of what each side observed, independent of timing.
fn summary(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Event::Connected => "connected".to_string(),
            Event::Request(r) => {
                format!("request {} {}", r.request.operation, r.request.request_id)
            }
            Event::Reply { invocation, status, .. } => format!("reply {invocation:?} {status:?}"),
            Event::Sent { invocation } => format!("sent {invocation:?}"),
            Event::InvocationFailed { invocation, error, sent } => {
                format!("failed {invocation:?} {error} {sent}")
            }
            Event::Closed { error } => format!("closed {error}"),
        })
        .collect()
}

fn conversation(
    max_chunk: Option<usize>,
    seed: u64,
    sizes: &[usize],
) -> (Vec<String>, Vec<String>) {
    let mut p = Pair::default_pair();
    p.max_chunk = max_chunk;
    p.seed(seed);
    for (i, n) in sizes.iter().enumerate() {
        let twoway = i % 3 != 2;
        p.client
            .invoke(request(format!("op{i}"), OperationMode::Normal, *n), twoway, i % 2 == 0)
            .unwrap();
    }
    p.drive();
    let mut ev = std::mem::take(&mut p.server_events);
    let server_summary = summary(&ev);
    for e in ev.drain(..) {
        if let Event::Request(r) = e {
            p.server.reply(r.dispatch, ReplyStatus::Ok(r.request.params));
        }
    }
    p.client.close(CloseMode::GracefullyWithWait);
    p.drive();
    let mut server = server_summary;
    server.extend(summary(&p.server_events));
    (summary(&p.client_events), server)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_chunking_yields_the_same_events(
        seed: u64,
        chunk in 1usize..40,
        sizes in proptest::collection::vec(0usize..400, 1..8),
    ) {
        let whole = conversation(None, 1, &sizes);
        let chunked = conversation(Some(chunk), seed, &sizes);
        prop_assert_eq!(whole, chunked);
    }

    /// Random faults (link cut, graceful or forceful server close) at random moments, with
    /// retries as the retry policy decides: a Normal request is never dispatched twice, and
    /// every invocation ends.
    #[test]
    fn no_normal_request_is_dispatched_twice(
        modes in proptest::collection::vec(any::<bool>(), 1..10),
        faults in proptest::collection::vec((0u8..4, 0usize..12), 1..6),
        chunk in 1usize..30,
    ) {
        let policy = RetryPolicy::default();
        let mode_of = |i: usize| if modes[i] { OperationMode::Idempotent } else { OperationMode::Normal };
        // (op index, retries so far) still to be sent.
        let mut todo: Vec<(usize, u32)> = (0..modes.len()).map(|i| (i, 0)).collect();
        let mut dispatched: HashMap<usize, u32> = HashMap::new();
        let mut done = 0usize;
        let mut round = 0usize;
        while !todo.is_empty() {
            prop_assert!(round < 50, "invocations never finish");
            // Past the listed faults the rounds run fault-free.
            let (fault, at) = faults.get(round).copied().unwrap_or((3, 0));
            round += 1;
            let mut p = Pair::default_pair();
            p.max_chunk = Some(chunk);
            let mut ids: HashMap<InvocationId, (usize, u32)> = HashMap::new();
            for (i, retries) in todo.drain(..) {
                let id = p.client.invoke(request(format!("{i}"), mode_of(i), 20), true, false).unwrap();
                ids.insert(id, (i, retries));
            }
            let mut steps = 0;
            loop {
                if steps == at {
                    match fault {
                        0 => p.drop_link(),
                        1 => p.server.close(CloseMode::Gracefully),
                        2 => p.server.close(CloseMode::Forcefully),
                        _ => {}
                    }
                }
                steps += 1;
                let progressed = p.step();
                for e in std::mem::take(&mut p.server_events) {
                    if let Event::Request(r) = e {
                        let i: usize = r.request.operation.parse().unwrap();
                        *dispatched.entry(i).or_default() += 1;
                        p.server.reply(r.dispatch, ReplyStatus::Ok(Encapsulation::empty(EncodingVersion::V1_1)));
                    }
                }
                if !progressed && steps > at {
                    break;
                }
                prop_assert!(steps < 10_000);
            }
            for e in std::mem::take(&mut p.client_events) {
                match e {
                    Event::Reply { invocation, .. } => {
                        ids.remove(&invocation);
                        done += 1;
                    }
                    Event::InvocationFailed { invocation, error, sent } => {
                        let (i, retries) = ids.remove(&invocation).unwrap();
                        let decision = policy.decide(&FailedAttempt {
                            failure: error.failure(), sent, mode: mode_of(i),
                            proxy: ProxyTraits::default(), retries,
                        });
                        match decision {
                            RetryDecision::Retry { retries, .. } => todo.push((i, retries)),
                            RetryDecision::Fail => done += 1,
                        }
                        prop_assert!(error != ConnectionError::NotValidated);
                    }
                    _ => {}
                }
            }
            // Anything still pending when nothing moves any more (server never answered because
            // the link died silently) is given up as lost-after-send by closing the client.
            if !ids.is_empty() {
                p.client.close(CloseMode::Forcefully);
                for e in std::iter::from_fn(|| p.client.poll_event()) {
                    if let Event::InvocationFailed { invocation, sent, .. } = e {
                        let (i, retries) = ids.remove(&invocation).unwrap();
                        let d = policy.decide(&FailedAttempt {
                            failure: ConnectionError::ConnectionLost.failure(), sent, mode: mode_of(i),
                            proxy: ProxyTraits::default(), retries,
                        });
                        match d {
                            RetryDecision::Retry { retries, .. } => todo.push((i, retries)),
                            RetryDecision::Fail => done += 1,
                        }
                    }
                }
            }
            prop_assert!(ids.is_empty());
        }
        prop_assert_eq!(done, modes.len());
        for (i, n) in dispatched {
            if !modes[i] {
                prop_assert!(n <= 1, "Normal request {} dispatched {} times", i, n);
            }
        }
    }
}
