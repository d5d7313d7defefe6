//! `jauge calibrate --db FILE --bank DIR --structure`: estimates the loadings of the profile
//! structure (`SCORING.md`, "Profile structure") from the recorded sessions, the items fixed at
//! the bank's parameters in force, and writes them as a new dated structure file in the bank's
//! `calibration/` folder (`structure-<UTC time>.toml`, status `estimated`), which then is the
//! structure in force. Existing files are never rewritten. The math is
//! `jauge_irt::structure_fit`; the choices are stated in `docs/calibration.md`:
//! - persons are agents: the 16 θ of one person are what the structure correlates. For each
//!   competence, an agent's responses are those of their latest session with responses in it
//!   (a retake replaces the earlier measurement, as the profile does); the sessions of an erased
//!   agent stay one person through their common random number, a session with neither is a person
//!   of its own;
//! - timed-out responses (scored 0 by rule) and pretest responses (items not yet scored) are left
//!   out, as are responses to items no longer in the bank;
//! - agents with responses in a single competence say nothing about the loadings and are left
//!   out; a competence answered by fewer than `MIN_AGENTS` of the agents used is not estimated and
//!   keeps the loading in force;
//! - simulated sessions are left out unless `--include-simulated`.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use jauge_irt::structure_fit::{LoadingState, StructureData, StructureFit, StructureOptions, fit_structure};
use jauge_irt::{Grid, ItemParams};
use jauge_store::Store;
use serde_json::{Value, json};

use crate::cmd::num;

/// A competence answered by fewer agents is not estimated (it keeps the loading in force).
pub const MIN_AGENTS: usize = 10;

/// Who a response belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Person {
    Agent(i64),
    Erased(i64),
    Session(i64),
}

/// The estimate and what it was made from, for the report.
pub struct StructureReport {
    /// The JSON report.
    pub json: Value,
    /// The text report.
    pub text: String,
    /// Whether the estimation converged (a file is written only then).
    pub converged: bool,
}

/// Runs the structure estimation; returns the report (printed by the caller).
pub fn run(
    db: &Path,
    bank_dir: &Path,
    include_simulated: bool,
    threads: usize,
) -> anyhow::Result<StructureReport> {
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
    let codes: Vec<String> = bank
        .framework
        .competences
        .iter()
        .map(|c| c.code.clone())
        .collect();
    let comp_index: HashMap<&str, usize> = codes.iter().enumerate().map(|(k, c)| (c.as_str(), k)).collect();
    let store = Store::open_existing(db)?;
    // person → competence → (session, [(item, right)]), the latest session per competence
    type Latest = BTreeMap<usize, (i64, Vec<(usize, bool)>)>;
    let mut persons: BTreeMap<Person, Latest> = BTreeMap::new();
    let mut items: Vec<ItemParams> = Vec::new();
    let mut item_pos: HashMap<String, usize> = HashMap::new();
    let mut unknown = 0usize;
    let mut responses = 0usize;
    {
        let mut st = store.connection().prepare(
            "SELECT s.id, s.agent_id, s.anonymous_person, r.item, r.score
             FROM response r JOIN session s ON s.id = r.session_id
             WHERE r.status <> 'timedout' AND r.pretest = 0 AND (?1 OR s.simulated = 0)
             ORDER BY s.id, r.step",
        )?;
        let mut rows = st.query([include_simulated])?;
        while let Some(r) = rows.next()? {
            let session: i64 = r.get(0)?;
            let agent: Option<i64> = r.get(1)?;
            let erased: Option<i64> = r.get(2)?;
            let item: String = r.get(3)?;
            let score: i64 = r.get(4)?;
            let Some(it) = bank.item(&item) else {
                unknown += 1;
                continue;
            };
            let Some(&d) = comp_index.get(it.competence.as_str()) else {
                unknown += 1;
                continue;
            };
            let i = match item_pos.get(&item) {
                Some(&i) => i,
                None => {
                    items.push(*it.params());
                    item_pos.insert(item, items.len() - 1);
                    items.len() - 1
                }
            };
            let person = match (agent, erased) {
                (Some(a), _) => Person::Agent(a),
                (None, Some(e)) => Person::Erased(e),
                (None, None) => Person::Session(session),
            };
            let slot = persons
                .entry(person)
                .or_default()
                .entry(d)
                .or_insert_with(|| (session, Vec::new()));
            if slot.0 != session {
                // a later session of the same agent measured this competence again
                *slot = (session, Vec::new());
            }
            slot.1.push((i, score == 1));
        }
    }
    if unknown > 0 {
        let _ = writeln!(
            std::io::stderr(),
            "note: {unknown} response(s) to items no longer in the bank are left out"
        );
    }
    let simulated_left_out = super::calibrate_db::simulated_left_out(&store, include_simulated)?;
    let grid = Grid::standard();
    let mut data = StructureData::new(&grid, codes.len()).map_err(anyhow::Error::new)?;
    let mut buf = Vec::new();
    for latest in persons.values() {
        buf.clear();
        for (&d, (_, rs)) in latest {
            buf.extend(rs.iter().map(|&(i, u)| (d, items[i], u)));
        }
        if data.add_agent(&buf).map_err(anyhow::Error::new)? {
            responses += buf.len();
        }
    }
    if data.agents() == 0 {
        let why = if persons.is_empty() && simulated_left_out > 0 {
            format!(
                "no recorded response to estimate from: the {simulated_left_out} session(s) with responses are simulated, left out by default; pass --include-simulated to use them"
            )
        } else if persons.is_empty() {
            "no recorded response to estimate from".to_string()
        } else {
            format!(
                "none of the {} agent(s) with responses answered in two competences or more: the structure links competences, so it needs agents assessed in several",
                persons.len()
            )
        };
        bail!("{}: {why}", db.display());
    }
    // start from the structure in force (where it is informative), else the assumed √0.5
    let in_force = |code: &str| bank.structure.as_ref().map_or(0.0, |s| s.loading(code));
    let start: Vec<f64> = codes
        .iter()
        .enumerate()
        .map(|(d, c)| {
            let l = in_force(c).clamp(0.0, jauge_irt::structure::MAX_LOADING);
            if data.answered(d) < MIN_AGENTS || (0.05..=0.9).contains(&l) {
                l
            } else {
                std::f64::consts::FRAC_1_SQRT_2
            }
        })
        .collect();
    let options = StructureOptions {
        start: Some(start),
        threads,
        min_agents: MIN_AGENTS,
        ..StructureOptions::default()
    };
    let fit = fit_structure(&data, &options).map_err(anyhow::Error::new)?;
    let now = jiff::Timestamp::now();
    let estimated_at = now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let file = if fit.converged {
        Some(write_file(bank_dir, &codes, &fit, &estimated_at, now, responses)?)
    } else {
        None
    };
    Ok(report(
        &codes,
        &fit,
        file.as_deref(),
        &estimated_at,
        responses,
        simulated_left_out,
        bank.structure.as_ref().map(|s| s.file.as_str()),
    ))
}

