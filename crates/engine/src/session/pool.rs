//! The pool: a bank's items grouped by competence, with what selection and scoring need.

use std::sync::{Arc, Mutex};

use jauge_irt::scoring::{PixScale, ScoredSkill};
use jauge_irt::structure::{ConditionalPrior, FactorGrid};
use jauge_irt::{Grid, ItemParams};

use crate::error::EngineError;
use crate::index::InfoIndex;
use crate::itemset::ItemSet;

/// Whether an item counts for the agent's θ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ItemStatus {
    /// Scored.
    #[default]
    Live,
    /// Being calibrated: administered and recorded, never used for θ.
    Pretest,
}

/// An item as the engine sees it (the bank adapter fills these from the bank's files).
#[derive(Debug, Clone, PartialEq)]
pub struct PoolItem {
    /// The item's id.
    pub id: String,
    /// Its competence code, e.g. `1.1`.
    pub competence: String,
    /// Its tube (a topic inside the competence).
    pub tube: String,
    /// Its level, 1–8; with the tube it names the item's skill.
    pub level: u8,
    /// Its IRT parameters (provisional or calibrated).
    pub params: ItemParams,
    /// Live or pretest.
    pub status: ItemStatus,
    /// Time limit in seconds, for a timed question.
    pub time_limit: Option<u32>,
    /// Accessibility tags: `no-<adjustment>` excludes the item for an agent with that
    /// adjustment (e.g. `no-screen-reader`).
    pub accessibility: Vec<String>,
    /// The set of items that give each other away (same scenario, same fact), if any: a session
    /// shows at most one item of a set.
    pub set: Option<String>,
}

/// The live items of one competence, prepared for selection and scoring.
#[derive(Debug)]
pub(crate) struct CompetencePool {
    pub(crate) code: String,
    /// Pool indices of the live items; local index = position here.
    pub(crate) live: Vec<usize>,
    /// Pool indices of the pretest items.
    pub(crate) pretest: Vec<usize>,
    pub(crate) set: ItemSet,
    pub(crate) index: InfoIndex,
    /// The pix scale; its skills are indexed like `skills`.
    pub(crate) scale: PixScale,
    /// Skill (local) of each live item and the skills' (tube, level).
    pub(crate) skill_of: Vec<usize>,
    pub(crate) skills: Vec<(String, u8)>,
    /// Tube (local index) of each live item, and the number of tubes.
    pub(crate) tube_of: Vec<usize>,
    pub(crate) tubes: usize,
}

/// The items of a bank, grouped by competence, with everything selection and scoring need.
#[derive(Debug)]
pub struct Pool {
    pub(crate) items: Vec<PoolItem>,
    pub(crate) competences: Vec<CompetencePool>,
    pub(crate) grid: Grid,
    /// The grid of the profile structure's general factor g.
    pub(crate) factor: FactorGrid,
    /// The conditional priors built so far, by loading (bits of λ): built once per pool and
    /// loading, shared by every session.
    priors: Mutex<Vec<(u64, Arc<ConditionalPrior>)>>,
}

impl Pool {
    /// Prepares `items` on `grid`. A skill's location τ is the mean b of its live items and its
    /// value min(4, 8 / n) with n the skills of its (competence, level) (`SCORING.md`); the
    /// highest open level of a competence is the highest level holding a live item.
    pub fn new(items: Vec<PoolItem>, grid: &Grid) -> Self {
        let mut codes: Vec<String> = Vec::new();
        for it in &items {
            if !codes.contains(&it.competence) {
                codes.push(it.competence.clone());
            }
        }
        let competences = codes
            .into_iter()
            .map(|code| {
                let live: Vec<usize> = (0..items.len())
                    .filter(|&i| items[i].competence == code && items[i].status == ItemStatus::Live)
                    .collect();
                let pretest: Vec<usize> = (0..items.len())
                    .filter(|&i| items[i].competence == code && items[i].status == ItemStatus::Pretest)
                    .collect();
                let mut skills: Vec<(String, u8)> = Vec::new();
                let mut skill_of = Vec::with_capacity(live.len());
                let mut tube_names: Vec<&str> = Vec::new();
                let mut tube_of = Vec::with_capacity(live.len());
                for &i in &live {
                    let key = (items[i].tube.clone(), items[i].level);
                    let s = skills.iter().position(|k| *k == key).unwrap_or_else(|| {
                        skills.push(key);
                        skills.len() - 1
                    });
                    skill_of.push(s);
                    let t = tube_names
                        .iter()
                        .position(|t| *t == items[i].tube)
                        .unwrap_or_else(|| {
                            tube_names.push(&items[i].tube);
                            tube_names.len() - 1
                        });
                    tube_of.push(t);
                }
                let max_level = skills.iter().map(|s| s.1).max().unwrap_or(0);
                let scored = skills.iter().enumerate().map(|(s, (_, level))| {
                    let bs: Vec<f64> = live
                        .iter()
                        .zip(&skill_of)
                        .filter(|&(_, &k)| k == s)
                        .map(|(&i, _)| items[i].params.b())
                        .collect();
                    ScoredSkill {
                        level: *level,
                        location: bs.iter().sum::<f64>() / bs.len().max(1) as f64,
                    }
                });
                let scale = PixScale::new(scored.collect::<Vec<_>>(), max_level);
                let set = ItemSet::new(live.iter().map(|&i| items[i].params).collect(), grid);
                let (lo, hi) = grid.range();
                let index = InfoIndex::new(&set, lo, hi, (hi - lo) / 80.0, 16);
                CompetencePool {
                    code,
                    live,
                    pretest,
                    set,
                    index,
                    scale,
                    skill_of,
                    skills,
                    tubes: tube_names.len(),
                    tube_of,
                }
            })
            .collect();
        Self {
            items,
            competences,
            grid: grid.clone(),
            factor: FactorGrid::standard(),
            priors: Mutex::new(Vec::new()),
        }
    }

