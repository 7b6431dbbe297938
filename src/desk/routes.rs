//! The desk's routes, all under `/{token}/`; [`gate`] refuses every other request.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{http::header, web, HttpResponse};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{pages, Desk};
use crate::model::ReportId;

/// Registers the routes of `desk` (the same in `approdo desk` and the tests).
pub fn configure(cfg: &mut web::ServiceConfig, desk: web::Data<Desk>) {
    let scope = format!("/{}", desk.token);
    cfg.app_data(desk).service(
        web::scope(&scope)
            .route("/", web::get().to(inbox))
            .route("/style.css", web::get().to(css))
            .route("/desk.js", web::get().to(script))
            .route("/needs.json", web::get().to(needs_json))
            .route("/sync", web::post().to(sync))
            .route("/r/{id}", web::get().to(report))
            .route("/r/{id}/a/{n}", web::get().to(attachment))
            .route("/r/{id}/reply", web::post().to(super::answer::reply))
            .route("/r/{id}/case", web::post().to(case))
            .route("/r/{id}/share", web::post().to(super::share::share)),
    );
}

/// Refuses (`403`) any request whose first path segment is not the token, and any request
/// for another host than the loopback one (a DNS-rebinding page cannot speak for it). The
/// comparison is of SHA-256 digests, so its time says nothing about the token.
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let ok = req.app_data::<web::Data<Desk>>().is_some_and(|desk| {
        let given = req
            .path()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("");
        let host = req.connection_info().host().to_owned();
        let loopback = ["127.0.0.1:", "localhost:", "[::1]:"]
            .iter()
            .any(|h| host.starts_with(h));
        loopback && Sha256::digest(given.as_bytes()) == Sha256::digest(desk.token.as_bytes())
    });
    if !ok {
        let refused = HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body("forbidden: open the address approdo desk printed, with its token");
        return Ok(req.into_response(refused).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

pub(super) fn root(desk: &Desk) -> String {
    format!("/{}/", desk.token)
}

pub(super) fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

pub(super) fn error_page(
    desk: &Desk,
    status: actix_web::http::StatusCode,
    text: &str,
) -> HttpResponse {
    let r = root(desk);
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages::message(&r, "Errore / Error", text, &r))
}

fn rows_and_needs(desk: &Desk) -> (Vec<pages::InboxRow>, super::needs::Needs) {
    let rows: Vec<_> = match desk.index.lock() {
        Ok(index) => index
            .sorted()
            .into_iter()
            .map(|(id, e)| (id, e.clone(), desk.case_status(id)))
            .collect(),
        Err(_) => Vec::new(),
    };
    let today = crate::model::Day::today().to_string();
    let needs = super::needs::Needs::of(
        &rows,
        desk.needs_hours,
        crate::vault::now_secs(),
        desk.appointments_on(&today),
        desk.tampered(),
    );
    (rows, needs)
}

async fn inbox(desk: web::Data<Desk>) -> HttpResponse {
    let (rows, needs) = rows_and_needs(&desk);
    html(pages::inbox(
        &root(&desk),
        &rows,
        &desk.status(),
        &needs,
        desk.poll_seconds,
    ))
}

async fn needs_json(desk: web::Data<Desk>) -> HttpResponse {
    HttpResponse::Ok().json(rows_and_needs(&desk).1.json())
}

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .body(super::needs::SCRIPT)
}

async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .body(pages::CSS)
}

async fn sync(desk: web::Data<Desk>) -> HttpResponse {
    let d = desk.clone();
    let _ = web::block(move || d.sync()).await;
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, root(&desk)))
        .finish()
}

pub(super) fn no_report(desk: &Desk) -> HttpResponse {
    error_page(
        desk,
        actix_web::http::StatusCode::NOT_FOUND,
        "no such report",
    )
}

