//! Proxies: local handles to remote Ice objects (`Ice::ObjectPrx`).

mod invoke;
mod marshal;
mod parse;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ice_proto::{Context, Decode, Encapsulation, Encode, EncodingVersion, Identity, OperationMode};

use crate::communicator::{Communicator, Instance};
use crate::connection::Connection;
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::util::shuffle;

pub(crate) use parse::parse_identity;

/// How a proxy sends requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvocationMode {
    /// Wait for a reply.
    Twoway,
    /// Send and forget; complete once written.
    Oneway,
    /// Queue locally until [`Proxy::ice_flush_batch_requests`].
    BatchOneway,
}

/// A proxy for an Ice object: its identity and facet, where to reach it, and how to call it.
/// The `ice_*` builders return modified copies; proxies are cheap to clone.
#[derive(Clone)]
pub struct Proxy {
    instance: Arc<Instance>,
    identity: Identity,
    facet: String,
    mode: InvocationMode,
    endpoints: Arc<[Endpoint]>,
    fixed: Option<Connection>,
    context: Context,
    compress: Option<bool>,
    invocation_timeout: Option<Duration>,
    encoding: EncodingVersion,
}

impl Proxy {
    fn new(instance: Arc<Instance>, identity: Identity, endpoints: Vec<Endpoint>) -> Proxy {
        Proxy {
            instance,
            identity,
            facet: String::new(),
            mode: InvocationMode::Twoway,
            endpoints: endpoints.into(),
            fixed: None,
            context: Context::new(),
            compress: None,
            invocation_timeout: None,
            encoding: EncodingVersion::V1_1,
        }
    }

    pub(crate) fn direct(
        instance: Arc<Instance>,
        identity: Identity,
        endpoints: Vec<Endpoint>,
    ) -> Proxy {
        Proxy::new(instance, identity, endpoints)
    }

    pub(crate) fn fixed(
        instance: Arc<Instance>,
        identity: Identity,
        connection: Connection,
    ) -> Proxy {
        let mut p = Proxy::new(instance, identity, Vec::new());
        p.fixed = Some(connection);
        p
    }

    pub(crate) fn parse(instance: Arc<Instance>, s: &str) -> Result<Proxy> {
        let parsed = parse::parse_proxy(s)?;
        let mut p = Proxy::new(instance, parsed.identity, parsed.endpoints);
        p.facet = parsed.facet;
        p.mode = parsed.mode;
        p.encoding = parsed.encoding;
        Ok(p)
    }

    /// The communicator that made this proxy.
    pub fn communicator(&self) -> Communicator {
        Communicator::from_instance(self.instance.clone())
    }

    /// The target identity.
    pub fn ice_get_identity(&self) -> &Identity {
        &self.identity
    }

    /// A copy for another identity.
    pub fn ice_identity(&self, identity: Identity) -> Proxy {
        Proxy {
            identity,
            ..self.clone()
        }
    }

    /// The target facet (empty: the default facet).
    pub fn ice_get_facet(&self) -> &str {
        &self.facet
    }

    /// A copy for another facet.
    pub fn ice_facet(&self, facet: impl Into<String>) -> Proxy {
        Proxy {
            facet: facet.into(),
            ..self.clone()
        }
    }

    /// The endpoints.
    pub fn ice_get_endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// A copy with other endpoints.
    pub fn ice_endpoints(&self, endpoints: Vec<Endpoint>) -> Proxy {
        Proxy {
            endpoints: endpoints.into(),
            ..self.clone()
        }
    }

    /// How requests are sent.
    pub fn ice_get_invocation_mode(&self) -> InvocationMode {
        self.mode
    }

    /// A twoway copy.
    pub fn ice_twoway(&self) -> Proxy {
        self.with_mode(InvocationMode::Twoway)
    }

    /// A oneway copy: invocations complete once the request is written.
    pub fn ice_oneway(&self) -> Proxy {
        self.with_mode(InvocationMode::Oneway)
    }

    /// A batch oneway copy: requests are queued until [`Proxy::ice_flush_batch_requests`].
    pub fn ice_batch_oneway(&self) -> Proxy {
        self.with_mode(InvocationMode::BatchOneway)
    }

    fn with_mode(&self, mode: InvocationMode) -> Proxy {
        Proxy {
            mode,
            ..self.clone()
        }
    }

    /// Whether invocations wait for a reply.
    pub fn ice_is_twoway(&self) -> bool {
        self.mode == InvocationMode::Twoway
    }

    /// The request context sent with every invocation.
    pub fn ice_get_context(&self) -> &Context {
        &self.context
    }

    /// A copy that sends `context` with every invocation.
    pub fn ice_context(&self, context: Context) -> Proxy {
        Proxy {
            context,
            ..self.clone()
        }
    }

