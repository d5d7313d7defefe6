//! Classical and model-based item analysis from recorded responses: counts, proportion right,
//! item-rest correlation, infit and outfit mean squares, exposure, and Mantel–Haenszel
//! differential item functioning with the ETS A/B/C classes. Pure functions, no I/O.
//!
//! On complete data (every person answered every item) the item-rest correlation is the
//! point-biserial correlation of the item with the rest score (number right on the other items),
//! and Mantel–Haenszel matches on the total score (Holland & Thayer 1988). On sparse, adaptive data
//! raw scores are not comparable across persons, so both use θ̂ instead: the correlation of the
//! item score with θ̂ and strata of θ̂ (equal-count strata). [`Analysis::basis`] says which was used.

use crate::calibration::ResponseData;
use crate::{Grid, ItemParams};

/// Pearson's correlation coefficient; `None` with fewer than 2 pairs or a constant variable.
pub fn pearson(pairs: impl IntoIterator<Item = (f64, f64)>) -> Option<f64> {
    let (mut n, mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    // Two passes would be more accurate; shifted sums are enough for scores and θ̂ near 0.
    for (x, y) in pairs {
        n += 1.0;
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    if n < 2.0 {
        return None;
    }
    let vx = sxx - sx * sx / n;
    let vy = syy - sy * sy / n;
    let cov = sxy - sx * sy / n;
    let d = (vx * vy).sqrt();
    (d > 1e-12 * n && d.is_finite()).then(|| (cov / d).clamp(-1.0, 1.0))
}

/// Infit and outfit mean squares (Wright & Masters 1982).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanSquares {
    /// Information-weighted: Σ (u − P)² / Σ P Q.
    pub infit: f64,
    /// Unweighted: mean of the squared standardised residuals (u − P)² / (P Q).
    pub outfit: f64,
}

/// Infit and outfit from `(P, u)` pairs (the model probability of a right answer at the person's θ̂
/// and the observed score); `None` without a pair with 0 < P < 1.
pub fn mean_squares(obs: impl IntoIterator<Item = (f64, bool)>) -> Option<MeanSquares> {
    let (mut n, mut sq, mut w, mut z2) = (0.0, 0.0, 0.0, 0.0);
    for (p, u) in obs {
        let v = p * (1.0 - p);
        if v.is_nan() || v <= 1e-12 {
            continue;
        }
        let r = f64::from(u8::from(u)) - p;
        n += 1.0;
        sq += r * r;
        w += v;
        z2 += r * r / v;
    }
    (n > 0.0).then(|| MeanSquares {
        infit: sq / w,
        outfit: z2 / n,
    })
}

/// One stratum's 2 × 2 table for Mantel–Haenszel.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stratum {
    /// Reference group, right (A_k).
    pub ref_right: f64,
    /// Reference group, wrong (B_k).
    pub ref_wrong: f64,
    /// Focal group, right (C_k).
    pub focal_right: f64,
    /// Focal group, wrong (D_k).
    pub focal_wrong: f64,
}

/// The ETS classification of DIF size (Zwick 2012, ETS RR-12-08).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DifClass {
    /// Negligible: |Δ| < 1 or Δ not significantly different from 0.
    A,
    /// Slight to moderate: neither A nor C.
    B,
    /// Moderate to large: |Δ| ≥ 1.5 and |Δ| significantly greater than 1.
    C,
}

impl DifClass {
    /// "A", "B" or "C".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
        }
    }
}

/// Mantel–Haenszel DIF statistics for one item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MantelHaenszel {
    /// Common odds ratio α_MH = Σ A_k D_k / N_k ÷ Σ B_k C_k / N_k (> 1: the item favours the
    /// reference group).
    pub alpha: f64,
    /// Δ_MH = −2.35 ln α_MH, the ETS delta metric (negative: the item favours the reference group).
    pub delta: f64,
    /// Standard error of Δ_MH: 2.35 × the Robins–Breslow–Greenland (1986) SE of ln α_MH.
    pub se_delta: f64,
    /// Mantel–Haenszel χ² with continuity correction, 1 df.
    pub chi2: f64,
    /// The ETS class.
    pub class: DifClass,
    /// Reference-group responses used.
    pub reference: f64,
    /// Focal-group responses used.
    pub focal: f64,
}

/// χ²(1) critical value at α = 0.05.
pub const CHI2_05: f64 = 3.841_458_820_694_124;
/// One-sided standard normal critical value at α = 0.05.
pub const Z_05_ONE_SIDED: f64 = 1.644_853_626_951_472_2;

