//! Reading time cards too many to compute at once a part of their users
//! at a time.
//!
//! [`Parts::plan`] reads the users' keys alone and matches every time
//! card of a Parquet file to its user, as [`InputBuilder`]'s pass 1 does
//! (so a `userName` several users share, an `employeeNumber` match and an
//! unknown user are decided against every user, exactly as when the input
//! is read whole); then it cuts the users, in `userName` order (then row),
//! into parts whose time cards fit a budget, never putting the users of
//! one `userName` in two parts. [`Parts::read`] builds one part's
//! [`PayrollInput`]: the part's users in row order (so ids keep the
//! users' order) and their cards: the first part read reads the time card
//! file, and, when told where ([`Parts::spill_into`]), writes every other
//! part's cards into a file of its own, which that part reads; otherwise
//! each part reads the time card file again.
//! Every exception found reading the files goes with the part of the
//! `userName` it names (the first part when it names none), where the
//! whole input would tie it to the same user. So the parts, one after the
//! other, are the whole input: each user's cards and exceptions, and the
//! users in `userName` order, part after part.
//!
//! Memory holds the keys' index while matching, then 8 bytes a user and
//! 4 a time card, and one part.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::decode::CategoryFields;
use crate::exception::Exception;
use crate::files::{BATCH_ROWS, FileError, ParquetFile, Presence, ahead};
use crate::input::{InputBuilder, PayrollInput, UserId};
use crate::join::{UserIndex, match_keys, match_user_names, unknown_user};
use crate::schema::{RecordType, col};

/// An error of the file at `path`.
fn fail(path: &Path) -> impl Fn(String) -> FileError + '_ {
    move |message: String| FileError {
        path: path.display().to_string(),
        message,
    }
}

/// Rows of a part's time cards spilled at a time (a row group): a batch
/// holds about a part's share of 131,072 rows, and its rows written as
/// they came made row groups that small (at 100M typed in 11 parts, the
/// first reading 43.5-50 s with them, 30.5 s with these).
const SPILL_GROUP_ROWS: usize = 1 << 16;

/// A card no user matched.
const NONE: u32 = u32::MAX;

/// A time card file and its users file, planned in parts; see the module docs.
pub struct Parts<'p> {
    cards_path: &'p Path,
    users_path: &'p Path,
    cards: ParquetFile<'p>,
    users: ParquetFile<'p>,
    /// Each time card row's user (their row in the users file), or [`NONE`].
    matched: Vec<u32>,
    /// The rows no user matched, and why, in row order.
    unmatched: Vec<(usize, String)>,
    /// What the time card file's columns hold (pass 1's keys; the first
    /// read adds the rest, then checks).
    presence: Presence,
    /// Each user's part and id in it.
    place: Vec<(u32, u32)>,
    /// Each part's first `userName` (in order), its users and time cards.
    parts: Vec<(Option<String>, usize, usize)>,
    /// Exceptions found reading the files, and those given, by part
    /// (`None` until the first part is read, which finds them).
    found: Option<Vec<Found>>,
    /// Exceptions given with the files (found before reading them).
    given: Vec<Exception>,
    /// Every exception found reading the files, then those given, in the
    /// order reading the whole input finds them (by the first read).
    all: Option<Vec<Exception>>,
    /// Where the first read writes the time cards of every other part (see
    /// [`spill_into`](Self::spill_into)), and each part's file there.
    spill: Option<PathBuf>,
    spilled: Vec<Spilled>,
    /// Whether the files were read before and `given` holds what reading
    /// them found (see [`read_again`](Self::read_again)).
    again: bool,
}

/// A reading of one part's time cards from the time card file: which
/// part, whether it is the first read (which finds every exception of the
/// file), and where what it finds goes.
struct Reading<'r> {
    part: usize,
    first: bool,
    found: &'r mut [Found],
    exceptions: &'r mut Vec<Exception>,
    presence: &'r mut Presence,
}

