//! The card's words in each language: the `outreach` section of `web/locales/<code>.json`,
//! read through the site's shared loader ([`crate::locale`]); unknown keys inside the section
//! are refused.

use std::sync::OnceLock;

use serde::Deserialize;

use super::OutreachError;
pub use crate::locale::{Direction, CORE};

/// The `outreach` section of a locale file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutreachText {
    /// The first, largest line.
    pub headline: String,
    /// No documents, no name, free.
    pub anonymous: String,
    /// The promise, with `{partners}` where the partner names go.
    pub promise: String,
    /// Between partner names (", ").
    pub list_separator: String,
    /// Before the last partner name (" and ").
    pub list_last_separator: String,
    /// Step 1: Tor Browser from the official source.
    pub step_tor: String,
    /// Step 2: open the address.
    pub step_open: String,
    /// Step 3: keep the codename safe.
    pub step_codename: String,
    /// Under the QR code.
    pub qr_hint: String,
    /// Above the help numbers.
    pub help_title: String,
    /// What 1522 is for.
    pub help_1522: String,
    /// What 800 290 290 is for.
    pub help_800: String,
}

/// One language's card text.
#[derive(Clone, Debug)]
pub struct Locale {
    /// BCP 47 code, as in INTAKE.md (`zh-Hans`, `pt-BR`).
    pub code: String,
    /// The language's name in its own script.
    pub name: String,
    /// Writing direction.
    pub dir: Direction,
    /// Whether a native speaker has reviewed the translation.
    pub reviewed: bool,
    /// The strings.
    pub text: OutreachText,
}

impl Locale {
    /// Every compiled-in locale, in [`CORE`] order.
    pub fn all() -> Result<&'static [Locale], OutreachError> {
        static ALL: OnceLock<Result<Vec<Locale>, String>> = OnceLock::new();
        ALL.get_or_init(parse_all)
            .as_deref()
            .map_err(|e| OutreachError::BadLocale(e.clone()))
    }

    /// The locale for `code` (case-insensitive: `zh-hans` finds `zh-Hans`).
    pub fn get(code: &str) -> Result<&'static Locale, OutreachError> {
        Self::all()?
            .iter()
            .find(|l| l.code.eq_ignore_ascii_case(code.trim()))
            .ok_or_else(|| OutreachError::UnknownLanguage(code.chars().take(20).collect()))
    }

    /// The promise sentence with the partner names filled in.
    pub fn promise(&self, partners: &[&str]) -> String {
        let t = &self.text;
        let names = match partners {
            [] => String::new(),
            [one] => (*one).to_owned(),
            [init @ .., last] => format!(
                "{}{}{last}",
                init.join(&t.list_separator),
                t.list_last_separator
            ),
        };
        t.promise.replace("{partners}", &names)
    }
}

fn parse_all() -> Result<Vec<Locale>, String> {
    let all = crate::locale::Language::all().map_err(|e| e.to_string())?;
    all.iter()
        .map(|l| {
            let text: OutreachText = l.section("outreach").map_err(|e| e.to_string())?;
            if text.promise.matches("{partners}").count() != 1 {
                return Err(format!(
                    "web/locales/{}.json: the promise must hold {{partners}} once",
                    l.code
                ));
            }
            Ok(Locale {
                code: l.code.to_owned(),
                name: l.name.clone(),
                dir: l.dir,
                reviewed: l.reviewed,
                text,
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_core_language_is_there_and_parses() {
        let all = Locale::all().unwrap();
        let codes: Vec<&str> = all.iter().map(|l| l.code.as_str()).collect();
        assert_eq!(codes, CORE);
        for l in all {
            let rtl = matches!(l.code.as_str(), "ar" | "ur");
            assert_eq!(l.dir == Direction::Rtl, rtl, "{}", l.code);
            assert!(!l.name.is_empty());
        }
        assert_eq!(Locale::get("zh-hans").unwrap().code, "zh-Hans");
        assert!(Locale::get("xx").is_err());
    }

    #[test]
    fn promise_lists_partners() {
        let en = Locale::get("en").unwrap();
        assert_eq!(
            en.promise(&["A", "B", "C"]),
            "Only A, B and C can read what you write; the police cannot."
        );
        assert_eq!(
            en.promise(&["A"]),
            "Only A can read what you write; the police cannot."
        );
    }
}
