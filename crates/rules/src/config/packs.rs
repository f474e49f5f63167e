//! Rule packs: a jurisdiction's overtime keys as a data file of the
//! repository (`data/packs/<name>.toml`), every figure with its source and
//! the day it was read. `pack = "us-co"` in an `[overtime_rules.<name>]`
//! table sets the pack's keys; a key the table sets itself wins. A pack
//! never guesses: a figure not confirmed from its source is left out and
//! the file says so (design §5d).

use super::ConfigError;

/// Every pack: its name and its file's text, by name.
pub const ALL: [(&str, &str); 5] = [
    ("us-ak", include_str!("../../../../data/packs/us-ak.toml")),
    ("us-ca", include_str!("../../../../data/packs/us-ca.toml")),
    ("us-co", include_str!("../../../../data/packs/us-co.toml")),
    (
        "us-flsa",
        include_str!("../../../../data/packs/us-flsa.toml"),
    ),
    ("us-ky", include_str!("../../../../data/packs/us-ky.toml")),
];

/// The text of the pack called `name`.
pub fn text(name: &str) -> Option<&'static str> {
    ALL.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// A pack's `[pack]` facts: (jurisdiction, checked on).
pub fn about(text: &str) -> (String, String) {
    let table: toml::Table = toml::from_str(text).unwrap_or_default();
    let field = |key: &str| {
        table
            .get("pack")
            .and_then(|p| p.get(key))
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    };
    (field("jurisdiction"), field("checked"))
}

/// `text` with every `pack = "…"` of an overtime rule replaced by the
/// pack's keys (those the rule does not set itself); `None` when no rule
/// names a pack (or the text is not TOML: the usual reading reports that).
pub(crate) fn expand(text: &str) -> Result<Option<String>, ConfigError> {
    let Ok(mut table) = toml::from_str::<toml::Table>(text) else {
        return Ok(None);
    };
    let Some(rules) = table
        .get_mut("overtime_rules")
        .and_then(|r| r.as_table_mut())
    else {
        return Ok(None);
    };
    let mut expanded = false;
    for (name, rule) in rules.iter_mut() {
        let Some(rule) = rule.as_table_mut() else {
            continue;
        };
        let Some(pack) = rule.remove("pack") else {
            continue;
        };
        let key = format!("overtime_rules.{name}.pack");
        let invalid = |message: String| {
            ConfigError::Invalid {
                key: key.clone(),
                message,
            }
            .located(text)
        };
        let pack_name = pack
            .as_str()
            .ok_or_else(|| invalid("a pack is named by text, e.g. \"us-co\"".into()))?;
        let pack_text = self::text(pack_name).ok_or_else(|| {
            let names: Vec<&str> = ALL.iter().map(|(n, _)| *n).collect();
            invalid(format!(
                "no pack is called \"{pack_name}\"; there are: {}",
                names.join(", ")
            ))
        })?;
        let pack: toml::Table = toml::from_str(pack_text)
            .map_err(|e| invalid(format!("pack {pack_name} is not readable: {e}")))?;
        if let Some(keys) = pack.get("rule").and_then(|r| r.as_table()) {
            for (k, v) in keys {
                rule.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        expanded = true;
    }
    if !expanded {
        return Ok(None);
    }
    toml::to_string(&table)
        .map(Some)
        .map_err(|e| ConfigError::Parse {
            path: "payrun.toml".into(),
            message: format!("cannot apply the packs: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pack_reads_as_a_rule_and_says_where_its_figures_come_from() {
        for (name, text) in ALL {
            let config = crate::config::RulesConfig::parse(&format!(
                "[overtime_rules.default]\npack = \"{name}\"\n"
            ))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(config.overtime_rules.contains_key("default"), "{name}");
            let (jurisdiction, checked) = about(text);
            assert!(
                !jurisdiction.is_empty() && checked == "2026-12-07",
                "{name}"
            );
            assert!(
                text.contains("Sources, each read"),
                "{name} cites its sources"
            );
        }
    }
}
