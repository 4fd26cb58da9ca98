//! The pure text rules of Ice configuration: one line of a configuration file, Ice's quoted
//! list splitting, and Ice's integer syntax. No state, no IO.

use crate::split::split_quoted;

/// What one line of a configuration file (or one `--Prefix.Name=value` option) holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedLine {
    /// Nothing: a blank line or a comment.
    Empty,
    /// `key=value`. An empty value means "unset this key".
    Property {
        /// The key, with surrounding whitespace removed.
        key: String,
        /// The value, with unescaped surrounding whitespace removed.
        value: String,
    },
    /// Text that is not a property: a key without `=`, or `=` without a key. Ice warns about
    /// such lines and ignores them.
    Invalid,
}

/// The characters Ice treats as whitespace in configuration lines.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Parses one line the way Ice 3.7's `Properties::parseLine` does:
///
/// - `#` starts a comment; `\#`, `\=` and `\\` stand for `#`, `=` and `\`; a backslash before
///   any other character (or at the end of the line) is kept as is. There is no line
///   continuation.
/// - The key ends at the first unescaped `=`; whitespace around the key is dropped, whitespace
///   inside it is kept.
/// - Whitespace around the value is dropped, except escaped spaces (`\ `), which survive at the
///   start and at the end of the value.
pub fn parse_line(line: &str) -> ParsedLine {
    let mut key = String::new();
    let mut value = String::new();
    let mut in_value = false;
    // Whitespace since the last kept character: kept only if more text follows.
    let mut gap = String::new();
    // Escaped spaces in the value since the last kept character. Unlike plain whitespace they
    // count at the start of the value, and those at the very end are kept too.
    let mut escaped_gap = String::new();

    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if !in_value {
            match c {
                '\\' => match chars.next() {
                    Some(e @ ('\\' | '#' | '=')) => {
                        key.push_str(&gap);
                        gap.clear();
                        key.push(e);
                    }
                    Some(' ') => {
                        if !key.is_empty() {
                            gap.push(' ');
                        }
                    }
                    Some(e) => {
                        key.push_str(&gap);
                        gap.clear();
                        key.push('\\');
                        key.push(e);
                    }
                    None => {
                        key.push_str(&gap);
                        key.push('\\');
                    }
                },
                c if is_blank(c) => {
                    if !key.is_empty() {
                        gap.push(c);
                    }
                }
                '=' => {
                    gap.clear();
                    in_value = true;
                }
                '#' => break,
                c => {
                    key.push_str(&gap);
                    gap.clear();
                    key.push(c);
                }
            }
        } else {
            match c {
                '\\' => match chars.next() {
                    Some(' ') => {
                        gap.push(' ');
                        escaped_gap.push(' ');
                    }
                    Some(e) => {
                        push_value_gap(&mut value, &mut gap, &mut escaped_gap);
                        if !matches!(e, '\\' | '#' | '=') {
                            value.push('\\');
                        }
                        value.push(e);
                    }
                    None => {
                        // Ice appends the pending gap here without consuming it, so escaped
                        // spaces before a final backslash appear on both sides of it.
                        let pending = if value.is_empty() { &escaped_gap } else { &gap };
                        value.push_str(pending);
                        value.push('\\');
                    }
                },
                c if is_blank(c) => {
                    if !value.is_empty() {
                        gap.push(c);
                    }
                }
                '#' => break,
                c => {
                    push_value_gap(&mut value, &mut gap, &mut escaped_gap);
                    value.push(c);
                }
            }
        }
    }
    value.push_str(&escaped_gap);

    match (in_value, key.is_empty()) {
        (false, true) => ParsedLine::Empty,
        (false, false) | (true, true) => ParsedLine::Invalid,
        (true, false) => ParsedLine::Property { key, value },
    }
}

/// Before a kept value character: at the start of the value only escaped spaces count, later
/// all the whitespace in between does.
fn push_value_gap(value: &mut String, gap: &mut String, escaped_gap: &mut String) {
    if value.is_empty() {
        value.push_str(escaped_gap);
    } else {
        value.push_str(gap);
    }
    gap.clear();
    escaped_gap.clear();
}

/// Splits a property value into a list as Ice's `getPropertyAsList` does: at commas and
/// whitespace, honouring quotes. `Err` carries the items found when a quote is left open.
pub fn split_list(value: &str) -> Result<Vec<String>, Vec<String>> {
    split_quoted(value, |c| c == ',' || is_blank(c))
}

/// Reads an integer property value as Ice does (C++ stream extraction into a 32-bit int):
/// leading whitespace is allowed, then an optional sign and decimal digits that must reach the
/// end of the text and fit in an `i32`.
pub fn parse_int(value: &str) -> Option<i32> {
    // C's isspace set, which the stream skips before a number.
    let digits = value.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    digits.parse().ok()
}
