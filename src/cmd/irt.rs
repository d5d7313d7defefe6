//! `jauge irt`: ability estimation and item information from an item-parameter file.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use jauge_irt::{Estimator, ItemParams, NormalPrior, SearchRange, Settings, estimate, pattern};
use serde_json::json;

use super::{num, print_json};
use crate::input::read_items;

/// The `jauge irt` subcommands.
#[derive(Debug, Subcommand)]
pub enum IrtCommand {
    /// Estimate an ability θ (with its standard error) from one response pattern.
    Estimate(EstimateArgs),
    /// Fisher information of every item at a given θ, and the most informative item.
    Info(InfoArgs),
}

/// Arguments of `jauge irt estimate`.
#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// Item-parameter CSV (`id,a,b` and optionally `c,d`).
    #[arg(long, value_name = "FILE")]
    items: PathBuf,
    /// Responses, one per item in file order, comma-separated: `1` right, `0` wrong, `.` not
    /// administered (e.g. `1,0,.,1`).
    #[arg(long, value_name = "PATTERN", allow_hyphen_values = true)]
    responses: String,
    /// Ability estimator: mle, wle, map or eap.
    #[arg(long, default_value = "eap", value_parser = parse_estimator)]
    estimator: Estimator,
    /// Mean of the normal prior (MAP, EAP).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    prior_mean: f64,
    /// Standard deviation of the normal prior (MAP, EAP).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    prior_sd: f64,
    /// Number of quadrature nodes (EAP).
    #[arg(long, default_value_t = 61)]
    quadrature: usize,
    /// `LO,HI`: the quadrature range (EAP) and the search interval (MLE, WLE, MAP).
    #[arg(long, default_value = "-4,4", value_name = "LO,HI", allow_hyphen_values = true, value_parser = parse_range)]
    range: (f64, f64),
    /// Scaling constant D multiplied into the slopes (1.702 for the normal-ogive metric).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    scale: f64,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

/// Arguments of `jauge irt info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Item-parameter CSV (`id,a,b` and optionally `c,d`).
    #[arg(long, value_name = "FILE")]
    items: PathBuf,
    /// The ability at which to evaluate the information.
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    theta: f64,
    /// Scaling constant D multiplied into the slopes (1.702 for the normal-ogive metric).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    scale: f64,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

fn parse_estimator(s: &str) -> Result<Estimator, String> {
    s.parse().map_err(|e: jauge_irt::UnknownEstimator| e.to_string())
}

/// `LO,HI` with two finite numbers, LO < HI.
fn parse_range(s: &str) -> Result<(f64, f64), String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let [lo, hi] = parts[..] else {
        return Err(format!(
            "`{s}` is not LO,HI (two numbers separated by a comma, e.g. -4,4)"
        ));
    };
    let parse = |x: &str| -> Result<f64, String> {
        x.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("`{x}` in `{s}` is not a finite number (e.g. -4,4)"))
    };
    let (lo, hi) = (parse(lo)?, parse(hi)?);
    if lo >= hi {
        return Err(format!(
            "`{s}`: the lower end must be below the upper end (e.g. -4,4)"
        ));
    }
    Ok((lo, hi))
}

/// Parses a response pattern against `n` items: `1`, `0` or `.` per item, comma-separated.
fn parse_pattern(s: &str, n: usize, items: &Path) -> anyhow::Result<Vec<Option<bool>>> {
    let mut out = Vec::with_capacity(n);
    for (k, cell) in s.split(',').enumerate() {
        out.push(match cell.trim() {
            "1" => Some(true),
            "0" => Some(false),
            "." => None,
            other => bail!(
                "--responses: entry {} is `{other}`; each entry must be 1 (right), 0 (wrong) or . (not administered)",
                k + 1
            ),
        });
    }
    if out.len() != n {
        let (m, file) = (out.len(), items.display());
        let at = if m < n {
            format!("entry {} onwards is missing", m + 1)
        } else {
            format!("entry {} onwards has no item", n + 1)
        };
        bail!(
            "--responses has {m} entries but {file} has {n} items ({at}); give one entry per item, in file order (. for an item not administered)"
        );
    }
    Ok(out)
}

fn check_scale(scale: f64) -> anyhow::Result<()> {
    if !(scale.is_finite() && scale > 0.0) {
        bail!(
            "--scale must be a finite number > 0 (got {scale}); use 1 for the logistic metric, 1.702 for the normal ogive"
        );
    }
    Ok(())
}

