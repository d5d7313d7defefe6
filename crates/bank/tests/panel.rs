//! The panel's figures against an independent computation: `tests/data/panel/levels.csv` (ten
//! items, five raters, two rounds, two items rewritten between the rounds) is turned into a bank
//! and its `panel/ratings.csv`; the report must give the figures that
//! `tests/reference/panel_reference.py` (plain NumPy, term-by-term definitions) printed into
//! `tests/reference/panel_reference.out`.

use std::collections::BTreeMap;

use jauge_bank::panel::packet::packet;
use jauge_bank::panel::{PanelFlag, Rating, item_hash, note_tags, report};
use jauge_bank::{Item, load_files};

const LEVELS: &str = include_str!("../../../tests/data/panel/levels.csv");
const REFERENCE: &str = include_str!("../../../tests/reference/panel_reference.out");

const FRAMEWORK: &str = r#"
name = "TEST"
[[domain]]
code = "1"
fr = "D"
en = "D"
[[competence]]
code = "1.1"
domain = "1"
fr = "Mener une recherche"
en = "Searching"
max_level = 7
[[competence.tube]]
id = "t"
fr = "T"
en = "T"
"#;

struct Row {
    item: String,
    version: u32,
    rater: String,
    round: u32,
    level: u8,
    declared: u8,
    note: String,
}

fn rows() -> Vec<Row> {
    let mut rdr = csv::Reader::from_reader(LEVELS.as_bytes());
    rdr.records()
        .map(|r| {
            let r = r.expect("a row");
            Row {
                item: r[0].into(),
                version: r[1].parse().expect("version"),
                rater: r[2].into(),
                round: r[3].parse().expect("round"),
                level: r[4].parse().expect("level"),
                declared: r[5].parse().expect("declared"),
                note: r[6].into(),
            }
        })
        .collect()
}

fn item_toml(id: &str, level: u8) -> String {
    // The question does not show the id (the packet test checks that ids are not shown).
    let q = id.replace('i', "n°");
    format!(
        r#"
[[item]]
id = "{id}"
level = {level}
type = "single"
status = "live"
solution = ["a"]
[item.fr]
question = "Question {q}\u202F?"
explanation = "Parce que."
[item.en]
question = "Question {q}?"
explanation = "Because."
[[item.option]]
id = "a"
fr = "oui"
en = "yes"
[[item.option]]
id = "b"
fr = "non"
en = "no"
[[item.option]]
id = "c"
fr = "peut-être"
en = "maybe"
"#
    )
}

/// The bank of `levels.csv` (each item at its latest declared level) with its ratings: a rating
/// of an item's latest version carries the item's hash, one of an earlier version another hash.
fn bank() -> jauge_bank::Loaded {
    let rows = rows();
    let mut latest: BTreeMap<&str, (u32, u32, u8)> = BTreeMap::new();
    for r in &rows {
        let e = latest.entry(&r.item).or_insert((0, 0, 0));
        if (r.version, r.round) >= (e.0, e.1) {
            *e = (r.version, r.round, r.declared);
        }
    }
    let mut items = String::from("tube = \"t\"\n");
    for (id, (_, _, level)) in &latest {
        items.push_str(&item_toml(id, *level));
    }
    let files = vec![
        ("framework.toml".to_string(), FRAMEWORK.as_bytes().to_vec()),
        ("1.1/t.toml".to_string(), items.clone().into_bytes()),
    ];
    let bare = load_files(files.clone());
    assert_eq!(bare.errors(), 0, "{:#?}", bare.diagnostics);
    let mut csv = String::from("item,item_hash,rater,round,level,note,declared\n");
    for r in &rows {
        let item = bare.bank.item(&r.item).expect("the item");
        let hash = if r.version == latest[r.item.as_str()].0 {
            item_hash(item)
        } else {
            format!("{:012x}", r.version)
        };
        csv.push_str(&format!(
            "{},{hash},{},{},{},\"{}\",{}\n",
            r.item, r.rater, r.round, r.level, r.note, r.declared
        ));
    }
    let mut files = files;
    files.push(("panel/ratings.csv".to_string(), csv.into_bytes()));
    let loaded = load_files(files);
    // The ratings do not change the bank's version.
    assert_eq!(loaded.bank.version, bare.bank.version);
    loaded
}

