//! What `jauge simulate --bank` prints and writes: the JSON document (`CONTRACTS.md`), the text
//! table, and the `--out` rows.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::ValueEnum;
use jauge::simulation::{Figures, Study, true_position};
use jauge_engine::session::SimulatedSession;
use jauge_engine::{EstimatorKind, Plan, Pool};
use serde_json::{Value, json};

use super::{ExposureUsed, StructureUsed};
use crate::cmd::simulate::SimulateArgs;
use crate::cmd::{num, print_json as print_value};

/// Everything a report needs.
pub(super) struct Run<'a> {
    pub args: &'a SimulateArgs,
    pub study: &'a Study,
    pub plan: &'a Plan,
    pub codes: &'a [String],
    pub n: usize,
    pub seconds: f64,
    pub threads: usize,
    pub perturb: f64,
    pub correlation: Option<Vec<f64>>,
    pub estimator: EstimatorKind,
    pub bank_version: &'a str,
    pub items: usize,
    pub structure: &'a StructureUsed,
    pub exposure: &'a ExposureUsed,
}

/// One row per examinee and competence: `id,true_theta,theta,se,length,items` (CONTRACTS.md),
/// then `competence,pix,true_pix,level,true_level,national_pix,theta_separate,se_separate,
/// pix_separate,level_separate,assessed`.
pub(super) fn write_out(
    path: &Path,
    ids: &[String],
    sessions: &[SimulatedSession],
    thetas: &[Vec<f64>],
    plan: &Plan,
    truth: &Pool,
) -> anyhow::Result<()> {
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("{}: cannot write", path.display()))?,
    );
    writeln!(
        f,
        "id,true_theta,theta,se,length,items,competence,pix,true_pix,level,true_level,national_pix,theta_separate,se_separate,pix_separate,level_separate,assessed"
    )?;
    for ((id, s), t) in ids.iter().zip(sessions).zip(thetas) {
        for (k, (c, cp)) in s.profile.competences.iter().zip(&plan.competences).enumerate() {
            let items: Vec<&str> = s
                .records
                .iter()
                .filter(|r| r.competence == c.code && !r.pretest)
                .map(|r| r.item.as_str())
                .collect();
            let theta = t.get(k).copied().unwrap_or(f64::NAN);
            let (true_pix, true_level) = truth
                .scale(&c.code)
                .map_or((0, 0), |sc| true_position(sc, theta, cp.max_level));
            writeln!(
                f,
                "{id},{theta},{},{},{},{},{},{},{true_pix},{},{true_level},{},{},{},{},{},{}",
                c.score.theta,
                c.score.se,
                c.items,
                items.join(" "),
                c.code,
                c.score.pix,
                c.score.level,
                s.national_pix.get(k).copied().unwrap_or(0),
                c.separate.theta,
                c.separate.se,
                c.separate.pix,
                c.separate.level,
                c.is_assessed(),
            )?;
        }
    }
    f.flush()?;
    Ok(())
}

fn figures(f: &Figures) -> Value {
    json!({
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
        "deviation_rmse": num(f.deviation_rmse),
        "national_level_exact": num(f.national_level_exact),
        "national_level_within_one": num(f.national_level_within_one),
        "national_pix_error": num(f.national_pix_error),
    })
}

fn accuracy(f: &Figures) -> Value {
    json!({
        "rmse": num(f.rmse),
        "bias": num(f.bias),
        "correlation": num(f.correlation),
        "mean_se": num(f.mean_se),
        "level_exact": num(f.level_exact),
        "level_within_one": num(f.level_within_one),
        "pix_error": num(f.pix_error),
        "deviation_rmse": num(f.deviation_rmse),
    })
}

fn structure_json(s: &StructureUsed, plan: &Plan) -> Value {
    let status = match &s.structure {
        Some(st) if plan.is_structured() => st.status.name(),
        _ => "independent",
    };
    json!({
        "source": s.source,
        "status": status,
        "agents": s.structure.as_ref().map(|st| st.agents),
        "loadings": plan
            .competences
            .iter()
            .map(|c| (c.code.clone(), num(c.loading)))
            .collect::<serde_json::Map<_, _>>(),
    })
}

fn exposure_json(e: &ExposureUsed) -> Value {
    match e {
        ExposureUsed::None => json!({"control": "none"}),
        ExposureUsed::Bank(f) => json!({"control": "bank", "file": f}),
        ExposureUsed::File(f) => json!({"control": "file", "file": f}),
        ExposureUsed::Fitted(fit, r) => json!({
            "control": "fitted",
            "target": num(*r),
            "iterations": fit.iterations,
            "converged": fit.converged,
            "max_exposure_fit": num(fit.max_exposure),
            "items_controlled": fit.k.iter().filter(|&&k| k < 1.0).count(),
        }),
    }
}

