//! Simulated adaptive tests over an item file (one θ, no content constraints): the standard
//! scenarios and the deterministic reference checks of `jauge simulate --items`.
//!
//! Each examinee is independent: its random draws come from its own ChaCha streams (selection
//! ties, exposure lotteries, simulated answers), so the results are identical whatever the number
//! of threads. Examinees are split into contiguous chunks, one per thread.

use jauge_irt::Grid;

use crate::error::EngineError;
use crate::estimate::{AbilityEstimator, LinearPosterior};
use crate::index::InfoIndex;
use crate::index::top_k;
use crate::itemset::ItemSet;
use crate::rng::{Draws, Purpose};
use crate::select::{SelectContext, Selector, pick_among_best};

/// Where the simulated answers come from.
#[derive(Debug, Clone, Copy)]
pub enum Truth<'a> {
    /// True abilities: the answer to item i at step s is right when u < P_i(θ), u the answers
    /// stream's uniform at (s, 0).
    Thetas(&'a [f64]),
    /// Pre-drawn answers to every item (an item without an answer is never administered).
    Responses(&'a ResponseMatrix),
}

/// Pre-drawn answers, examinee × item, each right, wrong or missing.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseMatrix {
    items: usize,
    cells: Vec<u8>,
}

impl ResponseMatrix {
    /// An all-missing matrix.
    pub fn new(examinees: usize, items: usize) -> Self {
        Self {
            items,
            cells: vec![2; examinees * items],
        }
    }

    /// Sets the answer of examinee `e` to item `i`.
    pub fn set(&mut self, e: usize, i: usize, right: bool) {
        self.cells[e * self.items + i] = u8::from(right);
    }

    /// The answer of examinee `e` to item `i`, if drawn.
    #[inline]
    pub fn get(&self, e: usize, i: usize) -> Option<bool> {
        match self.cells[e * self.items + i] {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    /// Number of examinees.
    pub fn examinees(&self) -> usize {
        self.cells.len().checked_div(self.items).unwrap_or(0)
    }
}

/// Stopping and run settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Maximum number of items (the fixed length without an SE target).
    pub length: usize,
    /// Minimum number of items before the SE target may stop a test.
    pub min_length: usize,
    /// Stop once SE ≤ this.
    pub se_target: Option<f64>,
    /// θ at which the first item is chosen.
    pub start_theta: f64,
    /// Session seed.
    pub seed: u64,
    /// Worker threads (results do not depend on it).
    pub threads: usize,
    /// Sympson–Hetter control parameters k_i, one per item, if exposure control is on.
    pub exposure: Option<Vec<f64>>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            length: 20,
            min_length: 0,
            se_target: None,
            start_theta: 0.0,
            seed: 0,
            threads: 1,
            exposure: None,
        }
    }
}

/// The record of one simulated test.
#[derive(Debug, Clone, PartialEq)]
pub struct ExamineeResult {
    /// Final θ̂.
    pub theta: f64,
    /// Its standard error.
    pub se: f64,
    /// Administered items, in order.
    pub items: Vec<u32>,
    /// The answers, in order.
    pub answers: Vec<bool>,
    /// Items chosen by the rule, including those the exposure lottery set aside.
    pub selected: Vec<u32>,
}

/// A simulation of adaptive tests on one item set.
pub struct Simulation<'a> {
    /// The items.
    pub set: &'a ItemSet,
    /// Their short lists (maximum information).
    pub index: Option<&'a InfoIndex>,
    /// The quadrature grid.
    pub grid: &'a Grid,
    /// The selection rule.
    pub selector: &'a dyn Selector,
    /// The ability estimator.
    pub estimator: &'a dyn AbilityEstimator,
    /// Settings.
    pub config: &'a SimConfig,
}

