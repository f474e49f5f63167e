//! One pay period's payroll: the pipeline, step by step.
//!
//! For each user, in `userName` order (so rows come out sorted):
//!
//! 1. **Resolve** (`users.rs`): the zone their punches are
//!    read in; for users in the summary, their overtime rule and pay terms.
//! 2. **Punches** (`punches.rs`): their time cards become
//!    worked pieces (one workday each), PTO, adjustments and bonuses.
//! 3. **Allocate** ([`allocate`](crate::allocate)): each worked second gets
//!    its tier, over everything the input has (so a workweek that straddles
//!    the period's start counts its earlier days).
//! 4. **Ledger** (`ledger.rs`): per workweek, seconds by tier
//!    and rate, PTO, adjustments and bonuses.
//! 5. **Price** ([`price`](crate::price)): pay lines and the summary's pay.
//!
//! Then the exceptions of the period are selected and counted per user.

use chrono::{Duration, NaiveDate};
use payrun_ingest::{Exception, ExceptionKind, Names, PayrollInput, Severity, User, UserId};
use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::allocate::{Allocation, Why, allocate_traced};
use crate::calendar::{Calendar, PayPeriod};
use crate::config::{Basis, OvertimeRule, RulesConfig};
use crate::exceptions::{Raised, select, unused_settings};
use crate::ledger::{Ledger, Part, Week};
use crate::price::{Pricing, Share, apportion, price};
use crate::punches::{Reading, UserEntries, prepare};
use crate::run::{DayRow, PayKind, PayLine, PayrollRun, PeriodHours, Status, SummaryRow};
use crate::time::Workdays;
use crate::users::{RateTables, RateType, Terms, terms_of, zone_of};

/// Why a payroll could not be computed at all.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// A user needs the `default` overtime rule and there is none.
    #[error(
        "user {user} needs overtime rule `{wanted}`, which is not configured, and there is no `default` rule to fall back to; configured rules: {configured}"
    )]
    NoDefaultRule {
        /// The user.
        user: String,
        /// The rule name the user has.
        wanted: String,
        /// The configured names, comma-separated (or "none").
        configured: String,
    },
}

/// Users computed before their rows are merged into the run (see [`compute`]).
const USERS_PER_BLOCK: usize = 16_384;

/// Users computed one after the other by one task, into the same vectors.
const USERS_PER_TASK: usize = 64;

