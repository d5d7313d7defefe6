//! Estimating the loadings of the profile structure (`SCORING.md`, "Profile structure") from
//! recorded responses, the items fixed at their parameters in force: marginal maximum likelihood
//! over the g and θ grids, exact on the grids.
//!
//! **Model.** θ_d = λ_d g + √(1 − λ_d²) e_d, 0 ≤ λ_d ≤ 0.95. With L_pd(θ_k) the likelihood of
//! agent p's scored responses in competence d at the θ node k (the items' parameters fixed), the
//! marginal likelihood of agent p is, on the grids of `SCORING.md`,
//!
//! L_p(λ) = Σ_j ω_j Π_{d ∈ D_p} A_pd(g_j; λ_d),   A_pd(g_j; λ) = Σ_k w_k(g_j; λ) L_pd(θ_k),
//!
//! D_p the competences agent p answered (a competence without responses has A = 1), ω_j the
//! N(0, 1) weights of the g grid and w_k(g; λ) ∝ exp(e_k), e_k = −(θ_k − λ g)² / (2 (1 − λ²)),
//! renormalised over k for every g node. The estimate maximises ℓ(λ) = Σ_p ln L_p(λ) over the box
//! [0, 0.95]^D.
//!
//! **Derivatives (exact on the grids).** With z = θ_k − λ g and v = 1 − λ²,
//! e′_k = z g / v − λ z² / v² and e″_k = −g² / v + 4 λ z g / v² − z² / v² − 4 λ² z² / v³;
//! the renormalised weights have w′_k = w_k (e′_k − ē′) and
//! w″_k = w_k [(e′_k − ē′)² + e″_k − ē″ − Var_w(e′)] (ē = Σ_k w_k e_k). Then A′, A″ are the same
//! sums with w′, w″; with π_p(j) the posterior of g_j given agent p's responses and
//! r_dj = A′_pd / A_pd, q_dj = A″_pd / A_pd:
//!
//! ∂ ln L_p / ∂λ_d = Σ_j π_p(j) r_dj =: s_pd,
//! ∂² ln L_p / ∂λ_d ∂λ_e = Σ_j π_p(j) r_dj r_ej − s_pd s_pe (d ≠ e), Σ_j π_p(j) q_dj − s_pd² (d = e).
//!
//! **Optimisation.** Projected Newton on the exact Hessian, with Levenberg–Marquardt damping
//! whenever −H is not positive definite on the free loadings, and step halving until ℓ does not
//! decrease; a loading at a bound whose gradient points out of the box is held there. Converged
//! when the largest change of a loading is below `tolerance` (default 1e−6).
//!
//! **Standard errors.** From the observed information −H (the exact Hessian of the marginal
//! log-likelihood at the estimate) restricted to the loadings strictly inside the box; a
//! loading at a bound has none (the normal approximation does not hold there). The sandwich
//! H⁻¹ B H⁻¹, B = Σ_p s_p s_pᵀ, is given beside it (robust to a misspecified model, e.g. item
//! parameters off their truth). Agents who answered in a single competence carry no information
//! on the loadings (their marginal likelihood does not depend on λ but through the grid's
//! truncation) and are left out.
//!
//! No I/O: the caller supplies each agent's responses as (competence index, item parameters,
//! right or wrong).

use thiserror::Error;

use crate::quadrature::log_sum_exp;
use crate::structure::{FactorGrid, MAX_LOADING};
use crate::{Grid, ItemParams};

