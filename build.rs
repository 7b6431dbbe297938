//! Bundles the web assets at build time: `npm ci` in `web/` when needed, then esbuild
//! (`web/build.mjs`) writes `app.js` into OUT_DIR with a placeholder where the network public
//! key goes (the server fills it at start with the key it is configured for, see
//! `src/http/assets.rs`), and `assets.rs` lists every served file for `include_bytes!`.
//! Same inputs → same bytes.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Stands in the bundle where the network key goes: braces never occur in base64, so the
/// server's substitution cannot match anything else.
const PLACEHOLDER: &str = "{{APPRODO_NETWORK_KEY}}";

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let web = root.join("web");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("web");
    for p in [
        "web/src",
        "web/static",
        "web/wordlist",
        "web/build.mjs",
        "web/package.json",
        "web/package-lock.json",
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

    // The list of served assets: static files, then the bundle.
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