/// Where a part's time cards are.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Spilled {
    /// In the time card file.
    No,
    /// In a file of their own, as typed as the file read gives them.
    File(PathBuf),
    /// Nowhere: the part's users have none.
    Empty,
}

/// A part's exceptions, in the order the whole input has them.
#[derive(Debug, Default, Clone)]
struct Found {
    cards: Vec<Exception>,
    users: Vec<Exception>,
    given: Vec<Exception>,
    unknown: Vec<Exception>,
}

impl<'p> Parts<'p> {
    /// Matches the time cards of `cards` (a Parquet file) to the users of
    /// `users` (one too) and cuts the users into parts whose time cards
    /// cost at most `budget`, a user with `n` cards costing `cost(n)` (a
    /// part has one user at least). `given`: exceptions found before,
    /// carried into the parts.
    pub fn plan(
        cards_path: &'p Path,
        users_path: &'p Path,
        given: Vec<Exception>,
        budget: u64,
        cost: impl Fn(usize) -> u64,
    ) -> Result<Self, FileError> {
        let users =
            ParquetFile::open(users_path, CategoryFields::Text).map_err(fail(users_path))?;
        let keys = users
            .read(RecordType::User, Some(&col::USER_KEYS), None)
            .map_err(fail(users_path))?
            .frame;
        let (matched, unmatched, presence) = {
            let index = UserIndex::build(&keys).map_err(|e| fail(users_path)(e.to_string()))?;
            let cards =
                ParquetFile::open(cards_path, CategoryFields::Text).map_err(fail(cards_path))?;
            match_all(&cards, &index).map_err(fail(cards_path))?
        };
        let names: Vec<Option<&str>> = keys
            .column(col::USER_NAME)
            .and_then(|c| c.str())
            .map_err(|e| fail(users_path)(e.to_string()))?
            .iter()
            .collect();
        let mut cards_of = vec![0usize; names.len()];
        for &user in matched.iter().filter(|&&u| u != NONE) {
            cards_of[user as usize] += 1;
        }
        // Users in `userName` order, then row: the order the rules compute them in.
        let mut order: Vec<u32> = (0..names.len() as u32).collect();
        {
            use rayon::prelude::*;
            order.par_sort_unstable_by(|&a, &b| {
                names[a as usize].cmp(&names[b as usize]).then(a.cmp(&b))
            });
        }
        let mut place = vec![(0u32, 0u32); names.len()];
        let mut parts: Vec<(Option<String>, usize, usize)> = Vec::new();
        let mut spent = 0u64;
        for (i, &user) in order.iter().enumerate() {
            let name = names[user as usize];
            let same_name = i > 0 && names[order[i - 1] as usize] == name;
            let user_cost = cost(cards_of[user as usize]);
            if parts.is_empty() || (!same_name && spent + user_cost > budget && spent > 0) {
                parts.push((name.map(str::to_owned), 0, 0));
                spent = 0;
            }
            spent += user_cost;
            let part = parts.len() - 1;
            place[user as usize] = (part as u32, 0);
            parts[part].2 += cards_of[user as usize];
        }
        if parts.is_empty() {
            parts.push((None, 0, 0));
        }
        // Ids in the part: the users' rows in order.
        for slot in &mut place {
            let part = &mut parts[slot.0 as usize];
            slot.1 = part.1 as u32;
            part.1 += 1;
        }
        Ok(Parts {
            cards_path,
            users_path,
            cards: ParquetFile::open(cards_path, CategoryFields::Text).map_err(fail(cards_path))?,
            users,
            matched,
            unmatched,
            presence,
            place,
            parts,
            found: None,
            given,
            all: None,
            spill: None,
            spilled: Vec::new(),
            again: false,
        })
    }

    /// Has the first read write the time cards of every other part into a
    /// file of its own in `dir` (created, and removed with the files when
    /// the parts are dropped), read from there instead of the time card
    /// file: the file is then decoded once, not once per part. `dir` must
    /// not hold anything else; put it where a few gigabytes may go (the
    /// cards of 100M records take about 2 GB, compressed as LZ4), not on a
    /// file system in memory.
    pub fn spill_into(mut self, dir: PathBuf) -> Self {
        self.spill = Some(dir);
        self
    }

