//! `approdo show`: a pulled report as the officer reads it, in Italian and English, with
//! urgency and safety first. Anything the report holds is shown — unknown fields last, as
//! they are — and nothing it lacks stops it: a report from before the intake has only its
//! description. Control characters she (or anyone) typed are replaced, so a report cannot
//! drive the officer's terminal.

use serde_json::Value;

use super::report::{problems, Report};
use super::spec::{question, Kind, Section, QUESTIONS};
use crate::locale::Language;
use crate::stats::fields::{self, PREFER_NOT};

/// (field, Italian, English) labels for the officer.
#[rustfmt::skip]
const LABELS: &[(&str, &str, &str)] = &[
    ("appointment_for", "Per l'appuntamento", "For the appointment"),
    ("urgency", "Urgenza", "Urgency"),
    ("safe_now", "Al sicuro adesso", "Safe now"),
    ("afraid_if_leave_or_speak", "Ha paura se se ne va o parla", "Afraid if she leaves or speaks"),
    ("still_happening", "Succede ancora", "Still happening"),
    ("lives_with_perpetrator", "Vive con chi le fa del male", "Lives with the perpetrator"),
    ("reporter_role", "Chi segnala", "Who reports"),
    ("assisted_consent", "Consenso della persona (segnalazione assistita)", "Person's consent (assisted report)"),
    ("help_wanted", "Aiuto richiesto", "Help wanted"),
    ("harm_types", "Cosa è successo", "Harm"),
    ("perpetrator_relation", "Relazione con l'autore", "Relation to the perpetrator"),
    ("where_happened", "Dove", "Where it happened"),
    ("work_sector", "Settore di lavoro", "Work sector"),
    ("documents_held_by_other", "Documenti tenuti da altri", "Documents held by someone else"),
    ("description", "Descrizione", "Description"),
    ("age_band", "Età", "Age"),
    ("gender", "Genere", "Gender"),
    ("residence_situation", "Situazione di soggiorno", "Residence situation"),
    ("time_in_italy", "Tempo in Italia", "Time in Italy"),
    ("fear_of_return", "Paura di tornare", "Fear of return"),
    ("country_of_origin", "Paese di origine", "Country of origin"),
    ("children", "Figli", "Children"),
    ("services_already_contacted", "Servizi già contattati", "Services already contacted"),
    ("open_to_police_later", "Disposta a rivolgersi alla polizia in futuro", "Open to police later"),
    ("contact_method", "Come contattarla", "Contact method"),
    ("safe_phone", "Telefono sicuro", "Safe phone"),
    ("safe_times", "Orari sicuri", "Safe times"),
    ("leave_message_ok", "Si può lasciare un messaggio", "Message may be left"),
    ("code_word", "Parola in codice", "Code word"),
    ("meeting_needs", "Esigenze per l'incontro", "Meeting needs"),
    ("consent_read", "Consenso alla lettura", "Consent to read"),
    ("consent_share", "Consenso alla condivisione", "Consent to share"),
    ("consent_police", "Polizia", "Police"),
];

fn label(field: &str) -> String {
    LABELS
        .iter()
        .find(|l| l.0 == field)
        .map_or_else(|| field.to_owned(), |(_, it, en)| format!("{it} / {en}"))
}

/// Text safe for a terminal: control characters (but newlines) and hidden characters
/// (invisible or text-direction ones, [`crate::envelope::is_hidden_char`]) become `·`, so an
/// attachment named `photo<RLO>gpj.exe` cannot pass for "photoexe.jpg".
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if (c.is_control() && c != '\n') || crate::envelope::is_hidden_char(c) {
                '·'
            } else {
                c
            }
        })
        .collect()
}

