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

/// The fewest bytes of random material a pseudonymisation key must hold: 32 (256 bits, the size
/// of HMAC-SHA-256's output). A shorter or guessable key lets anyone with a list of identifiers
/// recompute the pseudonyms (a one-byte key is found by brute force in a millisecond).
pub const MIN_KEY_BYTES: usize = 32;

/// The largest key file read (a key is a few dozen bytes; anything larger is not a key file).
pub const MAX_KEY_FILE_BYTES: u64 = 4096;

/// How to make a key, for the refusals.
const HOW: &str = "make one with `jauge key create FILE` (or `head -c 32 /dev/urandom > FILE`)";

/// Why `key` does not hold [`MIN_KEY_BYTES`] of random material, if it does not. The key's
/// alphabet says how much each character can carry: hexadecimal text 4 bits a character (64
/// characters needed), Base64 text 6 bits (43 characters), raw bytes 8 bits (32 bytes); other
/// text (a passphrase) is refused whatever its length, since words are not random. A key made
/// of a few symbols only, or of one pattern repeated, is refused too.
pub fn key_weakness(key: &[u8]) -> Option<String> {
    let n = key.len();
    let is_hex = n > 0 && key.iter().all(u8::is_ascii_hexdigit);
    let body = key
        .strip_suffix(b"==")
        .or_else(|| key.strip_suffix(b"="))
        .unwrap_or(key);
    let is_b64 = !body.is_empty()
        && body
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'));
    let is_text = std::str::from_utf8(key).is_ok_and(|t| !t.chars().any(|c| c.is_control() && c != '\t'));
    let (bits, min_distinct, kind) = if is_hex {
        (4 * n, 10, "hexadecimal characters")
    } else if is_b64 {
        (6 * body.len(), 16, "Base64 characters")
    } else if is_text {
        return Some(format!(
            "it is text ({n} bytes) that is neither hexadecimal nor Base64, like a passphrase: words are not random material"
        ));
    } else {
        (8 * n, 16, "bytes")
    };
    if bits < 8 * MIN_KEY_BYTES {
        let have = if is_b64 && !is_hex { body.len() } else { n };
        return Some(format!(
            "it holds {have} {kind}, about {} bits of random material at most",
            bits
        ));
    }
    let mut seen = [false; 256];
    for &b in key {
        seen[usize::from(b)] = true;
    }
    let distinct = seen.iter().filter(|&&s| s).count();
    if distinct < min_distinct {
        return Some(format!(
            "it uses only {distinct} different symbols: not random material"
        ));
    }
    if (1..=n / 2).any(|p| key[p..].iter().zip(key).all(|(a, b)| a == b)) {
        return Some("it repeats one short pattern: not random material".into());
    }
    None
}

impl Pseudonymiser {
    /// A pseudonymiser keyed with `key`, used as is (no strength check: see
    /// [`Pseudonymiser::from_key_file`] for keys given by users).
    pub fn new(key: &[u8]) -> Self {
        Self {
            mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length"),
        }
    }

