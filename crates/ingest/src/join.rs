//! Matching time cards to their users.
//!
//! SPEC §2: the key is `userName`. A time card with an empty `userName`
//! matches on `employeeNumber`, then on `userFullName` if exactly one user
//! has that name. A time card that names a `userName` the users list does
//! not have does not fall back: a different person with the same full name
//! must not receive the hours. Every unmatched time card becomes an
//! `unknown_user` error exception; none is dropped silently.

use std::ops::Range;
use std::sync::OnceLock;

use polars::prelude::*;

use crate::decode::identify;
use crate::exception::{Exception, ExceptionKind, Severity};
use crate::input::UserId;
use crate::schema::col;

/// A lookup that remembers when a key is shared by several users. Keys of
/// up to 24 bytes (every name and number we have seen) are stored in the
/// table itself: a lookup reads one slot, not a slot and then a string
/// elsewhere (at 10M time cards, 865k users, matching 10M cards missed the
/// cache twice per card).
#[derive(Default)]
struct Index(PlHashMap<PlSmallStr, Option<UserId>>);

impl Index {
    fn build(column: &StringChunked) -> Self {
        let mut index = Index::default();
        index.0.reserve(column.len());
        for (row, key) in column.iter().enumerate() {
            if let Some(key) = key.filter(|k| !k.trim().is_empty()) {
                index
                    .0
                    .entry(PlSmallStr::from_str(key))
                    .and_modify(|slot| *slot = None)
                    .or_insert(Some(UserId(row as u32)));
            }
        }
        index
    }

    /// `Ok(user)` when exactly one user has `key`; `Err(shared)` otherwise.
    fn find(&self, key: &str) -> Result<UserId, bool> {
        match self.0.get(key) {
            Some(Some(user)) => Ok(*user),
            Some(None) => Err(true),
            None => Err(false),
        }
    }
}

/// The users frame's keys: `userName`, `employeeNumber`, `userFullName`.
/// The last two are indexed the first time a time card without a
/// `userName`, or with one no single user has, needs them: most inputs
/// have none, and at 862k users the three indexes took a core 0.24 s.
pub struct UserIndex {
    by_user_name: Index,
    by_number: OnceLock<Index>,
    by_full_name: OnceLock<Index>,
    numbers: StringChunked,
    full_names: StringChunked,
}

impl UserIndex {
    /// Indexes a users frame.
    pub fn build(users: &DataFrame) -> PolarsResult<Self> {
        Ok(UserIndex {
            by_user_name: Index::build(text_column(users, col::USER_NAME)?),
            by_number: OnceLock::new(),
            by_full_name: OnceLock::new(),
            numbers: text_column(users, col::EMPLOYEE_NUMBER)?.clone(),
            full_names: text_column(users, col::USER_FULL_NAME)?.clone(),
        })
    }

    fn by_number(&self) -> &Index {
        self.by_number.get_or_init(|| Index::build(&self.numbers))
    }

    fn by_full_name(&self) -> &Index {
        self.by_full_name
            .get_or_init(|| Index::build(&self.full_names))
    }

    /// The one user with this `userName`, if exactly one has it.
    pub fn by_user_name(&self, user_name: &str) -> Option<UserId> {
        self.by_user_name.find(user_name).ok()
    }
}

/// Every time card's user, or `None` with an `unknown_user` exception.
pub struct Matched {
    /// The user of each time card row.
    pub users: Vec<Option<UserId>>,
    /// One `unknown_user` exception per unmatched time card.
    pub exceptions: Vec<Exception>,
}

fn text_column<'f>(frame: &'f DataFrame, name: &str) -> PolarsResult<&'f StringChunked> {
    frame.column(name)?.str()
}

fn present(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.trim().is_empty())
}

/// Matches every time card to a user; see the module docs for the order.
/// Rows are matched in parallel, in blocks, and the results kept in row order.
pub fn match_users(time_cards: &DataFrame, index: &UserIndex) -> PolarsResult<Matched> {
    let (users, unmatched) = match_keys(time_cards, index)?;
    Ok(Matched {
        users,
        exceptions: unmatched
            .iter()
            .map(|(row, why)| unknown_user(time_cards, *row, why))
            .collect(),
    })
}

/// The `unknown_user` exception of `row` of `time_cards`, saying `why`.
pub(crate) fn unknown_user(time_cards: &DataFrame, row: usize, why: &str) -> Exception {
    let mut e = identify(time_cards, row, Severity::Error, ExceptionKind::UnknownUser);
    e.message = format!("time card excluded from pay: {why}");
    e
}

