//! Resumable uploads for large reports sealed in the browser: create, put chunk N (one chunk size,
//! in order), ask where to resume, finalise. The whole age file is validated at finalisation
//! exactly as a single-request submission is; until then nothing is a report. Uploads idle
//! for longer than the configured time are collected.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::{delete, get, post, put, web, HttpResponse};
use bytes::BytesMut;
use futures_util::StreamExt;
use serde::Deserialize;

use super::{blocking, ApiError, AppState};
use crate::sealed::{self, ValidationError};
use crate::store::{Day, ReportId, ReportMeta, ReportState, SealedBy, CHUNK_SIZE};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(put_chunk)
        .service(status)
        .service(finalize)
        .service(cancel);
}

/// Uploads in progress and when each was last touched (memory only: no time goes to disk).
#[derive(Default)]
pub struct Activity(Mutex<HashMap<ReportId, Instant>>);

impl Activity {
    fn touch(&self, id: ReportId) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, Instant::now());
    }
    fn known(&self, id: ReportId) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&id)
    }
    fn forget(&self, id: ReportId) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    }
    fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
    /// The uploads idle for longer than `ttl`.
    fn idle(&self, ttl: Duration) -> Vec<ReportId> {
        let now = Instant::now();
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.iter()
            .filter(|(_, t)| now.duration_since(**t) > ttl)
            .map(|(id, _)| *id)
            .collect()
    }
}

/// Seeds the collector with uploads that survived a restart, then collects idle uploads
/// forever (run it once per server).
pub async fn collect_abandoned(state: web::Data<AppState>) {
    for id in state.store.resumable_at_open() {
        state.uploads.touch(id);
    }
    let ttl = state.limits.upload_ttl;
    let period = (ttl / 4).clamp(Duration::from_millis(100), Duration::from_secs(60));
    let mut tick = tokio::time::interval(period);
    loop {
        tick.tick().await;
        state.forget_old_circuits();
        for id in state.uploads.idle(ttl) {
            // Forget it only once its chunks are gone, so "unknown" means "removed".
            if state.store.abort_upload_wait(id).await.is_ok() {
                state.uploads.forget(id);
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
    if state.uploads.known(id) {
        Ok(id)
    } else {
        Err(ApiError::NotFound)
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
    if state.uploads.len() >= state.limits.max_pending_uploads {
        return Err(ApiError::TooManyUploads);
    }
    let id = state
        .store
        .begin_resumable(Day::today(), partner.id.as_str())
        .await?;
    state.uploads.touch(id);
    Ok(HttpResponse::Created().json(serde_json::json!({ "upload": id, "chunk_size": CHUNK_SIZE })))
}

/// Stores chunk `n` (durably) and answers with the next index.
#[put("/api/v1/uploads/{id}/chunks/{n}")]
async fn put_chunk(
    state: web::Data<AppState>,
    path: web::Path<(String, u32)>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (id, n) = path.into_inner();
    let id = known_upload(&state, &id)?;
    state.admit_bytes(CHUNK_SIZE as u64)?;
    let mut body = super::idle::idle(body, state.limits.body_idle);
    let mut chunk = BytesMut::new();
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
        state.uploads.forget(id);
        return Err(ApiError::TooLarge(max));
    }
    state.store.put_resumable(id, n, chunk.freeze()).await?;
    state.uploads.touch(id);
    Ok(HttpResponse::Ok().json(serde_json::json!({ "next": n + 1 })))
}

/// Where to resume: the index of the next chunk the server expects.
#[get("/api/v1/uploads/{id}")]
async fn status(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = known_upload(&state, &id)?;
    let store = state.store.clone();
    let found = blocking(move || store.resumable_status_blocking(id)).await?;
    // Asking does not count as activity: only chunks keep an upload alive.
    let (_, next) = found.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "next": next, "chunk_size": CHUNK_SIZE })))
}

/// Validates the whole age file and makes it a report — or removes it with a clear error.
#[post("/api/v1/uploads/{id}/finalize")]
async fn finalize(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = known_upload(&state, &id)?;
    let store = state.store.clone();
    let (owner, assembled) =
        blocking(move || store.assemble_blocking(id, sealed::MAX_HEADER + sealed::NONCE_LEN))
            .await?
            .ok_or(ApiError::NotFound)?;
    let refuse = |e: ApiError| {
        state.store.abort_upload(id);
        state.uploads.forget(id);
        Err(e)
    };
    let partner = match state.directory.directory().partner(&owner) {
        Some(p) => p.clone(),
        None => return refuse(ApiError::UnknownPartner(owner.clone())),
    };
    if assembled.total == 0 {
        return refuse(ValidationError::Empty.into());
    }
    if !assembled.regular {
        return refuse(ApiError::BadRequest(format!(
            "every chunk but the last must be {CHUNK_SIZE} bytes"
        )));
    }
    let shape = match sealed::inspect_header(&assembled.head) {
        Ok(Some(shape)) => shape,
        Ok(None) => {
            return refuse(ValidationError::Malformed("the file ends inside the header").into())
        }
        Err(e) => return refuse(e.into()),
    };
    let header = (shape.header_len + sealed::NONCE_LEN) as u64;
    let checked = sealed::check_recipients(&shape, partner.recipients.len())
        .and_then(|()| sealed::plaintext_len(assembled.total.saturating_sub(header)));
    if let Err(e) = checked {
        return refuse(e.into());
    }
    let meta = ReportMeta {
        id,
        partner: partner.id.clone(),
        day: Day::today(),
        size: assembled.total,
        sealed: SealedBy::Client,
        state: ReportState::Received,
        acknowledged: None,
        sha256: assembled.sha256,
        chunks: assembled.chunks,
    };
    state.store.finish_resumable(&meta).await?;
    state.uploads.forget(id);
    Ok(HttpResponse::Created().json(super::submit::receipt(&state, &meta)))
}

/// Cancels an upload: its chunks are removed.
#[delete("/api/v1/uploads/{id}")]
async fn cancel(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = known_upload(&state, &id)?;
    state.store.abort_upload(id);
    state.uploads.forget(id);
    Ok(HttpResponse::Ok().json(serde_json::json!({ "upload": id, "cancelled": true })))
}
