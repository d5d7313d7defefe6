//! The profile structure: a one-factor prior across competences, exact on grids
//! (`SCORING.md`, version 2, "Profile structure").
//!
//! The abilities of one agent are θ_d = λ_d g + √(1 − λ_d²) e_d with g and the e_d independent
//! N(0, 1) and 0 ≤ λ_d ≤ 0.95: every θ_d stays N(0, 1) and corr(θ_i, θ_j) = λ_i λ_j. On grids:
//!
//! - g lives on its own grid ([`FactorGrid`], default 41 equally spaced nodes on [−4, 4], weights
//!   ω_j = the N(0, 1) density renormalised);
//! - given g_j, θ_d has the prior N(λ_d g_j, 1 − λ_d²) on the θ grid, weights w_k(g_j)
//!   renormalised per g node ([`ConditionalPrior`]);
//! - with L_d(θ_k) the likelihood of the agent's scored responses in competence d (1 where it has
//!   none), A_d(g_j) = Σ_k w_k(g_j) L_d(θ_k), p(g_j | all) ∝ ω_j Π_d A_d(g_j), and
//!   p(θ_k | all) = Σ_j p(g_j | all) w_k(g_j) L_d(θ_k) / A_d(g_j) ([`ProfilePosterior`]).
//!
//! With λ_d = 0, w_k(g_j) is the θ grid's own prior weight whatever g, A_d is constant, and the
//! posterior of θ_d is exactly version 1's (tested to 1e−12).
//!
//! Numerics: each L_d is kept in linear space, rescaled so that its largest node is 1 whenever
//! it falls below 1e−150 (a common factor cancels in every ratio above); ln A_d(g_j) is kept
//! per competence so that one response costs one A_d (J × K multiply–adds) and the posterior of
//! a competence another J × K; the weight p(g_j | all) / A_d(g_j) is formed in log space, so a
//! g node that the data make impossible contributes 0, never 0/0.

use std::sync::Arc;

use crate::quadrature::log_sum_exp;
use crate::{Grid, IrtError};

/// The largest loading `SCORING.md` allows.
pub const MAX_LOADING: f64 = 0.95;

/// The nodes and weights of the general factor g.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorGrid {
    nodes: Vec<f64>,
    log_weights: Vec<f64>,
}

impl FactorGrid {
    /// `n` equally spaced nodes on [`lo`, `hi`] (both included), weights the N(0, 1) density
    /// renormalised to sum to 1.
    pub fn new(n: usize, lo: f64, hi: f64) -> Result<Self, IrtError> {
        let g = Grid::new(n, lo, hi, 0.0, 1.0)?;
        Ok(Self {
            nodes: g.nodes().to_vec(),
            log_weights: g.log_weights().to_vec(),
        })
    }

    /// The default: 41 nodes on [−4, 4].
    pub fn standard() -> Self {
        Self::new(41, -4.0, 4.0).expect("the standard factor grid is valid")
    }

    /// The nodes g_j.
    pub fn nodes(&self) -> &[f64] {
        &self.nodes
    }

    /// ln ω_j (Σ ω_j = 1).
    pub fn log_weights(&self) -> &[f64] {
        &self.log_weights
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always false: a grid has at least two nodes.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// The prior of θ_d given g on the θ grid, for one loading λ: w_k(g_j) ∝
/// exp(−(θ_k − λ g_j)² / (2 (1 − λ²))), renormalised over k for every j.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionalPrior {
    lambda: f64,
    /// J rows of K weights, g-major.
    weights: Vec<f64>,
    k: usize,
}

impl ConditionalPrior {
    /// The conditional prior of loading `lambda` on the θ grid `theta` (whose prior must be
    /// N(0, 1), the population distribution of every θ_d) and the factor grid `factor`.
    /// Errors unless 0 ≤ λ ≤ 0.95 and the θ grid's prior is N(0, 1).
    pub fn new(theta: &Grid, factor: &FactorGrid, lambda: f64) -> Result<Self, IrtError> {
        if !(0.0..=MAX_LOADING).contains(&lambda) {
            return Err(IrtError::InvalidLoading(lambda));
        }
        if theta.prior_mean() != 0.0 || theta.prior_sd() != 1.0 {
            return Err(IrtError::InvalidPrior {
                mean: theta.prior_mean(),
                sd: theta.prior_sd(),
            });
        }
        let k = theta.len();
        let mut weights = Vec::with_capacity(factor.len() * k);
        if lambda == 0.0 {
            // exactly the θ grid's own weights, whatever g
            let w: Vec<f64> = theta.log_weights().iter().map(|l| l.exp()).collect();
            for _ in 0..factor.len() {
                weights.extend_from_slice(&w);
            }
        } else {
            let var = 1.0 - lambda * lambda;
            let mut logs = vec![0.0; k];
            for &g in factor.nodes() {
                for (l, &t) in logs.iter_mut().zip(theta.nodes()) {
                    let z = t - lambda * g;
                    *l = -0.5 * z * z / var;
                }
                let norm = log_sum_exp(&logs);
                weights.extend(logs.iter().map(|l| (l - norm).exp()));
            }
        }
        Ok(Self { lambda, weights, k })
    }

