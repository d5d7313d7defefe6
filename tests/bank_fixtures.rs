//! The malformed banks of `tests/bank-fixtures/`: each must produce exactly the diagnostics
//! listed here (severity, check, file, line, message). The cell warnings (`thin-cell`,
//! `single-skill-level`) and the `missing-examples` warning, which every tiny fixture draws, are
//! only compared in their own fixtures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jauge_bank::{Severity, load_dir};

const E: Severity = Severity::Error;
const W: Severity = Severity::Warning;

/// One diagnostic as compared: severity, check, file, line, message.
type Seen<'a> = (Severity, &'a str, &'a str, usize, &'a str);

type Expected = (
    &'static str,
    Severity,
    &'static str,
    &'static str,
    usize,
    &'static str,
);

/// Every fixture's diagnostics; each line points at the key or table at fault in the fixture.
const EXPECTED: &[Expected] = &[
    (
        "binary-garbage",
        E,
        "not-utf8",
        "1.1/garbage.toml",
        0,
        "this file is not UTF-8 text (invalid byte at offset 128)",
    ),
    (
        "blank-count",
        E,
        "blank-count",
        "1.1/operateurs.toml",
        3,
        "a text item has one blank; this one has 2",
    ),
    (
        "blank-not-in-text",
        E,
        "blank-mismatch",
        "1.1/operateurs.toml",
        14,
        "the en question does not contain the blank {{b2}}",
    ),
    (
        "blank-not-in-text",
        E,
        "blank-mismatch",
        "1.1/operateurs.toml",
        14,
        "the en question has a blank {{B2}} that no [[item.blank]] declares",
    ),
    (
        "blank-undeclared",
        E,
        "blank-mismatch",
        "1.1/operateurs.toml",
        14,
        "the en question has a blank {{b3}} that no [[item.blank]] declares",
    ),
    (
        "calibration-duplicate",
        E,
        "calibration-duplicate",
        "calibration/2026-12-01.csv",
        3,
        "item `op-1` appears twice in this calibration",
    ),
    (
        "calibration-duplicate",
        E,
        "calibration-format",
        "calibration/2026-12-01.csv",
        4,
        "`a` = `abc` is not a finite number",
    ),
    (
        "calibration-format",
        E,
        "calibration-format",
        "calibration/2026-12-01.csv",
        1,
        "the header lacks the column(s) b",
    ),
    (
        "calibration-invalid",
        E,
        "invalid-irt",
        "calibration/2026-12-01.csv",
        2,
        "invalid IRT parameters: discrimination a must be > 0 (got 0)",
    ),
    (
        "calibration-out-of-bounds",
        E,
        "irt-out-of-bounds",
        "calibration/2026-12-01.csv",
        2,
        "IRT parameters out of bounds: slope a = 1e308 is outside [0.01, 20]",
    ),
    (
        "calibration-unknown-item",
        E,
        "calibration-unknown-item",
        "calibration/2026-12-01.csv",
        3,
        "the calibration names an unknown item `op-9`",
    ),
    (
        "cut-file",
        E,
        "toml-syntax",
        "1.1/operateurs.toml",
        11,
        "TOML syntax: key with no value, expected `=`",
    ),
    (
        "distractor-accepted",
        E,
        "distractor-accepted",
        "1.1/operateurs.toml",
        3,
        "the wrong option `d` reads the same as the right option `b` (fr: \"-\")",
    ),
    (
        "distractor-accepted",
        E,
        "distractor-accepted",
        "1.1/operateurs.toml",
        3,
        "the wrong option `d` reads the same as the right option `b` (en: \"-\")",
    ),
    (
        "duplicate-blank",
        W,
        "blank-count",
        "1.1/operateurs.toml",
        3,
        "a blanks item with a single blank",
    ),
    (
        "duplicate-blank",
        E,
        "blank-mismatch",
        "1.1/operateurs.toml",
        10,
        "the fr question has a blank {{b2}} that no [[item.blank]] declares",
    ),
    (
        "duplicate-blank",
        E,
        "blank-mismatch",
        "1.1/operateurs.toml",
        14,
        "the en question has a blank {{b2}} that no [[item.blank]] declares",
    ),
    (
        "duplicate-blank",
        E,
        "duplicate-blank",
        "1.1/operateurs.toml",
        22,
        "blank id `b1` is used twice in this item",
    ),
    (
        "duplicate-competence",
        E,
        "duplicate-competence",
        "framework.toml",
        26,
        "competence `1.1` is declared twice",
    ),
    (
        "duplicate-domain",
        E,
        "duplicate-domain",
        "framework.toml",
        9,
        "domain `1` is declared twice",
    ),
    (
        "duplicate-id-across-files",
        E,
        "duplicate-id",
        "1.1/sources.toml",
        4,
        "item id `op-1` is already used at 1.1/operateurs.toml:4",
    ),
    (
        "duplicate-id-same-file",
        E,
        "duplicate-id",
        "1.1/operateurs.toml",
        34,
        "item id `op-1` is already used at 1.1/operateurs.toml:4",
    ),
    (
        "duplicate-option-text",
        E,
        "duplicate-option-text",
        "1.1/operateurs.toml",
        3,
        "options `c` and `d` read the same (fr: \"*\")",
    ),
    (
        "duplicate-option",
        E,
        "duplicate-option",
        "1.1/operateurs.toml",
        34,
        "option id `a` is used twice in this item",
    ),
    (
        "duplicate-solution",
        E,
        "duplicate-solution",
        "1.1/operateurs.toml",
        8,
        "`a` is listed twice in the solution",
    ),
    (
        "duplicate-tube",
        E,
        "duplicate-tube",
        "framework.toml",
        21,
        "tube `operateurs` is already declared in competence 1.1",
    ),
    (
        "empty-answer",
        E,
        "empty-answer",
        "1.1/operateurs.toml",
        20,
        "`accept_en` of blank `b1` holds an answer that is empty once normalised",
    ),
    (
        "empty-explanation",
        E,
        "empty-explanation",
        "1.1/operateurs.toml",
        16,
        "the English explanation is empty",
    ),
    (
        "empty-question",
        E,
        "empty-question",
        "1.1/operateurs.toml",
        11,
        "the French question is empty",
    ),
    (
        "invalid-id",
        E,
        "invalid-id",
        "1.1/operateurs.toml",
        4,
        "item id `op 1` may use only letters, digits, `_`, `.` and `-`",
    ),
    (
        "invalid-irt",
        E,
        "invalid-irt",
        "1.1/operateurs.toml",
        11,
        "invalid IRT parameters: discrimination a must be > 0 (got -1)",
    ),
    (
        "invalid-max-edits",
        E,
        "invalid-max-edits",
        "1.1/operateurs.toml",
        21,
        "max_edits must be between 0 and 10, not 12",
    ),
    (
        "invalid-max-level",
        E,
        "invalid-level",
        "framework.toml",
        13,
        "max_level must be between 1 and 8, not 9",
    ),
    (
        "invalid-tag",
        E,
        "invalid-tag",
        "1.1/operateurs.toml",
        9,
        "accessibility tag `No Screen Reader` must use only a-z, 0-9 and -",
    ),
    (
        "invalid-time-limit",
        E,
        "invalid-time-limit",
        "1.1/operateurs.toml",
        9,
        "time_limit must be a positive number of seconds, not 0",
    ),
    (
        "key-not-for-type",
        E,
        "key-not-for-type",
        "1.1/operateurs.toml",
        22,
        "`option` has no meaning for a text item",
    ),
    (
        "level-above-max",
        E,
        "level-above-max",
        "1.1/operateurs.toml",
        5,
        "level 3 is above the highest open level of competence 1.1 (2)",
    ),
    (
        "lonely-set",
        W,
        "lonely-set",
        "1.1/operateurs.toml",
        39,
        "set `operateur-moins` has no other item",
    ),
    (
        "lonely-set",
        W,
        "lonely-set",
        "1.1/operateurs.toml",
        70,
        "set `pages-resultats` has no other item",
    ),
    (
        "lonely-set",
        W,
        "lonely-set",
        "1.2/licences.toml",
        39,
        "set `licence-ouvert` has no other item",
    ),
    (
        "lonely-set",
        E,
        "invalid-id",
        "1.2/licences.toml",
        70,
        "set name `Creative Commons` may use only a-z, 0-9 and -",
    ),
    (
        "loose-tolerance",
        W,
        "loose-tolerance",
        "1.1/operateurs.toml",
        17,
        "max_edits = 2 on blank `b1` is half or more of its shortest answer (3 characters)",
    ),
    (
        "missing-translation",
        E,
        "missing-translation",
        "1.1/operateurs.toml",
        3,
        "item `op-1` has no English text",
    ),
    (
        "missing-type",
        E,
        "missing-key",
        "1.1/operateurs.toml",
        3,
        "item `op-1` has no `type`",
    ),
    (
        "multiple-solution-all",
        E,
        "multiple-solution-all",
        "1.1/operateurs.toml",
        8,
        "every option is in the solution",
    ),
    (
        "multiple-solution-empty",
        E,
        "multiple-solution-empty",
        "1.1/operateurs.toml",
        8,
        "the solution of a multiple item is empty",
    ),
    (
        "no-accepted-answer",
        E,
        "no-accepted-answer",
        "1.1/operateurs.toml",
        17,
        "blank `b1` accepts no answer in en",
    ),
    (
        "no-framework",
        E,
        "no-framework",
        "framework.toml",
        0,
        "the bank has no framework.toml",
    ),
    (
        "no-items",
        W,
        "no-items",
        "1.1/operateurs.toml",
        1,
        "this file has no [[item]]",
    ),
    (
        "number-reject-accepted",
        E,
        "reject-accepted",
        "1.1/operateurs.toml",
        20,
        "the wrong value 9 is accepted by this item's tolerance",
    ),
    (
        "number-tolerance-and-range",
        E,
        "invalid-number",
        "1.1/operateurs.toml",
        19,
        "give either tolerance or min and max, not both",
    ),
    (
        "option-count",
        E,
        "option-count",
        "1.1/operateurs.toml",
        3,
        "a single item has 3 to 6 options; this one has 2",
    ),
    (
        "override-without-reason",
        E,
        "override-without-reason",
        "1.1/operateurs.toml",
        10,
        "[item.irt] overrides the provisional parameters without a reason",
    ),
    (
        "reject-accepted",
        E,
        "reject-accepted",
        "1.1/operateurs.toml",
        21,
        "the wrong answer \"RECHERCHEH\" is accepted by blank `b1` (fr: it matches \"RECHERCHEV\")",
    ),
    (
        "reject-accepted",
        E,
        "reject-accepted",
        "1.1/operateurs.toml",
        21,
        "the wrong answer \"HLOOKUP\" is accepted by blank `b1` (en: it matches \"VLOOKUP\")",
    ),
    (
        "same-text",
        W,
        "same-text",
        "1.1/operateurs.toml",
        41,
        "the fr question is the same as that of item `op-1` (1.1/operateurs.toml:4)",
    ),
    (
        "similar-text",
        W,
        "similar-text",
        "1.2/licences.toml",
        11,
        "the French question is close to that of item `op-verrou` (1.1/operateurs.toml:4): similarity 0.57 of their content words",
    ),
    (
        "single-skill-level",
        W,
        "single-skill-level",
        "framework.toml",
        8,
        "competence 1.1 level 1 has a single skill (@operateurs1): it can only reach 4 of its 8 pix",
    ),
    (
        "single-two-solutions",
        E,
        "single-solution-count",
        "1.1/operateurs.toml",
        8,
        "a single item has exactly one right option; the solution lists 2",
    ),
    (
        "solution-not-option",
        E,
        "solution-not-option",
        "1.1/operateurs.toml",
        8,
        "the solution `d` is not among the options",
    ),
    (
        "thin-cell",
        W,
        "thin-cell",
        "framework.toml",
        8,
        "competence 1.1 level 1 has 2 live item(s); adaptive selection needs at least 3",
    ),
    (
        "unknown-competence-folder",
        W,
        "unknown-competence",
        "9.9/operateurs.toml",
        1,
        "folder `9.9` is not the code of a competence",
    ),
    (
        "unknown-domain",
        E,
        "unknown-domain",
        "framework.toml",
        10,
        "unknown domain `7`",
    ),
    (
        "unknown-key",
        E,
        "unknown-key",
        "1.1/operateurs.toml",
        12,
        "unknown key `explantion` in [item.fr]",
    ),
    (
        "unknown-level",
        E,
        "unknown-level",
        "1.1/operateurs.toml",
        5,
        "unknown level 9: levels run from 1 to 8",
    ),
    (
        "unknown-status",
        E,
        "unknown-status",
        "1.1/operateurs.toml",
        7,
        "unknown status `lve`",
    ),
    (
        "unknown-tube",
        E,
        "unknown-tube",
        "1.1/operateurs.toml",
        1,
        "unknown tube `operateur`",
    ),
    (
        "unknown-type",
        E,
        "unknown-type",
        "1.1/operateurs.toml",
        6,
        "unknown type `singel`",
    ),
    (
        "unknown-variant",
        E,
        "unknown-variant",
        "1.1/operateurs.toml",
        9,
        "variant_of names an unknown item `op-2`",
    ),
    (
        "variant-other-skill",
        W,
        "variant-other-skill",
        "1.1/operateurs.toml",
        39,
        "variant of `op-1`, which tests @operateurs1 while this item tests @operateurs2",
    ),
    (
        "wrong-folder",
        W,
        "wrong-folder",
        "1.2/operateurs.toml",
        1,
        "tube `operateurs` belongs to competence 1.1, but the file is in folder 1.2",
    ),
    (
        "wrong-type",
        E,
        "wrong-type",
        "1.1/operateurs.toml",
        5,
        "`level` must be an integer, found a string",
    ),
    (
        "placeholder-in-choice",
        W,
        "blank-mismatch",
        "1.1/operateurs.toml",
        11,
        "the fr question has a blank {{nom}} but a single item has no blanks",
    ),
    (
        "placeholder-in-choice",
        W,
        "blank-mismatch",
        "1.1/operateurs.toml",
        15,
        "the en question has a blank {{name}} but a single item has no blanks",
    ),
    (
        "panel-flag",
        W,
        "panel-flag",
        "1.1/operateurs.toml",
        4,
        "the panel flags this item: median 6 against declared level 4 (ratings 6, 6, 7)",
    ),
    (
        "panel-flag",
        W,
        "panel-flag",
        "1.1/operateurs.toml",
        34,
        "the panel flags this item: ratings spread over 2 levels; noted [wrong-key] (ratings 3, 5, 4)",
    ),
    (
        "panel-few-ratings",
        W,
        "panel-few-ratings",
        "1.1/operateurs.toml",
        4,
        "a live item at level 4 with 2 current panel rating(s) (1 rating(s) of an earlier version); it needs at least 3",
    ),
    (
        "panel-few-ratings",
        W,
        "panel-few-ratings",
        "1.1/operateurs.toml",
        34,
        "a live item at level 4 with 0 current panel rating(s); it needs at least 3",
    ),
    (
        "panel-format",
        W,
        "panel-format",
        "panel/ratings.csv",
        1,
        "unknown column `comment` (ignored)",
    ),
    (
        "panel-format",
        E,
        "panel-format",
        "panel/ratings.csv",
        2,
        "item_hash `f9c57513` is not 12 hexadecimal digits",
    ),
    (
        "panel-format",
        E,
        "panel-format",
        "panel/ratings.csv",
        3,
        "rater `R 1` is not a rater code",
    ),
    (
        "panel-format",
        E,
        "panel-format",
        "panel/ratings.csv",
        4,
        "round `0` is not a round number (1, 2, …)",
    ),
    (
        "panel-format",
        E,
        "panel-format",
        "panel/ratings.csv",
        5,
        "level `9` is not a level from 1 to 8",
    ),
    (
        "panel-format",
        E,
        "panel-format",
        "panel/ratings.csv",
        6,
        "unreadable row: CSV error: record 5 (line: 6, byte: 151): found record with 5 fields, but the previous record has 7 fields",
    ),
    (
        "panel-format",
        E,
        "panel-format",
        "panel/ratings.csv",
        7,
        "a rating has no item",
    ),
    (
        "panel-duplicate",
        E,
        "panel-duplicate",
        "panel/ratings.csv",
        3,
        "rater R1 already rated this version of `op-a` in round 1 (line 2)",
    ),
    (
        "panel-unknown-item",
        W,
        "panel-unknown-item",
        "panel/ratings.csv",
        2,
        "a rating of an unknown item `op-c`",
    ),
    (
        "typography",
        E,
        "typography",
        "1.1/operateurs.toml",
        12,
        "a narrow no-break space (U+202F) goes after «, not a space in the French question: …les pages sans le mot « stage ». Qu…",
    ),
    (
        "typography",
        E,
        "typography",
        "1.1/operateurs.toml",
        12,
        "a narrow no-break space (U+202F) goes before », not a space in the French question: …ges sans le mot « stage ». Quel opé…",
    ),
    (
        "typography",
        E,
        "typography",
        "1.1/operateurs.toml",
        12,
        "a narrow no-break space (U+202F) goes before \"?\", not a space in the French question: …ateur placez-vous devant ?",
    ),
    (
        "typography",
        E,
        "typography",
        "1.1/operateurs.toml",
        14,
        "no space before \",\" (found a space) in the French explanation: …xclut le mot qui le suit , ici\u{a0}: `-s…",
    ),
    (
        "typography",
        E,
        "typography",
        "1.1/operateurs.toml",
        14,
        "a narrow no-break space (U+202F) goes before \":\", not a no-break space (U+00A0) in the French explanation: …le mot qui le suit , ici\u{a0}: `-stage`.",
    ),
    (
        "typography",
        E,
        "typography",
        "1.1/operateurs.toml",
        22,
        "a narrow no-break space (U+202F) goes before \"!\", not nothing in the French text of option `a`: Le signe plus!",
    ),
    (
        "missing-examples",
        W,
        "missing-examples",
        "1.1/operateurs.toml",
        22,
        "a typed item needs example answers (at least 5 distinct right phrasings and 3 wrong answers per language); it has 2 to reject in fr, 2 to reject in en",
    ),
    (
        "missing-examples",
        W,
        "missing-examples",
        "1.1/operateurs.toml",
        29,
        "a typed item needs example answers (at least 5 distinct right phrasings and 3 wrong answers per language); it has 0 to accept in fr, 0 to reject in fr, 0 to accept in en, 0 to reject in en",
    ),
    (
        "example-rejected",
        E,
        "example-rejected",
        "1.1/operateurs.toml",
        22,
        "the example \"la CNIL\" (en) must be accepted, but the checker scores it 0 (not an expected answer)",
    ),
    (
        "example-rejected",
        E,
        "example-rejected",
        "1.1/operateurs.toml",
        22,
        "the example \"La Cnil.\" (en) must be accepted, but the checker scores it 0 (not an expected answer)",
    ),
    (
        "example-rejected",
        E,
        "example-rejected",
        "1.1/operateurs.toml",
        23,
        "the example \"Commission nationale de l'informatique et des libertés\" (fr) must be accepted, but the checker scores it 0 (not an expected answer)",
    ),
    (
        "example-rejected",
        E,
        "example-rejected",
        "1.1/operateurs.toml",
        44,
        "the example \"douze\" (fr) must be accepted, but the checker refuses it (\"douze\" is not a number: type digits, with a comma or a dot as the decimal mark and spaces between thousands if you like (1 500 or 2,5))",
    ),
    (
        "example-rejected",
        E,
        "example-rejected",
        "1.1/operateurs.toml",
        44,
        "the example \"douze\" (en) must be accepted, but the checker refuses it (\"douze\" is not a number: type digits, with a comma or a dot as the decimal mark and spaces between thousands if you like (1 500 or 2,5))",
    ),
    (
        "example-accepted",
        E,
        "example-accepted",
        "1.1/operateurs.toml",
        26,
        "the example \"intégrale\" (fr) must be rejected, but the checker accepts it (accepted with 2 typo(s) (\"intégrité\"))",
    ),
    (
        "example-accepted",
        E,
        "example-accepted",
        "1.1/operateurs.toml",
        27,
        "the example \"integrate\" (en) must be rejected, but the checker accepts it (accepted with 2 typo(s) (\"integrity\"))",
    ),
    (
        "example-format",
        E,
        "example-format",
        "1.1/operateurs.toml",
        29,
        "an example of `accept_fr` gives 1 answer(s); this item has 2 blank(s)",
    ),
    (
        "example-format",
        E,
        "example-format",
        "1.1/operateurs.toml",
        29,
        "an example of `accept_fr` is neither a text nor a list of texts",
    ),
    (
        "example-format",
        E,
        "wrong-type",
        "1.1/operateurs.toml",
        30,
        "`reject` must be a list of example answers",
    ),
    (
        "example-format",
        E,
        "key-not-for-type",
        "1.1/operateurs.toml",
        47,
        "`examples` has no meaning for a single item",
    ),
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bank-fixtures")
}

