//! The two query commands: parameter parsing, filters, the cursor and
//! `returnColumns`.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use crate::company::Company;

/// The answer to one request, before it becomes an HTTP body.
#[derive(Debug)]
pub(crate) enum Answer {
    /// `statusCode: "SUCCESS"` with a page of records (their JSON texts).
    Success {
        next_record: String,
        data: Vec<String>,
    },
    /// `statusCode: "ERROR"` with the API's message.
    Error(String),
}

impl Answer {
    /// The response body, in the API's envelope.
    pub(crate) fn to_body(&self) -> String {
        match self {
            Answer::Success { next_record, data } => {
                let size: usize = data.iter().map(|r| r.len() + 1).sum();
                let mut body = String::with_capacity(size + 96);
                body.push_str(r#"{"statusCode":"SUCCESS","message":"","nextRecord":"#);
                body.push_str(&Value::String(next_record.clone()).to_string());
                body.push_str(r#","data":["#);
                for (i, record) in data.iter().enumerate() {
                    if i > 0 {
                        body.push(',');
                    }
                    body.push_str(record);
                }
                body.push_str("]}");
                body
            }
            Answer::Error(message) => serde_json::json!({
                "statusCode": "ERROR",
                "message": message,
                "nextRecord": "-1",
                "data": [],
            })
            .to_string(),
        }
    }
}

/// Request parameters as text, whether they came as JSON values or a query string.
pub(crate) type Params = HashMap<String, String>;

/// Turns a JSON request body into text parameters; numbers become their text.
pub(crate) fn params_from_json(body: Map<String, Value>) -> Params {
    body.into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (k, text)
        })
        .collect()
}

fn param<'a>(params: &'a Params, key: &str) -> &'a str {
    params.get(key).map(|s| s.trim()).unwrap_or("")
}

/// Answers one request against `company`.
/// The answer to `params`; `drift` moves the cursor of a later page by
/// that many records (see [`Faults::drift_rate`](crate::Faults::drift_rate)).
pub(crate) fn answer(company: &Company, params: &Params, drift: i64) -> Answer {
    match run(company, params, drift) {
        Ok(answer) => answer,
        Err(message) => Answer::Error(message),
    }
}

fn run(company: &Company, params: &Params, drift: i64) -> Result<Answer, String> {
    let cmd = param(params, "cmd");
    if cmd != "api/q2QueryTimeCards" && cmd != "api/q2QueryUsers" {
        return Err(if cmd.is_empty() {
            "Command is missing.".to_owned()
        } else {
            format!("Command not found: {cmd}.")
        });
    }
    if param(params, "companyId") != company.id {
        return Err("Company ID not found.".into());
    }
    if param(params, "developerToken") != company.token {
        return Err("Developer token is not correct.".into());
    }
    let offset = match param(params, "nextRecord") {
        "" => 0,
        text => text
            .parse::<usize>()
            .map_err(|_| format!("nextRecord is not valid: {text}."))?,
    };
    // Records deleted (or inserted) before the cursor while a client pages
    // shift what the cursor points at.
    let offset = if offset > 0 {
        offset.saturating_add_signed(-drift as isize)
    } else {
        offset
    };
    let max_records = match param(params, "maxRecords") {
        "" => 5000,
        text => match text.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => return Err(format!("maxRecords is not valid: {text}.")),
        },
    };
    let columns = return_columns(param(params, "returnColumns"));
    let matching: Vec<&str> = if cmd == "api/q2QueryTimeCards" {
        time_cards(company, params)?
    } else {
        users(company, params)?
    };
    let end = offset.saturating_add(max_records).min(matching.len());
    let page = matching.get(offset..end).unwrap_or(&[]);
    let data = page
        .iter()
        .map(|json| project(json, columns.as_deref()))
        .collect();
    let next_record = if end < matching.len() {
        end.to_string()
    } else {
        "-1".to_owned()
    };
    Ok(Answer::Success { next_record, data })
}