/// The structure file's text (the format of `CONTRACTS.md`, read back by the bank loader).
fn file_text(codes: &[String], fit: &StructureFit, estimated_at: &str, responses: usize) -> String {
    let mut out = String::from(
        "# The profile structure estimated from recorded sessions (SCORING.md, \"Profile structure\";\n\
         # docs/calibration.md, \"The profile structure\"), written by `jauge calibrate --db … --bank …\n\
         # --structure`: marginal maximum likelihood over the g and θ grids, items fixed at the\n\
         # parameters in force; standard errors from the observed information.\n",
    );
    out.push_str(&format!(
        "# {} agents, {} responses; log-likelihood {:.3} ({:.3} under independence); {} Newton iterations.\n",
        fit.agents, responses, fit.loglik, fit.loglik_independent, fit.iterations
    ));
    let bound: Vec<&str> = codes
        .iter()
        .zip(&fit.states)
        .filter(|(_, s)| matches!(s, LoadingState::AtLowerBound | LoadingState::AtUpperBound))
        .map(|(c, _)| c.as_str())
        .collect();
    if !bound.is_empty() {
        out.push_str(&format!(
            "# At a bound of [0, 0.95] (no standard error): {}.\n",
            bound.join(", ")
        ));
    }
    let kept: Vec<&str> = codes
        .iter()
        .zip(&fit.states)
        .filter(|(_, s)| **s == LoadingState::NotEstimated)
        .map(|(c, _)| c.as_str())
        .collect();
    if !kept.is_empty() {
        out.push_str(&format!(
            "# Not estimated (fewer than {MIN_AGENTS} agents), the loading in force kept: {}.\n",
            kept.join(", ")
        ));
    }
    out.push_str(&format!(
        "status = \"estimated\"\nagents = {}\nestimated_at = \"{estimated_at}\"\n\n[loadings]\n",
        fit.agents
    ));
    for (c, l) in codes.iter().zip(&fit.loadings) {
        out.push_str(&format!("\"{c}\" = {}\n", round(*l)));
    }
    if fit.se.iter().any(Option::is_some) {
        out.push_str("\n[standard_errors]\n");
        for (c, se) in codes.iter().zip(&fit.se) {
            if let Some(se) = se {
                out.push_str(&format!("\"{c}\" = {}\n", round(*se)));
            }
        }
    }
    out
}

