//! Stringified proxies (spec §6.1): `identity [options] [:endpoint ... | @ adapter-id]`,
//! parsed and printed as ZeroC Ice 3.7 does.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::str::FromStr;

use crate::encoding::{EncodingVersion, ProtocolVersion};

use super::defaults::ParseDefaults;
use super::endpoint::Endpoint;
use super::endpoint_string::EndpointRole;
use super::error::{EndpointParseError, ProxyParseError, QuotedItem};
use super::escape::{escape, identity_to_string, string_to_identity, unescape, ToStringMode};
use super::lexer::{closing_quote, find_delimiter, parse_version, skip_whitespace};
use super::reference::{ProxyData, ProxyMode};

/// The result of [`parse_proxy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedProxy {
    /// The proxy; `None` when the string denotes the null proxy (empty, or `""`).
    pub proxy: Option<ProxyData>,
    /// Endpoints whose transport is unknown. Ice drops them with a warning; so does the
    /// parser, leaving the warning to the caller.
    pub skipped_endpoints: Vec<String>,
}

/// Parses a stringified proxy such as `hello -t -e 1.1:tcp -h 127.0.0.1 -p 10000`, filling in
/// what it leaves out from `defaults`.
pub fn parse_proxy(s: &str, defaults: &ParseDefaults) -> Result<ParsedProxy, ProxyParseError> {
    let null = ParsedProxy { proxy: None, skipped_endpoints: Vec::new() };
    if s.is_empty() {
        return Ok(null);
    }
    let b = s.as_bytes();
    let start = skip_whitespace(b, 0);
    if start == b.len() {
        return Err(ProxyParseError::Blank);
    }

    let (text, mut pos) = token(s, start, b":@", QuotedItem::Identity)?;
    if text.is_empty() && !is_quote(b[start]) {
        return Err(ProxyParseError::NoIdentity(s[start..].to_owned()));
    }
    let identity = string_to_identity(text)?;
    if identity.name.is_empty() {
        if !identity.category.is_empty() {
            return Err(ProxyParseError::IllegalIdentity { category: identity.category });
        }
        let rest = skip_whitespace(b, pos);
        if rest < b.len() {
            return Err(ProxyParseError::AfterNullIdentity(s[rest..].to_owned()));
        }
        return Ok(null);
    }
    let mut proxy = ProxyData::new(identity);
    proxy.encoding = defaults.encoding;

    loop {
        let at = skip_whitespace(b, pos);
        if at == b.len() || b[at] == b':' || b[at] == b'@' {
            pos = at;
            break;
        }
        pos = find_delimiter(b, at, b":@");
        let option = &s[at..pos];
        if option.len() != 2 || !option.starts_with('-') {
            return Err(ProxyParseError::ExpectedOption(option.to_owned()));
        }
        let mut argument = "";
        let arg_at = skip_whitespace(b, pos);
        if arg_at < b.len() && !matches!(b[arg_at], b'@' | b':' | b'-') {
            (argument, pos) = token(s, arg_at, b":@", QuotedItem::OptionArgument)?;
        }
        apply_option(&mut proxy, option, argument)?;
    }

    let mut skipped_endpoints = Vec::new();
    if pos < b.len() && b[pos] == b':' {
        let mut first_skipped = None;
        while pos < b.len() {
            let start = pos + 1;
            pos = endpoint_end(b, start);
            let text = &s[start..pos];
            match Endpoint::parse(text, defaults, EndpointRole::Proxy) {
                Ok(endpoint) => proxy.endpoints.push(endpoint),
                Err(e @ EndpointParseError::UnknownTransport { .. }) => {
                    first_skipped.get_or_insert(e);
                    skipped_endpoints.push(text.to_owned());
                }
                Err(e) => return Err(e.into()),
            }
        }
        if let (true, Some(e)) = (proxy.endpoints.is_empty(), first_skipped) {
            return Err(e.into());
        }
    } else if pos < b.len() {
        proxy.adapter_id = parse_adapter_id(s, pos + 1)?;
    }
    Ok(ParsedProxy { proxy: Some(proxy), skipped_endpoints })
}

fn is_quote(c: u8) -> bool {
    c == b'"' || c == b'\''
}

/// Reads a quoted or bare token starting at `at`; a bare token ends at whitespace or one of
/// `stop`. Returns the text (without quotes) and the index after it.
fn token<'s>(
    s: &'s str,
    at: usize,
    stop: &[u8],
    item: QuotedItem,
) -> Result<(&'s str, usize), ProxyParseError> {
    let b = s.as_bytes();
    if is_quote(b[at]) {
        let close = closing_quote(b, at)
            .ok_or_else(|| ProxyParseError::MismatchedQuotes { item, text: s[at..].to_owned() })?;
        Ok((&s[at + 1..close], close + 1))
    } else {
        let end = find_delimiter(b, at, stop);
        Ok((&s[at..end], end))
    }
}