async fn report(desk: web::Data<Desk>, path: web::Path<String>) -> HttpResponse {
    let Ok(id) = path.parse::<ReportId>() else {
        return no_report(&desk);
    };
    let d = desk.clone();
    let opened = web::block(move || d.vault.open_report(id, &d.ids, None)).await;
    let opened = match opened {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => {
            return error_page(
                &desk,
                actix_web::http::StatusCode::NOT_FOUND,
                &e.to_string(),
            )
        }
        Err(_) => return HttpResponse::InternalServerError().finish(),
    };
    let day = desk
        .index
        .lock()
        .ok()
        .and_then(|i| i.reports.get(&id).map(|e| e.day.to_string()));
    let files: Vec<String> = opened.attachments.iter().map(|(n, _)| n.clone()).collect();
    let summary = crate::intake::show::render(
        &opened.report,
        &id.to_string(),
        day.as_deref(),
        Some(&files),
    );
    let can_reply = opened.report.get("reply").is_some();
    let d = desk.clone();
    let case = web::block(move || {
        let mut case = d.case(id);
        d.share_on_read(id, can_reply, &mut case);
        case
    })
    .await
    .unwrap_or_default();
    html(pages::report(
        &root(&desk),
        id,
        &summary,
        &opened.attachments,
        can_reply,
        &case,
    ))
}

/// A name safe inside a `Content-Disposition` header: ASCII letters, digits, `.`, `-`, `_`.
fn header_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    s.trim_start_matches('.').chars().take(100).collect()
}

async fn attachment(desk: web::Data<Desk>, path: web::Path<(String, usize)>) -> HttpResponse {
    let (raw, n) = path.into_inner();
    let Ok(id) = raw.parse::<ReportId>() else {
        return no_report(&desk);
    };
    let name = desk.index.lock().ok().and_then(|i| {
        i.reports
            .get(&id)
            .and_then(|e| e.attachments.get(n).map(|a| a.0.clone()))
    });
    let Some(name) = name else {
        return error_page(
            &desk,
            actix_web::http::StatusCode::NOT_FOUND,
            "no such attachment",
        );
    };
    let d = desk.clone();
    let want = name.clone();
    let opened = web::block(move || d.vault.open_report(id, &d.ids, Some(&want))).await;
    match opened {
        Ok(Ok(o)) => match o.wanted {
            Some((_, bytes)) => HttpResponse::Ok()
                .content_type("application/octet-stream")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", header_name(&name)),
                ))
                .body(bytes),
            None => error_page(
                &desk,
                actix_web::http::StatusCode::NOT_FOUND,
                "no such attachment",
            ),
        },
        Ok(Err(e)) => error_page(
            &desk,
            actix_web::http::StatusCode::NOT_FOUND,
            &e.to_string(),
        ),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

#[derive(Deserialize)]
struct CaseForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
    /// The form's one-time value: a second click files nothing more.
    #[serde(default)]
    once: String,
}

async fn case(
    desk: web::Data<Desk>,
    path: web::Path<String>,
    form: web::Form<CaseForm>,
) -> HttpResponse {
    let Ok(id) = path.parse::<ReportId>() else {
        return no_report(&desk);
    };
    let form = form.into_inner();
    let status = super::cases::parse_status(&form.status);
    let note = Some(form.note.trim().to_owned()).filter(|n| !n.is_empty());
    if status.is_none() && note.is_none() {
        return error_page(
            &desk,
            actix_web::http::StatusCode::BAD_REQUEST,
            "choose a status or write a note",
        );
    }
    let back = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("{}r/{id}", root(&desk))))
        .finish();
    let once = form.once.trim().to_owned();
    if let super::Posted::Again(_) = desk.first_post(&once) {
        // Filed already, or being filed (a second click): back to the report, nothing twice.
        return back;
    }
    let d = desk.clone();
    let filed = web::block(move || {
        let record = crate::case::CaseRecord {
            status,
            note,
            ..d.draft(id)
        };
        d.file_case(id, record)
    })
    .await;
    let ok = matches!(filed, Ok(Ok(())));
    desk.settle(&once, ok.then_some("filed"));
    match filed {
        Ok(Ok(())) => back,
        Ok(Err(e)) => error_page(&desk, actix_web::http::StatusCode::BAD_GATEWAY, &e),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}
