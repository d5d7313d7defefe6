//! The bundled bank (`item-bank/`) loads without errors, and its warnings are only those the
//! second edition's work in progress allows (issue 17).

use std::collections::BTreeMap;
use std::path::Path;

use jauge_bank::load_dir;

/// Warnings tolerated while the second edition is written. Each is a finding the content work
/// clears; when it has, the lead removes the code from this list (the test then fails on it).
const TOLERATED: &[&str] = &[
    // Live items at levels 4–7 the panel has not rated three times yet, and items it flags: the
    // panel's rounds are under way (docs/item-writing.md, section 10).
    "panel-few-ratings",
    "panel-flag",
    // Near-identical questions not declared as a set (crates/bank/src/similarity.rs): the ten
    // pairs of the second edition's start (the same fact in two competences, one scenario asked
    // twice) are being rewritten or declared as sets by the writers. When none is left, the lead
    // removes this line.
    "similar-text",
];

#[test]
fn the_bundled_bank_has_no_error_and_only_tolerated_warnings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../item-bank");
    let loaded = load_dir(&dir).expect("the bundled bank");
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(
        errors.is_empty(),
        "{} error(s):\n{}",
        errors.len(),
        errors.join("\n")
    );
    let mut other: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for d in loaded.diagnostics.iter().filter(|d| !TOLERATED.contains(&d.code)) {
        other.entry(d.code).or_default().push(d.to_string());
    }
    assert!(other.is_empty(), "warnings not tolerated: {other:#?}");
    assert!(loaded.bank.items.len() >= 600);
}
