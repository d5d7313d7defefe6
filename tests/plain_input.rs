//! End-to-end: the answer lines of `jauge assess --plain` are read within bounds. An answer over
//! 16 KiB and a line that is not UTF-8 are refused and asked again (the session goes on); an
//! input line that never ends (`cat /dev/zero | jauge assess --plain`) stops the session, saved
//! and resumable, under a memory limit, instead of growing memory until the allocator aborts.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use jauge::store::Store;

mod common;
use common::TempDir;
use common::procs::{bin, text};

const EXAMPLES: &str = "tests/bank-examples";

/// `jauge ARGS` under a 512 MiB address-space limit (as `ulimit -v` does), stdin from `stdin`.
fn limited(args: &[&str], stdin: Stdio) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(format!("ulimit -v {}; exec \"$0\" \"$@\"", 512 * 1024))
        .arg(bin())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("JAUGE_DB")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn with_input(args: &[&str], input: &[u8]) -> Output {
    let mut child = limited(args, Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // written from a thread: the program may stop reading before the end
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap();
    o
}

fn assess(db: &str) -> Vec<String> {
    [
        "assess", "--agent", "kim", "--bank", EXAMPLES, "--db", db, "--seed", "3", "--plain",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn a_huge_answer_and_an_unreadable_one_are_refused_and_asked_again() {
    let dir = TempDir::new("plain-bounds");
    let db = dir.db();
    let mut input = vec![b'x'; 20 * 1024];
    input.push(b'\n');
    input.extend_from_slice(b"caf\xe9 \xff\n");
    input.extend_from_slice(" ? \n".repeat(400).as_bytes());
    let args = assess(&db);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = with_input(&args, &input);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    assert!(out.contains("Réponse trop longue (16 Kio au plus)"), "{out}");
    assert!(out.contains("Réponse illisible"), "{out}");
    let store = Store::open_existing(Path::new(&db)).unwrap();
    let (session, rs, _) = store.agent_record("kim").unwrap().sessions.remove(0);
    assert_eq!(session.state.as_str(), "finished");
    assert!(
        rs.iter().all(|r| r.status.as_str() == "dontknow"),
        "nothing of the refused lines is recorded: {rs:?}"
    );
}

#[test]
fn an_endless_input_line_stops_the_session_saved_without_exhausting_memory() {
    let dir = TempDir::new("plain-zero");
    let db = dir.db();
    let args = assess(&db);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let o = limited(&args, Stdio::from(zero)).output().unwrap();
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert!(
        !err.contains("panicked") && !err.contains("memory allocation"),
        "{err}"
    );
    assert_eq!(o.status.code(), Some(1), "stopped, resumable: {out}{err}");
    assert!(out.contains("ligne sans fin"), "{out}");
    assert!(err.contains("--resume"), "{err}");
    // the session is there, open, and finishes when resumed with real answers
    let mut resume = args.clone();
    resume.push("--resume");
    let o = with_input(&resume, " ? \n".repeat(400).as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}
