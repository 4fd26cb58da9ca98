//! For the value-decoder targets: memory held while decoding is bounded by the input's size.
//! A decoder that trusted a claimed count or size (a sequence of 2^31 elements in 10 bytes)
//! would allocate past the bound; the allocation then fails and the process aborts, which
//! libFuzzer reports as a crash with the input that did it.

use std::alloc::System;

use cap::Cap;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// Bytes a decoder may hold per input byte. The largest honest ratio is a value whose
/// elements each take one byte on the wire: a `string` (a 24-byte `String`), a dictionary
/// entry (its share of a B-tree node, about 60 bytes), a class instance (its box, slices and
/// the reader's instance table), plus the re-encoding's output; 256 covers them with room.
const PER_INPUT_BYTE: usize = 256;
/// A fixed allowance on top, for the decoder's tables and buffers of minimal size.
const ALLOWANCE: usize = 1 << 20;

/// Runs `f` with at most `PER_INPUT_BYTE * input_len + ALLOWANCE` more bytes allocated at any
/// moment than before it.
pub fn bounded<R>(input_len: usize, f: impl FnOnce() -> R) -> R {
    let limit = ALLOCATOR.allocated() + ALLOWANCE + PER_INPUT_BYTE * input_len;
    ALLOCATOR.set_limit(limit).expect("the limit is above what is allocated");
    let result = f();
    ALLOCATOR.set_limit(usize::MAX).expect("lifting the limit");
    result
}
