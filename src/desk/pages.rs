//! The desk's HTML: plain server-rendered pages, no script. Everything a sender wrote is
//! escaped here ([`esc`]), once.

use crate::model::ReportId;
use crate::vault::Entry;

/// The stylesheet (served by the desk itself: `style-src 'self'`).
pub(super) const CSS: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#111}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.4rem;text-align:left}\
.today{font-weight:bold;color:#a00}.not_safe{font-weight:bold;color:#a00}\
pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}\
textarea,input{width:100%;box-sizing:border-box;margin-bottom:.5rem}\
.status{color:#555}button{padding:.4rem 1rem}input[type=checkbox]{width:auto}";

/// HTML-escapes `s`.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(root: &str, title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>{} — approdo desk</title><link rel=\"stylesheet\" href=\"{root}style.css\"></head>\
<body>{body}</body></html>",
        esc(title)
    )
}

/// A code in the inbox as the report's page shows it: "Oggi / today".
fn label(field: &str, code: Option<&str>) -> String {
    code.map_or_else(|| "—".into(), |c| crate::intake::show::value(field, c))
}

/// One inbox row: the report, what the vault knows of it, its case status and who set it.
pub(super) type InboxRow = (ReportId, Entry, Option<(crate::case::Status, String)>);

/// The inbox: every report in the vault, most urgent and least safe first; above it, what
/// needs her ([`super::needs`]).
pub(super) fn inbox(
    root: &str,
    rows: &[InboxRow],
    status: &str,
    needs: &super::needs::Needs,
    poll_seconds: u64,
) -> String {
    let mut body = String::from("<h1>Segnalazioni / Reports</h1>");
    body.push_str(&format!(
        "<p class=\"status\" id=\"status\">{}</p>\
<form method=\"post\" action=\"{root}sync\"><button type=\"submit\">Sincronizza / Sync</button></form>",
        esc(status)
    ));
    body.push_str(&needs.html(root));
    body.push_str(&format!(
        "<script src=\"{root}desk.js\" data-poll=\"{poll_seconds}\"></script>"
    ));
    if rows.is_empty() {
        body.push_str("<p id=\"empty\">Nessuna segnalazione / No reports in the vault.</p>");
        return page(root, "Inbox", &body);
    }
    body.push_str(
        "<table id=\"inbox\"><thead><tr><th>Urgenza / Urgency</th><th>Al sicuro / Safe now</th>\
<th>Arrivata / Arrived</th><th>Lingua / Language</th><th>Allegati / Files</th><th>Caso / Case</th><th></th></tr></thead><tbody>",
    );
    for (id, e, case) in rows {
        let case = match case {
            Some((s, who)) if who.is_empty() => super::cases::status_label(*s).to_owned(),
            Some((s, who)) => format!("{} — {}", super::cases::status_label(*s), esc(who)),
            None => "—".to_owned(),
        };
        let u = e.urgency.as_deref();
        let s = e.safe_now.as_deref();
        body.push_str(&format!(
            "<tr class=\"report\" data-id=\"{id}\"><td class=\"{}\">{}</td><td class=\"{}\">{}</td>\
<td>{}</td><td>{}</td><td>{}</td><td class=\"case\">{case}</td><td><a href=\"{root}r/{id}\">Apri / Open</a></td></tr>",
            esc(u.unwrap_or("")),
            esc(&label("urgency", u)),
            esc(s.unwrap_or("")),
            esc(&label("safe_now", s)),
            e.day,
            esc(e.language.as_deref().unwrap_or("?")),
            e.attachments.len(),
        ));
    }
    body.push_str("</tbody></table>");
    page(root, "Inbox", &body)
}

