//! Typed getters, command-line options, `Ice.Config` loading and printing of Ice properties.

use std::collections::BTreeMap;
use std::io;

use ice_proto::properties::{split_list, ConfigFiles, PropertyWarning};
use ice_proto::{Properties, PropertiesError};
use proptest::prelude::*;

/// Configuration files held in memory, recording which were read.
#[derive(Default)]
struct MemoryFiles {
    files: BTreeMap<String, String>,
    env: Option<String>,
    read: Vec<String>,
}

impl MemoryFiles {
    fn with(files: &[(&str, &str)]) -> Self {
        MemoryFiles {
            files: files.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Default::default()
        }
    }
}

impl ConfigFiles for MemoryFiles {
    fn ice_config_env(&self) -> Option<String> {
        self.env.clone()
    }
    fn read(&mut self, path: &str) -> Result<String, PropertiesError> {
        self.read.push(path.to_owned());
        self.files.get(path).cloned().ok_or_else(|| PropertiesError::Unreadable {
            path: path.into(),
            source: io::Error::new(io::ErrorKind::NotFound, "no such file"),
        })
    }
}

fn props(text: &str) -> Properties {
    let mut p = Properties::new();
    p.load_str(text);
    assert!(p.take_warnings().is_empty(), "unexpected warnings for {text:?}");
    p
}

const ROUTER_CONFIG: &str = r#"
#
# The Glacier2 router of the demo deployment.
#
Glacier2.InstanceName=DemoGlacier2

# Client and server endpoints.
Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p 4063
Glacier2.Server.Endpoints=tcp -h 127.0.0.1

Glacier2.PermissionsVerifier=DemoGlacier2/NullPermissionsVerifier
Glacier2.SessionTimeout = 30       # seconds
Glacier2.Client.ForwardContext=1
Glacier2.Client.Trace.Reject=1
Glacier2.Filter.Category.Accept="cat one", cat2
Glacier2.Client.Buffered=0

Ice.ACM.Client.Timeout=60
Ice.ACM.Client.Heartbeat=3
Ice.ACM.Server.Close=4
Ice.ACM.Timeout=30
Ice.Default.Locator=IceGrid/Locator:tcp -h 127.0.0.1 -p 4061
Ice.Warn.Connections=1
Ice.Trace.Network=0
Ice.MessageSizeMax=2048
Ice.RetryIntervals=0 100 500
"#;

#[test]
fn a_glacier2router_config_parses_to_the_expected_values() {
    let p = props(ROUTER_CONFIG);
    assert_eq!(p.get("Glacier2.InstanceName"), Some("DemoGlacier2"));
    assert_eq!(p.get("Glacier2.Client.Endpoints"), Some("tcp -h 127.0.0.1 -p 4063"));
    assert_eq!(p.get("Glacier2.Server.Endpoints"), Some("tcp -h 127.0.0.1"));
    assert_eq!(p.get("Glacier2.PermissionsVerifier"), Some("DemoGlacier2/NullPermissionsVerifier"));
    assert_eq!(p.get_int("Glacier2.SessionTimeout"), 30);
    assert_eq!(p.get_int("Glacier2.Client.ForwardContext"), 1);
    assert_eq!(p.get_int_or("Glacier2.Client.Buffered", 1), 0);
    assert_eq!(p.get_int_or("Glacier2.Server.Buffered", 1), 1);
    assert_eq!(p.get_list("Glacier2.Filter.Category.Accept"), ["cat one", "cat2"]);
    assert_eq!(p.get_int_or("Ice.ACM.Client.Timeout", 60), 60);
    assert_eq!(p.get_int("Ice.ACM.Client.Heartbeat"), 3);
    assert_eq!(p.get_int("Ice.ACM.Server.Close"), 4);
    assert_eq!(p.get_int("Ice.ACM.Timeout"), 30);
    assert_eq!(p.get("Ice.Default.Locator"), Some("IceGrid/Locator:tcp -h 127.0.0.1 -p 4061"));
    assert_eq!(p.get_int("Ice.Warn.Connections"), 1);
    assert_eq!(p.get_int_or("Ice.Trace.Network", 2), 0);
    assert_eq!(p.get_int_or("Ice.MessageSizeMax", 1024), 2048);
    assert_eq!(p.get_list("Ice.RetryIntervals"), ["0", "100", "500"]);
    assert_eq!(p.len(), 18);
    assert!(p.take_warnings().is_empty());

    let acm = p.get_with_prefix("Ice.ACM.");
    assert_eq!(
        acm.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "Ice.ACM.Client.Heartbeat",
            "Ice.ACM.Client.Timeout",
            "Ice.ACM.Server.Close",
            "Ice.ACM.Timeout"
        ]
    );
    let client = p.get_with_prefix("Glacier2.Client.");
    assert_eq!(client.len(), 4);
    assert_eq!(client["Glacier2.Client.Trace.Reject"], "1");
    assert_eq!(p.get_with_prefix("").len(), p.len());
    assert!(p.get_with_prefix("Nope.").is_empty());
}