/// Why the structure cannot be estimated.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StructureFitError {
    /// A response names a competence beyond the number given.
    #[error("competence index {index} is out of range (there are {competences})")]
    CompetenceOutOfRange {
        /// The index given.
        index: usize,
        /// The number of competences.
        competences: usize,
    },
    /// The θ grid's prior must be N(0, 1), the population distribution of every θ_d.
    #[error("the θ grid's prior must be N(0, 1) (got N({mean}, {sd}²))")]
    Prior {
        /// Its mean.
        mean: f64,
        /// Its SD.
        sd: f64,
    },
    /// No agent answered in two competences or more: the loadings are not identified.
    #[error(
        "no agent has responses in two competences or more: the loadings cannot be estimated (each agent's competences are only linked through the general factor)"
    )]
    NoAgents,
    /// A starting loading outside [0, 0.95].
    #[error("starting loading {0} is outside [0, 0.95]")]
    Start(f64),
    /// The starting values do not match the number of competences.
    #[error("{got} starting loadings for {expected} competences")]
    StartLength {
        /// Competences.
        expected: usize,
        /// Starting values given.
        got: usize,
    },
}

/// Below this, an agent's likelihood row is rescaled so that its largest node is 1.
const RESCALE_BELOW: f64 = 1e-150;

/// One agent's likelihood rows, one per competence answered.
#[derive(Debug, Clone, PartialEq)]
struct AgentRows {
    /// Competences answered, increasing.
    comps: Vec<u16>,
    /// |comps| rows of K values L_pd(θ_k), each rescaled so that its largest value is 1.
    like: Vec<f64>,
    /// Σ_d ln(the factor removed from row d): ln L_p = log_scale + ln Σ_j …
    log_scale: f64,
}

/// The data of a structure estimation: every agent's likelihood on the θ grid, per competence.
/// About 8 × K × (competences answered) bytes per agent (≈ 7.8 KB for 16 competences and 61
/// nodes).
#[derive(Debug, Clone, PartialEq)]
pub struct StructureData {
    theta: Grid,
    competences: usize,
    agents: Vec<AgentRows>,
    /// Agents with responses in this competence (among those kept).
    answered: Vec<usize>,
    /// Agents left out because they answered in fewer than two competences.
    single: usize,
}

impl StructureData {
    /// Empty data for `competences` competences on the θ grid `theta` (its prior must be
    /// N(0, 1)).
    pub fn new(theta: &Grid, competences: usize) -> Result<Self, StructureFitError> {
        if theta.prior_mean() != 0.0 || theta.prior_sd() != 1.0 {
            return Err(StructureFitError::Prior {
                mean: theta.prior_mean(),
                sd: theta.prior_sd(),
            });
        }
        Ok(Self {
            theta: theta.clone(),
            competences,
            agents: Vec::new(),
            answered: vec![0; competences],
            single: 0,
        })
    }

    /// Adds one agent's scored responses: (competence index, the item's parameters in force,
    /// right). Returns false, keeping nothing, when they span fewer than two competences.
    pub fn add_agent(&mut self, responses: &[(usize, ItemParams, bool)]) -> Result<bool, StructureFitError> {
        let mut comps: Vec<usize> = Vec::new();
        for &(d, _, _) in responses {
            if d >= self.competences {
                return Err(StructureFitError::CompetenceOutOfRange {
                    index: d,
                    competences: self.competences,
                });
            }
            comps.push(d);
        }
        comps.sort_unstable();
        comps.dedup();
        if comps.len() < 2 {
            self.single += 1;
            return Ok(false);
        }
        let k = self.theta.len();
        let mut like = vec![1.0; comps.len() * k];
        let mut log_scale = 0.0;
        for (slot, &d) in comps.iter().enumerate() {
            let row = &mut like[slot * k..(slot + 1) * k];
            for (it, right) in responses.iter().filter(|r| r.0 == d).map(|r| (&r.1, r.2)) {
                let mut max = 0.0f64;
                for (l, &t) in row.iter_mut().zip(self.theta.nodes()) {
                    *l *= if right { it.prob(t) } else { it.prob_wrong(t) };
                    max = max.max(*l);
                }
                if max > 0.0 && max < RESCALE_BELOW {
                    log_scale += max.ln();
                    row.iter_mut().for_each(|l| *l /= max);
                }
            }
            let max = row.iter().copied().fold(0.0f64, f64::max);
            if max > 0.0 {
                log_scale += max.ln();
                row.iter_mut().for_each(|l| *l /= max);
            }
            self.answered[d] += 1;
        }
        self.agents.push(AgentRows {
            comps: comps.iter().map(|&d| d as u16).collect(),
            like,
            log_scale,
        });
        Ok(true)
    }

