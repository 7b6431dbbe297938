//! The transparency log over HTTP, in the C2SP tlog-tiles layout: `/log/checkpoint` (a signed
//! note), `/log/tile/<L>/<N>[.p/<W>]` (hashes) and `/log/tile/entries/<N>[.p/<W>]` (entry
//! bundles: big-endian u16 length, then the entry). Also `/api/v1/log/key` (the verifier key to
//! pin) and `/api/v1/log/proof/<id>` (a report's inclusion proof against the latest checkpoint).

use actix_web::{get, web, HttpRequest, HttpResponse};
use base64::prelude::{Engine, BASE64_STANDARD};

use super::{blocking, ApiError, AppState};
use crate::store::COSIGNED_CHECKPOINT;
use crate::transparency::parse_c2sp_path;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/log/cosignatures")
            // Read at most this much of a hand-back into memory (413 beyond).
            .app_data(web::PayloadConfig::new(MAX_COSIGNED))
            .route(web::post().to(cosignatures)),
    )
    .service(checkpoint)
    .service(tile)
    .service(key)
    .service(proof);
}

#[get("/log/checkpoint")]
async fn checkpoint(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let cp = blocking(move || {
        let plain = store.log_view_blocking()?.checkpoint()?;
        plain.map(|p| with_cosignatures(&store, p)).transpose()
    })
    .await?;
    let cp = cp.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(cp))
}

#[get("/log/tile/{path:.*}")]
async fn tile(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let tile = parse_c2sp_path(&path).ok_or_else(|| {
        ApiError::BadRequest(
            "not a tile path: tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]".into(),
        )
    })?;
    let bundle = tile.is_data();
    let store = state.store.clone();
    let data = blocking(move || store.log_view_blocking()?.tile(&tile)).await?;
    let data = data.ok_or(ApiError::NotFound)?;
    // C2SP tlog-tiles: "Entry bundles SHOULD be compressed at the HTTP layer", with gzip
    // when the client accepts it (the hash tiles are random bytes: nothing to gain).
    if bundle && accepts_gzip(&req) {
        if let Ok(gz) = gzip(&data) {
            return Ok(HttpResponse::Ok()
                .content_type("application/octet-stream")
                .insert_header(("Content-Encoding", "gzip"))
                .insert_header(("Vary", "Accept-Encoding"))
                .body(gz));
        }
    }
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .body(data))
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(actix_web::http::header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            let mut parts = e.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data)?;
    enc.finish()
}

/// The log's checkpoint `plain` as served: the copy with the witnesses' cosignatures while it is of this
/// checkpoint, else the log's own.
fn with_cosignatures(
    store: &crate::store::Store,
    plain: Vec<u8>,
) -> Result<Vec<u8>, crate::store::StoreError> {
    Ok(match store.trust_blocking(COSIGNED_CHECKPOINT)? {
        Some(c) if same_text(&plain, &c) => c,
        _ => plain,
    })
}

/// Whether two signed notes carry the same text (the checkpoint, before the signatures).
fn same_text(a: &[u8], b: &[u8]) -> bool {
    let text = |n: &[u8]| {
        signed_note::Note::from_bytes(n)
            .map(|n| n.text().to_vec())
            .ok()
    };
    matches!((text(a), text(b)), (Some(x), Some(y)) if x == y)
}

/// The most a cosignature hand-back may weigh (the checkpoint and a line per witness).
const MAX_COSIGNED: usize = 64 * 1024;

