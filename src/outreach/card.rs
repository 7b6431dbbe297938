//! The card itself, as SVG in millimetres: an A6 card (105 × 148) and an A4 sheet of four
//! with cut lines. Right-to-left languages get `direction="rtl"`, text anchored on the right
//! and the step numbers on the right; the address and phone numbers stay left-to-right.
//! The text starts large and is shrunk, step by step, until it fits (down to 0.6).

use super::qr::QrGrid;
use super::text::{line_height, width, wrap};
use super::{Direction, Language};
use super::{OnionAddress, OutreachError};
use crate::html::escape;

/// A6 width and height, mm.
pub const A6: (f64, f64) = (105.0, 148.0);
/// A4 width and height, mm.
pub const A4: (f64, f64) = (210.0, 297.0);
const MARGIN: f64 = 7.0;
/// Side of the QR code with its quiet zone, mm (0.9 mm per module for version 4).
const QR_SIZE: f64 = 37.0;
/// The text scale tried first; smaller ones follow until the card fits.
const START_SCALE: f64 = 1.3;
const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// What goes on a card.
#[derive(Clone, Copy, Debug)]
pub struct CardText<'a> {
    pub locale: &'a Language,
    pub onion: &'a OnionAddress,
    /// Partner names for the promise.
    pub partners: &'a [&'a str],
}

/// A drawn card: the SVG content (no outer `<svg>`) and the text scale that made it fit.
#[derive(Clone, Debug)]
pub struct Card {
    /// `<g …>…</g>` in a 105 × 148 coordinate system.
    pub group: String,
    /// 1.3, or less when the text was shrunk to fit.
    pub scale: f64,
}

struct Pen<'a> {
    out: String,
    y: f64,
    dir: Direction,
    lang: &'a str,
}

impl Pen<'_> {
    /// x where a line starts (left for LTR, right for RTL), given an indent.
    fn start_x(&self, indent: f64) -> f64 {
        match self.dir {
            Direction::Ltr => MARGIN + indent,
            Direction::Rtl => A6.0 - MARGIN - indent,
        }
    }

    /// Writes wrapped text; `centered` or aligned to the start side after `indent`.
    fn para(&mut self, s: &str, size: f64, bold: bool, centered: bool, indent: f64) {
        let lh = size * line_height(s);
        let max = A6.0 - 2.0 * MARGIN - indent;
        let (x, anchor) = if centered {
            (A6.0 / 2.0, "middle")
        } else {
            (self.start_x(indent), "start")
        };
        let weight = if bold { " font-weight=\"bold\"" } else { "" };
        for line in wrap(s, size, bold, max) {
            self.y += lh;
            self.out.push_str(&format!(
                "<text x=\"{x:.2}\" y=\"{:.2}\" font-size=\"{size:.2}\" text-anchor=\"{anchor}\"{weight}>{}</text>\n",
                self.y - (lh - size) / 2.0,
                escape(&line)
            ));
        }
    }

    /// Keeps a run of digits or Latin left-to-right inside right-to-left text.
    fn isolate(&self, s: &str) -> String {
        match self.dir {
            Direction::Ltr => s.to_owned(),
            Direction::Rtl => format!("\u{2066}{s}\u{2069}"),
        }
    }
}