impl Simulation<'_> {
    /// Simulates `n` examinees (θ or pre-drawn answers from `truth`).
    pub fn run(&self, truth: Truth<'_>, n: usize) -> Result<Vec<ExamineeResult>, EngineError> {
        if let Some(k) = &self.config.exposure
            && k.len() != self.set.len()
        {
            return Err(EngineError::ExposureParams {
                expected: self.set.len(),
                got: k.len(),
            });
        }
        match truth {
            Truth::Thetas(t) if t.len() < n => {
                return Err(EngineError::Examinees {
                    expected: n,
                    got: t.len(),
                });
            }
            Truth::Responses(r) if r.examinees() < n || r.items != self.set.len() => {
                return Err(EngineError::Examinees {
                    expected: n,
                    got: r.examinees(),
                });
            }
            _ => {}
        }
        let threads = self.config.threads.clamp(1, n.max(1));
        let mut out: Vec<Option<ExamineeResult>> = vec![None; n];
        let chunk = n.div_ceil(threads).max(1);
        std::thread::scope(|s| {
            for (c, slot) in out.chunks_mut(chunk).enumerate() {
                s.spawn(move || {
                    let mut work = Work::new(self.set.len(), LinearPosterior::new(self.grid));
                    for (j, r) in slot.iter_mut().enumerate() {
                        *r = Some(self.one(c * chunk + j, truth, &mut work));
                    }
                });
            }
        });
        Ok(out.into_iter().flatten().collect())
    }

    fn one(&self, e: usize, truth: Truth<'_>, work: &mut Work) -> ExamineeResult {
        let cfg = self.config;
        let unit = e as u64;
        let mut sel_draws = Draws::new(cfg.seed, unit, Purpose::Selection);
        let mut exp_draws = Draws::new(cfg.seed, unit, Purpose::Exposure);
        let mut ans_draws = Draws::new(cfg.seed, unit, Purpose::Answers);
        let mut post = work.prior.clone();
        let mut theta = cfg.start_theta;
        let mut se = post.sd();
        let mut responses: Vec<(usize, bool)> = Vec::with_capacity(cfg.length);
        let mut selected = Vec::new();
        work.reset();
        for step in 0..cfg.length {
            if step >= cfg.min_length && cfg.se_target.is_some_and(|t| se <= t) {
                break;
            }
            let ctx = SelectContext {
                set: self.set,
                index: self.index,
                grid: self.grid,
                theta,
                posterior: &post,
                step: step as u64,
            };
            let mut attempt = 0u64;
            let item = loop {
                let pick = {
                    let blocked = &work.blocked;
                    let eligible = |i: usize| {
                        !blocked[i]
                            && match truth {
                                Truth::Responses(r) => r.get(e, i).is_some(),
                                Truth::Thetas(_) => true,
                            }
                    };
                    match (self.selector.max_info_k(), truth) {
                        // the common case, with the eligibility test inlined into the search
                        (Some(k), Truth::Thetas(_)) => {
                            top_k(self.set, self.index, theta, k, |i| !blocked[i], &mut work.ranked);
                            pick_among_best(&work.ranked, k, &mut sel_draws, step as u64)
                        }
                        _ => self.selector.select(&ctx, &eligible, &mut sel_draws),
                    }
                };
                let Some(i) = pick else {
                    break None;
                };
                let Some(k) = &cfg.exposure else { break Some(i) };
                selected.push(i as u32);
                if k[i] >= 1.0 || exp_draws.uniform(step as u64, attempt) < k[i] {
                    break Some(i);
                }
                attempt += 1;
                // set aside for the rest of this test
                work.block(i);
                if attempt > self.set.len() as u64 {
                    break None;
                }
            };
            let Some(item) = item else { break };
            if cfg.exposure.is_none() {
                selected.push(item as u32);
            }
            let right = match truth {
                Truth::Thetas(t) => {
                    ans_draws.uniform(step as u64, 0) < crate::itemset::prob(self.set.params(item), t[e])
                }
                Truth::Responses(r) => r.get(e, item).unwrap_or(false),
            };
            work.block(item);
            responses.push((item, right));
            post.add(self.grid, self.set, item, right, &responses);
            let est = self.estimator.estimate(self.grid, self.set, &post, &responses);
            theta = est.theta;
            se = est.se;
        }
        ExamineeResult {
            theta,
            se,
            items: responses.iter().map(|r| r.0 as u32).collect(),
            answers: responses.iter().map(|r| r.1).collect(),
            selected,
        }
    }
}

/// Per-thread scratch: which items are blocked (given or set aside) for the current examinee.
struct Work {
    ranked: Vec<crate::index::Ranked>,
    blocked: Vec<bool>,
    touched: Vec<usize>,
    prior: LinearPosterior,
}

impl Work {
    fn new(n: usize, prior: LinearPosterior) -> Self {
        Self {
            ranked: Vec::new(),
            blocked: vec![false; n],
            touched: Vec::new(),
            prior,
        }
    }
    fn reset(&mut self) {
        for &i in &self.touched {
            self.blocked[i] = false;
        }
        self.touched.clear();
    }
    fn block(&mut self, i: usize) {
        if !self.blocked[i] {
            self.blocked[i] = true;
            self.touched.push(i);
        }
    }
}

/// Summary figures of a simulation, as `jauge simulate --json` reports them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Number of examinees.
    pub examinees: usize,
    /// Mean number of administered items.
    pub mean_length: f64,
    /// √mean((θ̂ − θ)²), when true abilities are known.
    pub rmse: Option<f64>,
    /// mean(θ̂ − θ).
    pub bias: Option<f64>,
    /// Pearson correlation of θ̂ and θ.
    pub correlation: Option<f64>,
    /// Mean SE.
    pub mean_se: f64,
    /// Highest exposure rate: administrations of an item ÷ examinees.
    pub max_exposure: f64,
}

/// Exposure rate of every item: administrations ÷ examinees.
pub fn exposure_rates(results: &[ExamineeResult], items: usize) -> Vec<f64> {
    let mut count = vec![0usize; items];
    for r in results {
        for &i in &r.items {
            count[i as usize] += 1;
        }
    }
    let n = results.len().max(1) as f64;
    count.into_iter().map(|c| c as f64 / n).collect()
}

/// Summarises `results` against the true abilities, if known.
pub fn summarise(results: &[ExamineeResult], items: usize, truth: Option<&[f64]>) -> Summary {
    let n = results.len();
    let nf = n.max(1) as f64;
    let mean_length = results.iter().map(|r| r.items.len()).sum::<usize>() as f64 / nf;
    let mean_se = results.iter().map(|r| r.se).sum::<f64>() / nf;
    let max_exposure = exposure_rates(results, items).into_iter().fold(0.0, f64::max);
    let (mut rmse, mut bias, mut correlation) = (None, None, None);
    if let Some(t) = truth
        && n > 0
    {
        let err: Vec<f64> = results.iter().zip(t).map(|(r, &x)| r.theta - x).collect();
        rmse = Some((err.iter().map(|e| e * e).sum::<f64>() / nf).sqrt());
        bias = Some(err.iter().sum::<f64>() / nf);
        let mx = t.iter().take(n).sum::<f64>() / nf;
        let my = results.iter().map(|r| r.theta).sum::<f64>() / nf;
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for (r, &x) in results.iter().zip(t) {
            sxy += (x - mx) * (r.theta - my);
            sxx += (x - mx) * (x - mx);
            syy += (r.theta - my) * (r.theta - my);
        }
        let c = sxy / (sxx * syy).sqrt();
        correlation = c.is_finite().then_some(c);
    }
    Summary {
        examinees: n,
        mean_length,
        rmse,
        bias,
        correlation,
        mean_se,
        max_exposure,
    }
}
