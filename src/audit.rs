//! Auditing payrolls after the fact: a run's folder read back (and checked
//! against its manifest), one person's payroll explained from the run's own
//! inputs, and two runs of the same period compared.
//!
//! Every file read here is first checked against the SHA-256 its run's
//! `manifest.json` lists, so what is explained or compared is exactly what
//! the run wrote; a file changed since is an error naming it.
//!
//! It is long because reading a run back, explaining one person and
//! comparing two runs share the run folder and its tables as text.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use payrun_ingest::{PayrollInput, RecordType, UserId};
use payrun_rules::{Explanation, PayPeriod};
use polars::prelude::*;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::output::INPUTS;
use crate::settings::Settings;

mod rows;

/// Why a run's folder could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct AuditError {
    /// The folder or file.
    pub path: PathBuf,
    /// What is wrong, in one sentence.
    pub message: String,
}

fn fail(path: &Path, message: impl std::fmt::Display) -> AuditError {
    AuditError {
        path: path.to_owned(),
        message: message.to_string(),
    }
}

/// A run's output folder, as its manifest describes it.
#[derive(Debug, Clone)]
pub struct RunFolder {
    /// The folder.
    pub dir: PathBuf,
    /// The period it computed.
    pub period: PayPeriod,
    /// The moment its input was read (a replay computes as of it).
    pub as_of: DateTime<Utc>,
    /// Every file of the run, by name relative to the folder, with its SHA-256.
    pub files: BTreeMap<String, String>,
    /// The manifest.
    pub manifest: serde_json::Value,
}

impl RunFolder {
    /// Reads `dir/manifest.json`.
    pub fn open(dir: &Path) -> Result<RunFolder, AuditError> {
        let path = dir.join("manifest.json");
        let bytes = std::fs::read(&path).map_err(|e| {
            fail(
                &path,
                format!("cannot read it ({e}); is this a payrun output folder?"),
            )
        })?;
        let manifest: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| fail(&path, format!("not a manifest: {e}")))?;
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        let (Some(start), Some(end), Some(as_of)) = (
            text(&manifest["period"]["start"]),
            text(&manifest["period"]["end"]),
            text(&manifest["as_of"]),
        ) else {
            return Err(fail(
                &path,
                "has no period or as_of: not the manifest of a run that kept its inputs",
            ));
        };
        let date = |t: &str| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map_err(|e| fail(&path, format!("period date {t:?}: {e}")))
        };
        let period = PayPeriod {
            start: date(&start)?,
            end: date(&end)?,
        };
        let as_of = DateTime::parse_from_rfc3339(&as_of)
            .map_err(|e| fail(&path, format!("as_of {as_of:?}: {e}")))?
            .with_timezone(&Utc);
        let files = manifest["files_sha256"]
            .as_object()
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(RunFolder {
            dir: dir.to_owned(),
            period,
            as_of,
            files,
            manifest,
        })
    }

    /// Whether the run kept its inputs (`inputs/`).
    pub fn has_inputs(&self) -> bool {
        self.files.contains_key(&format!("{INPUTS}/payrun.toml"))
    }

    fn need_inputs(&self) -> Result<(), AuditError> {
        if self.has_inputs() {
            Ok(())
        } else {
            Err(fail(
                &self.dir,
                "holds no inputs/ (written with --no-inputs, or by an older payrun): \
                 its time cards are not known",
            ))
        }
    }

    /// The bytes of `name`, checked against the manifest.
    pub fn verified(&self, name: &str) -> Result<Vec<u8>, AuditError> {
        let path = self.dir.join(name);
        let listed = self.listed(name)?;
        let bytes =
            std::fs::read(&path).map_err(|e| fail(&path, format!("cannot read it: {e}")))?;
        if format!("{:x}", Sha256::digest(&bytes)) != listed {
            return Err(changed_since(&path));
        }
        Ok(bytes)
    }

    /// The path of `name`, its file checked against the manifest a piece
    /// at a time (a run's time cards may be gigabytes): for files read
    /// from their path afterwards.
    pub fn checked(&self, name: &str) -> Result<PathBuf, AuditError> {
        let path = self.dir.join(name);
        let listed = self.listed(name)?;
        let digest = sha256_of(&path).map_err(|e| fail(&path, format!("cannot read it: {e}")))?;
        if digest != listed {
            return Err(changed_since(&path));
        }
        Ok(path)
    }

    /// The SHA-256 the manifest lists for `name`.
    fn listed(&self, name: &str) -> Result<&str, AuditError> {
        self.files
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| fail(&self.dir.join(name), "is not listed in the run's manifest"))
    }

    /// The run's effective configuration.
    pub fn settings(&self) -> Result<Settings, AuditError> {
        self.need_inputs()?;
        let path = self.checked(&format!("{INPUTS}/payrun.toml"))?;
        Settings::load(&path).map_err(|e| fail(&path, e))
    }

    /// The run's inputs as read when it was computed: time cards, users
    /// and the exceptions found reading them.
    pub fn inputs(&self) -> Result<RunInputs, AuditError> {
        self.need_inputs()?;
        let records = |file: &str, record_type: RecordType| {
            let path = self.checked(&format!("{INPUTS}/{file}"))?;
            payrun_ingest::read_payroll_records(&path, record_type)
                .map(|r| r.frame)
                .map_err(|e| fail(&path, e))
        };
        let time_cards = records("timecards.parquet", RecordType::TimeCard)?;
        let users = records("users.parquet", RecordType::User)?;
        Ok(RunInputs {
            time_cards,
            users,
            exceptions: self.input_exceptions()?,
        })
    }

    /// The exceptions found reading the run's inputs when it was computed
    /// (reading them again typed finds none, or the same again).
    pub fn input_exceptions(&self) -> Result<Vec<payrun_ingest::Exception>, AuditError> {
        self.need_inputs()?;
        let name = format!("{INPUTS}/exceptions.parquet");
        let path = self.dir.join(&name);
        let frame = ParquetReader::new(std::io::Cursor::new(self.verified(&name)?))
            .finish()
            .map_err(|e| fail(&path, e))?;
        payrun_ingest::exceptions_from_frame(&frame, &payrun_ingest::kinds::ALL)
            .map_err(|e| fail(&path, e))
    }

    /// The [`PayrollInput`] the run was computed from, as of its `as_of`:
    /// its `inputs/` read as `payrun compute` reads Parquet files (typed
    /// cards, never a frame of them all), with the exceptions reading
    /// them found the first time (reading them again finds the same, told
    /// once).
    pub fn payroll_input(&self) -> Result<PayrollInput, AuditError> {
        let (cards, users) = self.input_files()?;
        self.input_from(&cards, &users)
    }

    /// The paths of the run's time card and users files in `inputs/`,
    /// each checked against the manifest.
    pub fn input_files(&self) -> Result<(PathBuf, PathBuf), AuditError> {
        Ok((
            self.checked(&format!("{INPUTS}/timecards.parquet"))?,
            self.checked(&format!("{INPUTS}/users.parquet"))?,
        ))
    }

    /// [`payroll_input`](Self::payroll_input) from the files
    /// [`input_files`](Self::input_files) gave.
    pub fn input_from(&self, cards: &Path, users: &Path) -> Result<PayrollInput, AuditError> {
        let exceptions = self.input_exceptions()?;
        let mut builder = {
            let users_read = payrun_ingest::read_payroll_records(users, RecordType::User)
                .map_err(|e| fail(users, e))?;
            payrun_ingest::InputBuilder::new(&users_read.frame).map_err(|e| fail(users, e))?
        };
        payrun_ingest::read_time_cards_into(cards, &mut builder).map_err(|e| fail(cards, e))?;
        let mut input = builder
            .finish(exceptions)
            .map_err(|e| fail(&self.dir.join(INPUTS), e))?;
        input.as_of = self.as_of;
        Ok(input)
    }

    /// An output table (`payroll_summary`, `pay_lines`, ...) with every
    /// column as text: from its Parquet file when the run wrote one, else
    /// its CSV file.
    pub fn table(&self, table: &str) -> Result<Table, AuditError> {
        rows::rows_table(&rows::RunFile::table(self, table)?, None)
    }
}