/// One report: the same summary as `approdo show`, its attachments (downloaded on request),
/// and the reply form.
pub(super) fn report(
    root: &str,
    id: ReportId,
    summary: &str,
    attachments: &[(String, u64)],
    can_reply: bool,
    case: &super::cases::CaseView,
) -> String {
    let mut body = format!(
        "<p><a href=\"{root}\">← Segnalazioni / Reports</a></p><pre id=\"report\">{}</pre>",
        esc(summary)
    );
    if !attachments.is_empty() {
        body.push_str("<h2>Allegati / Attachments</h2><p>Decifrati solo quando li scarichi / decrypted only when you download them.</p><ul>");
        for (n, (name, size)) in attachments.iter().enumerate() {
            body.push_str(&format!(
                "<li><a href=\"{root}r/{id}/a/{n}\" download>{}</a> ({size} bytes)</li>",
                esc(name)
            ));
        }
        body.push_str("</ul>");
    }
    body.push_str(&case_section(root, id, case));
    if can_reply && case.unavailable.is_none() {
        if let Some(e) = &case.share_error {
            body.push_str(&format!(
                "<p id=\"share-error\" class=\"not_safe\">\"letta\" non condiviso / \"read\" not shared: {}</p>",
                esc(e)
            ));
        }
        body.push_str(&share_form(root, id, crate::case::shared(&case.records)));
    }
    if can_reply {
        let conflict = match crate::case::proposed_appointment(&case.records) {
            Some((by, a)) => format!(
                "<p id=\"conflict\" class=\"not_safe\">{} ha già proposto / already proposed: {} — {} (frase / phrase: {}). \
<label><input type=\"checkbox\" name=\"anyway\" value=\"on\"> Proponi comunque un altro appuntamento / propose another appointment anyway</label></p>",
                esc(if by.is_empty() { "Un collega / A colleague" } else { by }),
                esc(&a.time),
                esc(&a.desk),
                esc(&a.phrase)
            ),
            None => String::new(),
        };
        let once = once();
        body.push_str(&format!(
            "<h2>Rispondi / Reply</h2><form method=\"post\" action=\"{root}r/{id}/reply\" id=\"reply\">\
<input type=\"hidden\" name=\"once\" value=\"{once}\">\
<label>Messaggio / Message<textarea name=\"message\" rows=\"6\" required></textarea></label>\
<fieldset><legend>Appuntamento (facoltativo) / Appointment (optional)</legend>{conflict}\
<label>Sportello / Help desk<input name=\"desk\"></label>\
<label>Quando / When<input name=\"time\"></label>\
<label>Frase d'incontro / Meeting phrase<input name=\"phrase\"></label>\
<label>Giorno, per il promemoria dei colleghi (non inviato a lei) / Day, for your colleagues' reminder (not sent to her)<input type=\"date\" name=\"on\"></label></fieldset>\
<button type=\"submit\">Invia / Send</button></form>"
        ));
    } else {
        body.push_str("<p>Nessun indirizzo di risposta / she asked for no replies.</p>");
    }
    page(root, &format!("Report {id}"), &body)
}

/// The form that tells her where her report stands, and what she was told so far.
fn share_form(root: &str, id: ReportId, shared: Option<crate::reply::SharedStatus>) -> String {
    use crate::reply::SharedStatus;
    let told = shared.map_or_else(
        || "niente finora / nothing so far".to_owned(),
        |s| super::share::label(s).to_owned(),
    );
    // Preselected: the step after what she was told, so a press of the button never tells her
    // less than she already knows ("received" after "answered").
    let next = match shared {
        None => SharedStatus::Received,
        Some(SharedStatus::Received) => SharedStatus::Read,
        Some(SharedStatus::Read | SharedStatus::Answered) => SharedStatus::Answered,
    };
    let options: String = [
        SharedStatus::Received,
        SharedStatus::Read,
        SharedStatus::Answered,
    ]
    .iter()
    .map(|s| {
        format!(
            "<option value=\"{}\"{}>{}</option>",
            s.name(),
            if *s == next { " selected" } else { "" },
            super::share::label(*s)
        )
    })
    .collect();
    format!(
        "<h2>Dille a che punto è / Tell her where it stands</h2>\
<p id=\"shared\">Detto a lei / she was told: {told}</p>\
<form method=\"post\" action=\"{root}r/{id}/share\" id=\"share\">\
<label>Stato per lei / Status for her <select name=\"status\">{options}</select></label>\
<button type=\"submit\">Condividi con lei / Share with her</button></form>"
    )
}

