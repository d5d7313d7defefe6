//! `jauge bank panel packet | import | report` as a coordinator uses them: a packet per rater,
//! the filled templates imported into panel/ratings.csv, the report and the validator's view.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn jauge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jauge"))
        .args(args)
        .output()
        .expect("jauge runs")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("one JSON document on stdout")
}

/// A copy of the panel fixture's bank (two live items at level 4), without its ratings.
fn bank(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jauge-panel-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let src = root().join("tests/bank-fixtures/panel-flag");
    fs::create_dir_all(dir.join("bank/1.1")).expect("dir");
    fs::copy(src.join("framework.toml"), dir.join("bank/framework.toml")).expect("copy");
    fs::copy(
        src.join("1.1/operateurs.toml"),
        dir.join("bank/1.1/operateurs.toml"),
    )
    .expect("copy");
    dir
}

/// Fills a template: every key gets `level`.
fn fill(template: &Path, level: &str, note: &str) {
    let text = fs::read_to_string(template).expect("template");
    let mut out = String::from("key,level,note\n");
    for line in text.lines().skip(1) {
        let key = line.split(',').next().expect("key");
        out.push_str(&format!("{key},{level},\"{note}\"\n"));
    }
    fs::write(template, out).expect("filled");
}

#[test]
fn packet_import_report_round_trip() {
    let dir = bank("trip");
    let b = dir.join("bank");
    let bs = b.display().to_string();
    let mut raters = Vec::new();
    for (rater, level) in [("R1", "4"), ("R2", "5"), ("R3", "6")] {
        let md = dir.join(format!("packets/{rater}.md"));
        let out = jauge(&[
            "bank",
            "panel",
            "packet",
            &bs,
            "--seed",
            rater,
            "--out",
            &md.display().to_string(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = fs::read_to_string(&md).expect("the packet");
        assert!(
            !text.contains("op-a") && !text.contains("op-b"),
            "ids are not shown"
        );
        assert!(
            text.contains("«\u{202F}stage\u{202F}»"),
            "the French question is shown"
        );
        let template = md.with_extension("csv");
        let keys = md.with_extension("keys.csv");
        assert!(fs::read_to_string(&keys).expect("keys").contains("op-a"));
        // A second packet over the first is refused: a filled template would be lost.
        let again = jauge(&[
            "bank",
            "panel",
            "packet",
            &bs,
            "--seed",
            rater,
            "--out",
            &md.display().to_string(),
        ]);
        assert_eq!(again.status.code(), Some(2));
        fill(&template, level, "scénario, une décision, deux contraintes");
        raters.push((rater, template, keys));
    }
    for (rater, template, keys) in &raters {
        let out = jauge(&[
            "bank",
            "panel",
            "import",
            &template.display().to_string(),
            "--keys",
            &keys.display().to_string(),
            "--rater",
            rater,
            "--round",
            "1",
            "--bank",
            &bs,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stderr(&out).contains("recorded 2 rating(s)"), "{}", stderr(&out));
    }
    let ratings = b.join("panel/ratings.csv");
    let before = fs::read_to_string(&ratings).expect("ratings.csv");
    assert_eq!(before.lines().count(), 7);
    assert!(before.starts_with("item,item_hash,rater,round,level,note,declared\n"));
    // Imported twice: refused, nothing recorded.
    let (rater, template, keys) = &raters[0];
    let out = jauge(&[
        "bank",
        "panel",
        "import",
        &template.display().to_string(),
        "--keys",
        &keys.display().to_string(),
        "--rater",
        rater,
        "--round",
        "1",
        "--bank",
        &bs,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("imported already"), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&ratings).expect("ratings"), before);
    // The report: 3 ratings each, 4 5 6, median 5, spread 2 (flagged).
    let out = jauge(&["bank", "panel", "report", &bs, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rep = json(&out);
    assert_eq!(rep["items"].as_array().map(Vec::len), Some(2));
    for item in rep["items"].as_array().expect("items") {
        assert_eq!(item["ratings"].as_array().map(Vec::len), Some(3));
        assert_eq!(item["median"], 5.0);
        assert_eq!(item["spread"], 2);
        assert_eq!(item["flags"], serde_json::json!(["spread"]));
    }
    assert_eq!(rep["rounds"][0]["round"], 1);
    assert_eq!(rep["rounds"][0]["items"], 2);
    assert_eq!(rep["rounds"][0]["within_one"], 1.0);
    assert_eq!(rep["rounds"][0]["exact"], 0.0);
    assert_eq!(rep["flagged"], 2);
    let text = jauge(&["bank", "panel", "report", &bs]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("round 1: 2 item(s), 6 rating(s), 3 rater(s)"));
    // The validator: no item lacks ratings now; both are flagged for their spread.
    let out = jauge(&["bank", "validate", &bs, "--json"]);
    let v = json(&out);
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .filter(|c| c.starts_with("panel-"))
        .collect();
    assert_eq!(codes, vec!["panel-flag", "panel-flag"]);
    // A rewritten item: its ratings become stale, the validator asks for new ones.
    let items = b.join("1.1/operateurs.toml");
    let text = fs::read_to_string(&items).expect("items");
    fs::write(
        &items,
        text.replace(
            "qui citent «\u{202F}stage\u{202F}»",
            "qui citent «\u{202F}alternance\u{202F}»",
        ),
    )
    .expect("rewrite");
    let rep = json(&jauge(&["bank", "panel", "report", &bs, "--json"]));
    assert_eq!(rep["stale_ratings"], 3);
    assert_eq!(rep["needing_ratings"], 1);
    // --needed: only that item goes into the next round's packet.
    let md = dir.join("packets/round2.md");
    let out = jauge(&[
        "bank",
        "panel",
        "packet",
        &bs,
        "--needed",
        "--seed",
        "R1-2",
        "--out",
        &md.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let keys = fs::read_to_string(md.with_extension("keys.csv")).expect("keys");
    assert_eq!(keys.lines().count(), 2);
    assert!(keys.contains("op-a"));
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn bad_input_exits_2() {
    let dir = bank("bad");
    let bs = dir.join("bank").display().to_string();
    let out_md = dir.join("p.md").display().to_string();
    for levels in ["9", "7-4", "x"] {
        let out = jauge(&[
            "bank", "panel", "packet", &bs, "--levels", levels, "--seed", "s", "--out", &out_md,
        ]);
        assert_eq!(out.status.code(), Some(2), "--levels {levels}");
    }
    let list = dir.join("items.txt");
    fs::write(&list, "op-a\n# a comment\nop-zz\n").expect("list");
    let out = jauge(&[
        "bank",
        "panel",
        "packet",
        &bs,
        "--items",
        &list.display().to_string(),
        "--seed",
        "s",
        "--out",
        &out_md,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("op-zz"), "{}", stderr(&out));
    // Levels 1–3 hold no item here.
    let out = jauge(&[
        "bank", "panel", "packet", &bs, "--levels", "1-3", "--seed", "s", "--out", &out_md,
    ]);
    assert_eq!(out.status.code(), Some(2));
    // A template of another packet.
    let out = jauge(&["bank", "panel", "packet", &bs, "--seed", "s", "--out", &out_md]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let template = dir.join("p.csv");
    fs::write(&template, "key,level,note\nFFFF-001,4,\n").expect("template");
    let out = jauge(&[
        "bank",
        "panel",
        "import",
        &template.display().to_string(),
        "--keys",
        &dir.join("p.keys.csv").display().to_string(),
        "--rater",
        "R1",
        "--round",
        "1",
        "--bank",
        &bs,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("FFFF-001"), "{}", stderr(&out));
    assert!(!dir.join("bank/panel/ratings.csv").exists(), "nothing recorded");
    let _ = fs::remove_dir_all(dir);
}
