//! Her answers as the plain form sends them (JavaScript off): each field checked against its
//! question's codes (anything else is dropped, never echoed), free text kept in zeroised
//! memory, questions that were not asked dropped, skipped required questions recorded as
//! `prefer_not_to_say` (or their safe default), consent required. `web/src/intake.js` does the
//! same in the browser.

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};
use zeroize::Zeroizing;

use super::spec::{question, Kind, QUESTIONS};
use super::IntakeError;
use crate::stats::fields::PREFER_NOT;

/// Longest one-line answer (phone, times, code word), in characters.
pub const MAX_LINE: usize = 200;

/// One answer.
enum Answer {
    Code(&'static str),
    Codes(Vec<&'static str>),
    Text(Zeroizing<String>),
    Yes,
}

/// The intake answers of one report (without `description`, which the form handles itself).
#[derive(Default)]
pub struct Answers {
    map: BTreeMap<&'static str, Answer>,
}

impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Answers({} fields, redacted)", self.map.len())
    }
}

impl Answers {
    /// Whether a form field of this name is an intake answer (`description` is not: the form
    /// reads it as before).
    pub fn is_field(name: &str) -> bool {
        name != "description" && question(name).is_some()
    }

    /// Takes one submitted value of field `name` (ignored when it is not a valid answer).
    pub fn push(&mut self, name: &str, raw: &str) {
        let Some(q) = question(name) else { return };
        let raw = raw.trim();
        if raw.is_empty() {
            return;
        }
        match q.kind {
            Kind::One => {
                if let Some(code) = q.code(raw) {
                    self.map.insert(q.name, Answer::Code(code));
                }
            }
            Kind::Many => {
                if let Some(code) = q.code(raw) {
                    let entry = self.map.entry(q.name).or_insert(Answer::Codes(Vec::new()));
                    if let Answer::Codes(v) = entry {
                        if !v.contains(&code) {
                            v.push(code);
                        }
                    }
                }
            }
            Kind::Country => {
                if raw == PREFER_NOT {
                    self.map.insert(q.name, Answer::Code(PREFER_NOT));
                } else if raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_alphabetic()) {
                    self.map.insert(
                        q.name,
                        Answer::Text(Zeroizing::new(raw.to_ascii_uppercase())),
                    );
                }
            }
            Kind::Line | Kind::Text => {
                let text: String = raw.chars().take(MAX_LINE).collect();
                self.map.insert(q.name, Answer::Text(Zeroizing::new(text)));
            }
            Kind::Consent => {
                self.map.insert(q.name, Answer::Yes);
            }
        }
    }

    fn holds(&self, only_if: &[(&str, &str)]) -> bool {
        only_if.is_empty()
            || only_if
                .iter()
                .any(|(field, code)| match self.map.get(field) {
                    Some(Answer::Code(c)) => c == code,
                    Some(Answer::Codes(v)) => v.contains(code),
                    _ => false,
                })
    }

    /// The answers of a report: questions not asked dropped, defaults filled in, consents checked.
    pub fn finish(mut self) -> Result<Answers, IntakeError> {
        let asked: Vec<&'static str> = QUESTIONS
            .iter()
            .filter(|q| !self.holds(q.only_if))
            .map(|q| q.name)
            .collect();
        for name in asked {
            self.map.remove(name);
        }
        for q in QUESTIONS {
            if !self.map.contains_key(q.name) {
                match (q.kind, q.default_code()) {
                    (Kind::Many, Some(c)) => {
                        self.map.insert(q.name, Answer::Codes(vec![c]));
                    }
                    (_, Some(c)) => {
                        self.map.insert(q.name, Answer::Code(c));
                    }
                    _ => {}
                }
            }
        }
        if !matches!(self.map.get("consent_read"), Some(Answer::Yes)) {
            return Err(IntakeError::NoConsent);
        }
        if self.holds(&[("reporter_role", "for_someone_else")])
            && !matches!(self.map.get("assisted_consent"), Some(Answer::Yes))
        {
            return Err(IntakeError::NoAssistedConsent);
        }
        Ok(self)
    }

    /// She reports for someone else (the codename is to be handed over).
    pub fn assisted(&self) -> bool {
        self.holds(&[("reporter_role", "for_someone_else")])
    }
}

impl Serialize for Answers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.map.len()))?;
        for q in QUESTIONS {
            match self.map.get(q.name) {
                Some(Answer::Code(c)) => m.serialize_entry(q.name, c)?,
                Some(Answer::Codes(v)) => m.serialize_entry(q.name, v)?,
                Some(Answer::Text(t)) => m.serialize_entry(q.name, t.as_str())?,
                Some(Answer::Yes) => m.serialize_entry(q.name, &true)?,
                None => {}
            }
        }
        m.end()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn answers(pairs: &[(&str, &str)]) -> Result<serde_json::Value, IntakeError> {
        let mut a = Answers::default();
        for (k, v) in pairs {
            a.push(k, v);
        }
        a.finish().map(|a| serde_json::to_value(&a).unwrap())
    }

    #[test]
    fn defaults_conditions_and_consent() {
        assert!(matches!(answers(&[]), Err(IntakeError::NoConsent)));
        let j = answers(&[
            ("consent_read", "yes"),
            ("harm_types", "threats"),
            ("harm_types", "threats"),
            ("harm_types", "<script>"),
            ("work_sector", "agriculture"),
            ("safe_phone", "333"),
            ("country_of_origin", "ma"),
            ("gender", "nonsense"),
        ])
        .unwrap();
        assert_eq!(j["harm_types"], serde_json::json!(["threats"]));
        assert!(j.get("work_sector").is_none() && j.get("safe_phone").is_none());
        assert!(j.get("gender").is_none());
        assert_eq!(j["country_of_origin"], "MA");
        assert_eq!(j["safe_now"], PREFER_NOT);
        assert_eq!(j["help_wanted"], serde_json::json!([PREFER_NOT]));
        assert_eq!(j["contact_method"], "mailbox");
        assert_eq!(j["consent_police"], "no_police");
        assert_eq!(j["consent_read"], true);
        let j = answers(&[
            ("consent_read", "yes"),
            ("harm_types", "unpaid_or_very_low_pay"),
            ("work_sector", "agriculture"),
            ("contact_method", "phone"),
            ("safe_phone", " 333 1234567 "),
        ])
        .unwrap();
        assert_eq!(j["work_sector"], "agriculture");
        assert_eq!(j["safe_phone"], "333 1234567");
        assert!(matches!(
            answers(&[
                ("consent_read", "yes"),
                ("reporter_role", "for_someone_else")
            ]),
            Err(IntakeError::NoAssistedConsent)
        ));
        let mut full = j.clone();
        full.as_object_mut().unwrap().extend([
            ("schema".to_owned(), "approdo.report/v1".into()),
            ("kind".to_owned(), "report".into()),
            ("language".to_owned(), "it".into()),
            ("sealed".to_owned(), "server".into()),
        ]);
        assert_eq!(super::super::report::problems(&full), Vec::<String>::new());
    }
}