/// The error of a file whose SHA-256 is not the manifest's.
fn changed_since(path: &Path) -> AuditError {
    fail(
        path,
        "has changed since the run wrote it (its SHA-256 differs from the manifest's)",
    )
}

/// The SHA-256 of the file at `path`, in hex, read a piece at a time.
pub fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hash = Sha256::new();
    std::io::copy(&mut file, &mut hash)?;
    Ok(format!("{:x}", hash.finalize()))
}

/// What a run was computed from.
#[derive(Debug, Clone)]
pub struct RunInputs {
    /// Time cards, typed.
    pub time_cards: DataFrame,
    /// Users, typed.
    pub users: DataFrame,
    /// The exceptions found reading them.
    pub exceptions: Vec<payrun_ingest::Exception>,
}

/// A table as text, column by column.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column names.
    pub names: Vec<String>,
    /// Rows, each with one value per column.
    pub rows: Vec<Vec<Option<String>>>,
}

impl Table {
    /// Every column cast to text; text read back from a CSV file loses the
    /// mark that kept a spreadsheet from running it as a formula.
    pub fn of(frame: &DataFrame, from_csv: bool) -> PolarsResult<Table> {
        let mut columns = Vec::with_capacity(frame.width());
        for column in frame.columns() {
            let text = rows::text_of(column, from_csv)?;
            let values: Vec<Option<String>> = text.iter().map(|v| v.map(str::to_owned)).collect();
            columns.push(values);
        }
        let rows = (0..frame.height())
            .map(|i| columns.iter().map(|c| c[i].clone()).collect())
            .collect();
        Ok(Table {
            names: frame
                .get_column_names()
                .iter()
                .map(|n| n.to_string())
                .collect(),
            rows,
        })
    }

    /// The index of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

/// Explains one person's payroll in the run in `dir`, from its own inputs
/// and configuration. `user` is a `userName`, or an `employeeNumber` when
/// no `userName` matches; a name two people share is an error listing them.
pub fn explain_run(
    run: &RunFolder,
    user: &str,
    week: Option<NaiveDate>,
) -> Result<Explanation, AuditError> {
    let settings = run.settings()?;
    let (input, id) = run.input_holding(user)?;
    let explanation = payrun_rules::explain(&input, &settings.rules, &run.period, id, week)
        .map_err(|e| fail(&run.dir, e))?
        .ok_or_else(|| {
            fail(
                &run.dir,
                format!(
                    "{user} is not in this payroll: neither active nor worked in {}",
                    run.period
                ),
            )
        })?;
    // The run's own figure for the person, if its summary has exactly one
    // row for them: an explanation that disagrees explains another payroll.
    let person = [
        explanation.user_name.as_deref(),
        explanation.employee_number.as_deref(),
    ];
    let mut paid_rows: Vec<Option<String>> = Vec::new();
    let file = rows::RunFile::table(run, "payroll_summary")?;
    let names = ["user_name", "employee_number", "gross_pay"];
    let has_gross = file.column_names()?.iter().any(|n| n == "gross_pay");
    rows::text_batches(&file, &names, None, |_, columns| {
        for i in 0..rows::height(columns) {
            let at = |c: usize| rows::cell(&columns[c], i);
            if [at(0), at(1)] == person {
                paid_rows.push(at(2).map(str::to_owned));
            }
        }
        Ok(())
    })?;
    if let ([paid], true) = (paid_rows.as_slice(), has_gross) {
        let paid = decimal(paid.as_deref(), "payroll_summary", "gross_pay")
            .map_err(|m| fail(&run.dir, m))?;
        if paid != explanation.gross_pay {
            return Err(fail(
                &run.dir,
                format!(
                    "this payrun computes gross pay {} for {user}, but the run paid {paid}: \
                     the rules have changed since it was computed (`payrun compute --replay` \
                     names the files that compute differently)",
                    explanation.gross_pay
                ),
            ));
        }
    }
    if let Some(day) = week
        && explanation.weeks.is_empty()
    {
        return Err(fail(
            &run.dir,
            format!(
                "--week {day}: no workweek of the period {} contains it",
                run.period
            ),
        ));
    }
    Ok(explanation)
}

impl RunFolder {
    /// The part of the run's inputs that holds one person, `user` (a
    /// `userName`, or an `employeeNumber`), and their id in it: the users
    /// cut into parts as `payrun compute` cuts an input under
    /// `--memory-limit`, as small as it cuts them ([`crate::job::MOST_PARTS`]
    /// of the input), and only the person's part read, the time card file
    /// decoded once for it. A person's computation reads only their own
    /// time cards, so it is the same in the part as in the whole input
    /// (10M time cards: 1.7 s at 0.36 GiB, where reading the whole input
    /// took 3.2-3.8 s at 2.0 GiB; 100M: 17.4 s at 1.94 GiB).
    pub fn input_holding(&self, user: &str) -> Result<(PayrollInput, UserId), AuditError> {
        use crate::job::{MOST_PARTS, user_bytes, whole_bytes};
        let (cards, users) = self.input_files()?;
        let card_count = payrun_ingest::parquet_rows(&cards).map_err(|e| fail(&cards, e))?;
        let people = payrun_ingest::parquet_rows(&users).map_err(|e| fail(&users, e))?;
        // The users file's rows `user` names, as `find_user` finds them,
        // and their employee numbers (the keys let go before planning).
        let (rows, numbers) = {
            let keys = payrun_ingest::read_user_keys(&users).map_err(|e| fail(&users, e))?;
            let column = |name: &str| -> Result<StringChunked, AuditError> {
                let column = keys
                    .frame
                    .column(name)
                    .and_then(|c| c.cast(&DataType::String));
                let column = column.map_err(|e| fail(&users, e))?;
                Ok(column.str().map_err(|e| fail(&users, e))?.clone())
            };
            let rows_of = |values: &StringChunked| -> Vec<UserId> {
                (values.iter().enumerate())
                    .filter(|(_, v)| *v == Some(user))
                    .map(|(row, _)| UserId(row as u32))
                    .collect()
            };
            let numbers = column(payrun_ingest::schema::col::EMPLOYEE_NUMBER)?;
            let mut rows = rows_of(&column(payrun_ingest::schema::col::USER_NAME)?);
            if rows.is_empty() {
                rows = rows_of(&numbers);
            }
            let numbers: Vec<Option<String>> = (rows.iter())
                .map(|r| numbers.get(r.index()).map(str::to_owned))
                .collect();
            (rows, numbers)
        };
        let exceptions = self.input_exceptions()?;
        let budget = whole_bytes(card_count, people).div_ceil(MOST_PARTS);
        let mut parts =
            payrun_ingest::parts::Parts::plan(&cards, &users, exceptions, budget, user_bytes)
                .map_err(|e| fail(&cards, e))?;
        let holding: BTreeSet<usize> = rows.iter().filter_map(|&r| parts.part_holding(r)).collect();
        let part = match (rows.as_slice(), holding.len()) {
            ([], _) => return Err(fail(&self.dir, no_user(user))),
            (_, 2..) => {
                let numbers = numbers.iter().map(Option::as_deref);
                return Err(fail(&self.dir, many_users(user, numbers)));
            }
            _ => holding.first().copied().unwrap_or_default(),
        };
        let mut input = parts.read(part).map_err(|e| fail(&cards, e))?;
        input.as_of = self.as_of;
        let id = find_user(&input, user).map_err(|m| fail(&self.dir, m))?;
        Ok((input, id))
    }
}

/// Why no user is `key`.
fn no_user(key: &str) -> String {
    format!("no user has userName or employeeNumber {key:?} in the run's users")
}

/// Why `key` names several users, whose employee numbers are `numbers`.
fn many_users<'n>(key: &str, numbers: impl ExactSizeIterator<Item = Option<&'n str>>) -> String {
    let count = numbers.len();
    let numbers: Vec<String> = numbers
        .map(|n| format!("employeeNumber {:?}", n.unwrap_or("")))
        .collect();
    format!(
        "{count} users are named {key:?} ({}); name one by its employee number",
        numbers.join(", ")
    )
}