/// Computes the payroll of `period` from `input`.
///
/// `input` should hold every time card from at least
/// [`Calendar::lookback_start`] of the period (so straddling workweeks are
/// complete) to a day past its end; when it has none before the period
/// although the period's first workweek began earlier, an
/// `incomplete_input` warning says so.
pub fn compute(
    input: &PayrollInput,
    config: &RulesConfig,
    period: &PayPeriod,
) -> Result<PayrollRun, RulesError> {
    let context = Context::new(input, config, period);
    let covered = context.calendar.periods_covered(*period);
    // Users are independent: each is computed on its own, in parallel, and
    // the results are merged in `userName` order, a block of users at a
    // time so that only one block's rows exist twice (at 10M time cards,
    // collecting every user's rows before merging them held gigabytes).
    let order = by_user_name(input);
    let mut merged = Merged {
        run: PayrollRun {
            period: *period,
            summary: Vec::with_capacity(order.len()),
            days: Vec::new(),
            pay_lines: Vec::new(),
            exceptions: Vec::new(),
            unfinished: false,
        },
        raised: Vec::new(),
        listed: vec![false; input.users.len()],
        earliest: None,
        users: order.len(),
        blocks: 0,
    };
    // A block is merged while the next one is computed: merging copies
    // rows into fresh memory, which one core does while the others compute.
    let mut pending: Option<(usize, Vec<Result<Outcome, RulesError>>)> = None;
    for ids in order.chunks(USERS_PER_BLOCK) {
        let (outcomes, done) = rayon::join(
            // A task computes a few users into one set of vectors: a user's
            // rows are not vectors of their own.
            || -> Vec<Result<Outcome, RulesError>> {
                ids.par_chunks(USERS_PER_TASK)
                    .map(|ids| {
                        let mut outcome = Outcome::with_room(input, ids);
                        for &id in ids {
                            context.user(input, id, &mut outcome)?;
                        }
                        Ok(outcome)
                    })
                    .collect()
            },
            || {
                pending
                    .take()
                    .map_or(Ok(()), |(users, o)| merged.merge(users, o))
            },
        );
        done?;
        pending = Some((ids.len(), outcomes));
    }
    if let Some((users, outcomes)) = pending {
        merged.merge(users, outcomes)?;
    }
    let Merged {
        mut run,
        mut raised,
        listed,
        earliest,
        ..
    } = merged;

    // 6. The period's exceptions, counted per user.
    if let Some(warning) = incomplete_input(&context.calendar, period, earliest) {
        raised.push(warning);
    }
    if !context.calendar.is_period(*period) {
        let parts: Vec<String> = covered
            .iter()
            .map(|(p, days)| format!("{days}/{} of {p}", p.days()))
            .collect();
        raised.push(period_level(
            Severity::Info,
            ExceptionKind::PartialPeriod,
            format!(
                "{period} is not one pay period of the calendar: salaries are paid for the days it covers ({})",
                parts.join(", ")
            ),
            period.start,
        ));
    }
    let read_on = input
        .as_of
        .with_timezone(&config.company.default_time_zone.0)
        .date_naive();
    if read_on <= period.end {
        run.unfinished = true;
        raised.push(period_level(
            Severity::Info,
            ExceptionKind::PartialPeriod,
            format!(
                "PARTIAL, not for payment: {period} had not ended when its time cards were \
                 read ({read_on}); salaries are for the whole period and later days are missing"
            ),
            period.start,
        ));
    }
    for message in unused_settings(config, input) {
        raised.push(period_level(
            Severity::Warning,
            ExceptionKind::UnusedSetting,
            message,
            period.start,
        ));
    }
    if input.records_read == 0 {
        raised.push(period_level(
            Severity::Error,
            ExceptionKind::EmptyInput,
            "the input has no time card at all: nobody's hours are paid \
             (a fetch that found nothing, or the wrong file?)"
                .to_owned(),
            period.start,
        ));
    }
    let company_zone = Workdays {
        tz: config.company.default_time_zone.0,
        start: config.company.workday_start.0,
    };
    let (exceptions, per_user) = select(input, raised, period, company_zone, &listed);
    for row in &mut run.summary {
        let concerns = per_user[row.user.index()];
        row.exceptions = concerns.count;
        if row.status == Status::Ok && concerns.errors_or_warnings {
            row.status = Status::Warning;
        }
    }
    run.exceptions = exceptions;
    Ok(run)
}

/// The run as its blocks of users are merged into it, in `userName` order.
struct Merged {
    run: PayrollRun,
    raised: Vec<Raised>,
    /// Whether each user (by [`UserId`]) has a summary row.
    listed: Vec<bool>,
    /// The earliest workday of anything of anyone's.
    earliest: Option<NaiveDate>,
    /// Users in the input.
    users: usize,
    /// Blocks merged.
    blocks: usize,
}

impl Merged {
    /// Adds the outcomes of the next block of `users` users; the first
    /// error among them is the run's.
    fn merge(
        &mut self,
        users: usize,
        outcomes: Vec<Result<Outcome, RulesError>>,
    ) -> Result<(), RulesError> {
        let run = &mut self.run;
        if self.blocks == 0 {
            // Sized once, from the first block, before its rows go in:
            // growing million-row vectors by doubling copies them into
            // fresh memory again and again.
            let (days, lines) = outcomes.iter().flatten().fold((0, 0), |(d, l), o| {
                (d + o.rows.days.len(), l + o.rows.pay_lines.len())
            });
            let scale = |rows: usize| rows * self.users / users.max(1) * 21 / 20;
            run.days.reserve(scale(days));
            run.pay_lines.reserve(scale(lines));
        }
        for outcome in outcomes {
            let outcome = outcome?;
            self.raised.extend(outcome.raised);
            keep_earlier(&mut self.earliest, outcome.first_workday);
            for row in &outcome.rows.summary {
                self.listed[row.user.index()] = true;
            }
            run.summary.extend(outcome.rows.summary);
            run.days.extend(outcome.rows.days);
            run.pay_lines.extend(outcome.rows.pay_lines);
        }
        self.blocks += 1;
        Ok(())
    }
}

