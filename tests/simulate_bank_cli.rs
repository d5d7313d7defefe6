//! `jauge simulate --bank DIR` end to end on a small bank (`tests/bank-sim`: competences 1.1 and
//! 1.2, two tubes each, levels 1–3, three single-choice items per skill, provisional parameters).

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
    format!("{}/{p}", env!("CARGO_MANIFEST_DIR"))
}

fn bank() -> String {
    data("tests/bank-sim")
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("jauge-simbank-{}-{name}", std::process::id()))
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).expect("one JSON document")
}

/// Runs a simulation with `--json --out` and returns (JSON, out file).
fn run(name: &str, extra: &[&str]) -> (serde_json::Value, String) {
    let out = tmp(name);
    let o = out.to_string_lossy().into_owned();
    let b = bank();
    let mut args = vec!["simulate", "--bank", &b, "--json", "--out", &o];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = jauge(&args);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&out).expect("out file");
    let _ = std::fs::remove_file(&out);
    (json(&stdout), text)
}

#[test]
fn results_do_not_depend_on_the_threads() {
    let base = ["--examinees", "40", "--perturb", "0.3", "--seed", "5"];
    for rule in ["mfi", "kl", "random", "skills"] {
        let mut one = base.to_vec();
        one.extend_from_slice(&["--select", rule, "--threads", "1"]);
        let mut two = base.to_vec();
        two.extend_from_slice(&["--select", rule, "--threads", "2"]);
        let (mut j1, o1) = run(&format!("t1-{rule}"), &one);
        let (mut j2, o2) = run(&format!("t2-{rule}"), &two);
        assert_eq!(o1, o2, "{rule}");
        for j in [&mut j1, &mut j2] {
            let m = j.as_object_mut().unwrap();
            for k in ["seconds", "threads", "us_per_item"] {
                m.remove(k);
            }
        }
        assert_eq!(j1, j2, "{rule}");
    }
}

#[test]
fn json_has_the_contract_keys_and_per_competence_figures() {
    let (j, out) = run(
        "keys",
        &["--examinees", "30", "--threads", "2", "--select", "skills"],
    );
    for k in [
        "examinees",
        "mean_length",
        "rmse",
        "bias",
        "correlation",
        "mean_se",
        "max_exposure",
        "seconds",
    ] {
        assert!(j.get(k).is_some_and(|v| !v.is_null()), "{k}: {j}");
    }
    assert_eq!(j["examinees"], 30);
    assert_eq!(j["select"], "skills");
    assert_eq!(j["ability_correlation"], 0.6);
    let plan = &j["plan"];
    assert_eq!(plan["min_length"], 4);
    assert_eq!(plan["max_length"], 7);
    assert_eq!(plan["se_target"], 0.55);
    assert_eq!(plan["max_total"], 112);
    let comps = j["competences"].as_array().unwrap();
    let codes: Vec<&str> = comps.iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["1.1", "1.2"]);
    for c in comps {
        for k in [
            "mean_length",
            "mean_se",
            "rmse",
            "bias",
            "level_exact",
            "level_within_one",
            "pix_error",
            "national_level_exact",
            "national_level_within_one",
            "national_pix_error",
        ] {
            assert!(c[k].is_number(), "{k}: {c}");
        }
        let m = c["mean_length"].as_f64().unwrap();
        assert!((4.0..=10.0).contains(&m), "{c}");
        assert!(c["level_within_one"].as_f64() >= c["level_exact"].as_f64());
    }
    // mean_length is per session: the sum over the competences
    let sum: f64 = comps.iter().map(|c| c["mean_length"].as_f64().unwrap()).sum();
    assert!((j["mean_length"].as_f64().unwrap() - sum).abs() < 1e-9);
    // one row per examinee and competence, the contract's columns first
    let mut lines = out.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("id,true_theta,theta,se,length,items,competence,")
    );
    assert_eq!(lines.count(), 60);
}