/// The case: its status, the colleagues' records, and the form to take it or note something.
fn case_section(root: &str, id: ReportId, case: &super::cases::CaseView) -> String {
    let mut out = String::from("<h2>Caso / Case</h2>");
    if let Some(why) = &case.unavailable {
        out.push_str(&format!(
            "<p id=\"case-unavailable\">Stato del caso non disponibile / case state unavailable: {}</p>",
            esc(why)
        ));
        return out;
    }
    let status = crate::case::status(&case.records);
    let who = case
        .records
        .iter()
        .rev()
        .find(|r| r.status.is_some())
        .map(|r| r.by.as_str())
        .unwrap_or("");
    out.push_str(&format!(
        "<p id=\"case-status\">Stato / Status: {}{}</p>",
        super::cases::status_label(status),
        if who.is_empty() {
            String::new()
        } else {
            format!(" — {}", esc(who))
        }
    ));
    if !case.records.is_empty() {
        out.push_str("<ul id=\"case-records\">");
        for r in &case.records {
            let mut parts = vec![esc(if r.by.is_empty() { "?" } else { &r.by })];
            if let Some(s) = r.status {
                parts.push(super::cases::status_label(s).to_owned());
            }
            if let Some(n) = &r.note {
                parts.push(format!("nota / note: {}", esc(n)));
            }
            if let Some(m) = &r.reply {
                parts.push(format!("risposta inviata / reply sent: {}", esc(m)));
            }
            if let Some(sh) = r.shared {
                parts.push(format!(
                    "detto a lei / shared with her: {}",
                    super::share::label(sh)
                ));
            }
            if let Some(a) = &r.appointment {
                parts.push(format!(
                    "appuntamento / appointment: {} — {} ({})",
                    esc(&a.time),
                    esc(&a.desk),
                    esc(&a.phrase)
                ));
            }
            out.push_str(&format!("<li>{}</li>", parts.join(" · ")));
        }
        out.push_str("</ul>");
    }
    if !case.anomalies.is_empty() {
        out.push_str("<ul id=\"case-tampered\" class=\"not_safe\" role=\"alert\">");
        for a in &case.anomalies {
            out.push_str(&format!("<li>{}</li>", esc(a)));
        }
        out.push_str("</ul>");
    }
    if case.hidden > 0 {
        out.push_str(&format!(
            "<p id=\"case-hidden\">{} record(s) hidden: they do not verify / nascosti: firma non valida</p>",
            case.hidden
        ));
    }
    out.push_str(&format!(
        "<form method=\"post\" action=\"{root}r/{id}/case\" id=\"case\">\
<input type=\"hidden\" name=\"once\" value=\"{}\">\
<label>Stato / Status <select name=\"status\">\
{}</select></label>\
<label>Nota per i colleghi / Note for colleagues<input name=\"note\"></label>\
<button type=\"submit\">Salva / Save</button></form>",
        once(),
        case_options(status)
    ));
    out
}

/// A form's one-time value, new at each rendering: the desk acts once per value
/// ([`super::Desk::first_post`]), whatever the browser posts again.
fn once() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// The case form's choices. A new case offers "taken (by me)"; once a colleague moved it on,
/// "note only" is preselected, so a note saved with the button does not take her case from her
/// or set it back.
fn case_options(status: crate::case::Status) -> String {
    let preselected = if status == crate::case::Status::New {
        "taken"
    } else {
        ""
    };
    [
        ("taken", "presa in carico / taken (by me)"),
        ("waiting_for_her", "in attesa di lei / waiting for her"),
        ("appointment_set", "appuntamento fissato / appointment set"),
        ("closed", "chiusa / closed"),
        ("", "(solo nota / note only)"),
    ]
    .iter()
    .map(|(value, label)| {
        let selected = if *value == preselected {
            " selected"
        } else {
            ""
        };
        format!("<option value=\"{value}\"{selected}>{label}</option>")
    })
    .collect()
}

/// A short message page (a reply sent, an error).
pub(super) fn message(root: &str, title: &str, text: &str, back: &str) -> String {
    page(
        root,
        title,
        &format!(
            "<h1>{}</h1><p id=\"message\">{}</p><p><a href=\"{}\">← indietro / back</a></p>",
            esc(title),
            esc(text),
            esc(back)
        ),
    )
}
