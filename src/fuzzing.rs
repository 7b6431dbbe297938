//! The bodies of the fuzz targets (`fuzz/`), shared with the fuzz smoke test of the test
//! suite (`tests/it/fuzz_smoke.rs`, which replays every seed of `fuzz/seeds/`, every
//! regression input of `fuzz/regressions/` and a few thousand mutations of them). Each function takes arbitrary bytes and panics only on a property
//! violation: a crash here is a bug in the parser it drives.

/// The server's upload validator, fed as the network delivers (in pieces): never panics,
/// agrees with itself whatever the split, only accepts headers within bounds; the envelope
/// length rule (`admission::envelope_len`) refuses exactly the non-Padmé plaintext lengths.
pub fn upload_header(data: &[u8]) {
    let whole = crate::admission::inspect_header(data);
    if let Some(split) = data.first().map(|b| *b as usize % (data.len() + 1)) {
        if let Ok(Some(shape)) = crate::admission::inspect_header(&data[..split]) {
            assert_eq!(whole.as_ref().ok().copied().flatten(), Some(shape));
        }
    }
    if let Ok(Some(shape)) = whole {
        assert!(shape.header_len + crate::admission::NONCE_LEN <= data.len());
        assert!(shape.grease <= 1);
        let payload = (data.len() - shape.header_len - crate::admission::NONCE_LEN) as u64;
        let _ = crate::admission::plaintext_len(payload);
    }
    if data.len() >= 8 {
        let n = u64::from_le_bytes(data[..8].try_into().unwrap_or([0; 8]));
        if let Ok(p) = crate::admission::plaintext_len(n) {
            assert!(p <= n);
        }
        // The door's rule is the audit's: a whole STREAM whose plaintext is a Padmé length.
        match crate::admission::envelope_len(n) {
            Ok(p) => assert_eq!(crate::envelope::padme(p), p),
            Err(crate::admission::ValidationError::NotEnvelope(p)) => {
                assert_eq!(crate::admission::plaintext_len(n), Ok(p));
                assert_ne!(crate::envelope::padme(p), p);
            }
            Err(_) => assert!(crate::admission::plaintext_len(n).is_err()),
        }
    }
}

/// The officer-side unpacker on arbitrary (already decrypted) envelopes: never writes outside
/// the output folder, and leaves nothing behind when it refuses.
pub fn envelope_unpack(data: &[u8]) {
    let Ok(root) = tempfile_dir() else { return };
    let out = root.join("out");
    let limits = crate::envelope::Limits {
        max_total: 1 << 20,
        max_entries: 64,
        max_report_json: 64 * 1024,
    };
    let result = crate::envelope::unpack(data, &out, &limits);
    let entries: Vec<_> = std::fs::read_dir(&root)
        .map(|r| r.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    let outside = !entries.iter().all(|n| n == "out");
    let left = std::fs::read_dir(&out).map(|r| r.count()).unwrap_or(0);
    let _ = std::fs::remove_dir_all(&root);
    assert!(!outside, "wrote outside --out: {entries:?}");
    if result.is_err() {
        assert_eq!(left, 0, "a refused envelope left files");
    }
}

fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let dir = std::env::temp_dir().join(format!("approdo-fuzz-{:016x}", rand::random::<u64>()));
    std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
    Ok(dir)
}

/// Directory parsing and verification: never panics; only the real directory verifies.
pub fn directory(data: &[u8]) {
    let Ok(key) = crate::keys::demo::network_public_key() else {
        return;
    };
    let split = data
        .first()
        .map(|b| *b as usize % (data.len() + 1))
        .unwrap_or(0);
    let (bytes, sig) = data.split_at(split);
    assert!(crate::keys::SignedDirectory::verify(&key, bytes.to_vec(), sig.to_vec()).is_err());
    let ok = crate::keys::SignedDirectory::verify(
        &key,
        data.to_vec(),
        crate::keys::demo::SIGNATURE.to_vec(),
    );
    assert_eq!(ok.is_ok(), data == crate::keys::demo::DIRECTORY);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::keys::Directory::from_partners_toml(text);
    }
}

/// Codename parsing: what parses is normalised and re-parses to itself.
pub fn codename(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(c) = crate::codename::Codename::parse(text) {
            let again =
                crate::codename::Codename::parse(c.expose()).map(|c2| c2.expose().to_owned());
            assert_eq!(again.ok().as_deref(), Some(c.expose()));
        }
    }
}