/// The user `key` names: by `userName`, else by `employeeNumber`.
fn find_user(input: &PayrollInput, key: &str) -> Result<UserId, String> {
    let by = |field: fn(&payrun_ingest::User) -> Option<&String>| -> Vec<UserId> {
        input
            .user_ids()
            .filter(|&id| field(input.user(id)).is_some_and(|v| v == key))
            .collect()
    };
    let mut found = by(|u| u.user_name.as_ref());
    if found.is_empty() {
        found = by(|u| u.employee_number.as_ref());
    }
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(no_user(key)),
        many => Err(many_users(
            key,
            many.iter()
                .map(|&id| input.user(id).employee_number.as_deref()),
        )),
    }
}

// ---------------------------------------------------------------------------
// Comparing two runs.

/// How a time card differs between two runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardChange {
    /// `added`, `removed` or `edited`.
    pub change: &'static str,
    /// `userName`.
    pub user_name: Option<String>,
    /// `createdDateTime`: what identifies a card across runs.
    pub created: Option<String>,
    /// `inDateTime` (the new one, for an edit).
    pub in_date_time: Option<String>,
    /// The fields that changed, each as `field: old → new`.
    pub changes: Vec<String>,
}

/// One pay line of one user whose hours or amount changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChange {
    /// `user_name`.
    pub user_name: Option<String>,
    /// `employee_number`.
    pub employee_number: Option<String>,
    /// `week_start` (none for the period's salary).
    pub week_start: Option<String>,
    /// The pay line kind.
    pub kind: String,
    /// `job_name`.
    pub job_name: Option<String>,
    /// `shift_name`.
    pub shift_name: Option<String>,
    /// Hours in the old and the new run (0 when the line is absent).
    pub hours: (Decimal, Decimal),
    /// Amount in the old and the new run.
    pub amount: (Decimal, Decimal),
    /// The line's hours and rate are the same in both runs and its amount
    /// moved by one cent: not a change of the week, but where a cent
    /// lands when the summary line, rounded once over the period, is
    /// apportioned to its weeks.
    pub rounding: bool,
}

/// One user's summary figures that changed: hours by tier and gross pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChange {
    /// `user_name`.
    pub user_name: Option<String>,
    /// `employee_number`.
    pub employee_number: Option<String>,
    /// (column, old, new) for each of the summary's hours columns and
    /// `gross_pay` that changed.
    pub figures: Vec<(&'static str, Decimal, Decimal)>,
    /// (column, old, new) of the row's `status` and the user's record as
    /// the run applied it (`pay_rate`, `rate_type`, `overtime_rule`,
    /// `time_zone`, `department_name`) that changed; empty text where the
    /// user has no row or no value.
    pub record: Vec<(&'static str, String, String)>,
}

impl UserChange {
    /// The row's `status` in the old and the new run, if it changed.
    pub fn status(&self) -> Option<(&str, &str)> {
        self.record
            .iter()
            .find(|(column, ..)| *column == "status")
            .map(|(_, was, is)| (was.as_str(), is.as_str()))
    }
}

/// The summary's text columns compared per user: the row's status and the
/// user's record as applied.
const RECORD_FIELDS: [&str; 6] = [
    "status",
    "pay_rate",
    "rate_type",
    "overtime_rule",
    "time_zone",
    "department_name",
];

/// What a second run of a period means for what is paid, per person and
/// in total: the net change of each person's pay lines, sorted into pay
/// that is now held (the new run holds the person's pay: not a debt, it is
/// paid once the record is fixed), pay to pay and pay to recover.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settlement {
    /// (user_name, employee_number, amount no longer paid) of each person
    /// whose pay the new run holds.
    pub held: Vec<(Option<String>, Option<String>, Decimal)>,
    /// (user_name, employee_number, amount) to pay.
    pub to_pay: Vec<(Option<String>, Option<String>, Decimal)>,
    /// (user_name, employee_number, amount, negative) to recover.
    pub to_recover: Vec<(Option<String>, Option<String>, Decimal)>,
}

