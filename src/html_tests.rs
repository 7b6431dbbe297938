//! Tests of the one HTML layer: escaping, fills, the macro, and that nothing else makes
//! markup from a `String`.

#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn escapes() {
    assert_eq!(
        escape("<a href=\"x\">&'"),
        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
    );
    assert_eq!(Html::text("<b>").as_str(), "&lt;b&gt;");
}

#[test]
fn fills_every_placeholder_once_and_refuses_missing_and_extra_values() {
    let t = Template::inline("<p>{{a}} {{b}} {{a}} {{not a name}} {{</p>");
    assert_eq!(t.placeholders().into_iter().collect::<Vec<_>>(), ["a", "b"]);
    let got = t
        .fill(&[("a", Html::text("{{b}} <")), ("b", Html::markup("<i>"))])
        .unwrap();
    assert_eq!(
        got.as_str(),
        "<p>{{b}} &lt; <i> {{b}} &lt; {{not a name}} {{</p>"
    );
    assert_eq!(
        t.fill(&[("a", Html::default())]),
        Err(FillError::Missing {
            template: "(inline)",
            name: "b".into()
        })
    );
    assert_eq!(
        t.fill(&[
            ("a", Html::default()),
            ("b", Html::default()),
            ("c", Html::default())
        ]),
        Err(FillError::Extra {
            template: "(inline)",
            name: "c".into()
        })
    );
}

#[test]
fn the_macro_takes_markup_and_numbers() {
    let name = Html::text("<x>");
    assert_eq!(
        crate::html!("<b>{}</b> {}", name, 3u16).as_str(),
        "<b>&lt;x&gt;</b> 3"
    );
    assert_eq!(
        crate::html!("{a}{b}{a}", a = name, b = Html::markup("<br>")).as_str(),
        "&lt;x&gt;<br>&lt;x&gt;"
    );
}

/// The manifest hashes [`TEMPLATES`]: a template added to `web/templates/` must be listed
/// there (or it would be served unaudited), and nothing listed may be missing.
#[test]
fn every_file_in_web_templates_is_listed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/templates");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut listed: Vec<&str> = TEMPLATES.iter().map(|t| t.name).collect();
    listed.sort();
    assert_eq!(files, listed, "add the new template to html::TEMPLATES");
    for t in TEMPLATES {
        assert_eq!(
            std::fs::read_to_string(dir.join(t.name)).unwrap(),
            t.text,
            "{}",
            t.name
        );
    }
}

#[test]
fn words_fill_a_sentence_once_and_escape_it() {
    let got = Html::words(
        "<{name}> on {day}, {missing} {",
        &[
            ("name", &Html::text("{day} & co")),
            ("day", &Html::markup("<b>1</b>")),
        ],
    );
    assert_eq!(
        got.as_str(),
        "&lt;{day} &amp; co&gt; on <b>1</b>, {missing} {"
    );
    let list = Html::join(&[Html::text("a<"), Html::text("b")], &Html::markup(", "));
    assert_eq!(list.as_str(), "a&lt;, b");
}

/// Only this file turns a `String` into [`Html`]: no other module calls the macro's
/// constructor directly, or defines a way around it.
#[test]
fn no_other_module_makes_html_from_a_string() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for d in ["src", "tests", "examples", "fuzz/fuzz_targets"] {
        if root.join(d).is_dir() {
            walk(&root.join(d), &mut files);
        }
    }
    let this = root.join("src/html.rs");
    let tests = root.join("src/html_tests.rs");
    let banned = [
        "__formatted",
        concat!("Html", "::assembled"),
        concat!("Html", "("),
    ];
    for f in files.iter().filter(|f| **f != this && **f != tests) {
        let text = std::fs::read_to_string(f).unwrap();
        for b in banned {
            assert!(!text.contains(b), "{} uses {b}", f.display());
        }
    }
}

/// The format string's `{}` and `{name}`, and where the literal ends.
fn placeholders(code: &str) -> Option<(Vec<String>, usize)> {
    let start = code.find('"')? + 1;
    let (mut names, mut at) = (Vec::new(), start);
    let bytes = code.as_bytes();
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return Some((names, at + 1)),
            b'{' if bytes.get(at + 1) == Some(&b'{') => at += 2,
            b'{' => {
                let end = at + code[at..].find('}')?;
                let name = code[at + 1..end].split(':').next().unwrap_or("");
                names.push(name.to_owned());
                at = end + 1;
            }
            _ => at += 1,
        }
    }
    None
}

/// `html!` checks that its arguments are markup; a `{name}` that captures a variable from
/// the format string would skip that check. Every named placeholder of every `html!` in the
/// sources is given as `name = …` in the call.
#[test]
fn no_html_macro_captures_a_variable() {
    let files = crate::sources::rust_files();
    let mut calls = 0;
    for f in files.iter().filter(|f| !f.ends_with("html_tests.rs")) {
        let text = std::fs::read_to_string(f).unwrap();
        for (at, _) in text.match_indices("html!(") {
            let rest = &text[at + 6..];
            if !rest.trim_start().starts_with('"') {
                continue; // the macro's own definition, or a doc line
            }
            let (names, end) = placeholders(rest).unwrap();
            let args = &rest[end..rest[end..].find(";\n").map_or(rest.len(), |e| end + e)];
            for name in names.iter().filter(|n| !n.is_empty()) {
                let given =
                    args.contains(&format!("{name} =")) || args.contains(&format!("{name}="));
                assert!(given, "{}: html! captures {{{name}}}", f.display());
            }
            calls += 1;
        }
    }
    assert!(calls > 50, "only {calls} html! calls found");
}
