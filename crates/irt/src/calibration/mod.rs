//! Item calibration by marginal maximum likelihood with the EM algorithm (Bock & Aitkin 1981).
//!
//! The latent ability is integrated out on a quadrature grid of equally spaced nodes whose weights
//! are the latent density at the nodes renormalised to sum to 1 (the product's rule, `SCORING.md`).
//! Each EM cycle computes, for every distinct response pattern, the posterior of θ on the nodes
//! (E-step, module `estep`), accumulates the expected numbers of responses n̄_ik and right answers r̄_ik
//! for every item i and node k, and then maximises each item's expected complete-data
//! log-posterior separately (M-step, module `mstep`).
//!
//! Models and identification (`CONTRACTS.md`):
//! - [`Model::Rasch`] (1PL): slopes fixed at 1, the latent mean fixed at 0 and the latent SD
//!   estimated;
//! - [`Model::CommonSlope`] (1PL): one slope shared by every item, latent N(0, 1);
//! - [`Model::TwoPl`]: free a and b per item, latent N(0, 1);
//! - [`Model::ThreePl`]: free a, b and c per item, with a [`CPrior`] on c (a Beta prior, or c fixed,
//!   e.g. at 0 for constructed-response items), latent N(0, 1).
//!
//! Linking: items given as anchors keep their parameters; the latent mean and SD are then
//! estimated from the expected counts at the nodes at every cycle (the latent distribution's own
//! EM step, as in Mislevy 1984 and BILOG-MG's updating of the latent distribution), so the other
//! items land on the anchors' scale.
//!
//! Standard errors ([`StandardErrors`]): per item, from the exact Hessian of the item's expected
//! complete-data log-posterior at convergence when every person answered every item, and from the
//! cross-product of the persons' scores otherwise (the complete-data information ignores the
//! information lost to the unknown θ, which matters when persons answer few items).
//!
//! The data are sparse ([`ResponseData`]): each person answered any subset of the items.
//!
//! ```
//! use jauge_irt::calibration::{calibrate, CalibrationOptions, Model, Response, ResponseData};
//!
//! // LSAT-like toy data: 3 items, 4 persons.
//! let persons = vec![
//!     vec![Response { item: 0, correct: true }, Response { item: 1, correct: false }],
//!     vec![Response { item: 0, correct: true }, Response { item: 2, correct: true }],
//!     vec![Response { item: 1, correct: true }, Response { item: 2, correct: false }],
//!     vec![Response { item: 0, correct: false }, Response { item: 1, correct: false },
//!          Response { item: 2, correct: true }],
//! ];
//! let data = ResponseData::from_persons(3, &persons).unwrap();
//! let fit = calibrate(&data, &CalibrationOptions::new(Model::Rasch)).unwrap();
//! assert_eq!(fit.items.len(), 3);
//! assert!(fit.loglik < 0.0);
//! ```
//!
//! Kept whole for now (~1,000 lines): options, the EM driver and the result types; the c prior
//! and the cross-product SEs move to `prior.rs` and `se.rs` in the split left uncommitted in
//! branch `calib` (to land with it).

mod data;
mod estep;
mod mstep;

pub use data::{Response, ResponseData};

use crate::{Grid, ItemParams, log_logistic, logistic};
use estep::{EStep, LOG_PROB_FLOOR, Tables, padded};
use mstep::{Free, ItemCounts, Working};

/// Why a calibration cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalibrationError {
    /// A response names an item index beyond the item list.
    #[error("response to item #{item}, but there are only {items} items")]
    ItemOutOfRange {
        /// The offending index.
        item: usize,
        /// The number of items.
        items: usize,
    },
    /// A response names a person index beyond the person list.
    #[error("response of person #{person}, but there are only {persons} persons")]
    PersonOutOfRange {
        /// The offending index.
        person: usize,
        /// The number of persons.
        persons: usize,
    },
    /// Too many items for the packed representation.
    #[error("{0} items: at most 2^30 are supported")]
    TooManyItems(usize),
    /// The same person answered the same item twice.
    #[error("person #{person} answered item #{item} more than once; keep one response per person and item")]
    DuplicateResponse {
        /// The person's index.
        person: usize,
        /// The item's index.
        item: usize,
    },
    /// Items that cannot be calibrated: no response, or all responses right or all wrong.
    #[error(
        "{} item(s) cannot be calibrated (no response, or every response right or every response wrong): #{}; remove them or anchor them",
        .0.len(),
        .0.iter().take(10).map(|i| i.to_string()).collect::<Vec<_>>().join(", #")
    )]
    Degenerate(Vec<usize>),
    /// An option is out of its domain.
    #[error("invalid calibration option: {0}")]
    InvalidOption(String),
    /// The quadrature grid could not be built.
    #[error(transparent)]
    Grid(#[from] crate::IrtError),
    /// An estimate could not be turned into a valid item (should not happen: estimates are bounded).
    #[error("item #{item}: {source}")]
    InvalidEstimate {
        /// The item's index.
        item: usize,
        /// Why.
        #[source]
        source: crate::ParamError,
    },
}

