//! Servants: the objects that carry out requests, and what a dispatch sees ([`Current`]).

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use ice_proto::frame::{ReplyStatus, RequestFailed};
use ice_proto::value::{encode_user_exception, SlicedFormat, UserException};
use ice_proto::{
    Context, DecodeError, Encapsulation, Encode, EncodingVersion, Identity, OperationMode,
};

use crate::adapter::ObjectAdapter;
use crate::connection::Connection;
use crate::runtime::BoxFuture;

/// Information about the request being dispatched (`Ice::Current`). Non-exhaustive: fields
/// may be added.
#[derive(Clone)]
#[non_exhaustive]
pub struct Current {
    /// The object adapter that dispatches the request, if any.
    pub adapter: Option<ObjectAdapter>,
    /// The connection the request came in on. Proxies made with
    /// [`Connection::create_proxy`] call back over it (bidirectional connections).
    pub connection: Connection,
    /// The target identity.
    pub identity: Identity,
    /// The target facet; empty for the default facet.
    pub facet: String,
    /// The operation name.
    pub operation: String,
    /// The operation mode the caller sent.
    pub mode: OperationMode,
    /// The request context.
    pub context: Context,
    /// The request id; 0 for oneway and batch requests.
    pub request_id: i32,
    /// The encoding of the parameters, also used for the result.
    pub encoding: EncodingVersion,
    /// How classes and user exceptions of the reply are written: the compact format, or the
    /// sliced format for an operation with `["format:sliced"]` (slice2rs's dispatchers set it).
    pub format: SlicedFormat,
}

impl fmt::Debug for Current {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Current")
            .field("identity", &self.identity)
            .field("facet", &self.facet)
            .field("operation", &self.operation)
            .field("mode", &self.mode)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

impl Current {
    /// The communicator dispatching this request (`Current::adapter->getCommunicator()`),
    /// so that a servant can make proxies and calls of its own; `None` once it is dropped.
    pub fn communicator(&self) -> Option<crate::Communicator> {
        self.adapter
            .as_ref()
            .and_then(ObjectAdapter::communicator)
            .or_else(|| self.connection.communicator())
    }

    /// A successful result holding `value`, in the request's encoding.
    pub fn ok<T: Encode + ?Sized>(&self, value: &T) -> DispatchResult {
        Ok(Encapsulation::from_value(self.encoding, value))
    }

    /// A successful result for an operation that returns nothing.
    pub fn void(&self) -> DispatchResult {
        Ok(Encapsulation::empty(self.encoding))
    }

    /// The identity, facet and operation, as carried by ObjectNotExist and its siblings.
    pub fn request_failed(&self) -> RequestFailed {
        RequestFailed {
            identity: self.identity.clone(),
            facet: self.facet.clone(),
            operation: self.operation.clone(),
        }
    }
}

/// What a dispatch returns: the result encapsulation, or why it failed.
pub type DispatchResult = Result<Encapsulation, DispatchError>;

/// Why a dispatch failed; each becomes a reply status the caller sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DispatchError {
    /// A user exception declared by the operation, already encoded.
    #[error("user exception")]
    UserException(Encapsulation),
    /// The servant does not exist (`Ice::ObjectNotExistException`).
    #[error("object does not exist")]
    ObjectNotExist,
    /// The facet does not exist (`Ice::FacetNotExistException`).
    #[error("facet does not exist")]
    FacetNotExist,
    /// The operation does not exist (`Ice::OperationNotExistException`).
    #[error("operation does not exist")]
    OperationNotExist,
    /// An Ice local exception, described by the text (`Ice::UnknownLocalException`).
    #[error("unknown local exception: {0}")]
    UnknownLocal(String),
    /// An undeclared user exception (`Ice::UnknownUserException`).
    #[error("unknown user exception: {0}")]
    UnknownUser(String),
    /// Any other failure (`Ice::UnknownException`).
    #[error("unknown exception: {0}")]
    Unknown(String),
}

impl From<crate::Error> for DispatchError {
    /// The failure of a call a servant made, passed on to its own caller as ZeroC's runtime
    /// does when a servant lets the exception escape: user exceptions and the `Unknown*`
    /// exceptions as they are, "does not exist" answers as the same kind, and any local error
    /// as an `UnknownLocalException` that describes it.
    fn from(e: crate::Error) -> Self {
        use crate::Error as E;
        match e {
            E::UserException(encoded) => DispatchError::UserException(encoded),
            E::ObjectNotExist { .. } => DispatchError::ObjectNotExist,
            E::FacetNotExist { .. } => DispatchError::FacetNotExist,
            E::OperationNotExist { .. } => DispatchError::OperationNotExist,
            E::UnknownLocal(s) => DispatchError::UnknownLocal(s),
            E::UnknownUser(s) => DispatchError::UnknownUser(s),
            E::Unknown(s) => DispatchError::Unknown(s),
            other => DispatchError::UnknownLocal(other.to_ice_string()),
        }
    }
}

