//! Proof of work on every anonymous write path: before starting a resumable upload
//! (`POST /api/v1/uploads`) or posting a whole report (`POST /api/v1/submissions`) a client
//! asks for a challenge (`GET /api/v1/pow` → `{"challenge", "bits", "base_bits", "max_bits"}`),
//! finds a number `n` such that `SHA-256("approdo.pow/v1:" + challenge + ":" + n)` starts with
//! `bits` zero bits, and sends `X-Approdo-PoW: <challenge>:<n>`. Challenges are one-time tokens
//! (HMAC under an in-memory key, two hours), so a solution cannot be replayed. The price
//! follows the load, like tor's onion-service defence: `--pow-bits` (default 14: ~16 000
//! hashes, well under a second in the page at Tor Browser "Safer") while the upload slots are
//! mostly free, up to 4 bits more (16×) as they fill ([`super::slots::Slots::pow_bits`]). A
//! solution is checked against the price *when it is redeemed*: a client that solved for a
//! lower price gets 428 and solves again. `--pow-bits 0` turns it off. The exact rule, for
//! third-party clients, is in docs/security.md. The no-JavaScript path relies on tor's own
//! onion-service proof of work (`HiddenServicePoWDefensesEnabled`).

use actix_web::{get, web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::{ApiError, AppState};

/// The header carrying `<challenge>:<n>`.
pub const HEADER: &str = "X-Approdo-PoW";

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(issue);
}

#[get("/api/v1/pow")]
async fn issue(state: web::Data<AppState>) -> HttpResponse {
    let base = state.limits.pow_bits;
    HttpResponse::Ok().json(serde_json::json!({
        "challenge": state.pow_tokens.issue(),
        "bits": current_bits(&state),
        "base_bits": base,
        "max_bits": if base == 0 { 0 } else { base + 4 },
    }))
}

/// The price of an anonymous write now (leading zero bits; 0 = no proof of work).
pub(super) fn current_bits(state: &AppState) -> u32 {
    state.slots.pow_bits(state.limits.pow_bits)
}

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

/// Checks the request's proof of work, if the server asks for one.
pub(super) fn check(state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
    let bits = current_bits(state);
    if bits == 0 {
        return Ok(());
    }
    let header = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::PowRequired)?;
    let (challenge, n) = header.rsplit_once(':').ok_or(ApiError::PowRequired)?;
    let n: u64 = n.parse().map_err(|_| ApiError::PowRequired)?;
    if zero_bits(&work(challenge, n)) < bits || !state.pow_tokens.redeem(challenge) {
        return Err(ApiError::PowRequired);
    }
    Ok(())
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
