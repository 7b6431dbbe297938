//! Counting and protecting: raw counts per field, value and month; tables with small cells
//! suppressed; and the CSV in which partners exchange raw counts to merge them.
//!
//! Suppression. A cell with 0 < n < min-count is shown as `< min` (primary). Totals are
//! printed, so a lone suppressed cell could be worked out by subtraction; wherever cells add
//! up to a printed total (a value across months; for single-choice fields, all values of a
//! month, and the totals column), a group with exactly one hidden number gets a second one:
//! the smallest other non-zero cell, shown as `x` (secondary). This repeats until no group
//! has a single unknown. The report counts per month are protected once and shared by every
//! table, so two tables never disagree about them.

use std::collections::{BTreeMap, BTreeSet};

use super::fields::{self, Field};
use super::read::Record;
use super::StatsError;

/// The column (and CSV month) of totals.
pub const ALL: &str = "all";
/// The CSV field name of report counts.
pub const REPORTS: &str = "reports";
const CSV_HEADER: &str = "field,value,month,count";

/// Raw counts: exact, so for partners only, never to publish.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    /// The months, when split by month.
    pub months: Option<BTreeSet<String>>,
    /// The fields counted.
    pub fields: Vec<&'static Field>,
    /// (field, value, month or [`ALL`]) → reports.
    pub cells: BTreeMap<(String, String, String), u64>,
    /// Month or [`ALL`] → reports.
    pub reports: BTreeMap<String, u64>,
}

impl Counts {
    /// Counts `records` by `fields`, and by month when `by_month`.
    pub fn count(records: &[Record], fields: &[&'static Field], by_month: bool) -> Self {
        let mut c = Counts {
            months: by_month.then(BTreeSet::new),
            fields: fields.to_vec(),
            ..Counts::default()
        };
        for r in records {
            let mut cols = vec![ALL.to_owned()];
            if let Some(m) = c.months.as_mut() {
                m.insert(r.month.clone());
                cols.push(r.month.clone());
            }
            for col in &cols {
                *c.reports.entry(col.clone()).or_default() += 1;
                for f in fields {
                    for v in r.values.get(f.name).into_iter().flatten() {
                        *c.cells
                            .entry((f.name.to_owned(), v.clone(), col.clone()))
                            .or_default() += 1;
                    }
                }
            }
        }
        c
    }

    /// Sums raw CSVs (`(file name, text)`) made with `--min-count 1`. Refuses suppressed
    /// cells, unknown fields and values that are not on the allow-list.
    pub fn merge(files: &[(String, String)]) -> Result<Self, StatsError> {
        let mut c = Counts::default();
        let mut all_have_months = true;
        let mut fields_seen: BTreeSet<&'static str> = BTreeSet::new();
        for (name, text) in files {
            let bad = |line: usize, reason: &str| StatsError::BadCsv {
                path: name.clone(),
                line,
                reason: reason.to_owned(),
            };
            let mut lines = text.lines().enumerate();
            if lines.next().map(|(_, l)| l.trim()) != Some(CSV_HEADER) {
                return Err(bad(1, &format!("the first line must be {CSV_HEADER}")));
            }
            let mut has_months = false;
            for (i, line) in lines {
                if line.trim().is_empty() {
                    continue;
                }
                let cols: Vec<&str> = line.split(',').collect();
                let [field, value, month, count] = cols.as_slice() else {
                    return Err(bad(i + 1, "expected four columns"));
                };
                let n: u64 = count.trim().parse().map_err(|_| {
                    if count.contains('<') || count.trim() == "x" {
                        StatsError::Suppressed(name.clone())
                    } else {
                        bad(i + 1, "the count is not a number")
                    }
                })?;
                has_months |= *month != ALL;
                if *field == REPORTS {
                    *c.reports.entry((*month).to_owned()).or_default() += n;
                    continue;
                }
                let f = fields::field(field).ok_or_else(|| bad(i + 1, "unknown field"))?;
                if !f.allows(value) {
                    return Err(bad(i + 1, "a value that is not on the field's list"));
                }
                fields_seen.insert(f.name);
                *c.cells
                    .entry((f.name.to_owned(), (*value).to_owned(), (*month).to_owned()))
                    .or_default() += n;
            }
            all_have_months &= has_months;
        }
        if all_have_months && !files.is_empty() {
            c.months = Some(c.reports.keys().filter(|m| *m != ALL).cloned().collect());
        } else {
            c.cells.retain(|(_, _, m), _| m == ALL);
            c.reports.retain(|m, _| m == ALL);
        }
        c.fields = fields::FIELDS
            .iter()
            .filter(|f| fields_seen.contains(f.name))
            .collect();
        Ok(c)
    }

    /// The published tables, cells under `min` suppressed.
    pub fn tables(&self, min: u64) -> Stats {
        let cols: Vec<String> = self
            .months
            .iter()
            .flatten()
            .cloned()
            .chain([ALL.to_owned()])
            .collect();
        let all = cols.len() - 1;
        // Report counts: one row; the months add up to the total.
        let mut reports = vec![cols
            .iter()
            .map(|c| Cell::new(self.reports.get(c).copied().unwrap_or(0)))
            .collect::<Vec<_>>()];
        let month_group = (((0..all).map(|c| (0, c)).collect()), (0, all));
        protect(&mut reports, None, &[month_group], min);
        let reports = reports.remove(0);

        let mut tables = Vec::new();
        for f in &self.fields {
            let present = self
                .cells
                .keys()
                .filter(|(n, _, _)| n == f.name)
                .map(|(_, v, _)| v);
            let rows = f.rows(present);
            let mut grid: Vec<Vec<Cell>> = rows
                .iter()
                .map(|v| {
                    cols.iter()
                        .map(|c| {
                            let key = (f.name.to_owned(), v.clone(), c.clone());
                            Cell::new(self.cells.get(&key).copied().unwrap_or(0))
                        })
                        .collect()
                })
                .collect();
            let fixed = rows.len();
            grid.push(reports.clone());
            let mut groups = Vec::new();
            if all > 0 {
                for r in 0..rows.len() {
                    groups.push(((0..all).map(|c| (r, c)).collect(), (r, all)));
                }
            }
            if !f.multi {
                for c in 0..cols.len() {
                    groups.push(((0..rows.len()).map(|r| (r, c)).collect(), (fixed, c)));
                }
            }
            protect(&mut grid, Some(fixed), &groups, min);
            grid.pop();
            tables.push(Table {
                field: f,
                rows,
                cells: grid,
            });
        }
        Stats {
            cols,
            reports,
            tables,
            min,
        }
    }
}

/// How a cell is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The number.
    Shown,
    /// `< min`: fewer than min-count reports.
    Small,
    /// `x`: hidden so that a small cell cannot be computed from the totals.
    Hidden,
}

