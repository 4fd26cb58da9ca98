//! Which connection a proxy's requests go over, as ZeroC chooses it:
//!
//! - a proxy caches the connection it chose (`ice_connection_cached`, on by default) and keeps
//!   it until it closes, so one caller's oneways stay in order and its batch is flushed on the
//!   connection that queued it;
//! - before opening a connection it reuses an open one to any of its endpoints, tried in the
//!   order `ice_endpoint_selection` gives (random by default, or as listed);
//! - connections are shared per endpoint and connection id (`ice_connection_id`), so a proxy
//!   with its own id gets a connection of its own;
//! - a proxy that does not cache picks again for every request, one endpoint at a time, which
//!   spreads its requests over the endpoints.

use std::sync::{Arc, Mutex};

use ice_proto::proxy::{Endpoint, EndpointSelection};

use super::Proxy;
use crate::communicator::Instance;
use crate::connection::Connection;
use crate::endpoint::usable;
use crate::error::{Error, Result};
use crate::util::shuffle;

/// The connection a caching proxy chose, shared by the clones of that proxy.
#[derive(Default)]
pub(crate) struct ChosenConnection {
    chosen: Mutex<Option<Connection>>,
    /// Held while choosing, so that concurrent first calls share one choice.
    choosing: tokio::sync::Mutex<()>,
}

impl ChosenConnection {
    /// The chosen connection if it can still take requests; a closing one is dropped.
    fn usable(&self) -> Option<Connection> {
        let mut chosen = self.chosen.lock().unwrap_or_else(|e| e.into_inner());
        match chosen.as_ref() {
            Some(c) if c.is_usable() => Some(c.clone()),
            Some(_) => {
                *chosen = None;
                None
            }
            None => None,
        }
    }

    fn set(&self, connection: &Connection) {
        *self.chosen.lock().unwrap_or_else(|e| e.into_inner()) = Some(connection.clone());
    }

    /// Forgets `connection` if it is the chosen one (it failed).
    pub(crate) fn forget(&self, connection: &Connection) {
        let mut chosen = self.chosen.lock().unwrap_or_else(|e| e.into_inner());
        if chosen.as_ref() == Some(connection) {
            *chosen = None;
        }
    }
}

impl Proxy {
    /// A connection to one of `endpoints` (the udp ones if `datagram`, else the tcp ones)
    /// for this proxy: the cached one, else an open one, else a new one, in the proxy's
    /// endpoint-selection order.
    pub(crate) async fn select_connection(
        &self,
        endpoints: &[Endpoint],
        datagram: bool,
    ) -> Result<Connection> {
        if !self.connection_cached {
            return connect_any(self, endpoints, datagram, false).await;
        }
        if let Some(c) = self.chosen.usable() {
            return Ok(c);
        }
        let _choosing = self.chosen.choosing.lock().await;
        if let Some(c) = self.chosen.usable() {
            return Ok(c);
        }
        let connection = connect_any(self, endpoints, datagram, true).await?;
        self.chosen.set(&connection);
        Ok(connection)
    }

    /// The connection this caching proxy chose, if it is still usable.
    pub(crate) fn cached_connection(&self) -> Option<Connection> {
        self.connection_cached.then(|| self.chosen.usable()).flatten()
    }

    /// Drops the cached connection, so that the next attempt chooses again.
    pub(crate) fn forget_cached_connection(&self) {
        *self.chosen.chosen.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Forgets `connection` after it failed, here and in the communicator, so that the next
    /// attempt chooses again.
    pub(crate) fn forget_connection(&self, connection: &Connection) {
        self.chosen.forget(connection);
        self.instance.forget(connection, &self.connection_id);
    }
}

/// Tries the usable endpoints in selection order. With `reuse_any`, an open connection to
/// any of them wins over opening one to the first; without, each endpoint in turn is
/// reused or connected.
async fn connect_any(
    proxy: &Proxy,
    endpoints: &[Endpoint],
    datagram: bool,
    reuse_any: bool,
) -> Result<Connection> {
    let instance: &Instance = &proxy.instance;
    let mut endpoints: Vec<&Endpoint> = endpoints.iter().filter(|e| usable(e, datagram)).collect();
    if endpoints.is_empty() {
        return Err(Error::NoEndpoint(proxy.to_string()));
    }
    if proxy.endpoint_selection == EndpointSelection::Random {
        shuffle(&mut endpoints);
    }
    let id = proxy.connection_id.as_str();
    if reuse_any {
        if let Some(c) = endpoints.iter().find_map(|e| instance.existing_connection(e, id)) {
            return Ok(c);
        }
    }
    let mut last = None;
    for e in endpoints {
        match instance.connection_to(e, id).await {
            Ok(c) => return Ok(c),
            Err(err) => last = Some(err),
        }
    }
    Err(last.unwrap_or_else(|| Error::NoEndpoint(proxy.to_string())))
}

/// A fresh cache, for a copy of a proxy that may choose differently.
pub(crate) fn fresh() -> Arc<ChosenConnection> {
    Arc::default()
}
