//! Ice properties: the `key=value` configuration that Ice reads from configuration files
//! (`Ice.Config`) and from `--Prefix.Name=value` command-line options, with Ice 3.7's exact
//! syntax, so that an existing ZeroC configuration file works unchanged.
//!
//! [`Properties`] is data only. Configuration files come in as text
//! ([`Properties::load_str`]); [`Properties::load_file`] and the [`FileSystem`] source are thin
//! conveniences over `std::fs`. Problems Ice merely warns about are collected as
//! [`PropertyWarning`]s for the caller to log.
//!
//! ```
//! use ice_proto::Properties;
//!
//! let mut props = Properties::new();
//! props.load_str("# the router\nGlacier2.Client.Endpoints = tcp -h 127.0.0.1 -p 4063\n");
//! let rest = props.parse_command_line_options("Glacier2", ["prog", "--Glacier2.Trace.Session"]);
//! assert_eq!(rest, ["prog"]);
//! assert_eq!(props.get("Glacier2.Client.Endpoints"), Some("tcp -h 127.0.0.1 -p 4063"));
//! assert_eq!(props.get_int("Glacier2.Trace.Session"), 1);
//! ```

mod command_line;
mod error;
mod escape;
mod known;
mod names;
mod parse;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

pub use command_line::{ConfigFiles, FileSystem, RESERVED_PREFIXES};
pub use error::{PropertiesError, PropertyWarning};
pub use parse::{parse_int, parse_line, split_list, ParsedLine};

/// The most warnings [`Properties`] keeps until [`Properties::take_warnings`] drains them.
pub const MAX_WARNINGS: usize = 1024;

/// A set of Ice properties (`Ice::Properties`): string keys to non-empty string values.
///
/// Setting a property to the empty string removes it, as in Ice. Getters that Ice makes
/// forgiving (a non-integer where an integer is expected, an unmatched quote in a list) use
/// the default and record a [`PropertyWarning`].
#[derive(Debug, Default)]
pub struct Properties {
    map: BTreeMap<String, String>,
    // Getters take `&self` yet may warn, as Ice's do.
    warnings: Mutex<Vec<PropertyWarning>>,
}

impl Clone for Properties {
    fn clone(&self) -> Self {
        Properties { map: self.map.clone(), warnings: Mutex::new(self.lock_warnings().clone()) }
    }
}

impl PartialEq for Properties {
    /// Properties are equal when they hold the same keys and values; warnings do not count.
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}

impl Eq for Properties {}

impl Properties {
    /// An empty set of properties.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies the lines of a configuration file, in order. A leading UTF-8 byte-order mark is
    /// skipped; lines that are not properties are ignored with a warning.
    pub fn load_str(&mut self, contents: &str) {
        let contents = contents.strip_prefix('\u{feff}').unwrap_or(contents);
        // Lines end at '\n' only, as with C++ `getline`: a '\r' stays part of the line.
        for line in contents.split('\n') {
            self.apply_line(line);
        }
    }

    /// Reads the configuration file at `path` and applies it like [`Properties::load_str`].
    pub fn load_file(&mut self, path: impl AsRef<Path>) -> Result<(), PropertiesError> {
        let path = path.as_ref();
        let contents = std::fs::read_to_string(path)
            .map_err(|source| PropertiesError::Unreadable { path: path.to_owned(), source })?;
        self.load_str(&contents);
        Ok(())
    }

    /// Applies one configuration line (or a command-line option without its leading `--`).
    fn apply_line(&mut self, line: &str) {
        match parse_line(line) {
            ParsedLine::Empty => {}
            ParsedLine::Property { key, value } => {
                // The parser never yields a blank key, so this cannot fail; warn rather than
                // drop the line silently if it ever did.
                if self.set(&key, &value).is_err() {
                    self.warn(PropertyWarning::InvalidLine(line.to_owned()));
                }
            }
            ParsedLine::Invalid => self.warn(PropertyWarning::InvalidLine(line.to_owned())),
        }
    }

