//! Workdays, workweeks, 14-day windows and pay periods.
//!
//! A *workday* is the 24 hours starting at `company.workday_start` local
//! time, named by the date it starts on. A *workweek* is seven workdays
//! starting on `company.week_start`. A *pay period* is a run of workdays;
//! a worked second belongs to the period containing its workday.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::config::{Frequency, RulesConfig};

/// An inclusive run of workdays that is paid together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PayPeriod {
    /// First workday.
    pub start: NaiveDate,
    /// Last workday (inclusive).
    pub end: NaiveDate,
}

impl PayPeriod {
    /// Whether `day` is one of the period's workdays.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }

    /// Number of workdays.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }
}

impl std::fmt::Display for PayPeriod {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// The company's calendar, from `[company]` and `[pay_period]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    /// First day of each workweek.
    pub week_start: Weekday,
    /// How often pay periods come.
    pub frequency: Frequency,
    /// Anchor of weekly and biweekly periods and of 14-day overtime windows.
    pub anchor: NaiveDate,
    /// Whether some overtime rule counts 14-day windows (`basis = "biweekly"`).
    pub biweekly_windows: bool,
}

/// A date worked out from a workday (its workweek's first day, say), kept
/// for the next piece: a user's pieces come in time order, several to a
/// workday, so each workday's is worked out once.
#[derive(Debug, Default)]
pub(crate) struct PerWorkday {
    last: Option<(NaiveDate, NaiveDate)>,
}

impl PerWorkday {
    /// `of(day)`, worked out again only when `day` is not the last one asked.
    pub fn get(&mut self, day: NaiveDate, of: impl FnOnce(NaiveDate) -> NaiveDate) -> NaiveDate {
        match self.last {
            Some((last, value)) if last == day => value,
            _ => {
                let value = of(day);
                self.last = Some((day, value));
                value
            }
        }
    }
}

impl Calendar {
    /// The calendar a configuration describes.
    pub fn new(config: &RulesConfig) -> Self {
        Calendar {
            week_start: config.company.week_start.0,
            frequency: config.pay_period.frequency,
            anchor: config.pay_period.anchor,
            biweekly_windows: config.uses_biweekly_windows(),
        }
    }

    /// The first workday of the workweek containing `day`.
    pub fn workweek_start(&self, day: NaiveDate) -> NaiveDate {
        day - Duration::days(i64::from(day.weekday().days_since(self.week_start)))
    }

    /// The first workday of the 14-day window (anchored at `pay_period.anchor`) containing `day`.
    pub fn biweekly_window_start(&self, day: NaiveDate) -> NaiveDate {
        let offset = (day - self.anchor).num_days().div_euclid(14);
        self.anchor + Duration::days(offset * 14)
    }

    /// The pay period containing workday `day`.
    pub fn period_containing(&self, day: NaiveDate) -> PayPeriod {
        match self.frequency {
            Frequency::Weekly | Frequency::Biweekly => {
                let len = if self.frequency == Frequency::Weekly {
                    7
                } else {
                    14
                };
                let offset = (day - self.anchor).num_days().div_euclid(len);
                let start = self.anchor + Duration::days(offset * len);
                PayPeriod {
                    start,
                    end: start + Duration::days(len - 1),
                }
            }
            Frequency::Semimonthly => {
                let first = day.with_day(1).expect("day 1 exists");
                if day.day() <= 15 {
                    PayPeriod {
                        start: first,
                        end: first.with_day(15).expect("day 15 exists"),
                    }
                } else {
                    PayPeriod {
                        start: first.with_day(16).expect("day 16 exists"),
                        end: last_of_month(day),
                    }
                }
            }
            Frequency::Monthly => PayPeriod {
                start: day.with_day(1).expect("day 1 exists"),
                end: last_of_month(day),
            },
        }
    }

    /// Whether `range` is exactly one period of the calendar.
    pub fn is_period(&self, range: PayPeriod) -> bool {
        self.period_containing(range.start) == range
    }

