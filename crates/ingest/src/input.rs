//! [`PayrollInput`]: the one typed value a payroll is computed from.
//!
//! Frames are a good way to move Q2 records around (Parquet, CSV, an
//! accounting tool's own tables), but the rules read each user's time cards
//! in time order many times over. So the frames are read once, here, into
//! plain typed records (whole, or a batch at a time with [`InputBuilder`],
//! so that a large file is never a whole frame in memory; an input read in
//! parts spills the cards of parts to come typed: see [`crate::parts`]):
//!
//! * every user, identified by a [`UserId`] (its row in the users frame, so
//!   two users who share a `userName` stay two people);
//! * every time card that matched a user, sorted once by (user, `inDateTime`),
//!   with each user's cards a contiguous slice ([`PayrollInput::cards_of`]);
//! * job, shift and adjustment-type names interned as [`NameId`]s, so no
//!   time card carries a `String`;
//! * every decode and join exception, each tied to its user when the user is
//!   known.
//!
//! Columns the rules never read (coordinates, devices, …) are not copied.
//! Those that only tell two records apart (notes, PTO names, creation and
//! update times) are not copied either: a card carries just which of the
//! cards at its `inDateTime` it agrees with on them ([`TimeCard::details`]),
//! all duplicate detection needs.
//! A time card that matched no user is not in [`PayrollInput::time_cards`];
//! its `unknown_user` exception is in [`PayrollInput::exceptions`]. Nothing
//! is left out without an exception saying so.
//!
//! It is long because `PayrollInput`, its two-pass builder and the compact
//! typed card are one representation, changed together; the last fifth is
//! tests.

use std::num::NonZeroU32;
use std::ops::Range;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use polars::prelude::*;
use rust_decimal::Decimal;

use crate::exception::Exception;
use crate::join::{UserIndex, match_keys, match_user_names, unknown_user};
use crate::schema::{HOURS_SCALE, col};

/// A user: its row in the users frame the input was built from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub u32);

impl UserId {
    /// The row as an index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// An interned name (job, shift or adjustment type); see [`Names`].
/// `Option<NameId>` takes four bytes, like the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NameId(NonZeroU32);

impl NameId {
    fn new(index: u32) -> NameId {
        NameId(NonZeroU32::MIN.saturating_add(index))
    }

    /// The id's index: ids are `0..Names::len()`, in the order the names were first seen.
    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// The distinct names of an input, each stored once.
#[derive(Debug, Clone, Default)]
pub struct Names {
    names: Vec<Arc<str>>,
    index: PlHashMap<Arc<str>, u32>,
}

impl Names {
    /// The id of `name`, adding it if new.
    pub fn intern(&mut self, name: &str) -> NameId {
        if let Some(&id) = self.index.get(name) {
            return NameId::new(id);
        }
        let id = self.names.len() as u32;
        let name: Arc<str> = Arc::from(name);
        self.names.push(Arc::clone(&name));
        self.index.insert(name, id);
        NameId::new(id)
    }

    /// The id of `name`, if the input has it.
    pub fn find(&self, name: &str) -> Option<NameId> {
        self.index.get(name).map(|&id| NameId::new(id))
    }

    /// The name of `id`.
    pub fn get(&self, id: NameId) -> &str {
        &self.names[id.index()]
    }

    /// The name of `id`, shared (for output rows that each name it).
    pub fn shared(&self, id: NameId) -> Arc<str> {
        Arc::clone(&self.names[id.index()])
    }

    /// How many distinct names there are (ids are `0..len`).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// One user, as the rules need it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct User {
    /// `userName`.
    pub user_name: Option<String>,
    /// `userFullName`.
    pub full_name: Option<String>,
    /// `employeeNumber`.
    pub employee_number: Option<String>,
    /// `departmentName`.
    pub department: Option<String>,
    /// `role`.
    pub role: Option<String>,
    /// `rateType`, as given.
    pub rate_type: Option<String>,
    /// `payRate`.
    pub pay_rate: Option<Decimal>,
    /// `timeZone`, as given.
    pub time_zone: Option<String>,
    /// `overTimeRule`, as given.
    pub overtime_rule: Option<String>,
    /// `hiredDate`.
    pub hired: Option<NaiveDate>,
    /// `firstName` of the user's first time card that has a first or last
    /// name (the user records have none).
    pub first_name: Option<String>,
    /// `lastName`, from the same card.
    pub last_name: Option<String>,
}

/// One time card of a known user. Date times are wall-clock milliseconds
/// since 1970-01-01 00:00 (no zone yet: that is the user's, or the
/// configuration's).
///
/// Its numbers are read through methods ([`in_ms`](Self::in_ms), …)
/// because an absent one is a bit rather than an `Option` each: a card
/// takes 64 bytes, not 104.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeCard {
    /// Whose card it is.
    pub user: UserId,
    /// Its row in the time card frame (ties in time keep this order).
    pub row: u32,
    in_ms: i64,
    out_ms: i64,
    hours_micro: i64,
    entry_type: i32,
    adjust_hours_amount: i32,
    /// `jobName`.
    pub job: Option<NameId>,
    /// `shiftName`.
    pub shift: Option<NameId>,
    /// `adjustTypeName`.
    pub adjust_type: Option<NameId>,
    /// `approvedByEmployee` (none when absent or unreadable).
    pub approved_by_employee: Option<bool>,
    /// Whether `approvedManagerFullName` names someone.
    pub approved_by_manager: bool,
    /// Which of the five numbers above are present (one bit each, see
    /// [`Present`]); an absent one is stored as 0, so that equal cards are
    /// equal field for field.
    present: u8,
    /// The fields that only tell records apart (`ptoName`, `employeeNote`,
    /// `managerComment`, `createdDateTime`, `updateDateTime`), as a class:
    /// among the user's cards with the same `inDateTime` and equal in every
    /// other field, two cards have the same `details` exactly when those
    /// fields are equal too (empty text as absent). 0 for any card with no
    /// such twin. So two cards are the same record when they are equal in
    /// every field but `row`.
    pub details: u32,
}

/// Shows the numbers as they read (absent ones as `None`), not as stored.
impl std::fmt::Debug for TimeCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimeCard")
            .field("user", &self.user)
            .field("row", &self.row)
            .field("in_ms", &self.in_ms())
            .field("out_ms", &self.out_ms())
            .field("hours_micro", &self.hours_micro())
            .field("entry_type", &self.entry_type())
            .field("adjust_hours_amount", &self.adjust_hours_amount())
            .field("job", &self.job)
            .field("shift", &self.shift)
            .field("adjust_type", &self.adjust_type)
            .field("approved_by_employee", &self.approved_by_employee)
            .field("approved_by_manager", &self.approved_by_manager)
            .field("details", &self.details)
            .finish()
    }
}

/// The bits of [`TimeCard`]'s `present`.
struct Present;

impl Present {
    const IN: u8 = 1;
    const OUT: u8 = 2;
    const HOURS: u8 = 4;
    const ENTRY_TYPE: u8 = 8;
    const ADJUST_HOURS_AMOUNT: u8 = 16;
}

/// A time card's numbers, as [`TimeCard::new`] takes them.
#[derive(Debug, Clone, Copy, Default)]
pub struct CardNumbers {
    /// `inDateTime`, wall-clock milliseconds.
    pub in_ms: Option<i64>,
    /// `outDateTime`, wall-clock milliseconds.
    pub out_ms: Option<i64>,
    /// `hours` in millionths.
    pub hours_micro: Option<i64>,
    /// `entryType`.
    pub entry_type: Option<i32>,
    /// `adjustHoursAmount`.
    pub adjust_hours_amount: Option<i32>,
}

impl TimeCard {
    /// A card of `user` from frame row `row` with `numbers`, and no names,
    /// approvals or details (set those fields as needed).
    pub fn new(user: UserId, row: u32, numbers: CardNumbers) -> TimeCard {
        /// The value to store, its bit set in `present` when there is one.
        fn keep<T: Default>(value: Option<T>, bit: u8, present: &mut u8) -> T {
            value.map_or_else(T::default, |v| {
                *present |= bit;
                v
            })
        }
        let mut present = 0;
        let CardNumbers {
            in_ms,
            out_ms,
            hours_micro,
            entry_type,
            adjust_hours_amount,
        } = numbers;
        TimeCard {
            user,
            row,
            in_ms: keep(in_ms, Present::IN, &mut present),
            out_ms: keep(out_ms, Present::OUT, &mut present),
            hours_micro: keep(hours_micro, Present::HOURS, &mut present),
            entry_type: keep(entry_type, Present::ENTRY_TYPE, &mut present),
            adjust_hours_amount: keep(
                adjust_hours_amount,
                Present::ADJUST_HOURS_AMOUNT,
                &mut present,
            ),
            present,
            ..TimeCard::default()
        }
    }

