//! The fields payrun reads from each Q2 record, and their typed columns.
//!
//! Column names are the API's own (`userName`, `inDateTime`, …), so a
//! DataFrame, a Parquet file written by `payrun fetch` and a CSV exported from
//! Q2 all speak the same names. Types:
//!
//! | kind | Polars type | API forms accepted |
//! |---|---|---|
//! | text | `String` | text, numbers (as their text); `""` is null |
//! | category | `Categorical` | as text, for low-cardinality names |
//! | date time | `Datetime(ms)`, wall clock, no zone | `YYYY-MM-DD HH:MM:SS`; `0000-00-00 00:00:00` and `""` are null |
//! | date | `Date` | `YYYY-MM-DD`; `0000-00-00` and `""` are null |
//! | decimal | `Decimal(18, s)` | text or number; more than `s` places is invalid, never rounded |
//! | int | `Int32` | number or its text |
//! | flag | `Boolean` | `0`/`1`, as number or text |
//! | float | `Float64` | number or its text (coordinates only) |
//!
//! Date times stay wall-clock values here: which zone they are in depends on
//! the user and the configuration, which is the rules crate's business.

use polars::prelude::*;

/// How a field is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text.
    Text,
    /// Text with few distinct values, stored as a categorical.
    Category,
    /// A wall-clock date time.
    DateTime,
    /// A calendar date.
    Date,
    /// An exact decimal with this many decimal places.
    Decimal(u32),
    /// A whole number.
    Int,
    /// A 0/1 flag.
    Flag,
    /// A floating-point measurement.
    Float,
}

/// One field of a Q2 record.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// The API's field name, also the column name.
    pub name: &'static str,
    /// Its type.
    pub kind: FieldKind,
    /// Whether a bad value can change pay (an `error` exception) or not (a `warning`).
    pub pay_relevant: bool,
}

const fn field(name: &'static str, kind: FieldKind, pay_relevant: bool) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        pay_relevant,
    }
}

/// Precision of hours and amounts on time cards (the API sends three places).
pub const HOURS_SCALE: u32 = 6;
/// Precision of pay rates.
pub const PAY_RATE_SCALE: u32 = 4;

use FieldKind::*;

/// Time card fields, in the API document's order.
pub const TIME_CARD_FIELDS: &[FieldSpec] = &[
    field("userFullName", Text, true),
    field("firstName", Text, false),
    field("lastName", Text, false),
    field("employeeNumber", Text, true),
    field("userName", Text, true),
    field("digitId", Text, false),
    field("inDateTime", DateTime, true),
    field("outDateTime", DateTime, true),
    field("hours", Decimal(HOURS_SCALE), true),
    field("entryType", Int, true),
    field("adjustHoursAmount", Int, true),
    field("jobName", Category, false),
    field("ptoName", Category, false),
    field("adjustTypeName", Category, false),
    field("shiftName", Category, false),
    field("employeeNote", Text, false),
    field("employeeNoteDateTime", DateTime, false),
    field("employeeNoteIsRead", Text, false),
    field("managerComment", Text, false),
    field("managerCommentDateTime", DateTime, false),
    field("managerCommentManagerFullName", Text, false),
    field("managerCommentIsRead", Text, false),
    field("inIp", Text, false),
    field("outIp", Text, false),
    field("inDeviceId", Text, false),
    field("outDeviceId", Text, false),
    field("inWifiId", Text, false),
    field("outWifiId", Text, false),
    field("inLatitude", Float, false),
    field("inLongitude", Float, false),
    field("outLatitude", Float, false),
    field("outLongitude", Float, false),
    field("entranceIn", Text, false),
    field("entranceOut", Text, false),
    field("approvedByEmployee", Flag, false),
    field("approvedManagerFullName", Text, false),
    field("updateDateTime", DateTime, false),
    field("createdDateTime", DateTime, false),
];

/// User fields, in the API document's order.
pub const USER_FIELDS: &[FieldSpec] = &[
    field("userFullName", Text, true),
    field("userName", Text, true),
    field("digitId", Text, false),
    field("employeeNumber", Text, true),
    field("email", Text, false),
    field("mobilePhone", Text, false),
    field("role", Category, true),
    field("updatedDateTime", DateTime, false),
    field("createdDateTime", DateTime, false),
    field("overTimeRule", Text, true),
    field("departmentName", Category, true),
    field("hiredDate", Date, true),
    field("fullPartTime", Category, false),
    field("rateType", Category, true),
    field("payRate", Decimal(PAY_RATE_SCALE), true),
    field("timeZone", Text, true),
    field("pointOfContact", Text, false),
    field("dateOfBirth", Date, false),
    field("memo", Text, false),
];

/// Which record type a page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    /// `api/q2QueryTimeCards`.
    TimeCard,
    /// `api/q2QueryUsers`.
    User,
}

