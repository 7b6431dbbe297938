//! The questions as HTML, in one language, rendered by the server so that the form is the same
//! with JavaScript off. Choices come before free text; every choice question offers "prefer not
//! to say"; conditional questions carry an `if-<group>` class and the answers that open them a
//! `shows-<group>` class, so the stylesheet shows them only when they apply (`:has()`; older
//! browsers show them all, each saying when it applies). `data-q`/`data-kind` tell the page
//! script how to read each answer. No `style` attributes, no inline script (the CSP).
//!
//! A form the server refused (JavaScript off) comes back filled with what she sent
//! ([`Filled`]), the question at fault marked `aria-invalid` with the reason beside it: her
//! answers live in that one response only, never on disk or in a log.

use super::countries::COUNTRIES;
pub use super::filled::Filled;
use super::spec::{question, Kind, Question, Section, QUESTIONS};
use crate::locale::{Language, FALLBACK};
use crate::stats::fields::PREFER_NOT;

/// Escapes text for HTML element content and attribute values (the one escaper).
pub use crate::html::escape;

/// The conditional group a question belongs to (`labour`, `phone`, `assisted`).
pub fn group(q: &Question) -> Option<&'static str> {
    match q.only_if.first() {
        None => None,
        Some(("contact_method", _)) => Some("phone"),
        Some(("reporter_role", _)) => Some("assisted"),
        Some(_) => Some("labour"),
    }
}

/// The groups the answer `code` of `field` opens.
fn opens(field: &str, code: &str) -> Vec<&'static str> {
    let mut g: Vec<&'static str> = QUESTIONS
        .iter()
        .filter(|q| q.only_if.iter().any(|(f, c)| *f == field && *c == code))
        .filter_map(group)
        .collect();
    g.dedup();
    g
}

/// An option's label: `form.o.<field>.<code>`, else `form.common.<code>`, in `lang`, else English.
pub fn option_label(lang: &Language, field: &str, code: &str) -> String {
    let own = format!("form.o.{field}.{code}");
    let common = format!("form.common.{code}");
    let en = Language::get(FALLBACK).ok();
    lang.own(&own)
        .or_else(|| lang.own(&common))
        .or_else(|| en.and_then(|e| e.own(&own).or_else(|| e.own(&common))))
        .unwrap_or(code)
        .to_owned()
}

fn t(lang: &Language, path: &str) -> String {
    escape(lang.text(path))
}

fn hint(lang: &Language, name: &str) -> Option<String> {
    let path = format!("form.hint.{name}");
    let en = Language::get(FALLBACK).ok()?;
    en.own(&path)?;
    Some(t(lang, &path))
}

fn wrapper_attrs(q: &Question) -> String {
    let mut class = String::from("q");
    if let Some(g) = group(q) {
        class.push_str(&format!(" if-{g}"));
    }
    let kind = match q.kind {
        Kind::One => "one",
        Kind::Many => "many",
        Kind::Line | Kind::Text => "text",
        Kind::Country => "one",
        Kind::Consent => "consent",
    };
    let required = if q.required { " data-required" } else { "" };
    format!(
        "class=\"{class}\" data-q=\"{}\" data-kind=\"{kind}\"{required}",
        q.name
    )
}

fn choices(lang: &Language, q: &Question, f: &Filled) -> String {
    let kind = if q.kind == Kind::Many {
        "checkbox"
    } else {
        "radio"
    };
    let mut codes = q.codes();
    if q.prefer_not {
        codes.push(PREFER_NOT);
    }
    let default = if q.kind == Kind::One && !q.prefer_not {
        q.default_code()
    } else {
        None
    };
    let hint_id = hint(lang, q.name).map(|_| format!("hint-{}", q.name));
    let mut out = format!(
        "<fieldset {}{}>\n<legend>{}</legend>\n{}",
        wrapper_attrs(q),
        f.described(q.name, hint_id.as_deref()),
        t(lang, &format!("form.q.{}", q.name)),
        f.error_html(q.name),
    );
    if let Some(h) = hint(lang, q.name) {
        out.push_str(&format!(
            "<p class=\"hint\" id=\"hint-{}\">{h}</p>\n",
            q.name
        ));
    }
    for code in codes {
        let class: Vec<String> = opens(q.name, code)
            .iter()
            .map(|g| format!("shows-{g}"))
            .collect();
        let class = if class.is_empty() {
            String::new()
        } else {
            format!(" class=\"{}\"", class.join(" "))
        };
        let on = if f.answered(q.name) {
            f.has(q.name, code)
        } else {
            default == Some(code)
        };
        let checked = if on { " checked" } else { "" };
        out.push_str(&format!(
            "<label><input type=\"{kind}\" name=\"{name}\" value=\"{code}\"{class}{checked}{invalid}> <span>{label}</span></label>\n",
            name = q.name,
            invalid = f.invalid(q.name),
            label = escape(&option_label(lang, q.name, code)),
        ));
    }
    out.push_str("</fieldset>\n");
    out
}