/// Makes `earliest` the earlier of it and `day` (a missing day is no day).
fn keep_earlier(earliest: &mut Option<NaiveDate>, day: Option<NaiveDate>) {
    if let Some(day) = day {
        *earliest = Some(earliest.map_or(day, |e| e.min(day)));
    }
}

/// Users in `userName` order (then row), so rows come out sorted.
fn by_user_name(input: &PayrollInput) -> Vec<UserId> {
    let mut order: Vec<UserId> = input.user_ids().collect();
    order.sort_by(|&a, &b| {
        input
            .user(a)
            .user_name
            .cmp(&input.user(b).user_name)
            .then(a.cmp(&b))
    });
    order
}

/// What every user's computation shares.
pub(crate) struct Context<'c> {
    config: &'c RulesConfig,
    period: &'c PayPeriod,
    pub calendar: Calendar,
    tables: RateTables<'c>,
    /// The calendar periods the period covers: (days covered, days).
    covered: Vec<(i64, i64)>,
    /// Users whose `payRate` could not be read, by [`UserId`].
    unreadable_pay_rate: Vec<bool>,
}

/// One user's priced period.
pub(crate) struct Paid<'c> {
    /// Some of the user's pay is held (see their exceptions).
    pub held: bool,
    pub terms: Terms<'c>,
    pub hours: PeriodHours,
    /// Why each piece was allocated so (only when traced).
    pub why: Vec<Why>,
    pub ledger: Ledger,
    pub pricing: Pricing,
}

/// Steps 1-5 for one user, everything kept.
pub(crate) struct Worked<'c> {
    pub zone: Workdays,
    pub entries: UserEntries,
    /// `None` when the user is not in the summary.
    pub paid: Option<Paid<'c>>,
    pub raised: Vec<Raised>,
}

/// Some users' part of the run, in their order.
#[derive(Default)]
struct Outcome {
    /// The rows of those in the summary.
    rows: Rows,
    /// Exceptions raised on the way.
    raised: Vec<Raised>,
    /// The earliest workday of anything of theirs.
    first_workday: Option<NaiveDate>,
}

impl Outcome {
    /// An outcome with room for the rows of `ids`, estimated from their
    /// time cards (about a workday per card and a pay line per two; a
    /// task's vectors then rarely grow, which would copy them).
    fn with_room(input: &PayrollInput, ids: &[UserId]) -> Outcome {
        let cards: usize = ids.iter().map(|&id| input.cards_of(id).len()).sum();
        let users = ids.len();
        Outcome {
            rows: Rows {
                summary: Vec::with_capacity(users),
                days: Vec::with_capacity(cards + cards / 4 + users),
                pay_lines: Vec::with_capacity(cards / 2 + 4 * users),
                ..Rows::default()
            },
            ..Outcome::default()
        }
    }
}

/// Summary rows, workday rows and pay lines, user after user; and the
/// buffers building a user's pay lines takes, kept from one user to the next.
#[derive(Default)]
pub(crate) struct Rows {
    pub summary: Vec<SummaryRow>,
    pub days: Vec<DayRow>,
    pub pay_lines: Vec<PayLine>,
    lines: Vec<PayLine>,
    shares: Vec<Share>,
}

