//! slice2rs end to end: the generated code of a representative file matches its snapshot
//! (`snapshots/`; `UPDATE_SNAPSHOTS=1` rewrites them) and compiles (the snapshots are
//! included below), parse errors name the file, line and column, and the `slice2rs` command
//! writes one file per Slice file and fails with a non-zero status on errors.

use std::path::{Path, PathBuf};

fn slice_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slice")
}

fn check_snapshot(name: &str, code: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, code).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == code,
        "the generated code of {name} changed; review it and rerun with UPDATE_SNAPSHOTS=1\n{code}"
    );
}

#[test]
fn generated_code_matches_the_snapshots() {
    let dir = slice_dir();
    let mut config = slice2rs::Config::new();
    config.include(&dir);
    let merged =
        config.generate_merged(&[dir.join("Representative.ice"), dir.join("Base.ice")]).unwrap();
    check_snapshot("representative.rs", &merged);
}

#[allow(unused_imports)]
mod compiled {
    include!("snapshots/representative.rs");
}

#[test]
fn the_snapshot_compiles_and_marshals() {
    use compiled::demo;
    use ice_driver::ice_proto::encoding::{
        Decode, Encode, EncodingVersion, InputStream, OutputStream,
    };
    let p = demo::Labelled::default();
    assert_eq!(p.label, "none");
    assert_eq!(p.color, demo::Color::Blue);
    assert_eq!(p.r#where.x, 1);
    assert_eq!(demo::MAX_ITEMS, 10);
    assert_eq!(demo::GREETING, "hello \"world\"");
    assert_eq!(demo::FAVORITE as i32, 5);
    let mut out = OutputStream::new(EncodingVersion::V1_1);
    let value = demo::Labelled { label: "a".into(), ..Default::default() };
    value.encode(&mut out);
    let bytes = out.as_slice().to_vec();
    let mut input = InputStream::new(bytes, EncodingVersion::V1_1);
    assert_eq!(demo::Labelled::decode(&mut input).unwrap(), value);
    assert_eq!(<demo::Point as Encode>::FIXED_SIZE, Some(8));
    assert_eq!(demo::DrawingPrx::TYPE_ID, "::Demo::Drawing");
    let e = demo::Failure { reason: "r".into(), code: 3, hint: Some("h".into()) };
    assert_eq!(e.to_string(), "::Demo::Failure");
}

/// `Picture{layers = [s, null, s]}` with `s = Shape{color = blue}`, as ZeroC 3.7's C++
/// `Ice::OutputStream` encodes it (encoding 1.1; compact, then sliced format): the tagged
/// sequence of classes is `FSize`, its instances inline (compact) or in the slice's
/// indirection table (sliced).
const PICTURE_COMPACT: &str = "32 00 00 00 01 01 01 25 0f 3a 3a 44 65 6d 6f 3a 3a 50 69 63 74 75 72 65 26 14 00 00 00 03 01 21 0d 3a 3a 44 65 6d 6f 3a 3a 53 68 61 70 65 06 00 03 ff";
const PICTURE_SLICED: &str = "3c 00 00 00 01 01 01 3d 0f 3a 3a 44 65 6d 6f 3a 3a 50 69 63 74 75 72 65 0e 00 00 00 26 04 00 00 00 03 01 00 01 ff 01 01 31 0d 3a 3a 44 65 6d 6f 3a 3a 53 68 61 70 65 05 00 00 00 06";

#[test]
fn a_tagged_sequence_of_classes_marshals_as_zeroc_does() {
    use compiled::demo;
    use ice_driver::ice_proto::value::ValueRegistry;
    use ice_driver::ice_proto::value::{decode_value, encode_value, SlicedFormat, ValueGraph};
    use ice_driver::ice_proto::{Encapsulation, EncodingVersion};
    let hex = |s: &str| -> Vec<u8> {
        s.split_whitespace().map(|b| u8::from_str_radix(b, 16).unwrap()).collect()
    };
    let registry = ValueRegistry::new().with::<demo::Shape>().with::<demo::Picture>();
    for (format, expected) in
        [(SlicedFormat::Compact, PICTURE_COMPACT), (SlicedFormat::Sliced, PICTURE_SLICED)]
    {
        let mut graph = ValueGraph::new();
        let shape = graph.add(demo::Shape { color: demo::Color::Blue });
        let root = graph.add(demo::Picture { layers: Some(vec![Some(shape), None, Some(shape)]) });
        let encaps = encode_value(&graph, Some(root), EncodingVersion::V1_1, format);
        let expected = hex(expected);
        // The wire form is a 6-byte encapsulation header and its data.
        assert_eq!(&expected[6..], &encaps.data[..], "{format:?}");

        let (root, graph) = decode_value(
            &Encapsulation::new(EncodingVersion::V1_1, expected[6..].to_vec().into()),
            &registry,
        )
        .unwrap();
        let picture = graph.get::<demo::Picture>(root.unwrap()).unwrap();
        let layers = picture.layers.clone().expect("layers present");
        assert_eq!(layers.len(), 3);
        assert!(layers[1].is_none());
        assert!(graph.same_instance(layers[0].unwrap(), layers[2].unwrap()), "referred to twice");
        assert_eq!(graph.len(), 2);
        assert_eq!(graph.get::<demo::Shape>(layers[0].unwrap()).unwrap().color, demo::Color::Blue);
    }
    // Absent, it is not written at all.
    let mut graph = ValueGraph::new();
    let root = graph.add(demo::Picture { layers: None });
    let encaps = encode_value(&graph, Some(root), EncodingVersion::V1_1, SlicedFormat::Compact);
    let (root, graph) = decode_value(&encaps, &registry).unwrap();
    assert_eq!(graph.get::<demo::Picture>(root.unwrap()).unwrap().layers, None);
}

#[test]
fn names_shared_with_generated_code_do_not_collide() {
    use compiled::demo;
    // Exceptions of the same name from two modules: each has its scoped variant.
    let e = demo::DrawingAddError::DemoInnerFailure(demo::inner::Failure::default());
    assert_eq!(e.to_string(), "::Demo::Inner::Failure");
    assert!(matches!(
        demo::DrawingAddError::from(ice_driver::Error::ConnectionLost),
        demo::DrawingAddError::Ice(_)
    ));
    // `clash` (parameters named context, current, params, input, reply, communicator; an
    // out-parameter named ret) compiled in the snapshot, on the proxy and the servant side.
    let _ = demo::DrawingPrx::clash;
}

#[test]
fn parse_errors_name_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("slice2rs-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("module M {\n  struct S { int; }\n}\n", "2:17", "identifier"),
        ("module M {\n  interface I { void f(int a) }\n}\n", "2:31", "`;'"),
        ("module M { enum E { } }\n", "1:23", "no enumerators"),
        ("module M {\n struct S { Missing m; }\n}\n", "", "`Missing' is not defined"),
        ("#include <Nope.ice>\n", "1:1", "cannot find"),
        ("module M { struct module { int a; } }\n", "1:19", "keyword"),
    ];
    for (i, (src, at, what)) in cases.iter().enumerate() {
        let file = dir.join(format!("bad{i}.ice"));
        std::fs::write(&file, src).unwrap();
        let e = slice2rs::Config::new().generate(&file).unwrap_err().to_string();
        let name = file.display().to_string();
        assert!(e.starts_with(&name), "{e}");
        assert!(e.contains(&format!("{name}:{at}")), "{i}: {e}");
        assert!(e.contains(what), "{i}: {e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_command_writes_one_file_per_slice_file_and_fails_on_errors() {
    let out = std::env::temp_dir().join(format!("slice2rs-cli-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let dir = slice_dir();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_slice2rs"))
        .arg(format!("-I{}", dir.display()))
        .args(["-D", "SOMETHING=1", "--output-dir"])
        .arg(&out)
        .arg(dir.join("Representative.ice"))
        .arg(dir.join("Base.ice"))
        .status()
        .unwrap();
    assert!(status.success());
    assert!(out.join("Representative.rs").is_file() && out.join("Base.rs").is_file());
    let bad = out.join("bad.ice");
    std::fs::write(&bad, "module M { struct }").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_slice2rs"))
        .arg("--output-dir")
        .arg(&out)
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("bad.ice:1:"));
    let _ = std::fs::remove_dir_all(&out);
}

/// The demos' generated code is committed (so the demos build without slice2rs): it must be
/// what slice2rs makes now. `UPDATE_SNAPSHOTS=1` rewrites it.
#[test]
fn the_demos_generated_code_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (dir, name) in [
        ("ice-driver/demos", "Hello"),
        ("ice-driver/demos", "Bidir"),
        ("glacier/demos", "Callback"),
    ] {
        let demos = root.join(dir);
        let code =
            slice2rs::Config::new().generate(demos.join(format!("slice/{name}.ice"))).unwrap();
        let path = demos.join(format!("generated/{name}.rs"));
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, &code).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == code, "{} is stale: rerun with UPDATE_SNAPSHOTS=1", path.display());
    }
}

