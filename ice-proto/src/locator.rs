//! Indirect proxies as data: what a client asks an `Ice::Locator` (such as IceGrid's) to find
//! the endpoints of `hello@HelloAdapter` or of a well-known `hello`, and the locator cache
//! that remembers the answers (`Ice.Default.LocatorCacheTimeout`, `ice_locatorCacheTimeout`).
//!
//! No I/O here: the driver makes the calls that [`Query`] names and feeds the answers back.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::proxy::{Endpoint, ProxyData};
use crate::Identity;

/// How long resolved endpoints may be reused (`-1`: forever, the default; `0`: never, ask the
/// locator every time; `n`: for `n` seconds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CacheTimeout {
    /// Answers are kept until they fail (`-1`).
    #[default]
    Forever,
    /// Nothing is cached (`0`).
    Never,
    /// Answers older than this are resolved again.
    After(Duration),
}

impl CacheTimeout {
    /// The timeout of a property or `ice_locatorCacheTimeout` value in seconds: negative is
    /// forever, as ZeroC treats every negative value.
    pub fn from_seconds(seconds: i32) -> CacheTimeout {
        match seconds {
            s if s < 0 => CacheTimeout::Forever,
            0 => CacheTimeout::Never,
            s => CacheTimeout::After(Duration::from_secs(s.unsigned_abs().into())),
        }
    }

    /// The value in seconds, as ZeroC's `ice_getLocatorCacheTimeout` reports it.
    pub fn as_seconds(self) -> i32 {
        match self {
            CacheTimeout::Forever => -1,
            CacheTimeout::Never => 0,
            CacheTimeout::After(d) => i32::try_from(d.as_secs()).unwrap_or(i32::MAX),
        }
    }

    fn is_fresh(self, stored: Instant, now: Instant) -> bool {
        match self {
            CacheTimeout::Forever => true,
            CacheTimeout::Never => false,
            CacheTimeout::After(ttl) => now.saturating_duration_since(stored) < ttl,
        }
    }
}

/// The locator call that resolves one step of an indirect proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// `Ice::Locator::findAdapterById(id)`: the endpoints of an object adapter or replica
    /// group.
    Adapter(String),
    /// `Ice::Locator::findObjectById(identity)`: a well-known object's proxy, direct or
    /// naming an adapter to resolve next.
    Object(Identity),
}

impl Query {
    /// The first query for `target`: its adapter id, or its identity for a well-known proxy.
    pub fn for_proxy(target: &ProxyData) -> Query {
        if target.adapter_id.is_empty() {
            Query::Object(target.identity.clone())
        } else {
            Query::Adapter(target.adapter_id.clone())
        }
    }
}

/// Where a resolution stands after one answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The endpoints to connect to.
    Resolved(Vec<Endpoint>),
    /// A well-known object registered with an adapter id: resolve that adapter next.
    Next(Query),
    /// The locator does not know it (`Ice::NotRegisteredException` for the caller).
    NotRegistered,
}

/// What [`LocatorCache::lookup`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// An answer young enough to use.
    Fresh(Step),
    /// An expired answer: use it only while a refresh runs in the background
    /// (`Ice.BackgroundLocatorCacheUpdates`), else ask again.
    Stale(Step),
    /// Nothing cached.
    Missing,
}

/// Answers of a locator, kept per adapter id and per well-known identity. Negative answers are
/// not cached.
#[derive(Debug, Default)]
pub struct LocatorCache {
    adapters: HashMap<String, (Vec<Endpoint>, Instant)>,
    objects: HashMap<Identity, (ProxyData, Instant)>,
}

impl LocatorCache {
    /// An empty cache.
    pub fn new() -> LocatorCache {
        LocatorCache::default()
    }

    /// The cached answer to `query` under `timeout` at `now`.
    pub fn lookup(&self, query: &Query, timeout: CacheTimeout, now: Instant) -> Lookup {
        if timeout == CacheTimeout::Never {
            return Lookup::Missing;
        }
        let (step, stored) = match query {
            Query::Adapter(id) => match self.adapters.get(id) {
                Some((endpoints, at)) => (Step::Resolved(endpoints.clone()), *at),
                None => return Lookup::Missing,
            },
            Query::Object(identity) => match self.objects.get(identity) {
                Some((proxy, at)) => (object_step(proxy, identity), *at),
                None => return Lookup::Missing,
            },
        };
        if timeout.is_fresh(stored, now) {
            Lookup::Fresh(step)
        } else {
            Lookup::Stale(step)
        }
    }

    /// Records the locator's answer to `query` (`None`: not found) and returns the step it
    /// leads to. Found answers with something to use are cached; "not found" clears the entry.
    pub fn answer(&mut self, query: &Query, found: Option<ProxyData>, now: Instant) -> Step {
        match (query, found) {
            (Query::Adapter(id), Some(proxy)) if !proxy.endpoints.is_empty() => {
                self.adapters.insert(id.clone(), (proxy.endpoints.clone(), now));
                Step::Resolved(proxy.endpoints)
            }
            (Query::Object(identity), Some(proxy)) => {
                let step = object_step(&proxy, identity);
                if step == Step::NotRegistered {
                    self.objects.remove(identity);
                } else {
                    self.objects.insert(identity.clone(), (proxy, now));
                }
                step
            }
            (query, _) => {
                self.forget(query);
                Step::NotRegistered
            }
        }
    }

