//! Exceptions raised while computing, and which of them a period's report shows.

use chrono::NaiveDate;
use payrun_ingest::{Exception, ExceptionKind, PayrollInput, Severity, User, UserId};

use crate::calendar::PayPeriod;
use crate::time::Workdays;

/// An exception, the user it concerns and the workday it belongs to, so a
/// run reports only its period's and counts them per user.
#[derive(Debug, Clone)]
pub(crate) struct Raised {
    pub exception: Exception,
    /// The user concerned, if one is.
    pub user: Option<UserId>,
    /// The workday of the record, if it has one (user-level exceptions have none).
    pub workday: Option<NaiveDate>,
}

impl Raised {
    /// A user-level exception (time zone, rule, rate).
    pub fn about_user(
        id: UserId,
        user: &User,
        severity: Severity,
        kind: ExceptionKind,
        message: String,
    ) -> Raised {
        Raised {
            exception: Exception {
                severity,
                kind,
                user_name: user.user_name.clone(),
                user_full_name: user.full_name.clone(),
                in_date_time: None,
                out_date_time: None,
                message,
            },
            user: Some(id),
            workday: None,
        }
    }
}

/// How many of a period's exceptions concern a user, and whether any is an
/// error or a warning.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Concerns {
    pub count: u32,
    pub errors_or_warnings: bool,
}

/// The exceptions a period's report shows, sorted, and what concerns each
/// user (indexed by [`UserId`]).
///
/// Input exceptions are kept when their record's `inDateTime` falls in the
/// period (read in the company zone; records without one are always kept).
/// Raised ones are kept when their workday is in the period, or, for
/// user-level ones, when the user is in the summary (`listed`).
pub(crate) fn select(
    input: &PayrollInput,
    raised: Vec<Raised>,
    period: &PayPeriod,
    company_zone: Workdays,
    listed: &[bool],
) -> (Vec<Exception>, Vec<Concerns>) {
    let mut kept: Vec<(Option<UserId>, Exception)> = input
        .exceptions
        .iter()
        .filter(|e| input_in_period(&e.exception, period, company_zone))
        .map(|e| (e.user, e.exception.clone()))
        .collect();
    kept.extend(
        raised
            .into_iter()
            .filter(|r| r.in_period(period, |u| listed[u.index()]))
            .map(|r| (r.user, r.exception)),
    );
    let mut per_user = vec![Concerns::default(); input.users.len()];
    for (user, e) in &kept {
        if let Some(user) = user {
            let concerns = &mut per_user[user.index()];
            concerns.count += 1;
            concerns.errors_or_warnings |= e.severity != Severity::Info;
        }
    }
    let mut exceptions: Vec<Exception> = kept.into_iter().map(|(_, e)| e).collect();
    sort(&mut exceptions);
    (exceptions, per_user)
}

/// The period's exceptions that concern one user (`listed`: in the
/// summary), as [`select`] keeps them, sorted.
pub(crate) fn concerning(
    input: &PayrollInput,
    user: UserId,
    raised: Vec<Raised>,
    period: &PayPeriod,
    company_zone: Workdays,
    listed: bool,
) -> Vec<Exception> {
    let mut kept: Vec<Exception> = input
        .exceptions
        .iter()
        .filter(|e| e.user == Some(user) && input_in_period(&e.exception, period, company_zone))
        .map(|e| e.exception.clone())
        .chain(
            raised
                .into_iter()
                .filter(|r| r.user == Some(user) && r.in_period(period, |_| listed))
                .map(|r| r.exception),
        )
        .collect();
    sort(&mut kept);
    kept
}

/// Whether an input exception's record falls in the period: its
/// `inDateTime` read in the company zone (records without one always do).
fn input_in_period(e: &Exception, period: &PayPeriod, company_zone: Workdays) -> bool {
    e.in_date_time
        .as_deref()
        .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok())
        .is_none_or(|t| period.contains(company_zone.of_wall(t)))
}

impl Raised {
    /// Whether it belongs to the period: its workday is in it, or, for a
    /// user-level exception, the user is in the summary (`listed`).
    fn in_period(&self, period: &PayPeriod, listed: impl Fn(UserId) -> bool) -> bool {
        match self.workday {
            Some(day) => period.contains(day),
            None => self.user.is_none_or(listed),
        }
    }
}

/// The report's order: severity, kind, user, time, message.
pub fn sort(exceptions: &mut [Exception]) {
    exceptions.sort_by(|a, b| {
        (
            a.severity,
            a.kind,
            &a.user_name,
            &a.in_date_time,
            &a.message,
        )
            .cmp(&(
                b.severity,
                b.kind,
                &b.user_name,
                &b.in_date_time,
                &b.message,
            ))
    });
}
