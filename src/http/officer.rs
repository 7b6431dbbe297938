//! Officer routes: challenge login, then list, download (streamed), acknowledge and delete —
//! always limited to the session's partner. Another partner's report answers exactly like a
//! missing one.

use std::str::FromStr;

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use futures_util::stream;
use serde::Deserialize;

use super::session::Session;
use super::{blocking, ApiError, AppState};
use crate::model::{ReportId, ReportState, ReportSummary};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(challenge)
        .service(open_session)
        .service(list)
        .service(download)
        .service(acknowledge)
        .service(remove);
}

#[derive(Deserialize)]
struct ChallengeRequest {
    recipient: String,
    /// Optional: the officer's signing key (base64), one the directory lists for the partner,
    /// with `minute` (Unix time / 60) and `signature` (base64 Ed25519 over
    /// [`challenge_message`](crate::keys::officer::challenge_message)). A signed request spends
    /// that key's own budget, which junk cannot reach.
    #[serde(default)]
    officer_key: Option<String>,
    #[serde(default)]
    minute: Option<u64>,
    #[serde(default)]
    signature: Option<String>,
}

/// Step 1: a random token encrypted to the officer's recipient (armored age).
///
/// A recipient that is no officer's, or not a recipient at all, is refused before any budget
/// is spent. Then the budget: that of the officer key when the request is signed by a key the
/// directory lists for the partner (and the signature and minute verify), otherwise that of the
/// recipient (public, so junk can spend it — but only for unsigned logins to that recipient).
#[post("/api/v1/officer/challenge")]
async fn challenge(
    state: web::Data<AppState>,
    body: web::Json<ChallengeRequest>,
) -> Result<HttpResponse, ApiError> {
    let partner = state
        .directory
        .directory()
        .partner_of_recipient(&body.recipient)
        .ok_or(ApiError::Unauthorized(
            "this key is not an officer key of any partner in the directory",
        ))?;
    let recipient = crate::agekeys::Recipient::from_str(&body.recipient).map_err(|_| {
        ApiError::BadRequest("recipient is not an age X25519 or post-quantum recipient".into())
    })?;
    let signer = match (&body.officer_key, body.minute, &body.signature) {
        (Some(key), Some(minute), Some(sig))
            if partner.officer_keys.contains(key)
                && crate::keys::officer::verify_challenge(
                    key,
                    sig,
                    &body.recipient,
                    minute,
                    crate::keys::officer::current_minute(),
                ) =>
        {
            Some(key)
        }
        _ => None,
    };
    let within = match signer {
        Some(key) => state.budgets.signed_officer(key),
        None => state.budgets.unsigned_officer(&body.recipient),
    };
    if !within {
        return Err(ApiError::RateLimited);
    }
    let (id, token) = state.sessions.challenge(partner.id.clone());
    let sealed = crate::agefile::seal_armored(&recipient, token.as_bytes())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "challenge_id": id,
        "challenge": sealed,
        "partner": partner.id,
    })))
}

#[derive(Deserialize)]
struct SessionRequest {
    challenge_id: String,
    response: String,
}

/// Step 2: the decrypted token back, a session for the partner in return. No budget: an
/// answer costs a map lookup and a hash, and a challenge is single-use with a 256-bit token.
#[post("/api/v1/officer/session")]
async fn open_session(
    state: web::Data<AppState>,
    body: web::Json<SessionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (token, partner, ttl) = state
        .sessions
        .answer(&body.challenge_id, &body.response)
        .ok_or(ApiError::Unauthorized(
            "the challenge answer is wrong or expired; log in again",
        ))?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "token": token,
        "partner": partner,
        "expires_in": ttl.as_secs(),
    })))
}

pub(super) fn authorise(state: &AppState, req: &HttpRequest) -> Result<Session, ApiError> {
    let token = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized("log in first: missing bearer token"))?;
    state.sessions.get(token).ok_or(ApiError::Unauthorized(
        "the session is unknown or expired; log in again",
    ))
}

/// The metadata of report `id` if it is the session's partner's; 404 alike for another
/// partner's report and for none (an officer learns nothing of other partners' ids).
pub(super) async fn own_report(
    state: &AppState,
    session: &Session,
    id: ReportId,
) -> Result<crate::store::ReportMeta, ApiError> {
    let store = state.store.clone();
    let meta = blocking(move || store.meta_blocking(id)).await?;
    if meta.partner != session.partner {
        return Err(ApiError::NotFound);
    }
    Ok(meta)
}

