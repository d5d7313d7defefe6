//! From a posterior of θ to pix and levels, as the product's scoring definition (`SCORING.md`)
//! states it.
//!
//! - A skill's location τ_s is the mean b of its live items; an agent masters s when θ ≥ τ_s.
//! - A skill's pix value v_s = min(4, 8 / n), n = the number of skills with at least one live
//!   item at the same level of the same competence.
//! - pix(θ) = Σ_s v_s · 1[θ ≥ τ_s]; an agent's pix = ⌊E[pix(θ) | responses]⌋ on the grid;
//!   the interval is [pix(θ₀.₀₅), pix(θ₀.₉₅)]; level = ⌊pix / 8⌋, never above the highest open
//!   level nor above a plan's cap.

use crate::Posterior;

/// The provisional difficulty of an item of level `level`: b = 0.8 × (level − 3.5).
pub fn provisional_difficulty(level: u8) -> f64 {
    0.8 * (f64::from(level) - 3.5)
}

/// The pix value of each skill of a (competence, level) cell holding `skills_at_level` skills:
/// min(4, 8 / n); 0 for an empty cell.
pub fn skill_value(skills_at_level: usize) -> f64 {
    if skills_at_level == 0 {
        0.0
    } else {
        (8.0 / skills_at_level as f64).min(4.0)
    }
}

/// A skill as the scoring sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredSkill {
    /// The skill's level (1–8).
    pub level: u8,
    /// Its location τ on the θ scale (mean b of its live items).
    pub location: f64,
    /// Its pix value v.
    pub value: f64,
}

/// The pix scale of one competence: its skills and its highest open level.
#[derive(Debug, Clone, PartialEq)]
pub struct PixScale {
    skills: Vec<ScoredSkill>,
    max_level: u8,
}

/// A competence's score from a posterior.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixScore {
    /// EAP estimate of θ (posterior mean).
    pub theta: f64,
    /// Posterior SD of θ.
    pub se: f64,
    /// ⌊E[pix(θ)]⌋.
    pub pix: u32,
    /// ⌊pix(θ₀.₀₅)⌋.
    pub pix_low: u32,
    /// ⌊pix(θ₀.₉₅)⌋.
    pub pix_high: u32,
    /// ⌊pix / 8⌋, at most the highest open level and the cap.
    pub level: u8,
    /// The cap of the plan, when it stopped below the competence's highest open level.
    pub capped_at: Option<u8>,
}

/// Pix are earned, never rounded up; this slack keeps an exact 8.0 computed as 7.999999999 an 8.
const FLOOR_SLACK: f64 = 1e-9;

fn floor_pix(x: f64) -> u32 {
    (x + FLOOR_SLACK).floor().max(0.0) as u32
}

impl PixScale {
    /// A scale from the competence's skills (levels above `max_level` are ignored).
    pub fn new(skills: impl IntoIterator<Item = ScoredSkill>, max_level: u8) -> Self {
        let skills = skills.into_iter().filter(|s| s.level <= max_level).collect();
        Self { skills, max_level }
    }

    /// The skills counted.
    pub fn skills(&self) -> &[ScoredSkill] {
        &self.skills
    }

    /// The highest open level.
    pub fn max_level(&self) -> u8 {
        self.max_level
    }

    /// pix(θ) = Σ v_s · 1[θ ≥ τ_s] over the skills up to `cap` (or the highest open level).
    pub fn pix_at(&self, theta: f64, cap: Option<u8>) -> f64 {
        let top = cap.unwrap_or(self.max_level).min(self.max_level);
        self.skills
            .iter()
            .filter(|s| s.level <= top && theta >= s.location)
            .map(|s| s.value)
            .sum()
    }

    /// Scores a posterior: θ̂ and SE (posterior mean and SD), expected pix, the 90% interval and
    /// the level. `cap` is a plan's maximum level, reported as `capped_at` when below the
    /// highest open level.
    pub fn score(&self, posterior: &Posterior, cap: Option<u8>) -> PixScore {
        let cap = cap.filter(|&c| c < self.max_level);
        let (theta, se) = posterior.mean_sd();
        let w = posterior.weights();
        let expected: f64 = w
            .iter()
            .zip(posterior.nodes())
            .map(|(&wk, &t)| wk * self.pix_at(t, cap))
            .sum();
        let pix = floor_pix(expected);
        let pix_low = floor_pix(self.pix_at(posterior.quantile(0.05), cap));
        let pix_high = floor_pix(self.pix_at(posterior.quantile(0.95), cap));
        let top = cap.unwrap_or(self.max_level);
        let level = ((pix / 8) as u8).min(top);
        PixScore {
            theta,
            se,
            pix,
            pix_low,
            pix_high,
            level,
            capped_at: cap,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Grid, ItemParams};

    fn scale() -> PixScale {
        // two skills per level 1..=6 at the provisional difficulties, one skill at level 6 only
        let mut s = Vec::new();
        for level in 1..=5u8 {
            for _ in 0..2 {
                s.push(ScoredSkill {
                    level,
                    location: provisional_difficulty(level),
                    value: skill_value(2),
                });
            }
        }
        s.push(ScoredSkill {
            level: 6,
            location: provisional_difficulty(6),
            value: skill_value(1),
        });
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

    #[test]
    fn prior_expected_pix_by_hand() {
        // Under the prior alone E[pix] = Σ v_s P(θ ≥ τ_s) on the grid.
        let g = Grid::standard();
        let p = Posterior::new(&g);
        let s = scale();
        let w = p.weights();
        let mut want = 0.0;
        for sk in s.skills() {
            let mass: f64 = g
                .nodes()
                .iter()
                .zip(&w)
                .filter(|(t, _)| **t >= sk.location)
                .map(|(_, w)| w)
                .sum();
            want += sk.value * mass;
        }
        assert_eq!(s.score(&p, None).pix, want.floor() as u32);
    }
}
