//! Ability estimators: maximum likelihood (MLE), Warm's weighted likelihood (WLE), maximum a
//! posteriori (MAP) and expected a posteriori (EAP).
//!
//! Every estimator takes the administered responses as an iterator of `(&ItemParams, bool)`
//! pairs (right = `true`), so that an engine passes `administered.iter().map(|&(i, u)| (&bank[i],
//! u))` without copying anything, and a caller holding a pattern with gaps uses [`pattern`]. The
//! iterator must be `Clone`: the search evaluates it many times.
//!
//! Standard errors follow `CONTRACTS.md`: MLE and WLE 1/√I(θ̂) with I the test information;
//! MAP 1/√(I(θ̂) + 1/σ²); EAP the posterior SD. An SE is +∞ only when the information at θ̂
//! underflows to 0, never NaN.
//!
//! The modes (MLE, WLE, MAP) are global maxima on the search range: a 3PL or 4PL likelihood can
//! be multimodal, so the objective is first scanned on a fine grid (step ≤ 0.1 and ≤ 0.25/max a,
//! at most 20,000 intervals), and the best bracket then refined by Brent's root finder on the
//! derivative. The end points are part of the scan: when one of them is the maximum, the
//! estimate is that bound and `bounded` is true.
//!
//! The MLE and MAP of 1PL/2PL items maximise a concave function and skip the scan: Brent's
//! root finder runs on the whole range directly.

use std::fmt;
use std::str::FromStr;

use crate::{Grid, IrtError, ItemParams, Posterior};

/// An ability estimate with its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate θ̂.
    pub theta: f64,
    /// Its standard error (definition per estimator, see the module documentation).
    pub se: f64,
    /// True when θ̂ is a bound of the search range (the maximum lies at or beyond it).
    pub bounded: bool,
}

impl Estimate {
    /// The EAP summary of a posterior: its mean and SD (Bock & Mislevy 1982); never bounded.
    pub fn from_posterior(posterior: &Posterior) -> Self {
        let (theta, se) = posterior.mean_sd();
        Self {
            theta,
            se,
            bounded: false,
        }
    }
}

/// The four ability estimators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Estimator {
    /// Maximum likelihood.
    Mle,
    /// Warm's (1989) weighted likelihood.
    Wle,
    /// Maximum a posteriori with a normal prior.
    Map,
    /// Expected a posteriori on the quadrature grid (Bock & Mislevy 1982).
    Eap,
}

impl Estimator {
    /// The lowercase name used on the command line and in JSON (`mle`, `wle`, `map`, `eap`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Mle => "mle",
            Self::Wle => "wle",
            Self::Map => "map",
            Self::Eap => "eap",
        }
    }
}

impl fmt::Display for Estimator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name is not one of `mle`, `wle`, `map`, `eap`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown estimator `{0}` (expected mle, wle, map or eap)")]
pub struct UnknownEstimator(pub String);

impl FromStr for Estimator {
    type Err = UnknownEstimator;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "mle" => Ok(Self::Mle),
            "wle" => Ok(Self::Wle),
            "map" => Ok(Self::Map),
            "eap" => Ok(Self::Eap),
            _ => Err(UnknownEstimator(s.to_owned())),
        }
    }
}

/// A search interval [lo, hi] with lo < hi and a finite width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchRange {
    lo: f64,
    hi: f64,
}

impl SearchRange {
    /// Validates the interval ([`IrtError::InvalidRange`] unless lo < hi and hi − lo is finite).
    pub fn new(lo: f64, hi: f64) -> Result<Self, IrtError> {
        if lo < hi && (hi - lo).is_finite() {
            Ok(Self { lo, hi })
        } else {
            Err(IrtError::InvalidRange { lo, hi })
        }
    }
    /// Lower end.
    pub fn lo(&self) -> f64 {
        self.lo
    }
    /// Upper end.
    pub fn hi(&self) -> f64 {
        self.hi
    }
}

