//! From a posterior of θ to pix and levels, as the product's scoring definition (`SCORING.md`,
//! version 2) states it.
//!
//! - A skill's location τ_s is the mean b of its live items; an agent masters s when θ ≥ τ_s.
//! - A skill's pix value v_s = min(4, 8 / n), n = the number of skills with at least one live
//!   item at the same level of the same competence.
//! - pix(θ) = Σ_s v_s · 1[θ ≥ τ_s]. The reported pix is ⌊pix(θ̃)⌋, θ̃ the posterior **median**
//!   on the grid (the node where the cumulative weight first reaches 0.5); the interval is
//!   [⌊pix(θ₀.₀₅)⌋, ⌊pix(θ₀.₉₅)⌋] and always contains the reported pix (pix(θ) never decreases
//!   and θ₀.₀₅ ≤ θ̃ ≤ θ₀.₉₅).
//! - The level of a pix value is ⌊pix / 8⌋, never above the highest open level nor a plan's cap:
//!   [`level_of_pix`], the one definition every part of Jauge uses.
//!
//! **Exact sums.** Values like 8/3 or 8/6 have no exact binary representation, and a float sum
//! of three 8/3 is 7.999999999999999, whose floor would cost the agent a pix and, at a level
//! boundary, a level. A [`PixScale`] therefore counts pix in integer units: with n′_L =
//! max(n_L, 2) the skill count of level L (a lone skill is worth 4 = 8/2), every value is
//! v = 8 / n′_L = 8 · (U / n′_L) / U with U the least common multiple of the n′_L, so a pix sum
//! is an integer number of 1/U and its floor is an integer division ([`PixAmount`]). (U fits
//! easily: with at most 8 levels of fewer than 4,096 skills each it is below 2⁹⁶.)

use crate::Posterior;
use crate::quadrature::weighted_quantile;

/// The provisional difficulty of an item of level `level`: b = 0.8 × (level − 3.5).
pub fn provisional_difficulty(level: u8) -> f64 {
    0.8 * (f64::from(level) - 3.5)
}

/// The pix value of each skill of a (competence, level) cell holding `skills_at_level` skills:
/// min(4, 8 / n); 0 for an empty cell. (For display; sums go through [`PixScale`], which is
/// exact.)
pub fn skill_value(skills_at_level: usize) -> f64 {
    if skills_at_level == 0 {
        0.0
    } else {
        (8.0 / skills_at_level as f64).min(4.0)
    }
}

/// The level of a pix value: ⌊pix / 8⌋, never above `top` (the competence's highest open level,
/// or a plan's cap when lower). The one definition of "the level of a pix value" (`SCORING.md`):
/// the engine's estimate, the profile, the national score and the simulation summaries all call
/// it with a pix already floored exactly ([`PixAmount::floor`]).
pub fn level_of_pix(pix: u32, top: u8) -> u8 {
    u8::try_from(pix / 8).unwrap_or(u8::MAX).min(top)
}

/// A skill as the scoring sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredSkill {
    /// The skill's level (1–8).
    pub level: u8,
    /// Its location τ on the θ scale (mean b of its live items).
    pub location: f64,
}

/// An exact amount of pix on one scale: `units / unit` (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PixAmount {
    units: u128,
    unit: u128,
}

impl PixAmount {
    /// ⌊pix⌋, exactly.
    pub fn floor(self) -> u32 {
        u32::try_from(self.units / self.unit).unwrap_or(u32::MAX)
    }

    /// The amount as a float (for display and error figures; never floored).
    pub fn value(self) -> f64 {
        let whole = (self.units / self.unit) as f64;
        whole + (self.units % self.unit) as f64 / self.unit as f64
    }
}

/// The pix scale of one competence: its skills and its highest open level.
#[derive(Debug, Clone, PartialEq)]
pub struct PixScale {
    skills: Vec<ScoredSkill>,
    /// Each skill's value in units of 1/`unit` pix (0 above the highest open level).
    units: Vec<u128>,
    unit: u128,
    max_level: u8,
}

