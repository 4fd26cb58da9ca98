//! Deadlines of one connection: heartbeats, ACM (Ice 3.7), the idle check and the inactivity
//! timeout (Ice 3.8), the read and write timeouts of a message in progress (the endpoint
//! timeout), and the close timeout. Kept apart from the state machine so the timing rules
//! read in one place.

use std::time::{Duration, Instant};

use super::{
    is_application, Acm, AcmClose, AcmHeartbeat, Connection, ConnectionError, ConnectionState,
};

#[derive(Debug)]
pub(super) struct Timers {
    last_read: Instant,
    last_write: Instant,
    /// Last request or reply in either direction; heartbeats do not count, so that an idle
    /// connection can be closed even while both sides heartbeat (the client default,
    /// `OnInvocationAndIdle`, and 3.8's inactivity timeout).
    last_application: Instant,
    last_heartbeat: Instant,
    /// After an ACM check found nothing to do, the next check (Ice's monitor period).
    acm_recheck: Option<Instant>,
    close_deadline: Option<Instant>,
    /// Whether the bytes read so far end in the middle of a message.
    partial_input: bool,
    /// Since when the transport has taken none of the bytes we are writing.
    write_blocked_since: Option<Instant>,
    /// Activity ended in a command that carries no clock (a cancelled invocation, a oneway
    /// dispatch answered): the next input with a clock stands in for the time it ended, so
    /// that the inactivity timeout counts from then and not from the last message.
    activity_ended_unclocked: bool,
    /// Reading resumed (a dispatch ended below `max_dispatches`) in a command with no clock:
    /// the next input with a clock restarts the read clock, so that the pause does not count.
    read_resumed_unclocked: bool,
}

/// What the connection is doing, as far as its deadlines care.
#[derive(Debug, Clone, Copy)]
pub(super) struct Deadlines {
    /// ACM settings and timeout, when ACM is on.
    pub(super) acm: Option<(Acm, Duration)>,
    pub(super) idle_check: Option<Duration>,
    pub(super) read_timeout: Option<Duration>,
    pub(super) write_timeout: Option<Duration>,
    /// The inactivity timeout, only while the connection is inactive.
    pub(super) inactivity: Option<Duration>,
    pub(super) dispatching: bool,
    pub(super) writing: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum AcmAction {
    None,
    Abort,
    CloseIfIdle,
}

impl Timers {
    pub(super) fn new(now: Instant) -> Self {
        Timers {
            last_read: now,
            last_write: now,
            last_application: now,
            last_heartbeat: now,
            acm_recheck: None,
            close_deadline: None,
            partial_input: false,
            write_blocked_since: None,
            activity_ended_unclocked: false,
            read_resumed_unclocked: false,
        }
    }

    /// Called first by every input that carries a clock.
    pub(super) fn tick(&mut self, now: Instant) {
        if std::mem::take(&mut self.activity_ended_unclocked) {
            self.application_activity(now);
        }
        if std::mem::take(&mut self.read_resumed_unclocked) {
            self.last_read = now;
        }
    }

    pub(super) fn read_resumed_unclocked(&mut self) {
        self.read_resumed_unclocked = true;
    }

    pub(super) fn read(&mut self, now: Instant) {
        self.last_read = now;
        self.acm_recheck = None;
    }

    /// After the bytes read so far were decoded: whether a message is incomplete.
    pub(super) fn input_partial(&mut self, partial: bool) {
        self.partial_input = partial;
    }

    pub(super) fn read_expired(&self, now: Instant, timeout: Duration) -> bool {
        !self.read_resumed_unclocked && self.partial_input && now >= self.last_read + timeout
    }

    pub(super) fn write_blocked(&mut self, now: Instant) {
        self.write_blocked_since.get_or_insert(now);
    }

    pub(super) fn write_progress(&mut self) {
        self.write_blocked_since = None;
    }

    pub(super) fn write_expired(&self, now: Instant, timeout: Duration) -> bool {
        self.write_blocked_since.is_some_and(|since| now >= since + timeout)
    }

    pub(super) fn activity_ended_unclocked(&mut self) {
        self.activity_ended_unclocked = true;
    }

