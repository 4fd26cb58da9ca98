//! TCP endpoints (`tcp -h host -p port -t timeout -z`), the only transport so far.
//!
//! A minimal parser, to be replaced by `ice_proto::proxy`'s endpoints.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};

use crate::error::{Error, Result};

/// Where a TCP object adapter listens or a proxy connects.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// Host name or address; empty means every interface for an adapter and the local host
    /// for a proxy.
    pub host: String,
    /// Port; 0 in an adapter picks a free port.
    pub port: u16,
    /// The endpoint timeout in milliseconds (`-t`; -1 for infinite), kept for the string form.
    pub timeout: i32,
    /// Whether the endpoint asks for compression (`-z`).
    pub compress: bool,
}

/// Ice's default endpoint timeout (`Ice.Default.Timeout`).
const DEFAULT_TIMEOUT: i32 = 60_000;

impl Endpoint {
    /// A TCP endpoint for `host` and `port` with default settings.
    pub fn tcp(host: impl Into<String>, port: u16) -> Self {
        Endpoint {
            host: host.into(),
            port,
            timeout: DEFAULT_TIMEOUT,
            compress: false,
        }
    }

    /// Parses one endpoint. `Ok(None)` for a transport this crate does not support yet
    /// (`udp`, `ssl`, `ws`, `wss`), which callers skip.
    pub fn parse(s: &str) -> Result<Option<Endpoint>> {
        let mut words = s.split_whitespace();
        let transport = words.next().unwrap_or("");
        match transport {
            "tcp" | "default" => {}
            "udp" | "ssl" | "ws" | "wss" | "bt" | "bts" | "iap" | "iaps" => return Ok(None),
            "" => return Err(Error::Parse("empty endpoint".into())),
            other => return Err(Error::Parse(format!("unknown transport `{other}'"))),
        }
        let mut e = Endpoint::tcp("", 0);
        while let Some(opt) = words.next() {
            let mut arg = || {
                words
                    .next()
                    .ok_or_else(|| Error::Parse(format!("no argument for {opt} in `{s}'")))
            };
            match opt {
                "-h" => e.host = unquote(arg()?),
                "-p" => {
                    let a = arg()?;
                    e.port = a
                        .parse()
                        .map_err(|_| Error::Parse(format!("bad port `{a}' in `{s}'")))?;
                }
                "-t" => {
                    let a = arg()?;
                    e.timeout = if a == "infinite" {
                        -1
                    } else {
                        a.parse()
                            .map_err(|_| Error::Parse(format!("bad timeout `{a}' in `{s}'")))?
                    };
                }
                "-z" => e.compress = true,
                // Source address and similar options do not change where we connect.
                "--sourceAddress" => {
                    arg()?;
                }
                other => return Err(Error::Parse(format!("unknown option {other} in `{s}'"))),
            }
        }
        Ok(Some(e))
    }

    /// Parses endpoints separated by `:` (as in `<adapter>.Endpoints`), skipping unsupported
    /// transports.
    pub fn parse_list(s: &str) -> Result<Vec<Endpoint>> {
        let mut out = Vec::new();
        for part in split_unquoted(s, ':')
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
        {
            if let Some(e) = Endpoint::parse(part)? {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// The addresses to connect to (blocking name resolution unless the host is an address).
    pub(crate) fn connect_addrs(&self) -> Result<Vec<SocketAddr>> {
        let host = if self.host.is_empty() || self.host == "*" {
            "localhost"
        } else {
            &self.host
        };
        resolve(host, self.port)
    }

    /// The addresses to listen on.
    pub(crate) fn bind_addrs(&self) -> Result<Vec<SocketAddr>> {
        if self.host.is_empty() || self.host == "*" || self.host == "0.0.0.0" {
            return Ok(vec![SocketAddr::new(
                IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                self.port,
            )]);
        }
        let mut addrs = resolve(&self.host, self.port)?;
        // One listener per adapter endpoint: like Ice, prefer IPv4 for names like localhost.
        addrs.sort_by_key(|a| !a.is_ipv4());
        addrs.truncate(1);
        Ok(addrs)
    }
}

fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| Error::ConnectFailed {
            endpoint: format!("{host}:{port}"),
            reason: format!("cannot resolve: {e}"),
        })?
        .collect();
    if addrs.is_empty() {
        return Err(Error::ConnectFailed {
            endpoint: format!("{host}:{port}"),
            reason: "name resolves to no address".into(),
        });
    }
    Ok(addrs)
}

/// Splits `s` at `sep` outside double quotes.
pub(crate) fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&s[start..]);
    parts
}

fn unquote(s: &str) -> String {
    s.trim_matches('"').to_owned()
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tcp")?;
        if !self.host.is_empty() {
            if self.host.contains(':') {
                write!(f, " -h \"{}\"", self.host)?;
            } else {
                write!(f, " -h {}", self.host)?;
            }
        }
        write!(f, " -p {}", self.port)?;
        if self.timeout == -1 {
            f.write_str(" -t infinite")?;
        } else {
            write!(f, " -t {}", self.timeout)?;
        }
        if self.compress {
            f.write_str(" -z")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_tcp_endpoints() {
        let e = Endpoint::parse("tcp -h 127.0.0.1 -p 10000 -z")
            .unwrap()
            .unwrap();
        assert_eq!(e.host, "127.0.0.1");
        assert_eq!(e.port, 10000);
        assert!(e.compress);
        assert_eq!(e.to_string(), "tcp -h 127.0.0.1 -p 10000 -t 60000 -z");
        let d = Endpoint::parse("default -p 5").unwrap().unwrap();
        assert_eq!((d.host.as_str(), d.port), ("", 5));
        assert_eq!(Endpoint::parse("udp -p 5").unwrap(), None);
        assert!(Endpoint::parse("tcp -p notaport").is_err());
        assert!(Endpoint::parse("tcp -p").is_err());
        assert!(Endpoint::parse("carrier-pigeon -p 1").is_err());
        let list = Endpoint::parse_list("tcp -p 1 : udp -p 2 : tcp -h \"::1\" -p 3").unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].host, "::1");
        assert_eq!(list[1].to_string(), "tcp -h \"::1\" -p 3 -t 60000");
    }
}
