//! Outreach cards: one per core language, from the CLI and from the site; the QR code read
//! back from the drawing decodes to the address; Arabic and Urdu are laid out right to left.

use std::path::Path;

use approdo::locale::CORE;
use approdo::outreach::OnionAddress;

use crate::common::approdo;
use crate::inproc::{call, InProc};

/// A valid v3 address (made from a fixed key, so its checksum is right).
fn address() -> String {
    OnionAddress::from_public_key(&[42; 32]).to_string()
}

/// Reads the QR code back from the first `<g class="qr">` of an SVG or XHTML document: the
/// dark runs of its path become a bitmap (4 pixels per module), which rqrr decodes.
pub fn decode_qr(doc: &roxmltree::Document) -> String {
    let g = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("qr"))
        .expect("a QR group");
    let side: usize = g
        .children()
        .find(|n| n.has_tag_name("rect"))
        .and_then(|r| r.attribute("width"))
        .expect("quiet-zone square")
        .parse()
        .unwrap();
    let d = g
        .children()
        .find(|n| n.has_tag_name("path"))
        .and_then(|p| p.attribute("d"))
        .expect("module path");
    let mut dark = vec![false; side * side];
    for run in d.split('M').filter(|s| !s.is_empty()) {
        // "{x} {y}h{n}v1h-{n}z"
        let (xy, rest) = run.split_once('h').unwrap();
        let (x, y) = xy.split_once(' ').unwrap();
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        let n: usize = rest.split_once('v').unwrap().0.parse().unwrap();
        for i in x..x + n {
            dark[y * side + i] = true;
        }
    }
    const PX: usize = 4;
    let mut img = rqrr::PreparedImage::prepare_from_bitmap(side * PX, side * PX, |x, y| {
        dark[(y / PX) * side + x / PX]
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("decodes").1
}

/// Parses SVG or the XHTML-compatible pages (which start with `<!DOCTYPE html>`).
pub fn parse(text: &str) -> Result<roxmltree::Document<'_>, roxmltree::Error> {
    let opt = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, opt)
}

/// Every line of text, joined by spaces (lines break at spaces), no-break spaces and bidi
/// isolates as plain text.
fn all_text(doc: &roxmltree::Document) -> String {
    let text = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['\u{2066}', '\u{2068}', '\u{2069}'], "");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// x positions of the start-anchored text lines.
fn start_xs(doc: &roxmltree::Document) -> Vec<f64> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("text-anchor") == Some("start"))
        .map(|n| n.attribute("x").unwrap().parse().unwrap())
        .collect()
}

fn check_card(svg_text: &str, code: &str, addr: &str) {
    let doc = parse(svg_text).unwrap_or_else(|e| panic!("{code}: {e}"));
    assert_eq!(decode_qr(&doc), addr, "{code}");
    let text: String = doc
        .descendants()
        .filter(|n| n.is_text())
        .map(|n| n.text().unwrap())
        .collect();
    for must in ["1522", "800 290 290", &addr[..28], &addr[28..]] {
        assert!(text.contains(must), "{code}: {must} missing");
    }
    let card = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("card"))
        .unwrap();
    let rtl = matches!(code, "ar" | "ur");
    assert_eq!(
        card.attribute("direction"),
        Some(if rtl { "rtl" } else { "ltr" }),
        "{code}"
    );
    assert_eq!(card.attribute("lang"), Some(code));
    // Lines start on the right in right-to-left languages, on the left otherwise.
    let xs = start_xs(&doc);
    assert!(xs.len() >= 5, "{code}");
    for x in xs {
        assert!(
            if rtl { x > 80.0 } else { x < 25.0 },
            "{code}: line at x={x}"
        );
    }
}

