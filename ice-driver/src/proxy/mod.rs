//! Proxies: local handles to remote Ice objects (`Ice::ObjectPrx`).

mod binding;
mod invoke;
mod marshal;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ice_proto::proxy::{parse_proxy, Endpoint, EndpointSelection, ProxyData, ProxyMode};
use ice_proto::{Context, Decode, Encapsulation, Encode, EncodingVersion, Identity, OperationMode};

use crate::communicator::{Communicator, Instance};
use crate::connection::Connection;
use crate::error::{Error, ParseError, Result};
use crate::locator::LocatorInfo;
use crate::router::RouterInfo;
use binding::ChosenConnection;
use ice_proto::locator::CacheTimeout;

/// A proxy for an Ice object: its identity and facet, where to reach it, and how to call it.
/// The `ice_*` builders return modified copies; proxies are cheap to clone.
#[derive(Clone)]
pub struct Proxy {
    instance: Arc<Instance>,
    /// Identity, facet, mode, encoding and endpoints: what is marshaled and printed.
    data: ProxyData,
    fixed: Option<Connection>,
    context: Context,
    compress: Option<bool>,
    invocation_timeout: Option<Duration>,
    /// The router requests go through, if any.
    router: Option<Arc<RouterInfo>>,
    /// `ice_connection_id`: connections are shared only between proxies with the same id.
    connection_id: String,
    endpoint_selection: EndpointSelection,
    connection_cached: bool,
    /// The connection chosen while `connection_cached`.
    chosen: Arc<ChosenConnection>,
    /// Resolves the proxy when it has no endpoints (an adapter id or a well-known identity).
    locator: Option<Arc<LocatorInfo>>,
    locator_cache_timeout: CacheTimeout,
}

impl Proxy {
    /// A proxy routed through the default router (`Ice.Default.Router`), if any.
    pub(crate) fn from_data(instance: Arc<Instance>, data: ProxyData) -> Proxy {
        // The router proxy itself is never routed.
        let router = instance.default_router().filter(|r| r.router_data() != &data);
        Proxy { router, ..Proxy::unrouted(instance, data) }
    }

    /// A proxy that is not routed, whatever `Ice.Default.Router` says.
    pub(crate) fn unrouted(instance: Arc<Instance>, data: ProxyData) -> Proxy {
        // The locator proxy itself is never resolved through a locator.
        let locator = instance.default_locator().filter(|l| l.locator_data() != &data);
        Proxy {
            locator,
            locator_cache_timeout: instance.default_locator_cache_timeout,
            endpoint_selection: instance.default_selection,
            instance,
            data,
            fixed: None,
            context: Context::new(),
            compress: None,
            invocation_timeout: None,
            router: None,
            connection_id: String::new(),
            connection_cached: true,
            chosen: binding::fresh(),
        }
    }

    pub(crate) fn direct(
        instance: Arc<Instance>,
        identity: Identity,
        endpoints: Vec<Endpoint>,
    ) -> Proxy {
        let mut data = ProxyData::new(identity);
        data.endpoints = endpoints;
        Proxy::from_data(instance, data)
    }

    pub(crate) fn fixed(
        instance: Arc<Instance>,
        identity: Identity,
        connection: Connection,
    ) -> Proxy {
        let mut p = Proxy::from_data(instance, ProxyData::new(identity));
        p.fixed = Some(connection);
        p
    }

    pub(crate) fn parse(instance: Arc<Instance>, s: &str) -> Result<Proxy> {
        let parsed = parse_proxy(s, &instance.parse_defaults).map_err(ParseError::Proxy)?;
        for skipped in &parsed.skipped_endpoints {
            tracing::debug!(endpoint = %skipped, "skipping an endpoint of an unknown transport");
        }
        let data =
            parsed.proxy.ok_or_else(|| Error::invalid(format!("`{s}' is the null proxy")))?;
        Ok(Proxy::from_data(instance, data))
    }

    /// The proxy's data: identity, facet, mode, encoding, endpoints.
    pub fn data(&self) -> &ProxyData {
        &self.data
    }

    /// The communicator that made this proxy.
    pub fn communicator(&self) -> Communicator {
        Communicator::from_instance(self.instance.clone())
    }

    /// The target identity.
    pub fn ice_get_identity(&self) -> &Identity {
        &self.data.identity
    }

