//! The web assets, embedded at build time (see `build.rs`), and their manifest: the SHA-256
//! of everything the site serves, so auditors can compare what victims get with the source.

use std::sync::OnceLock;

use actix_web::{get, web, HttpResponse};
use sha2::{Digest, Sha256};

include!(concat!(env!("OUT_DIR"), "/web/assets.rs"));

/// Page templates (rendered with the partner list).
pub(super) const REPORT_PAGE: &str = include_str!("../../web/templates/report.html");
/// The frame of simple pages (results, refusals, information).
pub(super) const PAGE_FRAME: &str = include_str!("../../web/templates/page.html");

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(asset).service(manifest);
}

/// `/assets/<name>`.
#[get("/assets/{name}")]
async fn asset(name: web::Path<String>) -> Result<HttpResponse, super::ApiError> {
    let path = format!("/assets/{name}");
    let (_, mime, bytes) = ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .ok_or(super::ApiError::NoRoute)?;
    Ok(HttpResponse::Ok().content_type(*mime).body(*bytes))
}

/// `{"assets": {path: sha256}, "templates": {name: sha256}, "network_key": …}`: what this
/// build serves (`approdo manifest` prints it; `approdo audit site` compares a server with it).
pub fn manifest_json() -> &'static serde_json::Value {
    static MANIFEST: OnceLock<serde_json::Value> = OnceLock::new();
    MANIFEST.get_or_init(|| {
        let hash = |b: &[u8]| hex::encode(Sha256::digest(b));
        let assets: serde_json::Map<String, serde_json::Value> = ASSETS
            .iter()
            .map(|(p, _, b)| ((*p).to_owned(), hash(b).into()))
            .collect();
        serde_json::json!({
            "schema": "approdo.manifest/v1",
            "version": env!("CARGO_PKG_VERSION"),
            "network_key": PINNED_NETWORK_KEY,
            "assets": assets,
            "templates": {
                "report.html": hash(REPORT_PAGE.as_bytes()),
                "page.html": hash(PAGE_FRAME.as_bytes()),
                "mailbox.html": hash(super::mailbox::LOGIN_FORM.as_bytes()),
            },
        })
    })
}

/// The network public key pinned in this build's page script (base64).
pub fn pinned_network_key() -> &'static str {
    PINNED_NETWORK_KEY
}

#[get("/api/v1/manifest")]
async fn manifest() -> HttpResponse {
    HttpResponse::Ok().json(manifest_json())
}
