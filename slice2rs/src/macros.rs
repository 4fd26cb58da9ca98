//! Preprocessor macros as ZeroC's compilers (through mcpp) see them: object-like
//! (`#define N 5`) and function-like (`#define DEFAULT(X) = X`) macros expanded in the text,
//! and the integer expressions of `#if`.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::Location;
use crate::Error;

/// An expansion grows no larger than this per line, whatever a file's macros do (a chain
/// of macros that each double their input grows exponentially).
const MAX_EXPANSION: usize = 1 << 20;
/// Macros expand within macros to this depth at most.
const MAX_DEPTH: usize = 64;

/// One `#define`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Macro {
    /// The parameters of a function-like macro; `None` for an object-like one.
    params: Option<Vec<String>>,
    body: String,
}

/// The macros defined at a point of a file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Macros {
    map: BTreeMap<String, Macro>,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Macros {
    /// The macros ZeroC's compilers predefine, then `-D` definitions (`NAME` or
    /// `NAME=VALUE`).
    pub(crate) fn new(defines: &BTreeSet<String>) -> Macros {
        let mut m = Macros::default();
        // slice2cpp defines `__SLICE2CPP__`, slice2py `__SLICE2PY__`, and so on.
        for (name, value) in [("ICE_VERSION", "30708"), ("__ICE_VERSION__", "30708")] {
            m.map.insert(name.into(), Macro { params: None, body: value.into() });
        }
        m.map.insert("__SLICE2RS__".into(), Macro { params: None, body: "1".into() });
        for d in defines {
            let (name, value) = d.split_once('=').unwrap_or((d, "1"));
            m.map.insert(name.trim().into(), Macro { params: None, body: value.trim().into() });
        }
        m
    }

    pub(crate) fn is_defined(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    pub(crate) fn undefine(&mut self, name: &str) {
        self.map.remove(name);
    }

    /// Records `#define <rest>`.
    pub(crate) fn define(&mut self, rest: &str, at: &Location) -> Result<(), Error> {
        let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
        if name.is_empty() || !rest.starts_with(is_ident_start) {
            return Err(Error::syntax(at.clone(), format!("bad #define {rest}")));
        }
        let after = &rest[name.len()..];
        // A function-like macro's `(` follows its name with no space between.
        let (params, body) = if let Some(list) = after.strip_prefix('(') {
            let Some((list, body)) = list.split_once(')') else {
                return Err(Error::syntax(at.clone(), format!("bad #define {rest}")));
            };
            let params: Vec<String> =
                list.split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect();
            if params.iter().any(|p| !p.starts_with(is_ident_start) || !p.chars().all(is_ident)) {
                return Err(Error::syntax(at.clone(), format!("bad #define {rest}")));
            }
            (Some(params), body)
        } else {
            (None, after)
        };
        let body = strip_block_comments(body).trim().to_owned();
        self.map.insert(name, Macro { params, body });
        Ok(())
    }

    /// `line` with its macros expanded. `in_comment` carries an open `/* */` from line to
    /// line; string literals and comments are left alone.
    pub(crate) fn expand_line(
        &self,
        line: &str,
        in_comment: &mut bool,
        at: &Location,
    ) -> Result<String, Error> {
        if self.map.is_empty() {
            return Ok(line.to_owned());
        }
        let mut out = String::with_capacity(line.len());
        let mut code = String::new();
        let mut rest = line;
        while !rest.is_empty() {
            if *in_comment {
                let end = rest.find("*/").map_or(rest.len(), |i| i + 2);
                *in_comment = end == rest.len() && !rest.ends_with("*/");
                out.push_str(&rest[..end]);
                rest = &rest[end..];
                continue;
            }
            // The code up to the next comment is expanded; string literals are kept whole,
            // so that a `//` in one starts no comment.
            let next = rest.find(['"', '/']).unwrap_or(rest.len());
            code.push_str(&rest[..next]);
            rest = &rest[next..];
            if rest.starts_with("//") {
                self.flush(&mut code, &mut out, at)?;
                out.push_str(rest);
                break;
            } else if rest.starts_with("/*") {
                self.flush(&mut code, &mut out, at)?;
                *in_comment = true;
                out.push_str("/*");
                rest = &rest[2..];
            } else if rest.starts_with('"') {
                let end = string_end(rest);
                code.push_str(&rest[..end]);
                rest = &rest[end..];
            } else if !rest.is_empty() {
                code.push('/');
                rest = &rest[1..];
            }
        }
        self.flush(&mut code, &mut out, at)?;
        Ok(out)
    }

    fn flush(&self, code: &mut String, out: &mut String, at: &Location) -> Result<(), Error> {
        if !code.is_empty() {
            let expanded = self.expand(code, &mut Vec::new(), 0, at)?;
            out.push_str(&expanded);
            code.clear();
        }
        Ok(())
    }

    /// Expands the macros of `text` (code, no comments or strings), except those of
    /// `active`, which are being expanded already and so stay as they are (as in C).
    fn expand(
        &self,
        text: &str,
        active: &mut Vec<String>,
        depth: usize,
        at: &Location,
    ) -> Result<String, Error> {
        if depth > MAX_DEPTH {
            return Err(Error::syntax(at.clone(), "macros nest too deeply"));
        }
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        let bytes = text.as_bytes();
        while i < text.len() {
            let c = text[i..].chars().next().unwrap_or(' ');
            if c == '"' {
                let end = i + string_end(&text[i..]);
                out.push_str(&text[i..end]);
                i = end;
                continue;
            }
            // `\int`: an escaped Slice identifier is never a macro.
            let escaped = i > 0 && bytes[i - 1] == b'\\';
            let starts = is_ident_start(c) && (i == 0 || !is_ident(char::from(bytes[i - 1])));
            if !starts {
                out.push(c);
                i += c.len_utf8();
                continue;
            }
            let len = text[i..].find(|c: char| !is_ident(c)).unwrap_or(text.len() - i);
            let word = &text[i..i + len];
            let after = i + len;
            let Some(m) =
                self.map.get(word).filter(|_| !escaped && !active.iter().any(|a| a == word))
            else {
                out.push_str(word);
                i = after;
                continue;
            };
            let (body, next) = match &m.params {
                None => (m.body.clone(), after),
                Some(params) => {
                    let open = text[after..].trim_start();
                    if !open.starts_with('(') {
                        // A function-like macro's name without arguments is left alone.
                        out.push_str(word);
                        i = after;
                        continue;
                    }
                    let start = text.len() - open.len() + 1;
                    let Some((args, end)) = arguments(text, start) else {
                        return Err(Error::syntax(
                            at.clone(),
                            format!("unterminated call of macro `{word}'"),
                        ));
                    };
                    let args = if params.is_empty() && args.len() == 1 && args[0].is_empty() {
                        Vec::new()
                    } else {
                        args
                    };
                    if args.len() != params.len() {
                        return Err(Error::syntax(
                            at.clone(),
                            format!(
                                "macro `{word}' takes {} arguments, {} given",
                                params.len(),
                                args.len()
                            ),
                        ));
                    }
                    // Arguments are expanded before they are substituted, as in C.
                    let mut expanded = Vec::with_capacity(args.len());
                    for a in &args {
                        expanded.push(self.expand(a, active, depth + 1, at)?);
                    }
                    (substitute(&m.body, params, &expanded), end)
                }
            };
            active.push(word.to_owned());
            let result = self.expand(&body, active, depth + 1, at);
            active.pop();
            out.push_str(&result?);
            if out.len() > MAX_EXPANSION {
                return Err(Error::syntax(at.clone(), "macro expansion too large"));
            }
            i = next;
        }
        Ok(out)
    }

    /// Evaluates a `#if` / `#elif` expression: integers, macros (undefined ones are 0),
    /// `defined`, `!`, unary `-`, `+ - * /`, comparisons, `&&`, `||` and parentheses.
    pub(crate) fn eval(&self, expr: &str, at: &Location) -> Result<bool, Error> {
        let bad = || Error::syntax(at.clone(), format!("cannot evaluate `#if {expr}`"));
        // `defined X` is read before macros are expanded, so that the name survives.
        let tokens = tokenize(expr).ok_or_else(bad)?;
        let mut resolved = String::new();
        let mut i = 0;
        while i < tokens.len() {
            if tokens[i] == "defined" {
                let paren = tokens.get(i + 1).is_some_and(|t| t == "(");
                let name = tokens.get(i + if paren { 2 } else { 1 }).ok_or_else(bad)?;
                if paren && tokens.get(i + 3).is_none_or(|t| t != ")") {
                    return Err(bad());
                }
                resolved.push_str(if self.is_defined(name) { " 1 " } else { " 0 " });
                i += if paren { 4 } else { 2 };
            } else {
                resolved.push(' ');
                resolved.push_str(&tokens[i]);
                i += 1;
            }
        }
        let expanded = self.expand(&resolved, &mut Vec::new(), 0, at)?;
        let tokens = tokenize(&expanded).ok_or_else(bad)?;
        let mut p = Eval { t: &tokens, i: 0 };
        match p.or() {
            Some(v) if p.i == tokens.len() => Ok(v != 0),
            _ => Err(bad()),
        }
    }
}

/// The end of the string literal `s` starts with (past its closing quote).
fn string_end(s: &str) -> usize {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return i + 1,
            _ => escaped = false,
        }
    }
    s.len()
}

