//! A property-based harness over the whole command line: arbitrary arguments and stdin for every
//! subcommand, on a scratch database and scratch files. Whatever the input, `jauge`
//! - never panics and is never killed by a signal (an allocation failure aborts: unbounded
//!   memory is caught by an address-space limit);
//! - exits 0, 1 or 2 only;
//! - leaves the database with `PRAGMA integrity_check` = ok.
//!
//! The commands and their flags are read from the binary's own help, so that a new command is
//! fuzzed without touching this file. Each case runs in a fresh folder with a copy of the scratch
//! database, `JAUGE_DB` and `HOME` pointing there, and every path it names is inside that folder
//! (devices through links in it): nothing outside it is ever written; the harness checks after
//! each case that `/dev/null` and `/dev/zero` are still devices.
//!
//! Budget (CI): `JAUGE_FUZZ_CASES` cases (default 160) and at most `JAUGE_FUZZ_SECONDS` seconds
//! (default 100); the seed is `JAUGE_FUZZ_SEED` (default fixed, so that CI is repeatable; any
//! other value explores further). A failing case is shrunk by proptest to a small command line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

mod common;
use common::TempDir;
use common::procs::{bin, text};

/// Commands never run: `help` (nothing to find) and long-running servers.
const SKIPPED: &[&str] = &["help", "serve"];

/// One command of the tree: its path (`["agent", "show"]`), its flags (name, takes a value,
/// possible values) and its positional arguments.
#[derive(Debug, Clone)]
struct Spec {
    path: Vec<String>,
    /// (name, the value's name if it takes one, possible values).
    flags: Vec<(String, Option<String>, Vec<String>)>,
    /// The flags the usage line requires (indexes into `flags`).
    required: Vec<usize>,
    positionals: usize,
}

fn help(path: &[String]) -> String {
    let o = Command::new(bin())
        .args(path)
        .arg("-h")
        .env_remove("JAUGE_DB")
        .output()
        .expect("the binary runs");
    text(&o.stdout)
}

/// Reads the command tree from the binary's short help.
fn commands(path: Vec<String>, out: &mut Vec<Spec>) {
    let h = help(&path);
    let mut section = "";
    let mut subs = Vec::new();
    let mut flags = Vec::new();
    let mut positionals = 0;
    let usage = h
        .lines()
        .find_map(|l| l.strip_prefix("Usage: "))
        .unwrap_or("")
        .to_string();
    for line in h.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            section = line;
            continue;
        }
        let t = line.trim_start();
        match section {
            "Commands:" => {
                if let Some(name) = t.split_whitespace().next()
                    && line.starts_with("  ")
                    && !line.starts_with("   ")
                    && !SKIPPED.contains(&name)
                {
                    subs.push(name.to_string());
                }
            }
            "Arguments:" if t.starts_with('<') || t.starts_with('[') => positionals += 1,
            "Options:" => {
                let Some(at) = t.find("--") else { continue };
                let rest = &t[at + 2..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if name.is_empty() || name == "help" || name == "version" {
                    continue;
                }
                let after = &rest[name.len()..];
                let takes = (after.starts_with(" <") || after.starts_with("=<"))
                    .then(|| after[2..].split('>').next().unwrap_or("").to_string());
                let possible = t
                    .split("[possible values: ")
                    .nth(1)
                    .and_then(|p| p.split(']').next())
                    .map(|p| p.split(", ").map(str::to_owned).collect())
                    .unwrap_or_default();
                flags.push((name, takes, possible));
            }
            _ => {}
        }
    }
    if subs.is_empty() {
        let required = usage
            .split_whitespace()
            .filter_map(|t| t.strip_prefix("--"))
            .filter_map(|name| flags.iter().position(|(n, ..)| n == name))
            .collect();
        out.push(Spec {
            path,
            flags,
            required,
            positionals,
        });
    } else {
        for s in subs {
            let mut p = path.clone();
            p.push(s);
            commands(p, out);
        }
    }
}

