//! The kinds of exception the pay rules raise (design §6), each with what
//! it means for pay. Those found reading records are ingest's
//! (`invalid_value`, `unknown_user`; re-exported here, as the rules raise
//! `invalid_value` too).

use payrun_ingest::ExceptionKind;
pub use payrun_ingest::kinds::{INVALID_VALUE, UNKNOWN_USER};

/// A job entry with no out time; excluded.
pub const OPEN_PUNCH: ExceptionKind = ExceptionKind::new(0, "open_punch");

/// A punch whose out time is not after its in time; excluded.
pub const NON_POSITIVE_DURATION: ExceptionKind = ExceptionKind::new(1, "non_positive_duration");

/// A shift longer than `punches.max_shift_hours`; held from pay unless `punches.long_shift = "pay"`.
pub const LONG_SHIFT: ExceptionKind = ExceptionKind::new(2, "long_shift");

/// Two shifts of one user overlap; the overlap counts once.
pub const OVERLAPPING_SHIFT: ExceptionKind = ExceptionKind::new(3, "overlapping_shift");

/// An identical record seen twice; counted once.
pub const DUPLICATE_RECORD: ExceptionKind = ExceptionKind::new(4, "duplicate_record");

/// A user's overtime rule is not configured; `default` applies.
pub const UNKNOWN_OVERTIME_RULE: ExceptionKind = ExceptionKind::new(6, "unknown_overtime_rule");

/// A user's time zone is empty or not an IANA name; the company zone applies.
pub const INVALID_TIME_ZONE: ExceptionKind = ExceptionKind::new(7, "invalid_time_zone");

/// A user with hours but no pay rate.
pub const MISSING_PAY_RATE: ExceptionKind = ExceptionKind::new(8, "missing_pay_rate");

/// An `entryType` other than 0–3.
pub const UNKNOWN_ENTRY_TYPE: ExceptionKind = ExceptionKind::new(10, "unknown_entry_type");

/// A job entry without the approval `[approvals] require`s; paid, or held.
pub const UNAPPROVED_TIME_CARD: ExceptionKind = ExceptionKind::new(11, "unapproved_time_card");

/// A punch time moved by a DST change (informational).
pub const DST_ADJUSTED: ExceptionKind = ExceptionKind::new(15, "dst_adjusted");

/// The input lacks the days before the period that its first workweek needs.
pub const INCOMPLETE_INPUT: ExceptionKind = ExceptionKind::new(16, "incomplete_input");

/// A workweek's overtime premium waits for the period in which the week ends (informational).
pub const DEFERRED_PREMIUM: ExceptionKind = ExceptionKind::new(17, "deferred_premium");

/// The input has no time card at all.
pub const EMPTY_INPUT: ExceptionKind = ExceptionKind::new(18, "empty_input");

/// The period is not one pay period of the calendar; salaries are prorated (informational).
pub const PARTIAL_PERIOD: ExceptionKind = ExceptionKind::new(19, "partial_period");

/// A configured name (`[users."X"]`, `[jobs."X"]`, `[shifts."X"]`, a
/// bonus) that matches nothing in the input: a typo pays nothing extra.
pub const UNUSED_SETTING: ExceptionKind = ExceptionKind::new(20, "unused_setting");

/// A nonexempt user's workweek paid below the minimum wage (straight-time
/// pay against each hour at the minimum); the shortfall is named, pay is
/// unchanged.
pub const BELOW_MINIMUM_WAGE: ExceptionKind = ExceptionKind::new(21, "below_minimum_wage");
/// An exempt user's salary per week below the exempt threshold in effect;
/// pay is unchanged.
pub const EXEMPT_BELOW_SALARY_THRESHOLD: ExceptionKind =
    ExceptionKind::new(22, "exempt_below_salary_threshold");

/// A nonexempt user's workday that missed a required meal period (a
/// `meal_periods` rule): its premium hour is paid, deferred with its
/// workweek's premium, or only flagged (`meal_premium = "flag"`).
pub const MEAL_PREMIUM: ExceptionKind = ExceptionKind::new(23, "meal_premium");

/// Every kind the rules raise, theirs and ingest's.
pub const ALL: [ExceptionKind; 21] = [
    OPEN_PUNCH,
    NON_POSITIVE_DURATION,
    LONG_SHIFT,
    OVERLAPPING_SHIFT,
    DUPLICATE_RECORD,
    UNKNOWN_USER,
    UNKNOWN_OVERTIME_RULE,
    INVALID_TIME_ZONE,
    MISSING_PAY_RATE,
    INVALID_VALUE,
    UNKNOWN_ENTRY_TYPE,
    UNAPPROVED_TIME_CARD,
    DST_ADJUSTED,
    INCOMPLETE_INPUT,
    DEFERRED_PREMIUM,
    EMPTY_INPUT,
    PARTIAL_PERIOD,
    UNUSED_SETTING,
    BELOW_MINIMUM_WAGE,
    EXEMPT_BELOW_SALARY_THRESHOLD,
    MEAL_PREMIUM,
];
