//! Permissions verifiers (`Glacier2.PermissionsVerifier`, `Glacier2.CryptPasswords`) and
//! session managers (`Glacier2.SessionManager`): the calls the router makes while creating a
//! session, and how their failures reach the client (spec 5.2 and 6.3).

use ice_driver::glacier2::{exceptions, CannotCreateSessionException, PermissionDeniedException};
use ice_driver::ice_proto::value::{
    encode_user_exception, DecodedException, SlicedFormat, UserException,
};
use ice_driver::{
    Context, DispatchError, Encapsulation, EncodingVersion, Error, OperationMode, Proxy,
};
use ice_proto::proxy::ProxyData;
use ice_proto::Identity;

use std::sync::Arc;

use crate::crypt::CryptPasswords;

/// Password hashes checked at once, at most (each keeps a CPU busy for up to a second).
static CRYPT_CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// How `createSession` checks a user id and password.
pub(crate) enum Verifier {
    /// `<InstanceName>/NullPermissionsVerifier`: anyone.
    Null,
    /// `Glacier2.CryptPasswords`.
    Crypt(Arc<CryptPasswords>),
    /// A `Glacier2::PermissionsVerifier` proxy.
    Remote(Box<Proxy>),
}

/// A `createSession*` failure as the client sees it: a user exception in the sliced format.
pub(crate) fn denied(reason: &str, encoding: EncodingVersion) -> DispatchError {
    let e = PermissionDeniedException { reason: reason.to_owned() };
    DispatchError::UserException(encode_user_exception(&e, encoding, SlicedFormat::Sliced))
}

/// `CannotCreateSessionException(reason)`, sliced.
pub(crate) fn cannot_create(reason: &str, encoding: EncodingVersion) -> DispatchError {
    let e = CannotCreateSessionException { reason: reason.to_owned() };
    DispatchError::UserException(encode_user_exception(&e, encoding, SlicedFormat::Sliced))
}

/// Whether `error` is a user exception whose type is `T` or derives from it: such an exception
/// is relayed to the client as it came (derived slices included).
fn relayable<T: UserException + 'static>(error: &Error) -> Option<Encapsulation> {
    let Error::UserException(encapsulation) = error else { return None };
    match error.decode_user_exception(&exceptions)? {
        Ok(DecodedException::Known(k)) if k.exception.downcast_ref::<T>().is_some() => {
            Some(encapsulation.clone())
        }
        _ => None,
    }
}

impl Verifier {
    /// Checks `user` / `password`; `Err` is the reply to the client. `warn`: log a verifier
    /// that fails unexpectedly (glacier2router does at `Glacier2.Trace.Session` >= 1).
    pub(crate) async fn check(
        &self,
        user: &str,
        password: &str,
        context: &Context,
        encoding: EncodingVersion,
        warn: bool,
    ) -> Result<(), DispatchError> {
        let remote = match self {
            Verifier::Null => return Ok(()),
            Verifier::Crypt(file) => {
                // A hash takes up to a second to check (656,000 SHA-512 rounds by default):
                // on a thread of its own, not the runtime's.
                // At most a few at once, whoever asks.
                let permit = CRYPT_CHECKS.acquire().await.ok();
                let (file, user, password) = (file.clone(), user.to_owned(), password.to_owned());
                let (tx, rx) = tokio::sync::oneshot::channel();
                std::thread::spawn(move || {
                    let _ = tx.send(file.check(&user, &password));
                    drop(permit);
                });
                return if rx.await.unwrap_or(false) {
                    Ok(())
                } else {
                    Err(denied("permission denied", encoding))
                };
            }
            Verifier::Remote(proxy) => proxy,
        };
        let params =
            Encapsulation::from_value(remote.ice_get_encoding_version(), &(user, password));
        ask_verifier(remote, "checkPermissions", params, context, encoding, warn).await
    }
}

/// Calls `operation` (`checkPermissions` or `authorize`: `bool op(..., out string reason)`)
/// on a verifier; `Err` is the reply to the client.
async fn ask_verifier(
    verifier: &Proxy,
    operation: &str,
    params: Encapsulation,
    context: &Context,
    encoding: EncodingVersion,
    warn: bool,
) -> Result<(), DispatchError> {
    let result = verifier
        .invoke_with_context(operation, OperationMode::Nonmutating, params, context)
        .await
        .and_then(|reply| reply.decode::<(String, bool)>().map_err(Error::from));
    match result {
        Ok((_, true)) => Ok(()),
        Ok((reason, false)) => {
            Err(denied(if reason.is_empty() { "permission denied" } else { &reason }, encoding))
        }
        Err(e) => match relayable::<PermissionDeniedException>(&e) {
            Some(exception) => Err(DispatchError::UserException(exception)),
            None => {
                if warn {
                    tracing::warn!(target: "Glacier2", "exception while verifying permissions:\n{}", e.to_ice_string());
                }
                Err(denied("internal server error", encoding))
            }
        },
    }
}