/// The scratch world every case copies: a database with organisations, a campaign, finished and
/// unfinished sessions; item, ability and response files, good and bad; a key.
struct World {
    dir: TempDir,
    db: PathBuf,
}

fn world() -> World {
    let dir = TempDir::new("world");
    let db = dir.0.join("jauge.db");
    let d = db.to_str().unwrap();
    let run = |args: &[&str]| {
        let o = Command::new(bin())
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("JAUGE_DB")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            text(&o.stderr)
        );
    };
    run(&["organisation", "create", "dgfip", "--db", d]);
    run(&[
        "campaign",
        "create",
        "c1",
        "--organisation",
        "dgfip",
        "--competences",
        "1.1,3.4",
        "--db",
        d,
    ]);
    for (agent, seed) in [("alice@example.fr", "1"), ("bruno@example.fr", "2")] {
        run(&[
            "assess",
            "--agent",
            agent,
            "--organisation",
            "dgfip",
            "--simulate-theta",
            "0.2",
            "--seed",
            seed,
            "--competences",
            "1.1,3.4",
            "--db",
            d,
        ]);
    }
    run(&[
        "assess",
        "--agent",
        "chloe@example.fr",
        "--campaign",
        "c1",
        "--simulate-theta",
        "-1",
        "--db",
        d,
    ]);
    // an unfinished session: its input ends at once
    let _ = Command::new(bin())
        .args([
            "assess",
            "--agent",
            "dom@example.fr",
            "--plain",
            "--competences",
            "2.1",
            "--db",
            d,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output();
    let files = dir.0.join("files");
    std::fs::create_dir_all(&files).unwrap();
    let w = |name: &str, content: &[u8]| std::fs::write(files.join(name), content).unwrap();
    w(
        "items.csv",
        b"id,a,b,c\nq1,1.2,-0.5,0.1\nq2,0.8,0.3,0\nq3,1.5,1.1,0.2\n",
    );
    w("thetas.csv", b"id,theta\np1,0.5\np2,-1.2\np3,2\n");
    w(
        "wide.csv",
        b"id,q1,q2,q3\np1,1,0,1\np2,0,,1\np3,1,1,0\np4,0,0,0\n",
    );
    w(
        "long.csv",
        b"person,item,score\np1,q1,1\np1,q2,0\np2,q1,0\np2,q3,1\n",
    );
    w("group.csv", b"id,group\np1,ref\np2,focal\np3,ref\np4,focal\n");
    w("exposure.csv", b"id,k\nq1,0.5\nq2,1\nq3,0.2\n");
    w("garbage.csv", b"\"unbalanced,quote\n\xff\xfe\x00,1\n");
    w("empty.csv", b"");
    w(
        "key",
        b"9c1f4be07a3d52e8816f0c2ab94d7e35f0a61b8c2d4e97a3058b6cf1e2d9a470\n",
    );
    w("weak.key", b"k\n");
    World { dir, db }
}

/// One generated command line.
#[derive(Debug, Clone)]
struct Case {
    command: usize,
    args: Vec<Arg>,
    stdin: Vec<u8>,
}

/// One argument: a flag of the command (by index) with a value chosen from a pool (by index),
/// a positional from the pool, or a stray token.
#[derive(Debug, Clone)]
enum Arg {
    Flag(usize, usize),
    Positional(usize),
    Stray(String),
}

/// Values worth trying, in sections: numbers at the edges, dates and durations at the edges of
/// the calendar, text (ids that look like others, text a spreadsheet would run), files (good,
/// bad, protected, endless), folders.
struct Pool {
    values: Vec<String>,
    /// Good values by flag name (deeper paths than the refusals of bad values).
    good: BTreeMap<&'static str, Vec<String>>,
    numbers: std::ops::Range<usize>,
    times: std::ops::Range<usize>,
    text: std::ops::Range<usize>,
    files: std::ops::Range<usize>,
    dirs: std::ops::Range<usize>,
}

fn pool(files: &Path, db: &Path, case_dir: &Path) -> Pool {
    let f = |n: &str| files.join(n).display().to_string();
    let mut values: Vec<String> = Vec::new();
    let mut section = |items: Vec<String>| {
        let start = values.len();
        values.extend(items);
        start..values.len()
    };
    let strs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let numbers = section(strs(&[
        "0",
        "1",
        "-1",
        "2",
        "3",
        "10",
        "0.5",
        "-0.5",
        "1.5",
        "1e308",
        "-1e308",
        "1e-320",
        "NaN",
        "inf",
        "-inf",
        "1,2",
        "-4,4",
        "4,-4",
        "0,0",
        "1,0,.",
        "1.1",
        "1.1,3.4",
        "9.9",
        "99999",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "4294967296",
        "0.99",
        "1,0,1",
        "-6,6",
        "61",
        "100000000",
    ]));
    let times = section(strs(&[
        "20000y",
        "30d",
        "0s",
        "12h",
        "-1d",
        "9999-12-30",
        "9999-12-31",
        "2026-06-30",
        "-009999-01-01",
        "2026-06-30T12:00:00Z",
        "2y",
    ]));
    let mut text = strs(&[
        "",
        " ",
        "abc",
        "fr",
        "en",
        "csv",
        "jsonl",
        "parquet",
        "organisation",
        "campaign",
        "1pl",
        "2pl",
        "3pl",
        "eap",
        "mfi",
        "dgfip",
        "c1",
        "nowhere",
        "alice@example.fr",
        "dom@example.fr",
        "alice@example.fr ",
        "\u{202e}alice",
        "ali\u{200b}ce",
        "Zoe\u{301}",
        "=HYPERLINK(\"x\")",
        "@SUM(1)",
        "?",
        "-",
        "a|b",
        "{\"kind\":\"dontknow\"}",
        "{\"kind\":\"options\",\"value\":[\"a\"]}",
        "screen-reader",
    ]);
    text.push("x".repeat(300));
    text.push("é".repeat(200));
    let text = section(text);
    let mut paths: Vec<String> = [
        "items.csv",
        "thetas.csv",
        "wide.csv",
        "long.csv",
        "group.csv",
        "exposure.csv",
        "garbage.csv",
        "empty.csv",
        "key",
        "weak.key",
        "missing.csv",
    ]
    .iter()
    .map(|n| f(n))
    .collect();
    paths.push(db.display().to_string());
    paths.push(format!("{}-wal", db.display()));
    paths.push(case_dir.join("out.csv").display().to_string());
    // devices through links in the case's folder (an endless input, a sink): a command that
    // replaced or removed its output would replace the link, never the machine's device
    paths.push(case_dir.join("null").display().to_string());
    paths.push(case_dir.join("zero").display().to_string());
    paths.push(case_dir.join("absent/dir/file").display().to_string());
    let files_range = section(paths);
    let dirs = section(vec![
        case_dir.join("bank").display().to_string(),
        files.display().to_string(),
        case_dir.join("absent").display().to_string(),
    ]);
    let good = BTreeMap::from([
        ("items", vec![f("items.csv")]),
        ("anchors", vec![f("items.csv")]),
        ("responses", vec![f("wide.csv"), f("long.csv"), "1,0,1".into()]),
        ("thetas", vec![f("thetas.csv")]),
        ("group", vec![f("group.csv")]),
        ("reference", vec!["ref".into()]),
        ("exposure-params", vec![f("exposure.csv")]),
        ("pseudonymise-key-file", vec![f("key")]),
        ("bank", vec![case_dir.join("bank").display().to_string()]),
        ("db", vec![db.display().to_string()]),
        ("out", vec![case_dir.join("out.csv").display().to_string()]),
        (
            "agent",
            vec![
                "alice@example.fr".into(),
                "dom@example.fr".into(),
                "new@example.fr".into(),
            ],
        ),
        ("organisation", vec!["dgfip".into()]),
        ("campaign", vec!["c1".into()]),
        ("competences", vec!["1.1".into(), "1.1,3.4".into()]),
        ("theta", vec!["0.5".into(), "-1".into()]),
        ("simulate-theta", vec!["0.5".into(), "-1".into()]),
        ("older-than", vec!["30d".into(), "20000y".into()]),
    ]);
    Pool {
        values,
        good,
        numbers,
        times,
        text,
        files: files_range,
        dirs,
    }
}

fn case_strategy(n_commands: usize, pool_len: usize) -> impl Strategy<Value = Case> {
    let arg = prop_oneof![
        20 => (0..64usize, 0..pool_len).prop_map(|(f, v)| Arg::Flag(f, v)),
        1 => (0..pool_len).prop_map(Arg::Positional),
        1 => "[-a-z0-9=,. ]{0,12}".prop_map(Arg::Stray),
    ];
    let stdin = prop_oneof![
        3 => Just(Vec::new()),
        3 => proptest::collection::vec(
            prop_oneof![
                Just(b"1\n".to_vec()),
                Just(b"2\n".to_vec()),
                Just(b"1,3\n".to_vec()),
                Just(b"?\n".to_vec()),
                Just(b"-\n".to_vec()),
                Just(b"a | b\n".to_vec()),
                Just(b"2,5\n".to_vec()),
                Just(b"\xff\xfe\n".to_vec()),
                Just(b"\n".to_vec()),
                proptest::collection::vec(any::<u8>(), 0..40),
            ],
            0..60
        )
        .prop_map(|parts| parts.concat()),
    ];
    (0..n_commands, proptest::collection::vec(arg, 0..5), stdin).prop_map(|(command, args, stdin)| Case {
        command,
        args,
        stdin,
    })
}

/// The sections a flag's values come from, by its value's name in the help (`<FILE>`, `<N>`…).
fn sections<'p>(p: &'p Pool, value_name: &str) -> Vec<&'p std::ops::Range<usize>> {
    match value_name {
        "FILE" | "OUT" | "F" | "KEYS" | "TEMPLATE" => vec![&p.files, &p.files, &p.text],
        "DIR" => vec![&p.dirs, &p.dirs, &p.text],
        "DURATION" | "T" if value_name == "DURATION" => vec![&p.times, &p.numbers],
        "N" | "K" | "R" | "X" | "T" | "SD" | "P" | "SEED" | "S" | "SCALE" | "START_THETA" | "LEVELS"
        | "LO,HI" => {
            vec![&p.numbers, &p.numbers, &p.text]
        }
        _ => vec![&p.text, &p.times, &p.numbers, &p.files],
    }
}