    /// A copy for another identity.
    pub fn ice_identity(&self, identity: Identity) -> Proxy {
        let mut p = self.clone();
        p.data.identity = identity;
        p
    }

    /// The target facet (empty: the default facet).
    pub fn ice_get_facet(&self) -> &str {
        &self.data.facet
    }

    /// A copy for another facet.
    pub fn ice_facet(&self, facet: impl Into<String>) -> Proxy {
        let mut p = self.clone();
        p.data.facet = facet.into();
        p
    }

    /// The endpoints.
    pub fn ice_get_endpoints(&self) -> &[Endpoint] {
        &self.data.endpoints
    }

    /// A copy with other endpoints.
    pub fn ice_endpoints(&self, endpoints: Vec<Endpoint>) -> Proxy {
        let mut p = self.rebound();
        p.data.endpoints = endpoints;
        p
    }

    /// The object adapter id of an indirect proxy (`hello@HelloAdapter`); empty otherwise.
    pub fn ice_get_adapter_id(&self) -> &str {
        &self.data.adapter_id
    }

    /// A copy that reaches the object through the adapter `id`, resolved by the locator;
    /// its endpoints are dropped (an empty id with no endpoints makes it well-known).
    pub fn ice_adapter_id(&self, id: impl Into<String>) -> Proxy {
        let mut p = self.rebound();
        p.data.adapter_id = id.into();
        p.data.endpoints.clear();
        p
    }

    /// The locator that resolves this proxy's adapter id or identity, if any.
    pub fn ice_get_locator(&self) -> Option<Proxy> {
        self.locator.as_ref().and_then(|l| l.locator_proxy().ok())
    }

    /// A copy that resolves through `locator` (an `Ice::Locator`, such as
    /// `IceGrid/Locator:tcp -h registry -p 4061`), or through none; `Ice.Default.Locator`
    /// sets the default.
    pub fn ice_locator(&self, locator: Option<&Proxy>) -> Proxy {
        let locator = locator.map(|l| self.instance.locator_info(&l.data));
        Proxy { locator, ..self.rebound() }
    }

    /// How long, in seconds, resolved endpoints are reused: -1 forever, 0 never.
    pub fn ice_get_locator_cache_timeout(&self) -> i32 {
        self.locator_cache_timeout.as_seconds()
    }

    /// A copy that reuses the locator's answers for `seconds` (-1: until they fail, the
    /// default of `Ice.Default.LocatorCacheTimeout`; 0: asks the locator each time it
    /// connects).
    pub fn ice_locator_cache_timeout(&self, seconds: i32) -> Proxy {
        Proxy { locator_cache_timeout: CacheTimeout::from_seconds(seconds), ..self.rebound() }
    }

    /// The endpoints an indirect proxy resolves to through its locator (the cache first, as
    /// invocations do); a direct proxy's own endpoints. For code that forwards to indirect
    /// proxies itself, such as a router.
    pub async fn ice_locate(&self) -> Result<Vec<Endpoint>> {
        if !self.is_indirect() {
            return Ok(self.data.endpoints.clone());
        }
        let locator = self.locator.as_ref().ok_or_else(|| Error::NoEndpoint(self.to_string()))?;
        Ok(Box::pin(locator.resolve(&self.data, self.locator_cache_timeout)).await?.0)
    }

    /// [`Proxy::ice_locate`] without calling anyone: the endpoints if the locator cache has a
    /// fresh answer, else `None`.
    pub fn ice_located(&self) -> Option<Vec<Endpoint>> {
        if !self.is_indirect() {
            return Some(self.data.endpoints.clone());
        }
        self.locator.as_ref()?.cached(&self.data, self.locator_cache_timeout)
    }

    /// Whether the proxy has no endpoints and is resolved by a locator.
    pub(crate) fn is_indirect(&self) -> bool {
        self.data.endpoints.is_empty() && self.fixed.is_none()
    }

    /// A proxy of the same communicator with `data` and default settings.
    pub(crate) fn with_data(&self, data: ProxyData) -> Proxy {
        Proxy::from_data(self.instance.clone(), data)
    }

    /// The connection id (empty by default).
    pub fn ice_get_connection_id(&self) -> &str {
        &self.connection_id
    }

