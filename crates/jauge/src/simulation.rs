//! Simulation studies over a bank (`jauge simulate --bank DIR`): correlated true abilities, the
//! true pix scale, and the per-competence figures that compare selection rules.
//!
//! The engine runs the sessions ([`jauge_engine::simulate_pool`]); this module supplies what a
//! study needs around them:
//! - [`draw_abilities`]: true abilities on k competences from a multivariate normal N(0, R) with
//!   R the equicorrelation matrix (1 on the diagonal, ρ elsewhere), θ = L z with L the Cholesky
//!   factor of R and z standard normal draws from the seeded ChaCha8 abilities stream;
//! - [`true_pool`]: the pool rebuilt with the true item parameters, whose pix scales (the same
//!   `SCORING.md` rule: τ_s = mean b of the skill's live items, v_s = min(4, 8/n)) define the
//!   true pix and level of a true θ ([`true_position`]);
//! - [`summarise`]: per competence and overall, mean length, SE, RMSE, bias, correlation, level
//!   accuracy (exact, within one) and pix error, for the engine's profile and for the national
//!   (validated-skills) score.

use std::collections::HashMap;

use jauge_engine::rng::{Draws, Purpose};
use jauge_engine::session::SimulatedSession;
use jauge_engine::{Plan, Pool, PoolItem};
use jauge_irt::scoring::{PixScale, level_of_pix};
use jauge_irt::{Grid, ItemParams};
use thiserror::Error;

/// Why a study cannot be set up.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StudyError {
    /// The equicorrelation matrix of k competences is positive definite only for
    /// −1/(k − 1) < ρ < 1.
    #[error(
        "correlation {rho} is outside ({bound}, 1): the equicorrelation matrix of {k} competences is positive definite only for -1/(k-1) < R < 1",
        bound = bound_text(*.k)
    )]
    Correlation {
        /// The correlation asked for.
        rho: f64,
        /// The number of competences.
        k: usize,
        /// −1/(k − 1) (−1 for k ≤ 2).
        lower: f64,
    },
    /// The true parameters do not cover the pool.
    #[error("{got} true parameter sets for {expected} pool items")]
    Params {
        /// Items in the pool.
        expected: usize,
        /// Parameters given.
        got: usize,
    },
}

fn bound_text(k: usize) -> String {
    if k <= 2 {
        "-1".into()
    } else {
        format!("-1/{} = {:.4}", k - 1, correlation_lower_bound(k))
    }
}

/// The lower bound −1/(k − 1) of an equicorrelation (−1 when k ≤ 2).
pub fn correlation_lower_bound(k: usize) -> f64 {
    if k <= 2 { -1.0 } else { -1.0 / (k as f64 - 1.0) }
}

/// The Cholesky factor L (lower triangular, L Lᵀ = m) of a symmetric matrix, or `None` when `m`
/// is not positive definite (Cholesky–Banachiewicz order).
pub fn cholesky(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let k = m.len();
    let mut l = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = (0..j).map(|p| l[i][p] * l[j][p]).sum();
            let mij = *m.get(i)?.get(j)?;
            if i == j {
                let d = mij - s;
                if !(d > 0.0 && d.is_finite()) {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (mij - s) / l[j][j];
            }
        }
    }
    Some(l)
}

/// The Cholesky factor of the k × k equicorrelation matrix (1 on the diagonal, ρ elsewhere).
/// Errors unless −1/(k − 1) < ρ < 1.
pub fn equicorrelation_cholesky(k: usize, rho: f64) -> Result<Vec<Vec<f64>>, StudyError> {
    let lower = correlation_lower_bound(k);
    let err = || StudyError::Correlation { rho, k, lower };
    if !(rho.is_finite() && rho > lower && rho < 1.0) {
        return Err(err());
    }
    let m: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..k).map(|j| if i == j { 1.0 } else { rho }).collect())
        .collect();
    cholesky(&m).ok_or_else(err)
}

