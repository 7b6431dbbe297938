//! Answering her from the desk: the reply form's handler. A colleague's appointment is
//! checked first (she must not get two different ones unasked), the reply goes through the
//! same code as `approdo reply`, and a copy is filed for colleagues as a case record (with the
//! reminder day, and "answered" as what she was told).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::routes::{error_page, html, no_report, root};
use super::{pages, Desk, Posted};
use crate::model::ReportId;
use crate::reply::Appointment;

#[derive(Deserialize)]
pub(super) struct ReplyForm {
    message: String,
    #[serde(default)]
    desk: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    phrase: String,
    /// Propose an appointment although a colleague already proposed one.
    #[serde(default)]
    anyway: String,
    /// The appointment's day (`YYYY-MM-DD`), for colleagues' reminders only.
    #[serde(default)]
    on: String,
    /// The form's one-time value (see [`Desk::first_post`]); a form without one still sends.
    #[serde(default)]
    once: String,
}

pub(super) async fn reply(
    desk: web::Data<Desk>,
    path: web::Path<String>,
    form: web::Form<ReplyForm>,
) -> HttpResponse {
    let Ok(id) = path.parse::<ReportId>() else {
        return no_report(&desk);
    };
    let form = form.into_inner();
    let appointment = match (form.desk.trim(), form.time.trim(), form.phrase.trim()) {
        ("", "", "") => None,
        (d, t, p) if !d.is_empty() && !t.is_empty() && !p.is_empty() => Some(Appointment {
            desk: d.to_owned(),
            time: t.to_owned(),
            phrase: p.to_owned(),
        }),
        _ => {
            return error_page(
                &desk,
                actix_web::http::StatusCode::BAD_REQUEST,
                "an appointment needs the help desk, the time and the meeting phrase",
            )
        }
    };
    let on = Some(form.on.trim().to_owned()).filter(|d| !d.is_empty());
    if on
        .as_deref()
        .is_some_and(|d| !crate::case::is_day(d) || appointment.is_none())
    {
        return error_page(
            &desk,
            actix_web::http::StatusCode::BAD_REQUEST,
            "the day is for an appointment, as YYYY-MM-DD",
        );
    }
    let once = form.once.trim().to_owned();
    if let Posted::Again(sent) = desk.first_post(&once) {
        let r = root(&desk);
        let text = match sent {
            Some(reply_id) => format!(
                "reply {reply_id} is already in her mailbox: this form was sent again (a reload or a second click) and nothing more was sent"
            ),
            None => "this reply is being sent: the form was sent again (a second click) and nothing more was sent".to_owned(),
        };
        return HttpResponse::Conflict()
            .content_type("text/html; charset=utf-8")
            .body(pages::message(
                &r,
                "Già inviata / Already sent",
                &text,
                &format!("{r}r/{id}"),
            ));
    }
    let d = desk.clone();
    let sent = web::block(move || {
        // A colleague's appointment first: she must not get two different ones unasked.
        if appointment.is_some() && form.anyway != "on" {
            let case = d.case(id);
            if let Some((by, a)) = crate::case::proposed_appointment(&case.records) {
                return Err(format!(
                    "{} already proposed {} at {} (phrase: {}); tick \"propose another appointment anyway\" to send yours",
                    if by.is_empty() { "a colleague" } else { by },
                    a.time,
                    a.desk,
                    a.phrase
                ));
            }
        }
        let opened = d
            .vault
            .open_report(id, &d.ids, None)
            .map_err(|e| e.to_string())?;
        let send = |c: &mut crate::client::Client| {
            crate::reply::send::send(
                c,
                &opened.report,
                &id.to_string(),
                form.message.clone(),
                appointment.clone(),
            )
            .map_err(|e| e.to_string())
        };
        let reply_id = d.with_client(send)?;
        // A copy for colleagues; the reply is sent even when the copy cannot be filed.
        let status = if appointment.is_some() {
            crate::case::Status::AppointmentSet
        } else {
            crate::case::Status::WaitingForHer
        };
        let copied = d.file_case(
            id,
            crate::case::CaseRecord {
                status: Some(status),
                reply: Some(form.message.clone()),
                appointment: appointment.clone(),
                appointment_on: on,
                // A reply tells her it was read and answered.
                shared: Some(crate::reply::SharedStatus::Answered),
                ..d.draft(id)
            },
        );
        // The inbox's status and "appointments today" follow at once.
        let _ = d.case(id);
        Ok((reply_id, copied.err()))
    })
    .await;
    let r = root(&desk);
    desk.settle(
        &once,
        match &sent {
            Ok(Ok((reply_id, _))) => Some(reply_id.as_str()),
            _ => None,
        },
    );
    match sent {
        Ok(Ok((reply_id, copy_error))) => html(pages::message(
            &r,
            "Risposta inviata / Reply sent",
            &format!(
                "reply {reply_id} is waiting in her mailbox; only her codename opens it{}",
                copy_error.map_or_else(String::new, |e| format!(" (no copy for colleagues: {e})"))
            ),
            &format!("{r}r/{id}"),
        )),
        Ok(Err(e)) => error_page(&desk, actix_web::http::StatusCode::BAD_GATEWAY, &e),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}
