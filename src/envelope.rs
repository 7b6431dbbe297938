//! The approdo envelope: the format in which one report travels from the
//! victim to the partner organisation.
//!
//! This module owns the envelope format end to end:
//!
//! * **pack** ([`pack_to`], [`pack`]): a POSIX ustar archive holding
//!   `report.json` first, then `attachments/<name>` files (flat), then the tar
//!   end-of-archive marker, then zero bytes up to a [`padme`]-padded length.
//!   Output is deterministic (mode 0600, mtime 0, uid/gid 0, no user names).
//! * **seal** ([`seal_to`]) and **open** ([`open`]): age encryption to X25519
//!   recipients (binary output; opening accepts binary or ASCII-armored input).
//! * **unpack** ([`unpack()`]): a hostile-input-safe extractor that only
//!   accepts what the packer writes.
//!
//! Because the plaintext is a plain tar, an officer without approdo can run
//! `age -d -i key.txt report.age | tar x`.
//!
//! Shared validation of report JSON and attachment names lives here so that
//! packing and unpacking apply exactly the same rules.

mod cipher;
mod error;
mod memory;
mod names;
mod outdir;
mod pack;
mod padme;
pub mod unpack;

#[cfg(test)]
mod tests_hostile;
#[cfg(test)]
mod tests_roundtrip;

pub use cipher::{open, seal_to, seal_writer};
pub use error::EnvelopeError;
pub use memory::{unpack_in_memory, Opened};
pub use names::{is_hidden_char, neutralise, HIDDEN_RANGES};
pub use pack::{pack, pack_to, AttachmentSource};
pub use padme::{checked_padme, padme};
pub use unpack::{unpack, Limits, Unpacked};

/// The value of the `"schema"` field of every `report.json` this version writes and reads.
pub const SCHEMA: &str = "approdo.report/v1";

/// Name of the report entry inside the archive.
pub(crate) const REPORT_NAME: &str = "report.json";

/// Folder (archive prefix) under which attachments are stored.
pub(crate) const ATTACHMENTS_DIR: &str = "attachments";

/// Longest attachment name, in bytes (a ustar name field).
pub(crate) const MAX_NAME_LEN: usize = 100;

/// Parses and checks report JSON: a UTF-8 JSON object whose `schema` is [`SCHEMA`].
///
/// Error messages carry only the kind and position of a syntax error, never content.
pub(crate) fn validate_report(json: &[u8]) -> Result<serde_json::Value, EnvelopeError> {
    let value: serde_json::Value = serde_json::from_slice(json).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "data error",
            serde_json::error::Category::Eof => "unexpected end",
        };
        EnvelopeError::InvalidReport(format!("{kind} at line {} column {}", e.line(), e.column()))
    })?;
    let Some(object) = value.as_object() else {
        return Err(EnvelopeError::InvalidReport(
            "top level is not an object".to_owned(),
        ));
    };
    match object.get("schema").and_then(serde_json::Value::as_str) {
        Some(schema) if schema == SCHEMA => Ok(value),
        _ => Err(EnvelopeError::WrongSchema { expected: SCHEMA }),
    }
}

/// Why `name` cannot be an attachment name, or `None` if it is fine.
///
/// The reasons are phrased so that "rename the file" can follow them.
pub(crate) fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("the name is empty")
    } else if name.len() > MAX_NAME_LEN {
        Some("the name is longer than 100 bytes")
    } else if name == "." || name == ".." {
        Some("the name is \".\" or \"..\"")
    } else if name.contains('/') {
        Some("the name contains \"/\"")
    } else if name.contains('\\') {
        Some("the name contains \"\\\"")
    } else if name.contains('\0') {
        Some("the name contains a NUL character")
    } else if name.chars().any(char::is_control) {
        Some("the name contains control characters")
    } else if name.chars().any(is_hidden_char) {
        Some("the name contains invisible or text-direction characters")
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn report_validation() {
        assert!(validate_report(br#"{"schema":"approdo.report/v1","x":1}"#).is_ok());
        for bad in [
            &b"not json"[..],
            b"[1,2]",
            b"\"approdo.report/v1\"",
            b"{\"schema\":\"approdo.report/v1\"",
            b"{\"schema\":\"approdo.report/v1\",\"x\":\"\xff\"}",
        ] {
            assert!(
                matches!(validate_report(bad), Err(EnvelopeError::InvalidReport(_))),
                "{bad:?}"
            );
        }
        for bad in [
            &b"{}"[..],
            br#"{"schema":"approdo.report/v2"}"#,
            br#"{"schema":1}"#,
        ] {
            assert!(matches!(
                validate_report(bad),
                Err(EnvelopeError::WrongSchema { .. })
            ));
        }
    }

    #[test]
    fn error_messages_do_not_leak_content() {
        let secret = "SECRET-CONTENT";
        let json = format!(r#"{{"schema":"other","text":"{secret}"}}"#);
        let msg = validate_report(json.as_bytes()).unwrap_err().to_string();
        assert!(!msg.contains(secret) && !msg.contains("other"), "{msg}");
        let json = format!(r#"{{"schema":"{SCHEMA}","text":"{secret}""#);
        let msg = validate_report(json.as_bytes()).unwrap_err().to_string();
        assert!(!msg.contains(secret), "{msg}");
    }

    #[test]
    fn names() {
        for ok in [
            "a",
            "photo 1.jpg",
            ".hidden",
            "x..y",
            "ünïcødé.txt",
            &"n".repeat(100),
        ] {
            assert_eq!(name_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "/etc",
            "a\\b",
            "a\0b",
            "a\nb",
            "a\u{7f}",
            "a\u{85}b",
            "photo\u{202e}gpj.exe",
            "a\u{200b}",
            &"n".repeat(101),
            &"é".repeat(51),
        ] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
    }
}