    /// Tells the parts that the files were read before (by the run a
    /// replay checks) and that `given` holds the exceptions reading them
    /// found then: those found reading them again are left out rather
    /// than told twice. The time cards read are the same either way.
    pub fn read_again(mut self) -> Self {
        self.again = true;
        self
    }

    /// How many parts.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether there is no part (there is one at least, even of no user).
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Time card records in the file, matched to a user or not.
    pub fn records(&self) -> usize {
        self.matched.len()
    }

    /// The exceptions found reading the files (and those given), in the
    /// order reading the whole input finds them: `None` before a part is read.
    pub fn exceptions(&self) -> Option<&[Exception]> {
        self.all.as_deref()
    }

    /// The users of part `k`, by their id in it: each one's row in the
    /// users file (its id in the whole input).
    pub fn users_of(&self, k: usize) -> Vec<UserId> {
        (self.place.iter().enumerate())
            .filter(|(_, (part, _))| *part as usize == k)
            .map(|(row, _)| UserId(row as u32))
            .collect()
    }

    /// The users and time cards of part `k`.
    pub fn size(&self, k: usize) -> (usize, usize) {
        self.parts.get(k).map_or((0, 0), |p| (p.1, p.2))
    }

    /// The part whose users have `name` as `userName` (or would have it):
    /// the last whose first name is not after it; the first for none.
    fn part_of(&self, name: Option<&str>) -> usize {
        self.parts
            .partition_point(|(first, ..)| first.as_deref() <= name)
            .saturating_sub(1)
    }

    /// Part `k`'s input: its users, their time cards and exceptions. The
    /// first part read (any) reads every exception of the files; reading
    /// a part again gives the same input.
    pub fn read(&mut self, k: usize) -> Result<PayrollInput, FileError> {
        let first_read = self.found.is_none();
        let mut found = self
            .found
            .take()
            .unwrap_or_else(|| vec![Found::default(); self.parts.len()]);
        let given_read = match first_read {
            true => std::mem::take(&mut self.given),
            false => Vec::new(),
        };
        for e in &given_read {
            found[self.part_of(e.user_name.as_deref())]
                .given
                .push(e.clone());
        }
        let (mut read_cards, mut read_users) = (Vec::new(), Vec::new());
        // The part's users, in row order.
        let user_columns = RecordType::User.payroll_columns();
        let batches = self.users.batches(BATCH_ROWS);
        let mut frames: Vec<DataFrame> = Vec::new();
        let mut presence = Presence::default();
        let mut next = 0;
        let users_file = &self.users;
        ahead(
            batches.len(),
            &|i| {
                users_file
                    .read(RecordType::User, Some(user_columns), Some(batches[i]))
                    .map_err(fail(self.users_path))
            },
            |decoded| {
                let (start, len) = batches[next];
                next += 1;
                if first_read {
                    presence.observe(&decoded.frame);
                    for e in decoded.exceptions {
                        found[self.part_of(e.user_name.as_deref())]
                            .users
                            .push(e.clone());
                        read_users.push(e);
                    }
                }
                let mine: BooleanChunked = self.place[start..start + len]
                    .iter()
                    .map(|&(part, _)| part as usize == k)
                    .collect();
                let part = decoded
                    .frame
                    .filter(&mine)
                    .map_err(|e| fail(self.users_path)(e.to_string()))?;
                frames.push(part);
                Ok(())
            },
        )?;
        if first_read {
            presence.check(self.users_path, RecordType::User)?;
        }
        let users = match frames.is_empty() {
            // A file of no row group: its typed columns, of no row.
            true => {
                (self.users.read(RecordType::User, Some(user_columns), None))
                    .map_err(fail(self.users_path))?
                    .frame
            }
            false => stack(frames).map_err(|e| fail(self.users_path)(e.to_string()))?,
        };
        let mut builder =
            InputBuilder::new(&users).map_err(|e| fail(self.users_path)(e.to_string()))?;
        let in_part = |user: u32| user != NONE && self.place[user as usize].0 as usize == k;
        builder
            .assign(
                self.matched
                    .iter()
                    .filter(|&&u| in_part(u))
                    .map(|&u| Some(UserId(self.place[u as usize].1)))
                    .collect(),
            )
            .map_err(|e| fail(self.cards_path)(e.to_string()))?;
        match self.spilled.get(k).cloned().unwrap_or(Spilled::No) {
            Spilled::File(path) => read_spilled(&path, &mut builder)?,
            Spilled::Empty => {}
            Spilled::No => {
                let mut presence = std::mem::take(&mut self.presence);
                let reading = Reading {
                    part: k,
                    first: first_read,
                    found: &mut found,
                    exceptions: &mut read_cards,
                    presence: &mut presence,
                };
                let spilled = self.read_cards(reading, &mut builder)?;
                if first_read {
                    self.spilled = spilled;
                }
            }
        }
        let Found {
            cards,
            users,
            given,
            unknown,
        } = found[k].clone();
        self.found = Some(found);
        if first_read {
            read_cards.extend(read_users);
            if self.again {
                read_cards.clear();
            }
            read_cards.extend(given_read);
            self.all = Some(read_cards);
        }
        builder.add_unknown(unknown);
        let mut exceptions = Vec::new();
        if !self.again {
            exceptions.extend(cards);
            exceptions.extend(users);
        }
        exceptions.extend(given);
        let mut input = builder
            .finish(exceptions)
            .map_err(|e| fail(self.cards_path)(e.to_string()))?;
        input.records_read = self.matched.len();
        Ok(input)
    }