/// Rows matched per block, in parallel.
const BLOCK: usize = 1 << 16;

/// `each` over rows `0..height` a [`BLOCK`] at a time, in parallel; the
/// blocks' results in row order.
fn in_blocks<T: Send>(height: usize, each: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    use rayon::prelude::*;
    (0..height.div_ceil(BLOCK))
        .into_par_iter()
        .map(|block| each(block * BLOCK..((block + 1) * BLOCK).min(height)))
        .collect()
}

/// Rows `rows` of a key column as one contiguous array, for one block only
/// (a copy of whole columns was 2% of a run's CPU, in page faults).
fn block_of(ca: &StringChunked, rows: &Range<usize>) -> StringChunked {
    ca.slice(rows.start as i64, rows.len())
        .rechunk()
        .into_owned()
}

/// The present key in row `row` of a [`block_of`] column.
fn at(ca: &StringChunked, row: usize) -> Option<&str> {
    present(ca.downcast_get(0).and_then(|arr| arr.get(row)))
}

/// The one user whose `userName` is `name`, if there is exactly one.
fn by_name(index: &UserIndex, name: Option<&str>) -> Option<UserId> {
    index.by_user_name.find(name?).ok()
}

/// Each row's user by `userName` alone, when every row of `time_cards`
/// has a `userName` exactly one user has; `None` when some row needs the
/// other keys ([`match_keys`] then matches the rows with all three). Only
/// the `userName` column is read.
pub(crate) fn match_user_names(
    time_cards: &DataFrame,
    index: &UserIndex,
) -> PolarsResult<Option<Vec<Option<UserId>>>> {
    let names = text_column(time_cards, col::USER_NAME)?;
    let blocks = in_blocks(time_cards.height(), |rows| {
        let (first, names) = (rows.start, block_of(names, &rows));
        rows.map(|row| by_name(index, at(&names, row - first)).map(Some))
            .collect::<Option<Vec<_>>>()
    });
    Ok(blocks
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .map(|blocks| blocks.into_iter().flatten().collect()))
}

/// Each row's user, from the user-key columns alone; and the rows no
/// user matched, with why (see [`match_users`]).
pub(crate) type Keyed = (Vec<Option<UserId>>, Vec<(usize, String)>);

/// [`match_users`] reading only the user-key columns: the rows no user
/// matched come with why, for their exceptions to be made from the frame.
pub(crate) fn match_keys(time_cards: &DataFrame, index: &UserIndex) -> PolarsResult<Keyed> {
    let card_user_names = text_column(time_cards, col::USER_NAME)?;
    let card_numbers = text_column(time_cards, col::EMPLOYEE_NUMBER)?;
    let card_full_names = text_column(time_cards, col::USER_FULL_NAME)?;
    let height = time_cards.height();
    let blocks: Vec<Keyed> = in_blocks(height, |rows| {
        let first = rows.start;
        let (names, numbers, full_names) = (
            block_of(card_user_names, &rows),
            block_of(card_numbers, &rows),
            block_of(card_full_names, &rows),
        );
        let mut users = Vec::with_capacity(rows.len());
        let mut unmatched = Vec::new();
        for row in rows {
            let user_name = at(&names, row - first);
            if let Some(user) = by_name(index, user_name) {
                users.push(Some(user));
                continue;
            }
            let (number, full_name) = (at(&numbers, row - first), at(&full_names, row - first));
            match match_one(index, user_name, number, full_name) {
                Ok(user) => users.push(Some(user)),
                Err(why) => {
                    users.push(None);
                    unmatched.push((row, why));
                }
            }
        }
        (users, unmatched)
    });
    let mut keyed: Keyed = (Vec::with_capacity(height), Vec::new());
    for (users, unmatched) in blocks {
        keyed.0.extend(users);
        keyed.1.extend(unmatched);
    }
    Ok(keyed)
}

