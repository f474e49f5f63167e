//! A deterministic company generator.
//!
//! Given a seed, a head count and a date span, [`generate`] builds a company
//! whose time cards exercise everything payroll has to get right:
//!
//! * users in six IANA zones (New York, Chicago, Denver, Los Angeles, Phoenix
//!   and the southern-hemisphere Sydney), plus one with an empty zone and one
//!   with an invalid zone;
//! * hourly and salaried users; overtime rule names `""`, `"ot1"`, `"ot2"` and
//!   one unconfigured name (`"legacy"`); every role including `Inactive`;
//!   users hired part-way through the span;
//! * day shifts, overnight shifts (worked Wednesday to Sunday nights, so every
//!   Saturday-night DST change in the span is crossed), long six- and
//!   seven-day weeks, part-time weeks;
//! * open punches, PTO (with `outDateTime` both `"0000-00-00 00:00:00"` and
//!   `""`), addition and deduction adjustments in hours and in amounts;
//! * five job names and a day and a night shift on every job entry, and a
//!   weekly `"Production Bonus"` for some long-week workers (the demo pays
//!   job rates, a night differential and that bonus, design §5b);
//! * values in every loose form the API uses (numbers as text and as JSON
//!   numbers);
//! * a time card whose user is not in the users list, and one that names its
//!   user only by employee number.
//!
//! Each user-day draws from its own random stream (seed, user, date), so
//! widening the span adds days without changing the ones already generated.
//!
//! It is long because a company is generated from one random stream in a
//! fixed order (users, then days of work), which keeps a seed's company the
//! same; the last quarter is tests.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde_json::{Map, Value, json};

use crate::company::{Company, TimeCardRecord, UserRecord};
use crate::faults::splitmix64;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GeneratorConfig {
    /// Seed for every random choice.
    pub seed: u64,
    /// Number of users.
    pub users: usize,
    /// First date with time cards.
    pub from: NaiveDate,
    /// Last date with time cards (inclusive).
    pub to: NaiveDate,
    /// The company id requests must carry.
    pub company_id: String,
    /// The developer token requests must carry.
    pub token: String,
    /// Which kinds of user and time card to generate.
    pub mix: Mix,
}

/// Which kinds of user and time card [`generate`] makes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mix {
    /// Everything payroll has to get right (the module's list).
    #[default]
    Full,
    /// Only hourly users of the six zones with the default overtime rule,
    /// and only complete job entries (no PTO, adjustments, bonuses, open
    /// punches, unknown users or bad zones): the case a plain weekly FLSA
    /// query models, for comparing payrun with such a query.
    Flsa,
    /// [`Mix::Full`], plus jurisdictions (design §5d): the Denver users
    /// of the default rule work under `"co"` (the long weeks' shifts pass
    /// 12 hours now and then), and the Los Angeles users of the `"ot1"` slot under
    /// `"ca"`, their day split by a meal that is sometimes late or short,
    /// with a weekly `"Attendance Bonus"` (a flat sum) now and then. The
    /// other users' cards are those of `Full`.
    Jurisdictions,
}

impl std::str::FromStr for Mix {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "full" => Ok(Mix::Full),
            "flsa" => Ok(Mix::Flsa),
            "jurisdictions" => Ok(Mix::Jurisdictions),
            other => Err(format!(
                "unknown mix {other:?}: use full, flsa or jurisdictions"
            )),
        }
    }
}

/// The company id of generated companies unless configured otherwise.
pub const DEFAULT_COMPANY_ID: &str = "12345";
/// The developer token of generated companies unless configured otherwise.
pub const DEFAULT_TOKEN: &str = "sim-developer-token";

impl Default for GeneratorConfig {
    fn default() -> Self {
        GeneratorConfig {
            seed: 1,
            users: 50,
            from: NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date"),
            to: NaiveDate::from_ymd_opt(2024, 12, 31).expect("valid date"),
            company_id: DEFAULT_COMPANY_ID.to_owned(),
            token: DEFAULT_TOKEN.to_owned(),
            mix: Mix::Full,
        }
    }
}

/// Time zones users are spread over, one southern-hemisphere.
pub const TIME_ZONES: [&str; 6] = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Australia/Sydney",
    "America/Phoenix",
];

