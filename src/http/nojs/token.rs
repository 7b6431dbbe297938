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
    used: Mutex<HashMap<[u8; 16], u64>>,
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
        let Ok(raw) = BASE64_URL_SAFE_NO_PAD.decode(token.trim()) else {
            return false;
        };
        if raw.len() != 56 {
            return false;
        }
        let (Ok(nonce), Ok(hour)) = (
            <[u8; 16]>::try_from(&raw[..16]),
            <[u8; 8]>::try_from(&raw[16..24]),
        ) else {
            return false;
        };
        let hour = u64::from_be_bytes(hour);
        let now = hour_now();
        let expected = self.mac(&nonce, hour);
        let same = expected
            .iter()
            .zip(&raw[24..])
            .fold(0u8, |a, (x, y)| a | (x ^ y))
            == 0;
        if !same || hour > now || now - hour >= VALID_HOURS {
            return false;
        }
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        used.retain(|_, h| now - *h < VALID_HOURS);
        used.insert(nonce, hour).is_none()
    }
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
}
