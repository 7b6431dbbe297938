//! `approdo audit site --server URL`: what a live server serves, against this build.
//!
//! Every asset of this build's manifest is fetched and hashed (a modified script is a
//! finding); every page's `<script>`/`<link>`/`<img>`/`<form>` references stay on the site and
//! name only manifest assets; no page or asset holds a third-party address; every response
//! carries the security headers and the exact CSP (the report form's with `worker-src 'self'`
//! for its sealing worker); the served directory verifies against the
//! network key and is not older than the latest one in the transparency log
//! ([`super::site_log`]); a plaintext submission is refused.

use std::io::Read;

use sha2::{Digest, Sha256};

use super::Finding;
use crate::keys::{NetworkPublicKey, SignedDirectory};
use crate::policy::HEADERS;

/// Pages every server serves.
pub const PAGES: [&str; 8] = [
    "/",
    "/help",
    "/who-can-read",
    "/what-happens-next",
    "/exit",
    "/report",
    "/report/nojs",
    "/mailbox",
];

fn finding(problem: String) -> Finding {
    Finding {
        report: None,
        problem,
    }
}

struct Fetched {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn get(agent: &ureq::Agent, url: &str) -> Result<Fetched, String> {
    let resp = match agent.get(url).call() {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(format!("{url}: {e}")),
    };
    let status = resp.status();
    let headers = resp
        .headers_names()
        .into_iter()
        .filter_map(|n| resp.header(&n).map(|v| (n.to_lowercase(), v.to_owned())))
        .collect();
    let mut body = Vec::new();
    resp.into_reader()
        .take(16 * 1024 * 1024)
        .read_to_end(&mut body)
        .map_err(|e| format!("{url}: {e}"))?;
    Ok(Fetched {
        status,
        headers,
        body,
    })
}

/// The security headers, with the policy `path` is served with (the report form's pages add
/// `worker-src 'self'` for the sealing worker, [`crate::policy::SEALING_PAGES`]).
fn check_headers(path: &str, f: &Fetched, out: &mut Vec<Finding>) {
    for (name, value) in HEADERS {
        let value: &str = if *name == "Content-Security-Policy" {
            crate::policy::csp_for(path)
        } else {
            value
        };
        let got = f
            .headers
            .iter()
            .find(|(n, _)| n == &name.to_lowercase())
            .map(|(_, v)| v.as_str());
        if got != Some(value) {
            out.push(finding(format!(
                "{path}: header {name} is {got:?}, expected {value:?}"
            )));
        }
    }
}

/// Third-party addresses: any absolute http(s) URL or protocol-relative `//host` reference.
fn third_party(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for scheme in ["http://", "https://"] {
        for (i, _) in text.match_indices(scheme) {
            found.push(text[i..].chars().take(60).collect());
        }
    }
    for attr in ["src=\"//", "href=\"//", "action=\"//", "url(//"] {
        for (i, _) in text.match_indices(attr) {
            found.push(text[i..].chars().take(60).collect());
        }
    }
    found
}

/// A reference in a page: what the browser loads into the page (`script`, `link`, `img`, …:
/// must be a manifest asset) or where it navigates (`a`, `form`: must be a known page).
#[derive(Debug, PartialEq, Eq)]
enum Reference {
    Loads(String),
    Goes(String),
}

/// The references of a page's tags (`src`, `href`, `action`).
fn references(html: &str) -> Vec<Reference> {
    let mut refs = Vec::new();
    for (i, _) in html.match_indices('<') {
        let rest = &html[i + 1..];
        let Some(end) = rest.find('>') else { break };
        let tag = &rest[..end];
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        for attr in [
            " src=\"",
            " href=\"",
            " action=\"",
            "\nsrc=\"",
            "\nhref=\"",
            "\naction=\"",
        ] {
            for (j, _) in tag.match_indices(attr) {
                let value = &tag[j + attr.len()..];
                let Some(close) = value.find('"') else {
                    continue;
                };
                let value = value[..close].to_owned();
                refs.push(match name.as_str() {
                    "a" | "form" => Reference::Goes(value),
                    _ => Reference::Loads(value),
                });
            }
        }
    }
    refs
}

/// Where the site's links and forms may go: its pages and the paths its forms post to.
fn known_destination(r: &str) -> bool {
    if r.starts_with("tel:") || r.starts_with('#') {
        return true; // a help number or an anchor: no request to another page
    }
    let path = r.split(['?', '#']).next().unwrap_or(r);
    PAGES.contains(&path)
        || ["/report/nojs/send", "/mailbox/answer", "/mailbox/delete"].contains(&path)
}

/// Audits the server `remote` reads (with its proxy, following no redirect) against
/// `manifest` (this build's `approdo manifest` for `network_key`).
pub fn audit_site(
    remote: &super::Remote,
    manifest: &serde_json::Value,
    network_key: &NetworkPublicKey,
) -> Vec<Finding> {
    let base = remote.base();
    let agent = remote.agent();
    let mut out = Vec::new();
    let assets = manifest["assets"].as_object().cloned().unwrap_or_default();
    // In a different order every run: no fixed sequence that tells an audit from a visit.
    let mut order: Vec<(&String, &serde_json::Value)> = assets.iter().collect();
    let mut pages = PAGES.to_vec();
    {
        use rand::seq::SliceRandom;
        order.shuffle(&mut rand::thread_rng());
        pages.shuffle(&mut rand::thread_rng());
    }
    for (path, want) in order {
        match get(agent, &format!("{base}{path}")) {
            Ok(f) => {
                check_headers(path, &f, &mut out);
                let got = hex::encode(Sha256::digest(&f.body));
                if f.status != 200 || Some(got.as_str()) != want.as_str() {
                    out.push(finding(format!(
                        "{path}: served bytes (status {}, sha256 {got}) differ from this build's manifest ({})",
                        f.status,
                        want.as_str().unwrap_or("?")
                    )));
                }
                for t in third_party(&String::from_utf8_lossy(&f.body)) {
                    out.push(finding(format!(
                        "{path}: references a third-party address: {t}"
                    )));
                }
            }
            Err(e) => out.push(finding(format!("{path} could not be fetched: {e}"))),
        }
    }
    for path in pages {
        match get(agent, &format!("{base}{path}")) {
            Ok(f) => {
                check_headers(path, &f, &mut out);
                let html = String::from_utf8_lossy(&f.body);
                for t in third_party(&html) {
                    out.push(finding(format!(
                        "{path}: references a third-party address: {t}"
                    )));
                }
                for r in references(&html) {
                    match r {
                        Reference::Loads(r) if !assets.contains_key(&r) => out.push(finding(
                            format!("{path}: loads {r:?}, not an asset of this build's manifest"),
                        )),
                        Reference::Goes(r) if !known_destination(&r) => out.push(finding(format!(
                            "{path}: links to {r:?}, not a page of this build"
                        ))),
                        _ => {}
                    }
                }
            }
            Err(e) => out.push(finding(format!("{path} could not be fetched: {e}"))),
        }
    }
    match (
        get(agent, &format!("{base}/api/v1/directory")),
        get(agent, &format!("{base}/api/v1/directory/signature")),
    ) {
        (Ok(d), Ok(s)) => {
            check_headers("/api/v1/directory", &d, &mut out);
            match SignedDirectory::verify(network_key, d.body, s.body) {
                Ok(dir) => out.extend(super::site_log::check(agent, base, dir.directory().version)),
                Err(e) => out.push(finding(format!(
                    "the served directory does not verify against the network key: {e}"
                ))),
            }
        }
        (Err(e), _) | (_, Err(e)) => {
            out.push(finding(format!("the directory could not be fetched: {e}")))
        }
    }
    // A plaintext probe must be refused.
    let probe = agent
        .post(&format!("{base}/api/v1/submissions?partner=audit-probe"))
        .send_bytes(b"approdo audit: this plaintext must be refused");
    match probe {
        Err(ureq::Error::Status(s, _)) if (400..500).contains(&s) => {}
        Ok(r) => out.push(finding(format!(
            "a plaintext submission was accepted (status {})",
            r.status()
        ))),
        Err(e) => out.push(finding(format!("the plaintext probe failed: {e}"))),
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_third_party_addresses_and_references() {
        assert_eq!(
            super::third_party("<img src=\"//evil.example/x\">").len(),
            1
        );
        assert_eq!(
            super::third_party("fetch('https://cdn.example/a.js')").len(),
            1
        );
        assert!(super::third_party("<a href=\"/report\">").is_empty());
        use super::Reference::{Goes, Loads};
        assert_eq!(
            super::references(
                "<script src=\"/assets/app.js\"></script><form action=\"/mailbox\">\
                 <script src=\"/help.js\"></script><a class=\"x\" href=\"/help?lang=it\">"
            ),
            vec![
                Loads("/assets/app.js".into()),
                Goes("/mailbox".into()),
                Loads("/help.js".into()),
                Goes("/help?lang=it".into())
            ]
        );
        assert!(super::known_destination("/help?lang=it"));
        assert!(super::known_destination("tel:1522"));
        assert!(!super::known_destination("/help.js"));
        assert!(!super::known_destination("//evil.example/"));
    }
}
