//! `POST /api/v1/submissions?partner=<id>`: a binary age file in, streamed to the store.
//!
//! The same proof of work as the page's upload path is asked first (`pow`: every anonymous
//! write pays before the server spends). The header is checked before the store is touched;
//! the rest is cut into chunks (just under 1 MiB) written one at a time, so memory per upload
//! stays near one chunk whatever the size, and each chunk written counts against the cap on
//! bytes not yet finalised (`slots`) until the report is made. The report becomes visible only
//! after the payload length checks out — a whole age STREAM whose plaintext has an approdo
//! envelope's Padmé length — and its metadata commit is durable; any failure (or a dropped
//! connection) removes the chunks already written.

use actix_web::{post, web, HttpRequest, HttpResponse};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{ApiError, AppState};
use crate::admission::{self, ValidationError};
use crate::model::{ChunkHasher, ChunkRoot, Day, ReportState, SealedBy};
use crate::store::{ReportMeta, Upload, CHUNK_SIZE};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(submit);
}

#[derive(Deserialize)]
struct SubmitQuery {
    partner: String,
}

#[post("/api/v1/submissions")]
async fn submit(
    state: web::Data<AppState>,
    query: web::Query<SubmitQuery>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let partner = state.admit_submission(&req, &query.partner)?;
    let binding = binding(&req)?;
    super::pow::check(&state, &req)?;
    let max = state.limits.max_report_bytes;
    let declared = super::declared_len(&req);
    if declared.is_some_and(|n| n > max) {
        return Err(ApiError::TooLarge(max));
    }
    if let Some(n) = declared {
        state.admit_bytes(n)?;
    }

    let mut body = super::idle::idle(body, state.limits.body_idle);
    // 1. The header, before anything is stored.
    let mut head = BytesMut::new();
    let shape = loop {
        match body.next().await {
            Some(Ok(bytes)) => {
                head.extend_from_slice(&bytes);
                if head.len() as u64 > max {
                    return Err(ApiError::TooLarge(max));
                }
                if let Some(shape) = admission::inspect_header(&head)? {
                    break shape;
                }
            }
            Some(Err(_)) => return Err(ApiError::Interrupted),
            None if head.is_empty() => return Err(ValidationError::Empty.into()),
            None => {
                return Err(ValidationError::Malformed("the file ends inside the header").into())
            }
        }
    };
    let header = shape.validate(&partner)?;

    // 2. The body, streamed into chunks.
    let mut sink = ChunkSink::new(state.clone(), state.store.upload(Day::today()));
    sink.feed(head.freeze(), max).await?;
    while let Some(piece) = body.next().await {
        let piece = piece.map_err(|_| ApiError::Interrupted)?;
        sink.feed(piece, max).await?;
    }
    let (mut upload, total, sha256, chunks, last, reserved) = sink.close();

    // 3. The payload must be a whole age STREAM of an approdo envelope's length.
    header.complete(total)?;

    let meta = ReportMeta {
        id: upload.id(),
        partner: partner.id.clone(),
        day: Day::today(),
        size: total,
        sealed: SealedBy::Client,
        state: ReportState::Received,
        acknowledged: None,
        sha256,
        chunks: upload.chunks() + u32::from(last.is_some()),
    };
    if let Some(b) = binding {
        upload.bind(b);
    }
    let meta = upload.finish(meta, last).await?;
    drop(reserved);
    Ok(HttpResponse::Created().json(receipt(&state, &meta, &chunks)))
}

/// The mailbox binding a sender handed beside the report (`X-Approdo-Mailbox-Binding`, see
/// [`crate::reply::binding`]); a malformed one is refused before anything is stored.
pub(super) fn binding(req: &HttpRequest) -> Result<Option<[u8; 48]>, ApiError> {
    let Some(value) = req.headers().get(crate::reply::binding::HEADER) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::BadRequest("X-Approdo-Mailbox-Binding is not text".into()))?;
    let parsed: crate::reply::MailboxBinding = text
        .parse()
        .map_err(|e: &str| ApiError::BadRequest(e.to_owned()))?;
    Ok(Some(*parsed.as_bytes()))
}

