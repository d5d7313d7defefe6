//! Simulated sessions over a pool: many agents, fitted exposure control, perturbed parameters.

use jauge_irt::ItemParams;

use super::{ManualClock, Plan, Pool, Profile, Record, Session, SessionConfig};
use crate::error::EngineError;
use crate::rng::{Draws, Purpose, splitmix64};

/// The outcome of one simulated session.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedSession {
    /// The profile.
    pub profile: Profile,
    /// The national positioning score (⌊validated skills' pix⌋) per plan competence.
    pub national_pix: Vec<u32>,
    /// The records.
    pub records: Vec<Record>,
    /// Pool indices of the items selected but set aside by the exposure lottery.
    pub set_aside: Vec<usize>,
}

/// Simulates one session per examinee over `pool` with `plan`: `true_thetas[e][k]` is examinee
/// e's true θ on the plan's k-th competence; answers are drawn with `true_params` (one per pool
/// item; the pool's own when `None`) from each session's answers stream. Session e's seed is
/// derived from (`seed`, e). Results do not depend on `threads`.
pub fn simulate_pool(
    pool: &Pool,
    plan: &Plan,
    config: &SessionConfig,
    true_thetas: &[Vec<f64>],
    true_params: Option<&[ItemParams]>,
    seed: u64,
    threads: usize,
) -> Result<Vec<SimulatedSession>, EngineError> {
    if true_params.is_some_and(|p| p.len() != pool.items.len()) {
        return Err(EngineError::Setting(
            "true parameters must cover every pool item".into(),
        ));
    }
    let n = true_thetas.len();
    let threads = threads.clamp(1, n.max(1));
    let chunk = n.div_ceil(threads).max(1);
    let mut out: Vec<Option<Result<SimulatedSession, EngineError>>> = vec![None; n];
    std::thread::scope(|s| {
        for (c, slot) in out.chunks_mut(chunk).enumerate() {
            s.spawn(move || {
                for (j, r) in slot.iter_mut().enumerate() {
                    let e = c * chunk + j;
                    *r = Some(simulate_one(
                        pool,
                        plan,
                        config,
                        &true_thetas[e],
                        true_params,
                        seed,
                        e,
                    ));
                }
            });
        }
    });
    out.into_iter().flatten().collect()
}

/// The seed of simulated session `e` under `seed`.
pub fn session_seed(seed: u64, e: usize) -> u64 {
    splitmix64(seed ^ splitmix64(e as u64 ^ 0x5345_5353_494F_4E00))
}

fn simulate_one(
    pool: &Pool,
    plan: &Plan,
    config: &SessionConfig,
    thetas: &[f64],
    true_params: Option<&[ItemParams]>,
    seed: u64,
    e: usize,
) -> Result<SimulatedSession, EngineError> {
    let sseed = session_seed(seed, e);
    let mut s = Session::new(pool, plan.clone(), config.clone(), sseed)?;
    let mut answers = Draws::new(sseed, 0, Purpose::Answers);
    let clock = ManualClock::default();
    while let Some(q) = s.next_question(&clock) {
        let k = plan
            .competences
            .iter()
            .position(|c| c.code == q.competence)
            .unwrap_or(0);
        let theta = thetas.get(k).copied().unwrap_or(0.0);
        let p = true_params.map_or(pool.items[q.item].params, |t| t[q.item]);
        let right = answers.uniform(q.step as u64, 0) < p.prob(theta);
        clock.advance(1000);
        s.answer(&q.id, right, &clock)?;
    }
    Ok(SimulatedSession {
        profile: s.profile(),
        national_pix: (0..plan.competences.len()).map(|k| s.national_pix(k)).collect(),
        set_aside: s.set_aside(),
        records: s.records,
    })
}

