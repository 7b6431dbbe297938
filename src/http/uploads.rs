//! Resumable uploads for large reports sealed in the browser: create, put chunk N (one chunk size,
//! in order), ask where to resume, finalise. The whole age file is validated at finalisation
//! exactly as a single-request submission is (including the Padmé length of an approdo
//! envelope); until then nothing is a report. Each upload holds a slot (`slots`): a proof of
//! work whose price follows the load opens it, a new chunk every `--upload-stale` keeps it,
//! and it is collected after `--upload-ttl` without one. Once finalisation begins the chunks
//! are frozen (a late chunk gets 409), and the receipt's hash is of the bytes stored, checked
//! again in the transaction that makes the report. The store hashes chunks as they arrive
//! (each one, for the receipt's chunk root, and the whole file so far), so finalising reads
//! back only the header.

use std::time::Duration;

use actix_web::{delete, get, post, put, web, HttpResponse};
use bytes::BytesMut;
use futures_util::StreamExt;
use serde::Deserialize;

use super::{blocking, ApiError, AppState};
use crate::admission::{self, ValidationError};
use crate::model::{Day, ReportId, ReportState, SealedBy};
use crate::store::{ReportMeta, StoreError, CHUNK_SIZE, CHUNK_WINDOW};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(put_chunk)
        .service(status)
        .service(finalize)
        .service(cancel);
}

impl AppState {
    /// How often abandoned uploads are looked for (a quarter of the shorter of
    /// `--upload-stale` and `--upload-ttl`, between 100 ms and 15 s).
    pub(crate) fn upload_sweep_period(&self) -> Duration {
        let policy = self.slots.policy();
        (policy.stale.min(policy.ttl) / 4)
            .clamp(Duration::from_millis(100), Duration::from_secs(15))
    }

    /// Removes the uploads past `--upload-ttl`; each is forgotten only once its chunks are
    /// gone, so "unknown" means "removed" (the job: `server::jobs::collect_abandoned`).
    pub(crate) async fn collect_expired_uploads(&self) {
        for id in self.slots.expired() {
            if self.store.abort_upload_wait(id).await.is_ok() {
                self.slots.forget(id);
            }
        }
    }
}

#[derive(Deserialize)]
struct CreateQuery {
    partner: String,
}

fn parse_id(raw: &str) -> Result<ReportId, ApiError> {
    raw.parse()
        .map_err(|e: &str| ApiError::BadRequest(e.to_owned()))
}

/// The id of an upload in progress, or 404.
fn known_upload(state: &AppState, raw: &str) -> Result<ReportId, ApiError> {
    let id = parse_id(raw)?;
    if state.slots.known(id) {
        Ok(id)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Why a chunk's upload is not there: finalised into a report (409: its chunks can no longer
/// change), or never made, cancelled or collected (404).
async fn gone(state: &AppState, id: ReportId) -> ApiError {
    let store = state.store.clone();
    match blocking(move || store.meta_blocking(id)).await {
        Ok(_) => ApiError::Conflict(
            "this upload is finalised into a report; its chunks can no longer change".into(),
        ),
        Err(_) => ApiError::NotFound,
    }
}

/// Starts an upload for a partner.
#[post("/api/v1/uploads")]
async fn create(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    query: web::Query<CreateQuery>,
) -> Result<HttpResponse, ApiError> {
    let partner = state.admit_submission(&req, &query.partner)?;
    super::pow::check(&state, &req)?;
    let id = ReportId::random();
    let circuit = req.conn_data::<super::proxy::CircuitId>().copied();
    let mut evicted = Vec::new();
    let opened = state.slots.open(id, circuit, &mut evicted);
    state.reclaim(evicted);
    opened?;
    if let Err(e) = state
        .store
        .begin_resumable(id, Day::today(), partner.id.as_str())
        .await
    {
        state.slots.forget(id);
        return Err(e.into());
    }
    Ok(HttpResponse::Created().json(serde_json::json!({
        "upload": id,
        "chunk_size": CHUNK_SIZE,
        "window": CHUNK_WINDOW,
    })))
}

/// Stores chunk `n` (durably) and answers with the first chunk still missing.
#[put("/api/v1/uploads/{id}/chunks/{n}")]
async fn put_chunk(
    state: web::Data<AppState>,
    path: web::Path<(String, u32)>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (id, n) = path.into_inner();
    let id = parse_id(&id)?;
    if !state.slots.known(id) {
        return Err(gone(&state, id).await);
    }
    state.admit_pending(CHUNK_SIZE as u64)?;
    // 1. The chunk, at most one chunk size.
    let mut body = super::idle::idle(body, state.limits.body_idle);
    // Room for a whole chunk at once (what `admit_pending` just counted): growing the buffer
    // as pieces arrive copied each chunk about once more (issue 16, the chunked path's CPU).
    let mut chunk = BytesMut::with_capacity(CHUNK_SIZE);
    while let Some(piece) = body.next().await {
        let piece = piece.map_err(|_| ApiError::Interrupted)?;
        if chunk.len() + piece.len() > CHUNK_SIZE {
            return Err(ApiError::BadRequest(format!(
                "a chunk is at most {CHUNK_SIZE} bytes"
            )));
        }
        chunk.extend_from_slice(&piece);
    }
    if chunk.is_empty() {
        return Err(ApiError::BadRequest("empty chunk".into()));
    }
    let max = state.limits.max_report_bytes;
    if u64::from(n) * CHUNK_SIZE as u64 + chunk.len() as u64 > max {
        state.store.abort_upload(id);
        state.slots.forget(id);
        return Err(ApiError::TooLarge(max));
    }
    // 2. Admitted only now, after the body is read: never once finalisation has begun (the
    //    bytes it hashed stay the bytes stored), in order, within the pending-bytes cap.
    let mut evicted = Vec::new();
    let admitted = state
        .slots
        .admit_chunk(id, n, chunk.len() as u64, &mut evicted);
    state.reclaim(evicted);
    let next = match admitted {
        Ok(next) => next,
        Err(super::slots::Refusal::Unknown) => return Err(gone(&state, id).await),
        Err(e) => return Err(e.into()),
    };
    match state.store.put_resumable(id, n, chunk.freeze()).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => {
            state.slots.forget(id);
            return Err(gone(&state, id).await);
        }
        Err(e) => return Err(e.into()),
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "next": next })))
}

