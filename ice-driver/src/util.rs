//! Small future combinators and helpers.

use std::any::Any;
use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use futures_util::FutureExt as _;

use crate::runtime::BoxFuture;

/// Runs `future`, turning a panic into `Err` with the panic message. (Pinned in place, not
/// boxed, and not an `async fn`, which would hold `future` twice: this wraps every dispatch.)
pub(crate) fn catch_unwind<F: Future>(
    future: F,
) -> impl Future<Output = Result<F::Output, String>> {
    AssertUnwindSafe(future)
        .catch_unwind()
        .map(|result| result.map_err(|payload| panic_message(payload.as_ref())))
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "servant panicked".to_owned()
    }
}

/// Runs `future` until `deadline` completes first; `None` on timeout.
///
/// A future of its own rather than an `async fn`: that would keep both its argument and the
/// pinned copy of it in its state, twice the size of `future`, and every invocation's future
/// is moved (copied) several times on its way to being polled.
pub(crate) fn with_deadline<F: Future>(
    future: F,
    deadline: Option<BoxFuture<'static, ()>>,
) -> WithDeadline<F> {
    WithDeadline { future, deadline }
}

pin_project_lite::pin_project! {
    /// See [`with_deadline`].
    pub(crate) struct WithDeadline<F> {
        #[pin]
        future: F,
        deadline: Option<BoxFuture<'static, ()>>,
    }
}

impl<F: Future> Future for WithDeadline<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(v) = this.future.poll(cx) {
            return Poll::Ready(Some(v));
        }
        match this.deadline {
            Some(deadline) => deadline.as_mut().poll(cx).map(|()| None),
            None => Poll::Pending,
        }
    }
}

/// A cheap pseudo-random number (endpoint shuffling needs no cryptographic quality).
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

/// Shuffles `items` in place (Fisher–Yates).
pub(crate) fn shuffle<T>(items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = (random_u64() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

/// A random (version 4 style) UUID string, as Ice uses for `addWithUUID`.
pub(crate) fn uuid() -> String {
    let (a, b) = (random_u64(), random_u64());
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    let a = (a & 0xffff_ffff_ffff_0fff) | 0x4000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}
