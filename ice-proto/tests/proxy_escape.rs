//! Identity and string escaping (spec §6.2): every row of the spec's tables, both directions,
//! plus the unescaping rules as ZeroC Ice 3.7.8's `stringToIdentity` applies them.

use ice_proto::proxy::{
    escape, identity_to_string, string_to_identity, unescape, IdentityParseError, ToStringMode,
    UnescapeError,
};
use ice_proto::Identity;

const MODES: [ToStringMode; 3] = [ToStringMode::Unicode, ToStringMode::Ascii, ToStringMode::Compat];

/// The escape table of §6.2: (input, Unicode, ASCII, Compat).
const ESCAPE_TABLE: &[(&str, &str, &str, &str)] = &[
    ("\\", "\\\\", "\\\\", "\\\\"),
    ("'", "\\'", "\\'", "\\'"),
    ("\"", "\\\"", "\\\"", "\\\""),
    ("\u{8}", "\\b", "\\b", "\\b"),
    ("\u{c}", "\\f", "\\f", "\\f"),
    ("\n", "\\n", "\\n", "\\n"),
    ("\r", "\\r", "\\r", "\\r"),
    ("\t", "\\t", "\\t", "\\t"),
    ("\u{7}", "\\a", "\\a", "\\007"),
    ("\u{b}", "\\v", "\\v", "\\013"),
    ("/", "\\/", "\\/", "\\/"),
    ("\u{1}", "\\u0001", "\\u0001", "\\001"),
    ("\u{1f}", "\\u001f", "\\u001f", "\\037"),
    ("\u{7f}", "\\u007f", "\\u007f", "\\177"),
    ("é", "é", "\\u00e9", "\\303\\251"),
    ("€", "€", "\\u20ac", "\\342\\202\\254"),
    ("😀", "😀", "\\U0001f600", "\\360\\237\\230\\200"),
    ("a Z~?", "a Z~?", "a Z~?", "a Z~?"),
];

#[test]
fn escape_table_both_directions() {
    for &(input, unicode, ascii, compat) in ESCAPE_TABLE {
        for (mode, expected) in MODES.into_iter().zip([unicode, ascii, compat]) {
            assert_eq!(escape(input, "/", mode), expected, "escape {input:?} in {mode:?}");
            assert_eq!(unescape(expected, "/").as_deref(), Ok(input), "unescape {expected:?}");
        }
    }
}

#[test]
fn special_characters_only_when_asked() {
    assert_eq!(escape("a/b", "", ToStringMode::Unicode), "a/b");
    assert_eq!(escape("a/b", "/", ToStringMode::Unicode), "a\\/b");
    // A backslash before a character that is not special is kept.
    assert_eq!(unescape("a\\/b", "").as_deref(), Ok("a\\/b"));
    assert_eq!(unescape("a\\/b", "/").as_deref(), Ok("a/b"));
}

/// The identity table of §6.2 (ZeroC's `cpp/test/Ice/proxy` expectations).
#[test]
fn spec_identity_table() {
    let id = Identity::with_category("cat/", "/test");
    assert_eq!(identity_to_string(&id, ToStringMode::Unicode), "cat\\//\\/test");
    assert_eq!(string_to_identity("cat\\//\\/test"), Ok(id));

    let id = Identity::with_category("\u{7f}€", "test");
    for (mode, printed) in
        MODES.into_iter().zip(["\\u007f€/test", "\\u007f\\u20ac/test", "\\177\\342\\202\\254/test"])
    {
        assert_eq!(identity_to_string(&id, mode), printed);
        assert_eq!(string_to_identity(printed), Ok(id.clone()));
    }

    assert_eq!(string_to_identity("\\342\\x82\\254\\60\\x9\\60\\"), Ok(Identity::new("€0\t0\\")));
    assert_eq!(string_to_identity("test\\040test"), Ok(Identity::new("test test")));
    assert_eq!(string_to_identity("test\\40test"), Ok(Identity::new("test test")));
    assert!(matches!(
        string_to_identity("test\\777"),
        Err(IdentityParseError::Escape {
            source: UnescapeError::OctalOutOfRange { value: 511, .. },
            ..
        })
    ));
}

