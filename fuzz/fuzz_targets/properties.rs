//! Arbitrary text as an Ice configuration file: loading never panics, and what loads survives
//! being written back out (`to_config_string`, with its escapes) and loaded again unchanged.
#![no_main]

use ice_proto::Properties;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut p = Properties::new();
    p.load_str(text);
    let _ = p.take_warnings();
    for (k, _) in p.iter() {
        let _ = p.try_get_int(k);
        let _ = p.get_list(k);
    }
    if let Ok(config) = p.to_config_string() {
        let mut q = Properties::new();
        q.load_str(&config);
        let a: Vec<(&str, &str)> = p.iter().collect();
        let b: Vec<(&str, &str)> = q.iter().collect();
        assert_eq!(a, b, "written as:\n{config}");
    }
});
