//! End-to-end: no input makes Jauge panic or exhaust memory. Dates and durations at the edges of
//! what a timestamp can hold; input files that never end (`/dev/zero`), read by every command
//! that reads a file, under a memory limit: each ends with a message naming the file and the
//! limit, exit 2.

use std::process::Output;
use std::time::{Duration, Instant};

mod common;
use common::TempDir;
use common::procs::{assert_clean, bin, jauge, raw_sqlite, text};

/// Runs `jauge ARGS` with its address space limited to `mib` MiB (as `ulimit -v` does), so that
/// an unbounded read ends in an allocation failure instead of taking the machine's memory.
fn jauge_limited(mib: u64, args: &[&str]) -> Output {
    let mut c = std::process::Command::new("sh");
    c.arg("-c")
        .arg(format!("ulimit -v {}; exec \"$0\" \"$@\"", mib * 1024))
        .arg(bin())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("JAUGE_DB")
        .stdin(std::process::Stdio::null());
    c.output().unwrap()
}

fn no_panic(what: &str, o: &Output) {
    let err = text(&o.stderr);
    assert!(!err.contains("panicked"), "{what}: a panic\n{err}");
    assert!(
        matches!(o.status.code(), Some(0..=2)),
        "{what}: ended by {:?}\n{err}",
        o.status
    );
}

#[test]
fn durations_and_dates_at_the_edges_never_panic() {
    let dir = TempDir::new("dates");
    let db = dir.db();
    let o = jauge(&[
        "assess",
        "--agent",
        "a@example.fr",
        "--simulate-theta",
        "0",
        "--competences",
        "1.1",
        "--db",
        &db,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for d in [
        "20000y",
        "9223372036854775807s",
        "106751991167300d",
        "292471208677y",
        "0s",
    ] {
        let o = jauge(&["purge", "--older-than", d, "--db", &db, "--json"]);
        no_panic(d, &o);
        assert_clean(&o, d);
        assert_eq!(o.status.code(), Some(0), "{d}: {}", text(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        if d != "0s" {
            assert_eq!(v["sessions"], 0, "{d}: nothing is that old");
        }
    }
    for d in ["99999999999999999999y", "-1d", "1.5d", "1e3s", "", "y"] {
        let o = jauge(&["purge", "--older-than", d, "--db", &db]);
        no_panic(d, &o);
        assert_eq!(o.status.code(), Some(2), "{d:?}");
    }
    let out = dir.0.join("x.csv");
    let edges = [
        "9999-12-30",
        "9999-12-31",
        "-009999-01-01",
        "-009999-01-02",
        "0000-01-01",
        "9999-12-30T23:59:59Z",
        "9999-12-31T23:59:59.999999999Z",
        "2026-02-30",
    ];
    for t in edges {
        for flag in ["--since", "--until"] {
            let o = jauge(&[
                "export",
                "--format",
                "csv",
                "--out",
                out.to_str().unwrap(),
                "--force",
                "--db",
                &db,
                flag,
                t,
            ]);
            no_panic(&format!("export {flag} {t}"), &o);
        }
        for flag in ["--opens", "--closes"] {
            let name = format!("c{}", t.len());
            let o = jauge(&[
                "campaign",
                "create",
                &name,
                "--competences",
                "1.1",
                flag,
                t,
                "--db",
                &db,
            ]);
            no_panic(&format!("campaign create {flag} {t}"), &o);
        }
    }
}

#[test]
fn endless_input_files_are_refused_with_their_limit() {
    let dir = TempDir::new("endless");
    let db = dir.db();
    let o = jauge(&["organisation", "create", "o", "--db", &db]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let items = dir.0.join("items.csv");
    std::fs::write(&items, "id,a,b\nq1,1,0\nq2,1.2,0.5\n").unwrap();
    let items = items.to_str().unwrap();
    // a bank whose framework never ends
    let bank = dir.0.join("bank");
    std::fs::create_dir_all(&bank).unwrap();
    std::os::unix::fs::symlink("/dev/zero", bank.join("framework.toml")).unwrap();
    let bank = bank.to_str().unwrap();
    let out = dir.0.join("x.csv");
    let out = out.to_str().unwrap();
    let z = "/dev/zero";
    let runs: Vec<Vec<&str>> = vec![
        vec!["calibrate", "--responses", z, "--model", "1pl"],
        vec!["calibrate", "--responses", z, "--model", "2pl", "--json"],
        vec!["items", "analyse", "--responses", z],
        vec!["irt", "estimate", "--items", z, "--responses", "1,0"],
        vec!["irt", "info", "--items", z, "--theta", "0"],
        vec!["simulate", "--items", z],
        vec!["simulate", "--items", items, "--thetas", z],
        vec!["simulate", "--items", items, "--responses", z],
        vec![
            "simulate",
            "--items",
            items,
            "--exposure-params",
            z,
            "--examinees",
            "5",
        ],
        vec![
            "export",
            "--format",
            "csv",
            "--out",
            out,
            "--db",
            &db,
            "--pseudonymise-key-file",
            z,
        ],
        vec!["bank", "validate", bank],
        vec![
            "assess",
            "--agent",
            "a",
            "--simulate-theta",
            "0",
            "--bank",
            bank,
            "--db",
            &db,
        ],
    ];
    for args in runs {
        let what = args.join(" ");
        let start = Instant::now();
        let o = jauge_limited(1024, &args);
        no_panic(&what, &o);
        assert!(
            raw_sqlite(&text(&o.stderr)).is_none(),
            "{what}: {}",
            text(&o.stderr)
        );
        // 1 for `bank validate` (problems found), 2 for the others (unreadable input)
        assert!(
            matches!(o.status.code(), Some(1 | 2)),
            "{what}: exit {:?}",
            o.status
        );
        let err = text(&o.stderr);
        assert!(
            err.contains("/dev/zero") || err.contains("framework.toml"),
            "{what}: names the file\n{err}"
        );
        assert!(
            err.contains("longer than") || err.contains("larger than") || err.contains("not a regular file"),
            "{what}: says which limit\n{err}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what}: {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn counts_and_sizes_at_their_edges_never_panic_or_exhaust_memory() {
    // found by the command-line harness (tests/cli_fuzz.rs): counts given on the command line
    // sized allocations and loops without a bound
    let dir = TempDir::new("counts");
    let items = dir.0.join("items.csv");
    std::fs::write(&items, "id,a,b\nq1,1.2,-0.5\nq2,0.8,0.3\nq3,1.5,1.1\n").unwrap();
    let items = items.to_str().unwrap();
    for v in ["18446744073709551615", "4294967296", "100000000"] {
        let runs: Vec<Vec<&str>> = vec![
            vec!["simulate", "--items", items, "--examinees", v],
            vec!["simulate", "--items", items, "--examinees", "3", "--length", v],
            vec![
                "simulate",
                "--items",
                items,
                "--examinees",
                "3",
                "--min-length",
                v,
            ],
            vec![
                "simulate",
                "--items",
                items,
                "--examinees",
                "3",
                "--quadrature",
                v,
            ],
            vec![
                "simulate",
                "--items",
                items,
                "--examinees",
                "3",
                "--randomesque",
                v,
            ],
            vec!["simulate", "--bank", "item-bank", "--examinees", v],
            vec![
                "irt",
                "estimate",
                "--items",
                items,
                "--responses",
                "1,0,1",
                "--quadrature",
                v,
            ],
        ];
        for args in runs {
            let what = args.join(" ");
            let start = Instant::now();
            let o = jauge_limited(3072, &args);
            no_panic(&what, &o);
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{what}: {:?}",
                start.elapsed()
            );
        }
    }
}
