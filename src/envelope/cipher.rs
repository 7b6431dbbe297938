//! Sealing (age encryption to X25519 or post-quantum hybrid recipients, never both in one
//! file) and opening (decryption with X25519 or hybrid identities) of envelope plaintext, both
//! streaming. The key types are [`crate::agekeys`]'s.
//!
//! Sealing always writes the binary age format; opening accepts binary or
//! ASCII-armored files. Decryption errors are mapped to our own messages so
//! that nothing about keys is echoed.

use std::io::{self, BufRead, Read, Write};

use super::EnvelopeError;
use crate::agefile;
use crate::agekeys::{AsAgeIdentity, AsAgeRecipient};

/// Chunk size for streaming copies (age's own chunk size).
const CHUNK: usize = 64 * 1024;

/// Counts the bytes written through it.
struct CountingWriter<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count = self.count.saturating_add(n as u64);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A writer that seals everything written to it for `recipients` (binary age) into `out`.
/// Call `finish()` on it at the end (age writes its last chunk then). Used where the plaintext
/// is produced by a writer, e.g. [`super::pack_to`] straight into the sealing stream.
pub fn seal_writer<W: Write>(
    out: W,
    recipients: &[impl AsAgeRecipient],
) -> Result<age::stream::StreamWriter<W>, EnvelopeError> {
    sealing(out, recipients)
}

/// Seals (encrypts) a packed envelope with age to X25519 `recipients`, writing
/// the binary age format to `out` as it reads `plaintext`.
///
/// Returns the number of ciphertext bytes written.
pub fn seal_to<W: Write>(
    out: W,
    recipients: &[impl AsAgeRecipient],
    mut plaintext: impl Read,
) -> Result<u64, EnvelopeError> {
    let counting = CountingWriter {
        inner: out,
        count: 0,
    };
    let mut writer = sealing(counting, recipients)?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match plaintext.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(EnvelopeError::ReadPlaintext(e)),
        };
        let chunk = buf
            .get(..n)
            .expect("Read::read returns at most the buffer's length");
        writer
            .write_all(chunk)
            .map_err(EnvelopeError::WriteOutput)?;
    }
    let mut counting = writer.finish().map_err(EnvelopeError::WriteOutput)?;
    counting.flush().map_err(EnvelopeError::WriteOutput)?;
    Ok(counting.count)
}

/// Seals into `out` through the age boundary ([`crate::agefile`]). The `age` crate refuses to
/// mix post-quantum and classic recipients in one file (a label on the hybrid stanza).
fn sealing<W: Write>(
    out: W,
    recipients: &[impl AsAgeRecipient],
) -> Result<age::stream::StreamWriter<W>, EnvelopeError> {
    use crate::agefile::SealError;
    agefile::seal_writer(out, recipients.iter().map(|r| r.as_age_recipient())).map_err(
        |e| match e {
            SealError::NoRecipients => EnvelopeError::NoRecipients,
            SealError::Mixed => EnvelopeError::MixedRecipients,
            SealError::Encrypt(_) => EnvelopeError::Encrypt,
            SealError::Io(e) => EnvelopeError::WriteOutput(e),
        },
    )
}

/// Opens (decrypts) a binary or ASCII-armored age file with the given (X25519 or hybrid)
/// `identities`, returning a streaming reader of the plaintext.
///
/// The header is authenticated here; the payload is authenticated chunk by
/// chunk while reading, so a reader error means the file was truncated or
/// tampered with. Read to the end (as [`super::unpack()`] does) to check the
/// final chunk.
pub fn open<'a, R: BufRead + 'a>(
    mut ciphertext: R,
    identities: &[impl AsAgeIdentity],
) -> Result<impl Read + 'a, EnvelopeError> {
    skip_whitespace_before_armor(&mut ciphertext);
    let armored = age::armor::ArmoredReader::new(ciphertext);
    agefile::open(armored, identities.iter().map(|i| i.as_age_identity())).map_err(|e| match e {
        agefile::OpenError::Passphrase => EnvelopeError::NotAnEnvelope {
            reason: "it is passphrase-encrypted, envelopes are sealed to keys",
        },
        agefile::OpenError::Age(e) => map_decrypt_error(e),
    })
}

