//! End-to-end tests of `jauge irt estimate` and `jauge irt info`, running the built binary.
//! Expected numbers are hand-worked (closed forms noted at each test).

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

fn jauge(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jauge"))
        .args(args)
        .output()
        .expect("the jauge binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A file in the system temp directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(content: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "jauge-cli-irt-{}-{}.csv",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, content).expect("temp file written");
        Self(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn json(stdout: &str) -> serde_json::Value {
    // exactly one JSON document on stdout
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not one JSON document ({e}): {stdout}"))
}

fn f(v: &serde_json::Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("`{key}` is not a number in {v}"))
}

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/example_items.csv");

/// Five Rasch items of difficulty 0.5.
const RASCH5: &str = "id,a,b\nr1,1,0.5\nr2,1,0.5\nr3,1,0.5\nr4,1,0.5\nr5,1,0.5\n";

#[test]
fn estimate_json_has_the_contract_keys() {
    let (code, out, err) = jauge(&[
        "irt",
        "estimate",
        "--items",
        EXAMPLE,
        "--responses",
        "1,1,0,1,.",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["estimator"], "eap");
    assert_eq!(v["bounded"], false);
    assert!(f(&v, "theta").is_finite() && f(&v, "se") > 0.0);
}

#[test]
fn mle_of_equal_rasch_items_is_closed_form() {
    // all b = 0.5: θ̂ = b + ln(r/(n − r)) = 0.5 + ln(3/2); I = n P Q = 5 · 0.6 · 0.4 = 1.2
    let items = TempFile::new(RASCH5);
    let (code, out, err) = jauge(&[
        "irt",
        "estimate",
        "--items",
        items.path(),
        "--responses",
        "1,1,0,1,0",
        "--estimator",
        "mle",
        "--range",
        "-4,4",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert!((f(&v, "theta") - (0.5 + 1.5f64.ln())).abs() < 1e-9, "{v}");
    assert!((f(&v, "se") - 1.0 / 1.2f64.sqrt()).abs() < 1e-9, "{v}");
    assert_eq!(v["estimator"], "mle");
}

#[test]
fn scale_multiplies_the_slopes() {
    // a = 1/1.702 with D = 1.702 is a Rasch item again: same closed form as above
    let a = 1.0 / 1.702;
    let items = TempFile::new(&format!(
        "id,a,b\nr1,{a},0.5\nr2,{a},0.5\nr3,{a},0.5\nr4,{a},0.5\n"
    ));
    let (code, out, err) = jauge(&[
        "irt",
        "estimate",
        "--items",
        items.path(),
        "--responses",
        "1,0,0,0",
        "--estimator",
        "mle",
        "--scale",
        "1.702",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!((f(&json(&out), "theta") - (0.5 + (1.0f64 / 3.0).ln())).abs() < 1e-9);
}

#[test]
fn mle_of_a_constant_pattern_is_the_bound() {
    let items = TempFile::new(RASCH5);
    let (code, out, _) = jauge(&[
        "irt",
        "estimate",
        "--items",
        items.path(),
        "--responses",
        "1,1,1,1,1",
        "--estimator",
        "mle",
        "--range",
        "-3,2.5",
        "--json",
    ]);
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(f(&v, "theta"), 2.5);
    assert_eq!(v["bounded"], true);
    // SE at the bound: P = σ(2) → I = 5 P Q
    let p = 1.0 / (1.0 + (-2.0f64).exp());
    assert!((f(&v, "se") - 1.0 / (5.0 * p * (1.0 - p)).sqrt()).abs() < 1e-9);
    let (_, out, _) = jauge(&[
        "irt",
        "estimate",
        "--items",
        items.path(),
        "--responses",
        "0,0,0,0,0",
        "--estimator",
        "mle",
        "--range",
        "-3,-1",
        "--json",
    ]);
    assert_eq!(f(&json(&out), "theta"), -3.0);
}

#[test]
fn empty_pattern_gives_the_prior_for_map_and_eap() {
    for est in ["map", "eap"] {
        let (code, out, err) = jauge(&[
            "irt",
            "estimate",
            "--items",
            EXAMPLE,
            "--responses",
            ".,.,.,.,.",
            "--estimator",
            est,
            "--prior-mean",
            "-0.5",
            "--prior-sd",
            "1.3",
            "--json",
        ]);
        assert_eq!(code, 0, "{err}");
        let v = json(&out);
        assert_eq!(f(&v, "theta"), -0.5);
        assert_eq!(f(&v, "se"), 1.3);
    }
}

#[test]
fn empty_pattern_is_an_error_for_mle_and_wle() {
    for est in ["mle", "wle"] {
        let (code, out, err) = jauge(&[
            "irt",
            "estimate",
            "--items",
            EXAMPLE,
            "--responses",
            ".,.,.,.,.",
            "--estimator",
            est,
            "--json",
        ]);
        assert_eq!(code, 2);
        assert!(out.is_empty());
        assert!(err.contains("empty"), "{err}");
    }
}

#[test]
fn quadrature_flag_sets_the_grid() {
    // 2 nodes on [−1, 1], N(0, 1) prior: equal weights. One Rasch item b = 0 right: the
    // posterior is ∝ σ(1), σ(−1), which sum to 1, so the mean is σ(1) − σ(−1) = tanh(½) and the
    // SD √(1 − tanh²(½)).
    let items = TempFile::new("id,a,b\nx,1,0\n");
    let (code, out, err) = jauge(&[
        "irt",
        "estimate",
        "--items",
        items.path(),
        "--responses",
        "1",
        "--quadrature",
        "2",
        "--range",
        "-1,1",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    let t = 0.5f64.tanh();
    assert!((f(&v, "theta") - t).abs() < 1e-12, "{v}");
    assert!((f(&v, "se") - (1.0 - t * t).sqrt()).abs() < 1e-12, "{v}");
    let (code, _, err) = jauge(&[
        "irt",
        "estimate",
        "--items",
        items.path(),
        "--responses",
        "1",
        "--quadrature",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn prior_mean_moves_map() {
    // one Rasch item b = 0 right, N(μ, 1): MAP solves 1 − σ(θ) − (θ − μ) = 0
    let items = TempFile::new("id,a,b\nx,1,0\n");
    let (code, out, err) = jauge(&[
        "irt",
        "estimate",
        "--items",
        items.path(),
        "--responses",
        "1",
        "--estimator",
        "map",
        "--prior-mean",
        "-0.5",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let th = f(&json(&out), "theta");
    assert!(
        (1.0 - 1.0 / (1.0 + (-th).exp()) - (th + 0.5)).abs() < 1e-10,
        "{th}"
    );
}

#[test]
fn wle_runs_and_is_finite_for_all_right() {
    // Rasch, all b equal, all right: P(θ̂) = (n + ½)/(n + 1) (Warm 1989)
    let items = TempFile::new(RASCH5);
    let (code, out, err) = jauge(&[
        "irt",
        "estimate",
        "--items",
        items.path(),
        "--responses",
        "1,1,1,1,1",
        "--estimator",
        "wle",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    let p: f64 = 5.5 / 6.0;
    assert!(
        (f(&v, "theta") - (0.5 + (p / (1.0 - p)).ln())).abs() < 1e-9,
        "{v}"
    );
    assert_eq!(v["bounded"], false);
}

#[test]
fn human_output_without_json() {
    let (code, out, _) = jauge(&["irt", "estimate", "--items", EXAMPLE, "--responses", "1,0,.,.,1"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("EAP: theta = "), "{out}");
    assert!(out.contains("3 of 5 items"), "{out}");
    let (code, out, _) = jauge(&["irt", "info", "--items", EXAMPLE, "--theta", "0"]);
    assert_eq!(code, 0);
    assert!(out.contains("best: "), "{out}");
}

#[test]
fn info_with_negative_theta() {
    // 2PL: I = a² P Q. At θ = −1.5: item y (a = 2, b = −1.5) gives a²/4 = 1; item z
    // (a = 1, b = 0) gives σ(−1.5) σ(1.5).
    let items = TempFile::new("id,a,b\nz,1,0\ny,2,-1.5\n");
    let (code, out, err) = jauge(&[
        "irt",
        "info",
        "--items",
        items.path(),
        "--theta",
        "-1.5",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["best"], "y");
    let list = v["items"].as_array().expect("items array");
    assert_eq!(list[0]["id"], "z");
    let p = 1.0 / (1.0 + 1.5f64.exp());
    assert!((list[0]["information"].as_f64().unwrap() - p * (1.0 - p)).abs() < 1e-14);
    assert!((list[1]["information"].as_f64().unwrap() - 1.0).abs() < 1e-14);
}

#[test]
fn info_scale_flag() {
    // a = 1, D = 2 → I = 4 P Q, at θ = b: 1
    let items = TempFile::new("id,a,b\nz,1,0.3\n");
    let (code, out, _) = jauge(&[
        "irt",
        "info",
        "--items",
        items.path(),
        "--theta",
        "0.3",
        "--scale",
        "2",
        "--json",
    ]);
    assert_eq!(code, 0);
    assert!((json(&out)["items"][0]["information"].as_f64().unwrap() - 1.0).abs() < 1e-14);
}

#[test]
fn bad_item_files_name_file_line_and_column() {
    let missing = TempFile::new("id,a\nx,1\n");
    let (code, out, err) = jauge(&["irt", "estimate", "--items", missing.path(), "--responses", "1"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains(missing.path()) && err.contains(":1") && err.contains("`b`"),
        "{err}"
    );

    let malformed = TempFile::new("id,a,b\nx,1,0\ny,1.2x,0\n");
    let (code, _, err) = jauge(&["irt", "info", "--items", malformed.path(), "--theta", "0"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{}:3", malformed.path())) && err.contains("column `a`"),
        "{err}"
    );

    let (code, _, err) = jauge(&["irt", "info", "--items", "/nonexistent/items.csv", "--theta", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/items.csv"), "{err}");
}

#[test]
fn bad_patterns_name_the_position() {
    let (code, _, err) = jauge(&["irt", "estimate", "--items", EXAMPLE, "--responses", "1,0,1"]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("3 entries") && err.contains("5 items") && err.contains("entry 4"),
        "{err}"
    );
    let (code, _, err) = jauge(&["irt", "estimate", "--items", EXAMPLE, "--responses", "1,0,2,.,1"]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("entry 3") && err.contains("`2`"), "{err}");
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        &["--range", "4,-4"][..],
        &["--range", "-4"][..],
        &["--estimator", "bayes"][..],
        &["--prior-sd", "0"][..],
        &["--prior-sd", "-1"][..],
        &["--scale", "0"][..],
    ] {
        let mut all = vec!["irt", "estimate", "--items", EXAMPLE, "--responses", "1,0,.,.,1"];
        all.extend_from_slice(args);
        let (code, out, err) = jauge(&all);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
    }
    let (code, _, _) = jauge(&["irt", "info", "--items", EXAMPLE, "--theta", "nan"]);
    assert_eq!(code, 2);
}

#[test]
fn range_flag_bounds_the_search() {
    // negative-only range: the MLE (0.5 + ln 1.5 ≈ 0.905) lies above it → the upper bound
    let items = TempFile::new(RASCH5);
    let (code, out, err) = jauge(&[
        "irt",
        "estimate",
        "--items",
        items.path(),
        "--responses",
        "1,1,0,1,0",
        "--estimator",
        "mle",
        "--range",
        "-3,-1",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(f(&v, "theta"), -1.0);
    assert_eq!(v["bounded"], true);
}