    /// The loading λ.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }

    /// w_k(g_j) for k over the θ grid.
    pub fn row(&self, j: usize) -> &[f64] {
        &self.weights[j * self.k..(j + 1) * self.k]
    }
}

/// Below this, a likelihood vector is rescaled so that its largest node is 1.
const RESCALE_BELOW: f64 = 1e-150;

/// One competence's part of a [`ProfilePosterior`].
#[derive(Debug, Clone, PartialEq)]
struct Part {
    prior: Arc<ConditionalPrior>,
    /// L_d(θ_k), up to a constant factor.
    likelihood: Vec<f64>,
    /// ln A_d(g_j), up to the same factor.
    log_a: Vec<f64>,
    /// Whether any response was added (otherwise L_d = 1 and A_d = 1).
    answered: bool,
}

/// The structured posterior of a profile: every competence's θ given every response of the
/// session, through g (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct ProfilePosterior {
    theta_nodes: Vec<f64>,
    factor_log_weights: Vec<f64>,
    parts: Vec<Part>,
    /// ln ω_j + Σ_d ln A_d(g_j), up to a constant.
    log_g: Vec<f64>,
}

/// A competence's structured posterior: normalised weights at the θ nodes, mean and SD.
#[derive(Debug, Clone, PartialEq)]
pub struct Marginal {
    /// p(θ_k | all), Σ = 1.
    pub weights: Vec<f64>,
    /// Posterior mean.
    pub mean: f64,
    /// Posterior standard deviation.
    pub sd: f64,
}

impl ProfilePosterior {
    /// The prior: one competence per conditional prior in `priors` (all built on `theta` and
    /// `factor`), no response yet.
    pub fn new(theta: &Grid, factor: &FactorGrid, priors: Vec<Arc<ConditionalPrior>>) -> Self {
        let parts = priors
            .into_iter()
            .map(|prior| Part {
                prior,
                likelihood: vec![1.0; theta.len()],
                log_a: vec![0.0; factor.len()],
                answered: false,
            })
            .collect();
        Self {
            theta_nodes: theta.nodes().to_vec(),
            factor_log_weights: factor.log_weights().to_vec(),
            parts,
            log_g: factor.log_weights().to_vec(),
        }
    }

    /// Number of competences.
    pub fn competences(&self) -> usize {
        self.parts.len()
    }

    /// The loading of competence `d`.
    pub fn lambda(&self, d: usize) -> f64 {
        self.parts[d].prior.lambda()
    }

    /// Multiplies L_d by a likelihood row (P or Q of the item answered, at the θ nodes, linear)
    /// and updates A_d and the posterior of g: O(J × K).
    pub fn add_row(&mut self, d: usize, row: &[f64]) {
        let part = &mut self.parts[d];
        let mut max = 0.0f64;
        for (l, &r) in part.likelihood.iter_mut().zip(row) {
            *l *= r;
            max = max.max(*l);
        }
        if max > 0.0 && max < RESCALE_BELOW {
            let inv = 1.0 / max;
            for l in &mut part.likelihood {
                *l *= inv;
            }
        }
        part.answered = true;
        self.refresh(d);
    }

    /// Recomputes ln A_d(g_j) = ln Σ_k w_k(g_j) L_d(θ_k) and ln p(g | all).
    fn refresh(&mut self, d: usize) {
        let part = &mut self.parts[d];
        for (j, la) in part.log_a.iter_mut().enumerate() {
            let a: f64 = part
                .prior
                .row(j)
                .iter()
                .zip(&part.likelihood)
                .map(|(w, l)| w * l)
                .sum();
            *la = a.ln();
        }
        self.log_g.copy_from_slice(&self.factor_log_weights);
        for p in self.parts.iter().filter(|p| p.answered) {
            for (g, &la) in self.log_g.iter_mut().zip(&p.log_a) {
                *g += la;
            }
        }
    }

