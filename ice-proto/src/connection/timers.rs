//! Deadlines of one connection: heartbeats, ACM (Ice 3.7) and the idle check (Ice 3.8), and
//! the close timeout. Kept apart from the state machine so the timing rules read in one place.

use std::time::{Duration, Instant};

use super::{Acm, AcmClose, AcmHeartbeat};

#[derive(Debug)]
pub(super) struct Timers {
    last_read: Instant,
    last_write: Instant,
    /// Last request or reply in either direction; heartbeats do not count, so that an idle
    /// connection can be closed even while both sides heartbeat.
    last_application: Instant,
    last_heartbeat: Instant,
    /// After an ACM check found nothing to do, the next check (Ice's monitor period).
    acm_recheck: Option<Instant>,
    close_deadline: Option<Instant>,
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
        }
    }

    pub(super) fn read(&mut self, now: Instant) {
        self.last_read = now;
        self.acm_recheck = None;
    }

    pub(super) fn wrote(&mut self, now: Instant, application: bool) {
        self.last_write = now;
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
        now >= self.last_read + idle
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

    fn acm_deadline(&self, close: AcmClose, timeout: Duration) -> Option<Instant> {
        let idle = self.last_application + timeout;
        let silent = self.last_read + timeout;
        let d = match close {
            AcmClose::Off => return None,
            AcmClose::OnIdle | AcmClose::OnIdleForceful => idle,
            AcmClose::OnInvocation => silent,
            AcmClose::OnInvocationAndIdle => idle.min(silent),
        };
        Some(self.acm_recheck.map_or(d, |r| r.max(d)))
    }

    pub(super) fn acm_check(
        &mut self,
        now: Instant,
        close: AcmClose,
        timeout: Duration,
        awaiting_replies: bool,
    ) -> AcmAction {
        match self.acm_deadline(close, timeout) {
            Some(d) if now >= d => {}
            _ => return AcmAction::None,
        }
        self.acm_recheck = Some(now + timeout / 2);
        let idle = now >= self.last_application + timeout;
        let silent = now >= self.last_read + timeout;
        match close {
            AcmClose::OnIdleForceful if idle => AcmAction::Abort,
            AcmClose::OnInvocation | AcmClose::OnInvocationAndIdle
                if awaiting_replies && silent =>
            {
                AcmAction::Abort
            }
            AcmClose::OnIdle | AcmClose::OnInvocationAndIdle if idle => AcmAction::CloseIfIdle,
            _ => AcmAction::None,
        }
    }

    pub(super) fn next_deadline(
        &self,
        acm: Option<(Acm, Duration)>,
        idle_check: Option<Duration>,
        dispatching: bool,
        writing: bool,
    ) -> Option<Instant> {
        let mut next = self.close_deadline;
        let mut consider = |d: Option<Instant>| {
            if let Some(d) = d {
                next = Some(next.map_or(d, |n| n.min(d)));
            }
        };
        if self.close_deadline.is_none() {
            consider(idle_check.map(|i| self.last_read + i));
            if let Some((acm, timeout)) = acm {
                if !writing {
                    consider(self.heartbeat_deadline(acm.heartbeat, timeout, dispatching));
                }
                consider(self.acm_deadline(acm.close, timeout));
            }
        }
        next
    }
}