    /// The conditional prior of θ given g for loading `lambda` on this pool's grids
    /// (`SCORING.md`, "Profile structure"), built on first use and shared afterwards.
    /// Errors for a loading outside [0, 0.95] or a θ grid whose prior is not N(0, 1).
    pub fn conditional_prior(&self, lambda: f64) -> Result<Arc<ConditionalPrior>, EngineError> {
        let key = lambda.to_bits();
        let mut cache = self
            .priors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, p)) = cache.iter().find(|(k, _)| *k == key) {
            return Ok(p.clone());
        }
        let p = Arc::new(
            ConditionalPrior::new(&self.grid, &self.factor, lambda)
                .map_err(|e| EngineError::Setting(format!("profile structure: {e}")))?,
        );
        cache.push((key, p.clone()));
        Ok(p)
    }

    /// The items.
    pub fn items(&self) -> &[PoolItem] {
        &self.items
    }

    /// The competence codes, in first-seen order.
    pub fn competences(&self) -> impl Iterator<Item = &str> {
        self.competences.iter().map(|c| c.code.as_str())
    }

    /// The pix scale of a competence.
    pub fn scale(&self, code: &str) -> Option<&PixScale> {
        self.competences.iter().find(|c| c.code == code).map(|c| &c.scale)
    }

    /// The quadrature grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    pub(crate) fn competence(&self, code: &str) -> Option<usize> {
        self.competences.iter().position(|c| c.code == code)
    }
}

/// A bank-shaped pool with provisional parameters (`SCORING.md`: a = 1, b = 0.8 (L − 3.5),
/// c = 0.25 for the single-choice items, here every other variant), for tests and benchmarks:
/// `competences` competences `1`, `2`, …, each with `tubes` tubes open up to `max_level`, and
/// `variants` items per skill. Every third item of tube 0 is timed (60 s) and every item of
/// tube 1 at level 2 carries `no-screen-reader`.
pub fn synthetic_pool(competences: usize, tubes: usize, max_level: u8, variants: usize, grid: &Grid) -> Pool {
    let mut items = Vec::new();
    for c in 1..=competences {
        for t in 0..tubes {
            for level in 1..=max_level {
                for v in 0..variants {
                    let b = jauge_irt::scoring::provisional_difficulty(level);
                    let g = if v % 2 == 0 { 0.25 } else { 0.0 };
                    let Ok(params) = ItemParams::new(1.0, b, g, 1.0) else {
                        continue;
                    };
                    let n = items.len();
                    items.push(PoolItem {
                        id: format!("c{c}-t{t}-l{level}-v{v}"),
                        competence: c.to_string(),
                        tube: format!("c{c}t{t}"),
                        level,
                        params,
                        status: ItemStatus::Live,
                        time_limit: (t == 0 && n % 3 == 0).then_some(60),
                        accessibility: if t == 1 && level == 2 {
                            vec!["no-screen-reader".into()]
                        } else {
                            Vec::new()
                        },
                        set: None,
                    });
                }
            }
        }
        for k in 0..3 {
            let Ok(params) = ItemParams::new(1.0, 0.0, 0.0, 1.0) else {
                continue;
            };
            items.push(PoolItem {
                id: format!("c{c}-pretest{k}"),
                competence: c.to_string(),
                tube: format!("c{c}t0"),
                level: 3,
                params,
                status: ItemStatus::Pretest,
                time_limit: None,
                accessibility: Vec::new(),
                set: None,
            });
        }
    }
    Pool::new(items, grid)
}