impl RecordType {
    /// The record's fields.
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            RecordType::TimeCard => TIME_CARD_FIELDS,
            RecordType::User => USER_FIELDS,
        }
    }

    /// The columns a payroll reads ([`PayrollInput`](crate::PayrollInput)
    /// and the join); the others (coordinates, devices, contact details…)
    /// never change pay.
    pub fn payroll_columns(self) -> &'static [&'static str] {
        match self {
            RecordType::TimeCard => &[
                col::USER_NAME,
                col::EMPLOYEE_NUMBER,
                col::USER_FULL_NAME,
                col::IN_DATE_TIME,
                col::OUT_DATE_TIME,
                col::ENTRY_TYPE,
                col::ADJUST_HOURS_AMOUNT,
                col::HOURS,
                col::JOB_NAME,
                col::SHIFT_NAME,
                col::PTO_NAME,
                col::ADJUST_TYPE_NAME,
                col::EMPLOYEE_NOTE,
                col::MANAGER_COMMENT,
                col::CREATED_DATE_TIME,
                col::UPDATE_DATE_TIME,
                col::APPROVED_BY_EMPLOYEE,
                col::APPROVED_MANAGER_FULL_NAME,
                col::FIRST_NAME,
                col::LAST_NAME,
            ],
            RecordType::User => &[
                col::USER_NAME,
                col::USER_FULL_NAME,
                col::EMPLOYEE_NUMBER,
                col::DEPARTMENT_NAME,
                col::ROLE,
                col::RATE_TYPE,
                col::PAY_RATE,
                col::TIME_ZONE,
                col::OVERTIME_RULE,
                col::HIRED_DATE,
            ],
        }
    }

    /// The API command that returns this record type.
    pub fn command(self) -> &'static str {
        match self {
            RecordType::TimeCard => "api/q2QueryTimeCards",
            RecordType::User => "api/q2QueryUsers",
        }
    }

    /// A name for messages.
    pub fn noun(self) -> &'static str {
        match self {
            RecordType::TimeCard => "time card",
            RecordType::User => "user",
        }
    }

    /// The typed schema of this record type's DataFrame.
    pub fn schema(self) -> Schema {
        self.fields()
            .iter()
            .map(|f| Field::new(f.name.into(), f.kind.dtype()))
            .collect()
    }
}

impl FieldKind {
    /// The Polars type of a column of this kind.
    pub fn dtype(self) -> DataType {
        match self {
            Text => DataType::String,
            Category => {
                hold_categories();
                DataType::from_categories(Categories::global())
            }
            DateTime => DataType::Datetime(TimeUnit::Milliseconds, None),
            Date => DataType::Date,
            Decimal(scale) => DataType::Decimal(18, scale as usize),
            Int => DataType::Int32,
            Flag => DataType::Boolean,
            Float => DataType::Float64,
        }
    }
}

/// Holds the global categories (and their mapping of names to ids) for
/// the life of the process; called wherever categorical columns are typed
/// or read. Polars registers both only weakly until something holds them:
/// a process that reads a categorical column before it has made one of its
/// own (`payrun diff` reading a run's kept inputs) can make them anew for
/// one row group after the last was let go, and the row groups then do not
/// stack ("Categories which should be equal have different backing
/// objects"), now and then (tests/categories.rs).
pub fn hold_categories() {
    static HELD: std::sync::LazyLock<std::sync::Arc<CategoricalMapping>> =
        std::sync::LazyLock::new(|| Categories::global().mapping());
    std::sync::LazyLock::force(&HELD);
}

/// Column names the rest of payrun refers to, so a typo is a compile error.
pub mod col {
    #![allow(missing_docs)]
    pub const USER_FULL_NAME: &str = "userFullName";
    pub const FIRST_NAME: &str = "firstName";
    pub const LAST_NAME: &str = "lastName";
    pub const USER_NAME: &str = "userName";
    pub const EMPLOYEE_NUMBER: &str = "employeeNumber";
    pub const IN_DATE_TIME: &str = "inDateTime";
    pub const OUT_DATE_TIME: &str = "outDateTime";
    pub const HOURS: &str = "hours";
    pub const ENTRY_TYPE: &str = "entryType";
    pub const ADJUST_HOURS_AMOUNT: &str = "adjustHoursAmount";
    pub const ROLE: &str = "role";
    pub const OVERTIME_RULE: &str = "overTimeRule";
    pub const DEPARTMENT_NAME: &str = "departmentName";
    pub const HIRED_DATE: &str = "hiredDate";
    pub const RATE_TYPE: &str = "rateType";
    pub const PAY_RATE: &str = "payRate";
    pub const TIME_ZONE: &str = "timeZone";
    pub const JOB_NAME: &str = "jobName";
    pub const SHIFT_NAME: &str = "shiftName";
    pub const PTO_NAME: &str = "ptoName";
    pub const ADJUST_TYPE_NAME: &str = "adjustTypeName";
    pub const EMPLOYEE_NOTE: &str = "employeeNote";
    pub const MANAGER_COMMENT: &str = "managerComment";
    pub const CREATED_DATE_TIME: &str = "createdDateTime";
    pub const APPROVED_BY_EMPLOYEE: &str = "approvedByEmployee";
    pub const APPROVED_MANAGER_FULL_NAME: &str = "approvedManagerFullName";
    pub const UPDATE_DATE_TIME: &str = "updateDateTime";

    /// The columns a record is matched to its user by (see [`crate::join`]).
    pub const USER_KEYS: [&str; 3] = [USER_NAME, EMPLOYEE_NUMBER, USER_FULL_NAME];
}
