//! What the server accepts: a binary age v1 file sealed to a partner's recipients — X25519, or
//! post-quantum hybrid `mlkem768x25519` for a partner whose officers are all `age1pq1…`.
//!
//! The server never holds a key that opens a report, so it checks the *shape* of what arrives
//! before anything is committed: the header parses as age v1 (with `age-core`'s stanza parser
//! and then the `age` crate's, [`crate::agefile::is_age_header`]), every stanza is X25519 or every stanza is
//! `mlkem768x25519` (never both: one X25519 stanza would undo the post-quantum protection, and
//! typage does not refuse the mix, so the server must), except at most one grease stanza;
//! their kind is the partner's kind and their number the partner's recipient count; and the
//! payload length is one that age's STREAM construction (64 KiB chunks, 16-byte tags) can
//! produce. Plaintext, armored files, passphrase (scrypt), tag and plugin files are refused.

mod stanzas;
mod submission;

use age_core::format::read::age_stanza;
use base64::prelude::{Engine, BASE64_STANDARD_NO_PAD};

pub use stanzas::{
    check_recipients, header_fits, HYBRID_STANZA_LEN, MAX_HYBRID_RECIPIENTS, X25519_STANZA_LEN,
};
use stanzas::{classify, Counts};
pub use submission::{PartnerHeader, ValidSubmission};

/// The age v1 version line.
const VERSION_LINE: &[u8] = b"age-encryption.org/v1\n";
/// Largest header we wait for: a partner of [`MAX_HYBRID_RECIPIENTS`] post-quantum officers
/// (each `mlkem768x25519` stanza is [`HYBRID_STANZA_LEN`] bytes) or of ~2,600 X25519 ones fits.
/// Still a quarter of the 1 MiB chunk an upload holds anyway. The directory refuses a partner
/// whose header would not fit ([`header_fits`]).
pub const MAX_HEADER: usize = 256 * 1024;
/// STREAM nonce after the header.
pub const NONCE_LEN: usize = 16;
/// Plaintext bytes per STREAM chunk.
pub const CHUNK: u64 = 64 * 1024;
/// Authentication tag per chunk.
pub const TAG: u64 = 16;

/// Why an upload is not an acceptable sealed report.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ValidationError {
    /// Nothing was sent.
    #[error("the request body is empty; send a binary age file")]
    Empty,
    /// ASCII-armored age (PEM) instead of binary.
    #[error("this is an armored (text) age file; send the binary form (age without -a)")]
    Armored,
    /// Not an age v1 file at all (this is also what plaintext looks like).
    #[error("this is not an age v1 file; reports must be encrypted before they are sent")]
    NotAge,
    /// The header is malformed.
    #[error("the age header is malformed: {0}")]
    Malformed(&'static str),
    /// The header does not end within `MAX_HEADER` bytes.
    #[error("the age header is larger than {MAX_HEADER} bytes")]
    HeaderTooLarge,
    /// A passphrase (scrypt) stanza.
    #[error(
        "passphrase-encrypted (scrypt) files are refused; encrypt to the partner's recipients"
    )]
    Scrypt,
    /// A tag (or other post-quantum) stanza that is not `mlkem768x25519`.
    #[error(
        "{0} recipients are not accepted; encrypt to the partner's recipients (X25519 age1… or post-quantum age1pq1…)"
    )]
    NotX25519(String),
    /// `mlkem768x25519` and X25519 stanzas in one file.
    #[error("the file mixes post-quantum (mlkem768x25519) and X25519 recipients, which would undo the post-quantum protection; encrypt to the partner's recipients from the current directory only")]
    Mixed,
    /// The stanzas are of the other kind than the partner's recipients.
    #[error("this partner's officers use {expected} keys but the file is sealed to {got} recipients; fetch the current directory and encrypt again")]
    WrongKind {
        expected: &'static str,
        got: &'static str,
    },
    /// A stanza of a plugin or unknown type.
    #[error(
        "recipient type {0:?} is not accepted; encrypt to the partner's X25519 recipients only"
    )]
    Unsupported(String),
    /// More than one grease stanza.
    #[error("more than one grease stanza")]
    TooMuchGrease,
    /// The number of X25519 stanzas differs from the partner's recipient count.
    #[error("the file is sealed to {got} recipients but this partner has {expected}; fetch the current directory and encrypt again")]
    StanzaCount { got: usize, expected: usize },
    /// The payload length cannot come from age's STREAM.
    #[error(
        "the payload is truncated or padded ({0} bytes after the header); the upload is incomplete"
    )]
    PayloadLength(u64),
    /// The payload is a whole age STREAM, but its plaintext length is not one an approdo
    /// envelope has (every envelope is zero-padded to a Padmé length), so `audit store` would
    /// call it foreign: a plain `age -r` file, or a truncated one.
    #[error("not an approdo envelope: length is not a Padmé length (the plaintext is {0} bytes); seal the report with the page or `approdo envelope submit`")]
    NotEnvelope(u64),
}

