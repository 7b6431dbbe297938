//! The proof-of-work rule (`approdo.pow/v1`, docs/security.md "Proof of work"): find `n` such
//! that `SHA-256("approdo.pow/v1:" + challenge + ":" + n)` starts with `bits` zero bits. A
//! leaf shared by the server ([`crate::http`] issues and checks challenges), the officer's
//! client and tests, so a client does not import the server to solve it.

use sha2::{Digest, Sha256};

/// The header carrying `<challenge>:<n>`.
pub const HEADER: &str = "X-Approdo-PoW";

/// Leading zero bits of a hash.
pub fn zero_bits(h: &[u8]) -> u32 {
    let mut n = 0;
    for b in h {
        if *b == 0 {
            n += 8;
        } else {
            return n + b.leading_zeros();
        }
    }
    n
}

/// The hash a solution must make small.
pub fn work(challenge: &str, n: u64) -> [u8; 32] {
    Sha256::digest(format!("approdo.pow/v1:{challenge}:{n}").as_bytes()).into()
}

/// Finds a solution (for clients and tests).
pub fn solve(challenge: &str, bits: u32) -> u64 {
    (0..u64::MAX)
        .find(|n| zero_bits(&work(challenge, *n)) >= bits)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn solutions_have_the_zero_bits() {
        assert_eq!(super::zero_bits(&[0, 0, 0x10, 0xff]), 19);
        assert_eq!(super::zero_bits(&[0x80]), 0);
        let n = super::solve("c", 10);
        assert!(super::zero_bits(&super::work("c", n)) >= 10);
    }

    /// The worked example of docs/security.md ("Proof of work"): third-party clients rely on it.
    #[test]
    fn the_documented_example_holds() {
        let c = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc";
        assert_eq!(super::solve(c, 14), 27364);
        assert_eq!(hex::encode(&super::work(c, 27364)[..4]), "0002efa1");
    }
}