    fn has(&self, bit: u8) -> bool {
        self.present & bit != 0
    }

    /// `inDateTime`, wall-clock milliseconds since 1970-01-01 00:00.
    pub fn in_ms(&self) -> Option<i64> {
        self.has(Present::IN).then_some(self.in_ms)
    }

    /// `outDateTime`, wall-clock milliseconds since 1970-01-01 00:00.
    pub fn out_ms(&self) -> Option<i64> {
        self.has(Present::OUT).then_some(self.out_ms)
    }

    /// `hours` in millionths (the column's scale is [`HOURS_SCALE`]).
    pub fn hours_micro(&self) -> Option<i64> {
        self.has(Present::HOURS).then_some(self.hours_micro)
    }

    /// `entryType`: 0 job, 1 PTO, 2 addition, 3 deduction.
    pub fn entry_type(&self) -> Option<i32> {
        self.has(Present::ENTRY_TYPE).then_some(self.entry_type)
    }

    /// `adjustHoursAmount`: 0 hours, 1 money.
    pub fn adjust_hours_amount(&self) -> Option<i32> {
        self.has(Present::ADJUST_HOURS_AMOUNT)
            .then_some(self.adjust_hours_amount)
    }

    /// Whether `self` and `other` are the same record: equal in every field but the row.
    pub fn same_record(&self, other: &TimeCard) -> bool {
        TimeCard { row: 0, ..*self } == TimeCard { row: 0, ..*other }
    }

    /// `hours` as an exact decimal.
    pub fn hours(&self) -> Option<Decimal> {
        self.hours_micro()
            .map(|m| Decimal::from_i128_with_scale(i128::from(m), HOURS_SCALE))
    }
}

/// An exception found while reading the input, and the user it concerns when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputException {
    /// The user, when the record names exactly one.
    pub user: Option<UserId>,
    /// The user field whose value could not be read, for a user record's
    /// `invalid_value` (the rules hold pay that depends on it).
    pub user_field: Option<&'static str>,
    /// The exception.
    pub exception: Exception,
}

/// The user field an `invalid_value` message of a user record names
/// (`user field `payRate` has invalid value …`).
fn user_field_of(exception: &Exception) -> Option<&'static str> {
    let rest = exception.message.strip_prefix("user field `")?;
    let name = &rest[..rest.find('`')?];
    crate::schema::USER_FIELDS
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.name)
}

/// Everything a payroll is computed from; see the module docs.
#[derive(Debug, Clone)]
pub struct PayrollInput {
    /// When the input was read: a punch later than this is an error (a
    /// typo such as a year 2099), held from pay.
    pub as_of: DateTime<Utc>,
    /// Users, indexed by [`UserId`].
    pub users: Vec<User>,
    /// Time cards of known users, sorted by (user, `inDateTime`, row).
    pub time_cards: Vec<TimeCard>,
    /// Each user's slice of `time_cards`.
    ranges: Vec<Range<usize>>,
    /// Interned names.
    pub names: Names,
    /// Time card records read, matched to a user or not.
    pub records_read: usize,
    /// Decode and join exceptions, in the order found.
    pub exceptions: Vec<InputException>,
}

impl PayrollInput {
    /// Reads typed frames (as [`decode_records`](crate::decode_records),
    /// [`conform`](crate::conform) or `payrun fetch` produce them), matches
    /// every time card to its user ([`join`](mod@crate::join)) and carries
    /// `exceptions` (those found decoding either frame) along, tied to a
    /// user when their `userName` names exactly one.
    pub fn from_frames(
        time_cards: &DataFrame,
        users: &DataFrame,
        exceptions: Vec<Exception>,
    ) -> PolarsResult<PayrollInput> {
        Self::read(std::borrow::Cow::Borrowed(time_cards), users, exceptions)
    }

    /// [`from_frames`](Self::from_frames), taking the time card frame: its
    /// user-key columns (`userName`, `employeeNumber`, `userFullName`) are
    /// let go once every card is matched, before the typed cards are built,
    /// so they and the cards are not in memory at the same time.
    pub fn from_owned_frames(
        time_cards: DataFrame,
        users: &DataFrame,
        exceptions: Vec<Exception>,
    ) -> PolarsResult<PayrollInput> {
        Self::read(std::borrow::Cow::Owned(time_cards), users, exceptions)
    }

    fn read(
        time_cards: std::borrow::Cow<'_, DataFrame>,
        users: &DataFrame,
        exceptions: Vec<Exception>,
    ) -> PolarsResult<PayrollInput> {
        let mut builder = InputBuilder::new(users)?;
        builder.match_keys(&time_cards)?;
        builder.push_cow(time_cards)?;
        builder.finish(exceptions)
    }

    /// The time cards of `user`, sorted by `inDateTime`.
    pub fn cards_of(&self, user: UserId) -> &[TimeCard] {
        self.ranges
            .get(user.index())
            .map_or(&[], |r| &self.time_cards[r.clone()])
    }

    /// Every user id, in row order.
    pub fn user_ids(&self) -> impl Iterator<Item = UserId> + use<> {
        (0..self.users.len() as u32).map(UserId)
    }

    /// The user of `id`.
    pub fn user(&self, id: UserId) -> &User {
        &self.users[id.index()]
    }

    /// For each user (by [`UserId`]), whether their `field` had a value
    /// that could not be read.
    pub fn unreadable_users(&self, field: &str) -> Vec<bool> {
        let mut unreadable = vec![false; self.users.len()];
        for e in &self.exceptions {
            if let (Some(user), Some(f)) = (e.user, e.user_field)
                && f == field
            {
                unreadable[user.index()] = true;
            }
        }
        unreadable
    }
}

/// The values of a primitive column, nulls as `None`, whatever its chunking.
fn options<T: PolarsNumericType>(ca: &ChunkedArray<T>) -> Vec<Option<T::Native>> {
    values(ca).collect()
}

/// A column's text values; categoricals and other types are cast to text.
fn texts(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    let column = frame.column(name)?.cast(&DataType::String)?;
    Ok(column.str()?.iter().map(|v| v.map(str::to_owned)).collect())
}

/// A decimal column as mantissas at `scale`.
fn decimals(frame: &DataFrame, name: &str, scale: usize) -> PolarsResult<Vec<Option<i128>>> {
    let column = frame.column(name)?.cast(&DataType::Decimal(18, scale))?;
    Ok(options(column.decimal()?.physical()))
}

/// A primitive column's values in row order, whatever its chunking (no copy).
fn values<T: PolarsNumericType>(
    ca: &ChunkedArray<T>,
) -> impl Iterator<Item = Option<T::Native>> + '_ {
    ca.downcast_iter()
        .flat_map(|arr| arr.iter().map(|v| v.copied()))
}

/// A text or categorical column read as [`NameId`]s; empty text is absent.
/// A categorical's strings are interned once per category, not per row; a
/// text column's once per distinct view (a cell's 16 bytes: the text
/// itself when short, else where in its chunk's buffers it is), which is
/// once per name in a column read from a Parquet dictionary, whose equal
/// cells share their view.
enum NameSource {
    Text {
        texts: StringChunked,
        /// Each view's id, once seen, by its chunk's buffers (which
        /// `texts` keeps, so no other chunk has them) and the view.
        ids: PlHashMap<(usize, u128), Option<NameId>>,
    },
    Categories {
        codes: UInt32Chunked,
        column: Column,
        /// Each category's id, once seen.
        ids: Vec<Option<Option<NameId>>>,
    },
}