/// `name key=value …` lines of the reference output.
fn reference(name: &str) -> BTreeMap<String, Option<f64>> {
    let line = REFERENCE
        .lines()
        .find(|l| l.split(' ').next() == Some(name))
        .expect("the reference line");
    line.split(' ')
        .skip(1)
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("key=value");
            (k.to_string(), v.parse::<f64>().ok())
        })
        .collect()
}

fn assert_summary(name: &str, s: &jauge_bank::panel::Summary) {
    let want = reference(name);
    let got: [(&str, Option<f64>); 9] = [
        ("items", Some(s.items as f64)),
        ("ratings", Some(s.ratings as f64)),
        ("exact", s.exact),
        ("within_one", s.within_one),
        ("mean_abs_diff", s.mean_abs_diff),
        ("off_level", s.off_level),
        ("spread", s.spread),
        ("alpha", s.alpha),
        ("pairwise_exact", s.pairwise_exact),
    ];
    for (k, v) in got {
        let w = want[k];
        match (v, w) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{name} {k}: {a} against {b}"),
            _ => assert_eq!(v, w, "{name} {k}"),
        }
    }
}

#[test]
fn the_figures_match_the_reference() {
    let loaded = bank();
    let rep = report(&loaded.bank, &loaded.ratings);
    assert_eq!(rep.rounds.len(), 2);
    assert_summary("round1", &rep.rounds[0].summary);
    assert_summary("round2", &rep.rounds[1].summary);
    assert_summary("current", &rep.current);
    // Per item: the current ratings, median and flags of the reference.
    for line in REFERENCE.lines().filter(|l| l.starts_with('i')) {
        let (id, rest) = line.split_once(' ').expect("item line");
        let s = rep
            .items
            .iter()
            .find(|s| s.item == id)
            .expect("the item's summary");
        let median: f64 = rest
            .split("median=")
            .nth(1)
            .and_then(|x| x.split(' ').next())
            .and_then(|x| x.parse().ok())
            .expect("median");
        assert_eq!(s.median, Some(median), "{id}");
        let flags = rest.split("flags=").nth(1).unwrap_or("");
        let got: Vec<&str> = s.flags.iter().map(|f| f.name()).collect();
        let want: Vec<&str> = flags.split(',').filter(|f| !f.is_empty()).collect();
        assert_eq!(got, want, "{id}");
        let levels: Vec<String> = s.ratings.iter().map(|r| r.level.to_string()).collect();
        assert!(
            rest.contains(&format!("[{}]", levels.join(", "))),
            "{id}: {levels:?} in {rest}"
        );
    }
    // Two rewritten items: their round-1 ratings are stale.
    assert_eq!(rep.stale_ratings, 7);
    assert_eq!(rep.flagged, 1);
    assert_eq!(rep.needing_ratings, 0);
}

#[test]
fn the_validator_warns_on_the_flagged_live_item() {
    let loaded = bank();
    let flagged: Vec<(&str, Option<&str>)> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("panel-"))
        .map(|d| (d.code, d.item.as_deref()))
        .collect();
    assert_eq!(flagged, vec![("panel-flag", Some("i08"))]);
}

#[test]
fn the_hash_follows_the_rated_content_only() {
    let base = item_toml("x", 4);
    let hash_of = |text: &str| -> String {
        let loaded = load_files(vec![
            ("framework.toml".into(), FRAMEWORK.as_bytes().to_vec()),
            ("1.1/t.toml".into(), format!("tube = \"t\"\n{text}").into_bytes()),
        ]);
        let item: &Item = loaded.bank.item("x").expect("x");
        item_hash(item)
    };
    let h = hash_of(&base);
    assert_eq!(h.len(), 12);
    // Not part of it: the level, the status, the explanation, the English texts, white space
    // (typography).
    for same in [
        base.replace("level = 4", "level = 6"),
        base.replace("status = \"live\"", "status = \"draft\""),
        base.replace("Parce que.", "Parce que c'est ainsi."),
        base.replace("Question x?", "Question about x?"),
        base.replace("Question x\\u202F?", "Question x ?"),
        base.replace("Question x\\u202F?", "Question x?"),
    ] {
        assert_eq!(hash_of(&same), h, "{same}");
    }
    // Part of it: the question, an option's text, the key.
    for other in [
        base.replace("Question x\\u202F?", "Question y\\u202F?"),
        base.replace("fr = \"non\"", "fr = \"jamais\""),
        base.replace("solution = [\"a\"]", "solution = [\"b\"]"),
        base.replace("type = \"single\"", "type = \"multiple\""),
    ] {
        assert_ne!(hash_of(&other), h, "{other}");
    }
}

