//! Officer login by challenge, and the short-lived sessions it grants — in memory only.
//!
//! The server encrypts a random token to an officer's recipient from the directory; only the
//! holder of that identity can return it. A session is bound to that officer's partner. Tokens
//! are kept as SHA-256 hashes; everything here is forgotten on restart.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::prelude::{Engine, BASE64_URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::model::PartnerId;

/// Most challenges outstanding at once (older ones are dropped first when full).
const MAX_CHALLENGES: usize = 10_000;
/// Most sessions at once.
const MAX_SESSIONS: usize = 10_000;

struct Challenge {
    token_hash: [u8; 32],
    partner: PartnerId,
    expires: Instant,
}

/// A granted session.
#[derive(Clone, Debug)]
pub struct Session {
    /// The partner whose reports this session may see.
    pub partner: PartnerId,
    expires: Instant,
}

/// Challenges and sessions.
pub struct Sessions {
    session_ttl: Duration,
    challenge_ttl: Duration,
    challenges: Mutex<HashMap<String, Challenge>>,
    sessions: Mutex<HashMap<[u8; 32], Session>>,
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn random_token() -> String {
    BASE64_URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

impl Sessions {
    /// Empty.
    pub fn new(session_ttl: Duration, challenge_ttl: Duration) -> Self {
        Sessions {
            session_ttl,
            challenge_ttl,
            challenges: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
        }
    }

    /// A new challenge for `partner`: returns (challenge id, the token to encrypt).
    pub fn challenge(&self, partner: PartnerId) -> (String, String) {
        let id = random_token();
        let token = random_token();
        let now = Instant::now();
        let mut map = self.challenges.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, c| c.expires > now);
        if map.len() >= MAX_CHALLENGES {
            // Drop the one closest to expiry.
            if let Some(k) = map
                .iter()
                .min_by_key(|(_, c)| c.expires)
                .map(|(k, _)| k.clone())
            {
                map.remove(&k);
            }
        }
        map.insert(
            id.clone(),
            Challenge {
                token_hash: hash(&token),
                partner,
                expires: now + self.challenge_ttl,
            },
        );
        (id, token)
    }

    /// Answers a challenge (single use). Returns the session token and its partner.
    pub fn answer(
        &self,
        challenge_id: &str,
        response: &str,
    ) -> Option<(String, PartnerId, Duration)> {
        let challenge = self
            .challenges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(challenge_id)?;
        let now = Instant::now();
        if challenge.expires <= now || !constant_time_eq(&challenge.token_hash, &hash(response)) {
            return None;
        }
        let token = random_token();
        let mut map = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, s| s.expires > now);
        if map.len() >= MAX_SESSIONS {
            return None;
        }
        map.insert(
            hash(&token),
            Session {
                partner: challenge.partner.clone(),
                expires: now + self.session_ttl,
            },
        );
        Some((token, challenge.partner, self.session_ttl))
    }

    /// The live session for a bearer token.
    pub fn get(&self, token: &str) -> Option<Session> {
        let map = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&hash(token))
            .filter(|s| s.expires > Instant::now())
            .cloned()
    }
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn challenge_is_single_use_and_bound() {
        let s = Sessions::new(Duration::from_secs(60), Duration::from_secs(60));
        let partner: PartnerId = "cav".parse().unwrap();
        let (id, token) = s.challenge(partner.clone());
        assert!(s.answer(&id, "wrong").is_none());
        assert!(
            s.answer(&id, &token).is_none(),
            "a challenge is gone after one try"
        );
        let (id, token) = s.challenge(partner.clone());
        let (session, p, _) = s.answer(&id, &token).unwrap();
        assert_eq!(p, partner);
        assert_eq!(s.get(&session).unwrap().partner, partner);
        assert!(s.get("forged").is_none());
    }

    #[test]
    fn sessions_expire() {
        let s = Sessions::new(Duration::ZERO, Duration::from_secs(60));
        let (id, token) = s.challenge("cav".parse().unwrap());
        let (session, _, _) = s.answer(&id, &token).unwrap();
        assert!(s.get(&session).is_none());
    }
}