/// A witness relay hands back cosignatures of the current checkpoint: each is checked against
/// the directory's witnesses, and the checkpoint is then served with them. Refusals cost a
/// parse and at most one Ed25519 check per listed witness; a write happens only when a
/// witness's cosignature is new or newer, so a replay writes nothing.
async fn cosignatures(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    if body.len() > MAX_COSIGNED {
        return Err(ApiError::TooLarge(MAX_COSIGNED as u64));
    }
    let witnesses = state
        .directory
        .directory()
        .witness_verifiers()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    if witnesses.is_empty() {
        return Err(ApiError::Conflict(
            "this network's directory lists no witnesses".into(),
        ));
    }
    let store = state.store.clone();
    let (current, stored) = blocking(move || {
        Ok((
            store.log_view_blocking()?.checkpoint()?,
            store.trust_blocking(COSIGNED_CHECKPOINT)?,
        ))
    })
    .await?;
    let current = current.ok_or(ApiError::NotFound)?;
    if !same_text(&current, &body) {
        return Err(ApiError::Conflict(
            "these are not cosignatures of the current checkpoint: fetch /log/checkpoint again"
                .into(),
        ));
    }
    let bad = |e: crate::witness::WitnessError| ApiError::BadRequest(e.to_string());
    let posted = crate::witness::verified_cosignatures(&body, &witnesses).map_err(bad)?;
    if posted.is_empty() {
        return Err(ApiError::BadRequest(
            "no cosignature by a witness the directory lists".into(),
        ));
    }
    let mut kept = match stored.filter(|s| same_text(&current, s)) {
        Some(s) => crate::witness::verified_cosignatures(&s, &witnesses).unwrap_or_default(),
        None => Vec::new(),
    };
    let mut changed = false;
    for c in posted {
        match kept.iter_mut().find(|k| k.witness == c.witness) {
            Some(k) if k.time >= c.time => {}
            Some(k) => {
                *k = c;
                changed = true;
            }
            None => {
                kept.push(c);
                changed = true;
            }
        }
    }
    if changed {
        let mut note = current.clone();
        for c in &kept {
            note.extend_from_slice(c.line.as_bytes());
        }
        state.store.set_trust(COSIGNED_CHECKPOINT, note).await?;
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "cosignatures": kept.len(),
        "witnesses": kept.iter().map(|c| c.witness.as_str()).collect::<Vec<_>>(),
    })))
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
    let id: crate::model::ReportId = id
        .parse()
        .map_err(|e: &str| ApiError::BadRequest(e.to_owned()))?;
    let store = state.store.clone();
    let answer = blocking(move || {
        let view = store.log_view_blocking()?;
        let (Some(cp), Some(n)) = (view.checkpoint()?, view.index_of(id.0)?) else {
            return Ok(None);
        };
        let cp = with_cosignatures(&store, cp)?;
        let size = view.size()?;
        let proof = view.prove(size, n)?;
        // The index came from the log's own table: an entry missing below it is corruption,
        // not an empty leaf to prove.
        let entry = view
            .entry(n)?
            .ok_or_else(|| crate::store::StoreError::Db(format!("log entry {n} is missing")))?;
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

/// The integration boundary at or before now and the interval, in seconds since the epoch:
/// the checkpoint's `time` (never finer than the interval, so it dates nothing the schedule
/// does not), and with one interval added, what a receipt promises.
pub(super) fn last_boundary(state: &AppState) -> (u64, u64) {
    let every = state.limits.log_interval.as_secs().max(1);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    (now - now % every, every)
}

impl AppState {
    /// Whether the log has a signed checkpoint yet.
    pub(crate) async fn has_checkpoint(&self) -> bool {
        let store = self.store.clone();
        blocking(move || store.log_view_blocking()?.checkpoint())
            .await
            .is_ok_and(|c| c.is_some())
    }

    /// Integrates the log's queue now and signs a checkpoint dated at the last boundary (the
    /// schedule: `server::jobs::integrate_log`); the health check learns how it went.
    pub(crate) async fn integrate_log_now(&self) {
        let (time, every) = last_boundary(self);
        let result = self.store.integrate_log(time, every).await;
        if let Err(e) = &result {
            eprintln!("approdo: integrating the transparency log failed: {e}");
        }
        self.health.log_integrated(&result);
    }
}