    /// The calendar periods `range` touches, each with how many of its
    /// days the range covers.
    pub fn periods_covered(&self, range: PayPeriod) -> Vec<(PayPeriod, i64)> {
        let mut covered = Vec::new();
        let mut period = self.period_containing(range.start);
        while period.start <= range.end {
            let days = (period.end.min(range.end) - period.start.max(range.start)).num_days() + 1;
            covered.push((period, days));
            period = self.next(period);
        }
        covered
    }

    /// The period after `period`.
    pub fn next(&self, period: PayPeriod) -> PayPeriod {
        self.period_containing(period.end + Duration::days(1))
    }

    /// The period before `period`.
    pub fn previous(&self, period: PayPeriod) -> PayPeriod {
        self.period_containing(period.start - Duration::days(1))
    }

    /// The first workday whose hours can change `period`'s overtime: the start
    /// of the workweek containing the period's first day, or of its 14-day
    /// window when that is earlier and some rule counts 14-day windows.
    pub fn lookback_start(&self, period: PayPeriod) -> NaiveDate {
        let week = self.workweek_start(period.start);
        if self.biweekly_windows {
            week.min(self.biweekly_window_start(period.start))
        } else {
            week
        }
    }
}

fn last_of_month(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("first of a month exists") - Duration::days(1)
}

/// The `--period` argument: `A..B`, `current`, `previous`, `just-ended` or a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodSpec {
    /// The calendar period that ended yesterday, if one did: run every day
    /// from a scheduler, it computes each period exactly once.
    JustEnded,
    /// Exactly these dates, even if they do not match the calendar.
    Range(NaiveDate, NaiveDate),
    /// The calendar period containing today.
    Current,
    /// The calendar period before the current one.
    Previous,
    /// The calendar period containing this date.
    Containing(NaiveDate),
}

/// A `--period` that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("period `{text}`: {reason}")]
pub struct PeriodError {
    /// What was given.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl std::str::FromStr for PeriodSpec {
    type Err = PeriodError;

    fn from_str(text: &str) -> Result<Self, PeriodError> {
        let error = |reason: &str| PeriodError {
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let date = |s: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
                error(
                    "expected YYYY-MM-DD..YYYY-MM-DD, current, previous, just-ended or YYYY-MM-DD",
                )
            })
        };
        match text.trim() {
            "current" => Ok(PeriodSpec::Current),
            "previous" => Ok(PeriodSpec::Previous),
            "just-ended" => Ok(PeriodSpec::JustEnded),
            t => match t.split_once("..") {
                Some((a, b)) => {
                    let (a, b) = (date(a)?, date(b)?);
                    if b < a {
                        return Err(error("it ends before it starts"));
                    }
                    Ok(PeriodSpec::Range(a, b))
                }
                None => Ok(PeriodSpec::Containing(date(t)?)),
            },
        }
    }
}

/// Why a [`PeriodSpec`] names no period: `just-ended` on a day that
/// follows no period's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no pay period ended yesterday ({yesterday})")]
pub struct NoPeriodEnded {
    /// The day before the `today` given.
    pub yesterday: NaiveDate,
}