    /// Forgets the answer to `query` (its endpoints failed, or it named an object that does
    /// not exist there).
    pub fn forget(&mut self, query: &Query) {
        match query {
            Query::Adapter(id) => {
                self.adapters.remove(id);
            }
            Query::Object(identity) => {
                self.objects.remove(identity);
            }
        }
    }

    /// Forgets everything `target` was resolved through: its adapter, or its well-known
    /// entry and the adapter that entry named.
    pub fn forget_proxy(&mut self, target: &ProxyData) {
        if !target.adapter_id.is_empty() {
            self.adapters.remove(&target.adapter_id);
            return;
        }
        if let Some((proxy, _)) = self.objects.remove(&target.identity) {
            if !proxy.adapter_id.is_empty() {
                self.adapters.remove(&proxy.adapter_id);
            }
        }
    }

    /// How many answers are cached.
    pub fn len(&self) -> usize {
        self.adapters.len() + self.objects.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where `findObjectById(identity)`'s answer `proxy` leads.
fn object_step(proxy: &ProxyData, identity: &Identity) -> Step {
    if !proxy.endpoints.is_empty() {
        Step::Resolved(proxy.endpoints.clone())
    } else if !proxy.adapter_id.is_empty() {
        Step::Next(Query::Adapter(proxy.adapter_id.clone()))
    } else if proxy.identity != *identity {
        // Another well-known object: ZeroC resolves it in turn.
        Step::Next(Query::Object(proxy.identity.clone()))
    } else {
        Step::NotRegistered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(s: &str) -> ProxyData {
        s.parse().unwrap()
    }

    #[test]
    fn timeouts_read_as_zeroc_reads_them() {
        assert_eq!(CacheTimeout::from_seconds(-1), CacheTimeout::Forever);
        assert_eq!(CacheTimeout::from_seconds(-7), CacheTimeout::Forever);
        assert_eq!(CacheTimeout::from_seconds(0), CacheTimeout::Never);
        assert_eq!(CacheTimeout::from_seconds(3).as_seconds(), 3);
    }

    #[test]
    fn adapter_answers_are_cached_until_they_expire_or_fail() {
        let t0 = Instant::now();
        let mut cache = LocatorCache::new();
        let q = Query::for_proxy(&proxy("hello @ HelloAdapter"));
        assert_eq!(q, Query::Adapter("HelloAdapter".into()));
        assert_eq!(cache.lookup(&q, CacheTimeout::Forever, t0), Lookup::Missing);
        let found = proxy("dummy:tcp -h 127.0.0.1 -p 10000");
        let step = cache.answer(&q, Some(found.clone()), t0);
        assert_eq!(step, Step::Resolved(found.endpoints.clone()));
        let later = t0 + Duration::from_secs(10);
        assert_eq!(cache.lookup(&q, CacheTimeout::Forever, later), Lookup::Fresh(step.clone()));
        assert_eq!(cache.lookup(&q, CacheTimeout::Never, t0), Lookup::Missing);
        let five = CacheTimeout::from_seconds(5);
        assert_eq!(
            cache.lookup(&q, five, t0 + Duration::from_secs(4)),
            Lookup::Fresh(step.clone())
        );
        assert_eq!(cache.lookup(&q, five, later), Lookup::Stale(step));
        cache.forget_proxy(&proxy("other @ HelloAdapter"));
        assert!(cache.is_empty());
        // Not found: nothing cached.
        assert_eq!(cache.answer(&q, None, t0), Step::NotRegistered);
        assert_eq!(cache.answer(&q, Some(proxy("dummy")), t0), Step::NotRegistered);
        assert!(cache.is_empty());
    }

    #[test]
    fn well_known_objects_lead_to_endpoints_or_an_adapter() {
        let t0 = Instant::now();
        let mut cache = LocatorCache::new();
        let q = Query::for_proxy(&proxy("hello"));
        assert_eq!(q, Query::Object(Identity::new("hello")));
        let step = cache.answer(&q, Some(proxy("hello @ HelloAdapter")), t0);
        assert_eq!(step, Step::Next(Query::Adapter("HelloAdapter".into())));
        let a = Query::Adapter("HelloAdapter".into());
        cache.answer(&a, Some(proxy("x:tcp -h h -p 1")), t0);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.lookup(&q, CacheTimeout::Forever, t0), Lookup::Fresh(step));
        // Clearing the well-known proxy also clears the adapter it named.
        cache.forget_proxy(&proxy("hello"));
        assert!(cache.is_empty());
        let direct = cache.answer(&q, Some(proxy("hello:tcp -h h -p 2")), t0);
        assert!(matches!(direct, Step::Resolved(e) if e.len() == 1));
        assert_eq!(cache.answer(&q, Some(proxy("hello")), t0), Step::NotRegistered);
        assert!(cache.is_empty());
        let renamed = cache.answer(&q, Some(proxy("other")), t0);
        assert_eq!(renamed, Step::Next(Query::Object(Identity::new("other"))));
    }
}