/// Draws the card at text scale `s`; returns it and the height it used.
fn draw(c: &CardText<'_>, s: f64) -> Result<(String, f64), OutreachError> {
    let t = c.locale.outreach();
    let mut pen = Pen {
        out: String::new(),
        y: MARGIN - 1.0,
        dir: c.locale.dir,
        lang: c.locale.code,
    };
    pen.para(&t.headline, 5.2 * s, true, true, 0.0);
    pen.y += 1.5 * s;
    pen.para(&t.anonymous, 3.4 * s, false, true, 0.0);
    pen.y += 1.5 * s;
    // Latin partner names inside right-to-left text: each isolated and kept on one line.
    let names: Vec<String> = match pen.dir {
        Direction::Ltr => c.partners.iter().map(|n| (*n).to_owned()).collect(),
        Direction::Rtl => c
            .partners
            .iter()
            .map(|n| format!("\u{2068}{}\u{2069}", n.replace(' ', "\u{a0}")))
            .collect(),
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    pen.para(&t.promise(&names), 3.4 * s, true, true, 0.0);
    pen.y += 2.5 * s;

    let r = 2.3 * s;
    for (i, step) in [&t.step_tor, &t.step_open, &t.step_codename]
        .iter()
        .enumerate()
    {
        let top = pen.y;
        pen.para(step, 3.2 * s, false, false, 2.0 * r + 1.8 * s);
        let cx = match pen.dir {
            Direction::Ltr => MARGIN + r,
            Direction::Rtl => A6.0 - MARGIN - r,
        };
        let cy = top + r + 0.6 * s;
        pen.out.push_str(&format!(
            "<circle cx=\"{cx:.2}\" cy=\"{cy:.2}\" r=\"{r:.2}\" fill=\"#000\"/>\
<text x=\"{cx:.2}\" y=\"{:.2}\" font-size=\"{:.2}\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#fff\">{}</text>\n",
            cy + 1.1 * s,
            3.2 * s,
            i + 1
        ));
        pen.y = pen.y.max(cy + r) + 1.2 * s;
    }

    // The QR code and the address, never shrunk.
    pen.y += 0.5;
    let grid = QrGrid::encode(c.onion.as_str())?;
    pen.out
        .push_str(&grid.svg((A6.0 - QR_SIZE) / 2.0, pen.y, QR_SIZE, c.onion.as_str()));
    pen.out.push('\n');
    pen.y += QR_SIZE;
    let addr = c.onion.as_str();
    let (first, second) = addr.split_at(28);
    pen.out.push_str(&format!(
        "<text class=\"onion\" direction=\"ltr\" font-family=\"monospace\" font-size=\"3.6\" text-anchor=\"middle\" aria-label=\"{addr}\">\
<tspan x=\"{cx:.2}\" y=\"{:.2}\">{first}</tspan><tspan x=\"{cx:.2}\" y=\"{:.2}\">{second}</tspan></text>\n",
        pen.y + 3.4,
        pen.y + 8.0,
        cx = A6.0 / 2.0,
    ));
    pen.y += 9.2;
    pen.para(&t.qr_hint, 2.6 * s, false, true, 0.0);
    pen.y += 2.0 * s;

    // Help numbers in a box.
    let box_top = pen.y;
    pen.y += 0.8 * s;
    pen.para(&t.help_title, 3.1 * s, true, false, 2.0);
    for (number, what) in [("1522", &t.help_1522), ("800 290 290", &t.help_800)] {
        let big = 4.4 * s;
        let small = 3.1 * s;
        let lh = big * line_height(what);
        let room = A6.0 - 2.0 * MARGIN - 4.0 - width(number, big, true) - 2.0;
        if width(what, small, false) <= room {
            pen.y += lh;
            pen.out.push_str(&format!(
                "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"start\"><tspan font-size=\"{big:.2}\" font-weight=\"bold\">{}</tspan><tspan font-size=\"{small:.2}\"> {}</tspan></text>\n",
                pen.start_x(2.0),
                pen.y - (lh - big) / 2.0,
                pen.isolate(number),
                escape(what)
            ));
        } else {
            pen.y += lh;
            pen.out.push_str(&format!(
                "<text x=\"{:.2}\" y=\"{:.2}\" font-size=\"{big:.2}\" font-weight=\"bold\" text-anchor=\"start\">{}</text>\n",
                pen.start_x(2.0),
                pen.y - (lh - big) / 2.0,
                pen.isolate(number)
            ));
            pen.para(what, small, false, false, 2.0);
        }
    }
    pen.y += 1.6 * s;
    pen.out.push_str(&format!(
        "<rect x=\"{MARGIN}\" y=\"{box_top:.2}\" width=\"{:.2}\" height=\"{:.2}\" rx=\"2\" fill=\"none\" stroke=\"#000\" stroke-width=\"0.35\"/>\n",
        A6.0 - 2.0 * MARGIN,
        pen.y - box_top
    ));
    let group = format!(
        "<g class=\"card\" lang=\"{lang}\" direction=\"{dir}\" font-family=\"sans-serif\" fill=\"#000\">\n\
<rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\n{body}</g>",
        lang = escape(pen.lang),
        dir = c.locale.dir.as_str(),
        w = A6.0,
        h = A6.1,
        body = pen.out
    );
    Ok((group, pen.y))
}

/// Lays the card out, shrinking the text until it fits on A6.
pub fn card(c: &CardText<'_>) -> Result<Card, OutreachError> {
    let mut scale = START_SCALE;
    loop {
        let (group, used) = draw(c, scale)?;
        if used <= A6.1 - MARGIN + 1.0 {
            return Ok(Card { group, scale });
        }
        if scale < 0.64 {
            return Err(OutreachError::TooMuchText(c.locale.code.to_owned()));
        }
        scale -= 0.02;
    }
}

fn document(c: &CardText<'_>, (w, h): (f64, f64), body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<svg xmlns=\"{SVG_NS}\" width=\"{w}mm\" height=\"{h}mm\" viewBox=\"0 0 {w} {h}\" xml:lang=\"{lang}\" direction=\"{dir}\">\n\
<title>{title}</title>\n<desc>{addr}</desc>\n{body}\n</svg>\n",
        lang = escape(c.locale.code),
        dir = c.locale.dir.as_str(),
        title = escape(&c.locale.outreach().headline),
        addr = c.onion.as_str(),
    )
}

