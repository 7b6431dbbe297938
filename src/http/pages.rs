//! Server-rendered pages: the report form (partners listed from the verified directory, so it
//! reads the same with JavaScript off) and the no-JavaScript placeholder.

use actix_web::{get, post, web, HttpResponse};

use super::assets::{NOJS_PAGE, REPORT_PAGE};
use super::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(report).service(nojs_get).service(nojs_post);
}

/// Escapes text for HTML element content and attribute values.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

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
    html(REPORT_PAGE.replace("{{partners}}", &partners))
}

#[get("/report/nojs")]
async fn nojs_get() -> HttpResponse {
    html(NOJS_PAGE.to_owned())
}

/// Until the no-JavaScript path exists, a native form post is answered without reading it:
/// its body is never read, so nothing the victim typed is received.
#[post("/report/nojs")]
async fn nojs_post() -> HttpResponse {
    HttpResponse::NotImplemented()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Connection", "close"))
        .body(NOJS_PAGE)
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
