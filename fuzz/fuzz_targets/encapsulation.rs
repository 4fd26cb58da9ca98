//! Arbitrary bytes read as nested encapsulations of common Slice types: must never panic.
#![no_main]

use std::collections::BTreeMap;

use ice_proto::{EncodingVersion, InputStream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for enc in [EncodingVersion::V1_0, EncodingVersion::V1_1] {
        let mut input = InputStream::new(bytes::Bytes::copy_from_slice(data), enc);
        if let Ok(encaps) = input.read_encapsulation() {
            let _ = encaps.decode::<(i32, String, Vec<String>)>();
            let _ = encaps.decode::<BTreeMap<String, Vec<u8>>>();
            if let Ok(mut r) = encaps.reader() {
                let _ = r.read_optional::<String>(3);
                let _ = r.read_optional::<Vec<i64>>(40);
                let _ = r.read_encapsulation().map(|inner| inner.expect_empty());
            }
        }
    }
});
