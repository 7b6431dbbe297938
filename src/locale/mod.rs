//! The site's languages: `web/locales/<code>.po` (gettext, what translators edit; see
//! docs/translations.md), turned by build.rs into `OUT_DIR/locales/<code>.json`, compiled in,
//! read by one loader.
//!
//! Each built file is a top-level object: `language` (its BCP 47 code), `name` (in its own script),
//! `dir` (`ltr`/`rtl`), `reviewed` (whether a native speaker checked it: no entry of the PO
//! file is `#, fuzzy`), and one section per
//! feature — `outreach` (the printed card, [`OutreachText`], checked when the files are read), `pages` (the
//! frame and the information pages) and `form` (the intake questions), both read through
//! [`Language::text`] with English as the fallback for a missing string.
//!
//! Which language a page is in (`?lang=`, then `Accept-Language`, then English) is decided
//! by [`negotiate()`], in `negotiation.rs`.

use std::sync::OnceLock;

use serde::Deserialize;

mod negotiation;

pub use negotiation::negotiate;

/// The core languages (INTAKE.md), in the order they are listed.
pub const CORE: &[&str] = &[
    "it", "en", "ar", "fr", "es", "sq", "uk", "ru", "ro", "zh-Hans", "ur", "bn", "pt-BR", "fil",
];

/// The language of a page when nothing else says which.
pub const FALLBACK: &str = "en";

/// `(code, the JSON build.rs made from web/locales/<code>.po)` for each code.
macro_rules! built {
    ($($code:literal),* $(,)?) => {
        [$(($code, include_str!(concat!(env!("OUT_DIR"), "/locales/", $code, ".json")))),*]
    };
}

/// (code, file), compiled into the binary.
const FILES: &[(&str, &str)] = &built![
    "it", "en", "ar", "fr", "es", "sq", "uk", "ru", "ro", "zh-Hans", "ur", "bn", "pt-BR", "fil",
];

/// Errors reading the compiled-in locale files.
#[derive(Debug, thiserror::Error)]
pub enum LocaleError {
    /// A compiled-in locale file is broken (a build problem: fix the JSON file named).
    #[error("locale file: {0}")]
    BadFile(String),
    /// No locale for this code.
    #[error("no language {0:?}; the languages are: {list}", list = CORE.join(", "))]
    Unknown(String),
}

/// Writing direction of a language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Left to right.
    Ltr,
    /// Right to left (Arabic, Urdu, …): text starts on the right, layout is mirrored.
    Rtl,
}

impl Direction {
    /// `"ltr"` or `"rtl"`, for `dir=` and `direction=` attributes.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        }
    }
}

#[derive(Deserialize)]
struct Head {
    language: String,
    name: String,
    dir: Direction,
    reviewed: bool,
}

/// One language: its header and its whole file.
#[derive(Debug)]
pub struct Language {
    /// BCP 47 code, as in INTAKE.md (`zh-Hans`, `pt-BR`).
    pub code: &'static str,
    /// The language's name in its own script.
    pub name: String,
    /// Writing direction.
    pub dir: Direction,
    /// Whether a native speaker has reviewed the translation.
    pub reviewed: bool,
    outreach: OutreachText,
    file: serde_json::Value,
}

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

impl OutreachText {
    /// The promise sentence with the partner names filled in.
    pub fn promise(&self, partners: &[&str]) -> String {
        let names = match partners {
            [] => String::new(),
            [one] => (*one).to_owned(),
            [init @ .., last] => format!(
                "{}{}{last}",
                init.join(&self.list_separator),
                self.list_last_separator
            ),
        };
        self.promise.replace("{partners}", &names)
    }
}

impl Language {
    /// Every compiled-in language, in [`CORE`] order.
    pub fn all() -> Result<&'static [Language], LocaleError> {
        static ALL: OnceLock<Result<Vec<Language>, String>> = OnceLock::new();
        ALL.get_or_init(parse_all)
            .as_deref()
            .map_err(|e| LocaleError::BadFile(e.clone()))
    }

    /// The language for `code` (case-insensitive: `zh-hans` finds `zh-Hans`).
    pub fn get(code: &str) -> Result<&'static Language, LocaleError> {
        Self::all()?
            .iter()
            .find(|l| l.code.eq_ignore_ascii_case(code.trim()))
            .ok_or_else(|| LocaleError::Unknown(code.chars().take(20).collect()))
    }

    /// The printed card's words (the `outreach` section).
    pub fn outreach(&self) -> &OutreachText {
        &self.outreach
    }

    /// A section of the file (`outreach`, `pages`, `form`), deserialised.
    pub fn section<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, LocaleError> {
        let v = self
            .file
            .get(name)
            .cloned()
            .unwrap_or(serde_json::Value::Null);
        serde_json::from_value(v)
            .map_err(|e| LocaleError::BadFile(format!("web/locales/{}.po: {name}: {e}", self.code)))
    }

    /// The string at a dotted `path` (`form.q.safe_now`) in this language, if it has one.
    pub fn own(&self, path: &str) -> Option<&str> {
        path.split('.')
            .try_fold(&self.file, |v, k| v.get(k))
            .and_then(|v| v.as_str())
    }

    /// The string at `path`, in this language or else in English, or else the path itself
    /// (a missing string shows up, it does not break the page; a test keeps them complete).
    pub fn text<'a>(&'a self, path: &'a str) -> &'a str {
        self.own(path)
            .or_else(|| Language::get(FALLBACK).ok().and_then(|en| en.own(path)))
            .unwrap_or(path)
    }

    /// The keys of the strings directly under a dotted `path` (`form.js`), in file order.
    pub fn keys(&self, path: &str) -> Vec<&str> {
        path.split('.')
            .try_fold(&self.file, |v, k| v.get(k))
            .and_then(|v| v.as_object())
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| v.is_string())
                    .map(|(k, _)| k.as_str())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every string path of a section, sorted (for completeness checks).
    pub fn paths(&self, section: &str) -> Vec<String> {
        fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, v) in m {
                        walk(&format!("{prefix}.{k}"), v, out);
                    }
                }
                _ => out.push(prefix.to_owned()),
            }
        }
        let mut out = Vec::new();
        if let Some(v) = self.file.get(section) {
            walk(section, v, &mut out);
        }
        out.sort();
        out
    }
}

