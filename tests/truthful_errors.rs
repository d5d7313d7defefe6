//! End-to-end: what Jauge says when the file system, not the database, is the problem. A healthy
//! database on a read-only file system or on a full one is never called corrupt, in any command
//! that opens it; an erasure while another process reads says exactly what happened, and the
//! rewrite of the file is finished at the next open.

use std::path::Path;
use std::process::Stdio;

mod common;
use common::TempDir;
use common::fs::Mount;
use common::procs::{assert_clean, cmd, integrity_ok, jauge, text};

/// A healthy database with two agents who finished a short session.
fn healthy(db: &Path) {
    let db = db.to_str().unwrap();
    for (agent, seed) in [("alice@example.fr", "1"), ("bruno@example.fr", "2")] {
        let o = jauge(&[
            "assess",
            "--agent",
            agent,
            "--simulate-theta",
            "0",
            "--seed",
            seed,
            "--competences",
            "1.1,3.4",
            "--db",
            db,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
    assert!(integrity_ok(Path::new(db)));
}

/// Every command that opens a database, as argument lists (`DB` and `OUT` replaced).
const OPENERS: &[&[&str]] = &[
    &["agent", "list", "--db", "DB"],
    &["agent", "show", "alice@example.fr", "--db", "DB"],
    &[
        "agent",
        "adjust",
        "alice@example.fr",
        "--screen-reader",
        "--db",
        "DB",
    ],
    &["agent", "erase", "bruno@example.fr", "--db", "DB"],
    &["profile", "show", "alice@example.fr", "--db", "DB"],
    &["profile", "history", "alice@example.fr", "--db", "DB"],
    &["organisation", "create", "dgfip", "--db", "DB"],
    &["organisation", "list", "--db", "DB"],
    &["campaign", "list", "--db", "DB"],
    &["campaign", "create", "c1", "--competences", "1.1", "--db", "DB"],
    &[
        "assess",
        "--agent",
        "chloe@example.fr",
        "--simulate-theta",
        "0",
        "--competences",
        "1.1",
        "--db",
        "DB",
    ],
    &["export", "--format", "csv", "--out", "OUT", "--db", "DB"],
    &["purge", "--older-than", "1d", "--db", "DB"],
];

fn run_all(db: &Path, out: &Path) -> Vec<(String, std::process::Output)> {
    OPENERS
        .iter()
        .map(|args| {
            let args: Vec<&str> = args
                .iter()
                .map(|a| match *a {
                    "DB" => db.to_str().unwrap(),
                    "OUT" => out.to_str().unwrap(),
                    a => a,
                })
                .collect();
            (args[..2].join(" "), jauge(&args))
        })
        .collect()
}

fn never_called_corrupt(what: &str, o: &std::process::Output) {
    let err = text(&o.stderr);
    for word in ["corrupt", "damaged", "not a Jauge database"] {
        assert!(
            !err.contains(word),
            "{what}: a healthy database called `{word}`:\n{err}"
        );
    }
    assert_clean(o, what);
}

#[test]
fn a_healthy_database_on_a_read_only_file_system_is_never_called_corrupt() {
    let Some(m) = Mount::new("ro", "8m") else {
        return;
    };
    let db = m.join("jauge.db");
    healthy(&db);
    let before = std::fs::read(&db).unwrap();
    assert!(m.read_only());
    let out_dir = TempDir::new("ro-out");
    for (what, o) in run_all(&db, &out_dir.0.join("x.csv")) {
        never_called_corrupt(&what, &o);
        assert_eq!(o.status.code(), Some(2), "{what}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(err.contains("read-only"), "{what}: the cause is named:\n{err}");
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing was written");
    assert!(!out_dir.0.join("x.csv").exists());
    assert!(m.read_write());
    assert!(integrity_ok(&db));
}

#[test]
fn a_healthy_database_on_a_full_file_system_is_never_called_corrupt() {
    let Some(m) = Mount::new("full", "2m") else {
        return;
    };
    let db = m.join("jauge.db");
    healthy(&db);
    let filler = m.fill();
    let out_dir = TempDir::new("full-out");
    let mut told = 0;
    for (what, o) in run_all(&db, &out_dir.0.join("x.csv")) {
        never_called_corrupt(&what, &o);
        if o.status.code() == Some(2) {
            let err = text(&o.stderr);
            assert!(
                err.contains("no space left") || err.contains("plus de place sur le disque"),
                "{what}: the cause is named:\n{err}"
            );
            told += 1;
        }
    }
    assert!(
        told >= 5,
        "writing commands must fail on a full file system ({told} did)"
    );
    // room again: every answer recorded before is there, and the database works
    std::fs::remove_file(filler).unwrap();
    assert!(integrity_ok(&db));
    let o = jauge(&[
        "profile",
        "show",
        "alice@example.fr",
        "--json",
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = jauge(&["organisation", "create", "after", "--db", db.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

fn files_contain(db: &Path, needle: &str) -> bool {
    ["", "-wal", "-shm"].iter().any(|suffix| {
        std::fs::read(format!("{}{suffix}", db.display()))
            .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
    })
}

#[test]
fn an_erasure_while_another_process_reads_says_what_happened_and_is_finished_at_the_next_open() {
    let dir = TempDir::new("erase-busy");
    let db = dir.0.join("jauge.db");
    healthy(&db);
    let id = "alice@example.fr";
    assert!(files_contain(&db, id));
    // another process opens the database and keeps a read open, then is killed (no clean close)
    let mut reader = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys, time\n\
             c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
             c.execute('BEGIN')\n\
             c.execute('SELECT count(*) FROM session').fetchall()\n\
             print('reading', flush=True)\n\
             time.sleep(600)\n",
        )
        .arg(&db)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(reader.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "reading");

    let o = jauge(&["agent", "erase", id, "--db", db.to_str().unwrap()]);
    assert_clean(&o, "erasing while another process reads");
    assert_eq!(
        o.status.code(),
        Some(0),
        "the erasure is committed: {}",
        text(&o.stderr)
    );
    let err = text(&o.stderr);
    assert!(err.contains("Erased"), "{err}");
    assert!(err.to_lowercase().contains("another process"), "{err}");
    assert!(err.contains("Nothing needs to be run again"), "{err}");
    // the erasure is real: the agent is gone
    let o = jauge(&["agent", "show", id, "--db", db.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    // French by default (the messages follow the language)
    assert!(text(&o.stderr).contains("agent inconnu"), "{}", text(&o.stderr));

    reader.kill().unwrap(); // SIGKILL: the reader never closes the database
    reader.wait().unwrap();
    // the next open (any command) finishes the rewrite
    let o = jauge(&["agent", "list", "--db", db.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        !files_contain(&db, id),
        "the erased id survives nowhere in the files after the next open"
    );
    assert!(integrity_ok(&db));
}

#[test]
fn a_writer_waiting_for_a_reader_never_reads_as_corrupt() {
    // the first read of a command happens while another process holds the database exclusively
    let dir = TempDir::new("exclusive");
    let db = dir.0.join("jauge.db");
    healthy(&db);
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder
        .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;")
        .unwrap();
    let o = cmd(&["agent", "list", "--db", db.to_str().unwrap()])
        .env("JAUGE_LOCK_WAIT", "1")
        .output()
        .unwrap();
    never_called_corrupt("reading a locked database", &o);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("occupée"), "{}", text(&o.stderr));
    drop(holder);
    let o = jauge(&["agent", "list", "--db", db.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}