/// tor's PROXY v1 line: never panics; what parses re-formats to a line that parses the same.
pub fn proxy_line(data: &[u8]) {
    use crate::http::proxy::{parse_line, ProxyLine, MAX_LINE};
    match parse_line(data) {
        Ok(ProxyLine::Tcp { source, dest }) => {
            assert!(data.len() <= MAX_LINE);
            let proto = if source.is_ipv6() { "TCP6" } else { "TCP4" };
            let again = format!(
                "PROXY {proto} {} {} {} {}\r\n",
                source.ip(),
                dest.ip(),
                source.port(),
                dest.port()
            );
            assert_eq!(
                parse_line(again.as_bytes()),
                Ok(ProxyLine::Tcp { source, dest })
            );
        }
        Ok(ProxyLine::Unknown) => assert!(data.starts_with(b"PROXY UNKNOWN")),
        Err(_) => {}
    }
}

/// A fixed log key for the note parsers (a fuzzer cannot forge its signatures).
fn vkey() -> String {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    signed_note::new_ed25519_verifier_key("approdo.log/fuzz", &key.verifying_key())
}

/// Checkpoints, receipts and log entries as auditors and the page parse them: never panic,
/// never verify without the key's signature.
pub fn log_notes(data: &[u8]) {
    let v = crate::transparency::LogVerifier::new(&vkey());
    assert!(v.is_ok(), "the fuzz key parses");
    if let Ok(v) = v {
        assert!(
            v.checkpoint(data).is_err(),
            "an unsigned checkpoint verified"
        );
        if let Ok(text) = std::str::from_utf8(data) {
            assert!(v.receipt(text).is_err(), "an unsigned receipt verified");
        }
    }
    let _ = tlog_tiles::Checkpoint::from_bytes(data);
    if let Ok(e) = crate::transparency::Entry::parse(data) {
        let again = crate::transparency::Entry::parse(&e.to_bytes());
        assert_eq!(again.ok(), Some(e));
    }
}

/// `GET /log/tile/<path>` as the server parses it: never panics (tlog_tiles 0.2.0 asserts on
/// level ≥ 64 and partial width 0), and what parses names a tile of our height whose C2SP path
/// parses back to the same tile.
pub fn tile_paths(data: &[u8]) {
    let Ok(rest) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(t) = crate::transparency::parse_c2sp_path(rest) {
        assert_eq!(t.height(), crate::transparency::TILE_HEIGHT);
        assert!(t.level() < 64 && (1..=256).contains(&t.width()));
        let again = crate::transparency::c2sp_path(&t);
        let again = again.strip_prefix("tile/").unwrap_or(&again);
        assert_eq!(crate::transparency::parse_c2sp_path(again), Some(t));
    }
}

/// The no-JS form's text as it arrives: `Accept-Language` (line 1), `?lang=` (line 2), then
/// `name=value` fields. The language is always a core one; ids parse or refuse without
/// panicking; whatever answers arrive, a report the server accepts is valid against schema v1.
pub fn form_fields(data: &[u8]) {
    use crate::intake::Answers;
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let accept = lines.next();
    let query = lines.next();
    let language = crate::locale::negotiate(query, accept);
    assert!(crate::locale::CORE.contains(&language), "{language}");
    let mut answers = Answers::default();
    for line in lines {
        let (name, value) = line.split_once('=').unwrap_or((line, ""));
        if Answers::is_field(name) {
            answers.push(name, value);
        }
        let _ = value.parse::<crate::model::MailboxId>();
        let _ = value.parse::<crate::model::ReportId>();
    }
    if let Ok(answers) = answers.finish() {
        let mut report = serde_json::json!({
            "schema": crate::envelope::SCHEMA,
            "kind": "report",
            "language": language,
            "description": "",
            "attachments": [],
            "sealed": "server",
        });
        let fields = serde_json::to_value(&answers).ok();
        if let (Some(obj), Some(serde_json::Value::Object(fields))) =
            (report.as_object_mut(), fields)
        {
            obj.extend(fields);
        }
        let problems = crate::intake::problems(&report);
        assert!(problems.is_empty(), "{problems:?} in {report}");
    }
}

/// `approdo show` on any `report.json` a sender could seal: never panics, and prints no
/// control character but newlines (nothing that drives the officer's terminal).
pub fn report_show(data: &[u8]) {
    if let Ok((_, json)) = crate::intake::Report::from_json(data) {
        let _ = crate::intake::problems(&json);
        let shown =
            crate::intake::show::render(&json, "0123456789abcdef0123456789abcdef", None, None);
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "a control character reached the terminal: {shown:?}"
        );
    }
}
