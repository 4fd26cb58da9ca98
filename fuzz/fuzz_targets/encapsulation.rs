//! Arbitrary bytes read as nested encapsulations of common Slice types: must never panic;
//! what decodes re-encodes to bytes that decode to the same value and re-encode to the same
//! bytes (decode → encode → decode is stable); decoding holds memory bounded by the input's
//! size (`common/alloc_bound.rs`).
#![no_main]

use std::collections::BTreeMap;
use std::fmt::Debug;

use ice_proto::{Decode, Encapsulation, Encode, EncodingVersion, Identity, InputStream};
use libfuzzer_sys::fuzz_target;

#[path = "common/alloc_bound.rs"]
mod alloc_bound;

/// Decodes `encaps` as a `T`; if that works, checks that the value survives a round trip.
fn round_trip<T: Decode + Encode + PartialEq + Debug>(encaps: &Encapsulation) {
    let Ok(value) = encaps.decode::<T>() else { return };
    let encoded = Encapsulation::from_value(encaps.encoding, &value);
    let again: T = encoded.decode().expect("a re-encoded value decodes");
    assert_eq!(again, value, "decode → encode → decode changed the value");
    let twice = Encapsulation::from_value(encaps.encoding, &again);
    assert_eq!(twice.data, encoded.data, "re-encoding is not stable");
}

fuzz_target!(|data: &[u8]| {
    alloc_bound::bounded(data.len(), || {
        for enc in [EncodingVersion::V1_0, EncodingVersion::V1_1] {
            let mut input = InputStream::new(bytes::Bytes::copy_from_slice(data), enc);
            let Ok(encaps) = input.read_encapsulation() else { continue };
            round_trip::<(i32, String, Vec<String>)>(&encaps);
            round_trip::<BTreeMap<String, Vec<u8>>>(&encaps);
            round_trip::<(Identity, Vec<i64>, bool)>(&encaps);
            round_trip::<Vec<Vec<i16>>>(&encaps);
            if let Ok(mut r) = encaps.reader() {
                let _ = r.read_optional::<String>(3);
                let _ = r.read_optional::<Vec<i64>>(40);
                let _ = r.read_encapsulation().map(|inner| inner.expect_empty());
            }
        }
    })
});
