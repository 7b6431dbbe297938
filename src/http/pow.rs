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

use super::{ApiError, AppState};

pub use crate::pow::{solve, work, zero_bits, HEADER};

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
