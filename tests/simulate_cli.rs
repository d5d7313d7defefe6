//! `jauge simulate` end to end: the contract's flags and outputs, and the independent NumPy
//! reference of `tests/reference/simulate_reference.py`.

use std::path::PathBuf;
use std::process::Command;

fn jauge(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jauge"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn data(p: &str) -> String {
    format!("{}/tests/{p}", env!("CARGO_MANIFEST_DIR"))
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("jauge-sim-{}-{name}", std::process::id()))
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).expect("one JSON document")
}

/// Compares an `--out` file with the reference's expected run: same items in the same order,
/// θ and SE to 1e−9.
fn check_against_reference(extra: &[&str], expected: &str) {
    let out = tmp(expected);
    let o = out.to_string_lossy().into_owned();
    let items = data("reference/ref_items.csv");
    let resp = data("reference/ref_responses.csv");
    let thetas = data("reference/ref_thetas.csv");
    let mut args = vec![
        "simulate",
        "--items",
        &items,
        "--responses",
        &resp,
        "--thetas",
        &thetas,
        "--out",
        &o,
        "--json",
        "--threads",
        "2",
    ];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = jauge(&args);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["examinees"], 60);
    let got = std::fs::read_to_string(&out).unwrap();
    let want = std::fs::read_to_string(data(&format!("reference/{expected}"))).unwrap();
    let _ = std::fs::remove_file(&out);
    let got: Vec<&str> = got.lines().skip(1).collect();
    let want: Vec<&str> = want.lines().skip(1).collect();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        // ours: id,true_theta,theta,se,length,items; reference: id,theta,se,length,items
        let g: Vec<&str> = g.split(',').collect();
        let w: Vec<&str> = w.split(',').collect();
        assert_eq!(g[0], w[0]);
        assert_eq!(g[5], w[4], "items of {}", g[0]);
        assert_eq!(g[4], w[3]);
        let (gt, wt): (f64, f64) = (g[2].parse().unwrap(), w[1].parse().unwrap());
        let (gs, ws): (f64, f64) = (g[3].parse().unwrap(), w[2].parse().unwrap());
        assert!((gt - wt).abs() < 1e-9 && (gs - ws).abs() < 1e-9, "{g:?} vs {w:?}");
    }
}

#[test]
fn matches_the_numpy_reference_fixed_length() {
    check_against_reference(&[], "ref_fixed20.csv");
}

#[test]
fn matches_the_numpy_reference_with_an_se_target() {
    check_against_reference(
        &["--length", "15", "--min-length", "5", "--se-target", "0.4"],
        "ref_se04.csv",
    );
}

#[test]
fn matches_the_numpy_reference_with_posterior_weighted_kl() {
    check_against_reference(&["--length", "10", "--select", "kl"], "ref_kl10.csv");
}

#[test]
fn matches_the_numpy_reference_with_map_mle_and_wle() {
    for est in ["map", "mle", "wle"] {
        check_against_reference(
            &["--length", "10", "--estimator", est],
            &format!("ref_{est}10.csv"),
        );
    }
}

#[test]
fn every_rule_and_estimator_runs() {
    let items = data("reference/ref_items.csv");
    for select in ["mfi", "kl", "random"] {
        for est in ["eap", "map", "mle", "wle"] {
            let (code, stdout, stderr) = jauge(&[
                "simulate",
                "--items",
                &items,
                "--examinees",
                "20",
                "--length",
                "6",
                "--select",
                select,
                "--estimator",
                est,
                "--randomesque",
                "2",
                "--json",
            ]);
            assert_eq!(code, 0, "{select} {est}: {stderr}");
            let v = json(&stdout);
            assert_eq!(v["mean_length"], 6.0);
            assert!(v["rmse"].as_f64().unwrap().is_finite());
        }
    }
}