/// Departments users are spread over.
pub const DEPARTMENTS: [&str; 5] = [
    "Warehouse",
    "Front Office",
    "Field Service",
    "Kitchen",
    "Night Operations",
];

const FIRST_NAMES: [&str; 24] = [
    "Ava", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kate",
    "Luis", "Mei", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor",
    "Wen", "Yusuf",
];
const LAST_NAMES: [&str; 20] = [
    "Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones",
    "Khan", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Walsh",
];
const JOBS: [&str; 5] = ["Assembly", "Packing", "Delivery", "Front Desk", "Cleaning"];

/// A small reproducible random stream.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, a: u64, b: u64) -> Rng {
        Rng(splitmix64(seed ^ splitmix64(a ^ splitmix64(b))))
    }
    fn next(&mut self) -> u64 {
        self.0 = splitmix64(self.0);
        self.0
    }
    /// A value in `lo..hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo).max(1) as u64) as i64
    }
    /// True once in `n` draws on average.
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
}

/// How a user works.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Pattern {
    Day,
    Overnight,
    Long,
    PartTime,
}

/// A generated user as their time cards need them. The texts a card
/// names them by are worked out from `index` when a card is made (a user
/// is about 60 bytes, so millions fit: `payrun sim --dump`), or fixed for
/// a user who is not one of the generated ones.
struct User {
    index: usize,
    first: &'static str,
    last: &'static str,
    pattern: Pattern,
    hired: NaiveDate,
    inactive: bool,
    /// `overTimeRule`.
    rule: &'static str,
    /// The names of a user outside the generated list.
    fixed: Option<Box<Names>>,
}

/// A user's names as records carry them.
struct Names {
    user_name: String,
    full_name: String,
    employee_number: String,
    digit_id: String,
}

impl User {
    /// The user's names: fixed, or those of generated user `index`.
    fn names(&self) -> Names {
        match &self.fixed {
            Some(names) => Names {
                user_name: names.user_name.clone(),
                full_name: names.full_name.clone(),
                employee_number: names.employee_number.clone(),
                digit_id: names.digit_id.clone(),
            },
            None => names_of(self.index),
        }
    }
}

/// The names of generated user `index`.
fn names_of(index: usize) -> Names {
    let first = FIRST_NAMES[index % FIRST_NAMES.len()];
    let last = LAST_NAMES[(index / FIRST_NAMES.len() + index) % LAST_NAMES.len()];
    let cycle = index / (FIRST_NAMES.len() * LAST_NAMES.len());
    Names {
        user_name: format!(
            "{}{}{}",
            first[..1].to_lowercase(),
            last.to_lowercase(),
            index
        ),
        full_name: if cycle == 0 {
            format!("{first} {last}")
        } else {
            format!("{first} {last} {}", cycle + 1)
        },
        employee_number: (1000 + index).to_string(),
        digit_id: format!("{:06}", (index * 7919 + 104_729) % 1_000_000),
    }
}

const DATE_TIME: &str = "%Y-%m-%d %H:%M:%S";
const OPEN: &str = "0000-00-00 00:00:00";

/// Builds the company described by `config`.
pub fn generate(config: &GeneratorConfig) -> Company {
    let generator = Generator::new(config);
    let mut cards: Vec<Map<String, Value>> = Vec::new();
    for person in &generator.people {
        for date in generator.dates() {
            day_of_work(config, person, date, &mut cards);
        }
    }
    special_cases(config, &generator.people, &mut cards);
    in_api_order(&mut cards);
    Company {
        id: config.company_id.clone(),
        token: config.token.clone(),
        time_cards: cards.iter().map(TimeCardRecord::from_object).collect(),
        users: generator.users().collect(),
    }
}

/// The same company as [`generate`], a day at a time, for data larger than
/// memory (`payrun sim --dump`). Each user-day has its own random stream,
/// so the cards are those of [`generate`]; only their order differs.
pub struct Generator<'a> {
    config: &'a GeneratorConfig,
    people: Vec<User>,
}

impl<'a> Generator<'a> {
    /// Makes the users of `config` (about 60 bytes each; their records
    /// are made when [`users`](Self::users) asks for them).
    pub fn new(config: &'a GeneratorConfig) -> Self {
        Generator {
            config,
            people: (0..config.users)
                .map(|index| make_user(config, index).0)
                .collect(),
        }
    }