/// The item response model to calibrate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// 1PL with every slope fixed at 1 (Rasch); the latent SD is estimated.
    Rasch,
    /// 1PL with one common slope estimated; latent N(0, 1).
    CommonSlope,
    /// 2PL: a and b per item; latent N(0, 1).
    TwoPl,
    /// 3PL: a, b and c per item (c with a [`CPrior`]); latent N(0, 1).
    ThreePl,
}

/// The prior on an item's lower asymptote c (3PL only).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CPrior {
    /// c is not estimated but held at this value (0 for constructed-response items).
    Fixed(f64),
    /// c ~ Beta(alpha, beta), alpha, beta ≥ 1.
    Beta {
        /// First shape parameter.
        alpha: f64,
        /// Second shape parameter.
        beta: f64,
    },
}

impl CPrior {
    /// The weight (prior "sample size") of [`CPrior::centred`]'s Beta prior, BILOG-MG's default.
    pub const DEFAULT_WEIGHT: f64 = 20.0;

    /// A Beta prior whose mode is `p`: alpha = weight·p + 1, beta = weight·(1 − p) + 1 (the
    /// convention of BILOG-MG, Zimowski et al. 2003, with weight 20).
    pub fn centred(p: f64, weight: f64) -> Result<Self, CalibrationError> {
        if !(p > 0.0 && p < 1.0 && weight > 0.0 && weight.is_finite()) {
            return Err(CalibrationError::InvalidOption(format!(
                "a c prior needs a centre in (0, 1) and a positive weight (got {p}, {weight})"
            )));
        }
        Ok(Self::Beta {
            alpha: weight * p + 1.0,
            beta: weight * (1.0 - p) + 1.0,
        })
    }

    /// The prior of a single-choice item with `k` ≥ 2 options: centred on 1/k with weight 20.
    pub fn for_options(k: usize) -> Result<Self, CalibrationError> {
        if k < 2 {
            return Err(CalibrationError::InvalidOption(format!(
                "a single-choice item needs at least 2 options (got {k})"
            )));
        }
        Self::centred(1.0 / k as f64, Self::DEFAULT_WEIGHT)
    }

    /// The prior's mode (the fixed value for [`CPrior::Fixed`]).
    pub fn mode(&self) -> f64 {
        match *self {
            Self::Fixed(c) => c,
            Self::Beta { alpha, beta } => {
                if alpha + beta > 2.0 {
                    (alpha - 1.0) / (alpha + beta - 2.0)
                } else {
                    0.5
                }
            }
        }
    }

    /// ln of the Beta density at c (−∞ outside (0, 1)); 0 for a fixed c.
    pub fn log_density(&self, c: f64) -> f64 {
        match *self {
            Self::Fixed(_) => 0.0,
            Self::Beta { alpha, beta } => {
                if !(c > 0.0 && c < 1.0) {
                    return f64::NEG_INFINITY;
                }
                (alpha - 1.0) * c.ln() + (beta - 1.0) * (1.0 - c).ln() - ln_beta(alpha, beta)
            }
        }
    }

    fn validate(&self) -> Result<(), CalibrationError> {
        match *self {
            Self::Fixed(c) if (0.0..1.0).contains(&c) => Ok(()),
            Self::Beta { alpha, beta }
                if alpha >= 1.0 && beta >= 1.0 && alpha.is_finite() && beta.is_finite() =>
            {
                Ok(())
            }
            other => Err(CalibrationError::InvalidOption(format!(
                "c prior {other:?}: a fixed c must be in [0, 1) and Beta shapes finite and ≥ 1"
            ))),
        }
    }
}

/// ln B(α, β) = ln Γ(α) + ln Γ(β) − ln Γ(α + β) (Lanczos approximation of ln Γ, g = 7).
fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// ln Γ(x) for x > 0 by the Lanczos approximation (g = 7, 9 terms; relative error < 1e−13).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut s = G[0];
    for (i, &g) in G.iter().enumerate().skip(1) {
        s += g / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + s.ln()
}

