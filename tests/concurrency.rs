//! End-to-end: many `jauge` processes on one database file. First openers racing to create it,
//! concurrent assessment writers, two processes on one agent, a writer kept waiting past the
//! documented bound. The loser of a race gets a message in Jauge's words, never SQLite's.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::TempDir;
use common::procs::{all_at_once, assert_clean, cmd, integrity_ok, jauge, text};

/// The tests of this file each start many processes; run together they would measure the
/// machine's overload rather than Jauge (a first opener kept off the CPU for 30 s by twenty
/// writers of another test is told "busy", truthfully): one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn agents(db: &Path) -> usize {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row("SELECT count(*) FROM agent_identity", [], |r| r.get::<_, i64>(0))
        .unwrap() as usize
}

#[test]
fn any_number_of_first_openers_create_the_database_once() {
    let _serial = one_at_a_time();
    let dir = TempDir::new("first-openers");
    for round in 0..4 {
        let db = dir.0.join(format!("new-{round}.db"));
        let db = db.to_str().unwrap();
        let mut cmds: Vec<Command> = Vec::new();
        for k in 0..12 {
            let id = format!("agent-{k}");
            cmds.push(match k % 3 {
                0 => cmd(&["agent", "adjust", &id, "--screen-reader", "--db", db]),
                1 => cmd(&["organisation", "create", &format!("org{k}"), "--db", db]),
                _ => cmd(&["agent", "adjust", &id, "--time-factor", "2", "--db", db]),
            });
        }
        for (k, o) in all_at_once(cmds).iter().enumerate() {
            assert_eq!(
                o.status.code(),
                Some(0),
                "round {round}, opener {k}: {}",
                text(&o.stderr)
            );
        }
        assert_eq!(agents(Path::new(db)), 8, "round {round}");
        assert!(integrity_ok(Path::new(db)));
    }
}

#[test]
fn twenty_concurrent_assessments_on_one_file_all_finish() {
    let _serial = one_at_a_time();
    // full profiles (64 answers each): on the code before the fix, about one in seven died
    // with `database is locked`
    let dir = TempDir::new("writers");
    let db = dir.db();
    let start = Instant::now();
    let cmds = (0..20)
        .map(|k| {
            cmd(&[
                "assess",
                "--agent",
                &format!("writer-{k}"),
                "--simulate-theta",
                "0.3",
                "--seed",
                &k.to_string(),
                "--db",
                &db,
            ])
        })
        .collect();
    let outs = all_at_once(cmds);
    for (k, o) in outs.iter().enumerate() {
        assert_eq!(o.status.code(), Some(0), "writer {k}: {}", text(&o.stderr));
    }
    eprintln!("20 writers in {:.1} s", start.elapsed().as_secs_f64());
    let c = rusqlite::Connection::open(&db).unwrap();
    let finished: i64 = c
        .query_row("SELECT count(*) FROM session WHERE state = 'finished'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(finished, 20);
    assert!(integrity_ok(Path::new(&db)));
}

#[test]
fn two_processes_starting_one_agent_the_loser_is_told_in_plain_words() {
    let _serial = one_at_a_time();
    let dir = TempDir::new("same-agent");
    for round in 0..6 {
        let db = dir.0.join(format!("j{round}.db"));
        let db = db.to_str().unwrap();
        let args = |seed: &str| {
            cmd(&[
                "assess",
                "--agent",
                "camille@example.fr",
                "--simulate-theta",
                "0",
                "--seed",
                seed,
                "--competences",
                "1.1,3.4",
                "--db",
                db,
            ])
        };
        let outs = all_at_once(vec![args("1"), args("2"), args("3")]);
        let mut won = 0;
        for o in &outs {
            assert_clean(o, "starting the same agent");
            if o.status.code() == Some(0) {
                won += 1;
            } else {
                let err = text(&o.stderr);
                assert!(
                    err.contains("session en cours") || err.contains("another process"),
                    "{err}"
                );
            }
        }
        assert!(won >= 1, "round {round}: one of them must run");
        assert_eq!(agents(Path::new(db)), 1, "one person, one agent");
        assert!(integrity_ok(Path::new(db)));
    }
}

#[test]
fn two_processes_resuming_one_session_the_loser_is_told_in_plain_words() {
    let _serial = one_at_a_time();
    let dir = TempDir::new("same-session");
    let mut conflicts = 0;
    for round in 0..6 {
        let db = dir.0.join(format!("j{round}.db"));
        let db = db.to_str().unwrap();
        // an unfinished simulated session (only a simulated session takes simulated answers),
        // stopped at its first question
        {
            let bank = Path::new(env!("CARGO_MANIFEST_DIR")).join("item-bank");
            let j = jauge::Jauge::open(&bank, Path::new(db)).unwrap();
            let mut o = jauge::StartOptions::new("dominique");
            o.plan = jauge::PlanChoice::Competences(vec!["1.1".into(), "2.1".into(), "3.4".into()]);
            o.simulated = true;
            let mut a = j.start(&o, &jauge::SystemClock).unwrap();
            a.next_question(&jauge::SystemClock).unwrap().unwrap();
        }
        let resume = || {
            cmd(&[
                "assess",
                "--agent",
                "dominique",
                "--simulate-theta",
                "0.5",
                "--resume",
                "--db",
                db,
            ])
        };
        let outs = all_at_once(vec![resume(), resume()]);
        for o in &outs {
            assert_clean(o, "resuming the same session");
            if o.status.code() == Some(2) {
                conflicts += 1;
                let err = text(&o.stderr);
                assert!(err.contains("another process"), "{err}");
            }
        }
        assert!(
            outs.iter().any(|o| o.status.code() == Some(0)),
            "round {round}: one of them finishes"
        );
        assert!(integrity_ok(Path::new(db)));
        // the resumed session finished once, each step recorded once; a `--resume` that came
        // after it finished may have started a session of its own, as `--resume` does
        let c = rusqlite::Connection::open(db).unwrap();
        let (first_state, steps, distinct): (String, i64, i64) = c
            .query_row(
                "SELECT s.state, count(*), count(DISTINCT r.step) FROM session s JOIN response r ON r.session_id = s.id
                 WHERE s.id = (SELECT min(id) FROM session)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(first_state, "finished", "round {round}");
        assert_eq!(steps, distinct, "round {round}: each step recorded once");
    }
    eprintln!("{conflicts} conflict(s) in 6 rounds");
}

#[test]
fn a_writer_kept_waiting_past_the_bound_is_told_why() {
    let _serial = one_at_a_time();
    let dir = TempDir::new("bound");
    let db = dir.db();
    let o = jauge(&["organisation", "create", "first", "--db", &db]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // another process holds the write lock
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let start = Instant::now();
    let o = cmd(&["organisation", "create", "second", "--db", &db])
        .env("JAUGE_LOCK_WAIT", "1")
        .output()
        .unwrap();
    let waited = start.elapsed();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    // in the default language, French (tests run under LANG=C.UTF-8)
    assert!(err.contains("occupée"), "{err}");
    assert!(err.contains("1 s"), "the bound is named: {err}");
    assert!(err.contains("rien n'a été écrit"), "{err}");
    assert_clean(&o, "waiting past the bound");
    assert!(waited < Duration::from_secs(8), "gave up after {waited:?}");
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    let o = jauge(&["organisation", "create", "second", "--db", &db]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}
