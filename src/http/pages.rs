//! Server-rendered pages: the report form (partners listed from the verified directory and a
//! fresh form token, so it works the same with JavaScript off), and the plain page frame.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};

use super::assets::{PAGE_FRAME, REPORT_PAGE};
use super::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(report);
}

/// A page in the site's frame (neutral title, stylesheet, no script).
pub(super) fn page(status: u16, heading: &str, body_html: &str) -> HttpResponse {
    framed(status, heading, body_html, "")
}

/// A page in the site's frame, with `scripts` (tags for `/assets/…` only) in its head.
pub(super) fn framed(status: u16, heading: &str, body_html: &str, scripts: &str) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(
            PAGE_FRAME
                .replace("{{scripts}}", scripts)
                .replace("{{heading}}", &escape(heading))
                .replace("{{body}}", body_html),
        )
}

/// Escapes text for HTML element content and attribute values (one escaper for pages and
/// cards: `outreach::text::escape`).
pub(super) use crate::outreach::text::escape;

#[get("/report")]
async fn report(state: web::Data<AppState>) -> HttpResponse {
    let partners: String = state
        .directory
        .directory()
        .partners
        .iter()
        .map(|p| {
            format!(
                "<label><input type=\"checkbox\" name=\"partner\" value=\"{id}\"> <span><strong>{name}</strong><br><span class=\"hint\">{desc}</span></span></label>\n",
                id = escape(p.id.as_str()),
                name = escape(&p.name),
                desc = escape(&p.description)
            )
        })
        .collect();
    let body = REPORT_PAGE
        .replace("{{partners}}", &partners)
        .replace("{{form_token}}", &state.form_tokens.issue());
    framed(
        200,
        "Send a report",
        &body,
        "<script src=\"/assets/app.js\" defer></script>\n",
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(
            super::escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