impl Settlement {
    /// The totals held, to pay and to recover (negative).
    pub fn totals(&self) -> (Decimal, Decimal, Decimal) {
        let total = |v: &[(Option<String>, Option<String>, Decimal)]| v.iter().map(|p| p.2).sum();
        (
            total(&self.held),
            total(&self.to_pay),
            total(&self.to_recover),
        )
    }
}

/// Two runs of one period compared.
#[derive(Debug, Clone, Default)]
pub struct RunDiff {
    /// Time cards added, removed and edited (empty when either run kept no inputs).
    pub cards: Vec<CardChange>,
    /// Whether both runs kept their time cards, so they could be compared.
    pub cards_compared: bool,
    /// Whether the configuration differs in anything that decides pay or
    /// the files written (`[api]`, where the time cards came from, is not).
    pub config_changed: bool,
    /// The keys that differ, as `key: old → new` (`(none)` where absent).
    pub config_keys: Vec<String>,
    /// Pay lines that changed.
    pub lines: Vec<LineChange>,
    /// Users whose summary figures changed.
    pub users: Vec<UserChange>,
}

/// The summary columns compared per user.
const SUMMARY_FIGURES: [&str; 6] = [
    "regular_hours",
    "overtime_hours",
    "double_time_hours",
    "pto_hours",
    "adjustment_hours",
    "gross_pay",
];

impl RunDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.cards.is_empty()
            && !self.config_changed
            && self.lines.is_empty()
            && self.users.is_empty()
    }

    /// What the new run pays beyond the old (negative: to recover).
    pub fn retro(&self) -> Decimal {
        self.lines.iter().map(|l| l.amount.1 - l.amount.0).sum()
    }

    /// Each person's net change, sorted into held, to pay and to recover
    /// (see [`Settlement`]): a person whose row the new run marks `held`,
    /// and the old did not, has their lost pay held, not recovered.
    pub fn settlement(&self) -> Settlement {
        type Person = (Option<String>, Option<String>);
        let mut net: BTreeMap<Person, Decimal> = BTreeMap::new();
        for l in &self.lines {
            *net.entry((l.user_name.clone(), l.employee_number.clone()))
                .or_default() += l.amount.1 - l.amount.0;
        }
        let newly_held: BTreeSet<Person> = self
            .users
            .iter()
            .filter(|u| {
                u.status()
                    .is_some_and(|(was, is)| is == "held" && was != "held")
            })
            .map(|u| (u.user_name.clone(), u.employee_number.clone()))
            .collect();
        let mut settlement = Settlement::default();
        for ((user_name, number), amount) in net {
            let person = (user_name, number);
            let list = if newly_held.contains(&person) && amount.is_sign_negative() {
                settlement.held.push((person.0, person.1, -amount));
                continue;
            } else if amount.is_sign_negative() {
                &mut settlement.to_recover
            } else if amount.is_zero() {
                continue;
            } else {
                &mut settlement.to_pay
            };
            list.push((person.0, person.1, amount));
        }
        settlement
    }

    /// `diff.{csv,parquet}`: one row per user and pay line that changed.
    pub fn lines_frame(&self) -> PolarsResult<DataFrame> {
        let text = |f: fn(&LineChange) -> Option<String>| {
            self.lines.iter().map(f).collect::<Vec<Option<String>>>()
        };
        let money = |name: &str, f: fn(&LineChange) -> Decimal, scale: usize| {
            decimal_column(name, self.lines.iter().map(f), scale)
        };
        DataFrame::new(
            self.lines.len(),
            vec![
                Column::new("user_name".into(), text(|l| l.user_name.clone())),
                Column::new(
                    "employee_number".into(),
                    text(|l| l.employee_number.clone()),
                ),
                Column::new("week_start".into(), text(|l| l.week_start.clone())),
                Column::new("kind".into(), text(|l| Some(l.kind.clone()))),
                Column::new("job_name".into(), text(|l| l.job_name.clone())),
                Column::new("shift_name".into(), text(|l| l.shift_name.clone())),
                money("old_hours", |l| l.hours.0, 4)?,
                money("new_hours", |l| l.hours.1, 4)?,
                money("hours_change", |l| l.hours.1 - l.hours.0, 4)?,
                money("old_amount", |l| l.amount.0, 2)?,
                money("new_amount", |l| l.amount.1, 2)?,
                money("amount_change", |l| l.amount.1 - l.amount.0, 2)?,
                Column::new(
                    "rounding".into(),
                    self.lines.iter().map(|l| l.rounding).collect::<Vec<bool>>(),
                ),
            ],
        )
    }

    /// `diff_timecards.{csv,parquet}`: one row per time card added, removed or edited.
    pub fn cards_frame(&self) -> PolarsResult<DataFrame> {
        let text = |f: fn(&CardChange) -> Option<String>| {
            self.cards.iter().map(f).collect::<Vec<Option<String>>>()
        };
        DataFrame::new(
            self.cards.len(),
            vec![
                Column::new("change".into(), text(|c| Some(c.change.to_owned()))),
                Column::new("user_name".into(), text(|c| c.user_name.clone())),
                Column::new("created_date_time".into(), text(|c| c.created.clone())),
                Column::new("in_date_time".into(), text(|c| c.in_date_time.clone())),
                Column::new("changes".into(), text(|c| Some(c.changes.join("; ")))),
            ],
        )
    }
}

/// A Decimal column of `scale` digits.
fn decimal_column(
    name: &str,
    values: impl Iterator<Item = Decimal>,
    scale: usize,
) -> PolarsResult<Column> {
    let mantissas: Vec<i128> = values
        .map(|mut v| {
            v.rescale(scale as u32);
            v.mantissa()
        })
        .collect();
    Ok(Int128Chunked::from_vec(name.into(), mantissas)
        .into_decimal(18, scale)?
        .into_series()
        .into_column())
}

