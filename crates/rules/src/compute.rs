//! One pay period's payroll: every user's steps 1-5 (`person.rs`),
//! in parallel, merged in `userName` order (so rows come out sorted), a
//! block of users at a time; then the exceptions of the period are
//! selected and counted per user.

use chrono::NaiveDate;
use payrun_ingest::{Exception, ExceptionKind, PayrollInput, Severity, UserId};
use rayon::prelude::*;

use crate::calendar::{Calendar, PayPeriod};
use crate::config::RulesConfig;
use crate::error::RulesError;
use crate::exceptions::{Concerns, Raised, SettingsFound, select_input, select_raised, sort};
use crate::person::{Context, Rows};
use crate::run::{PayrollRun, Status};
use crate::time::Workdays;

/// Users handled at a time where a run is built or written a block of
/// users at a time: computed before their rows are merged into the run
/// (see [`compute`]), and written to `daily_hours` and `pay_lines`
/// (about 86k day rows and 46k pay lines at a time, frames of about 10
/// and 8 MiB, instead of the tables' gigabytes). A block is in memory
/// twice while it is merged, or while up to two earlier ones are still
/// being written, so its size is a part of the peak (docs/performance.md).
pub const USERS_PER_BLOCK: usize = 8_192;

/// Users computed one after the other by one task, into the same vectors.
const USERS_PER_TASK: usize = 64;

/// Computes the payroll of `period` from `input`.
///
/// `input` should hold every time card from at least
/// [`Calendar::lookback_start`] of the period (so straddling workweeks are
/// complete) to a day past its end; when it has none before the period
/// although the period's first workweek began earlier, an
/// `incomplete_input` warning says so.
///
/// It is a [`Computation`] of every user at once; a run whose rows do not
/// fit in memory computes them a part at a time instead.
pub fn compute(
    input: &PayrollInput,
    config: &RulesConfig,
    period: &PayPeriod,
) -> Result<PayrollRun, RulesError> {
    let mut computation = Computation::new(input, config, period);
    let mut run = computation.next_part(input.users.len())?;
    let (exceptions, unfinished) = computation.finish();
    run.exceptions = exceptions;
    run.unfinished = unfinished;
    Ok(run)
}

/// A period's payroll computed a part of its users at a time, in
/// `userName` order: each part is the next users' rows, final (their
/// exception counts and status included), and the parts one after the
/// other are [`compute`]'s rows. The period's exceptions, which are few,
/// are gathered and come, sorted, from [`finish`](Self::finish).
pub struct Computation<'i> {
    input: &'i PayrollInput,
    config: &'i RulesConfig,
    period: &'i PayPeriod,
    context: Context<'i>,
    /// Every user, in `userName` order (then row): rows come out sorted.
    order: Vec<UserId>,
    /// Users of `order` computed so far.
    done: usize,
    /// What the input's exceptions of the period concern, per user.
    input_concerns: Vec<Concerns>,
    /// The period's exceptions so far: the input's, then each part's.
    kept: Vec<Exception>,
    /// The earliest workday of anything of anyone's computed so far.
    earliest: Option<NaiveDate>,
}

impl<'i> Computation<'i> {
    /// Begins computing `period` from `input`.
    pub fn new(input: &'i PayrollInput, config: &'i RulesConfig, period: &'i PayPeriod) -> Self {
        let company_zone = Workdays {
            tz: config.company.default_time_zone.0,
            start: config.company.workday_start.0,
        };
        let (kept, input_concerns) = select_input(input, period, company_zone);
        Computation {
            input,
            config,
            period,
            context: Context::new(input, config, period),
            order: by_user_name(input),
            done: 0,
            input_concerns,
            kept,
            earliest: None,
        }
    }

    /// Users not computed yet.
    pub fn remaining(&self) -> usize {
        self.order.len() - self.done
    }

