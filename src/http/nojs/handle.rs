//! Reading and sealing one posted form: the fields as they stream in (text into zeroised
//! buffers, files into the encrypted spool), the checks of the intake answers, and one sealed
//! report per chosen partner. Every refusal names a string of `form.refusal` in the locales.

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;
use serde::Serialize;
use zeroize::Zeroizing;

use super::refusal::{Load, Refusal};
use super::safe_name;
use super::spool::{self, Spool};
use crate::codename::Codename;
use crate::http::AppState;
use crate::intake::form::Filled;
use crate::intake::{Answers, IntakeError};
use crate::model::{Day, ReportState, SealedBy};
use crate::reply::ReplyAddress;
use crate::store::ReportMeta;
/// Most attachments in one report.
const MAX_FILES: usize = 100;
/// Longest description.
const MAX_TEXT: usize = 256 * 1024;

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
    /// Which appointment that answer is about, as her mailbox showed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    appointment_for: Option<crate::intake::report::AppointmentRef>,
    /// `network` in the copy for the partner the network chose because she did not know.
    #[serde(skip_serializing_if = "Option::is_none")]
    partner_chosen_by: Option<&'static str>,
}

/// What a follow-up carries in hidden fields of the mailbox page.
#[derive(Default)]
struct FollowUp {
    in_reply_to: Option<String>,
    recipient: Option<String>,
    mailbox: Option<String>,
    appointment: Option<String>,
    /// The appointment's time and desk, from the mailbox page's hidden fields.
    appointment_time: Option<String>,
    appointment_desk: Option<String>,
}

/// What a sent form gives back: a receipt per partner, and her new codename (new reports).
pub(super) struct Sent {
    /// (partner name, receipt code).
    pub receipts: Vec<(String, String)>,
    pub codename: Option<Codename>,
    /// Sent for someone else: the codename is to be handed to her.
    pub assisted: bool,
    /// The language of the form she sent.
    pub language: &'static str,
}

async fn read_text(
    field: &mut actix_multipart::Field,
    limit: usize,
) -> Result<Zeroizing<Vec<u8>>, Refusal> {
    let mut out = Zeroizing::new(Vec::new());
    while let Some(piece) = field.next().await {
        let piece = piece.map_err(|_| Refusal::Unreadable)?;
        if out.len() + piece.len() > limit {
            return Err(Refusal::FieldTooLong);
        }
        out.extend_from_slice(&piece);
    }
    Ok(out)
}

/// The form's token, held by this post until it ends: spent if the form was sent, good again
/// if not (an interrupted post, a refusal), so a second post of the same form can go.
struct Hold<'a> {
    tokens: &'a super::token::FormTokens,
    nonce: Option<[u8; 16]>,
    sent: bool,
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        if let Some(nonce) = self.nonce {
            self.tokens.settle(nonce, self.sent);
        }
    }
}

/// Most time a second post of a form waits for the first to end: Send pressed twice makes the
/// browser drop the first post, which the server sees fail as soon as the connection closes.
const WAIT_FOR_FIRST: std::time::Duration = std::time::Duration::from_secs(30);

