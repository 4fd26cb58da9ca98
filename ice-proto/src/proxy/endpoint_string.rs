//! Endpoint strings (spec §6.3): `<transport> <options>`, parsed and printed as ZeroC Ice 3.7
//! does.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::encoding::{Encapsulation, EncodingVersion};

use super::defaults::ParseDefaults;
use super::endpoint::{Endpoint, IpEndpoint, OpaqueEndpoint, UdpEndpoint, WsEndpoint};
use super::error::EndpointParseError;
use super::lexer::{parse_int, parse_version, split_tokens};
use super::opaque_base64;

/// Where a parsed endpoint will be used; the two accept slightly different options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EndpointRole {
    /// In a proxy: `-h *` is rejected, `--sourceAddress` is allowed.
    #[default]
    Proxy,
    /// In an object adapter: `-h *` means all interfaces (an empty host), `--sourceAddress`
    /// is rejected.
    ObjectAdapter,
}

impl Endpoint {
    /// Parses an endpoint string such as `tcp -h 127.0.0.1 -p 10000 -t 5000`. Options follow
    /// Ice 3.7: a repeated option overrides the earlier one (except `-t` and `-v` of opaque
    /// endpoints), and an opaque endpoint of a known type becomes that endpoint.
    pub fn parse(
        s: &str,
        defaults: &ParseDefaults,
        role: EndpointRole,
    ) -> Result<Endpoint, EndpointParseError> {
        let tokens = split_tokens(s)
            .ok_or_else(|| EndpointParseError::MismatchedQuote { endpoint: s.to_owned() })?;
        let Some((transport, args)) = tokens.split_first() else {
            return Err(EndpointParseError::Empty);
        };
        let transport =
            if transport == "default" { defaults.transport.as_str() } else { transport.as_str() };
        let mut p = OptionParser { endpoint: s, unrecognized: None };
        let endpoint = match transport {
            "tcp" | "ssl" | "ws" | "wss" => {
                let mut ip = IpOptions::new(defaults);
                let mut timeout = defaults.timeout;
                let mut compress = false;
                let mut resource = None;
                let websocket = transport.starts_with("ws");
                for (option, arg) in options(args) {
                    match option {
                        "-t" => timeout = p.timeout(option, arg)?,
                        "-z" => compress = p.flag(option, arg)?,
                        "-r" if websocket => resource = Some(p.required(option, arg)?.to_owned()),
                        _ => ip.apply(&mut p, option, arg)?,
                    }
                }
                let (host, port, source_address) = ip.finish(&p, role)?;
                let ip = IpEndpoint { host, port, timeout, compress, source_address };
                let resource = resource.unwrap_or_else(|| "/".to_owned());
                match transport {
                    "tcp" => Endpoint::Tcp(ip),
                    "ssl" => Endpoint::Ssl(ip),
                    "ws" => Endpoint::Ws(WsEndpoint { ip, resource }),
                    _ => Endpoint::Wss(WsEndpoint { ip, resource }),
                }
            }
            "udp" => {
                let mut ip = IpOptions::new(defaults);
                let mut udp = UdpEndpoint::new("", 0);
                for (option, arg) in options(args) {
                    match option {
                        "-z" => udp.compress = p.flag(option, arg)?,
                        "-c" => udp.connect = p.flag(option, arg)?,
                        "--interface" => udp.interface = p.required(option, arg)?.to_owned(),
                        "--ttl" => {
                            let v = p.required(option, arg)?;
                            udp.ttl =
                                parse_int(v).ok_or_else(|| p.invalid(option, v, "not a number"))?;
                        }
                        // Accepted for compatibility with Ice 3.4 and ignored.
                        "-v" | "-e" => {
                            p.version(option, arg)?;
                        }
                        _ => ip.apply(&mut p, option, arg)?,
                    }
                }
                (udp.host, udp.port, udp.source_address) = ip.finish(&p, role)?;
                Endpoint::Udp(udp)
            }
            "opaque" => parse_opaque(&mut p, args)?,
            _ => {
                return Err(EndpointParseError::UnknownTransport {
                    transport: transport.to_owned(),
                    endpoint: s.to_owned(),
                })
            }
        };
        match p.unrecognized {
            Some(argument) => Err(EndpointParseError::UnrecognizedArgument {
                argument: argument.to_owned(),
                endpoint: s.to_owned(),
            }),
            None => Ok(endpoint),
        }
    }
}

impl FromStr for Endpoint {
    type Err = EndpointParseError;

    /// Parses a proxy endpoint with Ice's default settings.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Endpoint::parse(s, &ParseDefaults::default(), EndpointRole::Proxy)
    }
}

