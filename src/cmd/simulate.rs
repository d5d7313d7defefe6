//! `jauge simulate`: simulated adaptive tests over an item file (CONTRACTS.md).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use jauge_engine::exposure::fit_sympson_hetter;
use jauge_engine::rng::draw_abilities;
use jauge_engine::{
    EstimatorKind, InfoIndex, ItemSet, ResponseMatrix, SelectRule, SimConfig, Simulation, Truth, summarise,
};
use jauge_irt::Grid;

use crate::cmd::{num, print_json};
use crate::input::{read_items, read_responses, read_thetas};

mod bank;

/// Selection rules of `--select`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Select {
    /// Maximum Fisher information.
    Mfi,
    /// Posterior-weighted Kullback–Leibler.
    Kl,
    /// Uniform random.
    Random,
    /// The national skill-based rule (needs --bank).
    Skills,
}

/// Estimators of `--estimator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Estimator {
    /// Expected a posteriori.
    Eap,
    /// Maximum a posteriori.
    Map,
    /// Maximum likelihood.
    Mle,
    /// Weighted likelihood.
    Wle,
}

/// Arguments of `jauge simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Item-parameter CSV (`id,a,b[,c,d]`).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "bank",
        conflicts_with = "bank"
    )]
    items: Option<PathBuf>,
    /// Item-bank directory (full-profile sessions).
    #[arg(long, value_name = "DIR")]
    bank: Option<PathBuf>,
    /// True abilities, `id,theta` (with --bank: `id,1.1,1.2,…,5.2`, one column per competence).
    #[arg(long, value_name = "FILE", conflicts_with = "examinees")]
    thetas: Option<PathBuf>,
    /// Draw N abilities from N(0, 1) with the seed (ids 0 … N−1); default 1000. With --bank, one
    /// per competence, correlated --correlation.
    #[arg(long, value_name = "N")]
    examinees: Option<usize>,
    /// Pre-drawn answers of every examinee to every item (wide CSV).
    #[arg(long, value_name = "FILE")]
    responses: Option<PathBuf>,
    /// Maximum (or fixed) number of items [default: 20; with --bank, per competence: the
    /// full-profile plan's, 8 with a structure, 7 independent].
    #[arg(long, value_name = "N")]
    length: Option<usize>,
    /// Minimum number of items before the SE target may stop [default: 0; with --bank, per
    /// competence: the plan's, 3 with a structure, 4 independent].
    #[arg(long, value_name = "N")]
    min_length: Option<usize>,
    /// Stop when the SE reaches this value [with --bank, per competence: the plan's, 0.56 on the
    /// structured SE with a structure, 0.55 independent].
    #[arg(long, value_name = "X")]
    se_target: Option<f64>,
    /// Selection rule.
    #[arg(long, value_enum, default_value_t = Select::Mfi)]
    select: Select,
    /// Ability estimator.
    #[arg(long, value_enum, default_value_t = Estimator::Eap)]
    estimator: Estimator,
    /// θ at which the first item is chosen.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    start_theta: f64,
    /// Randomesque exposure control: pick at random among the K best.
    #[arg(long, value_name = "K")]
    randomesque: Option<usize>,
    /// Sympson–Hetter: fit control parameters for this maximum exposure rate.
    #[arg(long, value_name = "R", conflicts_with = "exposure_params")]
    exposure_target: Option<f64>,
    /// Sympson–Hetter control parameters to use (`id,k`).
    #[arg(long, value_name = "FILE")]
    exposure_params: Option<PathBuf>,
    /// Write the fitted control parameters (`id,k`; with --bank and a `.toml` name, the bank's
    /// `calibration/exposure.toml` format).
    #[arg(long, value_name = "FILE", requires = "exposure_target")]
    exposure_out: Option<PathBuf>,
    /// Iteration cap of the Sympson–Hetter fit.
    #[arg(long, value_name = "N", default_value_t = 30)]
    exposure_iterations: usize,
    /// Quadrature nodes.
    #[arg(long, value_name = "N", default_value_t = 61)]
    quadrature: usize,
    /// Quadrature range (and search interval of MLE, WLE, MAP).
    #[arg(
        long,
        value_name = "LO,HI",
        default_value = "-4,4",
        allow_hyphen_values = true
    )]
    range: String,
    /// Scaling constant D multiplied into the slopes.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Seed of every random draw.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Write one row per examinee: `id,true_theta,theta,se,length,items` (with --bank: per
    /// examinee and competence, then `competence,pix,true_pix,level,true_level,national_pix`).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
    /// With --bank and --examinees: correlation between the competences' true abilities
    /// [default: 0.6]. A list (`0,0.5,0.85`) draws a mixed population: examinee e has the
    /// (e mod m)-th correlation.
    #[arg(
        long,
        value_name = "R",
        allow_negative_numbers = true,
        value_delimiter = ',',
        conflicts_with = "thetas"
    )]
    correlation: Option<Vec<f64>>,
    /// With --bank: true item parameters perturbed from the bank's (b + N(0, SD²),
    /// a × lognormal(0, SD/2)) [default: 0, the bank's].
    #[arg(long, value_name = "SD")]
    perturb: Option<f64>,
    /// With --bank: at most N scored items in all [default: the full-profile plan's].
    #[arg(long, value_name = "N")]
    max_total: Option<usize>,
    /// With --bank: the profile structure the engine assumes: `bank` (the structure in force in
    /// the bank, SCORING.md), `independent`, or a structure FILE (TOML, CONTRACTS.md).
    #[arg(long, value_name = "independent|bank|FILE", default_value = "bank")]
    structure: String,
    /// With --bank: how the next competence is chosen [default: the full-profile plan's].
    #[arg(long, value_enum)]
    order: Option<Order>,
    /// With --bank: no exposure control (the bank's Sympson–Hetter parameters, used by default,
    /// are ignored).
    #[arg(long, conflicts_with_all = ["exposure_target", "exposure_params"])]
    no_exposure: bool,
}