    /// A copy whose connections are shared only with proxies of the same connection id:
    /// proxies with different ids never use the same connection (a Glacier2 client opens
    /// one session per router connection id this way).
    pub fn ice_connection_id(&self, id: impl Into<String>) -> Proxy {
        Proxy { connection_id: id.into(), ..self.rebound() }
    }

    /// The order in which endpoints are tried.
    pub fn ice_get_endpoint_selection(&self) -> EndpointSelection {
        self.endpoint_selection
    }

    /// A copy that tries its endpoints in `selection` order (`Ice.Default.EndpointSelection`
    /// sets the default, `Random`).
    pub fn ice_endpoint_selection(&self, selection: EndpointSelection) -> Proxy {
        Proxy { endpoint_selection: selection, ..self.rebound() }
    }

    /// Whether the proxy keeps the connection it chose (the default).
    pub fn ice_is_connection_cached(&self) -> bool {
        self.connection_cached
    }

    /// A copy that keeps the connection it chose until that connection closes (`true`, the
    /// default) or chooses again for every request (`false`: with several endpoints and
    /// `Random` selection, its requests spread over them).
    pub fn ice_connection_cached(&self, cached: bool) -> Proxy {
        Proxy { connection_cached: cached, ..self.rebound() }
    }

    /// A copy that chooses its connection anew.
    fn rebound(&self) -> Proxy {
        Proxy { chosen: binding::fresh(), ..self.clone() }
    }

    /// How requests are sent.
    pub fn ice_get_mode(&self) -> ProxyMode {
        self.data.mode
    }

    /// A twoway copy.
    pub fn ice_twoway(&self) -> Proxy {
        self.with_mode(ProxyMode::Twoway)
    }

    /// A oneway copy: invocations complete once the connection has taken the request (written,
    /// or among at most 1 MiB of requests waiting to be written; past that, the caller waits,
    /// as ZeroC's does while the socket is full). A request lost with its connection before
    /// it was written is not reported, as with any oneway.
    pub fn ice_oneway(&self) -> Proxy {
        self.with_mode(ProxyMode::Oneway)
    }

    /// A batch oneway copy: requests are queued until [`Proxy::ice_flush_batch_requests`].
    pub fn ice_batch_oneway(&self) -> Proxy {
        self.with_mode(ProxyMode::BatchOneway)
    }

    /// A datagram copy: oneway requests over the proxy's udp endpoints, each in one datagram.
    /// Delivery is not guaranteed and nothing says whether the request arrived.
    pub fn ice_datagram(&self) -> Proxy {
        self.with_mode(ProxyMode::Datagram)
    }

    /// A batch datagram copy: requests are queued until [`Proxy::ice_flush_batch_requests`]
    /// (or until the batch fills a datagram) and then sent in one datagram.
    pub fn ice_batch_datagram(&self) -> Proxy {
        self.with_mode(ProxyMode::BatchDatagram)
    }

    /// Whether requests go over UDP (datagram or batch datagram).
    pub fn ice_is_datagram(&self) -> bool {
        self.data.mode.is_datagram()
    }

    fn with_mode(&self, mode: ProxyMode) -> Proxy {
        // Datagram and stream modes use different endpoints.
        let mut p = if mode.is_datagram() == self.data.mode.is_datagram() {
            self.clone()
        } else {
            self.rebound()
        };
        p.data.mode = mode;
        p
    }

    /// Whether invocations wait for a reply.
    pub fn ice_is_twoway(&self) -> bool {
        self.data.mode.is_twoway()
    }

    /// The request context sent with every invocation.
    pub fn ice_get_context(&self) -> &Context {
        &self.context
    }

    /// A copy that sends `context` with every invocation.
    pub fn ice_context(&self, context: Context) -> Proxy {
        Proxy { context, ..self.clone() }
    }

    /// A copy that bzip2-compresses requests (of 100 bytes or more) or not, whatever the
    /// endpoints say.
    pub fn ice_compress(&self, compress: bool) -> Proxy {
        Proxy { compress: Some(compress), ..self.clone() }
    }

    /// A copy whose invocations fail with [`Error::InvocationTimeout`] after `timeout`
    /// (`None`: wait forever, the default).
    pub fn ice_invocation_timeout(&self, timeout: Option<Duration>) -> Proxy {
        Proxy { invocation_timeout: timeout, ..self.clone() }
    }