#[test]
fn json_keys_out_file_and_negative_flags() {
    let items = data("data/peers/bank_1000.csv");
    let out = tmp("out.csv");
    let o = out.to_string_lossy().into_owned();
    let (code, stdout, stderr) = jauge(&[
        "simulate",
        "--items",
        &items,
        "--examinees",
        "30",
        "--length",
        "5",
        "--start-theta",
        "-0.5",
        "--range",
        "-4,4",
        "--seed",
        "3",
        "--out",
        &o,
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let v = json(&stdout);
    for key in [
        "examinees",
        "mean_length",
        "rmse",
        "bias",
        "correlation",
        "mean_se",
        "max_exposure",
        "seconds",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["examinees"], 30);
    assert_eq!(v["mean_length"], 5.0);
    let text = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id,true_theta,theta,se,length,items"));
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(first[0], "0");
    assert_eq!(first[4], "5");
    assert_eq!(first[5].split(' ').count(), 5);
    // the same seed gives the same document whatever the threads (but for the time)
    let run = |t: &str| {
        let (_, s, _) = jauge(&[
            "simulate",
            "--items",
            &items,
            "--examinees",
            "30",
            "--length",
            "5",
            "--seed",
            "3",
            "--threads",
            t,
            "--json",
        ]);
        let mut v = json(&s);
        v["seconds"] = serde_json::Value::Null;
        v["us_per_item"] = serde_json::Value::Null;
        v["threads"] = serde_json::Value::Null;
        v
    };
    assert_eq!(run("1"), run("2"));
    // a negative range parses, and a bad one is a usage error
    let (code, _, _) = jauge(&[
        "simulate",
        "--items",
        &items,
        "--examinees",
        "3",
        "--range",
        "-3,3",
    ]);
    assert_eq!(code, 0);
    let (code, _, err) = jauge(&["simulate", "--items", &items, "--range", "4,-4"]);
    assert_eq!(code, 2);
    assert!(err.contains("--range"), "{err}");
}

#[test]
fn accuracy_is_null_without_true_abilities() {
    let items = data("reference/ref_items.csv");
    let resp = data("reference/ref_responses.csv");
    let (code, stdout, _) = jauge(&[
        "simulate",
        "--items",
        &items,
        "--responses",
        &resp,
        "--length",
        "3",
        "--json",
    ]);
    assert_eq!(code, 0);
    let v = json(&stdout);
    assert!(v["rmse"].is_null() && v["bias"].is_null() && v["correlation"].is_null());
}

#[test]
fn exposure_out_and_params_round_trip() {
    let items = data("reference/ref_items.csv");
    let k = tmp("k.csv");
    let ks = k.to_string_lossy().into_owned();
    let (code, stdout, stderr) = jauge(&[
        "simulate",
        "--items",
        &items,
        "--examinees",
        "300",
        "--length",
        "10",
        "--exposure-target",
        "0.3",
        "--exposure-out",
        &ks,
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let v = json(&stdout);
    assert!(v["max_exposure"].as_f64().unwrap() < 0.4, "{v}");
    let text = std::fs::read_to_string(&k).unwrap();
    assert!(text.starts_with("id,k\n"));
    assert_eq!(text.lines().count(), 201);
    let (code, stdout, stderr) = jauge(&[
        "simulate",
        "--items",
        &items,
        "--examinees",
        "300",
        "--length",
        "10",
        "--exposure-params",
        &ks,
        "--json",
    ]);
    let _ = std::fs::remove_file(&k);
    assert_eq!(code, 0, "{stderr}");
    assert!(json(&stdout)["max_exposure"].as_f64().unwrap() < 0.4);
    // infeasible: 10 items at r = 0.01 need 1,000 items
    let (code, _, err) = jauge(&[
        "simulate",
        "--items",
        &items,
        "--examinees",
        "10",
        "--length",
        "10",
        "--exposure-target",
        "0.01",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("infeasible"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let items = data("reference/ref_items.csv");
    assert_eq!(jauge(&["simulate"]).0, 2);
    assert_eq!(jauge(&["simulate", "--items", &items, "--select", "skills"]).0, 2);
    assert_eq!(jauge(&["simulate", "--items", "/nonexistent.csv"]).0, 2);
    assert_eq!(jauge(&["simulate", "--items", &items, "--length", "0"]).0, 2);
    let (code, _, err) = jauge(&[
        "simulate",
        "--items",
        &items,
        "--responses",
        &data("data/example_items.csv"),
    ]);
    assert_eq!(code, 2, "{err}");
}
