//! Bar charts as plain SVG, drawn by hand: one horizontal bar per value (the totals column),
//! and the reports per month when counted by month. Suppressed cells get no bar, only their
//! mark. Drawn without a plotting crate: the charts are simple, the text needs no font
//! metrics beyond a right-aligned label, and every string is escaped here.

use super::table::{Cell, Mark, Stats};
use crate::html::escape;

const WIDTH: f64 = 640.0;
const LABEL_W: f64 = 250.0;
const BAR_W: f64 = 320.0;
const ROW: f64 = 18.0;

fn bars(out: &mut String, y: &mut f64, title: &str, rows: &[(String, Cell)], min: u64) {
    *y += 30.0;
    out.push_str(&format!(
        "<text x=\"10\" y=\"{y:.0}\" font-size=\"15\" font-weight=\"bold\">{}</text>\n",
        escape(title)
    ));
    *y += 8.0;
    let max = rows
        .iter()
        .filter(|(_, c)| c.mark == Mark::Shown)
        .map(|(_, c)| c.n)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    for (label, cell) in rows {
        let base = *y + ROW - 5.0;
        out.push_str(&format!(
            "<text x=\"{:.0}\" y=\"{base:.0}\" font-size=\"12\" text-anchor=\"end\">{}</text>\n",
            LABEL_W - 8.0,
            escape(label)
        ));
        let len = if cell.mark == Mark::Shown {
            BAR_W * cell.n as f64 / max
        } else {
            0.0
        };
        if len > 0.0 {
            out.push_str(&format!(
                "<rect x=\"{LABEL_W}\" y=\"{:.0}\" width=\"{len:.1}\" height=\"{:.0}\" fill=\"#0b5394\"/>\n",
                *y + 3.0,
                ROW - 6.0
            ));
        }
        out.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{base:.0}\" font-size=\"12\">{}</text>\n",
            LABEL_W + len + 5.0,
            escape(&cell.show(min))
        ));
        *y += ROW;
    }
}

/// The charts of `stats` as one SVG document.
pub fn svg(stats: &Stats) -> String {
    let mut body = String::new();
    let mut y = 0.0;
    let total = stats.cols.len() - 1;
    if total > 0 {
        let rows: Vec<(String, Cell)> = stats.cols[..total]
            .iter()
            .cloned()
            .zip(stats.reports.iter().copied())
            .collect();
        bars(&mut body, &mut y, "Reports per month", &rows, stats.min);
    }
    for t in &stats.tables {
        let rows: Vec<(String, Cell)> = t
            .rows
            .iter()
            .zip(&t.cells)
            .filter(|(_, cells)| cells[total].n > 0 || cells[total].mark != Mark::Shown)
            .map(|(v, cells)| (t.field.label_of(v), cells[total]))
            .collect();
        bars(&mut body, &mut y, t.field.label, &rows, stats.min);
    }
    y += 30.0;
    body.push_str(&format!(
        "<text x=\"10\" y=\"{y:.0}\" font-size=\"11\">Reports: {}. &lt; {m}: fewer than {m}, not shown; x: hidden so that small numbers cannot be worked out.</text>\n",
        escape(&stats.reports[total].show(stats.min)),
        m = stats.min
    ));
    y += 15.0;
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{y:.0}\" viewBox=\"0 0 {WIDTH} {y:.0}\" font-family=\"sans-serif\">\n\
<rect width=\"{WIDTH}\" height=\"{y:.0}\" fill=\"#fff\"/>\n{body}</svg>\n"
    )
}