fn text_field(lang: &Language, q: &Question, f: &Filled) -> String {
    let h = hint(lang, q.name);
    let hint_id = h.as_ref().map(|_| format!("hint-{}", q.name));
    let described = f.aria(q.name, hint_id.as_deref());
    let text = escape(f.text(q.name).unwrap_or_default());
    let hint_html = h
        .map(|h| format!("\n<span class=\"hint\" id=\"hint-{}\">{h}</span>", q.name))
        .unwrap_or_default();
    let label = t(lang, &format!("form.q.{}", q.name));
    let input = match q.kind {
        Kind::Text => format!(
            "<textarea id=\"{n}\" name=\"{n}\" rows=\"8\"{described}>{text}</textarea>",
            n = q.name
        ),
        _ => {
            let ty = if q.name == "safe_phone" {
                "tel"
            } else {
                "text"
            };
            format!(
                "<input id=\"{n}\" name=\"{n}\" type=\"{ty}\" maxlength=\"{max}\" autocomplete=\"off\" value=\"{text}\"{described}>",
                n = q.name,
                max = super::answers::MAX_LINE
            )
        }
    };
    format!(
        "<div {}>\n<label for=\"{}\">{label}</label>{hint_html}\n{}{input}\n</div>\n",
        wrapper_attrs(q),
        q.name,
        f.error_html(q.name),
    )
}

fn country(lang: &Language, q: &Question, f: &Filled) -> String {
    let mut out = format!(
        "<div {}>\n<label for=\"{n}\">{}</label>\n<select id=\"{n}\" name=\"{n}\" autocomplete=\"off\">\n<option value=\"\">—</option>\n<option value=\"{PREFER_NOT}\"{}>{}</option>\n",
        wrapper_attrs(q),
        t(lang, &format!("form.q.{}", q.name)),
        selected(f.has(q.name, PREFER_NOT)),
        escape(&option_label(lang, q.name, PREFER_NOT)),
        n = q.name,
    );
    for (code, en, own) in COUNTRIES {
        let label = if own == en {
            (*own).to_owned()
        } else {
            format!("{own} · {en}")
        };
        out.push_str(&format!(
            "<option value=\"{code}\"{}>{}</option>\n",
            selected(f.has(q.name, code)),
            escape(&label)
        ));
    }
    out.push_str("</select>\n</div>\n");
    out
}

fn selected(on: bool) -> &'static str {
    if on {
        " selected"
    } else {
        ""
    }
}

fn consent(lang: &Language, q: &Question, f: &Filled) -> String {
    let required = if q.name == "consent_read" {
        " required"
    } else {
        ""
    };
    format!(
        "<div {}>\n{}<label class=\"check\"><input type=\"checkbox\" id=\"{n}\" name=\"{n}\" value=\"yes\"{required}{checked}{aria}> <span>{}</span></label>\n</div>\n",
        wrapper_attrs(q),
        f.error_html(q.name),
        t(lang, &format!("form.q.{}", q.name)),
        n = q.name,
        checked = if f.has(q.name, "yes") { " checked" } else { "" },
        aria = f.aria(q.name, None),
    )
}

/// The attachments field (right after the description).
fn attachments(lang: &Language) -> String {
    format!(
        "<p>\n<label for=\"attachments\">{}</label>\n<input id=\"attachments\" name=\"attachments\" type=\"file\" multiple aria-describedby=\"attachments-hint\">\n<span class=\"hint\" id=\"attachments-hint\">{}</span>\n<span id=\"metadata-note\" class=\"hint\" aria-live=\"polite\"></span>\n</p>\n",
        t(lang, "form.q.attachments"),
        t(lang, "form.hint.attachments"),
    )
}

/// The partner question (`partners`: its check boxes), asked first (issue 16.6).
fn partner_question(lang: &Language, partners: &str, f: &Filled) -> String {
    format!(
        "<fieldset id=\"partners\"{}>\n<legend>{}</legend>\n{}<p class=\"hint\" id=\"hint-partner\">{}</p>\n{partners}</fieldset>\n",
        f.described("partner", Some("hint-partner")),
        t(lang, "form.q.partner"),
        f.error_html("partner"),
        t(lang, "form.hint.partner"),
    )
}