    /// The users' records, by userName, each made as it is taken: only
    /// the order (a name and a number per user) is held at once.
    pub fn users(&self) -> impl Iterator<Item = UserRecord> + '_ {
        let mut order: Vec<(String, usize)> = (0..self.config.users)
            .map(|index| (names_of(index).user_name, index))
            .collect();
        order.sort_unstable();
        order
            .into_iter()
            .map(|(_, index)| UserRecord::from_object(&make_user(self.config, index).1))
    }

    /// The dates that have time cards, in order.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + use<'a> {
        let to = self.config.to;
        self.config.from.iter_days().take_while(move |d| *d <= to)
    }

    /// The time cards that the users numbered `people` (in generation
    /// order, `0..config.users`) punch in on `date`, as JSON object texts
    /// ordered as the API orders them (by `inDateTime`, then `userName`).
    pub fn cards_on(&self, date: NaiveDate, people: std::ops::Range<usize>) -> Vec<String> {
        let mut cards = Vec::new();
        for person in &self.people[people] {
            day_of_work(self.config, person, date, &mut cards);
        }
        in_api_order(&mut cards);
        cards
            .into_iter()
            .map(|c| Value::Object(c).to_string())
            .collect()
    }

    /// The records that appear once (see [`generate`]), as JSON object texts.
    pub fn special_cards(&self) -> Vec<String> {
        let mut cards = Vec::new();
        special_cases(self.config, &self.people, &mut cards);
        cards
            .into_iter()
            .map(|c| Value::Object(c).to_string())
            .collect()
    }
}

/// Sorts generated cards by `inDateTime`, then `userName`, as the API sends them.
fn in_api_order(cards: &mut [Map<String, Value>]) {
    let key = |m: &Map<String, Value>| {
        (
            m.get("inDateTime")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            m.get("userName")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
        )
    };
    cards.sort_by_cached_key(key);
}

/// Long because a generated user's fields all draw from one random stream
/// in a fixed order, which keeps a seed's company the same.
fn make_user(config: &GeneratorConfig, index: usize) -> (User, Map<String, Value>) {
    let mut rng = Rng::new(config.seed, 0x05e7, index as u64);
    let first = FIRST_NAMES[index % FIRST_NAMES.len()];
    let last = LAST_NAMES[(index / FIRST_NAMES.len() + index) % LAST_NAMES.len()];
    let Names {
        user_name,
        full_name,
        employee_number,
        digit_id,
    } = names_of(index);
    let pattern = match (index / TIME_ZONES.len()) % 4 {
        1 => Pattern::Overnight,
        2 => Pattern::Long,
        3 => Pattern::PartTime,
        _ => Pattern::Day,
    };
    let flsa = config.mix == Mix::Flsa;
    let time_zone = match index {
        _ if flsa => TIME_ZONES[index % TIME_ZONES.len()],
        7 => "",
        13 => "Europe/Atlantis",
        _ => TIME_ZONES[index % TIME_ZONES.len()],
    };
    let role = match index {
        0 => "Admin",
        _ if index % 17 == 16 && !flsa => "Inactive",
        _ if index % 10 == 1 => "Manager",
        _ => "Employee",
    };
    let span = (config.to - config.from).num_days().max(1);
    let hired = if index % 9 == 4 && !flsa {
        config.from + Duration::days(rng.range(1, span))
    } else {
        config.from - Duration::days(rng.range(30, 2000))
    };
    let salaried = index % 6 == 5 && !flsa;
    let pay_rate: Value = if salaried {
        Value::String(format!("{}.00", rng.range(40, 90) * 1000))
    } else {
        let cents = rng.range(15 * 4, 45 * 4) * 25;
        let text = format!("{}.{:02}", cents / 100, cents % 100);
        if index % 11 == 3 {
            // Some payRates arrive as JSON numbers rather than text.
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        } else {
            Value::String(text)
        }
    };
    let rule = match index {
        _ if flsa => "",
        11 => "legacy",
        _ => ["", "", "", "ot1", "", "ot2", "", "ot1"][index % 8],
    };
    let rule = match (config.mix, rule, time_zone) {
        (Mix::Jurisdictions, "", "America/Denver") => "co",
        (Mix::Jurisdictions, "ot1", "America/Los_Angeles") => "ca",
        _ => rule,
    };
    let created = NaiveDateTime::new(
        hired,
        NaiveTime::from_hms_opt(9, 15, 0).expect("valid time"),
    );
    let updated = created + Duration::days(rng.range(0, 400));
    let birth = NaiveDate::from_ymd_opt(
        1960 + (index % 40) as i32,
        1 + (index % 12) as u32,
        1 + (index % 28) as u32,
    )
    .expect("valid date");
    let object = json!({
        "userFullName": full_name,
        "userName": user_name,
        "digitId": digit_id,
        "employeeNumber": employee_number,
        "email": format!("{user_name}@example.com"),
        "mobilePhone": "",
        "role": role,
        "updatedDateTime": updated.format(DATE_TIME).to_string(),
        "createdDateTime": created.format(DATE_TIME).to_string(),
        "overTimeRule": rule,
        "departmentName": DEPARTMENTS[index % DEPARTMENTS.len()],
        "hiredDate": hired.format("%Y-%m-%d").to_string(),
        "fullPartTime": if pattern == Pattern::PartTime { "Part Time" } else { "Full Time" },
        "rateType": if salaried { "Salary Rate" } else { "Hourly Rate" },
        "payRate": pay_rate,
        "timeZone": time_zone,
        "pointOfContact": "",
        "dateOfBirth": birth.format("%Y-%m-%d").to_string(),
        "memo": "",
    });
    let Value::Object(object) = object else {
        unreachable!("json! of an object literal is an object")
    };
    let user = User {
        index,
        first,
        last,
        pattern,
        hired,
        inactive: role == "Inactive",
        rule,
        fixed: None,
    };
    (user, object)
}