/// A standalone A6 card.
pub fn a6_svg(c: &CardText<'_>) -> Result<String, OutreachError> {
    Ok(document(c, A6, &card(c)?.group))
}

/// Four cards on an A4 sheet, dashed lines to cut along.
pub fn a4_svg(c: &CardText<'_>) -> Result<String, OutreachError> {
    Ok(document(c, A4, &sheet(&card(c)?.group)))
}

/// The four placed cards and the cut lines.
pub fn sheet(group: &str) -> String {
    let mut out = String::new();
    for (x, y) in [(0.0, 0.0), (A6.0, 0.0), (0.0, A6.1), (A6.0, A6.1)] {
        out.push_str(&format!(
            "<g transform=\"translate({x} {y})\">\n{group}\n</g>\n"
        ));
    }
    out.push_str(&format!(
        "<path d=\"M{x} 0V{h}M0 {y}H{w}\" stroke=\"#888\" stroke-width=\"0.2\" stroke-dasharray=\"2 2\" fill=\"none\"/>",
        x = A6.0,
        y = A6.1,
        w = A4.0,
        h = A4.1
    ));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_core_language_fits_with_three_partners() {
        let onion = OnionAddress::from_public_key(&[9; 32]);
        let partners = [
            "DEMO Centro antiviolenza Milano",
            "DEMO Progetto anti-tratta Milano",
            "DEMO Sportello lavoro e sfruttamento",
        ];
        for l in crate::outreach::languages().unwrap() {
            let c = CardText {
                locale: l,
                onion: &onion,
                partners: &partners,
            };
            let card = card(&c).unwrap();
            eprintln!("{}: scale {:.2}", l.code, card.scale);
            assert!(card.scale >= 0.75, "{}: scale {}", l.code, card.scale);
        }
    }

    #[test]
    fn too_many_partners_is_an_error_not_an_overflow() {
        let onion = OnionAddress::from_public_key(&[9; 32]);
        let names: Vec<String> = (0..60)
            .map(|i| format!("Partner organisation number {i}"))
            .collect();
        let partners: Vec<&str> = names.iter().map(String::as_str).collect();
        let c = CardText {
            locale: crate::outreach::language("en").unwrap(),
            onion: &onion,
            partners: &partners,
        };
        assert!(matches!(card(&c), Err(OutreachError::TooMuchText(_))));
    }
}