/// The user of one time card's present keys, or why there is none.
fn match_one(
    index: &UserIndex,
    user_name: Option<&str>,
    number: Option<&str>,
    full_name: Option<&str>,
) -> Result<UserId, String> {
    let number_match = number.and_then(|n| index.by_number().find(n).ok());
    match (user_name, number_match, full_name) {
        (Some(name), _, _) => index.by_user_name.find(name).map_err(|shared| {
            if shared {
                format!("userName \"{name}\" belongs to several users")
            } else {
                format!("userName \"{name}\" is not in the users list")
            }
        }),
        (None, Some(user), _) => Ok(user),
        (None, None, Some(full)) => index.by_full_name().find(full).map_err(|shared| {
            let via_number = number
                .map(|n| format!("employeeNumber \"{n}\" matches no single user and "))
                .unwrap_or_default();
            if shared {
                format!(
                    "no userName; {via_number}userFullName \"{full}\" is shared by several users"
                )
            } else {
                format!("no userName; {via_number}userFullName \"{full}\" is not in the users list")
            }
        }),
        (None, None, None) => Err(match number {
            Some(n) => format!("no userName, and employeeNumber \"{n}\" matches no single user"),
            None => "the time card names no user at all".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode_records;
    use crate::schema::RecordType;

    fn frames() -> (DataFrame, DataFrame) {
        let users = decode_records(
            br#"[
            {"userName":"ann","userFullName":"Ann Lee","employeeNumber":"1","departmentName":"Kitchen","payRate":"20.00"},
            {"userName":"bob","userFullName":"Bob Roy","employeeNumber":"2","departmentName":"Warehouse"},
            {"userName":"bob2","userFullName":"Bob Roy","employeeNumber":"3"},
            {"userName":"cy","userFullName":"Cy Tan","employeeNumber":"4","departmentName":"Kitchen"},
            {"userName":"dup","userFullName":"Dee One","employeeNumber":"5"},
            {"userName":"dup","userFullName":"Dee Two","employeeNumber":"6"}
        ]"#,
            RecordType::User,
        )
        .unwrap()
        .frame;
        let cards = decode_records(
            br#"[
            {"userName":"ann","userFullName":"Someone Else","inDateTime":"2024-01-01 09:00:00"},
            {"userName":"","employeeNumber":"2","userFullName":"Bob Roy","inDateTime":"2024-01-01 09:00:00"},
            {"userName":"","employeeNumber":"","userFullName":"Cy Tan","inDateTime":"2024-01-01 09:00:00"},
            {"userName":"","employeeNumber":"99","userFullName":"Bob Roy","inDateTime":"2024-01-02 09:00:00"},
            {"userName":"ghost","userFullName":"Ann Lee","inDateTime":"2024-01-03 09:00:00"},
            {"inDateTime":"2024-01-04 09:00:00"},
            {"userName":"dup","inDateTime":"2024-01-05 09:00:00"}
        ]"#,
            RecordType::TimeCard,
        )
        .unwrap()
        .frame;
        (cards, users)
    }

    #[test]
    fn user_name_then_employee_number_then_unique_full_name() {
        let (cards, users) = frames();
        let index = UserIndex::build(&users).unwrap();
        // Cards that all name a user of their own need no other index,
        // nor any column but `userName`.
        let named = cards.head(Some(1));
        assert_eq!(
            match_users(&named, &index).unwrap().users,
            [Some(UserId(0))]
        );
        let names_only = named.select([col::USER_NAME]).unwrap();
        assert_eq!(
            match_user_names(&names_only, &index).unwrap(),
            Some(vec![Some(UserId(0))])
        );
        // A card without a userName, or with one not a single user's,
        // needs the other keys.
        for row in [1, 4, 6] {
            let one = cards.slice(row, 1).select([col::USER_NAME]).unwrap();
            assert_eq!(match_user_names(&one, &index).unwrap(), None, "row {row}");
        }
        assert!(index.by_number.get().is_none() && index.by_full_name.get().is_none());
        let joined = match_users(&cards, &index).unwrap();
        assert!(index.by_number.get().is_some() && index.by_full_name.get().is_some());
        assert_eq!(
            joined.users,
            [Some(0), Some(1), Some(3), None, None, None, None].map(|u| u.map(UserId))
        );
        let messages: Vec<_> = joined
            .exceptions
            .iter()
            .map(|e| e.message.as_str())
            .collect();
        assert_eq!(
            messages,
            vec![
                "time card excluded from pay: no userName; employeeNumber \"99\" matches no single user and userFullName \"Bob Roy\" is shared by several users",
                "time card excluded from pay: userName \"ghost\" is not in the users list",
                "time card excluded from pay: the time card names no user at all",
                "time card excluded from pay: userName \"dup\" belongs to several users",
            ]
        );
        assert!(
            joined
                .exceptions
                .iter()
                .all(|e| e.kind == ExceptionKind::UnknownUser)
        );
        assert_eq!(
            joined.exceptions[1].in_date_time.as_deref(),
            Some("2024-01-03 09:00:00")
        );
        assert_eq!(joined.exceptions[1].user_name.as_deref(), Some("ghost"));
    }
}
