//! What is asked of the Q2 API: time cards of an `inDateTime` range, every
//! user, and the request bodies that say so.

use chrono::NaiveDateTime;
use serde_json::{Map, Value, json};

/// A time card query: `inDateTime` within `from..=to`, both wall-clock.
#[derive(Debug, Clone)]
pub struct TimeCardQuery {
    /// `dateTimeFrom`.
    pub from: NaiveDateTime,
    /// `dateTimeTo` (inclusive).
    pub to: NaiveDateTime,
    /// `userFullName`; `None` for all users.
    pub user_full_name: Option<String>,
    /// `departmentName`; `None` for all departments.
    pub department_name: Option<String>,
    /// `returnColumns`; empty for all columns.
    pub return_columns: Vec<String>,
}

impl TimeCardQuery {
    /// Every time card with `inDateTime` in `from..=to`.
    pub fn between(from: NaiveDateTime, to: NaiveDateTime) -> Self {
        TimeCardQuery {
            from,
            to,
            user_full_name: None,
            department_name: None,
            return_columns: Vec::new(),
        }
    }

    pub(super) fn params(&self, from: NaiveDateTime, to: NaiveDateTime) -> Map<String, Value> {
        let mut p = Map::new();
        p.insert("dateTimeFrom".into(), json!(format_date_time(from)));
        p.insert("dateTimeTo".into(), json!(format_date_time(to)));
        shared_filters(
            &mut p,
            self.user_full_name.as_deref(),
            self.department_name.as_deref(),
            &self.return_columns,
        );
        p
    }
}

/// A user query; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// `createdDateTimeFrom` / `createdDateTimeTo`.
    pub created: Option<(NaiveDateTime, NaiveDateTime)>,
    /// `updatedDateTimeFrom` / `updatedDateTimeTo`.
    pub updated: Option<(NaiveDateTime, NaiveDateTime)>,
    /// `userFullName`.
    pub user_full_name: Option<String>,
    /// `departmentName`.
    pub department_name: Option<String>,
    /// `role`: `Admin`, `Manager`, `Employee` or `Inactive`.
    pub role: Option<String>,
    /// `returnColumns`; empty for all columns.
    pub return_columns: Vec<String>,
}

impl UserQuery {
    /// Every user, whatever their role.
    pub fn all() -> Self {
        UserQuery::default()
    }

    pub(super) fn params(&self) -> Map<String, Value> {
        let mut p = Map::new();
        let range = |p: &mut Map<String, Value>,
                     prefix: &str,
                     r: Option<(NaiveDateTime, NaiveDateTime)>| {
            let (from, to) = r.map_or((String::new(), String::new()), |(a, b)| {
                (format_date_time(a), format_date_time(b))
            });
            p.insert(format!("{prefix}From"), json!(from));
            p.insert(format!("{prefix}To"), json!(to));
        };
        range(&mut p, "createdDateTime", self.created);
        range(&mut p, "updatedDateTime", self.updated);
        p.insert(
            "role".into(),
            json!(self.role.as_deref().unwrap_or("ALL ROLES")),
        );
        shared_filters(
            &mut p,
            self.user_full_name.as_deref(),
            self.department_name.as_deref(),
            &self.return_columns,
        );
        p
    }
}

/// The filters both commands take; `None` sends the API's "ALL …" form.
fn shared_filters(
    p: &mut Map<String, Value>,
    user_full_name: Option<&str>,
    department_name: Option<&str>,
    columns: &[String],
) {
    p.insert(
        "userFullName".into(),
        json!(user_full_name.unwrap_or("ALL USERS")),
    );
    p.insert(
        "departmentName".into(),
        json!(department_name.unwrap_or("ALL DEPARTMENTS")),
    );
    p.insert("returnColumns".into(), json!(return_columns(columns)));
}

fn format_date_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn return_columns(columns: &[String]) -> String {
    columns.iter().map(|c| format!("${c}")).collect()
}