/// Does `pattern` start a shift on `weekday`?
fn works_on(pattern: Pattern, weekday: Weekday, rng: &mut Rng) -> bool {
    use Weekday::*;
    match pattern {
        Pattern::Day => !matches!(weekday, Sat | Sun) || rng.one_in(12),
        // Wednesday to Sunday nights: the Saturday night crosses every DST change.
        Pattern::Overnight => matches!(weekday, Wed | Thu | Fri | Sat | Sun),
        // Six days, and now and then the seventh.
        Pattern::Long => weekday != Sun || rng.one_in(3),
        Pattern::PartTime => matches!(weekday, Mon | Wed | Fri) || rng.one_in(7),
    }
}

/// Long because a simulated workday's cases (shifts, breaks, night work,
/// PTO, data faults) all draw from one random stream in a fixed order,
/// which keeps a seed's company the same.
fn day_of_work(
    config: &GeneratorConfig,
    user: &User,
    date: NaiveDate,
    cards: &mut Vec<Map<String, Value>>,
) {
    let span_days = (config.to - config.from).num_days();
    if date < user.hired || (user.inactive && (date - config.from).num_days() > span_days / 3) {
        return;
    }
    let full = matches!(config.mix, Mix::Full | Mix::Jurisdictions);
    let mut rng = Rng::new(
        config.seed,
        user.index as u64,
        date.num_days_from_ce() as u64,
    );
    if !works_on(user.pattern, date.weekday(), &mut rng) {
        return;
    }
    if rng.one_in(40) && full {
        let pto = if rng.one_in(2) { "Vacation" } else { "Sick" };
        let mut card = base_card(user, &mut rng);
        card.insert("inDateTime".into(), json!(format!("{date} 00:00:00")));
        // Both forms of "no out time" for PTO appear in real data.
        card.insert(
            "outDateTime".into(),
            json!(if rng.one_in(2) { OPEN } else { "" }),
        );
        card.insert("hours".into(), json!("8.000"));
        card.insert("entryType".into(), json!(1));
        card.insert("ptoName".into(), json!(pto));
        cards.push(card);
        return;
    }
    let (start_minute, length_minutes) = match user.pattern {
        Pattern::Day => (rng.range(7 * 60, 9 * 60), rng.range(420, 570)),
        Pattern::Overnight => (22 * 60 + rng.range(-15, 16), rng.range(450, 540)),
        Pattern::Long => (rng.range(6 * 60, 8 * 60), rng.range(510, 760)),
        Pattern::PartTime => (rng.range(9 * 60, 14 * 60), rng.range(240, 360)),
    };
    let start = NaiveDateTime::new(date, NaiveTime::MIN)
        + Duration::minutes(start_minute)
        + Duration::seconds(rng.range(0, 60));
    let end = start + Duration::minutes(length_minutes) + Duration::seconds(rng.range(0, 60));
    let mut card = base_card(user, &mut rng);
    card.insert(
        "inDateTime".into(),
        json!(start.format(DATE_TIME).to_string()),
    );
    let open = rng.one_in(400) && full;
    let out = if open {
        OPEN.to_owned()
    } else {
        end.format(DATE_TIME).to_string()
    };
    card.insert("outDateTime".into(), json!(out));
    card.insert(
        "jobName".into(),
        json!(JOBS[(user.index + rng.range(0, 2) as usize) % JOBS.len()]),
    );
    card.insert(
        "shiftName".into(),
        json!(if user.pattern == Pattern::Overnight {
            "Night Shift"
        } else {
            "Day Shift"
        }),
    );
    // The API sends numbers both ways; so do we.
    if rng.one_in(25) {
        card.insert("hours".into(), json!(0));
        card.insert("entryType".into(), json!("0"));
    }
    card.insert(
        "updateDateTime".into(),
        json!(if open { start } else { end }.format(DATE_TIME).to_string()),
    );
    card.insert(
        "createdDateTime".into(),
        json!(start.format(DATE_TIME).to_string()),
    );
    if user.rule == "ca" && !open {
        // Its own stream, so the cards of the company's other users stay
        // those of the full mix.
        california_day(config, user, date, (start, end), card, cards);
    } else {
        cards.push(card);
    }

    if rng.one_in(120) && full {
        let deduct = rng.one_in(3);
        let in_amount = rng.one_in(2);
        let mut card = base_card(user, &mut rng);
        card.insert("inDateTime".into(), json!(format!("{date} 12:00:00")));
        card.insert("entryType".into(), json!(if deduct { 3 } else { 2 }));
        card.insert(
            "adjustHoursAmount".into(),
            json!(if in_amount { "1" } else { "0" }),
        );
        card.insert(
            "hours".into(),
            json!(if in_amount { "25.000" } else { "1.500" }),
        );
        card.insert(
            "adjustTypeName".into(),
            json!(if deduct { "Correction" } else { "Bonus" }),
        );
        cards.push(card);
    }
    // A weekly production bonus for some long-week workers, paid on Fridays.
    if full && user.pattern == Pattern::Long && date.weekday() == Weekday::Fri && rng.one_in(3) {
        let mut card = base_card(user, &mut rng);
        card.insert("inDateTime".into(), json!(format!("{date} 17:00:00")));
        card.insert("entryType".into(), json!(2));
        card.insert("adjustHoursAmount".into(), json!("1"));
        card.insert(
            "hours".into(),
            json!(format!("{}.000", rng.range(5, 16) * 10)),
        );
        card.insert("adjustTypeName".into(), json!("Production Bonus"));
        cards.push(card);
    }
}

