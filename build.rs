//! Bundles the web assets at build time: `npm ci` in `web/` when needed, then esbuild
//! (`web/build.mjs`) writes `app.js` into OUT_DIR with a placeholder where the network public
//! key goes (the server fills it at start with the key it is configured for, see
//! `src/http/assets.rs`), and `assets.rs` lists every served file for `include_bytes!`.
//! The locales: each `web/locales/<lang>.po` (gettext, the translators' source) becomes
//! `OUT_DIR/locales/<lang>.json`, which `src/locale/mod.rs` compiles in (see [`locales`]).
//! Same inputs → same bytes.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Stands in the bundle where the network key goes: braces never occur in base64, so the
/// server's substitution cannot match anything else.
const PLACEHOLDER: &str = "{{APPRODO_NETWORK_KEY}}";

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let web = root.join("web");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let out = out_dir.join("web");
    locales(&web.join("locales"), &out_dir.join("locales"));
    for p in [
        "web/src",
        "web/static",
        "web/wordlist",
        "web/build.mjs",
        "web/package.json",
        "web/package-lock.json",
        "web/locales",
    ] {
        println!("cargo:rerun-if-changed={p}");
    }
    // The lowest directory version this release's page accepts (directory versions only go
    // forward; src/keys/floor.rs reads the same variable for the CLI).
    println!("cargo:rerun-if-env-changed=APPRODO_MIN_DIRECTORY_VERSION");
    let floor = std::env::var("APPRODO_MIN_DIRECTORY_VERSION").unwrap_or_else(|_| "0".into());
    assert!(
        !floor.is_empty() && floor.bytes().all(|b| b.is_ascii_digit()),
        "APPRODO_MIN_DIRECTORY_VERSION must be a number"
    );
    let npm_ok = Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !npm_ok {
        panic!(
            "approdo bundles its web pages with npm at build time, but `npm` was not found. \
             Install Node.js and npm (Debian: apt-get install nodejs npm) and build again."
        );
    }
    let installed = web.join("node_modules/.package-lock.json");
    let stale = match (
        std::fs::metadata(&installed),
        std::fs::metadata(web.join("package-lock.json")),
    ) {
        (Ok(i), Ok(l)) => l.modified().ok() > i.modified().ok(),
        _ => true,
    };
    if stale {
        run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&web),
            "npm ci",
        );
    }
    std::fs::create_dir_all(&out).expect("create OUT_DIR/web");
    run(
        Command::new("node")
            .arg("build.mjs")
            .arg(&out)
            .arg(PLACEHOLDER)
            .arg(&floor)
            .current_dir(&web),
        "node build.mjs",
    );

    // The list of served assets: static files, then the bundles (the page script and the
    // sealing worker).
    let mut entries = Vec::new();
    let mut statics: Vec<_> = std::fs::read_dir(web.join("static"))
        .expect("web/static")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    statics.sort();
    for p in statics {
        entries.push(asset(&p));
    }
    entries.push(asset(&out.join("app.js")));
    entries.push(asset(&out.join("seal-worker.js")));
    entries.push(asset(&out.join("codename-words.txt")));
    let code = format!(
        "/// Every served asset: (URL path, content type, bytes).\npub static ASSETS: &[(&str, &str, &[u8])] = &[\n{}];\n\
         /// Where the page script's network public key goes (filled at start).\npub const NETWORK_KEY_PLACEHOLDER: &str = {:?};\n",
        entries.join(""),
        PLACEHOLDER
    );
    std::fs::write(out.join("assets.rs"), code).expect("write assets.rs");
}

fn asset(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .expect("utf-8 asset name");
    let mime = match path.extension().and_then(|e| e.to_str()) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    format!(
        "    (\"/assets/{name}\", \"{mime}\", include_bytes!({:?})),\n",
        path.display().to_string()
    )
}

fn run(cmd: &mut Command, what: &str) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("{what} could not start: {e}"));
    assert!(
        status.success(),
        "{what} failed ({status}); see its output above"
    );
}

/// Writes `out/<lang>.json` for every `locales/<lang>.po`: `language` from the PO header, one
/// string per translated entry at its `msgctxt` path (`form.q.safe_now`), untranslated entries
/// left out (the server shows English), and `reviewed` true only when no entry is `fuzzy`.
fn locales(dir: &Path, out: &Path) {
    std::fs::create_dir_all(out).expect("create OUT_DIR/locales");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("web/locales")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "po"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "web/locales has no .po files");
    for po in files {
        let name = po.display().to_string();
        let catalog = polib::po_file::parse(&po).unwrap_or_else(|e| panic!("{name}: {e}"));
        let lang = catalog.metadata.language.clone();
        let stem = po.file_stem().and_then(|s| s.to_str()).expect("utf-8 name");
        assert_eq!(lang, stem, "{name}: its header says Language: {lang:?}");
        let mut root = serde_json::Map::new();
        root.insert("language".into(), lang.clone().into());
        let mut reviewed = true;
        for m in catalog.messages() {
            reviewed &= !m.is_fuzzy();
            let path = m
                .msgctxt()
                .unwrap_or_else(|| panic!("{name}: {:?} has no msgctxt (its key)", m.msgid()));
            let text = m
                .msgstr()
                .unwrap_or_else(|_| panic!("{name}: {path}: plural forms are not used"));
            if text.is_empty() {
                continue;
            }
            let keys: Vec<&str> = path.split('.').collect();
            let (last, parents) = keys.split_last().expect("a key");
            let mut node = &mut root;
            for k in parents {
                node = node
                    .entry(*k)
                    .or_insert_with(|| serde_json::Value::Object(Default::default()))
                    .as_object_mut()
                    .unwrap_or_else(|| panic!("{name}: {path}: {k} is a string and a section"));
            }
            node.insert((*last).into(), text.into());
        }
        root.insert("reviewed".into(), reviewed.into());
        let json = serde_json::to_string_pretty(&root).expect("json");
        std::fs::write(out.join(format!("{lang}.json")), json).expect("write locale json");
    }
}
