//! Security headers on every response, errors included (DESIGN.md, "Rules that hold everywhere").

use actix_web::middleware::DefaultHeaders;

pub use crate::policy::{CSP, HEADERS};

/// The middleware.
pub fn security_headers() -> DefaultHeaders {
    HEADERS
        .iter()
        .fold(DefaultHeaders::new(), |h, (k, v)| h.add((*k, *v)))
}