/// True abilities of `n` examinees on `k` competences, θ_e = L z_e with L the Cholesky factor of
/// the equicorrelation matrix of ρ and z_e standard normal (Box–Muller on the ChaCha8 abilities
/// stream of `seed`, unit 3: z_{e,j} from the uniforms at steps 2m and 2m + 1, m = e·k + j):
/// every competence N(0, 1), every pair correlated ρ.
pub fn draw_abilities(seed: u64, n: usize, k: usize, rho: f64) -> Result<Vec<Vec<f64>>, StudyError> {
    draw_mixed_abilities(seed, n, k, &[rho])
}

/// A mixed population: examinee e drawn as by [`draw_abilities`] (the same standard normal
/// draws) with the correlation `rhos[e mod m]`. With one correlation it is [`draw_abilities`].
pub fn draw_mixed_abilities(
    seed: u64,
    n: usize,
    k: usize,
    rhos: &[f64],
) -> Result<Vec<Vec<f64>>, StudyError> {
    let ls = rhos
        .iter()
        .map(|&r| equicorrelation_cholesky(k, r))
        .collect::<Result<Vec<_>, _>>()?;
    if ls.is_empty() {
        return Ok(vec![vec![0.0; k]; n]);
    }
    let mut d = Draws::new(seed, 3, Purpose::Abilities);
    // Box–Muller on the uniforms at steps 2m and 2m + 1: the stream is read in order
    let mut normal = |m: u64| {
        let u1 = 1.0 - d.uniform(2 * m, 0); // (0, 1]
        let u2 = d.uniform(2 * m + 1, 0);
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    };
    Ok((0..n)
        .map(|e| {
            let z: Vec<f64> = (0..k).map(|j| normal((e * k + j) as u64)).collect();
            ls[e % ls.len()]
                .iter()
                .map(|row| row.iter().zip(&z).map(|(a, b)| a * b).sum())
                .collect()
        })
        .collect())
}

/// The pool rebuilt with the true parameters (one per pool item, in pool order): its pix scales
/// are the true scales (τ_s = mean true b of the skill's live items).
pub fn true_pool(pool: &Pool, true_params: &[ItemParams], grid: &Grid) -> Result<Pool, StudyError> {
    if true_params.len() != pool.items().len() {
        return Err(StudyError::Params {
            expected: pool.items().len(),
            got: true_params.len(),
        });
    }
    let items: Vec<PoolItem> = pool
        .items()
        .iter()
        .zip(true_params)
        .map(|(it, p)| PoolItem {
            params: *p,
            ..it.clone()
        })
        .collect();
    Ok(Pool::new(items, grid))
}

/// The true pix and level of a true θ on a (true) scale: pix = ⌊pix(θ)⌋ (exact), the
/// `SCORING.md` score of a posterior concentrated at θ, and its level by
/// [`jauge_irt::scoring::level_of_pix`] under the plan's cap.
pub fn true_position(scale: &PixScale, theta: f64, cap: Option<u8>) -> (u32, u8) {
    let pix = scale.pix_floor(theta, cap);
    (pix, level_of_pix(pix, scale.top(cap)))
}

/// Figures of one competence (or of all of them pooled).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figures {
    /// The competence code (`all` for the pooled figures).
    pub code: String,
    /// Sessions counted.
    pub n: usize,
    /// Mean number of scored items.
    pub mean_length: f64,
    /// Mean SE of θ̂ (posterior SD).
    pub mean_se: f64,
    /// Share of sessions whose final SE reached the plan's target.
    pub se_reached: f64,
    /// RMSE of θ̂ against the true θ.
    pub rmse: f64,
    /// Mean θ̂ − θ.
    pub bias: f64,
    /// Pearson correlation of θ̂ and θ (`NaN` when undefined).
    pub correlation: f64,
    /// Share of profile levels equal to the true level.
    pub level_exact: f64,
    /// Share of profile levels within one of the true level.
    pub level_within_one: f64,
    /// Mean |profile pix − true pix|.
    pub pix_error: f64,
    /// The same three figures for the national score (the pix of the validated skills).
    pub national_level_exact: f64,
    /// Share of national levels within one of the true level.
    pub national_level_within_one: f64,
    /// Mean |national pix − true pix|.
    pub national_pix_error: f64,
    /// The error on the shape of the profile: the RMSE of (θ̂_d − mean over d of θ̂) against
    /// (θ_d − mean over d of θ), the means taken over the plan's competences of one agent.
    pub deviation_rmse: f64,
    /// Share of (agent, competence) pairs not assessed (fewer answers than the minimum).
    pub not_assessed: f64,
}

