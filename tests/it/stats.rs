//! `approdo stats` over a fixture of pulled reports: the expected table, small cells
//! suppressed (and not recoverable from the totals), never a description or a contact
//! detail, SVG that is valid XML, merging raw CSVs of two partners; and `pull` recording the
//! day the server received each report.

use std::path::Path;

use serde_json::json;

use crate::common::{approdo, seal, TestServer};

const MARKERS: &[&str] = &[
    "DESCRIPTION-MARKER-7f3a",
    "PHONE-MARKER-3392",
    "CODEWORD-MARKER-aa1",
    "ENUM-MARKER-free-text",
    "REPLY-MARKER-77",
];

fn write_report(dir: &Path, n: usize, day: Option<&str>, report: serde_json::Value) {
    let d = dir.join(format!("{n:032x}"));
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("report.json"), report.to_string()).unwrap();
    if let Some(day) = day {
        std::fs::write(d.join("meta.json"), json!({ "day": day }).to_string()).unwrap();
    }
}

/// 17 reports: 9 "today" (5 in January, 4 in February), 6 "this week" (February), 2 "not
/// urgent" (March, one full of markers); plus a follow-up, a broken folder and a partial pull.
fn fixture(a: &Path, b: &Path) {
    let mut n = 0;
    let mut add = |dir: &Path, day: &str, r: serde_json::Value| {
        n += 1;
        write_report(dir, n, Some(day), r);
    };
    let base = |urgency: &str, harms: serde_json::Value| {
        json!({
            "schema": "approdo.report/v1", "language": "ar", "sealed": "browser",
            "urgency": urgency, "help_wanted": ["talk", "safe_place"], "harm_types": harms,
            "description": "an ordinary description",
        })
    };
    for i in 0..5 {
        add(
            a,
            &format!("2025-01-{:02}", i + 3),
            base("today", json!(["physical_violence", "threats"])),
        );
    }
    for i in 0..4 {
        add(
            b,
            &format!("2025-02-{:02}", i + 1),
            base("today", json!(["threats"])),
        );
    }
    for i in 0..6 {
        add(
            a,
            &format!("2025-02-{:02}", i + 10),
            base("this_week", json!(["unpaid_or_very_low_pay"])),
        );
    }
    add(b, "2025-03-02", base("not_urgent", json!(["stalking"])));
    add(
        b,
        "2025-03-09",
        json!({
            "schema": "approdo.report/v1", "language": "ur", "urgency": "not_urgent",
            "description": MARKERS[0], "safe_phone": MARKERS[1], "code_word": MARKERS[2],
            "harm_types": [MARKERS[3]], "gender": MARKERS[3], "country_of_origin": MARKERS[3],
            "help_wanted": "talk", "contact_method": "phone", "reply": { "text": MARKERS[4] },
        }),
    );
    // Not counted: a follow-up message, a folder with no report, a half-finished pull.
    write_report(
        a,
        900,
        Some("2025-03-10"),
        json!({"schema": "approdo.report/v1", "kind": "follow-up", "urgency": "today",
               "description": MARKERS[0]}),
    );
    std::fs::create_dir_all(a.join(format!("{:032x}", 901))).unwrap();
    std::fs::write(a.join(format!("{:032x}/report.json", 901)), MARKERS[0]).unwrap();
    std::fs::create_dir_all(a.join(".partial-x")).unwrap();
    std::fs::write(a.join(".partial-x/report.json"), "{}").unwrap();
}

fn stats(args: &[&str]) -> (String, String) {
    let mut all = vec!["stats"];
    all.extend_from_slice(args);
    let (ok, out, err) = approdo(&all);
    assert!(ok, "{args:?}: {err}");
    (out, err)
}

fn setup() -> (tempfile::TempDir, String, String) {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    fixture(&a, &b);
    let (a, b) = (
        a.to_str().unwrap().to_owned(),
        b.to_str().unwrap().to_owned(),
    );
    (t, a, b)
}

#[test]
fn counts_the_expected_table_and_suppresses_small_cells() {
    let (_t, a, b) = setup();
    let (csv, err) = stats(&[&a, &b, "--by", "urgency", "--format", "csv"]);
    assert_eq!(
        csv,
        "field,value,month,count\n\
reports,all,all,17\n\
urgency,today,all,9\n\
urgency,this_week,all,x\n\
urgency,not_urgent,all,< 5\n\
urgency,prefer_not_to_say,all,0\n\
urgency,not_answered,all,0\n\
urgency,unrecognised,all,0\n"
    );
    assert!(
        err.contains("1 follow-up") && err.contains("skipped 1 folder"),
        "{err}"
    );

    // Exact counts for partners: by month.
    let (raw, err) = stats(&[
        &a,
        &b,
        "--by",
        "month,urgency",
        "--format",
        "csv",
        "--min-count",
        "1",
    ]);
    assert!(err.contains("never publish"), "{err}");
    for line in [
        "reports,all,2025-01,5",
        "reports,all,2025-02,10",
        "reports,all,2025-03,2",
        "urgency,today,2025-01,5",
        "urgency,today,2025-02,4",
        "urgency,this_week,2025-02,6",
        "urgency,not_urgent,2025-03,2",
        "urgency,today,all,9",
    ] {
        assert!(raw.lines().any(|l| l == line), "{line} in\n{raw}");
    }

    // Published by month: no group of cells that adds up to a printed total has exactly one
    // hidden number, so none can be computed back.
    let (md, _) = stats(&[&a, &b, "--by", "month,urgency", "--format", "md"]);
    // March (2 reports) is small; January (5) is hidden with it, or March would be 17 − 5 − 10.
    assert!(md.contains("| reports | x | 10 | < 5 | 17 |"), "{md}");
    let table: Vec<Vec<String>> = md
        .lines()
        .skip_while(|l| !l.starts_with("## urgency"))
        .filter(|l| l.starts_with("| ") && !l.starts_with("| --- ") && !l.starts_with("|  |"))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect();
    assert_eq!(table.len(), 6, "{md}");
    let hidden = |c: &str| c.starts_with('<') || c == "x";
    for row in &table {
        assert_ne!(
            row[1..].iter().filter(|c| hidden(c)).count(),
            1,
            "row {row:?}\n{md}"
        );
    }
    // Columns add up to the reports row (urgency has one answer per report).
    let reports = ["x", "10", "< 5", "17"];
    for col in 1..=4 {
        let n = table.iter().filter(|r| hidden(&r[col])).count();
        assert_ne!(
            n + usize::from(hidden(reports[col - 1])),
            1,
            "column {col}\n{md}"
        );
    }
    assert!(md.contains("< 5") && md.contains("Follow-up messages are not counted"));
}

