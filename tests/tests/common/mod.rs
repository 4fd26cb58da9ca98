//! Shared by the driver test files: the `DriverTest::Hello` servant
//! (`tests/interop/driver/DriverTest.ice`), its user exception, and runners for both runtimes.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use ice_driver::{
    BoxFuture, Current, DispatchError, DispatchResult, Encapsulation, Identity, OperationMode,
    Runtime, Servant,
};
use ice_proto::value::{ExceptionRegistry, SliceType, UserException, ValueReader, ValueWriter};
use ice_proto::DecodeError;
use ice_tests::peers::{require_peer, IceVersion, PeerOutput, Python, PythonPeer};
use tokio::sync::Semaphore;

pub const HELLO_ID: &str = "::DriverTest::Hello";
pub const BOOM_ID: &str = "::DriverTest::Boom";

/// The `DriverTest::Hello` servant.
pub struct HelloI {
    pub count: AtomicI32,
    /// How many drop() dispatches have run.
    pub drops: AtomicI32,
    /// How many block() dispatches have started.
    pub blocked: AtomicI32,
    /// How many block() dispatches have finished.
    pub unblocked: AtomicI32,
    gate: Semaphore,
}

impl HelloI {
    /// Lets `n` blocked (or future) `block()` dispatches finish.
    pub fn release(&self, n: usize) {
        self.gate.add_permits(n);
    }

    pub fn new() -> Arc<HelloI> {
        Arc::new(HelloI {
            count: AtomicI32::new(0),
            drops: AtomicI32::new(0),
            blocked: AtomicI32::new(0),
            unblocked: AtomicI32::new(0),
            gate: Semaphore::new(0),
        })
    }
}