/// A competence's score from a posterior (`SCORING.md`, version 2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixScore {
    /// EAP estimate of θ (posterior mean).
    pub theta: f64,
    /// Posterior SD of θ.
    pub se: f64,
    /// θ̃, the posterior median on the grid (the node where the cumulative weight first
    /// reaches 0.5): the θ the reported pix is read at.
    pub median: f64,
    /// ⌊pix(θ̃)⌋.
    pub pix: u32,
    /// ⌊pix(θ₀.₀₅)⌋ (≤ `pix`).
    pub pix_low: u32,
    /// ⌊pix(θ₀.₉₅)⌋ (≥ `pix`).
    pub pix_high: u32,
    /// [`level_of_pix`] of `pix`: ⌊pix / 8⌋, at most the highest open level and the cap.
    pub level: u8,
    /// The cap of the plan, when it stopped below the competence's highest open level.
    pub capped_at: Option<u8>,
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl PixScale {
    /// A scale from the competence's skills. Each skill's value is min(4, 8 / n) with n the
    /// number of skills of its level in `skills` (`SCORING.md`); skills above `max_level` are
    /// kept (indices stay those of `skills`) but count 0.
    pub fn new(skills: impl IntoIterator<Item = ScoredSkill>, max_level: u8) -> Self {
        let skills: Vec<ScoredSkill> = skills.into_iter().collect();
        let count = |level: u8| skills.iter().filter(|s| s.level == level).count();
        // n′ = max(n, 2): a lone skill is worth 4 = 8/2
        let denominators: Vec<u128> = skills.iter().map(|s| count(s.level).max(2) as u128).collect();
        let mut unit: u128 = 1;
        for &d in &denominators {
            let next = (unit / gcd(unit, d)).checked_mul(d);
            // past 2^100 units the sums could overflow: the scale stops refining the unit
            // (unreachable with 8 levels of fewer than 4,096 skills each, see the module docs)
            match next {
                Some(u) if u < 1u128 << 100 => unit = u,
                _ => {}
            }
        }
        let units = skills
            .iter()
            .zip(&denominators)
            .map(|(s, &d)| if s.level <= max_level { 8 * unit / d } else { 0 })
            .collect();
        Self {
            skills,
            units,
            unit,
            max_level,
        }
    }

    /// The skills, in the order given.
    pub fn skills(&self) -> &[ScoredSkill] {
        &self.skills
    }

    /// The pix value of skill `s` (0 above the highest open level).
    pub fn value(&self, s: usize) -> f64 {
        self.units.get(s).map_or(0.0, |&u| {
            PixAmount {
                units: u,
                unit: self.unit,
            }
            .value()
        })
    }

    /// The highest open level.
    pub fn max_level(&self) -> u8 {
        self.max_level
    }

    /// The highest level a plan capped at `cap` can report: min(cap, highest open level).
    pub fn top(&self, cap: Option<u8>) -> u8 {
        cap.unwrap_or(self.max_level).min(self.max_level)
    }

    /// The exact pix of the skills `mastered` accepts (by index in [`PixScale::skills`]), up to
    /// the cap: Σ v_s over them.
    pub fn pix_of(&self, mastered: impl Fn(usize) -> bool, cap: Option<u8>) -> PixAmount {
        let top = self.top(cap);
        let units = self
            .skills
            .iter()
            .zip(&self.units)
            .enumerate()
            .filter(|&(s, (sk, _))| sk.level <= top && mastered(s))
            .map(|(_, (_, &u))| u)
            .sum();
        PixAmount {
            units,
            unit: self.unit,
        }
    }

    /// pix(θ) = Σ v_s · 1[θ ≥ τ_s] over the skills up to `cap` (or the highest open level),
    /// exactly.
    pub fn pix_amount(&self, theta: f64, cap: Option<u8>) -> PixAmount {
        self.pix_of(|s| theta >= self.skills[s].location, cap)
    }

    /// pix(θ) as a float (for error figures; use [`PixScale::pix_floor`] for a reported pix).
    pub fn pix_at(&self, theta: f64, cap: Option<u8>) -> f64 {
        self.pix_amount(theta, cap).value()
    }

    /// ⌊pix(θ)⌋, exactly.
    pub fn pix_floor(&self, theta: f64, cap: Option<u8>) -> u32 {
        self.pix_amount(theta, cap).floor()
    }

    /// The level of θ: [`level_of_pix`] of ⌊pix(θ)⌋ under the cap.
    pub fn level_at(&self, theta: f64, cap: Option<u8>) -> u8 {
        level_of_pix(self.pix_floor(theta, cap), self.top(cap))
    }

    /// Scores a posterior (`SCORING.md`, version 2): θ̂ and SE (posterior mean and SD), the pix
    /// of the posterior median, the 90% interval and the level. `cap` is a plan's maximum level,
    /// reported as `capped_at` when below the highest open level.
    pub fn score(&self, posterior: &Posterior, cap: Option<u8>) -> PixScore {
        let (theta, se) = posterior.mean_sd();
        self.score_weights(posterior.nodes(), &posterior.weights(), theta, se, cap)
    }

    /// Scores a posterior given by its normalised weights at `nodes` (Σ = 1), with its mean
    /// `theta` and SD `se` already known (the structured posterior of
    /// [`crate::structure`] hands its weights this way).
    pub fn score_weights(
        &self,
        nodes: &[f64],
        weights: &[f64],
        theta: f64,
        se: f64,
        cap: Option<u8>,
    ) -> PixScore {
        let cap = cap.filter(|&c| c < self.max_level);
        let median = weighted_quantile(nodes, weights, 0.5);
        let low = weighted_quantile(nodes, weights, 0.05);
        let high = weighted_quantile(nodes, weights, 0.95);
        let pix = self.pix_floor(median, cap);
        PixScore {
            theta,
            se,
            median,
            pix,
            pix_low: self.pix_floor(low, cap),
            pix_high: self.pix_floor(high, cap),
            level: level_of_pix(pix, self.top(cap)),
            capped_at: cap,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Grid, ItemParams};

    fn skill(level: u8, location: f64) -> ScoredSkill {
        ScoredSkill { level, location }
    }

    fn scale() -> PixScale {
        // two skills per level 1..=5 at the provisional difficulties, one skill at level 6 only
        let mut s = Vec::new();
        for level in 1..=5u8 {
            for _ in 0..2 {
                s.push(skill(level, provisional_difficulty(level)));
            }
        }
        s.push(skill(6, provisional_difficulty(6)));
        PixScale::new(s, 6)
    }

    #[test]
    fn values_and_difficulties() {
        assert_eq!(skill_value(1), 4.0);
        assert_eq!(skill_value(2), 4.0);
        assert!((skill_value(3) - 8.0 / 3.0).abs() < 1e-15);
        assert_eq!(skill_value(0), 0.0);
        assert_eq!(provisional_difficulty(1), -2.0);
        assert!((provisional_difficulty(4) - 0.4).abs() < 1e-15);
        assert!((provisional_difficulty(8) - 3.6).abs() < 1e-15);
    }

    #[test]
    fn pix_is_a_step_function() {
        let s = scale();
        assert_eq!(s.pix_at(-3.0, None), 0.0);
        assert_eq!(s.pix_at(-2.0, None), 8.0); // θ ≥ τ counts
        assert_eq!(s.pix_at(0.0, None), 24.0); // levels 1, 2, 3 (τ = −2, −1.2, −0.4)
        assert_eq!(s.pix_at(0.5, None), 32.0); // and level 4 (τ = 0.4)
        assert_eq!(s.pix_at(10.0, None), 44.0); // 5 full levels + one lone skill worth 4
        assert_eq!(s.pix_at(10.0, Some(3)), 24.0);
        assert_eq!(s.top(Some(3)), 3);
        assert_eq!(s.top(Some(9)), 6);
        assert_eq!(s.value(10), 4.0);
    }

    #[test]
    fn the_level_of_a_pix_value() {
        assert_eq!(level_of_pix(0, 8), 0);
        assert_eq!(level_of_pix(7, 8), 0);
        assert_eq!(level_of_pix(8, 8), 1);
        assert_eq!(level_of_pix(47, 8), 5);
        assert_eq!(level_of_pix(48, 8), 6);
        assert_eq!(level_of_pix(64, 8), 8);
        assert_eq!(level_of_pix(64, 6), 6); // never above the top
        assert_eq!(level_of_pix(u32::MAX, 8), 8);
    }

    #[test]
    fn thirds_and_sixths_sum_exactly() {
        // 3 skills per level (8/3 each) on levels 1-3 and 6 skills (8/6 each) on level 4: a float
        // sum gives 15.999999999999998 after two levels of thirds; the exact sum is 16
        let mut s = Vec::new();
        for level in 1..=3u8 {
            for k in 0..3 {
                s.push(skill(level, f64::from(level) + 0.1 * f64::from(k)));
            }
        }
        for k in 0..6 {
            s.push(skill(4, 4.0 + 0.1 * f64::from(k)));
        }
        let scale = PixScale::new(s, 4);
        let float: f64 = (0..6).map(|_| 8.0 / 3.0).sum();
        assert!(float < 16.0, "the float sum itself is {float}");
        for (theta, pix, level) in [
            (0.0, 0, 0),
            (1.0, 2, 0),  // 8/3
            (1.2, 8, 1),  // three thirds: exactly 8
            (2.2, 16, 2), // six thirds: exactly 16
            (3.2, 24, 3),
            (4.0, 25, 3), // 24 + 8/6
            (4.5, 32, 4), // 24 + 6 × 8/6
        ] {
            assert_eq!(scale.pix_floor(theta, None), pix, "θ = {theta}");
            assert_eq!(scale.level_at(theta, None), level, "θ = {theta}");
        }
        assert!((scale.pix_at(4.0, None) - (24.0 + 8.0 / 6.0)).abs() < 1e-12);
    }

    #[test]
    fn absurd_cells_do_not_overflow() {
        // 12 levels with prime skill counts: the unit stops refining instead of overflowing
        let primes = [101u16, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157];
        let mut s = Vec::new();
        for (l, &p) in primes.iter().enumerate() {
            for k in 0..p {
                s.push(skill(l as u8 + 1, f64::from(k) * 1e-3));
            }
        }
        let scale = PixScale::new(s, 12);
        let full = scale.pix_floor(10.0, None);
        assert!((95..=96).contains(&full), "{full}");
    }

    #[test]
    fn a_sharp_posterior_scores_its_step() {
        // many right answers at b = 0.6 and wrong ones at b = 1.0 pin θ inside (0.6, 1.0)
        let g = Grid::new(161, -4.0, 4.0, 0.0, 1.0).unwrap();
        let mut p = Posterior::new(&g);
        let right = ItemParams::two_pl(4.0, 0.6).unwrap();
        let wrong = ItemParams::two_pl(4.0, 1.0).unwrap();
        for _ in 0..40 {
            p.add_response(&right, true);
            p.add_response(&wrong, false);
        }
        let s = scale().score(&p, None);
        assert!(s.theta > 0.6 && s.theta < 1.0, "{}", s.theta);
        // every θ in (0.6, 1.0) has pix 32 (levels 1–4 mastered, level 5 at 1.2 not)
        assert_eq!((s.pix, s.pix_low, s.pix_high, s.level), (32, 32, 32, 4));
        assert_eq!(s.capped_at, None);
        let c = scale().score(&p, Some(3));
        assert_eq!((c.pix, c.level, c.capped_at), (24, 3, Some(3)));
    }

    /// A three-node posterior worked by hand: nodes −1, 0, 1.
    #[test]
    fn hand_worked_median_and_interval() {
        // skills: level 1 at τ = −0.5 (lone: 4 pix), level 2 two skills at 0.5 and 0.8 (4 each)
        let scale = PixScale::new(vec![skill(1, -0.5), skill(2, 0.5), skill(2, 0.8)], 2);
        let nodes = [-1.0, 0.0, 1.0];
        // pix(−1) = 0, pix(0) = 4, pix(1) = 12
        // weights 0.3 / 0.3 / 0.4: cumulative 0.3, 0.6, 1 → median node 0, 5% node −1, 95% node 1
        let s = scale.score_weights(&nodes, &[0.3, 0.3, 0.4], 0.1, 0.83, None);
        assert_eq!(
            (s.median, s.pix, s.pix_low, s.pix_high, s.level),
            (0.0, 4, 0, 12, 0)
        );
        // version 1 would report ⌊E[pix]⌋ = ⌊0.3·4 + 0.4·12⌋ = 6: the median keeps 4
        // weights 0.02 / 0.03 / 0.95: cumulative 0.02, 0.05, 1 → 5% at node 0 (reaches 0.05),
        // median and 95% at node 1: 12 pix, level 1 (two skills of level 2 are 8 pix: 4 + 8)
        let s = scale.score_weights(&nodes, &[0.02, 0.03, 0.95], 0.93, 0.3, None);
        assert_eq!(
            (s.median, s.pix, s.pix_low, s.pix_high, s.level),
            (1.0, 12, 4, 12, 1)
        );
        // exactly half the mass on the first node: the median is the node that reaches 0.5
        let s = scale.score_weights(&nodes, &[0.5, 0.0, 0.5], 0.0, 1.0, None);
        assert_eq!((s.median, s.pix), (-1.0, 0));
    }

    /// A real posterior worked by hand: one right answer to a Rasch item at b = 0 on a 5-node
    /// grid over [−2, 2].
    #[test]
    fn hand_worked_one_response_posterior() {
        let g = Grid::new(5, -2.0, 2.0, 0.0, 1.0).unwrap();
        let mut p = Posterior::new(&g);
        p.add_response(&ItemParams::rasch(0.0).unwrap(), true);
        // prior ∝ exp(−θ²/2) at −2, −1, 0, 1, 2; times P(θ) = 1/(1 + e^−θ)
        let nodes = [-2.0f64, -1.0, 0.0, 1.0, 2.0];
        let raw: Vec<f64> = nodes
            .iter()
            .map(|&t| (-t * t / 2.0).exp() / (1.0 + (-t).exp()))
            .collect();
        let total: f64 = raw.iter().sum();
        let w: Vec<f64> = raw.iter().map(|x| x / total).collect();
        // w ≈ 0.0130, 0.1313, 0.4026, 0.3571, 0.0960 (by hand): cumulative 0.0130, 0.1443,
        // 0.5470 → median node 0; 0.95 is reached at node 2 (0.9040 before it)
        let cum: Vec<f64> = w
            .iter()
            .scan(0.0, |a, x| {
                *a += x;
                Some(*a)
            })
            .collect();
        assert!(
            (cum[2] - 0.5470).abs() < 1e-3 && (cum[3] - 0.9040).abs() < 1e-3,
            "{cum:?}"
        );
        let scale = PixScale::new(vec![skill(1, -1.5), skill(2, 0.0), skill(3, 1.5)], 3);
        let s = scale.score(&p, None);
        assert_eq!(s.median, 0.0);
        // pix(0) = 4 + 4; the 5% quantile is node −1 (0.0130 < 0.05 ≤ 0.1443): pix 4; the 95% node 2: 12
        assert_eq!((s.pix, s.pix_low, s.pix_high, s.level), (8, 4, 12, 1));
        let mean: f64 = nodes.iter().zip(&w).map(|(t, w)| t * w).sum();
        assert!((s.theta - mean).abs() < 1e-12);
    }

    #[test]
    fn a_perfect_run_reaches_the_top_level() {
        // 20 right answers on the bank's provisional items up to level 6 (c = 1/4 for half)
        let g = Grid::standard();
        let mut p = Posterior::new(&g);
        for k in 0..20u8 {
            let level = 3 + k % 4;
            let c = if k % 2 == 0 { 0.25 } else { 0.0 };
            let it = ItemParams::new(1.0, provisional_difficulty(level), c, 1.0).unwrap();
            p.add_response(&it, true);
        }
        let mut s = Vec::new();
        for level in 1..=6u8 {
            for _ in 0..2 {
                s.push(skill(level, provisional_difficulty(level)));
            }
        }
        let scale = PixScale::new(s, 6);
        let score = scale.score(&p, None);
        assert_eq!((score.pix, score.level), (48, 6), "{score:?}");
        assert!(score.pix_low <= score.pix && score.pix <= score.pix_high);
    }

    #[test]
    fn prior_median_pix_by_hand() {
        // Under the prior alone the median is θ = 0 (node 30 of the symmetric standard grid):
        // levels 1–3 (τ ≤ −0.4) are mastered, 24 pix
        let g = Grid::standard();
        let p = Posterior::new(&g);
        let s = scale().score(&p, None);
        assert_eq!((s.median, s.pix, s.level), (0.0, 24, 3));
    }
}
