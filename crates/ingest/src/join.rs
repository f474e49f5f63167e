//! Matching time cards to their users.
//!
//! design §2: the key is `userName`. A time card with an empty `userName`
//! matches on `employeeNumber`, then on `userFullName` if exactly one user
//! has that name. A time card that names a `userName` the users list does
//! not have does not fall back: a different person with the same full name
//! must not receive the hours. Every unmatched time card becomes an
//! `unknown_user` error exception; none is dropped silently.

use std::hash::BuildHasher;
use std::ops::Range;
use std::sync::OnceLock;

use polars::prelude::*;

use crate::decode::identify;
use crate::exception::{Exception, Severity};
use crate::input::UserId;
use crate::prefetch::prefetch;
use crate::schema::col;

/// A lookup that remembers when a key is shared by several users: an
/// open-addressing table (linear probing, at most two thirds full) of
/// 32-byte slots that hold keys of up to 23 bytes themselves (every name
/// and number we have seen), so a lookup reads one slot, not a slot and
/// then a string elsewhere. A column of keys is looked up with
/// [`Index::find_all`], which asks memory for each key's slot
/// [`AHEAD`] keys before it compares the key, so the cache misses of many
/// keys overlap instead of following one another: one lookup at a time
/// (in a hash map, compared as soon as read) keeps the cores waiting for
/// memory for most of the keys pass at millions of cards.
struct Index {
    slots: Vec<Slot>,
    /// Keys longer than a slot holds, with their user.
    long: Vec<(Box<str>, Option<UserId>)>,
    hasher: PlRandomState,
}

/// One slot of an [`Index`].
#[derive(Clone, Copy, Default, PartialEq, Eq)]
#[repr(C, align(32))]
struct Slot {
    /// The key's length, then its bytes, zero-padded ([`packed`]); or
    /// [`LONG`] and zeros for a key kept in [`Index::long`].
    key: [u8; 24],
    /// The user ([`SHARED`] when several have the key), or the index in
    /// [`Index::long`] of a long key.
    value: u32,
    /// The key's hash's high half with the lowest bit set: 0 marks an empty slot.
    tag: u32,
}

/// [`Slot::value`] of a key several users have.
const SHARED: u32 = u32::MAX;
/// [`Slot::key`]'s first byte for a key longer than [`INLINE`] bytes.
const LONG: u8 = u8::MAX;
/// The longest key a slot holds itself.
const INLINE: usize = 23;
/// How many keys ahead [`Index::find_all`] asks for a slot.
const AHEAD: usize = 16;

/// `key` as a slot holds it, or `None` when it is longer than [`INLINE`].
fn packed(key: &str) -> Option<[u8; 24]> {
    let bytes = key.as_bytes();
    let mut packed = [0; 24];
    packed[0] = u8::try_from(bytes.len())
        .ok()
        .filter(|&n| usize::from(n) <= INLINE)?;
    packed[1..=bytes.len()].copy_from_slice(bytes);
    Some(packed)
}

/// A key ready to be looked up: where its probe starts, its tag and its
/// packed bytes (`None`: a long key).
#[derive(Clone, Copy)]
struct Probe<'k> {
    key: &'k str,
    start: usize,
    tag: u32,
    packed: Option<[u8; 24]>,
}

impl Index {
    fn build(column: &StringChunked) -> Self {
        let keys = column.len() - column.null_count();
        let capacity = (keys + keys / 2).max(AHEAD).next_power_of_two();
        let mut index = Index {
            slots: vec![Slot::default(); capacity],
            long: Vec::new(),
            hasher: PlRandomState::default(),
        };
        for (row, key) in column.iter().enumerate() {
            if let Some(key) = key.filter(|k| !k.trim().is_empty()) {
                index.insert(key, UserId(row as u32));
            }
        }
        index
    }