/// The age spec allows whitespace before an armored file (CCTV `armor_whitespace_outside`);
/// the `age` crate's reader does not skip it, so skip it here — only when armor follows, so a
/// binary file with leading garbage is still refused.
fn skip_whitespace_before_armor<R: BufRead>(r: &mut R) {
    const BEGIN: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";
    let Ok(buf) = r.fill_buf() else { return };
    let n = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
    if n > 0 && buf[n..].starts_with(BEGIN) {
        r.consume(n);
    }
}

fn map_decrypt_error(e: age::DecryptError) -> EnvelopeError {
    use age::DecryptError as D;
    match e {
        D::NoMatchingKeys => EnvelopeError::WrongKey,
        D::InvalidHeader => EnvelopeError::NotAnEnvelope {
            reason: "the age header is invalid",
        },
        D::InvalidMac => EnvelopeError::NotAnEnvelope {
            reason: "the age header failed authentication",
        },
        D::UnknownFormat => EnvelopeError::NotAnEnvelope {
            reason: "unknown age format version",
        },
        D::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => EnvelopeError::NotAnEnvelope {
            reason: "it ends before the age header is complete",
        },
        D::Io(e) => EnvelopeError::ReadCiphertext(e),
        D::DecryptionFailed | D::KeyDecryptionFailed => EnvelopeError::NotAnEnvelope {
            reason: "decryption failed",
        },
        D::ExcessiveWork { .. } => EnvelopeError::NotAnEnvelope {
            reason: "it is passphrase-encrypted, envelopes are sealed to keys",
        },
        _ => EnvelopeError::NotAnEnvelope {
            reason: "it cannot be decrypted",
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret;

    #[test]
    fn seal_open_binary_and_armored() {
        let id = age::x25519::Identity::generate();
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut ct = Vec::new();
        let n = seal_to(&mut ct, &[id.to_public()], &data[..]).unwrap();
        assert_eq!(n, ct.len() as u64);
        assert!(ct.starts_with(b"age-encryption.org/v1\n"));

        let mut pt = Vec::new();
        open(&ct[..], std::slice::from_ref(&id))
            .unwrap()
            .read_to_end(&mut pt)
            .unwrap();
        assert_eq!(pt, data);

        // Armored input (as `age -a` would write) opens too.
        let mut armored = Vec::new();
        {
            let aw = age::armor::ArmoredWriter::wrap_output(
                &mut armored,
                age::armor::Format::AsciiArmor,
            )
            .unwrap();
            let mut w = seal_writer(aw, &[id.to_public()]).unwrap();
            w.write_all(&data).unwrap();
            w.finish().unwrap().finish().unwrap();
        }
        assert!(armored.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
        let mut pt = Vec::new();
        open(&armored[..], &[id])
            .unwrap()
            .read_to_end(&mut pt)
            .unwrap();
        assert_eq!(pt, data);
    }

    #[test]
    fn wrong_key_and_garbage() {
        let id = age::x25519::Identity::generate();
        let other = age::x25519::Identity::generate();
        let mut ct = Vec::new();
        seal_to(&mut ct, &[id.to_public()], &b"hello"[..]).unwrap();
        let err = open(&ct[..], std::slice::from_ref(&other)).err().unwrap();
        assert!(matches!(err, EnvelopeError::WrongKey));
        let msg = err.to_string();
        assert!(!msg.contains(other.to_string().expose_secret()));
        let err = open(&b"hello world"[..], &[id]).err().unwrap();
        assert!(
            matches!(err, EnvelopeError::NotAnEnvelope { .. }),
            "{err:?}"
        );
        assert!(matches!(
            seal_to(Vec::new(), &[] as &[age::x25519::Recipient], &b""[..]),
            Err(EnvelopeError::NoRecipients)
        ));
    }

    #[test]
    fn truncated_ciphertext_fails_on_read() {
        let id = age::x25519::Identity::generate();
        let mut ct = Vec::new();
        seal_to(&mut ct, &[id.to_public()], &[7u8; 100_000][..]).unwrap();
        ct.truncate(ct.len() - 10);
        let mut r = open(&ct[..], &[id]).unwrap();
        assert!(r.read_to_end(&mut Vec::new()).is_err());
    }
}
