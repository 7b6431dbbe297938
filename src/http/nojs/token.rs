//! Per-form tokens against cross-site form posts, without cookies: a random nonce and the hour
//! it was issued, authenticated with HMAC-SHA256 under a key that lives only in memory. A token
//! is good for two hours and once. Nothing here is written anywhere.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::prelude::{Engine, BASE64_URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

const VALID_HOURS: u64 = 2;

fn hour_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 3600)
        .unwrap_or(0)
}

/// Issues and checks form tokens.
pub struct FormTokens {
    key: Zeroizing<[u8; 32]>,
    used: Mutex<HashMap<[u8; 16], (u64, Use)>>,
}

impl Default for FormTokens {
    fn default() -> Self {
        FormTokens {
            key: Zeroizing::new(rand::random()),
            used: Mutex::new(HashMap::new()),
        }
    }
}

impl FormTokens {
    fn mac(&self, nonce: &[u8; 16], hour: u64) -> [u8; 32] {
        // HMAC accepts keys of any length: this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.key.as_slice())
            .unwrap_or_else(|_| unreachable!());
        mac.update(b"approdo form token v1");
        mac.update(nonce);
        mac.update(&hour.to_be_bytes());
        mac.finalize().into_bytes().into()
    }

    /// A fresh token for one form.
    pub fn issue(&self) -> String {
        let nonce: [u8; 16] = rand::random();
        let hour = hour_now();
        let mut raw = Vec::with_capacity(16 + 8 + 32);
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&hour.to_be_bytes());
        raw.extend_from_slice(&self.mac(&nonce, hour));
        BASE64_URL_SAFE_NO_PAD.encode(raw)
    }

    /// True (once) for a token this server issued in the last two hours.
    pub fn redeem(&self, token: &str) -> bool {
        match self.claim(token) {
            Claim::Fresh(nonce) => {
                self.settle(nonce, true);
                true
            }
            _ => false,
        }
    }

    /// [`redeem`](Self::redeem) for a form whose repeat does nothing more (her mailbox login,
    /// deleting a message): the same token is good once more within [`REPEAT`] of its first
    /// use — a button tapped twice without JavaScript makes the browser show the second
    /// answer, which would otherwise be "expired". Never a third time.
    pub fn redeem_or_repeat(&self, token: &str) -> bool {
        let Some((nonce, hour)) = self.check(token) else {
            return false;
        };
        let mut used = self.used();
        match used.get_mut(&nonce) {
            None => {
                used.insert(nonce, (hour, Use::Sent(std::time::Instant::now())));
                true
            }
            Some(entry) if matches!(entry.1, Use::Sent(at) if at.elapsed() < REPEAT) => {
                entry.1 = Use::Repeated;
                true
            }
            Some(_) => false,
        }
    }

    /// The tokens used in the last two hours (older ones are forgotten here).
    fn used(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 16], (u64, Use)>> {
        let now = hour_now();
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        used.retain(|_, (h, _)| now - *h < VALID_HOURS);
        used
    }

    /// The nonce and hour of a token this server issued in the last two hours.
    fn check(&self, token: &str) -> Option<([u8; 16], u64)> {
        let raw = BASE64_URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
        if raw.len() != 56 {
            return None;
        }
        let nonce = <[u8; 16]>::try_from(&raw[..16]).ok()?;
        let hour = u64::from_be_bytes(<[u8; 8]>::try_from(&raw[16..24]).ok()?);
        let now = hour_now();
        let expected = self.mac(&nonce, hour);
        let same = expected
            .iter()
            .zip(&raw[24..])
            .fold(0u8, |a, (x, y)| a | (x ^ y))
            == 0;
        (same && hour <= now && now - hour < VALID_HOURS).then_some((nonce, hour))
    }

    /// Takes a report form's token for the post that carries it: [`Claim::Fresh`] the first
    /// time (the post then [`settle`](Self::settle)s it), or what became of an earlier post of
    /// the same form — a reload, or Send pressed twice.
    pub fn claim(&self, token: &str) -> Claim {
        let Some((nonce, hour)) = self.check(token) else {
            return Claim::Invalid;
        };
        let mut used = self.used();
        match used.get(&nonce) {
            Some((_, Use::Pending)) => Claim::Pending,
            Some((_, Use::Sent(_) | Use::Repeated)) => Claim::Sent,
            None => {
                used.insert(nonce, (hour, Use::Pending));
                Claim::Fresh(nonce)
            }
        }
    }

    /// The post that claimed `nonce` ended: it sent the form (the token is spent), or it did
    /// not (the token is good again, so the same form can be sent once more).
    pub fn settle(&self, nonce: [u8; 16], sent: bool) {
        let mut used = self.used();
        if sent {
            if let Some(entry) = used.get_mut(&nonce) {
                entry.1 = Use::Sent(std::time::Instant::now());
            }
        } else {
            used.remove(&nonce);
        }
    }
}