/// Compares two runs of the same period.
///
/// ```
/// use payrun::audit::{RunFolder, diff};
/// use payrun::ingest::{RecordType, decode_records};
/// use payrun::job::{Provenance, compute_period, write_outputs};
/// use payrun::output::Format;
/// let settings = payrun::settings::Settings::parse(
///     "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-05-12\"\n[overtime_rules.default]",
/// )?;
/// let users = br#"[{"userName": "ann", "employeeNumber": "7", "rateType": "Hourly Rate",
///     "payRate": "12.00", "timeZone": "UTC"}]"#;
/// let day = |d| chrono::NaiveDate::from_ymd_opt(2024, 5, d).unwrap();
/// let period = payrun::rules::PayPeriod { start: day(12), end: day(18) };
/// let dir = tempfile::tempdir()?;
/// // Paid for 8 h, then the card was edited to 10 h: $24.00 more to pay.
/// for (name, out) in [("paid", "16:00:00"), ("rerun", "18:00:00")] {
///     let cards = format!(r#"[{{"userName": "ann", "entryType": 0,
///         "inDateTime": "2024-05-13 08:00:00", "outDateTime": "2024-05-13 {out}"}}]"#);
///     let cards = decode_records(cards.as_bytes(), RecordType::TimeCard)?;
///     let users = decode_records(users, RecordType::User)?;
///     let computed =
///         compute_period(cards.frame, users.frame, Vec::new(), &settings.rules, &period)?;
///     write_outputs(&dir.path().join(name), &computed, &[Format::Csv], &settings,
///         &Provenance::default())?;
/// }
/// let (paid, rerun) = (RunFolder::open(&dir.path().join("paid"))?,
///     RunFolder::open(&dir.path().join("rerun"))?);
/// let changes = diff(&paid, &rerun)?;
/// assert_eq!(changes.retro().to_string(), "24.00");
/// assert_eq!(changes.settlement().to_pay[0].0.as_deref(), Some("ann"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diff(old: &RunFolder, new: &RunFolder) -> Result<RunDiff, AuditError> {
    diff_in_parts(old, new, 1)
}

/// [`diff`], its keys (each time card's user and creation, each pay line's
/// and each person's key) cut by their digests into `parts` parts that are
/// compared one after another, each reading both runs' files again: the
/// memory a comparison holds is about a part's, and the result is the same
/// whatever the number of parts (see [`diff_parts`]).
pub fn diff_in_parts(
    old: &RunFolder,
    new: &RunFolder,
    parts: usize,
) -> Result<RunDiff, AuditError> {
    if old.period != new.period {
        return Err(fail(
            &new.dir,
            format!(
                "computes {}, {} computes {}: only runs of the same period compare",
                new.period,
                old.dir.display(),
                old.period
            ),
        ));
    }
    let mut diff = RunDiff::default();
    let digests = rows::Digests::new();
    if old.has_inputs() && new.has_inputs() {
        // The API's address is not a term of pay.
        let (was, is) = (old.settings()?.pay_text(), new.settings()?.pay_text());
        diff.config_changed = was != is;
        diff.config_keys = changed_keys(&was, &is);
        let name = format!("{INPUTS}/timecards.parquet");
        diff.cards = compare_card_files(old, new, &name, &digests, parts)?;
        diff.cards_compared = true;
    }
    diff.lines = compare_lines(old, new, &digests, parts)?;
    diff.users = compare_users(old, new, &digests, parts)?;
    Ok(diff)
}