    /// A copy that bzip2-compresses requests (of 100 bytes or more) or not, whatever the
    /// endpoints say.
    pub fn ice_compress(&self, compress: bool) -> Proxy {
        Proxy {
            compress: Some(compress),
            ..self.clone()
        }
    }

    /// A copy whose invocations fail with [`Error::InvocationTimeout`] after `timeout`
    /// (`None`: wait forever, the default).
    pub fn ice_invocation_timeout(&self, timeout: Option<Duration>) -> Proxy {
        Proxy {
            invocation_timeout: timeout,
            ..self.clone()
        }
    }

    /// A copy that encodes parameters with `encoding` (1.1 by default).
    pub fn ice_encoding_version(&self, encoding: EncodingVersion) -> Proxy {
        Proxy {
            encoding,
            ..self.clone()
        }
    }

    /// The encoding of parameters.
    pub fn ice_get_encoding_version(&self) -> EncodingVersion {
        self.encoding
    }

    /// A copy whose invocations all go over `connection` (a fixed proxy).
    pub fn ice_fixed(&self, connection: Connection) -> Proxy {
        Proxy {
            fixed: Some(connection),
            ..self.clone()
        }
    }

    /// Whether the proxy is bound to one connection.
    pub fn ice_is_fixed(&self) -> bool {
        self.fixed.is_some()
    }

    /// The connection invocations use, establishing it if needed.
    pub async fn ice_get_connection(&self) -> Result<Connection> {
        self.connection().await
    }

    /// The connection for the next attempt: the fixed one, or a usable connection to one of
    /// the endpoints, tried in random order.
    async fn connection(&self) -> Result<Connection> {
        self.instance.check_alive()?;
        if let Some(c) = &self.fixed {
            return match c.close_reason() {
                Some(e) => Err(Error::FixedConnectionClosed(Box::new(e))),
                None => Ok(c.clone()),
            };
        }
        let mut endpoints: Vec<&Endpoint> = self.endpoints.iter().collect();
        if endpoints.is_empty() {
            return Err(Error::NoEndpoint(self.to_string()));
        }
        shuffle(&mut endpoints);
        let mut last = None;
        for e in endpoints {
            match self.instance.connection_to(e).await {
                Ok(c) => return Ok(c),
                Err(err) => last = Some(err),
            }
        }
        Err(last.unwrap_or_else(|| Error::NoEndpoint(self.to_string())))
    }

    /// Whether requests are compressed: the proxy's setting, else the endpoints'.
    fn compress_requests(&self, connection: &Connection) -> bool {
        self.compress
            .unwrap_or_else(|| connection.endpoint().is_some_and(|e| e.compress))
    }

    /// Checks that the object exists (`ice_ping`).
    pub async fn ice_ping(&self) -> Result<()> {
        self.invoke_builtin("ice_ping", &()).await
    }

    /// Whether the object implements the Slice type `type_id` (`ice_isA`).
    pub async fn ice_is_a(&self, type_id: &str) -> Result<bool> {
        self.invoke_builtin("ice_isA", type_id).await
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
        let params = Encapsulation::from_value(self.encoding, input);
        let result = self
            .invoke(operation, OperationMode::Nonmutating, params)
            .await?;
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
        let params = Encapsulation::from_value(self.encoding, input);
        let result = self.invoke(operation, mode, params).await?;
        Ok(result.decode::<Out>()?)
    }
}

impl PartialEq for Proxy {
    fn eq(&self, other: &Self) -> bool {
        self.identity == other.identity
            && self.facet == other.facet
            && self.mode == other.mode
            && self.endpoints == other.endpoints
            && self.fixed == other.fixed
            && self.context == other.context
            && self.compress == other.compress
            && self.invocation_timeout == other.invocation_timeout
            && self.encoding == other.encoding
    }
}

impl fmt::Display for Proxy {
    /// The stringified proxy, as `Communicator::string_to_proxy` reads it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.identity.category.is_empty() {
            write!(f, "{}/", parse::escape(&self.identity.category))?;
        }
        f.write_str(&parse::escape(&self.identity.name))?;
        if !self.facet.is_empty() {
            write!(f, " -f \"{}\"", self.facet.replace('"', "\\\""))?;
        }
        f.write_str(match self.mode {
            InvocationMode::Twoway => " -t",
            InvocationMode::Oneway => " -o",
            InvocationMode::BatchOneway => " -O",
        })?;
        write!(f, " -e {}.{}", self.encoding.major, self.encoding.minor)?;
        for e in self.endpoints.iter() {
            write!(f, ":{e}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Proxy({self})")
    }
}
