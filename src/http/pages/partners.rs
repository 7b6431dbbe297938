//! The organisations on the report form, first of its steps (issue 16.6): each in plain words
//! in her language (the directory's `summary`, else English, else its description), the
//! languages it speaks (each in its own script, hers marked), and — when the directory marks a
//! partner for it — "I don't know: let the network choose" ([`LET_NETWORK_CHOOSE`]), which the
//! page script and the server alike send to that partner. Plain check boxes: no script needed.

use super::{escape, PageLang};
use crate::intake::form::Filled;
use crate::keys::directory::LET_NETWORK_CHOOSE;
use crate::keys::{Directory, Partner};
use crate::locale::Language;

/// The check boxes of the partner question, filled with `f`.
pub(in crate::http) fn choices(l: &PageLang, dir: &Directory, f: &Filled) -> String {
    let mut out: String = dir.partners.iter().map(|p| one(l, p, f)).collect();
    if let Some(p) = dir.for_unsure() {
        out.push_str(&format!(
            "<label class=\"partner unsure\"><input type=\"checkbox\" name=\"partner\" value=\"{LET_NETWORK_CHOOSE}\"{checked}{aria}> <span><strong>{label}</strong><span class=\"hint\">{hint}</span></span></label>\n",
            checked = checked(f, LET_NETWORK_CHOOSE),
            aria = f.invalid("partner"),
            label = l.t("form.unsure"),
            hint = l.fill("form.unsure_hint", &[("name", &p.name)]),
        ));
    }
    out
}

fn checked(f: &Filled, value: &str) -> &'static str {
    if f.has("partner", value) {
        " checked"
    } else {
        ""
    }
}

fn one(l: &PageLang, p: &Partner, f: &Filled) -> String {
    let (line, line_lang) = p.summary_for(l.lang.code);
    let line_lang = match line_lang {
        Some(code) if code != l.lang.code => lang_attrs(code),
        _ => String::new(),
    };
    let spoken: Vec<String> = p
        .languages
        .iter()
        .map(|code| match Language::get(code) {
            Ok(other) => format!("<span{}>{}</span>", lang_attrs(code), escape(&other.name)),
            Err(_) => escape(code),
        })
        .collect();
    let yours = if p.languages.iter().any(|c| c == l.lang.code) {
        format!(
            " <strong class=\"yours\">{}</strong>",
            l.t("form.partner_speaks_yours")
        )
    } else {
        String::new()
    };
    let languages = if spoken.is_empty() {
        String::new()
    } else {
        // The names are HTML already: fill after escaping the sentence.
        format!(
            "<span class=\"hint spoken\">{}{yours}</span>",
            l.t("form.partner_languages")
                .as_str()
                .replace("{list}", &spoken.join(", "))
        )
    };
    format!(
        "<label class=\"partner\"><input type=\"checkbox\" name=\"partner\" value=\"{id}\"{checked}{aria}> <span><strong>{name}</strong><span class=\"hint\"{line_lang}>{line}</span>{languages}</span></label>\n",
        id = escape(p.id.as_str()),
        checked = checked(f, p.id.as_str()),
        aria = f.invalid("partner"),
        name = escape(&p.name),
        line = escape(line),
    )
}

/// ` lang="…" dir="…"` for a language code (its direction when it is a site language).
fn lang_attrs(code: &str) -> String {
    let dir = Language::get(code)
        .map(|x| format!(" dir=\"{}\"", x.dir.as_str()))
        .unwrap_or_default();
    format!(" lang=\"{}\"{dir}", escape(code))
}
