//! The measurement settings in `calibration/`: profile structure files and exposure parameters
//! (reading, the file in force, diagnostics, and the staleness warning).

use jauge_bank::structure::{ExposureControl, StructureStatus, live_items_fingerprint, write_exposure};
use jauge_bank::{Loaded, Severity, load_files};

const FRAMEWORK: &str = r#"
name = "TEST"
[[domain]]
code = "1"
fr = "Informations"
en = "Information"
[[competence]]
code = "1.1"
domain = "1"
fr = "Chercher"
en = "Searching"
max_level = 1
[[competence.tube]]
id = "operateurs"
fr = "Opérateurs"
en = "Operators"
[[competence]]
code = "1.2"
domain = "1"
fr = "Évaluer"
en = "Evaluating"
max_level = 1
[[competence.tube]]
id = "sources"
fr = "Sources"
en = "Sources"
"#;

fn items(tube: &str, prefix: &str) -> String {
    (1..=3)
        .map(|k| {
            format!(
                r#"
[[item]]
id = "{prefix}-{k}"
level = 1
type = "text"
status = "live"
[item.fr]
question = "Question {prefix} {k}{nnbsp}?"
explanation = "Parce que."
[item.en]
question = "Question {prefix} {k}?"
explanation = "Because."
[[item.blank]]
id = "b1"
accept = ["r{k}"]
"#,
                nnbsp = '\u{202f}'
            )
        })
        .fold(format!("tube = \"{tube}\"\n"), |a, b| a + &b)
}

fn bank(extra: &[(&str, &str)]) -> Loaded {
    let mut files = vec![
        ("framework.toml".to_string(), FRAMEWORK.as_bytes().to_vec()),
        (
            "1.1/operateurs.toml".into(),
            items("operateurs", "op").into_bytes(),
        ),
        ("1.2/sources.toml".into(), items("sources", "so").into_bytes()),
    ];
    for (p, t) in extra {
        files.push(((*p).into(), t.as_bytes().to_vec()));
    }
    load_files(files)
}

/// (severity, code, file, line) of every diagnostic about the files of `calibration/` (the item
/// files of the tiny bank draw content warnings, thin cells, missing examples, similar texts,
/// that are not this test's subject).
fn diags(l: &Loaded) -> Vec<(Severity, &str, &str, usize)> {
    l.diagnostics
        .iter()
        .filter(|d| d.file.starts_with("calibration/"))
        .map(|d| (d.severity, d.code, d.file.as_str(), d.line))
        .collect()
}

#[test]
fn no_structure_file_means_independent() {
    let l = bank(&[]);
    assert_eq!(diags(&l), vec![]);
    assert!(l.bank.structure.is_none() && l.bank.exposure.is_none());
}

#[test]
fn an_assumed_structure_is_read_and_left_out_competences_are_zero() {
    let l = bank(&[(
        "calibration/structure.toml",
        "status = \"assumed\"\nagents = 0\n[loadings]\n\"1.1\" = 0.65\n",
    )]);
    assert_eq!(diags(&l), vec![]);
    let s = l.bank.structure.unwrap();
    assert_eq!(s.status, StructureStatus::Assumed);
    assert_eq!((s.loading("1.1"), s.loading("1.2")), (0.65, 0.0));
    // a structure file is not an item file, and it is part of the bank's version
    assert_eq!(l.bank.items.len(), 6);
    assert_ne!(l.bank.version, bank(&[]).bank.version);
}

#[test]
fn the_latest_estimate_is_in_force() {
    let est = |at: &str, l: f64| {
        format!(
            "status = \"estimated\"\nagents = 1200\nestimated_at = \"{at}\"\n[loadings]\n\"1.1\" = {l}\n\"1.2\" = 0.5\n[standard_errors]\n\"1.1\" = 0.03\n"
        )
    };
    let a = est("2027-03-01T09:00:00Z", 0.61);
    let b = est("2026-12-01T09:00:00Z", 0.55);
    let l = bank(&[
        ("calibration/structure-2027-03-01.toml", &a),
        ("calibration/structure-2026-12-01.toml", &b),
        (
            "calibration/structure.toml",
            "status = \"assumed\"\n[loadings]\n\"1.1\" = 0.7\n",
        ),
    ]);
    assert_eq!(diags(&l), vec![]);
    let s = l.bank.structure.unwrap();
    assert_eq!(s.file, "calibration/structure-2027-03-01.toml");
    assert_eq!(
        (s.status, s.agents, s.loading("1.1")),
        (StructureStatus::Estimated, 1200, 0.61)
    );
    assert_eq!(s.standard_errors["1.1"], 0.03);
    assert_eq!(s.estimated_at.as_deref(), Some("2027-03-01T09:00:00Z"));
}

