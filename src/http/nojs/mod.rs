//! The form that works without JavaScript (Tor Browser "Safest"): a plain multipart post,
//! sealed by the server as it arrives (see `spool`), recorded as `sealed: server`. The page says
//! so before she sends. Cross-site posts are refused with a per-form token (no cookies). Her
//! intake answers are checked field by field ([`crate::intake::Answers`]); her language comes
//! from the form's hidden `lang` field and goes into `report.json`.

mod spool;
pub mod token;

use actix_multipart::Multipart;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Serialize;
use zeroize::Zeroizing;

use super::pages::{escape, page, PageLang};
use super::AppState;
use crate::codename::Codename;
use crate::intake::{Answers, IntakeError};
use crate::reply::ReplyAddress;
use crate::store::{Day, ReportMeta, ReportState, SealedBy};
use spool::Spool;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(info).service(submit);
}

/// Most attachments in one report.
const MAX_FILES: usize = 100;
/// Longest description.
const MAX_TEXT: usize = 256 * 1024;

#[get("/report/nojs")]
async fn info(l: PageLang) -> HttpResponse {
    let body = format!(
        "<p>{}</p><p><a href=\"{}\">{}</a></p>",
        l.t("pages.nojs_info"),
        l.href("/report"),
        l.t("pages.back")
    );
    page(&l, 200, l.lang.text("pages.nojs_heading"), &body)
}

/// A refusal, shown as a page (this is a browser form, not the JSON API).
struct Refusal(u16, &'static str);

#[derive(Serialize)]
struct ReportJson<'a> {
    schema: &'a str,
    /// `report`, or `follow-up` for her answer to a reply.
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_reply_to: Option<&'a str>,
    language: &'a str,
    description: &'a str,
    /// Her answers to the intake questions (new reports only).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    intake: Option<&'a Answers>,
    attachments: &'a [String],
    sealed: &'a str,
    /// Where replies go (from her codename).
    #[serde(skip_serializing_if = "Option::is_none")]
    reply: Option<&'a ReplyAddress>,
    /// Her answer to a proposed appointment: `accept` or `another`.
    #[serde(skip_serializing_if = "Option::is_none")]
    appointment: Option<&'a str>,
}

/// What a follow-up carries in hidden fields of the mailbox page.
#[derive(Default)]
struct FollowUp {
    in_reply_to: Option<String>,
    recipient: Option<String>,
    mailbox: Option<String>,
    appointment: Option<String>,
}

/// What a sent form gives back: a receipt per partner, and her new codename (new reports).
struct Sent {
    receipts: Vec<(String, String)>,
    codename: Option<Codename>,
    /// Sent for someone else: the codename is to be handed to her.
    assisted: bool,
    /// The language of the form she sent.
    language: &'static str,
}

#[post("/report/nojs")]
async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    l: PageLang,
    payload: web::Payload,
) -> HttpResponse {
    match handle(&state, &req, payload, l.lang.code).await {
        Ok(Sent {
            receipts,
            codename,
            assisted,
            language,
        }) => {
            let l = l.switch(language);
            let items: String = receipts
                .iter()
                .map(|(name, code)| {
                    let text = l
                        .lang
                        .text("form.js.receipt")
                        .replace("{partner}", name)
                        .replace("{code}", code);
                    format!("<li>{}</li>", escape(&text))
                })
                .collect();
            let codename = codename
                .map(|c| show_codename(&l, &c, assisted))
                .unwrap_or_default();
            page(
                &l,
                201,
                l.lang.text("pages.sent_heading"),
                &format!(
                    "<p>{sent}</p><ul id=\"receipts\">{items}</ul>{codename}<p>{keep}</p>",
                    sent = l.t("pages.nojs_sent"),
                    keep = l.t("form.done.keep"),
                ),
            )
        }
        Err(Refusal(status, why)) => page(
            &l,
            status,
            l.lang.text("pages.not_sent_heading"),
            &format!(
                "<p id=\"error\" role=\"alert\">{} {}</p><p>{}</p><p><a href=\"{}\">{}</a></p>",
                l.t("pages.not_sent"),
                escape(why),
                l.t("pages.back_hint"),
                l.href("/report"),
                l.t("pages.back")
            ),
        ),
    }
}

