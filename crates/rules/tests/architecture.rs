//! The rules crate reads top to bottom: no module uses one that uses it
//! back, directly or around a circle. Checked from the sources: each
//! top-level module of `src/` (a folder is one module) and the modules it
//! names as `crate::<module>` in code (comments and tests aside).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The code of a source file: its tests and its comments left out.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module of `src/` and the modules its code uses.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = if path.is_dir() {
            std::fs::read_dir(&path)
                .unwrap()
                .map(|f| code(&std::fs::read_to_string(f.unwrap().path()).unwrap()))
                .collect::<Vec<_>>()
                .join("\n")
        } else if name != "lib" {
            code(&std::fs::read_to_string(&path).unwrap())
        } else {
            continue;
        };
        modules.insert(name, text);
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(name, text)| {
            let used = text
                .split("crate::")
                .skip(1)
                .map(|rest| {
                    rest.chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect::<String>()
                })
                .filter(|m| m != name && names.contains(m))
                .collect();
            (name.clone(), used)
        })
        .collect()
}

/// A circle of modules, if there is one: `[a, b, a]`.
fn circle(uses: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        module: &str,
        uses: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut found = path[at..].to_vec();
            found.push(module.to_owned());
            return Some(found);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_owned());
        for next in uses.get(module).into_iter().flatten() {
            if let Some(found) = visit(next, uses, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(module.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    uses.keys()
        .find_map(|m| visit(m, uses, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_of_the_rules_crate_uses_one_that_uses_it_back() {
    let uses = uses();
    assert!(uses.len() > 10, "the modules are found: {uses:?}");
    // The pipeline's order: a person's steps use the steps, never the batch.
    assert!(uses["compute"].contains("person"));
    assert!(!uses["person"].contains("compute"));
    assert!(!uses["price"].contains("explain"));
    assert_eq!(circle(&uses), None, "{uses:#?}");
    // The check finds a circle when there is one.
    let mut with_circle = uses.clone();
    with_circle
        .get_mut("calendar")
        .unwrap()
        .insert("compute".into());
    assert!(circle(&with_circle).is_some());
}
