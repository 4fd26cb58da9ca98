//! Certificates for the `ssl` and `wss` tests, made fresh by each test run with rcgen: a CA
//! ("Ice Tests CA"), a server certificate for `localhost` / `127.0.0.1`, a client
//! certificate (`CN=client`), and the bad ones a user meets: expired, issued by another CA,
//! for another host name. Files are PEM (and one PKCS#12), in a directory of their own.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

/// A directory of generated certificates and keys.
#[derive(Debug)]
pub struct TestCerts {
    dir: PathBuf,
}

struct Ca {
    params: CertificateParams,
    key: KeyPair,
}

fn ca(name: &str) -> (Ca, String) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.distinguished_name.push(DnType::OrganizationName, "ice-rs");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = params.self_signed(&key).expect("CA certificate");
    (Ca { params, key }, cert.pem())
}

/// A leaf certificate `cn` for `names`, issued by `ca`; `expired` puts its validity in 2001.
fn leaf(ca: &Ca, cn: &str, names: &[&str], expired: bool) -> (String, String, Vec<u8>, Vec<u8>) {
    let key = KeyPair::generate().expect("key");
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.distinguished_name.push(DnType::OrganizationName, "ice-rs");
    if expired {
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(2001, 1, 1);
    }
    let issuer = Issuer::from_params(&ca.params, &ca.key);
    let cert = params.signed_by(&key, &issuer).expect("certificate");
    (cert.pem(), key.serialize_pem(), cert.der().to_vec(), key.serialize_der())
}

impl TestCerts {
    /// Makes a new set in a fresh temporary directory.
    pub fn generate() -> TestCerts {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ice-rs-certs-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("certificate directory");
        let write = |name: &str, data: &[u8]| std::fs::write(dir.join(name), data).expect("write");
        let (ca_, ca_pem) = ca("Ice Tests CA");
        write("ca.pem", ca_pem.as_bytes());
        let (other, other_pem) = ca("Another CA");
        write("other_ca.pem", other_pem.as_bytes());
        let put = |stem: &str, issuer: &Ca, cn: &str, names: &[&str], expired: bool| {
            let (cert, key, cert_der, key_der) = leaf(issuer, cn, names, expired);
            write(&format!("{stem}.pem"), cert.as_bytes());
            write(&format!("{stem}_key.pem"), key.as_bytes());
            (cert_der, key_der)
        };
        let (server_der, server_key_der) =
            put("server", &ca_, "server", &["localhost", "127.0.0.1"], false);
        put("client", &ca_, "client", &[], false);
        put("expired", &ca_, "server", &["localhost", "127.0.0.1"], true);
        put("untrusted", &other, "server", &["localhost", "127.0.0.1"], false);
        put("wrongname", &ca_, "elsewhere", &["elsewhere.example.com"], false);
        // The server's identity as PKCS#12, as ZeroC's demos ship theirs.
        let key = p12_keystore::PrivateKey::from_der(&server_key_der).expect("pkcs8 key");
        let cert = p12_keystore::Certificate::from_der(&server_der).expect("certificate");
        let chain = p12_keystore::PrivateKeyChain::new("server", key, [cert]);
        let mut store = p12_keystore::KeyStore::new();
        store.add_entry("server", p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
        let p12 = store
            .writer("password")
            .encryption_algorithm(p12_keystore::EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
            .write()
            .expect("pkcs12");
        write("server.p12", &p12);
        // As OpenSSL writes a key and certificates given apart (and as ZeroC's demo
        // certificates are): no `localKeyID`, the key and the certificate linked by their
        // friendly names only (`server_named.p12`), or by nothing (`server_bare.p12`).
        let chain = [dir.join("server.pem"), dir.join("ca.pem")];
        let chain_pem: Vec<u8> =
            chain.iter().flat_map(|p| std::fs::read(p).expect("pem")).collect();
        write("server_chain.pem", &chain_pem);
        for (file, names) in [
            ("server_named.p12", &["-name", "server", "-caname", "server", "-caname", "ca"][..]),
            ("server_bare.p12", &[][..]),
        ] {
            let status = std::process::Command::new("openssl")
                .args(["pkcs12", "-export", "-nocerts", "-passout", "pass:password", "-inkey"])
                .arg(dir.join("server_key.pem"))
                .arg("-certfile")
                .arg(dir.join("server_chain.pem"))
                .args(names)
                .arg("-out")
                .arg(dir.join(file))
                .stderr(std::process::Stdio::null())
                .status()
                .expect("openssl (scripts/install-peers installs it)");
            assert!(status.success(), "openssl pkcs12 -export {file}");
        }
        TestCerts { dir }
    }

    /// The directory (for `IceSSL.DefaultDir`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The full path of one of the files.
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// `IceSSL.*` properties for a peer trusting `ca` (a file name here) and presenting the
    /// certificate `stem` (`server`, `client`, `expired`...; `None` for no certificate).
    pub fn props(&self, ca: &str, stem: Option<&str>) -> Vec<(String, String)> {
        let mut out = vec![("IceSSL.CAs".to_owned(), self.path(ca))];
        if let Some(stem) = stem {
            out.push(("IceSSL.CertFile".to_owned(), self.path(&format!("{stem}.pem"))));
            out.push(("IceSSL.KeyFile".to_owned(), self.path(&format!("{stem}_key.pem"))));
        }
        out
    }

    /// The same as `--name=value` command-line arguments, for ZeroC's programs.
    pub fn args(&self, ca: &str, stem: Option<&str>) -> Vec<String> {
        self.props(ca, stem).into_iter().map(|(k, v)| format!("--{k}={v}")).collect()
    }
}

impl Drop for TestCerts {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
