//! Proof of work on the browser's submission path: before starting a resumable upload the page
//! asks for a challenge (`GET /api/v1/pow`), finds a number `n` such that
//! `SHA-256("approdo.pow/v1:" + challenge + ":" + n)` starts with `bits` zero bits, and sends
//! `X-Approdo-PoW: <challenge>:<n>` with `POST /api/v1/uploads`. Challenges are one-time
//! tokens (HMAC under an in-memory key, two hours), so a solution cannot be replayed. The cost
//! (`--pow-bits`, default 14: ~16 000 hashes on average, well under a second in the page at
//! Tor Browser "Safer") slows a flooder, not a victim. The no-JavaScript path relies on tor's
//! own onion-service proof of work (`HiddenServicePoWDefensesEnabled`).

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
    HttpResponse::Ok().json(serde_json::json!({
        "challenge": state.pow_tokens.issue(),
        "bits": state.limits.pow_bits,
    }))
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
    let bits = state.limits.pow_bits;
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
}
