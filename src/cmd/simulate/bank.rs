//! `jauge simulate --bank DIR`: full-profile sessions over an item bank, scored against the
//! truth (docs/simulation.md, "Sessions over the real bank").
//!
//! Plan: every competence of the bank with a live item; per competence at least `--min-length`
//! (4) and at most `--length` (10) scored items, stopping once SE ≤ `--se-target` (0.55); at most
//! `--max-total` (the engine's full-profile default, 112) in all. True abilities: `--thetas FILE` (`id,1.1,…,5.2`) or `--examinees
//! N` drawn from N(0, R), R the equicorrelation matrix of `--correlation` (0.6). True
//! parameters: the bank's, or perturbed with `--perturb SD`.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::ValueEnum;
use jauge::pool::pool_from_bank;
use jauge::simulation::{Study, draw_abilities, summarise, true_pool};
use jauge_engine::session::perturb_params;
use jauge_engine::{EstimatorKind, Plan, SessionConfig, SessionRule, simulate_pool};
use jauge_irt::Grid;

use super::{Estimator, Select, SimulateArgs, parse_range, read_exposure_params};
use crate::cmd::{num, print_json};
use crate::input::read_competence_thetas;

/// Plan defaults of a full profile (`Plan::full_profile`), restated for the flags.
const DEFAULT_CORRELATION: f64 = 0.6;

