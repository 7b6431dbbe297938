//! The organisations on the report form, first of its steps (issue 16.6): each in plain words
//! in her language (the directory's `summary`, else English, else its description), the
//! languages it speaks (each in its own script, hers marked), and — when the directory marks a
//! partner for it — "I don't know: let the network choose" ([`LET_NETWORK_CHOOSE`]), which the
//! page script and the server alike send to that partner. Plain check boxes: no script needed.

use super::PageLang;
use crate::html;
use crate::html::Html;
use crate::intake::form::Filled;
use crate::keys::directory::LET_NETWORK_CHOOSE;
use crate::keys::{Directory, Partner};
use crate::locale::Language;

/// The check boxes of the partner question, filled with `f`.
pub(in crate::http) fn choices(l: &PageLang, dir: &Directory, f: &Filled) -> Html {
    let mut out: Html = dir.partners.iter().map(|p| one(l, p, f)).collect();
    if let Some(p) = dir.for_unsure() {
        out.push(&html!(
            "<label class=\"partner unsure\"><input type=\"checkbox\" name=\"partner\" value=\"{value}\"{checked}{aria}> <span><strong>{label}</strong><span class=\"hint\">{hint}</span></span></label>\n",
            value = Html::text(LET_NETWORK_CHOOSE),
            checked = checked(f, LET_NETWORK_CHOOSE),
            aria = f.invalid("partner"),
            label = l.t("form.unsure"),
            hint = l.fill("form.unsure_hint", &[("name", &p.name)]),
        ));
    }
    out
}

fn checked(f: &Filled, value: &str) -> Html {
    if f.has("partner", value) {
        Html::markup(" checked")
    } else {
        Html::default()
    }
}

fn one(l: &PageLang, p: &Partner, f: &Filled) -> Html {
    let (line, line_lang) = p.summary_for(l.lang.code);
    let line_lang = match line_lang {
        Some(code) if code != l.lang.code => lang_attrs(code),
        _ => Html::default(),
    };
    let spoken: Vec<Html> = p
        .languages
        .iter()
        .map(|code| match Language::get(code) {
            Ok(other) => html!(
                "<span{}>{}</span>",
                lang_attrs(code),
                Html::text(&other.name)
            ),
            Err(_) => Html::text(code),
        })
        .collect();
    let yours = if p.languages.iter().any(|c| c == l.lang.code) {
        html!(
            " <strong class=\"yours\">{}</strong>",
            l.t("form.partner_speaks_yours")
        )
    } else {
        Html::default()
    };
    let languages = if spoken.is_empty() {
        Html::default()
    } else {
        let list = Html::join(&spoken, &Html::markup(", "));
        html!(
            "<span class=\"hint spoken\">{}{}</span>",
            Html::words(l.lang.text("form.partner_languages"), &[("list", &list)]),
            yours
        )
    };
    html!(
        "<label class=\"partner\"><input type=\"checkbox\" name=\"partner\" value=\"{id}\"{checked}{aria}> <span><strong>{name}</strong><span class=\"hint\"{line_lang}>{line}</span>{languages}</span></label>\n",
        id = Html::text(p.id.as_str()),
        checked = checked(f, p.id.as_str()),
        aria = f.invalid("partner"),
        name = Html::text(&p.name),
        line_lang = line_lang,
        line = Html::text(line),
        languages = languages,
    )
}

/// ` lang="…" dir="…"` for a language code (its direction when it is a site language).
fn lang_attrs(code: &str) -> Html {
    let dir = Language::get(code)
        .map(|x| html!(" dir=\"{}\"", Html::text(x.dir.as_str())))
        .unwrap_or_default();
    html!(" lang=\"{}\"{}", Html::text(code), dir)
}
