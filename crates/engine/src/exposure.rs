//! Sympson–Hetter exposure control (Sympson & Hetter 1985).
//!
//! Each item i has a control parameter k_i. An item chosen by the selection rule is administered
//! with probability k_i; otherwise it is set aside for the rest of the test and the next best is
//! tried. The k_i are fitted by repeated simulation over a stated population and plan:
//! start with k_i = 1; simulate; with P(S_i) the rate at which the rule selected item i, set
//! k_i ← min(1, r / P(S_i)); repeat until the highest administration rate is within 0.01 of the
//! target r, or the iteration cap is reached. The rate checked is the expected one, P(S_i) · k_i,
//! over the same simulated paths (common random numbers across iterations): the lottery's own
//! sampling noise (±0.02 at 400 examinees) would otherwise keep the maximum above r + 0.01
//! whatever the k_i. A test of L items with every rate ≤ r needs at least
//! L ÷ r usable items: below that the target is reported infeasible instead of looping.

use crate::error::EngineError;
use crate::simulate::{SimConfig, Simulation, Truth};

/// The outcome of a Sympson–Hetter fit.
#[derive(Debug, Clone, PartialEq)]
pub struct ShFit {
    /// The control parameters k_i, one per item.
    pub k: Vec<f64>,
    /// Simulations run.
    pub iterations: usize,
    /// Highest expected administration rate P(S_i) · k_i in the last simulation.
    pub max_exposure: f64,
    /// Whether it came within the tolerance of the target.
    pub converged: bool,
}

/// Tolerance on the maximum exposure rate.
pub const TOLERANCE: f64 = 0.01;

/// Checks that a target rate is reachable: ⌈length ÷ r⌉ ≤ usable items.
pub fn check_feasible(target: f64, length: usize, usable: usize) -> Result<(), EngineError> {
    if !(target > 0.0 && target <= 1.0) {
        return Err(EngineError::Setting(format!(
            "exposure target {target}: it must be a rate in (0, 1]"
        )));
    }
    let needed = (length as f64 / target - 1e-9).ceil() as usize;
    if needed > usable {
        return Err(EngineError::InfeasibleExposure {
            target,
            length,
            needed,
            usable,
        });
    }
    Ok(())
}

/// Fits the k_i of `sim` (its config's `exposure` is ignored) over the population `thetas`,
/// at most `max_iterations` simulations. Every iteration uses the same seed (common random
/// numbers), so that the rates move because the k_i changed and not because of sampling noise.
pub fn fit_sympson_hetter(
    sim: &Simulation<'_>,
    thetas: &[f64],
    target: f64,
    max_iterations: usize,
) -> Result<ShFit, EngineError> {
    let n_items = sim.set.len();
    check_feasible(target, sim.config.length, n_items)?;
    let mut k = vec![1.0; n_items];
    let mut last_max = f64::INFINITY;
    for it in 0..max_iterations.max(1) {
        let config = SimConfig {
            exposure: Some(k.clone()),
            ..sim.config.clone()
        };
        let s = Simulation {
            config: &config,
            ..*sim
        };
        let results = s.run(Truth::Thetas(thetas), thetas.len())?;
        let mut selected = vec![0usize; n_items];
        for r in &results {
            for &i in &r.selected {
                selected[i as usize] += 1;
            }
        }
        let n = thetas.len().max(1) as f64;
        let p_selected: Vec<f64> = selected.iter().map(|&s| s as f64 / n).collect();
        // expected administration rate P(S_i) · k_i: the realised rate without the lottery's
        // own sampling noise, which the update cannot correct
        last_max = p_selected.iter().zip(&k).map(|(p, k)| p * k).fold(0.0, f64::max);
        if last_max <= target + TOLERANCE {
            return Ok(ShFit {
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
    Ok(ShFit {
        k,
        iterations: max_iterations.max(1),
        max_exposure: last_max,
        converged: false,
    })
}
