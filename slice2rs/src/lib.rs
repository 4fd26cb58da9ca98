//! Compiles ZeroC Slice (`.ice`) files to Rust code for `ice-driver`, as `slice2cpp` or
//! `slice2py` do for their languages: from `build.rs` (like `prost-build` / `tonic-build`) or
//! with the `slice2rs` command.
//!
//! ```no_run
//! // In build.rs's main:
//! slice2rs::Config::new()
//!     .include("slice")
//!     .compile(&["slice/Hello.ice"])
//!     .unwrap();
//! // In src/lib.rs: include!(concat!(env!("OUT_DIR"), "/Hello.rs"));
//! ```
//!
//! # The mapping
//!
//! | Slice | Rust |
//! |---|---|
//! | `module Demo` | `pub mod demo` (files generated together are included in one parent module) |
//! | `bool byte short int long float double string` | `bool u8 i16 i32 i64 f32 f64 String` |
//! | `struct S` | `pub struct S` with `Encode`, `Decode`, `Default` (Slice default values), `Clone`, `PartialEq` (and `Eq`, `Ord`, `Hash` without floating point) |
//! | `enum E { a, b = 5 }` | `#[repr(i32)] pub enum E { A = 0, B = 5 }` with `IceEnum`, `Encode`, `Decode` |
//! | `sequence<T> S` | `pub type S = Vec<T>`; `sequence<byte>` is `Bytes` |
//! | `dictionary<K, V> D` | `pub type D = BTreeMap<K, V>` |
//! | `const int maxSize = 5` | `pub const MAX_SIZE: i32 = 5` (strings: `&str`) |
//! | `exception E extends B` | `pub struct E` (base members first) implementing `UserException`, `Display`, `Error` |
//! | `class C extends B` | `pub struct C` implementing `Value`; class-typed members are `Option<ValueRef>` (tagged sequences, dictionaries and structs of classes too, size-prefixed as ZeroC writes them) |
//! | `Hello*` in data / `Object*` | `Option<ProxyData>` |
//! | `interface Hello` | `HelloPrx` (typed proxy), trait `Hello` (servant), `HelloServant<T>` (dispatcher) |
//! | `::Ice::Identity`, `::Ice::Context` | `ice_driver::Identity`, `ice_driver::Context` |
//! | `::Ice::StringSeq` and Ice's other built-in sequences, `::Ice::PropertyDict` | `Vec<String>`... written out, so Ice's own Slice need not be compiled |
//! | `class C;` / `interface I;` never defined | `Option<ValueRef>`; `I*` is an untyped `Proxy` |
//!
//! A proxy has one `async fn` per operation (and `<op>_with_context`): in-parameters by
//! value for numbers and enums, `&str` for strings, `&T` otherwise, `Option<&XPrx>` for
//! proxies, `Option<..>` for optionals; the result is the return value, or a tuple of the
//! return value then the out-parameters. An operation with a `throws` clause fails with a
//! generated enum (`HelloSayHelloError`) of its exceptions (and those derived from them
//! that the compilation knows) plus `Ice(Error)`; a variant is the exception's name, or, for each
//! of the exceptions that share a name, its scoped name (`DemoFailure`, `DemoInnerFailure`). The servant trait has one method per
//! operation, taking the in-parameters by value and the `Current`, returning the same
//! result shape or a `DispatchError` (raise user exceptions with `DispatchError::user`); its
//! dispatcher checks operation modes as ZeroC does and answers `ice_isA` / `ice_ids` with
//! the interface's whole inheritance. Operations whose parameters hold class instances take
//! and return their parameters encoded (`Encapsulation`); marshal those with
//! `ice_proto::value`. `local` definitions are skipped. Macros (`#define N 5`,
//! `#define DEFAULT(X) = X`) are expanded and `#if` evaluates integer expressions, as with
//! ZeroC's compilers.

mod ast;
mod gen;
mod lexer;
mod macros;
mod parser;
mod preprocess;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use ast::{Builtin, Definition, Literal, Location, Member, Operation, SliceFile, TypeRef};

/// Why a file could not be compiled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// The Slice is not valid: where, and why.
    #[error("{location}: {message}")]
    Syntax {
        /// Where.
        location: Location,
        /// Why.
        message: String,
    },
    /// The Slice parses but cannot be mapped (an undefined type, say).
    #[error("{file}: {message}")]
    Semantic {
        /// The file.
        file: String,
        /// Why.
        message: String,
    },
}

impl Error {
    pub(crate) fn syntax(location: Location, message: impl Into<String>) -> Error {
        Error::Syntax { location, message: message.into() }
    }
}

