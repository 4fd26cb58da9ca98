//! The communicator-wide defaults that fill in what a proxy or endpoint string leaves out.

use crate::EncodingVersion;

use super::endpoint::DEFAULT_TIMEOUT;

/// Values used for whatever a stringified proxy or endpoint does not state, mirroring the
/// `Ice.Default.*` properties. [`ParseDefaults::default`] gives Ice's own defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDefaults {
    /// Encoding of proxies without `-e` (`Ice.Default.EncodingVersion`, 1.1).
    pub encoding: EncodingVersion,
    /// Transport of `default` endpoints (`Ice.Default.Protocol`, `tcp`).
    pub transport: String,
    /// Host of endpoints without `-h` (`Ice.Default.Host`, empty).
    pub host: String,
    /// Timeout in milliseconds of endpoints without `-t` (`Ice.Default.Timeout`, 60000).
    pub timeout: i32,
}

impl Default for ParseDefaults {
    fn default() -> Self {
        ParseDefaults {
            encoding: EncodingVersion::V1_1,
            transport: "tcp".to_owned(),
            host: String::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl ParseDefaults {
    /// The defaults of `Ice.Default.EncodingVersion`, `Ice.Default.Protocol`,
    /// `Ice.Default.Host` and `Ice.Default.Timeout`; unset or invalid values keep Ice's own.
    pub fn from_properties(properties: &crate::Properties) -> Self {
        let mut defaults = ParseDefaults::default();
        if let Some((major, minor)) = properties
            .get("Ice.Default.EncodingVersion")
            .and_then(|v| super::lexer::parse_version(v.trim()).ok())
        {
            defaults.encoding = EncodingVersion { major, minor };
        }
        if let Some(transport) = properties.get("Ice.Default.Protocol").map(str::trim) {
            if !transport.is_empty() {
                defaults.transport = transport.to_owned();
            }
        }
        if let Some(host) = properties.get("Ice.Default.Host") {
            defaults.host = host.trim().to_owned();
        }
        // Milliseconds, or -1 for none; anything else is invalid and keeps Ice's default.
        match properties.get_int_or("Ice.Default.Timeout", defaults.timeout) {
            t if t >= 1 || t == -1 => defaults.timeout = t,
            _ => {}
        }
        defaults
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Properties;

    #[test]
    fn defaults_follow_the_ice_default_properties() {
        assert_eq!(ParseDefaults::from_properties(&Properties::new()), ParseDefaults::default());
        let mut p = Properties::new();
        for (k, v) in [
            ("Ice.Default.EncodingVersion", "1.0"),
            ("Ice.Default.Protocol", "udp"),
            ("Ice.Default.Host", "10.0.0.1"),
            ("Ice.Default.Timeout", "1500"),
        ] {
            p.set(k, v).unwrap();
        }
        let d = ParseDefaults::from_properties(&p);
        assert_eq!(d.encoding, EncodingVersion::V1_0);
        assert_eq!((d.transport.as_str(), d.host.as_str(), d.timeout), ("udp", "10.0.0.1", 1500));
        for (value, timeout) in [("-1", -1), ("0", DEFAULT_TIMEOUT), ("-5", DEFAULT_TIMEOUT)] {
            p.set("Ice.Default.Timeout", value).unwrap();
            assert_eq!(ParseDefaults::from_properties(&p).timeout, timeout, "{value}");
        }
    }
}