fn apply_option(
    proxy: &mut ProxyData,
    option: &str,
    argument: &str,
) -> Result<(), ProxyParseError> {
    let flag = |proxy: &mut ProxyData, set: fn(&mut ProxyData)| {
        if argument.is_empty() {
            set(proxy);
            Ok(())
        } else {
            Err(ProxyParseError::UnexpectedArgument {
                option: option.to_owned(),
                argument: argument.to_owned(),
            })
        }
    };
    let required = || {
        if argument.is_empty() {
            Err(ProxyParseError::MissingArgument(option.to_owned()))
        } else {
            Ok(argument)
        }
    };
    let version = || {
        let v = required()?;
        parse_version(v).map_err(|reason| ProxyParseError::InvalidVersion {
            option: option.to_owned(),
            value: v.to_owned(),
            reason,
        })
    };
    match option {
        "-f" => {
            let facet = required()?;
            proxy.facet = unescape(facet, "").map_err(|source| ProxyParseError::InvalidFacet {
                facet: facet.to_owned(),
                source,
            })?;
            Ok(())
        }
        "-t" => flag(proxy, |p| p.mode = ProxyMode::Twoway),
        "-o" => flag(proxy, |p| p.mode = ProxyMode::Oneway),
        "-O" => flag(proxy, |p| p.mode = ProxyMode::BatchOneway),
        "-d" => flag(proxy, |p| p.mode = ProxyMode::Datagram),
        "-D" => flag(proxy, |p| p.mode = ProxyMode::BatchDatagram),
        "-s" => flag(proxy, |p| p.secure = true),
        "-e" => {
            let (major, minor) = version()?;
            proxy.encoding = EncodingVersion { major, minor };
            Ok(())
        }
        "-p" => {
            let (major, minor) = version()?;
            proxy.protocol = ProtocolVersion { major, minor };
            Ok(())
        }
        _ => Err(ProxyParseError::UnknownOption(option.to_owned())),
    }
}

/// The end of the endpoint starting at `start`: the next `:` that is not between a `"` and its
/// closing `"` (a quote without a partner does not protect anything), or the end.
fn endpoint_end(b: &[u8], start: usize) -> usize {
    let mut open_quote = false;
    for i in start..b.len() {
        match b[i] {
            b'"' => open_quote = !open_quote,
            b':' if !open_quote || !b[i + 1..].contains(&b'"') => return i,
            _ => {}
        }
    }
    b.len()
}

fn parse_adapter_id(s: &str, from: usize) -> Result<String, ProxyParseError> {
    let b = s.as_bytes();
    let at = skip_whitespace(b, from);
    if at == b.len() {
        return Err(ProxyParseError::MissingAdapterId);
    }
    let (text, end) = token(s, at, b"", QuotedItem::AdapterId)?;
    let rest = skip_whitespace(b, end);
    if rest < b.len() {
        return Err(ProxyParseError::TrailingCharacters(s[rest..].to_owned()));
    }
    let adapter_id = unescape(text, "").map_err(|source| ProxyParseError::InvalidAdapterId {
        adapter_id: text.to_owned(),
        source,
    })?;
    if adapter_id.is_empty() {
        return Err(ProxyParseError::EmptyAdapterId);
    }
    Ok(adapter_id)
}

/// Ice wraps an escaped identity, facet or adapter id in double quotes when it contains a
/// character that would end a bare token.
fn quoted(s: String) -> Cow<'static, str> {
    if s.contains([' ', ':', '@']) {
        Cow::Owned(format!("\"{s}\""))
    } else {
        Cow::Owned(s)
    }
}

impl ProxyData {
    /// Parses a stringified proxy with Ice's default settings; `None` for the null proxy.
    /// Endpoints of unknown transports are dropped, as Ice does.
    pub fn parse(s: &str) -> Result<Option<ProxyData>, ProxyParseError> {
        parse_proxy(s, &ParseDefaults::default()).map(|parsed| parsed.proxy)
    }

    /// The stringified proxy, as Ice 3.7's `proxyToString` prints it with `Ice.ToStringMode`
    /// set to `mode`: `<identity> [-f <facet>] -t|-o|-O|-d|-D [-s] [-p X.Y] -e X.Y` followed by
    /// `:<endpoint>` for each endpoint or ` @ <adapter-id>`.
    pub fn to_string_with(&self, mode: ToStringMode) -> String {
        let mut out = quoted(identity_to_string(&self.identity, mode)).into_owned();
        if !self.facet.is_empty() {
            let _ = write!(out, " -f {}", quoted(escape(&self.facet, "", mode)));
        }
        out.push(' ');
        out.push_str(self.mode.option());
        if self.secure {
            out.push_str(" -s");
        }
        if self.protocol != ProtocolVersion::V1_0 {
            let _ = write!(out, " -p {}", self.protocol);
        }
        let _ = write!(out, " -e {}", self.encoding);
        if self.endpoints.is_empty() {
            if !self.adapter_id.is_empty() {
                let _ = write!(out, " @ {}", quoted(escape(&self.adapter_id, "", mode)));
            }
        } else {
            for endpoint in &self.endpoints {
                let _ = write!(out, ":{endpoint}");
            }
        }
        out
    }
}

impl fmt::Display for ProxyData {
    /// The stringified proxy in Ice's default `Unicode` mode.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_with(ToStringMode::Unicode))
    }
}

impl FromStr for ProxyData {
    type Err = ProxyParseError;

    /// Parses a proxy that must not be null, with Ice's default settings.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProxyData::parse(s)?.ok_or(ProxyParseError::NullProxy)
    }
}
