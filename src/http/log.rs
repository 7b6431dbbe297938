//! The transparency log over HTTP, in the C2SP tlog-tiles layout: `/log/checkpoint` (a signed
//! note), `/log/tile/<L>/<N>[.p/<W>]` (hashes) and `/log/tile/entries/<N>[.p/<W>]` (entry
//! bundles: big-endian u16 length, then the entry). Also `/api/v1/log/key` (the verifier key to
//! pin) and `/api/v1/log/proof/<id>` (a report's inclusion proof against the latest checkpoint).

use actix_web::{get, web, HttpResponse};
use base64::prelude::{Engine, BASE64_STANDARD};

use super::{blocking, ApiError, AppState};
use crate::transparency::parse_c2sp_path;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(checkpoint)
        .service(tile)
        .service(key)
        .service(proof);
}

#[get("/log/checkpoint")]
async fn checkpoint(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let cp = blocking(move || store.log_view_blocking()?.checkpoint()).await?;
    let cp = cp.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(cp))
}

#[get("/log/tile/{path:.*}")]
async fn tile(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let tile = parse_c2sp_path(&path).ok_or_else(|| {
        ApiError::BadRequest(
            "not a tile path: tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]".into(),
        )
    })?;
    let store = state.store.clone();
    let data = blocking(move || store.log_view_blocking()?.tile(&tile)).await?;
    let data = data.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .body(data))
}

#[get("/api/v1/log/key")]
async fn key(state: web::Data<AppState>) -> HttpResponse {
    let k = state.store.log_key();
    HttpResponse::Ok().json(serde_json::json!({
        "origin": k.origin(),
        "vkey": k.vkey(),
        "interval_seconds": state.limits.log_interval.as_secs(),
    }))
}

#[get("/api/v1/log/proof/{id}")]
async fn proof(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: crate::store::ReportId = id
        .parse()
        .map_err(|e: &str| ApiError::BadRequest(e.to_owned()))?;
    let store = state.store.clone();
    let answer = blocking(move || {
        let view = store.log_view_blocking()?;
        let (Some(cp), Some(n)) = (view.checkpoint()?, view.index_of(id.0)?) else {
            return Ok(None);
        };
        let size = view.size()?;
        let proof = view.prove(size, n)?;
        let entry = view.entry(n)?.unwrap_or_default();
        Ok(Some((cp, n, size, proof, entry)))
    })
    .await?;
    let Some((cp, n, size, proof, entry)) = answer else {
        return Err(ApiError::Conflict(format!(
            "report {id} is not in the log yet: entries are integrated every {} s",
            state.limits.log_interval.as_secs()
        )));
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "id": id,
        "index": n,
        "tree_size": size,
        "entry": String::from_utf8_lossy(&entry),
        "checkpoint": String::from_utf8_lossy(&cp),
        "proof": proof.iter().map(|h| BASE64_STANDARD.encode(h.0)).collect::<Vec<_>>(),
    })))
}

/// Integrates the log's queue now and then at every interval (so arrival times blur into it).
pub async fn integrate_log(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(state.limits.log_interval);
    loop {
        tick.tick().await;
        let result = state.store.integrate_log().await;
        if let Err(e) = &result {
            eprintln!("approdo: integrating the transparency log failed: {e}");
        }
        state.health.log_integrated(&result);
    }
}
