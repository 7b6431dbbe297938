//! Codename mailboxes over HTTP.
//!
//! - `POST /api/v1/replies` (officer session): an age file sealed to her reply recipient,
//!   filed under the mailbox id the report gave. One X25519 recipient, at most
//!   [`reply::MAX_SEALED`](crate::reply::MAX_SEALED) bytes.
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

pub(super) use page::LOGIN_FORM;

use actix_web::{post, web, HttpRequest, HttpResponse};
use base64::prelude::{Engine, BASE64_STANDARD};
use serde::{Deserialize, Serialize};

use super::officer::authorise;
use super::{blocking, ApiError, AppState};
use crate::store::{Day, MailboxId, MailboxMessage};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(post_reply)
        .service(list)
        .service(remove)
        .configure(page::routes);
}

#[derive(Deserialize)]
struct ReplyRequest {
    mailbox: String,
    /// The sealed reply, base64 (standard alphabet).
    age: String,
}

fn mailbox_id(raw: &str) -> Result<MailboxId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::BadRequest("mailbox must be 64 hex digits".into()))
}

/// An officer files a sealed reply in a mailbox.
#[post("/api/v1/replies")]
async fn post_reply(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    authorise(&state, &req)?;
    // The largest reply in base64, plus room for the JSON around it.
    if body.len() > crate::reply::MAX_SEALED / 3 * 4 + 1024 {
        return Err(ApiError::TooLarge(crate::reply::MAX_SEALED as u64));
    }
    let body: ReplyRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("bad JSON body: {e}")))?;
    let mailbox = mailbox_id(&body.mailbox)?;
    let sealed = BASE64_STANDARD
        .decode(body.age.trim())
        .map_err(|_| ApiError::BadRequest("age must be base64".into()))?;
    if sealed.len() > crate::reply::MAX_SEALED {
        return Err(ApiError::TooLarge(crate::reply::MAX_SEALED as u64));
    }
    let shape = crate::sealed::inspect_header(&sealed)?.ok_or(ApiError::BadRequest(
        "the reply is not a complete age file".into(),
    ))?;
    crate::sealed::check_recipients(&shape, 1)?;
    state.admit_bytes(sealed.len() as u64)?;
    let id = state.store.put_reply(mailbox, Day::today(), sealed).await?;
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
        .map(|m| Listed {
            id: format!("{:032x}", m.id),
            day: day_string(m.day),
            age: BASE64_STANDARD.encode(&m.sealed),
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

/// Removes replies older than the configured lifetime, now and then once an hour.
pub async fn expire_replies(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let keep = state.limits.reply_ttl_days;
        let before = Day(Day::today().0.saturating_sub(keep));
        if let Err(e) = state.store.expire_replies(before).await {
            eprintln!("approdo: expiring old replies failed: {e}");
        }
    }
}