/// The true pix and level of the fixture by hand: with the bank's parameters every skill's
/// location is its items' provisional b = 0.8 (L − 3.5) (−2, −1.2, −0.4) and, with two skills
/// per level, every skill is worth 4 pix; the level is ⌊pix / 8⌋, at most 3.
#[test]
fn true_pix_and_level_follow_the_scoring_rule() {
    let (_, out) = run("truth", &["--examinees", "200", "--threads", "2"]);
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (ct, cp, cl, cn) = (
        col("true_theta"),
        col("true_pix"),
        col("true_level"),
        col("length"),
    );
    let mut levels = [0; 4];
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        let theta: f64 = f[ct].parse().unwrap();
        let pix = [-2.0, -1.2, -0.4].iter().filter(|&&tau| theta >= tau).count() as u32 * 8;
        assert_eq!(f[cp].parse::<u32>().unwrap(), pix, "{l}");
        assert_eq!(f[cl].parse::<u32>().unwrap(), pix / 8, "{l}");
        levels[(pix / 8) as usize] += 1;
        let n: usize = f[cn].parse().unwrap();
        assert!((4..=10).contains(&n));
    }
    assert!(levels.iter().all(|&c| c > 0), "{levels:?}");
}

#[test]
fn thetas_file_per_competence() {
    let path = tmp("thetas.csv");
    std::fs::write(&path, "id,1.2,extra,1.1\nann,-1.5,x,0.25\nbob,2,y,-3\n").unwrap();
    let p = path.to_string_lossy().into_owned();
    let (j, out) = run("thetas-out", &["--thetas", &p, "--threads", "1"]);
    assert_eq!(j["examinees"], 2);
    assert!(j["ability_correlation"].is_null());
    let rows: Vec<Vec<String>> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let got: Vec<(&str, &str, f64)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[6].as_str(), r[1].parse().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("ann", "1.1", 0.25),
            ("ann", "1.2", -1.5),
            ("bob", "1.1", -3.0),
            ("bob", "1.2", 2.0)
        ]
    );
    // a missing competence column: exit 2, the column named
    std::fs::write(&path, "id,1.1\nann,0.5\n").unwrap();
    let b = bank();
    let (code, _, err) = jauge(&["simulate", "--bank", &b, "--thetas", &p]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`1.2`") && err.contains(":1:"), "{err}");
    // a bad cell: file, line and column
    std::fs::write(&path, "id,1.1,1.2\nann,0.5,1\nbob,abc,1\n").unwrap();
    let (code, _, err) = jauge(&["simulate", "--bank", &b, "--thetas", &p]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(":3:") && err.contains("`1.1`"), "{err}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn correlation_bounds_and_negative_values() {
    // 16 competences: positive definite only for −1/15 < R < 1
    let real = data("item-bank");
    for r in ["-0.07", "1", "1.2"] {
        let (code, _, err) = jauge(&[
            "simulate",
            "--bank",
            &real,
            "--examinees",
            "2",
            "--correlation",
            r,
        ]);
        assert_eq!(code, 2, "{r}: {err}");
        assert!(err.contains("-1/15"), "{err}");
    }
    // two competences: any R in (−1, 1); negative values of every such flag parse
    let (j, _) = run(
        "negative",
        &[
            "--examinees",
            "20",
            "--correlation",
            "-0.5",
            "--start-theta",
            "-0.5",
            "--range",
            "-4,4",
        ],
    );
    assert_eq!(j["ability_correlation"], -0.5);
    let b = bank();
    let (code, _, err) = jauge(&[
        "simulate",
        "--bank",
        &b,
        "--examinees",
        "2",
        "--correlation",
        "-1",
    ]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn perturbed_parameters_change_the_truth_not_the_plan() {
    let (a, _) = run("p0", &["--examinees", "60", "--threads", "2"]);
    let (b, _) = run("p1", &["--examinees", "60", "--threads", "2", "--perturb", "0.5"]);
    assert_eq!(b["perturb"], 0.5);
    assert_ne!(a["rmse"], b["rmse"]);
    assert_eq!(a["examinees"], b["examinees"]);
}

#[test]
fn plan_flags_map_onto_the_per_competence_limits() {
    // fixed length 3 per competence
    let (j, _) = run(
        "fixed",
        &["--examinees", "20", "--length", "3", "--min-length", "3"],
    );
    for c in j["competences"].as_array().unwrap() {
        assert_eq!(c["mean_length"], 3.0);
    }
    // --length below the default minimum lowers the minimum with it
    let (j, _) = run("short", &["--examinees", "20", "--length", "2"]);
    assert_eq!(j["plan"]["min_length"], 2);
    assert_eq!(j["mean_length"], 4.0);
    // a total cap of 5 items
    let (j, _) = run(
        "total",
        &["--examinees", "20", "--max-total", "5", "--min-length", "1"],
    );
    assert_eq!(j["mean_length"], 5.0);
    // a loose SE target stops at the minimum
    let (j, _) = run("se", &["--examinees", "20", "--se-target", "0.99"]);
    assert_eq!(j["mean_length"], 8.0);
    assert_eq!(j["se_reached"], 1.0);
}

#[test]
fn usage_errors_exit_2() {
    let b = bank();
    let items = data("tests/reference/ref_items.csv");
    let cases: Vec<Vec<&str>> = vec![
        vec!["simulate", "--bank", &b, "--perturb", "-0.1"],
        vec!["simulate", "--bank", &b, "--min-length", "5", "--length", "4"],
        vec!["simulate", "--bank", &b, "--length", "0"],
        vec!["simulate", "--bank", &b, "--se-target", "0"],
        vec!["simulate", "--bank", &b, "--examinees", "0"],
        vec!["simulate", "--bank", &b, "--start-theta", "NaN"],
        vec!["simulate", "--bank", &b, "--correlation", "NaN"],
        vec!["simulate", "--bank", &b, "--randomesque", "0"],
        vec!["simulate", "--bank", &b, "--max-total", "0"],
        vec!["simulate", "--bank", &b, "--exposure-target", "0.3"],
        vec!["simulate", "--bank", &b, "--responses", &items],
        vec!["simulate", "--bank", "/nonexistent-bank"],
        vec!["simulate", "--bank", &b, "--items", &items],
        vec!["simulate", "--items", &items, "--perturb", "0.3"],
        vec!["simulate", "--items", &items, "--correlation", "0.3"],
        vec!["simulate", "--items", &items, "--max-total", "30"],
    ];
    for c in &cases {
        let (code, _, err) = jauge(c);
        assert_eq!(code, 2, "{c:?}: {err}");
    }
    // a bank with errors is refused
    let bad = data("tests/bank-fixtures/invalid-irt");
    let (code, _, err) = jauge(&["simulate", "--bank", &bad, "--examinees", "2"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bank validate"), "{err}");
}

#[test]
fn sympson_hetter_fitted_over_full_sessions() {
    // 2 competences × 18 items, 4 items each: a target of 0.3 is feasible (4 ÷ 0.3 ≈ 13.3 ≤ 18);
    // without control the most used item is given to about half of the agents
    let path = tmp("k-fit.csv");
    let p = path.to_string_lossy().into_owned();
    let (free, _) = run(
        "sh-free",
        &["--examinees", "200", "--length", "4", "--min-length", "4"],
    );
    let (j, _) = run(
        "sh",
        &[
            "--examinees",
            "200",
            "--length",
            "4",
            "--min-length",
            "4",
            "--exposure-target",
            "0.3",
            "--exposure-out",
            &p,
        ],
    );
    let fit = &j["exposure_fit"];
    assert!(free["max_exposure"].as_f64().unwrap() > 0.4, "{free}");
    assert!(fit["max_exposure_fit"].as_f64().unwrap() <= 0.31, "{fit}");
    assert!(fit["items_controlled"].as_u64().unwrap() > 0, "{fit}");
    // the realised rate of the final run carries the lottery's sampling noise (±0.035 at 200)
    assert!(j["max_exposure"].as_f64().unwrap() <= 0.4, "{j}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("id,k\n"));
    assert_eq!(text.lines().count(), 37);
    // the fitted file is read back by --exposure-params
    let (again, _) = run(
        "sh-again",
        &[
            "--examinees",
            "200",
            "--length",
            "4",
            "--min-length",
            "4",
            "--exposure-params",
            &p,
        ],
    );
    assert_eq!(
        again["max_exposure"], j["max_exposure"],
        "same seed, same k: the same run"
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn exposure_params_estimators_and_the_text_table() {
    // k = 0 sets an item aside whenever it is selected: the level-1 items of tube alpha never show
    let path = tmp("k.csv");
    std::fs::write(
        &path,
        "id,k\nalpha-1-1,0\nalpha-1-2,0\nalpha-1-3,0\nbeta-2-1,0.5\n",
    )
    .unwrap();
    let p = path.to_string_lossy().into_owned();
    let (j, out) = run("k", &["--examinees", "40", "--exposure-params", &p]);
    assert_eq!(j["examinees"], 40);
    assert!(!out.contains("alpha-1-"), "{out}");
    let (_, free) = run("k-free", &["--examinees", "40"]);
    assert!(free.contains("alpha-1-"));
    // an unknown item id in the file: exit 2, file and line named
    std::fs::write(&path, "id,k\nnope,0.5\n").unwrap();
    let b = bank();
    let (code, _, err) = jauge(&["simulate", "--bank", &b, "--exposure-params", &p]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(":2:") && err.contains("nope"), "{err}");
    let _ = std::fs::remove_file(&path);
    for e in ["map", "mle", "wle"] {
        let (j, _) = run(
            &format!("est-{e}"),
            &["--examinees", "20", "--estimator", e, "--randomesque", "3"],
        );
        assert_eq!(j["estimator"], e);
        assert!(j["rmse"].is_number());
    }
    // without --json: one line, a header, one row per competence, the pooled row and the
    // profile-shape line
    let (code, stdout, err) = jauge(&["simulate", "--bank", &b, "--examinees", "10"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    assert!(lines[0].starts_with("10 examinees, 2 competences"));
    assert!(lines[4].starts_with("all "));
    assert!(lines[5].starts_with("profile shape (deviation RMSE)"));
}

/// A copy of the small bank with extra files (e.g. `calibration/…`), in a fresh directory.
fn bank_with(name: &str, extra: &[(&str, &str)]) -> PathBuf {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let t = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                copy(&e.path(), &t);
            } else {
                std::fs::copy(e.path(), t).unwrap();
            }
        }
    }
    let dir = tmp(name);
    let _ = std::fs::remove_dir_all(&dir);
    copy(std::path::Path::new(&bank()), &dir);
    for (p, text) in extra {
        let f = dir.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    }
    dir
}

const STRUCTURE_08: &str = "status = \"assumed\"\nagents = 0\n[loadings]\n\"1.1\" = 0.8\n\"1.2\" = 0.8\n";

#[test]
fn the_structure_flag_and_the_separate_scores() {
    // the small bank ships no structure: independent, the independent defaults
    let (j, _) = run("st-bank", &["--examinees", "200", "--correlation", "0.8"]);
    assert_eq!(j["structure"]["status"], "independent");
    assert_eq!(j["plan"]["max_total"], 112);
    for k in [
        "rmse",
        "bias",
        "correlation",
        "mean_se",
        "level_exact",
        "level_within_one",
        "deviation_rmse",
    ] {
        assert_eq!(
            j["separate"][k], j[k],
            "{k}: without a structure both scores are one"
        );
    }
    // a structure file: the structured defaults, and borrowing strength between the two
    // competences (true correlation 0.8) improves θ over the separate scores of the same run
    let file = tmp("structure-0.8.toml");
    std::fs::write(&file, STRUCTURE_08).unwrap();
    let f = file.to_string_lossy().into_owned();
    let (s, out) = run(
        "st-file",
        &["--examinees", "200", "--correlation", "0.8", "--structure", &f],
    );
    assert_eq!(s["structure"]["status"], "assumed");
    assert_eq!(s["structure"]["loadings"]["1.1"], 0.8);
    assert_eq!(
        (s["plan"]["min_length"].as_u64(), s["plan"]["order"].as_str()),
        (Some(3), Some("largest-se"))
    );
    assert!(s["rmse"].as_f64() < s["separate"]["rmse"].as_f64(), "{s}");
    assert!(s["mean_se"].as_f64() < s["separate"]["mean_se"].as_f64(), "{s}");
    for k in ["level_exact", "level_within_one", "deviation_rmse", "pix_error"] {
        assert!(s[k].is_number() && s["separate"][k].is_number(), "{k}");
    }
    // the --out rows carry the separate score beside the reported one
    let header = out.lines().next().unwrap();
    assert!(
        header.ends_with(",theta_separate,se_separate,pix_separate,level_separate,assessed"),
        "{header}"
    );
    // the same file in the bank is the bank's structure
    let dir = bank_with("st-in-bank", &[("calibration/structure.toml", STRUCTURE_08)]);
    let d = dir.to_string_lossy().into_owned();
    let (code, stdout, err) = jauge(&[
        "simulate",
        "--bank",
        &d,
        "--examinees",
        "200",
        "--correlation",
        "0.8",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let b = json(&stdout);
    assert_eq!(b["rmse"], s["rmse"]);
    assert_eq!(b["structure"]["source"], "bank");
    // and `independent` turns it off
    let (code, stdout, _) = jauge(&[
        "simulate",
        "--bank",
        &d,
        "--examinees",
        "200",
        "--correlation",
        "0.8",
        "--json",
        "--structure",
        "independent",
    ]);
    assert_eq!(code, 0);
    assert_eq!(json(&stdout)["rmse"], j["rmse"]);
    // a bad structure file: exit 2, the line named
    std::fs::write(&file, "status = \"assumed\"\n[loadings]\n\"1.1\" = 1.2\n").unwrap();
    let bk = bank();
    let (code, _, err) = jauge(&["simulate", "--bank", &bk, "--structure", &f]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(":3:") && err.contains("0.95"), "{err}");
    let (code, _, err) = jauge(&["simulate", "--bank", &bk, "--structure", "/nonexistent.toml"]);
    assert_eq!(code, 2, "{err}");
    // --structure, --order and --no-exposure need --bank
    let items = data("tests/reference/ref_items.csv");
    for flag in [["--structure", "independent"], ["--order", "largest-se"]] {
        let (code, _, err) = jauge(&["simulate", "--items", &items, flag[0], flag[1]]);
        assert_eq!(code, 2, "{err}");
    }
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_banks_exposure_parameters_are_used_by_default() {
    // fit, write the bank's format, put it in a copy of the bank
    let fitted = tmp("exposure.toml");
    let p = fitted.to_string_lossy().into_owned();
    let flags = ["--examinees", "200", "--length", "4", "--min-length", "4"];
    let mut fit = flags.to_vec();
    fit.extend_from_slice(&["--exposure-target", "0.3", "--exposure-out", &p]);
    let (j, _) = run("ex-fit", &fit);
    let text = std::fs::read_to_string(&fitted).unwrap();
    assert!(
        text.contains("target = 0.3") && text.contains("items = \"") && text.contains("[k]"),
        "{text}"
    );
    let dir = bank_with("ex-bank", &[("calibration/exposure.toml", &text)]);
    let d = dir.to_string_lossy().into_owned();
    let mut with = vec!["simulate", "--bank", &d, "--json"];
    with.extend_from_slice(&flags);
    let (code, stdout, err) = jauge(&with);
    assert_eq!(code, 0, "{err}");
    let b = json(&stdout);
    assert_eq!(b["exposure"]["control"], "bank");
    // the same k as the fit (written to 4 decimals): the same control
    assert!((b["max_exposure"].as_f64().unwrap() - j["max_exposure"].as_f64().unwrap()).abs() < 0.03);
    // --no-exposure: the uncontrolled run
    with.push("--no-exposure");
    let (_, stdout, _) = jauge(&with);
    let free = json(&stdout);
    assert_eq!(free["exposure"]["control"], "none");
    assert!(
        free["max_exposure"].as_f64() > b["max_exposure"].as_f64(),
        "{free} {b}"
    );
    // the TOML file is also read by --exposure-params
    let mut again = flags.to_vec();
    again.extend_from_slice(&["--exposure-params", &p]);
    let (e, _) = run("ex-again", &again);
    assert_eq!(e["max_exposure"], b["max_exposure"]);
    // the validator: clean now, a warning once the items change
    let (code, stdout, _) = jauge(&["bank", "validate", &d, "--json"]);
    assert_eq!(code, 0);
    assert!(!stdout.contains("exposure-stale"), "{stdout}");
    std::fs::write(
        dir.join("calibration/2027-01-01.csv"),
        "id,a,b,c,d\nalpha-1-1,1.3,-1.9,0.25,1\n",
    )
    .unwrap();
    let (_, stdout, _) = jauge(&["bank", "validate", &d, "--json"]);
    assert!(stdout.contains("exposure-stale"), "{stdout}");
    let _ = std::fs::remove_file(&fitted);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_list_of_correlations_draws_a_mixed_population() {
    let (j, _) = run("mixed", &["--examinees", "20", "--correlation", "0,-0.5,0.9"]);
    assert_eq!(j["ability_correlation"], serde_json::json!([0.0, -0.5, 0.9]));
    let b = bank();
    let (code, _, err) = jauge(&[
        "simulate",
        "--bank",
        &b,
        "--examinees",
        "2",
        "--correlation",
        "0.5,1",
    ]);
    assert_eq!(code, 2, "{err}");
}