impl<'c> Context<'c> {
    pub fn new(input: &PayrollInput, config: &'c RulesConfig, period: &'c PayPeriod) -> Self {
        let calendar = Calendar::new(config);
        let covered = calendar.periods_covered(*period);
        Context {
            config,
            period,
            calendar,
            tables: RateTables::new(config, &input.names),
            covered: covered.iter().map(|(p, days)| (*days, p.days())).collect(),
            unreadable_pay_rate: input.unreadable_users("payRate"),
        }
    }

    /// Steps 1-5 for one user, with their rows, added to `outcome`.
    fn user(
        &self,
        input: &PayrollInput,
        id: UserId,
        outcome: &mut Outcome,
    ) -> Result<(), RulesError> {
        let worked = self.work(input, id, false)?;
        keep_earlier(&mut outcome.first_workday, worked.entries.first_workday());
        if let Some(paid) = worked.paid {
            self.rows(input, id, worked.zone, paid, &mut outcome.rows);
        }
        outcome.raised.extend(worked.raised);
        Ok(())
    }

    /// Steps 1-5 for one user; `trace` keeps why each piece was allocated.
    pub fn work(
        &self,
        input: &PayrollInput,
        id: UserId,
        trace: bool,
    ) -> Result<Worked<'c>, RulesError> {
        let user = input.user(id);
        let mut raised = Vec::new();
        // 1. Resolve the zone; 2. punches.
        let zone = zone_of(id, user, self.config, &mut raised);
        let reading = Reading {
            config: self.config,
            is_bonus: &self.tables.is_bonus,
            now: input.as_of.timestamp(),
            period: self.period,
        };
        let entries = prepare(id, user, input.cards_of(id), zone, &reading, &mut raised);
        // 3-5. Allocate, ledger, price.
        let pay_rate_unreadable = self.unreadable_pay_rate[id.index()];
        let paid = self.pay(id, user, &entries, pay_rate_unreadable, trace, &mut raised)?;
        Ok(Worked {
            zone,
            entries,
            paid,
            raised,
        })
    }

    /// A priced user's summary row, workday rows and pay lines, added to `rows`.
    pub fn rows(
        &self,
        input: &PayrollInput,
        id: UserId,
        zone: Workdays,
        paid: Paid,
        rows: &mut Rows,
    ) {
        let period = self.period;
        let user = input.user(id);
        push_pay_lines(rows, id, &input.names, &paid.pricing);
        rows.days.extend(paid.ledger.days.iter().map(|d| DayRow {
            user: id,
            work_date: d.date,
            regular: d.tiers.regular,
            overtime: d.tiers.overtime,
            double_time: d.tiers.double_time,
            pto: d.pto,
        }));
        rows.summary.push(SummaryRow {
            user: id,
            period_start: period.start,
            period_end: period.end,
            user_name: user.user_name.clone(),
            employee_number: user.employee_number.clone(),
            user_full_name: user.full_name.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            department_name: user.department.clone(),
            rate_type: user.rate_type.clone(),
            pay_rate: user.pay_rate,
            overtime_rule: paid.terms.rule_name,
            time_zone: zone.tz.name().to_owned(),
            hours: paid.hours,
            pay: paid.pricing.totals,
            exceptions: 0,
            status: if paid.held { Status::Held } else { Status::Ok },
        });
    }

    /// Steps 3-5 for one user, or `None` when the user is not in the
    /// summary: not active, nothing in the period, and nothing owed.
    fn pay(
        &self,
        id: UserId,
        user: &User,
        entries: &UserEntries,
        pay_rate_unreadable: bool,
        trace: bool,
        raised: &mut Vec<Raised>,
    ) -> Result<Option<Paid<'c>>, RulesError> {
        let (period, calendar) = (self.period, &self.calendar);
        let active =
            user.role.as_deref() != Some("Inactive") && user.hired.is_none_or(|h| h <= period.end);
        // Someone who is neither active nor worked in the period may still be
        // owed the deferred premium of a workweek that ends in it (design §5c).
        let only_owed = !active && !entries.has_activity(|d| period.contains(d));
        if only_owed
            && !entries.pieces.iter().any(|p| {
                p.workday < period.start
                    && calendar.workweek_start(p.workday) + Duration::days(6) >= period.start
            })
        {
            return Ok(None);
        }
        let terms = match terms_of(id, user, self.config, pay_rate_unreadable, raised) {
            Ok(terms) => terms,
            Err(_) if only_owed => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut why = Vec::new();
        let allocations = self.allocate(&terms, entries, |w| {
            if trace {
                why.push(*w);
            }
        });
        let ledger = Ledger::build(
            entries,
            &allocations,
            calendar,
            period,
            self.config.salary.hours_per_week.seconds,
            // Job and shift rates are for hourly users.
            |worked_as| match terms.rate_type {
                RateType::Hourly => self.tables.rate(terms.pay_rate, worked_as),
                RateType::Salary => terms.pay_rate,
            },
        );
        let hours = PeriodHours {
            unapproved: entries
                .unapproved
                .iter()
                .filter(|(day, _)| period.contains(*day))
                .map(|(_, seconds)| seconds)
                .sum(),
            ..period_hours(&ledger)
        };
        let mut pricing = price(&ledger, &terms, self.config, &self.covered);
        if terms.held {
            // A rate no administrator would sign pays nothing; the exception says why.
            pricing = Pricing::default();
        }
        if only_owed && pricing.totals.gross.is_zero() {
            return Ok(None);
        }
        let needs_rate = terms.rate_type == RateType::Salary
            || ledger.tiers().total() > 0
            || !hours.pto_hours.is_zero()
            || !hours.adjustment_hours.is_zero();
        if terms.pay_rate.is_zero() && needs_rate && !terms.held {
            raised.push(Raised::about_user(
                id,
                user,
                Severity::Error,
                ExceptionKind::MissingPayRate,
                format!(
                    "payRate is {}; pay is computed at 0.00",
                    user.pay_rate.map_or("empty".to_owned(), |r| r.to_string())
                ),
            ));
        }
        for &(week, seconds) in &pricing.deferred {
            raised.push(deferred_premium(id, user, week, seconds, period));
        }
        Ok(Some(Paid {
            held: terms.held || entries.held.iter().any(|d| period.contains(*d)),
            terms,
            hours,
            why,
            ledger,
            pricing,
        }))
    }

    /// Step 3 over everything the input has for the user, so a workweek
    /// that straddles the period's start counts its earlier days. Exempt
    /// salaried time is all regular.
    fn allocate(
        &self,
        terms: &Terms,
        entries: &UserEntries,
        trace: impl FnMut(&Why),
    ) -> Vec<Allocation> {
        if terms.exempt() {
            let all_regular = OvertimeRule {
                basis: Basis::Off,
                ..OvertimeRule::default()
            };
            return allocate_traced(&all_regular, &self.calendar, &entries.pieces, &[], trace);
        }
        let counted = if self.config.pto.counts_toward_overtime {
            entries.counted_pto()
        } else {
            Vec::new()
        };
        allocate_traced(terms.rule, &self.calendar, &entries.pieces, &counted, trace)
    }
}