impl PeriodSpec {
    /// The period meant, with `today` as the company's current date. Only
    /// `just-ended` can name none: on a day that follows no period's end.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use payrun_rules::{Calendar, PeriodSpec, RulesConfig};
    /// let config = RulesConfig::parse(
    ///     "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-05-12\"",
    /// )?;
    /// let calendar = Calendar::new(&config);
    /// let today = NaiveDate::from_ymd_opt(2024, 5, 20).unwrap();
    /// let period = "previous".parse::<PeriodSpec>()?.resolve(&calendar, today)?;
    /// assert_eq!(period.to_string(), "2024-05-12..2024-05-18");
    /// let none = "just-ended".parse::<PeriodSpec>()?.resolve(&calendar, today);
    /// assert_eq!(none.unwrap_err().to_string(), "no pay period ended yesterday (2024-05-19)");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resolve(
        self,
        calendar: &Calendar,
        today: NaiveDate,
    ) -> Result<PayPeriod, NoPeriodEnded> {
        Ok(match self {
            PeriodSpec::Range(start, end) => PayPeriod { start, end },
            PeriodSpec::Current => calendar.period_containing(today),
            PeriodSpec::Previous => calendar.previous(calendar.period_containing(today)),
            PeriodSpec::Containing(day) => calendar.period_containing(day),
            PeriodSpec::JustEnded => {
                let yesterday = today - Duration::days(1);
                let period = calendar.period_containing(yesterday);
                return (period.end == yesterday)
                    .then_some(period)
                    .ok_or(NoPeriodEnded { yesterday });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workdays_value_is_worked_out_once_per_run_of_that_day() {
        let mut weeks = PerWorkday::default();
        let mut asked = Vec::new();
        let mut get = |day: NaiveDate| {
            weeks.get(day, |day| {
                asked.push(day);
                day - Duration::days(1)
            })
        };
        let days = [
            d(2024, 5, 13),
            d(2024, 5, 13),
            d(2024, 5, 14),
            d(2024, 5, 13),
        ];
        let values: Vec<NaiveDate> = days.iter().map(|&day| get(day)).collect();
        assert_eq!(
            values,
            [
                d(2024, 5, 12),
                d(2024, 5, 12),
                d(2024, 5, 13),
                d(2024, 5, 12)
            ]
        );
        assert_eq!(asked, [d(2024, 5, 13), d(2024, 5, 14), d(2024, 5, 13)]);
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn calendar(frequency: Frequency) -> Calendar {
        Calendar {
            week_start: Weekday::Sun,
            frequency,
            anchor: d(2024, 1, 7),
            biweekly_windows: false,
        }
    }

    #[test]
    fn workweeks_start_on_the_configured_day() {
        let c = calendar(Frequency::Weekly);
        assert_eq!(c.workweek_start(d(2024, 5, 15)), d(2024, 5, 12)); // Wed -> Sun
        assert_eq!(c.workweek_start(d(2024, 5, 12)), d(2024, 5, 12));
        let monday = Calendar {
            week_start: Weekday::Mon,
            ..c
        };
        assert_eq!(monday.workweek_start(d(2024, 5, 12)), d(2024, 5, 6));
    }

    #[test]
    fn periods_of_every_frequency() {
        let p = calendar(Frequency::Biweekly).period_containing(d(2024, 5, 15));
        assert_eq!((p.start, p.end), (d(2024, 5, 12), d(2024, 5, 25)));
        let p = calendar(Frequency::Biweekly).period_containing(d(2023, 12, 31));
        assert_eq!(
            (p.start, p.end),
            (d(2023, 12, 24), d(2024, 1, 6)),
            "before the anchor"
        );
        let p = calendar(Frequency::Weekly).period_containing(d(2024, 5, 15));
        assert_eq!((p.start, p.end), (d(2024, 5, 12), d(2024, 5, 18)));
        let p = calendar(Frequency::Semimonthly).period_containing(d(2024, 2, 20));
        assert_eq!((p.start, p.end), (d(2024, 2, 16), d(2024, 2, 29)));
        let p = calendar(Frequency::Semimonthly).period_containing(d(2024, 2, 15));
        assert_eq!((p.start, p.end), (d(2024, 2, 1), d(2024, 2, 15)));
        let p = calendar(Frequency::Monthly).period_containing(d(2024, 12, 31));
        assert_eq!((p.start, p.end), (d(2024, 12, 1), d(2024, 12, 31)));
        let c = calendar(Frequency::Semimonthly);
        assert_eq!(
            c.previous(c.period_containing(d(2024, 3, 5))).start,
            d(2024, 2, 16)
        );
        assert_eq!(
            c.next(c.period_containing(d(2024, 12, 20))).start,
            d(2025, 1, 1)
        );
    }

    #[test]
    fn the_lookback_reaches_the_start_of_the_straddling_week() {
        let c = calendar(Frequency::Semimonthly);
        let p = c.period_containing(d(2024, 5, 16)); // Thursday 16 May
        assert_eq!(c.lookback_start(p), d(2024, 5, 12));
        // A weekly period whose 14-day window began a week earlier: only an
        // 8/80 rule needs that week.
        let weekly = calendar(Frequency::Weekly);
        let p = weekly.period_containing(d(2024, 1, 14));
        assert_eq!(weekly.lookback_start(p), d(2024, 1, 14));
        let eight_eighty = Calendar {
            biweekly_windows: true,
            ..weekly
        };
        assert_eq!(eight_eighty.lookback_start(p), d(2024, 1, 7));
    }

    #[test]
    fn period_arguments() {
        let c = calendar(Frequency::Biweekly);
        let today = d(2024, 5, 15);
        let parse = |s: &str| s.parse::<PeriodSpec>().unwrap().resolve(&c, today).unwrap();
        assert_eq!(
            parse("2024-05-01..2024-05-10"),
            PayPeriod {
                start: d(2024, 5, 1),
                end: d(2024, 5, 10)
            }
        );
        assert_eq!(
            parse("current"),
            PayPeriod {
                start: d(2024, 5, 12),
                end: d(2024, 5, 25)
            }
        );
        assert_eq!(
            parse("previous"),
            PayPeriod {
                start: d(2024, 4, 28),
                end: d(2024, 5, 11)
            }
        );
        assert_eq!(
            parse("2024-01-01"),
            PayPeriod {
                start: d(2023, 12, 24),
                end: d(2024, 1, 6)
            }
        );
        assert!("2024-05-10..2024-05-01".parse::<PeriodSpec>().is_err());
        assert!("last week".parse::<PeriodSpec>().is_err());
    }

    #[test]
    fn just_ended_runs_each_period_exactly_once() {
        // A scheduler runs every morning for four weeks of a biweekly calendar.
        let c = calendar(Frequency::Biweekly);
        let runs: Vec<PayPeriod> = (0..28)
            .filter_map(|i| {
                PeriodSpec::JustEnded
                    .resolve(&c, d(2024, 5, 1) + Duration::days(i))
                    .ok()
            })
            .collect();
        assert_eq!(
            runs,
            vec![
                PayPeriod {
                    start: d(2024, 4, 28),
                    end: d(2024, 5, 11)
                },
                PayPeriod {
                    start: d(2024, 5, 12),
                    end: d(2024, 5, 25)
                },
            ]
        );
        let semimonthly = calendar(Frequency::Semimonthly);
        let ran_on: Vec<NaiveDate> = (0..62)
            .map(|i| d(2024, 1, 1) + Duration::days(i))
            .filter(|&day| PeriodSpec::JustEnded.resolve(&semimonthly, day).is_ok())
            .collect();
        assert_eq!(
            ran_on,
            vec![
                d(2024, 1, 1),
                d(2024, 1, 16),
                d(2024, 2, 1),
                d(2024, 2, 16),
                d(2024, 3, 1)
            ]
        );
    }

    #[test]
    fn a_range_covers_parts_of_calendar_periods() {
        let c = calendar(Frequency::Semimonthly);
        let range = PayPeriod {
            start: d(2024, 5, 10),
            end: d(2024, 5, 20),
        };
        assert!(!c.is_period(range));
        let covered: Vec<_> = c
            .periods_covered(range)
            .into_iter()
            .map(|(p, days)| (p.start, p.days(), days))
            .collect();
        assert_eq!(
            covered,
            vec![(d(2024, 5, 1), 15, 6), (d(2024, 5, 16), 16, 5)]
        );
        assert!(c.is_period(c.period_containing(d(2024, 5, 20))));
    }
}
