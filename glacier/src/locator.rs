//! Indirect proxies in routing tables (`hello@HelloAdapter`, well-known `hello`): resolved
//! through the router's own `Ice.Default.Locator` (`Ice::Locator::findAdapterById` /
//! `findObjectById`) before a request is forwarded, with a cache of
//! `Ice.Default.LocatorCacheTimeout` seconds (-1, the default: forever; 0: no cache). A
//! resolution that fails is not cached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ice_driver::{Encapsulation, Endpoint, Error, OperationMode, Proxy};
use ice_proto::proxy::ProxyData;

/// Hops through well-known objects that resolve to adapter ids, at most.
const MAX_HOPS: usize = 3;

pub(crate) struct Resolver {
    locator: Option<Proxy>,
    ttl: Option<Duration>,
    cache: Mutex<HashMap<String, (Vec<Endpoint>, Instant)>>,
}

impl Resolver {
    pub(crate) fn new(locator: Option<Proxy>, cache_timeout: i32) -> Resolver {
        let ttl = match cache_timeout {
            t if t < 0 => None,
            t => Some(Duration::from_secs(t.unsigned_abs().into())),
        };
        Resolver { locator, ttl, cache: Mutex::new(HashMap::new()) }
    }

    fn cached(&self, key: &str, now: Instant) -> Option<Vec<Endpoint>> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let (endpoints, at) = cache.get(key)?;
        match self.ttl {
            Some(ttl) if now.duration_since(*at) >= ttl => None,
            _ => Some(endpoints.clone()),
        }
    }

    /// The cached endpoints of the indirect proxy `target`, if any (no call, no wait).
    pub(crate) fn lookup(&self, target: &ProxyData, now: Instant) -> Option<Vec<Endpoint>> {
        if self.locator.is_none() || self.ttl == Some(Duration::ZERO) {
            return None;
        }
        let key = if target.adapter_id.is_empty() {
            format!("object:{}", target.identity)
        } else {
            format!("adapter:{}", target.adapter_id)
        };
        self.cached(&key, now)
    }

    /// The endpoints of the indirect proxy `target`.
    pub(crate) async fn resolve(
        &self,
        target: &ProxyData,
        now: Instant,
    ) -> Result<Vec<Endpoint>, Error> {
        let no_endpoints = || Error::NoEndpoint(target.to_string());
        let locator = self.locator.as_ref().ok_or_else(no_endpoints)?;
        let mut adapter = target.adapter_id.clone();
        let mut identity = target.identity.clone();
        for _ in 0..MAX_HOPS {
            let key = if adapter.is_empty() {
                format!("object:{identity}")
            } else {
                format!("adapter:{adapter}")
            };
            if self.ttl != Some(Duration::ZERO) {
                if let Some(e) = self.cached(&key, now) {
                    return Ok(e);
                }
            }
            let params = if adapter.is_empty() {
                Encapsulation::from_value(locator.ice_get_encoding_version(), &identity)
            } else {
                Encapsulation::from_value(locator.ice_get_encoding_version(), adapter.as_str())
            };
            let op = if adapter.is_empty() { "findObjectById" } else { "findAdapterById" };
            let reply = locator.invoke(op, OperationMode::Nonmutating, params).await?;
            let found: Option<ProxyData> = reply.decode()?;
            let found = found.ok_or_else(no_endpoints)?;
            if !found.endpoints.is_empty() {
                let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
                cache.insert(key, (found.endpoints.clone(), now));
                return Ok(found.endpoints);
            }
            // A well-known object registered with an adapter id: resolve that next.
            if found.adapter_id.is_empty() || found.adapter_id == adapter {
                break;
            }
            adapter = found.adapter_id;
            identity = found.identity;
        }
        Err(no_endpoints())
    }
}
