//! Outreach: the printable card that tells people the drop box exists, in every core language.
//!
//! A card holds the onion address in full and as a QR code, three steps (Tor Browser from the
//! official source, open the address, keep the codename safe), the promise ("only \[partners\]
//! can read what you write; the police cannot") and the help numbers 1522 and 800 290 290.
//! It comes as an A6 SVG, an A4 SVG sheet of four, and a print-ready HTML page; the site serves
//! the same page at `/outreach?lang=…`. Words live in `web/locales/<code>.po` (compiled in),
//! nothing is fetched: no fonts, no third-party URLs.
//!
//! Modules: [`onion`] (checked v3 addresses), [`qr`] (the code), [`text`] (wrapping), [`card`]
//! (SVG layout), [`page`] (HTML). The words are the `outreach` section of each language, read
//! by the site's one loader ([`crate::locale`]).

pub mod card;
pub mod onion;
pub mod page;
pub mod qr;
pub mod text;

use std::path::{Path, PathBuf};

pub use crate::locale::{Direction, Language, OutreachText};
pub use card::CardText;
pub use onion::OnionAddress;

/// Errors from making cards.
#[derive(Debug, thiserror::Error)]
pub enum OutreachError {
    /// The onion address given is not a valid v3 address.
    #[error(
        "not a v3 onion address: {0}; give it as shown by tor in hostname, \
         e.g. <56 letters and digits>.onion"
    )]
    BadOnion(String),
    /// No locale for this language code.
    #[error("no card text for language {0:?}; the languages are: {list}", list = crate::locale::CORE.join(", "))]
    UnknownLanguage(String),
    /// A compiled-in locale file is broken (a build problem).
    #[error("locale file: {0}")]
    BadLocale(String),
    /// The QR code could not be made.
    #[error("cannot make the QR code: {0}")]
    Qr(String),
    /// The text does not fit on the card even when shrunk.
    #[error(
        "the {0} card does not fit on A6 even with smaller text; the partner names are \
         probably too long for one card"
    )]
    TooMuchText(String),
    /// A card file could not be written.
    #[error("writing {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Every language's card words, from the site's one loader.
pub fn languages() -> Result<&'static [Language], OutreachError> {
    Language::all().map_err(|e| OutreachError::BadLocale(e.to_string()))
}

/// The language `code` (case-insensitive), or which ones there are.
pub fn language(code: &str) -> Result<&'static Language, OutreachError> {
    languages()?
        .iter()
        .find(|l| l.code.eq_ignore_ascii_case(code.trim()))
        .ok_or_else(|| OutreachError::UnknownLanguage(code.chars().take(20).collect()))
}

/// Writes, for each language, `card-<code>-a6.svg`, `card-<code>-a4.svg` and
/// `card-<code>.html` into `dir` (created if missing), and `index.html` listing them.
/// Returns the files written.
pub fn write_cards(
    dir: &Path,
    languages: &[&Language],
    onion: &OnionAddress,
    partners: &[&str],
) -> Result<Vec<PathBuf>, OutreachError> {
    let write = |name: String, text: &str| -> Result<PathBuf, OutreachError> {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| OutreachError::Write {
            path: path.display().to_string(),
            source,
        })?;
        Ok(path)
    };
    std::fs::create_dir_all(dir).map_err(|source| OutreachError::Write {
        path: dir.display().to_string(),
        source,
    })?;
    let mut written = Vec::new();
    for l in languages {
        let c = CardText {
            locale: l,
            onion,
            partners,
        };
        written.push(write(
            format!("card-{}-a6.svg", l.code),
            &card::a6_svg(&c)?,
        )?);
        written.push(write(
            format!("card-{}-a4.svg", l.code),
            &card::a4_svg(&c)?,
        )?);
        written.push(write(
            format!("card-{}.html", l.code),
            &page::card_page(&c, page::Target::File, languages)?,
        )?);
    }
    let index = page::document(
        page::Target::File,
        "en",
        "ltr",
        &format!(
            "<section class=\"screen-only\">\n<h1>Outreach cards</h1>\n<p>Address: <code>{onion}</code></p>\n{}</section>\n",
            page::language_list(page::Target::File, languages)
        ),
    );
    written.push(write("index.html".to_owned(), &index)?);
    Ok(written)
}
