//! The codename screen after a report is sent, the same with and without JavaScript: it says
//! in one sentence what the codename is for and that it is shown once, shows it as words and
//! as digits (either spelling opens the mailbox, [`crate::codename::spelling`]), and keeps the
//! way on (the mailbox link, the receipts, "close this window") folded until she ticks that she
//! has kept it — a checkbox and CSS, so it needs no script. The quick exit stays above it all.

use super::PageLang;
use crate::html::Html;

/// What fills the screen: the codename's two spellings (empty in the report page, where the
/// script fills them), whether it is for someone else, and what follows the confirmation.
pub(in crate::http) struct Screen<'a> {
    pub words: &'a str,
    pub digits: &'a str,
    pub assisted: bool,
    /// HTML shown once she has confirmed (receipts, what to do next).
    pub after: &'a Html,
}

/// What follows the confirmation: closing the window, then the receipts (`items`, `<li>`s)
/// folded under "Receipt (optional, for checking)" — she is never asked to keep a hex code
/// (issue 16.10) — and the list of what was removed from her photos (the page script fills it).
pub(in crate::http) fn after_kept(l: &PageLang, items: &Html) -> Html {
    crate::html!(
        "<p>{close}</p>\n<details class=\"receipt\"><summary>{summary}</summary>\n<p class=\"hint\">{what}</p>\n<ul id=\"receipts\">{items}</ul>\n</details>\n<p id=\"removed\"></p>\n",
        close = l.t("form.done.close"),
        summary = l.t("form.done.receipt_summary"),
        what = l.t("form.done.receipt_what"),
        items = *items,
    )
}

/// The screen's HTML (the inside of `<section id="done">`).
pub(in crate::http) fn codename_screen(l: &PageLang, s: &Screen<'_>) -> Html {
    crate::html!(
        "<h2 id=\"codename-heading\">{heading}</h2>\n\
         <p id=\"codename-once\">{once}</p>\n\
         <p class=\"codename\" id=\"codename\">{words}</p>\n\
         <p class=\"hint\" id=\"codename-digits-intro\">{digits_intro}</p>\n\
         <p class=\"codename\" id=\"codename-digits\" dir=\"ltr\">{digits}</p>\n\
         {assisted}\
         <input type=\"checkbox\" id=\"kept\" class=\"kept-box\"><label for=\"kept\" class=\"kept-label\">{kept}</label>\n\
         <div class=\"after-kept\" id=\"after-kept\">\n\
         <p>{text} <a href=\"{href}\">{link}</a></p>\n{after}</div>\n",
        heading = l.t("form.done.codename_heading"),
        once = l.t("form.done.codename_once"),
        words = Html::text(s.words),
        digits_intro = l.t("form.done.codename_digits"),
        digits = Html::text(s.digits),
        // The page's script shows the note when the form was filled for someone else; the
        // server's own page (the codename already filled in) carries it only then.
        assisted = if s.words.is_empty() || s.assisted {
            crate::html!(
                "<p id=\"codename-assisted\" class=\"mode\"{}>{}</p>\n",
                Html::markup(if s.assisted { "" } else { " hidden" }),
                l.t("form.done.assisted")
            )
        } else {
            Html::default()
        },
        kept = l.t("form.done.kept"),
        text = l.t("form.done.codename_text"),
        href = l.link("/mailbox"),
        link = l.t("pages.mailbox_link"),
        after = *s.after,
    )
}
