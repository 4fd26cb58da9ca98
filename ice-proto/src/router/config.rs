//! The router's settings, read from the `Glacier2.*` properties of a glacier2router
//! configuration file (pure: no IO).

use std::collections::BTreeSet;
use std::time::Duration;

use super::address_filter::ProxyVerifier;
use crate::properties::Properties;
use crate::proxy::string_to_identity;
use crate::split::split_quoted;
use crate::Identity;

/// A `Glacier2.*` property whose value the router cannot use; startup stops with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{property}' property: {reason}")]
pub struct RouterConfigError {
    /// The property.
    pub property: String,
    /// What is wrong with its value.
    pub reason: String,
}

fn error(property: &str, reason: impl Into<String>) -> RouterConfigError {
    RouterConfigError { property: property.to_owned(), reason: reason.into() }
}

/// The accept filters every session starts from (`Glacier2.Filter.*.Accept`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Accepted identity categories.
    pub categories: BTreeSet<String>,
    /// Accepted identities.
    pub identities: BTreeSet<Identity>,
    /// Accepted adapter ids (of indirect proxies).
    pub adapter_ids: BTreeSet<String>,
}

impl Filters {
    /// Whether no filter is set (everything in a routing table is accepted).
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty() && self.identities.is_empty() && self.adapter_ids.is_empty()
    }
}

/// What `Glacier2.Filter.Category.AcceptUser` adds to a password session's category filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AcceptUser {
    /// Nothing (0).
    #[default]
    No,
    /// The user id (1).
    UserId,
    /// `_` and the user id (2).
    UnderscoreUserId,
}

/// The router's settings (`Glacier2.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterConfig {
    /// `Glacier2.InstanceName` (default `Glacier2`): the category of the router's objects.
    pub instance_name: String,
    /// `Glacier2.RoutingTable.MaxSize` (default 1000).
    pub routing_table_max: usize,
    /// `Glacier2.SessionTimeout` in seconds (default 0: sessions never expire).
    pub session_timeout: Option<Duration>,
    /// `Glacier2.AddConnectionContext`: 0 never, 1 everywhere, 2 verifiers and session
    /// managers only.
    pub add_connection_context: u8,
    /// `Glacier2.Client.ForwardContext`: pass client contexts to back ends.
    pub client_forward_context: bool,
    /// `Glacier2.Server.ForwardContext`: pass back-end contexts to clients.
    pub server_forward_context: bool,
    /// The static accept filters.
    pub filters: Filters,
    /// `Glacier2.Filter.Category.AcceptUser`.
    pub accept_user: AcceptUser,
    /// `Glacier2.Filter.Address.Accept`, `.Reject` and `Glacier2.Filter.ProxySizeMax`.
    pub proxy_verifier: ProxyVerifier,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            instance_name: "Glacier2".to_owned(),
            routing_table_max: 1000,
            session_timeout: None,
            add_connection_context: 0,
            client_forward_context: false,
            server_forward_context: false,
            filters: Filters::default(),
            accept_user: AcceptUser::No,
            proxy_verifier: ProxyVerifier::default(),
        }
    }
}

/// Splits a filter list the way glacier2router does: at spaces and tabs, quotes grouping.
pub fn split_filter_list(property: &str, value: &str) -> Result<Vec<String>, RouterConfigError> {
    split_quoted(value, |c| c == ' ' || c == '\t').map_err(|_| error(property, "unmatched quote"))
}

fn int(props: &Properties, key: &str, default: i32) -> Result<i32, RouterConfigError> {
    props.try_get_int(key).map(|v| v.unwrap_or(default)).map_err(|e| error(key, e.to_string()))
}

impl RouterConfig {
    /// Reads the settings from `props`, refusing values the router cannot use.
    pub fn from_properties(props: &Properties) -> Result<RouterConfig, RouterConfigError> {
        let instance_name = props
            .get("Glacier2.InstanceName")
            .filter(|s| !s.is_empty())
            .unwrap_or("Glacier2")
            .to_owned();
        let max = int(props, "Glacier2.RoutingTable.MaxSize", 1000)?;
        let routing_table_max = usize::try_from(max)
            .ok()
            .filter(|m| *m >= 1)
            .ok_or_else(|| error("Glacier2.RoutingTable.MaxSize", "must be at least 1"))?;
        // Plain numbers read as Ice reads them: a non-number gives the default, with a warning
        // recorded in `props` (only limits and filters stop start-up).
        let timeout = props.get_int_or("Glacier2.SessionTimeout", 0);
        let session_timeout =
            u64::try_from(timeout).ok().filter(|t| *t > 0).map(Duration::from_secs);
        let add = props.get_int_or("Glacier2.AddConnectionContext", 0);
        let add_connection_context = match add {
            i32::MIN..=0 => 0,
            1 => 1,
            _ => 2,
        };
        let accept_user = match int(props, "Glacier2.Filter.Category.AcceptUser", 0)? {
            0 => AcceptUser::No,
            1 => AcceptUser::UserId,
            2 => AcceptUser::UnderscoreUserId,
            _ => return Err(error("Glacier2.Filter.Category.AcceptUser", "must be 0, 1 or 2")),
        };
        let list = |key: &str| -> Result<Vec<String>, RouterConfigError> {
            props.get(key).map_or(Ok(Vec::new()), |v| split_filter_list(key, v))
        };
        let mut filters = Filters {
            categories: list("Glacier2.Filter.Category.Accept")?.into_iter().collect(),
            adapter_ids: list("Glacier2.Filter.AdapterId.Accept")?.into_iter().collect(),
            identities: BTreeSet::new(),
        };
        for item in list("Glacier2.Filter.Identity.Accept")? {
            let id = string_to_identity(&item)
                .map_err(|e| error("Glacier2.Filter.Identity.Accept", e.to_string()))?;
            filters.identities.insert(id);
        }
        let size_max = match props.get("Glacier2.Filter.ProxySizeMax") {
            None => None,
            Some(v) => {
                Some(v.trim().parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    error("Glacier2.Filter.ProxySizeMax", "must be an integer above 0")
                })?)
            }
        };
        let proxy_verifier = ProxyVerifier::new(
            props.get("Glacier2.Filter.Address.Accept").filter(|v| !v.trim().is_empty()),
            props.get("Glacier2.Filter.Address.Reject").filter(|v| !v.trim().is_empty()),
            size_max,
        )?;
        Ok(RouterConfig {
            proxy_verifier,
            instance_name,
            routing_table_max,
            session_timeout,
            add_connection_context,
            client_forward_context: props.get_int_or("Glacier2.Client.ForwardContext", 0) > 0,
            server_forward_context: props.get_int_or("Glacier2.Server.ForwardContext", 0) > 0,
            filters,
            accept_user,
        })
    }
}
