//! The communicator's admin object (`Ice.Admin.*`), as ZeroC's runtime creates it: with
//! `Ice.Admin.Endpoints` set, the adapter `Ice.Admin` serves `<Ice.Admin.InstanceName or a
//! UUID>/admin` with the facets `Process` (`shutdown`, `writeMessage`) and `Properties`
//! (`getProperty`, `getPropertiesForPrefix`, `setProperties`), limited to those listed in
//! `Ice.Admin.Facets` when that is set. With `Ice.Admin.ServerId` (an IceGrid node sets it
//! for the servers it starts) the `Process` facet is registered with the locator registry:
//! the node calls the server active only once it is there, and stops the server through it.
//!
//! With `Ice.Admin.DelayCreation=1` the admin object is created at the first
//! [`Communicator::admin`] or [`Communicator::add_admin_facet`] (ZeroC's `getAdmin`);
//! `Ice.Admin.Enabled=0` leaves it out.
//! [`ProcessFacet`], [`PropertiesFacet`] and [`register_process`] are public for programs
//! that serve an admin object of their own, as `glacier` does.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};

use ice_proto::{Encapsulation, Identity, Properties};

use crate::communicator::Instance;
use crate::{
    BoxFuture, Communicator, Current, DispatchError, DispatchResult, ObjectAdapter, Result, Servant,
};

/// Where a communicator's admin object stands.
pub(crate) enum AdminSlot {
    /// Not created yet (`Ice.Admin.DelayCreation`, or the communicator is being built).
    Pending,
    /// Created and served.
    Ready(Admin),
    /// Not configured, failed, or the communicator was destroyed.
    Absent,
}

/// The admin adapter and the identity of the admin object in it.
pub(crate) struct Admin {
    pub(crate) adapter: ObjectAdapter,
    pub(crate) identity: Identity,
}

/// Creates, activates and (with `Ice.Admin.ServerId`) registers the admin object, if the
/// properties ask for one. Registration runs in the background: its failure is logged.
pub(crate) fn start_if_configured(communicator: &Communicator) -> Result<Option<Admin>> {
    let props = communicator.properties();
    let endpoints = props.get("Ice.Admin.Endpoints").unwrap_or("").trim();
    let enabled = props.get_int_or("Ice.Admin.Enabled", i32::from(!endpoints.is_empty())) > 0;
    if endpoints.is_empty() || !enabled {
        return Ok(None);
    }
    let adapter = communicator.create_object_adapter("Ice.Admin")?;
    let category = match props.get("Ice.Admin.InstanceName").map(str::trim) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => crate::util::uuid(),
    };
    let identity = Identity::with_category(category, "admin");
    let served = |facet: &str| facet_enabled(props, facet);
    let process = served("Process");
    if process {
        let facet = ProcessFacet::shutting_down(Arc::downgrade(&communicator.instance));
        adapter.add_facet(identity.clone(), "Process", facet)?;
    }
    if served("Properties") {
        let facet = PropertiesFacet::new(props.clone(), None);
        adapter.add_facet(identity.clone(), "Properties", facet)?;
    }
    adapter.activate()?;
    let server_id = props.get("Ice.Admin.ServerId").unwrap_or("").trim().to_owned();
    if process && !server_id.is_empty() {
        let (registering, admin) = (adapter.clone(), identity.clone());
        communicator.runtime().spawn(Box::pin(async move {
            match register_process(&registering, &admin, &server_id).await {
                Ok(()) => tracing::debug!(server_id, "registered with the locator registry"),
                Err(e) => tracing::warn!(
                    server_id,
                    error = %e,
                    "cannot register the server's Process facet with the locator registry"
                ),
            }
        }));
    }
    Ok(Some(Admin { adapter, identity }))
}

/// Registers the `Process` facet of the admin object `identity` in `adapter` as the process
/// of server `server_id` with the adapter's locator registry (what `Ice.Admin.ServerId` asks
/// for; see [`ObjectAdapter::set_server_process_proxy`]).
pub async fn register_process(
    adapter: &ObjectAdapter,
    identity: &Identity,
    server_id: &str,
) -> Result<()> {
    let process = adapter.create_proxy(identity.clone())?.ice_facet("Process");
    adapter.set_server_process_proxy(server_id, &process).await
}