#[test]
fn constants_name_enumerator_values_compact_ids_and_tags_and_modules_reopen() {
    let code = slice2rs::Config::new()
        .generate_source(
            "Consts.ice",
            "module M { const int Base = 7; const short Id = 12;\n\
             enum E { a = Base, b };\n\
             class C(Id) { optional(Base) int x; }; };\n\
             module M { struct S { E e; }; };\n",
        )
        .unwrap();
    assert!(code.contains("A = 7"), "{code}");
    assert!(code.contains("B = 8"), "{code}");
    assert!(code.contains("with_compact_id(12)"), "{code}");
    assert!(code.contains("write_optional(7,"), "{code}");
    // The reopened module is one Rust module.
    assert_eq!(code.matches("pub mod m {").count(), 1, "{code}");
}

#[test]
fn a_struct_that_contains_itself_is_an_error_not_a_crash() {
    let err = slice2rs::Config::new()
        .generate_source("Self.ice", "module M { struct x { int i; x j; }; };\n")
        .unwrap_err();
    assert!(err.to_string().contains("cannot contain itself"), "{err}");
}

#[test]
fn ice_builtin_sequences_need_not_be_compiled() {
    // A stand-in for Ice/BuiltinSequences.ice, found on the include path as ZeroC's is.
    let dir = std::env::temp_dir().join(format!("slice2rs-builtin-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("Ice")).unwrap();
    std::fs::write(
        dir.join("Ice/BuiltinSequences.ice"),
        "#pragma once\nmodule Ice { sequence<string> StringSeq; sequence<byte> ByteSeq; };\n",
    )
    .unwrap();
    let code = slice2rs::Config::new()
        .include(&dir)
        .generate_source(
            "Uses.ice",
            "#include <Ice/BuiltinSequences.ice>\n\
             module M { struct S { Ice::StringSeq names; ::Ice::ByteSeq data; };\n\
             interface I { Ice::StringSeq list(); }; };\n",
        )
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!code.contains("super::ice::"), "{code}");
    assert!(code.contains("pub names: Vec<String>"), "{code}");
    assert!(code.contains("pub data: ::ice_driver::ice_proto::bytes::Bytes"), "{code}");
}

#[test]
fn a_forward_declaration_never_hides_its_definition() {
    // Declared first, defined after, in one file and across two.
    let code = slice2rs::Config::new()
        .generate_source(
            "Fwd.ice",
            "module M { class C; interface I; struct S { C c; I* i; };\n\
             class C { int x; }; interface I { C get(); }; };\n",
        )
        .unwrap();
    assert!(code.contains("pub struct C"), "{code}");
    assert!(code.contains("pub struct IPrx"), "{code}");
    assert!(code.contains("pub i: Option<::ice_driver::ice_proto::ProxyData>"), "{code}");
    // Declared only: no type of its own, used as a class instance.
    let code = slice2rs::Config::new()
        .generate_source("Only.ice", "module M { class D; struct T { D d; }; };\n")
        .unwrap();
    assert!(!code.contains("pub struct D"), "{code}");
    assert!(code.contains("pub d: Option<::ice_driver::ice_proto::value::ValueRef>"), "{code}");
}

#[test]
fn macros_expand_as_zeroc_compilers_expand_them() {
    // The pattern of ZeroC's own Slice/macros test: a default only for one compiler.
    let code = slice2rs::Config::new()
        .define("WITH_LABEL=\"on\"")
        .generate_source(
            "Macros.ice",
            "#ifdef __SLICE2RS__\n#define DEFAULT(X) = X\n#else\n#define DEFAULT(X)\n#endif\n\
             #if ICE_VERSION >= 30700 && defined(WITH_LABEL)\n#define N 7\n#endif\n\
             module M { struct S { int x DEFAULT(N); string s DEFAULT(WITH_LABEL); }; };\n",
        )
        .unwrap();
    assert!(code.contains("x: 7i32"), "{code}");
    assert!(code.contains("s: \"on\""), "{code}");
    let err = slice2rs::Config::new()
        .generate_source("Bad.ice", "#define F(a, b) a b\nmodule M { struct S { F(int) x; }; };\n")
        .unwrap_err();
    assert!(err.to_string().starts_with("Bad.ice:2:1: macro `F' takes 2 arguments"), "{err}");
}

#[test]
fn ice_38_syntax_enumerator_metadata_compact_ids_by_name_and_a_byte_order_mark() {
    let code = slice2rs::Config::new()
        .generate_source(
            "Ice38.ice",
            "\u{feff}module M { enum Ids { First = 1, [\"deprecated\"] Second };\n\
             class C(Second) { int x; }; };\n",
        )
        .unwrap();
    assert!(code.contains("Second = 2"), "{code}");
    assert!(code.contains("with_compact_id(2)"), "{code}");
}

#[test]
fn string_literals_decode_every_escape_as_zeroc_compilers_do() {
    // From ZeroC's Ice/operations test: the same strings written three ways.
    let code = slice2rs::Config::new()
        .generate_source(
            "Lit.ice",
            "module M {\n\
             const string ss0 = \"\\'\\\"\\?\\\\\\a\\b\\f\\n\\r\\t\\v\\6\";\n\
             const string ss1 = \"\\u0027\\u0022\\u003f\\u005c\\u0007\\u0008\\u000c\\u000a\\u000d\\u0009\\u000b\\u0006\";\n\
             const string s3 = \"\\u004121\";\n\
             const string s9 = \"\\U0001F34C\";\n\
             const string oct = \"\\101\\x42\\x4a1\\303\\274\";\n\
             const string unknown = \"\\q\";\n\
             };\n",
        )
        .unwrap();
    let expected = "'\"?\\\u{7}\u{8}\u{c}\n\r\t\u{b}\u{6}";
    for (name, value) in [
        ("SS0", expected),
        ("SS1", expected),
        ("S3", "A21"),
        ("S9", "\u{1F34C}"),
        ("OCT", "ABJ1ü"),
        ("UNKNOWN", "\\q"),
    ] {
        let line = format!("pub const {name}: &str = {value:?};");
        assert!(code.contains(&line), "{line}\n{code}");
    }
    for bad in ["\"\\400\"", "\"\\x\"", "\"\\u12\"", "\"\\uD800\"", "\"\\377\""] {
        let src = format!("module M {{ const string s = {bad}; }};\n");
        assert!(slice2rs::Config::new().generate_source("Bad.ice", &src).is_err(), "{bad}");
    }
}
