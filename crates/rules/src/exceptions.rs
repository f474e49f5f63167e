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
                employee_number: user.employee_number.clone(),
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

impl Concerns {
    /// Counts `e`.
    pub fn add(&mut self, e: &Exception) {
        self.count += 1;
        self.errors_or_warnings |= e.severity != Severity::Info;
    }
}

/// The input's exceptions a period's report shows, in the order found, and
/// what they concern per user (indexed by [`UserId`]): a record's are
/// kept when its `inDateTime` falls in the period (read in the company
/// zone; records without one are always kept). An `unknown_user` error on
/// a `userName` several users share concerns each of them.
pub(crate) fn select_input(
    input: &PayrollInput,
    period: &PayPeriod,
    company_zone: Workdays,
) -> (Vec<Exception>, Vec<Concerns>) {
    let kept: Vec<(Option<UserId>, &Exception)> = input
        .exceptions
        .iter()
        .filter(|e| input_in_period(&e.exception, period, company_zone))
        .map(|e| (e.user, &e.exception))
        .collect();
    let mut per_user = vec![Concerns::default(); input.users.len()];
    let sharing = SharedNames::of(input, kept.iter().copied());
    for (user, e) in &kept {
        for user in user.iter().chain(sharing.users(*user, e)) {
            per_user[user.index()].add(e);
        }
    }
    let kept = kept.into_iter().map(|(_, e)| e.clone()).collect();
    (kept, per_user)
}

/// The exceptions of `raised` a period's report shows, in their order,
/// each with the user it concerns: those whose workday is in the period,
/// and user-level ones of users in the summary (`listed`).
pub(crate) fn select_raised(
    raised: Vec<Raised>,
    period: &PayPeriod,
    listed: impl Fn(UserId) -> bool,
) -> Vec<(Option<UserId>, Exception)> {
    raised
        .into_iter()
        .filter(|r| r.in_period(period, &listed))
        .map(|r| (r.user, r.exception))
        .collect()
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
    let sharing = SharedNames::of(
        input,
        input.exceptions.iter().map(|e| (e.user, &e.exception)),
    );
    let mut kept: Vec<Exception> = input
        .exceptions
        .iter()
        .filter(|e| {
            (e.user == Some(user) || sharing.users(e.user, &e.exception).contains(&user))
                && input_in_period(&e.exception, period, company_zone)
        })
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

/// The users who share a `userName` that time cards name: such a card
/// cannot be paid to either (an `unknown_user` error tied to no one user),
/// so it concerns each of them, and their summary rows say so.
struct SharedNames<'i> {
    users: std::collections::HashMap<&'i str, Vec<UserId>>,
}

impl<'i> SharedNames<'i> {
    /// The users of each `userName` that an `unknown_user` exception among
    /// `exceptions` names without being tied to a user.
    fn of<'e>(
        input: &'i PayrollInput,
        exceptions: impl Iterator<Item = (Option<UserId>, &'e Exception)>,
    ) -> Self {
        let mut users: std::collections::HashMap<&'i str, Vec<UserId>> = Default::default();
        let named: std::collections::HashSet<&str> = exceptions
            .filter(|(user, e)| user.is_none() && e.kind == crate::kinds::UNKNOWN_USER)
            .filter_map(|(_, e)| e.user_name.as_deref())
            .collect();
        if named.is_empty() {
            return SharedNames { users };
        }
        for (i, user) in input.users.iter().enumerate() {
            if let Some(name) = user.user_name.as_deref()
                && named.contains(name)
            {
                users.entry(name).or_default().push(UserId(i as u32));
            }
        }
        users.retain(|_, ids| ids.len() > 1);
        SharedNames { users }
    }

    /// The users an exception tied to `user` concerns besides `user`.
    fn users(&self, user: Option<UserId>, e: &Exception) -> &[UserId] {
        match (user, e.kind, e.user_name.as_deref()) {
            (None, crate::kinds::UNKNOWN_USER, Some(name)) => {
                self.users.get(name).map_or(&[], Vec::as_slice)
            }
            _ => &[],
        }
    }
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

/// The card fields a setting can name, in the order [`SettingsFound`] keeps them.
const FIELDS: [&str; 3] = ["jobName", "shiftName", "adjustTypeName"];

/// Each table of names a setting gives: its names, what the warning
/// calls one, and its field in [`FIELDS`].
type Setting<'c> = (Vec<&'c String>, fn(&str) -> String, usize);

