//! Configuration errors as one line that names the line and the key, and
//! never shows a secret.
//!
//! The TOML parser's own message quotes the offending line under a caret;
//! for a developer token pasted into the file (or into `token_file`) that
//! puts the secret in a terminal's scrollback and a scheduler's log. payrun
//! says `line N, key K: what is wrong` instead, and on a line whose key is
//! a secret's ([`SECRET_KEYS`]) it leaves the value out of the message.

/// Keys whose values are secrets (or are mistaken for one's place): an
/// error on their line names the key and the line, never the value.
pub const SECRET_KEYS: [&str; 4] = ["token", "developerToken", "developer_token", "token_file"];

/// A TOML syntax or value error in `text` as one line:
/// `line N, key K: message`.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim_end().replace('\n', "; ");
    let Some(span) = e.span() else {
        return message;
    };
    let at = span.start.min(text.len());
    let line = text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    match key_at(text, at) {
        Some(key) if is_secret(&key) => {
            let last = key.rsplit('.').next().unwrap_or(&key).to_owned();
            let why = if message.starts_with("unknown field") {
                format!(
                    "`{last}` is not a key payrun reads; the developer token belongs in \
                     OTC_DEVELOPER_TOKEN or in the file company.token_file names"
                )
            } else {
                "this value cannot be used".to_owned()
            };
            format!("line {line}, key {key}: {why} (the value is not shown)")
        }
        Some(key) => format!("line {line}, key {key}: {message}"),
        None => format!("line {line}: {message}"),
    }
}

/// Whether `key` (dotted) ends in a secret's name.
fn is_secret(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key);
    SECRET_KEYS.contains(&last.trim_matches('"'))
}

/// The line of `text` (1-based) that sets the dotted `key` (as
/// [`super::ConfigError::Invalid`] names it: `overtime_rules.ca.daily_ot_after`,
/// `jobs."Welding"`), or the table or inline table that holds it.
pub fn line_of(text: &str, key: &str) -> Option<usize> {
    let target = parts(key);
    let mut table: Vec<String> = Vec::new();
    let mut holder = None;
    for (n, line) in text.lines().enumerate() {
        let line = strip_comment(line).trim();
        if let Some(header) = header(line) {
            table = parts(header);
            if table == target || (holder.is_none() && target.starts_with(&table)) {
                holder = Some(n + 1);
            }
            continue;
        }
        let Some((name, _)) = line.split_once('=') else {
            continue;
        };
        let mut full = table.clone();
        full.extend(parts(name.trim()));
        if full == target {
            return Some(n + 1);
        }
        if target.starts_with(&full) {
            holder = Some(n + 1);
        }
    }
    holder
}

/// The dotted key being set at byte `at` of `text`: its table's name, the
/// key of an inline table it is in, and its own.
fn key_at(text: &str, at: usize) -> Option<String> {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = &text[start..end];
    let column = at - start;
    let mut table = Vec::new();
    for earlier in text[..start].lines() {
        if let Some(name) = header(strip_comment(earlier).trim()) {
            table = parts(name);
        }
    }
    if header(line.trim()).is_some() {
        return None;
    }
    // The `=` of the key at the column: the last one before it, else the first.
    let equals = line[..column]
        .rfind('=')
        .or_else(|| line.find('='))
        .filter(|&i| line[..i].matches('"').count().is_multiple_of(2))?;
    let before = &line[..equals];
    let from = before.rfind(['{', ',']).map_or(0, |i| i + 1);
    let mut key = table;
    if before[..from].contains('{')
        && let Some((outer, _)) = before[..from].split_once('=')
    {
        key.extend(parts(outer.trim()));
    }
    key.extend(parts(before[from..].trim()));
    (!key.is_empty()).then(|| key.join("."))
}

/// A table header's name (`[a.b]`, `[[a]]`), if `line` is one.
fn header(line: &str) -> Option<&str> {
    let inner = line.strip_prefix('[')?.strip_suffix(']')?;
    Some(
        inner
            .strip_prefix('[')
            .and_then(|i| i.strip_suffix(']'))
            .unwrap_or(inner)
            .trim(),
    )
}

/// The parts of a dotted key, quotes kept off: `jobs."A.B"` is `jobs`, `A.B`.
fn parts(key: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut quoted = None;
    for c in key.chars() {
        match (quoted, c) {
            (None, '"' | '\'') => quoted = Some(c),
            (Some(q), c) if c == q => quoted = None,
            (None, '.') => parts.push(std::mem::take(&mut part).trim().to_owned()),
            (None, c) if c.is_whitespace() => {}
            (_, c) => part.push(c),
        }
    }
    parts.push(part.trim().to_owned());
    parts.retain(|p| !p.is_empty());
    parts
}

/// The line without a `#` comment (outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quoted = None;
    for (i, c) in line.char_indices() {
        match (quoted, c) {
            (None, '"' | '\'') => quoted = Some(c),
            (Some(q), c) if c == q => quoted = None,
            (None, '#') => return &line[..i],
            _ => {}
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[company]\nid = \"1\"\n\n[overtime_rules.ca] # California\n\
        daily_ot_after = 8\nclock = { mode = \"up\", minutes = 0 }\n[jobs.\"Weld.ing\"]\nrate = 1\n";

    #[test]
    fn keys_are_found_on_their_lines() {
        assert_eq!(line_of(TEXT, "company.id"), Some(2));
        assert_eq!(line_of(TEXT, "overtime_rules.ca.daily_ot_after"), Some(5));
        assert_eq!(line_of(TEXT, "overtime_rules.ca.clock.minutes"), Some(6));
        assert_eq!(line_of(TEXT, "jobs.\"Weld.ing\""), Some(7));
        assert_eq!(line_of(TEXT, "jobs.\"Weld.ing\".rate"), Some(8));
        assert_eq!(line_of(TEXT, "overtime_rules.ca.dt_multiplier"), Some(4));
        assert_eq!(line_of(TEXT, "salary.hours_per_week"), None);
    }

    #[test]
    fn the_key_at_an_offset_has_its_table_and_inline_table() {
        let at = |needle: &str| TEXT.find(needle).unwrap();
        assert_eq!(
            key_at(TEXT, at("8")).as_deref(),
            Some("overtime_rules.ca.daily_ot_after")
        );
        assert_eq!(
            key_at(TEXT, at("daily")).as_deref(),
            Some("overtime_rules.ca.daily_ot_after")
        );
        assert_eq!(
            key_at(TEXT, at("0 }")).as_deref(),
            Some("overtime_rules.ca.clock.minutes")
        );
        assert_eq!(key_at(TEXT, at("\"1\"")).as_deref(), Some("company.id"));
        assert_eq!(key_at(TEXT, at("[jobs")), None);
    }
}