    pub(super) fn inactivity_expired(&self, now: Instant, timeout: Duration) -> bool {
        !self.activity_ended_unclocked && now >= self.last_application + timeout
    }

    pub(super) fn wrote(&mut self, now: Instant, application: bool) {
        self.last_write = now;
        self.write_blocked_since = None;
        if application {
            self.application_activity(now);
        }
    }

    pub(super) fn application_activity(&mut self, now: Instant) {
        self.last_application = now;
        self.acm_recheck = None;
    }

    pub(super) fn heartbeat_queued(&mut self, now: Instant) {
        self.last_heartbeat = now;
    }

    pub(super) fn heartbeat_sent(&mut self, now: Instant) {
        self.last_heartbeat = now;
    }

    pub(super) fn close_sent(&mut self, now: Instant, timeout: Duration) {
        self.close_deadline = Some(now + timeout);
    }

    pub(super) fn close_expired(&self, now: Instant) -> bool {
        self.close_deadline.is_some_and(|d| now >= d)
    }

    pub(super) fn idle_expired(&self, now: Instant, idle: Duration) -> bool {
        !self.read_resumed_unclocked && now >= self.last_read + idle
    }

    fn heartbeat_deadline(
        &self,
        mode: AcmHeartbeat,
        timeout: Duration,
        dispatching: bool,
    ) -> Option<Instant> {
        let since_write = self.last_write.max(self.last_heartbeat);
        match mode {
            AcmHeartbeat::Off => None,
            // While a dispatch runs the peer waits for our reply: heartbeat often enough that
            // its ACM does not give up on us.
            AcmHeartbeat::OnDispatch if dispatching => Some(since_write + timeout / 4),
            AcmHeartbeat::OnDispatch => None,
            AcmHeartbeat::OnIdle => Some(since_write + timeout / 2),
            AcmHeartbeat::Always => Some(self.last_heartbeat + timeout / 2),
        }
    }

    pub(super) fn heartbeat_due(
        &self,
        now: Instant,
        mode: AcmHeartbeat,
        timeout: Duration,
        dispatching: bool,
    ) -> bool {
        self.heartbeat_deadline(mode, timeout, dispatching).is_some_and(|d| now >= d)
    }

    /// The last request or reply, or anything read: what ends Ice 3.7's "idle" for the close
    /// modes a server picks (`OnIdle`, `OnIdleForceful`). A peer that heartbeats keeps such a
    /// connection open, as Glacier2 clients do to keep their session (3.7 counts every
    /// message). Our own heartbeats do not count: we send them more eagerly than ZeroC's
    /// default (for 3.8 peers' idle check), and counting them would keep every idle
    /// connection open.
    fn last_heard(&self) -> Instant {
        self.last_application.max(self.last_read)
    }

    fn acm_deadline(&self, close: AcmClose, timeout: Duration) -> Option<Instant> {
        let idle = self.last_application + timeout;
        let quiet = self.last_heard() + timeout;
        let silent = self.last_read + timeout;
        let d = match close {
            AcmClose::Off => return None,
            AcmClose::OnIdle | AcmClose::OnIdleForceful => quiet,
            AcmClose::OnInvocation => silent,
            AcmClose::OnInvocationAndIdle => idle.min(silent),
        };
        Some(self.acm_recheck.map_or(d, |r| r.max(d)))
    }

    /// `held`: something keeps the connection from being "idle" for `OnIdle` and
    /// `OnIdleForceful` whatever the clock says (see `Connection::acm_held`).
    pub(super) fn acm_check(
        &mut self,
        now: Instant,
        close: AcmClose,
        timeout: Duration,
        awaiting_replies: bool,
        held: bool,
    ) -> AcmAction {
        match self.acm_deadline(close, timeout) {
            Some(d) if now >= d => {}
            _ => return AcmAction::None,
        }
        self.acm_recheck = Some(now + timeout / 2);
        let idle = now >= self.last_application + timeout;
        let quiet = !held && !self.partial_input && now >= self.last_heard() + timeout;
        let silent = now >= self.last_read + timeout;
        match close {
            AcmClose::OnIdleForceful if quiet => AcmAction::Abort,
            AcmClose::OnInvocation | AcmClose::OnInvocationAndIdle
                if awaiting_replies && silent =>
            {
                AcmAction::Abort
            }
            AcmClose::OnIdle if quiet => AcmAction::CloseIfIdle,
            AcmClose::OnInvocationAndIdle if idle => AcmAction::CloseIfIdle,
            _ => AcmAction::None,
        }
    }