#[derive(Default)]
struct Acc {
    n: f64,
    items: f64,
    se: f64,
    se_ok: f64,
    err: f64,
    sq: f64,
    t: f64,
    tt: f64,
    e: f64,
    ee: f64,
    te: f64,
    exact: f64,
    one: f64,
    pix: f64,
    nexact: f64,
    none: f64,
    npix: f64,
    dev: f64,
    missing: f64,
}

impl Acc {
    fn figures(&self, code: String) -> Figures {
        let n = self.n.max(1.0);
        let cov = self.te / n - (self.t / n) * (self.e / n);
        let vt = self.tt / n - (self.t / n).powi(2);
        let ve = self.ee / n - (self.e / n).powi(2);
        let correlation = if vt > 0.0 && ve > 0.0 {
            cov / (vt * ve).sqrt()
        } else {
            f64::NAN
        };
        Figures {
            code,
            n: self.n as usize,
            mean_length: self.items / n,
            mean_se: self.se / n,
            se_reached: self.se_ok / n,
            rmse: (self.sq / n).sqrt(),
            bias: self.err / n,
            correlation,
            level_exact: self.exact / n,
            level_within_one: self.one / n,
            pix_error: self.pix / n,
            national_level_exact: self.nexact / n,
            national_level_within_one: self.none / n,
            national_pix_error: self.npix / n,
            deviation_rmse: (self.dev / n).sqrt(),
            not_assessed: self.missing / n,
        }
    }
}

/// What [`summarise`] returns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Study {
    /// Per competence of the plan.
    pub competences: Vec<Figures>,
    /// All (examinee, competence) pairs pooled.
    pub overall: Figures,
    /// The same figures for the separate scores (own answers only, independent prior): per
    /// competence and pooled (the national figures are repeated).
    pub separate: Vec<Figures>,
    /// The separate scores, all pairs pooled.
    pub separate_overall: Figures,
    /// Mean number of items per session (all competences, pretest included).
    pub mean_session_length: f64,
    /// The highest share of sessions that administered one item.
    pub max_exposure: f64,
}

