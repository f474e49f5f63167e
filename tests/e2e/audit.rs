//! `payrun explain` and `payrun diff` on runs of the golden company (the
//! worked examples of design §5), fetched from payrun-q2sim over loopback.

use std::path::{Path, PathBuf};

use payrun::q2sim::Company;
use serde_json::Value;

use crate::helpers::{csv, diff_into, ok, payrun, rows, texts};

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/golden/spec_examples")
}

/// `payrun run` of the golden period against `company`, into `out`.
async fn run_into(company: Company, out: &Path) {
    crate::helpers::run_golden(company, &golden().join("payrun.toml"), out, &[]).await;
}

fn explain_json(run: &Path, user: &str) -> Value {
    let stdout = ok(payrun(
        &["explain", "--format", "json", "--user", user, "--run"],
        None,
    )
    .arg(run)
    .output()
    .unwrap());
    serde_json::from_str(&stdout).unwrap()
}

/// Sets `dir` up for ron alone: hourly at `rate` in UTC, on the weekly
/// 40 h rule, paid biweekly from 2024-05-12 (`users.json`, `payrun.toml`).
fn ron_at(dir: &Path, rate: &str) {
    let users = format!(
        r#"[{{"userName": "ron", "employeeNumber": "5", "rateType": "Hourly Rate", "payRate": "{rate}", "timeZone": "UTC"}}]"#
    );
    std::fs::write(dir.join("users.json"), users).unwrap();
    std::fs::write(
        dir.join("payrun.toml"),
        "[company]\ndefault_time_zone = \"UTC\"\n[pay_period]\nfrequency = \"biweekly\"\n\
         anchor = \"2024-05-12\"\n[overtime_rules.default]\nweekly_ot_after = 40\n",
    )
    .unwrap();
}

/// `payrun compute` of ron's `cards` (JSON objects) for 2024-05-12 to
/// 2024-05-25, in a `dir` set up by [`ron_at`], into `dir/name`.
fn compute_ron(dir: &Path, name: &str, cards: &[String]) -> PathBuf {
    let cards_path = dir.join(format!("{name}.json"));
    std::fs::write(&cards_path, format!("[{}]", cards.join(","))).unwrap();
    let out = dir.join(name);
    ok(payrun(
        &["compute", "--period", "2024-05-12..2024-05-25", "--config"],
        None,
    )
    .arg(dir.join("payrun.toml"))
    .arg("--timecards")
    .arg(&cards_path)
    .arg("--users")
    .arg(dir.join("users.json"))
    .arg("--out")
    .arg(&out)
    .output()
    .unwrap());
    out
}

/// Every overtime and double-time part of an explanation: (tier, hours, reason).
fn premium_parts(e: &Value) -> Vec<(String, f64, String)> {
    let mut parts = Vec::new();
    for shift in e["shifts"].as_array().unwrap() {
        for piece in shift["pieces"].as_array().unwrap() {
            for part in piece["parts"].as_array().unwrap() {
                if part["tier"] != "regular" {
                    parts.push((
                        part["tier"].as_str().unwrap().to_owned(),
                        part["seconds"].as_i64().unwrap() as f64 / 3600.0,
                        part["reason"].as_str().unwrap_or("").to_owned(),
                    ));
                }
            }
        }
    }
    parts
}

