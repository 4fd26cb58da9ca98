//! A session's routing table: the proxies its client added, by identity, least recently used
//! first out (`Glacier2.RoutingTable.MaxSize`).

// std's SipHash, not foldhash: clients choose these identities.
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::proxy::{ProxyData, ProxyMode};
use crate::Identity;

/// What [`RoutingTable::add`] did with one proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// The identity is new: its proxy was stored.
    Inserted,
    /// The identity was already there: only its use was refreshed (the stored proxy stays).
    AlreadyPresent,
}

/// Proxies by identity with least-recently-used eviction.
#[derive(Debug, Clone)]
pub struct RoutingTable {
    max: usize,
    /// Proxy (shared with the requests routed to it) and its last-use stamp.
    entries: HashMap<Identity, (Arc<ProxyData>, u64)>,
    /// Last-use stamp to identity, oldest first.
    order: BTreeMap<u64, Identity>,
    clock: u64,
}

impl RoutingTable {
    /// An empty table holding at most `max` proxies (at least one).
    pub fn new(max: usize) -> RoutingTable {
        RoutingTable { max: max.max(1), entries: HashMap::new(), order: BTreeMap::new(), clock: 0 }
    }

    /// How many proxies the table holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn touch(&mut self, identity: &Identity) {
        self.clock += 1;
        let clock = self.clock;
        if let Some((_, stamp)) = self.entries.get_mut(identity) {
            // The identity moves to its new stamp: no copy of its strings per request.
            let moved = self.order.remove(stamp).unwrap_or_else(|| identity.clone());
            *stamp = clock;
            self.order.insert(clock, moved);
        }
    }

    /// Adds `proxy` normalised as the router stores it (twoway, not secure, default facet);
    /// evicted proxies are pushed to `evicted`.
    pub fn add(&mut self, proxy: &ProxyData, evicted: &mut Vec<ProxyData>) -> Added {
        if self.entries.contains_key(&proxy.identity) {
            self.touch(&proxy.identity);
            return Added::AlreadyPresent;
        }
        let mut stored = proxy.clone();
        stored.mode = ProxyMode::Twoway;
        stored.secure = false;
        stored.facet.clear();
        self.clock += 1;
        self.order.insert(self.clock, stored.identity.clone());
        self.entries.insert(stored.identity.clone(), (Arc::new(stored), self.clock));
        while self.entries.len() > self.max {
            let Some((_, oldest)) = self.order.pop_first() else { break };
            if let Some((p, _)) = self.entries.remove(&oldest) {
                evicted.push(Arc::unwrap_or_clone(p));
            }
        }
        Added::Inserted
    }

    /// The proxy stored for `identity`, marking it most recently used.
    pub fn get(&mut self, identity: &Identity) -> Option<&Arc<ProxyData>> {
        self.touch(identity);
        self.entries.get(identity).map(|(p, _)| p)
    }

    /// Whether `identity` is in the table (without refreshing it).
    pub fn contains(&self, identity: &Identity) -> bool {
        self.entries.contains_key(identity)
    }
}
