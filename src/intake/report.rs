//! `report.json` v1 as Rust types, read leniently (a report from before the intake has only
//! `description`; a field of the wrong type reads as absent and is named by [`problems`]),
//! and its checks, which mirror `web/report.schema.json` ([`super::schema`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::spec::{question, Kind, QUESTIONS};
use super::IntakeError;

fn lenient<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

/// Where replies go (from her codename).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Reply {
    /// The age recipient replies are sealed to.
    #[serde(default)]
    pub recipient: String,
    /// The mailbox id.
    #[serde(default)]
    pub mailbox: String,
}

/// The appointment her answer is about, as her mailbox showed it (so a partner whose officers
/// proposed two can tell which one she accepted).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AppointmentRef {
    /// When, as the reply said it.
    #[serde(default)]
    pub time: String,
    /// Where (the help desk), as the reply said it.
    #[serde(default)]
    pub desk: String,
}

macro_rules! report {
    ($($(#[$m:meta])* $name:ident: $ty:ty,)*) => {
        /// A `report.json`, every field optional so that any report can be shown.
        #[derive(Clone, Debug, Default, Serialize, Deserialize)]
        pub struct Report {
            $(
                $(#[$m])*
                #[serde(default, deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
                pub $name: Option<$ty>,
            )*
            /// Fields this version does not know (shown as they are, never dropped silently).
            #[serde(flatten)]
            pub other: BTreeMap<String, Value>,
        }
    };
}

report! {
    /// `approdo.report/v1`.
    schema: String,
    /// `report`, or `follow-up` (her answer in the mailbox).
    kind: String,
    /// The report a follow-up answers.
    in_reply_to: String,
    /// BCP 47 code of the language she wrote in.
    language: String,
    /// `browser` or `server` (JavaScript off).
    sealed: String,
    /// Where replies go.
    reply: Reply,
    /// Her answer to a proposed appointment: `accept` or `another`.
    appointment: String,
    /// Which appointment that answer is about.
    appointment_for: AppointmentRef,
    /// `network` when she answered "I don't know" and the network chose this partner for her
    /// (the one its directory marks `default_for_unsure`); absent when she chose it.
    partner_chosen_by: String,
    /// File names under `attachments/`.
    attachments: Vec<String>,
    /// Safe now: `safe`, `not_sure`, `not_safe`.
    safe_now: String,
    /// About her, for someone else with consent, or a witness.
    reporter_role: String,
    /// The outreach worker ticked that the person agreed (someone else reports for her).
    assisted_consent: bool,
    /// Help wanted (one or more).
    help_wanted: Vec<String>,
    /// Today, this week, not urgent.
    urgency: String,
    /// What happened.
    harm_types: Vec<String>,
    /// Who did it (a relation, never an identity).
    perpetrator_relation: String,
    /// Still happening?
    still_happening: String,
    /// Lives with the perpetrator?
    lives_with_perpetrator: String,
    /// Afraid if she leaves or speaks?
    afraid_if_leave_or_speak: String,
    /// Where it happened.
    where_happened: String,
    /// Work sector (only for labour harms).
    work_sector: String,
    /// Documents held by someone else?
    documents_held_by_other: String,
    /// Her words.
    description: String,
    /// Age band.
    age_band: String,
    /// Gender.
    gender: String,
    /// Residence situation.
    residence_situation: String,
    /// Time in Italy.
    time_in_italy: String,
    /// Fear of return.
    fear_of_return: String,
    /// ISO 3166-1 alpha-2.
    country_of_origin: String,
    /// Children.
    children: String,
    /// Services already contacted.
    services_already_contacted: Vec<String>,
    /// Open to the police later?
    open_to_police_later: String,
    /// Mailbox only, help desk, or phone.
    contact_method: String,
    /// A phone number safe to call (only with `contact_method: phone`).
    safe_phone: String,
    /// When it is safe to call.
    safe_times: String,
    /// May a message be left?
    leave_message_ok: String,
    /// A word the caller says so she knows it is them.
    code_word: String,
    /// What she needs at a meeting.
    meeting_needs: Vec<String>,
    /// She agrees that the chosen partner reads this to offer help.
    consent_read: bool,
    /// Whom it may be shared with.
    consent_share: String,
    /// No police unless she asks, or she wants help to report.
    consent_police: String,
}

impl Report {
    /// Reads a `report.json`: anything that is a JSON object is shown.
    pub fn from_json(bytes: &[u8]) -> Result<(Report, Value), IntakeError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| IntakeError::NotJson(e.to_string()))?;
        if !value.is_object() {
            return Err(IntakeError::NotJson("not a JSON object".into()));
        }
        let report = serde_json::from_value(value.clone())
            .map_err(|e| IntakeError::NotJson(e.to_string()))?;
        Ok((report, value))
    }
}

/// The fields report.json v1 may hold besides the intake questions.
pub const ENVELOPE_FIELDS: &[&str] = &[
    "schema",
    "kind",
    "in_reply_to",
    "language",
    "description",
    "attachments",
    "sealed",
    "reply",
    "appointment",
    "appointment_for",
    "partner_chosen_by",
];

/// Whether the (field, code) conditions of `only_if` hold in `json`.
pub(super) fn condition_holds(json: &Value, only_if: &[(&str, &str)]) -> bool {
    only_if.is_empty()
        || only_if.iter().any(|(field, code)| match json.get(*field) {
            Some(Value::String(s)) => s == code,
            Some(Value::Array(a)) => a.iter().any(|v| v == code),
            _ => false,
        })
}

/// What is wrong with `json` against schema v1 (empty: it is valid). Mirrors the JSON Schema.
pub fn problems(json: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(obj) = json.as_object() else {
        return vec!["not a JSON object".into()];
    };
    if obj.get("schema").and_then(Value::as_str) != Some(crate::envelope::SCHEMA) {
        out.push(format!("schema is not {}", crate::envelope::SCHEMA));
    }
    let kind = obj.get("kind").and_then(Value::as_str);
    if !matches!(kind, Some("report" | "follow-up")) {
        out.push("kind is not report or follow-up".into());
    }
    match obj.get("language").and_then(Value::as_str) {
        Some(l) if crate::stats::fields::field("language").is_some_and(|f| f.code(l) == l) => {}
        _ => out.push("language is not one of the site's languages".into()),
    }
    if !matches!(
        obj.get("sealed").and_then(Value::as_str),
        Some("browser" | "server")
    ) {
        out.push("sealed is not browser or server".into());
    }
    if obj
        .get("partner_chosen_by")
        .is_some_and(|v| v.as_str() != Some("network"))
    {
        out.push("partner_chosen_by is not network".into());
    }
    for (k, v) in obj {
        if let Some(q) = question(k) {
            if let Err(why) = check_answer(q, v) {
                out.push(format!("{k}: {why}"));
            }
            if !condition_holds(json, q.only_if) {
                out.push(format!("{k} is present but its question was not asked"));
            }
        } else if !ENVELOPE_FIELDS.contains(&k.as_str()) {
            out.push(format!("{k} is not a field of schema v1"));
        }
    }
    if kind == Some("report") {
        for q in QUESTIONS.iter().filter(|q| q.required) {
            if !obj.contains_key(q.name) {
                out.push(format!("{} is required in a report", q.name));
            }
        }
        if obj.get("consent_read") != Some(&Value::Bool(true)) {
            out.push("consent_read must be true".into());
        }
    }
    out
}

fn check_answer(q: &super::spec::Question, v: &Value) -> Result<(), String> {
    let code_ok = |s: &str| match q.kind {
        Kind::Country => {
            (s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()))
                || s == crate::stats::fields::PREFER_NOT
        }
        _ => q.code(s) == Some(s),
    };
    match (q.kind, v) {
        (Kind::One | Kind::Country, Value::String(s)) if code_ok(s) => Ok(()),
        (Kind::Many, Value::Array(a)) => {
            let codes: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
            if codes.len() != a.len() || !codes.iter().all(|c| code_ok(c)) {
                Err("holds a value that is not one of its codes".into())
            } else if q.required && codes.is_empty() {
                Err("needs at least one code".into())
            } else {
                Ok(())
            }
        }
        (Kind::Line | Kind::Text, Value::String(_)) => Ok(()),
        (Kind::Consent, Value::Bool(_)) => Ok(()),
        _ => Err("not one of its codes or of the wrong type".into()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_old_report_reads_and_a_wrong_type_reads_as_absent() {
        let (r, _) = Report::from_json(br#"{"schema":"approdo.report/v1","description":"x","harm_types":"threats","future":1}"#).unwrap();
        assert_eq!(r.description.as_deref(), Some("x"));
        assert!(r.harm_types.is_none());
        assert!(r.other.contains_key("future"));
        assert!(Report::from_json(b"[1]").is_err());
        assert!(Report::from_json(b"{").is_err());
    }

    #[test]
    fn problems_name_what_is_wrong() {
        let ok = serde_json::json!({
            "schema": "approdo.report/v1", "kind": "report", "language": "ar", "sealed": "browser",
            "safe_now": "not_safe", "reporter_role": "about_me", "help_wanted": ["talk"],
            "urgency": "today", "contact_method": "mailbox", "consent_read": true,
            "consent_share": "ask_first", "consent_police": "no_police",
            "harm_types": ["unpaid_or_very_low_pay"], "work_sector": "agriculture",
            "country_of_origin": "MA",
        });
        assert_eq!(problems(&ok), Vec::<String>::new());
        let mut bad = ok.clone();
        bad["harm_types"] = serde_json::json!(["threats"]);
        bad["gender"] = "x".into();
        bad["name"] = "Anna".into();
        bad.as_object_mut().unwrap().remove("urgency");
        let p = problems(&bad).join("; ");
        for want in [
            "work_sector is present",
            "gender:",
            "name is not a field",
            "urgency is required",
        ] {
            assert!(p.contains(want), "{p}");
        }
    }
}