    /// Agents kept (responses in two competences or more).
    pub fn agents(&self) -> usize {
        self.agents.len()
    }

    /// Agents left out: responses in a single competence.
    pub fn single_competence_agents(&self) -> usize {
        self.single
    }

    /// Agents kept with responses in competence `d`.
    pub fn answered(&self, d: usize) -> usize {
        self.answered[d]
    }

    /// The number of competences.
    pub fn competences(&self) -> usize {
        self.competences
    }
}

/// The conditional prior rows of one loading and their first two derivatives in λ.
struct Rows {
    /// J × K: w_k(g_j), w′_k(g_j), w″_k(g_j).
    w: Vec<f64>,
    w1: Vec<f64>,
    w2: Vec<f64>,
}

fn rows(theta: &[f64], factor: &[f64], lambda: f64) -> Rows {
    let k = theta.len();
    let n = factor.len() * k;
    let (mut w, mut w1, mut w2) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let v = 1.0 - lambda * lambda;
    let mut e = vec![0.0; k];
    let mut e1 = vec![0.0; k];
    let mut e2 = vec![0.0; k];
    for &g in factor {
        for (kk, &t) in theta.iter().enumerate() {
            let z = t - lambda * g;
            e[kk] = -0.5 * z * z / v;
            e1[kk] = z * g / v - lambda * z * z / (v * v);
            e2[kk] = -g * g / v + 4.0 * lambda * z * g / (v * v)
                - z * z / (v * v)
                - 4.0 * lambda * lambda * z * z / (v * v * v);
        }
        let norm = log_sum_exp(&e);
        let wr: Vec<f64> = e.iter().map(|x| (x - norm).exp()).collect();
        let m1: f64 = wr.iter().zip(&e1).map(|(a, b)| a * b).sum();
        let m2: f64 = wr.iter().zip(&e2).map(|(a, b)| a * b).sum();
        let var1: f64 = wr.iter().zip(&e1).map(|(a, b)| a * (b - m1) * (b - m1)).sum();
        for kk in 0..k {
            let d1 = e1[kk] - m1;
            w.push(wr[kk]);
            w1.push(wr[kk] * d1);
            w2.push(wr[kk] * (d1 * d1 + e2[kk] - m2 - var1));
        }
    }
    Rows { w, w1, w2 }
}

/// ℓ(λ), its gradient and Hessian, and the cross-product of the agents' scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// ℓ(λ) = Σ_p ln L_p(λ).
    pub loglik: f64,
    /// ∂ℓ / ∂λ_d.
    pub gradient: Vec<f64>,
    /// ∂²ℓ / ∂λ_d ∂λ_e, row-major D × D.
    pub hessian: Vec<f64>,
    /// Σ_p s_p s_pᵀ (s_p the agent's score), row-major D × D.
    pub cross_product: Vec<f64>,
}

impl Evaluation {
    fn zero(d: usize) -> Self {
        Self {
            loglik: 0.0,
            gradient: vec![0.0; d],
            hessian: vec![0.0; d * d],
            cross_product: vec![0.0; d * d],
        }
    }

    fn add(&mut self, o: &Self) {
        self.loglik += o.loglik;
        for (a, b) in self.gradient.iter_mut().zip(&o.gradient) {
            *a += b;
        }
        for (a, b) in self.hessian.iter_mut().zip(&o.hessian) {
            *a += b;
        }
        for (a, b) in self.cross_product.iter_mut().zip(&o.cross_product) {
            *a += b;
        }
    }
}

/// The fixed number of chunks the agents are cut into (whatever the thread count), each summed in
/// order and reduced in order: the result does not depend on the number of threads.
const CHUNKS: usize = 16;

