//! `jauge simulate --bank DIR --record FILE`: simulated agents assessed through the live-session
//! engine (the facade: the bank's full-profile plan, its structure in force, its exposure
//! control, every answer judged and recorded in the store), so that what reads the store —
//! `jauge calibrate --db … --structure`, exports, `profile show` — can be checked against a known
//! truth. Sessions are flagged simulated (left out of calibration unless `--include-simulated`).
//!
//! Agent `e` of the run is `sim<seed>-<id>`; its session's seed is derived from `--seed` and `e`.
//! The answers come from the true abilities and the true item parameters: with `--perturb`, an
//! answer is right with the probability P_true(θ) of the perturbed item, passed to the facade's
//! simulated answer as the ability θ′ at which the item's parameters in force give that same
//! probability (P_bank(θ′) = P_true(θ); exact, since perturbation keeps c and d).
//!
//! Durability: commits are not synced one by one (`Store::defer_sync`); the write-ahead log is
//! checkpointed every 100 agents and synced at the end, before the summary is printed.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use jauge::{Jauge, Lang, ManualClock, PlanChoice, StartOptions};
use jauge_engine::rng::splitmix64;
use jauge_irt::ItemParams;
use jauge_store::Store;
use serde_json::json;

use crate::cmd::print_json;

/// What a recording run needs.
pub(super) struct Recording<'a> {
    pub bank: jauge_bank::Bank,
    pub db: &'a Path,
    pub ids: &'a [String],
    pub codes: &'a [String],
    pub thetas: &'a [Vec<f64>],
    /// Item id → (parameters in force, true parameters), for perturbed runs.
    pub truth: Option<HashMap<String, (ItemParams, ItemParams)>>,
    pub seed: u64,
    pub json: bool,
}

/// The ability at which `bank` gives the probability that `truth` gives at `theta`.
fn equivalent_theta(bank: &ItemParams, truth: &ItemParams, theta: f64) -> f64 {
    let p = truth.prob(theta);
    let (a, b, c, d) = (bank.a(), bank.b(), bank.c(), bank.d());
    if !(p > c && p < d) {
        return if p <= c { -50.0 } else { 50.0 };
    }
    (b - (((d - c) / (p - c)) - 1.0).ln() / a).clamp(-50.0, 50.0)
}

/// Runs the recording.
pub(super) fn run(r: Recording<'_>) -> anyhow::Result<u8> {
    let mut store = Store::open(r.db)?;
    let wal = store.defer_sync()?;
    let jauge = Jauge::with(r.bank, store);
    let index: HashMap<&str, usize> = r.codes.iter().enumerate().map(|(k, c)| (c.as_str(), k)).collect();
    let clock = ManualClock(std::cell::Cell::new(
        jiff::Timestamp::now().as_millisecond().max(0) as u64,
    ));
    let (mut responses, mut sessions) = (0usize, 0usize);
    let pb = crate::cmd::calibrate::progress_bar(r.thetas.len());
    for (e, (id, theta)) in r.ids.iter().zip(r.thetas).enumerate() {
        let opts = StartOptions {
            agent: format!("sim{}-{id}", r.seed),
            organisation: None,
            plan: PlanChoice::All,
            lang: Lang::Fr,
            seed: Some(splitmix64(r.seed ^ splitmix64(e as u64 + 1))),
            simulated: true,
        };
        let mut a = jauge
            .start(&opts, &clock)
            .with_context(|| format!("simulated agent {}", opts.agent))?;
        while let Some(q) = a.next_question(&clock)? {
            let t = index.get(q.competence.as_str()).map_or(0.0, |&d| theta[d]);
            let t = match r.truth.as_ref().and_then(|m| m.get(&q.question.item)) {
                Some((bank, truth)) => equivalent_theta(bank, truth, t),
                None => t,
            };
            let answer = a.simulated_answer(t)?;
            clock.advance(1_000);
            a.submit(&answer, &clock)?;
            responses += 1;
        }
        a.finish(&clock)?;
        sessions += 1;
        clock.advance(1_000);
        pb.set_position(sessions as u64);
        if sessions % 100 == 0 {
            jauge.store().checkpoint_passive()?;
        }
    }
    pb.finish_and_clear();
    jauge.store().checkpoint_passive()?;
    wal.sync()
        .with_context(|| format!("{}: cannot sync", wal.path().display()))?;
    if r.json {
        print_json(&json!({
            "db": r.db.display().to_string(),
            "sessions": sessions,
            "responses": responses,
            "simulated": true,
            "seed": r.seed,
        }))?;
    } else {
        writeln!(
            std::io::stdout().lock(),
            "recorded {sessions} simulated session(s), {responses} response(s), in {} (agents sim{}-<id>; left out of calibration unless --include-simulated)",
            r.db.display(),
            r.seed
        )?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_equivalent_ability_gives_the_true_probability() {
        let bank = ItemParams::new(1.0, 0.4, 0.25, 1.0).unwrap();
        let truth = ItemParams::new(1.4, 0.9, 0.25, 1.0).unwrap();
        for t in [-3.0, -1.0, 0.0, 0.7, 2.5] {
            let e = equivalent_theta(&bank, &truth, t);
            assert!((bank.prob(e) - truth.prob(t)).abs() < 1e-12, "{t}");
        }
    }
}
