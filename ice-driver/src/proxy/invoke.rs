//! Sending a request through a proxy: choosing a connection, waiting for the outcome, and
//! retrying as `ice_proto::retry` decides (at-most-once).

use ice_proto::frame::{ReplyStatus, Request, RequestFailed};
use ice_proto::retry::{FailedAttempt, ProxyTraits, RetryDecision};
use ice_proto::{Context, Encapsulation, OperationMode};

use super::Proxy;
use crate::connection::{Connection, Outcome};
use crate::error::{Error, Result};
use crate::util::with_deadline;

/// A failed attempt: why, whether the request may have reached the server, and the request
/// itself for a retry.
struct Failed {
    error: Error,
    sent: bool,
    request: Box<Request>,
}

/// How many times one invocation re-adds its proxy to a router that answered ObjectNotExist
/// on `ice_add_proxy` before giving up.
const MAX_ROUTER_READDS: u32 = 16;

impl Proxy {
    /// Invokes `operation` with the encoded in-parameters `params` and returns the encoded
    /// result. Oneway and batch oneway proxies return an empty encapsulation once the request
    /// is written (or queued).
    ///
    /// A failed attempt is retried per `Ice.RetryIntervals` when that cannot run the
    /// operation twice: a `Normal` operation whose request may have reached the server is
    /// never sent again.
    pub async fn invoke(
        &self,
        operation: &str,
        mode: OperationMode,
        params: Encapsulation,
    ) -> Result<Encapsulation> {
        self.invoke_with_context(operation, mode, params, &self.context).await
    }

    /// [`Proxy::invoke`] with a context for this call only, sent instead of the proxy's
    /// (the optional context argument of ZeroC's generated operations).
    pub async fn invoke_with_context(
        &self,
        operation: &str,
        mode: OperationMode,
        params: Encapsulation,
        context: &Context,
    ) -> Result<Encapsulation> {
        let request = Box::new(Request {
            request_id: 0,
            identity: self.data.identity.clone(),
            facet: self.data.facet.clone(),
            operation: operation.to_owned(),
            mode,
            context: context.clone(),
            params,
        });
        let rt = &self.instance.runtime;
        let deadline = self.invocation_timeout.map(|t| rt.sleep_until(rt.now() + t));
        match with_deadline(self.invoke_with_retries(request), deadline).await {
            Some(result) => result,
            None => {
                tracing::debug!(operation, "invocation timed out");
                Err(Error::InvocationTimeout)
            }
        }
    }

    async fn invoke_with_retries(&self, mut request: Box<Request>) -> Result<Encapsulation> {
        let (mut retries, mut readds) = (0, 0);
        loop {
            let (error, sent) = match self.attempt(request).await {
                Ok(result) => return result,
                Err(Failed { error, sent, request: back }) => {
                    request = back;
                    (error, sent)
                }
            };
            if self.instance.is_destroyed() {
                return Err(Error::CommunicatorDestroyed);
            }
            let decision = self.instance.retry.decide(&FailedAttempt {
                failure: error.failure(),
                sent,
                mode: request.mode,
                proxy: ProxyTraits {
                    batch: self.data.mode.is_batch(),
                    fixed: self.fixed.is_some(),
                    routed: self.router.is_some(),
                    indirect: self.router.is_none() && self.is_indirect(),
                },
                retries,
            });
            match decision {
                RetryDecision::Retry { after, retries: next, clear_cache } => {
                    // As ZeroC drops a proxy's request handler after a failure, the retry
                    // chooses its connection again.
                    self.forget_cached_connection();
                    if clear_cache && self.router.is_none() {
                        // ObjectNotExist from where the locator sent a well-known proxy.
                        self.forget_resolution();
                    }
                    if let (true, Some(router)) = (clear_cache, &self.router) {
                        // Such retries are not counted: bound them so that a router that
                        // keeps refusing the proxy cannot keep us looping.
                        readds += 1;
                        if readds > MAX_ROUTER_READDS {
                            return Err(error);
                        }
                        router.forget(&self.data.identity);
                    }
                    tracing::debug!(
                        operation = %request.operation,
                        %error,
                        retry = next,
                        "retrying invocation"
                    );
                    retries = next;
                    if !after.is_zero() {
                        let rt = &self.instance.runtime;
                        rt.sleep_until(rt.now() + after).await;
                    }
                }
                _ => return Err(error),
            }
        }
    }

