//! Splits preprocessed Slice text into tokens with their positions.

use crate::ast::Location;
use crate::Error;

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An identifier or keyword; `escaped` when written `\name` (never a keyword).
    Ident { name: String, escaped: bool },
    /// `::`.
    Scope,
    /// A string literal, unescaped.
    Str(String),
    /// An integer literal.
    Int(i64),
    /// A floating-point literal.
    Float(f64),
    /// One punctuation character: `{ } ( ) < > , ; = [ ] * : -`.
    Punct(char),
    /// `[[`.
    OpenGlobal,
    /// `]]`.
    CloseGlobal,
}

/// A token and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) at: Location,
}

pub(crate) fn tokenize(file: &str, text: &str) -> Result<Vec<Token>, Error> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1usize, 1usize);
    let at = |line, column| Location { file: file.to_owned(), line, column };
    macro_rules! bump {
        () => {{
            if chars[i] == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
            i += 1;
        }};
    }
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            bump!();
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                bump!();
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            let start = at(line, col);
            bump!();
            bump!();
            loop {
                if i >= chars.len() {
                    return Err(Error::syntax(start, "unterminated comment"));
                }
                if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    bump!();
                    bump!();
                    break;
                }
                bump!();
            }
            continue;
        }
        let start = at(line, col);
        if c.is_alphabetic()
            || c == '_'
            || (c == '\\' && chars.get(i + 1).is_some_and(|c| c.is_alphabetic() || *c == '_'))
        {
            let escaped = c == '\\';
            if escaped {
                bump!();
            }
            let mut name = String::new();
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                name.push(chars[i]);
                bump!();
            }
            out.push(Token { tok: Tok::Ident { name, escaped }, at: start });
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let mut s = String::new();
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || chars[i] == '.'
                    || ((chars[i] == '-' || chars[i] == '+')
                        && matches!(s.chars().last(), Some('e' | 'E'))
                        && !s.starts_with("0x")))
            {
                s.push(chars[i]);
                bump!();
            }
            out.push(Token { tok: number(&s, &start)?, at: start });
            continue;
        }
        if c == '"' {
            bump!();
            // Octal and hex escapes are bytes of the UTF-8 text, as in ZeroC's compilers.
            let mut s: Vec<u8> = Vec::new();
            let push = |s: &mut Vec<u8>, c: char| {
                s.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            };
            loop {
                let Some(&c) = chars.get(i) else {
                    return Err(Error::syntax(start, "unterminated string"));
                };
                bump!();
                if c == '"' {
                    break;
                }
                if c != '\\' {
                    push(&mut s, c);
                    continue;
                }
                let Some(&e) = chars.get(i) else { continue };
                let here = at(line, col);
                bump!();
                match e {
                    '\\' | '"' | '\'' | '?' => push(&mut s, e),
                    'a' => s.push(0x07),
                    'b' => s.push(0x08),
                    'f' => s.push(0x0c),
                    'n' => s.push(b'\n'),
                    'r' => s.push(b'\r'),
                    't' => s.push(b'\t'),
                    'v' => s.push(0x0b),
                    '0'..='7' => {
                        // Up to three octal digits.
                        let mut value = e.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            match chars.get(i).and_then(|d| d.to_digit(8)) {
                                Some(d) => {
                                    value = value * 8 + d;
                                    bump!();
                                }
                                None => break,
                            }
                        }
                        let byte = u8::try_from(value).map_err(|_| {
                            Error::syntax(here.clone(), "octal escape sequence out of range")
                        })?;
                        s.push(byte);
                    }
                    'x' => {
                        // One or two hex digits (unlike C++, no more).
                        let mut value = 0u8;
                        let mut digits = 0;
                        while digits < 2 {
                            let Some(d) = chars.get(i).and_then(|d| d.to_digit(16)) else {
                                break;
                            };
                            value = value * 16 + d as u8;
                            digits += 1;
                            bump!();
                        }
                        if digits == 0 {
                            return Err(Error::syntax(here, "no hex digit in hex escape sequence"));
                        }
                        s.push(value);
                    }
                    'u' | 'U' => {
                        let size = if e == 'u' { 4 } else { 8 };
                        let mut value = 0u32;
                        for _ in 0..size {
                            let Some(d) = chars.get(i).and_then(|d| d.to_digit(16)) else {
                                return Err(Error::syntax(
                                    here,
                                    format!("unknown escape sequence in string literal: `\\{e}'"),
                                ));
                            };
                            value = value.saturating_mul(16).saturating_add(d);
                            bump!();
                        }
                        let Some(ch) = char::from_u32(value) else {
                            return Err(Error::syntax(
                                here,
                                "a universal character name must be a code point, not a surrogate",
                            ));
                        };
                        push(&mut s, ch);
                    }
                    // ZeroC keeps an unknown escape as written (with a warning).
                    other => {
                        s.push(b'\\');
                        push(&mut s, other);
                    }
                }
            }
            let s = String::from_utf8(s).map_err(|_| {
                Error::syntax(start.clone(), "string literal escapes are not valid UTF-8")
            })?;
            out.push(Token { tok: Tok::Str(s), at: start });
            continue;
        }
        if c == ':' && chars.get(i + 1) == Some(&':') {
            bump!();
            bump!();
            out.push(Token { tok: Tok::Scope, at: start });
            continue;
        }
        if c == '[' && chars.get(i + 1) == Some(&'[') {
            bump!();
            bump!();
            out.push(Token { tok: Tok::OpenGlobal, at: start });
            continue;
        }
        if c == ']' && chars.get(i + 1) == Some(&']') {
            bump!();
            bump!();
            out.push(Token { tok: Tok::CloseGlobal, at: start });
            continue;
        }
        if "{}()<>,;=[]*:-+".contains(c) {
            bump!();
            out.push(Token { tok: Tok::Punct(c), at: start });
            continue;
        }
        return Err(Error::syntax(start, format!("unexpected character `{c}'")));
    }
    Ok(out)
}

fn number(s: &str, at: &Location) -> Result<Tok, Error> {
    let bad = || Error::syntax(at.clone(), format!("bad number `{s}'"));
    let lower = s.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).map(Tok::Int).map_err(|_| bad());
    }
    let is_float = lower.contains('.') || (lower.contains('e') && !lower.starts_with("0x"));
    if is_float || lower.ends_with('f') {
        let t = lower.trim_end_matches('f');
        return t.parse::<f64>().map(Tok::Float).map_err(|_| bad());
    }
    if lower.len() > 1 && lower.starts_with('0') {
        return i64::from_str_radix(&lower[1..], 8).map(Tok::Int).map_err(|_| bad());
    }
    lower.parse::<i64>().map(Tok::Int).map_err(|_| bad())
}
