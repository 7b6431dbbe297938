//! The age boundary: the one module that builds `age::Encryptor`s and `age::Decryptor`s.
//!
//! Sealing ([`seal`], [`seal_writer`], [`seal_armored`], [`seal_with_passphrase`]) hands back
//! ciphertext: a [`Sealed`] file or a stream writer. Opening hands back [`Opened`] plaintext,
//! and only to a caller holding an identity: [`open`] for officers and her codename's keys on
//! her side, [`open_with_passphrase`] for identity files. The server never holds an identity
//! that opens a report; the two places it decrypts at all are named for what they are —
//! [`open_spool_for_relay`] (the no-JS path's own spool files, under a key that never leaves the
//! request) and [`open_nojs_mailbox_reply`] (a reply, for the page without JavaScript, under
//! the key her codename gives for one request) — so a grep over `src/server`, `src/http` and
//! `src/store` for `Opened` or any other opening function proves DESIGN.md's rule (the test
//! `the_server_names_no_opened_type_and_decrypts_in_two_named_places` below).
//! [`is_age_header`] only parses a header, as the server's validation does.

use std::io::{self, BufRead, Read, Write};

use age::secrecy::SecretString;
use age::stream::{StreamReader, StreamWriter};

/// Why sealing failed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// No recipient to seal to.
    #[error("no recipients to seal to")]
    NoRecipients,
    /// Post-quantum and classic recipients together: the `age` crate refuses the mix.
    #[error("post-quantum and X25519 recipients cannot share one file")]
    Mixed,
    /// Any other refusal by the `age` crate.
    #[error("age refused to encrypt: {0}")]
    Encrypt(String),
    /// Writing the ciphertext failed.
    #[error("writing the sealed file: {0}")]
    Io(#[from] io::Error),
}

/// Why opening failed.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// A passphrase (scrypt) file where keys were expected.
    #[error("the file is passphrase-encrypted, not sealed to keys")]
    Passphrase,
    /// The `age` crate's own refusal (wrong key, bad header, truncated).
    #[error("{0}")]
    Age(#[from] age::DecryptError),
}

/// A whole age file in memory (binary format).
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed(Vec<u8>);

impl Sealed {
    /// The age file's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The age file's bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({} bytes)", self.0.len())
    }
}

/// Plaintext being read out of an age file; only this module makes one. The payload is
/// authenticated chunk by chunk: a read error means the file was truncated or altered.
pub struct Opened<R>(R);

impl<R: Read> Read for Opened<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R> std::fmt::Debug for Opened<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Opened(…)")
    }
}

fn encryptor<'a>(
    recipients: impl IntoIterator<Item = &'a dyn age::Recipient>,
) -> Result<age::Encryptor, SealError> {
    let recipients: Vec<&dyn age::Recipient> = recipients.into_iter().collect();
    if recipients.is_empty() {
        return Err(SealError::NoRecipients);
    }
    age::Encryptor::with_recipients(recipients.into_iter()).map_err(|e| match e {
        age::EncryptError::IncompatibleRecipients { .. } => SealError::Mixed,
        e => SealError::Encrypt(e.to_string()),
    })
}

/// A writer that seals everything written to it for `recipients` (binary age) into `out`;
/// call `finish()` at the end (age writes its last chunk then).
pub fn seal_writer<'a, W: Write>(
    out: W,
    recipients: impl IntoIterator<Item = &'a dyn age::Recipient>,
) -> Result<StreamWriter<W>, SealError> {
    Ok(encryptor(recipients)?.wrap_output(out)?)
}

/// Seals `plaintext` for `recipients` into a binary age file in memory.
pub fn seal<'a>(
    recipients: impl IntoIterator<Item = &'a dyn age::Recipient>,
    plaintext: &[u8],
) -> Result<Sealed, SealError> {
    let mut out = Vec::with_capacity(plaintext.len() + 256);
    let mut w = seal_writer(&mut out, recipients)?;
    w.write_all(plaintext)?;
    w.finish()?;
    Ok(Sealed(out))
}

/// Seals `plaintext` for one recipient into an ASCII-armored age file (a login challenge).
pub fn seal_armored(recipient: &dyn age::Recipient, plaintext: &[u8]) -> Result<String, SealError> {
    let mut out = Vec::new();
    let armor = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)?;
    let mut w = seal_writer(armor, std::iter::once(recipient))?;
    w.write_all(plaintext)?;
    w.finish()?.finish()?;
    String::from_utf8(out).map_err(|e| SealError::Encrypt(e.to_string()))
}

/// Seals `plaintext` with a passphrase (scrypt) into an ASCII-armored age file (an identity
/// file).
pub fn seal_with_passphrase(plaintext: &[u8], passphrase: SecretString) -> io::Result<Vec<u8>> {
    let encryptor = age::Encryptor::with_user_passphrase(passphrase);
    let mut out = Vec::new();
    let armor = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)?;
    let mut w = encryptor.wrap_output(armor)?;
    w.write_all(plaintext)?;
    w.finish()?.finish()?;
    Ok(out)
}

/// Opens an age file with `identities` (X25519 or hybrid); a passphrase file is refused. The
/// header is authenticated here; read to the end to authenticate the last chunk.
pub fn open<'a, R: BufRead>(
    ciphertext: R,
    identities: impl Iterator<Item = &'a dyn age::Identity>,
) -> Result<Opened<StreamReader<R>>, OpenError> {
    let decryptor = age::Decryptor::new_buffered(ciphertext)?;
    if decryptor.is_scrypt() {
        return Err(OpenError::Passphrase);
    }
    Ok(Opened(decryptor.decrypt(identities)?))
}