/// How many parts [`diff_in_parts`] needs to hold `old` and `new`'s
/// comparison under `limit` bytes, from their files' rows: the largest of
/// its three phases (both runs' time cards, 72 bytes a card; their pay
/// lines, 150 bytes a line; their people, 300 bytes each: the digests and
/// sums held, with the room their vectors and tables keep spare), beside
/// [`DIFF_READING`] for the batches read and an eighth of the limit kept
/// back. A run that wrote its tables only as CSV is counted from the
/// files' sizes (and read whole at each part). Measured at 10M time
/// cards: 1.82 GiB whole, 0.82 GiB in 3 parts.
pub fn diff_parts(old: &RunFolder, new: &RunFolder, limit: u64) -> Result<usize, AuditError> {
    let rows = |run: &RunFolder, name: &str| -> Result<u64, AuditError> {
        let file = rows::RunFile::table(run, name)?;
        file.rows().map(|r| r as u64)
    };
    let cards = |run: &RunFolder| -> Result<u64, AuditError> {
        if !run.has_inputs() {
            return Ok(0);
        }
        let file = rows::RunFile::open(run, &format!("{INPUTS}/timecards.parquet"))?;
        file.rows().map(|r| r as u64)
    };
    let need = [
        (cards(old)? + cards(new)?) * 72,
        (rows(old, "pay_lines")? + rows(new, "pay_lines")?) * 150,
        (rows(old, "payroll_summary")? + rows(new, "payroll_summary")?) * 300,
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    let usable = (limit - limit / 8)
        .saturating_sub(DIFF_READING)
        .max(64 << 20);
    Ok(need.div_ceil(usable).clamp(1, MOST_DIFF_PARTS as u64) as usize)
}

/// What a comparison holds beside its digests and sums, whatever the
/// parts: a batch of each table's rows as text, both runs' (measured:
/// 0.4-0.5 GiB at 1M and 10M time cards). A limit below it is exceeded.
pub const DIFF_READING: u64 = 448 << 20;

/// The most parts [`diff_in_parts`] cuts a comparison into.
pub const MOST_DIFF_PARTS: usize = 256;

/// Which keys one part of a comparison holds: those whose digest's upper
/// half falls in part `this` of `of` (see [`diff_in_parts`]).
#[derive(Debug, Clone, Copy)]
struct Part {
    this: u64,
    of: u64,
}

impl Part {
    /// The parts of a comparison cut into `parts`.
    fn all(parts: usize) -> impl Iterator<Item = Part> {
        let of = parts.max(1) as u64;
        (0..of).map(move |this| Part { this, of })
    }

    fn holds(self, key: u128) -> bool {
        ((key >> 64) as u64) % self.of == self.this
    }
}

/// The time cards of the file `name` of two runs compared (see
/// [`compare_cards`]), a batch at a time: each card's key and content are
/// told by their digests, the cards identical in both runs paired off,
/// and only the rest read whole and compared.
fn compare_card_files(
    old: &RunFolder,
    new: &RunFolder,
    name: &str,
    digests: &rows::Digests,
    parts: usize,
) -> Result<Vec<CardChange>, AuditError> {
    let (old, new) = (
        rows::RunFile::open(old, name)?,
        rows::RunFile::open(new, name)?,
    );
    let old_names = old.column_names()?;
    // The fields both runs have, in the new run's order, as compare_cards
    // takes them.
    let new_names = new.column_names()?;
    let mut names = vec!["userName", "createdDateTime"];
    names.extend(
        new_names
            .iter()
            .filter(|n| !NOT_CONTENT.contains(&n.as_str()) && old_names.contains(n))
            .map(String::as_str),
    );
    // (key, content, row) of every card of the part, in order.
    let read = |file: &rows::RunFile, part: Part| -> Result<Vec<(u128, u128, u32)>, AuditError> {
        let mut cards = Vec::new();
        rows::text_batches(file, &names, None, |start, columns| {
            use rayon::prelude::*;
            let batch: Vec<(u128, u128, u32)> = (0..rows::height(columns))
                .into_par_iter()
                .filter_map(|i| {
                    let key = digests.of(columns[..2].iter().map(|c| rows::cell(c, i)));
                    part.holds(key).then(|| {
                        let content = digests.of(columns[2..].iter().map(|c| rows::cell(c, i)));
                        (key, content, (start + i) as u32)
                    })
                })
                .collect();
            cards.extend(batch);
            Ok(())
        })?;
        rayon::slice::ParallelSliceMut::par_sort_unstable(&mut cards[..]);
        Ok(cards)
    };
    let mut changes = Vec::new();
    for part in Part::all(parts) {
        changes.extend(compare_part_cards(
            &old,
            &new,
            read(&old, part)?,
            read(&new, part)?,
        )?);
    }
    // In the order compare_cards gives one part's; cards of one key
    // (`userName`, `createdDateTime`) are in one part, in their order.
    changes.sort_by(|a, b| card_order(a).cmp(&card_order(b)));
    Ok(changes)
}

/// The order of the time card changes: by user, `inDateTime` and change,
/// then by `createdDateTime`.
fn card_order(c: &CardChange) -> (&Option<String>, &Option<String>, &str, &Option<String>) {
    (&c.user_name, &c.in_date_time, c.change, &c.created)
}

/// One part's time cards compared: `olds` and `news` (key, content, row)
/// sorted, the cards identical in both paired off, the rest read whole.
fn compare_part_cards(
    old: &rows::RunFile,
    new: &rows::RunFile,
    olds: Vec<(u128, u128, u32)>,
    news: Vec<(u128, u128, u32)>,
) -> Result<Vec<CardChange>, AuditError> {
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < olds.len() && j < news.len() {
        match (olds[i].0, olds[i].1).cmp(&(news[j].0, news[j].1)) {
            std::cmp::Ordering::Equal => (i, j) = (i + 1, j + 1),
            std::cmp::Ordering::Less => {
                removed.push(olds[i].2);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                added.push(news[j].2);
                j += 1;
            }
        }
    }
    removed.extend(olds[i..].iter().map(|c| c.2));
    added.extend(news[j..].iter().map(|c| c.2));
    removed.sort_unstable();
    added.sort_unstable();
    Ok(compare_cards(
        &rows::rows_table(old, Some(&removed))?,
        &rows::rows_table(new, Some(&added))?,
    ))
}

/// The dotted keys whose values differ between two configuration texts,
/// each as `key: old → new`.
fn changed_keys(was: &str, is: &str) -> Vec<String> {
    fn flatten(prefix: &str, value: &toml::Value, into: &mut BTreeMap<String, String>) {
        match value {
            toml::Value::Table(table) => {
                for (key, value) in table {
                    let key = if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        key.clone()
                    } else {
                        format!("\"{key}\"")
                    };
                    let path = if prefix.is_empty() {
                        key
                    } else {
                        format!("{prefix}.{key}")
                    };
                    flatten(&path, value, into);
                }
            }
            other => {
                into.insert(prefix.to_owned(), other.to_string());
            }
        }
    }
    let parse = |text: &str| {
        let mut keys = BTreeMap::new();
        if let Ok(table) = text.parse::<toml::Table>() {
            flatten("", &toml::Value::Table(table), &mut keys);
        }
        keys
    };
    let (was, is) = (parse(was), parse(is));
    let keys: BTreeSet<&String> = was.keys().chain(is.keys()).collect();
    keys.into_iter()
        .filter(|k| was.get(*k) != is.get(*k))
        .map(|k| {
            let shown = |v: Option<&String>| v.cloned().unwrap_or_else(|| "(none)".into());
            format!("{k}: {} → {}", shown(was.get(k)), shown(is.get(k)))
        })
        .collect()
}

/// Fields of a time card that are not its content.
const NOT_CONTENT: [&str; 1] = ["updateDateTime"];

/// Time cards matched by (`userName`, `createdDateTime`); among cards that
/// share both, identical ones pair first, the rest in `inDateTime` order.
///
/// Long because the two runs' cards are matched by identity and each
/// added, removed or edited card worded in the same pass.
fn compare_cards(old: &Table, new: &Table) -> Vec<CardChange> {
    // The fields both runs have, in the new run's order.
    let fields: Vec<(usize, usize, &str)> = new
        .names
        .iter()
        .enumerate()
        .filter(|(_, n)| !NOT_CONTENT.contains(&n.as_str()))
        .filter_map(|(j, n)| Some((old.column(n)?, j, n.as_str())))
        .collect();
    let key_of = |table: &Table, row: &[Option<String>]| {
        let at = |name: &str| table.column(name).and_then(|i| row[i].clone());
        (at("userName"), at("createdDateTime"))
    };
    type Key = (Option<String>, Option<String>);
    let mut groups: BTreeMap<Key, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, row) in old.rows.iter().enumerate() {
        groups.entry(key_of(old, row)).or_default().0.push(i);
    }
    for (i, row) in new.rows.iter().enumerate() {
        groups.entry(key_of(new, row)).or_default().1.push(i);
    }
    let content_old = |i: usize| -> Vec<&Option<String>> {
        fields.iter().map(|(o, _, _)| &old.rows[i][*o]).collect()
    };
    let content_new = |j: usize| -> Vec<&Option<String>> {
        fields.iter().map(|(_, n, _)| &new.rows[j][*n]).collect()
    };
    let in_old = old.column("inDateTime");
    let in_new = new.column("inDateTime");
    let mut changes = Vec::new();
    for ((user, created), (mut olds, mut news)) in groups {
        // Identical cards pair first.
        olds.retain(
            |&i| match news.iter().position(|&j| content_old(i) == content_new(j)) {
                Some(k) => {
                    news.remove(k);
                    false
                }
                None => true,
            },
        );
        let when = |table_in: Option<usize>, table: &Table, i: usize| {
            table_in.and_then(|c| table.rows[i][c].clone())
        };
        olds.sort_by_key(|&i| when(in_old, old, i));
        news.sort_by_key(|&j| when(in_new, new, j));
        let paired = olds.len().min(news.len());
        for (&i, &j) in olds.iter().zip(&news) {
            let edits = fields
                .iter()
                .filter(|(o, n, _)| old.rows[i][*o] != new.rows[j][*n])
                .map(|(o, n, name)| {
                    format!(
                        "{name}: {} → {}",
                        shown(&old.rows[i][*o]),
                        shown(&new.rows[j][*n])
                    )
                })
                .collect();
            changes.push(CardChange {
                change: "edited",
                user_name: user.clone(),
                created: created.clone(),
                in_date_time: when(in_new, new, j),
                changes: edits,
            });
        }
        for &i in &olds[paired..] {
            changes.push(CardChange {
                change: "removed",
                user_name: user.clone(),
                created: created.clone(),
                in_date_time: when(in_old, old, i),
                changes: Vec::new(),
            });
        }
        for &j in &news[paired..] {
            changes.push(CardChange {
                change: "added",
                user_name: user.clone(),
                created: created.clone(),
                in_date_time: when(in_new, new, j),
                changes: Vec::new(),
            });
        }
    }
    changes.sort_by(|a, b| card_order(a).cmp(&card_order(b)));
    changes
}