fn strip_block_comments(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        out.push(' ');
        rest = rest[start + 2..].find("*/").map_or("", |e| &rest[start + 2 + e + 2..]);
    }
    out.push_str(rest);
    out
}

/// The comma-separated arguments of a call whose `(` ends just before `start`, and where
/// its `)` ends; `None` when the line ends first.
fn arguments(text: &str, start: usize) -> Option<(Vec<String>, usize)> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text[start..].char_indices() {
        if in_string {
            in_string = c != '"' || escaped;
            escaped = c == '\\' && !escaped;
            current.push(c);
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' if depth == 0 => {
                args.push(current.trim().to_owned());
                return Some((args, start + i + 1));
            }
            ')' => depth -= 1,
            ',' if depth == 0 => {
                args.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    None
}

/// `body` with each parameter (a whole identifier) replaced by its argument.
fn substitute(body: &str, params: &[String], args: &[String]) -> String {
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i..].chars().next().unwrap_or(' ');
        if is_ident_start(c) {
            let len = body[i..].find(|c: char| !is_ident(c)).unwrap_or(body.len() - i);
            let word = &body[i..i + len];
            match params.iter().position(|p| p == word) {
                Some(n) => out.push_str(&args[n]),
                None => out.push_str(word),
            }
            i += len;
        } else {
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The tokens of a `#if` expression, or `None` for a character it cannot hold.
fn tokenize(expr: &str) -> Option<Vec<String>> {
    let mut t = Vec::new();
    let mut chars = expr.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if is_ident(c) {
            let mut w = String::new();
            while let Some(&c) = chars.peek().filter(|c| is_ident(**c)) {
                w.push(c);
                chars.next();
            }
            t.push(w);
        } else {
            chars.next();
            let two = chars.peek().map(|n| format!("{c}{n}"));
            match two.as_deref() {
                Some("&&" | "||" | "==" | "!=" | "<=" | ">=") => {
                    chars.next();
                    t.push(two?);
                }
                _ if "()!<>+-*/".contains(c) => t.push(c.to_string()),
                _ => return None,
            }
        }
    }
    Some(t)
}

struct Eval<'a> {
    t: &'a [String],
    i: usize,
}

