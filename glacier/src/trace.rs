//! The router's trace levels (`Glacier2.Trace.*`, `Glacier2.{Client,Server}.Trace.*`), which
//! the admin `Properties` facet's `setProperties` can change while the router runs.

use std::sync::atomic::{AtomicI32, Ordering};

use ice_driver::Connection;
use ice_proto::{Identity, Properties, ToStringMode};

const KEYS: [&str; 7] = [
    "Glacier2.Trace.Session",
    "Glacier2.Trace.RoutingTable",
    "Glacier2.Client.Trace.Request",
    "Glacier2.Server.Trace.Request",
    "Glacier2.Client.Trace.Reject",
    "Glacier2.Client.Trace.Override",
    "Glacier2.Server.Trace.Override",
];

/// The levels at one moment.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TraceLevels {
    pub(crate) session: i32,
    pub(crate) routing_table: i32,
    pub(crate) client_request: i32,
    pub(crate) server_request: i32,
    pub(crate) client_reject: i32,
    pub(crate) client_override: i32,
    pub(crate) server_override: i32,
}

/// The current levels.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    levels: [AtomicI32; 7],
}

impl Trace {
    pub(crate) fn from_properties(props: &Properties) -> Trace {
        let t = Trace::default();
        for (key, level) in KEYS.iter().zip(&t.levels) {
            level.store(props.get_int_or(key, 0), Ordering::Relaxed);
        }
        t
    }

    /// Sets the level of `key` if it is one of the trace properties (an unparsable or empty
    /// value means 0, as ZeroC reads it); returns whether it was.
    pub(crate) fn set(&self, key: &str, value: &str) -> bool {
        match KEYS.iter().position(|k| *k == key) {
            Some(i) => {
                self.levels[i].store(value.trim().parse().unwrap_or(0), Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    pub(crate) fn snapshot(&self) -> TraceLevels {
        let l = |i: usize| self.levels[i].load(Ordering::Relaxed);
        TraceLevels {
            session: l(0),
            routing_table: l(1),
            client_request: l(2),
            server_request: l(3),
            client_reject: l(4),
            client_override: l(5),
            server_override: l(6),
        }
    }

    pub(crate) fn session(&self) -> i32 {
        self.snapshot().session
    }

    pub(crate) fn routing_table(&self) -> i32 {
        self.snapshot().routing_table
    }

    pub(crate) fn client_reject(&self) -> i32 {
        self.snapshot().client_reject
    }
}

/// An identity as glacier2router traces it (`identityToString`: escaped, so that a `/` in
/// a category or name cannot be mistaken for the separator).
pub(crate) fn identity(id: &Identity) -> String {
    ice_proto::proxy::identity_to_string(id, ToStringMode::Unicode)
}

/// A session as glacier2router describes it in its `Glacier2.Trace.Session` traces: the
/// user id, the category when the router has server endpoints, and the client connection
/// (its addresses).
pub(crate) fn session(user: &str, category: Option<&str>, client: Option<&Connection>) -> String {
    let mut lines = vec![format!("id = {user}")];
    lines.extend(category.map(|c| format!("category = {c}")));
    lines.extend(client.map(Connection::to_string));
    lines.join("\n")
}