    /// One attempt. `Ok` holds the final result; `Err` a failure that may be retried, with
    /// whether the request may have been sent, and the request for the retry. Only a twoway
    /// request is copied for that: a oneway or batch one the connection did not take comes
    /// back from it.
    async fn attempt(&self, request: Box<Request>) -> Result<Result<Encapsulation>, Failed> {
        let connection = match self.connection().await {
            Ok(c) => c,
            Err(error) => return Err(Failed { error, sent: false, request }),
        };
        if let Some(router) = &self.router {
            if let Err(error) = router.add_proxy(self).await {
                return Err(Failed { error, sent: false, request });
            }
        }
        let compress = self.compress_requests(&connection);
        if self.data.mode.is_batch() {
            return match connection.queue_batch(request, compress).await {
                Ok(()) => Ok(Ok(Encapsulation::empty(self.data.encoding))),
                Err((error, request)) => Err(Failed { error, sent: false, request }),
            };
        }
        let twoway = self.data.mode.is_twoway();
        if !twoway && !connection.is_datagram() {
            return match connection.send_oneway(request, compress).await {
                Ok(()) => Ok(Ok(Encapsulation::empty(self.data.encoding))),
                Err((error, request)) => Err(self.connection_failed(&connection, error, request)),
            };
        }
        // Unboxed: the box goes with the request to the connection, and a copy is boxed only
        // in the rare case of a retry.
        let kept = Request::clone(&request);
        match connection.send_request(request, twoway, compress).await {
            // Error replies go through the retry table too: it retries an idempotent operation
            // answered UnknownLocalException, and re-adds a proxy a router had evicted.
            Outcome::Reply(status) => reply_result(status).map(Ok).map_err(|error| Failed {
                error,
                sent: true,
                request: Box::new(kept),
            }),
            Outcome::Sent => Ok(Ok(Encapsulation::empty(self.data.encoding))),
            Outcome::Failed { error, sent: false } => {
                Err(self.connection_failed(&connection, error, Box::new(kept)))
            }
            Outcome::Failed { error, sent: true } => {
                self.forget_connection(&connection);
                Err(Failed { error, sent: true, request: Box::new(kept) })
            }
        }
    }

    /// A request `connection` did not send: the connection is not chosen again, and a fixed
    /// proxy says its connection is gone.
    fn connection_failed(
        &self,
        connection: &Connection,
        error: Error,
        request: Box<Request>,
    ) -> Failed {
        self.forget_connection(connection);
        let error = match &self.fixed {
            Some(_) => Error::FixedConnectionClosed(Box::new(error)),
            None => error,
        };
        Failed { error, sent: false, request }
    }

    /// Sends the requests queued by batch oneway invocations on this proxy's connection, and
    /// waits until they are written.
    pub async fn ice_flush_batch_requests(&self) -> Result<()> {
        let connection = self.connection().await?;
        connection.flush_batch_requests().await
    }
}

fn reply_result(status: ReplyStatus) -> Result<Encapsulation> {
    let failed = |f: RequestFailed| (f.identity, f.facet, f.operation);
    match status {
        ReplyStatus::Ok(e) => Ok(e),
        ReplyStatus::UserException(e) => Err(Error::UserException(e)),
        ReplyStatus::ObjectNotExist(f) => {
            let (identity, facet, operation) = failed(f);
            Err(Error::ObjectNotExist { identity, facet, operation })
        }
        ReplyStatus::FacetNotExist(f) => {
            let (identity, facet, operation) = failed(f);
            Err(Error::FacetNotExist { identity, facet, operation })
        }
        ReplyStatus::OperationNotExist(f) => {
            let (identity, facet, operation) = failed(f);
            Err(Error::OperationNotExist { identity, facet, operation })
        }
        ReplyStatus::UnknownLocalException(s) => Err(Error::UnknownLocal(s)),
        ReplyStatus::UnknownUserException(s) => Err(Error::UnknownUser(s)),
        ReplyStatus::UnknownException(s) => Err(Error::Unknown(s)),
        ReplyStatus::Other { status, message } => Err(Error::Dispatch { status, message }),
    }
}
