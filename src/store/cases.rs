//! Case records (`case_records`): the opaque, signed records a partner's officers keep beside
//! a report (see [`crate::case`]). The store never opens them; it files one under
//! `(report id, record id)` only for the partner that owns the report (checked in the writer's
//! transaction, so a record never outlives its report: the report's deletion removes them), at
//! most [`MAX_PER_REPORT`] per report. Backups carry them (`K` records, after their report).

use redb::{ReadableDatabase, ReadableTable};

use super::writer::Op;
use super::{ReportId, Store, StoreError};

pub(crate) use super::schema::CASES;

/// Most records kept per report.
pub const MAX_PER_REPORT: usize = 256;

/// A write to the table, applied by the writer thread.
#[derive(Debug)]
pub(super) struct CaseOp {
    pub report: u128,
    pub partner: String,
    pub payload: Vec<u8>,
}

/// Files one record if the report has room (the writer checked that the report exists and
/// belongs to the partner, with the `reports` table it holds open); returns whether it did.
pub(super) fn apply(txn: &redb::WriteTransaction, op: &CaseOp) -> Result<bool, StoreError> {
    let mut table = txn.open_table(CASES).map_err(StoreError::from_db)?;
    let range = (op.report, 0)..=(op.report, u128::MAX);
    let n = table
        .range(range.clone())
        .map_err(StoreError::from_db)?
        .count();
    if n >= MAX_PER_REPORT {
        return Ok(false);
    }
    let next = match table.range(range).map_err(StoreError::from_db)?.next_back() {
        Some(row) => row.map_err(StoreError::from_db)?.0.value().1 + 1,
        None => 0,
    };
    table
        .insert((op.report, next), op.payload.as_slice())
        .map_err(StoreError::from_db)?;
    Ok(true)
}

/// Removes every record of `report` (in the transaction that deletes it).
pub(super) fn remove_all(txn: &redb::WriteTransaction, report: u128) -> Result<(), StoreError> {
    let mut table = txn.open_table(CASES).map_err(StoreError::from_db)?;
    table
        .retain_in((report, 0)..=(report, u128::MAX), |_, _| false)
        .map_err(StoreError::from_db)
}

impl Store {
    /// Files a case record for `report` on behalf of `partner`; `false` when the report is not
    /// that partner's (or not there), or has [`MAX_PER_REPORT`] records already.
    pub async fn put_case(
        &self,
        report: ReportId,
        partner: &str,
        payload: Vec<u8>,
    ) -> Result<bool, StoreError> {
        self.call(Op::Case(CaseOp {
            report: report.0,
            partner: partner.to_owned(),
            payload,
        }))
        .await
    }

    /// The records of a report, in the order they were filed (blocking).
    pub fn cases_blocking(&self, report: ReportId) -> Result<Vec<Vec<u8>>, StoreError> {
        let txn = self.db.get().begin_read().map_err(StoreError::from_db)?;
        let table = match txn.open_table(CASES) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::from_db(e)),
        };
        let mut out = Vec::new();
        for row in table
            .range((report.0, 0)..=(report.0, u128::MAX))
            .map_err(StoreError::from_db)?
        {
            let (_, v) = row.map_err(StoreError::from_db)?;
            out.push(v.value().to_vec());
        }
        Ok(out)
    }

    /// The records of every report of `partner`, report by report in filing order (blocking):
    /// what a desk's inbox shows the status from.
    pub fn partner_cases_blocking(&self, partner: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut out = Vec::new();
        for meta in self.list_blocking(Some(partner))? {
            out.extend(self.cases_blocking(meta.id)?);
        }
        Ok(out)
    }
}
