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
