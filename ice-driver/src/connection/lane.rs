//! The dispatches of one connection, run by one task that starts them in arrival order: a
//! servant that does not await sees a connection's requests in the order they came (what
//! "oneway set, then twoway get" relies on), while one that awaits lets later requests run
//! meanwhile, as an AMD servant does in ZeroC. With `serialize` (`ThreadPool.Serialize`) a
//! dispatch starts only once the previous one has completed.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::mpsc;

use crate::runtime::{BoxFuture, Runtime};

/// Where a connection sends its dispatches.
pub(crate) type LaneSender = mpsc::UnboundedSender<BoxFuture<'static, ()>>;

/// Starts the task of a new lane and returns its sender; the task ends once the sender is
/// dropped and every dispatch completed.
pub(crate) fn start_lane(runtime: &Arc<dyn Runtime>, serialize: bool) -> LaneSender {
    let (tx, rx) = mpsc::unbounded_channel();
    runtime.spawn(Box::pin(Lane { rx, running: VecDeque::new(), serialize, closed: false }));
    tx
}

struct Lane {
    rx: mpsc::UnboundedReceiver<BoxFuture<'static, ()>>,
    running: VecDeque<BoxFuture<'static, ()>>,
    serialize: bool,
    closed: bool,
}

impl Future for Lane {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            let mut progress = false;
            while !this.closed {
                match this.rx.poll_recv(cx) {
                    Poll::Ready(Some(mut dispatch)) => {
                        progress = true;
                        // Started now, in arrival order, unless it must wait for the others.
                        let start = !this.serialize || this.running.is_empty();
                        if !(start && dispatch.as_mut().poll(cx).is_ready()) {
                            this.running.push_back(dispatch);
                        }
                    }
                    Poll::Ready(None) => this.closed = true,
                    Poll::Pending => break,
                }
            }
            if this.serialize {
                // Only the oldest runs; the next starts when it completes.
                while let Some(first) = this.running.front_mut() {
                    if first.as_mut().poll(cx).is_pending() {
                        break;
                    }
                    drop(this.running.pop_front());
                    progress = true;
                }
            } else {
                let before = this.running.len();
                this.running.retain_mut(|d| d.as_mut().poll(cx).is_pending());
                progress |= this.running.len() != before;
            }
            if this.closed && this.running.is_empty() {
                return Poll::Ready(());
            }
            if !progress {
                return Poll::Pending;
            }
        }
    }
}