/// Settings of a calibration.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationOptions {
    /// The model.
    pub model: Model,
    /// Number of quadrature nodes (default 61).
    pub nodes: usize,
    /// Lowest and highest node (default −6, 6).
    pub range: (f64, f64),
    /// EM stops when no parameter (a, b, c, latent mean and SD) moved more than this in a cycle
    /// (default 1e−4) ...
    pub param_tolerance: f64,
    /// ... and the log-posterior changed by at most this × (1 + |log-posterior|) (default 1e−7).
    pub loglik_tolerance: f64,
    /// At most this many EM cycles (default 500).
    pub max_iterations: usize,
    /// Per-item prior on c for the 3PL (empty: `default_c_prior` for every item).
    pub c_priors: Vec<CPrior>,
    /// The c prior of items not in `c_priors` (default: Beta centred on 0.2, i.e. 5 options).
    pub default_c_prior: CPrior,
    /// Anchor items, one entry per item (empty: none). An anchor keeps its parameters, and the
    /// latent mean and SD are then estimated.
    pub anchors: Vec<Option<ItemParams>>,
    /// Worker threads for the E-step (0: all available cores). Results do not depend on it.
    pub threads: usize,
    /// Accelerate EM by SQUAREM (Varadhan & Roland 2008) (default true).
    pub accelerate: bool,
    /// How the standard errors are computed (default [`StandardErrors::Auto`]).
    pub standard_errors: StandardErrors,
}

/// The information matrix the standard errors come from (per item, inverted per item).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StandardErrors {
    /// [`StandardErrors::CompleteData`] when every person answered every item (where it is
    /// accurate and costs nothing), [`StandardErrors::CrossProduct`] otherwise.
    #[default]
    Auto,
    /// The exact Hessian of the item's expected complete-data log-posterior at convergence: no
    /// extra pass over the data, but it ignores the information lost to the unknown θ, so it is
    /// optimistic when persons answer few items.
    CompleteData,
    /// The cross-product of the persons' scores Σ_p s_p s_pᵀ, s_p = Σ_k π_p(θ_k) ∂ ln P(u_pi | θ_k)
    /// (the empirical observed information of the marginal likelihood, as mirt's
    /// "crossprod"), plus the prior's curvature: one more pass over the data.
    CrossProduct,
}

impl CalibrationOptions {
    /// The defaults for `model`: 61 nodes on [−6, 6], tolerances 1e−4 (parameters) and 1e−7
    /// (relative log-posterior), 500 cycles, c prior Beta(5, 17) (mode 0.2), all cores, SQUAREM.
    pub fn new(model: Model) -> Self {
        Self {
            model,
            nodes: 61,
            range: (-6.0, 6.0),
            param_tolerance: 1e-4,
            loglik_tolerance: 1e-7,
            max_iterations: 500,
            c_priors: Vec::new(),
            default_c_prior: CPrior::Beta {
                alpha: 5.0,
                beta: 17.0,
            },
            anchors: Vec::new(),
            threads: 0,
            accelerate: true,
            standard_errors: StandardErrors::Auto,
        }
    }
}

/// One EM cycle's report, for progress display.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Cycles done.
    pub iteration: usize,
    /// The cap.
    pub max_iterations: usize,
    /// Marginal log-likelihood before this cycle's M-step.
    pub loglik: f64,
    /// Largest parameter change of this cycle.
    pub max_change: f64,
}

/// One calibrated item.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibratedItem {
    /// The estimated (or, for an anchor, the given) parameters.
    pub params: ItemParams,
    /// Standard error of a (`None` when a is fixed or the information is singular).
    pub se_a: Option<f64>,
    /// Standard error of b (delta method from the slope–intercept form).
    pub se_b: Option<f64>,
    /// Standard error of c (3PL with a free c only).
    pub se_c: Option<f64>,
    /// True for an anchor (parameters held).
    pub anchor: bool,
}

/// The result of a calibration.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// One entry per item, in the data's item order.
    pub items: Vec<CalibratedItem>,
    /// Marginal log-likelihood ln L = Σ_p ln Σ_k w_k Π_i P_i(θ_k)^u (1 − P_i(θ_k))^(1−u) at the
    /// final parameters.
    pub loglik: f64,
    /// ln L plus the log prior densities of the item parameters (the Beta priors on c); equal to
    /// `loglik` when no prior is used.
    pub log_posterior: f64,
    /// EM cycles performed.
    pub iterations: usize,
    /// True when the tolerances were met before the cap.
    pub converged: bool,
    /// Latent mean (0 unless anchors identify it).
    pub latent_mean: f64,
    /// Latent SD (1 unless estimated: Rasch, or anchors).
    pub latent_sd: f64,
    /// The quadrature grid with the final latent distribution (for EAP scoring of the persons).
    pub grid: Grid,
    /// How the standard errors were computed (never [`StandardErrors::Auto`]; the common slope
    /// always uses [`StandardErrors::CompleteData`]).
    pub standard_errors: StandardErrors,
}

/// Calibrates the items of `data`; see [`calibrate_with_progress`].
pub fn calibrate(data: &ResponseData, options: &CalibrationOptions) -> Result<Calibration, CalibrationError> {
    calibrate_with_progress(data, options, &mut |_| {})
}