    /// p(g_j | all responses), normalised.
    pub fn factor_weights(&self) -> Vec<f64> {
        let norm = log_sum_exp(&self.log_g);
        self.log_g.iter().map(|l| (l - norm).exp()).collect()
    }

    /// The structured posterior of competence `d`: p(θ_k | all) =
    /// Σ_j p(g_j | all) w_k(g_j) L_d(θ_k) / A_d(g_j), with its mean and SD.
    pub fn marginal(&self, d: usize) -> Marginal {
        let mut weights = Vec::new();
        let (mean, sd) = self.marginal_into(d, &mut weights);
        Marginal { weights, mean, sd }
    }

    /// As [`ProfilePosterior::marginal`], into a reused buffer: writes the normalised weights
    /// into `weights` and returns (mean, SD). O(J × K).
    pub fn marginal_into(&self, d: usize, weights: &mut Vec<f64>) -> (f64, f64) {
        let part = &self.parts[d];
        let k = self.theta_nodes.len();
        // c_j = p(g_j | all) / A_d(g_j), in log space, up to a constant
        let log_c = |j: usize| {
            let g = self.log_g[j];
            if g == f64::NEG_INFINITY {
                f64::NEG_INFINITY
            } else if part.answered {
                g - part.log_a[j]
            } else {
                g
            }
        };
        let m = (0..self.log_g.len()).map(log_c).fold(f64::NEG_INFINITY, f64::max);
        weights.clear();
        weights.resize(k, 0.0);
        for j in 0..self.log_g.len() {
            let c = (log_c(j) - m).exp();
            if !(c > 0.0 && c.is_finite()) {
                continue;
            }
            for (x, &w) in weights.iter_mut().zip(part.prior.row(j)) {
                *x += c * w;
            }
        }
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for ((x, &l), &t) in weights.iter_mut().zip(&part.likelihood).zip(&self.theta_nodes) {
            *x *= l;
            s0 += *x;
            s1 += *x * t;
            s2 += *x * t * t;
        }
        let inv = 1.0 / s0;
        for x in weights.iter_mut() {
            *x *= inv;
        }
        let mean = s1 * inv;
        // θ is bounded by the grid: the raw second moment loses at most a few ulps here
        let var = (s2 * inv - mean * mean).max(0.0);
        (mean, var.sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ItemParams, Posterior};

    fn items() -> Vec<ItemParams> {
        (0..12)
            .map(|k| ItemParams::new(0.7 + 0.1 * f64::from(k), -2.0 + 0.35 * f64::from(k), 0.2, 1.0).unwrap())
            .collect()
    }

    fn row(grid: &Grid, it: &ItemParams, right: bool) -> Vec<f64> {
        grid.nodes()
            .iter()
            .map(|&t| if right { it.prob(t) } else { it.prob_wrong(t) })
            .collect()
    }

    #[test]
    fn loadings_outside_the_range_are_refused() {
        let g = Grid::standard();
        let f = FactorGrid::standard();
        for l in [-0.1, 0.96, f64::NAN] {
            assert!(ConditionalPrior::new(&g, &f, l).is_err(), "{l}");
        }
        let shifted = Grid::new(61, -4.0, 4.0, 0.5, 1.0).unwrap();
        assert!(ConditionalPrior::new(&shifted, &f, 0.5).is_err());
        assert!(ConditionalPrior::new(&g, &f, 0.95).is_ok());
    }

    #[test]
    fn conditional_rows_are_normalised_and_centred() {
        let g = Grid::standard();
        let f = FactorGrid::standard();
        let p = ConditionalPrior::new(&g, &f, 0.6).unwrap();
        for (j, &gj) in f.nodes().iter().enumerate() {
            let r = p.row(j);
            let s: f64 = r.iter().sum();
            assert!((s - 1.0).abs() < 1e-12);
            let mean: f64 = r.iter().zip(g.nodes()).map(|(w, t)| w * t).sum();
            // the grid truncates at ±4: near the middle the mean is λ g
            if gj.abs() <= 2.0 {
                assert!((mean - 0.6 * gj).abs() < 1e-3, "g {gj}: {mean}");
            }
        }
    }

    /// λ = 0: the structured posterior is version 1's, to 1e−12, whatever the other competences.
    #[test]
    fn independence_is_version_one() {
        let g = Grid::standard();
        let f = FactorGrid::standard();
        let zero = Arc::new(ConditionalPrior::new(&g, &f, 0.0).unwrap());
        let mut s = ProfilePosterior::new(&g, &f, vec![zero.clone(), zero.clone(), zero]);
        let mut separate = [Posterior::new(&g), Posterior::new(&g), Posterior::new(&g)];
        for (k, it) in items().iter().enumerate() {
            let d = k % 3;
            let right = k % 4 != 1;
            s.add_row(d, &row(&g, it, right));
            separate[d].add_response(it, right);
            for (d, sep) in separate.iter().enumerate() {
                let m = s.marginal(d);
                let want = sep.weights();
                for (a, b) in m.weights.iter().zip(&want) {
                    assert!((a - b).abs() < 1e-12, "{a} {b}");
                }
                let (mean, sd) = sep.mean_sd();
                assert!((m.mean - mean).abs() < 1e-12 && (m.sd - sd).abs() < 1e-12);
            }
        }
    }

    /// The posterior against a direct sum over the joint grid (g, θ_1, θ_2) for two competences.
    #[test]
    fn two_competences_against_the_joint_grid() {
        let g = Grid::new(21, -4.0, 4.0, 0.0, 1.0).unwrap();
        let f = FactorGrid::new(11, -4.0, 4.0).unwrap();
        let (l1, l2) = (0.8, 0.5);
        let p1 = Arc::new(ConditionalPrior::new(&g, &f, l1).unwrap());
        let p2 = Arc::new(ConditionalPrior::new(&g, &f, l2).unwrap());
        let mut s = ProfilePosterior::new(&g, &f, vec![p1.clone(), p2.clone()]);
        let its = items();
        let answers = [
            (0, 0, true),
            (1, 5, false),
            (0, 8, true),
            (1, 2, true),
            (0, 11, false),
        ];
        let mut like = [vec![1.0; g.len()], vec![1.0; g.len()]];
        for &(d, i, right) in &answers {
            let r = row(&g, &its[i], right);
            s.add_row(d, &r);
            for (l, x) in like[d].iter_mut().zip(&r) {
                *l *= x;
            }
        }
        // brute force: p(g, θ1, θ2) ∝ ω(g) w1(θ1|g) L1(θ1) w2(θ2|g) L2(θ2)
        let omega: Vec<f64> = f.log_weights().iter().map(|l| l.exp()).collect();
        let kn = g.len();
        let mut m1 = vec![0.0; kn];
        let mut m2 = vec![0.0; kn];
        for (j, om) in omega.iter().enumerate() {
            for a in 0..kn {
                for b in 0..kn {
                    let x = om * p1.row(j)[a] * like[0][a] * p2.row(j)[b] * like[1][b];
                    m1[a] += x;
                    m2[b] += x;
                }
            }
        }
        for (m, d) in [(m1, 0), (m2, 1)] {
            let t: f64 = m.iter().sum();
            let got = s.marginal(d);
            for (a, b) in got.weights.iter().zip(&m) {
                assert!((a - b / t).abs() < 1e-13, "{d}: {a} {}", b / t);
            }
        }
    }

    #[test]
    fn borrowing_strength_moves_an_unanswered_competence() {
        let g = Grid::standard();
        let f = FactorGrid::standard();
        let p = Arc::new(ConditionalPrior::new(&g, &f, 0.8).unwrap());
        let mut s = ProfilePosterior::new(&g, &f, vec![p.clone(), p]);
        let hard = ItemParams::two_pl(1.5, 1.5).unwrap();
        for _ in 0..10 {
            s.add_row(0, &row(&g, &hard, true));
        }
        let a = s.marginal(0);
        let b = s.marginal(1);
        // competence 1 is pulled up by λ² = 0.64 of competence 0's evidence, and stays wider
        assert!(
            a.mean > 1.5 && b.mean > 0.5 && b.mean < a.mean,
            "{} {}",
            a.mean,
            b.mean
        );
        assert!(b.sd > a.sd && b.sd < 1.0);
    }

    #[test]
    fn long_patterns_stay_finite() {
        // 400 answers on one competence: the likelihood is rescaled, never underflows
        let g = Grid::standard();
        let f = FactorGrid::standard();
        let p = Arc::new(ConditionalPrior::new(&g, &f, 0.95).unwrap());
        let mut s = ProfilePosterior::new(&g, &f, vec![p.clone(), p]);
        let it = ItemParams::two_pl(2.0, 0.3).unwrap();
        for k in 0..400 {
            s.add_row(0, &row(&g, &it, k % 2 == 0));
        }
        for d in 0..2 {
            let m = s.marginal(d);
            assert!(m.mean.is_finite() && m.sd.is_finite() && m.sd > 0.0);
            assert!((m.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        assert!((s.marginal(0).mean - 0.3).abs() < 0.1);
    }
}