#[test]
fn get_and_get_or() {
    let p = props("a=1\n");
    assert_eq!(p.get("a"), Some("1"));
    assert_eq!(p.get("b"), None);
    assert_eq!(p.get_or("a", "x"), "1");
    assert_eq!(p.get_or("b", "x"), "x");
}

#[test]
fn integers_follow_cxx_stream_extraction() {
    let p = props(
        "plain=42\nlead=\\ \\ 42\nplus=+7\nneg=-3\nmin=-2147483648\nzeros=007\n\
         trail=42\\ \nhex=0x10\nbig=2147483648\nword=abc\nfrac=1.5\nsign=-\n",
    );
    assert_eq!(p.get_int("plain"), 42);
    assert_eq!(p.get_int("lead"), 42);
    assert_eq!(p.get_int("plus"), 7);
    assert_eq!(p.get_int("neg"), -3);
    assert_eq!(p.get_int("min"), i32::MIN);
    assert_eq!(p.get_int("zeros"), 7);
    assert!(p.take_warnings().is_empty());

    for key in ["trail", "hex", "big", "word", "frac", "sign"] {
        assert_eq!(p.get_int_or(key, 99), 99, "{key}");
        let value = p.get(key).unwrap().to_owned();
        assert_eq!(
            p.take_warnings(),
            [PropertyWarning::NotAnInteger { key: key.into(), value: value.clone(), default: 99 }]
        );
        assert!(matches!(
            p.try_get_int(key),
            Err(PropertiesError::NotAnInteger { key: k, value: v }) if k == key && v == value
        ));
    }
    assert_eq!(p.get_int("word"), 0);
    assert_eq!(
        p.take_warnings()[0].to_string(),
        "numeric property word set to non-numeric value, defaulting to 0"
    );

    // Unset keys give the default silently.
    assert_eq!(p.get_int("unset"), 0);
    assert_eq!(p.get_int_or("unset", -5), -5);
    assert_eq!(p.try_get_int("unset").unwrap(), None);
    assert!(p.take_warnings().is_empty());
}

