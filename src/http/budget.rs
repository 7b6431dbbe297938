//! Rate budgets that anonymous junk in one class cannot spend for another.
//!
//! A request is first refused for free where it can be (malformed, unknown partner, a key that
//! is not in the directory); only then does it touch a budget, and the budget is that of the
//! thing it names, not one shared by everybody:
//!
//! - officer challenges: per officer. A request signed by the officer's Ed25519 key (listed in
//!   the directory) spends that key's budget, which nobody without the key can touch; an
//!   unsigned one spends the budget of the recipient it names (public, so junk can drain it,
//!   but only for unsigned logins to that one recipient);
//! - mailbox reads and deletions with JavaScript: per mailbox id (a 256-bit secret derived from
//!   her codename: junk never names hers);
//! - no-JavaScript mailbox logins (the server runs the codename KDF) keep their server-wide
//!   budget, and the KDF itself runs on a small pool (`mailbox::kdf`);
//! - submissions keep their server-wide budget, spent only after the partner is known.
//!
//! Keyed budgets forget keys that are back to a full bucket, so junk keys cost no memory for
//! long (and at most [`MAX_KEYS`] before a sweep).

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Keys a keyed budget holds before it sweeps those back at full allowance.
pub const MAX_KEYS: usize = 50_000;

/// The per-key budgets.
pub struct Budgets {
    signed_officer: DefaultKeyedRateLimiter<String>,
    unsigned_officer: DefaultKeyedRateLimiter<String>,
    /// Keyed by a hash of the mailbox id, so the id itself is not kept.
    mailbox: DefaultKeyedRateLimiter<[u8; 16]>,
}

fn quota(per_second: u32) -> Quota {
    let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(per_second.max(1).saturating_mul(10)).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(rate).allow_burst(burst)
}

fn spend<K: std::hash::Hash + Eq + Clone>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> bool {
    if limiter.len() >= MAX_KEYS {
        limiter.retain_recent();
    }
    limiter.check_key(key).is_ok()
}

impl Budgets {
    /// Officer logins at `officer_per_second` per key (bursts of 10×), mailbox reads at
    /// `mailbox_per_second` per mailbox.
    pub fn new(officer_per_second: u32, mailbox_per_second: u32) -> Self {
        Budgets {
            signed_officer: RateLimiter::keyed(quota(officer_per_second)),
            unsigned_officer: RateLimiter::keyed(quota(officer_per_second)),
            mailbox: RateLimiter::keyed(quota(mailbox_per_second)),
        }
    }

    /// A challenge signed by this officer key (already verified): true if within budget.
    pub fn signed_officer(&self, officer_key: &str) -> bool {
        spend(&self.signed_officer, &officer_key.to_owned())
    }

    /// An unsigned challenge for this directory recipient: true if within budget.
    pub fn unsigned_officer(&self, recipient: &str) -> bool {
        spend(&self.unsigned_officer, &recipient.to_owned())
    }

    /// A read or deletion of this mailbox: true if within budget.
    pub fn mailbox(&self, mailbox: &crate::model::MailboxId) -> bool {
        use sha2::Digest;
        let h = sha2::Sha256::digest(mailbox.0);
        let mut key = [0u8; 16];
        key.copy_from_slice(&h[..16]);
        spend(&self.mailbox, &key)
    }

    /// Forgets keys back at full allowance (called now and then).
    pub fn forget_idle(&self) {
        self.signed_officer.retain_recent();
        self.unsigned_officer.retain_recent();
        self.mailbox.retain_recent();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn junk_on_one_key_leaves_another_keys_budget_whole() {
        let b = Budgets::new(1, 1);
        while b.unsigned_officer("age1victim") {}
        assert!(b.signed_officer("officer-key"));
        let (hers, junk) = (
            crate::model::MailboxId([1; 32]),
            crate::model::MailboxId([2; 32]),
        );
        while b.mailbox(&junk) {}
        assert!(b.mailbox(&hers));
    }
}
