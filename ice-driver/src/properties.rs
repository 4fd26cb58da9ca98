//! A minimal set of Ice properties (`Ice.RetryIntervals`, `<adapter>.Endpoints`, …).
//!
//! Only what the driver reads today; `ice_proto::properties` will replace it with the full
//! Ice property file format.

use std::collections::BTreeMap;

/// Ice configuration properties: names to string values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    values: BTreeMap<String, String>,
}

impl Properties {
    /// No properties: every setting has its Ice default.
    pub fn new() -> Self {
        Properties::default()
    }

    /// Properties from command-line arguments of the form `--Name=Value` (`--Name` alone sets
    /// `1`); other arguments are returned untouched.
    pub fn parse_args<I, S>(args: I) -> (Self, Vec<String>)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut props = Properties::new();
        let mut rest = Vec::new();
        for arg in args {
            let arg = arg.into();
            match arg.strip_prefix("--") {
                Some(setting) if setting.starts_with(|c: char| c.is_ascii_uppercase()) => {
                    let (k, v) = setting.split_once('=').unwrap_or((setting, "1"));
                    props.set(k.trim(), v.trim());
                }
                _ => rest.push(arg),
            }
        }
        (props, rest)
    }

    /// Sets `name` to `value`; an empty value removes the property, as in Ice.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        if value.is_empty() {
            self.values.remove(&name);
        } else {
            self.values.insert(name, value);
        }
    }

    /// A copy with `name` set to `value`.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The value of `name` as an integer, or `default` when unset or not a number.
    pub fn get_int_or(&self, name: &str, default: i64) -> i64 {
        self.get(name)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(default)
    }
}