/// Claims `token` for this post; a second post of the same form waits for the first one.
async fn claim(tokens: &super::token::FormTokens, token: &str) -> super::token::Claim {
    use super::token::Claim;
    let until = std::time::Instant::now() + WAIT_FOR_FIRST;
    loop {
        match tokens.claim(token) {
            Claim::Pending if std::time::Instant::now() < until => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

pub(super) async fn handle(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    page_lang: &'static str,
    filled: &mut Filled,
) -> Result<Sent, Refusal> {
    if state.submit_limiter.check().is_err() || state.admit_circuit(req).is_err() {
        return Err(Refusal::Busy(Load::Rate));
    }
    let max = state.limits.max_report_bytes;
    let declared = crate::http::declared_len(req).unwrap_or(crate::store::CHUNK_SIZE as u64);
    if state.admit_bytes(declared.min(max)).is_err() {
        return Err(Refusal::Full);
    }
    let mut form = Multipart::new(
        req.headers(),
        crate::http::idle::idle(payload, state.limits.body_idle),
    );
    let mut token_ok = false;
    let mut hold = Hold {
        tokens: &state.form_tokens,
        nonce: None,
        sent: false,
    };
    let mut partners = Vec::new();
    let mut description = Zeroizing::new(String::new());
    let mut spool = Spool::new(&state.spool_dir).map_err(|_| Refusal::Server)?;
    let mut taken = std::collections::HashSet::new();
    let mut total = 0u64;
    let mut follow = FollowUp::default();
    let mut answers = Answers::default();
    let mut language = page_lang;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| Refusal::NotForm)?;
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "form_token" => {
                use super::token::Claim;
                let t = read_text(&mut field, 256).await?;
                match claim(&state.form_tokens, &String::from_utf8_lossy(&t)).await {
                    Claim::Fresh(nonce) => {
                        hold.nonce = Some(nonce);
                        token_ok = true;
                    }
                    Claim::Sent | Claim::Pending => return Err(Refusal::AlreadySent),
                    Claim::Invalid => token_ok = false,
                }
            }
            _ if !token_ok => return Err(Refusal::Expired),
            "partner" => {
                let p = read_text(&mut field, 128).await?;
                let p = String::from_utf8_lossy(&p).into_owned();
                filled.push("partner", &p);
                partners.push(p);
            }
            "in_reply_to" | "reply_recipient" | "reply_mailbox" | "appointment"
            | "appointment_time" | "appointment_desk" => {
                let v = read_text(&mut field, 256).await?;
                let v = Some(String::from_utf8_lossy(&v).trim().to_owned());
                filled.follow_up = true;
                match name.as_str() {
                    "in_reply_to" => follow.in_reply_to = v,
                    "reply_recipient" => follow.recipient = v,
                    "reply_mailbox" => follow.mailbox = v,
                    "appointment_time" => follow.appointment_time = v,
                    "appointment_desk" => follow.appointment_desk = v,
                    _ => follow.appointment = v,
                }
            }
            "lang" => {
                let v = read_text(&mut field, 32).await?;
                language = crate::locale::negotiate(Some(&String::from_utf8_lossy(&v)), None);
            }
            n if Answers::is_field(n) => {
                let v = read_text(&mut field, 4096).await?;
                let v = Zeroizing::new(String::from_utf8_lossy(&v).into_owned());
                filled.push(n, &v);
                answers.push(n, &v);
            }
            "description" => {
                let d = read_text(&mut field, MAX_TEXT).await?;
                description = Zeroizing::new(String::from_utf8_lossy(&d).into_owned());
                filled.push("description", &description);
            }
            "attachments" => {
                filled.files |= field
                    .content_disposition()
                    .and_then(|cd| cd.get_filename())
                    .is_some_and(|f| !f.is_empty());
                total = read_file(&mut field, &mut spool, &mut taken, total, max).await?;
            }
            _ => {
                read_text(&mut field, MAX_TEXT).await?;
            }
        }
    }
    if !token_ok {
        return Err(Refusal::Expired);
    }
    let directory = state.directory.directory();
    // Each partner once, with whether only "let the network choose" (the partner the
    // directory marks for it) named it: that copy of the report says so.
    let mut chosen: Vec<(crate::keys::Partner, bool)> = Vec::new();
    for id in &partners {
        let p = directory.chosen(id).ok_or(Refusal::UnknownPartner)?;
        let by_network = id == crate::keys::directory::LET_NETWORK_CHOOSE;
        match chosen.iter_mut().find(|(c, _)| c.id == p.id) {
            Some((_, network)) => *network &= by_network,
            None => chosen.push((p.clone(), by_network)),
        }
    }
    if chosen.is_empty() {
        return Err(Refusal::ChoosePartner);
    }
    let names = spool.names();
    let (reply, codename) = reply_address(state, &follow).await?;
    if follow.in_reply_to.is_some() && description.trim().is_empty() && follow.appointment.is_none()
    {
        return Err(Refusal::WriteAnswer);
    }
    let intake = if follow.in_reply_to.is_some() {
        None
    } else {
        Some(answers.finish().map_err(|e| match e {
            IntakeError::NoAssistedConsent => Refusal::Assisted,
            _ => Refusal::Consent,
        })?)
    };
    let assisted = intake.as_ref().is_some_and(Answers::assisted);
    let mut json = ReportJson {
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
        appointment_for: match (
            &follow.appointment,
            &follow.appointment_time,
            &follow.appointment_desk,
        ) {
            (Some(_), Some(time), Some(desk)) => Some(crate::intake::report::AppointmentRef {
                time: time.clone(),
                desk: desk.clone(),
            }),
            _ => None,
        },
        partner_chosen_by: None,
    };

    // Seal for each partner, off the async workers; one report per partner.
    let spool = std::sync::Arc::new(spool);
    let mut receipts = Vec::new();
    for (partner, by_network) in chosen {
        json.partner_chosen_by = by_network.then_some("network");
        let mut report = Zeroizing::new(Vec::new());
        serde_json::to_writer(&mut *report, &json).map_err(|_| Refusal::Server)?;
        let report = std::sync::Arc::new(report);
        let recipients = partner.age_recipients().map_err(|_| Refusal::Server)?;
        let mut upload = state.store.upload(Day::today());
        // Her mailbox is known here (derived, or from the mailbox page): bind it, so that
        // only the partners this report goes to can answer there.
        if let Some(b) = crate::reply::MailboxBinding::for_hex(&reply.mailbox) {
            upload.bind(*b.as_bytes());
        }
        let id = upload.id();
        let (sp, rep) = (spool.clone(), report.clone());
        let sealed = web::block(move || sp.seal_into(&rep, &recipients, upload))
            .await
            .map_err(|_| Refusal::Server)?
            .map_err(|e| match e {
                spool::SealError::Store(crate::store::StoreError::Full) => Refusal::Full,
                spool::SealError::Envelope(_) => Refusal::TooLarge,
                _ => Refusal::Server,
            })?;
        let meta = ReportMeta {
            id,
            partner: partner.id.clone(),
            day: Day::today(),
            size: sealed.total,
            sealed: SealedBy::Server,
            state: ReportState::Received,
            acknowledged: None,
            sha256: sealed.sha256,
            chunks: sealed.upload.chunks() + u32::from(sealed.last.is_some()),
        };
        sealed
            .upload
            .finish(meta, sealed.last)
            .await
            .map_err(|e| match e {
                crate::store::StoreError::Full => Refusal::Full,
                _ => Refusal::Server,
            })?;
        // Stored: a second post of this form is told so, never stored again.
        hold.sent = true;
        receipts.push((
            partner.name.clone(),
            sealed.sha256.to_string()[..12].to_owned(),
        ));
    }
    Ok(Sent {
        receipts,
        codename,
        assisted,
        language,
    })
}