async fn read_text(
    field: &mut actix_multipart::Field,
    limit: usize,
) -> Result<Zeroizing<Vec<u8>>, Refusal> {
    let mut out = Zeroizing::new(Vec::new());
    while let Some(piece) = field.next().await {
        let piece =
            piece.map_err(|_| Refusal(400, "the form could not be read; please send it again"))?;
        if out.len() + piece.len() > limit {
            return Err(Refusal(413, "a text field is too long"));
        }
        out.extend_from_slice(&piece);
    }
    Ok(out)
}

/// The codename, shown once, with help to keep it (and to hand it over, when assisted).
fn show_codename(l: &PageLang, c: &Codename, assisted: bool) -> String {
    let handover = if assisted {
        format!(
            "<p id=\"codename-assisted\" class=\"mode\">{}</p>",
            l.t("form.done.assisted")
        )
    } else {
        String::new()
    };
    format!(
        "<section id=\"codename-box\"><h2>{heading}</h2><p class=\"codename\" id=\"codename\">{}</p>{handover}<p>{text} <a href=\"{href}\">{link}</a></p></section>",
        escape(c.expose()),
        heading = l.t("form.done.codename_heading"),
        text = l.t("form.done.codename_text"),
        href = l.href("/mailbox"),
        link = l.t("pages.mailbox_link"),
    )
}