    /// A copy that encodes parameters with `encoding` (1.1 by default).
    pub fn ice_encoding_version(&self, encoding: EncodingVersion) -> Proxy {
        let mut p = self.clone();
        p.data.encoding = encoding;
        p
    }

    /// The encoding of parameters.
    pub fn ice_get_encoding_version(&self) -> EncodingVersion {
        self.data.encoding
    }

    /// A copy whose invocations all go over `connection` (a fixed proxy).
    pub fn ice_fixed(&self, connection: Connection) -> Proxy {
        Proxy { fixed: Some(connection), ..self.rebound() }
    }

    /// Whether the proxy is bound to one connection.
    pub fn ice_is_fixed(&self) -> bool {
        self.fixed.is_some()
    }

    /// A copy whose requests go through `router` (an `Ice::Router` such as a Glacier2
    /// router): they are sent over the connection to the router's client endpoints, after the
    /// router was told about this proxy (`addProxies`). `None` for direct invocations.
    pub fn ice_router(&self, router: Option<&Proxy>) -> Proxy {
        let router = router.map(|r| self.instance.router_info(&r.data, &r.connection_id));
        Proxy { router, ..self.rebound() }
    }

    /// The router of this proxy, if it is routed.
    pub fn ice_get_router(&self) -> Option<Proxy> {
        self.router.as_ref().and_then(|r| r.router_proxy().ok())
    }

    /// The connection invocations use, establishing it if needed.
    pub async fn ice_get_connection(&self) -> Result<Connection> {
        self.connection().await
    }

    /// The connection for the next attempt: the fixed one, or one to the endpoints (udp ones
    /// for datagram proxies, tcp ones otherwise; see `binding`), or to the router's client
    /// endpoints. Datagram proxies are never routed: Glacier2 does not forward datagrams.
    async fn connection(&self) -> Result<Connection> {
        if let Some(c) = self.ready_connection()? {
            return Ok(c);
        }
        // Boxed: choosing (resolving, connecting) is rare and its future large, and every
        // invocation's future would otherwise carry it and be copied with it.
        Box::pin(self.choose_connection()).await
    }

    /// The fixed or cached connection, if there is one: what nearly every attempt uses.
    fn ready_connection(&self) -> Result<Option<Connection>> {
        self.instance.check_alive()?;
        if let Some(c) = &self.fixed {
            return match c.close_reason() {
                Some(e) => Err(Error::FixedConnectionClosed(Box::new(e))),
                None => Ok(Some(c.clone())),
            };
        }
        let Some(c) = self.cached_connection() else { return Ok(None) };
        if let (Some(router), false) = (&self.router, self.data.mode.is_datagram()) {
            router.attach(&c);
        }
        Ok(Some(c))
    }

    /// [`Proxy::connection`] when no connection is fixed or cached.
    async fn choose_connection(&self) -> Result<Connection> {
        let datagram = self.data.mode.is_datagram();
        if let (Some(router), false) = (&self.router, datagram) {
            let endpoints = router.client_endpoints().await?;
            let connection = self.select_connection(&endpoints, false).await?;
            router.attach(&connection);
            return Ok(connection);
        }
        if self.is_indirect() {
            return self.indirect_connection(datagram).await;
        }
        self.select_connection(&self.data.endpoints, datagram).await
    }

    /// The connection of an indirect proxy: the endpoints come from the locator; if cached
    /// ones no longer work, the cache entry is dropped and the locator asked again (as ZeroC
    /// does; nothing was sent, so at-most-once holds).
    async fn indirect_connection(&self, datagram: bool) -> Result<Connection> {
        if let Some(c) = self.cached_connection() {
            return Ok(c);
        }
        let locator = self.locator.as_ref().ok_or_else(|| Error::NoEndpoint(self.to_string()))?;
        let (endpoints, cached) = locator.resolve(&self.data, self.locator_cache_timeout).await?;
        match self.select_connection(&endpoints, datagram).await {
            Err(e) if cached => {
                tracing::debug!(proxy = %self, error = %e, "cached endpoints failed; resolving again");
                locator.forget(&self.data);
                let (endpoints, _) =
                    locator.resolve(&self.data, self.locator_cache_timeout).await?;
                self.select_connection(&endpoints, datagram).await
            }
            other => other,
        }
    }

