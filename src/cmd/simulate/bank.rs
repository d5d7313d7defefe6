//! `jauge simulate --bank DIR`: full-profile sessions over an item bank, scored against the
//! truth (docs/simulation.md, "Sessions over the real bank").
//!
//! Plan: every competence of the bank with a live item, on the engine's full-profile plan for
//! the structure (`Plan::full_profile_for`), whose per-competence minimum (`--min-length`), maximum (`--length`),
//! SE target (`--se-target`), total (`--max-total`) and competence order (`--order`) the flags
//! override. Profile structure: `--structure bank|independent|FILE` (the bank's by default).
//! Exposure control: the bank's Sympson–Hetter parameters (`calibration/exposure.toml`) unless
//! `--exposure-params`, `--exposure-target` or `--no-exposure`. True abilities: `--thetas FILE`
//! (`id,1.1,…,5.2`) or `--examinees N` drawn from N(0, R), R the equicorrelation matrix of
//! `--correlation` (0.6). True parameters: the bank's, or perturbed with `--perturb SD`.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use jauge::pool::{exposure_params, pool_from_bank};
use jauge::simulation::{draw_mixed_abilities, summarise, true_pool};
use jauge_bank::structure::{ExposureControl, ProfileStructure, live_items_fingerprint, write_exposure};
use jauge_engine::session::{CompetenceOrder, perturb_params};
use jauge_engine::{EstimatorKind, Plan, SessionConfig, SessionRule, simulate_pool};
use jauge_irt::Grid;

use super::{Estimator, Order, Select, SimulateArgs, parse_range, read_exposure_params};
use crate::input::read_competence_thetas;

mod report;

/// The default correlation of the true abilities (`CONTRACTS.md`).
const DEFAULT_CORRELATION: f64 = 0.6;

/// The profile structure a run assumes, and how it was chosen.
pub(super) struct StructureUsed {
    /// `bank`, `independent` or the file given.
    pub source: String,
    /// The structure (`None`: independent).
    pub structure: Option<ProfileStructure>,
}

/// Where the run's exposure control came from.
pub(super) enum ExposureUsed {
    /// None.
    None,
    /// The bank's `calibration/exposure.toml`.
    Bank(String),
    /// `--exposure-params FILE`.
    File(String),
    /// Fitted by `--exposure-target`.
    Fitted(jauge_engine::exposure::ShFit, f64),
}

/// The engine's full-profile plan over `codes` for the structure (`Plan::full_profile_for`),
/// with the flags' overrides.
fn plan_for(args: &SimulateArgs, codes: &[String], structure: &StructureUsed) -> anyhow::Result<Plan> {
    let mut plan = Plan::full_profile_for(codes.to_vec(), |c| {
        structure.structure.as_ref().map_or(0.0, |s| s.loading(c))
    });
    let defaults = plan.competences[0].clone();
    let max_items = args.length.unwrap_or(defaults.max_items);
    if max_items == 0 {
        bail!("--length must be at least 1 (the maximum number of items per competence)");
    }
    let min_items = args.min_length.unwrap_or(defaults.min_items.min(max_items));
    if min_items > max_items {
        bail!("--min-length {min_items} is above --length {max_items} (both count items per competence)");
    }
    let se_target = args.se_target.unwrap_or(defaults.se_target);
    if !(se_target > 0.0 && se_target.is_finite()) {
        bail!("--se-target {se_target}: expected a positive number, e.g. 0.55");
    }
    for cp in &mut plan.competences {
        cp.min_items = min_items;
        cp.max_items = max_items;
        cp.se_target = se_target;
    }
    if let Some(t) = args.max_total {
        if t == 0 {
            bail!("--max-total must be at least 1");
        }
        plan.max_total = t;
    }
    if let Some(o) = args.order {
        plan.order = match o {
            Order::RoundRobin => CompetenceOrder::RoundRobin,
            Order::LargestSe => CompetenceOrder::LargestSe,
        };
    }
    if !args.start_theta.is_finite() {
        bail!(
            "--start-theta {}: expected a finite number, e.g. -0.5",
            args.start_theta
        );
    }
    plan.start_theta = args.start_theta;
    Ok(plan)
}

/// `--structure bank|independent|FILE`.
fn structure_for(arg: &str, bank: &jauge_bank::Bank) -> anyhow::Result<StructureUsed> {
    let structure = match arg {
        "bank" => bank.structure.clone(),
        "independent" => None,
        file => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("--structure {file}: cannot read the structure file"))?;
            let codes: Vec<&str> = bank
                .framework
                .competences
                .iter()
                .map(|c| c.code.as_str())
                .collect();
            let (s, diags) = jauge_bank::structure::parse_structure(file, &text, &codes);
            match s {
                Some(s) => Some(s),
                None => bail!(
                    "--structure {file}: not a valid structure file:\n{}",
                    diags
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
            }
        }
    };
    Ok(StructureUsed {
        source: arg.to_owned(),
        structure,
    })
}

