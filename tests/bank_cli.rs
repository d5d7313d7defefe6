//! `jauge bank validate | stats | export` as scripts use them: exit codes, one JSON document on
//! stdout, plain-text diagnostics with excerpts on stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn jauge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jauge"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("jauge runs")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn path(rel: &str) -> String {
    root().join(rel).display().to_string()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("one JSON document on stdout")
}

/// A fresh empty folder under the system's temporary folder.
fn empty_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jauge-bank-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn validate_clean_bank_exits_0_and_strict_fails_on_warnings() {
    let out = jauge(&["bank", "validate", &path("tests/bank-examples")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("6 item(s), 0 error(s)"), "{stderr}");
    let out = jauge(&["bank", "validate", &path("tests/bank-examples"), "--strict"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn validate_renders_excerpts_in_plain_text() {
    let out = jauge(&["bank", "validate", &path("tests/bank-fixtures/unknown-key")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown key `explantion` in [item.fr]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("unknown-key/1.1/operateurs.toml:12:1"),
        "{stderr}"
    );
    assert!(stderr.contains("12 | explantion = "), "{stderr}");
    assert!(stderr.contains("help: did you mean `explanation`?"), "{stderr}");
    assert!(stderr.contains("item op-1"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no colour codes when stderr is not a terminal"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn validate_json_is_one_document() {
    let out = jauge(&[
        "bank",
        "validate",
        &path("tests/bank-fixtures/duplicate-id-across-files"),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["errors"], 1);
    let d = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == "duplicate-id")
        .expect("the duplicate");
    assert_eq!(d["file"], "1.1/sources.toml");
    assert_eq!(d["line"], 4);
    assert_eq!(d["column"], 6);
    assert_eq!(d["item"], "op-1");
    assert_eq!(d["severity"], "error");
    assert_eq!(v["version"].as_str().map(str::len), Some(64));
}

#[test]
fn unreadable_dir_exits_2_and_empty_dir_exits_1() {
    let missing = root().join("tests/bank-fixtures/no-such-bank");
    let out = jauge(&["bank", "validate", &missing.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-bank"));
    let file = path("tests/bank-examples/framework.toml");
    assert_eq!(jauge(&["bank", "validate", &file]).status.code(), Some(2));
    assert_eq!(jauge(&["bank", "stats", &file]).status.code(), Some(2));
    let empty = empty_dir("empty");
    let out = jauge(&["bank", "validate", &empty.display().to_string(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["diagnostics"][0]["code"], "no-framework");
    let _ = std::fs::remove_dir_all(empty);
}

#[test]
fn garbage_is_reported_not_crashed_on() {
    let dir = empty_dir("garbage");
    std::fs::create_dir_all(dir.join("1.1")).expect("dir");
    std::fs::copy(
        root().join("tests/bank-examples/framework.toml"),
        dir.join("framework.toml"),
    )
    .expect("framework");
    std::fs::write(
        dir.join("1.1/deep.toml"),
        format!("x = {}\n", "[".repeat(100_000)),
    )
    .expect("w");
    std::fs::write(
        dir.join("1.1/long.toml"),
        format!("x = \"{}", "é\t".repeat(50_000)),
    )
    .expect("w");
    std::fs::write(
        dir.join("1.1/nul.toml"),
        b"tube = \"operateurs\"\n\0\0\x01[[item]]\r\r\n",
    )
    .expect("w");
    std::fs::create_dir_all(dir.join("calibration")).expect("dir");
    std::fs::write(dir.join("calibration/2026.csv"), b"\xff\xfe\x00garbage").expect("w");
    std::fs::write(dir.join("calibration/2027.csv"), "id,a,b\n\"unclosed,1,2\nx,1\n").expect("w");
    for json_flag in [false, true] {
        let mut args = vec!["bank", "validate"];
        let d = dir.display().to_string();
        args.push(&d);
        if json_flag {
            args.push("--json");
        }
        let out = jauge(&args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn stats_follow_the_contract() {
    let out = jauge(&["bank", "stats", &path("tests/bank-examples"), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    // Live: resultats-1 (level 1), guillemets-1 (2), exclusion-2 (3), booleens-1 (4).
    assert_eq!(v["live_items"], 4);
    let cells = v["cells"].as_array().expect("cells");
    assert_eq!(cells.len(), 6, "levels 1–6 of competence 1.1, zeros included");
    let cell = |l: u64| cells.iter().find(|c| c["level"] == l).expect("cell").clone();
    assert_eq!(
        cell(1),
        serde_json::json!({"competence": "1.1", "level": 1, "live": 1, "skills": 1})
    );
    assert_eq!(
        cell(6),
        serde_json::json!({"competence": "1.1", "level": 6, "live": 0, "skills": 0})
    );
    for t in [
        "single",
        "multiple",
        "text",
        "blanks",
        "blanks_any_order",
        "number",
    ] {
        assert!(v["types"][t].is_u64(), "type {t}");
    }
    assert_eq!(v["types"]["text"], 0, "the text item is a pretest");
    let skills = v["skills"].as_array().expect("skills");
    assert_eq!(skills.len(), 4);
    let s1 = skills
        .iter()
        .find(|s| s["id"] == "@operateurs1")
        .expect("@operateurs1");
    assert_eq!(s1["competence"], "1.1");
    assert_eq!(s1["level"], 1);
    assert_eq!(s1["pix"], 4.0); // one skill in its cell: min(4, 8/1)
    assert_eq!(s1["location"], -1.6); // its only live item overrides b = -1.6
    let out = jauge(&["bank", "stats", &path("tests/bank-examples")]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("1.1"), "{table}");
    assert!(table.contains("1/1"), "{table}");
    // The one live multiple item, exclusion-2, has 2 right options of 4.
    assert_eq!(
        v["multiple_right"],
        serde_json::json!({"1": 0, "2": 1, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0})
    );
    assert_eq!(
        v["multiple_shapes"],
        serde_json::json!([{"competence": "1.1", "right": 2, "options": 4, "live": 1}])
    );
    assert!(
        table.contains("by number of right options: 1 right 0 (0 %), 2 right 1 (100 %)"),
        "{table}"
    );
    assert!(table.contains("1.1   2/4: 1"), "{table}");
}

#[test]
fn export_writes_the_bank_and_its_version() {
    let out_file = empty_dir("export").join("bank.json");
    let out = jauge(&[
        "bank",
        "export",
        &path("tests/bank-examples"),
        "--format",
        "json",
        "--out",
        &out_file.display().to_string(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).expect("written")).expect("json");
    assert_eq!(doc["format"], "jauge-item-bank");
    assert_eq!(doc["items"].as_array().map(Vec::len), Some(6));
    let validate = jauge(&["bank", "validate", &path("tests/bank-examples"), "--json"]);
    assert_eq!(doc["version"], json(&validate)["version"]);
    // To stdout by default; exit 1 (and the export still written) when the bank has errors.
    let out = jauge(&[
        "bank",
        "export",
        &path("tests/bank-fixtures/duplicate-id-across-files"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        jauge(&["bank", "export", "--format", "csv"]).status.code(),
        Some(2)
    );
}

#[test]
fn export_keys_are_those_of_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/item-bank.schema.json")).expect("schema"),
    )
    .expect("json");
    let out = jauge(&["bank", "export", &path("tests/bank-examples")]);
    let doc = json(&out);
    let item_props = schema["$defs"]["item"]["properties"]
        .as_object()
        .expect("item properties");
    for item in doc["items"].as_array().expect("items") {
        for key in item.as_object().expect("object").keys() {
            assert!(item_props.contains_key(key), "{key} is not in the schema");
        }
        for key in schema["$defs"]["item"]["required"].as_array().expect("required") {
            assert!(item.get(key.as_str().expect("str")).is_some(), "{key} missing");
        }
    }
}

#[test]
fn fix_typography_corrects_the_french_texts_once() {
    let dir = empty_dir("typography");
    std::fs::create_dir_all(dir.join("1.1")).expect("dir");
    let src = root().join("tests/bank-fixtures/typography");
    std::fs::copy(src.join("framework.toml"), dir.join("framework.toml")).expect("copy");
    std::fs::copy(src.join("1.1/operateurs.toml"), dir.join("1.1/operateurs.toml")).expect("copy");
    let d = dir.display().to_string();
    let before = std::fs::read_to_string(dir.join("1.1/operateurs.toml")).expect("file");
    let check = jauge(&["bank", "fix-typography", &d, "--check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stderr).contains("would make 6 correction(s) in 1 file(s)"));
    assert_eq!(
        std::fs::read_to_string(dir.join("1.1/operateurs.toml")).expect("file"),
        before,
        "--check changes nothing"
    );
    let fix = jauge(&["bank", "fix-typography", &d]);
    assert_eq!(
        fix.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fix.stderr)
    );
    let after = std::fs::read_to_string(dir.join("1.1/operateurs.toml")).expect("file");
    // Only the French texts' lines changed.
    for (b, a) in before.lines().zip(after.lines()) {
        if b != a {
            assert!(
                a.starts_with("Vous cherchez")
                    || a.starts_with("explanation = \"Le signe")
                    || a.starts_with("fr = \"Le signe plus"),
                "{b} -> {a}"
            );
        }
    }
    let out = jauge(&["bank", "validate", &d, "--json"]);
    let v = json(&out);
    assert!(
        v["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .all(|x| x["code"] != "typography"),
        "{v}"
    );
    assert_eq!(
        jauge(&["bank", "fix-typography", &d, "--check"]).status.code(),
        Some(0)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn check_prints_the_verdict_on_one_answer() {
    let bank = path("tests/bank-examples");
    let check = |item: &str, answer: &str, extra: &[&str]| {
        let mut args = vec!["bank", "check", item, "--answer", answer, "--bank", &bank];
        args.extend_from_slice(extra);
        jauge(&args)
    };
    // A typed answer with an article and a final full stop, in English.
    let out = check(
        "operateurs-syntaxe-1",
        r#"{"kind": "texts", "value": ["the minus.", "quotation marks"]}"#,
        &["--lang", "en", "--json"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["item"], "operateurs-syntaxe-1");
    assert_eq!((v["score"].as_u64(), v["credit"].as_f64()), (Some(1), Some(1.0)));
    assert_eq!(v["status"], "answered");
    // A wrong option: judged, score 0, exit 0.
    let out = check(
        "operateurs-guillemets-1",
        r#"{"kind": "options", "value": ["a"]}"#,
        &["--json"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["score"], 0);
    // Partial credit, in plain text.
    let out = check(
        "operateurs-booleens-1",
        r#"{"kind": "texts", "value": ["ou", "et", "xor"]}"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("score 0, credit 0.666"), "{text}");
    assert!(text.contains("answer 3: no blank"), "{text}");
    // I don't know: any item, score 0.
    let out = check("operateurs-resultats-1", r#"{"kind": "dontknow"}"#, &["--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(
        (v["status"].as_str(), v["score"].as_u64()),
        (Some("dontknow"), Some(0))
    );
    // Exit 2: an unknown item, a malformed answer, an answer the prompt would refuse.
    for (item, answer) in [
        ("operateurs-resultat-1", r#"{"kind": "number", "value": "120"}"#),
        ("operateurs-resultats-1", "{not json"),
        ("operateurs-resultats-1", r#"{"kind": "guess"}"#),
        (
            "operateurs-resultats-1",
            r#"{"kind": "number", "value": "douze"}"#,
        ),
        ("operateurs-resultats-1", r#"{"kind": "options", "value": ["a"]}"#),
        (
            "operateurs-guillemets-1",
            r#"{"kind": "options", "value": ["z"]}"#,
        ),
    ] {
        let out = check(item, answer, &["--json"]);
        assert_eq!(out.status.code(), Some(2), "{item} {answer}");
        assert!(out.stdout.is_empty());
    }
    let out = check("operateurs-resultat-1", r#"{"kind": "dontknow"}"#, &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `operateurs-resultats-1`"));
}