/// Opens an ASCII-armored passphrase (scrypt) file, refusing a work factor above
/// `max_work_factor` (a hostile file could otherwise take hours).
pub fn open_with_passphrase(
    armored: &[u8],
    passphrase: SecretString,
    max_work_factor: u8,
) -> Result<Opened<impl Read + '_>, OpenError> {
    let decryptor = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(armored))?;
    let mut identity = age::scrypt::Identity::new(passphrase);
    identity.set_max_work_factor(max_work_factor);
    Ok(Opened(decryptor.decrypt(std::iter::once(
        &identity as &dyn age::Identity,
    ))?))
}

/// The no-JS path's spool: opens one of the request's own spooled files with the key made for
/// that request, to pack it into the report sealed for the partner. One of the two places the
/// server decrypts.
pub fn open_spool_for_relay<R: BufRead>(
    spooled: R,
    request_key: &crate::agekeys::hybrid::Identity,
) -> Result<Opened<StreamReader<R>>, OpenError> {
    open(spooled, std::iter::once(request_key as &dyn age::Identity))
}

/// The no-JS mailbox: opens a reply with the identity her codename gives for this one
/// request, to show it on the page without JavaScript. The other place the server decrypts.
pub fn open_nojs_mailbox_reply<'a>(
    sealed: &'a [u8],
    codename_identity: &age::x25519::Identity,
) -> Result<Opened<StreamReader<&'a [u8]>>, OpenError> {
    open(
        sealed,
        std::iter::once(codename_identity as &dyn age::Identity),
    )
}

/// True when `bytes` (a header and the payload nonce) parse as an age v1 header, as the
/// `age` crate reads it. Parses only: no identity, nothing decrypted.
pub fn is_age_header(bytes: &[u8]) -> bool {
    age::Decryptor::new(bytes).is_ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sealed_opens_only_with_its_identity() {
        let id = age::x25519::Identity::generate();
        let other = age::x25519::Identity::generate();
        let sealed = seal(
            std::iter::once(&id.to_public() as &dyn age::Recipient),
            b"report",
        )
        .unwrap();
        assert!(is_age_header(sealed.as_bytes()));
        let mut pt = Vec::new();
        open(
            sealed.as_bytes(),
            std::iter::once(&id as &dyn age::Identity),
        )
        .unwrap()
        .read_to_end(&mut pt)
        .unwrap();
        assert_eq!(pt, b"report");
        assert!(matches!(
            open(
                sealed.as_bytes(),
                std::iter::once(&other as &dyn age::Identity)
            ),
            Err(OpenError::Age(age::DecryptError::NoMatchingKeys))
        ));
        assert!(matches!(
            seal(std::iter::empty(), b"x"),
            Err(SealError::NoRecipients)
        ));
    }

    #[test]
    fn a_passphrase_file_is_not_opened_as_a_keyed_one() {
        let pass = SecretString::from("correct horse".to_owned());
        let armored = seal_with_passphrase(b"secret", pass.clone()).unwrap();
        let mut pt = Vec::new();
        open_with_passphrase(&armored, pass, 30)
            .unwrap()
            .read_to_end(&mut pt)
            .unwrap();
        assert_eq!(pt, b"secret");
        let id = age::x25519::Identity::generate();
        let reader = age::armor::ArmoredReader::new(&armored[..]);
        assert!(matches!(
            open(reader, std::iter::once(&id as &dyn age::Identity)),
            Err(OpenError::Passphrase)
        ));
    }

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Code lines (comments dropped) of every `.rs` file under `src/<dir>`.
    fn code(dir: &str) -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&root.join(dir), &mut files);
        let mut out = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let name = f.strip_prefix(&root).unwrap().display().to_string();
            for line in text.lines() {
                let code = line.split("//").next().unwrap_or("");
                out.push((name.clone(), code.to_owned()));
            }
        }
        out
    }

    /// DESIGN.md: the server holds ciphertext only. The server's modules (`src/server`,
    /// `src/http`, `src/store`) name no opened type and no opening function but the two named ones, each
    /// used once; and no module but this one builds an age encryptor or decryptor.
    #[test]
    fn the_server_names_no_opened_type_and_decrypts_in_two_named_places() {
        const FORBIDDEN: &[&str] = &[
            "Opened",
            "agefile::open(",
            "agefile::open_with_passphrase",
            "Reply::open(",
            "envelope::open",
            "envelope::unpack",
            "unpack_in_memory",
            "dyn age::Identity",
            "Decryptor",
            "scrypt::Identity",
        ];
        let mut named = [("open_spool_for_relay", 0), ("open_nojs_mailbox_reply", 0)];
        for dir in ["server", "http", "store"] {
            for (file, line) in code(dir) {
                for bad in FORBIDDEN {
                    assert!(
                        !line.contains(bad),
                        "src/{file} names {bad:?} on the server path: {line}"
                    );
                }
                for (name, n) in &mut named {
                    *n += line.matches(*name).count();
                }
            }
        }
        assert_eq!(
            named,
            [("open_spool_for_relay", 1), ("open_nojs_mailbox_reply", 1)]
        );
        let mut all = code("");
        all.retain(|(file, _)| file != "agefile.rs");
        for (file, line) in all {
            assert!(
                !line.contains("Decryptor") && !line.contains("Encryptor::"),
                "src/{file} builds an age encryptor or decryptor outside src/agefile.rs: {line}"
            );
        }
    }
}