/// Fits Sympson–Hetter control parameters for full sessions over `pool` with `plan` (Sympson &
/// Hetter 1985; the same loop as [`crate::exposure::fit_sympson_hetter`]): the population is
/// `true_thetas` (one row of θ per competence of the plan per simulated agent), every iteration
/// re-runs the same sessions (common random numbers) with the current k_i, counts for each item
/// the share of sessions whose rule selected it (administered, or set aside by the lottery),
/// P(S_i), and sets k_i ← min(1, r / P(S_i)), until the highest expected administration rate
/// P(S_i) · k_i is within 0.01 of `target` or `max_iterations` is reached. Infeasible when a
/// competence's maximum length ÷ r exceeds its live items.
///
/// `groups` (one group number per agent, or empty for a single population) makes the control
/// hold in every group, in the spirit of Stocking & Lewis's (1998) conditional exposure control:
/// P(S_i) is then the largest share over the groups, so that no group of the population (e.g.
/// agents whose competences are little or much correlated) sees an item more than r of the
/// time.
#[allow(clippy::too_many_arguments)]
pub fn fit_sympson_hetter_pool(
    pool: &Pool,
    plan: &Plan,
    config: &SessionConfig,
    true_thetas: &[Vec<f64>],
    groups: &[usize],
    true_params: Option<&[ItemParams]>,
    seed: u64,
    threads: usize,
    target: f64,
    max_iterations: usize,
) -> Result<crate::exposure::ShFit, EngineError> {
    for cp in &plan.competences {
        let usable = pool
            .competence(&cp.code)
            .map_or(0, |c| pool.competences[c].live.len());
        crate::exposure::check_feasible(target, cp.max_items, usable)?;
    }
    let index: std::collections::HashMap<&str, usize> = pool
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.id.as_str(), i))
        .collect();
    let n_items = pool.items.len();
    let mut k = vec![1.0; n_items];
    let group = |e: usize| groups.get(e).copied().unwrap_or(0);
    let n_groups = (0..true_thetas.len()).map(group).max().map_or(1, |g| g + 1);
    let mut size = vec![0usize; n_groups];
    for e in 0..true_thetas.len() {
        size[group(e)] += 1;
    }
    let mut last_max = f64::INFINITY;
    for it in 0..max_iterations.max(1) {
        let cfg = SessionConfig {
            exposure: Some(k.clone()),
            ..config.clone()
        };
        let sessions = simulate_pool(pool, plan, &cfg, true_thetas, true_params, seed, threads)?;
        let mut selected = vec![vec![0usize; n_items]; n_groups];
        for (e, s) in sessions.iter().enumerate() {
            let sel = &mut selected[group(e)];
            for r in s.records.iter().filter(|r| !r.pretest) {
                if let Some(&i) = index.get(r.item.as_str()) {
                    sel[i] += 1;
                }
            }
            for &i in &s.set_aside {
                sel[i] += 1;
            }
        }
        let p_selected: Vec<f64> = (0..n_items)
            .map(|i| {
                (0..n_groups)
                    .filter(|&g| size[g] > 0)
                    .map(|g| selected[g][i] as f64 / size[g] as f64)
                    .fold(0.0, f64::max)
            })
            .collect();
        last_max = p_selected.iter().zip(&k).map(|(p, k)| p * k).fold(0.0, f64::max);
        if last_max <= target + crate::exposure::TOLERANCE {
            return Ok(crate::exposure::ShFit {
                k,
                iterations: it + 1,
                max_exposure: last_max,
                converged: true,
            });
        }
        for (ki, &ps) in k.iter_mut().zip(&p_selected) {
            *ki = if ps > 0.0 { (target / ps).min(1.0) } else { 1.0 };
        }
    }
    Ok(crate::exposure::ShFit {
        k,
        iterations: max_iterations.max(1),
        max_exposure: last_max,
        converged: false,
    })
}

/// "True" parameters perturbed from the bank's, so that a comparison does not assume the
/// provisional parameters are right: b + N(0, sd²), a × lognormal(0, sd/2); c and d kept.
pub fn perturb_params(params: &[ItemParams], sd: f64, seed: u64) -> Vec<ItemParams> {
    let mut d = Draws::new(seed, 2, Purpose::Abilities);
    params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let b = p.b() + sd * d.normal(2 * i as u64);
            let a = p.a() * (0.5 * sd * d.normal(2 * i as u64 + 1)).exp();
            ItemParams::new(a, b, p.c(), p.d()).unwrap_or(*p)
        })
        .collect()
}
