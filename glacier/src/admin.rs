//! `Ice.Admin`: the admin object `<Ice.Admin.InstanceName>/admin` with the `Process` facet
//! (`shutdown`, `writeMessage`) and the `Properties` facet, as ZeroC's runtime serves them
//! (ZeroC's test harness stops routers with `Process::shutdown`).

use std::sync::{Arc, Weak};

use ice_driver::{
    BoxFuture, Current, DispatchError, DispatchResult, Encapsulation, Identity, ObjectAdapter,
    Servant,
};

use crate::{StartError, State};

struct ProcessFacet {
    state: Weak<State>,
}

struct PropertiesFacet {
    state: Weak<State>,
}

/// Creates and activates the admin adapter when `Ice.Admin.Endpoints` is set. With
/// `Ice.Admin.ServerId` (an IceGrid node sets it for the servers it starts) the `Process`
/// facet is registered with the locator's registry, as ZeroC's runtime does: the node calls
/// the router active only then, and stops it through that facet.
pub(crate) async fn start(state: &Arc<State>) -> Result<Option<ObjectAdapter>, StartError> {
    let props = &state.properties;
    if props.get("Ice.Admin.Endpoints").is_none_or(|e| e.trim().is_empty()) {
        return Ok(None);
    }
    let bad = |property: &str, e: ice_driver::Error| StartError::Property {
        property: property.to_owned(),
        reason: e.to_string(),
    };
    let adapter = create(state).map_err(|e| bad("Ice.Admin.Endpoints", e))?;
    let server_id = props.get("Ice.Admin.ServerId").map(str::trim).unwrap_or("");
    if !server_id.is_empty() && adapter.find_facet(&admin_identity(state), "Process").is_some() {
        let process = adapter
            .create_proxy(admin_identity(state))
            .map_err(|e| bad("Ice.Admin.ServerId", e))?
            .ice_facet("Process");
        adapter
            .set_server_process_proxy(server_id, &process)
            .await
            .map_err(|e| bad("Ice.Admin.ServerId", e))?;
        tracing::info!(target: "Glacier2", "registered server `{server_id}' with the locator registry");
    }
    Ok(Some(adapter))
}

/// `<Ice.Admin.InstanceName>/admin`, the router's instance name standing in for an unset one.
fn admin_identity(state: &State) -> Identity {
    let instance = state
        .properties
        .get("Ice.Admin.InstanceName")
        .filter(|s| !s.is_empty())
        .map_or_else(|| state.router_identity.category.clone(), str::to_owned);
    Identity::with_category(instance, "admin")
}

fn create(state: &Arc<State>) -> ice_driver::Result<ObjectAdapter> {
    let props = &state.properties;
    let adapter = state.communicator.create_object_adapter("Ice.Admin")?;
    let identity = admin_identity(state);
    let weak = Arc::downgrade(state);
    // `Ice.Admin.Facets` lists the facets served (all when unset), as in ZeroC's runtime: an
    // admin endpoint limited to `Properties` must not let anyone shut the router down.
    let listed = props.get("Ice.Admin.Facets").unwrap_or_default();
    let listed: Vec<&str> =
        listed.split(|c: char| c == ',' || c.is_whitespace()).filter(|f| !f.is_empty()).collect();
    let served = |facet: &str| listed.is_empty() || listed.contains(&facet);
    if served("Process") {
        adapter.add_facet(
            identity.clone(),
            "Process",
            Arc::new(ProcessFacet { state: weak.clone() }),
        )?;
    }
    if served("Properties") {
        adapter.add_facet(identity, "Properties", Arc::new(PropertiesFacet { state: weak }))?;
    }
    adapter.activate()?;
    Ok(adapter)
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
                    // From now on the admin object is gone (a ping fails at once, as with
                    // ZeroC's deactivated adapter); the reply still goes out, then
                    // `wait_for_shutdown` stops the router.
                    if let Some(adapter) = &current.adapter {
                        adapter.remove_facet(&current.identity, "Process");
                        adapter.remove_facet(&current.identity, "Properties");
                    }
                    if let Some(state) = self.state.upgrade() {
                        state.shutdown.send_replace(true);
                    }
                    current.void()
                }
                "writeMessage" => {
                    let (message, fd): (String, i32) = params.decode()?;
                    if fd == 2 {
                        eprintln!("{message}");
                    } else {
                        println!("{message}");
                    }
                    current.void()
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
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
            let state = self.state.upgrade().ok_or(DispatchError::ObjectNotExist)?;
            match current.operation.as_str() {
                "getProperty" => {
                    let key: String = params.decode()?;
                    let changed =
                        state.changed_properties.lock().unwrap_or_else(|e| e.into_inner());
                    let value = changed.get(&key).map(String::as_str);
                    current.ok(value.or_else(|| state.properties.get(&key)).unwrap_or(""))
                }
                "getPropertiesForPrefix" => {
                    let prefix: String = params.decode()?;
                    let mut all = state.properties.get_with_prefix(&prefix);
                    let changed =
                        state.changed_properties.lock().unwrap_or_else(|e| e.into_inner());
                    for (k, v) in changed.iter().filter(|(k, _)| k.starts_with(&prefix)) {
                        if v.is_empty() {
                            all.remove(k);
                        } else {
                            all.insert(k.clone(), v.clone());
                        }
                    }
                    current.ok(&all)
                }
                "setProperties" => {
                    // Trace levels take effect at once; other properties are only reported
                    // back (as with ZeroC's router, which reads them at start-up).
                    let new: std::collections::BTreeMap<String, String> = params.decode()?;
                    let mut changed =
                        state.changed_properties.lock().unwrap_or_else(|e| e.into_inner());
                    for (k, v) in new {
                        if state.trace.set(&k, &v) {
                            tracing::info!(target: "Glacier2", "`{k}' set to `{v}'");
                        }
                        changed.insert(k, v);
                    }
                    current.void()
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}