/// ℓ(λ) with its exact gradient and Hessian (see the module documentation), on the factor grid
/// `factor`, over `threads` threads (0: all cores).
pub fn evaluate(
    data: &StructureData,
    factor: &FactorGrid,
    loadings: &[f64],
    threads: usize,
) -> Result<Evaluation, StructureFitError> {
    check_loadings(data.competences, loadings)?;
    let theta = data.theta.nodes();
    let all: Vec<Rows> = loadings.iter().map(|&l| rows(theta, factor.nodes(), l)).collect();
    let dn = data.competences;
    let chunk = data.agents.len().div_ceil(CHUNKS).max(1);
    let parts: Vec<&[AgentRows]> = data.agents.chunks(chunk).collect();
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(parts.len())
    .max(1);
    let run = |agents: &[AgentRows]| {
        let mut ev = Evaluation::zero(dn);
        let mut scratch = Scratch::default();
        for a in agents {
            agent_terms(a, &all, factor, theta.len(), dn, &mut scratch, &mut ev);
        }
        ev
    };
    let results: Vec<Evaluation> = if threads == 1 {
        parts.iter().map(|p| run(p)).collect()
    } else {
        let mut out: Vec<Option<Evaluation>> = vec![None; parts.len()];
        let slots: Vec<(usize, &[AgentRows])> = parts.iter().copied().enumerate().collect();
        std::thread::scope(|s| {
            let run = &run;
            let per = slots.len().div_ceil(threads);
            let handles: Vec<_> = slots
                .chunks(per)
                .map(|group| s.spawn(move || group.iter().map(|(i, p)| (*i, run(p))).collect::<Vec<_>>()))
                .collect();
            for h in handles {
                for (i, ev) in h.join().expect("a structure worker panicked") {
                    out[i] = Some(ev);
                }
            }
        });
        out.into_iter().flatten().collect()
    };
    let mut total = Evaluation::zero(dn);
    for r in &results {
        total.add(r);
    }
    Ok(total)
}

/// The marginal log-likelihood ℓ(λ) alone (one pass, no derivatives kept).
pub fn loglik(data: &StructureData, factor: &FactorGrid, loadings: &[f64]) -> Result<f64, StructureFitError> {
    Ok(evaluate(data, factor, loadings, 1)?.loglik)
}

/// The marginal log-likelihood of every agent kept, in the order they were added.
pub fn agent_logliks(
    data: &StructureData,
    factor: &FactorGrid,
    loadings: &[f64],
) -> Result<Vec<f64>, StructureFitError> {
    check_loadings(data.competences, loadings)?;
    let theta = data.theta.nodes();
    let all: Vec<Rows> = loadings.iter().map(|&l| rows(theta, factor.nodes(), l)).collect();
    let mut scratch = Scratch::default();
    Ok(data
        .agents
        .iter()
        .map(|a| {
            let mut ev = Evaluation::zero(data.competences);
            agent_terms(
                a,
                &all,
                factor,
                theta.len(),
                data.competences,
                &mut scratch,
                &mut ev,
            );
            ev.loglik
        })
        .collect())
}

fn check_loadings(d: usize, loadings: &[f64]) -> Result<(), StructureFitError> {
    if loadings.len() != d {
        return Err(StructureFitError::StartLength {
            expected: d,
            got: loadings.len(),
        });
    }
    if let Some(&l) = loadings.iter().find(|l| !(0.0..=MAX_LOADING).contains(*l)) {
        return Err(StructureFitError::Start(l));
    }
    Ok(())
}

#[derive(Default)]
struct Scratch {
    u: Vec<f64>,
    r: Vec<f64>,
    q: Vec<f64>,
    pi: Vec<f64>,
    s: Vec<f64>,
}

