//! `Bank::stats` and the calibration overlay on a small bank whose figures are worked out by hand
//! from `SCORING.md`: v = min(4, 8 / n) with n the skills that have a live item in the cell, and
//! τ = the mean b of a skill's live items, provisional b = 0.8 × (level − 3.5).

use jauge_bank::{ParamSource, load_files};

const FRAMEWORK: &str = r#"
name = "TEST"
[[domain]]
code = "1"
fr = "D"
en = "D"
[[competence]]
code = "1.1"
domain = "1"
fr = "C"
en = "C"
max_level = 3
[[competence.tube]]
id = "t1"
fr = "T1"
en = "T1"
[[competence.tube]]
id = "t2"
fr = "T2"
en = "T2"
[[competence.tube]]
id = "t3"
fr = "T3"
en = "T3"
[[competence]]
code = "1.2"
domain = "1"
fr = "C2"
en = "C2"
max_level = 2
[[competence.tube]]
id = "u1"
fr = "U1"
en = "U1"
"#;

fn item(id: &str, level: u8, status: &str, ty_and_body: &str) -> String {
    format!(
        r#"
[[item]]
id = "{id}"
level = {level}
status = "{status}"
{ty_and_body}
[item.fr]
question = "Question {id}\u202F?"
explanation = "Parce que."
[item.en]
question = "Question {id}?"
explanation = "Because."
"#
    )
}

const TEXT: &str = "type = \"text\"\n[[item.blank]]\nid = \"b1\"\naccept = [\"x\"]\n";
const SINGLE4: &str = "type = \"single\"\nsolution = [\"a\"]\n\
    [[item.option]]\nid = \"a\"\nfr = \"A\"\nen = \"A\"\n\
    [[item.option]]\nid = \"b\"\nfr = \"B\"\nen = \"B\"\n\
    [[item.option]]\nid = \"c\"\nfr = \"C\"\nen = \"C\"\n\
    [[item.option]]\nid = \"d\"\nfr = \"D\"\nen = \"D\"\n";

fn files(calibrations: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    // Level 1: t1 has two live items, t2 one, t3 one (and an archived one): n = 3.
    // Level 2: only t1 (live), t2 has a draft: n = 1. Level 3: nothing live.
    let t1 = format!(
        "tube = \"t1\"\n{}{}{}",
        item("t1-a", 1, "live", TEXT),
        item("t1-b", 1, "live", SINGLE4),
        item("t1-c", 2, "live", TEXT)
    );
    let t2 = format!(
        "tube = \"t2\"\n{}{}",
        item("t2-a", 1, "live", TEXT),
        item("t2-b", 2, "draft", TEXT)
    );
    let t3 = format!(
        "tube = \"t3\"\n{}{}",
        item("t3-a", 1, "live", TEXT),
        item("t3-b", 1, "archived", TEXT)
    );
    let mut out = vec![
        ("framework.toml".to_string(), FRAMEWORK.as_bytes().to_vec()),
        ("1.1/t1.toml".to_string(), t1.into_bytes()),
        ("1.1/t2.toml".to_string(), t2.into_bytes()),
        ("1.1/t3.toml".to_string(), t3.into_bytes()),
    ];
    for (name, body) in calibrations {
        out.push((format!("calibration/{name}"), body.as_bytes().to_vec()));
    }
    out
}

#[test]
fn stats_by_hand() {
    let loaded = load_files(files(&[]));
    assert_eq!(loaded.errors(), 0, "{:#?}", loaded.diagnostics);
    let stats = loaded.bank.stats();
    assert_eq!(stats.live_items, 5);
    assert_eq!(stats.items, 7);
    assert_eq!(stats.statuses["archived"], 1);
    assert_eq!(stats.statuses["draft"], 1);
    assert_eq!(stats.types["text"], 4);
    assert_eq!(stats.types["single"], 1);
    assert_eq!(stats.types["number"], 0);
    // Cells: 1.1 levels 1–3, 1.2 levels 1–2, zeros included.
    let cells: Vec<(&str, u8, usize, usize)> = stats
        .cells
        .iter()
        .map(|c| (c.competence.as_str(), c.level, c.live, c.skills))
        .collect();
    assert_eq!(
        cells,
        vec![
            ("1.1", 1, 4, 3),
            ("1.1", 2, 1, 1),
            ("1.1", 3, 0, 0),
            ("1.2", 1, 0, 0),
            ("1.2", 2, 0, 0)
        ]
    );
    let skill = |id: &str| stats.skills.iter().find(|s| s.id == id).expect(id);
    // Level 1, three skills: 8/3 pix each.
    for id in ["@t11", "@t21", "@t31"] {
        assert!((skill(id).pix - 8.0 / 3.0).abs() < 1e-12, "{id}");
    }
    // Level 2, one skill: capped at 4.
    assert_eq!(skill("@t12").pix, 4.0);
    // τ(@t11) = mean of b = 0.8 × (1 − 3.5) = −2 for both items.
    assert!((skill("@t11").location + 2.0).abs() < 1e-12);
    assert!((skill("@t12").location - (-1.2)).abs() < 1e-12);
    assert_eq!(skill("@t11").live, 2);
    assert_eq!(stats.skills.len(), 4, "draft and archived items make no skill");
    // The provisional c of a single item with 4 options is 1/4.
    assert_eq!(loaded.bank.item("t1-b").expect("t1-b").params().c(), 0.25);
    // Warnings: level 1.1/2 has one skill and one live item; 1.1/3, 1.2/1, 1.2/2 are empty.
    let warn: Vec<(&str, String)> = loaded
        .diagnostics
        .iter()
        .map(|d| (d.code, d.message.clone()))
        .collect();
    assert!(warn.contains(&(
        "single-skill-level",
        "competence 1.1 level 2 has a single skill (@t12): it can only reach 4 of its 8 pix".into()
    )));
    let thin = warn.iter().filter(|(c, _)| *c == "thin-cell").count();
    assert_eq!(thin, 4, "1.1/2, 1.1/3, 1.2/1, 1.2/2 (1.1/1 has 4 live items)");
}

