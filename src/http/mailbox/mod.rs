//! Codename mailboxes over HTTP.
//!
//! - `POST /api/v1/replies` (officer session) `{mailbox, report, age, officer_key,
//!   signature}`: an age file sealed to her reply recipient, filed under the mailbox id the
//!   report gave. One X25519 recipient, at most [`reply::MAX_SEALED`](crate::reply::MAX_SEALED)
//!   bytes, signed by one of the session's partner's officer keys
//!   ([`crate::reply::signed`]). The report must be one the session's partner received, sent
//!   bound to this mailbox ([`crate::reply::binding`]); once it is deleted from the server, or
//!   if it came without a binding, that partner must have replied in this mailbox before:
//!   anything else is 403, nothing stored.
//! - `POST /api/v1/mailbox` `{mailbox}`: the sealed replies waiting there; her browser derived
//!   the id and opens them. An unknown mailbox and an empty one answer the same bytes.
//! - `POST /api/v1/mailbox/delete` `{mailbox, id}`: removes one; the answer is the same
//!   whether it was there or not.
//! - `page`: the same with JavaScript off, where the server derives her keys for one request.
//!
//! Reads and deletions spend the budget of the mailbox they name (junk naming other mailboxes
//! cannot spend hers); no-JavaScript logins spend a server-wide budget before the server runs
//! the KDF, on its own small pool (`kdf`). Ids travel in bodies, never in URLs.

pub(super) mod kdf;
mod page;
mod verify;

use actix_web::{post, web, HttpRequest, HttpResponse};
use base64::prelude::{Engine, BASE64_STANDARD};
use serde::{Deserialize, Serialize};

use super::officer::authorise;
use super::{blocking, ApiError, AppState};
use crate::model::Day;
use crate::model::MailboxId;
use crate::reply::{MailboxBinding, ReplySignature, SignatureError};
use crate::store::MailboxMessage;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(post_reply)
        .service(list)
        .service(remove)
        .configure(page::routes);
}

#[derive(Deserialize)]
struct ReplyRequest {
    mailbox: String,
    /// The report (32 hex digits) this answers.
    report: Option<String>,
    /// The sealed reply, base64 (standard alphabet).
    age: String,
    /// The officer's Ed25519 key, base64 (one of the partner's `officer_keys`).
    officer_key: Option<String>,
    /// Her signature over the signed-reply text, base64.
    signature: Option<String>,
}

const NOT_YOURS: &str = "you can reply only to reports sent to your partner (this one was \
                         not, or it is no longer on the server and your partner never replied \
                         in this mailbox)";
const NOT_HERS: &str = "this mailbox is not the one the report you name asked replies in: \
                        reply with the mailbox in that report's report.json";

fn mailbox_id(raw: &str) -> Result<MailboxId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::BadRequest("mailbox must be 64 hex digits".into()))
}