/// Adds one agent's ln L_p, score, Hessian and score cross-product to `ev`.
fn agent_terms(
    a: &AgentRows,
    all: &[Rows],
    factor: &FactorGrid,
    k: usize,
    dn: usize,
    sc: &mut Scratch,
    ev: &mut Evaluation,
) {
    let j_n = factor.len();
    let m = a.comps.len();
    sc.u.clear();
    sc.u.extend_from_slice(factor.log_weights());
    sc.r.clear();
    sc.r.resize(m * j_n, 0.0);
    sc.q.clear();
    sc.q.resize(m * j_n, 0.0);
    for (slot, &d) in a.comps.iter().enumerate() {
        let rw = &all[d as usize];
        let like = &a.like[slot * k..(slot + 1) * k];
        for j in 0..j_n {
            let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
            let (w, w1, w2) = (
                &rw.w[j * k..(j + 1) * k],
                &rw.w1[j * k..(j + 1) * k],
                &rw.w2[j * k..(j + 1) * k],
            );
            for kk in 0..k {
                let l = like[kk];
                s0 += w[kk] * l;
                s1 += w1[kk] * l;
                s2 += w2[kk] * l;
            }
            sc.u[j] += s0.ln();
            sc.r[slot * j_n + j] = s1 / s0;
            sc.q[slot * j_n + j] = s2 / s0;
        }
    }
    let norm = log_sum_exp(&sc.u);
    ev.loglik += norm + a.log_scale;
    sc.pi.clear();
    sc.pi.extend(sc.u.iter().map(|x| (x - norm).exp()));
    sc.s.clear();
    sc.s.resize(m, 0.0);
    for slot in 0..m {
        let r = &sc.r[slot * j_n..(slot + 1) * j_n];
        sc.s[slot] = sc.pi.iter().zip(r).map(|(p, x)| p * x).sum();
    }
    for (x, &dx) in a.comps.iter().enumerate() {
        let dx = dx as usize;
        ev.gradient[dx] += sc.s[x];
        for (y, &dy) in a.comps.iter().enumerate().skip(x) {
            let dy = dy as usize;
            let h = if x == y {
                let q = &sc.q[x * j_n..(x + 1) * j_n];
                sc.pi.iter().zip(q).map(|(p, v)| p * v).sum::<f64>() - sc.s[x] * sc.s[x]
            } else {
                let rx = &sc.r[x * j_n..(x + 1) * j_n];
                let ry = &sc.r[y * j_n..(y + 1) * j_n];
                (0..j_n).map(|j| sc.pi[j] * rx[j] * ry[j]).sum::<f64>() - sc.s[x] * sc.s[y]
            };
            let c = sc.s[x] * sc.s[y];
            ev.hessian[dx * dn + dy] += h;
            ev.cross_product[dx * dn + dy] += c;
            if x != y {
                ev.hessian[dy * dn + dx] += h;
                ev.cross_product[dy * dn + dx] += c;
            }
        }
    }
}

/// Options of [`fit_structure`].
#[derive(Debug, Clone, PartialEq)]
pub struct StructureOptions {
    /// The g grid (default: `SCORING.md`'s 41 nodes on [−4, 4]).
    pub factor: FactorGrid,
    /// Starting loadings (default √0.5 for every competence, the assumed structure).
    pub start: Option<Vec<f64>>,
    /// Newton iterations at most.
    pub max_iterations: usize,
    /// Converged when no loading moves by more than this.
    pub tolerance: f64,
    /// Worker threads (0: all cores); the result does not depend on it.
    pub threads: usize,
    /// A competence answered by fewer agents (among those kept) is not estimated: it keeps its
    /// starting value and is reported as such.
    pub min_agents: usize,
}

impl Default for StructureOptions {
    fn default() -> Self {
        Self {
            factor: FactorGrid::standard(),
            start: None,
            max_iterations: 100,
            tolerance: 1e-6,
            threads: 0,
            min_agents: 10,
        }
    }
}

/// Where an estimated loading ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadingState {
    /// Strictly inside [0, 0.95]: it has standard errors.
    Interior,
    /// At 0: the data favour a loading below the model's range.
    AtLowerBound,
    /// At 0.95: the data favour a loading above the model's range.
    AtUpperBound,
    /// Too few agents answered in this competence: not estimated, left at its starting value.
    NotEstimated,
}