/// Splits option tokens into `(option, argument)` pairs as Ice does: the token after an option
/// is its argument unless it starts with `-`. A token that is not an option comes out as an
/// option nobody knows, so that it is reported as unrecognized.
fn options(args: &[String]) -> Vec<(&str, Option<&str>)> {
    let mut out = Vec::with_capacity(args.len());
    let mut i = 0;
    while i < args.len() {
        let token = args[i].as_str();
        i += 1;
        if token.len() < 2 || !token.starts_with('-') {
            out.push((token, None));
            continue;
        }
        let arg = args.get(i).map(String::as_str).filter(|a| !a.starts_with('-'));
        if arg.is_some() {
            i += 1;
        }
        out.push((token, arg));
    }
    out
}

/// Checks option arguments and remembers the first unrecognized token, which Ice reports only
/// after every known option parsed.
struct OptionParser<'a> {
    endpoint: &'a str,
    unrecognized: Option<&'a str>,
}

impl<'a> OptionParser<'a> {
    fn unknown(&mut self, option: &'a str) {
        self.unrecognized.get_or_insert(option);
    }

    fn required<'b>(
        &self,
        option: &str,
        arg: Option<&'b str>,
    ) -> Result<&'b str, EndpointParseError> {
        arg.ok_or_else(|| EndpointParseError::MissingArgument {
            option: option.to_owned(),
            endpoint: self.endpoint.to_owned(),
        })
    }

    fn flag(&self, option: &str, arg: Option<&str>) -> Result<bool, EndpointParseError> {
        match arg {
            None => Ok(true),
            Some(a) => Err(EndpointParseError::UnexpectedArgument {
                option: option.to_owned(),
                argument: a.to_owned(),
                endpoint: self.endpoint.to_owned(),
            }),
        }
    }

    fn invalid(&self, option: &str, value: &str, reason: &'static str) -> EndpointParseError {
        EndpointParseError::InvalidValue {
            option: option.to_owned(),
            value: value.to_owned(),
            reason,
            endpoint: self.endpoint.to_owned(),
        }
    }

    fn timeout(&self, option: &str, arg: Option<&str>) -> Result<i32, EndpointParseError> {
        let v = self.required(option, arg)?;
        if v == "infinite" {
            return Ok(-1);
        }
        parse_int(v).filter(|t| *t >= 1).ok_or_else(|| {
            self.invalid(option, v, "not a positive number of milliseconds or `infinite`")
        })
    }

    fn version(
        &self,
        option: &str,
        arg: Option<&str>,
    ) -> Result<EncodingVersion, EndpointParseError> {
        let v = self.required(option, arg)?;
        let (major, minor) = parse_version(v).map_err(|reason| self.invalid(option, v, reason))?;
        Ok(EncodingVersion { major, minor })
    }
}

/// The options shared by tcp, ssl, ws, wss and udp: `-h`, `-p`, `--sourceAddress`.
struct IpOptions<'d> {
    defaults: &'d ParseDefaults,
    host: Option<String>,
    port: u16,
    source_address: String,
}

impl<'d> IpOptions<'d> {
    fn new(defaults: &'d ParseDefaults) -> Self {
        IpOptions { defaults, host: None, port: 0, source_address: String::new() }
    }

    fn apply<'a>(
        &mut self,
        p: &mut OptionParser<'a>,
        option: &'a str,
        arg: Option<&str>,
    ) -> Result<(), EndpointParseError> {
        match option {
            "-h" => self.host = Some(p.required(option, arg)?.to_owned()),
            "-p" => {
                let v = p.required(option, arg)?;
                let n = parse_int(v).ok_or_else(|| p.invalid(option, v, "not a number"))?;
                self.port =
                    u16::try_from(n).map_err(|_| p.invalid(option, v, "out of range 0..65535"))?;
            }
            "--sourceAddress" => self.source_address = p.required(option, arg)?.to_owned(),
            _ => p.unknown(option),
        }
        Ok(())
    }

    fn finish(
        self,
        p: &OptionParser<'_>,
        role: EndpointRole,
    ) -> Result<(String, u16, String), EndpointParseError> {
        let endpoint = || p.endpoint.to_owned();
        let host = match self.host {
            None => self.defaults.host.clone(),
            Some(h) if h == "*" => match role {
                EndpointRole::ObjectAdapter => String::new(),
                EndpointRole::Proxy => {
                    return Err(EndpointParseError::WildcardHost { endpoint: endpoint() })
                }
            },
            Some(h) => h,
        };
        if role == EndpointRole::ObjectAdapter && !self.source_address.is_empty() {
            return Err(EndpointParseError::SourceAddressNotAllowed { endpoint: endpoint() });
        }
        Ok((host, self.port, self.source_address))
    }
}

