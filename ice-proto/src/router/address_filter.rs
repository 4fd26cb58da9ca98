//! The proxy verifier of `addProxies`: `Glacier2.Filter.Address.Accept` / `.Reject` rules
//! (`ADDR[:PORTS]`, with `*` wildcards and `[n,a-b]` number groups) and
//! `Glacier2.Filter.ProxySizeMax`.
//!
//! Hosts are matched whole and without regard to case, and IPv4 addresses written in a
//! non-canonical form (`0x7f000001`, `2130706433`, `127.1`, `0177.0.0.1`) are refused when
//! any rule is configured: glacier2router 3.7 matched the end of the host only, so `127.0.0.1`
//! also let `evil127.0.0.1` through, and a numeric form could slip past a textual rule (both
//! fixed in Ice 3.8).

use crate::proxy::{Endpoint, ProxyData};

use super::config::RouterConfigError;

/// Inclusive number ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ranges(Vec<(u32, u32)>);

impl Ranges {
    fn parse(s: &str) -> Option<Ranges> {
        let s = s.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(s);
        let mut out = Vec::new();
        for item in s.split(',') {
            let item = item.trim();
            let (a, b) = match item.split_once('-') {
                Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
                None => {
                    let n = item.parse().ok()?;
                    (n, n)
                }
            };
            if a > b {
                return None;
            }
            out.push((a, b));
        }
        (!out.is_empty()).then_some(Ranges(out))
    }

    fn contains(&self, n: u32) -> bool {
        self.0.iter().any(|(a, b)| (*a..=*b).contains(&n))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    Star,
    Group(Ranges),
}

/// One `ADDR[:PORTS]` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    /// Empty for `*` (any host).
    host: Vec<Token>,
    ports: Option<Ranges>,
}

fn parse_host(s: &str) -> Option<Vec<Token>> {
    if s == "*" {
        return Some(Vec::new());
    }
    let mut tokens = Vec::new();
    let mut literal = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => {
                if !literal.is_empty() {
                    tokens.push(Token::Literal(std::mem::take(&mut literal).to_ascii_lowercase()));
                }
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
            }
            '[' => {
                if !literal.is_empty() {
                    tokens.push(Token::Literal(std::mem::take(&mut literal).to_ascii_lowercase()));
                }
                let group: String = chars.by_ref().take_while(|c| *c != ']').collect();
                if group.contains('*') || group.contains('[') {
                    return None;
                }
                tokens.push(Token::Group(Ranges::parse(&group)?));
            }
            ']' => return None,
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        tokens.push(Token::Literal(literal.to_ascii_lowercase()));
    }
    // An unclosed group swallowed the rest: `take_while` stops at the end without `]`.
    if s.matches('[').count() != s.matches(']').count() {
        return None;
    }
    Some(tokens)
}

/// The digit run starting at `at`, and where it ends.
fn number_at(host: &[u8], at: usize) -> Option<(u32, usize)> {
    let end = at + host.get(at..)?.iter().take_while(|b| b.is_ascii_digit()).count();
    if end == at || end - at > 9 {
        return None;
    }
    std::str::from_utf8(&host[at..end]).ok()?.parse().ok().map(|n| (n, end))
}

/// Hosts longer than this match no rule (a DNS name has at most 253 characters).
const MAX_HOST: usize = 255;

/// Whether `tokens` match the whole of `host` (lower-case). Each (token, position) pair is
/// tried at most once, so any pattern costs at most tokens × positions² steps.
fn matches_whole(tokens: &[Token], host: &str) -> bool {
    if host.len() > MAX_HOST {
        return false;
    }
    let width = host.len() + 1;
    let mut failed = vec![false; (tokens.len() + 1) * width];
    matches_from(tokens, 0, host, 0, &mut failed)
}

fn matches_from(tokens: &[Token], i: usize, host: &str, at: usize, failed: &mut [bool]) -> bool {
    let Some(token) = tokens.get(i) else { return at == host.len() };
    let slot = i * (host.len() + 1) + at;
    if failed[slot] {
        return false;
    }
    let ok = match token {
        Token::Literal(l) => {
            host[at..].starts_with(l.as_str())
                && matches_from(tokens, i + 1, host, at + l.len(), failed)
        }
        Token::Group(r) => match number_at(host.as_bytes(), at) {
            Some((n, end)) => r.contains(n) && matches_from(tokens, i + 1, host, end, failed),
            None => false,
        },
        Token::Star => (at..=host.len())
            .filter(|p| host.is_char_boundary(*p))
            .any(|p| matches_from(tokens, i + 1, host, p, failed)),
    };
    if !ok {
        failed[slot] = true;
    }
    ok
}