/// "italiano / english" for one code of `field` (also the desk's inbox columns).
pub fn value(field: &str, code: &str) -> String {
    let en = match (fields::field(field), code) {
        (_, PREFER_NOT) => "prefer not to say".to_owned(),
        (Some(f), _) if matches!(f.values, fields::Values::Codes(_)) => f.label_of(code),
        (_, "mailbox") => "only this mailbox".into(),
        (_, "help_desk") => "meet at a help desk".into(),
        (_, "phone") => "phone call if safe".into(),
        (_, c) if field == "country_of_origin" => {
            super::countries::english_name(c).map_or_else(|| c.to_owned(), |n| format!("{n} ({c})"))
        }
        (_, c) => c.to_owned(),
    };
    let it = Language::get("it").ok().and_then(|it| {
        it.own(&format!("form.o.{field}.{code}"))
            .or_else(|| it.own(&format!("form.common.{code}")))
    });
    match it {
        Some(it) if it != en && question(field).is_some_and(|q| q.code(code).is_some()) => {
            format!("{it} / {en}")
        }
        _ => en,
    }
}

fn line(out: &mut String, field: &str, v: &Value) {
    let shown = match v {
        Value::String(s)
            if question(field).is_some_and(|q| matches!(q.kind, Kind::Line | Kind::Text)) =>
        {
            s.clone()
        }
        Value::String(s) => value(field, s),
        Value::Bool(true) => "sì / yes".into(),
        Value::Bool(false) => "no / no".into(),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map_or_else(|| x.to_string(), |s| value(field, s))
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    if shown.contains('\n') || field == "description" {
        out.push_str(&format!("  {}:\n", label(field)));
        for l in shown.lines() {
            out.push_str(&format!("    | {l}\n"));
        }
    } else {
        out.push_str(&format!("  {}: {shown}\n", label(field)));
    }
}

/// The summary of a report (`json` as read from `report.json`); `day` from `meta.json`;
/// `files`: what the report's `attachments/` folder holds (else the names `report.json`
/// lists).
pub fn render(json: &Value, id: &str, day: Option<&str>, files: Option<&[String]>) -> String {
    let report: Report = serde_json::from_value(json.clone()).unwrap_or_default();
    let mut out = format!("Segnalazione / Report {id}\n");
    if let Some(day) = day {
        out.push_str(&format!("  Arrivata / Arrived: {day}\n"));
    }
    if let Some(kind) = report.kind.as_deref().filter(|k| *k != "report") {
        let answer = report.in_reply_to.as_deref().unwrap_or("?");
        out.push_str(&format!("  Tipo / Kind: {kind} ({answer})\n"));
    }
    let sealed = match report.sealed.as_deref() {
        Some("browser") => "nel suo browser / in her browser".to_owned(),
        Some("server") => {
            "dal server, JavaScript disattivato / by the server, JavaScript off".into()
        }
        Some(s) => s.to_owned(),
        None => "?".into(),
    };
    out.push_str(&format!("  Cifrata / Sealed: {sealed}\n"));
    if report.partner_chosen_by.as_deref() == Some("network") {
        out.push_str(
            "  Scelta dalla rete: non sapeva a chi scrivere / Chosen by the network: she did not know whom to write to\n",
        );
    }
    let lang = report.language.as_deref().unwrap_or("?");
    let lang_name = Language::get(lang).map_or(String::new(), |l| format!(" ({})", l.name));
    out.push_str(&format!("  Lingua / Language: {lang}{lang_name}\n"));
    let obj = json.as_object().cloned().unwrap_or_default();
    // Urgency and safety first, in this order; then the sections of the form.
    let first = [
        "urgency",
        "safe_now",
        "afraid_if_leave_or_speak",
        "still_happening",
        "lives_with_perpetrator",
    ];
    out.push_str("\n== URGENZA E SICUREZZA / URGENCY AND SAFETY ==\n");
    let mut any = false;
    for f in first {
        if let Some(v) = obj.get(f) {
            line(&mut out, f, v);
            any = true;
        }
    }
    if !any {
        out.push_str("  (non indicato / not given)\n");
    }
    if report.appointment.is_some() {
        line(&mut out, "appointment", &obj["appointment"]);
    }
    if let Some(a) = &report.appointment_for {
        // Which one: officers of a partner may have proposed more than one.
        // Her words as the reply gave them, not codes to look up (`clean` runs on the whole).
        out.push_str(&format!(
            "  {}: {} — {}\n",
            label("appointment_for"),
            a.time,
            a.desk
        ));
    }
    let headings = [
        (Section::Safety, "RICHIESTA / REQUEST"),
        (Section::Happened, "COSA È SUCCESSO / WHAT HAPPENED"),
        (Section::About, "SU DI LEI / ABOUT HER"),
        (Section::Contact, "CONTATTO / CONTACT"),
        (Section::Consent, "CONSENSO / CONSENT"),
    ];
    for (section, heading) in headings {
        let shown: Vec<&str> = QUESTIONS
            .iter()
            .filter(|q| {
                q.section == section && !first.contains(&q.name) && obj.contains_key(q.name)
            })
            .map(|q| q.name)
            .collect();
        if shown.is_empty() {
            continue;
        }
        out.push_str(&format!("\n== {heading} ==\n"));
        for f in shown {
            line(&mut out, f, &obj[f]);
        }
    }
    out.push_str("\n== ALTRO / OTHER ==\n");
    let files = match files {
        Some(f) => f.to_vec(),
        None => report.attachments.clone().unwrap_or_default(),
    };
    out.push_str(&format!(
        "  Allegati / Attachments: {}\n",
        if files.is_empty() {
            "nessuno / none".to_owned()
        } else {
            files.join(", ")
        }
    ));
    let reply = if report.reply.is_some() {
        "sì, con `approdo reply` / yes, with `approdo reply`"
    } else {
        "no (nessun indirizzo di risposta / no reply address)"
    };
    out.push_str(&format!(
        "  Risposta possibile / Can be answered: {reply}\n"
    ));
    let known = |k: &str| question(k).is_some() || super::report::ENVELOPE_FIELDS.contains(&k);
    for (k, v) in obj.iter().filter(|(k, _)| !known(k)) {
        out.push_str(&format!("  {k} (campo sconosciuto / unknown field): {v}\n"));
    }
    let problems = problems(json);
    if !problems.is_empty() {
        out.push_str("\n== NON CONFORME ALLO SCHEMA v1 / NOT VALID AGAINST SCHEMA v1 ==\n");
        for p in problems {
            out.push_str(&format!("  - {p}\n"));
        }
    }
    // Everything above is what a sender wrote: defused once, here, for the officer's terminal.
    clean(&out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn urgency_and_safety_come_first_and_terminal_escapes_are_defused() {
        let json = serde_json::json!({
            "schema": "approdo.report/v1", "kind": "report", "language": "ar", "sealed": "browser",
            "description": "line one\n\u{1b}[2Jline two", "urgency": "today", "safe_now": "not_safe",
            "help_wanted": ["safe_place", "talk"], "country_of_origin": "MA", "mystery": 1,
        });
        let out = super::render(&json, "abc", Some("2025-01-02"), None);
        let urgency = out.find("Urgenza / Urgency: Oggi / today").unwrap();
        assert!(urgency < out.find("Aiuto richiesto").unwrap(), "{out}");
        assert!(
            out.contains("Al sicuro adesso / Safe now: No, non sono al sicuro / not safe"),
            "{out}"
        );
        assert!(out.contains("Morocco (MA)"));
        assert!(!out.contains('\u{1b}'));
        assert!(out.contains("    | ·[2Jline two"));
        assert!(out.contains("mystery (campo sconosciuto"));
        assert!(out.contains("NOT VALID"));
        let old = super::render(
            &serde_json::json!({"description": "only this"}),
            "old",
            None,
            None,
        );
        assert!(old.contains("only this") && old.contains("not given"));
        // Found by the report_show fuzz target: an unknown code of a coded field went out raw.
        let coded = super::render(
            &serde_json::json!({"reporter_role": "about_me\u{7f}\u{1b}[2J"}),
            "coded",
            None,
            None,
        );
        assert!(
            !coded.chars().any(|c| c.is_control() && c != '\n'),
            "{coded}"
        );
        assert!(coded.contains("about_me··[2J"), "{coded}");
        // Issue 15 item 10: a right-to-left override cannot show "photoexe.jpg".
        let named = super::render(
            &serde_json::json!({"attachments": ["photo\u{202e}gpj.exe"], "description": "a\u{2067}b"}),
            "named",
            None,
            None,
        );
        assert!(named.contains("photo·gpj.exe"), "{named}");
        assert!(
            !named.chars().any(crate::envelope::is_hidden_char),
            "{named}"
        );
    }
}