/// `--exposure-params FILE`: the CSV `id,k`, or the bank's TOML format.
fn exposure_file(path: &Path, ids: &[String]) -> anyhow::Result<Vec<f64>> {
    if path.extension().is_some_and(|e| e == "toml") {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
        let (e, diags) = jauge_bank::structure::parse_exposure(&path.display().to_string(), &text);
        let Some(e) = e else {
            bail!(
                "{}: not a valid exposure file:\n{}",
                path.display(),
                diags
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        };
        return Ok(ids.iter().map(|id| e.k(id)).collect());
    }
    read_exposure_params(path, ids)
}

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
    let perturb = args.perturb.unwrap_or(0.0);
    if !(perturb >= 0.0 && perturb.is_finite()) {
        bail!("--perturb {perturb}: expected a standard deviation ≥ 0, e.g. 0.3");
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
    let structure = structure_for(&args.structure, &loaded.bank)?;
    let plan = plan_for(&args, &codes, &structure)?;

    // true abilities, one per competence of the plan
    let (ids, thetas, correlation) = if let Some(path) = &args.thetas {
        let rows = read_competence_thetas(path, &codes)?;
        let ids = rows.iter().map(|r| r.0.clone()).collect();
        (ids, rows.into_iter().map(|r| r.1).collect(), None)
    } else {
        let n = super::examinees(args.examinees)?;
        let rhos = args
            .correlation
            .clone()
            .unwrap_or_else(|| vec![DEFAULT_CORRELATION]);
        let t = draw_mixed_abilities(args.seed, n, codes.len(), &rhos)
            .map_err(|e| anyhow::anyhow!("--correlation: {e}"))?;
        ((0..n).map(|k| k.to_string()).collect::<Vec<_>>(), t, Some(rhos))
    };

    // true item parameters and the true pix scales they give
    let bank_params: Vec<_> = pool.items().iter().map(|i| i.params).collect();
    let true_params = (perturb > 0.0).then(|| perturb_params(&bank_params, perturb, args.seed));
    let truth = true_pool(&pool, true_params.as_deref().unwrap_or(&bank_params), &grid)?;

    let item_ids: Vec<String> = pool.items().iter().map(|i| i.id.clone()).collect();
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
        ..SessionConfig::default()
    };
    let mut exposure = ExposureUsed::None;
    if let Some(p) = &args.exposure_params {
        config.exposure = Some(exposure_file(p, &item_ids)?);
        exposure = ExposureUsed::File(p.display().to_string());
    } else if args.exposure_target.is_none() && !args.no_exposure {
        config.exposure = exposure_params(&loaded.bank, &pool);
        if let Some(e) = &loaded.bank.exposure {
            exposure = ExposureUsed::Bank(e.file.clone());
        }
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);

    let start = Instant::now();
    // Sympson–Hetter fitted over the same population and plan, then used for the run
    if let Some(r) = args.exposure_target {
        // with a list of correlations, the control holds in each of the mixed populations
        let groups: Vec<usize> = match &correlation {
            Some(rhos) if rhos.len() > 1 => (0..thetas.len()).map(|e| e % rhos.len()).collect(),
            _ => Vec::new(),
        };
        let fit = jauge_engine::fit_sympson_hetter_pool(
            &pool,
            &plan,
            &config,
            &thetas,
            &groups,
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
        exposure = ExposureUsed::Fitted(fit, r);
    }
    if let (Some(path), ExposureUsed::Fitted(fit, r)) = (&args.exposure_out, &exposure) {
        write_fitted(path, fit, *r, &item_ids, &loaded.bank)?;
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
        report::write_out(path, &ids, &sessions, &thetas, &plan, &truth)?;
    }
    let run = report::Run {
        args: &args,
        study: &study,
        plan: &plan,
        codes: &codes,
        n: thetas.len(),
        seconds,
        threads,
        perturb,
        correlation,
        estimator,
        bank_version: &loaded.bank.version,
        items: pool.items().len(),
        structure: &structure,
        exposure: &exposure,
    };
    if args.json {
        report::print_json(&run)?;
    } else {
        report::print_table(&run)?;
    }
    Ok(0)
}

/// `--exposure-out FILE`: `id,k` CSV, or the bank's TOML format (with the fingerprint of the
/// live items, so that the validator can tell when they change) for a `.toml` name.
fn write_fitted(
    path: &Path,
    fit: &jauge_engine::exposure::ShFit,
    target: f64,
    ids: &[String],
    bank: &jauge_bank::Bank,
) -> anyhow::Result<()> {
    let cannot = || format!("{}: cannot write", path.display());
    if path.extension().is_some_and(|e| e == "toml") {
        let e = ExposureControl {
            file: path.display().to_string(),
            target,
            fitted_at: Some(jiff::Timestamp::now().round(jiff::Unit::Second)?.to_string()),
            fitted_with: Some(
                std::iter::once("jauge".to_owned())
                    .chain(std::env::args().skip(1))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            items: live_items_fingerprint(bank),
            k: ids
                .iter()
                .zip(&fit.k)
                .filter(|(_, k)| **k < 1.0)
                .map(|(id, k)| (id.clone(), *k))
                .collect(),
        };
        std::fs::write(path, write_exposure(&e)).with_context(cannot)?;
        return Ok(());
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).with_context(cannot)?);
    writeln!(f, "id,k")?;
    for (id, k) in ids.iter().zip(&fit.k) {
        writeln!(f, "{id},{k}")?;
    }
    f.flush()?;
    Ok(())
}
