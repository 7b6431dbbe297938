//! Case state in the desk (issue 17, item 3): the records colleagues filed beside a report
//! ([`crate::case`]), fetched, verified against the signed directory and opened in memory for
//! the report's page; "take it", a status and a note filed from the page; a copy of every
//! reply the desk sends; and the warning before a second appointment is proposed. Every
//! listing is checked against the officers' signed chains ([`crate::case::chain`]) and the
//! heads this desk remembers in its vault: a record the server withheld, replayed or
//! reordered is shown as a warning.

use crate::case::{chain, CaseRecord, Link, SignedCase, Status, SCHEMA};
use crate::keys::Directory;
use crate::model::ReportId;

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
    /// What the chains show the server withheld, replayed or reordered.
    pub anomalies: Vec<String>,
    /// Why "read" could not be shared with her automatically, if it could not.
    pub share_error: Option<String>,
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
        let mut verified: std::collections::BTreeMap<ReportId, Vec<&SignedCase>> =
            std::collections::BTreeMap::new();
        for s in &signed {
            let Ok(id) = s.report.parse::<ReportId>() else {
                continue;
            };
            // The chain counts every record that verifies, also one this desk cannot open
            // (sealed before its key was added).
            if s.verify(&directory).is_ok() {
                verified.entry(id).or_default().push(s);
            }
            if let Ok(r) = s.open(&directory, &self.ids) {
                by.entry(id).or_default().push(r);
            }
        }
        // Reports this desk remembers records of, now listed with none, are checked too.
        let remembered: Vec<ReportId> = self
            .index
            .lock()
            .map(|i| {
                i.case_heads
                    .keys()
                    .filter(|id| i.reports.contains_key(id))
                    .copied()
                    .collect()
            })
            .unwrap_or_default();
        for id in remembered {
            verified.entry(id).or_default();
        }
        let all: Vec<(ReportId, Vec<&SignedCase>)> = verified.into_iter().collect();
        self.observe_all(&all, &directory);
        let days = by
            .iter()
            .filter_map(|(id, r)| crate::case::appointment_on(r).map(|d| (*id, d.to_owned())))
            .collect();
        let map = by
            .into_iter()
            .map(|(id, records)| (id, summary(&records)))
            .collect();
        if let Ok(mut g) = self.statuses.lock() {
            *g = map;
        }
        if let Ok(mut g) = self.appointments.lock() {
            *g = days;
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
        let mut listed = Vec::new();
        for s in &signed {
            if s.report == id.to_string() && s.verify(&directory).is_ok() {
                listed.push(s);
            }
            match s.open(&directory, &self.ids) {
                Ok(r) if r.report == id.to_string() => view.records.push(r),
                _ => view.hidden += 1,
            }
        }
        view.anomalies = self.observe(id, &listed, &directory);
        if !view.records.is_empty() {
            if let Ok(mut g) = self.statuses.lock() {
                g.insert(id, summary(&view.records));
            }
            if let Ok(mut g) = self.appointments.lock() {
                match crate::case::appointment_on(&view.records) {
                    Some(d) => g.insert(id, d.to_owned()),
                    None => g.remove(&id),
                };
            }
        }
        view
    }

    /// A record for report `id` signed with this desk's name, with nothing set yet.
    pub(super) fn draft(&self, id: ReportId) -> CaseRecord {
        CaseRecord {
            schema: SCHEMA.into(),
            report: id.to_string(),
            status: None,
            by: self.name.clone(),
            note: None,
            reply: None,
            appointment: None,
            appointment_on: None,
            shared: None,
        }
    }

    /// Seals, signs and files `record` for report `id` (blocking), at this officer's next
    /// place in her chain for the report.
    pub(super) fn file_case(&self, id: ReportId, record: CaseRecord) -> Result<(), String> {
        let officer = self.ids.first().ok_or("no identity")?;
        self.with_client(|c| {
            let directory = self.directory(c)?;
            let partner = c.partner.clone().ok_or("not logged in")?;
            // Her next place: one past the furthest of her records listed or remembered.
            let listed = c.cases(id).map_err(|e| e.to_string())?;
            let listed: Vec<&SignedCase> = listed
                .iter()
                .filter(|s| s.verify(&directory).is_ok() && s.report == id.to_string())
                .collect();
            let own = officer
                .signing_key()
                .map(|k| {
                    base64::prelude::Engine::encode(
                        &base64::prelude::BASE64_STANDARD,
                        k.verifying_key().as_bytes(),
                    )
                })
                .map_err(|e| e.to_string())?;
            let (seq, prev) = chain::next_link(&listed, &self.heads(id), &own);
            let signed: SignedCase = record
                .seal(&directory, &partner, officer, Link { seq, prev: &prev })
                .map_err(|e| e.to_string())?;
            c.post_case(&signed).map_err(|e| e.to_string())?;
            let mut now = listed;
            now.push(&signed);
            self.observe(id, &now, &directory);
            Ok(())
        })
    }

    /// The heads this desk remembers for report `id`.
    fn heads(&self, id: ReportId) -> chain::Heads {
        self.index
            .lock()
            .ok()
            .and_then(|i| i.case_heads.get(&id).cloned())
            .unwrap_or_default()
    }

    /// Checks one report's verified listing against the chains and what this desk remembers;
    /// remembers the furthest records (sealed in the vault's index) and the warnings (for the
    /// inbox); returns the warnings.
    fn observe(&self, id: ReportId, listed: &[&SignedCase], directory: &Directory) -> Vec<String> {
        self.observe_all(&[(id, listed.to_vec())], directory)
            .pop()
            .unwrap_or_default()
    }

    /// [`Self::observe`] for many reports at once, saving the index once (a sync of a
    /// thousand reports writes it once, not a thousand times).
    fn observe_all(
        &self,
        reports: &[(ReportId, Vec<&SignedCase>)],
        directory: &Directory,
    ) -> Vec<Vec<String>> {
        // A key the directory no longer lists (rotated away) has records that no longer
        // verify: its chain is forgotten, not reported as withheld.
        let listed_keys: std::collections::BTreeSet<&str> = directory
            .partners
            .iter()
            .flat_map(|p| p.officer_keys.iter().map(String::as_str))
            .collect();
        let Ok(mut index) = self.index.lock() else {
            return Vec::new();
        };
        let mut changed = false;
        let mut out: Vec<Vec<String>> = Vec::with_capacity(reports.len());
        for (id, listed) in reports {
            let mut known = index.case_heads.get(id).cloned().unwrap_or_default();
            known.retain(|key, _| listed_keys.contains(key.as_str()));
            let stored = index.case_heads.get(id);
            let checked = chain::check(listed, &known);
            let same = stored.map_or(checked.heads.is_empty(), |h| *h == checked.heads);
            if !same && index.reports.contains_key(id) {
                index.case_heads.insert(*id, checked.heads);
                changed = true;
            }
            out.push(checked.anomalies.iter().map(|a| a.to_string()).collect());
        }
        if changed {
            // Best effort: a desk that cannot save still warns for as long as it runs.
            let _ = self.vault.save_index(&index, &self.ids);
        }
        drop(index);
        if let Ok(mut g) = self.anomalies.lock() {
            for ((id, _), warnings) in reports.iter().zip(&out) {
                if warnings.is_empty() {
                    g.remove(id);
                } else {
                    g.insert(*id, warnings.clone());
                }
            }
        }
        out
    }

    /// The reports with an appointment on `day` (`YYYY-MM-DD`), for the inbox.
    pub(super) fn appointments_on(&self, day: &str) -> Vec<ReportId> {
        self.appointments
            .lock()
            .map(|g| {
                g.iter()
                    .filter(|(_, d)| *d == day)
                    .map(|(id, _)| *id)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The reports whose case listing the server tampered with, for the inbox.
    pub(super) fn tampered(&self) -> Vec<ReportId> {
        self.anomalies
            .lock()
            .map(|g| g.keys().copied().collect())
            .unwrap_or_default()
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