fn validate(data: &ResponseData, o: &CalibrationOptions) -> Result<(), CalibrationError> {
    let bad = |m: String| Err(CalibrationError::InvalidOption(m));
    if o.nodes < 5 || o.nodes > 1001 {
        return bad(format!("{} quadrature nodes: use 5 to 1001", o.nodes));
    }
    let (lo, hi) = o.range;
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return bad(format!(
            "range [{lo}, {hi}]: it must be finite with lower < upper"
        ));
    }
    if !(o.param_tolerance > 0.0 && o.loglik_tolerance > 0.0) {
        return bad("tolerances must be > 0".into());
    }
    if o.max_iterations == 0 {
        return bad("the iteration cap must be at least 1".into());
    }
    let n = data.n_items();
    if !o.anchors.is_empty() && o.anchors.len() != n {
        return bad(format!("{} anchor entries for {n} items", o.anchors.len()));
    }
    if !o.c_priors.is_empty() && o.c_priors.len() != n {
        return bad(format!("{} c priors for {n} items", o.c_priors.len()));
    }
    o.default_c_prior.validate()?;
    for p in &o.c_priors {
        p.validate()?;
    }
    if n == 0 {
        return bad("no items".into());
    }
    Ok(())
}

/// Calibrates the items of `data` by MML-EM, calling `progress` after every cycle.
///
/// Errors: invalid options, or items that cannot be estimated (no response, all right or all
/// wrong) unless they are anchors.
pub fn calibrate_with_progress(
    data: &ResponseData,
    options: &CalibrationOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Calibration, CalibrationError> {
    validate(data, options)?;
    let o = options;
    let n = data.n_items();
    let k = o.nodes;
    let anchor = |i: usize| o.anchors.get(i).copied().flatten();
    let c_prior = |i: usize| -> CPrior {
        if o.model != Model::ThreePl {
            CPrior::Fixed(0.0)
        } else {
            o.c_priors.get(i).copied().unwrap_or(o.default_c_prior)
        }
    };
    let totals = data.item_totals();
    let degenerate: Vec<usize> = (0..n)
        .filter(|&i| anchor(i).is_none())
        .filter(|&i| {
            let (m, r) = totals[i];
            !(m > 0.0 && r > 0.0 && r < m)
        })
        .collect();
    if !degenerate.is_empty() {
        return Err(CalibrationError::Degenerate(degenerate));
    }
    let has_anchors = (0..n).any(|i| anchor(i).is_some());
    let estimate_mean = has_anchors;
    let estimate_sd = has_anchors || o.model == Model::Rasch;

    // Starting values from the proportions right.
    let work: Vec<Working> = (0..n)
        .map(|i| {
            let (m, r) = totals[i];
            let c = c_prior(i).mode();
            let p = ((r + 0.5) / (m + 1.0)).clamp(c + 0.02, 0.98);
            let q = ((p - c) / (1.0 - c)).clamp(0.02, 0.98);
            Working {
                a: 1.0,
                delta: (q / (1.0 - q)).ln() * 1.2,
                c,
            }
        })
        .collect();
    let start = State {
        work,
        common_a: 1.0,
        mean: 0.0,
        sd: 1.0,
    };
    let threads = if o.threads == 0 {
        std::thread::available_parallelism().map_or(1, |t| t.get())
    } else {
        o.threads
    };
    let kp = padded(k);
    let mut m = Machine {
        data,
        o,
        n,
        k,
        anchors: (0..n).map(anchor).collect(),
        priors: (0..n).map(c_prior).collect(),
        estep: EStep::new(data, &totals, k, threads),
        tables: Tables::new(estep::rare_is_wrong(&totals), kp),
        n_buf: vec![0.0; n * k],
        base: Grid::new(k, o.range.0, o.range.1, 0.0, 1.0)?,
        estimate_mean,
        estimate_sd,
        px: o.accelerate && !has_anchors && o.model != Model::Rasch,
        threads,
    };

    // EM, accelerated when asked by parameter expansion (PX-EM, see `Machine::m_step`: F below is
    // the expanded step) and SQUAREM (Varadhan & Roland 2008, scheme S3): two EM steps
    // x1 = F(x0), x2 = F(x1) give r = x1 − x0 and v = x2 − 2x1 + x0; the extrapolation
    // x′ = x0 + 2αr + α²v with α = ‖r‖/‖v‖ (at least 1, at most a bound that grows while it is
    // reached) is kept when it does not lower the log-posterior, otherwise x2 is. Convergence is
    // always judged on the change of a plain EM step (the M-step before its expansion).
    let mut x = start;
    let mut lp_x = m.e_step(&x)?;
    let mut iterations = 0;
    let mut converged = false;
    let mut step_max = 1.0f64;
    loop {
        if iterations >= o.max_iterations {
            break;
        }
        let (x1, change) = m.m_step(&x)?;
        iterations += 1;
        progress(&Progress {
            iteration: iterations,
            max_iterations: o.max_iterations,
            loglik: m.estep.total.loglik,
            max_change: change,
        });
        let lp1 = m.e_step(&x1)?;
        let small = (lp1 - lp_x).abs() <= o.loglik_tolerance * (1.0 + lp1.abs());
        let done = change < o.param_tolerance && small;
        let (x0, lp0) = (std::mem::replace(&mut x, x1), lp_x);
        lp_x = lp1;
        if done {
            converged = true;
            break;
        }
        if !o.accelerate || iterations >= o.max_iterations {
            continue;
        }
        let (x2, _) = m.m_step(&x)?;
        iterations += 1;
        let (v0, v1, v2) = (m.vector_of(&x0), m.vector_of(&x), m.vector_of(&x2));
        let r: Vec<f64> = v1.iter().zip(&v0).map(|(a, b)| a - b).collect();
        let v: Vec<f64> = v2
            .iter()
            .zip(&v1)
            .zip(&v0)
            .map(|((c, b), a)| c - 2.0 * b + a)
            .collect();
        let rr: f64 = r.iter().map(|x| x * x).sum();
        let vv: f64 = v.iter().map(|x| x * x).sum();
        let alpha = if vv > 0.0 {
            (rr / vv).sqrt().clamp(1.0, step_max)
        } else {
            1.0
        };
        if alpha >= step_max {
            step_max *= 4.0;
        }
        let xp_vec: Vec<f64> = v0
            .iter()
            .zip(&r)
            .zip(&v)
            .map(|((x0, r), v)| x0 + 2.0 * alpha * r + alpha * alpha * v)
            .collect();
        let xp = m.state_of(&xp_vec, &x0);
        let lpp = m.e_step(&xp)?;
        if lpp.is_finite() && lpp >= lp1.min(lp0) {
            x = xp;
            lp_x = lpp;
        } else {
            step_max = (step_max / 4.0).max(1.0);
            lp_x = m.e_step(&x2)?;
            x = x2;
        }
    }
    let lp = lp_x;
    let State {
        work,
        common_a,
        mean,
        sd,
    } = x;
    let grid = m.grid(mean, sd)?;
    let estep = &m.estep;
    let mut n_buf = std::mem::take(&mut m.n_buf);

    // Standard errors from the final E-step's counts (at the returned parameters).
    let counts = &estep.total;
    for i in 0..n {
        counts.item_n(i, &mut n_buf[i * k..(i + 1) * k]);
    }
    let item_counts = |i: usize| ItemCounts {
        nodes: grid.nodes(),
        right: counts.item_r(i),
        n: &n_buf[i * k..(i + 1) * k],
    };
    let mut items = Vec::with_capacity(n);
    let common_cov = if o.model == Model::CommonSlope {
        let free: Vec<usize> = (0..n).filter(|&i| anchor(i).is_none()).collect();
        let cnts: Vec<ItemCounts> = free.iter().map(|&i| item_counts(i)).collect();
        let deltas: Vec<f64> = free.iter().map(|&i| work[i].delta).collect();
        mstep::common_slope_covariance(&cnts, common_a, &deltas).map(|(va, per)| {
            let mut map = vec![None; n];
            for (&i, p) in free.iter().zip(per) {
                map[i] = Some(p);
            }
            (va, map)
        })
    } else {
        None
    };
    let se_method = match o.standard_errors {
        StandardErrors::Auto => {
            let complete = (0..data.n_patterns()).all(|q| data.pattern_cells(q).len() == n);
            if complete || o.model == Model::CommonSlope {
                StandardErrors::CompleteData
            } else {
                StandardErrors::CrossProduct
            }
        }
        StandardErrors::CrossProduct if o.model == Model::CommonSlope => StandardErrors::CompleteData,
        other => other,
    };
    let cross = (se_method == StandardErrors::CrossProduct)
        .then(|| cross_product_information(data, &grid, &m.anchors, &work));
    for i in 0..n {
        if let Some(item) = anchor(i) {
            items.push(CalibratedItem {
                params: item,
                se_a: None,
                se_b: None,
                se_c: None,
                anchor: true,
            });
            continue;
        }
        let w = work[i];
        let params = ItemParams::new(w.a, -w.delta / w.a, w.c, 1.0)
            .map_err(|source| CalibrationError::InvalidEstimate { item: i, source })?;
        let b_se = |var_a: f64, var_d: f64, cov: f64| -> Option<f64> {
            // b = −δ/a: ∂b/∂a = δ/a², ∂b/∂δ = −1/a.
            let ga = w.delta / (w.a * w.a);
            let gd = -1.0 / w.a;
            finite_sqrt(ga * ga * var_a + gd * gd * var_d + 2.0 * ga * gd * cov)
        };
        let (se_a, se_b, se_c) = match o.model {
            Model::CommonSlope => match &common_cov {
                Some((va, map)) => match map[i] {
                    Some((vd, cad)) => (finite_sqrt(*va), b_se(*va, vd, cad), None),
                    None => (None, None, None),
                },
                None => (None, None, None),
            },
            model => {
                let prior = c_prior(i);
                let free = Free {
                    a: model != Model::Rasch,
                    c: matches!(prior, CPrior::Beta { .. }),
                };
                let cov = match &cross {
                    Some(info) => mstep::covariance_from_information(&info[i], w, free, &prior),
                    None => mstep::covariance(&item_counts(i), w, free, &prior),
                };
                match cov {
                    Some(cov) if free.a => (
                        finite_sqrt(cov[0][0]),
                        b_se(cov[0][0], cov[1][1], cov[0][1]),
                        if free.c { finite_sqrt(cov[2][2]) } else { None },
                    ),
                    Some(cov) => (None, b_se(0.0, cov[0][0], 0.0), None),
                    None => (None, None, None),
                }
            }
        };
        items.push(CalibratedItem {
            params,
            se_a,
            se_b,
            se_c,
            anchor: false,
        });
    }
    Ok(Calibration {
        items,
        loglik: estep.total.loglik,
        log_posterior: lp,
        iterations,
        converged,
        latent_mean: mean,
        latent_sd: sd,
        grid,
        standard_errors: se_method,
    })
}

/// The parameters EM iterates on.
#[derive(Debug, Clone)]
struct State {
    work: Vec<Working>,
    common_a: f64,
    mean: f64,
    sd: f64,
}

/// Everything an EM step needs besides the parameters.
struct Machine<'a> {
    data: &'a ResponseData,
    o: &'a CalibrationOptions,
    n: usize,
    k: usize,
    anchors: Vec<Option<ItemParams>>,
    priors: Vec<CPrior>,
    estep: EStep,
    tables: Tables,
    n_buf: Vec<f64>,
    base: Grid,
    estimate_mean: bool,
    estimate_sd: bool,
    /// Parameter expansion (PX-EM, Liu, Rubin & Wu 1998) in the M-step: see [`Machine::m_step`].
    px: bool,
    /// Worker threads (E-step and M-step).
    threads: usize,
}

