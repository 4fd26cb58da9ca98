//! Stringified proxies (`identity [options] : endpoint : endpoint`), minimal until
//! `ice_proto::proxy` provides the full grammar.

use ice_proto::{EncodingVersion, Identity};

use super::InvocationMode;
use crate::endpoint::{split_unquoted, Endpoint};
use crate::error::{Error, Result};

/// The parts of a proxy string.
#[derive(Debug)]
pub(crate) struct ParsedProxy {
    pub(crate) identity: Identity,
    pub(crate) facet: String,
    pub(crate) mode: InvocationMode,
    pub(crate) encoding: EncodingVersion,
    pub(crate) endpoints: Vec<Endpoint>,
}

pub(crate) fn parse_proxy(s: &str) -> Result<ParsedProxy> {
    let s = s.trim();
    if s.contains('@') && !s.contains(':') {
        return Err(Error::Parse(format!(
            "indirect proxies are not supported yet: `{s}'"
        )));
    }
    let parts = split_unquoted(s, ':');
    let head = parts.first().copied().unwrap_or("");
    let words = split_words(head);
    let mut words = words.iter();
    let identity = words
        .next()
        .ok_or_else(|| Error::Parse(format!("no identity in `{s}'")))?;
    let identity = parse_identity(identity)?;
    let mut parsed = ParsedProxy {
        identity,
        facet: String::new(),
        mode: InvocationMode::Twoway,
        encoding: EncodingVersion::V1_1,
        endpoints: Vec::new(),
    };
    while let Some(opt) = words.next() {
        let mut arg = || {
            words
                .next()
                .ok_or_else(|| Error::Parse(format!("no argument for {opt} in `{s}'")))
        };
        match opt.as_str() {
            "-f" => parsed.facet = unescape(arg()?),
            "-t" => parsed.mode = InvocationMode::Twoway,
            "-o" => parsed.mode = InvocationMode::Oneway,
            "-O" => parsed.mode = InvocationMode::BatchOneway,
            "-s" => {}
            "-e" => {
                parsed.encoding = match arg()?.as_str() {
                    "1.0" => EncodingVersion::V1_0,
                    "1.1" => EncodingVersion::V1_1,
                    other => return Err(Error::Parse(format!("unsupported encoding {other}"))),
                }
            }
            "-p" => {
                let p = arg()?;
                if p != "1.0" {
                    return Err(Error::Parse(format!("unsupported protocol {p}")));
                }
            }
            "-d" | "-D" => {
                return Err(Error::Parse(format!(
                    "datagram proxies are not supported yet: `{s}'"
                )))
            }
            other => return Err(Error::Parse(format!("unknown option {other} in `{s}'"))),
        }
    }
    for part in parts.iter().skip(1) {
        if let Some(e) = Endpoint::parse(part.trim())? {
            parsed.endpoints.push(e);
        }
    }
    Ok(parsed)
}

/// Splits at whitespace outside double quotes, dropping the quotes.
fn split_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut in_word) = (false, false);
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// Parses `category/name` with backslash escapes.
pub(crate) fn parse_identity(s: &str) -> Result<Identity> {
    let mut slash = None;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '/' if !escaped => {
                if slash.is_some() {
                    return Err(Error::Parse(format!("identity `{s}' has two slashes")));
                }
                slash = Some(i);
            }
            _ => escaped = false,
        }
    }
    let identity = match slash {
        Some(i) => Identity::with_category(unescape(&s[..i]), unescape(&s[i + 1..])),
        None => Identity::new(unescape(s)),
    };
    if identity.name.is_empty() {
        return Err(Error::Parse(format!("identity `{s}' has an empty name")));
    }
    Ok(identity)
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes an identity part for the string form.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '/' | '\\' | '"' | '\'' | ':' | '@' | ' ') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_identity_options_and_endpoints() {
        let p =
            parse_proxy("cat/hello -f \"a facet\" -o -e 1.0:tcp -h localhost -p 10000:udp -p 1")
                .unwrap();
        assert_eq!(p.identity, Identity::with_category("cat", "hello"));
        assert_eq!(p.facet, "a facet");
        assert_eq!(p.mode, InvocationMode::Oneway);
        assert_eq!(p.encoding, EncodingVersion::V1_0);
        assert_eq!(p.endpoints.len(), 1);
        assert_eq!(p.endpoints[0].port, 10000);
        assert_eq!(parse_identity("a\\/b").unwrap(), Identity::new("a/b"));
        assert!(parse_proxy("").is_err());
        assert!(parse_proxy("hello -x").is_err());
        assert!(parse_proxy("hello -f").is_err());
        assert!(parse_proxy("hello@adapter").is_err());
        assert!(parse_proxy("a/b/c:tcp -p 1").is_err());
    }
}