/// Values of `--order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Order {
    /// The competence with the fewest items.
    RoundRobin,
    /// After the minima, the competence with the largest SE.
    LargestSe,
}

fn parse_range(s: &str) -> anyhow::Result<(f64, f64)> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let bad = || format!("--range `{s}`: expected LO,HI with LO < HI, e.g. -4,4");
    let [lo, hi] = parts.as_slice() else { bail!(bad()) };
    let (lo, hi): (f64, f64) = (lo.parse().with_context(bad)?, hi.parse().with_context(bad)?);
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        bail!(bad());
    }
    Ok((lo, hi))
}

/// The most examinees one run simulates (the draws and the results are held in memory): split a
/// larger study into runs with different `--seed`.
pub(crate) const MAX_EXAMINEES: usize = 1_000_000;

/// `--examinees` (default 1,000), from 1 to [`MAX_EXAMINEES`].
pub(crate) fn examinees(n: Option<usize>) -> anyhow::Result<usize> {
    let n = n.unwrap_or(1000);
    if n == 0 {
        bail!("--examinees must be at least 1");
    }
    if n > MAX_EXAMINEES {
        bail!(
            "--examinees {n}: at most {MAX_EXAMINEES} in one run; split a larger study into runs with different --seed"
        );
    }
    Ok(n)
}

fn read_exposure_params(path: &Path, ids: &[String]) -> anyhow::Result<Vec<f64>> {
    let pos: HashMap<&str, usize> = ids.iter().enumerate().map(|(k, s)| (s.as_str(), k)).collect();
    let mut k = vec![1.0; ids.len()];
    let mut rdr = crate::input::csv_reader(csv::ReaderBuilder::new().trim(csv::Trim::All), path)?;
    let h = rdr
        .headers()
        .with_context(|| format!("{}:1: malformed CSV", path.display()))?
        .clone();
    let (Some(ci), Some(ck)) = (h.iter().position(|x| x == "id"), h.iter().position(|x| x == "k")) else {
        bail!(
            "{}:1: the header must hold `id,k` (found: {})",
            path.display(),
            h.iter().collect::<Vec<_>>().join(",")
        );
    };
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("{}: malformed CSV", path.display()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let Some(&i) = pos.get(&rec[ci]) else {
            bail!(
                "{}:{line}: column `id`: item `{}` is not in the item file",
                path.display(),
                &rec[ci]
            );
        };
        let v: f64 = rec[ck]
            .parse()
            .ok()
            .filter(|v: &f64| (0.0..=1.0).contains(v))
            .with_context(|| {
                format!(
                    "{}:{line}: column `k`: `{}` is not a probability in [0, 1]",
                    path.display(),
                    &rec[ck]
                )
            })?;
        k[i] = v;
    }
    Ok(k)
}