/// How to compile: include directories, preprocessor symbols and where to write.
#[derive(Debug, Clone, Default)]
pub struct Config {
    include_dirs: Vec<PathBuf>,
    defines: BTreeSet<String>,
    out_dir: Option<PathBuf>,
}

/// The parsed files: the ones asked for, then what they include.
struct Loaded {
    files: BTreeMap<PathBuf, (SliceFile, Vec<PathBuf>)>,
}

impl Config {
    /// A configuration with no include directory and no symbol.
    pub fn new() -> Config {
        Config::default()
    }

    /// Adds a directory searched by `#include` (`-I`).
    pub fn include(&mut self, dir: impl AsRef<Path>) -> &mut Config {
        self.include_dirs.push(dir.as_ref().to_path_buf());
        self
    }

    /// Defines a preprocessor macro (`-D`): `NAME` (defined as 1) or `NAME=VALUE`. Like
    /// ZeroC's compilers, slice2rs also defines `ICE_VERSION` and `__ICE_VERSION__` (30708),
    /// and `__SLICE2RS__`.
    pub fn define(&mut self, name: impl Into<String>) -> &mut Config {
        self.defines.insert(name.into());
        self
    }

    /// Where [`Config::compile`] writes (default: `$OUT_DIR`, as in a build script).
    pub fn out_dir(&mut self, dir: impl AsRef<Path>) -> &mut Config {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Parses `path` (preprocessed; its includes are not parsed).
    pub fn parse(&self, path: impl AsRef<Path>) -> Result<SliceFile, Error> {
        Ok(self.parse_one(path.as_ref())?.0)
    }

    fn parse_one(&self, path: &Path) -> Result<(SliceFile, Vec<PathBuf>), Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::Io { path: path.display().to_string(), source })?;
        self.parse_text(path, &text)
    }

    /// The formatted Rust code of Slice source `text`, as if read from a file `name` (its
    /// `#include`s are read from the include directories).
    pub fn generate_source(&self, name: &str, text: &str) -> Result<String, Error> {
        let (file, includes) = self.parse_text(Path::new(name), text)?;
        let mut loaded = self.load(&includes)?;
        let key = PathBuf::from(format!("\0{name}"));
        loaded.files.insert(key.clone(), (file, includes));
        generate_from(&loaded, &key)
    }

    fn parse_text(&self, path: &Path, text: &str) -> Result<(SliceFile, Vec<PathBuf>), Error> {
        // A UTF-8 byte-order mark, as editors on Windows write, is no part of the Slice.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let pre = preprocess::preprocess(path, text, &self.include_dirs, &self.defines)?;
        let name = path.display().to_string();
        let tokens = lexer::tokenize(&name, &pre.text)?;
        let file = parser::Parser::new(&name, tokens).file()?;
        Ok((file, pre.includes))
    }

    fn load(&self, paths: &[PathBuf]) -> Result<Loaded, Error> {
        let mut loaded = Loaded { files: BTreeMap::new() };
        let mut todo: Vec<PathBuf> = paths.to_vec();
        while let Some(p) = todo.pop() {
            let key = p.canonicalize().unwrap_or_else(|_| p.clone());
            if loaded.files.contains_key(&key) {
                continue;
            }
            let (file, includes) = self.parse_one(&p)?;
            todo.extend(includes.iter().cloned());
            loaded.files.insert(key, (file, includes));
        }
        Ok(loaded)
    }

    /// The formatted Rust code of `path`.
    pub fn generate(&self, path: impl AsRef<Path>) -> Result<String, Error> {
        let path = path.as_ref().to_path_buf();
        let loaded = self.load(std::slice::from_ref(&path))?;
        let key = path.canonicalize().unwrap_or_else(|_| path.clone());
        generate_from(&loaded, &key)
    }

    /// Compiles each of `files` to `<out_dir>/<file stem>.rs`; returns the files written.
    /// In a build script it also asks Cargo to rerun when a Slice file changes.
    pub fn compile(&self, files: &[impl AsRef<Path>]) -> Result<Vec<PathBuf>, Error> {
        let out_dir = self.target_dir()?;
        let paths: Vec<PathBuf> = files.iter().map(|f| f.as_ref().to_path_buf()).collect();
        let loaded = self.load(&paths)?;
        let in_build_script =
            std::env::var_os("CARGO_MANIFEST_DIR").is_some() && self.out_dir.is_none();
        let mut written = Vec::new();
        for p in &paths {
            let key = p.canonicalize().unwrap_or_else(|_| p.clone());
            let code = generate_from(&loaded, &key)?;
            let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let out = out_dir.join(format!("{stem}.rs"));
            std::fs::write(&out, code)
                .map_err(|source| Error::Io { path: out.display().to_string(), source })?;
            written.push(out);
        }
        if in_build_script {
            for key in loaded.files.keys() {
                println!("cargo:rerun-if-changed={}", key.display());
            }
        }
        Ok(written)
    }
}

