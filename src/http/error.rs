//! The one HTTP error type: each expected case has its status and a sentence a person can act
//! on, as JSON `{"error": "…", "code": "…"}` — the sentence for people (its wording may
//! change), the [`ErrorCode`] for programs (stable, docs/api.md); anything unexpected is a
//! generic 500 whose log line carries no request detail.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use super::code::ErrorCode;
use crate::admission::ValidationError;
use crate::store::StoreError;

/// Everything a handler can refuse with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed (query, JSON, path).
    #[error("{0}")]
    BadRequest(String),
    /// The body is not an acceptable sealed report.
    #[error("{0}")]
    NotSealed(#[from] ValidationError),
    /// `partner` names no partner of the directory.
    #[error("unknown partner {0:?}; see /api/v1/directory for the partners")]
    UnknownPartner(String),
    /// No such report, or not one of this officer's partner.
    #[error("no such report for your partner")]
    NotFound,
    /// No route.
    #[error("no such endpoint")]
    NoRoute,
    /// The body is larger than the configured limit.
    #[error("the report is larger than this drop box accepts ({0} bytes at most)")]
    TooLarge(u64),
    /// Too many requests of this kind.
    #[error("too many requests; wait a minute and try again")]
    RateLimited,
    /// A bounded resource (the codename KDF's pool) is full: try again in a few seconds.
    #[error("the server is busy; try again in a few seconds")]
    Busy,
    /// A resumable upload chunk came out of order.
    #[error("{0}")]
    Conflict(String),
    /// Too many uploads are in progress.
    #[error("too many uploads are in progress; try again in a few minutes")]
    TooManyUploads,
    /// This tor circuit holds its share of the upload slots.
    #[error("this connection already has as many uploads in progress as one may; finish or cancel one first")]
    CircuitShare,
    /// The bytes waiting to be finalised reach their cap.
    #[error("too many bytes are waiting to be finalised on this server; nothing was lost, try again in a minute")]
    PendingFull,
    /// Missing, forged or expired session, or a failed challenge.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The disk is full.
    #[error(
        "the drop box is full and cannot accept reports now; nothing was stored, try again later"
    )]
    Full,
    /// The connection broke while the body was read.
    #[error("the upload was interrupted; nothing was stored, send it again")]
    Interrupted,
    /// The session is valid but may not do this (another partner's report or mailbox).
    #[error("{0}")]
    Forbidden(String),
    /// The browser path needs a proof of work first.
    #[error(
        "solve a proof of work first: GET /api/v1/pow, then send X-Approdo-PoW: <challenge>:<n>"
    )]
    PowRequired,
    /// Anything else. The detail is logged (without request data), not sent.
    #[error("internal error; nothing was stored")]
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Full => ApiError::Full,
            StoreError::NotFound => ApiError::NotFound,
            StoreError::OutOfOrder => {
                ApiError::Conflict("chunk out of order; ask where to resume".into())
            }
            StoreError::Changed => ApiError::Conflict(
                "the upload changed while it was finalised; ask where to resume, then finalise again"
                    .into(),
            ),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<super::slots::Refusal> for ApiError {
    fn from(r: super::slots::Refusal) -> Self {
        use super::slots::Refusal;
        match r {
            Refusal::Full => ApiError::TooManyUploads,
            Refusal::CircuitFull => ApiError::CircuitShare,
            Refusal::Pending => ApiError::PendingFull,
            Refusal::Unknown => ApiError::NotFound,
            Refusal::Frozen => ApiError::Conflict(
                "this upload is being finalised; its chunks can no longer change".into(),
            ),
            Refusal::AfterLast => ApiError::Conflict(
                "the last chunk was shorter than the chunk size: only finalising may follow".into(),
            ),
            Refusal::OutOfOrder => {
                ApiError::Conflict("chunk out of order; ask where to resume".into())
            }
        }
    }
}

impl ApiError {
    /// Its machine code (the status follows from it).
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::NotSealed(_) => ErrorCode::NotSealed,
            ApiError::Interrupted => ErrorCode::Interrupted,
            ApiError::UnknownPartner(_) => ErrorCode::UnknownPartner,
            ApiError::NotFound => ErrorCode::NotFound,
            ApiError::NoRoute => ErrorCode::NoRoute,
            ApiError::TooLarge(_) => ErrorCode::TooLarge,
            ApiError::RateLimited => ErrorCode::RateLimited,
            ApiError::TooManyUploads => ErrorCode::TooManyUploads,
            ApiError::CircuitShare => ErrorCode::CircuitShare,
            ApiError::PendingFull => ErrorCode::PendingFull,
            ApiError::Busy => ErrorCode::Busy,
            ApiError::Conflict(_) => ErrorCode::Conflict,
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::PowRequired => ErrorCode::PowRequired,
            ApiError::Full => ErrorCode::Full,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// One error of each kind (for the tests that map codes and refusals).
    #[cfg(test)]
    pub(crate) fn one_of_each() -> Vec<ApiError> {
        vec![
            ApiError::BadRequest("x".into()),
            ApiError::NotSealed(ValidationError::NotAge),
            ApiError::Interrupted,
            ApiError::UnknownPartner("x".into()),
            ApiError::NotFound,
            ApiError::NoRoute,
            ApiError::TooLarge(1),
            ApiError::RateLimited,
            ApiError::TooManyUploads,
            ApiError::CircuitShare,
            ApiError::PendingFull,
            ApiError::Busy,
            ApiError::Conflict("x".into()),
            ApiError::Unauthorized("x"),
            ApiError::Forbidden("x".into()),
            ApiError::PowRequired,
            ApiError::Full,
            ApiError::Internal("x".into()),
        ]
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(detail) = self {
            // Store and key errors never contain request data; keep it that way.
            eprintln!("approdo: internal error: {detail}");
        }
        let mut answer = HttpResponse::build(self.status_code());
        if let ApiError::Busy = self {
            answer.insert_header((
                actix_web::http::header::RETRY_AFTER,
                super::mailbox::kdf::RETRY_AFTER_SECS.to_string(),
            ));
        }
        answer.json(serde_json::json!({ "error": self.to_string(), "code": self.code().as_str() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every API error has a code, one per kind: each code is some error's, and no two kinds
    /// share one (`one_of_each` holds every variant; `code` is an exhaustive match).
    #[test]
    fn api_errors_and_codes_match_one_to_one() {
        let codes: Vec<ErrorCode> = ApiError::one_of_each().iter().map(ApiError::code).collect();
        assert_eq!(codes, ErrorCode::ALL);
    }
}
