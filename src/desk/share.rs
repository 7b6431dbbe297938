//! Telling her where her report stands (issue 17, item 5): the officer chooses "received",
//! "read" or "answered" on the report's page — or, with `--share-read`, the desk shares
//! "read" the first time any officer of the partner opens the report. The status goes to her
//! codename mailbox as a reply with no message, sealed to her reply key and signed like any
//! reply ([`crate::reply::send::share_status`]); a case record tells colleagues it was shared,
//! so it is shared once, and only forward (received → read → answered): her mailbox never
//! holds more than three. A reply sent from the desk counts as "answered".

use actix_web::{http::header, web, HttpResponse};
use serde::Deserialize;

use super::cases::CaseView;
use super::routes::{error_page, no_report, root};
use super::Desk;
use crate::case::CaseRecord;
use crate::model::ReportId;
use crate::reply::SharedStatus;

impl Desk {
    /// Sends `status` to her mailbox and files a record of it for colleagues (blocking).
    pub(super) fn share_status(&self, id: ReportId, status: SharedStatus) -> Result<(), String> {
        let opened = self
            .vault
            .open_report(id, &self.ids, None)
            .map_err(|e| e.to_string())?;
        self.with_client(|c| {
            crate::reply::send::share_status(c, &opened.report, &id.to_string(), status)
                .map_err(|e| e.to_string())
        })?;
        let record = CaseRecord {
            shared: Some(status),
            ..self.draft(id)
        };
        self.file_case(id, record)
    }

    /// With `--share-read`: shares "read" when a report that asks for replies is opened and
    /// nothing was shared with her yet; the page then shows the record (blocking).
    pub(super) fn share_on_read(&self, id: ReportId, can_reply: bool, view: &mut CaseView) {
        let already = crate::case::shared(&view.records).is_some();
        if !self.share_read || !can_reply || already || view.unavailable.is_some() {
            return;
        }
        match self.share_status(id, SharedStatus::Read) {
            Ok(()) => view.records.push(CaseRecord {
                shared: Some(SharedStatus::Read),
                ..self.draft(id)
            }),
            Err(e) => view.share_error = Some(e),
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ShareForm {
    status: String,
}

/// `POST /{token}/r/{id}/share`: shares the chosen status, back to the report's page.
pub(super) async fn share(
    desk: web::Data<Desk>,
    path: web::Path<String>,
    form: web::Form<ShareForm>,
) -> HttpResponse {
    let Ok(id) = path.parse::<ReportId>() else {
        return no_report(&desk);
    };
    let Some(status) = SharedStatus::parse(&form.status) else {
        return error_page(
            &desk,
            actix_web::http::StatusCode::BAD_REQUEST,
            "choose received, read or answered",
        );
    };
    let d = desk.clone();
    let shared = web::block(move || {
        // Told once each, forward only: her mailbox does not fill with statuses.
        let case = d.case(id);
        match crate::case::shared(&case.records) {
            Some(told) if told >= status => Err(format!(
                "she was already told \"{}\"; a status is shared once, and only forward",
                told.name()
            )),
            _ => d.share_status(id, status),
        }
    })
    .await;
    match shared {
        Ok(Ok(())) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("{}r/{id}", root(&desk))))
            .finish(),
        Ok(Err(e)) if e.starts_with("she was already told") => {
            error_page(&desk, actix_web::http::StatusCode::CONFLICT, &e)
        }
        Ok(Err(e)) => error_page(&desk, actix_web::http::StatusCode::BAD_GATEWAY, &e),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// The status labels of the share form, Italian / English.
pub(super) fn label(s: SharedStatus) -> &'static str {
    match s {
        SharedStatus::Received => "ricevuta / received",
        SharedStatus::Read => "letta / read",
        SharedStatus::Answered => "risposta / answered",
    }
}
