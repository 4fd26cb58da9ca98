//! The router's log lines in the format of ZeroC's logger, so that what reads
//! glacier2router's output (an operator's eye, a log watcher matching `-!` and `!!`) reads
//! glacier's the same way:
//!
//! ```text
//! -- 12/07/26 00:45:16.288 glacier2router: Glacier2: created session
//!    id = alice
//! -! 12/07/26 00:45:16.288 glacier2router: warning: unknown property: `Glacier2.X'
//! !! 12/07/26 00:45:16.288 glacier2router: error: cannot contact the session manager
//! ```
//!
//! The prefix is `Ice.ProgramName`; the time is local, as the offset was when the router
//! started. Traces (INFO and below) carry their Ice category: `Glacier2` for the router's own,
//! `Network` and `Protocol` (the driver's `ice.category` field) for the connection and request
//! events of `Ice.Trace.Network` and `Ice.Trace.Protocol`. An event's fields other than its message follow on lines of their
//! own, indented, as ZeroC's traces do.

use std::fmt::{self, Write as _};

use time::{OffsetDateTime, UtcOffset};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Formats events as ZeroC's logger writes its messages.
pub struct IceLogFormat {
    prefix: String,
    offset: UtcOffset,
}

impl IceLogFormat {
    /// Lines prefixed with `program` (`Ice.ProgramName`), with times at the local offset.
    /// Call it before any thread starts: the local offset can be read only then.
    pub fn new(program: &str) -> IceLogFormat {
        let prefix = if program.is_empty() { String::new() } else { format!("{program}: ") };
        IceLogFormat { prefix, offset: UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC) }
    }

    fn timestamp(&self) -> String {
        let t = OffsetDateTime::now_utc().to_offset(self.offset);
        format!(
            "{:02}/{:02}/{:02} {:02}:{:02}:{:02}.{:03}",
            u8::from(t.month()),
            t.day(),
            t.year().rem_euclid(100),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        )
    }
}

/// The Ice trace category of an event at INFO or below without an `ice.category` field: its
/// target (`Glacier2`), or the crate of a module path.
fn category(target: &str) -> &str {
    target.split("::").next().unwrap_or(target)
}

/// The message, the Ice category and the other fields of an event.
#[derive(Default)]
struct Fields {
    message: String,
    category: Option<String>,
    others: String,
}

impl Fields {
    /// The event's Ice trace category: its `ice.category` field, else from its `target`.
    fn category<'a>(&'a self, target: &'a str) -> &'a str {
        self.category.as_deref().unwrap_or_else(|| category(target))
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else if field.name() == "ice.category" {
            self.category = Some(value.to_owned());
        } else {
            let _ = write!(self.others, "\n   {} = {value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.others, "\n   {} = {value:?}", field.name());
        }
    }
}

impl<S, N> FormatEvent<S, N> for IceLogFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let metadata = event.metadata();
        let (mark, kind) = match *metadata.level() {
            Level::ERROR => ("!!", "error"),
            Level::WARN => ("-!", "warning"),
            _ => ("--", fields.category(metadata.target())),
        };
        // As ZeroC's logger: every line after the first is indented.
        let message = fields.message.replace('\n', "\n   ");
        writeln!(
            writer,
            "{mark} {} {}{kind}: {message}{}",
            self.timestamp(),
            self.prefix,
            fields.others
        )
    }
}

/// One message kept for the admin `Logger` facet (`Ice::LogMessage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogMessage {
    /// `Ice::LogMessageType`: [`LogMessage::TRACE`], [`LogMessage::WARNING`] or
    /// [`LogMessage::ERROR`] (`PrintMessage`, 0, is never kept: the router prints none).
    pub kind: i32,
    /// Microseconds since the Unix epoch.
    pub timestamp: i64,
    /// The trace category (traces only).
    pub category: String,
    /// The text, fields included.
    pub message: String,
}

impl LogMessage {
    /// `Ice::TraceMessage`.
    pub const TRACE: i32 = 1;
    /// `Ice::WarningMessage`.
    pub const WARNING: i32 = 2;
    /// `Ice::ErrorMessage`.
    pub const ERROR: i32 = 3;
}

/// Which messages a `getLog` or a remote logger asks for: of the given kinds (all if none)
/// and, for traces, of the given categories (all if none).
#[derive(Debug, Clone, Default)]
pub(crate) struct LogFilter {
    pub(crate) kinds: Vec<i32>,
    pub(crate) categories: Vec<String>,
}

impl LogFilter {
    fn wants(&self, m: &LogMessage) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&m.kind))
            && (m.kind != LogMessage::TRACE
                || self.categories.is_empty()
                || self.categories.contains(&m.category))
    }
}

/// A remote logger attached through the `Logger` facet: what it asked for, and where its
/// messages go.
pub(crate) struct Attached {
    pub(crate) identity: ice_driver::Identity,
    pub(crate) filter: LogFilter,
    pub(crate) queue: async_std::channel::Sender<LogMessage>,
}