/// `"$a$b$c"` → `["a", "b", "c"]`; `""` and `"ALL COLUMNS"` mean every column.
fn return_columns(text: &str) -> Option<Vec<String>> {
    if text.is_empty() || text.eq_ignore_ascii_case("ALL COLUMNS") {
        return None;
    }
    Some(
        text.split('$')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

fn project(json: &str, columns: Option<&[String]>) -> String {
    let Some(columns) = columns else {
        return json.to_owned();
    };
    let Ok(Value::Object(mut record)) = serde_json::from_str::<Value>(json) else {
        return json.to_owned();
    };
    let mut narrowed = Map::new();
    for column in columns {
        if let Some(value) = record.remove(column) {
            narrowed.insert(column.clone(), value);
        }
    }
    Value::Object(narrowed).to_string()
}

/// An inclusive text range on `YYYY-MM-DD HH:MM:SS` values; empty bounds are open.
struct Range {
    from: Option<String>,
    to: Option<String>,
}

impl Range {
    fn parse(params: &Params, from_key: &str, to_key: &str) -> Result<Self, String> {
        let bound = |key: &str| -> Result<Option<String>, String> {
            match param(params, key) {
                "" => Ok(None),
                text => NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
                    .map(|t| Some(t.format("%Y-%m-%d %H:%M:%S").to_string()))
                    .map_err(|_| format!("{key} is not a valid date time: {text}.")),
            }
        };
        Ok(Range {
            from: bound(from_key)?,
            to: bound(to_key)?,
        })
    }

    fn contains(&self, value: &str) -> bool {
        self.from.as_deref().is_none_or(|from| value >= from)
            && self.to.as_deref().is_none_or(|to| value <= to)
    }
}

/// A name filter: `None` when every value passes (`""` or the "ALL …" form).
fn name_filter<'a>(params: &'a Params, key: &str, all: &str) -> Option<&'a str> {
    match param(params, key) {
        "" => None,
        text if text.eq_ignore_ascii_case(all) => None,
        text => Some(text),
    }
}

fn check_names(
    company: &Company,
    params: &Params,
) -> Result<(Option<String>, Option<String>), String> {
    let user = name_filter(params, "userFullName", "ALL USERS");
    if let Some(name) = user
        && !company.users.iter().any(|u| u.user_full_name == name)
    {
        return Err("User Full Name not found.".into());
    }
    let department = name_filter(params, "departmentName", "ALL DEPARTMENTS");
    if let Some(name) = department
        && !company.users.iter().any(|u| u.department_name == name)
    {
        return Err("Department Name not found.".into());
    }
    Ok((user.map(str::to_owned), department.map(str::to_owned)))
}

fn time_cards<'c>(company: &'c Company, params: &Params) -> Result<Vec<&'c str>, String> {
    let range = Range::parse(params, "dateTimeFrom", "dateTimeTo")?;
    let (user, department) = check_names(company, params)?;
    // Only a department filter needs the user -> department map; most
    // requests (every page payrun asks for) have none.
    let departments = department.as_ref().map(|_| company.departments());
    Ok(company
        .time_cards
        .iter()
        .filter(|t| range.contains(&t.in_date_time))
        .filter(|t| user.as_deref().is_none_or(|u| t.user_full_name == u))
        .filter(|t| {
            department
                .as_deref()
                .zip(departments.as_ref())
                .is_none_or(|(d, map)| map.get(t.user_name.as_str()) == Some(&d))
        })
        .map(|t| &*t.json)
        .collect())
}

fn users<'c>(company: &'c Company, params: &Params) -> Result<Vec<&'c str>, String> {
    let created = Range::parse(params, "createdDateTimeFrom", "createdDateTimeTo")?;
    let updated = Range::parse(params, "updatedDateTimeFrom", "updatedDateTimeTo")?;
    let (user, department) = check_names(company, params)?;
    let role = name_filter(params, "role", "ALL ROLES");
    if let Some(role) = role
        && !["Admin", "Manager", "Employee", "Inactive"].contains(&role)
    {
        return Err("Role not found.".into());
    }
    Ok(company
        .users
        .iter()
        .filter(|u| created.contains(&u.created_date_time))
        .filter(|u| updated.contains(&u.updated_date_time))
        .filter(|u| user.as_deref().is_none_or(|n| u.user_full_name == n))
        .filter(|u| department.as_deref().is_none_or(|d| u.department_name == d))
        .filter(|u| role.is_none_or(|r| u.role == r))
        .map(|u| &*u.json)
        .collect())
}
