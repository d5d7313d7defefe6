//! End-to-end: `jauge assess` in plain mode fed from stdin, simulated sessions (determinism,
//! resume, the kill test), `jauge profile`, `jauge campaign`, `jauge organisation` and the
//! refusals (unfinished session without a terminal, unknown campaign, corrupt or newer database,
//! invalid bank).
//!
//! Kept in one file (~1,100 lines) for its shared helpers (`cmd`, `drive_plain`, `recorded`);
//! the profile and campaign tests are the next to move to a file of their own with those helpers
//! in `tests/common/`.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use jauge::store::Store;
use serde_json::Value;

mod common;
use common::TempDir;

fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jauge"));
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("JAUGE_DB")
        // the default language, French: no language from the environment
        .env_remove("JAUGE_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .env_remove("COLUMNS");
    c
}

fn jauge(args: &[&str]) -> Output {
    cmd(args).stdin(Stdio::null()).output().unwrap()
}

fn jauge_with_input(args: &[&str], input: &str) -> Output {
    let mut child = cmd(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const EXAMPLES: &str = "tests/bank-examples";

/// Everything recorded about the agent's sessions but the times (a simulated session is stamped
/// with real times, checked here to run forward and never lie in the future).
#[derive(Debug, PartialEq)]
struct Recorded {
    sessions: Vec<(String, Vec<String>, Vec<String>)>,
}

fn recorded(db: &str, agent: &str) -> Recorded {
    let store = Store::open_existing(Path::new(db)).unwrap();
    assert!(store.integrity_ok().unwrap(), "PRAGMA integrity_check");
    let a = store.agent(agent).unwrap().unwrap();
    let rec = store.agent_record(agent).unwrap();
    assert_eq!(rec.agent.id, a.id);
    let sessions = rec
        .sessions
        .iter()
        .map(|(s, rs, ps)| {
            let now = jiff::Timestamp::now();
            let mut last = s.started_at;
            for r in rs.iter() {
                assert!(
                    r.shown_at >= last && r.answered_at >= r.shown_at,
                    "times run forward"
                );
                last = r.answered_at;
            }
            for t in std::iter::once(s.started_at)
                .chain(s.finished_at)
                .chain(ps.iter().map(|p| p.assessed_at))
            {
                assert!(t <= now, "{t} is in the future");
            }
            let responses = rs
                .iter()
                .map(|r| {
                    format!(
                        "{} {} {} {:?} {} {} {} {} {:?} {:?}",
                        r.step,
                        r.item,
                        r.raw_answer,
                        r.options_order,
                        r.score,
                        r.credit,
                        r.status,
                        r.pretest,
                        r.theta,
                        r.se
                    )
                })
                .collect();
            let profile = ps
                .iter()
                .map(|p| {
                    format!(
                        "{} {} {} {} {} {} {} {:?} {} {:?} {:?}",
                        p.competence,
                        p.theta,
                        p.se,
                        p.pix,
                        p.pix_low,
                        p.pix_high,
                        p.level,
                        p.capped_at,
                        p.scoring_version,
                        p.theta_separate,
                        p.se_separate
                    )
                })
                .collect();
            (
                format!(
                    "{} seed {} simulated {} plan {} excluded {:?}",
                    s.state.as_str(),
                    s.seed,
                    s.simulated,
                    s.plan,
                    s.excluded_items
                ),
                responses,
                profile,
            )
        })
        .collect();
    Recorded { sessions }
}

// ---------------------------------------------------------------- plain mode

/// Reads the child's stdout until a prompt (`> `) or the end; answers by the prompt's hint.
fn drive_plain(args: &[&str], stop_after: Option<usize>) -> (i32, String, Vec<String>) {
    drive_plain_with(args, stop_after, "site:")
}

/// [`drive_plain`], typing `text_answer` to every text question.
fn drive_plain_with(
    args: &[&str],
    stop_after: Option<usize>,
    text_answer: &str,
) -> (i32, String, Vec<String>) {
    let mut child = cmd(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take();
    let mut stdout = child.stdout.take().unwrap();
    let mut all = String::new();
    let mut buf = [0u8; 4096];
    let mut pending = Vec::new();
    let mut answers = 0;
    let mut refused_number = false;
    let mut questions = Vec::new();
    loop {
        let n = stdout.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        pending.extend_from_slice(&buf[..n]);
        let chunk = String::from_utf8_lossy(&pending).into_owned();
        if !chunk.ends_with("> ") {
            continue;
        }
        pending.clear();
        all.push_str(&chunk);
        if let Some(q) = chunk.lines().find(|l| l.starts_with("Question ")) {
            questions.push(q.to_owned());
        }
        let hint = chunk.lines().last().unwrap_or("").to_owned();
        if stop_after.is_some_and(|k| answers >= k) {
            stdin = None; // end of input: the session stays resumable
            continue;
        }
        let line = if hint.contains("numéro de votre choix") {
            "2".to_owned()
        } else if hint.contains("séparés par des virgules") {
            "1,3".to_owned()
        } else if hint.contains("un nombre") {
            if refused_number {
                "120".to_owned()
            } else {
                refused_number = true;
                "cent vingt".to_owned()
            }
        } else if hint.contains("séparées par |") {
            let n: usize = hint.split_whitespace().next().unwrap().parse().unwrap();
            vec!["ET"; n].join(" | ")
        } else {
            text_answer.to_owned()
        };
        if !hint.contains("un nombre") || refused_number && line == "120" {
            answers += 1;
        }
        if let Some(s) = stdin.as_mut() {
            writeln!(s, "{line}").unwrap();
        }
    }
    drop(stdin);
    all.push_str(&String::from_utf8_lossy(&pending));
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (status.code().unwrap_or(-1), all + &err, questions)
}

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
    let o = jauge_with_input(&new, "");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let o = jauge_with_input(&new, "");
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
        &" ? \n".repeat(400),
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

fn simulate(db: &str, agent: &str, seed: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "assess",
        "--agent",
        agent,
        "--simulate-theta",
        "-0.5",
        "--seed",
        seed,
        "--db",
        db,
    ];
    args.extend_from_slice(extra);
    jauge(&args)
}

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

// ---------------------------------------------------------------- profiles and campaigns

fn json(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn profiles_list_every_competence_with_the_contract_keys() {
    let dir = TempDir::new("profile");
    let db = dir.db();
    assert_eq!(
        simulate(&db, "ana", "1", &["--competences", "1.1,2.1"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        simulate(&db, "ana", "2", &["--competences", "2.1"]).status.code(),
        Some(0)
    );
    let p = json(&jauge(&["profile", "show", "ana", "--db", &db, "--json"]));
    let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "agent",
            "bank_version",
            "competences",
            "scoring_version",
            "simulated",
            "structure",
            "total_pix"
        ]
    );
    assert_eq!(p["simulated"], true, "labelled: these are simulated sessions");
    assert_eq!(p["scoring_version"], jauge::SCORING_VERSION);
    assert_eq!(p["structure"], "independent");
    assert_eq!(p["agent"], "ana");
    let comps = p["competences"].as_array().unwrap();
    assert_eq!(comps.len(), 16);
    let mut ckeys: Vec<&str> = comps[0].as_object().unwrap().keys().map(String::as_str).collect();
    ckeys.sort();
    assert_eq!(
        ckeys,
        [
            "assessed_at",
            "capped_at",
            "code",
            "level",
            "not_assessed",
            "pix",
            "pix_high",
            "pix_low",
            "scoring_version",
            "se",
            "se_separate",
            "session",
            "simulated",
            "structure",
            "theta",
            "theta_separate"
        ]
    );
    let by = |c: &str| comps.iter().find(|x| x["code"] == c).unwrap().clone();
    assert!(by("1.1")["level"].is_u64());
    assert!(
        by("4.2")["level"].is_null() && by("4.2")["theta"].is_null() && by("4.2")["assessed_at"].is_null()
    );
    let total: u64 = comps.iter().filter_map(|c| c["pix"].as_u64()).sum();
    assert_eq!(p["total_pix"].as_u64(), Some(total));
    let h = json(&jauge(&["profile", "history", "ana", "--db", &db, "--json"]));
    let sessions = h["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(h["agent"], "ana");
    for s in sessions {
        assert!(s["session"].is_string() && s["finished_at"].is_string());
        assert_eq!(s["simulated"], true);
        assert_eq!(s["competences"].as_array().unwrap().len(), 16);
    }
    // two competences under the bundled bank's assumed structure, then one alone (independent)
    let mut structures: Vec<&str> = sessions
        .iter()
        .map(|s| s["structure"].as_str().unwrap())
        .collect();
    structures.sort_unstable();
    assert_eq!(structures, ["assumed", "independent"]);
    // the text views say the structure and label the simulated sessions too
    let shown = text(&jauge(&["profile", "show", "ana", "--db", &db]).stdout);
    assert!(
        shown.contains("Structure du profil\u{202f}: compétences indépendantes")
            && shown.contains("sessions simulées")
            && shown.contains("· simulée"),
        "{shown}"
    );
    let history = text(&jauge(&["profile", "history", "ana", "--db", &db]).stdout);
    let heads: Vec<&str> = history.lines().filter(|l| l.starts_with("Session ")).collect();
    assert_eq!(heads.len(), 2, "{history}");
    assert!(
        heads.iter().all(|l| l.contains("(simulée)"))
            && history.contains("Structure du profil\u{202f}: compétences indépendantes")
            && history.contains("Structure du profil\u{202f}: corrélations supposées"),
        "{history}"
    );
    // "latest" is the latest finished result per competence: 2.1 from the second session
    let second_21 = sessions[1]["competences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "2.1")
        .unwrap()
        .clone();
    assert_eq!(by("2.1"), second_21);
    let first_11 = sessions[0]["competences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "1.1")
        .unwrap()
        .clone();
    assert_eq!(by("1.1"), first_11);
    // an unknown agent is bad input
    assert_eq!(
        jauge(&["profile", "show", "nobody", "--db", &db]).status.code(),
        Some(2)
    );
}

#[test]
fn campaigns_carry_the_plan_and_unknown_ones_are_refused() {
    let dir = TempDir::new("campaign");
    let db = dir.db();
    let o = jauge(&["organisation", "create", "dgfip", "--name", "DGFiP", "--db", &db]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let orgs = json(&jauge(&["organisation", "list", "--db", &db, "--json"]));
    assert_eq!(orgs["organisations"][0]["code"], "dgfip");
    let o = jauge(&[
        "campaign",
        "create",
        "c2026",
        "--organisation",
        "dgfip",
        "--competences",
        "1.1,4.1",
        "--max-level",
        "3",
        "--max-items",
        "5",
        "--opens",
        "2020-01-01",
        "--closes",
        "2099-12-31",
        "--db",
        &db,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let c = json(&jauge(&["campaign", "show", "c2026", "--db", &db, "--json"]));
    assert_eq!(c["plan"]["competences"], serde_json::json!(["1.1", "4.1"]));
    assert_eq!(c["plan"]["max_level"], 3);
    assert_eq!(c["closes_at"], "2099-12-31T23:59:59.999999Z");
    let l = json(&jauge(&["campaign", "list", "--db", &db, "--json"]));
    assert_eq!(l["campaigns"].as_array().unwrap().len(), 1);
    let o = simulate(
        &db,
        "eve",
        "4",
        &["--campaign", "c2026", "--organisation", "dgfip"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let p = json(&jauge(&["profile", "show", "eve", "--db", &db, "--json"]));
    let assessed: Vec<&Value> = p["competences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["level"].is_null())
        .collect();
    assert_eq!(assessed.len(), 2);
    for c in assessed {
        assert!(c["level"].as_u64().unwrap() <= 3);
    }
    let rec = recorded(&db, "eve");
    assert!(rec.sessions[0].1.len() <= 10);
    // unknown campaign, closed campaign, unknown competence: exit 2, nothing started
    for (args, msg) in [
        (vec!["--campaign", "nope"], "campagne inconnue"),
        (vec!["--competences", "9.9"], "unknown competence"),
    ] {
        let o = simulate(&db, "fred", "1", &args);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o.stderr).contains(msg), "{}", text(&o.stderr));
    }
    assert_eq!(
        jauge(&["campaign", "show", "nope", "--db", &db]).status.code(),
        Some(2)
    );
    let o = jauge(&["campaign", "create", "old", "--closes", "2001-01-01", "--db", &db]);
    assert_eq!(o.status.code(), Some(0));
    let o = simulate(&db, "fred", "1", &["--campaign", "old"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("closed"), "{}", text(&o.stderr));
    let store = Store::open_existing(Path::new(&db)).unwrap();
    let fred = store.agent("fred").unwrap();
    assert!(fred.is_none_or(|a| store.active_session(a.id).unwrap().is_none()));
}

#[test]
fn adjustments_are_recorded_and_honoured() {
    let dir = TempDir::new("adjust");
    let db = dir.db();
    let o = jauge(&[
        "agent",
        "adjust",
        "noa",
        "--screen-reader",
        "--time-factor",
        "2",
        "--db",
        &db,
        "--json",
    ]);
    let v = json(&o);
    assert_eq!(v["adjustments"], serde_json::json!(["screen-reader"]));
    assert_eq!(
        simulate(&db, "noa", "1", &["--competences", "1.1"]).status.code(),
        Some(0)
    );
    let store = Store::open_existing(Path::new(&db)).unwrap();
    let rec = store.agent_record("noa").unwrap();
    let plan: Value = serde_json::from_str(&rec.sessions[0].0.plan).unwrap();
    assert_eq!(plan["adjustments"], serde_json::json!(["screen-reader"]));
    assert_eq!(plan["time_factor"], 2.0);
    assert_eq!(
        jauge(&["agent", "adjust", "noa", "--time-factor", "0.5", "--db", &db])
            .status
            .code(),
        Some(2)
    );
}

// ---------------------------------------------------------------- bad input

#[test]
fn bad_databases_and_banks_are_refused_and_nothing_is_written() {
    let dir = TempDir::new("bad");
    // a corrupt database
    let corrupt = dir.0.join("corrupt.db");
    std::fs::write(
        &corrupt,
        b"this is not an SQLite database, not at all, really not",
    )
    .unwrap();
    let before = std::fs::read(&corrupt).unwrap();
    let o = simulate(corrupt.to_str().unwrap(), "a", "1", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("not a Jauge database"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(std::fs::read(&corrupt).unwrap(), before);
    // a database from a newer Jauge
    let newer = dir.0.join("newer.db");
    drop(Store::open(&newer).unwrap());
    {
        let s = Store::open(&newer).unwrap();
        s.connection().execute_batch("PRAGMA user_version = 999").unwrap();
    }
    let o = simulate(newer.to_str().unwrap(), "a", "1", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("newer"), "{}", text(&o.stderr));
    // a missing database for a command that reads
    let missing = dir.0.join("missing.db");
    let o = jauge(&["profile", "show", "a", "--db", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!missing.exists());
    // a bank that fails validation: nothing is created
    let fresh = dir.0.join("fresh.db");
    let o = jauge(&[
        "assess",
        "--agent",
        "a",
        "--simulate-theta",
        "0",
        "--bank",
        "tests/bank-fixtures/duplicate-id-same-file",
        "--db",
        fresh.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("jauge bank validate"),
        "{}",
        text(&o.stderr)
    );
    assert!(!fresh.exists());
    // no bank at all
    let o = jauge(&[
        "assess",
        "--agent",
        "a",
        "--bank",
        "no-such-dir",
        "--db",
        fresh.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--bank"), "{}", text(&o.stderr));
    assert!(!fresh.exists());
}

#[test]
fn negative_simulated_abilities_parse() {
    let dir = TempDir::new("neg");
    let o = jauge(&[
        "assess",
        "--agent",
        "n",
        "--simulate-theta",
        "-1.5",
        "--competences",
        "5.2",
        "--db",
        &dir.db(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = jauge(&[
        "assess",
        "--agent",
        "m",
        "--simulate-theta",
        "-3",
        "--competences",
        "5.2",
        "--db",
        &dir.db(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("Profil simulé"));
    // English: the interface and the questions
    let o = jauge(&[
        "assess",
        "--agent",
        "e",
        "--simulate-theta",
        "0",
        "--competences",
        "5.2",
        "--lang",
        "en",
        "--db",
        &dir.db(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("Simulated profile") && out.contains("Competence 5.2") && !out.contains("Votre"),
        "{out}"
    );
    let store = Store::open_existing(Path::new(&dir.db())).unwrap();
    assert_eq!(store.agent_record("e").unwrap().sessions[0].0.lang, "en");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn a_session_on_a_changed_bank_is_not_resumed_but_new_starts_afresh() {
    let dir = TempDir::new("bankchange");
    let bank = dir.0.join("bank");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLES), &bank);
    let db = dir.db();
    let b = bank.to_str().unwrap();
    let args = [
        "assess", "--agent", "iris", "--bank", b, "--db", &db, "--seed", "3",
    ];
    let o = jauge_with_input(&args, "120\n");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    // an author edits the bank: its version changes
    let file = bank.join("1.1/operateurs.toml");
    let mut toml = std::fs::read_to_string(&file).unwrap();
    toml.push_str("\n# edited\n");
    std::fs::write(&file, toml).unwrap();
    let mut resume = args.to_vec();
    resume.push("--resume");
    let o = jauge_with_input(&resume, "");
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("autre version de la banque") && err.contains("--new"),
        "{err}"
    );
    let mut new = args.to_vec();
    new.push("--new");
    let o = jauge_with_input(&new, "120\n");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("abandonnée\u{202f}: aucun profil"),
        "{}",
        text(&o.stderr)
    );
    let store = Store::open_existing(Path::new(&db)).unwrap();
    let rec = store.agent_record("iris").unwrap();
    let states: Vec<&str> = rec.sessions.iter().map(|(s, _, _)| s.state.as_str()).collect();
    assert_eq!(states, ["abandoned", "active"]);
    assert_eq!(
        rec.sessions[0].1.len(),
        1,
        "the abandoned session keeps its answer"
    );
}

// ---------------------------------------------------------------- simulated sessions

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