/// Whether the admin object serves `facet`: `Ice.Admin.Facets` lists the facets served
/// (separated by commas or spaces), all of them when it is unset, as in ZeroC's runtime.
/// An admin endpoint limited to `Properties` must not let anyone shut the server down.
pub fn facet_enabled(properties: &Properties, facet: &str) -> bool {
    let listed = properties.get("Ice.Admin.Facets").unwrap_or_default();
    let mut listed =
        listed.split(|c: char| c == ',' || c.is_whitespace()).filter(|f| !f.is_empty()).peekable();
    listed.peek().is_none() || listed.any(|f| f == facet)
}

/// What [`ProcessFacet`] does on `shutdown`, given the request's current (before the reply
/// goes out).
pub type OnShutdown = Box<dyn Fn(&Current) + Send + Sync>;

/// What [`PropertiesFacet`] does for each property `setProperties` sets (`key`, `value`;
/// an empty value removes it), as ZeroC's properties-admin update callbacks.
pub type OnUpdate = Box<dyn Fn(&str, &str) + Send + Sync>;

/// The admin `Process` facet (`Ice::Process`): `shutdown` runs the given action (the
/// communicator's own shuts it down, so a server's main task waiting in
/// [`Communicator::wait_for_shutdown`] ends), `writeMessage` prints to stdout or stderr.
pub struct ProcessFacet {
    on_shutdown: OnShutdown,
}

impl ProcessFacet {
    /// A `Process` facet whose `shutdown` runs `on_shutdown`.
    pub fn new(on_shutdown: OnShutdown) -> Arc<ProcessFacet> {
        Arc::new(ProcessFacet { on_shutdown })
    }

    fn shutting_down(instance: Weak<Instance>) -> Arc<ProcessFacet> {
        ProcessFacet::new(Box::new(move |_| {
            if let Some(instance) = instance.upgrade() {
                Communicator::from_instance(instance).shutdown();
            }
        }))
    }
}

impl Servant for ProcessFacet {
    fn ice_id(&self) -> &str {
        "::Ice::Process"
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            match current.operation.as_str() {
                "shutdown" => {
                    params.expect_empty()?;
                    (self.on_shutdown)(current);
                    current.void()
                }
                "writeMessage" => {
                    let (message, fd): (String, i32) = params.decode()?;
                    // Not `println!`: a closed stdout must not panic the dispatch.
                    use std::io::Write as _;
                    let _ = if fd == 2 {
                        writeln!(std::io::stderr().lock(), "{message}")
                    } else {
                        writeln!(std::io::stdout().lock(), "{message}")
                    };
                    current.void()
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

/// The admin `Properties` facet (`Ice::PropertiesAdmin`) over a set of properties.
/// Properties set through it are answered back by it and passed to its update action; what
/// was configured from them at start-up does not change by itself.
pub struct PropertiesFacet {
    properties: Properties,
    /// Set through `setProperties`; an empty value removes the property.
    changed: Mutex<BTreeMap<String, String>>,
    on_update: Option<OnUpdate>,
}

impl PropertiesFacet {
    /// A `Properties` facet answering from `properties`; `on_update` hears every property
    /// `setProperties` sets.
    pub fn new(properties: Properties, on_update: Option<OnUpdate>) -> Arc<PropertiesFacet> {
        Arc::new(PropertiesFacet { properties, changed: Mutex::default(), on_update })
    }

    fn changed(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.changed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Servant for PropertiesFacet {
    fn ice_id(&self) -> &str {
        "::Ice::PropertiesAdmin"
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            match current.operation.as_str() {
                "getProperty" => {
                    let key: String = params.decode()?;
                    let changed = self.changed();
                    let value = match changed.get(&key) {
                        Some(v) => v.as_str(),
                        None => self.properties.get(&key).unwrap_or(""),
                    };
                    current.ok(value)
                }
                "getPropertiesForPrefix" => {
                    let prefix: String = params.decode()?;
                    let mut all = self.properties.get_with_prefix(&prefix);
                    for (k, v) in self.changed().iter().filter(|(k, _)| k.starts_with(&prefix)) {
                        if v.is_empty() {
                            all.remove(k);
                        } else {
                            all.insert(k.clone(), v.clone());
                        }
                    }
                    current.ok(&all)
                }
                "setProperties" => {
                    let new: BTreeMap<String, String> = params.decode()?;
                    if let Some(on_update) = &self.on_update {
                        for (k, v) in &new {
                            on_update(k, v);
                        }
                    }
                    self.changed().extend(new);
                    current.void()
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}