/// The ETS class from Δ_MH, its SE and the MH χ²: C when |Δ| ≥ 1.5 and (|Δ| − 1)/SE > 1.645
/// (significantly greater than 1, one-sided 5%); A when |Δ| < 1 or χ² < 3.84 (not significantly
/// different from 0 at 5%); B otherwise.
pub fn ets_class(delta: f64, se_delta: f64, chi2: f64) -> DifClass {
    let size = delta.abs();
    if size >= 1.5 && se_delta > 0.0 && (size - 1.0) / se_delta > Z_05_ONE_SIDED {
        DifClass::C
    } else if size < 1.0 || chi2 < CHI2_05 {
        DifClass::A
    } else {
        DifClass::B
    }
}

/// Mantel–Haenszel statistics over strata (Mantel & Haenszel 1959; Holland & Thayer 1988). Strata
/// with fewer than 2 responses or a single group are skipped; `None` when nothing is left or α_MH
/// is 0 or infinite.
pub fn mantel_haenszel(strata: &[Stratum]) -> Option<MantelHaenszel> {
    let (mut r, mut s) = (0.0, 0.0);
    let (mut sum_a, mut sum_e, mut sum_v) = (0.0, 0.0, 0.0);
    let (mut pr, mut ps_qr, mut qs) = (0.0, 0.0, 0.0);
    let (mut nref, mut nfoc) = (0.0, 0.0);
    for t in strata {
        let (a, b, c, d) = (t.ref_right, t.ref_wrong, t.focal_right, t.focal_wrong);
        let nr = a + b;
        let nf = c + d;
        let n = nr + nf;
        if n < 2.0 || nr <= 0.0 || nf <= 0.0 {
            continue;
        }
        let m1 = a + c;
        let m0 = b + d;
        let rk = a * d / n;
        let sk = b * c / n;
        let pk = (a + d) / n;
        let qk = (b + c) / n;
        r += rk;
        s += sk;
        pr += pk * rk;
        ps_qr += pk * sk + qk * rk;
        qs += qk * sk;
        sum_a += a;
        sum_e += nr * m1 / n;
        sum_v += nr * nf * m1 * m0 / (n * n * (n - 1.0));
        nref += nr;
        nfoc += nf;
    }
    if !(r > 0.0 && s > 0.0) {
        return None;
    }
    let alpha = r / s;
    let delta = -2.35 * alpha.ln();
    // Robins, Breslow & Greenland (1986) variance of ln α_MH.
    let var_ln = pr / (2.0 * r * r) + ps_qr / (2.0 * r * s) + qs / (2.0 * s * s);
    let se_delta = 2.35 * var_ln.sqrt();
    let chi2 = if sum_v > 0.0 {
        let x = ((sum_a - sum_e).abs() - 0.5).max(0.0);
        x * x / sum_v
    } else {
        0.0
    };
    Some(MantelHaenszel {
        alpha,
        delta,
        se_delta,
        chi2,
        class: ets_class(delta, se_delta, chi2),
        reference: nref,
        focal: nfoc,
    })
}

/// A person's group for DIF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// The reference group.
    Reference,
    /// The focal group.
    Focal,
}

/// What the item-rest correlation and the DIF matching are based on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Complete data: rest score (item-rest) and total score strata (DIF).
    RawScore,
    /// Sparse data: θ̂ (item–θ̂ correlation) and equal-count θ̂ strata (DIF).
    Theta,
}

impl Basis {
    /// "raw_score" or "theta".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RawScore => "raw_score",
            Self::Theta => "theta",
        }
    }
}

/// Thresholds of the flags and the DIF strata.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalysisOptions {
    /// Flag an item whose item-rest correlation is below this (0.2).
    pub min_item_rest: f64,
    /// Flag an infit or outfit below this (0.7) ...
    pub min_mean_square: f64,
    /// ... or above this (1.3).
    pub max_mean_square: f64,
    /// Number of equal-count θ̂ strata for DIF on sparse data (10).
    pub theta_strata: usize,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self {
            min_item_rest: 0.2,
            min_mean_square: 0.7,
            max_mean_square: 1.3,
            theta_strata: 10,
        }
    }
}

/// Why an item is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Item-rest correlation below the threshold.
    LowItemRest,
    /// Infit outside the interval.
    Infit,
    /// Outfit outside the interval.
    Outfit,
    /// Mantel–Haenszel class C.
    DifC,
}

impl Flag {
    /// `low_item_rest`, `infit`, `outfit` or `dif_c`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LowItemRest => "low_item_rest",
            Self::Infit => "infit",
            Self::Outfit => "outfit",
            Self::DifC => "dif_c",
        }
    }
}