/// Runs a `jauge irt` subcommand.
pub fn run(cmd: IrtCommand) -> anyhow::Result<u8> {
    match cmd {
        IrtCommand::Estimate(args) => run_estimate(&args),
        IrtCommand::Info(args) => run_info(&args),
    }
}

fn run_estimate(args: &EstimateArgs) -> anyhow::Result<u8> {
    check_scale(args.scale)?;
    let rows = read_items(&args.items, args.scale)?;
    let pat = parse_pattern(&args.responses, rows.len(), &args.items)?;
    let params: Vec<ItemParams> = rows.iter().map(|r| r.params).collect();
    let settings = Settings {
        prior: NormalPrior::new(args.prior_mean, args.prior_sd).context("--prior-mean/--prior-sd")?,
        range: SearchRange::new(args.range.0, args.range.1).context("--range")?,
        quadrature: args.quadrature,
    };
    if args.quadrature < 2 {
        bail!(
            "--quadrature must be at least 2 (got {}); the default is 61",
            args.quadrature
        );
    }
    let administered = pat.iter().flatten().count();
    let est = estimate(args.estimator, pattern(&params, &pat)?, &settings).map_err(|e| {
        anyhow::anyhow!("{e} (use --estimator eap or map, which return the prior for an empty pattern)")
    })?;
    if args.json {
        print_json(&json!({
            "theta": num(est.theta),
            "se": num(est.se),
            "estimator": args.estimator.name(),
            "bounded": est.bounded,
            "administered": administered,
        }))?;
    } else {
        let mut out = io::stdout().lock();
        writeln!(
            out,
            "{}: theta = {:.4}, SE = {:.4} ({administered} of {} items administered)",
            args.estimator.name().to_uppercase(),
            est.theta,
            est.se,
            rows.len()
        )?;
        if est.bounded {
            writeln!(
                out,
                "bounded: the maximum lies at or beyond the end of --range {},{} (e.g. all right or all wrong)",
                args.range.0, args.range.1
            )?;
        }
    }
    Ok(0)
}

fn run_info(args: &InfoArgs) -> anyhow::Result<u8> {
    check_scale(args.scale)?;
    if !args.theta.is_finite() {
        bail!("--theta must be a finite number (got {})", args.theta);
    }
    let rows = read_items(&args.items, args.scale)?;
    let infos: Vec<f64> = rows.iter().map(|r| r.params.information(args.theta)).collect();
    let params: Vec<ItemParams> = rows.iter().map(|r| r.params).collect();
    // read_items guarantees at least one item
    let best = jauge_irt::max_information_item(&params, args.theta, |_| true)
        .map(|(i, _)| rows[i].id.as_str())
        .unwrap_or_default();
    if args.json {
        let items: Vec<_> = rows
            .iter()
            .zip(&infos)
            .map(|(r, &i)| json!({"id": r.id, "information": num(i)}))
            .collect();
        print_json(&json!({"theta": num(args.theta), "items": items, "best": best}))?;
    } else {
        let mut out = io::stdout().lock();
        let w = rows.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
        writeln!(out, "{:<w$}  information at theta = {}", "id", args.theta)?;
        for (r, i) in rows.iter().zip(&infos) {
            writeln!(out, "{:<w$}  {i:.6}", r.id)?;
        }
        writeln!(out, "best: {best}")?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("-4,4"), Ok((-4.0, 4.0)));
        assert_eq!(parse_range(" -2.5 , 3 "), Ok((-2.5, 3.0)));
        assert!(parse_range("4,-4").is_err());
        assert!(parse_range("-4").is_err());
        assert!(parse_range("a,4").is_err());
        assert!(parse_range("-inf,4").is_err());
    }

    #[test]
    fn patterns() {
        let p = Path::new("items.csv");
        assert_eq!(
            parse_pattern("1,0,.", 3, p).unwrap(),
            vec![Some(true), Some(false), None]
        );
        let e = parse_pattern("1,x,.", 3, p).unwrap_err().to_string();
        assert!(e.contains("entry 2"), "{e}");
        let e = parse_pattern("1,0", 3, p).unwrap_err().to_string();
        assert!(
            e.contains("2 entries") && e.contains("3 items") && e.contains("entry 3"),
            "{e}"
        );
    }
}
