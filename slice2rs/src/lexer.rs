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
            let mut s = String::new();
            loop {
                let Some(&c) = chars.get(i) else {
                    return Err(Error::syntax(start, "unterminated string"));
                };
                bump!();
                match c {
                    '"' => break,
                    '\\' => {
                        let Some(&e) = chars.get(i) else { continue };
                        bump!();
                        s.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            '0' => '\0',
                            other => other,
                        });
                    }
                    c => s.push(c),
                }
            }
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