/// The result of [`fit_structure`].
#[derive(Debug, Clone, PartialEq)]
pub struct StructureFit {
    /// λ_d per competence.
    pub loadings: Vec<f64>,
    /// Where each loading ended.
    pub states: Vec<LoadingState>,
    /// Standard error from the observed information (interior loadings only).
    pub se: Vec<Option<f64>>,
    /// Sandwich standard error H⁻¹ B H⁻¹ (interior loadings only).
    pub se_robust: Vec<Option<f64>>,
    /// ℓ at the estimate.
    pub loglik: f64,
    /// ℓ at the independent model (every λ = 0), for the likelihood-ratio statistic.
    pub loglik_independent: f64,
    /// Newton iterations done.
    pub iterations: usize,
    /// Whether the tolerance was reached.
    pub converged: bool,
    /// Agents used (responses in two competences or more).
    pub agents: usize,
    /// Agents left out (responses in a single competence).
    pub single_competence_agents: usize,
    /// Agents used with responses in each competence.
    pub answered: Vec<usize>,
}

/// Estimates the loadings by marginal maximum likelihood (see the module documentation).
pub fn fit_structure(
    data: &StructureData,
    options: &StructureOptions,
) -> Result<StructureFit, StructureFitError> {
    let dn = data.competences;
    if data.agents.is_empty() {
        return Err(StructureFitError::NoAgents);
    }
    let start = match &options.start {
        Some(s) => s.clone(),
        None => vec![std::f64::consts::FRAC_1_SQRT_2; dn],
    };
    check_loadings(dn, &start)?;
    let estimable: Vec<bool> = (0..dn)
        .map(|d| data.answered[d] >= options.min_agents.max(1))
        .collect();
    let f = &options.factor;
    let mut lam = start;
    let mut ev = evaluate(data, f, &lam, options.threads)?;
    let mut iterations = 0;
    let mut converged = false;
    let at_lo = |x: f64| x <= 0.0;
    let at_hi = |x: f64| x >= MAX_LOADING;
    while iterations < options.max_iterations {
        iterations += 1;
        // the free loadings: estimable, and not held at a bound by a gradient pointing out
        let free: Vec<usize> = (0..dn)
            .filter(|&d| estimable[d])
            .filter(|&d| {
                let held_low = at_lo(lam[d]) && ev.gradient[d] <= 0.0;
                let held_high = at_hi(lam[d]) && ev.gradient[d] >= 0.0;
                !(held_low || held_high)
            })
            .collect();
        if free.is_empty() {
            converged = true;
            break;
        }
        let n = free.len();
        let neg_h: Vec<f64> = free
            .iter()
            .flat_map(|&a| free.iter().map(move |&b| (a, b)))
            .map(|(a, b)| -ev.hessian[a * dn + b])
            .collect();
        let grad: Vec<f64> = free.iter().map(|&d| ev.gradient[d]).collect();
        // Levenberg–Marquardt: the smallest damping that makes the system positive definite
        let scale: Vec<f64> = (0..n).map(|i| neg_h[i * n + i].abs().max(1e-8)).collect();
        let mut mu = 0.0;
        let step = loop {
            let mut m = neg_h.clone();
            for i in 0..n {
                m[i * n + i] += mu * scale[i];
            }
            if let Some(x) = solve_spd(&m, &grad, n) {
                break x;
            }
            mu = if mu == 0.0 { 1e-4 } else { mu * 4.0 };
            if mu > 1e12 {
                // a plain gradient step, scaled
                break grad.iter().zip(&scale).map(|(g, s)| g / s).collect();
            }
        };
        // step halving until ℓ does not decrease
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..40 {
            let mut cand = lam.clone();
            for (i, &d) in free.iter().enumerate() {
                cand[d] = (lam[d] + t * step[i]).clamp(0.0, MAX_LOADING);
            }
            let e = evaluate(data, f, &cand, options.threads)?;
            if e.loglik >= ev.loglik - 1e-9 * (1.0 + ev.loglik.abs()) {
                accepted = Some((cand, e));
                break;
            }
            t *= 0.5;
        }
        let Some((cand, e)) = accepted else {
            // no step improves ℓ: at the optimum to the precision of the arithmetic
            converged = true;
            break;
        };
        let change = cand
            .iter()
            .zip(&lam)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        lam = cand;
        ev = e;
        if change < options.tolerance {
            converged = true;
            break;
        }
    }
    let states: Vec<LoadingState> = (0..dn)
        .map(|d| {
            if !estimable[d] {
                LoadingState::NotEstimated
            } else if at_lo(lam[d]) {
                LoadingState::AtLowerBound
            } else if at_hi(lam[d]) {
                LoadingState::AtUpperBound
            } else {
                LoadingState::Interior
            }
        })
        .collect();
    let interior: Vec<usize> = (0..dn).filter(|&d| states[d] == LoadingState::Interior).collect();
    let (se, se_robust) = standard_errors(&ev, &interior, dn);
    let loglik_independent = loglik(data, f, &vec![0.0; dn])?;
    Ok(StructureFit {
        loadings: lam,
        states,
        se,
        se_robust,
        loglik: ev.loglik,
        loglik_independent,
        iterations,
        converged,
        agents: data.agents.len(),
        single_competence_agents: data.single,
        answered: data.answered.clone(),
    })
}

