//! `jauge calibrate`: item calibration by marginal maximum likelihood (EM) from recorded responses.
//!
//! With `--db FILE --bank DIR`, one calibration per competence from the store (`calibrate_db`).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use jauge_irt::calibration::{
    CPrior, Calibration, CalibrationOptions, Model, Progress, ResponseData, StandardErrors,
    calibrate_with_progress,
};
use serde_json::json;

use crate::cmd::{num, print_json};
use crate::input::{self, Responses};

/// The model to calibrate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// One-parameter logistic: slopes 1 and a free latent SD (or one common slope).
    #[value(name = "1pl")]
    One,
    /// Two-parameter logistic (recommended for adaptive data).
    #[value(name = "2pl")]
    Two,
    /// Three-parameter logistic with a Beta prior on c.
    #[value(name = "3pl")]
    Three,
}

/// How standard errors are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeArg {
    /// Complete-data Hessian on complete data, cross-product otherwise.
    Auto,
    /// Per-item Hessian of the expected complete-data log-posterior.
    Complete,
    /// Cross-product of the persons' scores.
    Crossprod,
}

/// Arguments of `jauge calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Responses, wide (`id,<item ids…>`) or long (`person,item,score,…`).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "db",
        conflicts_with = "db"
    )]
    pub responses: Option<PathBuf>,
    /// Calibrate from the responses recorded in this database, one competence at a time, and
    /// write a new dated calibration file into the bank (`--bank`).
    #[arg(long, value_name = "FILE", requires = "bank")]
    pub db: Option<PathBuf>,
    /// The item bank whose items the database's responses answer (with `--db`).
    #[arg(long, value_name = "DIR")]
    pub bank: Option<PathBuf>,
    /// With `--db`: items with fewer responses keep their parameters.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub min_responses: usize,
    /// With `--db`: use the responses of simulated sessions too (left out by default).
    #[arg(long)]
    pub include_simulated: bool,
    /// The model.
    #[arg(long, value_enum)]
    pub model: ModelArg,
    /// Anchor items (an item-parameter CSV `id,a,b[,c,d]`): they keep their parameters and the
    /// latent mean and SD are estimated, so the other items land on the anchors' scale.
    #[arg(long, value_name = "FILE")]
    pub anchors: Option<PathBuf>,
    /// Number of quadrature nodes.
    #[arg(long, default_value_t = 61)]
    pub quadrature: usize,
    /// Quadrature range `LO,HI`.
    #[arg(
        long,
        default_value = "-6,6",
        allow_hyphen_values = true,
        value_name = "LO,HI"
    )]
    pub range: String,
    /// 1PL only: estimate one common slope with a N(0, 1) latent instead of slopes 1 and a free
    /// latent SD.
    #[arg(long)]
    pub common_slope: bool,
    /// 3PL only: the mode of the Beta prior on c of every item (weight 20, BILOG-MG's convention).
    /// Default 0.2 (a 5-option single-choice item).
    #[arg(long, value_name = "P", default_value_t = 0.2)]
    pub c_prior: f64,
    /// Write the calibrated parameters to this CSV (`id,a,b,c,d`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// E-step worker threads (0: all cores). The results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Standard errors: `complete` (per-item complete-data Hessian), `crossprod` (cross-product
    /// of the persons' scores) or `auto` (complete on complete data, crossprod otherwise).
    #[arg(long, value_enum, default_value = "auto")]
    pub se: SeArg,
    /// Stop after this many EM cycles.
    #[arg(long, default_value_t = 500)]
    pub max_iterations: usize,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Parses `LO,HI` (negative values allowed).
pub fn parse_range(s: &str) -> anyhow::Result<(f64, f64)> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let [lo, hi] = parts[..] else {
        bail!("--range `{s}`: expected two numbers `LO,HI`, e.g. -6,6");
    };
    let lo: f64 = lo
        .parse()
        .with_context(|| format!("--range `{s}`: `{lo}` is not a number"))?;
    let hi: f64 = hi
        .parse()
        .with_context(|| format!("--range `{s}`: `{hi}` is not a number"))?;
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        bail!("--range `{s}`: it must be finite with LO < HI, e.g. -6,6");
    }
    Ok((lo, hi))
}

