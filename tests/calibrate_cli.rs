//! End-to-end tests of `jauge calibrate` and `jauge items analyse` (the CONTRACTS.md interface).

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn jauge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jauge"))
        .args(args)
        .output()
        .expect("the jauge binary runs")
}

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lsat")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("jauge-cli-{}-{name}", std::process::id()))
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("exactly one JSON document on stdout")
}

/// LSAT7 2PL through the command line, against mirt's estimates (Chalmers 2012; test suite
/// `tests/testthat/test-01-mirtOne.R`): a = 0.988, 1.081, 1.706, 0.7651, 0.7358.
#[test]
fn calibrate_json_follows_the_contract() {
    let out = jauge(&[
        "calibrate",
        "--responses",
        &data("lsat7_responses.csv"),
        "--model",
        "2pl",
        "--json",
    ]);
    let v = json(&out);
    // No progress bar (or anything else) on stderr when it is not a terminal.
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    for key in ["items", "loglik", "log_posterior", "iterations", "converged"] {
        assert!(v.get(key).is_some(), "missing `{key}`");
    }
    assert_eq!(v["converged"], true);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    let a = [0.988, 1.081, 1.706, 0.7651, 0.7358];
    for (it, a) in items.iter().zip(a) {
        for key in ["id", "a", "b", "c", "d", "se_a", "se_b"] {
            assert!(it.get(key).is_some(), "missing item key `{key}`");
        }
        assert!((it["a"].as_f64().unwrap() - a).abs() < 0.005);
        assert!(it["se_a"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(items[0]["id"], "item1");
}

/// `--out` writes `id,a,b,c,d` that the item-parameter reader accepts: feeding it back as
/// `--anchors` holds every item, and the latent distribution stays at N(0, 1).
#[test]
fn out_file_reads_back_as_anchors() {
    let out_file = temp("lsat6.csv");
    let o = out_file.to_string_lossy().into_owned();
    let out = jauge(&[
        "calibrate",
        "--responses",
        &data("lsat6_responses.csv"),
        "--model",
        "2pl",
        "--out",
        &o,
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert!(text.starts_with("id,a,b,c,d\nitem1,"), "{text}");
    let v = json(&jauge(&[
        "calibrate",
        "--responses",
        &data("lsat6_responses.csv"),
        "--model",
        "2pl",
        "--anchors",
        &o,
        "--json",
    ]));
    assert!(v["items"].as_array().unwrap().iter().all(|i| i["anchor"] == true));
    assert!(v["latent_mean"].as_f64().unwrap().abs() < 0.01);
    assert!((v["latent_sd"].as_f64().unwrap() - 1.0).abs() < 0.01);
    let _ = std::fs::remove_file(out_file);
}

/// LSAT6 1PL (slopes 1, latent SD free), with a negative `--range` and `--quadrature`; published
/// latent variance 0.57 (mirt's test suite, `itemtype = 'Rasch'`).
#[test]
fn negative_range_parses_and_1pl_estimates_the_sd() {
    let v = json(&jauge(&[
        "calibrate",
        "--responses",
        &data("lsat6_responses.csv"),
        "--model",
        "1pl",
        "--range",
        "-6,6",
        "--quadrature",
        "61",
        "--json",
    ]));
    let sd = v["latent_sd"].as_f64().unwrap();
    assert!((sd * sd - 0.57).abs() < 0.006, "variance {}", sd * sd);
    assert!(v["items"][0]["se_a"].is_null());
    let v = json(&jauge(&[
        "calibrate",
        "--responses",
        &data("lsat7_responses.csv"),
        "--model",
        "1pl",
        "--common-slope",
        "--range=-5,5",
        "--json",
    ]));
    assert!((v["items"][0]["a"].as_f64().unwrap() - 1.011).abs() < 0.005);
}

#[test]
fn bad_usage_exits_2_with_a_message() {
    let out = jauge(&[
        "calibrate",
        "--responses",
        &data("lsat6_responses.csv"),
        "--model",
        "2pl",
        "--common-slope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--common-slope"));
    let out = jauge(&[
        "calibrate",
        "--responses",
        &data("lsat6_responses.csv"),
        "--model",
        "2pl",
        "--range",
        "4,-4",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = jauge(&["calibrate", "--responses", "/nonexistent.csv", "--model", "2pl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.csv"));
    let bad = temp("bad.csv");
    std::fs::write(&bad, "id,q1,q2\np1,1,0\np2,0,x\n").unwrap();
    let out = jauge(&[
        "calibrate",
        "--responses",
        &bad.to_string_lossy(),
        "--model",
        "2pl",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(":3: column `q2`: `x` is not a score"), "{err}");
    // Items that cannot be estimated are left out, named on stderr and in the JSON...
    std::fs::write(&bad, "id,q1,q2,q3,q4\np1,1,0,,0\np2,1,1,,1\np3,1,0,,1\n").unwrap();
    let out = jauge(&[
        "calibrate",
        "--responses",
        &bad.to_string_lossy(),
        "--model",
        "1pl",
        "--json",
    ]);
    let v = json(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("q1 (every response right), q3 (no response)"),
        "{err}"
    );
    assert_eq!(v["skipped"][0]["id"], "q1");
    assert_eq!(v["skipped"][1]["reason"], "no response");
    let ids: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["q2", "q4"]);
    // ... and when none is left, it is bad input.
    std::fs::write(&bad, "id,q1,q2\np1,1,0\np2,1,0\n").unwrap();
    let out = jauge(&[
        "calibrate",
        "--responses",
        &bad.to_string_lossy(),
        "--model",
        "2pl",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no item can be calibrated"));
    let _ = std::fs::remove_file(bad);
}

/// The long layout (`person,item,score,…`) gives the same calibration as the wide one.
#[test]
fn long_layout_reads_like_wide() {
    let wide = std::fs::read_to_string(data("lsat7_responses.csv")).unwrap();
    let mut lines = wide.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut long = String::from("person,item,score,credit\n");
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        for (k, cell) in cells.iter().enumerate().skip(1) {
            long.push_str(&format!("{},{},{},{}\n", cells[0], header[k], cell, cell));
        }
    }
    let f = temp("long.csv");
    std::fs::write(&f, long).unwrap();
    let a = json(&jauge(&[
        "calibrate",
        "--responses",
        &data("lsat7_responses.csv"),
        "--model",
        "2pl",
        "--json",
    ]));
    let b = json(&jauge(&[
        "calibrate",
        "--responses",
        &f.to_string_lossy(),
        "--model",
        "2pl",
        "--json",
    ]));
    assert_eq!(a["items"], b["items"]);
    let _ = std::fs::remove_file(f);
}

/// `jauge items analyse` on complete data: raw-score basis; proportions right checked against
/// the LSAT6 item means (0.924, 0.709, 0.553, 0.763, 0.870, e.g. in `summary(lsat6)` of the R
/// package ltm's `bock` data); DIF with a group file.
#[test]
fn items_analyse_json() {
    let groups = temp("groups.csv");
    let mut g = String::from("id,group\n");
    for p in 1..=1000 {
        g.push_str(&format!("{p},{}\n", if p % 2 == 0 { "north" } else { "south" }));
    }
    std::fs::write(&groups, g).unwrap();
    let v = json(&jauge(&[
        "items",
        "analyse",
        "--responses",
        &data("lsat6_responses.csv"),
        "--group",
        &groups.to_string_lossy(),
        "--reference",
        "north",
        "--json",
    ]));
    assert_eq!(v["basis"], "raw_score");
    assert_eq!(v["item_rest_basis"], "rest_score");
    assert_eq!(v["dif_matching"], "total_score");
    assert_eq!(v["persons"], 1000);
    let p = [0.924, 0.709, 0.553, 0.763, 0.870];
    for (it, p) in v["items"].as_array().unwrap().iter().zip(p) {
        assert!((it["proportion_right"].as_f64().unwrap() - p).abs() < 1e-9);
        assert_eq!(it["responses"], 1000);
        assert_eq!(it["exposure"], 1.0);
        let r = it["item_rest"].as_f64().unwrap();
        assert!(r > 0.0 && r < 0.5, "{r}");
        let infit = it["infit"].as_f64().unwrap();
        assert!(infit > 0.7 && infit < 1.3, "{infit}");
        // Alternating groups carry no DIF worth class C.
        assert_ne!(it["dif"]["class"], "C");
        assert!(it["flags"].is_array());
    }
    // With the published 2PL parameters instead of a calibration.
    let items = temp("items.csv");
    std::fs::write(
        &items,
        "id,a,b\nitem1,0.8254,-3.3597\nitem2,0.7229,-1.3696\nitem3,0.8905,-0.2799\nitem4,0.6886,-1.8659\nitem5,0.6575,-3.1236\n",
    )
    .unwrap();
    let v = json(&jauge(&[
        "items",
        "analyse",
        "--responses",
        &data("lsat6_responses.csv"),
        "--items",
        &items.to_string_lossy(),
        "--json",
    ]));
    assert_eq!(v["parameters"], "items file");
    assert!(v["items"][0]["dif"].is_null());
    let _ = std::fs::remove_file(groups);
    let _ = std::fs::remove_file(items);
}

#[test]
fn items_analyse_needs_both_group_flags() {
    let out = jauge(&[
        "items",
        "analyse",
        "--responses",
        &data("lsat6_responses.csv"),
        "--group",
        "x.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// Sparse data in the long layout: the analysis switches to θ̂ (item–θ̂ correlation, θ̂ strata
/// for DIF) and says so; exposure is the share of persons who answered the item.
#[test]
fn items_analyse_sparse_long_uses_theta() {
    let wide = std::fs::read_to_string(data("lsat7_responses.csv")).unwrap();
    let mut lines = wide.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut long = String::from("person,item,score\n");
    let mut groups = String::from("id,group\n");
    for (p, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        for (k, cell) in cells.iter().enumerate().skip(1) {
            // Each person skips two of the five items, in rotation.
            if (k + p) % 5 >= 2 {
                long.push_str(&format!("{},{},{}\n", cells[0], header[k], cell));
            }
        }
        groups.push_str(&format!(
            "{},{}\n",
            cells[0],
            if p % 3 == 0 { "ref" } else { "other" }
        ));
    }
    let (f, g) = (temp("sparse-long.csv"), temp("sparse-groups.csv"));
    std::fs::write(&f, long).unwrap();
    std::fs::write(&g, groups).unwrap();
    let v = json(&jauge(&[
        "items",
        "analyse",
        "--responses",
        &f.to_string_lossy(),
        "--group",
        &g.to_string_lossy(),
        "--reference",
        "ref",
        "--json",
    ]));
    assert_eq!(v["basis"], "theta");
    assert_eq!(v["item_rest_basis"], "theta");
    // Sparse data: standard errors from the cross-product of the persons' scores unless asked.
    let c = json(&jauge(&[
        "calibrate",
        "--responses",
        &f.to_string_lossy(),
        "--model",
        "2pl",
        "--json",
    ]));
    assert_eq!(c["standard_errors"], "cross-product of the persons' scores");
    let c = json(&jauge(&[
        "calibrate",
        "--responses",
        &f.to_string_lossy(),
        "--model",
        "2pl",
        "--se",
        "complete",
        "--json",
    ]));
    assert_eq!(
        c["standard_errors"],
        "per-item complete-data Hessian at convergence"
    );
    assert_eq!(v["dif_matching"], "theta_strata");
    for it in v["items"].as_array().unwrap() {
        assert_eq!(it["responses"], 600);
        assert!((it["exposure"].as_f64().unwrap() - 0.6).abs() < 1e-12);
        assert!(it["dif"]["class"].is_string());
    }
    let _ = std::fs::remove_file(f);
    let _ = std::fs::remove_file(g);
}

/// 3PL from a plain CSV: every item gets the Beta prior of `--c-prior` (default centred on 0.2);
/// the log-posterior then differs from the log-likelihood; a centre outside (0, 1) is bad usage.
#[test]
fn three_pl_c_prior_flag() {
    let v = json(&jauge(&[
        "calibrate",
        "--responses",
        &data("lsat7_responses.csv"),
        "--model",
        "3pl",
        "--c-prior",
        "0.25",
        "--json",
    ]));
    assert_eq!(v["model"], "3pl");
    assert!(v["log_posterior"].as_f64().unwrap() != v["loglik"].as_f64().unwrap());
    for it in v["items"].as_array().unwrap() {
        let c = it["c"].as_f64().unwrap();
        assert!(c > 0.05 && c < 0.45, "c {c}");
        assert!(it["se_c"].as_f64().unwrap() > 0.0);
    }
    let out = jauge(&[
        "calibrate",
        "--responses",
        &data("lsat7_responses.csv"),
        "--model",
        "3pl",
        "--c-prior",
        "1.5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--c-prior"));
    let out = jauge(&[
        "calibrate",
        "--responses",
        &data("lsat7_responses.csv"),
        "--model",
        "2pl",
        "--quadrature",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// Without `--items`, items that cannot be calibrated keep their classical statistics and lose
/// only the model-based ones.
#[test]
fn items_analyse_keeps_items_that_cannot_be_calibrated() {
    let wide = std::fs::read_to_string(data("lsat7_responses.csv")).unwrap();
    let mut out = String::new();
    for (n, line) in wide.lines().enumerate() {
        out.push_str(line);
        out.push_str(if n == 0 { ",easy\n" } else { ",1\n" });
    }
    let f = temp("with-easy.csv");
    std::fs::write(&f, out).unwrap();
    let v = json(&jauge(&[
        "items",
        "analyse",
        "--responses",
        &f.to_string_lossy(),
        "--json",
    ]));
    assert_eq!(v["unmodelled"][0]["id"], "easy");
    assert_eq!(v["unmodelled"][0]["reason"], "every response right");
    let easy = &v["items"][5];
    assert_eq!(easy["id"], "easy");
    assert_eq!(easy["proportion_right"], 1.0);
    assert!(easy["infit"].is_null() && easy["outfit"].is_null());
    assert!(v["items"][0]["infit"].as_f64().is_some());
    let _ = std::fs::remove_file(f);
}