/// The case's command line. Values are attached with `=` (`--theta=-1.5`) so that the parser
/// sees values, not flags; a flag appears once.
fn command_line(spec: &Spec, case: &Case, p: &Pool) -> Vec<String> {
    let values = &p.values;
    let mut out = spec.path.clone();
    let mut used = std::collections::HashSet::new();
    let mut k = case.stdin.len().wrapping_add(case.args.len());
    let mut pick = |name: &str, value_name: &str, possible: &[String], v: usize| -> String {
        k = k.wrapping_mul(31).wrapping_add(v).wrapping_add(7);
        if !possible.is_empty() && !k.is_multiple_of(6) {
            return possible[k % possible.len()].clone();
        }
        if let Some(good) = p.good.get(name)
            && k % 5 < 3
        {
            return good[(k / 5) % good.len()].clone();
        }
        // counts and sizes at their edges, often: where allocations and loops overflow
        if matches!(
            value_name,
            "N" | "K" | "R" | "X" | "SEED" | "P" | "SD" | "T" | "LO,HI" | "MAX_LEVEL" | "ROUND"
        ) && k.is_multiple_of(3)
        {
            const EDGES: [&str; 8] = [
                "18446744073709551615",
                "4294967296",
                "100000000",
                "0",
                "-1",
                "1e308",
                "NaN",
                "-1e308,1e308",
            ];
            return EDGES[(k / 3) % EDGES.len()].to_string();
        }
        let ranges = sections(p, value_name);
        let r = ranges[(k / 7) % ranges.len()];
        values[r.start + (k / 3) % r.len()].clone()
    };
    let mut flag = |f: usize, v: usize, good_only: bool, out: &mut Vec<String>| {
        let (name, value, possible) = &spec.flags[f];
        if !used.insert(f) {
            return;
        }
        match value {
            Some(_) if good_only => {
                let good = &p.good[name.as_str()];
                out.push(format!("--{name}={}", good[v % good.len()]));
            }
            Some(vn) => out.push(format!("--{name}={}", pick(name, vn, possible, v))),
            None => out.push(format!("--{name}")),
        }
    };
    // what the usage line requires, most of the time: deeper paths than the parser's refusals
    if !case.command.is_multiple_of(5) {
        for (j, &f) in spec.required.iter().enumerate() {
            flag(f, j, false, &mut out);
        }
        for p in 0..spec.positionals {
            let v = values[(case.stdin.len() + 13 * p + case.args.len()) % values.len()].clone();
            out.push(v);
        }
        // one or two flags with good values (`--items`, `--bank`, `--agent`…), which many
        // commands need one of
        let good: Vec<usize> = (0..spec.flags.len())
            .filter(|&f| spec.flags[f].1.is_some() && p.good.contains_key(spec.flags[f].0.as_str()))
            .collect();
        if !good.is_empty() {
            let first = good[case.command.wrapping_mul(7).wrapping_add(case.args.len()) % good.len()];
            flag(first, case.stdin.len(), true, &mut out);
        }
    }
    for a in &case.args {
        match a {
            Arg::Flag(f, v) if !spec.flags.is_empty() => flag(f % spec.flags.len(), *v, false, &mut out),
            Arg::Flag(..) => {}
            Arg::Positional(v) => out.push(values[v % values.len()].clone()),
            Arg::Stray(s) => out.push(s.clone()),
        }
    }
    // the database of the case unless the case names one
    if spec.flags.iter().any(|(n, ..)| n == "db")
        && !out.iter().any(|a| a.starts_with("--db"))
        && !case.command.is_multiple_of(3)
    {
        out.push("--db=DB".into());
    }
    out
}