/// The summary's hours: worked seconds by tier, PTO and adjustments of the period.
fn period_hours(ledger: &Ledger) -> PeriodHours {
    let tiers = ledger.tiers();
    let sum = |f: fn(&Week) -> Decimal| ledger.weeks.iter().map(f).sum();
    PeriodHours {
        regular: tiers.regular,
        overtime: tiers.overtime,
        double_time: tiers.double_time,
        pto_hours: sum(|w| w.pto),
        adjustment_hours: sum(|w| w.adjustment_hours),
        adjustment_amount: sum(|w| w.adjustment_amount + w.bonus[Part::During as usize]),
        unapproved: 0,
    }
}

/// The `deferred_premium` info exception of design §5c.
fn deferred_premium(
    id: UserId,
    user: &User,
    week: NaiveDate,
    seconds: i64,
    period: &PayPeriod,
) -> Raised {
    Raised {
        workday: Some(period.end),
        ..Raised::about_user(
            id,
            user,
            Severity::Info,
            ExceptionKind::DeferredPremium,
            format!(
                "the workweek {week} to {} ends after the period: the premium of its {} overtime and \
                 double-time hours here depends on the whole week's hours and is paid in the period \
                 the week ends in; their straight time is paid now",
                week + Duration::days(6),
                (Decimal::from(seconds) / Decimal::from(3600)).round_dp(2)
            ),
        )
    }
}

