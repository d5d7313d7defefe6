//! Ability estimation during a test.
//!
//! The EAP (Bock & Mislevy 1982) is the default and the fast path: the posterior is kept on the
//! quadrature grid in linear space, multiplied by the item's precomputed likelihood row after each
//! response and renormalised (products in linear space are exact to rounding while the sum stays
//! far from underflow; if it does not, the posterior is rebuilt in log space). MAP, MLE and WLE
//! are small bounded estimators behind the same [`AbilityEstimator`] trait so that the
//! measurement core's estimators can replace them.

use jauge_irt::Grid;

use crate::itemset::ItemSet;

/// The posterior of θ on the grid, in linear space (weights known up to their sum).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearPosterior {
    /// Unnormalised weights; their sum is `total`.
    weights: Vec<f64>,
    total: f64,
    mean: f64,
    sd: f64,
}

fn moments(w: &[f64], nodes: &[f64]) -> (f64, f64, f64) {
    let (mut s0, mut s1) = (0.0, 0.0);
    for (&x, &t) in w.iter().zip(nodes) {
        s0 += x;
        s1 += x * t;
    }
    let mean = s1 / s0;
    let mut s2 = 0.0;
    for (&x, &t) in w.iter().zip(nodes) {
        s2 += x * (t - mean) * (t - mean);
    }
    (s0, mean, (s2 / s0).sqrt())
}

impl LinearPosterior {
    /// The prior weights of `grid`.
    pub fn new(grid: &Grid) -> Self {
        let weights: Vec<f64> = grid.log_weights().iter().map(|l| l.exp()).collect();
        let (total, mean, sd) = moments(&weights, grid.nodes());
        Self {
            weights,
            total,
            mean,
            sd,
        }
    }

    /// A posterior given by its normalised weights (Σ = 1) and their mean and SD (the
    /// structured posterior of a competence, for the selection rules that read weights).
    pub fn from_normalised(weights: Vec<f64>, mean: f64, sd: f64) -> Self {
        Self {
            weights,
            total: 1.0,
            mean,
            sd,
        }
    }

    /// Replaces the weights by normalised ones (Σ = 1) with their mean and SD, reusing the
    /// buffer.
    pub fn set_normalised(&mut self, weights: &[f64], mean: f64, sd: f64) {
        self.weights.clear();
        self.weights.extend_from_slice(weights);
        self.total = 1.0;
        self.mean = mean;
        self.sd = sd;
    }

    /// Multiplies by a likelihood row. Returns false when the product degenerates (sum
    /// underflowing or not finite); the caller then calls [`LinearPosterior::rebuild`].
    ///
    /// One pass with four independent accumulators (so that it vectorises): the weights are
    /// multiplied, and Σw, Σwθ, Σwθ² give the mean and the SD (the raw second moment is safe here:
    /// θ is bounded by the grid, so the cancellation costs at most a few digits of 1e−16).
    #[inline]
    pub fn update(&mut self, row: &[f64], nodes: &[f64]) -> bool {
        let n = self.weights.len().min(row.len()).min(nodes.len());
        let (w, row, nodes) = (&mut self.weights[..n], &row[..n], &nodes[..n]);
        let mut s0 = [0.0f64; 4];
        let mut s1 = [0.0f64; 4];
        let mut s2 = [0.0f64; 4];
        let chunks = n / 4 * 4;
        for ((wc, rc), tc) in w[..chunks]
            .chunks_exact_mut(4)
            .zip(row[..chunks].chunks_exact(4))
            .zip(nodes[..chunks].chunks_exact(4))
        {
            for j in 0..4 {
                let x = wc[j] * rc[j];
                wc[j] = x;
                let xt = x * tc[j];
                s0[j] += x;
                s1[j] += xt;
                s2[j] += xt * tc[j];
            }
        }
        let (mut t0, mut t1, mut t2) = (0.0, 0.0, 0.0);
        for k in chunks..n {
            let x = w[k] * row[k];
            w[k] = x;
            t0 += x;
            t1 += x * nodes[k];
            t2 += x * nodes[k] * nodes[k];
        }
        let sum0 = (s0[0] + s0[1]) + (s0[2] + s0[3]) + t0;
        let sum1 = (s1[0] + s1[1]) + (s1[2] + s1[3]) + t1;
        let sum2 = (s2[0] + s2[1]) + (s2[2] + s2[3]) + t2;
        if !(sum0 > 1e-280 && sum0.is_finite()) {
            return false;
        }
        let mean = sum1 / sum0;
        self.mean = mean;
        self.sd = (sum2 / sum0 - mean * mean).max(0.0).sqrt();
        if sum0 < 1e-100 {
            let inv = 1.0 / sum0;
            for x in w.iter_mut() {
                *x *= inv;
            }
            self.total = 1.0;
        } else {
            self.total = sum0;
        }
        true
    }

