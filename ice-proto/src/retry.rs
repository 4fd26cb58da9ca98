//! At-most-once retry decisions (spec §9.2): given why an invocation attempt failed, whether
//! its request may have reached the server, the operation mode and the attempts so far, decide
//! whether to send it again, now or later, or to fail.
//!
//! This is a pure function so that every driver gets the same answer and tests can check the
//! whole table without sockets.

use std::time::Duration;

use crate::OperationMode;

/// Why an invocation attempt failed, in the categories that matter for retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Failure {
    /// The peer closed the connection gracefully (CloseConnection) before replying. The peer
    /// promises it did not dispatch the request, so this is always safe to retry.
    CloseConnection,
    /// The connection broke (EOF, reset, protocol error) — the request may have been dispatched.
    ConnectionLost,
    /// A connection could not be established (refused, unreachable, DNS, validation failed).
    ConnectFailed,
    /// Establishing the connection timed out.
    ConnectTimeout,
    /// A read, write or ACM timeout aborted the connection.
    Timeout,
    /// The server answered ObjectNotExist.
    ObjectNotExist {
        /// Whether the failed operation was `ice_add_proxy` on a router (Ice clears the
        /// router's cache and retries without counting).
        router_add_proxy: bool,
    },
    /// The server answered FacetNotExist or OperationNotExist.
    RequestFailed,
    /// The server answered UnknownLocalException (status 5).
    UnknownLocal,
    /// Bytes could not be (un)marshaled, including `Ice.MessageSizeMax` overruns.
    Marshal,
    /// The communicator or object adapter was destroyed, or the application closed the
    /// connection on purpose.
    Shutdown,
    /// The invocation timeout expired or the invocation was cancelled.
    InvocationTimeout,
    /// Not an Ice local error: a user exception, UnknownUserException, UnknownException, or an
    /// application error. Never retried.
    Application,
}

/// How the proxy that made the invocation addresses its target (the parts of a proxy that
/// §9.2's gate B looks at).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProxyTraits {
    /// Batch oneway or batch datagram proxy.
    pub batch: bool,
    /// A fixed proxy, bound to one connection.
    pub fixed: bool,
    /// Resolved through the locator (adapter id or well-known proxy), so ObjectNotExist may
    /// mean a stale location.
    pub indirect: bool,
    /// Whether the proxy is routed (ObjectNotExist on `ice_add_proxy` is then retried).
    pub routed: bool,
}

/// One failed attempt, as input to [`RetryPolicy::decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailedAttempt {
    /// Why the attempt failed.
    pub failure: Failure,
    /// Whether the request was completely written to a connection (it may have been
    /// dispatched).
    pub sent: bool,
    /// The operation's mode.
    pub mode: OperationMode,
    /// The proxy used.
    pub proxy: ProxyTraits,
    /// Retries counted so far for this invocation (0 after the first attempt fails).
    pub retries: u32,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Send the request again after the delay; `retries` is the new count to pass in next time.
    Retry {
        /// How long to wait first (zero: right away, still asynchronously).
        after: Duration,
        /// The retry count for the next [`FailedAttempt`].
        retries: u32,
        /// Whether a cached routing entry or locator entry must be dropped first.
        clear_cache: bool,
    },
    /// Give up and report the failure to the caller.
    Fail,
}

/// `Ice.RetryIntervals`: the delays before successive retries. The default `[0]` allows one
/// immediate retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    intervals: Vec<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { intervals: vec![Duration::ZERO] }
    }
}

impl RetryPolicy {
    /// A policy with the given retry delays (empty: no retries except the CloseConnection one).
    pub fn new(intervals: Vec<Duration>) -> Self {
        RetryPolicy { intervals }
    }

    /// Parses the value of `Ice.RetryIntervals` as ZeroC Ice does: integers in milliseconds
    /// separated by commas or whitespace; a first value of `-1` disables retries; invalid or
    /// negative values count as 0.
    pub fn parse(value: &str) -> Self {
        let tokens: Vec<&str> = value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .collect();
        if tokens.is_empty() {
            return Self::default();
        }
        if tokens[0].parse::<i64>() == Ok(-1) {
            return RetryPolicy { intervals: Vec::new() };
        }
        let intervals = tokens
            .iter()
            .map(|t| Duration::from_millis(t.parse::<i64>().unwrap_or(0).max(0) as u64))
            .collect();
        RetryPolicy { intervals }
    }

    /// The configured delays.
    pub fn intervals(&self) -> &[Duration] {
        &self.intervals
    }

    /// Decides whether to retry after `attempt` failed (spec §9.2: gate A at-most-once, then
    /// gate B retryability and counting).
    pub fn decide(&self, attempt: &FailedAttempt) -> RetryDecision {
        use Failure::*;
        let f = attempt.failure;
        // Gate A: a request that may have been dispatched is only re-sent when that is safe.
        if f == Application {
            return RetryDecision::Fail;
        }
        let safe = !attempt.sent
            || attempt.mode.is_idempotent()
            || matches!(f, CloseConnection | ObjectNotExist { .. });
        if !safe {
            return RetryDecision::Fail;
        }
        // Gate B.
        if attempt.proxy.batch || attempt.proxy.fixed {
            return RetryDecision::Fail;
        }
        let mut clear_cache = false;
        match f {
            ObjectNotExist { router_add_proxy: true } if attempt.proxy.routed => {
                return RetryDecision::Retry {
                    after: Duration::ZERO,
                    retries: attempt.retries,
                    clear_cache: true,
                };
            }
            ObjectNotExist { .. } if attempt.proxy.indirect => clear_cache = true,
            ObjectNotExist { .. } | RequestFailed | Marshal | Shutdown | InvocationTimeout => {
                return RetryDecision::Fail;
            }
            _ => {}
        }
        let retries = attempt.retries + 1;
        let n = self.intervals.len() as u32;
        let after = if retries == n + 1 && f == CloseConnection {
            Duration::ZERO
        } else if retries > n {
            return RetryDecision::Fail;
        } else {
            self.intervals[(retries - 1) as usize]
        };
        RetryDecision::Retry { after, retries, clear_cache }
    }
}

#[cfg(test)]
mod tests;