impl NameSource {
    fn new(frame: &DataFrame, name: &str) -> PolarsResult<Self> {
        let column = frame.column(name)?;
        if column.dtype().is_categorical() {
            let codes = column.to_physical_repr().cast(&DataType::UInt32)?;
            return Ok(NameSource::Categories {
                codes: codes.u32()?.clone(),
                column: column.clone(),
                ids: Vec::new(),
            });
        }
        Ok(NameSource::Text {
            texts: column.cast(&DataType::String)?.str()?.clone(),
            ids: PlHashMap::default(),
        })
    }

    /// The names of rows `start..start + wanted.len()` into `out`, interned
    /// for the rows `wanted` (the others are `None`).
    fn fill(
        &mut self,
        start: usize,
        wanted: &[bool],
        names: &mut Names,
        out: &mut Vec<Option<NameId>>,
    ) {
        let intern = |text: &str, names: &mut Names| (!text.is_empty()).then(|| names.intern(text));
        out.clear();
        match self {
            NameSource::Text { texts, ids } => {
                use polars_arrow::array::Array as _;
                let block = texts.slice(start as i64, wanted.len());
                let mut wanted = wanted.iter();
                let mut last: Option<((usize, u128), Option<NameId>)> = None;
                for array in block.downcast_iter() {
                    let buffers = array.data_buffers().as_ptr() as usize;
                    for (i, view) in array.views().iter().enumerate() {
                        let wanted = wanted.next().copied().unwrap_or(false);
                        if !wanted || !array.is_valid(i) {
                            out.push(None);
                            continue;
                        }
                        let key = (buffers, view.as_u128());
                        let id = match last {
                            Some((seen, id)) if seen == key => id,
                            _ => *ids
                                .entry(key)
                                .or_insert_with(|| intern(array.value(i), names)),
                        };
                        last = Some((key, id));
                        out.push(id);
                    }
                }
            }
            NameSource::Categories { codes, column, ids } => {
                let block = codes.slice(start as i64, wanted.len());
                for ((code, &wanted), row) in values(&block).zip(wanted).zip(start..) {
                    let Some(code) = code.filter(|_| wanted) else {
                        out.push(None);
                        continue;
                    };
                    let code = code as usize;
                    if ids.len() <= code {
                        ids.resize(code + 1, None);
                    }
                    out.push(*ids[code].get_or_insert_with(|| {
                        column
                            .get(row)
                            .ok()
                            .and_then(|v| v.get_str().and_then(|t| intern(t, names)))
                    }));
                }
            }
        }
    }
}

/// Rows read at a time: each column's values for a block are copied into
/// a small buffer (no per-cell dispatch), then the block's cards are built
/// from plain slices.
const BLOCK: usize = 8192;

/// The values of rows `start..start + len` of a primitive column into `out`.
fn fill<T: PolarsNumericType>(
    ca: &ChunkedArray<T>,
    start: usize,
    len: usize,
    out: &mut Vec<Option<T::Native>>,
) {
    out.clear();
    out.extend(values(&ca.slice(start as i64, len)));
}

/// The values of rows `start..start + len` of a boolean column into `out`.
fn fill_bool(ca: &BooleanChunked, start: usize, len: usize, out: &mut Vec<Option<bool>>) {
    out.clear();
    out.extend(ca.slice(start as i64, len).iter());
}

fn read_users(users: &DataFrame) -> PolarsResult<Vec<User>> {
    use rayon::prelude::*;
    let scale = crate::schema::PAY_RATE_SCALE;
    // The text columns are independent: read at the same time.
    let columns = [
        col::USER_NAME,
        col::USER_FULL_NAME,
        col::EMPLOYEE_NUMBER,
        col::DEPARTMENT_NAME,
        col::ROLE,
        col::RATE_TYPE,
        col::TIME_ZONE,
        col::OVERTIME_RULE,
    ]
    .par_iter()
    .map(|name| texts(users, name))
    .collect::<PolarsResult<Vec<_>>>()?;
    let [
        mut user_name,
        mut full_name,
        mut number,
        mut department,
        mut role,
        mut rate_type,
        mut time_zone,
        mut rule,
    ] = <[Vec<Option<String>>; 8]>::try_from(columns)
        .map_err(|_| polars_err!(ComputeError: "eight text columns were read"))?
        .map(Vec::into_iter);
    let mut rate = decimals(users, col::PAY_RATE, scale as usize)?.into_iter();
    let hired = users.column(col::HIRED_DATE)?.cast(&DataType::Date)?;
    let mut hired = options(hired.date()?.physical()).into_iter();
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch exists");
    let mut next = || -> Option<User> {
        Some(User {
            user_name: user_name.next()?,
            full_name: full_name.next()?,
            employee_number: number.next()?,
            department: department.next()?,
            role: role.next()?,
            rate_type: rate_type.next()?,
            time_zone: time_zone.next()?,
            overtime_rule: rule.next()?,
            pay_rate: rate
                .next()?
                .map(|m| Decimal::from_i128_with_scale(m, scale)),
            hired: hired
                .next()?
                .and_then(|d| epoch.checked_add_signed(chrono::Duration::days(i64::from(d)))),
            first_name: None,
            last_name: None,
        })
    };
    // Sized once: collecting from `from_fn` would grow it by doubling.
    let mut read = Vec::with_capacity(users.height());
    read.extend(std::iter::from_fn(&mut next));
    Ok(read)
}

/// Builds a [`PayrollInput`] from time cards given a batch of rows at a
/// time, so that a file far larger than memory's comfort is never whole in
/// memory. Two passes over the same batches, in the same order:
///
/// 1. [`match_keys`](Self::match_keys): the user-key columns alone
///    (`userName`, `employeeNumber`, `userFullName`); each row is matched
///    to its user, so each user's count of cards is known;
/// 2. [`push`](Self::push): every column; each matched row becomes a typed
///    card placed straight into its user's run (a counting sort: the cards
///    are never in another order, nor copied), each unmatched one an
///    `unknown_user` exception.
///
/// [`finish`](Self::finish) then sorts each user's cards by (`inDateTime`,
/// row).
///
/// ```
/// # use payrun_ingest::{RecordType, decode_records, input::InputBuilder};
/// let users = decode_records(br#"[{"userName":"ann"}]"#, RecordType::User)?.frame;
/// let page = |json: &[u8]| decode_records(json, RecordType::TimeCard).map(|p| p.frame);
/// let batches = [
///     page(br#"[{"userName":"ann","entryType":1,"inDateTime":"2024-01-03 00:00:00","hours":"8"}]"#)?,
///     page(br#"[{"userName":"ann","entryType":1,"inDateTime":"2024-01-02 00:00:00","hours":"4"}]"#)?,
/// ];
/// let mut builder = InputBuilder::new(&users)?;
/// for batch in &batches {
///     builder.match_keys(batch)?;
/// }
/// for batch in &batches {
///     builder.push(batch)?;
/// }
/// let input = builder.finish(Vec::new())?;
/// let cards = input.cards_of(input.user_ids().next().unwrap());
/// // Sorted by time; each card keeps its row in the whole input.
/// assert_eq!(cards.iter().map(|c| c.row).collect::<Vec<_>>(), [1, 0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct InputBuilder {
    user_index: UserIndex,
    users: Vec<User>,
    names: Names,
    /// Each row's user (pass 1).
    matched: Vec<Option<UserId>>,
    /// The rows no user matched, and why (pass 1), in row order.
    unmatched: Vec<(usize, String)>,
    /// Cards of known users, placed by user (pass 2; allocated by its
    /// first batch).
    cards: Vec<TimeCard>,
    /// Each user's run of `cards`.
    ranges: Vec<Range<usize>>,
    /// Each user's next free slot in `cards`.
    next: Vec<usize>,
    /// Each batch's first row and its detail columns (see [`Details`]).
    details: Vec<(usize, DataFrame)>,
    /// Or, for cards typed elsewhere ([`push_typed`](Self::push_typed)),
    /// each row's digest of its detail fields ([`detail_digests`]).
    digests: Vec<u64>,
    /// `unknown_user` exceptions, in row order (pass 2).
    unknown: Vec<Exception>,
    /// Rows pushed (pass 2).
    rows: usize,
    /// Which users have a first or last name from a card (allocated by the
    /// first batch that has the columns), and how many.
    has_given_names: Vec<bool>,
    named: usize,
}

