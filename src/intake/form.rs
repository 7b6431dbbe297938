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

use crate::html;
use crate::html::Html;

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

fn t(lang: &Language, path: &str) -> Html {
    Html::text(lang.text(path))
}

fn hint(lang: &Language, name: &str) -> Option<Html> {
    let path = format!("form.hint.{name}");
    let en = Language::get(FALLBACK).ok()?;
    en.own(&path)?;
    Some(t(lang, &path))
}

/// Markup for a flag attribute or class that is on or off.
fn flag(on: bool, markup: &'static str) -> Html {
    if on {
        Html::markup(markup)
    } else {
        Html::default()
    }
}

fn wrapper_attrs(q: &Question) -> Html {
    let group = group(q)
        .map(|g| html!(" if-{}", Html::markup(g)))
        .unwrap_or_default();
    let kind = match q.kind {
        Kind::One => "one",
        Kind::Many => "many",
        Kind::Line | Kind::Text => "text",
        Kind::Country => "one",
        Kind::Consent => "consent",
    };
    html!(
        "class=\"q{}\" data-q=\"{}\" data-kind=\"{}\"{}",
        group,
        Html::markup(q.name),
        Html::markup(kind),
        flag(q.required, " data-required")
    )
}

fn choices(lang: &Language, q: &Question, f: &Filled) -> Html {
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
    let name = Html::markup(q.name);
    let hint_id = hint(lang, q.name).map(|_| format!("hint-{}", q.name));
    let mut out = html!(
        "<fieldset {}{}>\n<legend>{}</legend>\n{}",
        wrapper_attrs(q),
        f.described(q.name, hint_id.as_deref()),
        t(lang, &format!("form.q.{}", q.name)),
        f.error_html(q.name),
    );
    if let Some(h) = hint(lang, q.name) {
        out.push(&html!("<p class=\"hint\" id=\"hint-{}\">{}</p>\n", name, h));
    }
    for code in codes {
        let class: Vec<String> = opens(q.name, code)
            .iter()
            .map(|g| format!("shows-{g}"))
            .collect();
        let class = if class.is_empty() {
            Html::default()
        } else {
            html!(" class=\"{}\"", Html::text(&class.join(" ")))
        };
        let on = if f.answered(q.name) {
            f.has(q.name, code)
        } else {
            default == Some(code)
        };
        out.push(&html!(
            "<label><input type=\"{}\" name=\"{}\" value=\"{}\"{}{}{}> <span>{}</span></label>\n",
            Html::markup(kind),
            name,
            Html::markup(code),
            class,
            flag(on, " checked"),
            f.invalid(q.name),
            Html::text(&option_label(lang, q.name, code)),
        ));
    }
    out + &Html::markup("</fieldset>\n")
}

fn text_field(lang: &Language, q: &Question, f: &Filled) -> Html {
    let h = hint(lang, q.name);
    let hint_id = h.as_ref().map(|_| format!("hint-{}", q.name));
    let described = f.aria(q.name, hint_id.as_deref());
    let text = Html::text(f.text(q.name).unwrap_or_default());
    let n = Html::markup(q.name);
    let hint_html = h
        .map(|h| html!("\n<span class=\"hint\" id=\"hint-{}\">{}</span>", n, h))
        .unwrap_or_default();
    let label = t(lang, &format!("form.q.{}", q.name));
    let input = match q.kind {
        Kind::Text => html!(
            "<textarea id=\"{n}\" name=\"{n}\" rows=\"8\"{described}>{text}</textarea>",
            n = n,
            described = described,
            text = text
        ),
        _ => {
            let ty = if q.name == "safe_phone" {
                "tel"
            } else {
                "text"
            };
            html!(
                "<input id=\"{n}\" name=\"{n}\" type=\"{ty}\" maxlength=\"{max}\" autocomplete=\"off\" value=\"{text}\"{described}>",
                n = n,
                ty = Html::markup(ty),
                max = super::answers::MAX_LINE,
                text = text,
                described = described,
            )
        }
    };
    html!(
        "<div {}>\n<label for=\"{}\">{}</label>{}\n{}{}\n</div>\n",
        wrapper_attrs(q),
        n,
        label,
        hint_html,
        f.error_html(q.name),
        input,
    )
}

fn country(lang: &Language, q: &Question, f: &Filled) -> Html {
    let mut out = html!(
        "<div {attrs}>\n<label for=\"{n}\">{label}</label>\n<select id=\"{n}\" name=\"{n}\" autocomplete=\"off\">\n<option value=\"\">—</option>\n<option value=\"{prefer_not}\"{selected}>{prefer_label}</option>\n",
        attrs = wrapper_attrs(q),
        label = t(lang, &format!("form.q.{}", q.name)),
        prefer_not = Html::markup(PREFER_NOT),
        selected = flag(f.has(q.name, PREFER_NOT), " selected"),
        prefer_label = Html::text(&option_label(lang, q.name, PREFER_NOT)),
        n = Html::markup(q.name),
    );
    for (code, en, own) in COUNTRIES {
        let label = if own == en {
            (*own).to_owned()
        } else {
            format!("{own} · {en}")
        };
        out.push(&html!(
            "<option value=\"{}\"{}>{}</option>\n",
            Html::text(code),
            flag(f.has(q.name, code), " selected"),
            Html::text(&label)
        ));
    }
    out + &Html::markup("</select>\n</div>\n")
}