async fn handle(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    page_lang: &'static str,
) -> Result<Sent, Refusal> {
    if state.submit_limiter.check().is_err() || state.admit_circuit(req).is_err() {
        return Err(Refusal(
            429,
            "too many reports are arriving right now; wait a minute and try again",
        ));
    }
    let max = state.limits.max_report_bytes;
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(crate::store::CHUNK_SIZE as u64);
    if state.admit_bytes(declared.min(max)).is_err() {
        return Err(Refusal(507, "the drop box is full; try again later"));
    }
    let mut form = Multipart::new(
        req.headers(),
        super::idle::idle(payload, state.limits.body_idle),
    );
    let mut token_ok = false;
    let mut partners = Vec::new();
    let mut description = Zeroizing::new(String::new());
    let mut spool = Spool::new(&state.spool_dir)
        .map_err(|_| Refusal(500, "the server could not prepare the encryption"))?;
    let mut taken = std::collections::HashSet::new();
    let mut total = 0u64;
    let mut follow = FollowUp::default();
    let mut answers = Answers::default();
    let mut language = page_lang;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| Refusal(400, "this is not the report form"))?;
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "form_token" => {
                let t = read_text(&mut field, 256).await?;
                token_ok = state.form_tokens.redeem(&String::from_utf8_lossy(&t));
            }
            _ if !token_ok => {
                return Err(Refusal(
                    403,
                    "this form has expired or was not sent from this site; open the form again",
                ))
            }
            "partner" => {
                let p = read_text(&mut field, 128).await?;
                partners.push(String::from_utf8_lossy(&p).into_owned());
            }
            "in_reply_to" | "reply_recipient" | "reply_mailbox" | "appointment" => {
                let v = read_text(&mut field, 256).await?;
                let v = Some(String::from_utf8_lossy(&v).trim().to_owned());
                match name.as_str() {
                    "in_reply_to" => follow.in_reply_to = v,
                    "reply_recipient" => follow.recipient = v,
                    "reply_mailbox" => follow.mailbox = v,
                    _ => follow.appointment = v,
                }
            }
            "lang" => {
                let v = read_text(&mut field, 32).await?;
                language = crate::locale::negotiate(Some(&String::from_utf8_lossy(&v)), None);
            }
            n if Answers::is_field(n) => {
                let v = read_text(&mut field, 4096).await?;
                answers.push(n, &String::from_utf8_lossy(&v));
            }
            "description" => {
                let d = read_text(&mut field, MAX_TEXT).await?;
                description = Zeroizing::new(String::from_utf8_lossy(&d).into_owned());
            }
            "attachments" => {
                let filename = field
                    .content_disposition()
                    .and_then(|cd| cd.get_filename())
                    .unwrap_or_default()
                    .to_owned();
                let mut writer = None;
                while let Some(piece) = field.next().await {
                    let piece = piece.map_err(|_| {
                        Refusal(400, "the upload was interrupted; please send it again")
                    })?;
                    if piece.is_empty() {
                        continue;
                    }
                    total += piece.len() as u64;
                    if total > max {
                        return Err(Refusal(
                            413,
                            "the files are larger than this drop box accepts",
                        ));
                    }
                    if writer.is_none() {
                        if spool.names().len() >= MAX_FILES {
                            return Err(Refusal(
                                413,
                                "too many files; send fewer, for example in a zip archive",
                            ));
                        }
                        let w = spool
                            .begin(safe_name(&filename, &mut taken))
                            .map_err(|_| Refusal(500, "the server could not encrypt the file"))?;
                        writer = Some(w);
                    }
                    if let Some(w) = writer.as_mut() {
                        w.write(&piece)
                            .map_err(|_| Refusal(507, "the drop box is full; try again later"))?;
                    }
                }
                if let Some(w) = writer {
                    debug_assert!(w.len() > 0);
                    spool
                        .end(w)
                        .map_err(|_| Refusal(507, "the drop box is full; try again later"))?;
                }
            }
            _ => {
                read_text(&mut field, MAX_TEXT).await?;
            }
        }
    }
    if !token_ok {
        return Err(Refusal(
            403,
            "this form has expired or was not sent from this site; open the form again",
        ));
    }
    let directory = state.directory.directory();
    let mut chosen = Vec::new();
    for id in &partners {
        let p = directory
            .partner(id)
            .ok_or(Refusal(400, "an organisation you chose is unknown"))?;
        if !chosen.iter().any(|c: &crate::keys::Partner| c.id == p.id) {
            chosen.push(p.clone());
        }
    }
    if chosen.is_empty() {
        return Err(Refusal(400, "choose at least one organisation"));
    }
    let names = spool.names();
    let (reply, codename) = reply_address(&follow).await?;
    if follow.in_reply_to.is_some() && description.trim().is_empty() && follow.appointment.is_none()
    {
        return Err(Refusal(400, "write an answer first"));
    }
    let intake = if follow.in_reply_to.is_some() {
        None
    } else {
        Some(answers.finish().map_err(|e| match e {
            IntakeError::NoAssistedConsent => Refusal(
                400,
                "you report for someone else: tick the box that says they agreed",
            ),
            _ => Refusal(
                400,
                "tick the consent box at the end of the form to send it",
            ),
        })?)
    };
    let assisted = intake.as_ref().is_some_and(Answers::assisted);
    let mut report = Zeroizing::new(Vec::new());
    let json = ReportJson {
        schema: crate::envelope::SCHEMA,
        kind: if follow.in_reply_to.is_some() {
            "follow-up"
        } else {
            "report"
        },
        in_reply_to: follow.in_reply_to.as_deref(),
        language,
        description: &description,
        intake: intake.as_ref(),
        attachments: &names,
        sealed: "server",
        reply: Some(&reply),
        appointment: follow.appointment.as_deref(),
    };
    serde_json::to_writer(&mut *report, &json)
        .map_err(|_| Refusal(500, "the server could not build the report"))?;

    // Seal for each partner, off the async workers; one report per partner.
    let spool = std::sync::Arc::new(spool);
    let report = std::sync::Arc::new(report);
    let mut receipts = Vec::new();
    for partner in chosen {
        let recipients = partner
            .age_recipients()
            .map_err(|_| Refusal(500, "an organisation's keys are unusable"))?;
        let upload = state.store.upload(Day::today());
        let id = upload.id();
        let (sp, rep) = (spool.clone(), report.clone());
        let sealed = web::block(move || sp.seal_into(&rep, &recipients, upload))
            .await
            .map_err(|_| Refusal(500, "the server could not encrypt the report"))?
            .map_err(|e| match e {
                spool::SealError::Store(crate::store::StoreError::Full) => {
                    Refusal(507, "the drop box is full; try again later")
                }
                spool::SealError::Envelope(_) => {
                    Refusal(413, "the report or its files are too large or too many")
                }
                _ => Refusal(500, "the server could not encrypt the report"),
            })?;
        let meta = ReportMeta {
            id,
            partner: partner.id.clone(),
            day: Day::today(),
            size: sealed.total,
            sealed: SealedBy::Server,
            state: ReportState::Received,
            acknowledged: None,
            sha256: sealed.sha256.clone(),
            chunks: sealed.upload.chunks() + u32::from(sealed.last.is_some()),
        };
        sealed
            .upload
            .finish(meta, sealed.last)
            .await
            .map_err(|e| match e {
                crate::store::StoreError::Full => {
                    Refusal(507, "the drop box is full; try again later")
                }
                _ => Refusal(500, "the report could not be stored"),
            })?;
        receipts.push((partner.name.clone(), sealed.sha256[..12].to_owned()));
    }
    Ok(Sent {
        receipts,
        codename,
        assisted,
        language,
    })
}

