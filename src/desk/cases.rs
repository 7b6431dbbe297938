//! Case state in the desk (issue 17, item 3): the records colleagues filed beside a report
//! ([`crate::case`]), fetched, verified against the signed directory and opened in memory for
//! the report's page; "take it", a status and a note filed from the page; a copy of every
//! reply the desk sends; and the warning before a second appointment is proposed.

use crate::case::{CaseRecord, SignedCase, Status, SCHEMA};
use crate::keys::Directory;
use crate::reply::Appointment;
use crate::store::ReportId;

use super::Desk;

/// What the report page shows of a case.
#[derive(Default)]
pub(super) struct CaseView {
    /// Records that verified and opened, in the order the server listed them.
    pub records: Vec<CaseRecord>,
    /// Records hidden because they did not verify or open.
    pub hidden: usize,
    /// Why the case could not be fetched (offline, directory not verified), if so.
    pub unavailable: Option<String>,
}

impl Desk {
    /// The signed directory, verified against the desk's network key (fetched once).
    fn directory(&self, c: &crate::client::Client) -> Result<Directory, String> {
        if let Ok(g) = self.directory.lock() {
            if let Some(d) = g.as_ref() {
                return Ok(d.clone());
            }
        }
        let (bytes, sig) = c.directory().map_err(|e| e.to_string())?;
        let verified = crate::keys::SignedDirectory::verify(&self.network_key, bytes, sig)
            .map_err(|e| {
                format!("the server's directory does not verify ({e}); give --network-key")
            })?;
        let d = verified.directory().clone();
        if let Ok(mut g) = self.directory.lock() {
            *g = Some(d.clone());
        }
        Ok(d)
    }

    /// Fetches every record of the partner and keeps each report's status for the inbox
    /// (blocking; best effort: the inbox keeps what it had when this fails).
    pub(super) fn refresh_statuses(&self) {
        let got = self.with_client(|c| {
            let directory = self.directory(c)?;
            let signed = c.all_cases().map_err(|e| e.to_string())?;
            Ok((directory, signed))
        });
        let Ok((directory, signed)) = got else {
            return;
        };
        let mut by: std::collections::BTreeMap<ReportId, Vec<CaseRecord>> =
            std::collections::BTreeMap::new();
        for s in signed {
            if let (Ok(r), Ok(id)) = (s.open(&directory, &self.ids), s.report.parse::<ReportId>()) {
                by.entry(id).or_default().push(r);
            }
        }
        let map = by
            .into_iter()
            .map(|(id, records)| (id, summary(&records)))
            .collect();
        if let Ok(mut g) = self.statuses.lock() {
            *g = map;
        }
    }

    /// A report's case status for the inbox, if known.
    pub(super) fn case_status(&self, id: ReportId) -> Option<(Status, String)> {
        self.statuses.lock().ok()?.get(&id).cloned()
    }

    /// The case of report `id`, from the server (blocking).
    pub(super) fn case(&self, id: ReportId) -> CaseView {
        if !self.online.load(std::sync::atomic::Ordering::Relaxed) {
            return CaseView {
                unavailable: Some("offline (Sync tries the server again)".into()),
                ..CaseView::default()
            };
        }
        let got = self.with_client(|c| {
            let directory = self.directory(c)?;
            let signed = c.cases(id).map_err(|e| e.to_string())?;
            Ok((directory, signed))
        });
        let (directory, signed) = match got {
            Ok(x) => x,
            Err(e) => {
                self.online
                    .store(false, std::sync::atomic::Ordering::Relaxed);
                return CaseView {
                    unavailable: Some(e),
                    ..CaseView::default()
                };
            }
        };
        let mut view = CaseView::default();
        for s in signed {
            match s.open(&directory, &self.ids) {
                Ok(r) if r.report == id.to_string() => view.records.push(r),
                _ => view.hidden += 1,
            }
        }
        if !view.records.is_empty() {
            if let Ok(mut g) = self.statuses.lock() {
                g.insert(id, summary(&view.records));
            }
        }
        view
    }

    /// Seals, signs and files one record for report `id` (blocking).
    pub(super) fn file_case(
        &self,
        id: ReportId,
        status: Option<Status>,
        note: Option<String>,
        reply: Option<(String, Option<Appointment>)>,
    ) -> Result<(), String> {
        let officer = self.ids.first().ok_or("no identity")?;
        self.with_client(|c| {
            let directory = self.directory(c)?;
            let partner = c.partner.clone().ok_or("not logged in")?;
            let (reply, appointment) = match reply {
                Some((m, a)) => (Some(m), a),
                None => (None, None),
            };
            let record = CaseRecord {
                schema: SCHEMA.into(),
                report: id.to_string(),
                status,
                by: self.name.clone(),
                note,
                reply,
                appointment,
            };
            let signed: SignedCase = record
                .seal(&directory, &partner, officer)
                .map_err(|e| e.to_string())?;
            c.post_case(&signed).map_err(|e| e.to_string())
        })
    }
}

/// A case's status and who set it last.
fn summary(records: &[CaseRecord]) -> (Status, String) {
    let who = records
        .iter()
        .rev()
        .find(|r| r.status.is_some())
        .map(|r| r.by.clone())
        .unwrap_or_default();
    (crate::case::status(records), who)
}

/// The label of a status, Italian / English.
pub(super) fn status_label(s: Status) -> &'static str {
    match s {
        Status::New => "nuova / new",
        Status::Taken => "presa in carico / taken",
        Status::WaitingForHer => "in attesa di lei / waiting for her",
        Status::AppointmentSet => "appuntamento fissato / appointment set",
        Status::Closed => "chiusa / closed",
    }
}

/// Parses a status from the form.
pub(super) fn parse_status(s: &str) -> Option<Status> {
    match s {
        "taken" => Some(Status::Taken),
        "waiting_for_her" => Some(Status::WaitingForHer),
        "appointment_set" => Some(Status::AppointmentSet),
        "closed" => Some(Status::Closed),
        _ => None,
    }
}