    /// Recomputes the posterior in log space from the prior and every response so far.
    pub fn rebuild(&mut self, grid: &Grid, set: &ItemSet, responses: &[(usize, bool)]) {
        let n = grid.len();
        let mut lp = grid.log_weights().to_vec();
        for &(i, right) in responses {
            let row = set.log_row(i);
            let row = if right { &row[..n] } else { &row[n..] };
            for (l, &r) in lp.iter_mut().zip(row) {
                *l += r;
            }
        }
        let m = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for (w, &l) in self.weights.iter_mut().zip(&lp) {
            *w = (l - m).exp();
        }
        let (s0, mean, sd) = moments(&self.weights, grid.nodes());
        for w in &mut self.weights {
            *w /= s0;
        }
        self.total = 1.0;
        self.mean = mean;
        self.sd = sd;
    }

    /// Adds a response to item `i` of `set` (the response must already be in `responses`).
    pub fn add(&mut self, grid: &Grid, set: &ItemSet, i: usize, right: bool, responses: &[(usize, bool)]) {
        if !self.update(set.likelihood_row(i, right), grid.nodes()) {
            self.rebuild(grid, set, responses);
        }
    }

    /// Posterior mean (EAP).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Posterior SD.
    pub fn sd(&self) -> f64 {
        self.sd
    }

    /// The weights at the nodes, unnormalised: divide by [`LinearPosterior::total`].
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The sum of the weights.
    pub fn total(&self) -> f64 {
        self.total
    }

    /// The normalised weights (Σ = 1).
    pub fn normalised(&self) -> Vec<f64> {
        self.weights.iter().map(|w| w / self.total).collect()
    }
}

/// An estimate of θ and its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// θ̂.
    pub theta: f64,
    /// Its standard error.
    pub se: f64,
}

/// The ability estimator a test updates after each response.
pub trait AbilityEstimator: Sync {
    /// θ̂ and SE from the responses (`(item, right)`) to items of `set`, given the up-to-date
    /// EAP posterior on `grid`.
    fn estimate(
        &self,
        grid: &Grid,
        set: &ItemSet,
        posterior: &LinearPosterior,
        responses: &[(usize, bool)],
    ) -> Estimate;
}

/// The estimators `--estimator` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EstimatorKind {
    /// Expected a posteriori, SE = posterior SD (Bock & Mislevy 1982).
    #[default]
    Eap,
    /// Maximum a posteriori with the grid's normal prior, SE = 1/√(I(θ̂) + 1/σ²).
    Map,
    /// Maximum likelihood bounded to the grid's range, SE = 1/√I(θ̂); EAP until the pattern
    /// holds both a right and a wrong answer.
    Mle,
    /// Warm's (1989) weighted likelihood, root of ∂ℓ/∂θ + J/(2I), SE = 1/√I(θ̂).
    Wle,
}

impl EstimatorKind {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Eap => "eap",
            Self::Map => "map",
            Self::Mle => "mle",
            Self::Wle => "wle",
        }
    }
}