/// Where to resume: the first chunk the server lacks, and those it holds above it.
#[get("/api/v1/uploads/{id}")]
async fn status(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = known_upload(&state, &id)?;
    let store = state.store.clone();
    let found = blocking(move || store.resumable_status_blocking(id)).await?;
    // Asking does not count as activity: only chunks keep an upload alive.
    let r = found.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "next": r.next,
        "above": r.above,
        "chunk_size": CHUNK_SIZE,
        "window": CHUNK_WINDOW,
    })))
}

/// Validates the whole age file and makes it a report — or removes it with a clear error.
#[post("/api/v1/uploads/{id}/finalize")]
async fn finalize(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = known_upload(&state, &id)?;
    let binding = super::submit::binding(&req)?;
    // From here no chunk may change (a late one gets 409).
    state.slots.freeze(id)?;
    let store = state.store.clone();
    let assembled =
        blocking(move || store.assemble_blocking(id, admission::MAX_HEADER + admission::NONCE_LEN))
            .await;
    let assembled = match assembled {
        Ok(Some(found)) => found,
        Ok(None) => {
            state.slots.forget(id);
            return Err(ApiError::NotFound);
        }
        Err(e) => {
            state.slots.thaw(id);
            return Err(e);
        }
    };
    let refuse = |e: ApiError| {
        state.store.abort_upload(id);
        state.slots.forget(id);
        Err(e)
    };
    let partner = match state.directory.directory().partner(&assembled.partner) {
        Some(p) => p.clone(),
        None => return refuse(ApiError::UnknownPartner(assembled.partner.clone())),
    };
    let digest = &assembled.digest;
    if digest.total == 0 {
        return refuse(ValidationError::Empty.into());
    }
    if !digest.regular {
        return refuse(ApiError::BadRequest(format!(
            "every chunk but the last must be {CHUNK_SIZE} bytes"
        )));
    }
    let shape = match admission::inspect_header(&assembled.head) {
        Ok(Some(shape)) => shape,
        Ok(None) => {
            return refuse(ValidationError::Malformed("the file ends inside the header").into())
        }
        Err(e) => return refuse(e.into()),
    };
    if let Err(e) = shape
        .validate(&partner)
        .and_then(|h| h.complete(digest.total))
    {
        return refuse(e.into());
    }
    let meta = ReportMeta {
        id,
        partner: partner.id.clone(),
        day: Day::today(),
        size: digest.total,
        sealed: SealedBy::Client,
        state: ReportState::Received,
        acknowledged: None,
        sha256: digest.sha256,
        chunks: digest.chunks,
    };
    // The writer checks the stored chunks' hash again in the transaction that makes the
    // report: the receipt below signs the bytes stored, or nothing is made.
    if let Err(e) = state.store.finish_resumable(&meta, binding).await {
        match e {
            StoreError::NotFound => state.slots.forget(id),
            _ => state.slots.thaw(id),
        }
        return Err(e.into());
    }
    state.slots.forget(id);
    Ok(HttpResponse::Created().json(super::submit::receipt(&state, &meta, &digest.root)))
}

/// Cancels an upload: its chunks are removed.
#[delete("/api/v1/uploads/{id}")]
async fn cancel(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = known_upload(&state, &id)?;
    state.store.abort_upload(id);
    state.slots.forget(id);
    Ok(HttpResponse::Ok().json(serde_json::json!({ "upload": id, "cancelled": true })))
}