/// Turns a response table into the calibration's sparse data.
pub fn to_data(path: &Path, r: Responses) -> anyhow::Result<ResponseData> {
    ResponseData::from_cells(r.items.len(), r.persons.len(), r.cells).map_err(|e| {
        use jauge_irt::calibration::CalibrationError as E;
        match e {
            E::DuplicateResponse { person, item } => anyhow::anyhow!(
                "{}: person `{}` answered item `{}` more than once; keep one response per person and item",
                path.display(),
                r.persons.get(person).map_or("?", String::as_str),
                r.items.get(item).map_or("?", String::as_str)
            ),
            other => anyhow::anyhow!("{}: {other}", path.display()),
        }
    })
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
pub fn progress_bar(max: usize) -> indicatif::ProgressBar {
    let pb =
        indicatif::ProgressBar::with_draw_target(Some(max as u64), indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} EM cycle {pos} {msg} [{elapsed_precise}]")
    {
        pb.set_style(style);
    }
    pb
}

/// Leaves out the items that cannot be estimated — no response, or (unless anchored) every
/// response right or every response wrong — renumbering the others; returns them with the reason.
pub fn leave_out(r: &mut Responses, anchored: &HashSet<&str>) -> Vec<(String, &'static str)> {
    // Responses per (item, score), then per item: (responses, right answers).
    let mut per_score = vec![0u64; 2 * r.items.len()];
    for &(_, i, right) in &r.cells {
        per_score[2 * i as usize + usize::from(right)] += 1;
    }
    let totals: Vec<(u64, u64)> = per_score.chunks_exact(2).map(|c| (c[0] + c[1], c[1])).collect();
    let mut map = vec![None; r.items.len()];
    let mut kept = Vec::with_capacity(r.items.len());
    let mut skipped = Vec::new();
    for (i, id) in r.items.iter().enumerate() {
        let (n, right) = totals[i];
        let reason = if n == 0 {
            Some("no response")
        } else if anchored.contains(id.as_str()) {
            None
        } else if right == 0 {
            Some("every response wrong")
        } else if right == n {
            Some("every response right")
        } else {
            None
        };
        match reason {
            Some(why) => skipped.push((id.clone(), why)),
            None => {
                map[i] = Some(kept.len() as u32);
                kept.push(id.clone());
            }
        }
    }
    if !skipped.is_empty() {
        r.cells.retain_mut(|c| match map[c.1 as usize] {
            Some(j) => {
                c.1 = j;
                true
            }
            None => false,
        });
        r.items = kept;
    }
    skipped
}

/// Runs a calibration with a progress bar; maps "cannot calibrate" errors to item ids.
pub fn run_calibration(
    data: &ResponseData,
    item_ids: &[String],
    options: &CalibrationOptions,
) -> anyhow::Result<Calibration> {
    let pb = progress_bar(options.max_iterations);
    let mut tick = |p: &Progress| {
        pb.set_position(p.iteration as u64);
        pb.set_message(format!(
            "log-likelihood {:.3}, largest change {:.2e}",
            p.loglik, p.max_change
        ));
    };
    let fit = calibrate_with_progress(data, options, &mut tick);
    pb.finish_and_clear();
    fit.map_err(|e| match e {
        jauge_irt::calibration::CalibrationError::Degenerate(items) => anyhow::anyhow!(
            "{} item(s) cannot be calibrated (no response, or every response right or every response wrong): {}; remove them from the responses or give them as --anchors",
            items.len(),
            items
                .iter()
                .take(20)
                .map(|&i| item_ids.get(i).map_or("?", String::as_str))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => anyhow::Error::new(other),
    })
}

/// Runs `jauge calibrate`.
pub fn run(args: CalibrateArgs) -> anyhow::Result<u8> {
    let range = parse_range(&args.range)?;
    if args.common_slope && args.model != ModelArg::One {
        bail!("--common-slope applies to --model 1pl only");
    }
    let model = match (args.model, args.common_slope) {
        (ModelArg::One, false) => Model::Rasch,
        (ModelArg::One, true) => Model::CommonSlope,
        (ModelArg::Two, _) => Model::TwoPl,
        (ModelArg::Three, _) => Model::ThreePl,
    };
    let mut options = CalibrationOptions::new(model);
    options.nodes = args.quadrature;
    options.range = range;
    options.threads = args.threads;
    options.max_iterations = args.max_iterations;
    options.standard_errors = match args.se {
        SeArg::Auto => StandardErrors::Auto,
        SeArg::Complete => StandardErrors::CompleteData,
        SeArg::Crossprod => StandardErrors::CrossProduct,
    };
    options.default_c_prior = CPrior::centred(args.c_prior, CPrior::DEFAULT_WEIGHT)
        .map_err(|e| anyhow::anyhow!("--c-prior: {e}"))?;
    if let (Some(db), Some(bank)) = (&args.db, &args.bank) {
        if args.anchors.is_some() || args.out.is_some() {
            bail!(
                "with --db, the anchors are the bank's calibrated items and the output is a new calibration file in the bank: drop --anchors and --out"
            );
        }
        return crate::cmd::calibrate_db::run(
            db,
            bank,
            &options,
            args.min_responses,
            args.include_simulated,
            args.json,
        );
    }
    let Some(responses_path) = args.responses.clone() else {
        bail!("--responses FILE (or --db FILE --bank DIR) is required");
    };
    let mut responses = input::read_responses_fast(&responses_path)?;
    let anchor_rows = match &args.anchors {
        Some(path) => input::read_items(path, 1.0)?,
        None => Vec::new(),
    };
    let anchor_ids: HashSet<&str> = anchor_rows.iter().map(|r| r.id.as_str()).collect();
    let skipped = leave_out(&mut responses, &anchor_ids);
    if !skipped.is_empty() {
        let _ = writeln!(
            std::io::stderr(),
            "warning: {} item(s) left out, they cannot be estimated: {}",
            skipped.len(),
            skipped
                .iter()
                .take(20)
                .map(|(id, why)| format!("{id} ({why})"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if responses.items.is_empty() {
        bail!(
            "{}: no item can be calibrated (each has no response, or only right or only wrong answers)",
            responses_path.display()
        );
    }
    let item_ids = responses.items.clone();
    let data = to_data(&responses_path, responses)?;
    if let Some(path) = &args.anchors {
        let mut map: std::collections::HashMap<&str, jauge_irt::ItemParams> =
            anchor_rows.iter().map(|r| (r.id.as_str(), r.params)).collect();
        options.anchors = item_ids.iter().map(|id| map.remove(id.as_str())).collect();
        if options.anchors.iter().all(Option::is_none) {
            bail!(
                "{}: none of its items appears in {}; anchors must share item ids with the responses",
                path.display(),
                responses_path.display()
            );
        }
        if !map.is_empty() {
            let _ = writeln!(
                std::io::stderr(),
                "note: {} anchor item(s) have no response and are not used",
                map.len()
            );
        }
    }
    let fit = run_calibration(&data, &item_ids, &options)?;
    if !fit.converged {
        let _ = writeln!(
            std::io::stderr(),
            "warning: EM did not converge in {} cycles; the estimates are the last cycle's",
            fit.iterations
        );
    }
    if let Some(out) = &args.out {
        write_items(out, &item_ids, &fit)?;
    }
    if args.json {
        let items: Vec<_> = fit
            .items
            .iter()
            .zip(&item_ids)
            .map(|(it, id)| {
                let p = it.params;
                json!({
                    "id": id, "a": num(p.a()), "b": num(p.b()), "c": num(p.c()), "d": num(p.d()),
                    "se_a": it.se_a.map_or(serde_json::Value::Null, num),
                    "se_b": it.se_b.map_or(serde_json::Value::Null, num),
                    "se_c": it.se_c.map_or(serde_json::Value::Null, num),
                    "anchor": it.anchor,
                })
            })
            .collect();
        print_json(&json!({
            "items": items,
            "loglik": num(fit.loglik),
            "log_posterior": num(fit.log_posterior),
            "iterations": fit.iterations,
            "converged": fit.converged,
            "model": model_name(model),
            "latent_mean": num(fit.latent_mean),
            "latent_sd": num(fit.latent_sd),
            "persons": data.n_persons(),
            "responses": data.n_responses(),
            "standard_errors": match fit.standard_errors {
                StandardErrors::CrossProduct => "cross-product of the persons' scores",
                _ => "per-item complete-data Hessian at convergence",
            },
            "skipped": skipped
                .iter()
                .map(|(id, why)| json!({"id": id, "reason": why}))
                .collect::<Vec<_>>(),
        }))?;
    } else {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{} calibration of {} items from {} responses of {} persons: {} EM cycles, {}",
            model_name(model),
            item_ids.len(),
            data.n_responses(),
            data.n_persons(),
            fit.iterations,
            if fit.converged {
                "converged"
            } else {
                "NOT converged"
            }
        )?;
        writeln!(
            out,
            "log-likelihood {:.4}, log-posterior {:.4}, latent mean {:.4}, latent SD {:.4}",
            fit.loglik, fit.log_posterior, fit.latent_mean, fit.latent_sd
        )?;
        if !skipped.is_empty() {
            writeln!(
                out,
                "left out: {}",
                skipped
                    .iter()
                    .map(|(id, why)| format!("{id} ({why})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        writeln!(
            out,
            "{:<16} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "id", "a", "se_a", "b", "se_b", "c"
        )?;
        let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.4}"));
        for (it, id) in fit.items.iter().zip(&item_ids) {
            let p = it.params;
            writeln!(
                out,
                "{:<16} {:>8.4} {:>8} {:>8.4} {:>8} {:>8.4}{}",
                id,
                p.a(),
                f(it.se_a),
                p.b(),
                f(it.se_b),
                p.c(),
                if it.anchor { "  anchor" } else { "" }
            )?;
        }
    }
    Ok(0)
}

fn model_name(m: Model) -> &'static str {
    match m {
        Model::Rasch => "1pl",
        Model::CommonSlope => "1pl-common-slope",
        Model::TwoPl => "2pl",
        Model::ThreePl => "3pl",
    }
}

fn write_items(path: &Path, ids: &[String], fit: &Calibration) -> anyhow::Result<()> {
    let mut s = String::from("id,a,b,c,d\n");
    for (it, id) in fit.items.iter().zip(ids) {
        let p = it.params;
        s.push_str(&format!("{id},{},{},{},{}\n", p.a(), p.b(), p.c(), p.d()));
    }
    std::fs::write(path, s).with_context(|| format!("{}: cannot write", path.display()))
}
