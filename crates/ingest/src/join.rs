//! Matching time cards to their users.
//!
//! SPEC §2: the key is `userName`. A time card with an empty `userName`
//! matches on `employeeNumber`, then on `userFullName` if exactly one user
//! has that name. A time card that names a `userName` the users list does
//! not have does not fall back: a different person with the same full name
//! must not receive the hours. Every unmatched time card becomes an
//! `unknown_user` error exception; none is dropped silently.

use polars::prelude::*;

use crate::decode::identify;
use crate::exception::{Exception, ExceptionKind, Severity};
use crate::schema::col;

/// User columns copied onto each matched time card by [`join`].
pub const JOINED_USER_COLUMNS: &[&str] = &[
    col::DEPARTMENT_NAME,
    col::ROLE,
    col::OVERTIME_RULE,
    col::RATE_TYPE,
    col::PAY_RATE,
    col::TIME_ZONE,
    col::HIRED_DATE,
];

/// Time cards with their users attached.
#[derive(Debug, Clone)]
pub struct Joined {
    /// The time card columns, then [`col::USER_ROW`] (the matched user's row
    /// in the users frame, null when unmatched), then [`JOINED_USER_COLUMNS`].
    pub frame: DataFrame,
    /// One `unknown_user` exception per unmatched time card.
    pub exceptions: Vec<Exception>,
}

/// A lookup that remembers when a key is shared by several users.
#[derive(Default)]
struct Index<'a>(PlHashMap<&'a str, Option<IdxSize>>);

impl<'a> Index<'a> {
    fn build(column: &'a StringChunked) -> Self {
        let mut index = Index::default();
        for (row, key) in column.iter().enumerate() {
            if let Some(key) = key.filter(|k| !k.trim().is_empty()) {
                index
                    .0
                    .entry(key)
                    .and_modify(|slot| *slot = None)
                    .or_insert(Some(row as IdxSize));
            }
        }
        index
    }

    /// `Ok(row)` when exactly one user has `key`; `Err(shared)` otherwise.
    fn find(&self, key: &str) -> Result<IdxSize, bool> {
        match self.0.get(key) {
            Some(Some(row)) => Ok(*row),
            Some(None) => Err(true),
            None => Err(false),
        }
    }
}

fn text_column<'f>(frame: &'f DataFrame, name: &str) -> PolarsResult<&'f StringChunked> {
    frame.column(name)?.str()
}

/// Matches every time card to a user; see the module docs for the order.
pub fn join(time_cards: &DataFrame, users: &DataFrame) -> PolarsResult<Joined> {
    let by_user_name = Index::build(text_column(users, col::USER_NAME)?);
    let by_number = Index::build(text_column(users, col::EMPLOYEE_NUMBER)?);
    let by_full_name = Index::build(text_column(users, col::USER_FULL_NAME)?);
    let card_user_names = text_column(time_cards, col::USER_NAME)?;
    let card_numbers = text_column(time_cards, col::EMPLOYEE_NUMBER)?;
    let card_full_names = text_column(time_cards, col::USER_FULL_NAME)?;

    let mut rows: Vec<Option<IdxSize>> = Vec::with_capacity(time_cards.height());
    let mut exceptions = Vec::new();
    for row in 0..time_cards.height() {
        let user_name = card_user_names.get(row).filter(|s| !s.trim().is_empty());
        let number = card_numbers.get(row).filter(|s| !s.trim().is_empty());
        let full_name = card_full_names.get(row).filter(|s| !s.trim().is_empty());
        let number_match = number.and_then(|n| by_number.find(n).ok());
        let matched = match (user_name, number_match, full_name) {
            (Some(name), _, _) => by_user_name
                .find(name)
                .map_err(|shared| {
                    if shared {
                        format!("userName \"{name}\" belongs to several users")
                    } else {
                        format!("userName \"{name}\" is not in the users list")
                    }
                }),
            (None, Some(user_row), _) => Ok(user_row),
            (None, None, Some(full)) => by_full_name.find(full).map_err(|shared| {
                let via_number = number
                    .map(|n| format!("employeeNumber \"{n}\" matches no single user and "))
                    .unwrap_or_default();
                if shared {
                    format!("no userName; {via_number}userFullName \"{full}\" is shared by several users")
                } else {
                    format!("no userName; {via_number}userFullName \"{full}\" is not in the users list")
                }
            }),
            (None, None, None) => Err(match number {
                Some(n) => format!("no userName, and employeeNumber \"{n}\" matches no single user"),
                None => "the time card names no user at all".into(),
            }),
        };
        match matched {
            Ok(user_row) => rows.push(Some(user_row)),
            Err(why) => {
                rows.push(None);
                let mut e = identify(time_cards, row, Severity::Error, ExceptionKind::UnknownUser);
                e.message = format!("time card excluded from pay: {why}");
                exceptions.push(e);
            }
        }
    }
    let user_rows = IdxCa::from_iter_options(col::USER_ROW.into(), rows.into_iter());
    let mut columns: Vec<Column> = time_cards.columns().to_vec();
    for name in JOINED_USER_COLUMNS {
        columns.push(users.column(name)?.take(&user_rows)?);
    }
    columns.push(user_rows.into_series().into_column());
    Ok(Joined {
        frame: DataFrame::new(time_cards.height(), columns)?,
        exceptions,
    })
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
        let joined = join(&cards, &users).unwrap();
        let rows = joined.frame.column(col::USER_ROW).unwrap().idx().unwrap();
        let rows: Vec<_> = (0..rows.len()).map(|i| rows.get(i)).collect();
        assert_eq!(
            rows,
            vec![Some(0), Some(1), Some(3), None, None, None, None]
        );
        let departments = joined
            .frame
            .column(col::DEPARTMENT_NAME)
            .unwrap()
            .cast(&DataType::String)
            .unwrap();
        let departments = departments.str().unwrap();
        assert_eq!(departments.get(0), Some("Kitchen"));
        assert_eq!(departments.get(1), Some("Warehouse"));
        assert_eq!(departments.get(3), None);
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
