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
//! part's cards, typed, into a file of its own, which that part reads;
//! otherwise each part reads the time card file again.
//!
//! A spilled card is its [`TimeCard`], packed (names interned in one
//! table for every part), with a digest of the fields that only tell
//! records apart ([`TimeCard::details`]), which the part's reading
//! classifies by instead of the fields; each user's first and last name
//! from their first card that has either are spilled beside them, and so
//! is each card's user, so that the part's reading has its cards' users
//! without going through every card of the file for them.
//! Every exception found reading the files goes with the part of the
//! `userName` it names (the first part when it names none), where the
//! whole input would tie it to the same user. So the parts, one after the
//! other, are the whole input: each user's cards and exceptions, and the
//! users in `userName` order, part after part.
//!
//! Memory holds the keys' index while matching, then 8 bytes a user and
//! 4 a time card, and one part (while the first part is read, also a byte
//! a user and each part's two 64 KiB buffers of spill being written).

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::decode::CategoryFields;
use crate::exception::Exception;
use crate::files::{BATCH_ROWS, FileError, ParquetFile, Presence, ahead};
use crate::input::{
    CardCoder, GivenNames, InputBuilder, MOST_CARD_BYTES, Names, PayrollInput, TimeCard, UserId,
    detail_digests, digest_seed, typed_cards,
};
use crate::join::{UserIndex, match_keys, match_user_names, unknown_user};
use crate::schema::{RecordType, col};

/// An error of the file at `path`.
fn fail(path: &Path) -> impl Fn(String) -> FileError + '_ {
    move |message: String| FileError {
        path: path.display().to_string(),
        message,
    }
}

/// Bytes of spilled time cards read back at a time.
const SPILL_READ_BYTES: usize = 1 << 21;

