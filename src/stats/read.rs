//! Reading pulled reports for counting. Only allow-listed keys of `report.json` are
//! deserialised; every other key (the description, contact details, the reply key, …) is
//! skipped by the parser without being kept. Follow-up messages are not reports and are not
//! counted. The month comes from `meta.json`, which `approdo pull` writes with the day the
//! server recorded; the file's date would be the pull date, so it is never used.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::fields::{self, NOT_ANSWERED, UNRECOGNISED};
use super::StatsError;

/// Largest `report.json` read (the unpacker's own limit).
const MAX_REPORT_JSON: u64 = 1 << 20;
/// The month of reports whose arrival day is not known.
pub const UNKNOWN_MONTH: &str = "unknown";

/// One report reduced to allow-listed codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// `YYYY-MM` of arrival, or [`UNKNOWN_MONTH`].
    pub month: String,
    /// Field name → codes (one for single-choice fields, one or more for multi-choice ones).
    pub values: BTreeMap<&'static str, Vec<String>>,
}

/// What was read, and what was left out.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The counted reports.
    pub records: Vec<Record>,
    /// Follow-up messages (not counted).
    pub follow_ups: usize,
    /// Folders whose `report.json` is missing, unreadable, too large, or not a v1 report:
    /// their folder names (report ids), to show the officer.
    pub skipped: Vec<String>,
    /// Reports without `meta.json` (their month is unknown).
    pub without_day: usize,
}

#[derive(Default)]
struct Countable {
    schema: Option<String>,
    kind: Option<String>,
    fields: BTreeMap<&'static str, serde_json::Value>,
}

impl<'de> Deserialize<'de> for Countable {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(CountableVisitor)
    }
}

struct CountableVisitor;

impl<'de> Visitor<'de> for CountableVisitor {
    type Value = Countable;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a report.json object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Countable, A::Error> {
        let mut c = Countable::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "schema" => {
                    c.schema = map
                        .next_value::<serde_json::Value>()?
                        .as_str()
                        .map(str::to_owned)
                }
                "kind" => {
                    c.kind = map
                        .next_value::<serde_json::Value>()?
                        .as_str()
                        .map(str::to_owned)
                }
                k => match fields::field(k) {
                    Some(f) => {
                        c.fields.insert(f.name, map.next_value()?);
                    }
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
            }
        }
        Ok(c)
    }
}

/// The bytes are not a v1 `report.json` (no detail: it could quote the content).
#[derive(Debug, PartialEq, Eq)]
pub struct NotAReport;

/// Reduces one `report.json` (bytes) to a record; `None` for a follow-up message.
pub fn record(json: &[u8], month: String) -> Result<Option<Record>, NotAReport> {
    let c: Countable = serde_json::from_slice(json).map_err(|_| NotAReport)?;
    if c.schema.as_deref() != Some(crate::envelope::SCHEMA) {
        return Err(NotAReport);
    }
    if c.kind.as_deref() == Some("follow-up") {
        return Ok(None);
    }
    let mut values = BTreeMap::new();
    for f in fields::FIELDS {
        let codes: Vec<String> = match c.fields.get(f.name) {
            None | Some(serde_json::Value::Null) => vec![NOT_ANSWERED.to_owned()],
            Some(serde_json::Value::String(s)) => vec![f.code(s)],
            Some(serde_json::Value::Array(items)) if f.multi => {
                let set: BTreeSet<String> = items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map_or_else(|| UNRECOGNISED.to_owned(), |s| f.code(s))
                    })
                    .collect();
                if set.is_empty() {
                    vec![NOT_ANSWERED.to_owned()]
                } else {
                    set.into_iter().collect()
                }
            }
            Some(_) => vec![UNRECOGNISED.to_owned()],
        };
        values.insert(f.name, codes);
    }
    Ok(Some(Record { month, values }))
}

/// `YYYY-MM` from `<report dir>/meta.json` (`{"day": "YYYY-MM-DD"}`), if there is one.
fn month_of(dir: &Path) -> Option<String> {
    #[derive(Deserialize)]
    struct Meta {
        day: String,
    }
    let text = std::fs::read_to_string(dir.join("meta.json")).ok()?;
    let meta: Meta = serde_json::from_str(&text).ok()?;
    let b = meta.day.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    (b.len() == 10 && b[4] == b'-' && b[7] == b'-' && digits(0..4) && digits(5..7) && digits(8..10))
        .then(|| meta.day[..7].to_owned())
}

fn read_limited(path: &Path) -> Option<Vec<u8>> {
    let f = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    f.take(MAX_REPORT_JSON + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= MAX_REPORT_JSON).then_some(bytes)
}

/// Reads every report under `dirs`: a folder holding `report.json` is one report; otherwise
/// each sub-folder not starting with `.` is (as `approdo pull --out DIR` leaves them). A
/// report folder name seen twice is counted once.
pub fn load(dirs: &[PathBuf]) -> Result<Loaded, StatsError> {
    let mut report_dirs = Vec::new();
    for d in dirs {
        if d.join("report.json").is_file() {
            report_dirs.push(d.clone());
            continue;
        }
        let entries = std::fs::read_dir(d).map_err(|source| StatsError::Read {
            path: d.display().to_string(),
            source,
        })?;
        let mut subs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        subs.sort();
        report_dirs.extend(subs);
    }
    let mut seen = BTreeSet::new();
    let mut loaded = Loaded::default();
    for dir in report_dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !seen.insert(name.clone()) {
            continue;
        }
        let month = month_of(&dir);
        if month.is_none() {
            loaded.without_day += 1;
        }
        let month = month.unwrap_or_else(|| UNKNOWN_MONTH.to_owned());
        match read_limited(&dir.join("report.json"))
            .ok_or(NotAReport)
            .and_then(|b| record(&b, month))
        {
            Ok(Some(r)) => loaded.records.push(r),
            Ok(None) => loaded.follow_ups += 1,
            Err(NotAReport) => loaded.skipped.push(name),
        }
    }
    Ok(loaded)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_allowed_codes() {
        let json = br#"{"schema":"approdo.report/v1","language":"ar","description":"SECRET",
            "harm_types":["threats","threats","John Smith lives at via Roma 1",7],
            "urgency":"today","gender":null,"country_of_origin":"ng","safe_phone":"+39 333"}"#;
        let r = record(json, "2025-03".into()).unwrap().unwrap();
        assert_eq!(r.values["language"], ["ar"]);
        assert_eq!(r.values["harm_types"], ["threats", "unrecognised"]);
        assert_eq!(r.values["urgency"], ["today"]);
        assert_eq!(r.values["gender"], ["not_answered"]);
        assert_eq!(r.values["country_of_origin"], ["NG"]);
        let all = format!("{r:?}");
        assert!(!all.contains("SECRET") && !all.contains("John") && !all.contains("333"));
    }

    #[test]
    fn follow_ups_and_non_reports() {
        let f = br#"{"schema":"approdo.report/v1","kind":"follow-up","urgency":"today"}"#;
        assert_eq!(record(f, "x".into()), Ok(None));
        assert!(record(br#"{"schema":"other"}"#, "x".into()).is_err());
        assert!(record(b"[1]", "x".into()).is_err());
    }
}