impl Servant for HelloI {
    fn ice_id(&self) -> &str {
        HELLO_ID
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            match current.operation.as_str() {
                "sayHello" => {
                    let name: String = params.decode()?;
                    let greeting = match current.context.get("lang").map(String::as_str) {
                        Some("fr") => "Bonjour",
                        _ => "Hello",
                    };
                    match current.facet.as_str() {
                        "" => current.ok(&format!("{greeting}, {name}!")),
                        facet => current.ok(&format!("{greeting}, {name}! [{facet}]")),
                    }
                }
                "fail" => {
                    let (code, reason): (i32, String) = params.decode()?;
                    Err(DispatchError::user(&Boom { code, reason }, current))
                }
                "tick" => {
                    params.expect_empty()?;
                    self.count.fetch_add(1, Ordering::SeqCst);
                    current.void()
                }
                "getCount" => {
                    params.expect_empty()?;
                    current.ok(&self.count.load(Ordering::SeqCst))
                }
                "echo" => {
                    let data: Bytes = params.decode()?;
                    current.ok(&data)
                }
                "big" => {
                    let size: i32 = params.decode()?;
                    self.count.fetch_add(1, Ordering::SeqCst);
                    let data = Bytes::from(vec![0x5a; usize::try_from(size).unwrap_or(0)]);
                    current.ok(&data)
                }
                "crash" => panic!("crash() called"),
                "block" => {
                    params.expect_empty()?;
                    self.blocked.fetch_add(1, Ordering::SeqCst);
                    let permit = self.gate.acquire().await;
                    if let Ok(p) = permit {
                        p.forget();
                    }
                    self.unblocked.fetch_add(1, Ordering::SeqCst);
                    current.void()
                }
                "unblock" => {
                    params.expect_empty()?;
                    self.gate.add_permits(1);
                    current.void()
                }
                "callback" => {
                    let identity: String = params.decode()?;
                    let receiver = current
                        .connection
                        .create_proxy(Identity::new(identity))
                        .map_err(|e| DispatchError::UnknownLocal(e.to_string()))?;
                    let answer: String = receiver
                        .invoke_typed("notify", OperationMode::Normal, "ping")
                        .await
                        .map_err(|e| DispatchError::UnknownLocal(e.to_string()))?;
                    current.ok(&answer)
                }
                "drop" => {
                    params.expect_empty()?;
                    self.drops.fetch_add(1, Ordering::SeqCst);
                    current.connection.close(ice_driver::CloseMode::Forcefully);
                    current.void()
                }
                "localFailure" => {
                    params.expect_empty()?;
                    self.drops.fetch_add(1, Ordering::SeqCst);
                    Err(DispatchError::UnknownLocal("induced failure".into()))
                }
                "getContext" => {
                    params.expect_empty()?;
                    current.ok(&current.context)
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

/// A `DriverTest::Receiver` answering `notify(msg)` with `"<prefix>:<msg>"`, and recording
/// the connection each call came in on.
pub struct ReceiverI {
    pub prefix: String,
    pub connections: std::sync::Mutex<Vec<ice_driver::Connection>>,
}

impl Servant for ReceiverI {
    fn ice_id(&self) -> &str {
        "::DriverTest::Receiver"
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            match current.operation.as_str() {
                "notify" => {
                    let msg: String = params.decode()?;
                    if let Ok(mut c) = self.connections.lock() {
                        c.push(current.connection.clone());
                    }
                    current.ok(&format!("{}:{msg}", self.prefix))
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

/// `exception DriverTest::Boom { int code; string reason; }`
#[derive(Debug, Default, PartialEq)]
pub struct Boom {
    pub code: i32,
    pub reason: String,
}

impl UserException for Boom {
    fn slices(&self) -> &'static [SliceType] {
        const SLICES: &[SliceType] = &[SliceType::new(BOOM_ID)];
        SLICES
    }

    fn write_members(&self, _slice: usize, w: &mut ValueWriter<'_>) {
        w.write_i32(self.code);
        w.write_string(&self.reason);
    }

    fn read_members(&mut self, _slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        self.code = r.read_i32()?;
        self.reason = r.read_string()?;
        Ok(())
    }
}

/// The `Boom` an invocation failed with; panics on any other error.
pub fn expect_boom(error: &ice_driver::Error) -> (i32, String) {
    let decoded = error
        .decode_user_exception(&ExceptionRegistry::new().with::<Boom>())
        .unwrap_or_else(|| panic!("expected a user exception, got {error:?}"))
        .expect("decodable Boom");
    assert_eq!(decoded.type_id(), BOOM_ID);
    let boom = decoded.downcast_ref::<Boom>().expect("a Boom");
    (boom.code, boom.reason.clone())
}

/// Runs a scenario on a fresh multi-threaded tokio runtime.
pub fn on_tokio<F, Fut>(scenario: F)
where
    F: FnOnce(Arc<dyn Runtime>) -> Fut,
    Fut: Future<Output = ()>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let _guard = rt.enter();
    let runtime = ice_driver_tokio::TokioRuntime::shared();
    rt.block_on(within(runtime.clone(), scenario(runtime)));
}

/// Runs a scenario on async-std.
pub fn on_async_std<F, Fut>(scenario: F)
where
    F: FnOnce(Arc<dyn Runtime>) -> Fut,
    Fut: Future<Output = ()>,
{
    let runtime = ice_driver_async_std::AsyncStdRuntime::shared();
    async_std::task::block_on(within(runtime.clone(), scenario(runtime)));
}

/// Runs a scenario on tokio (multi-threaded), its connections and callers busy-polling
/// (`ice_driver::runtime::BusyPoll`).
#[allow(dead_code)]
pub fn on_tokio_busy_polling<F, Fut>(scenario: F)
where
    F: FnOnce(Arc<dyn Runtime>) -> Fut,
    Fut: Future<Output = ()>,
{
    on_tokio(|rt| scenario(ice_driver::runtime::BusyPoll::wrap(rt, BUSY_POLL)))
}

/// Runs a scenario on async-std, its connections and callers busy-polling.
#[allow(dead_code)]
pub fn on_async_std_busy_polling<F, Fut>(scenario: F)
where
    F: FnOnce(Arc<dyn Runtime>) -> Fut,
    Fut: Future<Output = ()>,
{
    on_async_std(|rt| scenario(ice_driver::runtime::BusyPoll::wrap(rt, BUSY_POLL)))
}

/// The busy-polling window of `on_*_busy_polling`.
#[allow(dead_code)]
const BUSY_POLL: Duration = Duration::from_micros(200);

/// Fails the test if `future` has not completed after a generous 120 s (a hang, not a timing).
async fn within(runtime: Arc<dyn Runtime>, future: impl Future<Output = ()>) {
    let mut future = std::pin::pin!(future);
    let mut deadline = runtime.sleep_until(runtime.now() + Duration::from_secs(120));
    std::future::poll_fn(|cx| {
        if future.as_mut().poll(cx).is_ready() {
            return Poll::Ready(());
        }
        if deadline.as_mut().poll(cx).is_ready() {
            panic!("scenario hung for 120 s");
        }
        Poll::Pending
    })
    .await
}

/// Runs `future` as a task of the scenario's runtime; the receiver yields its output.
pub fn spawn<T: Send + 'static>(
    rt: &Arc<dyn Runtime>,
    future: impl std::future::Future<Output = T> + Send + 'static,
) -> tokio::sync::oneshot::Receiver<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    rt.spawn(Box::pin(async move {
        let _ = tx.send(future.await);
    }));
    rx
}

/// Sleeps on the runtime's clock.
pub async fn sleep(runtime: &Arc<dyn Runtime>, d: Duration) {
    runtime.sleep_until(runtime.now() + d).await
}

/// Polls `get` until it returns `expected` (oneway and datagram dispatches run concurrently,
/// so a count read by a later twoway call catches up a little after). Panics after ~10 s or
/// if the value overshoots.
pub async fn wait_until<F, Fut, T>(rt: &Arc<dyn Runtime>, what: &str, get: F, expected: T)
where
    F: Fn() -> Fut,
    Fut: Future<Output = T>,
    T: PartialOrd + std::fmt::Debug + Copy,
{
    let mut last = get().await;
    for _ in 0..1000 {
        if last == expected {
            return;
        }
        assert!(last < expected, "{what} {last:?} overshot {expected:?}");
        sleep(rt, Duration::from_millis(10)).await;
        last = get().await;
    }
    panic!("{what} stuck at {last:?}, expected {expected:?}");
}

/// Polls `get` until it returns `expected`, from above or below (a count going down as things
/// are released). Panics after ~10 s.
#[allow(dead_code)]
pub async fn wait_for<F, Fut, T>(rt: &Arc<dyn Runtime>, what: &str, get: F, expected: T)
where
    F: Fn() -> Fut,
    Fut: Future<Output = T>,
    T: PartialEq + std::fmt::Debug + Copy,
{
    let mut last = get().await;
    for _ in 0..1000 {
        if last == expected {
            return;
        }
        sleep(rt, Duration::from_millis(10)).await;
        last = get().await;
    }
    panic!("{what} stuck at {last:?}, expected {expected:?}");
}

/// Polls `getCount` of a `DriverTest::Hello` until it reaches `expected`; see [`wait_until`].
pub async fn wait_for_count(runtime: &Arc<dyn Runtime>, hello: &ice_driver::Proxy, expected: i32) {
    let get_count = || async {
        hello
            .invoke_typed::<_, i32>("getCount", OperationMode::Idempotent, &())
            .await
            .expect("getCount")
    };
    wait_until(runtime, "count", get_count, expected).await;
}

/// A context from pairs.
pub fn context(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

// ----- ZeroC peers (tests/interop/, run through ice_tests::peers) -----

/// ZeroC Ice `version`'s Python, or `None` when the missing-peer policy of
/// [`ice_tests::peers::require_peer`] allows skipping.
pub fn python_for(version: IceVersion) -> Option<Python> {
    require_peer(version)
}

/// Starts the server `script` (path relative to `tests/interop/`) and waits for its port.
pub fn start_peer(python: &Python, script: &str, args: &[&str]) -> PythonPeer {
    python.spawn(script, args).unwrap_or_else(|e| panic!("cannot start {script}: {e}"))
}

/// Runs the client `script` to completion on a thread of its own, so that the runtime
/// serving it is not blocked; returns its exit status and stdout lines.
pub async fn run_peer(python: &Python, script: &str, args: &[&str]) -> PeerOutput {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (python, script) = (python.clone(), script.to_owned());
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    std::thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let _ = tx.send(python.run(&script, &args, Duration::from_secs(120)));
    });
    rx.await.expect("client thread").unwrap_or_else(|e| panic!("running the client: {e}"))
}

/// Properties from pairs.
pub fn properties(pairs: &[(&str, &str)]) -> ice_driver::Properties {
    let mut p = ice_driver::Properties::new();
    for (k, v) in pairs {
        p.set(k, v).expect("property");
    }
    p
}

/// Runs a scenario in virtual time, on the in-memory network of [`ice_tests::memnet`]: its
/// sleeps end only once every other task waits, so "nothing more happens within N ms" is exact.
#[allow(dead_code)]
pub fn on_virtual_time<F, Fut>(scenario: F)
where
    F: FnOnce(Arc<dyn Runtime>) -> Fut,
    Fut: Future<Output = ()>,
{
    ice_tests::memnet::run(|net| async move {
        let runtime = net.runtime();
        within(runtime.clone(), scenario(runtime)).await
    });
}

/// Defines `virtual_time::<name>` tests running each scenario function in virtual time.
#[allow(unused_macros)]
macro_rules! in_virtual_time {
    ($($name:ident),* $(,)?) => {
        mod virtual_time {
            $(#[test] fn $name() { super::on_virtual_time(super::$name); })*
        }
    };
}

/// Defines `tokio_runtime::<name>` and `async_std_runtime::<name>` tests running each scenario
/// function `<name>(runtime)` on both runtimes.
#[allow(unused_macros)]
macro_rules! on_both_runtimes {
    ($($name:ident),* $(,)?) => {
        mod tokio_runtime {
            $(#[test] fn $name() { super::on_tokio(super::$name); })*
        }
        mod async_std_runtime {
            $(#[test] fn $name() { super::on_async_std(super::$name); })*
        }
    };
}

/// Defines `tokio_busy_polling::<name>` and `async_std_busy_polling::<name>` tests running
/// each scenario function on both runtimes with busy-polling connections.
#[allow(unused_macros)]
macro_rules! on_both_runtimes_busy_polling {
    ($($name:ident),* $(,)?) => {
        mod tokio_busy_polling {
            $(#[test] fn $name() { super::on_tokio_busy_polling(super::$name); })*
        }
        mod async_std_busy_polling {
            $(#[test] fn $name() { super::on_async_std_busy_polling(super::$name); })*
        }
    };
}