/// Summarises simulated sessions. `true_thetas[e][k]` is examinee e's true θ on the plan's k-th
/// competence; `truth` is the pool rebuilt with the true parameters ([`true_pool`]), whose pix
/// scales give the true pix and level ([`true_position`]). The profile's pix and level are the
/// engine's (`SCORING.md`, on the bank's parameters), reported (structured) and separate; the
/// national pix is the exact sum of the values of the validated skills, its level by
/// [`level_of_pix`] capped like the profile's. A competence not assessed still counts with
/// the score its answers give (its share is `not_assessed`).
pub fn summarise(
    pool: &Pool,
    truth: &Pool,
    plan: &Plan,
    sessions: &[SimulatedSession],
    true_thetas: &[Vec<f64>],
) -> Study {
    let k = plan.competences.len();
    let mut per: Vec<[Acc; 2]> = (0..k).map(|_| Default::default()).collect();
    let mut all: [Acc; 2] = Default::default();
    let index: HashMap<&str, usize> = pool
        .items()
        .iter()
        .enumerate()
        .map(|(i, it)| (it.id.as_str(), i))
        .collect();
    let mut shown = vec![0usize; pool.items().len()];
    let mut total_items = 0usize;
    for (s, thetas) in sessions.iter().zip(true_thetas) {
        total_items += s.records.len();
        for r in &s.records {
            if let Some(&i) = index.get(r.item.as_str()) {
                shown[i] += 1;
            }
        }
        let pairs = s.profile.competences.len().min(thetas.len()).min(k).max(1) as f64;
        let mean_true = thetas.iter().take(k).sum::<f64>() / pairs;
        let mean_est = |sep: bool| {
            s.profile
                .competences
                .iter()
                .take(k)
                .map(|c| if sep { c.separate.theta } else { c.score.theta })
                .sum::<f64>()
                / pairs
        };
        let means = [mean_est(false), mean_est(true)];
        for (k, cp) in plan.competences.iter().enumerate() {
            let (Some(c), Some(&theta)) = (s.profile.competences.get(k), thetas.get(k)) else {
                continue;
            };
            let Some(scale) = truth.scale(&cp.code) else {
                continue;
            };
            let (true_pix, true_level) = true_position(scale, theta, cp.max_level);
            let national = s.national_pix.get(k).copied().unwrap_or(0);
            let national_level = level_of_pix(national, scale.top(cp.max_level));
            for (which, score) in [&c.score, &c.separate].into_iter().enumerate() {
                let est = score.theta;
                let [pa, aa] = [&mut per[k][which], &mut all[which]];
                for a in [pa, aa] {
                    a.n += 1.0;
                    a.items += c.items as f64;
                    a.se += score.se;
                    a.se_ok += f64::from(u8::from(score.se <= cp.se_target));
                    a.err += est - theta;
                    a.sq += (est - theta).powi(2);
                    a.t += theta;
                    a.tt += theta * theta;
                    a.e += est;
                    a.ee += est * est;
                    a.te += theta * est;
                    let d = score.level.abs_diff(true_level);
                    a.exact += f64::from(u8::from(d == 0));
                    a.one += f64::from(u8::from(d <= 1));
                    a.pix += f64::from(score.pix.abs_diff(true_pix));
                    let nd = national_level.abs_diff(true_level);
                    a.nexact += f64::from(u8::from(nd == 0));
                    a.none += f64::from(u8::from(nd <= 1));
                    a.npix += f64::from(national.abs_diff(true_pix));
                    a.dev += ((est - means[which]) - (theta - mean_true)).powi(2);
                    a.missing += f64::from(u8::from(!c.is_assessed()));
                }
            }
        }
    }
    let n = sessions.len().max(1) as f64;
    let figures = |which: usize| -> Vec<Figures> {
        plan.competences
            .iter()
            .zip(&per)
            .map(|(cp, a)| a[which].figures(cp.code.clone()))
            .collect()
    };
    Study {
        competences: figures(0),
        overall: all[0].figures("all".into()),
        separate: figures(1),
        separate_overall: all[1].figures("all".into()),
        mean_session_length: total_items as f64 / n,
        max_exposure: shown.iter().map(|&c| c as f64 / n).fold(0.0, f64::max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jauge_engine::ItemStatus;
    use jauge_irt::scoring::ScoredSkill;

    #[test]
    fn cholesky_of_two_by_two_by_hand() {
        // [[1, ρ], [ρ, 1]] = L Lᵀ with L = [[1, 0], [ρ, √(1 − ρ²)]]
        let l = equicorrelation_cholesky(2, 0.6).unwrap();
        assert!((l[0][0] - 1.0).abs() < 1e-15 && l[0][1] == 0.0);
        assert!((l[1][0] - 0.6).abs() < 1e-15 && (l[1][1] - 0.8).abs() < 1e-15);
    }

    #[test]
    fn cholesky_reproduces_the_matrix() {
        for &(k, rho) in &[(16, 0.6), (16, -0.06), (5, 0.0), (3, 0.99)] {
            let l = equicorrelation_cholesky(k, rho).unwrap();
            for i in 0..k {
                for j in 0..k {
                    let v: f64 = (0..k).map(|p| l[i][p] * l[j][p]).sum();
                    let want = if i == j { 1.0 } else { rho };
                    assert!((v - want).abs() < 1e-12, "{k} {rho} {i} {j} {v}");
                }
            }
        }
    }

    #[test]
    fn correlations_outside_the_positive_definite_range_are_refused() {
        assert!((correlation_lower_bound(16) + 1.0 / 15.0).abs() < 1e-15);
        for rho in [1.0, -1.0 / 15.0, -0.07, 1.5, f64::NAN] {
            assert!(matches!(
                equicorrelation_cholesky(16, rho),
                Err(StudyError::Correlation { .. })
            ));
        }
        assert!(equicorrelation_cholesky(16, -0.066).is_ok());
        assert!(equicorrelation_cholesky(1, 0.0).is_ok());
        assert!(cholesky(&[vec![1.0, 2.0], vec![2.0, 1.0]]).is_none());
    }

    /// The sample correlation of every pair, computed from the draws directly.
    fn sample_correlations(t: &[Vec<f64>], k: usize) -> (Vec<f64>, Vec<f64>) {
        let n = t.len() as f64;
        let mean: Vec<f64> = (0..k).map(|j| t.iter().map(|x| x[j]).sum::<f64>() / n).collect();
        let var: Vec<f64> = (0..k)
            .map(|j| t.iter().map(|x| (x[j] - mean[j]).powi(2)).sum::<f64>() / n)
            .collect();
        let mut r = Vec::new();
        for i in 0..k {
            for j in i + 1..k {
                let c = t.iter().map(|x| (x[i] - mean[i]) * (x[j] - mean[j])).sum::<f64>() / n;
                r.push(c / (var[i] * var[j]).sqrt());
            }
        }
        (var, r)
    }

    #[test]
    fn the_multivariate_draw_has_the_stated_correlation() {
        // 4,000 draws: the SE of a sample correlation is about (1 − ρ²)/√n ≈ 0.010 at ρ = 0.6;
        // each pair within 0.05, the mean over the 120 pairs within 0.02
        for &(rho, seed) in &[(0.6, 1u64), (0.0, 2), (-0.05, 3), (0.9, 4)] {
            let t = draw_abilities(seed, 4000, 16, rho).unwrap();
            let (var, r) = sample_correlations(&t, 16);
            assert!(var.iter().all(|v| (v - 1.0).abs() < 0.08), "{var:?}");
            assert!(r.iter().all(|x| (x - rho).abs() < 0.05), "{rho}: {r:?}");
            let mean = r.iter().sum::<f64>() / r.len() as f64;
            assert!((mean - rho).abs() < 0.02, "{rho}: {mean}");
        }
        // deterministic for a seed, different across seeds
        assert_eq!(draw_abilities(7, 10, 3, 0.5), draw_abilities(7, 10, 3, 0.5));
        assert_ne!(draw_abilities(7, 10, 3, 0.5), draw_abilities(8, 10, 3, 0.5));
    }

    #[test]
    fn true_position_by_hand() {
        // two skills per level 1–3 (4 pix each) at −2, −1.2, −0.4 ; a third skill at level 3
        // makes level 3's values 8/3 each
        let s = |level, location, _value: f64| ScoredSkill { level, location };
        let scale = PixScale::new(
            vec![
                s(1, -2.0, 4.0),
                s(1, -2.0, 4.0),
                s(2, -1.2, 4.0),
                s(2, -1.1, 4.0),
                s(3, -0.4, 8.0 / 3.0),
                s(3, -0.4, 8.0 / 3.0),
                s(3, -0.3, 8.0 / 3.0),
            ],
            3,
        );
        assert_eq!(true_position(&scale, -3.0, None), (0, 0));
        assert_eq!(true_position(&scale, -2.0, None), (8, 1));
        assert_eq!(true_position(&scale, -1.15, None), (12, 1));
        // 16 + 2 × 8/3 = 21.33 → 21 pix, level 2
        assert_eq!(true_position(&scale, -0.35, None), (21, 2));
        // 16 + 8 = 24 pix exactly (8/3 × 3 must not floor to 23), level 3
        assert_eq!(true_position(&scale, 0.0, None), (24, 3));
        // capped at level 2: the level-3 skills do not count
        assert_eq!(true_position(&scale, 0.0, Some(2)), (16, 2));
    }

    #[test]
    fn true_pool_moves_the_skill_locations() {
        let grid = Grid::standard();
        let item = |id: &str, level: u8, b: f64| PoolItem {
            id: id.into(),
            competence: "1.1".into(),
            tube: "t".into(),
            level,
            params: ItemParams::two_pl(1.0, b).unwrap(),
            status: ItemStatus::Live,
            time_limit: None,
            accessibility: vec![],
            set: None,
        };
        let pool = Pool::new(
            vec![item("a", 1, -2.0), item("b", 1, -2.0), item("c", 2, -1.2)],
            &grid,
        );
        let t = [
            ItemParams::two_pl(1.0, -1.0).unwrap(),
            ItemParams::two_pl(1.0, -2.0).unwrap(),
            ItemParams::two_pl(1.0, 0.5).unwrap(),
        ];
        let truth = true_pool(&pool, &t, &grid).unwrap();
        let loc: Vec<f64> = truth
            .scale("1.1")
            .unwrap()
            .skills()
            .iter()
            .map(|s| s.location)
            .collect();
        // τ = mean true b of the skill's items: (−1 − 2)/2 and 0.5
        assert_eq!(loc, vec![-1.5, 0.5]);
        assert!(true_pool(&pool, &t[..2], &grid).is_err());
    }

    #[test]
    fn summary_figures_by_hand() {
        use jauge_engine::session::{AnswerStatus, CompetenceScore, Profile, Record};
        use jauge_irt::scoring::PixScore;
        let grid = Grid::standard();
        // one competence, tube t, levels 1 and 2, two items each (b = −2, −1.2: 2PL, a = 1);
        // one skill per level, so each skill is worth min(4, 8/1) = 4 pix
        let item = |id: &str, level: u8, b: f64| PoolItem {
            id: id.into(),
            competence: "1.1".into(),
            tube: "t".into(),
            level,
            params: ItemParams::two_pl(1.0, b).unwrap(),
            status: ItemStatus::Live,
            time_limit: None,
            accessibility: vec![],
            set: None,
        };
        let pool = Pool::new(
            vec![
                item("a", 1, -2.0),
                item("b", 1, -2.0),
                item("c", 2, -1.2),
                item("d", 2, -1.2),
            ],
            &grid,
        );
        let plan = Plan::full_profile(["1.1"]);
        let record = |id: &str| Record {
            item: id.into(),
            competence: "1.1".into(),
            raw: true,
            score: true,
            shown_at: 0,
            answered_at: 1,
            status: AnswerStatus::Answered,
            pretest: false,
        };
        let session = |theta: f64, se: f64, pix: u32, level: u8, national: u32, items: &[&str]| {
            let score = PixScore {
                theta,
                se,
                median: theta,
                pix,
                pix_low: 0,
                pix_high: 8,
                level,
                capped_at: None,
            };
            SimulatedSession {
                profile: Profile {
                    competences: vec![CompetenceScore {
                        code: "1.1".into(),
                        items: items.len(),
                        score,
                        separate: score,
                        not_assessed: None,
                    }],
                    total_pix: pix,
                    structured: false,
                },
                national_pix: vec![national],
                set_aside: Vec::new(),
                records: items.iter().map(|i| record(i)).collect(),
            }
        };
        let sessions = vec![
            session(-1.0, 0.5, 6, 0, 4, &["a", "c"]),
            session(0.5, 0.6, 8, 1, 8, &["a", "b", "d"]),
        ];
        // true θ −1.5 (pix 4, level 0) and −1.0 (pix 8, level 1)
        let thetas = vec![vec![-1.5], vec![-1.0]];
        let s = summarise(&pool, &pool, &plan, &sessions, &thetas);
        let c = &s.competences[0];
        assert_eq!(c.n, 2);
        assert!((c.mean_length - 2.5).abs() < 1e-12);
        assert!((c.mean_se - 0.55).abs() < 1e-12);
        assert!((c.se_reached - 0.5).abs() < 1e-12); // 0.5 ≤ 0.55 < 0.6
        // errors +0.5 and +1.5: bias 1, RMSE √((0.25 + 2.25)/2) = √1.25
        assert!((c.bias - 1.0).abs() < 1e-12);
        assert!((c.rmse - 1.25f64.sqrt()).abs() < 1e-12);
        // two points on a line of slope 1: correlation 1
        assert!((c.correlation - 1.0).abs() < 1e-12);
        // levels 0 vs 0 and 1 vs 1: exact; pix |6 − 4| and |8 − 8|: mean 1
        assert_eq!((c.level_exact, c.level_within_one), (1.0, 1.0));
        assert!((c.pix_error - 1.0).abs() < 1e-12);
        // national 4 (level 0) and 8 (level 1): exact; |4 − 4| and |8 − 8|
        assert_eq!((c.national_level_exact, c.national_pix_error), (1.0, 0.0));
        assert_eq!(s.overall.n, 2);
        assert!((s.mean_session_length - 2.5).abs() < 1e-12);
        // item a in both sessions
        assert!((s.max_exposure - 1.0).abs() < 1e-12);
    }

    /// Deviation RMSE and the separate figures by hand: two competences, one agent.
    #[test]
    fn deviation_and_separate_figures_by_hand() {
        use jauge_engine::session::{CompetenceScore, Profile};
        use jauge_irt::scoring::PixScore;
        let grid = Grid::standard();
        let item = |id: &str, comp: &str| PoolItem {
            id: id.into(),
            competence: comp.into(),
            tube: format!("t{comp}"),
            level: 1,
            params: ItemParams::two_pl(1.0, -2.0).unwrap(),
            status: ItemStatus::Live,
            time_limit: None,
            accessibility: vec![],
            set: None,
        };
        let pool = Pool::new(vec![item("a", "1.1"), item("b", "1.2")], &grid);
        let plan = Plan::full_profile(["1.1", "1.2"]);
        let score = |theta: f64| PixScore {
            theta,
            se: 0.5,
            median: theta,
            pix: 0,
            pix_low: 0,
            pix_high: 0,
            level: 0,
            capped_at: None,
        };
        let comp = |code: &str, reported: f64, separate: f64| CompetenceScore {
            code: code.into(),
            items: 3,
            score: score(reported),
            separate: score(separate),
            not_assessed: None,
        };
        let session = SimulatedSession {
            profile: Profile {
                competences: vec![comp("1.1", 1.0, 1.5), comp("1.2", 0.0, -1.0)],
                total_pix: 0,
                structured: true,
            },
            national_pix: vec![0, 0],
            records: Vec::new(),
            set_aside: Vec::new(),
        };
        // truth (0.8, −0.2): deviations (+0.5, −0.5)
        let s = summarise(&pool, &pool, &plan, &[session], &[vec![0.8, -0.2]]);
        // reported (1, 0): deviations (+0.5, −0.5), exact: 0; errors 0.2, 0.2
        assert!(s.overall.deviation_rmse.abs() < 1e-12);
        assert!((s.overall.rmse - 0.2).abs() < 1e-12);
        // separate (1.5, −1): deviations (+1.25, −1.25) against ±0.5: 0.75 each
        assert!((s.separate_overall.deviation_rmse - 0.75).abs() < 1e-12);
        // errors 0.7 and −0.8: RMSE √((0.49 + 0.64)/2)
        assert!((s.separate_overall.rmse - (1.13f64 / 2.0).sqrt()).abs() < 1e-12);
        assert!((s.separate[1].bias + 0.8).abs() < 1e-12);
        assert_eq!(s.overall.not_assessed, 0.0);
    }

    #[test]
    fn a_mixed_population_draws_each_examinee_at_its_correlation() {
        let one = draw_abilities(3, 10, 4, 0.5).unwrap();
        let mixed = draw_mixed_abilities(3, 10, 4, &[0.0, 0.5]).unwrap();
        // odd examinees have ρ = 0.5: the same draws as the single-correlation population
        for e in (1..10).step_by(2) {
            assert_eq!(mixed[e], one[e]);
        }
        // even ones ρ = 0: θ = z, the first coordinate is the same under every ρ (L₁₁ = 1)
        assert_eq!(mixed[0][0], one[0][0]);
        assert_ne!(mixed[0][1], one[0][1]);
        assert!(draw_mixed_abilities(3, 10, 4, &[0.5, 1.0]).is_err());
    }
}
