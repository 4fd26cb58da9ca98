//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod vectors;

/// Parses hex written with optional spaces and `|` separators, where `<"text">` or `<text>`
/// stands for the raw ASCII bytes of `text` (the notation of spec §12).
pub fn spec_hex(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() || c == '|' {
            rest = &rest[1..];
        } else if c == '<' {
            let end = rest.find('>').expect("unclosed <...>");
            out.extend_from_slice(rest[1..end].trim_matches('"').as_bytes());
            rest = &rest[end + 1..];
        } else {
            out.push(u8::from_str_radix(&rest[..2], 16).expect("hex byte"));
            rest = &rest[2..];
        }
    }
    out
}

/// A small deterministic pseudo-random generator (xorshift64*), so chunkings are
/// reproducible without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `1..=max`.
    pub fn between_1_and(&mut self, max: usize) -> usize {
        1 + (self.next() % max as u64) as usize
    }
}
