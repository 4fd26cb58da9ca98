//! Dispatching one incoming request: find the servant, run it, turn a panic into
//! UnknownException, and hand the reply to the connection. A dispatch runs in the connection's
//! own task, as ZeroC's thread pool dispatches in the thread that read the request: one whose
//! first step completes it (a servant that does not await, `ice_ping`) is answered at once; one
//! that awaits is parked in the task, which polls it again when it is woken, so that a servant
//! awaiting a nested call (a callback, a router's forward) is resumed and answered by the
//! task that read what it waited for, with no hand-off to another task and back. A parked
//! dispatch never blocks other requests: the task goes on reading while it waits.

use std::sync::Arc;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use ice_proto::connection::{DispatchId, IncomingRequest};
use ice_proto::frame::ReplyStatus;

use super::lane;
use super::Connection;
use crate::adapter::ObjectAdapter;
use crate::runtime::{BoxFuture, Runtime};
use crate::servant::{dispatch_builtin, Current, DispatchError};
use crate::util::catch_unwind;

/// A dispatch that runs on, and answers when it completes.
pub(super) type Running = BoxFuture<'static, (DispatchId, ReplyStatus)>;

/// A dispatch ready to run, and what it waits for first (a held adapter).
pub(super) struct Prepared {
    gate: Option<BoxFuture<'static, ()>>,
    run: Running,
}

/// How [`start`] left a dispatch.
pub(super) enum Started {
    /// Done at once: the reply to send.
    Answered(DispatchId, ReplyStatus),
    /// Waiting: for the connection's task to poll again when woken, and answer once done.
    Parked(Running),
    /// Behind others in the lane (held adapter, serialized dispatch): the lane answers it.
    Queued,
}

/// Starts `incoming`: in the calling connection task (`cx` is its context) when nothing it
/// could overtake is waiting, else through the lane.
pub(super) fn start(
    runtime: &Arc<dyn Runtime>,
    connection: &Connection,
    adapter: Option<ObjectAdapter>,
    incoming: IncomingRequest,
    cx: &mut Context<'_>,
) -> Started {
    let Prepared { gate, mut run } = prepare(connection, adapter, incoming);
    if gate.is_none() && connection.lane_idle() {
        return match run.as_mut().poll(cx) {
            Poll::Ready((dispatch, status)) => Started::Answered(dispatch, status),
            Poll::Pending => Started::Parked(run),
        };
    }
    let commands = connection.clone();
    connection.run_dispatch(runtime, lane::Job { gate, run: answer_when_done(run, commands) });
    Started::Queued
}

fn answer_when_done(run: Running, connection: Connection) -> BoxFuture<'static, ()> {
    Box::pin(AnswerWhenDone { run, connection })
}

/// Sends the dispatch's reply to the connection task once the dispatch completes.
struct AnswerWhenDone {
    run: Running,
    connection: Connection,
}

impl Future for AnswerWhenDone {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let (dispatch, status) = std::task::ready!(self.run.as_mut().poll(cx));
        self.connection.reply(dispatch, status);
        Poll::Ready(())
    }
}

fn prepare(
    connection: &Connection,
    adapter: Option<ObjectAdapter>,
    incoming: IncomingRequest,
) -> Prepared {
    let IncomingRequest { dispatch, request, .. } = incoming;
    let (incoming, datagram) = (connection.is_incoming(), connection.is_datagram());
    // Only the adapter's own connections are held; bidirectional ones are not. A held
    // datagram is dropped (its answer, like any oneway answer, is never sent).
    let dropped = incoming && datagram && adapter.as_ref().is_some_and(|a| a.is_holding());
    let gate = match (&adapter, incoming && !dropped) {
        (Some(a), true) if a.is_holding() => {
            let a = a.clone();
            Some(Box::pin(async move {
                a.until_active().await;
            }) as BoxFuture<'static, ()>)
        }
        _ => None,
    };
    let current = Current {
        // The dispatch reads the adapter from here: no second handle to keep.
        adapter,
        connection: connection.clone(),
        identity: request.identity,
        facet: request.facet,
        operation: request.operation,
        mode: request.mode,
        context: request.context,
        request_id: request.request_id,
        encoding: request.params.encoding,
        format: ice_proto::value::SlicedFormat::Compact,
    };
    let params = request.params;
    tracing::trace!(identity = %current.identity,
        facet = %current.facet,
        operation = %current.operation,
        "dispatching request"
    );
    let run = Box::pin(async move {
        let _guard = current.adapter.as_ref().map(|a| a.dispatch_guard());
        // Everything the servant's code runs, its synchronous part included, is inside
        // catch_unwind: a panic fails this dispatch only, with a reply.
        let result = catch_unwind(async {
            let servant = match &current.adapter {
                Some(a) if !dropped => a.find_for_dispatch(&current.identity, &current.facet)?,
                _ => return Err(DispatchError::ObjectNotExist),
            };
            let builtin = if servant.dispatches_builtins() {
                None
            } else {
                dispatch_builtin(servant.as_ref(), &current, &params)
            };
            match builtin {
                Some(r) => r,
                None => servant.dispatch(&current, params.clone()).await,
            }
        })
        .await
        .unwrap_or_else(|panic| {
            tracing::warn!(operation = %current.operation, %panic, "servant panicked");
            Err(DispatchError::Unknown(format!("servant panicked: {panic}")))
        });
        let status = match result {
            Ok(e) => ReplyStatus::Ok(e),
            Err(e) => e.into_reply(&current),
        };
        (dispatch, status)
    });
    Prepared { gate, run }
}