fn shown(value: &Option<String>) -> String {
    match value {
        Some(v) if !v.is_empty() => v.clone(),
        _ => "(empty)".to_owned(),
    }
}

fn decimal(text: Option<&str>, table: &str, column: &str) -> Result<Decimal, String> {
    match text.map(str::trim) {
        None | Some("") => Ok(Decimal::ZERO),
        Some(t) => {
            Decimal::from_str(t).map_err(|_| format!("{table}: {column} {t:?} is not a number"))
        }
    }
}

const LINE_KEY: [&str; 6] = [
    "user_name",
    "employee_number",
    "week_start",
    "kind",
    "job_name",
    "shift_name",
];

/// Texts of a row: of its key columns, then of its record columns, by row.
type RowTexts = HashMap<u32, (Vec<Option<String>>, Vec<Option<String>>)>;

/// A key's rows of a table: the sums of its figures, the digest of its
/// last row's record texts, and that row.
#[derive(Debug, Clone, Copy)]
struct KeySums<const N: usize> {
    figures: [Decimal; N],
    record: u128,
    row: u32,
}

/// How a table's rows are summed by key: the table, its key columns, the
/// decimal columns summed, and the text columns kept of a key's last row
/// (`blank`: an absent value is empty text, and every column must be
/// there).
struct Summed<'a, const N: usize> {
    table: &'a str,
    key: &'a [&'a str],
    figures: [&'a str; N],
    record: &'a [&'a str],
    blank: bool,
}

impl<const N: usize> Summed<'_, N> {
    /// `run`'s table summed by the digest of its key columns' texts, the
    /// keys `part` holds.
    fn of(
        &self,
        run: &RunFolder,
        file: &rows::RunFile,
        digests: &rows::Digests,
        part: Part,
    ) -> Result<HashMap<u128, KeySums<N>>, AuditError> {
        let present = file.column_names()?;
        let required = self
            .figures
            .iter()
            .chain(if self.blank { self.record } else { &[] });
        if let Some(missing) = required
            .into_iter()
            .find(|f| !present.iter().any(|p| p == *f))
        {
            return Err(fail(
                &run.dir,
                format!("{} has no {missing} column", self.table),
            ));
        }
        let mut names: Vec<&str> = self.key.to_vec();
        names.extend(self.figures);
        names.extend(self.record);
        let (k, f) = (self.key.len(), self.key.len() + N);
        let mut sums: HashMap<u128, KeySums<N>> = HashMap::new();
        rows::text_batches(file, &names, None, |start, columns| {
            use rayon::prelude::*;
            let blank = self.blank;
            let batch = (0..rows::height(columns))
                .into_par_iter()
                .filter_map(|i| {
                    let key = digests.of(columns[..k].iter().map(|c| rows::cell(c, i)));
                    part.holds(key).then_some((i, key))
                })
                .map(|(i, key)| {
                    let mut figures = [Decimal::ZERO; N];
                    for ((slot, column), name) in
                        figures.iter_mut().zip(&columns[k..f]).zip(self.figures)
                    {
                        *slot = decimal(rows::cell(column, i), self.table, name)?;
                    }
                    Ok((
                        i,
                        key,
                        figures,
                        digests.of((columns[f..].iter().map(|c| rows::cell(c, i)))
                            .map(|v| if blank { Some(v.unwrap_or("")) } else { v })),
                    ))
                })
                .collect::<Result<Vec<_>, String>>()?;
            for (i, key, figures, record) in batch {
                let entry = sums.entry(key).or_insert(KeySums {
                    figures: [Decimal::ZERO; N],
                    record,
                    row: 0,
                });
                for (slot, v) in entry.figures.iter_mut().zip(figures) {
                    *slot += v;
                }
                entry.record = record;
                entry.row = (start + i) as u32;
            }
            Ok(())
        })?;
        Ok(sums)
    }

    /// The key and record texts of `rows` of `run`'s table, by row.
    fn texts(&self, file: &rows::RunFile, rows: &mut [u32]) -> Result<RowTexts, AuditError> {
        rows.sort_unstable();
        let table = rows::rows_table(file, Some(rows))?;
        let at = |row: &[Option<String>], names: &[&str]| -> Vec<Option<String>> {
            names
                .iter()
                .map(|n| table.column(n).and_then(|i| row[i].clone()))
                .collect()
        };
        Ok(rows
            .iter()
            .zip(&table.rows)
            .map(|(&r, row)| (r, (at(row, self.key), at(row, self.record))))
            .collect())
    }

    /// The keys whose figures or record differ between `old` and `new`
    /// (absent: figures zero, and a record apart from any), in key order:
    /// the key's texts, and for each run its figures (zero where absent)
    /// and record texts (where present). The keys are compared a part
    /// at a time (see [`diff_in_parts`]).
    fn changes(
        &self,
        old: &RunFolder,
        new: &RunFolder,
        digests: &rows::Digests,
        parts: usize,
    ) -> Result<Vec<KeyChange<N>>, AuditError> {
        let files = (
            rows::RunFile::table(old, self.table)?,
            rows::RunFile::table(new, self.table)?,
        );
        let mut changes = Vec::new();
        for part in Part::all(parts) {
            changes.extend(self.part_changes((old, new), &files, digests, part)?);
        }
        changes.sort_by(|x, y| x.0.cmp(&y.0));
        Ok(changes)
    }

    /// [`Summed::changes`] of the keys `part` holds, in no order.
    fn part_changes(
        &self,
        (old, new): (&RunFolder, &RunFolder),
        files: &(rows::RunFile, rows::RunFile),
        digests: &rows::Digests,
        part: Part,
    ) -> Result<Vec<KeyChange<N>>, AuditError> {
        let (was, is) = (
            self.of(old, &files.0, digests, part)?,
            self.of(new, &files.1, digests, part)?,
        );
        let differs = |a: Option<&KeySums<N>>, b: Option<&KeySums<N>>| match (a, b) {
            (Some(a), Some(b)) => a.figures != b.figures || a.record != b.record,
            _ => true,
        };
        let keys: Vec<u128> = (was.keys().chain(is.keys().filter(|k| !was.contains_key(k))))
            .filter(|k| differs(was.get(k), is.get(k)))
            .copied()
            .collect();
        let mut old_rows: Vec<u32> = keys.iter().filter_map(|k| Some(was.get(k)?.row)).collect();
        let mut new_rows: Vec<u32> = keys.iter().filter_map(|k| Some(is.get(k)?.row)).collect();
        let (old_texts, new_texts) = (
            self.texts(&files.0, &mut old_rows)?,
            self.texts(&files.1, &mut new_rows)?,
        );
        let changes = keys
            .iter()
            .map(|k| {
                let side = |sums: Option<&KeySums<N>>, texts: &RowTexts| {
                    let texts = sums.and_then(|s| texts.get(&s.row));
                    (
                        sums.map_or([Decimal::ZERO; N], |s| s.figures),
                        texts.map(|t| t.1.clone()),
                        texts.map(|t| t.0.clone()),
                    )
                };
                let (a, a_record, a_key) = side(was.get(k), &old_texts);
                let (b, b_record, b_key) = side(is.get(k), &new_texts);
                let key = a_key.or(b_key).unwrap_or_default();
                (key, (a, a_record), (b, b_record))
            })
            .collect();
        Ok(changes)
    }
}

