//! Parses a stringified proxy and shows its fields, how Ice prints it, and how it is marshaled
//! in encodings 1.1 and 1.0.
//!
//! ```sh
//! cargo run -p ice-proto --example proxy -- "hello:tcp -h 127.0.0.1 -p 10000"
//! ```

use std::process::ExitCode;

use ice_proto::proxy::{parse_proxy, Endpoint, ParseDefaults, ProxyData};
use ice_proto::{EncodingVersion, OutputStream};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

fn marshal(proxy: &Option<ProxyData>, encoding: EncodingVersion) -> String {
    let mut out = OutputStream::new(encoding);
    out.write(proxy);
    hex(out.as_slice())
}

fn describe(endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Tcp(ip) | Endpoint::Ssl(ip) => format!(
            "{} host={:?} port={} timeout={} compress={} source_address={:?}",
            endpoint.transport(),
            ip.host,
            ip.port,
            ip.timeout,
            ip.compress,
            ip.source_address
        ),
        Endpoint::Ws(ws) | Endpoint::Wss(ws) => format!(
            "{} host={:?} port={} timeout={} compress={} resource={:?}",
            endpoint.transport(),
            ws.ip.host,
            ws.ip.port,
            ws.ip.timeout,
            ws.ip.compress,
            ws.resource
        ),
        Endpoint::Udp(udp) => format!(
            "udp host={:?} port={} compress={} connect={} interface={:?} ttl={}",
            udp.host, udp.port, udp.compress, udp.connect, udp.interface, udp.ttl
        ),
        Endpoint::Opaque(o) => format!(
            "opaque type={} encoding={} bytes=[{}]",
            o.endpoint_type,
            o.encoding,
            hex(&o.bytes)
        ),
    }
}

fn main() -> ExitCode {
    let Some(input) = std::env::args().nth(1) else {
        eprintln!("usage: proxy <stringified proxy>, e.g. \"hello:tcp -h 127.0.0.1 -p 10000\"");
        return ExitCode::from(2);
    };
    let parsed = match parse_proxy(&input, &ParseDefaults::default()) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for skipped in &parsed.skipped_endpoints {
        eprintln!("warning: skipped endpoint with unknown transport: `{skipped}`");
    }
    match &parsed.proxy {
        None => println!("null proxy"),
        Some(p) => {
            println!("identity:   name={:?} category={:?}", p.identity.name, p.identity.category);
            println!("facet:      {:?}", p.facet);
            println!("mode:       {:?}", p.mode);
            println!("secure:     {}", p.secure);
            println!("protocol:   {}", p.protocol);
            println!("encoding:   {}", p.encoding);
            println!("adapter id: {:?}", p.adapter_id);
            for (i, endpoint) in p.endpoints.iter().enumerate() {
                println!("endpoint {i}: {}", describe(endpoint));
            }
            println!("printed:    {p}");
        }
    }
    println!("encoding 1.1: {}", marshal(&parsed.proxy, EncodingVersion::V1_1));
    println!("encoding 1.0: {}", marshal(&parsed.proxy, EncodingVersion::V1_0));
    ExitCode::SUCCESS
}
