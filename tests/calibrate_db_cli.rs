//! `jauge calibrate --db FILE --bank DIR`: recovery of known 2PL parameters from responses
//! recorded in a store, per competence, written as a dated calibration file that the bank loader
//! then overlays; a second calibration anchors on the first.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use jauge_store::Store;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::params;

mod common;
use common::TempDir;

fn jauge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jauge"))
        .args(args)
        .env_remove("JAUGE_DB")
        .output()
        .unwrap()
}

/// True parameters of the 12 items of competence 1.1 (two tubes, levels 1–6), and 4 items of 4.1.
fn truth() -> Vec<(String, &'static str, &'static str, u8, f64, f64)> {
    let mut v = Vec::new();
    for k in 0..12u8 {
        let level = k / 2 + 1;
        let tube = if k % 2 == 0 { "moteurs" } else { "sources" };
        let a = 0.7 + 0.1 * f64::from(k % 5);
        let b = 0.8 * (f64::from(level) - 3.5) + 0.3 * (f64::from(k % 3) - 1.0);
        v.push((format!("q{k}"), "1.1", tube, level, a, b));
    }
    for k in 0..4u8 {
        v.push((
            format!("s{k}"),
            "4.1",
            "mots-de-passe",
            k + 1,
            1.2,
            -1.0 + 0.6 * f64::from(k),
        ));
    }
    v
}

fn write_bank(dir: &Path) {
    std::fs::write(
        dir.join("framework.toml"),
        r#"name = "test"
[[domain]]
code = "1"
fr = "Informations"
en = "Information"
[[domain]]
code = "4"
fr = "Sécurité"
en = "Security"
[[competence]]
code = "1.1"
domain = "1"
fr = "Rechercher"
en = "Searching"
max_level = 6
[[competence.tube]]
id = "moteurs"
fr = "Moteurs"
en = "Engines"
[[competence.tube]]
id = "sources"
fr = "Sources"
en = "Sources"
[[competence]]
code = "4.1"
domain = "4"
fr = "Sécuriser"
en = "Securing"
max_level = 4
[[competence.tube]]
id = "mots-de-passe"
fr = "Mots de passe"
en = "Passwords"
"#,
    )
    .unwrap();
    for (id, comp, tube, level, _, _) in truth() {
        let folder = dir.join(comp);
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join(format!("{tube}.toml"));
        let mut text = std::fs::read_to_string(&path).unwrap_or_else(|_| format!("tube = \"{tube}\"\n"));
        text.push_str(&format!(
            r#"
[[item]]
id = "{id}"
level = {level}
type = "text"
status = "live"
[item.fr]
question = "Question {id}\u202F?"
explanation = "Parce que {id}."
[item.en]
question = "Question {id}?"
explanation = "Because {id}."
[[item.blank]]
id = "b1"
accept = ["reponse-{id}"]
"#
        ));
        std::fs::write(path, text).unwrap();
    }
}

/// `n` sessions answering every item of both competences, drawn from the true 2PL; θ of 4.1
/// correlated with that of 1.1.
fn write_responses(db: &Path, n: usize, seed: u64) {
    let store = Store::open(db).unwrap();
    let c = store.connection();
    c.execute_batch("BEGIN").unwrap();
    let items = truth();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = |rng: &mut ChaCha8Rng| {
        // Box–Muller
        let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    for s in 0..n as i64 {
        c.execute(
            "INSERT INTO session (id, uid, plan, state, seed, engine_version, bank_version, scoring_version, lang,
                                  started_at, finished_at) VALUES (?1, ?2, '{}', 'finished', 0, 't', 't', '1', 'fr', 0, 1)",
            params![s + 1, format!("s{s:05}")],
        )
        .unwrap();
        let t1 = normal(&mut rng);
        let t4 = 0.6 * t1 + 0.8 * normal(&mut rng);
        for (step, (id, comp, _, _, a, b)) in items.iter().enumerate() {
            let theta = if *comp == "1.1" { t1 } else { t4 };
            let p = 1.0 / (1.0 + (-a * (theta - b)).exp());
            let u = rng.random::<f64>() < p;
            c.execute(
                "INSERT INTO response (session_id, step, item, competence, raw_answer, score, credit, status,
                                       shown_at, answered_at) VALUES (?1, ?2, ?3, ?4, '\"x\"', ?5, ?5, 'answered', 0, 1)",
                params![s + 1, step as i64, id, comp, i64::from(u)],
            )
            .unwrap();
        }
    }
    c.execute_batch("COMMIT").unwrap();
}

