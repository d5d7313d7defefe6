//! End-to-end: simulated sessions stay apart from real ones (never answering a real session, out
//! of the real record), and version-1 scores stay labelled until `jauge profile rescore`.

use std::path::Path;

use jauge::store::Store;

mod common;
use common::TempDir;
use common::procs::{jauge, text};
use common::session::{drive_plain, json, simulate};

#[test]
fn a_simulation_never_answers_a_real_session_and_stays_out_of_the_real_record() {
    let dir = TempDir::new("simreal");
    let db = dir.db();
    let plain = |extra: &[&str], stop| {
        let mut args = vec![
            "assess",
            "--agent",
            "camille",
            "--competences",
            "5.2",
            "--db",
            &db,
            "--plain",
        ];
        args.extend_from_slice(extra);
        drive_plain(&args, stop)
    };
    let responses = |db: &str| {
        let s = Store::open_existing(Path::new(db)).unwrap();
        s.agent_record("camille")
            .unwrap()
            .sessions
            .iter()
            .map(|(s, rs, _)| (s.state.as_str().to_owned(), s.simulated, rs.len()))
            .collect::<Vec<_>>()
    };
    // a real session stopped after two answers
    let (code, _, _) = plain(&[], Some(2));
    assert_eq!(code, 1);
    assert_eq!(responses(&db), [("active".to_owned(), false, 2)]);
    // a simulation can neither finish it nor abandon it
    for flag in ["--resume", "--new"] {
        let o = jauge(&[
            "assess",
            "--agent",
            "camille",
            "--simulate-theta",
            "3",
            "--seed",
            "1",
            flag,
            "--db",
            &db,
        ]);
        assert_eq!(o.status.code(), Some(2), "{flag}");
        assert!(text(&o.stderr).contains("session réelle"), "{}", text(&o.stderr));
        assert_eq!(responses(&db), [("active".to_owned(), false, 2)], "{flag}");
    }
    // the agent finishes it; a simulated session follows, then a real one
    assert_eq!(plain(&["--resume"], None).0, 0);
    let o = simulate(&db, "camille", "7", &["--competences", "5.2"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(plain(&[], None).0, 0);
    let r = responses(&db);
    assert_eq!(
        r.iter().map(|(s, sim, _)| (s.as_str(), *sim)).collect::<Vec<_>>(),
        [("finished", false), ("finished", true), ("finished", false)]
    );
    // the real session finished last is the agent's latest result (a simulated session is
    // never stamped in the future); history labels the simulated one
    let p = json(&jauge(&["profile", "show", "camille", "--db", &db, "--json"]));
    let c52 = p["competences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "5.2")
        .unwrap()
        .clone();
    assert_eq!(c52["simulated"], false, "{c52}");
    assert_eq!(p["simulated"], false);
    let h = json(&jauge(&["profile", "history", "camille", "--db", &db, "--json"]));
    let flags: Vec<bool> = h["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["simulated"].as_bool().unwrap())
        .collect();
    assert_eq!(flags, [false, true, false]);
    let human = text(&jauge(&["profile", "history", "camille", "--db", &db]).stdout);
    assert_eq!(
        human.matches("simulée").count(),
        1 + 1,
        "the session line and its row: {human}"
    );
    // exports leave it out unless asked
    let out = dir.0.join("s.csv");
    let out = out.to_str().unwrap();
    let rows = |extra: &[&str]| {
        let mut args = vec![
            "export",
            "--format",
            "csv",
            "--out",
            out,
            "--all-sessions",
            "--force",
            "--db",
            &db,
        ];
        args.extend_from_slice(extra);
        let o = jauge(&args);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        std::fs::read_to_string(out).unwrap().lines().count() - 1
    };
    assert_eq!(rows(&[]), 2);
    assert_eq!(rows(&["--include-simulated"]), 3);
}

#[test]
fn version_1_scores_stay_labelled_until_profile_rescore_recomputes_them() {
    let dir = TempDir::new("rescore");
    let db = dir.db();
    let o = simulate(&db, "vera", "5", &["--competences", "1.1,2.1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let before = json(&jauge(&["profile", "show", "vera", "--db", &db, "--json"]));
    assert_eq!(before["scoring_version"], "2");
    // as a version-1 Jauge recorded them (other pix)
    {
        let store = Store::open(Path::new(&db)).unwrap();
        store
            .connection()
            .execute_batch(
                "UPDATE session SET scoring_version = '1';
                 UPDATE profile_snapshot SET scoring_version = '1', pix = 0, level = 0;",
            )
            .unwrap();
    }
    let v1 = json(&jauge(&["profile", "show", "vera", "--db", &db, "--json"]));
    assert_eq!(v1["scoring_version"], "1");
    assert_eq!(v1["total_pix"], 0, "read as stored, not rescored");
    let human = text(&jauge(&["profile", "show", "vera", "--db", &db]).stdout);
    assert!(human.contains("version 1 des règles de calcul"), "{human}");
    let o = jauge(&["profile", "rescore", "--db", &db, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let r = json(&o);
    assert_eq!(r["rescored"].as_array().unwrap().len(), 1);
    assert_eq!(r["rescored"][0]["from"], serde_json::json!(["1"]));
    let after = json(&jauge(&["profile", "show", "vera", "--db", &db, "--json"]));
    assert_eq!(after["scoring_version"], "2");
    assert_eq!(
        after["total_pix"], before["total_pix"],
        "the live session's own scores again"
    );
    // the version-1 scores are kept, superseded, in the agent's record
    let rec = json(&jauge(&["agent", "show", "vera", "--db", &db, "--json"]));
    let profile = rec["sessions"][0]["profile"].as_array().unwrap();
    assert_eq!(profile.len(), 4);
    assert_eq!(
        profile.iter().filter(|p| p["superseded_at"].is_string()).count(),
        2
    );
    let store = Store::open_existing(Path::new(&db)).unwrap();
    assert!(
        store
            .audit_log()
            .unwrap()
            .iter()
            .any(|e| e.command == "profile rescore")
    );
}