#[test]
fn calibrations_apply_in_file_name_order() {
    let loaded = load_files(files(&[
        ("2027-01-01.csv", "id,a,b,c,d\nt1-a,1.5,0.5,0,1\n"),
        (
            "2026-06-01.csv",
            "id,a,b,se_b\nt1-a,0.9,-0.5,0.12\nt1-c,1.1,-1.0,0.2\n",
        ),
    ]));
    assert_eq!(loaded.errors(), 0, "{:#?}", loaded.diagnostics);
    let a = loaded.bank.item("t1-a").expect("t1-a");
    assert_eq!((a.params().a(), a.params().b()), (1.5, 0.5));
    match &a.parameters.source {
        ParamSource::Calibrated { version, se } => {
            assert_eq!(version, "2027-01-01");
            assert_eq!(se.b, None);
        }
        other => panic!("{other:?}"),
    }
    let c = loaded.bank.item("t1-c").expect("t1-c");
    assert_eq!((c.params().a(), c.params().b(), c.params().c()), (1.1, -1.0, 0.0));
    match &c.parameters.source {
        ParamSource::Calibrated { version, se } => {
            assert_eq!(version, "2026-06-01");
            assert_eq!(se.b, Some(0.2));
        }
        other => panic!("{other:?}"),
    }
    let versions: Vec<&str> = loaded
        .bank
        .calibrations
        .iter()
        .map(|c| c.version.as_str())
        .collect();
    assert_eq!(versions, ["2026-06-01", "2027-01-01"]);
    // τ(@t11) now = mean(0.5, −2.0) = −0.75.
    let stats = loaded.bank.stats();
    let s = stats.skills.iter().find(|s| s.id == "@t11").expect("@t11");
    assert!((s.location + 0.75).abs() < 1e-12);
}

#[test]
fn the_version_changes_with_any_byte() {
    let a = load_files(files(&[])).bank.version;
    let mut f = files(&[]);
    f[1].1.push(b'\n');
    let b = load_files(f).bank.version;
    assert_ne!(a, b);
    assert_eq!(a, load_files(files(&[])).bank.version);
}

/// A `multiple` item with `right` right options among `options`.
fn multiple(options: usize, right: usize) -> String {
    let ids: Vec<String> = (0..options).map(|k| format!("o{k}")).collect();
    let solution: Vec<String> = ids[..right].iter().map(|id| format!("\"{id}\"")).collect();
    let mut body = format!("type = \"multiple\"\nsolution = [{}]\n", solution.join(", "));
    for id in &ids {
        body += &format!("[[item.option]]\nid = \"{id}\"\nfr = \"Option {id}\"\nen = \"Option {id}\"\n");
    }
    body
}

#[test]
fn right_options_of_multiple_items_by_hand() {
    // 1.1: 3 of 5 twice, 1 of 4, 2 of 4, and a draft 3 of 5 (not counted); 1.2: 3 of 5, 6 of 8.
    let t1 = format!(
        "tube = \"t1\"\n{}{}{}{}{}{}",
        item("m1", 1, "live", &multiple(5, 3)),
        item("m2", 1, "live", &multiple(5, 3)),
        item("m3", 2, "live", &multiple(4, 1)),
        item("m4", 2, "live", &multiple(4, 2)),
        item("m5", 2, "draft", &multiple(5, 3)),
        item("s1", 1, "live", SINGLE4),
    );
    let u1 = format!(
        "tube = \"u1\"\n{}{}",
        item("n1", 1, "live", &multiple(5, 3)),
        item("n2", 2, "live", &multiple(8, 6)),
    );
    let loaded = load_files(vec![
        ("framework.toml".to_string(), FRAMEWORK.as_bytes().to_vec()),
        ("1.1/t1.toml".to_string(), t1.into_bytes()),
        ("1.2/u1.toml".to_string(), u1.into_bytes()),
    ]);
    assert_eq!(loaded.errors(), 0, "{:#?}", loaded.diagnostics);
    let stats = loaded.bank.stats();
    let right: Vec<(usize, usize)> = stats.multiple_right.iter().map(|(r, n)| (*r, *n)).collect();
    assert_eq!(
        right,
        vec![(1, 1), (2, 1), (3, 3), (4, 0), (5, 0), (6, 1), (7, 0)]
    );
    let shapes: Vec<(&str, usize, usize, usize)> = stats
        .multiple_shapes
        .iter()
        .map(|s| (s.competence.as_str(), s.right, s.options, s.live))
        .collect();
    assert_eq!(
        shapes,
        vec![
            ("1.1", 1, 4, 1),
            ("1.1", 2, 4, 1),
            ("1.1", 3, 5, 2),
            ("1.2", 3, 5, 1),
            ("1.2", 6, 8, 1)
        ]
    );
    let json = serde_json::to_value(&stats).expect("json");
    assert_eq!(json["multiple_right"]["3"], 3);
    assert_eq!(json["multiple_shapes"][0]["right"], 1);
}