impl Machine<'_> {
    fn grid(&self, mean: f64, sd: f64) -> Result<Grid, CalibrationError> {
        Ok(self.base.with_prior(mean, sd)?)
    }

    /// The E-step at `s`; returns the log-posterior (log-likelihood + log priors of c).
    fn e_step(&mut self, s: &State) -> Result<f64, CalibrationError> {
        let grid = self.grid(s.mean, s.sd)?;
        let k = self.k;
        let nodes = grid.nodes();
        let t = &mut self.tables;
        t.start(grid.log_weights());
        for i in 0..self.n {
            for (j, &theta) in nodes.iter().enumerate() {
                // ln P and ln Q, floored like the linear rows.
                let (lp, lq) = match self.anchors[i] {
                    Some(item) => (item.log_prob(theta, true), item.log_prob(theta, false)),
                    None => {
                        let w = s.work[i];
                        let (l, _, ln_l, ln_m) = mstep::logistic_parts(w.a * theta + w.delta);
                        if w.c > 0.0 {
                            ((w.c + (1.0 - w.c) * l).ln(), (1.0 - w.c).ln() + ln_m)
                        } else {
                            (ln_l, ln_m)
                        }
                    }
                };
                t.set(i, j, lp.max(LOG_PROB_FLOOR), lq.max(LOG_PROB_FLOOR));
            }
        }
        debug_assert_eq!(nodes.len(), k);
        self.estep.run(self.data, &self.tables);
        let prior: f64 = (0..self.n)
            .filter(|&i| self.anchors[i].is_none())
            .map(|i| self.priors[i].log_density(s.work[i].c))
            .sum();
        Ok(self.estep.total.loglik + prior)
    }

    /// The M-step from the counts of the last E-step (which must have been run at `s`): the next
    /// state, and the largest parameter change of the plain EM step (before the expansion step,
    /// when there is one).
    fn m_step(&mut self, s: &State) -> Result<(State, f64), CalibrationError> {
        let (n, k) = (self.n, self.k);
        let grid = self.grid(s.mean, s.sd)?;
        let counts = &self.estep.total;
        for i in 0..n {
            counts.item_n(i, &mut self.n_buf[i * k..(i + 1) * k]);
        }
        let n_buf = &self.n_buf;
        let item_counts = |i: usize| ItemCounts {
            nodes: grid.nodes(),
            right: counts.item_r(i),
            n: &n_buf[i * k..(i + 1) * k],
        };
        let mut next = s.clone();
        let free_items: Vec<usize> = (0..n).filter(|&i| self.anchors[i].is_none()).collect();
        match self.o.model {
            Model::CommonSlope => {
                let cnts: Vec<ItemCounts> = free_items.iter().map(|&i| item_counts(i)).collect();
                let mut deltas: Vec<f64> = free_items.iter().map(|&i| s.work[i].delta).collect();
                next.common_a = mstep::maximise_common_slope(&cnts, s.common_a, &mut deltas);
                for (&i, d) in free_items.iter().zip(deltas) {
                    next.work[i] = Working {
                        a: next.common_a,
                        delta: d,
                        c: 0.0,
                    };
                }
            }
            model => {
                // Items are maximised separately, so on several threads with the same result.
                let priors = &self.priors;
                let fitted = estep::map_parallel(free_items.len(), self.threads, |f| {
                    let i = free_items[f];
                    let prior = priors[i];
                    let free = Free {
                        a: model != Model::Rasch,
                        c: matches!(prior, CPrior::Beta { .. }),
                    };
                    mstep::maximise(&item_counts(i), s.work[i], free, &prior)
                });
                for (&i, w) in free_items.iter().zip(fitted) {
                    next.work[i] = w;
                }
            }
        }
        // The latent distribution's update from the expected counts at the nodes.
        if self.estimate_mean || self.estimate_sd {
            let lat = counts.latent();
            let total: f64 = lat.iter().sum();
            if total > 0.0 {
                let nodes = grid.nodes();
                if self.estimate_mean {
                    next.mean = lat.iter().zip(nodes).map(|(w, t)| w * t).sum::<f64>() / total;
                }
                if self.estimate_sd {
                    let v = lat
                        .iter()
                        .zip(nodes)
                        .map(|(w, t)| w * (t - next.mean) * (t - next.mean))
                        .sum::<f64>()
                        / total;
                    next.sd = v.sqrt().clamp(SD_MIN, self.sd_max());
                }
            }
        }
        // The change of the plain EM step, which convergence is judged on.
        let plain_change = self.change(s, &next);
        if self.px {
            // PX-EM: the latent mean and SD are estimated too (the moments of the expected counts
            // at the nodes), then the scale is brought back to N(0, 1) by moving the items
            // instead: aθ + δ with θ = μ + σθ′ is (aσ)θ′ + (δ + aμ). EM alone crawls along this
            // direction (a common change of every slope), where the latent SD is what the
            // expected counts say most directly.
            let lat = counts.latent();
            let total: f64 = lat.iter().sum();
            if total > 0.0 {
                let nodes = grid.nodes();
                let mu = lat.iter().zip(nodes).map(|(w, t)| w * t).sum::<f64>() / total;
                let var = lat
                    .iter()
                    .zip(nodes)
                    .map(|(w, t)| w * (t - mu) * (t - mu))
                    .sum::<f64>()
                    / total;
                let sigma = var.sqrt();
                if mu.is_finite() && sigma.is_finite() && sigma > 0.0 {
                    for &i in &free_items {
                        let w = &mut next.work[i];
                        w.delta = (w.delta + w.a * mu).clamp(-mstep::DELTA_MAX, mstep::DELTA_MAX);
                        w.a = (w.a * sigma).clamp(mstep::A_MIN, mstep::A_MAX);
                    }
                    next.common_a = (next.common_a * sigma).clamp(mstep::A_MIN, mstep::A_MAX);
                }
            }
        }
        Ok((next, plain_change))
    }

    fn sd_max(&self) -> f64 {
        0.5 * (self.o.range.1 - self.o.range.0)
    }

    /// The largest change in a, b, c, latent mean and SD between two states.
    fn change(&self, x: &State, y: &State) -> f64 {
        x.work
            .iter()
            .zip(&y.work)
            .map(|(u, w)| {
                (w.a - u.a)
                    .abs()
                    .max((-w.delta / w.a + u.delta / u.a).abs())
                    .max((w.c - u.c).abs())
            })
            .fold(0.0, f64::max)
            .max((x.mean - y.mean).abs())
            .max((x.sd - y.sd).abs())
    }

    fn vector_of(&self, s: &State) -> Vec<f64> {
        let mut v = Vec::with_capacity(3 * self.n + 3);
        for w in &s.work {
            v.extend([w.a, w.delta, w.c]);
        }
        v.extend([s.common_a, s.mean, s.sd]);
        v
    }

    /// The state of an extrapolated vector, pulled back into the parameters' domain; fixed
    /// parameters are taken from `template`.
    fn state_of(&self, v: &[f64], template: &State) -> State {
        let mut s = template.clone();
        for (i, w) in s.work.iter_mut().enumerate() {
            if self.anchors[i].is_some() {
                continue;
            }
            let (a, delta, c) = (v[3 * i], v[3 * i + 1], v[3 * i + 2]);
            w.a = a.clamp(mstep::A_MIN, mstep::A_MAX);
            w.delta = delta.clamp(-mstep::DELTA_MAX, mstep::DELTA_MAX);
            if matches!(self.priors[i], CPrior::Beta { .. }) {
                w.c = c.clamp(mstep::C_MIN, mstep::C_MAX);
            }
        }
        let m = 3 * self.n;
        s.common_a = v[m].clamp(mstep::A_MIN, mstep::A_MAX);
        let (lo, hi) = self.o.range;
        s.mean = v[m + 1].clamp(lo, hi);
        s.sd = v[m + 2].clamp(SD_MIN, self.sd_max());
        s
    }
}