/// A count and how to print it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The true count (never printed unless `mark` is `Shown`).
    pub n: u64,
    /// How it is printed.
    pub mark: Mark,
}

impl Cell {
    fn new(n: u64) -> Self {
        Cell {
            n,
            mark: Mark::Shown,
        }
    }

    /// The text printed for this cell.
    pub fn show(&self, min: u64) -> String {
        match self.mark {
            Mark::Shown => self.n.to_string(),
            Mark::Small => format!("< {min}"),
            Mark::Hidden => "x".to_owned(),
        }
    }
}

type Group = (Vec<(usize, usize)>, (usize, usize));

/// Primary suppression of small cells (not in `fixed` row), then secondary suppression until
/// no group has exactly one unknown.
fn protect(grid: &mut [Vec<Cell>], fixed: Option<usize>, groups: &[Group], min: u64) {
    for (r, row) in grid.iter_mut().enumerate() {
        if Some(r) == fixed {
            continue;
        }
        for cell in row.iter_mut() {
            if cell.n > 0 && cell.n < min {
                cell.mark = Mark::Small;
            }
        }
    }
    let hidden = |g: &[Vec<Cell>], (r, c): (usize, usize)| g[r][c].mark != Mark::Shown;
    loop {
        let mut changed = false;
        for (parts, sum) in groups {
            let unknown = parts.iter().filter(|p| hidden(grid, **p)).count()
                + usize::from(hidden(grid, *sum));
            if unknown != 1 {
                continue;
            }
            let pick = parts
                .iter()
                .filter(|&&(r, c)| {
                    Some(r) != fixed && grid[r][c].mark == Mark::Shown && grid[r][c].n > 0
                })
                .min_by_key(|&&(r, c)| grid[r][c].n)
                .copied()
                .or((Some(sum.0) != fixed && !hidden(grid, *sum)).then_some(*sum));
            if let Some((r, c)) = pick {
                grid[r][c].mark = Mark::Hidden;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// One field's table.
#[derive(Clone, Debug)]
pub struct Table {
    /// The field.
    pub field: &'static Field,
    /// Value codes, one per row.
    pub rows: Vec<String>,
    /// `cells[row][col]`, columns as in [`Stats::cols`].
    pub cells: Vec<Vec<Cell>>,
}

/// Everything printed.
#[derive(Clone, Debug)]
pub struct Stats {
    /// Months, then [`ALL`].
    pub cols: Vec<String>,
    /// Reports per column.
    pub reports: Vec<Cell>,
    /// One table per field.
    pub tables: Vec<Table>,
    /// The min-count used.
    pub min: u64,
}

impl Stats {
    /// `field,value,month,count`, one line per cell (the format `--merge` reads).
    pub fn csv(&self) -> String {
        let mut out = format!("{CSV_HEADER}\n");
        for (col, cell) in self.cols.iter().zip(&self.reports) {
            out.push_str(&format!("{REPORTS},{ALL},{col},{}\n", cell.show(self.min)));
        }
        for t in &self.tables {
            for (value, row) in t.rows.iter().zip(&t.cells) {
                for (col, cell) in self.cols.iter().zip(row) {
                    out.push_str(&format!(
                        "{},{value},{col},{}\n",
                        t.field.name,
                        cell.show(self.min)
                    ));
                }
            }
        }
        out
    }

    /// Markdown tables with English labels and a note on suppression.
    pub fn markdown(&self) -> String {
        let head = |first: &str| {
            let mut h = format!("| {first} |");
            let mut rule = String::from("| --- |");
            for c in &self.cols {
                h.push_str(&format!(" {} |", if c == ALL { "total" } else { c }));
                rule.push_str(" ---: |");
            }
            format!("{h}\n{rule}\n")
        };
        let row = |label: &str, cells: &[Cell]| {
            let mut r = format!("| {label} |");
            for c in cells {
                r.push_str(&format!(" {} |", c.show(self.min)));
            }
            r.push('\n');
            r
        };
        let mut out = String::from("# Reports received\n\n");
        out.push_str(&head(""));
        out.push_str(&row("reports", &self.reports));
        for t in &self.tables {
            out.push_str(&format!("\n## {}\n\n", t.field.label));
            out.push_str(&head(""));
            for (v, cells) in t.rows.iter().zip(&t.cells) {
                out.push_str(&row(&t.field.label_of(v), cells));
            }
            if t.field.multi {
                out.push_str(
                    "\nSeveral answers per report: the rows add up to more than the reports.\n",
                );
            }
        }
        out.push_str(&format!(
            "\n`< {m}`: fewer than {m} reports, not shown so that nobody can be singled out. \
`x`: hidden too, so that a number under {m} cannot be worked out from the totals. \
Follow-up messages are not counted.\n",
            m = self.min
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[u64]]) -> Vec<Vec<Cell>> {
        rows.iter()
            .map(|r| r.iter().map(|&n| Cell::new(n)).collect())
            .collect()
    }

    #[test]
    fn a_lone_small_cell_gets_a_partner() {
        // 3 + 10 + 0 = 13: hiding only the 3 would leave 13 − 10 − 0.
        let mut g = grid(&[&[3, 10, 0, 13]]);
        protect(&mut g, None, &[(vec![(0, 0), (0, 1), (0, 2)], (0, 3))], 5);
        let marks: Vec<Mark> = g[0].iter().map(|c| c.mark).collect();
        assert_eq!(marks, [Mark::Small, Mark::Hidden, Mark::Shown, Mark::Shown]);
        // Nothing below the threshold: nothing hidden.
        let mut g = grid(&[&[6, 10, 16]]);
        protect(&mut g, None, &[(vec![(0, 0), (0, 1)], (0, 2))], 5);
        assert!(g[0].iter().all(|c| c.mark == Mark::Shown));
        // Only zeros beside it: the total goes instead.
        let mut g = grid(&[&[2, 0, 2]]);
        protect(&mut g, None, &[(vec![(0, 0), (0, 1)], (0, 2))], 5);
        assert_eq!(g[0][2].mark, Mark::Small);
    }

    #[test]
    fn min_count_one_is_exact() {
        let mut g = grid(&[&[1, 2, 3]]);
        protect(&mut g, None, &[(vec![(0, 0), (0, 1)], (0, 2))], 1);
        assert!(g[0].iter().all(|c| c.mark == Mark::Shown));
    }
}
