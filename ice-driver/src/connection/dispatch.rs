//! Dispatching one incoming request: find the servant, run it as its own task (so a slow
//! servant never blocks other requests), turn a panic into UnknownException, and send the
//! reply back to the connection task.

use crate::trace::traced;
use std::sync::Arc;

use ice_proto::connection::IncomingRequest;
use ice_proto::frame::ReplyStatus;

use super::lane;
use super::{Command, Connection};
use crate::runtime::{BoxFuture, Runtime};
use crate::servant::{dispatch_builtin, Current, DispatchError};
use crate::util::CatchUnwind;

pub(super) fn spawn_dispatch(
    runtime: &Arc<dyn Runtime>,
    connection: &Connection,
    incoming: IncomingRequest,
) {
    let IncomingRequest { dispatch, request, .. } = incoming;
    let adapter = connection.adapter();
    let current = Current {
        adapter: adapter.clone(),
        connection: connection.clone(),
        identity: request.identity,
        facet: request.facet,
        operation: request.operation,
        mode: request.mode,
        context: request.context,
        request_id: request.request_id,
        encoding: request.params.encoding,
    };
    let params = request.params;
    let commands = connection.shared.commands.clone();
    traced!(
        connection.shared.trace.protocol,
        trace,
        identity = %current.identity,
        facet = %current.facet,
        operation = %current.operation,
        "dispatching request"
    );
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
    let run = Box::pin(async move {
        let _guard = adapter.as_ref().map(|a| a.dispatch_guard());
        // Everything the servant's code runs, its synchronous part included, is inside
        // CatchUnwind: a panic fails this dispatch only, with a reply.
        let result = CatchUnwind::new(async {
            let servant = match &adapter {
                Some(a) if !dropped => a.find_for_dispatch(&current.identity, &current.facet)?,
                _ => return Err(DispatchError::ObjectNotExist),
            };
            match dispatch_builtin(servant.as_ref(), &current, &params) {
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
        let _ = commands.send(Command::Reply { dispatch, status: Box::new(status) });
    });
    connection.run_dispatch(runtime, lane::Job { gate, run });
}
