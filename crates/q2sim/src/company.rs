//! The data a simulated company serves, and loading it from JSON files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// One time card as the API sends it, plus the fields the filters read.
#[derive(Debug, Clone)]
pub struct TimeCardRecord {
    /// The record's JSON object text, exactly as served.
    pub json: Box<str>,
    /// `inDateTime` as text (`YYYY-MM-DD HH:MM:SS`); filters compare it as text.
    pub in_date_time: String,
    /// `userName`, used to find the user's department.
    pub user_name: String,
    /// `userFullName`, used by the `userFullName` filter.
    pub user_full_name: String,
}

/// One user as the API sends it, plus the fields the filters read.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// The record's JSON object text, exactly as served.
    pub json: Box<str>,
    /// `userName`.
    pub user_name: String,
    /// `userFullName`.
    pub user_full_name: String,
    /// `departmentName`.
    pub department_name: String,
    /// `role`: Admin, Manager, Employee or Inactive.
    pub role: String,
    /// `createdDateTime` as text.
    pub created_date_time: String,
    /// `updatedDateTime` as text.
    pub updated_date_time: String,
}

/// Everything one simulated company serves.
#[derive(Debug, Clone, Default)]
pub struct Company {
    /// The `companyId` requests must carry.
    pub id: String,
    /// The `developerToken` requests must carry.
    pub token: String,
    /// Users, in serving order.
    pub users: Vec<UserRecord>,
    /// Time cards, in serving order.
    pub time_cards: Vec<TimeCardRecord>,
}

/// An API response, of which only the records matter here.
#[derive(serde::Deserialize)]
struct Response {
    data: Vec<Box<RawValue>>,
}

/// A directory of JSON files could not be loaded as a company.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not the JSON shape expected.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