/// The shape of a valid header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderShape {
    /// Bytes of header (through the MAC line).
    pub header_len: usize,
    /// X25519 stanzas.
    pub x25519: usize,
    /// Post-quantum hybrid `mlkem768x25519` stanzas.
    pub hybrid: usize,
    /// Grease stanzas (0 or 1).
    pub grease: usize,
}

/// Looks at the first bytes of an upload. `Ok(None)` means "send more": the header (plus the
/// 16-byte nonce) is not complete yet. Call again with the longer buffer.
pub fn inspect_header(buf: &[u8]) -> Result<Option<HeaderShape>, ValidationError> {
    const ARMOR: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";
    let n = buf.len().min(ARMOR.len());
    if n > 0 && buf[..n] == ARMOR[..n] && n == ARMOR.len() {
        return Err(ValidationError::Armored);
    }
    let n = buf.len().min(VERSION_LINE.len());
    if buf[..n] != VERSION_LINE[..n] {
        return if n > 0 && ARMOR.starts_with(&buf[..n]) {
            Ok(None)
        } else {
            Err(ValidationError::NotAge)
        };
    }
    if buf.len() < VERSION_LINE.len() {
        return Ok(None);
    }
    let mut rest = &buf[VERSION_LINE.len()..];
    let (mut x25519, mut hybrid, mut grease) = (0usize, 0usize, 0usize);
    loop {
        if rest.starts_with(b"-> ") {
            match age_stanza(rest) {
                Ok((after, stanza)) => {
                    let counts = Counts {
                        x25519: &mut x25519,
                        hybrid: &mut hybrid,
                        grease: &mut grease,
                    };
                    classify(stanza.tag, &stanza.args, &stanza.body(), counts)?;
                    rest = after;
                }
                Err(nom::Err::Incomplete(_)) => return need_more(buf),
                Err(_) => {
                    return Err(ValidationError::Malformed(
                        "a recipient stanza does not parse",
                    ))
                }
            }
        } else if rest.starts_with(b"---") {
            // "--- " + 43 characters of base64 (a 32-byte MAC) + "\n"
            const MAC_LINE: usize = 4 + 43 + 1;
            if rest.len() < MAC_LINE {
                return need_more(buf);
            }
            let mac_ok = rest[3] == b' '
                && rest[MAC_LINE - 1] == b'\n'
                && BASE64_STANDARD_NO_PAD
                    .decode(&rest[4..MAC_LINE - 1])
                    .is_ok_and(|m| m.len() == 32);
            if !mac_ok {
                return Err(ValidationError::Malformed("the MAC line is malformed"));
            }
            if x25519 + hybrid + grease == 0 {
                return Err(ValidationError::Malformed("no recipient stanza"));
            }
            if x25519 > 0 && hybrid > 0 {
                return Err(ValidationError::Mixed);
            }
            let header_len = buf.len() - rest.len() + MAC_LINE;
            if buf.len() < header_len + NONCE_LEN {
                return need_more(buf);
            }
            // Cross-check with the age crate's own parser (it reads header and nonce).
            if !crate::agefile::is_age_header(&buf[..header_len + NONCE_LEN]) {
                return Err(ValidationError::Malformed(
                    "the age crate refuses the header",
                ));
            }
            return Ok(Some(HeaderShape {
                header_len,
                x25519,
                hybrid,
                grease,
            }));
        } else if rest.len() < 3 && (b"-> ".starts_with(rest) || b"---".starts_with(rest)) {
            return need_more(buf);
        } else {
            return Err(ValidationError::Malformed(
                "expected a stanza or the MAC line",
            ));
        }
    }
}

fn need_more(buf: &[u8]) -> Result<Option<HeaderShape>, ValidationError> {
    if buf.len() > MAX_HEADER + NONCE_LEN {
        Err(ValidationError::HeaderTooLarge)
    } else {
        Ok(None)
    }
}

/// Given the bytes after header and nonce, returns the plaintext length, or an error when no
/// age STREAM produces that many bytes (every chunk is 64 KiB + 16, the last 16..=64 KiB + 16
/// and non-empty unless it is the only chunk).
pub fn plaintext_len(payload: u64) -> Result<u64, ValidationError> {
    let full = CHUNK + TAG;
    if payload < TAG {
        return Err(ValidationError::PayloadLength(payload));
    }
    let chunks = payload.div_ceil(full);
    let last = payload - (chunks - 1) * full;
    if last < TAG || (chunks > 1 && last == TAG) {
        return Err(ValidationError::PayloadLength(payload));
    }
    Ok(payload - chunks * TAG)
}