fn parse_all() -> Result<Vec<Language>, String> {
    FILES
        .iter()
        .map(|(code, text)| {
            let file: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("web/locales/{code}.po: {e}"))?;
            let head: Head = serde_json::from_value(file.clone())
                .map_err(|e| format!("web/locales/{code}.po: {e}"))?;
            if head.language != *code {
                return Err(format!(
                    "web/locales/{code}.po says it is {:?}",
                    head.language
                ));
            }
            let outreach: OutreachText =
                serde_json::from_value(file.get("outreach").cloned().unwrap_or_default())
                    .map_err(|e| format!("web/locales/{code}.po: outreach: {e}"))?;
            if outreach.promise.matches("{partners}").count() != 1 {
                return Err(format!(
                    "web/locales/{code}.po: the promise must hold {{partners}} once"
                ));
            }
            Ok(Language {
                code,
                name: head.name,
                dir: head.dir,
                reviewed: head.reviewed,
                outreach,
                file,
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_core_language_parses_with_its_direction() {
        let all = Language::all().unwrap();
        let codes: Vec<&str> = all.iter().map(|l| l.code).collect();
        assert_eq!(codes, CORE);
        for l in all {
            assert_eq!(
                l.dir == Direction::Rtl,
                matches!(l.code, "ar" | "ur"),
                "{}",
                l.code
            );
            assert!(!l.name.is_empty(), "{}", l.code);
        }
        // The cards find their language the same way (was outreach/locale.rs's own loader).
        assert_eq!(
            crate::outreach::language("zh-hans").unwrap().code,
            "zh-Hans"
        );
        assert!(crate::outreach::language("xx").is_err());
    }

    #[test]
    fn every_language_has_every_page_and_form_string() {
        let en = Language::get("en").unwrap();
        for section in ["pages", "form", "mailbox"] {
            let want = en.paths(section);
            assert!(want.len() > 10, "{section}");
            // Languages still being drafted have no such section yet and fall back to English.
            for l in Language::all()
                .unwrap()
                .iter()
                .filter(|l| !l.paths(section).is_empty())
            {
                let got = l.paths(section);
                let missing: Vec<_> = want.iter().filter(|p| !got.contains(p)).collect();
                let extra: Vec<_> = got.iter().filter(|p| !want.contains(p)).collect();
                assert!(
                    missing.is_empty() && extra.is_empty(),
                    "{}: missing {missing:?}, extra {extra:?}",
                    l.code
                );
                for p in &got {
                    assert!(
                        !l.own(p).unwrap_or_default().trim().is_empty(),
                        "{}: {p} empty",
                        l.code
                    );
                }
            }
        }
    }

    #[test]
    fn reviewed_means_no_fuzzy_entry_in_the_po_file() {
        for l in Language::all().unwrap() {
            let po = std::fs::read_to_string(format!(
                "{}/web/locales/{}.po",
                env!("CARGO_MANIFEST_DIR"),
                l.code
            ))
            .unwrap();
            assert_eq!(l.reviewed, !po.contains("\n#, fuzzy\n"), "{}", l.code);
        }
        assert!(!Language::get("es").unwrap().reviewed);
        assert_eq!(
            Language::get("es").unwrap().own("pages.report_heading"),
            Some("Pide ayuda: cuéntanos qué pasó")
        );
    }

    #[test]
    fn promise_lists_partners() {
        let en = Language::get("en").unwrap().outreach();
        assert_eq!(
            en.promise(&["A", "B", "C"]),
            "Only A, B and C can read what you write; the police cannot."
        );
        assert_eq!(
            en.promise(&["A"]),
            "Only A can read what you write; the police cannot."
        );
    }

    #[test]
    fn text_falls_back_to_english_then_to_the_path() {
        let it = Language::get("it").unwrap();
        assert_eq!(it.text("no.such.string"), "no.such.string");
        assert!(!it.text("pages.quick_exit").is_empty());
    }
}