impl InputBuilder {
    /// A builder for time cards of `users` (a typed users frame).
    pub fn new(users: &DataFrame) -> PolarsResult<InputBuilder> {
        let clock = std::time::Instant::now();
        let (user_index, users) = rayon::join(|| UserIndex::build(users), || read_users(users));
        let (user_index, users) = (user_index?, users?);
        tracing::debug!(elapsed = ?clock.elapsed(), rss_mib = crate::resident_bytes() >> 20, "users read and indexed");
        Ok(InputBuilder {
            user_index,
            users,
            names: Names::default(),
            matched: Vec::new(),
            unmatched: Vec::new(),
            cards: Vec::new(),
            ranges: Vec::new(),
            next: Vec::new(),
            details: Vec::new(),
            digests: Vec::new(),
            unknown: Vec::new(),
            rows: 0,
            has_given_names: Vec::new(),
            named: 0,
        })
    }

    /// Time card records matched so far (pass 1), to a user or not.
    pub fn rows(&self) -> usize {
        self.matched.len()
    }

    /// Pass 1: matches the next rows of the time card frame to their users.
    /// `batch` needs only the user-key columns (text).
    pub fn match_keys(&mut self, batch: &DataFrame) -> PolarsResult<()> {
        if !self.cards.is_empty() || self.rows > 0 {
            polars_bail!(InvalidOperation: "time card keys matched after cards were pushed");
        }
        let first = self.matched.len();
        let (users, unmatched) = match_keys(batch, &self.user_index)?;
        self.matched.extend(users);
        self.unmatched
            .extend(unmatched.into_iter().map(|(row, why)| (first + row, why)));
        Ok(())
    }

