//! Which properties Ice knows: a property under one of Ice's prefixes (`Ice.`, `IceSSL.`,
//! `IceMX.`, `Glacier2.`) that no release uses is most likely a typo, and Ice warns about it
//! when it is set, as this does (Ice 3.7's `unknown property` warning; 3.8 refuses such a
//! property, which would refuse a 3.7 configuration).

use super::names::{ADAPTER, DEPRECATED, KNOWN};
use super::PropertyWarning;

/// `key` against `pattern`, where `*` stands for one character or more.
fn matches(key: &str, pattern: &str) -> bool {
    match pattern.split_once('*') {
        None => key == pattern,
        Some((head, tail)) => {
            key.len() > head.len() + tail.len() && key.starts_with(head) && key.ends_with(tail)
        }
    }
}

/// What Ice would warn about when `key` is set, if anything.
pub(crate) fn check(key: &str) -> Option<PropertyWarning> {
    let (prefix, _) = key.split_once('.')?;
    // Ice compares the prefix ignoring case, so that `ice.trace.network` is caught too.
    let (_, names) = KNOWN.iter().find(|(p, _)| p.eq_ignore_ascii_case(prefix))?;
    if names.iter().any(|n| matches(key, n)) {
        return DEPRECATED
            .iter()
            .any(|(n, _)| matches(key, n))
            .then(|| PropertyWarning::Deprecated { key: key.to_owned() });
    }
    let upper = key.to_ascii_uppercase();
    let did_you_mean = names
        .iter()
        .find(|n| !n.contains('*') && n.eq_ignore_ascii_case(&upper))
        .map(|n| (*n).to_owned());
    Some(PropertyWarning::Unknown { key: key.to_owned(), did_you_mean })
}

/// The name Ice 3.7 sets instead of deprecated `key` (`IceSSL.CertAuthFile` is
/// `IceSSL.CAs`), if any.
pub(crate) fn replacement(key: &str) -> Option<&'static str> {
    DEPRECATED.iter().find(|(n, _)| *n == key).and_then(|(_, by)| *by)
}

/// Whether `key` is a property an object adapter named by `prefix` (`Name.`) reads.
pub(crate) fn is_adapter_property(key: &str, prefix: &str) -> bool {
    key.strip_prefix(prefix).is_some_and(|suffix| ADAPTER.iter().any(|n| matches(suffix, n)))
}

/// What follows a proxy property's name in the properties `propertyToProxy` reads (Ice 3.7
/// and 3.8). A locator's or router's own properties are checked when that proxy is read.
const PROXY: &[&str] = &[
    "EndpointSelection",
    "ConnectionCached",
    "PreferSecure",
    "LocatorCacheTimeout",
    "InvocationTimeout",
    "Locator",
    "Locator.*",
    "Router",
    "Router.*",
    "CollocationOptimized",
    "Context.*",
];

/// Whether `key` is a property of the proxy property named by `prefix` (`Name.`).
pub(crate) fn is_proxy_property(key: &str, prefix: &str) -> bool {
    key.strip_prefix(prefix).is_some_and(|suffix| PROXY.iter().any(|n| matches(suffix, n)))
}

/// Whether an adapter `name` is under one of Ice's prefixes, whose names [`check`] covers.
pub(crate) fn is_reserved(name: &str) -> bool {
    let first = name.split('.').next().unwrap_or(name);
    name.contains('.') && KNOWN.iter().any(|(p, _)| *p == first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_either_release_are_known_and_typos_are_not() {
        for known in [
            "Ice.Trace.Network",
            "Ice.ACM.Timeout",
            "Ice.Connection.Client.IdleTimeout",
            "Ice.Default.Locator.Context.x",
            "IceSSL.CAs",
            "IceMX.Metrics.Debug.GroupBy",
            "Glacier2.Client.Endpoints",
            "Glacier2.Client.Connection.IdleTimeout",
            "Glacier2.Filter.Category.AcceptUser",
            "Other.Anything",
            "NoDot",
        ] {
            assert_eq!(check(known), None, "{known}");
        }
        assert_eq!(
            check("Ice.Trace.Netwrok"),
            Some(PropertyWarning::Unknown { key: "Ice.Trace.Netwrok".into(), did_you_mean: None })
        );
        assert_eq!(
            check("ice.trace.network"),
            Some(PropertyWarning::Unknown {
                key: "ice.trace.network".into(),
                did_you_mean: Some("Ice.Trace.Network".into())
            })
        );
        assert!(matches!(check("Glacier2.Sever.Endpoints"), Some(PropertyWarning::Unknown { .. })));
        assert_eq!(
            check("IceSSL.CertAuthFile"),
            Some(PropertyWarning::Deprecated { key: "IceSSL.CertAuthFile".into() })
        );
        assert_eq!(replacement("IceSSL.CertAuthFile"), Some("IceSSL.CAs"));
        assert_eq!(replacement("Ice.ACM.Client"), None);
        // `*` stands for at least one character.
        assert!(check("Ice.Default.Locator.Context.").is_some());

        assert!(is_adapter_property("Hello.Endpoints", "Hello."));
        assert!(is_adapter_property("Hello.ACM.Timeout", "Hello."));
        assert!(is_adapter_property("Hello.Connection.IdleTimeout", "Hello."));
        assert!(is_adapter_property("Hello.Router.Context.x", "Hello."));
        assert!(!is_adapter_property("Hello.Endpionts", "Hello."));
        assert!(is_proxy_property("P.Locator.EndpointSelection", "P."));
        assert!(is_proxy_property("P.Context.a", "P."));
        assert!(!is_proxy_property("P.Endpoints", "P."));
        assert!(is_reserved("Ice.Admin") && !is_reserved("Hello") && !is_reserved("Ice"));
    }
}