impl Default for SearchRange {
    /// [−4, 4].
    fn default() -> Self {
        Self { lo: -4.0, hi: 4.0 }
    }
}

/// A normal prior N(mean, sd²) on θ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormalPrior {
    mean: f64,
    sd: f64,
}

impl NormalPrior {
    /// Validates the prior ([`IrtError::InvalidPrior`] unless the mean is finite and the sd
    /// finite and > 0).
    pub fn new(mean: f64, sd: f64) -> Result<Self, IrtError> {
        if mean.is_finite() && sd.is_finite() && sd > 0.0 {
            Ok(Self { mean, sd })
        } else {
            Err(IrtError::InvalidPrior { mean, sd })
        }
    }
    /// The mean μ.
    pub fn mean(&self) -> f64 {
        self.mean
    }
    /// The standard deviation σ.
    pub fn sd(&self) -> f64 {
        self.sd
    }
}

impl Default for NormalPrior {
    /// N(0, 1), the population prior of `SCORING.md`.
    fn default() -> Self {
        Self { mean: 0.0, sd: 1.0 }
    }
}

/// Everything an estimator may need besides the responses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// The prior of MAP and EAP.
    pub prior: NormalPrior,
    /// The search interval of MLE, WLE and MAP; the quadrature range of EAP.
    pub range: SearchRange,
    /// The number of quadrature nodes of EAP (≥ 2).
    pub quadrature: usize,
}

impl Default for Settings {
    /// N(0, 1), [−4, 4], 61 nodes.
    fn default() -> Self {
        Self {
            prior: NormalPrior::default(),
            range: SearchRange::default(),
            quadrature: 61,
        }
    }
}

