//! End-to-end: `jauge assess` in plain mode fed from stdin (one answer per line, a stopped session
//! resumed on its question, pretest questions, "?" as "I don't know") and simulated sessions
//! (determinism, the kill test). Profiles and campaigns are in `profile_cli.rs`, refusals in
//! `assess_refusals.rs`, simulated sessions kept apart from real ones in `simulated_sessions.rs`;
//! their shared helpers in `tests/common/session.rs`.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use jauge::store::Store;
use serde_json::Value;

mod common;
use common::TempDir;
use common::procs::{cmd, jauge, jauge_with_input, text};
use common::session::{EXAMPLES, drive_plain, drive_plain_with, recorded, simulate};

#[test]
fn a_plain_session_reads_one_answer_per_line_and_asks_again_for_a_malformed_number() {
    let dir = TempDir::new("plain");
    let db = dir.db();
    let (code, out, questions) = drive_plain(
        &[
            "assess", "--agent", "zoé", "--bank", EXAMPLES, "--db", &db, "--seed", "3",
        ],
        None,
    );
    assert_eq!(code, 0, "{out}");
    // with this seed the example bank asks a number first (malformed once, so asked again),
    // then choices with numbered options
    assert!(questions.len() >= 3, "{out}");
    assert!(out.contains("Question 1 sur environ"), "{out}");
    assert!(out.contains("Compétence 1.1\u{202f}: "), "{out}");
    assert!(out.contains("  1. "), "{out}");
    assert!(
        out.contains("Réponse non valide\u{202f}: «\u{202f}cent vingt\u{202f}» n'est pas un nombre"),
        "{out}"
    );
    assert!(out.contains("Votre profil"), "{out}");
    assert!(!out.contains("\x1b["), "plain mode prints no escape sequence");
    let rec = recorded(&db, "zoé");
    assert_eq!(rec.sessions.len(), 1);
    assert!(rec.sessions[0].0.starts_with("finished"));
    assert_eq!(rec.sessions[0].1.len(), questions.len());
    // choices are recorded as option ids, never positions
    let store = Store::open_existing(Path::new(&db)).unwrap();
    let (_, responses, _) = &store.agent_record("zoé").unwrap().sessions[0];
    for r in responses {
        let v: Value = serde_json::from_str(&r.raw_answer).unwrap();
        if v["kind"] == "options" {
            let order: Vec<&str> = r.options_order.as_deref().unwrap().split(' ').collect();
            for id in v["value"].as_array().unwrap() {
                assert!(order.contains(&id.as_str().unwrap()));
            }
        }
        if r.item == "operateurs-resultats-1" {
            assert_eq!(r.raw_answer, r#"{"kind":"number","value":"120"}"#);
            assert_eq!(r.score, 1);
        }
    }
}

#[test]
fn a_session_stopped_at_a_question_resumes_on_that_question() {
    let dir = TempDir::new("resume");
    let db = dir.db();
    let args = [
        "assess", "--agent", "léo", "--bank", EXAMPLES, "--db", &db, "--seed", "5", "--lang", "fr",
    ];
    let (code, out, before) = drive_plain(&args, Some(2));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("--resume"), "{out}");
    // without a terminal and without --resume/--new, an unfinished session is an error
    let o = jauge(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--resume"), "{}", text(&o.stderr));
    let mut resumed: Vec<&str> = args.to_vec();
    resumed.push("--resume");
    let (code, out2, after) = drive_plain(&resumed, None);
    assert_eq!(code, 0, "{out2}");
    // the question showing when the input stopped is shown again first
    assert_eq!(before.last(), after.first(), "{out}\n----\n{out2}");
    assert!(out2.contains("Reprise de la session"), "{out2}");
    let rec = recorded(&db, "léo");
    assert_eq!(rec.sessions.len(), 1);
    assert!(rec.sessions[0].0.starts_with("finished"));
    // --new abandons nothing when there is nothing to abandon, and starts afresh
    let mut new: Vec<&str> = args.to_vec();
    new.push("--new");
    let o = jauge_with_input(&new, b"");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let o = jauge_with_input(&new, b"");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("abandonnée\u{202f}: aucun profil"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn pretest_questions_are_shown_by_the_command_line_stored_as_pretest_and_never_scored() {
    // the example bank's only text question, `operateurs-site-1`, is a pretest item
    let dir = TempDir::new("pretest");
    let db = dir.db();
    let run = |agent: &str, text_answer: &str| {
        let (code, out, _) = drive_plain_with(
            &[
                "assess", "--agent", agent, "--bank", EXAMPLES, "--db", &db, "--seed", "11",
            ],
            None,
            text_answer,
        );
        assert_eq!(code, 0, "{out}");
        out
    };
    let right = run("ines", "site:");
    let wrong = run("jules", "inurl:");
    for out in [&right, &wrong] {
        assert!(
            out.contains("Quel opérateur limite la recherche à un seul site"),
            "the pretest question is shown: {out}"
        );
    }
    // never among the questions missed, although `inurl:` is wrong
    let missed = |out: &str| {
        out.split("Les questions manquées")
            .nth(1)
            .unwrap_or("")
            .to_owned()
    };
    assert!(!missed(&wrong).contains("un seul site"), "{wrong}");
    let store = Store::open_existing(Path::new(&db)).unwrap();
    let session = |agent: &str| store.agent_record(agent).unwrap().sessions.remove(0);
    let (ines, jules) = (session("ines"), session("jules"));
    for ((_, rs, _), score) in [(&ines, 1), (&jules, 0)] {
        let pretest: Vec<_> = rs.iter().filter(|r| r.pretest).collect();
        assert_eq!(pretest.len(), 1, "{rs:?}");
        assert_eq!(pretest[0].item, "operateurs-site-1");
        assert_eq!(pretest[0].score, score, "its verdict is recorded");
        assert!(
            pretest[0].theta.is_none(),
            "no θ is computed after a pretest answer"
        );
        assert!(
            rs.iter()
                .filter(|r| !r.pretest)
                .all(|r| r.item != "operateurs-site-1")
        );
    }
    // the same seed, the other answers alike: the pretest verdict changes nothing scored
    let scored = |rs: &[jauge::store::ResponseRecord], ps: &[jauge::store::ProfileSnapshot]| {
        let items: Vec<_> = rs
            .iter()
            .filter(|r| !r.pretest)
            .map(|r| (r.step, r.item.clone(), r.score, r.theta, r.se))
            .collect();
        let profile: Vec<_> = ps
            .iter()
            .map(|p| (p.competence.clone(), p.theta, p.se, p.pix, p.level))
            .collect();
        (items, profile)
    };
    assert_eq!(scored(&ines.1, &ines.2), scored(&jules.1, &jules.2));
    // exported with `pretest` = 1 for calibration
    let out = dir.0.join("r.csv");
    let o = jauge(&[
        "export",
        "--format",
        "csv",
        "--responses",
        "--out",
        out.to_str().unwrap(),
        "--db",
        &db,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(&out).unwrap();
    let pretest_rows: Vec<&str> = csv.lines().filter(|l| l.contains("operateurs-site-1")).collect();
    assert_eq!(pretest_rows.len(), 2, "{csv}");
    assert!(pretest_rows.iter().all(|l| l.ends_with(",1")), "{csv}");
}

#[test]
fn a_question_mark_alone_is_i_dont_know_in_plain_mode() {
    let dir = TempDir::new("dontknow");
    let db = dir.db();
    let o = jauge_with_input(
        &[
            "assess", "--agent", "kim", "--bank", EXAMPLES, "--db", &db, "--seed", "3", "--plain",
        ],
        " ? \n".repeat(400).as_bytes(),
    );
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    assert!(
        out.contains("(? si vous ne savez pas) > "),
        "every prompt says how: {out}"
    );
    assert!(
        !out.contains("attendu\u{202f}:") && !out.contains("Réponse non valide"),
        "never refused as malformed: {out}"
    );
    let store = Store::open_existing(Path::new(&db)).unwrap();
    let (session, rs, ps) = store.agent_record("kim").unwrap().sessions.remove(0);
    assert_eq!(session.state.as_str(), "finished");
    assert!(rs.len() > 3, "{rs:?}");
    for r in &rs {
        assert_eq!(
            (r.status.as_str(), r.score, r.raw_answer.as_str()),
            ("dontknow", 0, r#"{"kind":"dontknow"}"#),
            "{r:?}"
        );
    }
    assert!(ps.iter().all(|p| p.level <= 1), "{ps:?}");
}

// ---------------------------------------------------------------- simulation

#[test]
fn the_same_seed_replays_the_same_simulated_session() {
    let a = TempDir::new("seed-a");
    let b = TempDir::new("seed-b");
    let plan = ["--competences", "1.1,3.4,5.2"];
    let oa = simulate(&a.db(), "sim", "11", &plan);
    let ob = simulate(&b.db(), "sim", "11", &plan);
    assert_eq!(oa.status.code(), Some(0), "{}", text(&oa.stderr));
    assert_eq!(ob.status.code(), Some(0));
    let ra = recorded(&a.db(), "sim");
    assert_eq!(ra, recorded(&b.db(), "sim"));
    assert!(ra.sessions[0].1.len() >= 12);
    assert_eq!(ra.sessions[0].2.len(), 3);
    // another seed gives another session
    let c = TempDir::new("seed-c");
    assert_eq!(simulate(&c.db(), "sim", "12", &plan).status.code(), Some(0));
    assert_ne!(ra, recorded(&c.db(), "sim"));
}

#[test]
fn kill_test_every_interrupted_session_ends_as_the_uninterrupted_one() {
    let reference = TempDir::new("kill-ref");
    let started = std::time::Instant::now();
    let o = simulate(&reference.db(), "k", "2026", &[]);
    // kill delays scale with this machine's speed (a whole run takes `whole` ms)
    let whole = (started.elapsed().as_millis() as u64).max(100);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let expected = recorded(&reference.db(), "k");

    let dir = TempDir::new("kill");
    let db = dir.db();
    let finished = || {
        Path::new(&db).exists()
            && Store::open_existing(Path::new(&db))
                .ok()
                .and_then(|s| s.agent("k").ok().flatten().map(|a| (s, a)))
                .is_some_and(|(s, a)| !s.history(a.id).unwrap().is_empty())
    };
    // seeded delays (SplitMix64) of 3–25% of a whole run: some kills land while the bank loads or
    // the session is replayed, most in the middle of the session (a response being committed, a
    // question being recorded)
    let mut state: u64 = 0x5EED;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut kills = 0;
    let mut runs = 0;
    while runs < 40 && !finished() {
        runs += 1;
        let mut child = cmd(&[
            "assess",
            "--agent",
            "k",
            "--simulate-theta",
            "-0.5",
            "--seed",
            "2026",
            "--db",
            &db,
            "--resume",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        std::thread::sleep(Duration::from_millis(
            whole * 3 / 100 + next() % (whole * 22 / 100),
        ));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    // the last resume runs to the end
    if !finished() {
        let o = simulate(&db, "k", "2026", &["--resume"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
    assert!(kills >= 10, "only {kills} kill(s) landed");
    eprintln!("kill test: {kills} kills in {runs} runs");
    let got = recorded(&db, "k");
    assert_eq!(got.sessions.len(), 1, "one session, never restarted");
    assert_eq!(got, expected, "after {kills} kills");
}