/// The first of the devices the cases reach through links that is no longer one.
fn damaged_device() -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    ["/dev/null", "/dev/zero"]
        .into_iter()
        .find(|d| !std::fs::symlink_metadata(d).is_ok_and(|m| m.file_type().is_char_device()))
}

/// The per-invocation time limit: a command still running then is stopped and counted as slow
/// (a large simulation may legitimately take long), not as a failure.
const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn arbitrary_command_lines_never_panic_and_never_damage_the_database() {
    let cases: u32 = std::env::var("JAUGE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(160);
    let budget = Duration::from_secs(
        std::env::var("JAUGE_FUZZ_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100),
    );
    let seed: u64 = std::env::var("JAUGE_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x004A_4155_4745);
    let mut specs = Vec::new();
    commands(Vec::new(), &mut specs);
    assert!(specs.len() >= 25, "the command tree: {specs:?}");
    let world = world();
    let bank_src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bank-examples");
    let files = world.dir.0.join("files");
    let started = Instant::now();
    let ran = AtomicUsize::new(0);
    let slow = AtomicUsize::new(0);
    let per_status_cell = std::sync::Mutex::new(BTreeMap::<String, usize>::new());
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 200,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let case_no = AtomicUsize::new(0);
    let result = runner.run(&case_strategy(specs.len(), 100), |case| {
        if started.elapsed() > budget {
            return Ok(());
        }
        let k = case_no.fetch_add(1, Ordering::Relaxed);
        let dir = world.dir.0.join(format!("case-{k}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bank/1.1")).unwrap();
        std::fs::copy(bank_src.join("framework.toml"), dir.join("bank/framework.toml")).unwrap();
        for e in std::fs::read_dir(bank_src.join("1.1")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dir.join("bank/1.1").join(e.file_name())).unwrap();
        }
        // `--bank` defaults to `item-bank`, relative to the folder the command runs in
        std::os::unix::fs::symlink(dir.join("bank"), dir.join("item-bank")).unwrap();
        std::os::unix::fs::symlink("/dev/null", dir.join("null")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.join("zero")).unwrap();
        let db = dir.join("jauge.db");
        std::fs::copy(&world.db, &db).unwrap();
        let values = pool(&files, &db, &dir);
        let spec = &specs[case.command % specs.len()];
        let args: Vec<String> = command_line(spec, &case, &values)
            .into_iter()
            .map(|a| {
                if a == "--db=DB" {
                    format!("--db={}", db.display())
                } else {
                    a
                }
            })
            .collect();
        let mut child = Command::new("sh")
            .arg("-c")
            // 3 GiB of address space: an unbounded allocation aborts instead of taking the machine
            .arg("ulimit -v 3145728; exec \"$0\" \"$@\"")
            .arg(bin())
            .args(&args)
            .current_dir(&dir)
            .env("JAUGE_DB", &db)
            .env("HOME", &dir)
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("JAUGE_LOCK_WAIT", "5")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            let _ = stdin.write_all(&case.stdin);
        }
        let status = common::procs::wait_at_most(&mut child, LIMIT);
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        ran.fetch_add(1, Ordering::Relaxed);
        let shown = args
            .iter()
            .map(|a| format!("{a:?}"))
            .collect::<Vec<_>>()
            .join(" ");
        if std::env::var_os("JAUGE_FUZZ_VERBOSE").is_some() {
            eprintln!(
                "{:?} jauge {shown}\n    {}",
                status.map(|s| s.code()),
                err.lines().next().unwrap_or("")
            );
        }
        let Some(status) = status else {
            slow.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        };
        *per_status_cell
            .lock()
            .unwrap()
            .entry(format!("{:?}", status.code()))
            .or_default() += 1;
        let survey = std::env::var_os("JAUGE_FUZZ_SURVEY").is_some();
        let fail = |m: String| -> Result<(), TestCaseError> {
            if survey {
                eprintln!("FAILURE {m}\n");
                Ok(())
            } else {
                Err(TestCaseError::fail(m))
            }
        };
        // every path a case names is inside its folder; the machine's devices stay devices (an
        // export once renamed a file over `/dev/null`)
        if let Some(d) = damaged_device() {
            return Err(TestCaseError::fail(format!(
                "{d} is no longer a character device after: jauge {shown}\n{err}"
            )));
        }
        if err.contains("panicked") {
            let first = err.lines().find(|l| l.contains("panicked")).unwrap_or("");
            return fail(format!("panic: jauge {shown}\n{first}\n{err}"));
        }
        match status.code() {
            Some(0..=2) => {}
            other => {
                let first = err.lines().next().unwrap_or("");
                return fail(format!("exit {other:?} ({status:?}): jauge {shown}\n{first}"));
            }
        }
        if db.exists() && std::fs::metadata(&db).is_ok_and(|m| m.len() > 0) {
            let ok = rusqlite::Connection::open(&db)
                .and_then(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)))
                .map_err(|e| e.to_string());
            // a case may have named the database as its output and been refused: it stays a database
            if ok.as_deref() != Ok("ok") {
                return fail(format!("integrity_check {ok:?} after: jauge {shown}\n{err}"));
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    });
    eprintln!(
        "cli fuzz: {} run(s) in {:.0} s ({} stopped at the {} s limit), seed {seed}, exits {:?}",
        ran.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
        slow.load(Ordering::Relaxed),
        LIMIT.as_secs(),
        per_status_cell.lock().unwrap()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
