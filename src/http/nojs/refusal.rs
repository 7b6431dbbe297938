//! Why a no-JavaScript form was not sent: one enum, each reason with its HTTP status and the
//! key of its words in the locales (`form.refusal.<key>`). The keys are the codes the page
//! script shows for the JSON API's refusals too (`web/src/upload.js`, the same
//! `<template id="js-text">` strings), so the two paths say the same thing in the same words.
//! A test checks the mapping both ways: every reason has its words in `web/locales/en.po`,
//! and every `form.refusal` string there is some reason's. Each reason also names its API
//! twin ([`Refusal::code`], an exhaustive match onto [`ErrorCode`], the `code` of the JSON
//! errors): a test checks that every reason's code is one an [`crate::http::ApiError`] answers
//! with, and with the same status (one documented exception).

use crate::http::ErrorCode;

/// What is short when the server is busy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Load {
    /// The submission budget (server-wide or this circuit's): 429.
    Rate,
    /// The codename KDF's bounded pool: 503.
    Pool,
}

/// A refusal of the no-JavaScript form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Too many reports are arriving: wait a minute.
    Busy(Load),
    /// The disk is full (507).
    Full,
    /// The form token is missing, used or not from this site (403).
    Expired,
    /// A field of the form could not be read (400).
    Unreadable,
    /// Not the multipart report form (400).
    NotForm,
    /// The upload broke off (400).
    Interrupted,
    /// A text field is longer than the form allows (413).
    FieldTooLong,
    /// The files are larger than the drop box accepts (413).
    FilesTooLarge,
    /// More files than the form allows (413).
    TooManyFiles,
    /// The sealed report would be too large (413).
    TooLarge,
    /// A partner the directory does not list (400).
    UnknownPartner,
    /// No partner chosen (400).
    ChoosePartner,
    /// A follow-up answer with no text (400).
    WriteAnswer,
    /// Reporting for someone else without ticking their consent (400).
    Assisted,
    /// The consent box not ticked (400).
    Consent,
    /// The hidden fields of a mailbox answer form are damaged (400).
    DamagedAnswer,
    /// The server could not seal or store it (500).
    Server,
    /// The same form was sent already, or is being sent (Send pressed twice, a reload) (409).
    AlreadySent,
}

impl Refusal {
    /// Every reason, one of each kind (for the test that maps them to their words).
    #[cfg(test)]
    pub(crate) const ALL: [Refusal; 18] = [
        Refusal::Busy(Load::Rate),
        Refusal::Full,
        Refusal::Expired,
        Refusal::Unreadable,
        Refusal::NotForm,
        Refusal::Interrupted,
        Refusal::FieldTooLong,
        Refusal::FilesTooLarge,
        Refusal::TooManyFiles,
        Refusal::TooLarge,
        Refusal::UnknownPartner,
        Refusal::ChoosePartner,
        Refusal::WriteAnswer,
        Refusal::Assisted,
        Refusal::Consent,
        Refusal::DamagedAnswer,
        Refusal::Server,
        Refusal::AlreadySent,
    ];