fn parse_opaque<'a>(
    p: &mut OptionParser<'a>,
    args: &'a [String],
) -> Result<Endpoint, EndpointParseError> {
    let mut endpoint_type: Option<i16> = None;
    let mut encoding = EncodingVersion::V1_0;
    let mut bytes: Option<Vec<u8>> = None;
    let endpoint = p.endpoint;
    let duplicate = |option: &str| EndpointParseError::DuplicateOption {
        option: option.to_owned(),
        endpoint: endpoint.to_owned(),
    };
    for (option, arg) in options(args) {
        match option {
            "-t" => {
                let v = p.required(option, arg)?;
                let n = parse_int(v).ok_or_else(|| p.invalid(option, v, "not a number"))?;
                // Ice accepts 0..=65535 here but stores a short, so types above 32767 fail.
                let t = i16::try_from(n).ok().filter(|t| *t >= 0);
                let t = t.ok_or_else(|| p.invalid(option, v, "out of range 0..32767"))?;
                if endpoint_type.replace(t).is_some() {
                    return Err(duplicate(option));
                }
            }
            "-e" => encoding = p.version(option, arg)?,
            "-v" => {
                let v = p.required(option, arg)?;
                if let Some(character) = v.chars().find(|c| !opaque_base64::is_base64_char(*c)) {
                    return Err(EndpointParseError::InvalidBase64 {
                        character,
                        endpoint: endpoint.to_owned(),
                    });
                }
                if bytes.replace(opaque_base64::decode_lenient(v)).is_some() {
                    return Err(duplicate(option));
                }
            }
            _ => p.unknown(option),
        }
    }
    let missing =
        |option| EndpointParseError::MissingOption { option, endpoint: endpoint.to_owned() };
    let endpoint_type = endpoint_type.ok_or_else(|| missing("-t"))?;
    let bytes = bytes.ok_or_else(|| missing("-v"))?;
    let encaps = Encapsulation::new(encoding, bytes.into());
    if (Endpoint::TCP..=Endpoint::WSS).contains(&endpoint_type) {
        return Endpoint::from_encapsulation(endpoint_type, &encaps).map_err(|source| {
            EndpointParseError::BadOpaqueData {
                endpoint_type,
                endpoint: endpoint.to_owned(),
                source,
            }
        });
    }
    Ok(Endpoint::Opaque(OpaqueEndpoint { endpoint_type, encoding, bytes: encaps.data }))
}

/// Ice quotes hosts, resources, interfaces and source addresses only when they contain `:`
/// (IPv6 addresses), since `:` separates the endpoints of a proxy.
fn quoted(s: &str) -> Cow<'_, str> {
    if s.contains(':') {
        Cow::Owned(format!("\"{s}\""))
    } else {
        Cow::Borrowed(s)
    }
}

fn fmt_ip_options(
    f: &mut fmt::Formatter<'_>,
    host: &str,
    port: u16,
    source_address: &str,
) -> fmt::Result {
    if !host.is_empty() {
        write!(f, " -h {}", quoted(host))?;
    }
    write!(f, " -p {port}")?;
    if !source_address.is_empty() {
        write!(f, " --sourceAddress {}", quoted(source_address))?;
    }
    Ok(())
}

fn fmt_stream(f: &mut fmt::Formatter<'_>, ip: &IpEndpoint) -> fmt::Result {
    fmt_ip_options(f, &ip.host, ip.port, &ip.source_address)?;
    match ip.timeout {
        -1 => f.write_str(" -t infinite")?,
        t => write!(f, " -t {t}")?,
    }
    if ip.compress {
        f.write_str(" -z")?;
    }
    Ok(())
}

impl fmt::Display for Endpoint {
    /// Prints the endpoint as Ice 3.7 does, for example `tcp -h ::1 -p 4061 -t 60000` (with the
    /// host quoted) or `opaque -t 99 -e 1.0 -v abch`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.transport())?;
        match self {
            Endpoint::Tcp(ip) | Endpoint::Ssl(ip) => fmt_stream(f, ip),
            Endpoint::Ws(ws) | Endpoint::Wss(ws) => {
                fmt_stream(f, &ws.ip)?;
                if !ws.resource.is_empty() {
                    write!(f, " -r {}", quoted(&ws.resource))?;
                }
                Ok(())
            }
            Endpoint::Udp(udp) => {
                fmt_ip_options(f, &udp.host, udp.port, &udp.source_address)?;
                if !udp.interface.is_empty() {
                    write!(f, " --interface {}", quoted(&udp.interface))?;
                }
                if udp.ttl != -1 {
                    write!(f, " --ttl {}", udp.ttl)?;
                }
                if udp.connect {
                    f.write_str(" -c")?;
                }
                if udp.compress {
                    f.write_str(" -z")?;
                }
                Ok(())
            }
            Endpoint::Opaque(o) => {
                // Ice leaves out what its parser would reject: a negative type, empty bytes.
                if o.endpoint_type >= 0 {
                    write!(f, " -t {}", o.endpoint_type)?;
                }
                write!(f, " -e {}", o.encoding)?;
                if !o.bytes.is_empty() {
                    write!(f, " -v {}", opaque_base64::encode(&o.bytes))?;
                }
                Ok(())
            }
        }
    }
}