/// When the entry of a report accepted now will be in the log: the next integration boundary
/// (seconds since the epoch), the receipt's promise.
fn next_integration(state: &AppState) -> u64 {
    let (last, every) = super::transparency::last_boundary(state);
    last + every
}

/// The JSON answer to an accepted report, with the log key's signed promise to log it
/// (`receipt`: a C2SP signed note binding the file's SHA-256 and its chunk root `chunks`; its
/// inclusion proof is at `/api/v1/log/proof/<id>` after the next integration).
pub(super) fn receipt(
    state: &AppState,
    meta: &ReportMeta,
    chunks: &ChunkRoot,
) -> serde_json::Value {
    let promise = state
        .store
        .log_key()
        .sign_receipt(
            &meta.id.to_string(),
            &meta.sha256.to_string(),
            next_integration(state),
            Some(chunks),
        )
        .ok();
    serde_json::json!({
        "id": meta.id,
        "partner": meta.partner,
        "day": meta.day,
        "size": meta.size,
        "sha256": meta.sha256,
        "sealed": meta.sealed,
        "chunks": { "size": chunks.size, "root": chunks.root },
        "receipt": promise,
        "log_key": state.store.log_key().vkey(),
    })
}

/// Pending bytes a submission holds under the server-wide cap; given back on drop.
struct Reserved {
    state: web::Data<AppState>,
    bytes: u64,
}

impl Reserved {
    /// Takes `bytes` more (stale upload slots are taken back to make room), or 429; 507 if
    /// the disk keeps no room for them beside what is already pending.
    fn take(&mut self, bytes: u64) -> Result<(), ApiError> {
        self.state.admit_pending(bytes)?;
        let mut evicted = Vec::new();
        let taken = self.state.slots.reserve(bytes, &mut evicted);
        self.state.reclaim(evicted);
        taken?;
        self.bytes += bytes;
        Ok(())
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        self.state.slots.release(self.bytes);
    }
}

/// Cuts a byte stream into chunks of `CHUNK_SIZE`, hashing (the whole file and each chunk, for
/// the receipt's chunk root) and counting, one write at a time.
struct ChunkSink {
    upload: Upload,
    buf: BytesMut,
    hasher: Sha256,
    root: ChunkHasher,
    total: u64,
    reserved: Reserved,
}

impl ChunkSink {
    fn new(state: web::Data<AppState>, upload: Upload) -> Self {
        ChunkSink {
            upload,
            buf: BytesMut::with_capacity(CHUNK_SIZE),
            hasher: Sha256::new(),
            root: ChunkHasher::new(CHUNK_SIZE as u32),
            total: 0,
            reserved: Reserved { state, bytes: 0 },
        }
    }

    async fn feed(&mut self, mut piece: Bytes, max: u64) -> Result<(), ApiError> {
        self.total += piece.len() as u64;
        if self.total > max {
            return Err(ApiError::TooLarge(max));
        }
        self.hasher.update(&piece);
        while !piece.is_empty() {
            let take = (CHUNK_SIZE - self.buf.len()).min(piece.len());
            self.buf.extend_from_slice(&piece.split_to(take));
            if self.buf.len() == CHUNK_SIZE {
                // Written, and waited for, before reading on: one chunk of memory per upload.
                // (Reading the next chunk meanwhile doubled the memory of 32 concurrent uploads
                // for no gain: the disk is the limit. BENCHMARKS.md, part b.)
                self.reserved.take(CHUNK_SIZE as u64)?;
                self.root.push_chunk(&self.buf);
                self.upload.write(self.buf.split().freeze()).await?;
                self.buf.reserve(CHUNK_SIZE);
            }
        }
        Ok(())
    }

    /// Returns the upload, totals, the chunk root, the last partial chunk, which `finish`
    /// writes together with the metadata, and the pending bytes held until then.
    fn close(
        mut self,
    ) -> (
        Upload,
        u64,
        crate::model::Sha256,
        ChunkRoot,
        Option<Bytes>,
        Reserved,
    ) {
        let last = (!self.buf.is_empty()).then(|| self.buf.split().freeze());
        if let Some(last) = &last {
            self.root.push_chunk(last);
        }
        let sha = crate::model::Sha256(self.hasher.finalize().into());
        let root = self.root.finish();
        (self.upload, self.total, sha, root, last, self.reserved)
    }
}