pub(super) fn parse_id(raw: &str) -> Result<ReportId, ApiError> {
    raw.parse()
        .map_err(|e: &str| ApiError::BadRequest(e.to_owned()))
}

/// The partner's reports (metadata only).
#[get("/api/v1/officer/reports")]
async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let session = authorise(&state, &req)?;
    let store = state.store.clone();
    let partner = session.partner.clone();
    let rows = blocking(move || store.list_blocking(Some(partner.as_str()))).await?;
    let reports: Vec<ReportSummary> = rows.iter().map(|m| m.summary()).collect();
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "partner": session.partner, "reports": reports })))
}

/// One report's age file, streamed chunk by chunk.
#[get("/api/v1/officer/reports/{id}")]
async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let session = authorise(&state, &req)?;
    let id = parse_id(&id)?;
    let meta = own_report(&state, &session, id).await?;
    let store = state.store.clone();
    let chunks = meta.chunks;
    let body = stream::unfold(0u32, move |index| {
        let store = store.clone();
        async move {
            if index >= chunks {
                return None;
            }
            let read = web::block(move || store.chunk_blocking(id, index)).await;
            let item = match read {
                Ok(Ok(Some(bytes))) => Ok(bytes::Bytes::from(bytes)),
                _ => Err(std::io::Error::other("report chunk missing")),
            };
            Some((item, index + 1))
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header(("X-Approdo-Sha256", meta.sha256.to_string()))
        .no_chunking(meta.size)
        .streaming(body))
}

#[derive(Deserialize)]
struct AckRequest {
    /// The officer's signing key (base64), one the directory lists for the partner.
    officer_key: String,
    /// Ed25519 over `approdo.ack/v1\n<id>\n<sha256>\n`, base64.
    signature: String,
}

/// Marks a report as decrypted by the partner. When the directory lists officer signing keys
/// for the partner, the officer must sign "decrypted report id, ciphertext hash" with one of
/// them; the signature goes into the transparency log.
#[post("/api/v1/officer/reports/{id}/ack")]
async fn acknowledge(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let session = authorise(&state, &req)?;
    let id = parse_id(&id)?;
    let keys = state
        .directory
        .directory()
        .partner(session.partner.as_str())
        .map(|p| p.officer_keys.clone())
        // No keys would mean "unsigned acknowledgements accepted": a partner the directory no
        // longer lists gets no acknowledgement at all.
        .ok_or(ApiError::Unauthorized(
            "your partner is no longer in the directory; log in again",
        ))?;
    let signed = if body.is_empty() {
        None
    } else {
        let ack: AckRequest = serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("bad JSON body: {e}")))?;
        Some(ack)
    };
    let signed = match signed {
        None if keys.is_empty() => None,
        None => return Err(ApiError::BadRequest(
            "sign the acknowledgement: {officer_key, signature} (approdo pull and report ack do)"
                .into(),
        )),
        Some(ack) => {
            if !keys.contains(&ack.officer_key) {
                return Err(ApiError::Unauthorized(
                    "this signing key is not an officer key of your partner in the directory",
                ));
            }
            let meta = own_report(&state, &session, id).await?;
            let ok = crate::keys::officer::verify_ack(
                &ack.officer_key,
                &ack.signature,
                &id.to_string(),
                &meta.sha256.to_string(),
            );
            if !ok {
                return Err(ApiError::BadRequest(
                    "the acknowledgement signature does not verify for this report's hash".into(),
                ));
            }
            Some((ack.officer_key, ack.signature))
        }
    };
    state
        .store
        .set_state(
            id,
            session.partner.as_str(),
            ReportState::Acknowledged,
            signed,
        )
        .await?;
    Ok(
        HttpResponse::Ok()
            .json(serde_json::json!({ "id": id, "state": ReportState::Acknowledged })),
    )
}

/// Deletes a report of the partner.
#[delete("/api/v1/officer/reports/{id}")]
async fn remove(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let session = authorise(&state, &req)?;
    let id = parse_id(&id)?;
    state.store.delete(id, session.partner.as_str()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "id": id, "deleted": true })))
}
