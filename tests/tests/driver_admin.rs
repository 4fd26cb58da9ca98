//! The communicator's admin object (`Ice.Admin.*`) on both runtimes, called as ZeroC's tools
//! call it: the `Properties` facet answers and takes properties, `Ice.Admin.Facets` limits the
//! facets, `add_admin_facet` adds one, `Ice.Admin.DelayCreation` creates it on demand, and
//! `Process::shutdown` ends `wait_for_shutdown` and closes the admin connection, as ZeroC's does.

#[macro_use]
mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::*;
use ice_driver::{Communicator, Error, FnServant, OperationMode, Runtime};

async fn admin_facets_answer_and_process_shutdown_stops_the_server(rt: Arc<dyn Runtime>) {
    let server = Communicator::with_properties(
        rt.clone(),
        properties(&[
            ("Ice.Admin.Endpoints", "tcp -h 127.0.0.1"),
            ("Ice.Admin.InstanceName", "Server"),
            ("Demo.Greeting", "hello"),
        ]),
    );
    let admin = server.admin().expect("an admin object");
    assert_eq!(admin.ice_get_identity().to_string(), "Server/admin");
    let client = Communicator::new(rt.clone());
    let admin = client.string_to_proxy(&admin.to_string()).unwrap();

    let properties_facet = admin.ice_facet("Properties");
    assert!(properties_facet.ice_is_a("::Ice::PropertiesAdmin").await.unwrap());
    let greeting: String = properties_facet
        .invoke_typed("getProperty", OperationMode::Normal, &"Demo.Greeting")
        .await
        .unwrap();
    assert_eq!(greeting, "hello");
    let changes = BTreeMap::from([("Demo.Greeting".to_owned(), "bonjour".to_owned())]);
    properties_facet
        .invoke_typed::<_, ()>("setProperties", OperationMode::Normal, &changes)
        .await
        .unwrap();
    let demo: BTreeMap<String, String> = properties_facet
        .invoke_typed("getPropertiesForPrefix", OperationMode::Normal, &"Demo.")
        .await
        .unwrap();
    assert_eq!(demo, changes);

    let pong = FnServant::new("::Demo::Pong", |current, _| async move { current.void() });
    server.add_admin_facet("Pong", pong).unwrap();
    assert!(admin.ice_facet("Pong").ice_is_a("::Demo::Pong").await.unwrap());

    let process = admin.ice_facet("Process");
    assert!(process.ice_is_a("::Ice::Process").await.unwrap());
    process.invoke_typed::<_, ()>("shutdown", OperationMode::Normal, &()).await.unwrap();
    // As with ZeroC: the server stopped accepting before it replied, and the reply came on a
    // connection already closing, so the next request is retried and finds no server.
    let ping = process.ice_ping().await;
    assert!(matches!(ping, Err(Error::ConnectFailed { .. })), "{ping:?}");
    server.wait_for_shutdown().await;
    assert!(server.is_shutdown());
    client.destroy().await;
    server.destroy().await;
}

async fn admin_facets_limits_the_facets_served(rt: Arc<dyn Runtime>) {
    let server = Communicator::with_properties(
        rt.clone(),
        properties(&[
            ("Ice.Admin.Endpoints", "tcp -h 127.0.0.1"),
            ("Ice.Admin.Facets", "Properties"),
        ]),
    );
    let client = Communicator::new(rt.clone());
    let admin = client.string_to_proxy(&server.admin().unwrap().to_string()).unwrap();
    admin.ice_facet("Properties").ice_ping().await.unwrap();
    let process = admin.ice_facet("Process");
    let shutdown = process.invoke_typed::<_, ()>("shutdown", OperationMode::Normal, &()).await;
    assert!(matches!(shutdown, Err(Error::FacetNotExist { .. })), "{shutdown:?}");
    // A facet of the program's own that the list leaves out is not served either.
    let pong = FnServant::new("::Demo::Pong", |current, _| async move { current.void() });
    server.add_admin_facet("Pong", pong).unwrap();
    let ping = admin.ice_facet("Pong").ice_ping().await;
    assert!(matches!(ping, Err(Error::FacetNotExist { .. })), "{ping:?}");
    assert!(!server.is_shutdown());
    client.destroy().await;
    server.destroy().await;
}

async fn no_admin_object_without_its_endpoints_and_a_delayed_one_on_demand(rt: Arc<dyn Runtime>) {
    let plain = Communicator::new(rt.clone());
    assert!(plain.admin().is_none());
    let delayed = Communicator::with_properties(
        rt.clone(),
        properties(&[
            ("Ice.Admin.Endpoints", "tcp -h 127.0.0.1"),
            ("Ice.Admin.DelayCreation", "1"),
        ]),
    );
    // Delayed: created when first asked for, as ZeroC's `getAdmin`.
    let admin = delayed.admin().expect("created on demand");
    let client = Communicator::new(rt.clone());
    let admin = client.string_to_proxy(&admin.to_string()).unwrap();
    admin.ice_facet("Process").ice_ping().await.unwrap();
    client.destroy().await;
    plain.destroy().await;
    delayed.destroy().await;
}

on_both_runtimes!(
    admin_facets_answer_and_process_shutdown_stops_the_server,
    admin_facets_limits_the_facets_served,
    no_admin_object_without_its_endpoints_and_a_delayed_one_on_demand,
);
