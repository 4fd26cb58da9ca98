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
            _ => ("--", fields.category.as_deref().unwrap_or(category(metadata.target()))),
        };
        writeln!(
            writer,
            "{mark} {} {}{kind}: {}{}",
            self.timestamp(),
            self.prefix,
            fields.message,
            fields.others
        )
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
