//! Writing properties back as configuration-file text that [`super::parse_line`] reads back
//! unchanged.

use super::PropertiesError;

/// Escapes `key` for the left-hand side of a configuration line. Keys never have surrounding
/// whitespace (setting a property trims it), so only `\`, `#` and `=` need escaping.
pub(crate) fn escape_key(key: &str) -> Result<String, PropertiesError> {
    if key.contains('\n') {
        return Err(unrepresentable(key, "it contains a line break"));
    }
    let mut out = String::with_capacity(key.len());
    for c in key.chars() {
        if matches!(c, '\\' | '#' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    Ok(out)
}

/// Escapes `value` for the right-hand side of a configuration line of `key`.
///
/// The parser drops unescaped whitespace at both ends of a value and can only escape spaces,
/// so a value whose leading or trailing whitespace includes a tab or carriage return cannot be
/// written; nor can one with a line break.
pub(crate) fn escape_value(key: &str, value: &str) -> Result<String, PropertiesError> {
    if value.contains('\n') {
        return Err(unrepresentable(key, "its value contains a line break"));
    }
    let is_blank = |c: char| matches!(c, ' ' | '\t' | '\r');
    let after_head = value.trim_start_matches(is_blank);
    let head = &value[..value.len() - after_head.len()];
    let body = after_head.trim_end_matches(is_blank);
    let tail = &after_head[body.len()..];
    if head.chars().chain(tail.chars()).any(|c| c != ' ') {
        return Err(unrepresentable(
            key,
            "its value starts or ends with whitespace other than spaces",
        ));
    }

    let mut out = String::with_capacity(value.len() + 8);
    for _ in head.chars() {
        out.push_str("\\ ");
    }
    for c in body.chars() {
        if matches!(c, '\\' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    for _ in tail.chars() {
        out.push_str("\\ ");
    }
    Ok(out)
}

fn unrepresentable(key: &str, reason: &'static str) -> PropertiesError {
    PropertiesError::Unrepresentable { key: key.to_owned(), reason }
}