#[test]
fn lists_split_at_commas_and_whitespace_with_quotes() {
    let p = props(concat!(
        "plain=a, b  c,,d\t e\n",
        "quoted=\"a b\",'c,d' e\n",
        "inner=x\"y z\"w\n",
        "escaped=\\\\\"x 'it\\\\'s' \"say \\\\\"hi\\\\\"\"\n",
        "empty=\"\" ''\n",
        "open=a \"b c\n",
        "onlyopen=\"\n",
    ));
    assert_eq!(p.get_list("plain"), ["a", "b", "c", "d", "e"]);
    assert_eq!(p.get_list("quoted"), ["a b", "c,d", "e"]);
    assert_eq!(p.get_list("inner"), ["xy zw"]);
    assert_eq!(p.get("escaped"), Some(r#"\"x 'it\'s' "say \"hi\"""#));
    assert_eq!(p.get_list("escaped"), ["\"x", "it's", "say \"hi\""]);
    assert_eq!(p.get_list("empty"), Vec::<String>::new());
    assert_eq!(p.get_list_or("empty", &["d"]), ["d"]);
    assert!(p.take_warnings().is_empty());

    assert_eq!(p.get_list("open"), ["a", "b c"]);
    assert_eq!(p.take_warnings(), [PropertyWarning::MismatchedQuotes { key: "open".into() }]);
    assert_eq!(p.get_list_or("onlyopen", &["x", "y"]), ["x", "y"]);
    assert_eq!(p.take_warnings().len(), 1);

    assert_eq!(p.get_list_or("unset", &["u"]), ["u"]);
    assert!(p.get_list("unset").is_empty());
    assert_eq!(split_list("a 'b"), Err(vec!["a".to_owned(), "b".to_owned()]));
}

#[test]
fn set_trims_keys_rejects_empty_ones_and_unsets_on_empty_values() {
    let mut p = Properties::new();
    p.set("  Ice.Trace.Network\t", "2").unwrap();
    assert_eq!(p.get("Ice.Trace.Network"), Some("2"));
    p.set("Ice.Trace.Network", " 3 ").unwrap();
    assert_eq!(p.get("Ice.Trace.Network"), Some(" 3 "), "values are stored as given");
    assert!(matches!(p.set("", "x"), Err(PropertiesError::EmptyKey)));
    assert!(matches!(p.set(" \t\r\n", "x"), Err(PropertiesError::EmptyKey)));
    p.set("Ice.Trace.Network", "").unwrap();
    assert!(p.is_empty());
    p.set("never.set", "").unwrap();
    assert!(p.is_empty());
}

#[test]
fn command_line_options_with_a_prefix() {
    let mut p = Properties::new();
    let rest = p.parse_command_line_options(
        "Glacier2",
        [
            "prog",
            "--Glacier2.InstanceName=Router",
            "--Glacier2.Trace.Session",
            "--Ice.Trace.Network=2",
            "file.txt",
            "--Glacier2X.Name=1",
            "-Glacier2.Short=1",
            "--Glacier2.Comment=a b # c",
            "--Glacier2.Escaped=a\\#b\\ ",
        ],
    );
    assert_eq!(
        rest,
        ["prog", "--Ice.Trace.Network=2", "file.txt", "--Glacier2X.Name=1", "-Glacier2.Short=1"]
    );
    assert_eq!(p.get("Glacier2.InstanceName"), Some("Router"));
    assert_eq!(p.get_int("Glacier2.Trace.Session"), 1);
    assert_eq!(p.get("Glacier2.Comment"), Some("a b"));
    assert_eq!(p.get("Glacier2.Escaped"), Some("a#b "));
    assert_eq!(p.len(), 4);

    // A trailing dot in the prefix is the same prefix; an empty value unsets.
    let rest = p.parse_command_line_options("Glacier2.", ["--Glacier2.InstanceName="]);
    assert!(rest.is_empty());
    assert_eq!(p.get("Glacier2.InstanceName"), None);
}

#[test]
fn an_empty_prefix_takes_every_double_dash_option() {
    let mut p = Properties::new();
    let rest = p.parse_command_line_options("", ["--A.B=1", "--flag", "-x", "y"]);
    assert_eq!(rest, ["-x", "y"]);
    assert_eq!(p.get("A.B"), Some("1"));
    assert_eq!(p.get("flag"), Some("1"));
}

#[test]
fn ice_command_line_options_take_only_reserved_prefixes() {
    let mut p = Properties::new();
    let rest = p.parse_ice_command_line_options([
        "prog",
        "--Ice.Default.Host=127.0.0.1",
        "--IceSSL.Trace.Security=1",
        "--Glacier2.Client.Endpoints=tcp -p 4063",
        "--MyApp.Level=3",
        "--IceGridAdmin.Username=u",
        "--help",
    ]);
    assert_eq!(rest, ["prog", "--MyApp.Level=3", "--help"]);
    assert_eq!(p.get("Ice.Default.Host"), Some("127.0.0.1"));
    assert_eq!(p.get("IceSSL.Trace.Security"), Some("1"));
    assert_eq!(p.get("Glacier2.Client.Endpoints"), Some("tcp -p 4063"));
    assert_eq!(p.get("IceGridAdmin.Username"), Some("u"));
    assert_eq!(p.len(), 4);
}

#[test]
fn ice_config_files_load_in_order_and_the_command_line_wins() {
    let mut files = MemoryFiles::with(&[
        ("base.cfg", "Ice.Trace.Network=1\nShared=base\nBaseOnly=yes\n"),
        ("over.cfg", "Shared=over\nIce.Trace.Protocol=1\n"),
    ]);
    let (p, rest) = Properties::from_args(
        [
            "C:\\bin\\glacier.exe",
            "--Ice.Trace.Network=3",
            "--Ice.Config=base.cfg, over.cfg",
            "--MyOption",
            "positional",
        ],
        Properties::new(),
        &mut files,
    )
    .unwrap();
    assert_eq!(files.read, ["base.cfg", "over.cfg"]);
    assert_eq!(rest, ["C:\\bin\\glacier.exe", "--MyOption", "positional"]);
    assert_eq!(p.get("Ice.ProgramName"), Some("C:/bin/glacier.exe"));
    assert_eq!(p.get("Ice.Config"), Some("base.cfg, over.cfg"));
    assert_eq!(p.get_int("Ice.Trace.Network"), 3, "command line overrides the files");
    assert_eq!(p.get("Shared"), Some("over"), "later files override earlier ones");
    assert_eq!(p.get("BaseOnly"), Some("yes"));
    assert_eq!(p.get_int("Ice.Trace.Protocol"), 1);
}

#[test]
fn ice_config_without_a_value_uses_the_environment() {
    let mut files = MemoryFiles::with(&[("env.cfg", "FromEnv=1\n")]);
    files.env = Some("env.cfg".into());
    let (p, rest) =
        Properties::from_args(["prog", "--Ice.Config"], Properties::new(), &mut files).unwrap();
    assert_eq!(rest, ["prog"]);
    assert_eq!(p.get("FromEnv"), Some("1"));
    assert_eq!(p.get("Ice.Config"), Some("env.cfg"));

    // With no Ice.Config anywhere, ICE_CONFIG is still consulted.
    let mut files = MemoryFiles::with(&[("env.cfg", "FromEnv=2\n")]);
    files.env = Some("env.cfg".into());
    let (p, _) = Properties::from_args(["prog"], Properties::new(), &mut files).unwrap();
    assert_eq!(p.get("FromEnv"), Some("2"));
}

#[test]
fn defaults_that_name_config_files_are_not_reloaded() {
    let mut defaults = Properties::new();
    defaults.set("Ice.Config", "already.cfg").unwrap();
    defaults.set("Ice.ProgramName", "named").unwrap();
    let mut files = MemoryFiles::with(&[]);
    files.env = Some("env.cfg".into());
    let (p, rest) =
        Properties::from_args(["prog", "--Ice.Warn.Connections"], defaults, &mut files).unwrap();
    assert!(files.read.is_empty());
    assert_eq!(rest, ["prog"]);
    assert_eq!(p.get("Ice.ProgramName"), Some("named"));
    assert_eq!(p.get_int("Ice.Warn.Connections"), 1);
}

#[test]
fn unreadable_config_files_are_errors() {
    let mut files = MemoryFiles::with(&[("a.cfg", "A=1\n")]);
    let err = Properties::from_args(
        ["prog", "--Ice.Config=a.cfg,missing.cfg"],
        Properties::new(),
        &mut files,
    )
    .unwrap_err();
    match &err {
        PropertiesError::Unreadable { path, source } => {
            assert_eq!(path.to_str(), Some("missing.cfg"));
            assert_eq!(source.kind(), io::ErrorKind::NotFound);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(err.to_string(), "cannot read configuration file missing.cfg");

    let mut p = Properties::new();
    let missing = std::env::temp_dir().join("ice-proto-no-such-dir").join("x.cfg");
    assert!(matches!(
        p.load_file(&missing),
        Err(PropertiesError::Unreadable { path, .. }) if path == missing
    ));
}

#[test]
fn load_file_reads_from_disk() {
    let path = std::env::temp_dir().join(format!("ice-proto-props-{}.cfg", std::process::id()));
    std::fs::write(&path, ROUTER_CONFIG).unwrap();
    let mut p = Properties::new();
    let result = p.load_file(&path);
    std::fs::remove_file(&path).unwrap();
    result.unwrap();
    assert_eq!(p, props(ROUTER_CONFIG));
}

#[test]
fn to_config_string_escapes_and_refuses_the_inexpressible() {
    let mut p = Properties::new();
    p.set("a#b=c\\d", "  x # y \\ z=w  ").unwrap();
    p.set("plain", "v").unwrap();
    let text = p.to_config_string().unwrap();
    assert_eq!(text, "a\\#b\\=c\\\\d=\\ \\ x \\# y \\\\ z=w\\ \\ \nplain=v\n");
    assert_eq!(props(&text), p);

    for (key, value) in [("k", "a\nb"), ("k", "\tx"), ("k", "x\r"), ("k\nk", "v"), ("k", " \t")] {
        let mut p = Properties::new();
        p.set(key, value).unwrap();
        assert!(
            matches!(p.to_config_string(), Err(PropertiesError::Unrepresentable { .. })),
            "{key:?}={value:?}"
        );
    }
}

#[test]
fn command_line_options_print_every_property() {
    let p = props("b=2\na=x y\n");
    assert_eq!(p.to_command_line_options(), ["--a=x y", "--b=2"]);
}

/// Whether the configuration syntax can express this value (independently of the printer):
/// no line break, and only spaces at its ends.
fn expressible(key: &str, value: &str) -> bool {
    let blank = |c: &char| matches!(c, ' ' | '\t' | '\r');
    let head = value.chars().take_while(blank);
    let tail = value.chars().rev().take_while(blank);
    !key.contains('\n') && !value.contains('\n') && head.chain(tail).all(|c| c == ' ')
}

fn entries(alphabet: &'static str) -> impl Strategy<Value = Vec<(String, String)>> {
    let key = proptest::string::string_regex(&format!("[{alphabet}]{{1,10}}")).unwrap();
    let value = proptest::string::string_regex(&format!("[{alphabet}]{{0,12}}")).unwrap();
    prop::collection::vec((key, value), 0..8)
}

fn build(entries: &[(String, String)]) -> Properties {
    let mut p = Properties::new();
    for (k, v) in entries {
        // Blank keys are refused; that is tested above.
        let _ = p.set(k, v);
    }
    p
}

proptest! {
    #[test]
    fn printed_properties_parse_back_unchanged(
        entries in entries("a-zA-Z0-9_. #=\\\\\"'é€")
    ) {
        let p = build(&entries);
        let text = p.to_config_string().unwrap();
        let mut back = Properties::new();
        back.load_str(&text);
        prop_assert!(back.take_warnings().is_empty());
        prop_assert_eq!(back, p);
    }

    #[test]
    fn whitespace_round_trips_when_the_syntax_allows_it(
        entries in entries("ab#=\\\\ \t\r\n")
    ) {
        let p = build(&entries);
        match p.to_config_string() {
            Ok(text) => {
                let mut back = Properties::new();
                back.load_str(&text);
                prop_assert_eq!(&back, &p);
            }
            Err(PropertiesError::Unrepresentable { .. }) => {
                prop_assert!(p.iter().any(|(k, v)| !expressible(k, v)));
            }
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
        prop_assert_eq!(p.to_config_string().is_ok(), p.iter().all(|(k, v)| expressible(k, v)));
    }

    #[test]
    fn parse_line_never_panics(line in "\\PC*") {
        let _ = ice_proto::properties::parse_line(&line);
        let _ = split_list(&line);
    }
}

/// Found by the `properties` fuzz target: a key that starts with a byte-order mark, written
/// first, was read back as the file's BOM and lost.
#[test]
fn a_key_starting_with_a_byte_order_mark_survives_to_config_string() {
    let mut p = Properties::new();
    p.set("\u{feff}", "\u{6}").unwrap();
    let text = p.to_config_string().unwrap();
    assert_eq!(props(&text), p, "{text:?}");
}

#[test]
fn unknown_and_deprecated_properties_are_warned_about_as_ice_does() {
    let mut p = Properties::new();
    p.load_str(
        "Ice.Trace.Netwrok=1\nIceSSL.CertAuthFile=cacert.pem\nHello.Endpoints=tcp\n\
         Hello.Endpionts=tcp\nMy.Own.Setting=1\n",
    );
    let warnings: Vec<String> = p.take_warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        ["unknown property: `Ice.Trace.Netwrok'", "deprecated property: IceSSL.CertAuthFile"]
    );
    // Ice 3.7 reads the deprecated name as the one that replaced it.
    assert_eq!(p.get("IceSSL.CAs"), Some("cacert.pem"));
    assert_eq!(p.get("IceSSL.CertAuthFile"), None);
    // Properties outside Ice's prefixes are the application's: only an adapter's are checked.
    assert_eq!(p.unknown_adapter_properties("Hello"), ["Hello.Endpionts"]);
    assert!(p.unknown_adapter_properties("My").len() == 1);
    assert!(p.unknown_adapter_properties("Ice.Trace").is_empty());
    let mut p = Properties::new();
    p.load_str("Hello.Proxy=hello\nHello.Proxy.Context.a=1\nHello.Proxy.Locatr=x\n");
    assert_eq!(p.unknown_proxy_properties("Hello.Proxy"), ["Hello.Proxy.Locatr"]);
    // Never drained, warnings stop growing.
    for i in 0..2 * ice_proto::properties::MAX_WARNINGS {
        p.set(&format!("Ice.Nope{i}"), "1").unwrap();
    }
    assert_eq!(p.take_warnings().len(), ice_proto::properties::MAX_WARNINGS);
}
