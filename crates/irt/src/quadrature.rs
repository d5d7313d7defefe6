//! The quadrature grid and the posterior of θ kept on it.
//!
//! Following the product's scoring definition (`SCORING.md`): equally spaced nodes with both end
//! points included; weights = the prior density at the nodes, renormalised to sum to 1; products
//! accumulated in log space. The default is 61 nodes on [−4, 4] with an N(0, 1) prior. (catR's
//! trapezoid rule differs only by half weights at the two end points.) EAP on such a grid is
//! Bock & Mislevy (1982).

use crate::{IrtError, ItemParams};

/// Equally spaced quadrature nodes with the log of their normalised prior weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    nodes: Vec<f64>,
    log_weights: Vec<f64>,
    prior_mean: f64,
    prior_sd: f64,
}

/// The most nodes a grid may have: far beyond any accuracy gain (61 is the default), and a bound
/// on the memory a grid and the posteriors over it take.
pub const MAX_NODES: usize = 10_001;

impl Grid {
    /// `n` nodes (2 to [`MAX_NODES`]) from `lo` to `hi` inclusive, weighted by the
    /// N(`prior_mean`, `prior_sd`²) density renormalised to sum to 1.
    pub fn new(n: usize, lo: f64, hi: f64, prior_mean: f64, prior_sd: f64) -> Result<Self, IrtError> {
        if n < 2 {
            return Err(IrtError::InvalidGrid(format!(
                "{n} node(s): at least 2 are needed"
            )));
        }
        if n > MAX_NODES {
            return Err(IrtError::InvalidGrid(format!(
                "{n} nodes: at most {MAX_NODES} (the default, 61, is accurate to far better than the SE)"
            )));
        }
        if !(lo < hi && (hi - lo).is_finite()) {
            return Err(IrtError::InvalidRange { lo, hi });
        }
        if !(prior_mean.is_finite() && prior_sd.is_finite() && prior_sd > 0.0) {
            return Err(IrtError::InvalidPrior {
                mean: prior_mean,
                sd: prior_sd,
            });
        }
        let step = (hi - lo) / (n - 1) as f64;
        let nodes: Vec<f64> = (0..n)
            .map(|k| if k == n - 1 { hi } else { lo + step * k as f64 })
            .collect();
        let log_density: Vec<f64> = nodes
            .iter()
            .map(|&t| {
                let z = (t - prior_mean) / prior_sd;
                -0.5 * z * z
            })
            .collect();
        let norm = log_sum_exp(&log_density);
        let log_weights = log_density.iter().map(|&l| l - norm).collect();
        Ok(Self {
            nodes,
            log_weights,
            prior_mean,
            prior_sd,
        })
    }

    /// The default grid: 61 nodes on [−4, 4], N(0, 1) prior.
    pub fn standard() -> Self {
        Self::new(61, -4.0, 4.0, 0.0, 1.0).expect("the standard grid is valid")
    }

    /// A grid with the same nodes and a different normal prior (used when calibration estimates
    /// the latent mean and SD).
    pub fn with_prior(&self, prior_mean: f64, prior_sd: f64) -> Result<Self, IrtError> {
        let n = self.nodes.len();
        Self::new(n, self.nodes[0], self.nodes[n - 1], prior_mean, prior_sd)
    }

    /// The nodes θ_k, increasing.
    #[inline]
    pub fn nodes(&self) -> &[f64] {
        &self.nodes
    }

    /// ln w_k, the log prior weights (Σ w_k = 1).
    #[inline]
    pub fn log_weights(&self) -> &[f64] {
        &self.log_weights
    }

    /// Number of nodes.
    #[inline]
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always false: a grid has at least two nodes.
    #[inline]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The prior mean.
    pub fn prior_mean(&self) -> f64 {
        self.prior_mean
    }

    /// The prior standard deviation.
    pub fn prior_sd(&self) -> f64 {
        self.prior_sd
    }

    /// Lowest and highest node.
    pub fn range(&self) -> (f64, f64) {
        (self.nodes[0], self.nodes[self.nodes.len() - 1])
    }

    /// ln P_i(θ_k) (right) and ln Q_i(θ_k) (wrong) at every node: the precomputed likelihood rows
    /// that let an adaptive test add a response in O(grid) additions.
    pub fn log_likelihood_rows(&self, item: &ItemParams) -> (Vec<f64>, Vec<f64>) {
        let right = self.nodes.iter().map(|&t| item.log_prob(t, true)).collect();
        let wrong = self.nodes.iter().map(|&t| item.log_prob(t, false)).collect();
        (right, wrong)
    }
}

/// ln Σ exp(x_k), stable.
pub(crate) fn log_sum_exp(xs: &[f64]) -> f64 {
    let m = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + xs.iter().map(|&x| (x - m).exp()).sum::<f64>().ln()
}

/// The (unnormalised) log posterior of θ on a grid, updated one response at a time.
///
/// ln π(θ_k | u) = ln w_k + Σ_i ln P_i(θ_k)^{u_i} Q_i(θ_k)^{1−u_i} + const. Adding a response is
/// O(grid); the summaries (mean, SD, quantiles) normalise on the fly.
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    nodes: Vec<f64>,
    log_post: Vec<f64>,
    responses: usize,
}

impl Posterior {
    /// The prior on `grid`, before any response.
    pub fn new(grid: &Grid) -> Self {
        Self {
            nodes: grid.nodes.clone(),
            log_post: grid.log_weights.clone(),
            responses: 0,
        }
    }

    /// Adds one scored response to `item` (O(grid) evaluations of ln P or ln Q).
    pub fn add_response(&mut self, item: &ItemParams, correct: bool) {
        for (lp, &t) in self.log_post.iter_mut().zip(&self.nodes) {
            *lp += item.log_prob(t, correct);
        }
        self.responses += 1;
    }

