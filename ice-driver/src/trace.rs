//! `Ice.Trace.Network` and `Ice.Trace.Protocol`: Ice's trace properties raise the driver's
//! connection and protocol `tracing` events to INFO, so they show with a default subscriber
//! filter; without them the same events stay at DEBUG/TRACE for subscribers that ask.

use ice_proto::properties::Properties;

/// Which Ice trace categories are switched on (property value >= 1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TraceLevels {
    /// `Ice.Trace.Network`: connections established, validated, closed; connects, accepts.
    pub(crate) network: bool,
    /// `Ice.Trace.Protocol`: a summary of each request sent and dispatched.
    pub(crate) protocol: bool,
}

impl TraceLevels {
    pub(crate) fn from_properties(props: &Properties) -> Self {
        TraceLevels {
            network: props.get_int("Ice.Trace.Network") >= 1,
            protocol: props.get_int("Ice.Trace.Protocol") >= 1,
        }
    }
}

/// Emits an event of Ice trace category `network` or `protocol` of `$levels` (a
/// [`TraceLevels`]): at INFO when that category is on, else at the given level (`debug`,
/// `trace`). The event's `ice.category` field names the category as Ice does (`Network`,
/// `Protocol`), for subscribers that write Ice's log format.
macro_rules! traced {
    ($levels:expr, network, $level:ident, $($arg:tt)+) => {
        $crate::trace::traced!(@ $levels.network, "Network", $level, $($arg)+)
    };
    ($levels:expr, protocol, $level:ident, $($arg:tt)+) => {
        $crate::trace::traced!(@ $levels.protocol, "Protocol", $level, $($arg)+)
    };
    (@ $on:expr, $category:literal, $level:ident, $($arg:tt)+) => {
        if $on {
            tracing::info!(ice.category = $category, $($arg)+)
        } else {
            tracing::$level!(ice.category = $category, $($arg)+)
        }
    };
}

pub(crate) use traced;