/// The analysis of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemAnalysis {
    /// Number of responses.
    pub responses: usize,
    /// Proportion right (`None` without responses).
    pub proportion_right: Option<f64>,
    /// Item-rest (or item–θ̂) point-biserial correlation.
    pub item_rest: Option<f64>,
    /// Infit and outfit mean squares at θ̂.
    pub mean_squares: Option<MeanSquares>,
    /// Responses ÷ persons.
    pub exposure: f64,
    /// Mantel–Haenszel DIF (when groups were given and both answered the item).
    pub dif: Option<MantelHaenszel>,
    /// The flags raised.
    pub flags: Vec<Flag>,
}

/// The analysis of every item.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// One entry per item.
    pub items: Vec<ItemAnalysis>,
    /// Raw scores (complete data) or θ̂ (sparse data).
    pub basis: Basis,
}

/// EAP θ̂ and posterior SD of every person on `grid` (Bock & Mislevy 1982), computed once per
/// distinct response pattern. A person with no response gets the prior mean and SD.
pub fn eap_thetas(data: &ResponseData, items: &[ItemParams], grid: &Grid) -> Vec<(f64, f64)> {
    let rows: Vec<(Vec<f64>, Vec<f64>)> = items.iter().map(|it| grid.log_likelihood_rows(it)).collect();
    let nodes = grid.nodes();
    let mut per_pattern = Vec::with_capacity(data.n_patterns());
    let mut lp = vec![0.0; nodes.len()];
    for q in 0..data.n_patterns() {
        lp.copy_from_slice(grid.log_weights());
        for r in data.pattern(q) {
            if let Some((right, wrong)) = rows.get(r.item as usize) {
                let row = if r.correct { right } else { wrong };
                lp.iter_mut().zip(row).for_each(|(l, x)| *l += x);
            }
        }
        let m = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for (&l, &t) in lp.iter().zip(nodes) {
            let w = (l - m).exp();
            s0 += w;
            s1 += w * t;
            s2 += w * t * t;
        }
        let mean = s1 / s0;
        let var = (s2 / s0 - mean * mean).max(0.0);
        per_pattern.push((mean, var.sqrt()));
    }
    (0..data.n_persons())
        .map(|p| {
            data.pattern_of(p)
                .map_or((grid.prior_mean(), grid.prior_sd()), |q| per_pattern[q])
        })
        .collect()
}

