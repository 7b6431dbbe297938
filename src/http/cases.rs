//! Case records beside a report (issue 17, item 3; format in [`crate::case`]): an officer of
//! the partner that owns the report files a sealed, signed record; her colleagues list them.
//! The server checks the signature against the signed directory (the key must be one of the
//! session partner's officer keys) and stores the record opaque; it never opens one, and
//! another partner's report answers like a missing one.

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::officer::{authorise, own_report, parse_id};
use super::{blocking, ApiError, AppState};
use crate::case::SignedCase;

/// Longest record accepted (JSON: signature and base64 age file of at most 64 KiB plaintext).
const MAX_BODY: usize = 96 * 1024;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(post_case)
        .service(list_cases)
        .service(partner_cases);
}

/// Files one record: `201 {"filed": true}`; `400` when it does not verify or is not for this
/// report; `404` for a report that is not the session partner's; `409` when the report has
/// [`crate::store::MAX_CASES_PER_REPORT`] records already.
#[post("/api/v1/officer/reports/{id}/cases")]
async fn post_case(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let session = authorise(&state, &req)?;
    let id = parse_id(&id)?;
    if body.len() > MAX_BODY {
        return Err(ApiError::BadRequest(format!(
            "a case record is at most {MAX_BODY} bytes"
        )));
    }
    let record: SignedCase = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("bad JSON body: {e}")))?;
    if record.report != id.to_string() || record.partner != session.partner.as_str() {
        return Err(ApiError::BadRequest(
            "the record names another report or partner than the one it is filed for".into(),
        ));
    }
    record
        .verify(state.directory.directory())
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    own_report(&state, &session, id).await?;
    let filed = state
        .store
        .put_case(id, session.partner.as_str(), body.to_vec())
        .await?;
    if !filed {
        return Err(ApiError::Conflict(format!(
            "this report has {} case records already (or was just deleted)",
            crate::store::MAX_CASES_PER_REPORT
        )));
    }
    Ok(HttpResponse::Created().json(serde_json::json!({ "filed": true })))
}

/// The records of one report of the session's partner.
#[get("/api/v1/officer/reports/{id}/cases")]
async fn list_cases(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let session = authorise(&state, &req)?;
    let id = parse_id(&id)?;
    own_report(&state, &session, id).await?;
    let store = state.store.clone();
    let rows = blocking(move || store.cases_blocking(id)).await?;
    let records: Vec<serde_json::Value> = rows
        .iter()
        .filter_map(|r| serde_json::from_slice(r).ok())
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "cases": records })))
}

/// The records of every report of the session's partner (for a desk's inbox).
#[get("/api/v1/officer/cases")]
async fn partner_cases(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let session = authorise(&state, &req)?;
    let store = state.store.clone();
    let partner = session.partner.clone();
    let rows = blocking(move || store.partner_cases_blocking(partner.as_str())).await?;
    let records: Vec<serde_json::Value> = rows
        .iter()
        .filter_map(|r| serde_json::from_slice(r).ok())
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "cases": records })))
}