impl AbilityEstimator for EstimatorKind {
    /// EAP reads the posterior the session keeps; MAP, MLE and WLE are the measurement crate's
    /// (`jauge_irt::{map, mle, wle}`: global maximum on the grid's range, SEs as `CONTRACTS.md`
    /// defines them). MLE falls back to EAP until the pattern holds both a right and a wrong
    /// answer, and an SE the information cannot give (information underflowing to 0) is reported
    /// as max(EAP SD, 10) rather than infinity.
    fn estimate(
        &self,
        grid: &Grid,
        set: &ItemSet,
        posterior: &LinearPosterior,
        responses: &[(usize, bool)],
    ) -> Estimate {
        let eap = Estimate {
            theta: posterior.mean(),
            se: posterior.sd(),
        };
        let (lo, hi) = grid.range();
        let Ok(range) = jauge_irt::SearchRange::new(lo, hi) else {
            return eap;
        };
        let pairs = responses.iter().map(|&(i, r)| (set.params(i), r));
        let mixed = responses.iter().any(|r| r.1) && responses.iter().any(|r| !r.1);
        let fit = match self {
            Self::Eap => return eap,
            Self::Map => jauge_irt::NormalPrior::new(grid.prior_mean(), grid.prior_sd())
                .and_then(|prior| jauge_irt::map(pairs, prior, range)),
            Self::Mle if !mixed => return eap,
            Self::Mle => jauge_irt::mle(pairs, range),
            Self::Wle if responses.is_empty() => return eap,
            Self::Wle => jauge_irt::wle(pairs, range),
        };
        match fit {
            Ok(e) => Estimate {
                theta: e.theta,
                se: if e.se.is_finite() { e.se } else { eap.se.max(10.0) },
            },
            Err(_) => eap,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jauge_irt::{ItemParams, Posterior};

    #[test]
    fn linear_posterior_matches_the_log_space_one() {
        let g = Grid::standard();
        let items: Vec<ItemParams> = (0..30)
            .map(|k| {
                ItemParams::new(0.8 + 0.05 * f64::from(k), -2.0 + 0.13 * f64::from(k), 0.2, 1.0).unwrap()
            })
            .collect();
        let set = ItemSet::new(items.clone(), &g);
        let mut lin = LinearPosterior::new(&g);
        let mut log = Posterior::new(&g);
        let mut resp = Vec::new();
        for (k, it) in items.iter().enumerate() {
            let right = k % 3 != 0;
            resp.push((k, right));
            lin.add(&g, &set, k, right, &resp);
            log.add_response(it, right);
            let (m, s) = log.mean_sd();
            assert!((lin.mean() - m).abs() < 1e-12 && (lin.sd() - s).abs() < 1e-12);
        }
        let mut re = LinearPosterior::new(&g);
        re.rebuild(&g, &set, &resp);
        assert!((re.mean() - lin.mean()).abs() < 1e-12);
    }

    #[test]
    fn mle_of_a_symmetric_pattern_is_the_common_difficulty() {
        // two identical 2PL items at b = 0.7, one right one wrong: the likelihood P·Q peaks at b
        let g = Grid::standard();
        let p = ItemParams::two_pl(1.3, 0.7).unwrap();
        let set = ItemSet::new(vec![p, p], &g);
        let resp = [(0, true), (1, false)];
        let mut post = LinearPosterior::new(&g);
        post.add(&g, &set, 0, true, &resp[..1]);
        post.add(&g, &set, 1, false, &resp);
        for kind in [EstimatorKind::Mle, EstimatorKind::Wle] {
            let e = kind.estimate(&g, &set, &post, &resp);
            assert!((e.theta - 0.7).abs() < 1e-9, "{kind:?} {}", e.theta);
            // I = 2 · a² P Q = 2 · 1.69 · 0.25
            assert!((e.se - 1.0 / (2.0f64 * 1.69 * 0.25).sqrt()).abs() < 1e-9);
        }
        // all right: MLE falls back to EAP
        let e = EstimatorKind::Mle.estimate(&g, &set, &post, &resp[..1]);
        assert_eq!(e.theta, post.mean());
        // MAP with the N(0,1) prior: root of a(1 − 2P)·… − θ lies between 0 and 0.7
        let e = EstimatorKind::Map.estimate(&g, &set, &post, &resp);
        assert!(e.theta > 0.0 && e.theta < 0.7, "{}", e.theta);
    }
}