    /// Reads part `k`'s time cards from the time card file into
    /// `builder`; the first read also finds every exception of the file
    /// (into `found` and `read_cards`) and, when spilling, writes every
    /// other part's time cards into its own file (returned).
    ///
    /// Long because it is one pass over the file's batches with what the
    /// first read does besides.
    fn read_cards(
        &self,
        reading: Reading<'_>,
        builder: &mut InputBuilder,
    ) -> Result<Vec<Spilled>, FileError> {
        let Reading {
            part: k,
            first: first_read,
            found,
            exceptions: read_cards,
            presence: card_presence,
        } = reading;
        let keys = col::USER_KEYS;
        let all = RecordType::TimeCard.payroll_columns();
        let rest: Vec<&str> = all.iter().copied().filter(|c| !keys.contains(c)).collect();
        let batches = self.cards.batches(BATCH_ROWS);
        let unmatched_in = |(start, len): (usize, usize)| {
            let from = self.unmatched.partition_point(|(row, _)| *row < start);
            let to = self
                .unmatched
                .partition_point(|(row, _)| *row < start + len);
            &self.unmatched[from..to]
        };
        let cards_file = &self.cards;
        let typed = |i: usize| {
            let batch = |columns: &[&str]| {
                cards_file
                    .read(RecordType::TimeCard, Some(columns), Some(batches[i]))
                    .map_err(fail(self.cards_path))
            };
            // The keys name records in exceptions: read with a batch that
            // makes some, as the whole input's reading does.
            if first_read && !unmatched_in(batches[i]).is_empty() {
                return batch(all);
            }
            let decoded = batch(&rest)?;
            if first_read && !decoded.exceptions.is_empty() {
                batch(all)
            } else {
                Ok(decoded)
            }
        };
        let spill = match (&self.spill, first_read) {
            (Some(dir), true) => {
                std::fs::create_dir_all(dir).map_err(|e| fail(dir)(e.to_string()))?;
                Some(dir.clone())
            }
            _ => None,
        };
        let parts = self.parts.len();
        let mut writers: Vec<Option<(PathBuf, SpillWriter)>> = (0..parts).map(|_| None).collect();
        let mut pending: Vec<Vec<DataFrame>> = vec![Vec::new(); parts];
        let mut pending_rows = vec![0usize; parts];
        let mut next = 0;
        let (matched, place) = (&self.matched, &self.place);
        ahead(batches.len(), &typed, |decoded| {
            let (start, len) = batches[next];
            next += 1;
            let failed = |e: PolarsError| fail(self.cards_path)(e.to_string());
            if first_read {
                card_presence.observe(&decoded.frame);
                for e in decoded.exceptions {
                    found[self.part_of(e.user_name.as_deref())]
                        .cards
                        .push(e.clone());
                    read_cards.push(e);
                }
                for (row, why) in unmatched_in((start, len)) {
                    let e = unknown_user(&decoded.frame, row - start, why);
                    found[self.part_of(e.user_name.as_deref())].unknown.push(e);
                }
            }
            let mut frame = decoded.frame;
            let Some(dir) = &spill else {
                let mine: BooleanChunked = matched[start..start + len]
                    .iter()
                    .map(|&u| u != NONE && place[u as usize].0 as usize == k)
                    .collect();
                if !mine.any() {
                    return Ok(());
                }
                let part = frame.filter(&mine).map_err(failed)?;
                return builder.push_owned(part).map_err(failed);
            };
            // Every other part's rows into its file, without the keys
            // (the rows' users are known): each file has one schema.
            for key in keys {
                let _ = frame.drop_in_place(key);
            }
            // One chunk: a text column of several is gathered a text at a
            // time into new buffers, one of one by its views (at 100M the
            // first read took 58 s before, 43.5 s after).
            frame.rechunk_mut_par();
            let mut rows_of: Vec<Vec<IdxSize>> = vec![Vec::new(); parts];
            for (i, &u) in matched[start..start + len].iter().enumerate() {
                if u != NONE {
                    rows_of[place[u as usize].0 as usize].push(i as IdxSize);
                }
            }
            for (j, rows) in rows_of.iter().enumerate() {
                if j == k || rows.is_empty() {
                    continue;
                }
                let rows = frame
                    .take(&IdxCa::from_vec("".into(), rows.clone()))
                    .map_err(failed)?;
                pending_rows[j] += rows.height();
                pending[j].push(rows);
                if pending_rows[j] < SPILL_GROUP_ROWS {
                    continue;
                }
                pending_rows[j] = 0;
                let rows = stack(std::mem::take(&mut pending[j])).map_err(failed)?;
                spill_rows(&mut writers[j], &part_file(dir, j), &rows)?;
            }
            let mine = std::mem::take(&mut rows_of[k]);
            if mine.is_empty() {
                return Ok(());
            }
            let part = frame
                .take(&IdxCa::from_vec("".into(), mine))
                .map_err(failed)?;
            builder.push_owned(part).map_err(failed)
        })?;
        if first_read {
            card_presence.check(self.cards_path, RecordType::TimeCard)?;
        }
        let Some(dir) = &spill else {
            return Ok(Vec::new());
        };
        // The rows still waiting, into their files.
        for (j, frames) in pending.into_iter().enumerate() {
            if frames.is_empty() {
                continue;
            }
            let rows = stack(frames).map_err(|e| fail(self.cards_path)(e.to_string()))?;
            spill_rows(&mut writers[j], &part_file(dir, j), &rows)?;
        }
        let mut spilled = Vec::with_capacity(parts);
        for (j, writer) in writers.into_iter().enumerate() {
            spilled.push(match writer {
                Some((path, writer)) => {
                    writer.finish().map_err(|e| fail(&path)(e.to_string()))?;
                    Spilled::File(path)
                }
                None if j == k => Spilled::No,
                None => Spilled::Empty,
            });
        }
        Ok(spilled)
    }
}

