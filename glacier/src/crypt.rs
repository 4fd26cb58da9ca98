//! `Glacier2.CryptPasswords`: a password file of `<user id> <hash>` lines, checked the way
//! glacier2router's crypt permissions verifier checks it, with every hash scheme it accepts on
//! any platform: DES, `$1$` (MD5-crypt), `$5$` / `$6$` (SHA-crypt, with `rounds=`), bcrypt,
//! and passlib's `$pbkdf2$`, `$pbkdf2-sha256$`, `$pbkdf2-sha512$`.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine as _;

/// Why a password file cannot be used; the router does not start.
#[derive(Debug, thiserror::Error)]
pub enum PasswordFileError {
    /// The file cannot be read.
    #[error("cannot open `{path}' for reading: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A line does not hold exactly a user id and a hash.
    #[error("malformed entry in password file `{path}' at line {line}")]
    Malformed {
        /// The file.
        path: String,
        /// The line number, from 1.
        line: usize,
    },
}

/// The users and password hashes of a password file.
#[derive(Debug, Clone, Default)]
pub struct CryptPasswords {
    hashes: HashMap<String, String>,
}

impl CryptPasswords {
    /// Reads `path`.
    pub fn load(path: &Path) -> Result<CryptPasswords, PasswordFileError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PasswordFileError::Unreadable {
            path: name.clone(),
            reason: e.to_string(),
        })?;
        CryptPasswords::parse(&text, &name)
    }

    /// Parses the contents of a password file named `name`: blank lines are skipped, carriage
    /// returns ignored, the first entry of a user wins.
    pub fn parse(text: &str, name: &str) -> Result<CryptPasswords, PasswordFileError> {
        let mut hashes = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let tokens: Vec<&str> = line.split_whitespace().collect();
            match tokens.as_slice() {
                [] => {}
                [user, hash] => {
                    if hash.len() == 13 && !hash.contains('$') {
                        tracing::warn!(user, "password file `{name}' holds a weak DES hash");
                    }
                    hashes.entry((*user).to_owned()).or_insert_with(|| (*hash).to_owned());
                }
                _ => {
                    return Err(PasswordFileError::Malformed { path: name.to_owned(), line: n + 1 })
                }
            }
        }
        Ok(CryptPasswords { hashes })
    }

    /// How many users the file has.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether the file has no user.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Whether `password` is `user`'s (false for an unknown user).
    pub fn check(&self, user: &str, password: &str) -> bool {
        self.hashes.get(user).is_some_and(|hash| verify(password, hash))
    }
}

/// Whether `password` matches the crypt-style `hash`.
pub fn verify(password: &str, hash: &str) -> bool {
    for (prefix, len) in [("$pbkdf2-sha512$", 64), ("$pbkdf2-sha256$", 32), ("$pbkdf2$", 20)] {
        if let Some(rest) = hash.strip_prefix(prefix) {
            return verify_pbkdf2(password, rest, len);
        }
    }
    // pwhash compares in constant time.
    pwhash::unix::verify(password, hash)
}

/// passlib's "ab64": standard base64 with `.` for `+`, without padding.
fn ab64(s: &str) -> Option<Vec<u8>> {
    let s = s.replace('.', "+");
    base64::engine::general_purpose::STANDARD_NO_PAD.decode(s.trim_end_matches('=')).ok()
}

/// `<rounds>$<salt>$<checksum>` of passlib's PBKDF2 hashes, with a digest of `len` bytes.
fn verify_pbkdf2(password: &str, rest: &str, len: usize) -> bool {
    let mut parts = rest.split('$');
    let (Some(rounds), Some(salt), Some(checksum), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Ok(rounds), Some(salt), Some(expected)) =
        (rounds.parse::<u32>(), ab64(salt), ab64(checksum))
    else {
        return false;
    };
    if rounds == 0 || expected.len() != len {
        return false;
    }
    let mut out = vec![0u8; len];
    let p = password.as_bytes();
    match len {
        20 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(p, &salt, rounds, &mut out),
        32 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(p, &salt, rounds, &mut out),
        _ => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(p, &salt, rounds, &mut out),
    }
    // Constant time: every byte is compared.
    out.iter().zip(&expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_crypt_schemes() {
        // Made with `openssl passwd -6/-5/-1 -salt saltsalt abc123` and checked against Python's hashlib for PBKDF2.
        let sha512 = "$6$saltsalt$Nqc2ZGI186L/Vw8t6jZhYnVfiBLB80QMN/OKZrFzyvsQ570NMzfQJcA4InDeJ92BlBSyYWYoanzWgLT3NhQen.";
        assert!(verify("abc123", sha512));
        assert!(!verify("abc124", sha512));
        let sha256 = "$5$saltsalt$62M4ilD358A/Chkm0jf7k3IGCdRkub2xHGEtR5O.j49";
        assert!(verify("abc123", sha256));
        let md5 = "$1$saltsalt$aROsz3RygkV/xSrWNW6NU.";
        assert!(verify("abc123", md5));
        assert!(!verify("abc123", "garbage"));
    }

    #[test]
    fn bcrypt() {
        // The known-answer hash of "abc123" (cost 4) that ZeroC's 3.8 Glacier2 tests use.
        let h = "$2b$04$cVv0r3VdmM5qjmJwUjDIne19WwQxB6Q8Py8MKRRDtcSU9Fo0ESRiK";
        assert!(verify("abc123", h));
        assert!(!verify("abc124", h));
        assert!(verify("abc123", &h.replacen("$2b$", "$2y$", 1)));
    }

    #[test]
    fn passlib_pbkdf2() {
        // passlib.hash.pbkdf2_sha256.using(rounds=1000, salt=b"saltsalt").hash("abc123")
        let h = "$pbkdf2-sha256$1000$c2FsdHNhbHQ$tmgjoEqtVCLAq8WGpAH8Ajtkf6wpYHXJuGxNimCamX0";
        assert!(verify("abc123", h));
        assert!(!verify("abc12", h));
        assert!(!verify("abc123", "$pbkdf2-sha256$0$c2FsdHNhbHQ$zLoJ"));
    }

    #[test]
    fn password_file_lines() {
        let f = CryptPasswords::parse("\r\nuserid $1$saltsalt$aROsz3RygkV/xSrWNW6NU.\r\n\n", "f")
            .unwrap();
        assert_eq!(f.len(), 1);
        assert!(f.check("userid", "abc123"));
        assert!(!f.check("other", "abc123"));
        match CryptPasswords::parse("a b c\n", "f") {
            Err(PasswordFileError::Malformed { line: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
    }
}