/// Where a claimed token stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    /// A post carrying it is being read.
    Pending,
    /// A post carrying it was sent, at this moment.
    Sent(std::time::Instant),
    /// Sent, then posted once more within [`REPEAT`] (see [`FormTokens::redeem_or_repeat`]).
    Repeated,
}

/// How soon after its first use a form whose repeat does nothing more may be posted once more
/// with the same token: a double tap, or a reload of the page it opened.
const REPEAT: std::time::Duration = std::time::Duration::from_secs(10);

/// What [`FormTokens::claim`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// First use: this post has the token (its nonce, to settle).
    Fresh([u8; 16]),
    /// Another post of the same form is being read.
    Pending,
    /// Another post of the same form was sent.
    Sent,
    /// Not a token of this server, or older than two hours.
    Invalid,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_single_use_and_bound_to_the_key() {
        let a = FormTokens::default();
        let b = FormTokens::default();
        let t = a.issue();
        assert!(!b.redeem(&t), "another server's token");
        assert!(a.redeem(&t));
        assert!(!a.redeem(&t), "second use");
        assert!(!a.redeem("garbage"));
        let mut forged = BASE64_URL_SAFE_NO_PAD.decode(a.issue()).unwrap();
        forged[30] ^= 1;
        assert!(!a.redeem(&BASE64_URL_SAFE_NO_PAD.encode(forged)));
    }

    #[test]
    fn a_form_posted_twice_is_sent_once_and_a_failed_post_frees_its_token() {
        let a = FormTokens::default();
        let t = a.issue();
        let Claim::Fresh(nonce) = a.claim(&t) else {
            panic!("first post")
        };
        assert_eq!(a.claim(&t), Claim::Pending, "while the first is read");
        a.settle(nonce, false);
        let Claim::Fresh(nonce) = a.claim(&t) else {
            panic!("the first post failed: the form can be sent again")
        };
        a.settle(nonce, true);
        assert_eq!(a.claim(&t), Claim::Sent);
        assert!(!a.redeem(&t));
        assert_eq!(a.claim("garbage"), Claim::Invalid);
    }

    #[test]
    fn a_reading_form_may_be_posted_once_more_right_after() {
        let a = FormTokens::default();
        let t = a.issue();
        assert!(a.redeem_or_repeat(&t), "first");
        assert!(a.redeem_or_repeat(&t), "a double tap");
        assert!(!a.redeem_or_repeat(&t), "never a third time");
        assert!(!a.redeem(&t));
        assert!(!a.redeem_or_repeat("garbage"));
        let late = a.issue();
        assert!(a.redeem(&late));
        if let Some(entry) = a
            .used
            .lock()
            .unwrap()
            .values_mut()
            .find(|e| matches!(e.1, Use::Sent(_)))
        {
            entry.1 = Use::Sent(std::time::Instant::now().checked_sub(REPEAT).unwrap());
        }
        assert!(!a.redeem_or_repeat(&late), "too late for a repeat");
    }
}