    pub(super) fn next_deadline(&self, d: Deadlines) -> Option<Instant> {
        let mut next = self.close_deadline;
        let mut consider = |deadline: Option<Instant>| {
            if let Some(deadline) = deadline {
                next = Some(next.map_or(deadline, |n| n.min(deadline)));
            }
        };
        // A message stuck half-way is aborted whatever else goes on, even while closing: the
        // close timeout only starts once our CloseConnection is written.
        consider(d.read_timeout.filter(|_| self.partial_input).map(|t| self.last_read + t));
        consider(d.write_timeout.and_then(|t| self.write_blocked_since.map(|s| s + t)));
        if self.close_deadline.is_none() {
            consider(d.idle_check.map(|i| self.last_read + i));
            // While activity ended without a clock, `last_application` is stale: this deadline
            // may come early, and the timeout then only moves the clock on (`tick`).
            consider(d.inactivity.map(|t| self.last_application + t));
            if let Some((acm, timeout)) = d.acm {
                if !d.writing {
                    consider(self.heartbeat_deadline(acm.heartbeat, timeout, d.dispatching));
                }
                consider(self.acm_deadline(acm.close, timeout));
            }
        }
        next
    }
}

/// The connection's side of the timing rules, here to keep them together.
impl Connection {
    /// The error to abort with if the idle check, or the read or write timeout of a message
    /// in progress, expired at `now`.
    pub(super) fn expired_abort(&self, now: Instant) -> Option<ConnectionError> {
        let c = &self.config;
        // Nothing is read while the dispatch limit is reached: silence is ours, not the peer's.
        let reading = !self.reading_paused();
        if reading && c.idle_check.is_some_and(|t| self.timers.idle_expired(now, t)) {
            Some(ConnectionError::Idle)
        } else if reading && c.read_timeout.is_some_and(|t| self.timers.read_expired(now, t)) {
            Some(ConnectionError::ReadTimeout)
        } else if c.write_timeout.is_some_and(|t| self.timers.write_expired(now, t)) {
            Some(ConnectionError::WriteTimeout)
        } else {
            None
        }
    }

    /// What keeps a connection from being idle for ACM's `OnIdle` and `OnIdleForceful`
    /// beyond the messages read: as in ZeroC's monitor, a message part-way written
    /// (`writing`), a dispatch in progress while we heartbeat (ZeroC counts the heartbeats it
    /// sends then; ours count only here, see `Timers::last_heard`), or reading paused at the
    /// dispatch limit (the peer's messages wait unread: the silence is ours).
    pub(super) fn acm_held(&self, writing: bool) -> bool {
        let heartbeating = self.config.acm.heartbeat != AcmHeartbeat::Off;
        writing || (heartbeating && !self.dispatches.is_empty()) || self.reading_paused()
    }

    /// Whether `max_dispatches` requests are being dispatched, or `max_output_backlog` bytes
    /// wait to be written, so that no more is read.
    pub(super) fn reading_paused(&self) -> bool {
        let max = self.config.max_dispatches;
        let backlog = self.config.max_output_backlog;
        (max > 0 && self.dispatches.len() >= max)
            || (backlog > 0 && !self.config.datagram && self.output_backlog > backlog)
    }

    /// The inactivity timeout if it applies now: an active stream connection with no
    /// invocation, dispatch, queued batch, or request or reply being written.
    pub(super) fn inactivity_timeout(&self) -> Option<Duration> {
        let timeout = self.config.inactivity_timeout?;
        let busy = self.config.datagram
            || self.state != ConnectionState::Active
            || self.wait_for_invocations
            || !self.invocations.is_empty()
            || !self.dispatches.is_empty()
            || !self.batch.is_empty()
            || self.send_queue.iter().any(|o| is_application(o.kind))
            || self.in_flight.iter().any(|(_, kind)| is_application(*kind));
        (!busy).then_some(timeout)
    }
}
