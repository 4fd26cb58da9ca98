//! Escaping of identities, facets and adapter ids in stringified proxies (spec §6.2), and the
//! conversion between identities and their string form (`Ice::identityToString` /
//! `Ice::stringToIdentity`).

use std::fmt::Write as _;

use crate::Identity;

use super::error::{IdentityParseError, UnescapeError};

/// How [`escape`] writes characters that are not printable ASCII (`Ice.ToStringMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ToStringMode {
    /// Non-ASCII characters are kept as they are (Ice's default).
    #[default]
    Unicode,
    /// Non-ASCII characters become `\uXXXX` or `\UXXXXXXXX` escapes.
    Ascii,
    /// Every byte that is not printable ASCII becomes a 3-digit octal escape, as Ice 3.6 and
    /// earlier wrote them.
    Compat,
}

/// Escapes `s` for use in a stringified proxy. Backslashes, quotes and control characters are
/// always escaped; each character of `special` (ASCII) is escaped with a backslash; non-ASCII
/// characters are written according to `mode`.
pub fn escape(s: &str, special: &str, mode: ToStringMode) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '\'' | '"' => {
                out.push('\\');
                out.push(c);
            }
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' if mode != ToStringMode::Compat => out.push_str("\\a"),
            '\u{b}' if mode != ToStringMode::Compat => out.push_str("\\v"),
            _ if special.contains(c) => {
                out.push('\\');
                out.push(c);
            }
            _ if (c as u32) < 0x20 || c == '\u{7f}' => match mode {
                ToStringMode::Compat => push_octal(&mut out, c as u8),
                _ => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
            },
            _ if c.is_ascii() => out.push(c),
            _ => match mode {
                ToStringMode::Unicode => out.push(c),
                ToStringMode::Ascii if (c as u32) <= 0xFFFF => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                ToStringMode::Ascii => {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
                ToStringMode::Compat => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        push_octal(&mut out, b);
                    }
                }
            },
        }
    }
    out
}

fn push_octal(out: &mut String, b: u8) {
    let _ = write!(out, "\\{b:03o}");
}

/// Reverses [`escape`] for any of the three modes: `\\ \' \" \?`, `\a \b \f \n \r \t \v`,
/// `\uXXXX`, `\UXXXXXXXX`, octal `\o`..`\ooo`, `\xH`/`\xHH`, and a backslash before a
/// character of `special`. A backslash before anything else is kept with that character, and a
/// trailing backslash is kept. Raw control characters are rejected, as is a result that is not
/// UTF-8 (octal and `\x` escapes produce single bytes).
pub fn unescape(s: &str, special: &str) -> Result<String, UnescapeError> {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c != b'\\' {
            if c < 0x20 || c == 0x7f {
                return Err(UnescapeError::ControlCharacter {
                    ordinal: c,
                    after: String::from_utf8_lossy(&b[..i]).into_owned(),
                });
            }
            out.push(c);
            i += 1;
            continue;
        }
        let Some(&e) = b.get(i + 1) else {
            out.push(b'\\');
            break;
        };
        let token = |end: usize| String::from_utf8_lossy(&b[i..end.min(b.len())]).into_owned();
        match e {
            b'\\' | b'\'' | b'"' | b'?' => {
                out.push(e);
                i += 2;
            }
            b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' => {
                out.push(match e {
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    _ => 0x0b,
                });
                i += 2;
            }
            b'u' | b'U' => {
                let want = if e == b'u' { 4 } else { 8 };
                let digits = b[i + 2..].iter().take(want).take_while(|d| d.is_ascii_hexdigit());
                let n = digits.clone().count();
                let end = i + 2 + n;
                if n < want {
                    return Err(UnescapeError::TooFewHexDigits(token(end + 1)));
                }
                let code = digits.fold(0u32, |acc, d| acc * 16 + hex_value(*d));
                if (0xD800..=0xDFFF).contains(&code) {
                    return Err(UnescapeError::Surrogate(token(end)));
                }
                let ch =
                    char::from_u32(code).ok_or_else(|| UnescapeError::NotACharacter(token(end)))?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                i = end;
            }
            b'0'..=b'7' => {
                let n =
                    b[i + 1..].iter().take(3).take_while(|d| (b'0'..=b'7').contains(*d)).count();
                let end = i + 1 + n;
                let value = b[i + 1..end].iter().fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                let byte = u8::try_from(value)
                    .map_err(|_| UnescapeError::OctalOutOfRange { escape: token(end), value })?;
                out.push(byte);
                i = end;
            }
            b'x' => {
                let n = b[i + 2..].iter().take(2).take_while(|d| d.is_ascii_hexdigit()).count();
                if n == 0 {
                    return Err(UnescapeError::NoHexDigit(token(i + 3)));
                }
                let end = i + 2 + n;
                let value = b[i + 2..end].iter().fold(0u32, |acc, d| acc * 16 + hex_value(*d));
                // At most two hex digits: always a byte.
                out.push(value as u8);
                i = end;
            }
            _ => {
                if !(e.is_ascii() && special.as_bytes().contains(&e)) {
                    out.push(b'\\');
                }
                out.push(e);
                i += 2;
            }
        }
    }
    String::from_utf8(out).map_err(|_| UnescapeError::InvalidUtf8(s.to_owned()))
}

fn hex_value(d: u8) -> u32 {
    match d {
        b'0'..=b'9' => u32::from(d - b'0'),
        b'a'..=b'f' => u32::from(d - b'a' + 10),
        _ => u32::from(d - b'A' + 10),
    }
}

/// The string form of an identity, as `Ice::identityToString` writes it: `name` or
/// `category/name`, each part escaped with `/` as a special character.
pub fn identity_to_string(identity: &Identity, mode: ToStringMode) -> String {
    let name = escape(&identity.name, "/", mode);
    if identity.category.is_empty() {
        name
    } else {
        format!("{}/{}", escape(&identity.category, "/", mode), name)
    }
}

/// Parses the string form of an identity (`Ice::stringToIdentity`): splits at the one
/// unescaped `/` and unescapes both parts. Two unescaped slashes are an error. An empty name
/// with a category is returned as is; proxy parsing rejects it.
pub fn string_to_identity(s: &str) -> Result<Identity, IdentityParseError> {
    let b = s.as_bytes();
    let mut slash = None;
    for (pos, _) in b.iter().enumerate().filter(|(_, c)| **c == b'/') {
        let backslashes = b[..pos].iter().rev().take_while(|c| **c == b'\\').count();
        if backslashes % 2 == 0 {
            if slash.is_some() {
                return Err(IdentityParseError::ExtraSlash(s.to_owned()));
            }
            slash = Some(pos);
        }
    }
    let part = |text: &str| {
        unescape(text, "/")
            .map_err(|source| IdentityParseError::Escape { identity: s.to_owned(), source })
    };
    match slash {
        None => Ok(Identity { name: part(s)?, category: String::new() }),
        Some(p) => Ok(Identity { category: part(&s[..p])?, name: part(&s[p + 1..])? }),
    }
}
