//! Typed calls on a Glacier2 router (`Glacier2::Router`, which extends `Ice::Router`) and the
//! user exceptions they declare.
//!
//! ```no_run
//! # async fn demo(communicator: ice_driver::Communicator) -> Result<(), ice_driver::Error> {
//! use ice_driver::glacier2::SessionRouter;
//! let router = communicator.string_to_proxy("Glacier2/router:tcp -h 127.0.0.1 -p 4063")?;
//! let session = SessionRouter::new(&router);
//! if let Err(e) = session.create_session("user", "password").await {
//!     if let Some(reason) = ice_driver::glacier2::denied_reason(&e) {
//!         eprintln!("refused: {reason}");
//!     }
//!     return Err(e);
//! }
//! let hello = communicator.string_to_proxy("hello:tcp -h backend -p 10000")?.ice_router(Some(&router));
//! hello.ice_ping().await?;
//! # Ok(()) }
//! ```

use ice_proto::proxy::ProxyData;
use ice_proto::value::{DecodedException, SliceType, UserException, ValueReader, ValueWriter};
use ice_proto::{Decode, DecodeError, Encapsulation, Encode, OperationMode};

use crate::error::{Error, Result};
use crate::proxy::Proxy;

/// A Glacier2 router proxy with the session operations as typed calls. Calls go straight to
/// the router (never routed), over the connection that then carries the session.
#[derive(Debug, Clone)]
pub struct SessionRouter {
    proxy: Proxy,
}

impl SessionRouter {
    /// Wraps `router` (e.g. `Glacier2/router:tcp -h H -p P`); its own router, if any, is
    /// dropped.
    pub fn new(router: &Proxy) -> SessionRouter {
        SessionRouter { proxy: router.ice_router(None) }
    }

    /// The router proxy.
    pub fn proxy(&self) -> &Proxy {
        &self.proxy
    }

    async fn call<In: Encode + ?Sized, Out: Decode>(
        &self,
        operation: &str,
        mode: OperationMode,
        input: &In,
    ) -> Result<Out> {
        self.proxy.invoke_typed(operation, mode, input).await
    }

    /// Creates a session for the connection to the router (`createSession`). Returns the
    /// session proxy made by the router's session manager, `None` without one. Fails with
    /// [`Error::UserException`] holding a [`PermissionDeniedException`] or
    /// [`CannotCreateSessionException`]; decode it with [`exceptions`] or [`denied_reason`].
    pub async fn create_session(&self, user_id: &str, password: &str) -> Result<Option<Proxy>> {
        let session: Option<ProxyData> =
            self.call("createSession", OperationMode::Normal, &(user_id, password)).await?;
        let communicator = self.proxy.communicator();
        Ok(session.map(|data| communicator.proxy_from_data(data)))
    }

    /// Creates a session authenticated by the client certificate of this `ssl` connection to
    /// the router (`createSessionFromSecureConnection`). Fails like [`Self::create_session`];
    /// over a connection that is not `ssl`, with a `PermissionDeniedException`.
    pub async fn create_session_from_secure_connection(&self) -> Result<Option<Proxy>> {
        let session: Option<ProxyData> =
            self.call("createSessionFromSecureConnection", OperationMode::Normal, &()).await?;
        let communicator = self.proxy.communicator();
        Ok(session.map(|data| communicator.proxy_from_data(data)))
    }

    /// Destroys the session of this connection (`destroySession`); the router then closes
    /// the connection. Fails with a [`SessionNotExistException`] without a session.
    pub async fn destroy_session(&self) -> Result<()> {
        self.call("destroySession", OperationMode::Normal, &()).await
    }

    /// The identity category of the callback objects the router forwards to this client
    /// (`getCategoryForClient`); needs a session.
    pub async fn get_category_for_client(&self) -> Result<String> {
        self.call("getCategoryForClient", OperationMode::Nonmutating, &()).await
    }

    /// The session timeout in seconds (`getSessionTimeout`).
    pub async fn get_session_timeout(&self) -> Result<i64> {
        self.call("getSessionTimeout", OperationMode::Nonmutating, &()).await
    }