/// The administered responses of a pattern with gaps: `pattern[i]` is the answer to `items[i]`,
/// `None` when it was not administered. Errors with [`IrtError::PatternLength`] when the lengths
/// differ.
pub fn pattern<'a>(
    items: &'a [ItemParams],
    pattern: &'a [Option<bool>],
) -> Result<impl Iterator<Item = (&'a ItemParams, bool)> + Clone + 'a, IrtError> {
    if items.len() != pattern.len() {
        return Err(IrtError::PatternLength {
            responses: pattern.len(),
            items: items.len(),
        });
    }
    Ok(items.iter().zip(pattern).filter_map(|(it, u)| u.map(|u| (it, u))))
}

/// Runs `estimator` with `settings`.
///
/// ```
/// use jauge_irt::{Estimator, ItemParams, Settings, estimate, pattern};
///
/// let items = [ItemParams::rasch(-1.0)?, ItemParams::rasch(0.0)?, ItemParams::rasch(1.0)?];
/// let answers = [Some(true), Some(false), None]; // the third item was not administered
/// let e = estimate(Estimator::Mle, pattern(&items, &answers)?, &Settings::default())?;
/// // score r − ΣP = 0 with P₁ + P₂ = 1 → θ̂ = −½ by symmetry about the mean difficulty
/// assert!((e.theta + 0.5).abs() < 1e-9 && !e.bounded);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn estimate<'a, R>(estimator: Estimator, responses: R, settings: &Settings) -> Result<Estimate, IrtError>
where
    R: IntoIterator<Item = (&'a ItemParams, bool)>,
    R::IntoIter: Clone,
{
    match estimator {
        Estimator::Mle => mle(responses, settings.range),
        Estimator::Wle => wle(responses, settings.range),
        Estimator::Map => map(responses, settings.prior, settings.range),
        Estimator::Eap => {
            let (lo, hi) = (settings.range.lo(), settings.range.hi());
            let grid = Grid::new(
                settings.quadrature,
                lo,
                hi,
                settings.prior.mean(),
                settings.prior.sd(),
            )?;
            Ok(eap(responses, &grid))
        }
    }
}

/// Maximum likelihood estimate: the global maximum of ln L(θ) = Σ ln P_i^{u_i} Q_i^{1−u_i} on
/// `range`; SE 1/√I(θ̂) (Birnbaum 1968; Lord 1980).
///
/// A constant pattern (all right or all wrong) has no finite maximum: the estimate is the bound
/// the likelihood increases towards, with the SE at that bound and `bounded = true`.
/// Errors: [`IrtError::EmptyPattern`] when no item was administered.
pub fn mle<'a, R>(responses: R, range: SearchRange) -> Result<Estimate, IrtError>
where
    R: IntoIterator<Item = (&'a ItemParams, bool)>,
    R::IntoIter: Clone,
{
    let it = responses.into_iter();
    let shape = Shape::of(it.clone());
    if shape.n == 0 {
        return Err(IrtError::EmptyPattern { estimator: "MLE" });
    }
    let theta = if shape.right == 0 {
        range.lo
    } else if shape.right == shape.n {
        range.hi
    } else {
        maximise(it.clone(), Kind::Mle, range, &shape)
    };
    let info = Sums::at(it, theta).info;
    Ok(Estimate {
        theta,
        se: inv_sqrt(info),
        bounded: theta <= range.lo || theta >= range.hi,
    })
}

/// Warm's (1989) weighted likelihood estimate: the root of S(θ) + J(θ)/(2 I(θ)) = 0, with S the
/// score, I the test information and J = Σ P′P″/(PQ), that maximises the weighted likelihood.
/// For 1PL/2PL items the weighted log-likelihood is ln L + ½ ln I and the estimate is finite for
/// every pattern, all right and all wrong included; for 3PL/4PL items the objective is the
/// integral of Warm's estimating function (equal to ln L + ½ ln I up to a constant in the 2PL
/// case). Bounded to `range` like the MLE; SE 1/√I(θ̂).
/// Errors: [`IrtError::EmptyPattern`] when no item was administered.
pub fn wle<'a, R>(responses: R, range: SearchRange) -> Result<Estimate, IrtError>
where
    R: IntoIterator<Item = (&'a ItemParams, bool)>,
    R::IntoIter: Clone,
{
    let it = responses.into_iter();
    let shape = Shape::of(it.clone());
    if shape.n == 0 {
        return Err(IrtError::EmptyPattern { estimator: "WLE" });
    }
    let theta = maximise(it.clone(), Kind::Wle, range, &shape);
    let info = Sums::at(it, theta).info;
    Ok(Estimate {
        theta,
        se: inv_sqrt(info),
        bounded: theta <= range.lo || theta >= range.hi,
    })
}

/// Maximum a posteriori estimate with the normal prior N(μ, σ²): the global maximum on `range`
/// of ln L(θ) − (θ − μ)²/(2σ²); SE 1/√(I(θ̂) + 1/σ²). With no response it is the prior mean with
/// SE σ.
pub fn map<'a, R>(responses: R, prior: NormalPrior, range: SearchRange) -> Result<Estimate, IrtError>
where
    R: IntoIterator<Item = (&'a ItemParams, bool)>,
    R::IntoIter: Clone,
{
    let it = responses.into_iter();
    let shape = Shape::of(it.clone());
    if shape.n == 0 {
        return Ok(Estimate {
            theta: prior.mean,
            se: prior.sd,
            bounded: false,
        });
    }
    let theta = maximise(it.clone(), Kind::Map(prior), range, &shape);
    let info = Sums::at(it, theta).info;
    Ok(Estimate {
        theta,
        se: inv_sqrt(info + 1.0 / (prior.sd * prior.sd)),
        bounded: theta <= range.lo || theta >= range.hi,
    })
}

/// Expected a posteriori estimate on `grid` (Bock & Mislevy 1982): the posterior mean and SD
/// with the grid's prior weights (equally spaced nodes, both ends included, normalised prior
/// density: `SCORING.md`). With no response it is exactly the grid's prior mean and SD (the
/// parameters, not their discretised values). Never bounded.
pub fn eap<'a, R>(responses: R, grid: &Grid) -> Estimate
where
    R: IntoIterator<Item = (&'a ItemParams, bool)>,
{
    let mut post = Posterior::new(grid);
    for (item, u) in responses {
        post.add_response(item, u);
    }
    if post.responses() == 0 {
        return Estimate {
            theta: grid.prior_mean(),
            se: grid.prior_sd(),
            bounded: false,
        };
    }
    Estimate::from_posterior(&post)
}

fn inv_sqrt(info: f64) -> f64 {
    if info > 0.0 {
        1.0 / info.sqrt()
    } else {
        f64::INFINITY
    }
}

/// Counts of a pattern and its steepest slope (sets the scan step).
struct Shape {
    n: usize,
    right: usize,
    max_a: f64,
    /// Every item is 1PL/2PL (c = 0, d = 1): ln L is then concave.
    two_pl: bool,
}

impl Shape {
    fn of<'a>(it: impl Iterator<Item = (&'a ItemParams, bool)>) -> Self {
        let mut s = Self {
            n: 0,
            right: 0,
            max_a: 0.0,
            two_pl: true,
        };
        for (item, u) in it {
            s.n += 1;
            s.right += usize::from(u);
            s.max_a = s.max_a.max(item.a());
            s.two_pl &= item.c() == 0.0 && item.d() == 1.0;
        }
        s
    }
}

/// The pattern's log-likelihood, score, test information and Warm's J at one θ.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    loglik: f64,
    score: f64,
    info: f64,
    j: f64,
}

impl Sums {
    /// One pass over the items. With L the logistic part, s = d − c:
    /// P′/(PQ) = (a/s) · (sL/P) · (sM/Q), M = 1 − L, each ratio in [0, 1] and exactly 1 when
    /// c = 0 (first) or d = 1 (second), so no 0/0 can arise far from b.
    fn at<'a>(it: impl Iterator<Item = (&'a ItemParams, bool)>, theta: f64) -> Self {
        Self::eval(it, theta, true)
    }

    /// As [`Sums::at`]; the log-likelihood only when `loglik` (it costs a logarithm per item).
    /// ln P and ln Q are taken from P and Q (each computed without cancellation; ln_1p of the
    /// complement above ½) unless they are tiny, where [`ItemParams::log_prob`]'s log-space
    /// form keeps them finite.
    fn eval<'a>(it: impl Iterator<Item = (&'a ItemParams, bool)>, theta: f64, loglik: bool) -> Self {
        let mut s = Self::default();
        for (item, u) in it {
            let z = item.a() * (theta - item.b());
            // L and 1 − L from one exponential of −|z|
            let e = (-z.abs()).exp();
            let r = 1.0 / (1.0 + e);
            let (l, m) = if z >= 0.0 { (r, e * r) } else { (e * r, r) };
            let (c, d) = (item.c(), item.d());
            let span = d - c;
            let p = c + span * l;
            let q = (1.0 - d) + span * m;
            let r1 = if c == 0.0 { 1.0 } else { span * l / p };
            let r2 = if d == 1.0 { 1.0 } else { span * m / q };
            let w = item.a() / span * r1 * r2; // P′/(PQ)
            let d1 = span * item.a() * l * m; // P′
            let d2 = d1 * item.a() * (m - l); // P″
            if loglik {
                let (x, y) = if u { (p, q) } else { (q, p) };
                s.loglik += if x > 0.5 {
                    (-y).ln_1p()
                } else if x > 1e-280 {
                    x.ln()
                } else {
                    item.log_prob(theta, u)
                };
            }
            s.score += if u { q * w } else { -p * w };
            s.info += d1 * w;
            s.j += d2 * w;
        }
        s
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Mle,
    Wle,
    Map(NormalPrior),
}