    /// Forgets the locator's answer for a well-known proxy (a retry after ObjectNotExist:
    /// the object may have moved; an adapter's endpoints stay, as in ZeroC).
    pub(crate) fn forget_resolution(&self) {
        let well_known = self.data.adapter_id.is_empty();
        if let (true, true, Some(locator)) = (self.is_indirect(), well_known, &self.locator) {
            locator.forget(&self.data);
        }
    }

    /// Whether requests are compressed: the proxy's setting, else the endpoints'.
    fn compress_requests(&self, connection: &Connection) -> bool {
        self.compress.unwrap_or_else(|| connection.endpoint().is_some_and(Endpoint::compress))
    }

    /// Checks that the object exists (`ice_ping`).
    pub async fn ice_ping(&self) -> Result<()> {
        self.invoke_builtin("ice_ping", &()).await
    }

    /// Whether the object implements the Slice type `type_id` (`ice_isA`).
    pub async fn ice_is_a(&self, type_id: &str) -> Result<bool> {
        self.invoke_builtin("ice_isA", type_id).await
    }

    /// This proxy if the object implements `type_id` (`checkedCast`: asks it with
    /// `ice_isA`), `None` if it does not; fails if the object cannot be reached.
    pub async fn checked_cast(&self, type_id: &str) -> Result<Option<Proxy>> {
        Ok(self.ice_is_a(type_id).await?.then(|| self.clone()))
    }

    /// The object's most derived type id (`ice_id`).
    pub async fn ice_id(&self) -> Result<String> {
        self.invoke_builtin("ice_id", &()).await
    }

    /// Every type id the object implements (`ice_ids`).
    pub async fn ice_ids(&self) -> Result<Vec<String>> {
        self.invoke_builtin("ice_ids", &()).await
    }

    async fn invoke_builtin<In: Encode + ?Sized, Out: Decode>(
        &self,
        operation: &str,
        input: &In,
    ) -> Result<Out> {
        if !self.ice_is_twoway() && operation != "ice_ping" {
            return Err(Error::TwowayOnly(operation.to_owned()));
        }
        let params = Encapsulation::from_value(self.data.encoding, input);
        let result = self.invoke(operation, OperationMode::Nonmutating, params).await?;
        Ok(result.decode::<Out>()?)
    }

    /// Invokes `operation` with `params` encoded in `T`'s form and decodes the result as
    /// `Out` (use `()` for none, a tuple for several values). Oneway proxies return the
    /// decoding of an empty result, so only `Out = ()` makes sense for them.
    pub async fn invoke_typed<In: Encode + ?Sized, Out: Decode>(
        &self,
        operation: &str,
        mode: OperationMode,
        input: &In,
    ) -> Result<Out> {
        let params = Encapsulation::from_value(self.data.encoding, input);
        let result = self.invoke(operation, mode, params).await?;
        Ok(result.decode::<Out>()?)
    }

    /// [`Proxy::invoke_typed`] with a context for this call only, sent instead of the
    /// proxy's.
    pub async fn invoke_typed_with_context<In: Encode + ?Sized, Out: Decode>(
        &self,
        operation: &str,
        mode: OperationMode,
        input: &In,
        context: &Context,
    ) -> Result<Out> {
        let params = Encapsulation::from_value(self.data.encoding, input);
        let result = self.invoke_with_context(operation, mode, params, context).await?;
        Ok(result.decode::<Out>()?)
    }
}

impl PartialEq for Proxy {
    fn eq(&self, other: &Self) -> bool {
        self.data == other.data
            && self.fixed == other.fixed
            && self.context == other.context
            && self.compress == other.compress
            && self.invocation_timeout == other.invocation_timeout
            && self.connection_id == other.connection_id
            && self.endpoint_selection == other.endpoint_selection
            && self.connection_cached == other.connection_cached
            && self.locator_cache_timeout == other.locator_cache_timeout
            && match (&self.locator, &other.locator) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
            && match (&self.router, &other.router) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
    }
}

impl fmt::Display for Proxy {
    /// The stringified proxy, as `Communicator::string_to_proxy` reads it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.data.fmt(f)
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Proxy({self})")
    }
}