/// Σ_p f_p s_pi s_piᵀ per item, s_pi = the posterior expectation of ∂ ln P(u_pi | θ)/∂(a, δ, c)
/// (see [`StandardErrors::CrossProduct`]). Anchors get zeros.
fn cross_product_information(
    data: &ResponseData,
    grid: &Grid,
    anchors: &[Option<ItemParams>],
    work: &[Working],
) -> Vec<[[f64; 3]; 3]> {
    let n = work.len();
    let nodes = grid.nodes();
    let k = nodes.len();
    // ln P(u | θ_k) for every item, and the per-node scores of the free items.
    let mut log_rows = vec![0.0; 2 * n * k];
    let mut scores = vec![[0.0; 3]; 2 * n * k];
    for i in 0..n {
        for (j, &t) in nodes.iter().enumerate() {
            let (lp, lq) = match anchors[i] {
                Some(item) => (item.log_prob(t, true), item.log_prob(t, false)),
                None => {
                    let w = work[i];
                    let z = w.a * t + w.delta;
                    let l = logistic(z);
                    let p = (w.c + (1.0 - w.c) * l).max(1e-300);
                    for (u, e) in [(0, -p), (1, 1.0 - p)] {
                        // ∂ℓ/∂δ = (u − P) L / P, ∂ℓ/∂a = θ ∂ℓ/∂δ, ∂ℓ/∂c = (u − P) / (P (1 − c)).
                        let d = e * l / p;
                        scores[(2 * i + u) * k + j] = [d * t, d, e / (p * (1.0 - w.c))];
                    }
                    (p.ln(), (1.0 - w.c).ln() + log_logistic(-z))
                }
            };
            log_rows[(2 * i + 1) * k + j] = lp.max(estep::LOG_PROB_FLOOR);
            log_rows[2 * i * k + j] = lq.max(estep::LOG_PROB_FLOOR);
        }
    }
    let mut info = vec![[[0.0; 3]; 3]; n];
    let mut lp = vec![0.0; k];
    for q in 0..data.n_patterns() {
        let cells = data.pattern_cells(q);
        if cells.is_empty() {
            continue;
        }
        lp.copy_from_slice(grid.log_weights());
        for &cell in cells {
            let row = &log_rows[cell as usize * k..(cell as usize + 1) * k];
            lp.iter_mut().zip(row).for_each(|(a, b)| *a += b);
        }
        let m = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        lp.iter_mut().for_each(|x| *x = (*x - m).exp());
        let total: f64 = lp.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            continue;
        }
        let f = data.pattern_count(q);
        for &cell in cells {
            let i = (cell >> 1) as usize;
            if anchors[i].is_some() {
                continue;
            }
            let mut sc = [0.0; 3];
            for (w, g) in lp.iter().zip(&scores[cell as usize * k..(cell as usize + 1) * k]) {
                for (s, x) in sc.iter_mut().zip(g) {
                    *s += w * x;
                }
            }
            sc.iter_mut().for_each(|s| *s /= total);
            for r in 0..3 {
                for c in 0..3 {
                    info[i][r][c] += f * sc[r] * sc[c];
                }
            }
        }
    }
    info
}

/// The smallest latent SD an estimate may take.
const SD_MIN: f64 = 0.05;

fn finite_sqrt(v: f64) -> Option<f64> {
    (v >= 0.0 && v.is_finite()).then(|| v.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_known_values() {
        // Γ(5) = 24, Γ(1/2) = √π, Γ(1) = 1.
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
        assert!(ln_gamma(1.0).abs() < 1e-12);
    }

    #[test]
    fn beta_prior_centred_on_one_over_k() {
        let p = CPrior::for_options(4).unwrap();
        assert!((p.mode() - 0.25).abs() < 1e-12);
        assert_eq!(
            p,
            CPrior::Beta {
                alpha: 6.0,
                beta: 16.0
            }
        );
        // Beta(2, 2) density at 0.5 is 1.5.
        let b = CPrior::Beta {
            alpha: 2.0,
            beta: 2.0,
        };
        assert!((b.log_density(0.5) - 1.5f64.ln()).abs() < 1e-12);
        assert_eq!(b.log_density(1.0), f64::NEG_INFINITY);
        assert!(CPrior::for_options(1).is_err());
    }
}
