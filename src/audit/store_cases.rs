//! `approdo audit store`, case records (`case_records`, issue 17): every record is a signed
//! [`SignedCase`] filed under an existing report of the partner it names, its signature
//! verifies against the officer key it names, and its age file is ciphertext sealed as a
//! report of that partner is — a binary age v1 header with as many stanzas, of the partner's
//! kind, as the partner has recipients, and a payload one age STREAM of at most
//! [`crate::case::MAX_PLAINTEXT`] bytes produces. The auditor opens nothing.
//!
//! A record of a report logged before the current directory may have been sealed before a
//! rotation; its stanza count and the listing of its officer key are judged by the caller
//! with the log, as a report's are.

use std::collections::HashMap;

use redb::ReadableTable;

use super::{read_err, AuditError};
use crate::admission;
use crate::case::SignedCase;
use crate::keys::Directory;
use crate::model::ReportId;
use crate::store::{self, ReportMeta};

/// Longest record the server accepts (`http::cases`).
const MAX_RECORD: usize = 96 * 1024;
/// age's STREAM: a 64 KiB chunk and its 16-byte tag.
const CHUNK: u64 = 64 * 1024;
const TAG: u64 = 16;

/// What the case records hold.
#[derive(Debug, Default)]
pub(super) struct Cases {
    /// Records read.
    pub records: usize,
    /// Problems that hold only if the report was filed under the current directory.
    pub mismatched: Vec<(ReportId, String)>,
}

/// Checks the table; adds findings with `add`.
pub(super) fn check(
    txn: &redb::ReadTransaction,
    metas: &HashMap<u128, ReportMeta>,
    directory: Option<&Directory>,
    add: &mut impl FnMut(Option<&ReportId>, String),
) -> Result<Cases, AuditError> {
    let mut out = Cases::default();
    let table = match super::store::open_checked(txn, store::CASES) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(out),
        Err(e) => return Err(read_err(e)),
    };
    for row in table.iter().map_err(read_err)? {
        let (k, v) = row.map_err(read_err)?;
        let (report, n) = k.value();
        let id = ReportId(report);
        let bytes = v.value();
        out.records += 1;
        let mut problem = |what: String| add(Some(&id), format!("case record {n}: {what}"));
        let Some(meta) = metas.get(&report) else {
            problem("filed under no report in the store".into());
            continue;
        };
        if bytes.len() > MAX_RECORD {
            problem(format!(
                "longer than the {MAX_RECORD} bytes the server accepts"
            ));
            continue;
        }
        let Ok(record) = serde_json::from_slice::<SignedCase>(bytes) else {
            problem("not a signed case record (approdo.signed-case/v2 JSON)".into());
            continue;
        };
        if record.report != id.to_string() || record.partner != meta.partner.as_str() {
            problem("names another report or partner than the one it is filed under".into());
            continue;
        }
        if let Err(e) = record.check_signature() {
            problem(e.to_string());
            continue;
        }
        let Ok(age) = record.sealed() else {
            problem("its age file is not base64".into());
            continue;
        };
        let shape = match admission::inspect_header(&age) {
            Ok(Some(s)) => s,
            Ok(None) => {
                problem("the age header is incomplete".into());
                continue;
            }
            Err(e) => {
                problem(format!("not valid sealed age: {e}"));
                continue;
            }
        };
        let payload = age
            .len()
            .saturating_sub(shape.header_len + admission::NONCE_LEN) as u64;
        let max = crate::case::MAX_PLAINTEXT as u64;
        let chunks = max.div_ceil(CHUNK).max(1);
        if !(TAG..=max + chunks * TAG).contains(&payload) {
            problem(format!(
                "its payload of {payload} bytes is not one a sealed record of at most {max} bytes has"
            ));
            continue;
        }
        let Some(partner) = directory.and_then(|d| d.partner(meta.partner.as_str())) else {
            continue;
        };
        if let Err(e) =
            admission::check_recipients(&shape, partner.recipients.len(), partner.is_pq())
        {
            out.mismatched
                .push((id, format!("case record {n}: partner {}: {e}", partner.id)));
        }
        if !partner.officer_keys.contains(&record.officer_key) {
            out.mismatched.push((
                id,
                format!(
                    "case record {n}: signed by an officer key partner {} does not list",
                    partner.id
                ),
            ));
        }
    }
    Ok(out)
}