    /// Adds a precomputed log-likelihood row (from [`Grid::log_likelihood_rows`]): O(grid)
    /// additions, no transcendental function.
    ///
    /// # Panics
    /// Never for rows of the same grid; a row of another length is ignored past the shorter one.
    pub fn add_log_likelihood_row(&mut self, row: &[f64]) {
        for (lp, &l) in self.log_post.iter_mut().zip(row) {
            *lp += l;
        }
        self.responses += 1;
    }

    /// Number of responses added.
    pub fn responses(&self) -> usize {
        self.responses
    }

    /// The nodes.
    pub fn nodes(&self) -> &[f64] {
        &self.nodes
    }

    /// The unnormalised log posterior at the nodes.
    pub fn log_posterior(&self) -> &[f64] {
        &self.log_post
    }

    /// The normalised posterior weights at the nodes (Σ = 1).
    pub fn weights(&self) -> Vec<f64> {
        let m = self.log_post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut w: Vec<f64> = self.log_post.iter().map(|&l| (l - m).exp()).collect();
        let s: f64 = w.iter().sum();
        for x in &mut w {
            *x /= s;
        }
        w
    }

    /// Posterior mean (the EAP estimate) and posterior SD, in one pass (one exponential per
    /// node): moments are taken about the posterior mode node t₀, mean = t₀ + S₁/S₀ and
    /// variance = S₂/S₀ − (S₁/S₀)², which loses no precision because the weights are
    /// concentrated near t₀.
    pub fn mean_sd(&self) -> (f64, f64) {
        let (mut k0, mut m) = (0, f64::NEG_INFINITY);
        for (k, &l) in self.log_post.iter().enumerate() {
            if l > m {
                (k0, m) = (k, l);
            }
        }
        let t0 = self.nodes[k0];
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for (&l, &t) in self.log_post.iter().zip(&self.nodes) {
            let w = (l - m).exp();
            let x = t - t0;
            s0 += w;
            s1 += w * x;
            s2 += w * x * x;
        }
        let d = s1 / s0;
        (t0 + d, (s2 / s0 - d * d).max(0.0).sqrt())
    }

    /// Posterior mean, the EAP estimate of θ.
    pub fn mean(&self) -> f64 {
        self.mean_sd().0
    }

    /// Posterior standard deviation, the EAP standard error.
    pub fn sd(&self) -> f64 {
        self.mean_sd().1
    }

    /// The posterior `p`-quantile on the grid: the smallest node whose cumulative posterior
    /// weight reaches `p` (the grid is discrete, so quantiles are nodes). `p` is clamped to [0, 1].
    pub fn quantile(&self, p: f64) -> f64 {
        weighted_quantile(&self.nodes, &self.weights(), p)
    }
}

/// The `p`-quantile of a distribution on `nodes` (increasing) with normalised `weights`
/// (Σ = 1): the first node where the cumulative weight reaches `p` (`SCORING.md`: the median is
/// the node where it first reaches 0.5). A tolerance of 1e−12 absorbs the rounding of the sum,
/// so that p = 1 is reached and a cumulative weight of exactly p, summed as p − 1 ulp, counts.
/// `p` is clamped to [0, 1]; an empty distribution gives NaN.
pub fn weighted_quantile(nodes: &[f64], weights: &[f64], p: f64) -> f64 {
    let p = p.clamp(0.0, 1.0);
    let mut acc = 0.0;
    for (&t, &w) in nodes.iter().zip(weights) {
        acc += w;
        if acc >= p - 1e-12 {
            return t;
        }
    }
    nodes.last().copied().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_grid_shape() {
        let g = Grid::standard();
        assert_eq!(g.len(), 61);
        assert_eq!(g.range(), (-4.0, 4.0));
        assert!((g.nodes()[30]).abs() < 1e-15);
        let s: f64 = g.log_weights().iter().map(|l| l.exp()).sum();
        assert!((s - 1.0).abs() < 1e-14);
        // weight ratio of node 0 to node 30 is the density ratio exp(−8)
        let r = (g.log_weights()[0] - g.log_weights()[30]).exp();
        assert!((r - (-8.0f64).exp()).abs() < 1e-15);
    }

    #[test]
    fn invalid_grids_are_errors() {
        assert!(Grid::new(1, -4.0, 4.0, 0.0, 1.0).is_err());
        assert!(Grid::new(61, 4.0, -4.0, 0.0, 1.0).is_err());
        assert!(Grid::new(61, -4.0, f64::NAN, 0.0, 1.0).is_err());
        assert!(Grid::new(61, -4.0, 4.0, 0.0, 0.0).is_err());
    }

    #[test]
    fn prior_summaries() {
        let g = Grid::standard();
        let p = Posterior::new(&g);
        let (m, sd) = p.mean_sd();
        assert!(m.abs() < 1e-14);
        // discrete N(0,1) on 61 points of [−4,4]: SD just under 1 (tails cut at ±4)
        assert!((sd - 1.0).abs() < 2e-3, "{sd}");
        assert_eq!(p.quantile(0.5), 0.0);
    }

    #[test]
    fn incremental_equals_rows() {
        let g = Grid::standard();
        let it = ItemParams::new(1.1, 0.2, 0.2, 1.0).unwrap();
        let (r, w) = g.log_likelihood_rows(&it);
        let mut a = Posterior::new(&g);
        let mut b = Posterior::new(&g);
        a.add_response(&it, true);
        a.add_response(&it, false);
        b.add_log_likelihood_row(&r);
        b.add_log_likelihood_row(&w);
        assert_eq!(a, b);
    }
}
