//! Indirect proxies (`hello@HelloAdapter`, well-known `hello`): resolved through an
//! `Ice::Locator` such as IceGrid's, with the answers cached as `ice_proto::locator` decides;
//! and object adapters with an `AdapterId` registered with the locator's registry.

use std::sync::{Arc, Mutex, Weak};

use ice_proto::locator::{CacheTimeout, LocatorCache, Lookup, Query, Step};
use ice_proto::proxy::{Endpoint, ProxyData};
use ice_proto::{Encapsulation, OperationMode};

use crate::communicator::Instance;
use crate::error::{Error, Result};
use crate::proxy::Proxy;
use crate::runtime::BoxFuture;

/// Well-known objects naming other well-known objects or adapters, followed at most.
const MAX_HOPS: usize = 4;

/// One per locator proxy and communicator (`IceInternal::LocatorInfo`).
pub(crate) struct LocatorInfo {
    /// The locator proxy itself; never indirect through a locator.
    locator: ProxyData,
    instance: Weak<Instance>,
    cache: Mutex<LocatorCache>,
    /// `Ice.BackgroundLocatorCacheUpdates`: serve an expired answer while asking again.
    background_updates: bool,
}

impl LocatorInfo {
    pub(crate) fn new(
        locator: ProxyData,
        instance: Weak<Instance>,
        background_updates: bool,
    ) -> LocatorInfo {
        LocatorInfo {
            locator,
            instance,
            cache: Mutex::new(LocatorCache::new()),
            background_updates,
        }
    }

    /// The locator proxy's data.
    pub(crate) fn locator_data(&self) -> &ProxyData {
        &self.locator
    }