/// Like [`plaintext_len`], and the plaintext length must be one an approdo envelope has: a
/// Padmé length (the rule `audit store` applies, so the server never stores what its own audit
/// calls foreign).
pub fn envelope_len(payload: u64) -> Result<u64, ValidationError> {
    let plain = plaintext_len(payload)?;
    if crate::envelope::padme(plain) == plain {
        Ok(plain)
    } else {
        Err(ValidationError::NotEnvelope(plain))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn seal(n: usize, len: usize) -> Vec<u8> {
        let recipients: Vec<Box<dyn age::Recipient>> = (0..n)
            .map(|_| {
                Box::new(age::x25519::Identity::generate().to_public()) as Box<dyn age::Recipient>
            })
            .collect();
        crate::agefile::seal(recipients.iter().map(|r| r.as_ref()), &vec![7u8; len])
            .unwrap()
            .into_bytes()
    }

    #[test]
    fn accepts_rage_output_byte_by_byte() {
        let file = seal(2, 10);
        let mut found = None;
        for i in 0..=file.len() {
            if let Some(shape) = inspect_header(&file[..i]).unwrap() {
                found = Some((i, shape));
                break;
            }
        }
        let (_, shape) = found.unwrap();
        assert_eq!(shape.x25519, 2);
        assert!(shape.grease <= 1);
        let payload = (file.len() - shape.header_len - NONCE_LEN) as u64;
        assert_eq!(plaintext_len(payload).unwrap(), 10);
    }

    #[test]
    fn payload_lengths() {
        assert_eq!(plaintext_len(16).unwrap(), 0);
        assert_eq!(plaintext_len(CHUNK + 16).unwrap(), CHUNK);
        assert!(plaintext_len(CHUNK + 32).is_err());
        assert_eq!(plaintext_len(CHUNK + 33).unwrap(), CHUNK + 1);
        assert!(plaintext_len(15).is_err());
        for len in [0u64, 1, 65535, 65536, 65537, 3 * 65536, 1 << 20] {
            let file = seal(1, len as usize);
            let shape = inspect_header(&file).unwrap().unwrap();
            let payload = (file.len() - shape.header_len - NONCE_LEN) as u64;
            assert_eq!(plaintext_len(payload).unwrap(), len);
        }
    }

    #[test]
    fn envelope_lengths_are_padme_lengths() {
        // 1 000 bytes of plaintext: Padmé rounds to a multiple of 32, so 1 000 is not one.
        let file = seal(1, 1000);
        let shape = inspect_header(&file).unwrap().unwrap();
        let payload = (file.len() - shape.header_len - NONCE_LEN) as u64;
        assert_eq!(
            envelope_len(payload),
            Err(ValidationError::NotEnvelope(1000))
        );
        assert!(ValidationError::NotEnvelope(1000)
            .to_string()
            .starts_with("not an approdo envelope: length is not a Padmé length"));
        let padded = crate::envelope::padme(1000);
        assert_eq!(envelope_len(padded + TAG).unwrap(), padded);
        assert!(envelope_len(15).is_err());
    }

    #[test]
    fn refusals() {
        assert_eq!(
            inspect_header(b"hello world, plaintext"),
            Err(ValidationError::NotAge)
        );
        assert_eq!(
            inspect_header(b"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl"),
            Err(ValidationError::Armored)
        );
        let mut file = seal(1, 10);
        let s = String::from_utf8_lossy(&file[..60]).replace("X25519", "scrypt");
        file[..60].copy_from_slice(s.as_bytes());
        assert_eq!(inspect_header(&file), Err(ValidationError::Scrypt));
        assert_eq!(
            inspect_header(b"age-encryption.org/v1\n-> X25519 abc"),
            Ok(None)
        );
        assert!(matches!(
            inspect_header(b"age-encryption.org/v1\n-> foo\n\n"),
            Err(ValidationError::Unsupported(_))
        ));
        let shape = inspect_header(&seal(3, 1)).unwrap().unwrap();
        assert!(matches!(
            check_recipients(&shape, 2, false),
            Err(ValidationError::StanzaCount {
                got: 3,
                expected: 2
            })
        ));
        assert!(matches!(
            check_recipients(&shape, 3, true),
            Err(ValidationError::WrongKind { .. })
        ));
        assert!(header_fits(MAX_HYBRID_RECIPIENTS, true));
        assert!(!header_fits(MAX_HYBRID_RECIPIENTS + 10, true));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Arbitrary bytes, and a valid header with any byte changed, never panic, and an
        /// accepted header is never longer than the input.
        #[test]
        fn never_panics(noise in proptest::collection::vec(proptest::num::u8::ANY, 0..600), pos in 0usize..400, byte in proptest::num::u8::ANY) {
            if let Ok(Some(shape)) = inspect_header(&noise) {
                proptest::prop_assert!(shape.header_len + NONCE_LEN <= noise.len());
            }
            let mut file = seal(2, 10);
            let i = pos % file.len();
            file[i] = byte;
            if let Ok(Some(shape)) = inspect_header(&file) {
                proptest::prop_assert!(shape.header_len + NONCE_LEN <= file.len());
            }
        }
    }
}
