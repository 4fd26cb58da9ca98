//! Ice data encoding 1.0 and 1.1 (spec §3): streams, the [`Encode`] / [`Decode`] traits and the
//! implementations for Rust's standard types.
//!
//! | Slice type | Rust type |
//! |---|---|
//! | `bool`, `byte`, `short`, `int`, `long`, `float`, `double` | `bool`, `u8`, `i16`, `i32`, `i64`, `f32`, `f64` |
//! | `string` | `String` |
//! | `sequence<T>` | `Vec<T>` (`Bytes` for `sequence<byte>` without copying) |
//! | `dictionary<K, V>` | `HashMap<K, V>` or `BTreeMap<K, V>` |
//! | struct | a hand-written `Encode`/`Decode` impl, or a tuple |
//! | optional member / parameter | `Option<T>` through [`OutputStream::write_optional`] / [`InputStream::read_optional`] |
//! | enum | a type implementing [`IceEnum`], given `Encode`/`Decode` by [`ice_enum!`](crate::ice_enum) |

mod collections;
mod encapsulation;
mod enums;
mod input;
mod optional;
mod output;
mod primitives;
mod traits;
mod version;

pub use encapsulation::Encapsulation;
pub use enums::IceEnum;
pub use input::InputStream;
pub use optional::OptionalFormat;
pub use output::{OutputStream, SizeMark};
pub use traits::{Decode, Encode};
pub use version::{EncodingVersion, ProtocolVersion};