/// What ZeroC 3.7.8's `Ice.stringToIdentity` returned: (input, category, name).
const ZEROC_IDENTITIES: &[(&str, &str, &str)] = &[
    ("a\\/b", "", "a/b"),
    ("a\\\\/b", "a\\", "b"),
    ("a\\\\\\/b", "", "a\\/b"),
    ("a/b\\/c", "a", "b/c"),
    ("/a", "", "a"),
    ("a/", "a", ""),
    ("/", "", ""),
    ("", "", ""),
    ("\\u00e9", "", "é"),
    ("\\u00E9", "", "é"),
    ("\\U0001f600", "", "😀"),
    ("\\U0010ffff", "", "\u{10ffff}"),
    ("\\uD7FF", "", "\u{d7ff}"),
    ("\\x41", "", "A"),
    ("\\x414", "", "A4"),
    ("\\x0", "", "\0"),
    ("\\x00g", "", "\0g"),
    ("\\8", "", "\\8"),
    ("\\9", "", "\\9"),
    ("\\q", "", "\\q"),
    ("a\\", "", "a\\"),
    ("\\?", "", "?"),
    ("\\a\\b\\f\\n\\r\\t\\v", "", "\u{7}\u{8}\u{c}\n\r\t\u{b}"),
    ("\\'\\\"", "", "'\""),
    ("\\0", "", "\0"),
    ("\\00", "", "\0"),
    ("\\000", "", "\0"),
    ("\\0000", "", "\u{0}0"),
    ("\\u0000", "", "\0"),
    ("é", "", "é"),
    ("\\/", "", "/"),
    ("a b", "", "a b"),
];

#[test]
fn string_to_identity_matches_zeroc() {
    for &(input, category, name) in ZEROC_IDENTITIES {
        assert_eq!(
            string_to_identity(input),
            Ok(Identity::with_category(category, name)),
            "input {input:?}"
        );
    }
}

#[test]
fn string_to_identity_errors_match_zeroc() {
    let err = |s: &str| match string_to_identity(s) {
        Err(IdentityParseError::Escape { source, .. }) => source,
        other => panic!("{s:?}: {other:?}"),
    };
    assert_eq!(string_to_identity("a/b/c"), Err(IdentityParseError::ExtraSlash("a/b/c".into())));
    assert_eq!(err("\\u00e"), UnescapeError::TooFewHexDigits("\\u00e".into()));
    assert_eq!(err("\\u00eg"), UnescapeError::TooFewHexDigits("\\u00eg".into()));
    assert_eq!(err("\\u12"), UnescapeError::TooFewHexDigits("\\u12".into()));
    assert_eq!(err("\\U1"), UnescapeError::TooFewHexDigits("\\U1".into()));
    assert_eq!(err("\\U0000d800"), UnescapeError::Surrogate("\\U0000d800".into()));
    assert_eq!(err("\\ud800"), UnescapeError::Surrogate("\\ud800".into()));
    assert_eq!(err("\\U00110000"), UnescapeError::NotACharacter("\\U00110000".into()));
    assert_eq!(err("\\x"), UnescapeError::NoHexDigit("\\x".into()));
    assert_eq!(err("\\xg"), UnescapeError::NoHexDigit("\\xg".into()));
    assert_eq!(err("\\400"), UnescapeError::OctalOutOfRange { escape: "\\400".into(), value: 256 });
    assert_eq!(err("a\tb"), UnescapeError::ControlCharacter { ordinal: 9, after: "a".into() });
    assert_eq!(
        err("a\u{7f}b"),
        UnescapeError::ControlCharacter { ordinal: 127, after: "a".into() }
    );
    assert_eq!(err("a\u{1}b"), UnescapeError::ControlCharacter { ordinal: 1, after: "a".into() });
    // ZeroC produces these bytes but they are not a UTF-8 string.
    assert!(matches!(err("\\377"), UnescapeError::InvalidUtf8(_)));
    assert!(matches!(err("\\342"), UnescapeError::InvalidUtf8(_)));
    // The error message names the escape sequence.
    let msg = string_to_identity("x\\u12").unwrap_err().to_string();
    assert!(msg.contains("\\u12"), "{msg}");
}

#[test]
fn identity_to_string_with_and_without_category() {
    assert_eq!(identity_to_string(&Identity::new("a/b"), ToStringMode::Unicode), "a\\/b");
    assert_eq!(
        identity_to_string(&Identity::with_category("c", "n"), ToStringMode::Unicode),
        "c/n"
    );
    assert_eq!(identity_to_string(&Identity::default(), ToStringMode::Unicode), "");
}