/// Runs `jauge simulate --bank DIR`.
pub(super) fn run(args: SimulateArgs) -> anyhow::Result<u8> {
    let dir = args.bank.as_deref().context("--bank DIR is required")?;
    if args.responses.is_some() {
        bail!(
            "--responses is not supported with --bank: the answers are drawn from the true abilities and the true item parameters"
        );
    }
    if args.scale != 1.0 {
        bail!("--scale applies to item files: a bank's parameters are on the logistic metric (D = 1)");
    }
    // the engine's full-profile defaults, whatever they are tuned to
    let defaults = jauge_engine::Plan::full_profile(["-"]);
    let (default_min, default_max, default_se, default_total) = (
        defaults.competences[0].min_items,
        defaults.competences[0].max_items,
        defaults.competences[0].se_target,
        defaults.max_total,
    );
    let max_items = args.length.unwrap_or(default_max);
    if max_items == 0 {
        bail!("--length must be at least 1 (the maximum number of items per competence)");
    }
    let min_items = args.min_length.unwrap_or(default_min.min(max_items));
    if min_items > max_items {
        bail!("--min-length {min_items} is above --length {max_items} (both count items per competence)");
    }
    let se_target = args.se_target.unwrap_or(default_se);
    if !(se_target > 0.0 && se_target.is_finite()) {
        bail!("--se-target {se_target}: expected a positive number, e.g. 0.55");
    }
    let max_total = args.max_total.unwrap_or(default_total);
    if max_total == 0 {
        bail!("--max-total must be at least 1");
    }
    let perturb = args.perturb.unwrap_or(0.0);
    if !(perturb >= 0.0 && perturb.is_finite()) {
        bail!("--perturb {perturb}: expected a standard deviation ≥ 0, e.g. 0.3");
    }
    if !args.start_theta.is_finite() {
        bail!(
            "--start-theta {}: expected a finite number, e.g. -0.5",
            args.start_theta
        );
    }
    if args.randomesque == Some(0) {
        bail!("--randomesque must be at least 1");
    }
    let (lo, hi) = parse_range(&args.range)?;
    let grid = Grid::new(args.quadrature, lo, hi, 0.0, 1.0).context("--quadrature/--range")?;

    let loaded = jauge_bank::load_dir(dir)?;
    if loaded.errors() > 0 {
        bail!(
            "{}: the bank has {} error(s); run `jauge bank validate {}` and fix them first",
            dir.display(),
            loaded.errors(),
            dir.display()
        );
    }
    let pool = pool_from_bank(&loaded.bank, &grid);
    let codes: Vec<String> = pool
        .competences()
        .filter(|c| pool.scale(c).is_some_and(|s| !s.skills().is_empty()))
        .map(str::to_owned)
        .collect();
    if codes.is_empty() {
        bail!("{}: the bank has no live item", dir.display());
    }
    let mut plan = Plan::with(codes.clone(), min_items, max_items, se_target, max_total);
    plan.start_theta = args.start_theta;

    // true abilities, one per competence of the plan
    let (ids, thetas, correlation) = if let Some(path) = &args.thetas {
        let rows = read_competence_thetas(path, &codes)?;
        let ids = rows.iter().map(|r| r.0.clone()).collect();
        (ids, rows.into_iter().map(|r| r.1).collect(), None)
    } else {
        let n = args.examinees.unwrap_or(1000);
        if n == 0 {
            bail!("--examinees must be at least 1");
        }
        let rho = args.correlation.unwrap_or(DEFAULT_CORRELATION);
        let t = draw_abilities(args.seed, n, codes.len(), rho)
            .map_err(|e| anyhow::anyhow!("--correlation: {e}"))?;
        ((0..n).map(|k| k.to_string()).collect::<Vec<_>>(), t, Some(rho))
    };
    let n = thetas.len();

    // true item parameters and the true pix scales they give
    let bank_params: Vec<_> = pool.items().iter().map(|i| i.params).collect();
    let true_params = (perturb > 0.0).then(|| perturb_params(&bank_params, perturb, args.seed));
    let truth = true_pool(&pool, true_params.as_deref().unwrap_or(&bank_params), &grid)?;

    let item_ids: Vec<String> = pool.items().iter().map(|i| i.id.clone()).collect();
    let exposure = match &args.exposure_params {
        Some(p) => Some(read_exposure_params(p, &item_ids)?),
        None => None,
    };
    let rule = match args.select {
        Select::Mfi => SessionRule::Mfi,
        Select::Kl => SessionRule::Kl,
        Select::Random => SessionRule::Random,
        Select::Skills => SessionRule::Skills,
    };
    let estimator = match args.estimator {
        Estimator::Eap => EstimatorKind::Eap,
        Estimator::Map => EstimatorKind::Map,
        Estimator::Mle => EstimatorKind::Mle,
        Estimator::Wle => EstimatorKind::Wle,
    };
    let mut config = SessionConfig {
        rule,
        estimator,
        randomesque: args.randomesque.unwrap_or(1),
        exposure,
        ..SessionConfig::default()
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);

    let start = Instant::now();
    // Sympson–Hetter fitted over the same population and plan, then used for the run
    let mut fitted = None;
    if let Some(r) = args.exposure_target {
        let fit = jauge_engine::fit_sympson_hetter_pool(
            &pool,
            &plan,
            &config,
            &thetas,
            true_params.as_deref(),
            args.seed,
            threads,
            r,
            args.exposure_iterations,
        )?;
        if !fit.converged {
            eprintln!(
                "warning: Sympson–Hetter did not reach {r} + 0.01 in {} iterations (max exposure {:.3})",
                fit.iterations, fit.max_exposure
            );
        }
        config.exposure = Some(fit.k.clone());
        fitted = Some(fit);
    }
    if let (Some(path), Some(fit)) = (&args.exposure_out, &fitted) {
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("{}: cannot write", path.display()))?,
        );
        writeln!(f, "id,k")?;
        for (id, k) in item_ids.iter().zip(&fit.k) {
            writeln!(f, "{id},{k}")?;
        }
        f.flush()?;
    }
    let sessions = simulate_pool(
        &pool,
        &plan,
        &config,
        &thetas,
        true_params.as_deref(),
        args.seed,
        threads,
    )?;
    let seconds = start.elapsed().as_secs_f64();
    let study = summarise(&pool, &truth, &plan, &sessions, &thetas);

    if let Some(path) = &args.out {
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("{}: cannot write", path.display()))?,
        );
        writeln!(
            f,
            "id,true_theta,theta,se,length,items,competence,pix,true_pix,level,true_level,national_pix"
        )?;
        for ((id, s), t) in ids.iter().zip(&sessions).zip(&thetas) {
            for (k, (c, cp)) in s.profile.competences.iter().zip(&plan.competences).enumerate() {
                let items: Vec<&str> = s
                    .records
                    .iter()
                    .filter(|r| r.competence == c.code)
                    .map(|r| r.item.as_str())
                    .collect();
                let theta = t.get(k).copied().unwrap_or(f64::NAN);
                let (true_pix, true_level) = truth.scale(&c.code).map_or((0, 0), |sc| {
                    jauge::simulation::true_position(sc, theta, cp.max_level)
                });
                writeln!(
                    f,
                    "{id},{theta},{},{},{},{},{},{},{true_pix},{},{true_level},{}",
                    c.score.theta,
                    c.score.se,
                    c.items,
                    items.join(" "),
                    c.code,
                    c.score.pix,
                    c.score.level,
                    s.national_pix.get(k).copied().unwrap_or(0)
                )?;
            }
        }
        f.flush()?;
    }

    let administered = study.mean_session_length * n as f64;
    if args.json {
        let figures = |f: &jauge::simulation::Figures| {
            serde_json::json!({
                "code": f.code,
                "mean_length": num(f.mean_length),
                "mean_se": num(f.mean_se),
                "se_reached": num(f.se_reached),
                "rmse": num(f.rmse),
                "bias": num(f.bias),
                "correlation": num(f.correlation),
                "level_exact": num(f.level_exact),
                "level_within_one": num(f.level_within_one),
                "pix_error": num(f.pix_error),
                "national_level_exact": num(f.national_level_exact),
                "national_level_within_one": num(f.national_level_within_one),
                "national_pix_error": num(f.national_pix_error),
            })
        };
        let o = &study.overall;
        let v = serde_json::json!({
            "examinees": n,
            "mean_length": num(study.mean_session_length),
            "rmse": num(o.rmse),
            "bias": num(o.bias),
            "correlation": num(o.correlation),
            "mean_se": num(o.mean_se),
            "max_exposure": num(study.max_exposure),
            "seconds": num(seconds),
            "mode": "bank",
            "bank_version": loaded.bank.version,
            "select": args.select.to_possible_value().map(|v| v.get_name().to_owned()),
            "estimator": estimator.name(),
            "items": pool.items().len(),
            "threads": threads,
            "seed": args.seed,
            "perturb": num(perturb),
            "ability_correlation": correlation.map_or(serde_json::Value::Null, num),
            "plan": {
                "competences": codes.len(),
                "min_length": min_items,
                "max_length": max_items,
                "se_target": num(se_target),
                "max_total": max_total,
            },
            "mean_length_per_competence": num(o.mean_length),
            "se_reached": num(o.se_reached),
            "level_exact": num(o.level_exact),
            "level_within_one": num(o.level_within_one),
            "pix_error": num(o.pix_error),
            "national_level_exact": num(o.national_level_exact),
            "national_level_within_one": num(o.national_level_within_one),
            "national_pix_error": num(o.national_pix_error),
            "us_per_item": num(seconds * 1e6 / administered.max(1.0)),
            "competences": study.competences.iter().map(figures).collect::<Vec<_>>(),
        });
        let mut v = v;
        if let Some(fit) = &fitted {
            v["exposure_fit"] = serde_json::json!({
                "target": args.exposure_target.map(num),
                "iterations": fit.iterations,
                "converged": fit.converged,
                "max_exposure_fit": num(fit.max_exposure),
                "items_controlled": fit.k.iter().filter(|&&k| k < 1.0).count(),
            });
        }
        print_json(&v)?;
    } else {
        print_table(&study, n, &args, seconds)?;
    }
    Ok(0)
}