    /// The key of its words: `form.refusal.<key>` in `web/locales/<code>.po`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Refusal::Busy(_) => "busy",
            Refusal::Full => "full",
            Refusal::Expired => "expired",
            Refusal::Unreadable => "unreadable",
            Refusal::NotForm => "not_form",
            Refusal::Interrupted => "interrupted",
            Refusal::FieldTooLong => "field_too_long",
            Refusal::FilesTooLarge => "files_too_large",
            Refusal::TooManyFiles => "too_many_files",
            Refusal::TooLarge => "too_large",
            Refusal::UnknownPartner => "unknown_partner",
            Refusal::ChoosePartner => "choose_partner",
            Refusal::WriteAnswer => "write_answer",
            Refusal::Assisted => "assisted",
            Refusal::Consent => "consent",
            Refusal::DamagedAnswer => "damaged_answer",
            Refusal::Server => "server",
            Refusal::AlreadySent => "already_sent",
        }
    }

    /// The HTTP status of the page that says it.
    pub(crate) fn status(self) -> u16 {
        match self {
            Refusal::Busy(Load::Rate) => 429,
            Refusal::Busy(Load::Pool) => 503,
            Refusal::Full => 507,
            Refusal::Expired => 403,
            Refusal::FieldTooLong
            | Refusal::FilesTooLarge
            | Refusal::TooManyFiles
            | Refusal::TooLarge => 413,
            Refusal::Unreadable
            | Refusal::NotForm
            | Refusal::Interrupted
            | Refusal::UnknownPartner
            | Refusal::ChoosePartner
            | Refusal::WriteAnswer
            | Refusal::Assisted
            | Refusal::Consent
            | Refusal::DamagedAnswer => 400,
            Refusal::Server => 500,
            Refusal::AlreadySent => 409,
        }
    }

    /// Its API twin: the machine code the JSON API answers the same refusal with. Several
    /// form-only reasons (no consent, no partner chosen …) are the API's `bad_request`: the
    /// JavaScript form checks them in the page, the API never sees them.
    pub(crate) fn code(self) -> ErrorCode {
        match self {
            Refusal::Busy(Load::Rate) => ErrorCode::RateLimited,
            Refusal::Busy(Load::Pool) => ErrorCode::Busy,
            Refusal::Full => ErrorCode::Full,
            Refusal::Expired => ErrorCode::Forbidden,
            Refusal::Interrupted => ErrorCode::Interrupted,
            Refusal::FieldTooLong
            | Refusal::FilesTooLarge
            | Refusal::TooManyFiles
            | Refusal::TooLarge => ErrorCode::TooLarge,
            Refusal::UnknownPartner => ErrorCode::UnknownPartner,
            Refusal::Unreadable
            | Refusal::NotForm
            | Refusal::ChoosePartner
            | Refusal::WriteAnswer
            | Refusal::Assisted
            | Refusal::Consent
            | Refusal::DamagedAnswer => ErrorCode::BadRequest,
            Refusal::Server => ErrorCode::Internal,
            Refusal::AlreadySent => ErrorCode::Conflict,
        }
    }

    /// The question it is about (the others are about the whole form).
    pub(crate) fn at_fault(self) -> Option<&'static str> {
        match self {
            Refusal::ChoosePartner | Refusal::UnknownPartner => Some("partner"),
            Refusal::Consent => Some("consent_read"),
            Refusal::Assisted => Some("assisted_consent"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both ways, from the values (no source is read): every reason has its words in English
    /// (the fallback of every language; the locale test keeps the others complete), and every
    /// `form.refusal` string is some reason's — a key is one reason, a reason one key.
    #[test]
    fn refusals_and_their_words_match_one_to_one() {
        let en = crate::locale::Language::get("en").expect("English");
        let keys: Vec<&str> = Refusal::ALL.iter().map(|r| r.key()).collect();
        let mut unique = keys.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(
            unique.len(),
            keys.len(),
            "two reasons share a key: {keys:?}"
        );
        for r in Refusal::ALL {
            assert!(
                en.own(&format!("form.refusal.{}", r.key())).is_some(),
                "form.refusal.{} is missing from web/locales/en.po",
                r.key()
            );
            assert!((400..600).contains(&r.status()), "{r:?}");
        }
        let mut words = en.keys("form.refusal");
        words.sort_unstable();
        assert_eq!(
            words, unique,
            "web/locales/en.po form.refusal and Refusal::ALL name different reasons"
        );
        // ALL holds every variant: a new one fails to compile here until it is listed.
        for r in Refusal::ALL {
            let listed = match r {
                Refusal::Busy(_)
                | Refusal::Full
                | Refusal::Expired
                | Refusal::Unreadable
                | Refusal::NotForm
                | Refusal::Interrupted
                | Refusal::FieldTooLong
                | Refusal::FilesTooLarge
                | Refusal::TooManyFiles
                | Refusal::TooLarge
                | Refusal::UnknownPartner
                | Refusal::ChoosePartner
                | Refusal::WriteAnswer
                | Refusal::Assisted
                | Refusal::Consent
                | Refusal::DamagedAnswer
                | Refusal::Server
                | Refusal::AlreadySent => Refusal::ALL.contains(&r),
            };
            assert!(listed);
        }
        assert_eq!(Refusal::Busy(Load::Pool).key(), "busy");
        assert_eq!(Refusal::Busy(Load::Pool).status(), 503);
    }

    /// Every reason has its API twin: its code is one some `ApiError` answers with, at the
    /// same status — except an unknown partner, a 400 on the form (a field of the form is
    /// wrong) and a 404 on the API (`?partner=` names no resource), both kept as they are.
    #[test]
    fn every_refusal_has_its_api_twin() {
        let api: Vec<(ErrorCode, u16)> = crate::http::ApiError::one_of_each()
            .iter()
            .map(|e| {
                let status = actix_web::ResponseError::status_code(e).as_u16();
                (e.code(), status)
            })
            .collect();
        for r in Refusal::ALL.into_iter().chain([Refusal::Busy(Load::Pool)]) {
            let twin = api.iter().find(|(c, _)| *c == r.code());
            let (_, status) = twin.unwrap_or_else(|| panic!("{r:?} has no API twin"));
            if r != Refusal::UnknownPartner {
                assert_eq!(r.status(), *status, "{r:?} and its twin {}", r.code());
            }
        }
        assert_eq!(Refusal::UnknownPartner.code(), ErrorCode::UnknownPartner);
    }
}
