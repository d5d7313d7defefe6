//! End-to-end: what `jauge assess` refuses, and writes nothing for — an unfinished session without
//! a terminal, an unknown campaign, a corrupt or newer database, an invalid or changed bank.

use std::path::Path;

use jauge::store::Store;

mod common;
use common::TempDir;
use common::procs::{jauge, jauge_with_input, text};
use common::session::{EXAMPLES, copy_dir, simulate};

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
    let o = jauge_with_input(&args, b"120\n");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    // an author edits the bank: its version changes
    let file = bank.join("1.1/operateurs.toml");
    let mut toml = std::fs::read_to_string(&file).unwrap();
    toml.push_str("\n# edited\n");
    std::fs::write(&file, toml).unwrap();
    let mut resume = args.to_vec();
    resume.push("--resume");
    let o = jauge_with_input(&resume, b"");
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("autre version de la banque") && err.contains("--new"),
        "{err}"
    );
    let mut new = args.to_vec();
    new.push("--new");
    let o = jauge_with_input(&new, b"120\n");
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