#[test]
fn never_prints_free_text_or_contact_details() {
    let (_t, a, b) = setup();
    let every_field = format!(
        "month,{}",
        approdo::stats::fields::FIELDS
            .iter()
            .map(|f| f.name)
            .collect::<Vec<_>>()
            .join(",")
    );
    for min in ["1", "5"] {
        for format in ["csv", "md", "svg"] {
            let (out, err) = stats(&[
                &a,
                &b,
                "--by",
                &every_field,
                "--format",
                format,
                "--min-count",
                min,
            ]);
            for m in MARKERS {
                assert!(!out.contains(m) && !err.contains(m), "{format}: {m}");
            }
            assert!(!out.contains("ordinary description"));
        }
    }
    let (raw, _) = stats(&[
        &a,
        &b,
        "--by",
        "harm_types,gender,country_of_origin",
        "--format",
        "csv",
        "--min-count",
        "1",
    ]);
    for line in [
        "harm_types,unrecognised,all,1",
        "gender,unrecognised,all,1",
        "country_of_origin,unrecognised,all,1",
    ] {
        assert!(raw.lines().any(|l| l == line), "{line} in\n{raw}");
    }
    for refused in [
        "description",
        "safe_phone",
        "code_word",
        "reply",
        "contact_method",
    ] {
        let (ok, _, err) = approdo(&["stats", &a, "--by", refused]);
        assert!(!ok && err.contains("never counted"), "{refused}: {err}");
    }
    let (ok, _, err) = approdo(&["stats", &a, "--by", "shoe_size"]);
    assert!(!ok && err.contains("cannot be counted"), "{err}");
}

#[test]
fn svg_charts_are_valid_xml() {
    let (_t, a, b) = setup();
    let (svg, _) = stats(&[&a, &b, "--format", "svg"]);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    assert!(
        texts.contains(&"Reports per month") && texts.contains(&"harm"),
        "{texts:?}"
    );
    assert!(texts.contains(&"< 5"));
    assert!(doc.descendants().filter(|n| n.has_tag_name("rect")).count() > 3);
}

#[test]
fn partners_merge_raw_csvs_without_sharing_reports() {
    let (t, a, b) = setup();
    let by = "month,urgency,harm_types";
    let (ra, _) = stats(&[&a, "--by", by, "--format", "csv", "--min-count", "1"]);
    let (rb, _) = stats(&[&b, "--by", by, "--format", "csv", "--min-count", "1"]);
    let (pa, pb) = (t.path().join("a.csv"), t.path().join("b.csv"));
    std::fs::write(&pa, &ra).unwrap();
    std::fs::write(&pb, &rb).unwrap();
    let (pa, pb) = (pa.to_str().unwrap(), pb.to_str().unwrap());
    for format in ["csv", "md"] {
        let (merged, _) = stats(&["--merge", pa, pb, "--format", format]);
        let (direct, _) = stats(&[&a, &b, "--by", by, "--format", format]);
        assert_eq!(merged, direct, "{format}");
    }
    // A published (suppressed) CSV cannot be merged.
    let (published, _) = stats(&[&b, "--by", by, "--format", "csv"]);
    let pc = t.path().join("published.csv");
    std::fs::write(&pc, published).unwrap();
    let (ok, _, err) = approdo(&["stats", "--merge", pa, pc.to_str().unwrap()]);
    assert!(!ok && err.contains("--min-count 1"), "{err}");
}

#[test]
fn pull_records_the_day_the_server_received_a_report() {
    let server = TestServer::start(&[]);
    let report = serde_json::to_vec(&json!({
        "schema": "approdo.report/v1", "language": "it", "urgency": "today",
        "description": MARKERS[0],
    }))
    .unwrap();
    let (status, _) = server.submit_raw("cav-milano", &seal("cav-milano", &report, &[]));
    assert_eq!(status, 201);
    let out = tempfile::tempdir().unwrap();
    let (ok, _, err) = server.pull("cav-milano", out.path());
    assert!(ok, "{err}");
    let today = approdo::model::Day::today().to_string();
    let dirs: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1);
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dirs[0].join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta, json!({ "day": today }));
    let (csv, _) = stats(&[
        out.path().to_str().unwrap(),
        "--by",
        "month,urgency",
        "--format",
        "csv",
        "--min-count",
        "1",
    ]);
    assert!(
        csv.contains(&format!("urgency,today,{},1", &today[..7])),
        "{csv}"
    );
}