/// A key whose rows differ between two runs: its texts, and for each run
/// its figures (zero where absent) and record texts (where present).
type KeyChange<const N: usize> = (
    Vec<Option<String>>,
    ([Decimal; N], Option<Vec<Option<String>>>),
    ([Decimal; N], Option<Vec<Option<String>>>),
);

/// Pay lines matched by user, week, kind, job and shift.
///
/// Each summary line is rounded once over the period and its cents
/// apportioned to the week's lines, so a change in one week can move a
/// cent of another whose time cards, rates and rules did not change. Such
/// a line (the same hours and rate in both runs, the amount one cent
/// apart) is marked [`LineChange::rounding`]: its cent is paid or
/// recovered like any other, but it is not reported as the week's change.
fn compare_lines(
    old: &RunFolder,
    new: &RunFolder,
    digests: &rows::Digests,
    parts: usize,
) -> Result<Vec<LineChange>, AuditError> {
    let summed = Summed {
        table: "pay_lines",
        key: &LINE_KEY,
        figures: ["hours", "amount"],
        record: &["rate"],
        blank: false,
    };
    let cent = Decimal::new(1, 2);
    Ok(summed
        .changes(old, new, digests, parts)?
        .into_iter()
        .filter(|(_, (was, _), (is, _))| was != is)
        .map(|(k, (was, was_rate), (is, is_rate))| {
            let same_rate = matches!((was_rate, is_rate), (Some(a), Some(b)) if a == b);
            LineChange {
                rounding: same_rate && was[0] == is[0] && (is[1] - was[1]).abs() == cent,
                user_name: k[0].clone(),
                employee_number: k[1].clone(),
                week_start: k[2].clone(),
                kind: k[3].clone().unwrap_or_default(),
                job_name: k[4].clone(),
                shift_name: k[5].clone(),
                hours: (was[0], is[0]),
                amount: (was[1], is[1]),
            }
        })
        .collect())
}

/// Summary rows matched by user name and employee number: those whose
/// figures, `status` or record ([`RECORD_FIELDS`]) changed.
fn compare_users(
    old: &RunFolder,
    new: &RunFolder,
    digests: &rows::Digests,
    parts: usize,
) -> Result<Vec<UserChange>, AuditError> {
    let summed = Summed {
        table: "payroll_summary",
        key: &["user_name", "employee_number"],
        figures: SUMMARY_FIGURES,
        record: &RECORD_FIELDS,
        blank: true,
    };
    let blank = || vec![String::new(); RECORD_FIELDS.len()];
    let texts = |record: Option<Vec<Option<String>>>| {
        record.map_or_else(blank, |r| {
            r.into_iter().map(Option::unwrap_or_default).collect()
        })
    };
    Ok(summed
        .changes(old, new, digests, parts)?
        .into_iter()
        .filter_map(|(k, (was, was_record), (is, is_record))| {
            let figures: Vec<(&'static str, Decimal, Decimal)> = SUMMARY_FIGURES
                .iter()
                .zip(was.iter().zip(&is))
                .filter(|(_, (a, b))| a != b)
                .map(|(name, (a, b))| (*name, *a, *b))
                .collect();
            let (was_record, is_record) = (texts(was_record), texts(is_record));
            let record: Vec<(&'static str, String, String)> = RECORD_FIELDS
                .iter()
                .zip(was_record.into_iter().zip(is_record))
                .filter(|(_, (a, b))| a != b)
                .map(|(name, (a, b))| (*name, a, b))
                .collect();
            (!figures.is_empty() || !record.is_empty()).then(|| UserChange {
                user_name: k[0].clone(),
                employee_number: k[1].clone(),
                figures,
                record,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A configuration change is named by its keys, old and new values.
    #[test]
    fn configuration_changes_name_their_keys() {
        let was = "[overtime_rules.default]\nweekly_ot_after = \"40\"\not_multiplier = \"1.5\"\n\
                   [jobs.\"Weld ing\"]\nrate = \"15\"\n";
        let is = "[overtime_rules.default]\nweekly_ot_after = \"38\"\not_multiplier = \"1.5\"\n\
                  [shifts.night]\npremium = \"2\"\n";
        assert_eq!(
            changed_keys(was, is),
            [
                "jobs.\"Weld ing\".rate: \"15\" → (none)",
                "overtime_rules.default.weekly_ot_after: \"40\" → \"38\"",
                "shifts.night.premium: (none) → \"2\"",
            ]
        );
        assert!(changed_keys(was, was).is_empty());
    }
}
