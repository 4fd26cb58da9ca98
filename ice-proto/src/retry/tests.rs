use super::*;

fn attempt(failure: Failure, sent: bool, mode: OperationMode, retries: u32) -> FailedAttempt {
    FailedAttempt { failure, sent, mode, proxy: ProxyTraits::default(), retries }
}

/// Runs an invocation whose every attempt fails with `failure`, returning the number of
/// attempts made.
fn attempts_until_fail(
    policy: &RetryPolicy,
    failure: Failure,
    sent: bool,
    mode: OperationMode,
) -> u32 {
    let mut retries = 0;
    let mut attempts = 1;
    loop {
        match policy.decide(&attempt(failure, sent, mode, retries)) {
            RetryDecision::Fail => return attempts,
            RetryDecision::Retry { retries: r, .. } => {
                retries = r;
                attempts += 1;
                assert!(attempts < 100, "retry loop does not terminate");
            }
        }
    }
}

#[test]
fn normal_request_that_may_have_been_dispatched_is_never_resent() {
    let p = RetryPolicy::parse("0 10 20 40");
    for f in [Failure::ConnectionLost, Failure::Timeout, Failure::UnknownLocal] {
        assert_eq!(p.decide(&attempt(f, true, OperationMode::Normal, 0)), RetryDecision::Fail);
    }
}

#[test]
fn captured_consequences_with_default_intervals() {
    let p = RetryPolicy::default();
    // Spec §9.2, captured with Ice 3.7 JS: CloseConnection gives up to 3 attempts.
    assert_eq!(attempts_until_fail(&p, Failure::CloseConnection, true, OperationMode::Normal), 3);
    assert_eq!(attempts_until_fail(&p, Failure::ConnectionLost, true, OperationMode::Normal), 1);
    assert_eq!(
        attempts_until_fail(&p, Failure::ConnectionLost, true, OperationMode::Idempotent),
        2
    );
    assert_eq!(attempts_until_fail(&p, Failure::UnknownLocal, true, OperationMode::Nonmutating), 2);
    assert_eq!(attempts_until_fail(&p, Failure::ConnectFailed, false, OperationMode::Normal), 2);
}

#[test]
fn disabled_retries_still_allow_the_close_connection_bonus() {
    let p = RetryPolicy::parse("-1");
    assert!(p.intervals().is_empty());
    assert_eq!(attempts_until_fail(&p, Failure::CloseConnection, true, OperationMode::Normal), 2);
    assert_eq!(
        attempts_until_fail(&p, Failure::ConnectFailed, false, OperationMode::Idempotent),
        1
    );
}

#[test]
fn intervals_are_used_in_order() {
    let p = RetryPolicy::parse("0, 100 ,x -5 250");
    let ms = |n| Duration::from_millis(n);
    assert_eq!(p.intervals(), &[ms(0), ms(100), ms(0), ms(0), ms(250)]);
    let d = p.decide(&attempt(Failure::ConnectFailed, false, OperationMode::Normal, 1));
    assert_eq!(d, RetryDecision::Retry { after: ms(100), retries: 2, clear_cache: false });
    assert_eq!(attempts_until_fail(&p, Failure::ConnectFailed, false, OperationMode::Normal), 6);
}

#[test]
fn gate_b_rows() {
    let p = RetryPolicy::default();
    let mut a = attempt(Failure::ConnectFailed, false, OperationMode::Idempotent, 0);
    a.proxy.batch = true;
    assert_eq!(p.decide(&a), RetryDecision::Fail);
    a.proxy = ProxyTraits { fixed: true, ..Default::default() };
    assert_eq!(p.decide(&a), RetryDecision::Fail);

    for f in
        [Failure::RequestFailed, Failure::Marshal, Failure::Shutdown, Failure::InvocationTimeout]
    {
        let a = attempt(f, false, OperationMode::Idempotent, 0);
        assert_eq!(p.decide(&a), RetryDecision::Fail, "{f:?}");
    }
    assert_eq!(
        p.decide(&attempt(Failure::Application, false, OperationMode::Idempotent, 0)),
        RetryDecision::Fail
    );

    // ObjectNotExist: direct proxy fails, indirect proxy retries with a cache flush, routed
    // ice_add_proxy retries without counting.
    let one = Failure::ObjectNotExist { router_add_proxy: false };
    let mut a = attempt(one, true, OperationMode::Normal, 0);
    assert_eq!(p.decide(&a), RetryDecision::Fail);
    a.proxy.indirect = true;
    assert_eq!(
        p.decide(&a),
        RetryDecision::Retry { after: Duration::ZERO, retries: 1, clear_cache: true }
    );
    let mut a =
        attempt(Failure::ObjectNotExist { router_add_proxy: true }, true, OperationMode::Normal, 5);
    a.proxy.routed = true;
    assert_eq!(
        p.decide(&a),
        RetryDecision::Retry { after: Duration::ZERO, retries: 5, clear_cache: true }
    );
}

proptest::proptest! {
    /// At-most-once: whatever the failure and policy, a sent Normal request is only retried
    /// for the two failures that prove it was not dispatched.
    #[test]
    fn sent_normal_requests_only_retry_when_provably_not_dispatched(
        f in 0usize..12, retries in 0u32..10, intervals in proptest::collection::vec(0u64..1000, 0..5),
        batch: bool, fixed: bool, indirect: bool, routed: bool,
    ) {
        let failures = [
            Failure::CloseConnection, Failure::ConnectionLost, Failure::ConnectFailed,
            Failure::ConnectTimeout, Failure::Timeout,
            Failure::ObjectNotExist { router_add_proxy: false },
            Failure::ObjectNotExist { router_add_proxy: true }, Failure::RequestFailed,
            Failure::UnknownLocal, Failure::Marshal, Failure::Shutdown, Failure::Application,
        ];
        let policy = RetryPolicy::new(intervals.into_iter().map(Duration::from_millis).collect());
        let a = FailedAttempt {
            failure: failures[f], sent: true, mode: OperationMode::Normal,
            proxy: ProxyTraits { batch, fixed, indirect, routed }, retries,
        };
        if let RetryDecision::Retry { .. } = policy.decide(&a) {
            let provably_not_dispatched =
                matches!(failures[f], Failure::CloseConnection | Failure::ObjectNotExist { .. });
            proptest::prop_assert!(provably_not_dispatched, "retried {:?}", failures[f]);
        }
    }
}
