//! The officer's client for case records beside reports ([`crate::case`]): file one, list
//! a report's, list the partner's.

use serde::Deserialize;

use super::{Client, ClientError};
use crate::model::ReportId;

impl Client {
    /// Files a sealed, signed case record beside a report ([`crate::case`]).
    pub fn post_case(&self, record: &crate::case::SignedCase) -> Result<(), ClientError> {
        self.authed(
            self.agent
                .post(&self.url(&format!("/api/v1/officer/reports/{}/cases", record.report))),
        )
        .send_json(record)?;
        Ok(())
    }

    /// The case records filed beside a report (still to verify and open).
    pub fn cases(&self, id: ReportId) -> Result<Vec<crate::case::SignedCase>, ClientError> {
        self.get_cases(&format!("/api/v1/officer/reports/{id}/cases"))
    }

    /// The case records of every report of the partner (still to verify and open).
    pub fn all_cases(&self) -> Result<Vec<crate::case::SignedCase>, ClientError> {
        self.get_cases("/api/v1/officer/cases")
    }

    fn get_cases(&self, path: &str) -> Result<Vec<crate::case::SignedCase>, ClientError> {
        #[derive(Deserialize)]
        struct Cases {
            cases: Vec<crate::case::SignedCase>,
        }
        let answer: Cases = self
            .authed(self.agent.get(&self.url(path)))
            .call()?
            .into_json()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        Ok(answer.cases)
    }
}