    /// Pass 1 for a batch of `userName`s alone: `true` when each row's
    /// `userName` is exactly one user's, whose users are then kept as
    /// [`match_keys`](Self::match_keys) keeps them; `false`, keeping
    /// nothing, when some row needs the other key columns: the batch is
    /// then matched with all three by `match_keys`.
    pub fn match_user_names(&mut self, batch: &DataFrame) -> PolarsResult<bool> {
        if !self.cards.is_empty() || self.rows > 0 {
            polars_bail!(InvalidOperation: "time card keys matched after cards were pushed");
        }
        match match_user_names(batch, &self.user_index)? {
            Some(users) => {
                self.matched.extend(users);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Pass 1 done elsewhere: the next rows' users, as
    /// [`match_keys`](Self::match_keys) would find them (a part of a
    /// larger input, whose cards were matched against every user: see
    /// [`crate::parts`]). None of them is unmatched.
    pub fn assign(&mut self, users: Vec<Option<UserId>>) -> PolarsResult<()> {
        if !self.cards.is_empty() || self.rows > 0 {
            polars_bail!(InvalidOperation: "time card users assigned after cards were pushed");
        }
        if let Some(bad) = users
            .iter()
            .flatten()
            .find(|u| u.index() >= self.users.len())
        {
            polars_bail!(OutOfBounds: "time card user {} of {} users", bad.index(), self.users.len());
        }
        self.matched.extend(users);
        Ok(())
    }

    /// `unknown_user` exceptions made elsewhere (see
    /// [`assign`](Self::assign)), after those of unmatched rows.
    pub fn add_unknown(&mut self, exceptions: Vec<Exception>) {
        self.unknown.extend(exceptions);
    }

    /// Whether pass 1 matched no user to some of `rows` (whose
    /// `unknown_user` exceptions [`push`](Self::push) makes from the
    /// batch's user-key columns).
    pub fn has_unmatched(&self, rows: Range<usize>) -> bool {
        !self.unmatched_in(rows).is_empty()
    }

    /// The rows of `rows` pass 1 matched no user to, and why.
    fn unmatched_in(&self, rows: Range<usize>) -> &[(usize, String)] {
        let first = self.unmatched.partition_point(|(row, _)| *row < rows.start);
        let end = self.unmatched.partition_point(|(row, _)| *row < rows.end);
        &self.unmatched[first..end]
    }

    /// Pass 2: adds the next rows of the time card frame (typed, as
    /// [`conform`](crate::conform) gives them), whose keys pass 1 matched.
    /// The user-key columns are needed only in a batch with rows no user
    /// matched ([`has_unmatched`](Self::has_unmatched)), to name them.
    pub fn push(&mut self, batch: &DataFrame) -> PolarsResult<()> {
        self.push_cow(std::borrow::Cow::Borrowed(batch))
    }

    /// [`push`](Self::push), taking the batch: its user-key columns are let
    /// go once its `unknown_user` exceptions are made, before the typed
    /// cards are built.
    pub fn push_owned(&mut self, batch: DataFrame) -> PolarsResult<()> {
        self.push_cow(std::borrow::Cow::Owned(batch))
    }

    /// Each user's `firstName` and `lastName`, from the first of their cards
    /// (rows from `first` on) that has either, while some user lacks them.
    fn take_given_names(&mut self, batch: &DataFrame, first: usize) -> PolarsResult<()> {
        if self.named == self.users.len() {
            return Ok(());
        }
        let Some(given) = GivenNames::of(batch)? else {
            return Ok(());
        };
        for i in 0..batch.height() {
            let Some(Some(user)) = self.matched.get(first + i).copied() else {
                continue;
            };
            if self.is_named(user) {
                continue;
            }
            let (first_name, last_name) = given.at(i);
            if first_name.is_none() && last_name.is_none() {
                continue;
            }
            self.give_names(user, first_name, last_name);
            if self.named == self.users.len() {
                break;
            }
        }
        Ok(())
    }

    /// Whether `user` has a first or last name from a card already.
    fn is_named(&self, user: UserId) -> bool {
        self.has_given_names
            .get(user.index())
            .copied()
            .unwrap_or(false)
    }

    /// Gives `user` the first and last name of their first card that has
    /// either, unless they have them already (names found elsewhere in
    /// row order: see [`crate::parts`]). An unknown user is ignored.
    pub(crate) fn give_names(
        &mut self,
        user: UserId,
        first_name: Option<String>,
        last_name: Option<String>,
    ) {
        if user.index() >= self.users.len() || self.is_named(user) {
            return;
        }
        if self.has_given_names.is_empty() {
            self.has_given_names = vec![false; self.users.len()];
        }
        let u = &mut self.users[user.index()];
        (u.first_name, u.last_name) = (first_name, last_name);
        self.has_given_names[user.index()] = true;
        self.named += 1;
    }

    /// Pass 2 for cards typed elsewhere (see [`crate::parts`]): the next
    /// rows' cards, in row order, each as [`push`](Self::push) would have
    /// built it from a frame whose names were interned in the table
    /// [`use_names`](Self::use_names) gives, with the digest of its detail
    /// fields ([`detail_digests`]). A builder takes its cards either way,
    /// never both.
    pub(crate) fn push_typed(&mut self, cards: &[TimeCard], digests: &[u64]) -> PolarsResult<()> {
        if !self.details.is_empty() || cards.len() != digests.len() {
            polars_bail!(InvalidOperation: "typed time cards pushed to a builder of frames, or without their digests");
        }
        if self.rows == 0 && !cards.is_empty() {
            self.place();
        }
        for card in cards {
            let row = self.rows;
            if card.row as usize != row
                || self.matched.get(row).copied().flatten() != Some(card.user)
            {
                polars_bail!(InvalidOperation: "typed time card of row {} is not the next row ({row}) of its user", card.row);
            }
            let slot = &mut self.next[card.user.index()];
            self.cards[*slot] = *card;
            *slot += 1;
            self.rows += 1;
        }
        self.digests.extend_from_slice(digests);
        Ok(())
    }

    /// The name table of the cards [`push_typed`](Self::push_typed) gives
    /// (in place of the builder's own, which only frames fill).
    pub(crate) fn use_names(&mut self, names: Names) -> PolarsResult<()> {
        if !self.details.is_empty() {
            polars_bail!(InvalidOperation: "a name table given to a builder of frames");
        }
        self.names = names;
        Ok(())
    }

    fn push_cow(&mut self, mut batch: std::borrow::Cow<'_, DataFrame>) -> PolarsResult<()> {
        if !self.digests.is_empty() {
            polars_bail!(InvalidOperation: "a frame pushed to a builder of typed time cards");
        }
        let first = self.rows;
        let rows = first..first + batch.height();
        if rows.end > self.matched.len() {
            polars_bail!(InvalidOperation: "time card rows {}..{} pushed, but only {} rows were matched", rows.start, rows.end, self.matched.len());
        }
        if first == 0 {
            self.place();
        }
        self.take_given_names(&batch, first)?;
        let unknown = self.unmatched_in(rows.clone()).iter();
        let unknown: Vec<Exception> = unknown
            .map(|(row, why)| unknown_user(&batch, row - first, why))
            .collect();
        self.unknown.extend(unknown);
        if let std::borrow::Cow::Owned(frame) = &mut batch {
            for key in col::USER_KEYS {
                // The cards' users are known; the keys are not read again.
                let _ = frame.drop_in_place(key);
            }
        }
        let details: Vec<&str> = DETAIL_TEXTS
            .iter()
            .chain(&DETAIL_TIMES)
            .copied()
            .filter(|name| batch.column(name).is_ok())
            .collect();
        self.details.push((first, batch.select(details)?));
        let (next, cards) = (&mut self.next, &mut self.cards);
        let users = &self.matched[rows.clone()];
        // Each card straight into its user's next slot.
        typed_cards(&batch, users, first, &mut self.names, |_, card| {
            let slot = &mut next[card.user.index()];
            cards[*slot] = card;
            *slot += 1;
        })?;
        self.rows = rows.end;
        Ok(())
    }

    /// Counts each user's cards and makes room for them all.
    fn place(&mut self) {
        let mut ranges = vec![0..0; self.users.len()];
        for user in self.matched.iter().flatten() {
            ranges[user.index()].end += 1;
        }
        let mut start = 0;
        for range in &mut ranges {
            let len = range.end;
            *range = start..start + len;
            start += len;
        }
        self.next = ranges.iter().map(|r| r.start).collect();
        self.ranges = ranges;
        // Filled on every core: at millions of cards this is a gigabyte of
        // fresh memory, whose page faults would hold one core while the
        // other waits for its first batch.
        use rayon::prelude::*;
        let mut cards = Vec::with_capacity(start);
        cards.par_extend(rayon::iter::repeat_n(TimeCard::default(), start));
        self.cards = cards;
    }

    /// The input: cards sorted by (user, `inDateTime`, row), each user's a
    /// slice; `exceptions` (those found decoding the frames) tied to their
    /// user when their `userName` names exactly one, then every
    /// `unknown_user` exception. An error when pass 2 has not pushed every
    /// row pass 1 matched.
    pub fn finish(mut self, exceptions: Vec<Exception>) -> PolarsResult<PayrollInput> {
        if self.rows == 0 {
            self.place();
        }
        if self.rows != self.matched.len() {
            polars_bail!(InvalidOperation: "{} time card rows were matched but {} pushed", self.matched.len(), self.rows);
        }
        let clock = std::time::Instant::now();
        let InputBuilder {
            user_index,
            users,
            names,
            mut cards,
            ranges,
            details,
            digests,
            unknown,
            rows,
            ..
        } = self;
        let mut all: Vec<InputException> = exceptions
            .into_iter()
            .map(|exception| InputException {
                user: exception
                    .user_name
                    .as_deref()
                    .and_then(|n| user_index.by_user_name(n)),
                user_field: user_field_of(&exception),
                exception,
            })
            .collect();
        all.extend(unknown.into_iter().map(|exception| InputException {
            user: None,
            user_field: None,
            exception,
        }));
        let details = Details {
            parts: &details,
            digests: &digests,
        };
        {
            use rayon::prelude::*;
            // Cards were placed in row order, so a stable sort by time
            // keeps ties in row order.
            cards
                .par_chunk_by_mut(|a, b| a.user == b.user)
                .for_each(|cards| {
                    cards.sort_by_key(TimeCard::in_ms);
                    details.classify(cards);
                });
        }
        tracing::debug!(elapsed = ?clock.elapsed(), "time cards sorted");
        Ok(PayrollInput {
            as_of: Utc::now(),
            records_read: rows,
            users,
            time_cards: cards,
            ranges,
            names,
            exceptions: all,
        })
    }
}

/// Builds the cards of known users among `frame`'s rows (`users`, each
/// row's user, or none), row `i` of the frame being row `first_row + i` of
/// the input, and gives each to `put` with its row's index in the frame, in
/// row order. Names are interned in `names`.
///
/// Long because a batch's columns become typed cards in one pass over
/// plain column buffers.
pub(crate) fn typed_cards(
    frame: &DataFrame,
    users: &[Option<UserId>],
    first_row: usize,
    names: &mut Names,
    mut put: impl FnMut(usize, TimeCard),
) -> PolarsResult<()> {
    let datetime = |name: &str| -> PolarsResult<Int64Chunked> {
        let column = frame
            .column(name)?
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?;
        Ok(column.datetime()?.physical().clone())
    };
    let small_int = |name: &str| -> PolarsResult<Int32Chunked> {
        Ok(frame.column(name)?.cast(&DataType::Int32)?.i32()?.clone())
    };
    let (ins, outs) = (datetime(col::IN_DATE_TIME)?, datetime(col::OUT_DATE_TIME)?);
    let entry_types = small_int(col::ENTRY_TYPE)?;
    let amount_flags = small_int(col::ADJUST_HOURS_AMOUNT)?;
    let hours = frame
        .column(col::HOURS)?
        .cast(&DataType::Decimal(18, HOURS_SCALE as usize))?;
    let hours = hours.decimal()?.physical().clone();
    // Approvals are optional columns: files from elsewhere may lack them.
    let by_employee = match frame.column(col::APPROVED_BY_EMPLOYEE) {
        Ok(c) => c.cast(&DataType::Boolean)?.bool()?.clone(),
        Err(_) => BooleanChunked::full_null("".into(), frame.height()),
    };
    let by_manager = match frame.column(col::APPROVED_MANAGER_FULL_NAME) {
        Ok(c) => c
            .cast(&DataType::String)?
            .str()?
            .iter()
            .map(|name| Some(name.is_some_and(|n| !n.trim().is_empty())))
            .collect(),
        Err(_) => BooleanChunked::full("".into(), false, frame.height()),
    };
    let mut text_columns = [col::JOB_NAME, col::SHIFT_NAME, col::ADJUST_TYPE_NAME]
        .map(|name| NameSource::new(frame, name))
        .into_iter()
        .collect::<PolarsResult<Vec<_>>>()?;
    let (mut b_in, mut b_out) = Default::default();
    let (mut b_entry, mut b_amount, mut b_hours) = Default::default();
    let (mut b_by_employee, mut b_by_manager) = Default::default();
    let mut b_names: [Vec<Option<NameId>>; 3] = Default::default();
    let mut wanted: Vec<bool> = Vec::with_capacity(BLOCK);
    for first in (0..users.len()).step_by(BLOCK) {
        let block_users = &users[first..(first + BLOCK).min(users.len())];
        let len = block_users.len();
        wanted.clear();
        wanted.extend(block_users.iter().map(Option::is_some));
        fill(&ins, first, len, &mut b_in);
        fill(&outs, first, len, &mut b_out);
        fill(&entry_types, first, len, &mut b_entry);
        fill(&amount_flags, first, len, &mut b_amount);
        fill(&hours, first, len, &mut b_hours);
        fill_bool(&by_employee, first, len, &mut b_by_employee);
        fill_bool(&by_manager, first, len, &mut b_by_manager);
        for (source, out) in text_columns.iter_mut().zip(&mut b_names) {
            source.fill(first, &wanted, names, out);
        }
        let [jobs, shifts, adjust_types] = &b_names;
        // Only matched rows become cards, each given to `put` at once.
        for (i, user) in block_users.iter().enumerate() {
            let Some(user) = user else { continue };
            let numbers = CardNumbers {
                in_ms: b_in[i],
                out_ms: b_out[i],
                // Decimal(18, 6) always fits; a wider value is not what ingest produces.
                hours_micro: b_hours[i].and_then(|m: i128| i64::try_from(m).ok()),
                entry_type: b_entry[i],
                adjust_hours_amount: b_amount[i],
            };
            let card = TimeCard {
                job: jobs[i],
                shift: shifts[i],
                adjust_type: adjust_types[i],
                approved_by_employee: b_by_employee[i],
                approved_by_manager: b_by_manager[i].unwrap_or(false),
                ..TimeCard::new(*user, (first_row + first + i) as u32, numbers)
            };
            put(first + i, card);
        }
    }
    Ok(())
}

/// The columns that only tell records apart, read for the rare cards that
/// agree on everything else (see [`TimeCard::details`]).
struct Details<'a> {
    /// Each batch's first row and its detail columns, in row order.
    parts: &'a [(usize, DataFrame)],
    /// Or each row's digest of them, for cards typed elsewhere.
    digests: &'a [u64],
}

/// `ptoName`, `employeeNote`, `managerComment`: empty text is absent.
const DETAIL_TEXTS: [&str; 3] = [col::PTO_NAME, col::EMPLOYEE_NOTE, col::MANAGER_COMMENT];
/// `createdDateTime`, `updateDateTime`.
const DETAIL_TIMES: [&str; 2] = [col::CREATED_DATE_TIME, col::UPDATE_DATE_TIME];

impl Details<'_> {
    /// Sets `details` on one user's cards (sorted by `inDateTime`): a card
    /// equal in every other field to an earlier card at the same instant
    /// takes the class of the first such card whose details it shares, or
    /// else its own place in the group.
    fn classify(&self, cards: &mut [TimeCard]) {
        let mut start = 0;
        while start < cards.len() {
            let in_ms = cards[start].in_ms();
            let end = start
                + cards[start..]
                    .iter()
                    .take_while(|c| c.in_ms() == in_ms)
                    .count();
            for k in start + 1..end {
                let twin = (start..k).find(|&m| {
                    let undetailed = |c: &TimeCard| TimeCard { details: 0, ..*c };
                    undetailed(&cards[m]).same_record(&undetailed(&cards[k]))
                        && self.same(cards[m].row, cards[k].row)
                });
                cards[k].details = match twin {
                    Some(m) => cards[m].details,
                    None => (k - start) as u32,
                };
            }
            start = end;
        }
    }

    /// Whether rows `a` and `b` agree on every detail column (a column the
    /// frame lacks agrees).
    fn same(&self, a: u32, b: u32) -> bool {
        if !self.digests.is_empty() {
            let digest = |row: u32| self.digests.get(row as usize);
            return digest(a) == digest(b);
        }
        let part = |row: u32| {
            let row = row as usize;
            let i = self.parts.partition_point(|(first, _)| *first <= row);
            let (first, frame) = &self.parts[i.checked_sub(1)?];
            Some((frame, row - first))
        };
        let at = |name: &str, row: u32| {
            let (frame, row) = part(row)?;
            frame.column(name).ok()?.get(row).ok()
        };
        let text = |name: &str, row: u32| {
            at(name, row).and_then(|v| v.get_str().filter(|t| !t.is_empty()).map(str::to_owned))
        };
        let time = |name: &str, row: u32| {
            // One value cast as the whole column was when cards were built.
            let (frame, row) = part(row)?;
            let value = frame.column(name).ok()?.slice(row as i64, 1);
            let value = value
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                .ok()?;
            value.get(0).ok()?.extract::<i64>()
        };
        DETAIL_TEXTS
            .iter()
            .all(|name| text(name, a) == text(name, b))
            && DETAIL_TIMES
                .iter()
                .all(|name| time(name, a) == time(name, b))
    }
}

/// A batch's `firstName` and `lastName` columns (as text), when it has either.
pub(crate) struct GivenNames {
    firsts: Option<StringChunked>,
    lasts: Option<StringChunked>,
}

impl GivenNames {
    /// The columns of `batch`, or `None` when it has neither.
    pub(crate) fn of(batch: &DataFrame) -> PolarsResult<Option<GivenNames>> {
        let text = |name: &str| -> PolarsResult<Option<StringChunked>> {
            match batch.column(name) {
                Ok(c) => Ok(Some(c.cast(&DataType::String)?.str()?.clone())),
                Err(_) => Ok(None),
            }
        };
        let (firsts, lasts) = (text(col::FIRST_NAME)?, text(col::LAST_NAME)?);
        Ok((firsts.is_some() || lasts.is_some()).then_some(GivenNames { firsts, lasts }))
    }