    /// A proxy for the locator, with no locator of its own.
    pub(crate) fn locator_proxy(&self) -> Result<Proxy> {
        let instance = self.instance.upgrade().ok_or(Error::CommunicatorDestroyed)?;
        Ok(Proxy::from_data(instance, self.locator.clone()).ice_locator(None))
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, LocatorCache> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The endpoints of the indirect proxy `target`, and whether any step came from the cache
    /// (then a failure to connect clears it and resolves again).
    pub(crate) async fn resolve(
        self: &Arc<Self>,
        target: &ProxyData,
        timeout: CacheTimeout,
    ) -> Result<(Vec<Endpoint>, bool)> {
        let instance = self.instance.upgrade().ok_or(Error::CommunicatorDestroyed)?;
        let rt = instance.runtime.clone();
        let mut query = Query::for_proxy(target);
        let mut cached = false;
        for _ in 0..MAX_HOPS {
            let lookup = self.cache().lookup(&query, timeout, rt.now());
            let step = match lookup {
                Lookup::Fresh(step) => {
                    cached = true;
                    step
                }
                Lookup::Stale(step) if self.background_updates => {
                    cached = true;
                    let (me, q) = (self.clone(), query.clone());
                    rt.spawn(Box::pin(async move {
                        if let Err(e) = me.ask(&q).await {
                            tracing::debug!(error = %e, "background locator cache update failed");
                        }
                    }));
                    step
                }
                _ => self.ask(&query).await?,
            };
            match step {
                Step::Resolved(endpoints) => {
                    tracing::debug!(proxy = %target, ?endpoints, cached, "resolved");
                    return Ok((endpoints, cached));
                }
                Step::Next(next) => query = next,
                Step::NotRegistered => return Err(not_registered(&query)),
            }
        }
        Err(not_registered(&query))
    }

    /// The endpoints of `target` if the cache has a fresh answer for every step (no call).
    pub(crate) fn cached(
        &self,
        target: &ProxyData,
        timeout: CacheTimeout,
    ) -> Option<Vec<Endpoint>> {
        let now = self.instance.upgrade()?.runtime.now();
        let cache = self.cache();
        let mut query = Query::for_proxy(target);
        for _ in 0..MAX_HOPS {
            match cache.lookup(&query, timeout, now) {
                Lookup::Fresh(Step::Resolved(endpoints)) => return Some(endpoints),
                Lookup::Fresh(Step::Next(next)) => query = next,
                _ => return None,
            }
        }
        None
    }

    /// Asks the locator `query` and records the answer.
    async fn ask(&self, query: &Query) -> Result<Step> {
        let locator = self.locator_proxy()?;
        let encoding = locator.ice_get_encoding_version();
        let (operation, params) = match query {
            Query::Adapter(id) => {
                ("findAdapterById", Encapsulation::from_value(encoding, id.as_str()))
            }
            Query::Object(identity) => {
                ("findObjectById", Encapsulation::from_value(encoding, identity))
            }
        };
        let found = match call(locator, operation, params).await {
            Ok(reply) => reply.decode::<Option<ProxyData>>()?,
            // AdapterNotFoundException / ObjectNotFoundException, the locator's only user
            // exceptions: not registered.
            Err(Error::UserException(_)) => None,
            Err(e) => return Err(e),
        };
        let instance = self.instance.upgrade().ok_or(Error::CommunicatorDestroyed)?;
        Ok(self.cache().answer(query, found, instance.runtime.now()))
    }

    /// Forgets how `target` was resolved: its endpoints failed, or the object was not there.
    pub(crate) fn forget(&self, target: &ProxyData) {
        self.cache().forget_proxy(target);
    }

    /// The locator's registry (`getRegistry`), where adapters register their endpoints.
    pub(crate) async fn registry(&self) -> Result<Option<Proxy>> {
        let locator = self.locator_proxy()?;
        let params = Encapsulation::empty(locator.ice_get_encoding_version());
        let reply = call(locator.clone(), "getRegistry", params).await?;
        let registry: Option<ProxyData> = reply.decode()?;
        Ok(registry.map(|data| locator.with_data(data).ice_locator(None)))
    }
}

fn not_registered(query: &Query) -> Error {
    match query {
        Query::Adapter(id) => {
            Error::NotRegistered { kind: "object adapter".into(), id: id.clone() }
        }
        Query::Object(identity) => {
            Error::NotRegistered { kind: "object".into(), id: identity.to_string() }
        }
    }
}

/// A call on a locator (whose operations are `["nonmutating"] idempotent`, sent as
/// Nonmutating) or a registry (`idempotent`). Boxed: resolutions happen inside invocations,
/// and a future cannot contain itself.
pub(crate) fn call(
    proxy: Proxy,
    operation: &'static str,
    params: Encapsulation,
) -> BoxFuture<'static, Result<Encapsulation>> {
    let mode = if operation.starts_with("set") {
        OperationMode::Idempotent
    } else {
        OperationMode::Nonmutating
    };
    Box::pin(async move { proxy.invoke(operation, mode, params).await })
}

/// An object adapter's registration with the locator registry: `<name>.AdapterId`,
/// `<name>.ReplicaGroupId`, and the locator of `<name>.Locator` or `Ice.Default.Locator`.
#[derive(Clone)]
pub(crate) struct Registration {
    pub(crate) adapter_id: String,
    replica_group_id: String,
    locator: Option<Arc<LocatorInfo>>,
}

impl Registration {
    pub(crate) fn from_properties(instance: &Arc<Instance>, name: &str) -> Registration {
        let props = &instance.properties;
        let get = |suffix: &str| {
            if name.is_empty() {
                String::new()
            } else {
                props.get(&format!("{name}.{suffix}")).unwrap_or("").trim().to_owned()
            }
        };
        let (adapter_id, replica_group_id, own_locator) =
            (get("AdapterId"), get("ReplicaGroupId"), get("Locator"));
        let locator = if own_locator.is_empty() {
            instance.default_locator()
        } else {
            match ice_proto::proxy::parse_proxy(&own_locator, &instance.parse_defaults) {
                Ok(parsed) => parsed.proxy.map(|data| instance.locator_info(&data)),
                Err(e) => {
                    tracing::warn!(adapter = name, error = %e, "ignoring {name}.Locator");
                    None
                }
            }
        };
        Registration { adapter_id, replica_group_id, locator }
    }