impl Kind {
    /// The objective's slope at θ (Warm's estimating function for the WLE).
    fn slope(self, s: &Sums, theta: f64) -> f64 {
        match self {
            Kind::Mle => s.score,
            Kind::Wle => {
                if s.info > 0.0 && s.info.is_finite() {
                    s.score + s.j / (2.0 * s.info)
                } else {
                    s.score
                }
            }
            Kind::Map(p) => s.score - (theta - p.mean) / (p.sd * p.sd),
        }
    }

    /// The objective's value at θ, or `None` when it has no closed form (WLE: integrated).
    fn value(self, s: &Sums, theta: f64) -> Option<f64> {
        match self {
            Kind::Mle => Some(s.loglik),
            Kind::Wle => None,
            Kind::Map(p) => {
                let z = (theta - p.mean) / p.sd;
                Some(s.loglik - 0.5 * z * z)
            }
        }
    }
}

/// The global maximiser of the objective on `range`: scan, then Brent's root finder on the
/// slope inside every bracket of a local maximum, keeping the best. A concave objective (MLE, MAP on 1PL/2PL items) needs no
/// scan: its slope decreases, so the root on the whole range (or the bound) is the maximum.
fn maximise<'a, I>(it: I, kind: Kind, range: SearchRange, shape: &Shape) -> f64
where
    I: Iterator<Item = (&'a ItemParams, bool)> + Clone,
{
    let (lo, hi) = (range.lo, range.hi);
    let slope = |x: f64| kind.slope(&Sums::eval(it.clone(), x, false), x);
    if shape.two_pl && !matches!(kind, Kind::Wle) {
        let (glo, ghi) = (slope(lo), slope(hi));
        return if glo <= 0.0 {
            lo
        } else if ghi >= 0.0 {
            hi
        } else {
            zeroin(slope, lo, hi, glo, ghi).clamp(lo, hi)
        };
    }
    let with_value = kind.value(&Sums::default(), lo).is_some();
    let step = 0.1f64.min(0.25 / shape.max_a.max(1e-12));
    let intervals = ((hi - lo) / step).ceil().clamp(32.0, 20_000.0) as usize;
    let h = (hi - lo) / intervals as f64;
    let mut xs = Vec::with_capacity(intervals + 1);
    let mut fs = Vec::with_capacity(intervals + 1);
    let mut gs = Vec::with_capacity(intervals + 1);
    for k in 0..=intervals {
        let x = if k == intervals { hi } else { lo + h * k as f64 };
        let s = Sums::eval(it.clone(), x, with_value);
        let g = kind.slope(&s, x);
        let f = match kind.value(&s, x) {
            Some(f) => f,
            // cumulative trapezoid of the slope
            None => match (fs.last(), gs.last(), xs.last()) {
                (Some(&f0), Some(&g0), Some(&x0)) => f0 + 0.5 * (g0 + g) * (x - x0),
                _ => 0.0,
            },
        };
        xs.push(x);
        fs.push(f);
        gs.push(g);
    }
    // best scan point; ties keep the first
    let mut k = 0;
    for i in 1..fs.len() {
        if fs[i] > fs[k] {
            k = i;
        }
    }
    // Refine every local maximum of the scan (a slope changing from + to −), not only the one
    // next to the best scan point: two modes of nearly equal height can swap order between the
    // scan's resolution and the exact maxima. Each bracket is scored by the exact objective at
    // its root (MLE, MAP), or, for the WLE whose objective is only known through its slope, by
    // its better scan point; brackets come first so that a tie goes to the refined root.
    let mut best: Option<(f64, f64)> = None;
    for i in 0..xs.len() - 1 {
        if gs[i] > 0.0 && gs[i + 1] < 0.0 {
            let root = zeroin(slope, xs[i], xs[i + 1], gs[i], gs[i + 1]).clamp(lo, hi);
            let scan_best = if fs[i] >= fs[i + 1] {
                (fs[i], xs[i])
            } else {
                (fs[i + 1], xs[i + 1])
            };
            let candidate = match kind.value(&Sums::at(it.clone(), root), root) {
                // guard: never a root worse than its own bracket's scan points
                Some(f) if f < scan_best.0 => scan_best,
                Some(f) => (f, root),
                None => (scan_best.0, root),
            };
            if best.is_none_or(|b| candidate.0 > b.0) {
                best = Some(candidate);
            }
        }
    }
    match best {
        Some((f, x)) if f >= fs[k] => x,
        _ => xs[k],
    }
}

/// Brent's (1973) root finder on [a, b] with f(a), f(b) of opposite signs (Numerical Recipes'
/// `zbrent`), to an absolute tolerance of about 1e−12.
fn zeroin(mut f: impl FnMut(f64) -> f64, a: f64, b: f64, fa: f64, fb: f64) -> f64 {
    let (mut a, mut b, mut fa, mut fb) = (a, b, fa, fb);
    let (mut c, mut fc) = (b, fb);
    let (mut d, mut e) = (b - a, b - a);
    for _ in 0..200 {
        if (fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0) {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol = 2.0 * f64::EPSILON * b.abs() + 0.5e-12;
        let xm = 0.5 * (c - b);
        if xm.abs() <= tol || fb == 0.0 {
            return b;
        }
        if e.abs() >= tol && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q);
            if a == c {
                p = 2.0 * xm * s;
                q = 1.0 - s;
            } else {
                let qq = fa / fc;
                let r = fb / fc;
                p = s * (2.0 * xm * qq * (qq - r) - (b - a) * (r - 1.0));
                q = (qq - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if p > 0.0 {
                q = -q;
            }
            p = p.abs();
            let min1 = 3.0 * xm * q - (tol * q).abs();
            let min2 = (e * q).abs();
            if 2.0 * p < min1.min(min2) {
                e = d;
                d = p / q;
            } else {
                d = xm;
                e = d;
            }
        } else {
            d = xm;
            e = d;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol { d } else { tol.copysign(xm) };
        fb = f(b);
        if !fb.is_finite() {
            return b;
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64, tol: f64) -> bool {
        (x - y).abs() <= tol
    }

    fn rasch(bs: &[f64]) -> Vec<ItemParams> {
        bs.iter().map(|&b| ItemParams::rasch(b).unwrap()).collect()
    }

    fn pairs<'a>(
        items: &'a [ItemParams],
        u: &'a [bool],
    ) -> impl Iterator<Item = (&'a ItemParams, bool)> + Clone {
        items.iter().zip(u.iter().copied())
    }

    #[test]
    fn rasch_mle_closed_form() {
        // all b equal: score = r − n P(θ) = 0 → θ = b + ln(r / (n − r))
        let items = rasch(&[0.5; 5]);
        let u = [true, true, false, true, false];
        let e = mle(pairs(&items, &u), SearchRange::default()).unwrap();
        assert!(close(e.theta, 0.5 + (3.0f64 / 2.0).ln(), 1e-10), "{}", e.theta);
        // I = n P Q with P = 3/5 → 5 · 0.24 = 1.2
        assert!(close(e.se, 1.0 / 1.2f64.sqrt(), 1e-9));
        assert!(!e.bounded);
    }

    #[test]
    fn rasch_wle_closed_form() {
        // all b equal: the WLE solves r − nP + (1 − 2P)/2 = 0 → P = (r + ½)/(n + 1)
        let items = rasch(&[-0.3; 4]);
        let u = [true, false, false, false];
        let e = wle(pairs(&items, &u), SearchRange::default()).unwrap();
        let p: f64 = 1.5 / 5.0;
        assert!(close(e.theta, -0.3 + (p / (1.0 - p)).ln(), 1e-10), "{}", e.theta);
        // all right stays finite: P = (n + ½)/(n + 1)
        let u = [true; 4];
        let e = wle(pairs(&items, &u), SearchRange::default()).unwrap();
        let p: f64 = 4.5 / 5.0;
        assert!(close(e.theta, -0.3 + (p / (1.0 - p)).ln(), 1e-10));
        assert!(!e.bounded);
    }

    #[test]
    fn constant_patterns_and_errors() {
        let items = rasch(&[0.0, 1.0]);
        let r = SearchRange::new(-3.0, 5.0).unwrap();
        let e = mle(pairs(&items, &[true, true]), r).unwrap();
        assert_eq!(e.theta, 5.0);
        assert!(e.bounded);
        assert!(close(
            e.se,
            1.0 / crate::test_information(&items, 5.0).sqrt(),
            1e-12
        ));
        let e = mle(pairs(&items, &[false, false]), r).unwrap();
        assert_eq!(e.theta, -3.0);
        assert!(e.bounded);
        let none: [(&ItemParams, bool); 0] = [];
        assert!(matches!(mle(none, r), Err(IrtError::EmptyPattern { .. })));
        assert!(matches!(wle(none, r), Err(IrtError::EmptyPattern { .. })));
        let p = NormalPrior::new(-0.5, 1.3).unwrap();
        assert_eq!(
            map(none, p, r).unwrap(),
            Estimate {
                theta: -0.5,
                se: 1.3,
                bounded: false
            }
        );
        let g = Grid::new(61, -4.0, 4.0, -0.5, 1.3).unwrap();
        assert_eq!(eap(none, &g).theta, -0.5);
        assert!(SearchRange::new(1.0, 1.0).is_err());
        assert!(SearchRange::new(f64::NAN, 1.0).is_err());
        assert!(SearchRange::new(-f64::MAX, f64::MAX).is_err()); // width overflows
        assert!(Grid::new(61, -f64::MAX, f64::MAX, 0.0, 1.0).is_err());
        assert!(NormalPrior::new(0.0, 0.0).is_err());
        let pat = [Some(true), None];
        assert!(pattern(&items, &pat[..1]).is_err());
        assert_eq!(pattern(&items, &pat).unwrap().count(), 1);
    }

    #[test]
    fn map_of_one_rasch_item_solves_its_equation() {
        // one Rasch item b = 0 answered right, N(0,1): 1 − P(θ) − θ = 0.
        let items = rasch(&[0.0]);
        let e = map(
            pairs(&items, &[true]),
            NormalPrior::default(),
            SearchRange::default(),
        )
        .unwrap();
        let t = e.theta;
        assert!(close(1.0 - crate::logistic(t) - t, 0.0, 1e-12));
        let p = crate::logistic(t);
        assert!(close(e.se, 1.0 / (p * (1.0 - p) + 1.0).sqrt(), 1e-9));
    }

    #[test]
    fn estimator_names_round_trip() {
        for e in [Estimator::Mle, Estimator::Wle, Estimator::Map, Estimator::Eap] {
            assert_eq!(e.name().parse::<Estimator>().unwrap(), e);
        }
        assert!("ml".parse::<Estimator>().is_err());
    }

    #[test]
    fn mle_finds_global_maximum_of_a_bimodal_3pl_likelihood() {
        // Hard items answered right by guessing plus an easy item wrong: this 3PL likelihood
        // has two local maxima (near −1.35 and 2.41, found with NumPy on an 8,001-point grid).
        // The result must beat every point of a brute-force grid.
        let items = [
            ItemParams::new(2.5, -2.0, 0.0, 1.0).unwrap(),
            ItemParams::new(2.5, 2.0, 0.3, 1.0).unwrap(),
            ItemParams::new(2.5, 2.2, 0.3, 1.0).unwrap(),
            ItemParams::new(1.0, -1.0, 0.0, 1.0).unwrap(),
        ];
        let u = [true, true, true, false];
        let r = SearchRange::default();
        let e = mle(pairs(&items, &u), r).unwrap();
        let ll = |t: f64| -> f64 { items.iter().zip(u).map(|(it, u)| it.log_prob(t, u)).sum() };
        let best = (0..=80_000)
            .map(|k| -4.0 + 1e-4 * k as f64)
            .fold(f64::NEG_INFINITY, |m, t| m.max(ll(t)));
        assert!(ll(e.theta) >= best - 1e-9, "{} {}", ll(e.theta), best);
    }
}
