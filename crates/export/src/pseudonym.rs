//! Keyed pseudonymisation: HMAC-SHA-256 (RFC 2104, FIPS 180-4) over the UTF-8 id, keyed with the
//! key file's bytes (one trailing newline trimmed), written as 64 lowercase hex characters.

use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::ExportError;

/// Replaces ids by their keyed hash. The same key gives the same pseudonym in every export, so
/// analysts can join exports; without the key the ids cannot be recomputed from a guess.
#[derive(Clone)]
pub struct Pseudonymiser {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser(<key>)")
    }
}

impl Pseudonymiser {
    /// A pseudonymiser keyed with `key` (used as is).
    pub fn new(key: &[u8]) -> Self {
        Self {
            mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length"),
        }
    }

    /// Reads the key file; one trailing newline (`\n` or `\r\n`) is trimmed. An empty key is
    /// refused.
    pub fn from_key_file(path: &Path) -> Result<Self, ExportError> {
        let mut key = std::fs::read(path).map_err(|e| ExportError::Key {
            path: path.into(),
            reason: e.to_string(),
        })?;
        if key.last() == Some(&b'\n') {
            key.pop();
            if key.last() == Some(&b'\r') {
                key.pop();
            }
        }
        if key.is_empty() {
            return Err(ExportError::Key {
                path: path.into(),
                reason: "the key file is empty; put a long random secret in it".into(),
            });
        }
        Ok(Self::new(&key))
    }

    /// The pseudonym of `id`: HMAC-SHA-256(key, id) in lowercase hex.
    pub fn apply(&self, id: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(id.as_bytes());
        let out = mac.finalize().into_bytes();
        let mut s = String::with_capacity(64);
        for b in out.iter() {
            use std::fmt::Write;
            let _ = write!(s, "{b:02x}");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4231_test_vectors() {
        // RFC 4231, test case 2
        let p = Pseudonymiser::new(b"Jefe");
        assert_eq!(
            p.apply("what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // RFC 4231, test case 1: key = 20 bytes of 0x0b, data "Hi There"
        let p = Pseudonymiser::new(&[0x0b; 20]);
        assert_eq!(
            p.apply("Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    #[test]
    fn key_file_trims_one_newline() {
        let dir = std::env::temp_dir();
        let a = dir.join(format!("jauge-key-a-{}", std::process::id()));
        let b = dir.join(format!("jauge-key-b-{}", std::process::id()));
        std::fs::write(&a, b"Jefe\n").unwrap();
        std::fs::write(&b, b"Jefe\n\n").unwrap();
        let pa = Pseudonymiser::from_key_file(&a).unwrap();
        let pb = Pseudonymiser::from_key_file(&b).unwrap();
        assert_eq!(pa.apply("x"), Pseudonymiser::new(b"Jefe").apply("x"));
        assert_eq!(pb.apply("x"), Pseudonymiser::new(b"Jefe\n").apply("x"));
        std::fs::write(&a, b"\n").unwrap();
        assert!(Pseudonymiser::from_key_file(&a).is_err());
        let _ = std::fs::remove_file(a);
        let _ = std::fs::remove_file(b);
    }
}