/// Bytes each spill file is written at a time (its buffer): the cards',
/// users' and names' files of a few hundred parts at most, some tens of
/// MiB in all.
const SPILL_BUFFER: usize = 1 << 16;

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
    /// [`spill_into`](Self::spill_into)), and each part's files there.
    spill: Option<PathBuf>,
    spilled: Vec<Spilled>,
    /// The names of every spilled card (filled by the first read).
    names: Names,
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
    /// In files of their own (see [`PartSpill`]).
    File {
        /// The typed cards.
        cards: PathBuf,
        /// Each card's user, in the cards' order.
        users: PathBuf,
        /// The users' names from their cards, if any has one.
        names: Option<PathBuf>,
    },
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
        let clock = std::time::Instant::now();
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
            tracing::debug!(elapsed = ?clock.elapsed(), users = keys.height(), "users' keys indexed");
            match_all(&cards, &index).map_err(fail(cards_path))?
        };
        tracing::debug!(elapsed = ?clock.elapsed(), cards = matched.len(), rss_mib = crate::resident_bytes() >> 20, "every time card's user found");
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
        tracing::debug!(elapsed = ?clock.elapsed(), parts = parts.len(), "users cut into parts");
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
            names: Names::default(),
            again: false,
        })
    }

    /// Has the first read write the time cards of every other part into a
    /// file of its own in `dir` (created, and removed with the files when
    /// the parts are dropped), read from there instead of the time card
    /// file: the file is then decoded once, not once per part. `dir` must
    /// not hold anything else; put it where a few gigabytes may go (the
    /// cards of 100M records take about 2.7 GB: some 24 bytes a card
    /// packed, and 4 for its user), not on a file system in memory.
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

    /// The part of `user` (a row of the users file), if it has one.
    pub fn part_holding(&self, user: UserId) -> Option<usize> {
        self.place.get(user.index()).map(|&(part, _)| part as usize)
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
        let spilled = self.spilled.get(k).cloned().unwrap_or(Spilled::No);
        // Each of the part's cards' user, in row order: a spilled part's
        // from its file, the others' found among every card's.
        let (assigned, from) = match &spilled {
            Spilled::File { users, .. } => (read_spilled_users(users)?, users.as_path()),
            Spilled::Empty => (Vec::new(), self.cards_path),
            Spilled::No => {
                let in_part = |user: u32| user != NONE && self.place[user as usize].0 as usize == k;
                let users = (self.matched.iter())
                    .filter(|&&u| in_part(u))
                    .map(|&u| Some(UserId(self.place[u as usize].1)))
                    .collect();
                (users, self.cards_path)
            }
        };
        builder
            .assign(assigned)
            .map_err(|e| fail(from)(e.to_string()))?;
        match spilled {
            Spilled::File { cards, names, .. } => {
                read_spilled(&cards, names.as_deref(), &mut builder)?;
                builder
                    .use_names(self.names.clone())
                    .map_err(|e| fail(&cards)(e.to_string()))?;
            }
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
                let (spilled, names) = self.read_cards(reading, &mut builder)?;
                if let Some(names) = names {
                    builder
                        .use_names(names.clone())
                        .map_err(|e| fail(self.cards_path)(e.to_string()))?;
                    self.names = names;
                }
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
    /// other part's time cards, typed, into its own files (returned, with
    /// the name table of every typed card, `builder`'s too).
    ///
    /// Long because it is one pass over the file's batches with what the
    /// first read does besides.
    fn read_cards(
        &self,
        reading: Reading<'_>,
        builder: &mut InputBuilder,
    ) -> Result<(Vec<Spilled>, Option<Names>), FileError> {
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
        let spill = match (&self.spill, first_read) {
            (Some(dir), true) => {
                std::fs::create_dir_all(dir).map_err(|e| fail(dir)(e.to_string()))?;
                Some(dir.clone())
            }
            _ => None,
        };
        let seed = digest_seed();
        let cards_file = &self.cards;
        let typed = |i: usize| {
            let batch = |columns: &[&str]| {
                cards_file
                    .read(RecordType::TimeCard, Some(columns), Some(batches[i]))
                    .map_err(fail(self.cards_path))
            };
            // The keys name records in exceptions: read with a batch that
            // makes some, as the whole input's reading does.
            let decoded = if first_read && !unmatched_in(batches[i]).is_empty() {
                batch(all)?
            } else {
                let decoded = batch(&rest)?;
                if first_read && !decoded.exceptions.is_empty() {
                    batch(all)?
                } else {
                    decoded
                }
            };
            // Digested on the reading thread, beside the decoding, rather
            // than where the cards are typed.
            let digests = match spill {
                Some(_) => Some(
                    detail_digests(&decoded.frame, seed)
                        .map_err(|e| fail(self.cards_path)(e.to_string()))?,
                ),
                None => None,
            };
            Ok((decoded, digests))
        };
        let parts = self.parts.len();
        let mut writers: Vec<Option<PartSpill>> = (0..parts).map(|_| None).collect();
        let mut names = Names::default();
        // Whether each user (a row of the users file) has names from a card.
        let mut named = match spill {
            Some(_) => vec![false; self.place.len()],
            None => Vec::new(),
        };
        // Each part's cards so far: the next card's row in the part.
        let mut part_rows = vec![0u32; parts];
        let (mut mine, mut mine_digests) = (Vec::new(), Vec::new());
        let mut next = 0;
        let (matched, place) = (&self.matched, &self.place);
        ahead(batches.len(), &typed, |(decoded, digests)| {
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
            let frame = decoded.frame;
            let (Some(dir), Some(digests)) = (&spill, digests) else {
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
            let rows = &matched[start..start + len];
            // Each user's names from their first card that has either.
            if let Some(given) = GivenNames::of(&frame).map_err(failed)? {
                for (i, &u) in rows.iter().enumerate() {
                    if u == NONE || named[u as usize] {
                        continue;
                    }
                    let (first, last) = given.at(i);
                    if first.is_none() && last.is_none() {
                        continue;
                    }
                    named[u as usize] = true;
                    let (j, id) = place[u as usize];
                    match j as usize == k {
                        true => builder.give_names(UserId(id), first, last),
                        false => PartSpill::open(&mut writers[j as usize], dir, j as usize)?
                            .names(id, first.as_deref(), last.as_deref())?,
                    }
                }
            }
            // Every card typed once, into its part: this part's builder,
            // or the part's file.
            let users: Vec<Option<UserId>> = rows
                .iter()
                .map(|&u| (u != NONE).then(|| UserId(place[u as usize].1)))
                .collect();
            let mut spilled: Result<(), FileError> = Ok(());
            typed_cards(&frame, &users, 0, &mut names, |i, mut card| {
                let j = place[rows[i] as usize].0 as usize;
                card.row = part_rows[j];
                part_rows[j] += 1;
                if j == k {
                    mine.push(card);
                    mine_digests.push(digests[i]);
                } else if spilled.is_ok() {
                    spilled = PartSpill::open(&mut writers[j], dir, j)
                        .and_then(|w| w.card(&card, digests[i]));
                }
            })
            .map_err(failed)?;
            spilled?;
            builder.push_typed(&mine, &mine_digests).map_err(failed)?;
            mine.clear();
            mine_digests.clear();
            Ok(())
        })?;
        if first_read {
            card_presence.check(self.cards_path, RecordType::TimeCard)?;
        }
        if spill.is_none() {
            return Ok((Vec::new(), None));
        }
        let mut spilled = Vec::with_capacity(parts);
        for (j, writer) in writers.into_iter().enumerate() {
            spilled.push(match writer {
                Some(writer) => writer.finish()?,
                None if j == k => Spilled::No,
                None => Spilled::Empty,
            });
        }
        Ok((spilled, Some(names)))
    }
}

/// A part's spilled files being written:
///
/// * its typed cards, each with its details' digest, as [`CardCoder`]
///   writes them;
/// * each card's user, its id in the part, 4 bytes little-endian. The
///   cards' file holds it too, packed among each card's fields, but the
///   part's reading needs every user before its first card, and taking
///   them from there would decode the file twice (finding them among
///   every card of the input instead took 0.7-0.8 s a part at 100M). The
///   reading checks that the two agree;
/// * its users' names from their cards: each the user's id in the part,
///   then the first and the last name, each a length (`u32::MAX` for
///   none) and its bytes.
struct PartSpill {
    cards: SpillFile,
    users: SpillFile,
    coder: CardCoder,
    /// One record being encoded (a card, or a user's names).
    record: Vec<u8>,
    /// The names' file, created at its first names.
    names: Option<SpillFile>,
    names_path: PathBuf,
}

impl PartSpill {
    /// Part `j`'s spill in `dir`, its cards' file created at its first use.
    fn open<'w>(
        writer: &'w mut Option<PartSpill>,
        dir: &Path,
        j: usize,
    ) -> Result<&'w mut PartSpill, FileError> {
        if let Some(writer) = writer {
            return Ok(writer);
        }
        Ok(writer.insert(PartSpill {
            cards: create(&dir.join(format!("part-{j}.cards")))?,
            users: create(&dir.join(format!("part-{j}.users")))?,
            coder: CardCoder::default(),
            record: Vec::with_capacity(MOST_CARD_BYTES),
            names: None,
            names_path: dir.join(format!("part-{j}.names")),
        }))
    }

    /// Appends `card` and the digest of its details.
    fn card(&mut self, card: &TimeCard, digest: u64) -> Result<(), FileError> {
        self.record.clear();
        self.coder.encode(card, digest, &mut self.record);
        append(&mut self.cards, &self.record)?;
        append(&mut self.users, &card.user.0.to_le_bytes())
    }

    /// Appends user `id`'s names.
    fn names(&mut self, id: u32, first: Option<&str>, last: Option<&str>) -> Result<(), FileError> {
        let names = match &mut self.names {
            Some(names) => names,
            slot => slot.insert(create(&self.names_path)?),
        };
        self.record.clear();
        self.record.extend_from_slice(&id.to_le_bytes());
        for name in [first, last] {
            match name {
                Some(name) => {
                    self.record
                        .extend_from_slice(&(name.len() as u32).to_le_bytes());
                    self.record.extend_from_slice(name.as_bytes());
                }
                None => self.record.extend_from_slice(&u32::MAX.to_le_bytes()),
            }
        }
        append(names, &self.record)
    }

    /// Writes what is buffered: where the part's cards now are.
    fn finish(self) -> Result<Spilled, FileError> {
        Ok(Spilled::File {
            names: self.names.map(flush).transpose()?,
            users: flush(self.users)?,
            cards: flush(self.cards)?,
        })
    }
}

