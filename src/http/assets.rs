//! The web assets, embedded at build time (see `build.rs`), and their manifest: the SHA-256
//! of everything the site serves, so auditors can compare what victims get with the source.
//!
//! One binary serves any network. The page script is built with a placeholder where the
//! network public key goes; [`Site::for_network`] fills it with the key the server is
//! configured for (the key its signed directory verified against), once, at start. So the
//! bytes a victim gets are a function of the release and the network key alone: an auditor
//! reproduces them with `approdo manifest --network-key FILE` and compares with
//! `approdo audit site --network-key FILE`.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use sha2::{Digest, Sha256};

use crate::keys::NetworkPublicKey;

include!(concat!(env!("OUT_DIR"), "/web/assets.rs"));

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(asset).service(manifest_route);
}

/// One served file.
struct Asset {
    path: &'static str,
    mime: &'static str,
    bytes: bytes::Bytes,
}

/// What the site serves for one network: every asset, the page script holding that network's
/// public key, and the manifest of their hashes.
pub struct Site {
    assets: Vec<Asset>,
    manifest: serde_json::Value,
}

impl Site {
    /// The assets for the network whose public key is `key`.
    pub fn for_network(key: &NetworkPublicKey) -> Site {
        let key = key.to_string();
        let assets: Vec<Asset> = ASSETS
            .iter()
            .map(|(path, mime, bytes)| Asset {
                path,
                mime,
                bytes: fill_key(bytes, &key),
            })
            .collect();
        let hash = |b: &[u8]| hex::encode(Sha256::digest(b));
        let files: BTreeMap<&str, String> =
            assets.iter().map(|a| (a.path, hash(&a.bytes))).collect();
        let manifest = serde_json::json!({
            "schema": "approdo.manifest/v1",
            "version": env!("CARGO_PKG_VERSION"),
            "network_key": key,
            "assets": files,
            // Every template, by construction: the one list the pages are rendered from.
            "templates": crate::html::TEMPLATES
                .iter()
                .map(|t| (t.name, hash(t.text.as_bytes())))
                .collect::<BTreeMap<_, _>>(),
        });
        Site { assets, manifest }
    }

    /// `{"assets": {path: sha256}, "templates": {name: sha256}, "network_key": …}`: what this
    /// build serves for this network (`approdo manifest` prints it; `approdo audit site`
    /// compares a server with it).
    pub fn manifest(&self) -> &serde_json::Value {
        &self.manifest
    }

    fn get(&self, path: &str) -> Option<&Asset> {
        self.assets.iter().find(|a| a.path == path)
    }
}

/// `bytes` with every placeholder replaced by `key` (base64: nothing to escape in a JS string).
fn fill_key(bytes: &'static [u8], key: &str) -> bytes::Bytes {
    let needle = NETWORK_KEY_PLACEHOLDER.as_bytes();
    if !bytes.windows(needle.len()).any(|w| w == needle) {
        return bytes::Bytes::from_static(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(at) = rest.windows(needle.len()).position(|w| w == needle) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(key.as_bytes());
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    bytes::Bytes::from(out)
}

/// `/assets/<name>`.
#[get("/assets/{name}")]
async fn asset(
    name: web::Path<String>,
    state: web::Data<super::AppState>,
) -> Result<HttpResponse, super::ApiError> {
    let a = state
        .site
        .get(&format!("/assets/{name}"))
        .ok_or(super::ApiError::NoRoute)?;
    Ok(HttpResponse::Ok()
        .content_type(a.mime)
        .body(a.bytes.clone()))
}

#[get("/api/v1/manifest")]
async fn manifest_route(state: web::Data<super::AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.site.manifest())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_page_script_gets_the_network_key_and_nothing_else_changes() {
        let demo = crate::keys::demo::network_public_key().unwrap();
        let other = crate::keys::NetworkKey::generate().public();
        let (a, b) = (Site::for_network(&demo), Site::for_network(&other));
        let script = |s: &Site| s.get("/assets/app.js").unwrap().bytes.to_vec();
        let placeholder = NETWORK_KEY_PLACEHOLDER.as_bytes();
        for (site, key) in [(&a, demo.to_string()), (&b, other.to_string())] {
            let js = script(site);
            assert!(!js.windows(placeholder.len()).any(|w| w == placeholder));
            assert!(js.windows(key.len()).any(|w| w == key.as_bytes()));
            assert_eq!(site.manifest()["network_key"], key.as_str());
        }
        assert_ne!(
            a.manifest()["assets"]["/assets/app.js"],
            b.manifest()["assets"]["/assets/app.js"]
        );
        // Every other asset is the same bytes whatever the network.
        for (path, _, bytes) in ASSETS.iter().filter(|(p, _, _)| *p != "/assets/app.js") {
            assert_eq!(a.get(path).unwrap().bytes.as_ref(), *bytes);
            assert_eq!(b.get(path).unwrap().bytes.as_ref(), *bytes);
        }
        // Same key, same bytes: the manifest is reproducible.
        assert_eq!(Site::for_network(&other).manifest(), b.manifest());
    }
}
