//! `Ice.Admin`: the admin object `<Ice.Admin.InstanceName>/admin` with the `Process` facet
//! (`shutdown`, `writeMessage`), the `Properties` facet and the `Logger` facet, as ZeroC's
//! runtime serves them (ZeroC's test harness stops routers with `Process::shutdown`).

use std::sync::Arc;

use ice_driver::admin::{ProcessFacet, PropertiesFacet};
use ice_driver::{Identity, ObjectAdapter};

use crate::{StartError, State};

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
    let identity = admin_identity(state);
    if !server_id.is_empty() && adapter.find_facet(&identity, "Process").is_some() {
        ice_driver::admin::register_process(&adapter, &identity, server_id)
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
    let served = |facet: &str| ice_driver::admin::facet_enabled(props, facet);
    if served("Process") {
        let state = weak.clone();
        let facet = ProcessFacet::new(Box::new(move |current| {
            // As glacier2router's `communicator->shutdown()`: before the reply goes out,
            // every adapter stops accepting and its connections (this one too) start closing,
            // so the caller's next request is retried after the CloseConnection that follows
            // the reply, and finds the router gone. The admin object is gone as well for
            // requests on other connections. Then `wait_for_shutdown` stops the router.
            if let Some(state) = state.upgrade() {
                state.communicator.shutdown();
            }
            if let Some(adapter) = &current.adapter {
                adapter.remove_facet(&current.identity, "Process");
                adapter.remove_facet(&current.identity, "Properties");
                adapter.remove_facet(&current.identity, "Logger");
            }
            if let Some(state) = state.upgrade() {
                state.shutdown.send_replace(true);
            }
        }));
        adapter.add_facet(identity.clone(), "Process", facet)?;
    }
    if served("Properties") {
        // Trace levels take effect at once; other properties are only reported back (as
        // with ZeroC's router, which reads them at start-up).
        let facet = PropertiesFacet::new(
            props.clone(),
            Some(Box::new(move |k, v| {
                if weak.upgrade().is_some_and(|state| state.trace.set(k, v)) {
                    tracing::info!(target: "Glacier2", "`{k}' set to `{v}'");
                }
            })),
        );
        adapter.add_facet(identity.clone(), "Properties", facet)?;
    }
    if let Some(logs) = state.logs.clone().filter(|_| served("Logger")) {
        let facet = crate::admin_logger::LoggerFacet::new(logs, state.runtime.clone(), props);
        adapter.add_facet(identity, "Logger", Arc::new(facet))?;
    }
    adapter.activate()?;
    Ok(adapter)
}