    /// Sets `key` (surrounding whitespace removed) to `value`; an empty `value` removes the
    /// property. A key under one of Ice's prefixes that Ice does not know, or that it
    /// deprecates, is set with a [`PropertyWarning`], as Ice warns; `IceSSL.CertAuthFile` and
    /// `IceSSL.CertAuthDir` set `IceSSL.CAs`, as in Ice 3.7.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), PropertiesError> {
        let key = key.trim_matches([' ', '\t', '\r', '\n']);
        if key.is_empty() {
            return Err(PropertiesError::EmptyKey);
        }
        if let Some(warning) = known::check(key) {
            self.warn(warning);
        }
        // As Ice 3.7 does, a deprecated name sets the name that replaced it.
        let key = known::replacement(key).unwrap_or(key);
        if value.is_empty() {
            self.map.remove(key);
        } else {
            self.map.insert(key.to_owned(), value.to_owned());
        }
        Ok(())
    }

    /// The value of `key`, if it is set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    /// The value of `key`, or `default` if it is not set.
    pub fn get_or<'a>(&'a self, key: &str, default: &'a str) -> &'a str {
        self.get(key).unwrap_or(default)
    }

    /// The value of `key` as an integer, or 0 (Ice's `getPropertyAsInt`).
    pub fn get_int(&self, key: &str) -> i32 {
        self.get_int_or(key, 0)
    }

    /// The value of `key` as an integer, or `default` if it is not set. A value that is not an
    /// integer also gives `default`, with a [`PropertyWarning::NotAnInteger`].
    pub fn get_int_or(&self, key: &str, default: i32) -> i32 {
        match self.try_get_int(key) {
            Ok(v) => v.unwrap_or(default),
            Err(_) => {
                let value = self.get(key).unwrap_or_default().to_owned();
                self.warn(PropertyWarning::NotAnInteger { key: key.to_owned(), value, default });
                default
            }
        }
    }

    /// The value of `key` as an integer (`None` if unset), failing on a non-integer value.
    pub fn try_get_int(&self, key: &str) -> Result<Option<i32>, PropertiesError> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => parse_int(value).map(Some).ok_or_else(|| {
                PropertiesError::NotAnInteger { key: key.to_owned(), value: value.to_owned() }
            }),
        }
    }

    /// The value of `key` split into a list at commas and whitespace, with quotes grouping
    /// (Ice's `getPropertyAsList`); empty if unset.
    pub fn get_list(&self, key: &str) -> Vec<String> {
        self.get_list_or(key, &[])
    }

    /// Like [`Properties::get_list`], giving `default` when the key is unset or holds no items.
    /// An unmatched quote is warned about; the items found anyway are used.
    pub fn get_list_or(&self, key: &str, default: &[&str]) -> Vec<String> {
        let Some(value) = self.get(key) else {
            return default.iter().map(|s| (*s).to_owned()).collect();
        };
        let items = split_list(value).unwrap_or_else(|items| {
            self.warn(PropertyWarning::MismatchedQuotes { key: key.to_owned() });
            items
        });
        if items.is_empty() {
            default.iter().map(|s| (*s).to_owned()).collect()
        } else {
            items
        }
    }

    /// Every property whose key starts with `prefix` (all of them for an empty prefix), as
    /// Ice's `getPropertiesForPrefix`.
    pub fn get_with_prefix(&self, prefix: &str) -> BTreeMap<String, String> {
        self.map
            .range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// All properties, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of properties set.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no property is set.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The properties as configuration-file text, one `key=value` line each, escaped so that
    /// [`Properties::load_str`] reads back exactly these properties. Fails for a property that
    /// the file syntax cannot express (a line break, or a tab at either end of a value).
    pub fn to_config_string(&self) -> Result<String, PropertiesError> {
        let mut out = String::new();
        for (key, value) in &self.map {
            if out.is_empty() && key.starts_with('\u{feff}') {
                // A byte-order mark opening the text would be taken for the file's.
                out.push('\n');
            }
            out.push_str(&escape::escape_key(key)?);
            out.push('=');
            out.push_str(&escape::escape_value(key, value)?);
            out.push('\n');
        }
        Ok(out)
    }

    /// The properties as `--key=value` command-line options (Ice's `getCommandLineOptions`),
    /// unescaped.
    pub fn to_command_line_options(&self) -> Vec<String> {
        self.map.iter().map(|(k, v)| format!("--{k}={v}")).collect()
    }

    /// The properties of object adapter `adapter` (`<adapter>.*`) that no object adapter of
    /// Ice 3.7 or 3.8 reads, which Ice warns about when it creates the adapter (none for an
    /// adapter under one of Ice's prefixes, such as `Ice.Admin`: [`Properties::set`] checks
    /// those).
    pub fn unknown_adapter_properties(&self, adapter: &str) -> Vec<&str> {
        self.unknown_under(adapter, known::is_adapter_property)
    }

    /// The properties of proxy property `name` (`<name>.*`) that `propertyToProxy` does not
    /// read, which Ice warns about when it reads the proxy (none under Ice's prefixes).
    pub fn unknown_proxy_properties(&self, name: &str) -> Vec<&str> {
        self.unknown_under(name, known::is_proxy_property)
    }

    fn unknown_under(&self, name: &str, known: fn(&str, &str) -> bool) -> Vec<&str> {
        if name.is_empty() || known::is_reserved(name) {
            return Vec::new();
        }
        let prefix = format!("{name}.");
        self.map
            .range(prefix.clone()..)
            .map(|(k, _)| k.as_str())
            .take_while(|k| k.starts_with(&prefix))
            .filter(|k| !known(k, &prefix))
            .collect()
    }

    /// Removes and returns the warnings collected so far, oldest first.
    pub fn take_warnings(&self) -> Vec<PropertyWarning> {
        std::mem::take(&mut *self.lock_warnings())
    }

    fn warn(&self, warning: PropertyWarning) {
        // Properties set over and over (through an admin facet, say) and never drained must
        // not grow without bound: past this many, warnings are dropped.
        let mut warnings = self.lock_warnings();
        if warnings.len() < MAX_WARNINGS {
            warnings.push(warning);
        }
    }

    fn lock_warnings(&self) -> MutexGuard<'_, Vec<PropertyWarning>> {
        // A panic while holding the lock cannot leave a Vec push half done; keep going.
        self.warnings.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