/// Part `j`'s spilled time cards' file in `dir`.
fn part_file(dir: &Path, j: usize) -> PathBuf {
    dir.join(format!("part-{j}.parquet"))
}

/// A part's spilled time cards' file being written.
type SpillWriter = polars::io::parquet::write::BatchedWriter<std::fs::File>;

/// Appends `rows` (a row group) to the file of `writer`, created at `path`
/// by its first rows.
fn spill_rows(
    writer: &mut Option<(PathBuf, SpillWriter)>,
    path: &Path,
    rows: &DataFrame,
) -> Result<(), FileError> {
    let writer = match writer {
        Some((_, writer)) => writer,
        slot => {
            let file = std::fs::File::create(path).map_err(|e| fail(path)(e.to_string()))?;
            let writer = ParquetWriter::new(file)
                .with_compression(ParquetCompression::Lz4Raw)
                .batched(rows.schema())
                .map_err(|e| fail(path)(e.to_string()))?;
            &mut slot.insert((path.to_owned(), writer)).1
        }
    };
    writer
        .write_batch(rows)
        .map_err(|e| fail(path)(e.to_string()))
}

impl Drop for Parts<'_> {
    /// Removes the spilled time cards.
    fn drop(&mut self) {
        if let Some(dir) = &self.spill {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Reads a part's time cards from the file the first read spilled them
/// into, a batch at a time, into `builder`.
fn read_spilled(path: &Path, builder: &mut InputBuilder) -> Result<(), FileError> {
    let file = ParquetFile::open(path, CategoryFields::Text).map_err(fail(path))?;
    let batches = file.batches(BATCH_ROWS);
    ahead(
        batches.len(),
        &|i| file.read_typed(batches[i]).map_err(fail(path)),
        |frame| {
            builder
                .push_owned(frame)
                .map_err(|e| fail(path)(e.to_string()))
        },
    )
}

/// Pass 1 over every batch of `cards`: each row's user (or [`NONE`]), and
/// the rows no user matched with why.
#[allow(clippy::type_complexity)]
fn match_all(
    cards: &ParquetFile<'_>,
    index: &UserIndex,
) -> Result<(Vec<u32>, Vec<(usize, String)>, Presence), String> {
    let batches = cards.batches(BATCH_ROWS);
    let keys = col::USER_KEYS;
    let by_name = cards.names.iter().any(|n| n == col::USER_NAME);
    let first: &[&str] = if by_name { &keys[..1] } else { &keys };
    let read = |columns: &[&str], rows| {
        cards
            .read(RecordType::TimeCard, Some(columns), Some(rows))
            .map_err(|message| FileError {
                path: String::new(),
                message,
            })
    };
    let mut matched: Vec<u32> = Vec::new();
    let mut unmatched = Vec::new();
    let mut presence = Presence::default();
    let mut next = 0;
    let as_u32 = |u: Option<UserId>| u.map_or(NONE, |u| u.0);
    ahead(batches.len(), &|i| read(first, batches[i]), |decoded| {
        let rows = batches[next];
        next += 1;
        presence.observe(&decoded.frame);
        let failed = |e: PolarsError| FileError {
            path: String::new(),
            message: e.to_string(),
        };
        if by_name && let Some(users) = match_user_names(&decoded.frame, index).map_err(failed)? {
            matched.extend(users.into_iter().map(as_u32));
            return Ok(());
        }
        let mut frame = decoded.frame;
        if by_name {
            let others = read(&keys[1..], rows)?;
            presence.observe(&others.frame);
            frame.hstack_mut(others.frame.columns()).map_err(failed)?;
        }
        let first_row = matched.len();
        let (users, none) = match_keys(&frame, index).map_err(failed)?;
        matched.extend(users.into_iter().map(as_u32));
        unmatched.extend(none.into_iter().map(|(row, why)| (first_row + row, why)));
        Ok(())
    })
    .map_err(|e| e.message)?;
    Ok((matched, unmatched, presence))
}

/// `frames` one after the other.
fn stack(frames: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    let mut frames = frames.into_iter();
    let Some(mut all) = frames.next() else {
        return Ok(DataFrame::empty());
    };
    for frame in frames {
        all.vstack_mut_owned(frame)?;
    }
    all.rechunk_mut_par();
    Ok(all)
}
