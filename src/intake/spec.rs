//! The intake questions of INTAKE.md, in its order: name in `report.json`, kind, whether the
//! report always carries it, when it is asked at all, and its codes. Choice codes are those of
//! the statistics allow-list ([`crate::stats::fields`]), so what the form sends is what the
//! statistics count; only the contact fields (never counted) have their codes here.

use crate::stats::fields::{self, Values, PREFER_NOT};

/// How a question is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One code (radio buttons).
    One,
    /// Any number of codes (check boxes).
    Many,
    /// Free text (one line).
    Line,
    /// Free text (several lines).
    Text,
    /// An ISO 3166-1 alpha-2 code from a list.
    Country,
    /// A box she ticks to agree (`true`).
    Consent,
}

/// Where a question sits on the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// Safety, who reports, what help, how urgent.
    Safety,
    /// What happened.
    Happened,
    /// About her (all optional).
    About,
    /// How to reach her.
    Contact,
    /// Who reads it, and her consent.
    Consent,
}

/// Every section in form order.
pub const SECTIONS: [(Section, &str); 5] = [
    (Section::Safety, "safety"),
    (Section::Happened, "happened"),
    (Section::About, "about"),
    (Section::Contact, "contact"),
    (Section::Consent, "consent"),
];

/// One question.
#[derive(Debug)]
pub struct Question {
    /// The key in `report.json` and the form field's name.
    pub name: &'static str,
    /// How it is answered.
    pub kind: Kind,
    /// The report always carries it (a skipped one is recorded as `prefer_not_to_say`, except
    /// consents, which she must give).
    pub required: bool,
    /// Asked only when one of these (field, code) answers was given.
    pub only_if: &'static [(&'static str, &'static str)],
    /// Where it sits.
    pub section: Section,
    /// `prefer_not_to_say` is offered (every choice except contact method and consents).
    pub prefer_not: bool,
}

const LABOUR: &[(&str, &str)] = &[
    ("harm_types", "unpaid_or_very_low_pay"),
    ("harm_types", "forced_sex_work"),
    ("harm_types", "forced_begging_or_crime"),
    ("harm_types", "not_free_to_leave"),
    ("harm_types", "debt_to_trafficker"),
    ("help_wanted", "leave_exploitative_job"),
];
const PHONE: &[(&str, &str)] = &[("contact_method", "phone")];
const ASSISTED: &[(&str, &str)] = &[("reporter_role", "for_someone_else")];

/// Codes of `contact_method` (the first is the default).
pub const CONTACT_METHOD: &[&str] = &["mailbox", "help_desk", "phone"];
/// Codes of `leave_message_ok`.
pub const YES_NO: &[&str] = &["yes", "no"];

macro_rules! q {
    ($name:literal, $kind:ident, $section:ident) => {
        q!($name, $kind, $section, false, &[], true)
    };
    ($name:literal, $kind:ident, $section:ident, $req:literal) => {
        q!($name, $kind, $section, $req, &[], true)
    };
    ($name:literal, $kind:ident, $section:ident, $req:literal, $only:expr, $pns:literal) => {
        Question {
            name: $name,
            kind: Kind::$kind,
            required: $req,
            only_if: $only,
            section: Section::$section,
            prefer_not: $pns,
        }
    };
}

/// The questions, in the order of INTAKE.md (`language` is the page's, not a question;
/// `assisted_consent` is the outreach worker's tick when she reports for someone else).
#[rustfmt::skip]
pub const QUESTIONS: &[Question] = &[
    q!("safe_now", One, Safety, true),
    q!("reporter_role", One, Safety, true),
    q!("assisted_consent", Consent, Safety, false, ASSISTED, false),
    q!("help_wanted", Many, Safety, true),
    q!("urgency", One, Safety, true),
    q!("harm_types", Many, Happened),
    q!("perpetrator_relation", One, Happened),
    q!("still_happening", One, Happened),
    q!("lives_with_perpetrator", One, Happened),
    q!("afraid_if_leave_or_speak", One, Happened),
    q!("where_happened", One, Happened),
    q!("work_sector", One, Happened, false, LABOUR, true),
    q!("documents_held_by_other", One, Happened),
    q!("description", Text, Happened),
    q!("age_band", One, About),
    q!("gender", One, About),
    q!("residence_situation", One, About),
    q!("time_in_italy", One, About),
    q!("fear_of_return", One, About),
    q!("country_of_origin", Country, About),
    q!("children", One, About),
    q!("services_already_contacted", Many, About),
    q!("open_to_police_later", One, About),
    q!("contact_method", One, Contact, true, &[], false),
    q!("safe_phone", Line, Contact, false, PHONE, false),
    q!("safe_times", Line, Contact, false, PHONE, false),
    q!("leave_message_ok", One, Contact, false, PHONE, true),
    q!("code_word", Line, Contact, false, PHONE, false),
    q!("meeting_needs", Many, Contact),
    q!("consent_read", Consent, Consent, true, &[], false),
    q!("consent_share", One, Consent, true, &[], false),
    q!("consent_police", One, Consent, true, &[], false),
];

/// The question called `name`.
pub fn question(name: &str) -> Option<&'static Question> {
    QUESTIONS.iter().find(|q| q.name == name)
}

impl Question {
    /// The codes she can choose, in order (without `prefer_not_to_say`).
    pub fn codes(&self) -> Vec<&'static str> {
        match self.name {
            "contact_method" => return CONTACT_METHOD.to_vec(),
            "leave_message_ok" => return YES_NO.to_vec(),
            _ => {}
        }
        match fields::field(self.name).map(|f| &f.values) {
            Some(Values::Codes(codes)) => codes.iter().map(|(c, _)| *c).collect(),
            Some(Values::Country) => super::countries::COUNTRIES.iter().map(|c| c.0).collect(),
            None => Vec::new(),
        }
    }

    /// The code `raw` as one of this question's static codes (`prefer_not_to_say` when offered).
    pub fn code(&self, raw: &str) -> Option<&'static str> {
        let raw = raw.trim();
        if self.prefer_not && raw == PREFER_NOT {
            return Some(PREFER_NOT);
        }
        self.codes().into_iter().find(|c| *c == raw)
    }

    /// The code chosen when she gives no answer to a question the report always carries.
    pub fn default_code(&self) -> Option<&'static str> {
        match self.name {
            "contact_method" => Some("mailbox"),
            "consent_share" => Some("chosen_partner_only"),
            "consent_police" => Some("no_police"),
            _ if self.required && matches!(self.kind, Kind::One | Kind::Many) => Some(PREFER_NOT),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_choice_question_has_codes_and_every_counted_field_is_asked() {
        for q in QUESTIONS {
            if matches!(q.kind, Kind::One | Kind::Many | Kind::Country) {
                assert!(q.codes().len() >= 2, "{}", q.name);
            }
        }
        for f in fields::FIELDS {
            if !matches!(f.name, "language" | "sealed") {
                assert!(
                    question(f.name).is_some(),
                    "{} is counted but never asked",
                    f.name
                );
            }
        }
        let conditions = QUESTIONS.iter().flat_map(|q| q.only_if.iter());
        for (field, code) in conditions {
            assert!(
                question(field).unwrap().code(code).is_some(),
                "{field}={code}"
            );
        }
        assert_eq!(
            question("consent_police").unwrap().default_code(),
            Some("no_police")
        );
        assert_eq!(
            question("urgency").unwrap().default_code(),
            Some(PREFER_NOT)
        );
        assert_eq!(question("gender").unwrap().default_code(), None);
    }
}
