//! The national positioning rule and score: skills validated or invalidated by the answers.

use crate::rng::Draws;
use crate::select::{SelectContext, Selector, pick_among_best};

/// The national positioning rule: among the eligible items whose skill is still untested, those
/// of the level closest to the target level (the next level above what the validated skills
/// give), one picked at random.
#[derive(Debug, Clone, Copy)]
pub struct SkillRule<'a> {
    /// Skill of each item.
    pub skill_of: &'a [usize],
    /// (tube, level) of each skill.
    pub skills: &'a [(String, u8)],
    /// 0 untested, 1 validated, 2 invalidated.
    pub status: &'a [u8],
    /// The level to probe.
    pub target: u8,
}

impl Selector for SkillRule<'_> {
    fn select(
        &self,
        ctx: &SelectContext<'_>,
        eligible: &dyn Fn(usize) -> bool,
        draws: &mut Draws,
    ) -> Option<usize> {
        let level = |j: usize| self.skills[self.skill_of[j]].1;
        let untested = |j: usize| self.status[self.skill_of[j]] == 0;
        let pool: Vec<usize> = (0..ctx.set.len()).filter(|&j| eligible(j)).collect();
        let fresh: Vec<usize> = pool.iter().copied().filter(|&j| untested(j)).collect();
        let cands = if fresh.is_empty() { pool } else { fresh };
        let best = cands.iter().map(|&j| level(j).abs_diff(self.target)).min()?;
        let ranked: Vec<crate::index::Ranked> = cands
            .into_iter()
            .filter(|&j| level(j).abs_diff(self.target) == best)
            .map(|j| crate::index::Ranked {
                item: j as u32,
                information: 0.0,
            })
            .collect();
        pick_among_best(&ranked, 1, draws, ctx.step)
    }
}