fn money(v: &Value) -> rust_decimal::Decimal {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_names_the_rule_of_every_premium_hour_and_its_lines_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    run_into(Company::load_dir(&golden()).unwrap(), &run).await;

    // The California example: 40 R + 6 OT + 1 DT = $1,275.00, every premium
    // hour from the daily rule (the 40 regular hours never pass 40).
    let cal = explain_json(&run, "cal");
    assert_eq!(
        premium_parts(&cal),
        [
            ("overtime".into(), 2.0, "daily: past 8 h on Mon".into()),
            ("overtime".into(), 4.0, "daily: past 8 h on Wed".into()),
            ("double_time".into(), 1.0, "daily: past 12 h on Wed".into()),
        ]
    );
    let lines: rust_decimal::Decimal = cal["pay_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| money(&l["amount"]))
        .sum();
    assert_eq!(lines.to_string(), "1275.00");
    assert_eq!(money(&cal["gross_pay"]).to_string(), "1275.00");

    // The weekly example: 46 h at $12 (Mon-Wed 10 h, Thu-Fri 8 h from
    // 07:00); the week reaches 40 h at Friday 09:00, so Friday's last 6 h
    // are overtime.
    let ann = explain_json(&run, "ann");
    let parts = premium_parts(&ann);
    let overtime: f64 = parts.iter().map(|p| p.1).sum();
    assert_eq!(overtime, 6.0);
    assert!(
        parts
            .iter()
            .all(|p| p.2 == "weekly: past 40 h at Fri 05-17 09:00"),
        "{parts:?}"
    );
    assert_eq!(money(&ann["gross_pay"]).to_string(), "588.00");
    // Her open punch concerns her.
    assert!(
        ann["exceptions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "open_punch")
    );

    // In words: each reason, the regular rate and the lines adding up.
    let text = ok(payrun(&["explain", "--user", "cal", "--run"], None)
        .arg(&run)
        .output()
        .unwrap());
    for expected in [
        "daily: past 8 h on Mon",
        "daily: past 12 h on Wed",
        "one rate all week: the regular rate is $25.00",
        "6 h × $37.50 = $225.00",
        "gross pay $1275.00 (the lines add up to it)",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // One week only; a user who is not there.
    let week = ok(payrun(
        &["explain", "--user", "fww", "--week", "2024-05-15", "--run"],
        None,
    )
    .arg(&run)
    .output()
    .unwrap());
    assert!(
        week.contains("fluctuating workweek (29 CFR 778.114)"),
        "{week}"
    );
    let missing = payrun(&["explain", "--user", "nobody", "--run"], None)
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("\"nobody\""));

    // Only the person's part of the users is read: the explanation is the
    // one computed from the whole input, word for word, and so are the
    // errors.
    let people = csv(&run.join("payroll_summary.csv"));
    let mut keys = texts(&people, "user_name");
    assert_eq!(keys.len(), 5, "{keys:?}");
    // Each by their employee number too, and no one.
    keys.extend(texts(&people, "employee_number"));
    keys.push("nobody".into());
    let folder = payrun::audit::RunFolder::open(&run).unwrap();
    let whole = folder.payroll_input().unwrap();
    let settings = folder.settings().unwrap();
    for user in &keys {
        let explained = payrun::audit::explain_run(&folder, user, None).map_err(|e| e.to_string());
        let by_id = |id| {
            let e = payrun::rules::explain(&whole, &settings.rules, &folder.period, id, None);
            e.unwrap().unwrap()
        };
        let ids: Vec<_> = whole
            .user_ids()
            .filter(|&id| {
                let u = whole.user(id);
                [&u.user_name, &u.employee_number].contains(&&Some(user.clone()))
            })
            .collect();
        match ids.as_slice() {
            [id] => {
                let json = |e: &payrun::rules::Explanation| serde_json::to_value(e).unwrap();
                assert_eq!(json(&explained.unwrap()), json(&by_id(*id)), "{user}");
            }
            _ => assert!(
                explained.unwrap_err().contains(&format!("{user:?}")),
                "{user}"
            ),
        }
    }
}

/// Two people who share an employee number, with different user names
/// (so in different parts of the users): explaining by the number names
/// both, as reading the whole input does, rather than explaining one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_by_a_shared_employee_number_names_both() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let mut company = Company::load_dir(&golden()).unwrap();
    let object = |u: &payrun::q2sim::company::UserRecord| -> serde_json::Map<String, Value> {
        serde_json::from_str(&u.json).unwrap()
    };
    let at = |name: &str| {
        company
            .users
            .iter()
            .position(|u| u.user_name == name)
            .unwrap()
    };
    let (cal, eve) = (at("cal"), at("eve"));
    let number = object(&company.users[cal])["employeeNumber"].clone();
    let mut twin = object(&company.users[eve]);
    twin.insert("employeeNumber".into(), number.clone());
    company.users[eve] = payrun::q2sim::company::UserRecord::from_object(&twin);
    run_into(company, &run).await;
    let number = number.as_str().unwrap();
    let output = payrun(&["explain", "--user", number, "--run"], None)
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let both = format!(
        "2 users are named {number:?} (employeeNumber {number:?}, employeeNumber {number:?}); \
         name one by its employee number"
    );
    assert!(stderr.contains(&both), "{stderr}");
    // By name, each is explained.
    for name in ["cal", "eve"] {
        assert_eq!(explain_json(&run, name)["user_name"], name);
    }
}

/// The golden company with ann's Friday punch out an hour later, cal's
/// Tuesday deleted and a new card for eve, as managers edit Q2 after payroll.
fn edited_company() -> Company {
    let mut company = Company::load_dir(&golden()).unwrap();
    let object =
        |record: &payrun::q2sim::company::TimeCardRecord| -> serde_json::Map<String, Value> {
            serde_json::from_str(&record.json).unwrap()
        };
    let position = |company: &Company, user: &str, at: &str| {
        company
            .time_cards
            .iter()
            .position(|c| c.user_name == user && c.in_date_time == at)
            .unwrap()
    };
    let ann = position(&company, "ann", "2024-05-17 07:00:00");
    let mut edited = object(&company.time_cards[ann]);
    edited.insert("outDateTime".into(), "2024-05-17 16:00:00".into());
    edited.insert("updateDateTime".into(), "2024-05-20 10:00:00".into());
    company.time_cards[ann] = payrun::q2sim::company::TimeCardRecord::from_object(&edited);
    let cal = position(&company, "cal", "2024-05-14 07:00:00");
    let mut added = object(&company.time_cards[cal]);
    company.time_cards.remove(cal);
    for (key, value) in [
        ("userName", "eve"),
        ("userFullName", "Eve Idle"),
        ("employeeNumber", "1006"),
        ("inDateTime", "2024-05-15 09:00:00"),
        ("outDateTime", "2024-05-15 13:00:00"),
        ("createdDateTime", "2024-05-20 08:00:00"),
        ("updateDateTime", "2024-05-20 08:00:00"),
    ] {
        added.insert(key.into(), value.into());
    }
    company
        .time_cards
        .push(payrun::q2sim::company::TimeCardRecord::from_object(&added));
    company
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_reports_late_edits_and_the_retro_pay() {
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = (dir.path().join("before"), dir.path().join("after"));
    run_into(Company::load_dir(&golden()).unwrap(), &before).await;
    run_into(edited_company(), &after).await;

    // A run compared with itself: nothing, exit 0.
    let same = payrun(&["diff", "--out"], None)
        .arg(dir.path().join("same"))
        .arg(&before)
        .arg(&before)
        .output()
        .unwrap();
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    assert!(String::from_utf8_lossy(&same.stdout).contains("nothing changed"));
    assert_eq!(csv(&dir.path().join("same/diff.csv")).height(), 0);
    assert_eq!(csv(&dir.path().join("same/diff_timecards.csv")).height(), 0);

    // The edited company: exactly the three cards, and the pay they move.
    let out = dir.path().join("changes");
    let changed = payrun(&["diff", "--out"], None)
        .arg(&out)
        .arg(&before)
        .arg(&after)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&changed.stdout);
    assert_eq!(
        changed.status.code(),
        Some(4),
        "{stdout}{}",
        String::from_utf8_lossy(&changed.stderr)
    );
    assert!(
        stdout.contains("time cards: 1 added, 1 removed, 1 edited"),
        "{stdout}"
    );
    // Each run fetched from its own simulator address: not a change of terms.
    assert!(!stdout.contains("configuration"), "{stdout}");
    // 1 h more overtime for ann (+$18.00), cal's 8 regular hours gone
    // (-$200.00), 4 h for eve at $16.50 (+$66.00).
    assert!(
        stdout.contains("retro: -$116.00 net (+$84.00 to pay, -$200.00 to recover)"),
        "{stdout}"
    );
    let cards = csv(&out.join("diff_timecards.csv"));
    assert_eq!(texts(&cards, "change"), ["edited", "removed", "added"]);
    assert_eq!(texts(&cards, "user_name"), ["ann", "cal", "eve"]);
    let edits = texts(&cards, "changes");
    assert!(
        edits[0].starts_with("outDateTime: 2024-05-17 15:00:00"),
        "{edits:?}"
    );
    assert!(edits[0].contains("→ 2024-05-17 16:00:00"), "{edits:?}");
    assert!(!edits[0].contains("updateDateTime"), "{edits:?}");

    let lines = csv(&out.join("diff.csv"));
    let rows = rows(
        &lines,
        &["user_name", "kind", "hours_change", "amount_change"],
    );
    assert_eq!(
        rows,
        [
            "ann overtime 1.0000 18.00",
            "cal regular -8.0000 -200.00",
            "eve regular 4.0000 66.00",
        ]
    );

    // A run that kept no inputs: pay is compared, time cards are not.
    let bare = dir.path().join("bare");
    let inputs = before.join("inputs");
    ok(payrun(
        &[
            "compute",
            "--no-inputs",
            "--period",
            "2024-05-12..2024-05-18",
            "--config",
        ],
        None,
    )
    .arg(golden().join("payrun.toml"))
    .arg("--timecards")
    .arg(inputs.join("timecards.parquet"))
    .arg("--users")
    .arg(inputs.join("users.parquet"))
    .arg("--out")
    .arg(&bare)
    .output()
    .unwrap());
    let output = payrun(&["diff", "--out"], None)
        .arg(dir.path().join("bare-diff"))
        .arg(&bare)
        .arg(&after)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(4), "{stdout}");
    assert!(stdout.contains("time cards: not compared"), "{stdout}");
    assert!(stdout.contains("retro: -$116.00 net"), "{stdout}");

    // A file changed since its run is named, and nothing is compared.
    let summary = before.join("payroll_summary.parquet");
    let mut bytes = std::fs::read(&summary).unwrap();
    bytes.push(0);
    std::fs::write(&summary, bytes).unwrap();
    let output = payrun(&["diff", "--out"], None)
        .arg(dir.path().join("tampered"))
        .arg(&before)
        .arg(&after)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("payroll_summary.parquet: has changed since the run wrote it"),
        "{stderr}"
    );
    let output = payrun(&["explain", "--user", "ann", "--run"], None)
        .arg(&before)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("has changed since the run wrote it"));
}