/// Observed-information and sandwich standard errors of the interior loadings.
fn standard_errors(ev: &Evaluation, interior: &[usize], dn: usize) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
    let mut se = vec![None; dn];
    let mut robust = vec![None; dn];
    let n = interior.len();
    if n == 0 {
        return (se, robust);
    }
    let pick = |m: &[f64]| -> Vec<f64> {
        interior
            .iter()
            .flat_map(|&a| interior.iter().map(move |&b| (a, b)))
            .map(|(a, b)| m[a * dn + b])
            .collect()
    };
    let info: Vec<f64> = pick(&ev.hessian).iter().map(|h| -h).collect();
    let b = pick(&ev.cross_product);
    let Some(inv) = invert_spd(&info, n) else {
        return (se, robust);
    };
    // sandwich: I⁻¹ B I⁻¹
    let mut tmp = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            tmp[i * n + j] = (0..n).map(|k| inv[i * n + k] * b[k * n + j]).sum();
        }
    }
    for (i, &d) in interior.iter().enumerate() {
        let v = inv[i * n + i];
        if v > 0.0 {
            se[d] = Some(v.sqrt());
        }
        let r: f64 = (0..n).map(|k| tmp[i * n + k] * inv[k * n + i]).sum();
        if r > 0.0 {
            robust[d] = Some(r.sqrt());
        }
    }
    (se, robust)
}

/// The Cholesky factor (row-major, lower) of a symmetric positive definite n × n matrix.
fn cholesky(m: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|p| l[i * n + p] * l[j * n + p]).sum();
            if i == j {
                let d = m[i * n + i] - s;
                if !(d > 0.0 && d.is_finite()) {
                    return None;
                }
                l[i * n + i] = d.sqrt();
            } else {
                l[i * n + j] = (m[i * n + j] - s) / l[j * n + j];
            }
        }
    }
    Some(l)
}

fn solve_spd(m: &[f64], b: &[f64], n: usize) -> Option<Vec<f64>> {
    let l = cholesky(m, n)?;
    let mut y = vec![0.0; n];
    for i in 0..n {
        let s: f64 = (0..i).map(|p| l[i * n + p] * y[p]).sum();
        y[i] = (b[i] - s) / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|p| l[p * n + i] * x[p]).sum();
        x[i] = (y[i] - s) / l[i * n + i];
    }
    Some(x)
}

fn invert_spd(m: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut inv = vec![0.0; n * n];
    for c in 0..n {
        let e: Vec<f64> = (0..n).map(|i| if i == c { 1.0 } else { 0.0 }).collect();
        let col = solve_spd(m, &e, n)?;
        for i in 0..n {
            inv[i * n + c] = col[i];
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests;