    /// Row `i`'s first and last name, trimmed; blank is absent.
    pub(crate) fn at(&self, i: usize) -> (Option<String>, Option<String>) {
        let given = |c: &Option<StringChunked>| {
            c.as_ref()
                .and_then(|c| c.get(i))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        (given(&self.firsts), given(&self.lasts))
    }
}

/// Each row's digest of its detail fields (`ptoName`, `employeeNote`,
/// `managerComment`, `createdDateTime`, `updateDateTime`; see
/// [`TimeCard::details`]), for cards typed in one place and classified in
/// another ([`crate::parts`]): 64 bits of XXH3 with `seed` over each field
/// as [`Details::same`] compares it (empty text as absent, times as
/// wall-clock milliseconds, a column the frame lacks as absent). Two rows
/// whose fields are equal have the same digest. Two whose fields differ
/// share one with a chance of 2^-64, and `seed` is drawn per reading
/// ([`digest_seed`]), so no text can be chosen to make them collide; the
/// digests are only compared between two cards of one user at one instant
/// equal in every other field, which are rare, and would then be taken
/// for one record told twice (a `duplicate_record` exception).
pub(crate) fn detail_digests(frame: &DataFrame, seed: u64) -> PolarsResult<Vec<u64>> {
    let height = frame.height();
    let texts = DETAIL_TEXTS
        .iter()
        .map(|name| match frame.column(name) {
            Ok(c) => Ok(Some(
                c.cast(&DataType::String)?.str()?.rechunk().into_owned(),
            )),
            Err(_) => Ok(None),
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    let times = DETAIL_TIMES
        .iter()
        .map(|name| match frame.column(name) {
            Ok(c) => {
                let c = c.cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?;
                Ok(Some(c.datetime()?.physical().rechunk().into_owned()))
            }
            Err(_) => Ok(None),
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    let text_arrays: Vec<_> = texts
        .iter()
        .map(|c| c.as_ref().map(|c| c.downcast_as_array()))
        .collect();
    let time_arrays: Vec<_> = times
        .iter()
        .map(|c| c.as_ref().map(|c| c.downcast_as_array()))
        .collect();
    let mut digests = Vec::with_capacity(height);
    let mut bytes: Vec<u8> = Vec::with_capacity(256);
    for i in 0..height {
        bytes.clear();
        for array in &text_arrays {
            match array.and_then(|a| a.get(i)).filter(|t| !t.is_empty()) {
                Some(text) => {
                    bytes.push(1);
                    bytes.extend_from_slice(&(text.len() as u64).to_le_bytes());
                    bytes.extend_from_slice(text.as_bytes());
                }
                None => bytes.push(0),
            }
        }
        for array in &time_arrays {
            match array.and_then(|a| a.get(i)) {
                Some(ms) => {
                    bytes.push(1);
                    bytes.extend_from_slice(&ms.to_le_bytes());
                }
                None => bytes.push(0),
            }
        }
        digests.push(xxhash_rust::xxh3::xxh3_64_with_seed(&bytes, seed));
    }
    Ok(digests)
}

/// A seed for [`detail_digests`], drawn at random.
pub(crate) fn digest_seed() -> u64 {
    use std::hash::BuildHasher as _;
    std::collections::hash_map::RandomState::new().hash_one(0x7061_7972_756e_u64)
}

/// The most bytes [`CardCoder::encode`] writes for a card.
pub(crate) const MOST_CARD_BYTES: usize = 1 + 5 + 4 * 10 + 10 + 3 * 5 + 8;

/// Time cards of one part written one after another, compactly, and read
/// back in the same order by the same process (see [`crate::parts`]): a
/// byte of flags (which numbers are present, the approvals), the user, the
/// numbers present (`inDateTime` after the previous card's, `outDateTime`
/// after `inDateTime`), the three names (0 for none), each a LEB128
/// varint (signed ones zigzagged), then the details' digest (8 bytes). A
/// card's row is its place in the part, so it is not written: about 25
/// bytes a card rather than 64.
#[derive(Debug, Default)]
pub(crate) struct CardCoder {
    last_in: i64,
    next_row: u32,
}

impl CardCoder {
    /// Appends `card` (the part's next row) and `digest` to `out`.
    pub(crate) fn encode(&mut self, card: &TimeCard, digest: u64, out: &mut Vec<u8>) {
        let employee = match card.approved_by_employee {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        };
        out.push(card.present | employee << 5 | u8::from(card.approved_by_manager) << 7);
        put_varint(out, u64::from(card.user.0));
        if card.has(Present::IN) {
            put_signed(out, card.in_ms.wrapping_sub(self.last_in));
            self.last_in = card.in_ms;
        }
        if card.has(Present::OUT) {
            put_signed(out, card.out_ms.wrapping_sub(card.in_ms));
        }
        if card.has(Present::HOURS) {
            put_signed(out, card.hours_micro);
        }
        if card.has(Present::ENTRY_TYPE) {
            put_signed(out, i64::from(card.entry_type));
        }
        if card.has(Present::ADJUST_HOURS_AMOUNT) {
            put_signed(out, i64::from(card.adjust_hours_amount));
        }
        for name in [card.job, card.shift, card.adjust_type] {
            put_varint(out, u64::from(name.map_or(0, |id| id.0.get())));
        }
        out.extend_from_slice(&digest.to_le_bytes());
        self.next_row = self.next_row.wrapping_add(1);
    }

    /// The card at the start of `bytes`, its digest and its length, or
    /// `None` for bytes [`encode`](Self::encode) did not write (given at
    /// least [`MOST_CARD_BYTES`], or what is left of what it wrote).
    pub(crate) fn decode(&mut self, bytes: &[u8]) -> Option<(TimeCard, u64, usize)> {
        let mut at = 0;
        let flags = *bytes.first()?;
        at += 1;
        let present = flags & 0b1_1111;
        let approved_by_employee = match flags >> 5 & 0b11 {
            0 => None,
            1 => Some(false),
            2 => Some(true),
            _ => return None,
        };
        let user = u32::try_from(get_varint(bytes, &mut at)?).ok()?;
        let mut card = TimeCard {
            user: UserId(user),
            row: self.next_row,
            present,
            approved_by_employee,
            approved_by_manager: flags >> 7 == 1,
            ..TimeCard::default()
        };
        if card.has(Present::IN) {
            card.in_ms = self.last_in.wrapping_add(get_signed(bytes, &mut at)?);
            self.last_in = card.in_ms;
        }
        if card.has(Present::OUT) {
            card.out_ms = card.in_ms.wrapping_add(get_signed(bytes, &mut at)?);
        }
        if card.has(Present::HOURS) {
            card.hours_micro = get_signed(bytes, &mut at)?;
        }
        if card.has(Present::ENTRY_TYPE) {
            card.entry_type = i32::try_from(get_signed(bytes, &mut at)?).ok()?;
        }
        if card.has(Present::ADJUST_HOURS_AMOUNT) {
            card.adjust_hours_amount = i32::try_from(get_signed(bytes, &mut at)?).ok()?;
        }
        let mut name = || -> Option<Option<NameId>> {
            let id = u32::try_from(get_varint(bytes, &mut at)?).ok()?;
            Some(NonZeroU32::new(id).map(NameId))
        };
        (card.job, card.shift, card.adjust_type) = (name()?, name()?, name()?);
        let digest = u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?);
        self.next_row = self.next_row.wrapping_add(1);
        Some((card, digest, at + 8))
    }
}

/// Appends `value` as a LEB128 varint.
fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends `value` zigzagged, as a varint.
fn put_signed(out: &mut Vec<u8>, value: i64) {
    put_varint(out, ((value << 1) ^ (value >> 63)) as u64);
}

/// The varint at `at` in `bytes`, `at` moved past it.
fn get_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f).checked_shl(shift)?;
        if byte < 0x80 {
            return Some(value);
        }
    }
    None
}

/// The zigzagged varint at `at` in `bytes`.
fn get_signed(bytes: &[u8], at: &mut usize) -> Option<i64> {
    let value = get_varint(bytes, at)?;
    Some((value >> 1) as i64 ^ -((value & 1) as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode_records;
    use crate::schema::RecordType;

    /// Text names read by view are the names read one by one: over chunks
    /// whose buffers hold different long names at the same places (equal
    /// views in different chunks), short names, nulls, empty text, rows
    /// not wanted, and blocks that start inside a chunk.
    #[test]
    fn names_read_by_view_are_the_texts() {
        let chunk = |names: &[Option<&str>]| -> StringChunked { names.iter().copied().collect() };
        let long = ["a long job name, number 1", "a long job name, number 2"];
        let mut texts = chunk(&[Some(long[0]), Some("cook"), None, Some(long[0]), Some("")]);
        texts
            .append(&chunk(&[
                Some(long[1]),
                Some("cook"),
                Some(long[1]),
                Some(""),
                None,
            ]))
            .unwrap();
        assert_eq!(texts.chunks().len(), 2);
        let frame = DataFrame::new(
            10,
            vec![texts.clone().with_name("jobName".into()).into_column()],
        )
        .unwrap();
        let wanted = [true, true, true, true, true, true, false, true, true, true];
        let mut names = Names::default();
        let mut source = NameSource::new(&frame, "jobName").unwrap();
        assert!(matches!(source, NameSource::Text { .. }));
        let (mut got, mut out) = (Vec::new(), Vec::new());
        for (start, len) in [(0, 3), (3, 4), (7, 3)] {
            source.fill(start, &wanted[start..start + len], &mut names, &mut out);
            got.extend(out.iter().map(|id| id.map(|id| names.get(id).to_owned())));
        }
        let want: Vec<Option<String>> = texts
            .iter()
            .zip(wanted)
            .map(|(t, w)| t.filter(|t| w && !t.is_empty()).map(str::to_owned))
            .collect();
        assert_eq!(got, want);
        assert_eq!(got[5].as_deref(), Some(long[1]));
    }

    /// A card gives back each number it was made with, present or absent
    /// (zero and negative values included), in 64 bytes; an absent number
    /// is not a zero, and cards equal but for their row are the same record.
    /// Cards written by a part's coder read back field for field, in
    /// order, each its row in the part; bytes it did not write are refused.
    #[test]
    fn spilled_cards_read_back_as_written() {
        let numbers = [
            CardNumbers::default(),
            CardNumbers {
                in_ms: Some(1_715_500_800_000),
                out_ms: Some(1_715_529_600_000),
                hours_micro: Some(8_000_000),
                entry_type: Some(0),
                adjust_hours_amount: None,
            },
            CardNumbers {
                in_ms: Some(-86_400_000),
                out_ms: Some(i64::MAX),
                hours_micro: Some(i64::MIN),
                entry_type: Some(i32::MIN),
                adjust_hours_amount: Some(i32::MAX),
            },
            CardNumbers {
                in_ms: None,
                out_ms: Some(5),
                ..CardNumbers::default()
            },
            CardNumbers {
                in_ms: Some(1_715_400_000_000),
                ..CardNumbers::default()
            },
        ];
        let mut names = Names::default();
        let job = names.intern("Dock");
        let cards: Vec<TimeCard> = numbers
            .iter()
            .enumerate()
            .map(|(i, &n)| TimeCard {
                job: (i % 2 == 1).then_some(job),
                adjust_type: (i == 2).then(|| names.intern("Bonus")),
                approved_by_employee: [None, Some(false), Some(true)][i % 3],
                approved_by_manager: i % 2 == 0,
                ..TimeCard::new(UserId([0, 7, u32::MAX, 300, 1 << 20][i]), i as u32, n)
            })
            .collect();
        let (mut writer, mut bytes) = (CardCoder::default(), Vec::new());
        for (i, card) in cards.iter().enumerate() {
            writer.encode(card, u64::MAX - i as u64, &mut bytes);
        }
        assert!(bytes.len() < cards.len() * 40, "{} bytes", bytes.len());
        let (mut reader, mut at) = (CardCoder::default(), 0);
        for (i, card) in cards.iter().enumerate() {
            let (read, digest, len) = reader.decode(&bytes[at..]).unwrap();
            assert_eq!((read, digest), (*card, u64::MAX - i as u64));
            at += len;
        }
        assert_eq!(at, bytes.len());
        // Cut short, or a byte of flags no card has.
        let mut reader = CardCoder::default();
        assert!(reader.decode(&bytes[..bytes.len().min(10)]).is_none());
        assert!(CardCoder::default().decode(&[0b0110_0000, 1]).is_none());
        assert!(CardCoder::default().decode(&[]).is_none());
    }

    #[test]
    fn a_card_keeps_each_number_and_its_absence() {
        assert_eq!(std::mem::size_of::<TimeCard>(), 64);
        assert_eq!(std::mem::size_of::<Option<NameId>>(), 4);
        let values = [
            None,
            Some(0),
            Some(-1),
            Some(1_715_000_000_000),
            Some(i64::MIN),
            Some(i64::MAX),
        ];
        let small = [
            None,
            Some(0),
            Some(1),
            Some(-7),
            Some(i32::MIN),
            Some(i32::MAX),
        ];
        for (i, &value) in values.iter().enumerate() {
            let numbers = CardNumbers {
                in_ms: value,
                out_ms: values[(i + 1) % values.len()],
                hours_micro: values[(i + 2) % values.len()],
                entry_type: small[i],
                adjust_hours_amount: small[(i + 3) % small.len()],
            };
            let card = TimeCard::new(UserId(7), 3, numbers);
            assert_eq!(card.in_ms(), numbers.in_ms);
            assert_eq!(card.out_ms(), numbers.out_ms);
            assert_eq!(card.hours_micro(), numbers.hours_micro);
            assert_eq!(card.entry_type(), numbers.entry_type);
            assert_eq!(card.adjust_hours_amount(), numbers.adjust_hours_amount);
            assert_eq!((card.user, card.row, card.job), (UserId(7), 3, None));
            let zeroed = |v: Option<i64>| v.or(Some(0));
            let with_zeros = TimeCard::new(
                UserId(7),
                3,
                CardNumbers {
                    in_ms: zeroed(numbers.in_ms),
                    out_ms: zeroed(numbers.out_ms),
                    hours_micro: zeroed(numbers.hours_micro),
                    entry_type: numbers.entry_type.or(Some(0)),
                    adjust_hours_amount: numbers.adjust_hours_amount.or(Some(0)),
                },
            );
            let all_present = card.in_ms().is_some()
                && card.out_ms().is_some()
                && card.hours_micro().is_some()
                && card.entry_type().is_some()
                && card.adjust_hours_amount().is_some();
            assert_eq!(
                card == with_zeros,
                all_present,
                "an absent number is not a zero"
            );
            let other_row = TimeCard { row: 4, ..card };
            assert!(card.same_record(&other_row) && card != other_row);
            assert_eq!(card.same_record(&with_zeros), all_present);
        }
        assert_eq!(
            TimeCard::new(
                UserId(0),
                0,
                CardNumbers {
                    hours_micro: Some(1_500_000),
                    ..CardNumbers::default()
                }
            )
            .hours(),
            Some(Decimal::new(15, 1))
        );
        let shown = format!(
            "{:?}",
            TimeCard::new(
                UserId(1),
                2,
                CardNumbers {
                    in_ms: Some(5),
                    ..CardNumbers::default()
                }
            )
        );
        assert!(shown.contains("in_ms: Some(5), out_ms: None"), "{shown}");
        let mut names = Names::default();
        let (a, b) = (names.intern("Welding"), names.intern("night"));
        assert_eq!((a.index(), b.index(), names.intern("Welding")), (0, 1, a));
        assert_eq!((names.get(b), names.find("night")), ("night", Some(b)));
    }

    /// Cards that agree on everything the rules read are told apart by the
    /// fields they do not keep: a note, a PTO name, a creation time.
    #[test]
    fn cards_equal_but_for_their_details_are_in_different_classes() {
        let users = decode_records(br#"[{"userName":"ann"}]"#, RecordType::User)
            .unwrap()
            .frame;
        let card = |extra: &str| {
            format!(
                r#"{{"userName":"ann","entryType":1,"inDateTime":"2024-01-02 00:00:00","hours":"4"{extra}}}"#
            )
        };
        let records = [
            card(r#","ptoName":"vacation""#),
            card(r#","ptoName":"sick""#),
            // An empty note is no note.
            card(r#","ptoName":"vacation","employeeNote":"""#),
            card(r#","ptoName":"vacation","createdDateTime":"2024-01-05 10:00:00""#),
            card(r#","ptoName":"sick","managerComment":"ok""#),
            card(r#","ptoName":"sick""#),
            // Another field differs: no twin, whatever the details.
            card(r#","ptoName":"vacation","jobName":"x""#),
        ];
        let text = format!("[{}]", records.join(","));
        let cards = decode_records(text.as_bytes(), RecordType::TimeCard)
            .unwrap()
            .frame;
        let input = PayrollInput::from_frames(&cards, &users, Vec::new()).unwrap();
        let classes: Vec<(u32, u32)> = input
            .cards_of(UserId(0))
            .iter()
            .map(|c| (c.row, c.details))
            .collect();
        assert_eq!(
            classes,
            vec![(0, 0), (1, 1), (2, 0), (3, 3), (4, 4), (5, 1), (6, 6)]
        );
    }

    #[test]
    fn cards_are_sorted_per_user_and_names_interned() {
        let users = decode_records(
            br#"[{"userName":"ann","payRate":"12.50","hiredDate":"2020-02-03"},
                 {"userName":"bob","employeeNumber":"7"}]"#,
            RecordType::User,
        )
        .unwrap()
        .frame;
        let cards = decode_records(
            br#"[{"userName":"ann","inDateTime":"2024-01-02 09:00:00","jobName":"Welding","hours":"1.5"},
                 {"userName":"","employeeNumber":"7","inDateTime":"2024-01-01 09:00:00","jobName":"Welding"},
                 {"userName":"ann","inDateTime":"2024-01-01 09:00:00","shiftName":"night"},
                 {"userName":"ghost","inDateTime":"2024-01-01 09:00:00"}]"#,
            RecordType::TimeCard,
        )
        .unwrap()
        .frame;
        let input = PayrollInput::from_frames(&cards, &users, Vec::new()).unwrap();
        assert_eq!(input.users[0].pay_rate, Some(Decimal::new(125, 1)));
        assert_eq!(input.users[0].hired, NaiveDate::from_ymd_opt(2020, 2, 3));
        let ann = input.cards_of(UserId(0));
        assert_eq!(ann.iter().map(|c| c.row).collect::<Vec<_>>(), vec![2, 0]);
        assert_eq!(ann[1].hours(), Some(Decimal::new(15, 1)));
        assert_eq!(input.names.get(ann[1].job.unwrap()), "Welding");
        assert_eq!(input.names.get(ann[0].shift.unwrap()), "night");
        let bob = input.cards_of(UserId(1));
        assert_eq!((bob.len(), bob[0].job), (1, ann[1].job));
        assert_eq!(
            input.time_cards.len(),
            3,
            "the ghost's card is not a card of anyone"
        );
        assert_eq!(input.exceptions.len(), 1);
        assert_eq!(
            input.exceptions[0].exception.kind,
            crate::kinds::UNKNOWN_USER
        );
    }

    /// The two passes must cover the same rows: a batch pushed whose keys
    /// were not matched, or matched rows never pushed, are errors (a card
    /// left unplaced would be a default card paid to the first user).
    #[test]
    fn a_builder_refuses_rows_it_did_not_match_or_was_not_given() {
        let users = decode_records(br#"[{"userName":"ann"}]"#, RecordType::User)
            .unwrap()
            .frame;
        let cards = decode_records(
            br#"[{"userName":"ann","entryType":1,"inDateTime":"2024-01-02 00:00:00","hours":"4"}]"#,
            RecordType::TimeCard,
        )
        .unwrap()
        .frame;
        let mut builder = InputBuilder::new(&users).unwrap();
        let unmatched = builder.push(&cards).unwrap_err();
        assert!(
            unmatched.to_string().contains("only 0 rows were matched"),
            "{unmatched}"
        );

        let mut builder = InputBuilder::new(&users).unwrap();
        builder.match_keys(&cards).unwrap();
        builder.match_keys(&cards).unwrap();
        builder.push(&cards).unwrap();
        assert!(builder.match_keys(&cards).is_err(), "keys after cards");
        let short = builder.finish(Vec::new()).unwrap_err();
        assert!(
            short
                .to_string()
                .contains("2 time card rows were matched but 1 pushed"),
            "{short}"
        );
    }
}