fn text_of(object: &Map<String, Value>, key: &str) -> String {
    match object.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

impl TimeCardRecord {
    /// Wraps a JSON object as a servable time card.
    pub fn from_object(object: &Map<String, Value>) -> Self {
        TimeCardRecord {
            json: Value::Object(object.clone()).to_string().into_boxed_str(),
            in_date_time: text_of(object, "inDateTime"),
            user_name: text_of(object, "userName"),
            user_full_name: text_of(object, "userFullName"),
        }
    }
}

impl UserRecord {
    /// Wraps a JSON object as a servable user.
    pub fn from_object(object: &Map<String, Value>) -> Self {
        UserRecord {
            json: Value::Object(object.clone()).to_string().into_boxed_str(),
            user_name: text_of(object, "userName"),
            user_full_name: text_of(object, "userFullName"),
            department_name: text_of(object, "departmentName"),
            role: text_of(object, "role"),
            created_date_time: text_of(object, "createdDateTime"),
            updated_date_time: text_of(object, "updatedDateTime"),
        }
    }
}

impl Company {
    /// Builds a seeded company; see [`crate::generate`].
    pub fn generate(config: &crate::generate::GeneratorConfig) -> Self {
        crate::generate::generate(config)
    }

    /// Loads a company from a directory holding `company.json`
    /// (`{"companyId": "...", "developerToken": "..."}`), and the records of
    /// `users*.json` and `timecards*.json`.
    ///
    /// Each records file is either an API response (`{"statusCode": ..., "data": [...]}`)
    /// or a bare array of records; files are read in name order, so a
    /// directory of captured pages (`timecards_000.json`, `timecards_001.json`, …)
    /// is served back in the order it was captured. Records are served exactly
    /// as written, so odd value forms survive.
    ///
    /// Long because a company folder's files are read one kind after another,
    /// each checked as it is read.
    pub fn load_dir(dir: &Path) -> Result<Self, LoadError> {
        let read = |path: &Path| -> Result<Value, LoadError> {
            let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
                path: path.to_owned(),
                source,
            })?;
            serde_json::from_slice(&bytes).map_err(|e| LoadError::Format {
                path: path.to_owned(),
                message: format!("not valid JSON: {e}"),
            })
        };
        let company_path = dir.join("company.json");
        let company = read(&company_path)?;
        let field = |key: &str| -> Result<String, LoadError> {
            company
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| LoadError::Format {
                    path: company_path.clone(),
                    message: format!("missing string field `{key}`"),
                })
        };
        let mut loaded = Company {
            id: field("companyId")?,
            token: field("developerToken")?,
            ..Company::default()
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|source| LoadError::Io {
                path: dir.to_owned(),
                source,
            })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for path in files {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let is_users = name.starts_with("users");
            if !is_users && !name.starts_with("timecards") {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|source| LoadError::Io {
                path: path.clone(),
                source,
            })?;
            let format = |message: String| LoadError::Format {
                path: path.clone(),
                message,
            };
            // Records are kept as their raw text so that they are served
            // exactly as written, key order and number forms included.
            let parsed = if bytes.trim_ascii_start().starts_with(b"[") {
                serde_json::from_slice::<Vec<Box<RawValue>>>(&bytes)
            } else {
                serde_json::from_slice::<Response>(&bytes).map(|r| r.data)
            };
            let records = parsed.map_err(|e| {
                format(format!(
                    "expected an array of records or an API response with a `data` array: {e}"
                ))
            })?;
            for (i, raw) in records.iter().enumerate() {
                let Ok(Value::Object(object)) = serde_json::from_str::<Value>(raw.get()) else {
                    return Err(format(format!("record {i} is not a JSON object")));
                };
                if is_users {
                    let mut user = UserRecord::from_object(&object);
                    user.json = raw.get().into();
                    loaded.users.push(user);
                } else {
                    let mut card = TimeCardRecord::from_object(&object);
                    card.json = raw.get().into();
                    loaded.time_cards.push(card);
                }
            }
        }
        Ok(loaded)
    }

    /// The department of each user, by user name.
    pub(crate) fn departments(&self) -> HashMap<&str, &str> {
        self.users
            .iter()
            .map(|u| (u.user_name.as_str(), u.department_name.as_str()))
            .collect()
    }

    /// How many time cards have `inDateTime` within `from..=to` (text bounds,
    /// `YYYY-MM-DD HH:MM:SS`). Handy for checking a fetch's completeness.
    pub fn time_cards_between(&self, from: &str, to: &str) -> usize {
        self.time_cards
            .iter()
            .filter(|t| t.in_date_time.as_str() >= from && t.in_date_time.as_str() <= to)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_of_pages_and_arrays_loads_in_name_order_and_verbatim() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write(
            "company.json",
            r#"{"companyId": "777", "developerToken": "golden"}"#,
        );
        write(
            "users.json",
            r#"[{"userName": "ann", "userFullName": "Ann Lee", "role": "Employee", "payRate": 20}]"#,
        );
        write(
            "timecards_001.json",
            r#"{"statusCode": "SUCCESS", "nextRecord": "-1", "data": [{"userName": "ann", "inDateTime": "2024-01-02 09:00:00"}]}"#,
        );
        write(
            "timecards_000.json",
            r#"{"statusCode": "SUCCESS", "nextRecord": "1", "data": [{"userName": "ann", "inDateTime": "2024-01-01 09:00:00", "hours": "0.000"}]}"#,
        );
        write("notes.txt", "ignored");
        let company = Company::load_dir(dir.path()).unwrap();
        assert_eq!(
            (company.id.as_str(), company.token.as_str()),
            ("777", "golden")
        );
        assert_eq!(company.users.len(), 1);
        assert_eq!(
            &*company.users[0].json,
            r#"{"userName": "ann", "userFullName": "Ann Lee", "role": "Employee", "payRate": 20}"#
        );
        let ins: Vec<_> = company
            .time_cards
            .iter()
            .map(|t| t.in_date_time.as_str())
            .collect();
        assert_eq!(ins, vec!["2024-01-01 09:00:00", "2024-01-02 09:00:00"]);
        assert!(company.time_cards[0].json.contains(r#""hours": "0.000""#));
    }

    #[test]
    fn a_bad_directory_says_which_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("company.json"), r#"{"companyId": "1"}"#).unwrap();
        let err = Company::load_dir(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("company.json") && err.contains("developerToken"),
            "{err}"
        );
        std::fs::write(
            dir.path().join("company.json"),
            r#"{"companyId": "1", "developerToken": "t"}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("timecards.json"), "[1, 2]").unwrap();
        let err = Company::load_dir(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("timecards.json") && err.contains("record 0"),
            "{err}"
        );
    }
}
