//! Public routes: the signed directory and the health check (the landing page is in `pages`).

use actix_web::{get, web, HttpResponse};

use super::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(directory).service(signature).service(healthz);
}

/// The directory's exact signed bytes.
#[get("/api/v1/directory")]
async fn directory(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.directory.bytes().to_vec())
}

/// The directory's detached signature (`directory.sig`).
#[get("/api/v1/directory/signature")]
async fn signature(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.directory.signature().to_vec())
}

/// 200 `{"status":"ok"}` when a durable (empty) commit succeeds and reports are accepted;
/// 503 `{"status":"degraded","reasons":[…]}` otherwise (see `crate::health`).
#[get("/healthz")]
async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let status = state.health.check().await;
    if status.is_ok() {
        HttpResponse::Ok().json(status)
    } else {
        HttpResponse::ServiceUnavailable().json(status)
    }
}