fn print_table(study: &Study, n: usize, args: &SimulateArgs, seconds: f64) -> anyhow::Result<()> {
    let mut o = std::io::stdout().lock();
    writeln!(
        o,
        "{n} examinees, {} competences, --select {}: {:.1} items per session, max exposure {:.3}, {seconds:.3} s",
        study.competences.len(),
        args.select
            .to_possible_value()
            .map_or_else(String::new, |v| v.get_name().to_owned()),
        study.mean_session_length,
        study.max_exposure,
    )?;
    writeln!(
        o,
        "{:<5} {:>6} {:>6} {:>6} {:>7} {:>7} {:>7} {:>7} | national {:>7} {:>7} {:>7}",
        "code", "items", "SE", "RMSE", "bias", "level=", "lvl±1", "|pix|", "level=", "lvl±1", "|pix|"
    )?;
    for f in study.competences.iter().chain(std::iter::once(&study.overall)) {
        writeln!(
            o,
            "{:<5} {:>6.2} {:>6.3} {:>6.3} {:>7.3} {:>7.3} {:>7.3} {:>7.2} |          {:>7.3} {:>7.3} {:>7.2}",
            f.code,
            f.mean_length,
            f.mean_se,
            f.rmse,
            f.bias,
            f.level_exact,
            f.level_within_one,
            f.pix_error,
            f.national_level_exact,
            f.national_level_within_one,
            f.national_pix_error
        )?;
    }
    Ok(())
}
