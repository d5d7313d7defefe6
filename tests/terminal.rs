//! The trainer's terminal (issue #13), end to end: the bundled bank from any directory, the
//! printed resume command run as printed, the language of every error path, the wrap at 60
//! columns, `?` and the empty answer in plain mode, the profile screen, `--competences` with
//! spaces, `campaign show`.

mod common;

use std::process::{Command, Output, Stdio};

use common::TempDir;
use common::procs::{bin, cmd, text};

/// `jauge ARGS` run in `dir` (not the clone: no `item-bank/` there), stdin `input`, extra env.
fn run_in(dir: &std::path::Path, args: &[&str], input: &str, env: &[(&str, &str)]) -> Output {
    let mut c = cmd(args);
    c.current_dir(dir).stdin(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("the jauge binary runs");
    let mut stdin = child.stdin.take().expect("a pipe");
    let _ = std::io::Write::write_all(&mut stdin, input.as_bytes());
    drop(stdin);
    child.wait_with_output().expect("the jauge binary ends")
}

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bank-examples");

#[test]
fn the_bundled_bank_works_from_any_directory_and_the_resume_command_works_as_printed() {
    let dir = TempDir::new("resume");
    let db = dir.db();
    // a plain session from a directory that has no item bank, stopped after two answers
    let o = run_in(
        &dir.0,
        &[
            "assess",
            "--agent",
            "o'brien",
            "--db",
            &db,
            "--competences",
            "1.1, 4.2",
            "--plain",
        ],
        "?\n?\n",
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("Pour la reprendre, tapez\u{202f}:"), "{err}");
    let printed = err.lines().last().unwrap().trim().to_owned();
    assert!(
        printed.contains("'o'\\''brien'") && printed.ends_with("--resume --plain"),
        "{printed}"
    );
    // run exactly as printed, by a shell, from another directory
    let elsewhere = TempDir::new("resume-elsewhere");
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(&printed)
        .current_dir(&elsewhere.0)
        .env_remove("JAUGE_DB")
        .env_remove("JAUGE_LANG")
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = sh.spawn().unwrap();
    let _ = std::io::Write::write_all(&mut child.stdin.take().unwrap(), "?\n".repeat(40).as_bytes());
    let o = child.wait_with_output().unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}{}", text(&o.stdout));
    assert!(
        err.contains("Reprise de la session") && err.contains("2 réponses déjà enregistrées"),
        "{err}"
    );
    let out = text(&o.stdout);
    assert!(out.contains("Votre profil"), "{out}");
    // the program is named as it can be typed: the absolute path of this build
    let exe = std::path::Path::new(&bin()).canonicalize().unwrap();
    assert!(
        printed.starts_with(&exe.display().to_string()) || printed.starts_with("jauge "),
        "{printed}"
    );
}

#[test]
fn errors_follow_the_language() {
    let dir = TempDir::new("errors");
    let db = dir.db();
    // an assessment creates the database
    let o = run_in(
        &dir.0,
        &[
            "assess",
            "--agent",
            "a",
            "--db",
            &db,
            "--simulate-theta",
            "0",
            "--seed",
            "1",
            "--competences",
            "1.1",
        ],
        "",
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["profile", "show", "nobody"],
            "erreur\u{202f}: agent inconnu «\u{202f}nobody\u{202f}»",
            "error: unknown agent `nobody`",
        ),
        (
            &["assess", "--agent", "b", "--campaign", "nope"],
            "campagne inconnue «\u{202f}nope\u{202f}»",
            "unknown campaign `nope`",
        ),
        (
            &["assess", "--agent", "b", "--bank", "/nonexistent-bank"],
            "pas de banque de questions dans /nonexistent-bank",
            "no item bank at /nonexistent-bank",
        ),
        (
            &["assess", "--agent", "b", "--simulate-theta", "NaN"],
            "donnez un nombre fini",
            "give a finite number",
        ),
        (
            &["campaign", "show", "nope"],
            "campagne inconnue «\u{202f}nope\u{202f}»",
            "unknown campaign `nope`",
        ),
    ];
    for (args, fr, en) in cases {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--db", &db]);
        let o = run_in(&dir.0, &a, "", &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(text(&o.stderr).contains(fr), "{args:?}: {}", text(&o.stderr));
        // JAUGE_LANG, then --lang, then the locale
        let o = run_in(&dir.0, &a, "", &[("JAUGE_LANG", "en")]);
        assert!(text(&o.stderr).contains(en), "{args:?}: {}", text(&o.stderr));
        let mut with_flag = a.clone();
        with_flag.extend(["--lang", "en"]);
        let o = run_in(&dir.0, &with_flag, "", &[("JAUGE_LANG", "fr")]);
        assert!(text(&o.stderr).contains(en), "{args:?}: {}", text(&o.stderr));
        let o = run_in(&dir.0, &a, "", &[("LANG", "en_GB.UTF-8")]);
        assert!(text(&o.stderr).contains(en), "{args:?}: {}", text(&o.stderr));
    }
    // an answer refused by the checker, in English
    let o = run_in(
        &dir.0,
        &[
            "assess", "--agent", "c", "--db", &db, "--bank", EXAMPLES, "--seed", "3", "--lang", "en",
            "--plain",
        ],
        "a hundred\n",
        &[],
    );
    let out = text(&o.stdout);
    assert!(
        out.contains("Invalid answer: \"a hundred\" is not a number"),
        "{out}"
    );
    assert!(!out.contains("Réponse"), "{out}");
}

