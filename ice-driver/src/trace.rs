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

/// Emits an event at INFO when `$on`, else at the given level (`debug`, `trace`).
macro_rules! traced {
    ($on:expr, $level:ident, $($arg:tt)+) => {
        if $on {
            tracing::info!($($arg)+)
        } else {
            tracing::$level!($($arg)+)
        }
    };
}

pub(crate) use traced;