/// A period whose first workweek (or 14-day window) began earlier needs
/// those days' hours. Input with nothing before the period cannot have
/// them: say so rather than under-count overtime silently.
fn incomplete_input(
    calendar: &Calendar,
    period: &PayPeriod,
    earliest: Option<NaiveDate>,
) -> Option<Raised> {
    let lookback = calendar.lookback_start(*period);
    (lookback < period.start && earliest.is_some_and(|d| d >= period.start)).then(|| {
        period_level(
            Severity::Warning,
            ExceptionKind::IncompleteInput,
            format!(
                "no time card is dated before {}, but the period's first workweek starts {lookback}: \
                 hours worked from {lookback} are missing from the overtime thresholds \
                 (payrun run and payrun fetch include them)",
                period.start
            ),
            period.start,
        )
    })
}

/// An exception about the whole input, not one user.
fn period_level(
    severity: Severity,
    kind: ExceptionKind,
    message: String,
    day: NaiveDate,
) -> Raised {
    Raised {
        exception: Exception::unattached(severity, kind, message),
        user: None,
        workday: Some(day),
    }
}

/// The user's priced lines as output rows, their amounts apportioned to
/// the summary's rounded columns, added to `rows.pay_lines`.
fn push_pay_lines(rows: &mut Rows, id: UserId, names: &Names, pricing: &Pricing) {
    let name = |n: Option<payrun_ingest::NameId>| n.map(|n| names.shared(n));
    let lines = &mut rows.lines;
    lines.clear();
    lines.extend(pricing.lines.iter().map(|l| PayLine {
        user: id,
        week_start: l.week,
        kind: l.kind,
        job_name: name(l.worked_as.job),
        shift_name: name(l.worked_as.shift),
        hours: l.hours,
        rate: l.rate,
        exact_amount: l.amount(),
        amount: Decimal::ZERO,
        regular_rate: l.regular_rate,
    }));
    // Salary first, then week by week, kind by kind, jobs and shifts by name.
    fn key(l: &PayLine) -> (Option<NaiveDate>, PayKind, Option<&str>, Option<&str>) {
        (
            l.week_start,
            l.kind,
            l.job_name.as_deref(),
            l.shift_name.as_deref(),
        )
    }
    lines.sort_by(|a, b| key(a).cmp(&key(b)));
    // One row per week, kind, job and shift: a premium deferred from the
    // previous period joins the row of this period's hours with the same
    // key, and the row's rate is then its amount per hour.
    lines.dedup_by(|later, kept| {
        if key(later) != key(kept) {
            return false;
        }
        kept.hours += later.hours;
        kept.exact_amount += later.exact_amount;
        if kept.rate.is_some() && !kept.hours.is_zero() {
            kept.rate = Some(kept.exact_amount / kept.hours);
        }
        true
    });
    let t = &pricing.totals;
    for column in PayKind::SUMMARY_LINES {
        let total = t.of(column);
        let mut members = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.kind.summary_line() == column);
        let Some((first, _)) = members.next() else {
            continue;
        };
        let Some((second, _)) = members.next() else {
            // The column's one line is the column.
            lines[first].amount = total;
            continue;
        };
        let shares = &mut rows.shares;
        shares.clear();
        shares.extend(
            [first, second]
                .into_iter()
                .chain(members.map(|(i, _)| i))
                .map(|i| Share::new(i, lines[i].exact_amount)),
        );
        for (i, cents) in apportion(shares, total) {
            lines[i].amount = cents;
        }
    }
    rows.pay_lines.append(lines);
}