/// Merges `from` into `into`: definitions of a module reopened in several files go into one
/// module.
fn merge(into: &mut Vec<Definition>, from: &[Definition]) {
    for d in from {
        if let Definition::Module { name, definitions } = d {
            if let Some(Definition::Module { definitions: existing, .. }) = into
                .iter_mut()
                .find(|e| matches!(e, Definition::Module { name: n, .. } if n == name))
            {
                merge(existing, definitions);
                continue;
            }
            // Also merges modules this one reopens within itself.
            let mut inner = Vec::new();
            merge(&mut inner, definitions);
            into.push(Definition::Module { name: name.clone(), definitions: inner });
            continue;
        }
        into.push(d.clone());
    }
}

impl Config {
    /// The formatted Rust code of all of `files` in one source, their modules merged: for
    /// files that reopen the same module (as Ice's own do), which cannot be included side by
    /// side as separate files.
    pub fn generate_merged(&self, files: &[impl AsRef<Path>]) -> Result<String, Error> {
        let paths: Vec<PathBuf> = files.iter().map(|f| f.as_ref().to_path_buf()).collect();
        let loaded = self.load(&paths)?;
        // `format` merges the modules the files reopen.
        let mut merged = SliceFile { name: "(merged)".into(), ..SliceFile::default() };
        for p in &paths {
            let key = p.canonicalize().unwrap_or_else(|_| p.clone());
            if let Some((f, _)) = loaded.files.get(&key) {
                merged.definitions.extend(f.definitions.iter().cloned());
            }
        }
        format(&loaded, &merged)
    }

    /// Writes [`Config::generate_merged`] of `files` to `<out_dir>/<name>`.
    pub fn compile_merged(&self, files: &[impl AsRef<Path>], name: &str) -> Result<PathBuf, Error> {
        let out_dir = self.target_dir()?;
        let code = self.generate_merged(files)?;
        let out = out_dir.join(name);
        std::fs::write(&out, code)
            .map_err(|source| Error::Io { path: out.display().to_string(), source })?;
        if self.out_dir.is_none() {
            for f in files {
                println!("cargo:rerun-if-changed={}", f.as_ref().display());
            }
        }
        Ok(out)
    }

    fn target_dir(&self) -> Result<PathBuf, Error> {
        match &self.out_dir {
            Some(d) => Ok(d.clone()),
            None => {
                Ok(PathBuf::from(std::env::var_os("OUT_DIR").ok_or_else(|| Error::Semantic {
                    file: String::new(),
                    message:
                        "OUT_DIR is not set: call out_dir(), or run from a build script".into(),
                })?))
            }
        }
    }
}

fn generate_from(loaded: &Loaded, key: &Path) -> Result<String, Error> {
    let (file, _) = loaded.files.get(key).ok_or_else(|| Error::Semantic {
        file: key.display().to_string(),
        message: "not loaded".into(),
    })?;
    format(loaded, file)
}

fn format(loaded: &Loaded, file: &SliceFile) -> Result<String, Error> {
    // A module reopened within one file becomes one Rust module.
    let mut definitions = Vec::new();
    merge(&mut definitions, &file.definitions);
    let file = &SliceFile { name: file.name.clone(), metadata: file.metadata.clone(), definitions };
    let mut symbols = gen::Symbols::default();
    for (f, _) in loaded.files.values() {
        symbols.add_file(f);
    }
    let code = gen::file(&symbols, file)
        .map_err(|message| Error::Semantic { file: file.name.clone(), message })?;
    let parsed = syn::parse_file(&code).map_err(|e| Error::Semantic {
        file: file.name.clone(),
        message: format!("generated code does not parse (a slice2rs bug): {e}\n{code}"),
    })?;
    // (Comments do not survive formatting: the header goes on afterwards.)
    let source = Path::new(&file.name)
        .file_name()
        .map_or_else(|| file.name.clone(), |n| n.to_string_lossy().into_owned());
    Ok(format!(
        "// Generated by slice2rs from {source}. Do not edit.\n{}",
        prettyplease::unparse(&parsed)
    ))
}