fn settings(config: &crate::RulesConfig) -> [Setting<'_>; 4] {
    [
        (
            config.jobs.keys().collect(),
            |n| format!("[jobs.\"{n}\"]"),
            0,
        ),
        (
            config.shifts.keys().collect(),
            |n| format!("[shifts.\"{n}\"]"),
            1,
        ),
        (
            config.regular_rate.bonuses.iter().collect(),
            |n| format!("the [regular_rate] bonuses entry \"{n}\""),
            2,
        ),
        (
            config.regular_rate.flat_sum_bonuses.iter().collect(),
            |n| format!("the [regular_rate] flat_sum_bonuses entry \"{n}\""),
            2,
        ),
    ]
}

/// Which names the configuration gives an input has: each `[users."X"]`
/// as a `userName`, each job, shift and bonus name on a time card. Found
/// in each part of an input, then merged, it is what the whole input has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsFound {
    /// Of `config.users`' names, in order, those some user has.
    users: Vec<bool>,
    /// Of each setting's names ([`settings`]), those some card has.
    names: [Vec<bool>; 4],
}

impl SettingsFound {
    /// What `input` has of the names `config` gives.
    pub(crate) fn of(config: &crate::RulesConfig, input: &PayrollInput) -> SettingsFound {
        let mut found = SettingsFound::default();
        if !config.users.is_empty() {
            let names: std::collections::HashSet<&str> = input
                .users
                .iter()
                .filter_map(|u| u.user_name.as_deref())
                .collect();
            found.users = config
                .users
                .keys()
                .map(|n| names.contains(n.as_str()))
                .collect();
        }
        let settings = settings(config);
        if settings.iter().all(|(names, ..)| names.is_empty()) {
            return found;
        }
        // Which interned names each field uses, over every card once.
        let mut used = FIELDS.map(|_| vec![false; input.names.len()]);
        for card in &input.time_cards {
            for (field, name) in [card.job, card.shift, card.adjust_type]
                .into_iter()
                .enumerate()
            {
                if let Some(id) = name {
                    used[field][id.index()] = true;
                }
            }
        }
        for ((names, _, field), found) in settings.iter().zip(&mut found.names) {
            let used = &used[*field];
            *found = names
                .iter()
                .map(|name| input.names.find(name).is_some_and(|id| used[id.index()]))
                .collect();
        }
        found
    }

    /// Adds what another part of the input has.
    pub fn merge(&mut self, other: &SettingsFound) {
        let or = |mine: &mut Vec<bool>, theirs: &[bool]| {
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), false);
            }
            for (m, t) in mine.iter_mut().zip(theirs) {
                *m |= t;
            }
        };
        or(&mut self.users, &other.users);
        for (mine, theirs) in self.names.iter_mut().zip(&other.names) {
            or(mine, theirs);
        }
    }

    /// What each configured name that matches nothing in the input is
    /// called, for its `unused_setting` warning: a `[users."X"]` no user
    /// has as `userName`, a `[jobs."X"]` or `[shifts."X"]` no time card has
    /// as `jobName` or `shiftName`, a `[regular_rate] bonuses` entry no card
    /// has as `adjustTypeName`. Names match exactly, so a misspelt one
    /// would otherwise pay nothing extra, silently.
    pub(crate) fn unused(&self, config: &crate::RulesConfig) -> Vec<String> {
        let check = "check the name (names match exactly, case included)";
        let mut unused = Vec::new();
        for (i, name) in config.users.keys().enumerate() {
            if !self.users.get(i).copied().unwrap_or(false) {
                unused.push(format!(
                    "[users.\"{name}\"] matches no user's userName in the input; {check}"
                ));
            }
        }
        for ((names, setting, field), found) in settings(config).iter().zip(&self.names) {
            for (i, name) in names.iter().enumerate() {
                if !found.get(i).copied().unwrap_or(false) {
                    unused.push(format!(
                        "{} matches no time card's {} in the input; {check}",
                        setting(name),
                        FIELDS[*field]
                    ));
                }
            }
        }
        unused
    }
}
