//! The data model every layer names — ids (report, partner, mailbox), days, how a report was sealed, its states, SHA-256
//! digests and chunk roots, and the report summary of the officer API.
//!
//! A leaf: it imports nothing from the rest of the crate, so the store, the transparency log,
//! the HTTP routes, the client and the auditors all point down to it and never at each other
//! for a type. The store's own rows ([`crate::store::ReportMeta`]) are not here: the disk is
//! not the wire.

mod chunks;
mod day;
mod ids;
mod report;
mod sha256;

pub use chunks::{ChunkHasher, ChunkRoot, CHUNK_ROOT_TAG};
pub use day::Day;
pub use ids::{MailboxId, PartnerId, ReportId};
pub use report::{Lenient, ReportState, ReportSummary, SealedBy};
pub use sha256::Sha256;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    /// The code of `src/<path>.rs` and of every file under `src/<path>/` (all of `src/` for "").
    fn code_of(path: &str) -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let (dir, file) = (root.join(path), root.join(format!("{path}.rs")));
        let mut out: Vec<(String, String)> = crate::sources::rust_files()
            .into_iter()
            .filter(|f| f.starts_with(&dir) || *f == file)
            .map(|f| {
                let text = std::fs::read_to_string(&f).unwrap();
                (f.display().to_string(), text)
            })
            .collect();
        assert!(
            !out.is_empty(),
            "no source at src/{path}(.rs): it moved; name its new place in this test"
        );
        for (_, text) in &mut out {
            // Code only: no tests (this one names what it looks for), no comments.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            *text = code
                .lines()
                .map(|l| l.split("//").next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n");
        }
        out
    }

    /// Issue 19's arrows: the model is a leaf; the transparency log and the officer's client
    /// import nothing from the store (they name model and API types, never the store's rows).
    #[test]
    fn arrows_point_down() {
        for (file, code) in code_of("model") {
            assert!(!code.contains("crate::"), "{file} imports from the crate");
        }
        for path in ["transparency", "client"] {
            for (file, code) in code_of(path) {
                assert!(!code.contains("crate::store"), "{file} imports the store");
            }
        }
    }

    /// The model's types have one path: `crate::model::…`. No other module re-exports them
    /// (the store once did), so an import says where a type lives.
    #[test]
    fn no_module_re_exports_the_model() {
        for (file, code) in code_of("") {
            if file.contains("/src/model/") {
                continue;
            }
            for line in code.lines() {
                let line = line.trim();
                assert!(
                    !(line.starts_with("pub") && line.contains("use crate::model")),
                    "{file} re-exports the model: {line}"
                );
            }
        }
    }
}