#[test]
fn text_wraps_at_60_columns_between_words_in_both_modes_of_output() {
    let dir = TempDir::new("wrap");
    let db = dir.db();
    for lang in ["fr", "en"] {
        let agent = format!("w-{lang}");
        let o = run_in(
            &dir.0,
            &[
                "assess",
                "--agent",
                &agent,
                "--db",
                &db,
                "--competences",
                "1.1,4.2",
                "--plain",
                "--lang",
                lang,
            ],
            &"?\n".repeat(40),
            &[("COLUMNS", "60")],
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let out = text(&o.stdout);
        // the prompt lines end with "> " and have no newline: split on it too
        for line in out.lines().flat_map(|l| l.split("> ")) {
            assert!(
                line.chars().count() <= 60,
                "{lang}: a line over 60 columns: {line:?}"
            );
        }
        assert!(out.contains(if lang == "fr" {
            "Votre profil"
        } else {
            "Your profile"
        }));
        // options are numbered with a hanging indent: a wrapped option goes on under its text
        let lines: Vec<&str> = out.lines().collect();
        for w in lines.windows(2) {
            if w[0].starts_with("  1. ") && w[0].chars().count() > 50 && !w[1].starts_with("  2. ") {
                assert!(w[1].starts_with("     "), "{:?}", w);
            }
        }
        // the profile shows levels out of the highest open level, pix out of the maximum
        assert!(
            out.contains(if lang == "fr" { " sur 7 · " } else { " of 7 · " }),
            "{out}"
        );
        let shown = run_in(
            &dir.0,
            &["profile", "show", &agent, "--db", &db, "--lang", lang],
            "",
            &[("COLUMNS", "60")],
        );
        for line in text(&shown.stdout).lines() {
            assert!(line.chars().count() <= 60, "{line:?}");
        }
    }
}

#[test]
fn plain_mode_knows_question_marks_and_confirms_empty_answers() {
    let dir = TempDir::new("plain");
    let db = dir.db();
    // the example bank asks a number first with this seed: an empty line is refused (not a
    // number); `?` is "I don't know"
    let o = run_in(
        &dir.0,
        &[
            "assess", "--agent", "p", "--db", &db, "--bank", EXAMPLES, "--seed", "3", "--plain", "--lang",
            "en",
        ],
        &"?\n".repeat(30),
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("(? if you don't know) > "), "{out}");
    assert!(
        out.contains("Your answer: I don't know"),
        "the missed questions say it: {out}"
    );
    assert!(out.contains("Expected: "), "{out}");
}

#[test]
fn campaign_show_is_a_table_of_agents_with_their_status() {
    let dir = TempDir::new("campaign");
    let db = dir.db();
    let ok = |args: &[&str]| {
        let mut a = args.to_vec();
        a.extend(["--db", &db]);
        let o = run_in(&dir.0, &a, "", &[]);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
        o
    };
    // an organisation's name is any text; its code stays restricted
    ok(&[
        "organisation",
        "create",
        "mi",
        "--name",
        "Ministère de l'Intérieur (DGCL) — Pôle 2",
    ]);
    let list = text(&ok(&["organisation", "list"]).stdout);
    assert!(
        list.contains("Ministère de l'Intérieur (DGCL) — Pôle 2"),
        "{list}"
    );
    ok(&[
        "campaign",
        "create",
        "rh-2026",
        "--organisation",
        "mi",
        "--competences",
        "1.1, 4.2",
    ]);
    ok(&[
        "assess",
        "--agent",
        "alice",
        "--organisation",
        "mi",
        "--campaign",
        "rh-2026",
        "--simulate-theta",
        "0.5",
        "--seed",
        "2",
    ]);
    // bob starts and stops
    let o = run_in(
        &dir.0,
        &[
            "assess",
            "--agent",
            "bob",
            "--organisation",
            "mi",
            "--campaign",
            "rh-2026",
            "--plain",
            "--db",
            &db,
        ],
        "?\n",
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    ok(&["agent", "adjust", "carol", "--time-factor", "1"]);
    // laid out at 100 columns, as in a terminal
    let o = run_in(
        &dir.0,
        &["campaign", "show", "rh-2026", "--db", &db],
        "",
        &[("COLUMNS", "100")],
    );
    let shown = text(&o.stdout);
    assert!(shown.contains("Campagne rh-2026"), "{shown}");
    let line = |who: &str| {
        shown
            .lines()
            .find(|l| l.starts_with(who))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        line("alice").contains("terminée le") && line("alice").contains("1.1\u{202f}: "),
        "{shown}"
    );
    assert!(line("bob ").contains("en cours (1 réponse)"), "{shown}");
    let j: serde_json::Value =
        serde_json::from_slice(&ok(&["campaign", "show", "rh-2026", "--json"]).stdout).unwrap();
    let statuses: Vec<(&str, &str)> = j["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["agent"].as_str().unwrap(), a["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [("alice", "finished"), ("bob", "in_progress")]);
    assert_eq!(j["name"], "rh-2026");
}
