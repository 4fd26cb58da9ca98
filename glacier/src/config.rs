//! The router's configuration: glacier2router's property set, the rules it applies before
//! creating its adapters, and the built-in default configuration of the `glacier` command.

use std::time::Duration;

use ice_proto::router::{RouterConfig, RouterConfigError};
use ice_proto::Properties;

/// Why the router cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A property the router needs is missing.
    #[error("property `{0}' is not set")]
    Missing(String),
    /// A `Glacier2.*` property has a value the router cannot use.
    #[error(transparent)]
    Config(#[from] RouterConfigError),
    /// No way to authenticate clients.
    #[error("Glacier2 requires a permissions verifier or password file")]
    NoVerifier,
    /// The password file cannot be used.
    #[error(transparent)]
    PasswordFile(#[from] crate::crypt::PasswordFileError),
    /// A proxy or endpoint property cannot be parsed, or an adapter cannot listen.
    #[error("{property}: {reason}")]
    Property {
        /// The property.
        property: String,
        /// Why.
        reason: String,
    },
}

/// The configuration `glacier` runs with when given none: ZeroC's Glacier2 callback demo
/// (instance name `DemoGlacier2`, clients on `tcp -h localhost -p 4063`, callbacks through a
/// server endpoint on localhost, and the null permissions verifier, which accepts anyone).
/// The router also answers as `Glacier2/router`, the name Ice 3.8's demos use
/// (`Glacier.InstanceAliases`), so that 3.7's and 3.8's demo clients both find it.
pub const DEFAULT_CONFIG: &str = "\
Glacier2.InstanceName=DemoGlacier2
Glacier.InstanceAliases=Glacier2
Glacier2.Client.Endpoints=tcp -h localhost -p 4063
Glacier2.Server.Endpoints=tcp -h localhost
Glacier2.PermissionsVerifier=DemoGlacier2/NullPermissionsVerifier
Glacier2.SessionTimeout=30
Glacier2.Client.ForwardContext=1
Glacier2.Server.ForwardContext=1
Ice.PrintAdapterReady=1
";

/// Properties that Ice 3.8's glacier2router no longer reads, and what they do here.
const REMOVED_IN_38: &[(&str, &str)] = &[
    ("Glacier2.Client.Buffered", "ignored: Ice 3.8 forwards unbuffered"),
    ("Glacier2.Server.Buffered", "ignored: Ice 3.8 forwards unbuffered"),
    ("Glacier2.Client.SleepTime", "ignored: Ice 3.8 forwards unbuffered"),
    ("Glacier2.Server.SleepTime", "ignored: Ice 3.8 forwards unbuffered"),
    ("Glacier2.Client.AlwaysBatch", "ignored: oneways are forwarded one by one"),
    ("Glacier2.Server.AlwaysBatch", "ignored: oneways are forwarded one by one"),
    ("Glacier2.SessionTimeout", "still read: sessions unused that long are destroyed"),
];

/// Whether `<prefix>.Buffered` asks for buffered forwarding: Ice 3.7's default, never in a
/// configuration written for Ice 3.8 (which has no buffered mode).
pub(crate) fn buffered(props: &Properties, prefix: &str) -> bool {
    !is_ice38(props) && props.get_int_or(&format!("{prefix}.Buffered"), 1) > 0
}

/// `<prefix>.SleepTime` in milliseconds (0 by default).
pub(crate) fn sleep_time(props: &Properties, prefix: &str) -> Duration {
    let ms = props.get_int_or(&format!("{prefix}.SleepTime"), 0);
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// The dispatch limit of back-end connections, which the router raises unless configured.
const OWN_MAX_DISPATCHES: &str = "Glacier2.Server.Connection.MaxDispatches";

/// Whether the configuration is written for Ice 3.8 (it uses 3.8's connection properties).
/// (The back-end dispatch limit does not count: the router sets it itself in its
/// communicator's properties, see [`communicator_properties`].)
pub(crate) fn is_ice38(props: &Properties) -> bool {
    props.iter().filter(|(k, _)| *k != OWN_MAX_DISPATCHES).any(|(k, _)| {
        k.starts_with("Ice.Connection.")
            || k.starts_with("Glacier2.Client.Connection.")
            || k.starts_with("Glacier2.Server.Connection.")
    })
}

/// Whether the configuration is written for Ice 3.7: it uses properties 3.8 removed
/// (`Glacier2.SessionTimeout`, buffering, ACM) and none of 3.8's. A configuration with
/// neither gets 3.8's behaviour where the two differ in ways a 3.7 client does not rely on.
pub(crate) fn is_explicitly_ice37(props: &Properties) -> bool {
    const ICE37: &[&str] = &[
        "Glacier2.SessionTimeout",
        "Glacier2.Client.Buffered",
        "Glacier2.Server.Buffered",
        "Glacier2.Client.SleepTime",
        "Glacier2.Server.SleepTime",
        "Glacier2.Client.AlwaysBatch",
        "Glacier2.Server.AlwaysBatch",
        "Glacier2.ReturnClientProxy",
    ];
    !is_ice38(props)
        && props.iter().any(|(k, _)| {
            ICE37.contains(&k)
                || k.starts_with("Ice.ACM.")
                || k.starts_with("Glacier2.Client.ACM.")
                || k.starts_with("Glacier2.Server.ACM.")
        })
}

/// Warns about the buffered-mode properties this router reads differently. (Unknown
/// properties are warned about as they are set, see `Properties::set`.)
pub(crate) fn warn_properties(props: &Properties) {
    for (key, _) in props.iter() {
        if let Some((_, what)) = REMOVED_IN_38.iter().find(|(k, _)| *k == key) {
            if is_ice38(props) {
                tracing::warn!("`{key}' (removed in Ice 3.8): {what}");
            }
        }
    }
}

/// The properties of the router's own communicator: the router's, plus settings of this
/// router's own that the admin `Properties` facet does not show, since glacier2router has no
/// such properties.
pub(crate) fn communicator_properties(props: &Properties) -> Properties {
    let mut props = props.clone();
    // The router serves its own admin object (`admin`), whose `Process::shutdown` stops the
    // router and whose `Properties` facet sets trace levels: not the driver's.
    let _ = props.set("Ice.Admin.DelayCreation", "1");
    // Callbacks in flight from one back-end connection may belong to many clients, each
    // bounded on its own (see `dispatch`): allow more than a server's usual 100.
    if props.get(OWN_MAX_DISPATCHES).is_none() {
        let _ = props.set(OWN_MAX_DISPATCHES, "10000");
    }
    props
}

/// The rules glacier2router applies to its own communicator before creating its adapters:
/// no default router, and with `Glacier2.SessionTimeout` the client connections' ACM timeout
/// follows it and idle ones are aborted.
pub(crate) fn prepare(props: &mut Properties) -> Result<RouterConfig, StartError> {
    let config = RouterConfig::from_properties(props)?;
    let set = |props: &mut Properties, k: &str, v: &str| {
        props
            .set(k, v)
            .map_err(|e| StartError::Property { property: k.to_owned(), reason: e.to_string() })
    };
    set(props, "Ice.Default.Router", "")?;
    if props.get("Glacier2.Client.Endpoints").is_none_or(|e| e.trim().is_empty()) {
        return Err(StartError::Missing("Glacier2.Client.Endpoints".into()));
    }
    if let Some(timeout) = config.session_timeout {
        if props.get("Glacier2.Client.ACM.Timeout").is_none() {
            set(props, "Glacier2.Client.ACM.Timeout", &timeout.as_secs().to_string())?;
        }
    }
    // As glacier2router 3.7, whatever the session timeout: a client connection on which
    // nothing came for the ACM timeout (60 s by default) is aborted, and its session
    // destroyed. A client that heartbeats keeps it.
    if !is_ice38(props) && props.get("Glacier2.Client.ACM.Close").is_none() {
        set(props, "Glacier2.Client.ACM.Close", "4")?;
    }
    Ok(config)
}

fn first_int(props: &Properties, keys: &[&str], default: i32) -> i32 {
    keys.iter().find_map(|k| props.get(k).and_then(|v| v.trim().parse().ok())).unwrap_or(default)
}

/// What `getACMTimeout` answers: the client connections' ACM timeout (3.7) or idle timeout
/// (3.8), in seconds.
pub(crate) fn client_acm_timeout(props: &Properties) -> i32 {
    if is_ice38(props) {
        first_int(
            props,
            &[
                "Glacier2.Client.Connection.IdleTimeout",
                "Ice.Connection.Server.IdleTimeout",
                "Ice.Connection.IdleTimeout",
            ],
            60,
        )
    } else {
        first_int(
            props,
            &["Glacier2.Client.ACM.Timeout", "Ice.ACM.Server.Timeout", "Ice.ACM.Timeout"],
            60,
        )
    }
}

/// What `getSessionTimeout` answers, in seconds: `Glacier2.SessionTimeout` (3.7), or the
/// idle timeout for a 3.8 configuration without one.
pub(crate) fn session_timeout_reply(props: &Properties, config: &RouterConfig) -> i64 {
    match config.session_timeout {
        Some(t) => i64::try_from(t.as_secs()).unwrap_or(i64::MAX),
        None if is_ice38(props) => i64::from(client_acm_timeout(props)),
        None => 0,
    }
}

/// How often expired sessions are looked for: a quarter of the session timeout.
pub(crate) fn reaper_period(timeout: Duration) -> Duration {
    (timeout / 4).max(Duration::from_millis(100))
}