/// The edited company, and ann's pay rate made negative after payroll: the
/// new run holds her pay. `diff` says her $588.00 is held (paid once the
/// record is fixed), not a debt to recover, and lists her status change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_tells_held_pay_from_pay_to_recover() {
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = (dir.path().join("before"), dir.path().join("after"));
    run_into(Company::load_dir(&golden()).unwrap(), &before).await;
    let mut held = edited_company();
    let ann = held
        .users
        .iter()
        .position(|u| u.user_name == "ann")
        .unwrap();
    let mut object: serde_json::Map<String, Value> =
        serde_json::from_str(&held.users[ann].json).unwrap();
    object.insert("payRate".into(), "-12.00".into());
    held.users[ann] = payrun::q2sim::company::UserRecord::from_object(&object);
    run_into(held, &after).await;
    let stdout = diff_into(&dir.path().join("changes"), &before, &after);
    // Ann held at 0 (was $588.00 in 46 h at $12), cal -$200.00, eve +$66.00.
    assert!(
        stdout.contains("retro: -$134.00 net (+$66.00 to pay, -$200.00 to recover, $588.00 held)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  held: ann (1001) $588.00, paid once the new run's held record is fixed"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "gross_pay 588.00 → 0.00; status warning → held; pay_rate 12.0000 → -12.0000"
        ),
        "{stdout}"
    );
}

