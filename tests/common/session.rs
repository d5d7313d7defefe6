//! Helpers for the end-to-end tests of assessments (`assess_cli`, `profile_cli`,
//! `assess_refusals`, `simulated_sessions`): a plain-mode driver answering by each prompt's hint,
//! simulated sessions, and everything the store recorded about an agent's sessions.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Output, Stdio};

use jauge::store::Store;
use serde_json::Value;

use super::procs::{cmd, jauge, text};

/// The small example bank of the end-to-end tests.
pub const EXAMPLES: &str = "tests/bank-examples";

/// Everything recorded about the agent's sessions but the times (a simulated session is stamped
/// with real times, checked here to run forward and never lie in the future).
#[derive(Debug, PartialEq)]
pub struct Recorded {
    pub sessions: Vec<(String, Vec<String>, Vec<String>)>,
}

/// What the store holds of `agent`'s sessions, times left out (checked to run forward).
pub fn recorded(db: &str, agent: &str) -> Recorded {
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

/// Reads the child's stdout until a prompt (`> `) or the end; answers by the prompt's hint.
pub fn drive_plain(args: &[&str], stop_after: Option<usize>) -> (i32, String, Vec<String>) {
    drive_plain_with(args, stop_after, "site:")
}

/// [`drive_plain`], typing `text_answer` to every text question.
pub fn drive_plain_with(
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

/// `jauge assess --simulate-theta -0.5 --seed SEED` for `agent` on `db`, plus `extra`.
pub fn simulate(db: &str, agent: &str, seed: &str, extra: &[&str]) -> Output {
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

/// The command's stdout as JSON, after checking it exited 0.
pub fn json(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Copies the directory `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
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