impl Rule {
    fn parse(property: &str, text: &str) -> Result<Rule, RouterConfigError> {
        let bad = || RouterConfigError {
            property: property.to_owned(),
            reason: format!("invalid rule `{text}'"),
        };
        // The port part follows the last `:` when it looks like one (an IPv6 host has colons).
        let (host, ports) = match text.rsplit_once(':') {
            Some((h, p))
                if !h.is_empty()
                    && p.chars().all(|c| c.is_ascii_digit() || ",-[] ".contains(c)) =>
            {
                (h, Some(Ranges::parse(p).ok_or_else(bad)?))
            }
            _ => (text, None),
        };
        Ok(Rule { host: parse_host(host).ok_or_else(bad)?, ports })
    }

    fn matches_endpoint(&self, host: &str, port: u16) -> bool {
        if let Some(p) = &self.ports {
            if !p.contains(u32::from(port)) {
                return false;
            }
        }
        self.host.is_empty() || matches_whole(&self.host, &host.to_ascii_lowercase())
    }

    /// A proxy satisfies a rule when it has endpoints and every one of them matches.
    fn matches(&self, proxy: &ProxyData) -> bool {
        !proxy.endpoints.is_empty()
            && proxy
                .endpoints
                .iter()
                .all(|e| host_port(e).is_some_and(|(h, p)| self.matches_endpoint(h, p)))
    }
}

fn host_port(e: &Endpoint) -> Option<(&str, u16)> {
    match e {
        Endpoint::Tcp(ip) | Endpoint::Ssl(ip) => Some((&ip.host, ip.port)),
        Endpoint::Ws(ws) | Endpoint::Wss(ws) => Some((&ws.ip.host, ws.ip.port)),
        Endpoint::Udp(u) => Some((&u.host, u.port)),
        Endpoint::Opaque(_) => None,
    }
}

/// Whether `host` is a numeric IPv4 address not in dotted-decimal form (what `inet_aton`
/// accepts besides `a.b.c.d`: fewer parts, hex or octal).
fn non_canonical_ipv4(host: &str) -> bool {
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return false;
    }
    let parts: Vec<&str> = host.split('.').collect();
    !host.is_empty()
        && parts.len() <= 4
        && parts.iter().all(|p| {
            let p = p.to_ascii_lowercase();
            !p.is_empty()
                && (p.chars().all(|c| c.is_ascii_digit())
                    || p.strip_prefix("0x")
                        .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit())))
        })
}

/// Why [`ProxyVerifier::check`] refused a proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyRejection {
    /// No accept rule matches it.
    NotAccepted,
    /// A reject rule matches it.
    Rejected,
    /// Its stringified form is longer than `Glacier2.Filter.ProxySizeMax`.
    TooLong {
        /// The length.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A host is a numeric IPv4 address in a non-canonical form.
    NonCanonicalAddress(String),
}

/// The address filters and size limit that `addProxies` applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyVerifier {
    accept: Vec<Rule>,
    reject: Vec<Rule>,
    size_max: Option<usize>,
}

impl ProxyVerifier {
    /// The verifier of `Glacier2.Filter.Address.Accept` (`accept`), `.Reject` (`reject`) and
    /// `Glacier2.Filter.ProxySizeMax` (`size_max`).
    pub fn new(
        accept: Option<&str>,
        reject: Option<&str>,
        size_max: Option<usize>,
    ) -> Result<ProxyVerifier, RouterConfigError> {
        let rules = |property: &str, value: Option<&str>| -> Result<Vec<Rule>, RouterConfigError> {
            value.map_or(Ok(Vec::new()), |v| {
                v.split_whitespace().map(|r| Rule::parse(property, r)).collect()
            })
        };
        Ok(ProxyVerifier {
            accept: rules("Glacier2.Filter.Address.Accept", accept)?,
            reject: rules("Glacier2.Filter.Address.Reject", reject)?,
            size_max,
        })
    }

    /// Whether nothing is checked.
    pub fn is_empty(&self) -> bool {
        self.accept.is_empty() && self.reject.is_empty() && self.size_max.is_none()
    }

