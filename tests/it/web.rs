//! The served site: the manifest matches what is served, pages carry no inline script or
//! style (the CSP forbids them), and the form lists the verified partners.

use sha2::{Digest, Sha256};

use crate::common::TestServer;

fn get(server: &TestServer, path: &str) -> (u16, Vec<u8>) {
    match ureq::get(&format!("{}{path}", server.url)).call() {
        Ok(r) | Err(ureq::Error::Status(_, r)) => {
            let status = r.status();
            let mut body = Vec::new();
            std::io::copy(&mut r.into_reader(), &mut body).unwrap();
            (status, body)
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn manifest_lists_the_sha256_of_every_served_asset() {
    let server = TestServer::start(&[]);
    let (s, body) = get(&server, "/api/v1/manifest");
    assert_eq!(s, 200);
    let manifest: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let assets = manifest["assets"].as_object().unwrap();
    assert!(assets.contains_key("/assets/app.js") && assets.contains_key("/assets/style.css"));
    for (path, hash) in assets {
        let (s, bytes) = get(&server, path);
        assert_eq!(s, 200, "{path}");
        assert_eq!(
            hex::encode(Sha256::digest(&bytes)),
            hash.as_str().unwrap(),
            "{path}"
        );
    }
    // The bundle pins the network key the directory is signed with.
    let (_, app) = get(&server, "/assets/app.js");
    let key = approdo::keys::demo::network_public_key()
        .unwrap()
        .to_string();
    assert!(String::from_utf8_lossy(&app).contains(&key));
    assert_eq!(get(&server, "/assets/nope.js").0, 404);
}

#[test]
fn pages_have_no_inline_script_or_style_and_list_the_partners() {
    let server = TestServer::start(&[]);
    for path in ["/", "/report", "/report/nojs"] {
        let (s, body) = get(&server, path);
        assert_eq!(s, 200, "{path}");
        let html = String::from_utf8(body).unwrap();
        for (i, _) in html.match_indices("<script") {
            let tag = &html[i..i + html[i..].find('>').unwrap()];
            assert!(
                tag.contains(" src=\"/assets/"),
                "{path}: inline script {tag}"
            );
        }
        assert!(
            !html.contains("style=") && !html.contains("<style"),
            "{path}: inline style"
        );
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{path}: absolute URL"
        );
        assert!(
            html.contains("<title>Information</title>"),
            "{path}: neutral title"
        );
    }
    let (_, body) = get(&server, "/report");
    let html = String::from_utf8(body).unwrap();
    for p in approdo::keys::demo::directory()
        .unwrap()
        .directory()
        .partners
        .iter()
    {
        assert!(html.contains(&format!("value=\"{}\"", p.id)), "{}", p.id);
    }
    assert!(html.contains("autocomplete=\"off\""));
}
