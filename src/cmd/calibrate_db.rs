//! `jauge calibrate --db FILE --bank DIR`: one unidimensional calibration per competence from the
//! responses the store recorded, written as a new dated calibration file in the bank
//! (`calibration/<UTC time>.csv`); the hand-written item files are never rewritten.
//!
//! Choices, stated in `docs/calibration.md`:
//! - persons are sessions (a session measures one θ per competence);
//! - timed-out responses (scored 0 by rule, not by the agent's answer) are left out;
//! - an item with fewer than `--min-responses` responses, or with only right or only wrong
//!   answers, keeps its parameters in force and is reported as skipped;
//! - the items already calibrated in the bank are anchors: they keep their parameters and the
//!   latent mean and SD are estimated, so a new calibration does not shift the meaning of levels;
//!   with no calibrated item in a competence, the latent distribution is N(0, 1) (`SCORING.md`);
//! - 3PL: c ~ Beta centred on 1/k for a k-option single-choice item, c fixed at 0 otherwise.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use jauge_bank::{Kind, ParamSource};
use jauge_irt::calibration::{CPrior, CalibrationOptions, Model, ResponseData};
use jauge_store::Store;
use serde_json::{Value, json};

use crate::cmd::calibrate::run_calibration;
use crate::cmd::num;