/// A card of the second week ends two minutes later. At $10.0033 an hour
/// the first week's 38 h are $380.1254 exactly and the second week's 30 h
/// $300.099 (30 h 2 min: $300.4324); the period's regular pay, rounded
/// once, is $680.22, then $680.56, and the cent the first week's line
/// gets moves with it: 380.12 → 380.13, although nothing of that week
/// changed. `diff` reports one changed line (the second week's) and marks
/// the first week's cent `rounding`; the cent is still paid.
#[test]
fn a_cent_moved_by_rounding_is_not_a_change_of_its_week() {
    let dir = tempfile::tempdir().unwrap();
    ron_at(dir.path(), "10.0033");
    let run = |name: &str, last_out: &str| -> PathBuf {
        let card = |day: u32, from: &str, to: &str| {
            format!(
                r#"{{"userName": "ron", "entryType": 0, "inDateTime": "2024-05-{day} {from}", "outDateTime": "2024-05-{day} {to}", "createdDateTime": "2024-05-{day} {from}"}}"#
            )
        };
        let mut cards: Vec<String> = (13..=16).map(|d| card(d, "08:00:00", "17:30:00")).collect();
        cards.push(card(20, "08:00:00", "18:00:00"));
        cards.push(card(21, "08:00:00", "18:00:00"));
        cards.push(card(22, "08:00:00", last_out));
        compute_ron(dir.path(), name, &cards)
    };
    let (before, after) = (run("before", "18:00:00"), run("after", "18:02:00"));
    let stdout = diff_into(&dir.path().join("changes"), &before, &after);
    assert!(
        stdout.contains("retro: +$0.34 net (+$0.34 to pay, +$0 to recover); 1 pay lines changed (and 1 of weeks that did not change moved a cent"),
        "{stdout}"
    );
    let lines = csv(&dir.path().join("changes/diff.csv"));
    assert_eq!(
        rows(
            &lines,
            &["week_start", "kind", "old_amount", "new_amount", "rounding"]
        ),
        [
            "2024-05-12 regular 380.12 380.13 true",
            "2024-05-19 regular 300.10 300.43 false",
        ]
    );
}

