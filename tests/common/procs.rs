//! Running the `jauge` binary from the hardening tests: many at once, with a time limit, and
//! telling SQLite's raw messages (which a user must never see) apart from Jauge's own.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test: this build's, or the one named by `JAUGE_TEST_BIN` (to show that a
/// test fails on an older build).
pub fn bin() -> std::ffi::OsString {
    std::env::var_os("JAUGE_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_jauge").into())
}

/// A `jauge` command run from the repository's root, without `JAUGE_DB` from the environment.
pub fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("JAUGE_DB")
        .env_remove("JAUGE_LOCK_WAIT")
        // the default language, French: no language from the environment
        .env_remove("JAUGE_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .env_remove("COLUMNS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Runs `jauge ARGS` to the end.
pub fn jauge(args: &[&str]) -> Output {
    cmd(args).output().expect("the jauge binary runs")
}

/// Runs `jauge ARGS` with `input` on stdin.
pub fn jauge_with_input(args: &[&str], input: &[u8]) -> Output {
    let mut child = cmd(args)
        .stdin(Stdio::piped())
        .spawn()
        .expect("the jauge binary runs");
    let mut stdin = child.stdin.take().expect("a pipe");
    // the command may stop reading early: a closed pipe here is not a failure
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().expect("the jauge binary ends")
}

/// Starts every command at once and waits for all of them.
pub fn all_at_once(cmds: Vec<Command>) -> Vec<Output> {
    let children: Vec<Child> = cmds
        .into_iter()
        .map(|mut c| c.spawn().expect("the jauge binary runs"))
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().expect("the jauge binary ends"))
        .collect()
}

/// Waits for `child` at most `limit`; kills it and returns `None` past it.
pub fn wait_at_most(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().expect("waiting for a child") {
            return Some(s);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Text of a captured stream.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// SQLite's own wording, which must never reach a user: Jauge says what happened in its words.
pub fn raw_sqlite(stderr: &str) -> Option<&'static str> {
    [
        "database is locked",
        "database error",
        "constraint failed",
        "Error code",
        "SQL logic error",
        "already exists: table",
        "disk I/O error",
        "unable to open database file",
        "attempt to write a readonly database",
        "File exists",
    ]
    .into_iter()
    .find(|m| stderr.contains(m))
}

/// Asserts a command that may legitimately lose a race ended cleanly: exit 0, or exit 2 with a
/// message in Jauge's words; never a panic or SQLite's raw text.
pub fn assert_clean(o: &Output, what: &str) {
    let err = text(&o.stderr);
    assert!(
        matches!(o.status.code(), Some(0) | Some(2)),
        "{what}: exit {:?}\n{err}",
        o.status
    );
    assert!(!err.contains("panicked"), "{what}: a panic\n{err}");
    if let Some(m) = raw_sqlite(&err) {
        panic!("{what}: SQLite's raw text `{m}` reached the user:\n{err}");
    }
}

/// `PRAGMA integrity_check` on a database file, through SQLite directly.
pub fn integrity_ok(db: &Path) -> bool {
    let c = rusqlite::Connection::open(db).expect("the database opens");
    let r: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check runs");
    r == "ok"
}