    fn probe<'k>(&self, key: &'k str) -> Probe<'k> {
        let hash = self.hasher.hash_one(key);
        Probe {
            key,
            // The low bits pick the slot, the high half is the tag.
            start: hash as usize & (self.slots.len() - 1),
            tag: (hash >> 32) as u32 | 1,
            packed: packed(key),
        }
    }

    /// The slot of `probe`'s key, or the empty slot where it would go.
    fn slot_of(&self, probe: &Probe) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = probe.start;
        loop {
            let slot = &self.slots[at];
            if slot.tag == 0 {
                return at;
            }
            if slot.tag == probe.tag {
                let same = match probe.packed {
                    Some(packed) => slot.key == packed,
                    None => slot.key[0] == LONG && *self.long[slot.value as usize].0 == *probe.key,
                };
                if same {
                    return at;
                }
            }
            at = (at + 1) & mask;
        }
    }

    fn insert(&mut self, key: &str, user: UserId) {
        let probe = self.probe(key);
        let at = self.slot_of(&probe);
        let slot = &mut self.slots[at];
        if slot.tag != 0 {
            // A second user with this key.
            match probe.packed {
                Some(_) => slot.value = SHARED,
                None => self.long[slot.value as usize].1 = None,
            }
            return;
        }
        *slot = match probe.packed {
            Some(packed) => Slot {
                key: packed,
                value: user.0,
                tag: probe.tag,
            },
            None => {
                self.long.push((key.into(), Some(user)));
                let mut long = [0; 24];
                long[0] = LONG;
                Slot {
                    key: long,
                    value: (self.long.len() - 1) as u32,
                    tag: probe.tag,
                }
            }
        };
    }

    /// What [`Index::find`] says of the key `probe` was made for.
    fn resolve(&self, probe: &Probe) -> Result<UserId, bool> {
        let slot = &self.slots[self.slot_of(probe)];
        if slot.tag == 0 {
            return Err(false);
        }
        let user = match probe.packed {
            Some(_) => Some(slot.value).filter(|&v| v != SHARED).map(UserId),
            None => self.long[slot.value as usize].1,
        };
        user.ok_or(true)
    }

    /// `Ok(user)` when exactly one user has `key`; `Err(shared)` otherwise.
    fn find(&self, key: &str) -> Result<UserId, bool> {
        self.resolve(&self.probe(key))
    }

    /// [`Index::find`] of every present key of `keys`, in order (`None`
    /// for an absent key). The slot of each key is asked of memory
    /// [`AHEAD`] keys before it is compared, so the memory reads of many
    /// keys overlap and the comparisons find their slots in the cache.
    fn find_all(&self, keys: &[Option<&str>]) -> Vec<Option<Result<UserId, bool>>> {
        let mut found = Vec::with_capacity(keys.len());
        let mut ahead: [Option<Probe>; AHEAD] = [None; AHEAD];
        for (i, key) in keys.iter().enumerate() {
            let probe = key.map(|key| self.probe(key));
            if let Some(probe) = &probe {
                prefetch(&self.slots[probe.start]);
            }
            if let Some(earlier) = std::mem::replace(&mut ahead[i % AHEAD], probe) {
                found.push(Some(self.resolve(&earlier)));
            } else if i >= AHEAD {
                found.push(None);
            }
        }
        for i in keys.len().saturating_sub(AHEAD)..keys.len() {
            found.push(ahead[i % AHEAD].as_ref().map(|probe| self.resolve(probe)));
        }
        found
    }
}

/// The users frame's keys: `userName`, `employeeNumber`, `userFullName`.
/// The last two are indexed the first time a time card without a
/// `userName`, or with one no single user has, needs them: most inputs
/// have none, and building all three costs a noticeable part of a core
/// at hundreds of thousands of users.
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
    let mut e = identify(time_cards, row, Severity::Error, crate::kinds::UNKNOWN_USER);
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