#[test]
fn every_fixture_gives_exactly_its_diagnostics() {
    let mut expected: BTreeMap<&str, Vec<Seen<'_>>> = BTreeMap::new();
    for (name, sev, code, file, line, msg) in EXPECTED {
        expected
            .entry(name)
            .or_default()
            .push((*sev, *code, *file, *line, *msg));
    }
    let mut seen = 0;
    for entry in std::fs::read_dir(fixtures()).expect("the fixtures folder") {
        let path = entry.expect("a fixture").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let loaded = load_dir(&path).expect("a readable fixture");
        let cells = ["thin-cell", "single-skill-level"];
        let kept = |code: &str| match code {
            c if cells.contains(&c) => cells.contains(&name.as_str()),
            "missing-examples" => name == "missing-examples",
            _ => true,
        };
        let got: Vec<Seen<'_>> = loaded
            .diagnostics
            .iter()
            .filter(|d| kept(d.code))
            .map(|d| (d.severity, d.code, d.file.as_str(), d.line, d.message.as_str()))
            .collect();
        let want = expected.get(name.as_str()).cloned().unwrap_or_default();
        assert_eq!(got, want, "fixture {name}");
        assert!(!want.is_empty(), "fixture {name} has no expected diagnostic");
        seen += 1;
    }
    assert!(seen >= 25, "only {seen} fixtures");
    assert_eq!(seen, expected.len(), "a fixture listed here is missing on disk");
}