/// A California user's day (the jurisdictions mix): the job entry `card`
/// from `start` to `end` split by a meal that begins after 3:00 to 5:10
/// h worked and lasts 28 to 60 minutes, and on a day of more than 10 h a
/// second 4 to 5 h later (late or short now and then, as in life), the
/// worked time kept; and on Fridays, now and then, a $50.00
/// attendance bonus.
fn california_day(
    config: &GeneratorConfig,
    user: &User,
    date: NaiveDate,
    (start, end): (NaiveDateTime, NaiveDateTime),
    card: Map<String, Value>,
    cards: &mut Vec<Map<String, Value>>,
) {
    let mut rng = Rng::new(
        config.seed ^ 0x0ca1,
        user.index as u64,
        date.num_days_from_ce() as u64,
    );
    let worked = (end - start).num_minutes();
    // Meals as (worked minutes before it, its minutes): a first one, and a
    // second on a day of more than 10 hours.
    let first = rng.range(180, 311);
    let mut meals = vec![(first, rng.range(28, 61))];
    if worked > 600 {
        meals.push((first + rng.range(240, 300), rng.range(30, 46)));
    }
    meals.retain(|(at, _)| at + 30 < worked);
    let wall = |t: NaiveDateTime| json!(t.format(DATE_TIME).to_string());
    let (mut from, mut done) = (start, 0);
    for (at, minutes) in meals {
        let to = from + Duration::minutes(at - done);
        let mut piece = card.clone();
        piece.insert("inDateTime".into(), wall(from));
        piece.insert("createdDateTime".into(), wall(from));
        piece.insert("outDateTime".into(), wall(to));
        piece.insert("updateDateTime".into(), wall(to));
        cards.push(piece);
        from = to + Duration::minutes(minutes);
        done = at;
    }
    let last_out = from + (end - start) - Duration::minutes(done);
    let mut last = card;
    last.insert("inDateTime".into(), wall(from));
    last.insert("createdDateTime".into(), wall(from));
    last.insert("outDateTime".into(), wall(last_out));
    last.insert("updateDateTime".into(), wall(last_out));
    cards.push(last);
    if date.weekday() == Weekday::Fri && rng.one_in(2) {
        let mut bonus = base_card(user, &mut rng);
        bonus.insert("inDateTime".into(), json!(format!("{date} 17:00:00")));
        bonus.insert("entryType".into(), json!(2));
        bonus.insert("adjustHoursAmount".into(), json!("1"));
        bonus.insert("hours".into(), json!("50.000"));
        bonus.insert("adjustTypeName".into(), json!("Attendance Bonus"));
        cards.push(bonus);
    }
}