#[test]
fn packets_are_blind_and_reproducible() {
    let loaded = bank();
    let items: Vec<&Item> = loaded.bank.items.iter().collect();
    let a = packet(&loaded.bank, &items, "R07-round1");
    let b = packet(&loaded.bank, &items, "R07-round1");
    let c = packet(&loaded.bank, &items, "R08-round1");
    assert_eq!(a, b);
    assert_ne!(a.entries, c.entries, "another seed, another order");
    // Neither ids nor levels nor file names reach the rater.
    for item in &loaded.bank.items {
        assert!(!a.markdown.contains(&item.id), "{} shown", item.id);
        assert!(!a.template.contains(&item.id));
        assert!(a.keys.contains(&item.id));
        assert!(a.markdown.contains(&item_hash(item)));
    }
    assert!(!a.markdown.contains("t.toml") && !a.markdown.to_lowercase().contains("declared"));
    assert_eq!(a.template.lines().count(), items.len() + 1);
    // Every key of the template is in the key file.
    for (key, _) in &a.entries {
        assert!(a.template.contains(key.as_str()) && a.keys.contains(key.as_str()));
    }
}

#[test]
fn a_filled_template_becomes_ratings() {
    let loaded = bank();
    let items: Vec<&Item> = loaded.bank.items.iter().take(3).collect();
    let p = packet(&loaded.bank, &items, "s");
    let (k1, k2, k3) = (&p.entries[0].0, &p.entries[1].0, &p.entries[2].0);
    let filled = format!("key,level,note\n{k1},5,\"[tell] b, longest\"\n{k2},,\n{k3}, 6 ,\n");
    let (ratings, unrated) = jauge_bank::panel::packet::import(&filled, &p.keys, "R09", 3).expect("imported");
    assert_eq!(unrated, vec![k2.clone()]);
    let first: &Rating = &ratings[0];
    assert_eq!(first.item, p.entries[0].1);
    assert_eq!((first.level, first.round, first.rater.as_str()), (5, 3, "R09"));
    assert_eq!(note_tags(&first.note), vec!["tell"]);
    assert_eq!(ratings[1].level, 6);
    let declared = loaded.bank.item(&first.item).map(|i| i.level);
    assert_eq!(first.declared, declared);
    // Wrong input is refused as a whole.
    use jauge_bank::panel::packet::{ImportError, import};
    let bad_level = format!("key,level,note\n{k1},9,\n");
    assert!(matches!(
        import(&bad_level, &p.keys, "R09", 1),
        Err(ImportError::BadLevel { line: 2, .. })
    ));
    let unknown = "key,level,note\nZZZZ-001,4,\n";
    assert!(matches!(
        import(unknown, &p.keys, "R09", 1),
        Err(ImportError::UnknownKey { .. })
    ));
    let twice = format!("key,level,note\n{k1},4,\n{k1},5,\n");
    assert!(matches!(
        import(&twice, &p.keys, "R09", 1),
        Err(ImportError::RepeatedKey { line: 3, .. })
    ));
    assert!(matches!(
        import(&filled, &p.keys, "R 9", 1),
        Err(ImportError::Usage(_))
    ));
    assert!(matches!(
        import(&filled, &p.keys, "R9", 0),
        Err(ImportError::Usage(_))
    ));
    assert!(matches!(
        import("level\n4\n", &p.keys, "R9", 1),
        Err(ImportError::Format { .. })
    ));
    // A defect tag that flags the item.
    assert!(PanelFlag::Defect.name() == "defect");
}
