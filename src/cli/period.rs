//! The `--period` argument.

use anyhow::{Context, bail};
use chrono::NaiveDate;

/// An inclusive range of calendar dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl std::fmt::Display for DateRange {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// Parses `YYYY-MM-DD..YYYY-MM-DD` (inclusive, used as given).
pub fn parse_range(text: &str) -> anyhow::Result<DateRange> {
    let Some((a, b)) = text.split_once("..") else {
        bail!("period {text:?} is not of the form YYYY-MM-DD..YYYY-MM-DD");
    };
    let date = |s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .with_context(|| format!("period {text:?}: {s:?} is not a date (YYYY-MM-DD)"))
    };
    let (start, end) = (date(a)?, date(b)?);
    if end < start {
        bail!("period {text:?} ends before it starts");
    }
    Ok(DateRange { start, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let r = parse_range("2024-05-01..2024-05-14").unwrap();
        assert_eq!(r.to_string(), "2024-05-01..2024-05-14");
        assert!(parse_range("2024-05-14..2024-05-01").is_err());
        assert!(parse_range("2024-05-01").is_err());
        assert!(parse_range("2024-05-01..tomorrow").is_err());
    }
}
