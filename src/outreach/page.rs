//! The print-ready HTML page: four cards on an A4 sheet, and a few lines for the partner that
//! do not print. The same page is written to disk by `approdo outreach` (its CSS inline, to
//! open from a folder) and served at `/outreach?lang=…` (its CSS from `/assets/`, since the
//! site's CSP refuses inline styles).

use super::card::{card, CardText};
use super::Language;
use super::OutreachError;
use crate::html::escape;

/// The stylesheet, also served as `/assets/outreach.css`.
pub const CSS: &str = include_str!("../../web/static/outreach.css");

/// How the page gets its stylesheet and links to the other languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Served by the site: `<link>` to `/assets/outreach.css`, links to `/outreach?lang=…`.
    Site,
    /// A file on disk: `<style>` inline, links to `card-<code>.html` beside it.
    File,
}

/// Where the page for `code` is, from a page of the same target.
pub fn href(target: Target, code: &str) -> String {
    match target {
        Target::Site => format!("/outreach?lang={code}"),
        Target::File => format!("card-{code}.html"),
    }
}

/// A whole HTML document around `body`, in `lang`/`dir`; also well-formed XML.
pub fn document(target: Target, lang: &str, dir: &str, body: &str) -> String {
    let css = match target {
        Target::Site => "<link rel=\"stylesheet\" href=\"/assets/outreach.css\"/>".to_owned(),
        Target::File => format!("<style>\n{CSS}</style>"),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\"/>\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
<meta name=\"referrer\" content=\"no-referrer\"/>\n<title>Information</title>\n{css}\n</head>\n\
<body class=\"outreach\">\n{body}</body>\n</html>\n",
        lang = escape(lang),
        dir = escape(dir),
    )
}

/// The list of `langs`, each named in its own script.
pub fn language_list(target: Target, langs: &[&Language]) -> String {
    let mut out = String::from("<ul class=\"langs\">\n");
    for l in langs {
        out.push_str(&format!(
            "<li><a href=\"{}\" lang=\"{code}\" dir=\"{}\">{}</a>{}</li>\n",
            escape(&href(target, l.code)),
            l.dir.as_str(),
            escape(&l.name),
            if l.reviewed { "" } else { " *" },
            code = escape(l.code),
        ));
    }
    out.push_str("</ul>\n<p>* not yet reviewed by a native speaker.</p>\n");
    out
}

/// The page with four cards for `c`, linking to the pages of `others`.
pub fn card_page(
    c: &CardText<'_>,
    target: Target,
    others: &[&Language],
) -> Result<String, OutreachError> {
    let drawn = card(c)?;
    let l = c.locale;
    let mut body = format!(
        "<section class=\"screen-only\" lang=\"en\" dir=\"ltr\">\n<h1>Outreach card: <span lang=\"{code}\" dir=\"{dir}\">{name}</span></h1>\n\
<p>Print on A4 paper at 100 % (turn off \"fit to page\"), then cut along the dashed lines: four A6 cards. \
Check the address under the code against the one you were given before printing many.</p>\n",
        code = escape(l.code),
        dir = l.dir.as_str(),
        name = escape(&l.name),
    );
    if !l.reviewed {
        body.push_str(
            "<p class=\"warn\">This translation has not been reviewed by a native speaker yet: \
ask a cultural mediator to read it before you print many.</p>\n",
        );
    }
    body.push_str("<p>Other languages:</p>\n");
    body.push_str(&language_list(target, others));
    body.push_str("</section>\n<div class=\"sheet\">\n");
    for _ in 0..4 {
        body.push_str(&format!(
            "<svg viewBox=\"0 0 105 148\" role=\"img\" aria-label=\"{}\">\n{}\n</svg>\n",
            escape(&l.outreach().headline),
            drawn.group
        ));
    }
    body.push_str("</div>\n");
    Ok(document(target, l.code, l.dir.as_str(), &body))
}