#[test]
fn bad_structure_files_are_errors_that_name_the_line() {
    let text = "status = \"guessed\"\nagents = -3\nestimated_at = \"yesterday\"\nrho = 1\n[loadings]\n\"1.1\" = 0.99\n\"9.9\" = 0.5\n\"1.2\" = \"high\"\n";
    let l = bank(&[("calibration/structure-x.toml", text)]);
    let f = "calibration/structure-x.toml";
    let e = Severity::Error;
    assert_eq!(
        diags(&l),
        vec![
            (e, "structure-format", f, 1),
            (e, "structure-format", f, 2),
            (e, "structure-format", f, 3),
            (e, "unknown-key", f, 4),
            (e, "structure-loading", f, 6),
            (e, "structure-unknown-competence", f, 7),
            (e, "wrong-type", f, 8),
        ]
    );
    assert!(l.bank.structure.is_none());
    // an estimate must say from how many agents; a file needs [loadings]
    let l = bank(&[("calibration/structure.toml", "status = \"estimated\"\n")]);
    let codes: Vec<&str> = diags(&l).iter().map(|d| d.1).collect();
    assert_eq!(codes, ["missing-key", "missing-key"]);
    let l = bank(&[("calibration/structure.toml", "status = [")]);
    assert_eq!(diags(&l)[0].1, "toml-syntax");
    // another TOML file in calibration/ is ignored, with a warning
    let l = bank(&[("calibration/notes.toml", "x = 1\n")]);
    assert_eq!(
        diags(&l),
        vec![(
            Severity::Warning,
            "calibration-unknown-file",
            "calibration/notes.toml",
            1
        )]
    );
    assert_eq!(l.bank.items.len(), 6);
}

#[test]
fn exposure_parameters_warn_when_the_items_change() {
    let fitted_on = bank(&[]);
    let e = ExposureControl {
        file: "calibration/exposure.toml".into(),
        target: 0.3,
        fitted_at: Some("2026-11-02T10:00:00Z".into()),
        fitted_with: Some("jauge simulate --bank item-bank --exposure-target 0.3".into()),
        items: live_items_fingerprint(&fitted_on.bank),
        k: [("op-1".to_string(), 0.4), ("so-2".into(), 0.75)]
            .into_iter()
            .collect(),
    };
    let text = write_exposure(&e);
    let l = bank(&[("calibration/exposure.toml", &text)]);
    assert_eq!(diags(&l), vec![]);
    let got = l.bank.exposure.clone().unwrap();
    assert_eq!((got.k("op-1"), got.k("op-2"), got.target), (0.4, 1.0, 0.3));
    // the items changed (one answer recalibrated by an overlay): stale
    let l = bank(&[
        ("calibration/exposure.toml", &text),
        ("calibration/2026-12-01.csv", "id,a,b,c,d\nop-3,1.4,-1.0,0,1\n"),
    ]);
    assert_eq!(
        diags(&l),
        vec![(
            Severity::Warning,
            "exposure-stale",
            "calibration/exposure.toml",
            8
        )]
    );
    // the help gives the command the parameters were fitted with
    let stale = l.diagnostics.iter().find(|d| d.code == "exposure-stale").unwrap();
    assert!(
        stale
            .help
            .as_deref()
            .unwrap()
            .contains("jauge simulate --bank item-bank --exposure-target 0.3"),
        "{stale}"
    );
    // an item that is gone
    let gone = text.replace("\"so-2\"", "\"so-9\"");
    let l = bank(&[("calibration/exposure.toml", &gone)]);
    let codes: Vec<&str> = diags(&l).iter().map(|d| d.1).collect();
    assert_eq!(codes, ["exposure-unknown-item"]);
    // malformed
    let l = bank(&[("calibration/exposure.toml", "target = 2\n[k]\n\"op-1\" = 1.5\n")]);
    let codes: Vec<&str> = diags(&l).iter().map(|d| d.1).collect();
    assert_eq!(codes, ["missing-key", "exposure-format", "exposure-format"]);
}