    /// The ACM timeout in seconds the client's connection should use (`getACMTimeout`).
    pub async fn get_acm_timeout(&self) -> Result<i32> {
        self.call("getACMTimeout", OperationMode::Nonmutating, &()).await
    }

    /// `Ice::Router::getClientProxy`: where routed requests go (`None`: the router's own
    /// endpoints) and whether the router has a routing table (`None`: not said).
    pub async fn get_client_proxy(&self) -> Result<(Option<Proxy>, Option<bool>)> {
        let params = Encapsulation::empty(self.proxy.ice_get_encoding_version());
        let reply = self.proxy.invoke("getClientProxy", OperationMode::Nonmutating, params).await?;
        let mut r = reply.reader()?;
        let client = Option::<ProxyData>::decode(&mut r)?;
        let has_routing_table = r.read_optional::<bool>(1)?;
        r.skip_remaining_optionals()?;
        reply.finish(&mut r)?;
        let communicator = self.proxy.communicator();
        Ok((client.map(|d| communicator.proxy_from_data(d)), has_routing_table))
    }

    /// `Ice::Router::getServerProxy`: the proxy whose endpoints routed object adapters
    /// publish; `None` when the router has no server endpoints.
    pub async fn get_server_proxy(&self) -> Result<Option<Proxy>> {
        let server: Option<ProxyData> =
            self.call("getServerProxy", OperationMode::Nonmutating, &()).await?;
        let communicator = self.proxy.communicator();
        Ok(server.map(|d| communicator.proxy_from_data(d)))
    }
}

/// `Glacier2::PermissionDeniedException`: the permissions verifier refused the client.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PermissionDeniedException {
    /// Why.
    pub reason: String,
}

/// `Glacier2::CannotCreateSessionException`: the session manager failed, or the connection
/// already has a session.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CannotCreateSessionException {
    /// Why.
    pub reason: String,
}

/// `Glacier2::SessionNotExistException`: the connection has no session.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SessionNotExistException;

macro_rules! reason_exception {
    ($ty:ty, $id:literal) => {
        impl UserException for $ty {
            fn slices(&self) -> &'static [SliceType] {
                const SLICES: &[SliceType] = &[SliceType::new($id)];
                SLICES
            }
            fn write_members(&self, _slice: usize, w: &mut ValueWriter<'_>) {
                w.write_string(&self.reason);
            }
            fn read_members(
                &mut self,
                _slice: usize,
                r: &mut ValueReader<'_>,
            ) -> Result<(), DecodeError> {
                self.reason = r.read_string()?;
                Ok(())
            }
        }
    };
}

reason_exception!(PermissionDeniedException, "::Glacier2::PermissionDeniedException");
reason_exception!(CannotCreateSessionException, "::Glacier2::CannotCreateSessionException");

impl UserException for SessionNotExistException {
    fn slices(&self) -> &'static [SliceType] {
        const SLICES: &[SliceType] = &[SliceType::new("::Glacier2::SessionNotExistException")];
        SLICES
    }
    fn write_members(&self, _slice: usize, _w: &mut ValueWriter<'_>) {}
    fn read_members(&mut self, _slice: usize, _r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        Ok(())
    }
}

/// The exception factory for the user exceptions of `Glacier2::Router`, for
/// [`Error::decode_user_exception`].
pub fn exceptions(type_id: &str) -> Option<Box<dyn UserException>> {
    match type_id {
        "::Glacier2::PermissionDeniedException" => {
            Some(Box::new(PermissionDeniedException::default()))
        }
        "::Glacier2::CannotCreateSessionException" => {
            Some(Box::new(CannotCreateSessionException::default()))
        }
        "::Glacier2::SessionNotExistException" => Some(Box::new(SessionNotExistException)),
        _ => None,
    }
}

/// The reason of a [`PermissionDeniedException`] or [`CannotCreateSessionException`] carried
/// by `error`, if it is one.
pub fn denied_reason(error: &Error) -> Option<String> {
    let Some(Ok(DecodedException::Known(known))) = error.decode_user_exception(&exceptions) else {
        return None;
    };
    let e = known.exception.as_ref();
    e.downcast_ref::<PermissionDeniedException>()
        .map(|p| p.reason.clone())
        .or_else(|| e.downcast_ref::<CannotCreateSessionException>().map(|c| c.reason.clone()))
}
