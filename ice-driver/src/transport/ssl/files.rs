//! Reading the certificates and keys that `IceSSL.*` properties name: PEM files (as
//! OpenSSL-based ZeroC runtimes take them), PKCS#12 files (as ZeroC's demos and tests ship
//! them), DER certificates, and directories of CA certificates.

use std::path::{Path, PathBuf};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate chain (leaf first) and its private key.
pub(crate) struct Identity {
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) key: PrivateKeyDer<'static>,
}

/// `path` as ZeroC resolves it: relative to `IceSSL.DefaultDir` when that names a file,
/// else as given.
pub(crate) fn resolve(path: &str, default_dir: &str) -> PathBuf {
    let p = Path::new(path);
    if !default_dir.is_empty() && p.is_relative() {
        let joined = Path::new(default_dir).join(p);
        if joined.exists() {
            return joined;
        }
    }
    p.to_path_buf()
}

fn read(property: &str, path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{property}: cannot read `{}': {e}", path.display()))
}

fn is_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
}

/// The certificates of a PEM or DER file.
fn certificates(property: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let data = read(property, path)?;
    if !is_pem(&data) {
        return Ok(vec![CertificateDer::from(data)]);
    }
    CertificateDer::pem_slice_iter(&data)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{property}: bad PEM in `{}': {e}", path.display()))
}

/// The CA certificates of `IceSSL.CAs`: one file (PEM with any number of certificates, or
/// DER), or a directory whose files are read in turn.
pub(crate) fn load_cas(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let property = "IceSSL.CAs";
    if !path.is_dir() {
        return certificates(property, path);
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("{property}: cannot list `{}': {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for p in entries {
        // A directory of hashed links holds other files too: take what parses.
        if let Ok(mut certs) = certificates(property, &p) {
            out.append(&mut certs);
        }
    }
    Ok(out)
}

/// The identity of `IceSSL.CertFile` (and `IceSSL.KeyFile`): a PKCS#12 file opened with
/// `IceSSL.Password`, or PEM certificates with the key in `KeyFile` or in the same file.
pub(crate) fn load_identity(
    cert_file: &Path,
    key_file: Option<&Path>,
    password: &str,
) -> Result<Identity, String> {
    let data = read("IceSSL.CertFile", cert_file)?;
    if !is_pem(&data) {
        return pkcs12(&data, password, cert_file);
    }
    let chain = certificates("IceSSL.CertFile", cert_file)?;
    if chain.is_empty() {
        return Err(format!("IceSSL.CertFile: no certificate in `{}'", cert_file.display()));
    }
    let (property, key_data, key_path) = match key_file {
        Some(p) => ("IceSSL.KeyFile", read("IceSSL.KeyFile", p)?, p),
        None => ("IceSSL.CertFile", data, cert_file),
    };
    if key_data.windows(9).any(|w| w == b"ENCRYPTED") {
        return Err(format!(
            "{property}: `{}' holds an encrypted PEM key, which this runtime cannot open; \
             decrypt it (openssl pkey) or use a PKCS#12 file with IceSSL.Password",
            key_path.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_data)
        .map_err(|e| format!("{property}: no private key in `{}': {e}", key_path.display()))?;
    Ok(Identity { chain, key })
}

fn pkcs12(data: &[u8], password: &str, path: &Path) -> Result<Identity, String> {
    let archive = p12_keystore::Pkcs12Archive::from_pkcs12(data, password).map_err(|e| {
        format!(
            "IceSSL.CertFile: cannot open PKCS#12 file `{}' (wrong IceSSL.Password?): {e}",
            path.display()
        )
    })?;
    let (key, leaf) = key_and_leaf(&archive).ok_or_else(|| {
        format!("IceSSL.CertFile: no private key with a certificate in `{}'", path.display())
    })?;
    let chain = chain_of(leaf, &archive.certs);
    let mut certs: Vec<CertificateDer<'static>> =
        chain.iter().map(|c| CertificateDer::from(c.as_der().to_vec())).collect();
    // The peer has the CA: send the leaf and intermediates, not a self-signed root.
    if certs.len() > 1 && chain.last().is_some_and(|c| c.subject() == c.issuer()) {
        certs.pop();
    }
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.as_der().to_vec()));
    Ok(Identity { chain: certs, key })
}

/// The private key of a PKCS#12 file and its certificate, linked as OpenSSL links them: by
/// `localKeyID`, else by friendly name (ZeroC's demo certificates have only that), else, for a
/// lone key, the one certificate that issued none of the others.
fn key_and_leaf(
    archive: &p12_keystore::Pkcs12Archive,
) -> Option<(&p12_keystore::PrivateKey, &p12_keystore::Certificate)> {
    let certs = &archive.certs;
    let linked = archive.keys.iter().find_map(|key| {
        let by_id = key
            .local_key_id
            .as_ref()
            .and_then(|id| certs.iter().find(|c| c.local_key_id.as_deref() == Some(id.as_ref())));
        let by_name = || {
            key.friendly_name
                .as_ref()
                .and_then(|name| certs.iter().find(|c| c.friendly_name.as_ref() == Some(name)))
        };
        by_id.or_else(by_name).map(|c| (&key.key, &c.cert))
    });
    if linked.is_some() {
        return linked;
    }
    let [key] = archive.keys.as_slice() else { return None };
    let issues_another = |c: &p12_keystore::Certificate| {
        certs.iter().any(|o| o.cert.issuer() == c.subject() && o.cert.subject() != c.subject())
    };
    let mut leaves = certs.iter().filter(|c| !issues_another(&c.cert));
    match (leaves.next(), leaves.next()) {
        (Some(leaf), None) => Some((&key.key, &leaf.cert)),
        _ => None,
    }
}

/// `leaf`, then its issuers among `certs` as far as they go (a cycle ends it).
fn chain_of<'a>(
    leaf: &'a p12_keystore::Certificate,
    certs: &'a [p12_keystore::CertificateBag],
) -> Vec<&'a p12_keystore::Certificate> {
    let mut chain = vec![leaf];
    let mut current = leaf;
    while current.issuer() != current.subject() {
        let issuer = certs.iter().map(|c| &c.cert).find(|c| {
            c.subject() == current.issuer() && !chain.iter().any(|d| d.as_der() == c.as_der())
        });
        let Some(issuer) = issuer else { break };
        chain.push(issuer);
        current = issuer;
    }
    chain
}