    /// The adapter id the adapter's proxies name: the replica group's if it has one.
    pub(crate) fn proxy_adapter_id(&self) -> Option<&str> {
        [&self.replica_group_id, &self.adapter_id]
            .into_iter()
            .find(|s| !s.is_empty())
            .map(|s| s.as_str())
    }

    /// Whether there is something to register, and a locator to register it with.
    pub(crate) fn is_needed(&self) -> bool {
        !self.adapter_id.is_empty() && self.locator.is_some()
    }

    /// Tells the registry where the adapter is: a direct proxy with `endpoints`.
    pub(crate) async fn register(&self, endpoints: Vec<Endpoint>) -> Result<()> {
        let mut dummy = ProxyData::new(ice_proto::Identity::new("dummy"));
        dummy.endpoints = endpoints;
        self.set(Some(dummy)).await
    }

    /// Tells the registry the adapter is gone.
    pub(crate) async fn unregister(&self) -> Result<()> {
        self.set(None).await
    }

    /// Tells the locator's registry where the `Process` facet of server `server_id` is
    /// (`setServerProcessProxy`), as ZeroC's runtime does for `Ice.Admin.ServerId`: an IceGrid
    /// node waits for it before it calls a server it activated active, and stops the server
    /// through it. Without a locator, or a locator without a registry, there is nothing to do.
    pub(crate) async fn set_server_process_proxy(
        &self,
        server_id: &str,
        process: &ProxyData,
    ) -> Result<()> {
        let Some(locator) = self.locator.as_ref() else {
            return Ok(());
        };
        let Some(registry) = locator.registry().await? else {
            return Ok(());
        };
        let params =
            Encapsulation::from_value(registry.ice_get_encoding_version(), &(server_id, process));
        match call(registry, "setServerProcessProxy", params).await {
            Ok(_) => {
                tracing::debug!(server_id, "registered the server with the locator registry");
                Ok(())
            }
            // `Ice::ServerNotFoundException`, the one user exception it declares.
            Err(Error::UserException(_)) => {
                Err(Error::NotRegistered { kind: "server".into(), id: server_id.to_owned() })
            }
            Err(e) => Err(e),
        }
    }

    async fn set(&self, proxy: Option<ProxyData>) -> Result<()> {
        let Some(locator) = self.locator.as_ref().filter(|_| !self.adapter_id.is_empty()) else {
            return Ok(());
        };
        // A locator without a registry: nothing to tell, as in ZeroC.
        let Some(registry) = locator.registry().await? else {
            return Ok(());
        };
        let encoding = registry.ice_get_encoding_version();
        let (operation, params) = if self.replica_group_id.is_empty() {
            let params = Encapsulation::from_value(encoding, &(self.adapter_id.as_str(), &proxy));
            ("setAdapterDirectProxy", params)
        } else {
            let args = (self.adapter_id.as_str(), self.replica_group_id.as_str(), &proxy);
            ("setReplicatedAdapterDirectProxy", Encapsulation::from_value(encoding, &args))
        };
        tracing::debug!(adapter_id = %self.adapter_id, operation, "updating the locator registry");
        match call(registry, operation, params).await {
            Ok(_) => Ok(()),
            Err(e @ Error::UserException(_)) => {
                let type_id = e
                    .decode_user_exception(&|_: &str| None)
                    .and_then(|d| d.ok())
                    .map(|d| d.type_id().to_owned())
                    .unwrap_or_default();
                Err(match type_id.as_str() {
                    "::Ice::AdapterAlreadyActiveException" => {
                        Error::AdapterIdInUse(self.adapter_id.clone())
                    }
                    "::Ice::InvalidReplicaGroupIdException" => Error::invalid(format!(
                        "the registry refuses replica group `{}' for adapter `{}'",
                        self.replica_group_id, self.adapter_id
                    )),
                    _ => Error::NotRegistered {
                        kind: "object adapter".into(),
                        id: self.adapter_id.clone(),
                    },
                })
            }
            Err(e) => Err(e),
        }
    }
}