/// An officer files a signed, sealed reply in a mailbox.
#[post("/api/v1/replies")]
async fn post_reply(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    // 1. A session: its partner is the only one this reply may speak for.
    let session = authorise(&state, &req)?;
    // 2. Shape: size, JSON, ids, base64, a one-recipient age file.
    // The largest reply in base64, plus room for the JSON around it.
    if body.len() > crate::reply::MAX_SEALED / 3 * 4 + 1024 {
        return Err(ApiError::TooLarge(crate::reply::MAX_SEALED as u64));
    }
    let body: ReplyRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("bad JSON body: {e}")))?;
    let mailbox = mailbox_id(&body.mailbox)?;
    let (Some(report), Some(officer_key), Some(signature)) =
        (body.report, body.officer_key, body.signature)
    else {
        return Err(ApiError::BadRequest(
            "a reply names the report it answers (report) and carries the officer's signature \
             (officer_key, signature); update approdo"
                .into(),
        ));
    };
    let report_id: crate::model::ReportId = report
        .parse()
        .map_err(|e: &str| ApiError::BadRequest(e.to_owned()))?;
    let sealed = BASE64_STANDARD
        .decode(body.age.trim())
        .map_err(|_| ApiError::BadRequest("age must be base64".into()))?;
    if sealed.len() > crate::reply::MAX_SEALED {
        return Err(ApiError::TooLarge(crate::reply::MAX_SEALED as u64));
    }
    let shape = crate::admission::inspect_header(&sealed)?.ok_or(ApiError::BadRequest(
        "the reply is not a complete age file".into(),
    ))?;
    // Her reply key is X25519 (a codename derives it): one X25519 stanza.
    crate::admission::check_recipients(&shape, 1, false)?;
    // 3. The signature: by a key the directory lists for the session's partner.
    let signed = ReplySignature {
        partner: session.partner.to_string(),
        officer_key,
        signature,
    };
    signed
        .verify(
            state.directory.directory(),
            &body.mailbox.trim().to_ascii_lowercase(),
            &report_id.to_string(),
            &sealed,
        )
        .map_err(|e| match e {
            SignatureError::Malformed(_) => ApiError::BadRequest(e.to_string()),
            _ => ApiError::Forbidden(e.to_string()),
        })?;
    // 4. The report went to this partner and was sent bound to this mailbox
    //    (`crate::reply::binding`). A report deleted since (pulled, then removed, or past
    //    retention), or sent without a binding, proves nothing: then the partner must have
    //    replied here before, which the store checks with the write.
    let store = state.store.clone();
    let known_only = match blocking(move || store.meta_and_binding_blocking(report_id)).await {
        Ok((meta, _)) if meta.partner != session.partner => {
            return Err(ApiError::Forbidden(NOT_YOURS.into()))
        }
        Ok((_, Some(binding))) => {
            if !MailboxBinding::from_bytes(&binding).is_some_and(|b| b.opens_to(&mailbox.0)) {
                return Err(ApiError::Forbidden(NOT_HERS.into()));
            }
            false
        }
        Ok((_, None)) | Err(ApiError::NotFound) => true,
        Err(e) => return Err(e),
    };
    state.admit_bytes(sealed.len() as u64)?;
    // 5. Filed with its signature.
    let payload = signed.frame(&sealed);
    let partner = session.partner.to_string();
    let id = state
        .store
        .put_partner_reply(mailbox, Day::today(), &partner, known_only, payload)
        .await?
        .ok_or_else(|| ApiError::Forbidden(NOT_YOURS.into()))?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": format!("{id:032x}") })))
}

#[derive(Deserialize)]
struct ListRequest {
    mailbox: String,
}

#[derive(Serialize)]
struct Listed {
    id: String,
    /// `YYYY-MM-DD`, the day it arrived.
    day: String,
    /// The sealed reply, base64.
    age: String,
    /// Who signed it (absent on a reply from before signed replies: her page hides it).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    signed: Option<ReplySignature>,
}

pub(super) fn day_string(day: Day) -> String {
    let (y, m, d) = day.civil();
    format!("{y:04}-{m:02}-{d:02}")
}

/// The messages of a mailbox, after that mailbox's budget.
pub(super) async fn fetch(
    state: &AppState,
    mailbox: MailboxId,
) -> Result<Vec<MailboxMessage>, ApiError> {
    if !state.budgets.mailbox(&mailbox) {
        return Err(ApiError::RateLimited);
    }
    let store = state.store.clone();
    blocking(move || store.mailbox_blocking(mailbox)).await
}

/// Her browser asks for the sealed replies of the mailbox her codename derives.
#[post("/api/v1/mailbox")]
async fn list(
    state: web::Data<AppState>,
    body: web::Json<ListRequest>,
) -> Result<HttpResponse, ApiError> {
    let mailbox = mailbox_id(&body.mailbox)?;
    let messages: Vec<Listed> = fetch(&state, mailbox)
        .await?
        .into_iter()
        .map(|m| {
            let (signed, sealed) = ReplySignature::unframe(&m.sealed);
            Listed {
                id: format!("{:032x}", m.id),
                day: day_string(m.day),
                age: BASE64_STANDARD.encode(sealed),
                signed,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "messages": messages })))
}

#[derive(Deserialize)]
struct DeleteRequest {
    mailbox: String,
    id: String,
}

pub(super) fn message_id(raw: &str) -> Result<u128, ApiError> {
    u128::from_str_radix(raw.trim(), 16)
        .map_err(|_| ApiError::BadRequest("id must be 32 hex digits".into()))
}

/// She deletes a reply she has read.
#[post("/api/v1/mailbox/delete")]
async fn remove(
    state: web::Data<AppState>,
    body: web::Json<DeleteRequest>,
) -> Result<HttpResponse, ApiError> {
    let mailbox = mailbox_id(&body.mailbox)?;
    let id = message_id(&body.id)?;
    if !state.budgets.mailbox(&mailbox) {
        return Err(ApiError::RateLimited);
    }
    state.store.delete_reply(mailbox, id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "deleted": true })))
}