#[test]
fn a_card_per_core_language_whose_qr_code_is_the_address() {
    let out = tempfile::tempdir().unwrap();
    let addr = address();
    // As tor's hostname file shows it, or pasted from a browser.
    let given = format!("http://{}/", addr.to_uppercase());
    let (ok, stdout, stderr) = approdo(&[
        "outreach",
        "--onion",
        &given,
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("43 files"), "{stdout}");
    for code in CORE {
        let read = |name: String| std::fs::read_to_string(out.path().join(&name)).unwrap();
        check_card(&read(format!("card-{code}-a6.svg")), code, &addr);
        let a4 = read(format!("card-{code}-a4.svg"));
        let doc = parse(&a4).unwrap();
        assert_eq!(doc.root_element().attribute("width"), Some("210mm"));
        assert_eq!(
            doc.descendants()
                .filter(|n| n.attribute("class") == Some("qr"))
                .count(),
            4
        );
        let html = read(format!("card-{code}.html"));
        let doc = parse(&html).unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(decode_qr(&doc), addr);
        let root = doc.root_element();
        assert_eq!(root.attribute("lang"), Some(*code));
        let rtl = matches!(*code, "ar" | "ur");
        assert_eq!(root.attribute("dir"), Some(if rtl { "rtl" } else { "ltr" }));
        for file in [&a4, &html] {
            let without_ns = file.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
            assert!(!without_ns.contains("http://") && !without_ns.contains("https://"));
            assert!(
                !file.contains("url(") && !file.contains("@import") && !file.contains("@font-face")
            );
        }
        assert!(html.contains("not been reviewed"), "{code}: drafts say so");
    }
    // The demo partners are named in the promise.
    let it = std::fs::read_to_string(out.path().join("card-it-a6.svg")).unwrap();
    let words = all_text(&parse(&it).unwrap());
    assert!(words.contains("DEMO Centro antiviolenza Milano"), "{words}");
    assert!(Path::new(&out.path().join("index.html")).exists());
}

#[test]
fn only_the_languages_asked_for_and_bad_addresses_refused() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("cards");
    let dir = dir.to_str().unwrap();
    let (ok, _, stderr) = approdo(&[
        "outreach",
        "--onion",
        &address(),
        "--out",
        dir,
        "--lang",
        "ur,zh-hans",
    ]);
    assert!(ok, "{stderr}");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "card-ur-a4.svg",
            "card-ur-a6.svg",
            "card-ur.html",
            "card-zh-Hans-a4.svg",
            "card-zh-Hans-a6.svg",
            "card-zh-Hans.html",
            "index.html"
        ]
    );
    let typo = address().replacen(|c: char| c.is_ascii_lowercase(), "2", 1);
    for bad in [
        "example.com",
        "https://x.onion",
        typo.as_str(),
        "expyuzz4wqqyqhjn.onion",
    ] {
        let other = out.path().join("bad");
        let (ok, _, stderr) =
            approdo(&["outreach", "--onion", bad, "--out", other.to_str().unwrap()]);
        assert!(!ok, "{bad}");
        assert!(stderr.contains("onion address"), "{bad}: {stderr}");
        assert!(!other.exists(), "{bad}: nothing written");
    }
    let (ok, _, stderr) = approdo(&[
        "outreach",
        "--onion",
        &address(),
        "--out",
        dir,
        "--lang",
        "xx",
    ]);
    assert!(
        !ok && stderr.contains("no card text for language"),
        "{stderr}"
    );
}

/// (status, body, headers) of a GET to the in-process app; every response must carry the
/// security headers: `get!(&app, path)`.
macro_rules! get {
    ($app:expr, $path:expr) => {{
        let path: &str = &$path;
        let a = call!($app, actix_web::test::TestRequest::get().uri(path));
        let headers: Vec<(String, String)> = a
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        for (name, value) in approdo::http::headers::HEADERS {
            assert!(
                headers
                    .iter()
                    .any(|(n, v)| n.eq_ignore_ascii_case(name) && v == value),
                "{path}: {name}"
            );
        }
        (a.status, a.text(), headers)
    }};
}

/// In process (`inproc`, the onion address given in the settings as `--onion` gives it).
#[actix_web::test]
async fn the_site_serves_the_card_under_its_csp() {
    let addr = address();
    let s = InProc::with(|s| s.onion = Some(OnionAddress::parse(&addr).unwrap()));
    let app = actix_web::test::init_service(s.server.app()).await;
    for code in ["it", "ar", "ur", "zh-Hans"] {
        let (status, html, headers) = get!(&app, &format!("/outreach?lang={code}"));
        assert_eq!(status, 200, "{code}");
        assert!(headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("content-type") && v.starts_with("text/html")));
        assert!(
            !html.contains("style=") && !html.contains("<style"),
            "inline style"
        );
        assert!(!html.contains("<script"), "script");
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(html.contains("href=\"/assets/outreach.css\""));
        let doc = parse(&html).unwrap();
        assert_eq!(decode_qr(&doc), addr, "{code}");
        let rtl = matches!(code, "ar" | "ur");
        assert_eq!(
            doc.root_element().attribute("dir"),
            Some(if rtl { "rtl" } else { "ltr" })
        );
        let words = all_text(&doc);
        for p in approdo::keys::demo::directory()
            .unwrap()
            .directory()
            .partners
            .iter()
        {
            assert!(words.contains(&p.name), "{code}: {}", p.name);
        }
    }
    let (status, css, _) = get!(&app, "/assets/outreach.css");
    assert_eq!(status, 200);
    assert!(css.contains("@page"));
    let (status, list, _) = get!(&app, "/outreach");
    assert_eq!(status, 200);
    assert!(list.contains("/outreach?lang=ar") && list.contains("العربية"));
    let (status, page, _) = get!(&app, "/outreach?lang=xx");
    assert_eq!(status, 404);
    assert!(page.contains("no card in that language"), "{page}");
}

/// The site's answer in process (`inproc`); `approdo serve`'s refusal with the CLI.
#[actix_web::test]
async fn without_an_address_the_site_says_so_and_serve_refuses_a_bad_one() {
    let s = InProc::demo();
    let app = actix_web::test::init_service(s.server.app()).await;
    let (status, page, _) = get!(&app, "/outreach?lang=it");
    assert_eq!(status, 503);
    assert!(
        page.contains("not configured") && page.contains("--onion"),
        "{page}"
    );
    drop(app);
    drop(s);

    let data = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = approdo(&[
        "serve",
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--data",
        data.path().to_str().unwrap(),
        "--onion",
        "http://example.com/",
    ]);
    assert!(!ok);
    assert!(stderr.contains("not a v3 onion address"), "{stderr}");
}
