//! Arbitrary bytes read as a user exception (encodings 1.0 and 1.1, known, partly known and
//! unknown types): must never panic, whatever decodes must re-encode without panicking, and
//! decoding holds memory bounded by the input's size (`common/alloc_bound.rs`).
#![no_main]

use ice_proto::value::{
    decode_user_exception_with, ExceptionRegistry, SliceType, SlicedFormat, UserException, Value,
    ValueReader, ValueRef, ValueRegistry, ValueWriter,
};
use ice_proto::{DecodeError, Encapsulation, EncodingVersion};
use libfuzzer_sys::fuzz_target;

#[path = "common/alloc_bound.rs"]
mod alloc_bound;

const EX: SliceType = SliceType::new("::F::Ex");
const RICH: SliceType = SliceType::new("::F::Rich").with_optional_members();
const BASE: SliceType = SliceType::new("::F::Base");

/// `class Base { int i; Base next; }`
#[derive(Debug, Default)]
struct Base {
    i: i32,
    next: Option<ValueRef>,
}

impl Value for Base {
    fn slices(&self) -> &'static [SliceType] {
        &[BASE]
    }
    fn write_members(&self, _: usize, w: &mut ValueWriter<'_>) {
        w.write_i32(self.i);
        w.write_value(self.next);
    }
    fn read_members(&mut self, _: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        self.i = r.read_i32()?;
        self.next = r.read_value()?;
        Ok(())
    }
}

/// `exception Ex { int code; }`
#[derive(Debug, Default)]
struct Ex {
    code: i32,
}

impl UserException for Ex {
    fn slices(&self) -> &'static [SliceType] {
        &[EX]
    }
    fn write_members(&self, _: usize, w: &mut ValueWriter<'_>) {
        w.write_i32(self.code);
    }
    fn read_members(&mut self, _: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        self.code = r.read_i32()?;
        Ok(())
    }
}

/// `exception Rich extends Ex { string msg; Base obj; optional(1) int level; }`
#[derive(Debug, Default)]
struct Rich {
    code: i32,
    msg: String,
    obj: Option<ValueRef>,
    level: Option<i32>,
}

impl UserException for Rich {
    fn slices(&self) -> &'static [SliceType] {
        &[RICH, EX]
    }
    fn write_members(&self, slice: usize, w: &mut ValueWriter<'_>) {
        if slice == 0 {
            w.write_string(&self.msg);
            w.write_value(self.obj);
            w.write_optional(1, &self.level);
        } else {
            w.write_i32(self.code);
        }
    }
    fn read_members(&mut self, slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        if slice == 0 {
            self.msg = r.read_string()?;
            self.obj = r.read_value()?;
            self.level = r.read_optional(1)?;
        } else {
            self.code = r.read_i32()?;
        }
        Ok(())
    }
    fn uses_classes(&self) -> bool {
        true
    }
}

fuzz_target!(|data: &[u8]| {
    alloc_bound::bounded(data.len(), || {
        let all = ExceptionRegistry::new().with::<Ex>().with::<Rich>();
        let base_only = ExceptionRegistry::new().with::<Ex>();
        let values = ValueRegistry::new().with::<Base>();
        for enc in [EncodingVersion::V1_0, EncodingVersion::V1_1] {
            let encaps = Encapsulation::new(enc, bytes::Bytes::copy_from_slice(data));
            for exceptions in [&all, &base_only, &ExceptionRegistry::new()] {
                for values in [&values, &ValueRegistry::new()] {
                    if let Ok(d) = decode_user_exception_with(&encaps, exceptions, values, 50) {
                        let _ = d.type_id();
                        for format in [SlicedFormat::Compact, SlicedFormat::Sliced] {
                            let _ = d.to_encapsulation(enc, format);
                        }
                    }
                }
            }
        }
    })
});