/// Runs `jauge simulate`.
pub fn run(args: SimulateArgs) -> anyhow::Result<u8> {
    if args.bank.is_some() {
        return bank::run(args);
    }
    if let Some(flag) = [
        ("--correlation", args.correlation.is_some()),
        ("--perturb", args.perturb.is_some()),
        ("--max-total", args.max_total.is_some()),
        ("--structure", args.structure != "bank"),
        ("--order", args.order.is_some()),
        ("--no-exposure", args.no_exposure),
    ]
    .iter()
    .find_map(|&(f, on)| on.then_some(f))
    {
        bail!("{flag} needs --bank DIR (full-profile sessions over a bank)");
    }
    let length = args.length.unwrap_or(20);
    let min_length = args.min_length.unwrap_or(0);
    if args.select == Select::Skills {
        bail!("--select skills needs --bank DIR: an item file has no skills, tubes or levels");
    }
    let items_path = args
        .items
        .as_deref()
        .context("--items FILE or --bank DIR is required")?;
    if length == 0 {
        bail!("--length must be at least 1");
    }
    if let Some(t) = args.se_target
        && !(t > 0.0 && t.is_finite())
    {
        bail!("--se-target {t}: expected a positive number, e.g. 0.3");
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
    if !(args.scale.is_finite() && args.scale > 0.0) {
        bail!("--scale {}: expected a positive number (1 or 1.702)", args.scale);
    }
    let (lo, hi) = parse_range(&args.range)?;
    let grid = Grid::new(args.quadrature, lo, hi, 0.0, 1.0).context("--quadrature/--range")?;
    let rows = read_items(items_path, args.scale)?;
    // a test never holds more items than the pool, nor draws among more than the pool
    let length = length.min(rows.len());
    let min_length = min_length.min(rows.len());
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();

    // examinees: from the answers file, the thetas file, or drawn
    let mut person_ids: Vec<String>;
    let mut true_thetas: Option<Vec<f64>> = None;
    let mut matrix: Option<ResponseMatrix> = None;
    if let Some(rp) = &args.responses {
        let r = read_responses(rp)?;
        let item_pos: HashMap<&str, usize> = ids.iter().enumerate().map(|(k, s)| (s.as_str(), k)).collect();
        let mut map = Vec::with_capacity(r.items.len());
        for it in &r.items {
            let Some(&k) = item_pos.get(it.as_str()) else {
                bail!(
                    "{}:1: item `{it}` is not in the item file {}",
                    rp.display(),
                    items_path.display()
                );
            };
            map.push(k);
        }
        let mut m = ResponseMatrix::new(r.persons.len(), ids.len());
        for &(p, i, s) in &r.cells {
            m.set(p as usize, map[i as usize], s);
        }
        matrix = Some(m);
        person_ids = r.persons;
        if let Some(tp) = &args.thetas {
            let t: HashMap<String, f64> = read_thetas(tp)?.into_iter().collect();
            let mut v = Vec::with_capacity(person_ids.len());
            for p in &person_ids {
                let Some(&x) = t.get(p) else {
                    bail!(
                        "{}: no true ability for examinee `{p}` of {}",
                        tp.display(),
                        rp.display()
                    );
                };
                v.push(x);
            }
            true_thetas = Some(v);
        }
    } else if let Some(tp) = &args.thetas {
        let t = read_thetas(tp)?;
        person_ids = t.iter().map(|x| x.0.clone()).collect();
        true_thetas = Some(t.into_iter().map(|x| x.1).collect());
    } else {
        let n = examinees(args.examinees)?;
        person_ids = (0..n).map(|k| k.to_string()).collect();
        true_thetas = Some(draw_abilities(args.seed, n));
    }
    if let Some(n) = args.examinees
        && args.responses.is_some()
    {
        person_ids.truncate(n);
    }
    let n = person_ids.len();

    let exposure = match &args.exposure_params {
        Some(p) => Some(read_exposure_params(p, &ids)?),
        None => None,
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let config = SimConfig {
        length,
        min_length,
        se_target: args.se_target,
        start_theta: args.start_theta,
        seed: args.seed,
        threads,
        exposure,
    };

    let start = Instant::now();
    let set = ItemSet::new(rows.into_iter().map(|r| r.params).collect(), &grid);
    let k = args.randomesque.unwrap_or(1).min(set.len().max(1));
    let rule = match args.select {
        Select::Mfi => SelectRule::Mfi,
        Select::Kl => SelectRule::Kl,
        Select::Random | Select::Skills => SelectRule::Random,
    };
    let index = (rule == SelectRule::Mfi).then(|| {
        // Sympson–Hetter sets items aside for the rest of a test: certify against more
        // exclusions so that the short lists still answer without a full scan
        let exposure = args.exposure_target.is_some() || args.exposure_params.is_some();
        let depth = if exposure {
            length.saturating_mul(6)
        } else {
            length
        }
        .saturating_add(k)
        .saturating_add(8);
        InfoIndex::new(&set, lo, hi, (hi - lo) / 80.0, depth)
    });
    let selector = rule.selector(k);
    let estimator = match args.estimator {
        Estimator::Eap => EstimatorKind::Eap,
        Estimator::Map => EstimatorKind::Map,
        Estimator::Mle => EstimatorKind::Mle,
        Estimator::Wle => EstimatorKind::Wle,
    };
    let mut sim = Simulation {
        set: &set,
        index: index.as_ref(),
        grid: &grid,
        selector: selector.as_ref(),
        estimator: &estimator,
        config: &config,
    };
    let mut fitted = None;
    let fit_config;
    if let Some(r) = args.exposure_target {
        let population = match &true_thetas {
            Some(t) => t.clone(),
            None => draw_abilities(args.seed, n),
        };
        let fit = fit_sympson_hetter(&sim, &population, r, args.exposure_iterations)?;
        if !fit.converged {
            eprintln!(
                "warning: Sympson–Hetter did not reach {r} + 0.01 in {} iterations (max exposure {:.3})",
                fit.iterations, fit.max_exposure
            );
        }
        fit_config = SimConfig {
            exposure: Some(fit.k.clone()),
            ..config.clone()
        };
        sim.config = &fit_config;
        fitted = Some(fit);
    }
    let truth = match &matrix {
        Some(m) => Truth::Responses(m),
        None => Truth::Thetas(true_thetas.as_deref().unwrap_or(&[])),
    };
    let results = sim.run(truth, n)?;
    let seconds = start.elapsed().as_secs_f64();
    let summary = summarise(&results, set.len(), true_thetas.as_deref());

    if let (Some(path), Some(fit)) = (&args.exposure_out, &fitted) {
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("{}: cannot write", path.display()))?,
        );
        writeln!(f, "id,k")?;
        for (id, k) in ids.iter().zip(&fit.k) {
            writeln!(f, "{id},{k}")?;
        }
        f.flush()?;
    }
    if let Some(path) = &args.out {
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("{}: cannot write", path.display()))?,
        );
        writeln!(f, "id,true_theta,theta,se,length,items")?;
        for (k, r) in results.iter().enumerate() {
            let t = true_thetas.as_ref().map_or(String::new(), |t| t[k].to_string());
            let items: Vec<&str> = r.items.iter().map(|&i| ids[i as usize].as_str()).collect();
            writeln!(
                f,
                "{},{t},{},{},{},{}",
                person_ids[k],
                r.theta,
                r.se,
                r.items.len(),
                items.join(" ")
            )?;
        }
        f.flush()?;
    }
    let opt = |x: Option<f64>| x.map_or(serde_json::Value::Null, num);
    if args.json {
        let mut v = serde_json::json!({
            "examinees": summary.examinees,
            "mean_length": num(summary.mean_length),
            "rmse": opt(summary.rmse),
            "bias": opt(summary.bias),
            "correlation": opt(summary.correlation),
            "mean_se": num(summary.mean_se),
            "max_exposure": num(summary.max_exposure),
            "seconds": num(seconds),
            "select": rule.name(),
            "estimator": estimator.name(),
            "items": set.len(),
            "threads": threads,
            "us_per_item": num(seconds * 1e6 / (summary.mean_length * n as f64).max(1.0)),
        });
        if let Some(fit) = &fitted {
            v["exposure_fit"] = serde_json::json!({
                "target": num(args.exposure_target.unwrap_or(f64::NAN)),
                "iterations": fit.iterations,
                "converged": fit.converged,
                "max_exposure_fit": num(fit.max_exposure),
            });
        }
        print_json(&v)?;
    } else {
        let f = |x: Option<f64>| x.map_or("–".to_string(), |x| format!("{x:.4}"));
        let mut o = std::io::stdout().lock();
        writeln!(
            o,
            "{} examinees, {} items, mean length {:.2}, RMSE {}, bias {}, r {}, mean SE {:.4}, max exposure {:.3}, {:.4} s",
            summary.examinees,
            set.len(),
            summary.mean_length,
            f(summary.rmse),
            f(summary.bias),
            f(summary.correlation),
            summary.mean_se,
            summary.max_exposure,
            seconds
        )?;
    }
    Ok(0)
}
