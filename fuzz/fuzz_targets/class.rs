//! Arbitrary bytes read as class instances (encodings 1.0 and 1.1, known and unknown types):
//! must never panic, whatever decodes must re-encode without panicking, and decoding holds
//! memory bounded by the input's size (`common/alloc_bound.rs`).
#![no_main]

use ice_proto::value::{
    decode_value_with, encode_value, SliceType, SlicedFormat, Value, ValueReader, ValueRef,
    ValueRegistry, ValueWriter,
};
use ice_proto::{DecodeError, Encapsulation, EncodingVersion};
use libfuzzer_sys::fuzz_target;

#[path = "common/alloc_bound.rs"]
mod alloc_bound;

const BASE: SliceType = SliceType::new("::F::Base");
const NODE: SliceType = SliceType::new("::F::Node").with_compact_id(3).with_optional_members();

/// `class Base { int i; }`
#[derive(Debug, Default)]
struct Base {
    i: i32,
}

impl Value for Base {
    fn slices(&self) -> &'static [SliceType] {
        &[BASE]
    }
    fn write_members(&self, _: usize, w: &mut ValueWriter<'_>) {
        w.write_i32(self.i);
    }
    fn read_members(&mut self, _: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        self.i = r.read_i32()?;
        Ok(())
    }
}

/// `class Node(3) extends Base { Base next; optional(1) string s; optional(2) Base extra; }`
#[derive(Debug, Default)]
struct Node {
    i: i32,
    next: Option<ValueRef>,
    s: Option<String>,
    extra: Option<Option<ValueRef>>,
}

impl Value for Node {
    fn slices(&self) -> &'static [SliceType] {
        &[NODE, BASE]
    }
    fn write_members(&self, slice: usize, w: &mut ValueWriter<'_>) {
        if slice == 0 {
            w.write_value(self.next);
            w.write_optional(1, &self.s);
            w.write_optional_value(2, self.extra);
        } else {
            w.write_i32(self.i);
        }
    }
    fn read_members(&mut self, slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        if slice == 0 {
            self.next = r.read_value()?;
            self.s = r.read_optional(1)?;
            self.extra = r.read_optional_value(2)?;
        } else {
            self.i = r.read_i32()?;
        }
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    alloc_bound::bounded(data.len(), || {
        let known = ValueRegistry::new().with::<Base>().with::<Node>();
        let only_base = ValueRegistry::new().with::<Base>();
        for enc in [EncodingVersion::V1_0, EncodingVersion::V1_1] {
            let encaps = Encapsulation::new(enc, bytes::Bytes::copy_from_slice(data));
            for registry in [&known, &only_base, &ValueRegistry::new()] {
                if let Ok((root, graph)) = decode_value_with(&encaps, registry, 50) {
                    for format in [SlicedFormat::Compact, SlicedFormat::Sliced] {
                        let _ = encode_value(&graph, root, enc, format);
                    }
                }
            }
        }
    })
});