fn consent(lang: &Language, q: &Question, f: &Filled) -> Html {
    html!(
        "<div {attrs}>\n{error}<label class=\"check\"><input type=\"checkbox\" id=\"{n}\" name=\"{n}\" value=\"yes\"{required}{checked}{aria}> <span>{label}</span></label>\n</div>\n",
        attrs = wrapper_attrs(q),
        error = f.error_html(q.name),
        label = t(lang, &format!("form.q.{}", q.name)),
        n = Html::markup(q.name),
        required = flag(q.name == "consent_read", " required"),
        checked = flag(f.has(q.name, "yes"), " checked"),
        aria = f.aria(q.name, None),
    )
}

/// The attachments field (right after the description).
fn attachments(lang: &Language) -> Html {
    html!(
        "<p>\n<label for=\"attachments\">{}</label>\n<input id=\"attachments\" name=\"attachments\" type=\"file\" multiple aria-describedby=\"attachments-hint\">\n<span class=\"hint\" id=\"attachments-hint\">{}</span>\n<span id=\"metadata-note\" class=\"hint\" aria-live=\"polite\"></span>\n</p>\n",
        t(lang, "form.q.attachments"),
        t(lang, "form.hint.attachments"),
    )
}

/// The partner question (`partners`: its check boxes), asked first (issue 16.6).
fn partner_question(lang: &Language, partners: &Html, f: &Filled) -> Html {
    html!(
        "<fieldset id=\"partners\"{}>\n<legend>{}</legend>\n{}<p class=\"hint\" id=\"hint-partner\">{}</p>\n{}</fieldset>\n",
        f.described("partner", Some("hint-partner")),
        t(lang, "form.q.partner"),
        f.error_html("partner"),
        t(lang, "form.hint.partner"),
        partners,
    )
}

/// The questions of `section`, as HTML, filled with `f`.
pub fn section(lang: &Language, section: Section, f: &Filled) -> Html {
    let mut out = Html::default();
    for q in QUESTIONS.iter().filter(|q| q.section == section) {
        out.push(&match q.kind {
            Kind::One | Kind::Many => choices(lang, q, f),
            Kind::Line | Kind::Text => text_field(lang, q, f),
            Kind::Country => country(lang, q, f),
            Kind::Consent => consent(lang, q, f),
        });
        if q.name == "description" {
            out.push(&attachments(lang));
        }
    }
    out
}

/// Every section with its heading, the partners (`partners`, their check boxes) first.
pub fn questions(lang: &Language, partners: &Html) -> Html {
    questions_filled(lang, partners, &Filled::default())
}

/// Every section with its heading, filled with her answers (a refused form): the partners
/// first, then the sections of [`super::spec::SECTIONS`], each a step (issue 16.7). Without
/// JavaScript the steps are one page with a step list on top (links to each, so Send is one tap
/// away) and a "skip to Send" link after each; with it (`web/src/steps.js`) one step shows at a
/// time, with its counter and its Back/Next buttons rendered here.
pub fn questions_filled(lang: &Language, partners: &Html, f: &Filled) -> Html {
    let keys: Vec<&'static str> = std::iter::once("partner")
        .chain(super::spec::SECTIONS.iter().map(|(_, k)| *k))
        .collect();
    let total = keys.len();
    let last = Html::markup(keys[total - 1]);
    let heading = |key: &str| t(lang, &format!("form.section.{key}"));
    let items: Html = keys
        .iter()
        .map(|k| {
            html!(
                "<li><a href=\"#step-{}\">{}</a></li>",
                Html::markup(k),
                heading(k)
            )
        })
        .collect();
    let mut out = html!(
        "<nav class=\"steps\" aria-label=\"{}\"><ol>{}</ol></nav>\n",
        t(lang, "form.steps"),
        items
    );
    for (i, key) in keys.iter().enumerate() {
        let inside = match i.checked_sub(1).map(|s| super::spec::SECTIONS[s].0) {
            None => partner_question(lang, partners, f),
            Some(s) => section(lang, s, f),
        };
        let back = if i == 0 {
            Html::default()
        } else {
            html!(
                "<button type=\"button\" class=\"secondary\" data-step=\"back\">{}</button> ",
                t(lang, "form.back")
            )
        };
        let (next, skip) = if i + 1 == total {
            (Html::default(), Html::default())
        } else {
            (
                html!(
                    "<button type=\"button\" data-step=\"next\">{}</button>",
                    t(lang, "form.next")
                ),
                html!(
                    "<p class=\"to-send\"><a href=\"#step-{}\">{}</a></p>\n",
                    last,
                    t(lang, "form.to_send")
                ),
            )
        };
        let count = Html::words(
            lang.text("form.step_count"),
            &[
                ("n", &Html::text(&(i + 1).to_string())),
                ("total", &Html::text(&total.to_string())),
            ],
        );
        out.push(&html!(
            "<section class=\"part\" id=\"step-{key}\" aria-labelledby=\"part-{key}\">\n\
             <p class=\"step-count js-only\">{count}</p>\n\
             <h2 id=\"part-{key}\" tabindex=\"-1\">{heading}</h2>\n{inside}\
             <p class=\"step-buttons js-only\">{back}{next}</p>\n{skip}</section>\n",
            key = Html::markup(key),
            count = count,
            heading = heading(key),
            inside = inside,
            back = back,
            next = next,
            skip = skip,
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
        let html = super::questions(lang, &crate::html::Html::markup("<label>P</label>"));
        let html = html.as_str();
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