/// A spill file being written, and its path.
type SpillFile = (PathBuf, std::io::BufWriter<std::fs::File>);

/// Appends `bytes` to `file`.
fn append((path, file): &mut SpillFile, bytes: &[u8]) -> Result<(), FileError> {
    use std::io::Write as _;
    file.write_all(bytes).map_err(|e| fail(path)(e.to_string()))
}

/// Writes what `file` buffers; its path.
fn flush((path, mut file): SpillFile) -> Result<PathBuf, FileError> {
    use std::io::Write as _;
    file.flush().map_err(|e| fail(&path)(e.to_string()))?;
    Ok(path)
}

/// A spill file created at `path`, buffered.
fn create(path: &Path) -> Result<SpillFile, FileError> {
    let file = std::fs::File::create(path).map_err(|e| fail(path)(e.to_string()))?;
    Ok((
        path.to_owned(),
        std::io::BufWriter::with_capacity(SPILL_BUFFER, file),
    ))
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
/// into (`cards`), a block at a time, into `builder`, and its users' names
/// from theirs (`names`).
fn read_spilled(
    cards: &Path,
    names: Option<&Path>,
    builder: &mut InputBuilder,
) -> Result<(), FileError> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(cards).map_err(|e| fail(cards)(e.to_string()))?;
    let mut coder = CardCoder::default();
    let mut bytes = vec![0u8; SPILL_READ_BYTES];
    // Bytes read but not yet decoded: `bytes[start..end]`.
    let (mut start, mut end, mut done) = (0, 0, false);
    let (mut typed, mut digests) = (Vec::new(), Vec::new());
    while !done || start < end {
        // The rest moved to the front and the buffer filled, so that every
        // card but the file's last ones is whole in it.
        bytes.copy_within(start..end, 0);
        (start, end) = (0, end - start);
        while !done && end < bytes.len() {
            match file.read(&mut bytes[end..]) {
                Ok(0) => done = true,
                Ok(n) => end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(fail(cards)(e.to_string())),
            }
        }
        typed.clear();
        digests.clear();
        while start < end && (done || end - start >= MOST_CARD_BYTES) {
            let (card, digest, len) = coder
                .decode(&bytes[start..end])
                .ok_or_else(|| broken(cards, "time cards"))?;
            typed.push(card);
            digests.push(digest);
            start += len;
        }
        builder
            .push_typed(&typed, &digests)
            .map_err(|e| fail(cards)(e.to_string()))?;
    }
    let Some(path) = names else {
        return Ok(());
    };
    let bytes = std::fs::read(path).map_err(|e| fail(path)(e.to_string()))?;
    let mut at = 0;
    while at < bytes.len() {
        let record = (|| {
            let id = u32::from_le_bytes(take(&bytes, &mut at, 4)?.try_into().ok()?);
            let first = spilled_name(&bytes, &mut at)?;
            let last = spilled_name(&bytes, &mut at)?;
            Some((id, first, last))
        })();
        let (id, first, last) = record.ok_or_else(|| broken(path, "names"))?;
        builder.give_names(UserId(id), first, last);
    }
    Ok(())
}