/// Analyses every item of `data` given the item parameters (for the residuals), every person's θ̂
/// and, optionally, every person's DIF group (`None` = in neither group).
///
/// `items` and `thetas` must have one entry per item and per person; missing entries make the
/// model-based statistics of that item or person `None`.
pub fn analyse(
    data: &ResponseData,
    items: &[ItemParams],
    thetas: &[f64],
    groups: Option<&[Option<Group>]>,
    options: &AnalysisOptions,
) -> Analysis {
    let n_items = data.n_items();
    let n_persons = data.n_persons();
    let complete = (0..data.n_patterns()).all(|q| data.pattern_cells(q).len() == n_items);
    let basis = if complete { Basis::RawScore } else { Basis::Theta };
    let totals: Vec<f64> = (0..n_persons)
        .map(|p| data.person(p).filter(|r| r.correct).count() as f64)
        .collect();

    // Per item: the responders as (person, score).
    let mut by_item: Vec<Vec<(u32, bool)>> = vec![Vec::new(); n_items];
    for p in 0..n_persons {
        for r in data.person(p) {
            by_item[r.item as usize].push((p as u32, r.correct));
        }
    }

    // θ̂ strata for sparse DIF: equal-count cut points over the persons in either group.
    let strata_of: Vec<usize> = match (groups, basis) {
        (Some(g), Basis::Theta) => {
            let mut th: Vec<f64> = (0..n_persons)
                .filter(|&p| g.get(p).copied().flatten().is_some())
                .filter_map(|p| thetas.get(p).copied())
                .filter(|t| t.is_finite())
                .collect();
            th.sort_by(f64::total_cmp);
            let s = options.theta_strata.max(1);
            let cuts: Vec<f64> = (1..s).filter_map(|j| th.get(j * th.len() / s).copied()).collect();
            (0..n_persons)
                .map(|p| {
                    let t = thetas.get(p).copied().unwrap_or(0.0);
                    cuts.partition_point(|&c| c <= t)
                })
                .collect()
        }
        (Some(_), Basis::RawScore) => totals.iter().map(|&t| t as usize).collect(),
        _ => Vec::new(),
    };
    let n_strata = strata_of.iter().copied().max().map_or(0, |m| m + 1);

    let items_out = by_item
        .iter()
        .enumerate()
        .map(|(i, resp)| {
            let n = resp.len();
            let right = resp.iter().filter(|r| r.1).count();
            let proportion_right = (n > 0).then(|| right as f64 / n as f64);
            let item_rest = match basis {
                Basis::RawScore => pearson(resp.iter().map(|&(p, u)| {
                    let u = f64::from(u8::from(u));
                    (u, totals[p as usize] - u)
                })),
                Basis::Theta => pearson(
                    resp.iter()
                        .filter_map(|&(p, u)| thetas.get(p as usize).map(|&t| (f64::from(u8::from(u)), t))),
                ),
            };
            let ms = items.get(i).and_then(|it| {
                mean_squares(
                    resp.iter()
                        .filter_map(|&(p, u)| thetas.get(p as usize).map(|&t| (it.prob(t), u))),
                )
            });
            let dif = groups.and_then(|g| {
                let mut tables = vec![Stratum::default(); n_strata];
                for &(p, u) in resp {
                    let Some(group) = g.get(p as usize).copied().flatten() else {
                        continue;
                    };
                    let t = &mut tables[strata_of[p as usize]];
                    match (group, u) {
                        (Group::Reference, true) => t.ref_right += 1.0,
                        (Group::Reference, false) => t.ref_wrong += 1.0,
                        (Group::Focal, true) => t.focal_right += 1.0,
                        (Group::Focal, false) => t.focal_wrong += 1.0,
                    }
                }
                mantel_haenszel(&tables)
            });
            let mut flags = Vec::new();
            if item_rest.is_some_and(|r| r < options.min_item_rest) {
                flags.push(Flag::LowItemRest);
            }
            let outside = |x: f64| x < options.min_mean_square || x > options.max_mean_square;
            if let Some(m) = ms {
                if outside(m.infit) {
                    flags.push(Flag::Infit);
                }
                if outside(m.outfit) {
                    flags.push(Flag::Outfit);
                }
            }
            if dif.is_some_and(|d| d.class == DifClass::C) {
                flags.push(Flag::DifC);
            }
            ItemAnalysis {
                responses: n,
                proportion_right,
                item_rest,
                mean_squares: ms,
                exposure: if n_persons > 0 {
                    n as f64 / n_persons as f64
                } else {
                    0.0
                },
                dif,
                flags,
            }
        })
        .collect();
    Analysis {
        items: items_out,
        basis,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibration::Response;

    #[test]
    fn mantel_haenszel_by_hand() {
        // Two strata, worked by hand:
        // k=1: A=10 B=10 C=5 D=15, N=40: A·D/N = 150/40 = 3.75, B·C/N = 50/40 = 1.25
        // k=2: A=20 B=5 C=15 D=10, N=50: A·D/N = 200/50 = 4,    B·C/N = 75/50 = 1.5
        // α = (3.75 + 4) / (1.25 + 1.5) = 7.75 / 2.75 = 2.818181…
        // Δ = −2.35 ln 2.818181… = −2.43482…
        // E(A1) = 20·15/40 = 7.5, V1 = 20·20·15·25/(40²·39) = 150000/62400 = 2.403846…
        // E(A2) = 25·35/50 = 17.5, V2 = 25·25·35·15/(50²·49) = 328125/122500 = 2.678571…
        // χ² = (|30 − 25| − 0.5)² / 5.082417… = 20.25 / 5.082417… = 3.98432…
        let s = [
            Stratum {
                ref_right: 10.0,
                ref_wrong: 10.0,
                focal_right: 5.0,
                focal_wrong: 15.0,
            },
            Stratum {
                ref_right: 20.0,
                ref_wrong: 5.0,
                focal_right: 15.0,
                focal_wrong: 10.0,
            },
        ];
        let mh = mantel_haenszel(&s).unwrap();
        assert!((mh.alpha - 7.75 / 2.75).abs() < 1e-12);
        assert!((mh.delta - (-2.35 * (7.75f64 / 2.75).ln())).abs() < 1e-12);
        assert!((mh.delta + 2.434_82).abs() < 1e-4, "{}", mh.delta);
        let v = 150000.0 / 62400.0 + 328125.0 / 122500.0;
        assert!((mh.chi2 - 20.25 / v).abs() < 1e-12);
        assert!((mh.chi2 - 3.98432).abs() < 1e-4, "{}", mh.chi2);
        // RBG by hand: P1 = 25/40, Q1 = 15/40, P2 = 30/50, Q2 = 20/50, R = 7.75, S = 2.75.
        // ΣPR = .625·3.75 + .6·4 = 4.74375; Σ(PS+QR) = .625·1.25+.375·3.75 + .6·1.5+.4·4 = 4.6875;
        // ΣQS = .375·1.25 + .4·1.5 = 1.06875.
        let var: f64 =
            4.74375 / (2.0 * 7.75 * 7.75) + 4.6875 / (2.0 * 7.75 * 2.75) + 1.06875 / (2.0 * 2.75 * 2.75);
        assert!((mh.se_delta - 2.35 * var.sqrt()).abs() < 1e-12);
        // |Δ| = 2.44 ≥ 1.5 but (2.44 − 1)/SE < 1.645 (SE ≈ 1.1026): B, since χ² > 3.84.
        assert!((mh.se_delta - 1.10255).abs() < 1e-4, "{}", mh.se_delta);
        assert_eq!(mh.class, DifClass::B);
        assert_eq!((mh.reference, mh.focal), (45.0, 45.0));
    }

    #[test]
    fn ets_rules() {
        assert_eq!(ets_class(0.9, 0.1, 50.0), DifClass::A);
        assert_eq!(ets_class(1.2, 0.1, 2.0), DifClass::A);
        assert_eq!(ets_class(1.2, 0.1, 20.0), DifClass::B);
        assert_eq!(ets_class(-1.6, 0.1, 60.0), DifClass::C);
        assert_eq!(ets_class(-1.6, 0.5, 10.0), DifClass::B);
    }

    #[test]
    fn infit_outfit_by_hand() {
        // Three responses: (P, u) = (0.8, 1), (0.5, 0), (0.2, 1).
        // Residuals 0.2, −0.5, 0.8; variances 0.16, 0.25, 0.16.
        // outfit = (0.04/0.16 + 0.25/0.25 + 0.64/0.16) / 3 = (0.25 + 1 + 4) / 3 = 1.75
        // infit = (0.04 + 0.25 + 0.64) / (0.16 + 0.25 + 0.16) = 0.93 / 0.57 = 1.631578…
        let m = mean_squares([(0.8, true), (0.5, false), (0.2, true)]).unwrap();
        assert!((m.outfit - 1.75).abs() < 1e-12);
        assert!((m.infit - 0.93 / 0.57).abs() < 1e-12);
        assert!(mean_squares([]).is_none());
    }

    #[test]
    fn pearson_by_hand() {
        // x = 1,0,1,0 ; y = 3,1,2,2: r = cov/(sx sy) = 0.5·... = 1 / sqrt(1 · 2) = 0.70710…
        let r = pearson([(1.0, 3.0), (0.0, 1.0), (1.0, 2.0), (0.0, 2.0)]).unwrap();
        assert!((r - 0.5f64.sqrt()).abs() < 1e-12);
        assert!(pearson([(1.0, 1.0), (1.0, 2.0)]).is_none());
    }

    #[test]
    fn analyse_complete_data_uses_rest_scores() {
        // 4 persons × 2 items, given θ.
        let r = |item, correct| Response { item, correct };
        let persons = vec![
            vec![r(0, true), r(1, true)],
            vec![r(0, true), r(1, false)],
            vec![r(0, false), r(1, true)],
            vec![r(0, false), r(1, false)],
        ];
        let data = ResponseData::from_persons(2, &persons).unwrap();
        let items = [ItemParams::rasch(0.0).unwrap(), ItemParams::rasch(0.0).unwrap()];
        let thetas = [0.0; 4];
        let groups = [
            Some(Group::Reference),
            Some(Group::Focal),
            Some(Group::Reference),
            None,
        ];
        let a = analyse(&data, &items, &thetas, Some(&groups), &AnalysisOptions::default());
        assert_eq!(a.basis, Basis::RawScore);
        let it = &a.items[0];
        assert_eq!(it.responses, 4);
        assert_eq!(it.proportion_right, Some(0.5));
        assert_eq!(it.exposure, 1.0);
        // Item 0 scores 1,1,0,0 against rest scores 1,0,1,0: r = 0.
        assert!(it.item_rest.unwrap().abs() < 1e-12);
        assert!(it.flags.contains(&Flag::LowItemRest));
        // P = 0.5 everywhere: every squared standardised residual is 1.
        let m = it.mean_squares.unwrap();
        assert!((m.infit - 1.0).abs() < 1e-12 && (m.outfit - 1.0).abs() < 1e-12);
    }
}