/// The questions of `section`, as HTML, filled with `f`.
pub fn section(lang: &Language, section: Section, f: &Filled) -> String {
    let mut out = String::new();
    for q in QUESTIONS.iter().filter(|q| q.section == section) {
        out.push_str(&match q.kind {
            Kind::One | Kind::Many => choices(lang, q, f),
            Kind::Line | Kind::Text => text_field(lang, q, f),
            Kind::Country => country(lang, q, f),
            Kind::Consent => consent(lang, q, f),
        });
        if q.name == "description" {
            out.push_str(&attachments(lang));
        }
    }
    out
}

/// Every section with its heading, the partners (`partners`, their check boxes) first.
pub fn questions(lang: &Language, partners: &str) -> String {
    questions_filled(lang, partners, &Filled::default())
}

/// Every section with its heading, filled with her answers (a refused form): the partners
/// first, then the sections of [`super::spec::SECTIONS`], each a step (issue 16.7). Without
/// JavaScript the steps are one page with a step list on top (links to each, so Send is one tap
/// away) and a "skip to Send" link after each; with it (`web/src/steps.js`) one step shows at a
/// time, with its counter and its Back/Next buttons rendered here.
pub fn questions_filled(lang: &Language, partners: &str, f: &Filled) -> String {
    let keys: Vec<&str> = std::iter::once("partner")
        .chain(super::spec::SECTIONS.iter().map(|(_, k)| *k))
        .collect();
    let total = keys.len();
    let last = keys[total - 1];
    let heading = |key: &str| t(lang, &format!("form.section.{key}"));
    let items: String = keys
        .iter()
        .map(|k| format!("<li><a href=\"#step-{k}\">{}</a></li>", heading(k)))
        .collect();
    let mut out = format!(
        "<nav class=\"steps\" aria-label=\"{}\"><ol>{items}</ol></nav>\n",
        t(lang, "form.steps")
    );
    for (i, key) in keys.iter().enumerate() {
        let inside = match i.checked_sub(1).map(|s| super::spec::SECTIONS[s].0) {
            None => partner_question(lang, partners, f),
            Some(s) => section(lang, s, f),
        };
        let back = if i == 0 {
            String::new()
        } else {
            format!(
                "<button type=\"button\" class=\"secondary\" data-step=\"back\">{}</button> ",
                t(lang, "form.back")
            )
        };
        let (next, skip) = if i + 1 == total {
            (String::new(), String::new())
        } else {
            (
                format!(
                    "<button type=\"button\" data-step=\"next\">{}</button>",
                    t(lang, "form.next")
                ),
                format!(
                    "<p class=\"to-send\"><a href=\"#step-{last}\">{}</a></p>\n",
                    t(lang, "form.to_send")
                ),
            )
        };
        let count = t(lang, "form.step_count")
            .replace("{n}", &(i + 1).to_string())
            .replace("{total}", &total.to_string());
        out.push_str(&format!(
            "<section class=\"part\" id=\"step-{key}\" aria-labelledby=\"part-{key}\">\n\
             <p class=\"step-count js-only\">{count}</p>\n\
             <h2 id=\"part-{key}\" tabindex=\"-1\">{}</h2>\n{inside}\
             <p class=\"step-buttons js-only\">{back}{next}</p>\n{skip}</section>\n",
            heading(key)
        ));
    }
    debug_assert!(question("safe_now").is_some());
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn every_question_is_rendered_with_its_codes_and_no_inline_style() {
        let lang = crate::locale::Language::get("ar").unwrap();
        let html = super::questions(lang, "<label>P</label>");
        for q in super::QUESTIONS {
            assert!(html.contains(&format!("name=\"{}\"", q.name)), "{}", q.name);
            if q.kind == super::Kind::One || q.kind == super::Kind::Many {
                for c in q.codes() {
                    assert!(
                        html.contains(&format!("name=\"{}\" value=\"{c}\"", q.name)),
                        "{}={c}",
                        q.name
                    );
                }
            }
        }
        assert!(html.contains("class=\"q if-labour\""));
        assert!(html.contains("value=\"phone\" class=\"shows-phone\""));
        assert!(html.contains("value=\"unpaid_or_very_low_pay\" class=\"shows-labour\""));
        assert!(html.contains("value=\"no_police\" checked"));
        assert!(!html.contains("style="));
        assert!(!html.contains("form.q."), "a string is missing");
    }
}
