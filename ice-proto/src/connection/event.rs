use bytes::Bytes;
use smallvec::SmallVec;

use super::ConnectionError;
use crate::frame::{ReplyStatus, Request};

/// Names one invocation made on a connection, from [`super::Connection::invoke`] until its
/// [`Event::Reply`], [`Event::Sent`] (oneway) or [`Event::InvocationFailed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InvocationId(pub(super) u64);

/// Names one request being dispatched, to be answered with [`super::Connection::reply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DispatchId(pub(super) u64);

/// Something the driver must act on, from [`super::Connection::poll_event`].
#[derive(Debug)]
pub enum Event {
    /// The client received the server's ValidateConnection: the connection is usable.
    Connected,
    /// A request to dispatch to a servant. Every request must be answered with
    /// [`super::Connection::reply`], oneway ones too (their reply is discarded), so that a
    /// graceful close knows when dispatches are over.
    Request(IncomingRequest),
    /// The reply to a twoway invocation.
    Reply {
        /// The invocation.
        invocation: InvocationId,
        /// The reply.
        status: ReplyStatus,
        /// Whether the reply was bzip2-compressed on the wire.
        compressed: bool,
    },
    /// The request of an invocation was completely written. A oneway invocation is then done;
    /// a twoway one now waits for its reply and, for at-most-once, may have been dispatched.
    Sent {
        /// The invocation.
        invocation: InvocationId,
    },
    /// An invocation failed because the connection closed.
    InvocationFailed {
        /// The invocation.
        invocation: InvocationId,
        /// Why the connection closed.
        error: ConnectionError,
        /// Whether the request had been completely written (see [`crate::retry`]).
        sent: bool,
    },
    /// The connection is closed: the driver must close the transport. This is the last event.
    Closed {
        /// Why.
        error: ConnectionError,
    },
}

/// A request received from the peer.
#[derive(Debug)]
pub struct IncomingRequest {
    /// Pass this to [`super::Connection::reply`].
    pub dispatch: DispatchId,
    /// The request (request id 0 for oneway and batched requests).
    pub request: Request,
    /// Whether the caller expects a reply.
    pub twoway: bool,
    /// Whether the request came compressed or compression-capable, in which case the reply
    /// may be compressed too.
    pub compress_reply: bool,
}

/// Bytes to write to the transport, from [`super::Connection::poll_transmit`]. Write all
/// chunks in order (vectored), then call [`super::Connection::handle_written`]. Over UDP each
/// transmit is exactly one datagram.
#[derive(Debug, Default)]
pub struct Transmit {
    /// The bytes, in a few chunks so that large payloads are never copied.
    pub chunks: SmallVec<[Bytes; 4]>,
}

impl Transmit {
    /// Total length of the chunks.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(Bytes::len).sum()
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.chunks.iter().all(Bytes::is_empty)
    }

    /// The chunks joined into one buffer (for datagrams and tests).
    pub fn to_bytes(&self) -> Bytes {
        if self.chunks.len() == 1 {
            return self.chunks[0].clone();
        }
        let mut v = Vec::with_capacity(self.len());
        for c in &self.chunks {
            v.extend_from_slice(c);
        }
        v.into()
    }
}