    /// How many of the next users' rows fit in `bytes`, a user with `n`
    /// time cards taking `cost(n)`: at least `smallest`, at most every
    /// user left.
    pub fn users_within(&self, bytes: u64, cost: impl Fn(usize) -> u64, smallest: usize) -> usize {
        let mut used = 0;
        let fit = self.order[self.done..]
            .iter()
            .take_while(|&&id| {
                used += cost(self.input.cards_of(id).len());
                used <= bytes
            })
            .count();
        fit.max(smallest).min(self.remaining())
    }

    /// The rows of the next `users` users (fewer at the end; none once
    /// every user is computed), as a run of the period without its
    /// exceptions.
    ///
    /// Users are independent: each is computed on its own, in parallel,
    /// and the results are merged in `userName` order, a block of users at
    /// a time so that only one block's rows exist twice (at 10M time
    /// cards, collecting every user's rows before merging them held
    /// gigabytes).
    pub fn next_part(&mut self, users: usize) -> Result<PayrollRun, RulesError> {
        let end = (self.done + users).min(self.order.len());
        let ids = &self.order[self.done..end];
        let (input, context) = (self.input, &self.context);
        let mut merged = Merged {
            run: PayrollRun {
                period: *self.period,
                summary: Vec::with_capacity(ids.len()),
                days: Vec::new(),
                pay_lines: Vec::new(),
                exceptions: Vec::new(),
                unfinished: false,
            },
            raised: Vec::new(),
            earliest: self.earliest,
            users: ids.len(),
            blocks: 0,
        };
        // A block is merged while the next one is computed: merging copies
        // rows into fresh memory, which one core does while the others compute.
        let mut pending: Option<(usize, Vec<Result<Outcome, RulesError>>)> = None;
        for ids in ids.chunks(USERS_PER_BLOCK) {
            let (outcomes, done) = rayon::join(
                // A task computes a few users into one set of vectors: a user's
                // rows are not vectors of their own.
                || -> Vec<Result<Outcome, RulesError>> {
                    ids.par_chunks(USERS_PER_TASK)
                        .map(|ids| {
                            let mut outcome = Outcome::with_room(input, ids);
                            for &id in ids {
                                compute_user(context, input, id, &mut outcome)?;
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
        self.done = end;
        let Merged {
            mut run,
            raised,
            earliest,
            ..
        } = merged;
        self.earliest = earliest;
        // The part's exceptions of the period, counted per user: a
        // user-level one when its user has a row.
        let mut concerns: std::collections::HashMap<UserId, Concerns> =
            std::collections::HashMap::new();
        let listed: std::collections::HashSet<UserId> =
            run.summary.iter().map(|r| r.user).collect();
        for (user, e) in select_raised(raised, self.period, |u| listed.contains(&u)) {
            if let Some(user) = user {
                concerns.entry(user).or_default().add(&e);
            }
            self.kept.push(e);
        }
        for row in &mut run.summary {
            let mut c = self.input_concerns[row.user.index()];
            if let Some(raised) = concerns.get(&row.user) {
                c.count += raised.count;
                c.errors_or_warnings |= raised.errors_or_warnings;
            }
            row.exceptions = c.count;
            if row.status == Status::Ok && c.errors_or_warnings {
                row.status = Status::Warning;
            }
        }
        Ok(run)
    }

    /// The period's exceptions, sorted (every part's, the input's and the
    /// period's own), and whether the period had not ended when its time
    /// cards were read. Users not computed yet are left out.
    pub fn finish(self) -> (Vec<Exception>, bool) {
        let (config, period) = (self.config, self.period);
        let (kept, facts) = self.end_input();
        facts.finish(config, period, kept)
    }

    /// Ends the computation of an input that is one part of a larger one
    /// (see `payrun_ingest::parts`): its exceptions of the period, in
    /// their order (not sorted), and what it tells of the period's own
    /// exceptions. The parts' exceptions one after the other, and their
    /// facts merged, then [`PeriodFacts::finish`], are [`finish`](Self::finish)'s.
    pub fn end_input(self) -> (Vec<Exception>, PeriodFacts) {
        let facts = PeriodFacts {
            earliest: self.earliest,
            settings: SettingsFound::of(self.config, self.input),
            records_read: self.input.records_read,
            as_of: Some(self.input.as_of),
        };
        (self.kept, facts)
    }
}

/// What the period's own exceptions (not a user's) are made of, gathered
/// from each part of the input: the earliest workday of anything, the
/// configured names found, the time cards read, when they were read.
#[derive(Debug, Clone, Default)]
pub struct PeriodFacts {
    earliest: Option<NaiveDate>,
    settings: SettingsFound,
    records_read: usize,
    as_of: Option<chrono::DateTime<chrono::Utc>>,
}

impl PeriodFacts {
    /// Adds another part's facts (each part counts every record read, so
    /// the count is kept, not added).
    pub fn merge(&mut self, other: &PeriodFacts) {
        keep_earlier(&mut self.earliest, other.earliest);
        self.settings.merge(&other.settings);
        self.records_read = self.records_read.max(other.records_read);
        self.as_of = self.as_of.or(other.as_of);
    }

    /// `kept` (the parts' exceptions, in order) with the period's own,
    /// sorted, and whether the period had not ended when its time cards
    /// were read.
    pub fn finish(
        self,
        config: &RulesConfig,
        period: &PayPeriod,
        mut kept: Vec<Exception>,
    ) -> (Vec<Exception>, bool) {
        let calendar = Calendar::new(config);
        let covered = calendar.periods_covered(*period);
        let mut raised = Vec::new();
        // 6. The period's exceptions.
        if let Some(warning) = incomplete_input(&calendar, period, self.earliest) {
            raised.push(warning);
        }
        if !calendar.is_period(*period) {
            let parts: Vec<String> = covered
                .iter()
                .map(|(p, days)| format!("{days}/{} of {p}", p.days()))
                .collect();
            raised.push(period_level(
                Severity::Info,
                crate::kinds::PARTIAL_PERIOD,
                format!(
                    "{period} is not one pay period of the calendar: salaries are paid for the days it covers ({})",
                    parts.join(", ")
                ),
                period.start,
            ));
        }
        let read_on = self
            .as_of
            .unwrap_or_default()
            .with_timezone(&config.company.default_time_zone.0)
            .date_naive();
        let unfinished = read_on <= period.end;
        if unfinished {
            raised.push(period_level(
                Severity::Info,
                crate::kinds::PARTIAL_PERIOD,
                format!(
                    "PARTIAL, not for payment: {period} had not ended when its time cards were \
                     read ({read_on}); salaries are for the whole period and later days are missing"
                ),
                period.start,
            ));
        }
        for message in self.settings.unused(config) {
            raised.push(period_level(
                Severity::Warning,
                crate::kinds::UNUSED_SETTING,
                message,
                period.start,
            ));
        }
        if self.records_read == 0 {
            raised.push(period_level(
                Severity::Error,
                crate::kinds::EMPTY_INPUT,
                "the input has no time card at all: nobody's hours are paid \
                 (a fetch that found nothing, or the wrong file?)"
                    .to_owned(),
                period.start,
            ));
        }
        kept.extend(raised.into_iter().map(|r| r.exception));
        sort(&mut kept);
        (kept, unfinished)
    }
}

/// A part's users as their blocks are merged into it, in `userName` order.
struct Merged {
    run: PayrollRun,
    raised: Vec<Raised>,
    /// The earliest workday of anything of anyone's.
    earliest: Option<NaiveDate>,
    /// Users in the part.
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
            rows: Rows::with_capacity(users, cards + cards / 4 + users, cards / 2 + 4 * users),
            ..Outcome::default()
        }
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
            crate::kinds::INCOMPLETE_INPUT,
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

/// Steps 1-5 for one user ([`Context::work`]), with their rows, added to `outcome`.
fn compute_user(
    context: &Context,
    input: &PayrollInput,
    id: UserId,
    outcome: &mut Outcome,
) -> Result<(), RulesError> {
    let worked = context.work(input, id, false)?;
    keep_earlier(&mut outcome.first_workday, worked.entries.first_workday());
    if let Some(paid) = worked.paid {
        context.rows(input, id, worked.zone, paid, &mut outcome.rows);
    }
    outcome.raised.extend(worked.raised);
    Ok(())
}