/// One competence's fit, for the report.
struct Fitted {
    competence: String,
    persons: usize,
    responses: usize,
    items: Vec<(String, jauge_irt::calibration::CalibratedItem)>,
    skipped: Vec<(String, &'static str)>,
    anchors: usize,
    converged: bool,
    iterations: usize,
    loglik: f64,
    log_posterior: f64,
    latent: (f64, f64),
}

/// Runs the store mode; with `json_out`, returns the JSON report instead of printing it (the
/// caller prints it, alone or beside the structure's).
pub fn run(
    db: &Path,
    bank_dir: &Path,
    base: &CalibrationOptions,
    min_responses: usize,
    include_simulated: bool,
    json_out: bool,
) -> anyhow::Result<(u8, Option<Value>)> {
    let loaded = jauge_bank::load_dir(bank_dir)
        .with_context(|| format!("reading the item bank {}", bank_dir.display()))?;
    if loaded.errors() > 0 {
        bail!(
            "{}: the item bank has {} error(s); run `jauge bank validate {}` and fix them first",
            bank_dir.display(),
            loaded.errors(),
            bank_dir.display()
        );
    }
    let bank = &loaded.bank;
    let store = Store::open_existing(db)?;
    // (competence) → (session uid → [(item id, score)])
    let mut by_comp: BTreeMap<String, BTreeMap<String, Vec<(String, bool)>>> = BTreeMap::new();
    let mut unknown = 0usize;
    {
        let mut st = store.connection().prepare(
            "SELECT s.uid, r.item, r.score FROM response r JOIN session s ON s.id = r.session_id
             WHERE r.status <> 'timedout' AND (?1 OR s.simulated = 0) ORDER BY s.id, r.step",
        )?;
        // simulated agents answer from the items' own model: they would calibrate the
        // provisional parameters into themselves
        let mut rows = st.query([include_simulated])?;
        while let Some(r) = rows.next()? {
            let uid: String = r.get(0)?;
            let item: String = r.get(1)?;
            let score: i64 = r.get(2)?;
            let Some(it) = bank.item(&item) else {
                unknown += 1;
                continue;
            };
            by_comp
                .entry(it.competence.clone())
                .or_default()
                .entry(uid)
                .or_default()
                .push((item, score == 1));
        }
    }
    if unknown > 0 {
        let _ = writeln!(
            std::io::stderr(),
            "note: {unknown} response(s) to items no longer in the bank are left out"
        );
    }
    // simulated sessions left out, said in the summary (and in the refusal when nothing is left)
    let simulated_left_out = simulated_left_out(&store, include_simulated)?;
    if by_comp.is_empty() {
        if simulated_left_out > 0 {
            bail!(
                "{}: no recorded response to calibrate from: the {simulated_left_out} session(s) \
                 with responses are simulated (jauge assess --simulate-theta), left out because \
                 simulated agents answer from the items' own provisional model; pass \
                 --include-simulated to use them anyway",
                db.display()
            );
        }
        bail!("{}: no recorded response to calibrate from", db.display());
    }
    let mut fits = Vec::new();
    for (competence, persons) in &by_comp {
        // responses per item, and items with both right and wrong answers
        let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
        for rs in persons.values() {
            for (item, u) in rs {
                let e = counts.entry(item.as_str()).or_default();
                e.0 += 1;
                e.1 += usize::from(*u);
            }
        }
        let mut ids: Vec<&str> = counts.keys().copied().collect();
        ids.sort_unstable();
        let mut skipped = Vec::new();
        let mut kept: Vec<&str> = Vec::new();
        for id in ids {
            let (n, right) = counts[id];
            if n < min_responses {
                skipped.push((id.to_string(), "too few responses"));
            } else if right == 0 || right == n {
                skipped.push((id.to_string(), "all responses right or all wrong"));
            } else {
                kept.push(id);
            }
        }
        if kept.is_empty() {
            fits.push(Fitted {
                competence: competence.clone(),
                persons: persons.len(),
                responses: 0,
                items: vec![],
                skipped,
                anchors: 0,
                converged: true,
                iterations: 0,
                loglik: f64::NAN,
                log_posterior: f64::NAN,
                latent: (0.0, 1.0),
            });
            continue;
        }
        let index: HashMap<&str, usize> = kept.iter().enumerate().map(|(k, id)| (*id, k)).collect();
        let mut cells = Vec::new();
        let mut p = 0u32;
        for rs in persons.values() {
            let mut any = false;
            for (item, u) in rs {
                if let Some(&i) = index.get(item.as_str()) {
                    cells.push((p, i as u32, *u));
                    any = true;
                }
            }
            if any {
                p += 1;
            }
        }
        let data = ResponseData::from_cells(kept.len(), p as usize, cells)
            .map_err(|e| anyhow::anyhow!("competence {competence}: {e}"))?;
        let mut options = base.clone();
        options.anchors = kept
            .iter()
            .map(|id| {
                bank.item(id)
                    .filter(|it| matches!(it.parameters.source, ParamSource::Calibrated { .. }))
                    .map(|it| *it.params())
            })
            .collect();
        if options.anchors.iter().all(Option::is_none) {
            options.anchors.clear();
        }
        if options.model == Model::ThreePl {
            options.c_priors = kept
                .iter()
                .map(|id| match bank.item(id).map(|it| &it.kind) {
                    Some(Kind::Single { options, .. }) => {
                        CPrior::for_options(options.len()).unwrap_or(CPrior::Fixed(0.0))
                    }
                    _ => CPrior::Fixed(0.0),
                })
                .collect();
        }
        let ids: Vec<String> = kept.iter().map(|s| s.to_string()).collect();
        let fit =
            run_calibration(&data, &ids, &options).with_context(|| format!("competence {competence}"))?;
        fits.push(Fitted {
            competence: competence.clone(),
            persons: data.n_persons(),
            responses: data.n_responses(),
            anchors: options.anchors.iter().filter(|a| a.is_some()).count(),
            items: ids.into_iter().zip(fit.items).collect(),
            skipped,
            converged: fit.converged,
            iterations: fit.iterations,
            loglik: fit.loglik,
            log_posterior: fit.log_posterior,
            latent: (fit.latent_mean, fit.latent_sd),
        });
    }
    // the new calibration file: every freshly estimated (non-anchor) item
    let now = jiff::Timestamp::now();
    let stamp = now.strftime("%Y-%m-%dT%H%M%SZ").to_string();
    let dir = bank_dir.join(jauge_bank::CALIBRATION_DIR);
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let file = dir.join(format!("{stamp}.csv"));
    let mut csv = String::from("id,a,b,c,d,se_a,se_b,se_c,se_d\n");
    let mut written = 0;
    let f = |x: Option<f64>| x.map_or(String::new(), |v| v.to_string());
    for fit in &fits {
        for (id, it) in &fit.items {
            if it.anchor {
                continue;
            }
            let p = it.params;
            csv.push_str(&format!(
                "{id},{},{},{},{},{},{},{},\n",
                p.a(),
                p.b(),
                p.c(),
                p.d(),
                f(it.se_a),
                f(it.se_b),
                f(it.se_c)
            ));
            written += 1;
        }
    }
    if written > 0 {
        std::fs::write(&file, csv).with_context(|| format!("{}: cannot write", file.display()))?;
    }
    if json_out {
        let comps: Vec<Value> = fits
            .iter()
            .map(|f| {
                json!({
                    "competence": f.competence, "persons": f.persons, "responses": f.responses,
                    "items": f.items.iter().map(|(id, it)| json!({
                        "id": id, "a": num(it.params.a()), "b": num(it.params.b()), "c": num(it.params.c()),
                        "d": num(it.params.d()), "se_a": it.se_a.map_or(Value::Null, num),
                        "se_b": it.se_b.map_or(Value::Null, num), "anchor": it.anchor,
                    })).collect::<Vec<_>>(),
                    "skipped": f.skipped.iter().map(|(id, why)| json!({"id": id, "reason": why})).collect::<Vec<_>>(),
                    "anchors": f.anchors, "loglik": num(f.loglik), "log_posterior": num(f.log_posterior),
                    "iterations": f.iterations, "converged": f.converged,
                    "latent_mean": num(f.latent.0), "latent_sd": num(f.latent.1),
                })
            })
            .collect();
        let code = if fits.iter().all(|f| f.converged) { 0 } else { 1 };
        return Ok((
            code,
            Some(json!({
                "competences": comps,
                "calibration_file": if written > 0 { Value::String(file.display().to_string()) } else { Value::Null },
                "items_written": written,
                "simulated_sessions_left_out": simulated_left_out,
            })),
        ));
    } else {
        let mut out = std::io::stdout().lock();
        for f in &fits {
            writeln!(
                out,
                "{}: {} item(s) calibrated from {} response(s) of {} session(s), {} anchor(s), {} skipped, {} cycles{}",
                f.competence,
                f.items.iter().filter(|(_, it)| !it.anchor).count(),
                f.responses,
                f.persons,
                f.anchors,
                f.skipped.len(),
                f.iterations,
                if f.converged { "" } else { " (NOT converged)" }
            )?;
        }
        if written > 0 {
            writeln!(out, "wrote {written} item(s) to {}", file.display())?;
        } else {
            writeln!(out, "no item could be calibrated; nothing written")?;
        }
        if simulated_left_out > 0 {
            writeln!(
                out,
                "{simulated_left_out} simulated session(s) left out (--include-simulated to use them)"
            )?;
        }
    }
    Ok((if fits.iter().all(|f| f.converged) { 0 } else { 1 }, None))
}

/// The simulated sessions with responses that a calibration leaves out (0 when
/// `include_simulated`): said in the summaries of `calibrate --db` and `--structure`.
pub(crate) fn simulated_left_out(store: &Store, include_simulated: bool) -> anyhow::Result<i64> {
    if include_simulated {
        return Ok(0);
    }
    Ok(store.connection().query_row(
        "SELECT count(*) FROM session s WHERE s.simulated = 1
         AND EXISTS (SELECT 1 FROM response r WHERE r.session_id = s.id)",
        [],
        |r| r.get(0),
    )?)
}