/// The error of a spill file that does not hold what this run wrote.
fn broken(path: &Path, what: &str) -> FileError {
    fail(path)(format!("the spilled {what} are not what this run wrote"))
}

/// Each card's user of a part's spilled cards, from the file the first
/// read wrote them into (see [`PartSpill`]).
fn read_spilled_users(path: &Path) -> Result<Vec<Option<UserId>>, FileError> {
    let bytes = std::fs::read(path).map_err(|e| fail(path)(e.to_string()))?;
    if bytes.len() % 4 != 0 {
        return Err(broken(path, "users"));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|id| Some(UserId(u32::from_le_bytes([id[0], id[1], id[2], id[3]]))))
        .collect())
}

/// The `n` bytes of `bytes` at `at`, which moves past them.
fn take<'b>(bytes: &'b [u8], at: &mut usize, n: usize) -> Option<&'b [u8]> {
    let taken = bytes.get(*at..at.checked_add(n)?)?;
    *at += n;
    Some(taken)
}

/// A spilled name at `at` (see [`PartSpill`]): `Some(None)` for none,
/// `None` for bytes that are not one.
fn spilled_name(bytes: &[u8], at: &mut usize) -> Option<Option<String>> {
    let len = u32::from_le_bytes(take(bytes, at, 4)?.try_into().ok()?);
    if len == u32::MAX {
        return Some(None);
    }
    let name = take(bytes, at, len as usize)?;
    String::from_utf8(name.to_vec()).ok().map(Some)
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
