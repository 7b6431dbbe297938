//! Days: the only time the store, the log and the API ever carry.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A calendar day (days since 1970-01-01, UTC). The store never keeps a finer time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(pub u32);

impl Day {
    /// Today, UTC.
    pub fn today() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Day(u32::try_from(secs / 86_400).unwrap_or(u32::MAX))
    }

    /// `(year, month, day)` — Howard Hinnant's `civil_from_days`.
    pub fn civil(self) -> (i64, u32, u32) {
        let z = i64::from(self.0) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i64::from(m <= 2);
        (y, m, d)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.civil();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let parts: Vec<&str> = s.split('-').collect();
        let bad = || serde::de::Error::custom("a day is YYYY-MM-DD");
        let [y, m, dd] = parts.as_slice() else {
            return Err(bad());
        };
        let (y, m, dd): (i64, i64, i64) = (
            y.parse().map_err(|_| bad())?,
            m.parse().map_err(|_| bad())?,
            dd.parse().map_err(|_| bad())?,
        );
        // days_from_civil
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + dd - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        u32::try_from(days).map(Day).map_err(|_| bad())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        for d in [0u32, 1, 59, 60, 365, 10_957, 20_000, 20_785, 50_000] {
            let day = Day(d);
            let json = serde_json::to_string(&day).unwrap();
            assert_eq!(serde_json::from_str::<Day>(&json).unwrap(), day, "{json}");
        }
        assert_eq!(Day(0).to_string(), "1970-01-01");
        assert_eq!(Day(20_785).to_string(), "2026-11-28");
    }
}