impl Eval<'_> {
    fn peek(&self) -> Option<&str> {
        self.t.get(self.i).map(String::as_str)
    }

    fn or(&mut self) -> Option<i64> {
        let mut v = self.and()?;
        while self.peek() == Some("||") {
            self.i += 1;
            let r = self.and()?;
            v = i64::from(v != 0 || r != 0);
        }
        Some(v)
    }

    fn and(&mut self) -> Option<i64> {
        let mut v = self.compare()?;
        while self.peek() == Some("&&") {
            self.i += 1;
            let r = self.compare()?;
            v = i64::from(v != 0 && r != 0);
        }
        Some(v)
    }

    fn compare(&mut self) -> Option<i64> {
        let mut v = self.sum()?;
        while let Some(op @ ("==" | "!=" | "<" | ">" | "<=" | ">=")) = self.peek() {
            let op = op.to_owned();
            self.i += 1;
            let r = self.sum()?;
            v = i64::from(match op.as_str() {
                "==" => v == r,
                "!=" => v != r,
                "<" => v < r,
                ">" => v > r,
                "<=" => v <= r,
                _ => v >= r,
            });
        }
        Some(v)
    }

    fn sum(&mut self) -> Option<i64> {
        let mut v = self.product()?;
        while let Some(op @ ("+" | "-")) = self.peek() {
            let plus = op == "+";
            self.i += 1;
            let r = self.product()?;
            v = if plus { v.checked_add(r)? } else { v.checked_sub(r)? };
        }
        Some(v)
    }

    fn product(&mut self) -> Option<i64> {
        let mut v = self.unary()?;
        while let Some(op @ ("*" | "/")) = self.peek() {
            let times = op == "*";
            self.i += 1;
            let r = self.unary()?;
            v = if times { v.checked_mul(r)? } else { v.checked_div(r)? };
        }
        Some(v)
    }

    fn unary(&mut self) -> Option<i64> {
        match self.peek()? {
            "!" => {
                self.i += 1;
                Some(i64::from(self.unary()? == 0))
            }
            "-" => {
                self.i += 1;
                self.unary()?.checked_neg()
            }
            "(" => {
                self.i += 1;
                let v = self.or()?;
                (self.peek() == Some(")")).then(|| self.i += 1)?;
                Some(v)
            }
            word => {
                let word = word.trim_end_matches(['L', 'l', 'U', 'u']);
                // What is left once macros are expanded and is not a number is an
                // undefined name: 0, as in C.
                let v = if word.starts_with(|c: char| c.is_ascii_digit()) {
                    word.parse::<i64>().ok()?
                } else if word.starts_with(is_ident_start) {
                    0
                } else {
                    return None;
                };
                self.i += 1;
                Some(v)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Location {
        Location { file: "t.ice".into(), line: 1, column: 1 }
    }

    #[test]
    fn object_and_function_like_macros_expand_outside_strings_and_comments() {
        let mut m = Macros::new(&BTreeSet::new());
        m.define("DEFAULT(X) = X", &at()).unwrap();
        m.define("TEN 10 /* ten */", &at()).unwrap();
        m.define("PAIR(a, b) a b", &at()).unwrap();
        let mut c = false;
        let line = m.expand_line("int x DEFAULT(TEN); // DEFAULT(1)", &mut c, &at()).unwrap();
        assert_eq!(line, "int x = 10; // DEFAULT(1)");
        assert_eq!(
            m.expand_line("string s = \"TEN//\" DEFAULT(\"a,)\");", &mut c, &at()).unwrap(),
            "string s = \"TEN//\" = \"a,)\";"
        );
        assert_eq!(
            m.expand_line("PAIR(int, \\TEN) /* TEN", &mut c, &at()).unwrap(),
            "int \\TEN /* TEN"
        );
        assert!(c);
        assert_eq!(m.expand_line("TEN */ TEN", &mut c, &at()).unwrap(), "TEN */ 10");
        assert!(!c);
        assert_eq!(m.expand_line("ICE_VERSION", &mut c, &at()).unwrap(), "30708");
        assert!(m.expand_line("PAIR(1)", &mut c, &at()).is_err());
        assert!(m.expand_line("PAIR(1, 2", &mut c, &at()).is_err());
    }

    #[test]
    fn recursive_and_exploding_macros_are_refused_or_stopped() {
        let mut m = Macros::new(&BTreeSet::new());
        m.define("SELF SELF + 1", &at()).unwrap();
        assert_eq!(m.expand_line("SELF", &mut false, &at()).unwrap(), "SELF + 1");
        for i in 0..40 {
            m.define(&format!("D{i} D{} D{}", i + 1, i + 1), &at()).unwrap();
        }
        let e = m.expand_line("D0", &mut false, &at()).unwrap_err();
        assert!(e.to_string().contains("too large"), "{e}");
    }

    #[test]
    fn if_expressions_compare_integers_and_undefined_names_are_zero() {
        let defines: BTreeSet<String> = ["LEVEL=3".to_owned(), "ON".to_owned()].into();
        let mut m = Macros::new(&defines);
        m.define("ZERO 0", &at()).unwrap();
        for (expr, want) in [
            ("ICE_VERSION >= 30700", true),
            ("LEVEL == 3 && defined(ON)", true),
            ("ZERO", false),
            ("NOPE", false),
            ("!defined NOPE || NOPE", true),
            ("(LEVEL - 1) * 2 > 4", false),
            ("-1 < 0", true),
        ] {
            assert_eq!(m.eval(expr, &at()).unwrap(), want, "{expr}");
        }
        assert!(m.eval("1 / 0", &at()).is_err());
        assert!(m.eval("LEVEL ==", &at()).is_err());
    }
}