/// The JSON document.
pub(super) fn print_json(r: &Run<'_>) -> anyhow::Result<()> {
    let study = r.study;
    let o = &study.overall;
    let administered = study.mean_session_length * r.n as f64;
    let cp = &r.plan.competences[0];
    let order = match r.plan.order {
        jauge_engine::session::CompetenceOrder::RoundRobin => "round-robin",
        jauge_engine::session::CompetenceOrder::LargestSe => "largest-se",
    };
    let mut v = json!({
        "examinees": r.n,
        "mean_length": num(study.mean_session_length),
        "rmse": num(o.rmse),
        "bias": num(o.bias),
        "correlation": num(o.correlation),
        "mean_se": num(o.mean_se),
        "max_exposure": num(study.max_exposure),
        "seconds": num(r.seconds),
        "mode": "bank",
        "bank_version": r.bank_version,
        "select": r.args.select.to_possible_value().map(|v| v.get_name().to_owned()),
        "estimator": r.estimator.name(),
        "items": r.items,
        "threads": r.threads,
        "seed": r.args.seed,
        "perturb": num(r.perturb),
        "ability_correlation": match r.correlation.as_deref() {
            None => Value::Null,
            Some([one]) => num(*one),
            Some(list) => list.iter().map(|&x| num(x)).collect(),
        },
        "plan": {
            "competences": r.codes.len(),
            "min_length": cp.min_items,
            "max_length": cp.max_items,
            "se_target": num(cp.se_target),
            "max_total": r.plan.max_total,
            "order": order,
        },
        "structure": structure_json(r.structure, r.plan),
        "exposure": exposure_json(r.exposure),
        "mean_length_per_competence": num(o.mean_length),
        "se_reached": num(o.se_reached),
        "level_exact": num(o.level_exact),
        "level_within_one": num(o.level_within_one),
        "pix_error": num(o.pix_error),
        "deviation_rmse": num(o.deviation_rmse),
        "not_assessed": num(o.not_assessed),
        "national_level_exact": num(o.national_level_exact),
        "national_level_within_one": num(o.national_level_within_one),
        "national_pix_error": num(o.national_pix_error),
        "separate": accuracy(&study.separate_overall),
        "us_per_item": num(r.seconds * 1e6 / administered.max(1.0)),
        "competences": study.competences.iter().map(figures).collect::<Vec<_>>(),
    });
    if let ExposureUsed::Fitted(..) = r.exposure {
        v["exposure_fit"] = exposure_json(r.exposure);
    }
    print_value(&v)
}

/// The text table.
pub(super) fn print_table(r: &Run<'_>) -> anyhow::Result<()> {
    let study = r.study;
    let mut o = std::io::stdout().lock();
    writeln!(
        o,
        "{} examinees, {} competences, --select {}, structure {}: {:.1} items per session, max exposure {:.3}, {:.3} s",
        r.n,
        study.competences.len(),
        r.args
            .select
            .to_possible_value()
            .map_or_else(String::new, |v| v.get_name().to_owned()),
        structure_json(r.structure, r.plan)["status"]
            .as_str()
            .unwrap_or("independent"),
        study.mean_session_length,
        study.max_exposure,
        r.seconds,
    )?;
    writeln!(
        o,
        "{:<5} {:>6} {:>6} {:>6} {:>7} {:>7} {:>7} {:>7} | separate {:>6} {:>7} | national {:>7} {:>7} {:>7}",
        "code",
        "items",
        "SE",
        "RMSE",
        "bias",
        "level=",
        "lvl±1",
        "|pix|",
        "RMSE",
        "lvl±1",
        "level=",
        "lvl±1",
        "|pix|"
    )?;
    let rows = study
        .competences
        .iter()
        .zip(&study.separate)
        .chain(std::iter::once((&study.overall, &study.separate_overall)));
    for (f, s) in rows {
        writeln!(
            o,
            "{:<5} {:>6.2} {:>6.3} {:>6.3} {:>7.3} {:>7.3} {:>7.3} {:>7.2} |          {:>6.3} {:>7.3} |          {:>7.3} {:>7.3} {:>7.2}",
            f.code,
            f.mean_length,
            f.mean_se,
            f.rmse,
            f.bias,
            f.level_exact,
            f.level_within_one,
            f.pix_error,
            s.rmse,
            s.level_within_one,
            f.national_level_exact,
            f.national_level_within_one,
            f.national_pix_error
        )?;
    }
    writeln!(
        o,
        "profile shape (deviation RMSE): {:.3} reported, {:.3} separate",
        study.overall.deviation_rmse, study.separate_overall.deviation_rmse
    )?;
    Ok(())
}