/// Six decimals: far below any standard error, and stable in diffs.
fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Writes a new structure file (never over an existing one); returns its path.
fn write_file(
    bank_dir: &Path,
    codes: &[String],
    fit: &StructureFit,
    estimated_at: &str,
    now: jiff::Timestamp,
    responses: usize,
) -> anyhow::Result<PathBuf> {
    let text = file_text(codes, fit, estimated_at, responses);
    let dir = bank_dir.join(jauge_bank::CALIBRATION_DIR);
    // the file must read back as the structure it states, before it lands in the bank
    let code_refs: Vec<&str> = codes.iter().map(String::as_str).collect();
    let (parsed, diags) = jauge_bank::structure::parse_structure("structure.toml", &text, &code_refs);
    if parsed.is_none() {
        bail!(
            "internal error: the structure file written would not read back: {}",
            diags
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let stamp = now.strftime("%Y-%m-%dT%H%M%SZ").to_string();
    for n in 1..1000 {
        let name = if n == 1 {
            format!("structure-{stamp}.toml")
        } else {
            format!("structure-{stamp}-{n}.toml")
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(text.as_bytes())
                    .and_then(|()| f.sync_all())
                    .with_context(|| format!("{}: cannot write", path.display()))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("{}: cannot create", path.display())),
        }
    }
    bail!(
        "{}: too many structure files with the same time stamp",
        dir.display()
    )
}

fn state_name(s: LoadingState) -> &'static str {
    match s {
        LoadingState::Interior => "estimated",
        LoadingState::AtLowerBound => "at_lower_bound",
        LoadingState::AtUpperBound => "at_upper_bound",
        LoadingState::NotEstimated => "not_estimated",
    }
}

fn report(
    codes: &[String],
    fit: &StructureFit,
    file: Option<&Path>,
    estimated_at: &str,
    responses: usize,
    simulated_left_out: i64,
    previous: Option<&str>,
) -> StructureReport {
    let opt = |x: Option<f64>| x.map_or(Value::Null, num);
    let loadings: Vec<Value> = codes
        .iter()
        .enumerate()
        .map(|(d, c)| {
            json!({
                "competence": c, "lambda": num(fit.loadings[d]), "se": opt(fit.se[d]),
                "se_robust": opt(fit.se_robust[d]), "agents": fit.answered[d],
                "state": state_name(fit.states[d]),
            })
        })
        .collect();
    let lr = 2.0 * (fit.loglik - fit.loglik_independent);
    let json = json!({
        "structure_file": file.map_or(Value::Null, |f| Value::String(f.display().to_string())),
        "status": "estimated",
        "estimated_at": estimated_at,
        "agents": fit.agents,
        "responses": responses,
        "single_competence_agents_left_out": fit.single_competence_agents,
        "simulated_sessions_left_out": simulated_left_out,
        "loadings": loadings,
        "loglik": num(fit.loglik),
        "loglik_independent": num(fit.loglik_independent),
        "likelihood_ratio": num(lr),
        "iterations": fit.iterations,
        "converged": fit.converged,
        "previous_structure": previous,
    });
    let mut t = String::new();
    t.push_str(&format!(
        "profile structure estimated from {} agent(s) ({} responses), items fixed at the parameters in force\n",
        fit.agents, responses
    ));
    t.push_str("competence  lambda     SE   robust SE  agents\n");
    for (d, c) in codes.iter().enumerate() {
        let se = |x: Option<f64>| x.map_or("     -".to_string(), |v| format!("{v:6.3}"));
        let note = match fit.states[d] {
            LoadingState::Interior => "",
            LoadingState::AtLowerBound => "  at the bound 0",
            LoadingState::AtUpperBound => "  at the bound 0.95",
            LoadingState::NotEstimated => "  not estimated (too few agents): the loading in force is kept",
        };
        t.push_str(&format!(
            "{c:<10} {:7.3} {}     {}  {:6}{note}\n",
            fit.loadings[d],
            se(fit.se[d]),
            se(fit.se_robust[d]),
            fit.answered[d]
        ));
    }
    t.push_str(&format!(
        "log-likelihood {:.3}; independence {:.3} (likelihood ratio {:.1} on {} loadings); {} Newton iteration(s){}\n",
        fit.loglik,
        fit.loglik_independent,
        lr,
        codes.len(),
        fit.iterations,
        if fit.converged { "" } else { " (NOT converged)" }
    ));
    if fit.single_competence_agents > 0 {
        t.push_str(&format!(
            "{} agent(s) with responses in a single competence left out (they carry no information on the structure)\n",
            fit.single_competence_agents
        ));
    }
    match file {
        Some(f) => t.push_str(&format!(
            "wrote {} (status estimated, {} agents): it is now the structure in force\n",
            f.display(),
            fit.agents
        )),
        None => t.push_str("not converged: no structure file written\n"),
    }
    if simulated_left_out > 0 {
        t.push_str(&format!(
            "{simulated_left_out} simulated session(s) left out (--include-simulated to use them)\n"
        ));
    }
    StructureReport {
        json,
        text: t,
        converged: fit.converged,
    }
}