/// Two companies generated from different seeds (some user names shared,
/// every time card and pay line different) compared whole and cut into
/// parts (`diff --memory-limit`): the same changes, in the same order,
/// and the same retro pay, whatever the number of parts.
#[test]
fn a_diff_cut_into_parts_is_the_diff_done_whole() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("payrun.toml");
    std::fs::write(
        &config,
        "[pay_period]\nfrequency = \"biweekly\"\nanchor = \"2024-01-07\"\n\
         [overtime_rules.default]\nweekly_ot_after = 40\n",
    )
    .unwrap();
    let run = |seed: &str| -> payrun::audit::RunFolder {
        let data = dir.path().join(format!("data-{seed}"));
        ok(payrun(
            &[
                "sim",
                "--dump",
                data.to_str().unwrap(),
                "--users",
                "80",
                "--days",
                "20",
                "--to",
                "2024-05-27",
                "--seed",
                seed,
            ],
            None,
        )
        .output()
        .unwrap());
        let out = dir.path().join(format!("run-{seed}"));
        ok(
            payrun(&["compute", "--period", "2024-05-12", "--config"], None)
                .arg(&config)
                .arg("--timecards")
                .arg(data.join("timecards.parquet"))
                .arg("--users")
                .arg(data.join("users.parquet"))
                .arg("--out")
                .arg(&out)
                .output()
                .unwrap(),
        );
        payrun::audit::RunFolder::open(&out).unwrap()
    };
    let (old, new) = (run("3"), run("4"));
    let whole = payrun::audit::diff(&old, &new).unwrap();
    let (lines, cards) = (whole.lines_frame().unwrap(), whole.cards_frame().unwrap());
    assert!(
        lines.height() > 100 && cards.height() > 500,
        "{lines}{cards}"
    );
    assert!(texts(&cards, "change").iter().any(|c| c == "edited"));
    for parts in [2, 3, 8] {
        let cut = payrun::audit::diff_in_parts(&old, &new, parts).unwrap();
        assert!(
            cut.lines_frame().unwrap().equals_missing(&lines),
            "{parts} parts"
        );
        assert!(
            cut.cards_frame().unwrap().equals_missing(&cards),
            "{parts} parts"
        );
        assert_eq!(cut.users.len(), whole.users.len());
        assert_eq!(cut.settlement().totals(), whole.settlement().totals());
    }
    // Runs this small fit in one part under any limit.
    assert_eq!(payrun::audit::diff_parts(&old, &new, 1 << 20).unwrap(), 1);
}

/// Cards of one user that tie on `inDateTime` and change but were created
/// apart are told apart by their keys, so parts may hold them apart: the
/// comparison in parts orders them by `createdDateTime`, as the whole one.
#[test]
fn cards_that_tie_but_for_their_creation_keep_their_order_in_parts() {
    let dir = tempfile::tempdir().unwrap();
    ron_at(dir.path(), "10");
    let run = |name: &str, created: &[u32]| -> payrun::audit::RunFolder {
        let cards: Vec<String> = created
            .iter()
            .map(|minute| {
                format!(
                    r#"{{"userName": "ron", "entryType": 0, "inDateTime": "2024-05-20 08:00:00", "outDateTime": "2024-05-20 09:{minute:02}:00", "createdDateTime": "2024-05-20 10:{minute:02}:00"}}"#
                )
            })
            .collect();
        payrun::audit::RunFolder::open(&compute_ron(dir.path(), name, &cards)).unwrap()
    };
    // Twelve cards added, each created a minute after the last.
    let (old, new) = (
        run("before", &[]),
        run("after", &(1..=12).collect::<Vec<_>>()),
    );
    let whole = payrun::audit::diff(&old, &new)
        .unwrap()
        .cards_frame()
        .unwrap();
    let created = texts(&whole, "created_date_time");
    assert_eq!(created.len(), 12);
    assert!(created.is_sorted(), "{created:?}");
    for parts in 2..=16 {
        let cut = payrun::audit::diff_in_parts(&old, &new, parts).unwrap();
        assert_eq!(
            texts(&cut.cards_frame().unwrap(), "created_date_time"),
            created,
            "{parts} parts"
        );
    }
}
