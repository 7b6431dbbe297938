//! Public routes: the signed directory, the health check and a plain landing page.

use actix_web::{get, web, HttpResponse};

use super::{ApiError, AppState};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(directory)
        .service(signature)
        .service(healthz)
        .service(index);
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

/// 200 when a durable (empty) commit succeeds.
#[get("/healthz")]
async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.store.ping().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ok" })))
}

const INDEX: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Information</title><link rel="stylesheet" href="/assets/style.css"></head><body><main>
<h1>approdo</h1>
<p>This drop box accepts reports that are encrypted before they are sent:
only the organisations you choose can read them.</p>
<p><a href="/report">Send a report</a></p>
</main></body></html>
"#;

/// A minimal, script-free landing page.
#[get("/")]
async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(INDEX)
}
