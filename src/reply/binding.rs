//! Binding a report to the mailbox its replies go to, without telling the server the mailbox.
//!
//! A report that asks for replies names her mailbox inside the ciphertext only. So that the
//! server can still refuse a reply filed in *another* victim's mailbox by an officer who names a
//! report of his own partner (issue 15, item 9), the sender hands the server, beside the
//! ciphertext, a commitment to the mailbox:
//!
//! ```text
//! binding = salt (16 random bytes) || SHA-256("approdo.mailbox-binding/v1" || salt || mailbox)
//! ```
//!
//! where `mailbox` is the 32-byte mailbox id (the 64 hex digits of `reply.mailbox`). It travels
//! as 96 lowercase hex digits in the `X-Approdo-Mailbox-Binding` header of
//! `POST /api/v1/uploads/{id}/finalize` and `POST /api/v1/submissions`; the form without
//! JavaScript computes it on the server, which derived the mailbox anyway. A reply names the
//! report it answers and the mailbox; the server accepts it only if the report went to the
//! officer's partner *and* the binding opens to that mailbox. The salt keeps two reports of one
//! mailbox unlinkable on disk; the server learns the mailbox of a report only when a reply is
//! filed there, which the reply tells it anyway. A report sent without a binding (an older page,
//! a third-party client) can be answered only by a partner that has replied in that mailbox
//! before. Vectors: `tests/vectors/binding.json`, checked here and by `web/test/binding.test.mjs`.

use sha2::{Digest, Sha256};

/// The header that carries a binding.
pub const HEADER: &str = "X-Approdo-Mailbox-Binding";
/// The hash's domain separator.
const DOMAIN: &[u8] = b"approdo.mailbox-binding/v1";
/// Bytes of a binding: salt then hash.
pub const LEN: usize = 48;

/// A commitment to one mailbox id (see the module documentation).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MailboxBinding([u8; LEN]);

impl std::fmt::Debug for MailboxBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MailboxBinding(..)")
    }
}

impl MailboxBinding {
    /// Binds `mailbox` under a fresh random salt.
    pub fn new(mailbox: &[u8; 32]) -> Self {
        Self::with_salt(rand::random(), mailbox)
    }

    /// Binds `mailbox` under `salt` (for vectors and tests).
    pub fn with_salt(salt: [u8; 16], mailbox: &[u8; 32]) -> Self {
        let mut out = [0u8; LEN];
        out[..16].copy_from_slice(&salt);
        out[16..].copy_from_slice(&hash(&salt, mailbox));
        MailboxBinding(out)
    }

    /// Binds the mailbox written as 64 hex digits (as in `report.json`).
    pub fn for_hex(mailbox: &str) -> Option<Self> {
        let mut id = [0u8; 32];
        hex::decode_to_slice(mailbox.trim(), &mut id).ok()?;
        Some(Self::new(&id))
    }

    /// Whether this binding commits to `mailbox`.
    pub fn opens_to(&self, mailbox: &[u8; 32]) -> bool {
        let salt: [u8; 16] = self.0[..16]
            .try_into()
            .expect("16 bytes of a 48-byte array");
        hash(&salt, mailbox) == self.0[16..]
    }

    /// The stored form.
    pub fn as_bytes(&self) -> &[u8; LEN] {
        &self.0
    }

    /// From the stored form; `None` unless exactly [`LEN`] bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        Some(MailboxBinding(bytes.try_into().ok()?))
    }
}

fn hash(salt: &[u8; 16], mailbox: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(salt);
    h.update(mailbox);
    h.finalize().into()
}

impl std::fmt::Display for MailboxBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl std::str::FromStr for MailboxBinding {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const BAD: &str = "X-Approdo-Mailbox-Binding must be 96 lowercase hex digits: a 16-byte \
                           salt and SHA-256(\"approdo.mailbox-binding/v1\" || salt || mailbox id)";
        let s = s.trim();
        if s.len() != 2 * LEN || s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(BAD);
        }
        let mut out = [0u8; LEN];
        hex::decode_to_slice(s, &mut out).map_err(|_| BAD)?;
        Ok(MailboxBinding(out))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_vectors_and_their_round_trip() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/vectors/binding.json")).unwrap();
        for c in v["cases"].as_array().unwrap() {
            let hex32 = |k: &str| hex::decode(c[k].as_str().unwrap()).unwrap();
            let salt: [u8; 16] = hex32("salt").try_into().unwrap();
            let mailbox: [u8; 32] = hex32("mailbox").try_into().unwrap();
            let b = MailboxBinding::with_salt(salt, &mailbox);
            assert_eq!(b.to_string(), c["binding"].as_str().unwrap());
            let parsed: MailboxBinding = b.to_string().parse().unwrap();
            assert!(parsed.opens_to(&mailbox));
            let mut other = mailbox;
            other[31] ^= 1;
            assert!(!parsed.opens_to(&other));
            assert_eq!(MailboxBinding::from_bytes(b.as_bytes()), Some(b));
        }
    }

    #[test]
    fn fresh_salts_differ_and_bad_text_is_refused() {
        let m = [7u8; 32];
        assert_ne!(MailboxBinding::new(&m), MailboxBinding::new(&m));
        assert!(MailboxBinding::new(&m).opens_to(&m));
        for bad in ["", "00", &"A".repeat(96), &"g".repeat(96), &"0".repeat(98)] {
            assert!(bad.parse::<MailboxBinding>().is_err(), "{bad}");
        }
        assert!(MailboxBinding::from_bytes(&[0; 47]).is_none());
    }
}
