//! Reading what a ZeroC peer says it put on the wire: its `Ice.Trace.Protocol=1` trace, written
//! to a file with `--Ice.LogFile=<path>` (see [`LogFile`]).
//!
//! A trace entry is a title line (`-- <date> <time> <program>: Protocol: sending request`)
//! followed by indented `key = value` lines (`compression status = 2 (compressed; ...)`,
//! `message size = 1494`, `request id = 12`, `operation = echo`). The message size is the size
//! on the wire, after compression.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::{env, fs, io, process};

/// One protocol trace entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEntry {
    /// What happened, e.g. `sending request`, `received reply`.
    pub title: String,
    /// The `key = value` lines.
    pub fields: BTreeMap<String, String>,
}

impl TraceEntry {
    /// The value of field `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    /// The leading number of field `key` (`compression status = 2 (compressed; ...)` gives 2).
    pub fn number(&self, key: &str) -> Option<u64> {
        self.get(key)?.split_whitespace().next()?.parse().ok()
    }
}

/// Parses the `Protocol:` entries of a ZeroC log; other entries are left out.
pub fn parse_protocol_trace(log: &str) -> Vec<TraceEntry> {
    let mut entries = Vec::new();
    let mut current: Option<TraceEntry> = None;
    for line in log.lines() {
        if line.starts_with("-- ") || line.starts_with("!! ") {
            entries.extend(current.take());
            if let Some((_, title)) = line.split_once(" Protocol: ") {
                current =
                    Some(TraceEntry { title: title.trim().to_owned(), fields: BTreeMap::new() });
            }
        } else if let (Some(entry), Some((key, value))) = (&mut current, line.split_once(" =")) {
            entry.fields.insert(key.trim().to_owned(), value.trim().to_owned());
        }
    }
    entries.extend(current);
    entries
}

/// A log file path for a ZeroC peer (`--Ice.LogFile=...`), unique in this process and removed
/// when dropped.
pub struct LogFile {
    path: PathBuf,
}

impl LogFile {
    /// A fresh path in the temporary directory; `tag` goes into its name.
    pub fn new(tag: &str) -> LogFile {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = env::temp_dir().join(format!("ice-tests-{}-{n}-{tag}.log", process::id()));
        let _ = fs::remove_file(&path);
        LogFile { path }
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The `--Ice.LogFile=<path>` argument.
    pub fn ice_arg(&self) -> String {
        format!("--Ice.LogFile={}", self.path.display())
    }

    /// The protocol trace entries written so far.
    pub fn protocol_trace(&self) -> io::Result<Vec<TraceEntry>> {
        Ok(parse_protocol_trace(&fs::read_to_string(&self.path)?))
    }
}

impl Drop for LogFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_parsed() {
        let log = "\
-- 11/21/26 06:31:45.491 driver/client.py: Protocol: sending request \n   \
message type = 0 (request)\n   compression status = 2 (compressed; compress response, if any)\n   \
message size = 1494\n   request id = 12\n   facet =\n   operation = echo\n\
-- 11/21/26 06:31:45.492 client.py: Network: sent 1494 of 1494 bytes via tcp\n   \
local address = 127.0.0.1:1\n\
-- 11/21/26 06:31:45.496 client.py: Protocol: received reply \n   message type = 2 (reply)\n   \
compression status = 0 (not compressed; do not compress response, if any)\n   \
reply status = Ok\n";
        let entries = parse_protocol_trace(log);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].title, "sending request");
        assert_eq!(entries[0].number("compression status"), Some(2));
        assert_eq!(entries[0].number("message size"), Some(1494));
        assert_eq!(entries[0].get("operation"), Some("echo"));
        assert_eq!(entries[0].get("facet"), Some(""));
        assert_eq!(entries[1].title, "received reply");
        assert_eq!(entries[1].number("compression status"), Some(0));
        assert_eq!(entries[1].get("reply status"), Some("Ok"));
        assert!(!entries[1].fields.contains_key("local address"));
    }
}