/// Every row's present key of a [`block_of`] column, for [`Index::find_all`].
fn keys_of(block: &StringChunked) -> Vec<Option<&str>> {
    (0..block.len()).map(|row| at(block, row)).collect()
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
        let names = block_of(names, &rows);
        index
            .by_user_name
            .find_all(&keys_of(&names))
            .into_iter()
            .map(|found| found.and_then(Result::ok).map(Some))
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
        let user_names = keys_of(&names);
        let by_name = index.by_user_name.find_all(&user_names);
        let mut users = Vec::with_capacity(rows.len());
        let mut unmatched = Vec::new();
        for row in rows {
            if let Some(Ok(user)) = by_name[row - first] {
                users.push(Some(user));
                continue;
            }
            let user_name = user_names[row - first];
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

    /// Looking up a column of keys at once finds what looking up each
    /// key alone finds, in order, whatever the count (fewer keys than are
    /// asked for ahead, as many, more): short keys and long ones (past the
    /// 23 bytes a slot holds), keys several users share, keys no user has,
    /// blank and absent keys.
    #[test]
    fn looking_up_many_keys_is_looking_up_each() {
        let long = |i: usize| format!("a name longer than a slot holds, {i}");
        let mut names: Vec<Option<String>> = (0..5_000)
            .map(|i| Some(if i % 7 == 0 { long(i) } else { format!("u{i}") }))
            .collect();
        names.extend(
            [
                Some("u3"),
                None,
                Some("  "),
                Some(""),
                Some(&*"x".repeat(23)),
            ]
            .map(|n| n.map(str::to_owned)),
        );
        names.extend([Some(long(14)), Some("y".repeat(24))]);
        let column: StringChunked = names.iter().map(|n| n.as_deref()).collect();
        let index = Index::build(&column);
        let mut owners: std::collections::HashMap<&str, Vec<u32>> = Default::default();
        for (row, name) in names.iter().enumerate() {
            if let Some(name) = name.as_deref().filter(|n| !n.trim().is_empty()) {
                owners.entry(name).or_default().push(row as u32);
            }
        }
        let expected = |key: &str| match owners.get(key).map(Vec::as_slice) {
            Some([one]) => Ok(UserId(*one)),
            Some(_) => Err(true),
            None => Err(false),
        };
        assert_eq!(expected("u3"), Err(true));
        assert_eq!(expected(&long(14)), Err(true));
        assert_eq!(expected(&"x".repeat(23)), Ok(UserId(5_004)));
        assert_eq!(expected(&"y".repeat(24)), Ok(UserId(5_006)));
        assert!(!index.long.is_empty());
        // The users' keys in another order, with keys nobody has and
        // absent keys among them.
        let mut keys: Vec<Option<String>> = Vec::new();
        for (i, name) in names.iter().enumerate().rev() {
            keys.push(name.clone());
            match i % 10 {
                0 => keys.push(None),
                3 => keys.push(Some(format!("nobody {i}"))),
                5 => keys.push(Some(long(100_000 + i))),
                7 => keys.push(Some(format!("u{i} "))),
                _ => {}
            }
        }
        for count in [0, 1, AHEAD - 1, AHEAD, AHEAD + 1, 3 * AHEAD + 5, keys.len()] {
            let some: Vec<Option<&str>> = keys[..count].iter().map(|k| k.as_deref()).collect();
            let found = index.find_all(&some);
            assert_eq!(found.len(), count);
            for (key, found) in some.iter().zip(found) {
                assert_eq!(found, key.map(expected), "{key:?} of {count} keys");
                assert_eq!(found, key.map(|k| index.find(k)), "{key:?}");
            }
        }
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
                .all(|e| e.kind == crate::kinds::UNKNOWN_USER)
        );
        assert_eq!(
            joined.exceptions[1].in_date_time.as_deref(),
            Some("2024-01-03 09:00:00")
        );
        assert_eq!(joined.exceptions[1].user_name.as_deref(), Some("ghost"));
    }
}
