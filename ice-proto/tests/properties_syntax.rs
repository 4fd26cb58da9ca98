//! Every rule of Ice 3.7's configuration-line syntax (`Properties::parseLine`), on literal
//! inputs.

use ice_proto::properties::{parse_line, ParsedLine, PropertyWarning};
use ice_proto::Properties;

fn prop(key: &str, value: &str) -> ParsedLine {
    ParsedLine::Property { key: key.to_owned(), value: value.to_owned() }
}

#[track_caller]
fn check(line: &str, expected: ParsedLine) {
    assert_eq!(parse_line(line), expected, "line {line:?}");
}

#[test]
fn blank_lines_and_comments_are_empty() {
    check("", ParsedLine::Empty);
    check("   \t ", ParsedLine::Empty);
    check("# a comment", ParsedLine::Empty);
    check("   # indented comment = with equals", ParsedLine::Empty);
    check("\r", ParsedLine::Empty);
}

#[test]
fn key_and_value_are_trimmed_but_inner_whitespace_is_kept() {
    check("a=b", prop("a", "b"));
    check("  a  =  b  ", prop("a", "b"));
    check("a\t=\tb\t", prop("a", "b"));
    check("Ice.RetryIntervals = 0 100  500 ", prop("Ice.RetryIntervals", "0 100  500"));
    check("a b = c", prop("a b", "c"));
    check("a \t b=c", prop("a \t b", "c"));
}

#[test]
fn carriage_returns_are_whitespace() {
    check("a=b\r", prop("a", "b"));
    check("a\r=b", prop("a", "b"));
    check("a=b\rc", prop("a", "b\rc"));
}

#[test]
fn hash_starts_a_comment_anywhere() {
    check("a=b # trailing comment", prop("a", "b"));
    check("a=b#c", prop("a", "b"));
    check("a#b=c", ParsedLine::Invalid);
    check("a=#c", prop("a", ""));
}

#[test]
fn escaped_hash_equals_and_backslash_are_literal() {
    check(r"a=b\#c", prop("a", "b#c"));
    check(r"a\#b=c", prop("a#b", "c"));
    check(r"\#a=b", prop("#a", "b"));
    check(r"a\=b=c", prop("a=b", "c"));
    check(r"a=b\=c", prop("a", "b=c"));
    check(r"a\\b=c\\d", prop(r"a\b", r"c\d"));
    check(r"a=\\", prop("a", r"\"));
}

#[test]
fn unescaped_equals_in_the_value_is_literal() {
    check("a=b=c", prop("a", "b=c"));
    check("a==", prop("a", "="));
}

#[test]
fn other_backslashes_are_kept() {
    check(r"a\tb=c\qd", prop(r"a\tb", r"c\qd"));
    check(r"path=C:\dir\file", prop("path", r"C:\dir\file"));
    check(r"a=\é", prop("a", r"\é"));
}

#[test]
fn escaped_spaces_survive_at_both_ends_of_the_value() {
    check(r"a=\ \ x\ \ ", prop("a", "  x  "));
    check(r"a= \ x", prop("a", " x"));
    // Plain whitespace next to escaped spaces at the ends is still dropped.
    check(r"a=x \ ", prop("a", "x "));
    check(r"a= \  x", prop("a", " x"));
    // In the middle, plain and escaped spaces are all kept.
    check(r"a=x\  y", prop("a", "x  y"));
    check(r"a=\ ", prop("a", " "));
    check(r"a=\ \ \ ", prop("a", "   "));
}

#[test]
fn escaped_spaces_in_keys_are_only_inner_whitespace() {
    check(r"\ a\ b\ =c", prop("a b", "c"));
    check(r"\ \ =c", ParsedLine::Invalid);
}

#[test]
fn a_trailing_backslash_is_literal_and_continues_nothing() {
    check(r"a=b\", prop("a", r"b\"));
    check(r"a=\", prop("a", r"\"));
    // Ice's quirk: escaped spaces before a final backslash end up on both sides of it.
    check(r"a=b\ \", prop("a", r"b \ "));
    check(r"a\", ParsedLine::Invalid);

    let mut props = Properties::new();
    props.load_str("a=b\\\nc=d\n");
    assert_eq!(props.get("a"), Some(r"b\"));
    assert_eq!(props.get("c"), Some("d"));
    assert_eq!(props.len(), 2);
}

#[test]
fn lines_without_a_key_or_without_equals_are_invalid() {
    check("abc", ParsedLine::Invalid);
    check("abc # comment", ParsedLine::Invalid);
    check("=b", ParsedLine::Invalid);
    check("   = b", ParsedLine::Invalid);
    check("=", ParsedLine::Invalid);
}

#[test]
fn empty_values_unset() {
    check("a=", prop("a", ""));
    check("a=   ", prop("a", ""));
    check("a= # nothing", prop("a", ""));

    let mut props = Properties::new();
    props.load_str("a=1\nb=2\na=\nb=   \n");
    assert!(props.is_empty(), "{props:?}");
}

#[test]
fn non_ascii_text_is_kept() {
    check("clé = valeur é€", prop("clé", "valeur é€"));
    check(r"日本\ 語=\ 値", prop("日本 語", " 値"));
}

#[test]
fn load_str_applies_lines_in_order_and_warns_about_invalid_ones() {
    let mut props = Properties::new();
    props.load_str(
        "\u{feff}first=1\r\n# comment\r\njunk line\r\nsecond = two words \r\nfirst=3\r\n=x\n",
    );
    assert_eq!(props.get("first"), Some("3"));
    assert_eq!(props.get("second"), Some("two words"));
    assert_eq!(props.len(), 2);
    assert_eq!(
        props.take_warnings(),
        [
            PropertyWarning::InvalidLine("junk line\r".into()),
            PropertyWarning::InvalidLine("=x".into())
        ]
    );
    assert!(props.take_warnings().is_empty());
}

#[test]
fn a_byte_order_mark_is_skipped_only_at_the_start() {
    let mut props = Properties::new();
    props.load_str("\u{feff}a=1\n\u{feff}b=2\n");
    assert_eq!(props.get("a"), Some("1"));
    assert_eq!(props.get("\u{feff}b"), Some("2"));
}
