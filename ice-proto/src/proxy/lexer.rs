//! Small scanners shared by the proxy and endpoint parsers: whitespace, quotes, numbers and
//! versions, with the exact leniencies of ZeroC Ice 3.7's parsers.

/// The whitespace that separates tokens in proxy and endpoint strings.
pub(crate) const WHITESPACE: &[u8] = b" \t\r\n";

/// Index of the first byte at or after `from` that is not whitespace (`len` if none).
pub(crate) fn skip_whitespace(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < b.len() && WHITESPACE.contains(&b[i]) {
        i += 1;
    }
    i
}

/// Index of the first byte at or after `from` that is whitespace or one of `extra` (`len` if
/// none). Every byte searched for is ASCII, so the index is always a char boundary.
pub(crate) fn find_delimiter(b: &[u8], from: usize, extra: &[u8]) -> usize {
    let mut i = from;
    while i < b.len() && !WHITESPACE.contains(&b[i]) && !extra.contains(&b[i]) {
        i += 1;
    }
    i
}

/// For a quote character at `open`, the index of its closing quote: the next identical quote not
/// directly preceded by a backslash. Ice does not look further back, so `"a\\"` has no closing
/// quote; proxies printed by Ice itself can hit this, and we reproduce it.
pub(crate) fn closing_quote(b: &[u8], open: usize) -> Option<usize> {
    let quote = *b.get(open)?;
    let mut i = open + 1;
    while i < b.len() {
        if b[i] == quote && b[i - 1] != b'\\' {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Splits an endpoint string into whitespace-separated tokens. `'` and `"` quote (and are
/// removed); a backslash before a quote character outside quotes, or before the current quote
/// character inside quotes, makes that quote literal. Empty tokens are dropped. Returns `None`
/// for an unterminated quote.
pub(crate) fn split_tokens(s: &str) -> Option<Vec<String>> {
    crate::split::split_quoted(s, |c| c.is_ascii() && WHITESPACE.contains(&(c as u8))).ok()
}

/// Parses an integer the way a C++ `istream >> int` followed by an end-of-input check does:
/// leading whitespace, an optional sign, decimal digits, nothing after. `None` if malformed or
/// outside `i32`.
pub(crate) fn parse_int(s: &str) -> Option<i32> {
    let t = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|d| d.is_ascii_digit()) {
        return None;
    }
    let mut v: i64 = 0;
    for d in digits.bytes() {
        v = v.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
        if v > i64::from(i32::MAX) + 1 {
            return None;
        }
    }
    i32::try_from(if negative { -v } else { v }).ok()
}

/// Parses `major.minor` (each 0..=255) as Ice's `stringToVersion` does; the error is Ice's
/// reason text.
pub(crate) fn parse_version(s: &str) -> Result<(u8, u8), &'static str> {
    let (major, minor) = s.split_once('.').ok_or("malformed version value")?;
    let major = parse_int(major).ok_or("invalid major version value")?;
    let minor = parse_int(minor).ok_or("invalid minor version value")?;
    match (u8::try_from(major), u8::try_from(minor)) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        _ => Err("range error in version"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_follow_cpp_stream_rules() {
        assert_eq!(parse_int("05"), Some(5));
        assert_eq!(parse_int("+5"), Some(5));
        assert_eq!(parse_int(" 5"), Some(5));
        assert_eq!(parse_int("-7"), Some(-7));
        assert_eq!(parse_int("5 "), None);
        assert_eq!(parse_int("5x"), None);
        assert_eq!(parse_int("0x10"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("+"), None);
        assert_eq!(parse_int("2147483647"), Some(i32::MAX));
        assert_eq!(parse_int("-2147483648"), Some(i32::MIN));
        assert_eq!(parse_int("2147483648"), None);
        assert_eq!(parse_int("99999999999999999999999"), None);
    }

    #[test]
    fn versions() {
        assert_eq!(parse_version("1.0"), Ok((1, 0)));
        assert_eq!(parse_version("01.02"), Ok((1, 2)));
        assert_eq!(parse_version(" 1. 0"), Ok((1, 0)));
        assert_eq!(parse_version("255.255"), Ok((255, 255)));
        assert_eq!(parse_version("1"), Err("malformed version value"));
        assert_eq!(parse_version("x.0"), Err("invalid major version value"));
        assert_eq!(parse_version("1.0.0"), Err("invalid minor version value"));
        assert_eq!(parse_version("1.0x"), Err("invalid minor version value"));
        assert_eq!(parse_version("256.0"), Err("range error in version"));
        assert_eq!(parse_version("1.-1"), Err("range error in version"));
    }

    #[test]
    fn tokens_and_quotes() {
        let t = |s: &str| split_tokens(s).map(|v| v.join("|"));
        assert_eq!(t("tcp  -h\tx\r\n-p 1").as_deref(), Some("tcp|-h|x|-p|1"));
        assert_eq!(t(r#"-h a"b c"d"#).as_deref(), Some("-h|ab cd"));
        assert_eq!(t(r#"-h "a'b" 'c"d'"#).as_deref(), Some(r#"-h|a'b|c"d"#));
        assert_eq!(t(r#"a\"b "x\"y""#).as_deref(), Some(r#"a"b|x"y"#));
        assert_eq!(t(r#"-v """#).as_deref(), Some("-v"));
        assert_eq!(t(r#"-h "abc"#), None);
        assert_eq!(t("   ").as_deref(), Some(""));
    }

    #[test]
    fn closing_quotes() {
        assert_eq!(closing_quote(br#""ab""#, 0), Some(3));
        assert_eq!(closing_quote(br#""a\"b"x"#, 0), Some(5));
        assert_eq!(closing_quote(br#""a\\""#, 0), None);
        assert_eq!(closing_quote(br#"'a"b'"#, 0), Some(4));
        assert_eq!(closing_quote(br#""""#, 0), Some(1));
    }
}