impl From<DecodeError> for DispatchError {
    /// Parameters that cannot be decoded fail the way Ice reports a servant's
    /// `MarshalException`.
    fn from(e: DecodeError) -> Self {
        DispatchError::UnknownLocal(format!("::Ice::MarshalException: {e}"))
    }
}

impl DispatchError {
    /// A user exception reply carrying `exception`, in the request's encoding and
    /// [`Current::format`] (compact unless the operation asks for the sliced format).
    pub fn user(exception: &dyn UserException, current: &Current) -> Self {
        DispatchError::UserException(encode_user_exception(
            exception,
            current.encoding,
            current.format,
        ))
    }

    /// The reply status for this error in answer to the request described by `current`.
    pub fn into_reply(self, current: &Current) -> ReplyStatus {
        match self {
            DispatchError::UserException(e) => ReplyStatus::UserException(e),
            DispatchError::ObjectNotExist => ReplyStatus::ObjectNotExist(current.request_failed()),
            DispatchError::FacetNotExist => ReplyStatus::FacetNotExist(current.request_failed()),
            DispatchError::OperationNotExist => {
                ReplyStatus::OperationNotExist(current.request_failed())
            }
            DispatchError::UnknownLocal(s) => ReplyStatus::UnknownLocalException(s),
            DispatchError::UnknownUser(s) => ReplyStatus::UnknownUserException(s),
            DispatchError::Unknown(s) => ReplyStatus::UnknownException(s),
        }
    }
}

/// An Ice object implementation. Dispatch is asynchronous: a servant that waits does not hold
/// up other requests, even on the same connection.
///
/// `dispatch` runs in the task of the connection the request came in on, as ZeroC dispatches
/// in the thread-pool thread that read it: while the servant computes (rather than awaits),
/// that connection reads nothing else. A servant with long computations should run them on a
/// thread of its own (`tokio::task::spawn_blocking`, say) and await the result.
///
/// `ice_ping`, `ice_isA`, `ice_id` and `ice_ids` are answered by the object adapter from
/// [`Servant::ice_id`] and [`Servant::ice_ids`]; `dispatch` sees every other operation, and
/// those four too when [`Servant::dispatches_builtins`] says so.
pub trait Servant: Send + Sync + 'static {
    /// The most derived Slice type id, e.g. `::Demo::Hello`.
    fn ice_id(&self) -> &str {
        "::Ice::Object"
    }

    /// Every type id the object implements, sorted (`::Ice::Object` included).
    fn ice_ids(&self) -> Vec<String> {
        let mut ids = vec![self.ice_id().to_owned(), "::Ice::Object".to_owned()];
        ids.sort();
        ids.dedup();
        ids
    }

    /// Whether `dispatch` also receives `ice_ping`, `ice_isA`, `ice_id` and `ice_ids` (with
    /// their `Current`: context, connection...), as a ZeroC servant that overrides them or a
    /// dispatch interceptor does. Default `false`: the adapter answers them itself.
    fn dispatches_builtins(&self) -> bool {
        false
    }

    /// Carries out `current.operation` with the encoded in-parameters `params`.
    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult>;
}

/// A servant made of a closure, handy for tests and small programs.
pub struct FnServant<F> {
    type_id: String,
    f: F,
}

impl<F, Fut> FnServant<F>
where
    F: Fn(Current, Encapsulation) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = DispatchResult> + Send + 'static,
{
    /// A servant of type `type_id` whose dispatch calls `f` with the current and parameters.
    pub fn new(type_id: impl Into<String>, f: F) -> Arc<Self> {
        Arc::new(FnServant { type_id: type_id.into(), f })
    }
}

impl<F, Fut> Servant for FnServant<F>
where
    F: Fn(Current, Encapsulation) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = DispatchResult> + Send + 'static,
{
    fn ice_id(&self) -> &str {
        &self.type_id
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin((self.f)(current.clone(), params))
    }
}

/// Answers `ice_ping`, `ice_isA`, `ice_id` and `ice_ids` from `servant`'s type ids, as the
/// object adapter does, or `None` for any other operation: for a servant that
/// [dispatches them](Servant::dispatches_builtins) itself (a wrapper that looks at each call,
/// say) and then answers them as usual.
pub fn dispatch_builtin(
    servant: &dyn Servant,
    current: &Current,
    params: &Encapsulation,
) -> Option<DispatchResult> {
    let result = match current.operation.as_str() {
        "ice_ping" => {
            params.expect_empty().map_err(DispatchError::from).and_then(|()| current.void())
        }
        "ice_isA" => params
            .decode::<String>()
            .map_err(DispatchError::from)
            .and_then(|id| current.ok(&servant.ice_ids().contains(&id))),
        "ice_id" => params
            .expect_empty()
            .map_err(DispatchError::from)
            .and_then(|()| current.ok(servant.ice_id())),
        "ice_ids" => params
            .expect_empty()
            .map_err(DispatchError::from)
            .and_then(|()| current.ok(&servant.ice_ids())),
        _ => return None,
    };
    Some(result)
}