/// A follow-up keeps the reply address of the mailbox page's hidden fields; a new report gets
/// a fresh codename, derived here (the page says the server handles it in memory).
async fn reply_address(follow: &FollowUp) -> Result<(ReplyAddress, Option<Codename>), Refusal> {
    if let Some(id) = &follow.in_reply_to {
        let bad = Refusal(400, "this answer form is damaged; open your mailbox again");
        id.parse::<crate::store::ReportId>()
            .map_err(|_| Refusal(400, "this answer form is damaged; open your mailbox again"))?;
        if !matches!(
            follow.appointment.as_deref(),
            None | Some("accept" | "another")
        ) {
            return Err(bad);
        }
        let addr = ReplyAddress {
            recipient: follow.recipient.clone().unwrap_or_default(),
            mailbox: follow.mailbox.clone().unwrap_or_default(),
        };
        addr.check().map_err(|_| bad)?;
        return Ok((addr, None));
    }
    let codename = Codename::generate();
    let normalised = Codename::parse(codename.expose())
        .map_err(|_| Refusal(500, "the server could not make your codename"))?;
    let keys = web::block(move || normalised.derive())
        .await
        .map_err(|_| Refusal(500, "the server could not make your codename"))?
        .map_err(|_| Refusal(500, "the server could not make your codename"))?;
    let addr = ReplyAddress {
        recipient: keys.recipient().to_string(),
        mailbox: keys.mailbox.clone(),
    };
    Ok((addr, Some(codename)))
}

/// The same rules as the page script (`web/src/envelope.js`): no `/`, `\`, control characters,
/// `.` or `..`; at most 100 bytes; unique.
pub(crate) fn safe_name(raw: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if name.is_empty() || name == "." || name == ".." {
        name = "file".into();
    }
    while name.len() > 100 {
        name.remove(0);
    }
    let mut candidate = name.clone();
    let mut i = 2;
    while taken.contains(&candidate) {
        candidate = format!("{i}-{name}");
        while candidate.len() > 100 {
            candidate.pop();
        }
        i += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_made_safe() {
        let mut taken = std::collections::HashSet::new();
        assert_eq!(
            super::safe_name("../../etc/passwd", &mut taken),
            ".._.._etc_passwd"
        );
        assert_eq!(super::safe_name("..", &mut taken), "file");
        assert_eq!(super::safe_name("a\u{0}b", &mut taken), "a_b");
        assert_eq!(super::safe_name("p.jpg", &mut taken), "p.jpg");
        assert_eq!(super::safe_name("p.jpg", &mut taken), "2-p.jpg");
        assert!(super::safe_name(&"é".repeat(80), &mut taken).len() <= 100);
    }
}