#[test]
fn diagnostics_carry_column_item_and_help() {
    let loaded = load_dir(&fixtures().join("unknown-key")).expect("readable");
    let d = loaded
        .diagnostics
        .iter()
        .find(|d| d.code == "unknown-key")
        .expect("the typo is reported");
    assert_eq!((d.line, d.column), (12, 1));
    assert_eq!(d.item.as_deref(), Some("op-1"));
    assert_eq!(d.help.as_deref(), Some("did you mean `explanation`?"));
    let text = loaded.source("1.1/operateurs.toml").expect("the source is kept");
    assert_eq!(&text[d.span.clone()], "explantion");
}

#[test]
fn a_bank_with_errors_keeps_its_other_items() {
    // The duplicate is left out, the first item kept.
    let loaded = load_dir(&fixtures().join("duplicate-id-across-files")).expect("readable");
    assert_eq!(loaded.bank.items.len(), 1);
    assert_eq!(loaded.bank.items[0].location.file, "1.1/operateurs.toml");
    // Garbage next to a good file: the good file's item is loaded.
    let loaded = load_dir(&fixtures().join("binary-garbage")).expect("readable");
    assert_eq!(loaded.bank.items.len(), 1);
}

#[test]
fn calibration_overlays_the_items() {
    let loaded = load_dir(&fixtures().join("calibration-unknown-item")).expect("readable");
    let item = loaded.bank.item("op-1").expect("op-1");
    assert_eq!(
        (
            item.params().a(),
            item.params().b(),
            item.params().c(),
            item.params().d()
        ),
        (1.2, -1.1, 0.2, 1.0)
    );
    match &item.parameters.source {
        jauge_bank::ParamSource::Calibrated { version, se } => {
            assert_eq!(version, "2026-12-01");
            assert_eq!((se.a, se.b, se.c), (Some(0.1), Some(0.2), None));
        }
        other => panic!("not calibrated: {other:?}"),
    }
    assert_eq!(loaded.bank.calibrations.len(), 1);
    assert_eq!(loaded.bank.calibrations[0].items, 1);
}
