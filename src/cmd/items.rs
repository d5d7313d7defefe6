//! `jauge items analyse`: per-item statistics from recorded responses (proportion right,
//! item-rest correlation, infit and outfit, exposure, Mantel–Haenszel DIF) with flags.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use jauge_irt::analysis::{self, AnalysisOptions, Basis, Flag, Group};
use jauge_irt::calibration::{CalibrationOptions, Model};
use jauge_irt::{Grid, ItemParams};
use serde_json::json;

use crate::cmd::calibrate::{leave_out, run_calibration, to_data};
use crate::cmd::{num, print_json};
use crate::input;

/// The `jauge items` subcommands.
#[derive(Debug, Subcommand)]
pub enum ItemsCommand {
    /// Item analysis from recorded responses.
    #[command(alias = "analyze")]
    Analyse(AnalyseArgs),
}

/// Arguments of `jauge items analyse`.
#[derive(Debug, Args)]
pub struct AnalyseArgs {
    /// Responses, wide (`id,<item ids…>`) or long (`person,item,score,…`).
    #[arg(long, value_name = "FILE")]
    pub responses: PathBuf,
    /// Item parameters (`id,a,b[,c,d]`) for θ̂ and the residuals; without it a 2PL is calibrated
    /// from the responses first.
    #[arg(long, value_name = "FILE")]
    pub items: Option<PathBuf>,
    /// Groups for differential item functioning, `id,group` (id = person).
    #[arg(long, value_name = "FILE", requires = "reference")]
    pub group: Option<PathBuf>,
    /// The reference group's name in the group file; every other group is focal.
    #[arg(long, value_name = "NAME", requires = "group")]
    pub reference: Option<String>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs a `jauge items` subcommand.
pub fn run(cmd: ItemsCommand) -> anyhow::Result<u8> {
    match cmd {
        ItemsCommand::Analyse(a) => analyse(a),
    }
}

fn read_groups(
    path: &std::path::Path,
    reference: &str,
    persons: &[String],
) -> anyhow::Result<Vec<Option<Group>>> {
    let mut rdr = crate::input::csv_reader(csv::ReaderBuilder::new().trim(csv::Trim::All), path)?;
    let h = rdr
        .headers()
        .with_context(|| format!("{}:1: malformed CSV header", path.display()))?
        .clone();
    let (Some(ci), Some(cg)) = (
        h.iter().position(|x| x == "id"),
        h.iter().position(|x| x == "group"),
    ) else {
        bail!(
            "{}:1: the header needs columns `id,group` (found: {})",
            path.display(),
            h.iter().collect::<Vec<_>>().join(",")
        );
    };
    let mut map = HashMap::new();
    let mut saw_reference = false;
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            anyhow::anyhow!("{}:{line}: malformed CSV: {e}", path.display())
        })?;
        let g = if &rec[cg] == reference {
            saw_reference = true;
            Group::Reference
        } else if rec[cg].is_empty() {
            continue;
        } else {
            Group::Focal
        };
        map.insert(rec[ci].to_owned(), g);
    }
    if !saw_reference {
        bail!(
            "{}: no person is in the reference group `{reference}`; check --reference",
            path.display()
        );
    }
    Ok(persons.iter().map(|p| map.get(p).copied()).collect())
}

