//! The JSON Schema (draft 2020-12) of `report.json` v1, made from the questions
//! ([`super::spec`]) so that the file partners read, `web/report.schema.json`, cannot drift from
//! what the form sends: a test compares the two (`APPRODO_BLESS=1 cargo test --lib
//! schema` rewrites the file after a deliberate change).

use serde_json::{json, Map, Value};

use super::spec::{Kind, QUESTIONS};
use crate::stats::fields::{self, PREFER_NOT};

/// The schema as a JSON value.
pub fn json_schema() -> Value {
    let mut props = Map::new();
    let languages: Vec<&str> = match fields::field("language").map(|f| &f.values) {
        Some(fields::Values::Codes(c)) => c.iter().map(|(c, _)| *c).collect(),
        _ => Vec::new(),
    };
    props.insert("schema".into(), json!({"const": crate::envelope::SCHEMA}));
    props.insert("kind".into(), json!({"enum": ["report", "follow-up"]}));
    props.insert("in_reply_to".into(), json!({"type": "string"}));
    props.insert(
        "language".into(),
        json!({"enum": languages, "description": "BCP 47 code of the page she used"}),
    );
    props.insert("sealed".into(), json!({"enum": ["browser", "server"]}));
    props.insert(
        "reply".into(),
        json!({"type": "object", "required": ["recipient", "mailbox"], "properties": {
            "recipient": {"type": "string", "pattern": "^age1[02-9ac-hj-np-z]+$"},
            "mailbox": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}, "additionalProperties": false}),
    );
    props.insert("appointment".into(), json!({"enum": ["accept", "another"]}));
    props.insert(
        "appointment_for".into(),
        json!({"type": "object", "required": ["time", "desk"], "properties": {
            "time": {"type": "string"},
            "desk": {"type": "string"}}, "additionalProperties": false}),
    );
    props.insert(
        "partner_chosen_by".into(),
        json!({"enum": ["network"], "description": "she answered \"I don't know\": the network chose this partner (absent: she chose it)"}),
    );
    props.insert(
        "attachments".into(),
        json!({"type": "array", "items": {"type": "string"}}),
    );
    for q in QUESTIONS {
        let mut codes: Vec<Value> = q.codes().into_iter().map(Value::from).collect();
        if q.prefer_not {
            codes.push(PREFER_NOT.into());
        }
        let s = match q.kind {
            Kind::One => json!({"enum": codes}),
            Kind::Many => {
                let mut s = json!({"type": "array", "uniqueItems": true, "items": {"enum": codes}});
                if q.required {
                    s["minItems"] = 1.into();
                }
                s
            }
            Kind::Line => json!({"type": "string", "maxLength": 200}),
            Kind::Text => json!({"type": "string"}),
            Kind::Country => {
                json!({"anyOf": [{"type": "string", "pattern": "^[A-Z]{2}$"}, {"const": PREFER_NOT}],
                "description": "ISO 3166-1 alpha-2"})
            }
            Kind::Consent => json!({"type": "boolean"}),
        };
        props.insert(q.name.into(), s);
    }
    let required_in_report: Vec<&str> = QUESTIONS
        .iter()
        .filter(|q| q.required)
        .map(|q| q.name)
        .collect();
    let mut all_of = vec![json!({
        "if": {"properties": {"kind": {"const": "report"}}, "required": ["kind"]},
        "then": {"required": required_in_report, "properties": {"consent_read": {"const": true}}},
    })];
    for q in QUESTIONS.iter().filter(|q| !q.only_if.is_empty()) {
        let any: Vec<Value> = q
            .only_if
            .iter()
            .map(|(field, code)| {
                let test = match super::spec::question(field).map(|f| f.kind) {
                    Some(Kind::Many) => json!({"type": "array", "contains": {"const": code}}),
                    _ => json!({"const": code}),
                };
                json!({"properties": {*field: test}, "required": [field]})
            })
            .collect();
        all_of.push(json!({
            "if": {"anyOf": any},
            "else": {"not": {"required": [q.name]}},
        }));
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:approdo:report:v1",
        "title": "approdo report.json, schema v1 (approdo.report/v1)",
        "description": "The plaintext report inside the sealed envelope. Generated from src/intake/spec.rs; choice codes are those of src/stats/fields.rs. Never holds a name, date of birth, email, address, ID or codice fiscale.",
        "type": "object",
        "required": ["schema", "kind", "language", "sealed"],
        "properties": props,
        "additionalProperties": false,
        "allOf": all_of,
    })
}

/// The schema as the committed file holds it (pretty, trailing newline).
pub fn json_schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&json_schema())
        .expect("a serde_json::Value always serialises");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_schema_file_is_the_generated_one() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/web/report.schema.json");
        let want = super::json_schema_text();
        if std::env::var("APPRODO_BLESS").is_ok_and(|v| v == "1") {
            std::fs::write(path, &want).expect("write web/report.schema.json");
        }
        let got = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            got == want,
            "web/report.schema.json is out of date: run APPRODO_BLESS=1 cargo test --lib schema"
        );
    }
}