/// `SessionManager::create(userId, control)` with `context`; the session proxy, or the reply
/// to the client.
pub(crate) async fn create_with_manager(
    manager: &Proxy,
    user: &str,
    control: Option<&ProxyData>,
    context: &Context,
    encoding: EncodingVersion,
) -> Result<Option<ProxyData>, DispatchError> {
    let params =
        Encapsulation::from_value(manager.ice_get_encoding_version(), &(user, &control.cloned()));
    let result = manager
        .invoke_with_context("create", OperationMode::Normal, params, context)
        .await
        .and_then(|reply| reply.decode::<Option<ProxyData>>().map_err(Error::from));
    manager_result(result, encoding)
}

/// Whether `value` (a `Glacier2.PermissionsVerifier` value) names the built-in null verifier
/// `<instance>/<name>`, as a proxy or as a bare identity.
pub(crate) fn is_null_verifier(value: &str, instance: &str, name: &str) -> bool {
    let wanted = Identity::with_category(instance, name);
    let head = value.split([':', '@']).next().unwrap_or("").trim();
    let head = head.split_whitespace().next().unwrap_or("");
    let head = head.trim_matches('"');
    ice_proto::proxy::string_to_identity(head).is_ok_and(|id| id == wanted)
        || ice_proto::proxy::string_to_identity(value.trim()).is_ok_and(|id| id == wanted)
}

/// `Glacier2::SSLInfo`, what `createSessionFromSecureConnection` tells the SSL verifier and
/// session manager about the client's connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct SslInfo {
    pub(crate) remote_host: String,
    pub(crate) remote_port: i32,
    pub(crate) local_host: String,
    pub(crate) local_port: i32,
    pub(crate) cipher: String,
    /// PEM, leaf first.
    pub(crate) certs: Vec<String>,
}

impl SslInfo {
    /// The struct's members in order, which is how Slice marshals a struct.
    fn fields(&self) -> (&str, i32, &str, i32, &str, &[String]) {
        (
            &self.remote_host,
            self.remote_port,
            &self.local_host,
            self.local_port,
            &self.cipher,
            &self.certs,
        )
    }
}

/// How `createSessionFromSecureConnection` checks a client's certificate
/// (`Glacier2.SSLPermissionsVerifier`).
pub(crate) enum SslVerifier {
    /// `<InstanceName>/NullSSLPermissionsVerifier` (or `NullPermissionsVerifier`): anyone
    /// whose certificate the TLS layer verified.
    Null,
    /// A `Glacier2::SSLPermissionsVerifier` proxy.
    Remote(Box<Proxy>),
}

impl SslVerifier {
    /// `authorize(info, out reason)`; `Err` is the reply to the client. `warn` as for
    /// [`Verifier::check`].
    pub(crate) async fn authorize(
        &self,
        info: &SslInfo,
        context: &Context,
        encoding: EncodingVersion,
        warn: bool,
    ) -> Result<(), DispatchError> {
        let SslVerifier::Remote(remote) = self else { return Ok(()) };
        let params = Encapsulation::from_value(remote.ice_get_encoding_version(), &info.fields());
        ask_verifier(remote, "authorize", params, context, encoding, warn).await
    }
}

/// `SSLSessionManager::create(info, control)` with `context`.
pub(crate) async fn create_with_ssl_manager(
    manager: &Proxy,
    info: &SslInfo,
    control: Option<&ProxyData>,
    context: &Context,
    encoding: EncodingVersion,
) -> Result<Option<ProxyData>, DispatchError> {
    let params = Encapsulation::from_value(
        manager.ice_get_encoding_version(),
        &(info.fields(), &control.cloned()),
    );
    let result = manager
        .invoke_with_context("create", OperationMode::Normal, params, context)
        .await
        .and_then(|reply| reply.decode::<Option<ProxyData>>().map_err(Error::from));
    manager_result(result, encoding)
}

fn manager_result(
    result: Result<Option<ProxyData>, Error>,
    encoding: EncodingVersion,
) -> Result<Option<ProxyData>, DispatchError> {
    match result {
        Ok(session) => Ok(session),
        Err(e) => match relayable::<CannotCreateSessionException>(&e) {
            Some(exception) => Err(DispatchError::UserException(exception)),
            None => {
                tracing::info!(target: "Glacier2", "exception while creating session with session manager:\n{}", e.to_ice_string());
                Err(cannot_create("internal server error", encoding))
            }
        },
    }
}