/// Spools one attached file (encrypted as it arrives); returns the bytes of all files so far.
async fn read_file(
    field: &mut actix_multipart::Field,
    spool: &mut Spool,
    taken: &mut std::collections::HashSet<String>,
    mut total: u64,
    max: u64,
) -> Result<u64, Refusal> {
    let filename = field
        .content_disposition()
        .and_then(|cd| cd.get_filename())
        .unwrap_or_default()
        .to_owned();
    let mut writer = None;
    while let Some(piece) = field.next().await {
        let piece = piece.map_err(|_| Refusal::Interrupted)?;
        if piece.is_empty() {
            continue;
        }
        total += piece.len() as u64;
        if total > max {
            return Err(Refusal::FilesTooLarge);
        }
        if writer.is_none() {
            if spool.names().len() >= MAX_FILES {
                return Err(Refusal::TooManyFiles);
            }
            let w = spool
                .begin(safe_name(&filename, taken))
                .map_err(|_| Refusal::Server)?;
            writer = Some(w);
        }
        if let Some(w) = writer.as_mut() {
            w.write(&piece).map_err(|_| Refusal::Full)?;
        }
    }
    if let Some(w) = writer {
        debug_assert!(w.len() > 0);
        spool.end(w).map_err(|_| Refusal::Full)?;
    }
    Ok(total)
}

/// A follow-up keeps the reply address of the mailbox page's hidden fields; a new report gets
/// a fresh codename, derived here (the page says the server handles it in memory).
async fn reply_address(
    state: &AppState,
    follow: &FollowUp,
) -> Result<(ReplyAddress, Option<Codename>), Refusal> {
    if let Some(id) = &follow.in_reply_to {
        let bad = Refusal::DamagedAnswer;
        id.parse::<crate::model::ReportId>()
            .map_err(|_| Refusal::DamagedAnswer)?;
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
    let normalised = Codename::parse(codename.expose()).map_err(|_| Refusal::Server)?;
    let keys = state
        .kdf
        .derive_waiting(normalised)
        .await
        .map_err(|e| match e {
            crate::http::mailbox::kdf::KdfError::Busy => Refusal::Busy(Load::Pool),
            crate::http::mailbox::kdf::KdfError::Failed => Refusal::Server,
        })?;
    let addr = ReplyAddress {
        recipient: keys.recipient().to_string(),
        mailbox: keys.mailbox.clone(),
    };
    Ok((addr, Some(codename)))
}
