//! The QR code of the address: the module grid from the `qrcode` crate, drawn as one SVG path
//! in module units (so a test can read the grid back and decode it).
//!
//! The code holds the bare address (`….onion`), not a `http://` link: a phone camera then
//! offers to copy text instead of opening the address in an ordinary browser, which cannot
//! reach it and would keep it in its history.

use qrcode::{Color, EcLevel, QrCode};

use super::OutreachError;

/// White modules around the code, as the QR standard asks.
pub const QUIET_ZONE: usize = 4;

/// A QR code as a square grid of modules (`true` = dark), without the quiet zone.
#[derive(Clone, Debug)]
pub struct QrGrid {
    width: usize,
    dark: Vec<bool>,
}

impl QrGrid {
    /// Encodes `text` with error correction level M (a v3 onion address fits version 4).
    pub fn encode(text: &str) -> Result<Self, OutreachError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|e| OutreachError::Qr(e.to_string()))?;
        Ok(QrGrid {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// Modules per side, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Modules per side, with the quiet zone.
    pub fn width_with_quiet_zone(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    /// Whether module (x, y) is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// An SVG group drawing the code with its quiet zone, `size` user units wide, its top-left
    /// corner at (`x`, `y`). Inside, one unit is one module: a white square, then one black
    /// path of horizontal runs `M{x} {y}h{n}v1h-{n}z`.
    pub fn svg(&self, x: f64, y: f64, size: f64, label: &str) -> String {
        let n = self.width_with_quiet_zone();
        let scale = size / n as f64;
        let mut d = String::new();
        for row in 0..self.width {
            let mut col = 0;
            while col < self.width {
                if !self.is_dark(col, row) {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < self.width && self.is_dark(col, row) {
                    col += 1;
                }
                let run = col - start;
                d.push_str(&format!(
                    "M{} {}h{run}v1h-{run}z",
                    start + QUIET_ZONE,
                    row + QUIET_ZONE
                ));
            }
        }
        format!(
            "<g class=\"qr\" role=\"img\" aria-label=\"{label}\" transform=\"translate({x:.2} {y:.2}) scale({scale:.5})\">\
<rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{d}\"/></g>",
            label = crate::html::escape(label)
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_onion_address_fits_version_4() {
        let a = crate::outreach::OnionAddress::from_public_key(&[1; 32]);
        let g = QrGrid::encode(a.as_str()).unwrap();
        assert_eq!(g.width(), 33);
        let svg = g.svg(0.0, 0.0, 30.0, a.as_str());
        assert!(svg.contains("M4 4h7v1h-7z"), "finder pattern: {svg}");
    }
}