fn analyse(args: AnalyseArgs) -> anyhow::Result<u8> {
    let responses = input::read_responses_fast(&args.responses)?;
    let item_ids = responses.items.clone();
    let person_ids = responses.persons.clone();
    // Items without parameters (left out of the calibration) get no model-based statistics.
    let mut unmodelled: Vec<(String, &'static str)> = Vec::new();
    let (items, thetas, source): (Vec<ItemParams>, Vec<f64>, &str) = match &args.items {
        Some(path) => {
            let rows = input::read_items(path, 1.0)?;
            let map: HashMap<&str, ItemParams> = rows.iter().map(|r| (r.id.as_str(), r.params)).collect();
            let missing: Vec<&str> = item_ids
                .iter()
                .filter(|id| !map.contains_key(id.as_str()))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                bail!(
                    "{}: no parameters for item(s) {} of {}; add them or calibrate without --items",
                    path.display(),
                    missing.iter().take(20).copied().collect::<Vec<_>>().join(", "),
                    args.responses.display()
                );
            }
            let items: Vec<ItemParams> = item_ids.iter().map(|id| map[id.as_str()]).collect();
            let data = to_data(&args.responses, responses.clone())?;
            let grid = Grid::new(61, -4.0, 4.0, 0.0, 1.0)?;
            let thetas = analysis::eap_thetas(&data, &items, &grid)
                .into_iter()
                .map(|(t, _)| t)
                .collect();
            (items, thetas, "items file")
        }
        None => {
            // Calibrate a 2PL on the items that can be estimated; θ̂ from those items only.
            let mut reduced = responses.clone();
            unmodelled = leave_out(&mut reduced, &HashSet::new());
            if reduced.items.is_empty() {
                bail!(
                    "{}: no item can be calibrated (each has no response, or only right or only wrong answers); give --items",
                    args.responses.display()
                );
            }
            let kept_ids = reduced.items.clone();
            let reduced_data = to_data(&args.responses, reduced)?;
            let fit = run_calibration(&reduced_data, &kept_ids, &CalibrationOptions::new(Model::TwoPl))?;
            let fitted: Vec<ItemParams> = fit.items.iter().map(|it| it.params).collect();
            let grid = Grid::new(61, -4.0, 4.0, fit.latent_mean, fit.latent_sd)?;
            let thetas = analysis::eap_thetas(&reduced_data, &fitted, &grid)
                .into_iter()
                .map(|(t, _)| t)
                .collect();
            let map: HashMap<&str, ItemParams> = kept_ids.iter().map(String::as_str).zip(fitted).collect();
            // A placeholder for the items left out; their model statistics are dropped below.
            let placeholder = ItemParams::rasch(0.0)?;
            let items = item_ids
                .iter()
                .map(|id| map.get(id.as_str()).copied().unwrap_or(placeholder))
                .collect();
            (items, thetas, "2pl calibration")
        }
    };
    let data = to_data(&args.responses, responses)?;
    let groups = match (&args.group, &args.reference) {
        (Some(g), Some(r)) => Some(read_groups(g, r, &person_ids)?),
        _ => None,
    };
    let options = AnalysisOptions::default();
    let mut result = analysis::analyse(&data, &items, &thetas, groups.as_deref(), &options);
    let unmodelled_ids: HashSet<&str> = unmodelled.iter().map(|(id, _)| id.as_str()).collect();
    for (it, id) in result.items.iter_mut().zip(&item_ids) {
        if unmodelled_ids.contains(id.as_str()) {
            it.mean_squares = None;
            it.flags.retain(|f| !matches!(f, Flag::Infit | Flag::Outfit));
        }
    }
    let flagged = result.items.iter().filter(|i| !i.flags.is_empty()).count();
    let (rest_basis, matching) = match result.basis {
        Basis::RawScore => ("rest_score", "total_score"),
        Basis::Theta => ("theta", "theta_strata"),
    };
    let opt = |x: Option<f64>| x.map_or(serde_json::Value::Null, num);
    if args.json {
        let items: Vec<_> = result
            .items
            .iter()
            .zip(&item_ids)
            .map(|(it, id)| {
                json!({
                    "id": id,
                    "responses": it.responses,
                    "proportion_right": opt(it.proportion_right),
                    "item_rest": opt(it.item_rest),
                    "infit": opt(it.mean_squares.map(|m| m.infit)),
                    "outfit": opt(it.mean_squares.map(|m| m.outfit)),
                    "exposure": num(it.exposure),
                    "dif": it.dif.map(|d| json!({
                        "alpha": num(d.alpha), "delta": num(d.delta), "se_delta": num(d.se_delta),
                        "chi2": num(d.chi2), "class": d.class.as_str(),
                        "reference": d.reference, "focal": d.focal,
                    })),
                    "flags": it.flags.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
                })
            })
            .collect();
        print_json(&json!({
            "persons": data.n_persons(),
            "basis": result.basis.as_str(),
            "item_rest_basis": rest_basis,
            "dif_matching": if groups.is_some() { serde_json::Value::from(matching) } else { serde_json::Value::Null },
            "theta": "eap",
            "parameters": source,
            "thresholds": {
                "item_rest_min": options.min_item_rest,
                "mean_square_min": options.min_mean_square,
                "mean_square_max": options.max_mean_square,
                "dif_class": "C",
            },
            "flagged": flagged,
            "unmodelled": unmodelled
                .iter()
                .map(|(id, why)| json!({"id": id, "reason": why}))
                .collect::<Vec<_>>(),
            "items": items,
        }))?;
    } else {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{} items, {} persons; item-rest on {rest_basis}, θ̂ = EAP from the {source}{}",
            item_ids.len(),
            data.n_persons(),
            if groups.is_some() {
                format!("; DIF matched on {matching}")
            } else {
                String::new()
            }
        )?;
        writeln!(
            out,
            "flags: item-rest < {}, infit or outfit outside [{}, {}], DIF class C",
            options.min_item_rest, options.min_mean_square, options.max_mean_square
        )?;
        writeln!(
            out,
            "{:<16} {:>6} {:>6} {:>7} {:>6} {:>6} {:>6} {:>7} {:>3}  flags",
            "id", "n", "p", "rest", "infit", "outfit", "expo", "Δ_MH", "cls"
        )?;
        let f =
            |x: Option<f64>, w: usize, d: usize| x.map_or(format!("{:>w$}", "-"), |v| format!("{v:>w$.d$}"));
        for (it, id) in result.items.iter().zip(&item_ids) {
            writeln!(
                out,
                "{:<16} {:>6} {} {} {} {} {:>6.3} {} {:>3}  {}",
                id,
                it.responses,
                f(it.proportion_right, 6, 3),
                f(it.item_rest, 7, 3),
                f(it.mean_squares.map(|m| m.infit), 6, 2),
                f(it.mean_squares.map(|m| m.outfit), 6, 2),
                it.exposure,
                f(it.dif.map(|d| d.delta), 7, 2),
                it.dif.map_or("-", |d| d.class.as_str()),
                it.flags.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",")
            )?;
        }
        writeln!(out, "{flagged} item(s) flagged")?;
    }
    Ok(0)
}