/// The last messages logged (`Ice.Admin.Logger.KeepLogs` messages other than traces and
/// `Ice.Admin.Logger.KeepTraces` traces, 100 each by default), for the admin `Logger` facet,
/// and the remote loggers attached to it. Filled by [`LogCapture`].
pub struct LogBuffer {
    prefix: String,
    keep_logs: usize,
    keep_traces: usize,
    state: std::sync::Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    messages: std::collections::VecDeque<LogMessage>,
    traces: usize,
    attached: Vec<Attached>,
}

impl fmt::Debug for LogBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogBuffer").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl LogBuffer {
    /// A buffer keeping `keep_logs` messages and `keep_traces` traces; `prefix` is what
    /// `getLog` reports (`Ice.ProgramName`).
    pub fn new(prefix: &str, keep_logs: usize, keep_traces: usize) -> std::sync::Arc<LogBuffer> {
        std::sync::Arc::new(LogBuffer {
            prefix: prefix.to_owned(),
            keep_logs,
            keep_traces,
            state: std::sync::Mutex::default(),
        })
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The prefix `getLog` reports.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Keeps `m`, dropping the oldest of its kind past the limit, and queues it for the
    /// attached remote loggers that want it (one whose queue is full misses it).
    pub fn push(&self, m: LogMessage) {
        let mut kept = self.kept();
        kept.attached.retain(|a| {
            !a.filter.wants(&m) || !a.queue.try_send(m.clone()).is_err_and(|e| e.is_closed())
        });
        let trace = m.kind == LogMessage::TRACE;
        let limit = if trace { self.keep_traces } else { self.keep_logs };
        if limit == 0 {
            return;
        }
        kept.messages.push_back(m);
        let count = if trace {
            kept.traces += 1;
            kept.traces
        } else {
            kept.messages.len() - kept.traces
        };
        if count > limit {
            if let Some(i) =
                kept.messages.iter().position(|k| (k.kind == LogMessage::TRACE) == trace)
            {
                kept.messages.remove(i);
                if trace {
                    kept.traces -= 1;
                }
            }
        }
    }

    /// The kept messages `filter` wants, oldest first, at most the last `max` (all if `max`
    /// is negative).
    pub(crate) fn get(&self, filter: &LogFilter, max: i32) -> Vec<LogMessage> {
        self.kept().last(filter, max)
    }

    /// Attaches a remote logger and returns the kept messages it asked for (at most the last
    /// `max`), taken under the same lock, so that each message is either in them or queued
    /// for it. `None` if a logger with its identity is attached already.
    pub(crate) fn attach(&self, attached: Attached, max: i32) -> Option<Vec<LogMessage>> {
        let mut kept = self.kept();
        if kept.attached.iter().any(|a| a.identity == attached.identity) {
            return None;
        }
        let initial = kept.last(&attached.filter, max);
        kept.attached.push(attached);
        Some(initial)
    }

    /// Detaches the remote logger with `identity`; whether one was attached.
    pub(crate) fn detach(&self, identity: &ice_driver::Identity) -> bool {
        let mut kept = self.kept();
        let before = kept.attached.len();
        kept.attached.retain(|a| &a.identity != identity);
        kept.attached.len() != before
    }
}

impl Kept {
    /// At most the last `max` (all if `max` is negative) of the kept messages `filter` wants,
    /// oldest first.
    fn last(&self, filter: &LogFilter, max: i32) -> Vec<LogMessage> {
        let mut all: Vec<LogMessage> =
            self.messages.iter().filter(|m| filter.wants(m)).cloned().collect();
        if let Ok(max) = usize::try_from(max) {
            let excess = all.len().saturating_sub(max);
            all.drain(..excess);
        }
        all
    }
}

/// A `tracing` layer that keeps the events ZeroC's logger would have written (INFO and
/// above: traces, warnings, errors) in a [`LogBuffer`]. DEBUG and TRACE events, a Rust
/// developer's, are not kept; among them are those of the calls that send messages to remote
/// loggers, which would otherwise feed themselves.
pub struct LogCapture(pub std::sync::Arc<LogBuffer>);

impl<S: Subscriber> tracing_subscriber::Layer<S> for LogCapture {
    fn on_event(&self, event: &Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let metadata = event.metadata();
        if *metadata.level() > Level::INFO {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let (kind, category) = match *metadata.level() {
            Level::ERROR => (LogMessage::ERROR, String::new()),
            Level::WARN => (LogMessage::WARNING, String::new()),
            _ => (LogMessage::TRACE, fields.category(metadata.target()).to_owned()),
        };
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        self.0.push(LogMessage {
            kind,
            timestamp,
            category,
            message: format!("{}{}", fields.message, fields.others),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_without_an_ice_one_come_from_the_target() {
        assert_eq!(category("Glacier2"), "Glacier2");
        assert_eq!(category("glacier::config"), "glacier");
    }

    #[test]
    fn timestamps_look_like_ice_logger_ones() {
        let stamp = IceLogFormat::new("glacier").timestamp();
        // mm/dd/yy hh:mm:ss.mmm
        assert_eq!(stamp.len(), 21, "{stamp}");
        let shape: String =
            stamp.chars().map(|c| if c.is_ascii_digit() { 'd' } else { c }).collect();
        assert_eq!(shape, "dd/dd/dd dd:dd:dd.ddd");
    }
}