#[test]
fn calibrates_each_competence_from_the_store_and_anchors_on_the_previous_calibration() {
    let dir = TempDir::new("recovery");
    let bank = dir.0.join("bank");
    std::fs::create_dir_all(&bank).unwrap();
    write_bank(&bank);
    let db = dir.0.join("j.db");
    write_responses(&db, 3000, 7);
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let o = jauge(&[
        "calibrate",
        "--db",
        &s(&db),
        "--bank",
        &s(&bank),
        "--model",
        "2pl",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let comps = v["competences"].as_array().unwrap();
    assert_eq!(comps.len(), 2, "one calibration per competence");
    assert_eq!(v["items_written"], 16);
    // recovery: 3,000 persons, complete design → RMSE(b) ≈ 0.06, RMSE(a) ≈ 0.05 expected
    let truth = truth();
    let (mut se_a, mut se_b, mut n) = (0.0, 0.0, 0.0);
    for c in comps {
        for it in c["items"].as_array().unwrap() {
            let t = truth.iter().find(|t| t.0 == it["id"].as_str().unwrap()).unwrap();
            se_a += (it["a"].as_f64().unwrap() - t.4).powi(2);
            se_b += (it["b"].as_f64().unwrap() - t.5).powi(2);
            n += 1.0;
        }
    }
    let (rmse_a, rmse_b) = ((se_a / n).sqrt(), (se_b / n).sqrt());
    assert!(
        rmse_a < 0.12 && rmse_b < 0.15,
        "RMSE a {rmse_a:.3}, b {rmse_b:.3}"
    );
    // the file is a dated calibration the loader overlays; the hand-written files are untouched
    let file = PathBuf::from(v["calibration_file"].as_str().unwrap());
    assert!(file.starts_with(bank.join("calibration")));
    let loaded = jauge_bank::load_dir(&bank).unwrap();
    assert_eq!(loaded.errors(), 0);
    let q3 = loaded.bank.item("q3").unwrap();
    assert!(matches!(
        q3.parameters.source,
        jauge_bank::ParamSource::Calibrated { .. }
    ));
    assert!(
        !std::fs::read_to_string(bank.join("1.1/moteurs.toml"))
            .unwrap()
            .contains("[item.irt]")
    );

    // a second calibration on new responses anchors on the calibrated items: nothing moves, and
    // the latent distribution of the new population is estimated instead
    let o = jauge(&[
        "calibrate",
        "--db",
        &s(&db),
        "--bank",
        &s(&bank),
        "--model",
        "2pl",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["items_written"], 0);
    assert_eq!(v["competences"][0]["anchors"], 12);
    let sd = v["competences"][0]["latent_sd"].as_f64().unwrap();
    assert!((sd - 1.0).abs() < 0.1, "latent SD {sd}");
}

#[test]
fn simulated_sessions_are_left_out_unless_asked() {
    let dir = TempDir::new("simulated");
    let bank = dir.0.join("bank");
    std::fs::create_dir_all(&bank).unwrap();
    write_bank(&bank);
    let db = dir.0.join("j.db");
    write_responses(&db, 300, 11);
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "calibrate".to_owned(),
            "--db".into(),
            s(&db),
            "--bank".into(),
            s(&bank),
            "--model".into(),
            "2pl".into(),
            "--json".into(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        jauge(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let persons = |o: &Output| {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let p: Vec<u64> = v["competences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["persons"].as_u64().unwrap())
            .collect();
        (p, v["simulated_sessions_left_out"].as_i64().unwrap())
    };
    // a third of the sessions are simulated agents answering from the items' own model
    Store::open(&db)
        .unwrap()
        .connection()
        .execute("UPDATE session SET simulated = 1 WHERE id <= 100", [])
        .unwrap();
    // --include-simulated first: a calibration written now would anchor the next run's items
    assert_eq!(persons(&run(&["--include-simulated"])), (vec![300, 300], 0));
    for f in std::fs::read_dir(bank.join("calibration")).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    assert_eq!(persons(&run(&[])), (vec![200, 200], 100));
    for f in std::fs::read_dir(bank.join("calibration")).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    // nothing but simulated sessions: refused, saying why and how to use them anyway
    Store::open(&db)
        .unwrap()
        .connection()
        .execute("UPDATE session SET simulated = 1", [])
        .unwrap();
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("300 session(s)") && err.contains("simulated") && err.contains("--include-simulated"),
        "{err}"
    );
}

#[test]
fn refuses_missing_database_and_bad_combinations() {
    let dir = TempDir::new("bad");
    let bank = dir.0.join("bank");
    std::fs::create_dir_all(&bank).unwrap();
    write_bank(&bank);
    let missing = dir.0.join("none.db");
    let o = jauge(&[
        "calibrate",
        "--db",
        missing.to_str().unwrap(),
        "--bank",
        bank.to_str().unwrap(),
        "--model",
        "2pl",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!missing.exists());
    let o = jauge(&["calibrate", "--db", "x.db", "--model", "2pl"]);
    assert_eq!(o.status.code(), Some(2), "--db requires --bank");
    let o = jauge(&["calibrate", "--model", "2pl"]);
    assert_eq!(o.status.code(), Some(2), "--responses or --db is required");
}