/// A time card with every documented field at its "absent" value.
fn base_card(user: &User, rng: &mut Rng) -> Map<String, Value> {
    // Most cards are approved by the time payroll runs; one in 25 is not.
    let approved = !rng.one_in(25);
    let names = user.names();
    let Value::Object(map) = json!({
        "userFullName": names.full_name,
        "firstName": user.first,
        "lastName": user.last,
        "employeeNumber": names.employee_number,
        "userName": names.user_name,
        "digitId": names.digit_id,
        "inDateTime": OPEN,
        "outDateTime": OPEN,
        "hours": "0.000",
        "entryType": 0,
        "adjustHoursAmount": "0",
        "jobName": "",
        "ptoName": "",
        "adjustTypeName": "",
        "shiftName": "",
        "employeeNote": "",
        "employeeNoteDateTime": "",
        "employeeNoteIsRead": "",
        "managerComment": "",
        "managerCommentDateTime": "",
        "managerCommentManagerFullName": "",
        "managerCommentIsRead": "",
        "inIp": format!("10.0.{}.{}", user.index % 250, rng.range(1, 250)),
        "outIp": "",
        "inDeviceId": format!("device-{}", user.index % 13),
        "outDeviceId": "",
        "inWifiId": "",
        "outWifiId": "",
        "inLatitude": if user.index.is_multiple_of(2) { "40.712800" } else { "" },
        "inLongitude": if user.index.is_multiple_of(2) { "-74.006000" } else { "" },
        "outLatitude": "",
        "outLongitude": "",
        "entranceIn": "",
        "entranceOut": "",
        "approvedByEmployee": u8::from(approved),
        "approvedManagerFullName": if approved { "Ava Adams" } else { "" },
        "updateDateTime": "",
        "createdDateTime": "",
    }) else {
        unreachable!("json! of an object literal is an object")
    };
    map
}