    /// Reads the key file (at most [`MAX_KEY_FILE_BYTES`]); one trailing newline (`\n` or
    /// `\r\n`) is trimmed. A key without [`MIN_KEY_BYTES`] of random material is refused (see
    /// [`key_weakness`]), saying how to make one.
    pub fn from_key_file(path: &Path) -> Result<Self, ExportError> {
        let refuse = |reason: String| ExportError::Key {
            path: path.into(),
            reason,
        };
        let file = std::fs::File::open(path).map_err(|e| refuse(format!("cannot read the key: {e}")))?;
        let mut key = Vec::with_capacity(128);
        std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_KEY_FILE_BYTES + 1), &mut key)
            .map_err(|e| refuse(format!("cannot read the key: {e}")))?;
        if key.len() as u64 > MAX_KEY_FILE_BYTES {
            return Err(refuse(format!(
                "longer than {MAX_KEY_FILE_BYTES} bytes: not a key file; {HOW}"
            )));
        }
        if key.last() == Some(&b'\n') {
            key.pop();
            if key.last() == Some(&b'\r') {
                key.pop();
            }
        }
        if key.is_empty() {
            return Err(refuse(format!(
                "the key file is empty; a key needs at least {MIN_KEY_BYTES} bytes of random material: {HOW}"
            )));
        }
        if let Some(why) = key_weakness(&key) {
            return Err(refuse(format!(
                "a pseudonymisation key needs at least {MIN_KEY_BYTES} bytes of random material and this one does not: {why}; {HOW}"
            )));
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

/// Writes a new key to `path`: [`MIN_KEY_BYTES`] bytes from the operating system's random
/// generator, as 64 lowercase hexadecimal characters and a newline, in a new file readable and
/// writable by its owner only, synced to disk. An existing file is never overwritten: exports
/// made with the old key could no longer be linked to new ones.
pub fn create_key_file(path: &Path) -> Result<(), ExportError> {
    use rand::TryRng;
    use std::io::Write;
    let refuse = |reason: String| ExportError::Key {
        path: path.into(),
        reason,
    };
    let mut bytes = [0u8; MIN_KEY_BYTES];
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| refuse(format!("the operating system's random generator failed: {e}")))?;
    let mut text = String::with_capacity(2 * MIN_KEY_BYTES + 1);
    for b in bytes {
        use std::fmt::Write as _;
        let _ = write!(text, "{b:02x}");
    }
    text.push('\n');
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            refuse("the file exists: a key is never overwritten (exports made with it could no longer be linked); choose another name, or delete the old key yourself".into())
        } else {
            refuse(format!("cannot create the key file: {e}"))
        }
    })?;
    let written = f.write_all(text.as_bytes()).and_then(|()| f.sync_all());
    if let Err(e) = written {
        drop(f);
        let _ = std::fs::remove_file(path);
        return Err(refuse(format!("cannot write the key file: {e}")));
    }
    Ok(())
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

    const HEX: &[u8] = b"5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592";

    #[test]
    fn key_file_trims_one_newline() {
        let dir = std::env::temp_dir();
        let a = dir.join(format!("jauge-key-a-{}", std::process::id()));
        let b = dir.join(format!("jauge-key-b-{}", std::process::id()));
        let key = b"3f9a1c7e52b8d0461e9fa7c35b2d80e6f1a4c9b7203e5d8a6c1f0b9e4d7a2c35";
        std::fs::write(&a, [&key[..], b"\n"].concat()).unwrap();
        std::fs::write(&b, [&key[..], b"\r\n"].concat()).unwrap();
        let pa = Pseudonymiser::from_key_file(&a).unwrap();
        let pb = Pseudonymiser::from_key_file(&b).unwrap();
        assert_eq!(pa.apply("x"), Pseudonymiser::new(key).apply("x"));
        assert_eq!(pb.apply("x"), Pseudonymiser::new(key).apply("x"));
        std::fs::write(&a, b"\n").unwrap();
        assert!(Pseudonymiser::from_key_file(&a).is_err());
        let _ = std::fs::remove_file(a);
        let _ = std::fs::remove_file(b);
    }

    #[test]
    fn weak_keys() {
        assert!(key_weakness(b"3f9a1c7e52b8d0461e9fa7c35b2d80e6f1a4c9b7203e5d8a6c1f0b9e4d7a2c35").is_none());
        // `openssl rand -base64 32`
        assert!(key_weakness(b"q2Xn0v7Jk9LbZ1fR8tYw3uPaM5cE6hGdS4iKoN2lQxA=").is_none());
        let raw: Vec<u8> = (0u8..32)
            .map(|k| k.wrapping_mul(97).wrapping_add(13) ^ 0x80)
            .collect();
        assert!(key_weakness(&raw).is_none());
        for weak in [
            &b"k"[..],
            b"a long secret of the ministry",
            b"correct horse battery staple and a few more words to be long",
            &[b'a'; 64],
            b"0123456789abcdef0123456789abcdef",
            b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            &raw[..31],
            HEX.split_at(60).0,
        ] {
            assert!(key_weakness(weak).is_some(), "{}", String::from_utf8_lossy(weak));
        }
    }
}