    /// Accepts or refuses `proxy`, as received from the client.
    pub fn check(&self, proxy: &ProxyData) -> Result<(), ProxyRejection> {
        if self.is_empty() {
            return Ok(());
        }
        if !self.accept.is_empty() || !self.reject.is_empty() {
            for e in &proxy.endpoints {
                if let Some((h, _)) = host_port(e).filter(|(h, _)| non_canonical_ipv4(h)) {
                    return Err(ProxyRejection::NonCanonicalAddress(h.to_owned()));
                }
            }
        }
        if let Some(max) = self.size_max {
            let size = proxy.to_string().len();
            if size > max {
                return Err(ProxyRejection::TooLong { size, max });
            }
        }
        if !self.accept.is_empty() && !self.accept.iter().any(|r| r.matches(proxy)) {
            return Err(ProxyRejection::NotAccepted);
        }
        if self.reject.iter().any(|r| r.matches(proxy)) {
            return Err(ProxyRejection::Rejected);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(s: &str) -> ProxyData {
        s.parse().unwrap()
    }

    fn verifier(accept: Option<&str>, reject: Option<&str>) -> ProxyVerifier {
        ProxyVerifier::new(accept, reject, None).unwrap()
    }

    #[test]
    fn groups_wildcards_and_ports() {
        let v = verifier(Some("12[7].0.0.*"), None);
        assert!(v.check(&proxy("a:tcp -h 127.0.0.1 -p 1")).is_ok());
        assert_eq!(v.check(&proxy("a:tcp -h 128.0.0.1 -p 1")), Err(ProxyRejection::NotAccepted));
        assert!(v.check(&proxy("a:tcp -h 126.0.0.1 -p 1")).is_err());
        let v = verifier(Some("127.0.0.1:12010 localhost:[1-10,12010]"), None);
        assert!(v.check(&proxy("a:tcp -h 127.0.0.1 -p 12010")).is_ok());
        assert!(v.check(&proxy("a:tcp -h LocalHost -p 5")).is_ok(), "case-insensitive");
        assert!(v.check(&proxy("a:tcp -h 127.0.0.1 -p 12011")).is_err());
        // Whole hosts only (glacier2router 3.7 matched the end of the host).
        assert!(v.check(&proxy("a:tcp -h evil127.0.0.1 -p 12010")).is_err());
        // Every endpoint must match one rule; indirect proxies match no rule.
        assert!(v.check(&proxy("a:tcp -h 127.0.0.1 -p 12010:tcp -h 10.0.0.1 -p 12010")).is_err());
        assert!(v.check(&proxy("a @ adapter")).is_err());
        let v = verifier(Some("*.example.com *:12010"), None);
        assert!(v.check(&proxy("a:tcp -h www.EXAMPLE.com -p 1")).is_ok());
        assert!(v.check(&proxy("a:tcp -h example.com.evil -p 1")).is_err());
        assert!(v.check(&proxy("a:tcp -h anything -p 12010")).is_ok());
        let v = verifier(Some("*.[0-255]"), None);
        assert!(v.check(&proxy("a:tcp -h 10.1.2.3 -p 1")).is_ok());
    }

    #[test]
    fn reject_rules_size_limit_and_numeric_tricks() {
        let v = verifier(None, Some("*"));
        assert!(v.check(&proxy("a:tcp -h h -p 1")).is_err());
        assert!(v.check(&proxy("a @ adapter")).is_ok(), "indirect proxies are not rejected by `*`");
        let v = verifier(Some("*"), Some("*:[0-12009,12011-65535]"));
        assert!(v.check(&proxy("a:tcp -h h -p 12010")).is_ok());
        assert!(v.check(&proxy("a:tcp -h h -p 12011")).is_err());
        let v = verifier(Some("127.0.0.1"), None);
        for host in ["0x7f000001", "2130706433", "127.1", "0177.0.0.1"] {
            assert!(
                matches!(
                    v.check(&proxy(&format!("a:tcp -h {host} -p 1"))),
                    Err(ProxyRejection::NonCanonicalAddress(_))
                ),
                "{host}"
            );
        }
        let p = proxy("hello:tcp -h 127.0.0.1 -p 12010 -t infinite");
        let size = p.to_string().len();
        assert_eq!(p.to_string(), "hello -t -e 1.1:tcp -h 127.0.0.1 -p 12010 -t infinite");
        assert!(ProxyVerifier::new(None, None, Some(size)).unwrap().check(&p).is_ok());
        assert!(ProxyVerifier::new(None, None, Some(size - 1)).unwrap().check(&p).is_err());
    }

    #[test]
    fn many_wildcards_on_a_long_host_stay_cheap() {
        let v = verifier(Some("*.*.*.*.*.*.x"), None);
        let host = ".".repeat(250);
        assert!(v.check(&proxy(&format!("a:tcp -h \"{host}\" -p 1"))).is_err());
        let long = "a".repeat(300);
        assert!(
            verifier(Some("*"), None).check(&proxy(&format!("a:tcp -h {long} -p 1"))).is_ok(),
            "`*` alone is any host"
        );
        assert!(verifier(Some("a*"), None)
            .check(&proxy(&format!("a:tcp -h {long} -p 1")))
            .is_err());
    }

    #[test]
    fn malformed_rules_are_refused() {
        for bad in ["[", "a[1-2", "a]", "[*]", "[]", "h:[2-1]", "[x]"] {
            assert!(ProxyVerifier::new(Some(bad), None, None).is_err(), "{bad}");
        }
    }
}