/// Records that only appear once: an unknown user, and a time card that names
/// its user only by employee number.
fn special_cases(config: &GeneratorConfig, people: &[User], cards: &mut Vec<Map<String, Value>>) {
    if config.mix == Mix::Flsa {
        return;
    }
    let mut rng = Rng::new(config.seed, 0xeda, 0);
    let day = config.from;
    let ghost = User {
        index: 9999,
        first: "Pat",
        last: "Former",
        pattern: Pattern::Day,
        hired: day,
        inactive: false,
        rule: "",
        fixed: Some(Box::new(Names {
            user_name: "former.employee".into(),
            full_name: "Pat Former".into(),
            employee_number: "999999".into(),
            digit_id: "999999".into(),
        })),
    };
    let mut card = base_card(&ghost, &mut rng);
    card.insert("inDateTime".into(), json!(format!("{day} 09:00:00")));
    card.insert("outDateTime".into(), json!(format!("{day} 17:00:00")));
    card.insert("jobName".into(), json!("Assembly"));
    cards.push(card);

    if let Some(user) = people.iter().find(|u| u.hired <= day && !u.inactive) {
        let mut card = base_card(user, &mut rng);
        card.insert("userName".into(), json!(""));
        card.insert("inDateTime".into(), json!(format!("{day} 12:00:00")));
        card.insert("entryType".into(), json!(2));
        card.insert("adjustHoursAmount".into(), json!(1));
        card.insert("hours".into(), json!("10.00"));
        card.insert("adjustTypeName".into(), json!("Meal allowance"));
        cards.push(card);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Company {
        generate(&GeneratorConfig {
            seed: 3,
            users: 40,
            from: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2024, 4, 15).unwrap(),
            ..GeneratorConfig::default()
        })
    }

    #[test]
    fn the_autumn_changes_are_crossed_too() {
        let company = generate(&GeneratorConfig {
            seed: 3,
            users: 12,
            from: NaiveDate::from_ymd_opt(2024, 10, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2024, 11, 10).unwrap(),
            ..GeneratorConfig::default()
        });
        let night = |user: &str, date: &str| {
            company
                .time_cards
                .iter()
                .any(|t| t.user_name == user && t.in_date_time.starts_with(date))
        };
        // US clocks go back on 2024-11-03; Sydney's go forward on 2024-10-06.
        assert!(night("jjones9", "2024-11-02 2"));
        assert!(night("kkhan10", "2024-10-05 2"));
    }

    #[test]
    fn the_flsa_mix_has_only_what_a_weekly_query_models() {
        let config = GeneratorConfig {
            seed: 3,
            users: 60,
            from: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2024, 4, 15).unwrap(),
            mix: Mix::Flsa,
            ..GeneratorConfig::default()
        };
        let company = generate(&config);
        assert!(company.time_cards.len() > 60 * 20);
        assert!(company.users.iter().all(|u| {
            u.json.contains("Hourly Rate")
                && u.json.contains(r#""overTimeRule":"""#)
                && TIME_ZONES.iter().any(|z| u.json.contains(z))
                && !u.json.contains("Inactive")
        }));
        assert!(company.time_cards.iter().all(|t| {
            (t.json.contains(r#""entryType":0"#) || t.json.contains(r#""entryType":"0""#))
                && !t.json.contains(OPEN)
        }));
        // The streaming generator makes the same cards, a day at a time.
        streams_the_same_company(&config, config.users);
    }

    #[test]
    fn the_streaming_generator_makes_the_same_company() {
        let config = GeneratorConfig {
            seed: 5,
            users: 30,
            from: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2024, 3, 20).unwrap(),
            ..GeneratorConfig::default()
        };
        streams_the_same_company(&config, 15);
    }

    /// [`Generator`], over slices of `slice` users, makes [`generate`]'s
    /// users and cards.
    fn streams_the_same_company(config: &GeneratorConfig, slice: usize) {
        let slices: Vec<_> = (0..config.users)
            .step_by(slice)
            .map(|start| start..(start + slice).min(config.users))
            .collect();
        let company = generate(config);
        let generator = Generator::new(config);
        let users: Vec<Box<str>> = generator.users().map(|u| u.json).collect();
        assert_eq!(
            users,
            company
                .users
                .iter()
                .map(|u| u.json.clone())
                .collect::<Vec<_>>()
        );
        let generator = &generator;
        let mut streamed: Vec<String> = generator
            .dates()
            .flat_map(|d| {
                slices
                    .iter()
                    .flat_map(move |r| generator.cards_on(d, r.clone()))
            })
            .collect();
        streamed.extend(generator.special_cards());
        let mut whole: Vec<String> = company
            .time_cards
            .iter()
            .map(|t| t.json.to_string())
            .collect();
        streamed.sort();
        whole.sort();
        assert_eq!(streamed, whole);
    }

    #[test]
    fn same_seed_same_company() {
        let a = small();
        let b = small();
        assert_eq!(a.time_cards.len(), b.time_cards.len());
        assert!(
            a.time_cards
                .iter()
                .zip(&b.time_cards)
                .all(|(x, y)| x.json == y.json)
        );
        assert!(a.users.iter().zip(&b.users).all(|(x, y)| x.json == y.json));
    }

    /// The jurisdictions mix: Denver users of the default rule under "co",
    /// Los Angeles users of the "ot1" slot under "ca" with their days split
    /// by a meal and attendance bonuses; everyone else's cards as the full
    /// mix makes them.
    #[test]
    fn the_jurisdictions_mix_adds_colorado_and_california() {
        let config = |mix| GeneratorConfig {
            seed: 5,
            users: 48,
            from: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2024, 5, 31).unwrap(),
            mix,
            ..GeneratorConfig::default()
        };
        let full = generate(&config(Mix::Full));
        let more = generate(&config(Mix::Jurisdictions));
        let ruled = |rule: &str| -> Vec<String> {
            more.users
                .iter()
                .filter(|u| u.json.contains(&format!(r#""overTimeRule":"{rule}""#)))
                .map(|u| u.user_name.clone())
                .collect()
        };
        // Denver is zone 2 of 6 (even indexes, whose rule slots are all
        // the default's): 2, 8, …, 44; Los Angeles is zone 3 and "ot1"
        // slots 3 and 7 of 8: 3, 15, 27, 39.
        assert_eq!(ruled("co").len(), 8);
        assert_eq!(ruled("ca").len(), 4);
        let cards_of = |company: &Company, who: &[String], needle: &str| -> usize {
            company
                .time_cards
                .iter()
                .filter(|t| {
                    who.iter()
                        .any(|u| t.json.contains(&format!(r#""userName":"{u}""#)))
                })
                .filter(|t| t.json.contains(needle))
                .count()
        };
        let ca = ruled("ca");
        let job = r#""entryType":0"#;
        // Each split day is two job entries.
        assert!(cards_of(&more, &ca, job) > cards_of(&full, &ca, job));
        assert!(cards_of(&more, &ca, "Attendance Bonus") > 0);
        assert_eq!(cards_of(&full, &ca, "Attendance Bonus"), 0);
        // The other users' cards are the full mix's, byte for byte.
        let others = |company: &Company| -> Vec<String> {
            company
                .time_cards
                .iter()
                .filter(|t| {
                    !ca.iter()
                        .any(|u| t.json.contains(&format!(r#""userName":"{u}""#)))
                })
                .map(|t| t.json.to_string())
                .collect()
        };
        assert_eq!(others(&full), others(&more));
    }

    #[test]
    fn covers_the_cases_payroll_must_handle() {
        let company = small();
        assert_eq!(company.users.len(), 40);
        let all = |needle: &str| {
            company
                .time_cards
                .iter()
                .filter(|t| t.json.contains(needle))
                .count()
        };
        assert!(all(r#""entryType":1"#) > 0, "PTO");
        assert!(all(r#""entryType":2"#) > 0, "addition adjustment");
        assert!(all(r#""outDateTime":"0000-00-00 00:00:00""#) > all(r#""entryType":1"#) / 2);
        assert!(all(r#""entryType":"0""#) > 0, "entryType as text");
        assert_eq!(
            all("former.employee"),
            1,
            "a user missing from the users list"
        );
        assert_eq!(
            all(r#""userName":"""#),
            1,
            "a card matched by employee number only"
        );
        let users = |needle: &str| {
            company
                .users
                .iter()
                .filter(|u| u.json.contains(needle))
                .count()
        };
        for zone in TIME_ZONES {
            assert!(users(zone) > 0, "{zone}");
        }
        for role in ["Admin", "Manager", "Employee", "Inactive"] {
            assert!(users(&format!(r#""role":"{role}""#)) > 0, "{role}");
        }
        assert!(users("Salary Rate") > 0 && users("Hourly Rate") > 0);
        // Overnight workers work Saturday nights, so they cross each DST change:
        // user 9 is in Los Angeles (spring forward on 2024-03-10), user 10 in
        // Sydney (clocks go back on 2024-04-07).
        let night = |user: &str, date: &str| {
            company.time_cards.iter().any(|t| {
                t.user_name == user
                    && t.in_date_time.starts_with(date)
                    && t.json.contains("Night Shift")
            })
        };
        assert!(
            company
                .users
                .iter()
                .any(|u| u.user_name == "jjones9" && u.json.contains("America/Los_Angeles"))
        );
        assert!(
            company
                .users
                .iter()
                .any(|u| u.user_name == "kkhan10" && u.json.contains("Australia/Sydney"))
        );
        assert!(night("jjones9", "2024-03-09 2"));
        assert!(night("kkhan10", "2024-04-06 2"));
    }
}
