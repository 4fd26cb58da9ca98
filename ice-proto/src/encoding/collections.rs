use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

use super::{Decode, Encode, InputStream, OptionalFormat, OutputStream};
use crate::DecodeError;

/// Size of a size-prefixed container of `n` elements each `elem` bytes, as written in front of
/// a `VSize` optional.
fn vsize_len(n: usize, elem: usize) -> usize {
    n * elem + if n < 255 { 1 } else { 5 }
}

const fn container_format(elem_fixed: Option<usize>) -> OptionalFormat {
    match elem_fixed {
        Some(_) => OptionalFormat::VSize,
        None => OptionalFormat::FSize,
    }
}

fn decode_container_optional<T>(
    elem_fixed: Option<usize>,
    input: &mut InputStream,
    decode: impl FnOnce(&mut InputStream) -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    match elem_fixed {
        // A sequence of one-byte elements is its own VSize: its count is the byte length.
        Some(1) => {}
        Some(_) => {
            input.read_size()?;
        }
        None => {
            input.read_i32()?;
        }
    }
    decode(input)
}

impl<T: Encode> Encode for [T] {
    const OPTIONAL_FORMAT: OptionalFormat = container_format(T::FIXED_SIZE);
    fn encode(&self, out: &mut OutputStream) {
        out.write_seq(self)
    }
    fn encode_optional(&self, out: &mut OutputStream) {
        match T::FIXED_SIZE {
            Some(1) => self.encode(out),
            Some(n) => {
                out.write_size(vsize_len(self.len(), n));
                self.encode(out)
            }
            None => {
                let mark = out.start_size();
                self.encode(out);
                out.end_size_exclusive(mark)
            }
        }
    }
}

impl<T: Encode> Encode for Vec<T> {
    const OPTIONAL_FORMAT: OptionalFormat = container_format(T::FIXED_SIZE);
    fn encode(&self, out: &mut OutputStream) {
        out.write_seq(self)
    }
    fn encode_optional(&self, out: &mut OutputStream) {
        self.as_slice().encode_optional(out)
    }
}

impl<T: Decode> Decode for Vec<T> {
    const OPTIONAL_FORMAT: OptionalFormat = container_format(T::FIXED_SIZE);
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        input.read_seq()
    }
    fn decode_optional(input: &mut InputStream) -> Result<Self, DecodeError> {
        decode_container_optional(T::FIXED_SIZE, input, InputStream::read_seq)
    }
}

const fn entry_fixed(k: Option<usize>, v: Option<usize>) -> Option<usize> {
    match (k, v) {
        (Some(a), Some(b)) => Some(a + b),
        _ => None,
    }
}

fn encode_dict<'a, K: Encode + 'a, V: Encode + 'a>(
    len: usize,
    entries: impl Iterator<Item = (&'a K, &'a V)>,
    out: &mut OutputStream,
) {
    out.write_size(len);
    for (k, v) in entries {
        k.encode(out);
        v.encode(out);
    }
}

fn encode_dict_optional<'a, K: Encode + 'a, V: Encode + 'a>(
    len: usize,
    entries: impl Iterator<Item = (&'a K, &'a V)>,
    out: &mut OutputStream,
) {
    match entry_fixed(K::FIXED_SIZE, V::FIXED_SIZE) {
        Some(n) => {
            out.write_size(vsize_len(len, n));
            encode_dict(len, entries, out)
        }
        None => {
            let mark = out.start_size();
            encode_dict(len, entries, out);
            out.end_size_exclusive(mark)
        }
    }
}

fn decode_dict<K: Decode, V: Decode, C: Default + Extend<(K, V)>>(
    input: &mut InputStream,
) -> Result<C, DecodeError> {
    let n = input.read_count(K::MIN_WIRE_SIZE + V::MIN_WIRE_SIZE)?;
    let mut c = C::default();
    for _ in 0..n {
        let k = K::decode(input)?;
        let v = V::decode(input)?;
        c.extend(std::iter::once((k, v)));
    }
    Ok(c)
}

fn decode_dict_optional<K: Decode, V: Decode, C: Default + Extend<(K, V)>>(
    input: &mut InputStream,
) -> Result<C, DecodeError> {
    match entry_fixed(K::FIXED_SIZE, V::FIXED_SIZE) {
        Some(_) => input.read_size().map(drop)?,
        None => input.read_i32().map(drop)?,
    }
    decode_dict(input)
}

impl<K: Encode, V: Encode, S> Encode for HashMap<K, V, S> {
    const OPTIONAL_FORMAT: OptionalFormat =
        container_format(entry_fixed(K::FIXED_SIZE, V::FIXED_SIZE));
    fn encode(&self, out: &mut OutputStream) {
        encode_dict(self.len(), self.iter(), out)
    }
    fn encode_optional(&self, out: &mut OutputStream) {
        encode_dict_optional(self.len(), self.iter(), out)
    }
}

impl<K: Decode + Eq + Hash, V: Decode, S: BuildHasher + Default> Decode for HashMap<K, V, S> {
    const OPTIONAL_FORMAT: OptionalFormat =
        container_format(entry_fixed(K::FIXED_SIZE, V::FIXED_SIZE));
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        decode_dict(input)
    }
    fn decode_optional(input: &mut InputStream) -> Result<Self, DecodeError> {
        decode_dict_optional(input)
    }
}

impl<K: Encode, V: Encode> Encode for BTreeMap<K, V> {
    const OPTIONAL_FORMAT: OptionalFormat =
        container_format(entry_fixed(K::FIXED_SIZE, V::FIXED_SIZE));
    fn encode(&self, out: &mut OutputStream) {
        encode_dict(self.len(), self.iter(), out)
    }
    fn encode_optional(&self, out: &mut OutputStream) {
        encode_dict_optional(self.len(), self.iter(), out)
    }
}

impl<K: Decode + Ord, V: Decode> Decode for BTreeMap<K, V> {
    const OPTIONAL_FORMAT: OptionalFormat =
        container_format(entry_fixed(K::FIXED_SIZE, V::FIXED_SIZE));
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        decode_dict(input)
    }
    fn decode_optional(input: &mut InputStream) -> Result<Self, DecodeError> {
        decode_dict_optional(input)
    }
}
