//! Assessment sessions over a pool of bank items: a plan, one θ per competence, content
//! balancing, pretest seeding, timing, replay and the profile.
//!
//! A [`Session`] is a pure state machine: the caller asks for the next question
//! ([`Session::next_question`]), shows it, and reports the answer ([`Session::answer`]); times come
//! from an injectable [`Clock`]. Its state is a function of (pool, plan, settings, seed, responses
//! so far): every random draw is addressed by (seed, step, purpose), so [`Session::replay`]
//! rebuilds a session interrupted at any step and it continues exactly as it would have.
//!
//! Constraints, in two tiers. Hard (never relaxed): an item is given at most once; never an item
//! of the agent's recent history; accessibility tags (`no-<adjustment>`) exclude an item for an
//! agent with that adjustment; the plan's tubes and maximum level; never an item more than two
//! levels above the current estimate (a competence with nothing left below that stops). Soft,
//! relaxed one after the other in this order only when no item satisfies them all: at most one
//! item per tube until every tube of the competence has been used; no two timed questions in a
//! row. The first question of each competence is chosen at an easy θ
//! (the start θ − 1) so that an agent starts with an easy question.

use std::collections::HashSet;

use jauge_irt::scoring::{PixScale, PixScore, ScoredSkill, skill_value};
use jauge_irt::{Grid, ItemParams, Posterior};

use crate::error::EngineError;
use crate::estimate::{AbilityEstimator, EstimatorKind, LinearPosterior};
use crate::index::InfoIndex;
use crate::itemset::ItemSet;
use crate::rng::{Draws, Purpose, splitmix64};
use crate::select::{MaxInfo, PosteriorKl, RandomItem, SelectContext, Selector, pick_among_best};

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
}

/// The live items of one competence, prepared for selection and scoring.
#[derive(Debug)]
struct CompetencePool {
    code: String,
    /// Pool indices of the live items; local index = position here.
    live: Vec<usize>,
    /// Pool indices of the pretest items.
    pretest: Vec<usize>,
    set: ItemSet,
    index: InfoIndex,
    scale: PixScale,
    /// Skill (local) of each live item and the skills' (tube, level).
    skill_of: Vec<usize>,
    skills: Vec<(String, u8)>,
    /// Tube (local index) of each live item, and the number of tubes.
    tube_of: Vec<usize>,
    tubes: usize,
}

/// The items of a bank, grouped by competence, with everything selection and scoring need.
#[derive(Debug)]
pub struct Pool {
    items: Vec<PoolItem>,
    competences: Vec<CompetencePool>,
    grid: Grid,
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
                    let n_at_level = skills.iter().filter(|k| k.1 == *level).count();
                    ScoredSkill {
                        level: *level,
                        location: bs.iter().sum::<f64>() / bs.len().max(1) as f64,
                        value: skill_value(n_at_level),
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
        }
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

    fn competence(&self, code: &str) -> Option<usize> {
        self.competences.iter().position(|c| c.code == code)
    }
}

/// What a plan asks of one competence.
#[derive(Debug, Clone, PartialEq)]
pub struct CompetencePlan {
    /// The competence code.
    pub code: String,
    /// Only these tubes (all when `None`).
    pub tubes: Option<Vec<String>>,
    /// Highest level asked (a target profile); reported as `capped_at` when below the bank's.
    pub max_level: Option<u8>,
    /// At least this many scored items.
    pub min_items: usize,
    /// At most this many scored items.
    pub max_items: usize,
    /// Stop the competence once its SE ≤ this (after `min_items`).
    pub se_target: f64,
}

/// A session plan: which competences, their limits, and the session-wide rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The competences assessed.
    pub competences: Vec<CompetencePlan>,
    /// At most this many scored items in all.
    pub max_total: usize,
    /// Unscored pretest items seeded at random positions.
    pub pretest: usize,
    /// At most one item per tube until every tube of the competence has been used.
    pub one_per_tube: bool,
    /// Never an item more than this many levels above the current estimate.
    pub max_levels_above: u8,
    /// θ at which the first item is chosen (the first item of a competence at start θ − 1).
    pub start_theta: f64,
}

impl Plan {
    /// Full-profile defaults: per competence at least 4 and at most 7 items, stop when
    /// SE ≤ 0.55, at most 112 in all (16 × 7, within the 120-question ceiling).
    ///
    /// Tuned by simulation on the bundled bank (`docs/simulation.md`): the first defaults
    /// (4–10 per competence, 120 in all) let the total cap stop the session first, so the
    /// competences listed first got 8 questions and the last ones 7; with 7 each, every
    /// competence gets the same precision, 8 questions fewer.
    pub fn full_profile(codes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self::with(codes, 4, 7, 0.55, 112)
    }

    /// Single-competence defaults: at most 20 items, stop when SE ≤ 0.4 (at least 4).
    pub fn single(code: impl Into<String>) -> Self {
        Self::with([code.into()], 4, 20, 0.4, 20)
    }

    /// A plan with the same limits for every competence.
    pub fn with(
        codes: impl IntoIterator<Item = impl Into<String>>,
        min_items: usize,
        max_items: usize,
        se_target: f64,
        max_total: usize,
    ) -> Self {
        Self {
            competences: codes
                .into_iter()
                .map(|c| CompetencePlan {
                    code: c.into(),
                    tubes: None,
                    max_level: None,
                    min_items,
                    max_items,
                    se_target,
                })
                .collect(),
            max_total,
            pretest: 0,
            one_per_tube: true,
            max_levels_above: 2,
            start_theta: 0.0,
        }
    }
}

/// The selection rules of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionRule {
    /// Maximum Fisher information.
    #[default]
    Mfi,
    /// Posterior-weighted Kullback–Leibler.
    Kl,
    /// Uniform random.
    Random,
    /// The national skill-based positioning rule.
    Skills,
}

/// Session settings besides the plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionConfig {
    /// Selection rule.
    pub rule: SessionRule,
    /// Ability estimator (EAP by default).
    pub estimator: EstimatorKind,
    /// Randomesque k (0 or 1: off).
    pub randomesque: usize,
    /// Sympson–Hetter k_i per pool item, if exposure control is on.
    pub exposure: Option<Vec<f64>>,
    /// Ids of the items this agent saw in its recent sessions.
    pub history: HashSet<String>,
    /// The agent's accessibility adjustments (e.g. `screen-reader`).
    pub adjustments: Vec<String>,
    /// Time factor; 0 (the default) means 1, or 1.5 for an agent with an adjustment
    /// (`SCORING.md`).
    pub time_factor: f64,
}

impl SessionConfig {
    /// The time factor applied: `time_factor` if set (> 0), else 1.5 for an agent with an
    /// accessibility adjustment and 1 otherwise.
    pub fn effective_time_factor(&self) -> f64 {
        if self.time_factor > 0.0 && self.time_factor.is_finite() {
            self.time_factor
        } else if self.adjustments.is_empty() {
            1.0
        } else {
            1.5
        }
    }
}

/// A source of time, in milliseconds (injectable so that tests need no clock).
pub trait Clock {
    /// Now, in milliseconds since some epoch.
    fn now_ms(&self) -> u64;
}

/// A clock that says what it is told.
#[derive(Debug, Default)]
pub struct ManualClock(pub std::cell::Cell<u64>);

impl ManualClock {
    /// Moves the clock forward.
    pub fn advance(&self, ms: u64) {
        self.0.set(self.0.get() + ms);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.get()
    }
}

/// How an answer was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerStatus {
    /// In time (or untimed).
    Answered,
    /// After the limit × time factor: scored 0, raw answer kept.
    TimedOut,
}

/// One administered question, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The item id.
    pub item: String,
    /// Its competence.
    pub competence: String,
    /// The raw correctness of the answer.
    pub raw: bool,
    /// The score used (0 if timed out).
    pub score: bool,
    /// Shown at (ms).
    pub shown_at: u64,
    /// Answered at (ms).
    pub answered_at: u64,
    /// How it was taken.
    pub status: AnswerStatus,
    /// A pretest item (never used for θ).
    pub pretest: bool,
}

/// The question to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// Position in the session (0-based).
    pub step: usize,
    /// Index of the item in the pool.
    pub item: usize,
    /// The item id.
    pub id: String,
    /// Its competence.
    pub competence: String,
    /// When it was shown (ms).
    pub shown_at: u64,
    /// Time allowed (ms) for a timed question: limit × time factor.
    pub allowed_ms: Option<u64>,
    /// A pretest item.
    pub pretest: bool,
}

#[derive(Debug, Clone)]
struct CompetenceState {
    pool: usize,
    /// (local item, score) of the scored responses.
    responses: Vec<(usize, bool)>,
    posterior: LinearPosterior,
    theta: f64,
    se: f64,
    /// Tubes (local indices) used so far.
    tubes_used: Vec<bool>,
    /// Skill status for the skill rule: 0 unknown, 1 validated, 2 invalidated.
    skill_status: Vec<u8>,
    done: bool,
}

/// One competence of a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct CompetenceScore {
    /// The competence code.
    pub code: String,
    /// Scored items.
    pub items: usize,
    /// θ, SE, pix, interval, level, cap.
    pub score: PixScore,
}

/// The profile a session produces (`SCORING.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Per competence of the plan.
    pub competences: Vec<CompetenceScore>,
    /// Σ pix over the assessed competences.
    pub total_pix: u32,
}

/// An assessment session (see the module documentation).
#[derive(Debug, Clone)]
pub struct Session<'p> {
    pool: &'p Pool,
    plan: Plan,
    config: SessionConfig,
    seed: u64,
    states: Vec<CompetenceState>,
    /// Pool items already shown.
    administered: Vec<bool>,
    /// Items the Sympson–Hetter lottery set aside: never selected again in this session.
    set_aside: Vec<bool>,
    /// Pool items that pass the static hard constraints (history, accessibility, the plan's
    /// competences, tubes and maximum level).
    allowed: Vec<bool>,
    records: Vec<Record>,
    pending: Option<Question>,
    pretest_steps: Vec<usize>,
    scored_total: usize,
    last_item: Option<usize>,
}

/// Whether soft constraint number `n` (1 tube spread, 2 timing) is relaxed at `tier`.
fn relaxed(tier: u8, n: u8) -> bool {
    tier >= n
}

impl<'p> Session<'p> {
    /// A new session. Errors when the plan names a competence without live items.
    pub fn new(pool: &'p Pool, plan: Plan, config: SessionConfig, seed: u64) -> Result<Self, EngineError> {
        if let Some(k) = &config.exposure
            && k.len() != pool.items.len()
        {
            return Err(EngineError::ExposureParams {
                expected: pool.items.len(),
                got: k.len(),
            });
        }
        let mut states = Vec::new();
        for cp in &plan.competences {
            let c = pool
                .competence(&cp.code)
                .filter(|&c| !pool.competences[c].live.is_empty())
                .ok_or_else(|| EngineError::EmptyCompetence(cp.code.clone()))?;
            let posterior = LinearPosterior::new(&pool.grid);
            states.push(CompetenceState {
                pool: c,
                responses: Vec::new(),
                theta: plan.start_theta,
                se: posterior.sd(),
                posterior,
                tubes_used: vec![false; pool.competences[c].tubes],
                skill_status: vec![0; pool.competences[c].skills.len()],
                done: cp.max_items == 0,
            });
        }
        // pretest positions: distinct steps drawn among the first Σ min_items + k positions
        let min_total: usize = plan
            .competences
            .iter()
            .map(|c| c.min_items)
            .sum::<usize>()
            .min(plan.max_total);
        let span = min_total + plan.pretest;
        let mut slots: Vec<usize> = (0..span).collect();
        let mut d = Draws::new(seed, 0, Purpose::Pretest);
        for j in 0..plan.pretest.min(span) {
            let r = j + d.below(j as u64, 0, span - j);
            slots.swap(j, r);
        }
        let allowed: Vec<bool> = pool
            .items
            .iter()
            .map(|it| {
                plan.competences
                    .iter()
                    .find(|c| c.code == it.competence)
                    .is_some_and(|cp| {
                        !config.history.contains(&it.id)
                            && !it.accessibility.iter().any(|tag| {
                                tag.strip_prefix("no-")
                                    .is_some_and(|a| config.adjustments.iter().any(|x| x == a))
                            })
                            && cp.tubes.as_ref().is_none_or(|t| t.contains(&it.tube))
                            && cp.max_level.is_none_or(|m| it.level <= m)
                    })
            })
            .collect();
        let mut pretest_steps: Vec<usize> = slots[..plan.pretest.min(span)].to_vec();
        pretest_steps.sort_unstable();
        Ok(Self {
            pool,
            plan,
            config,
            seed,
            states,
            administered: vec![false; pool.items.len()],
            set_aside: vec![false; pool.items.len()],
            allowed,
            records: Vec::new(),
            pending: None,
            pretest_steps,
            scored_total: 0,
            last_item: None,
        })
    }

    /// Rebuilds a session from its seed and its recorded responses; it then continues exactly
    /// as the original would have. Errors if the records do not follow the session's choices.
    pub fn replay(
        pool: &'p Pool,
        plan: Plan,
        config: SessionConfig,
        seed: u64,
        records: &[Record],
    ) -> Result<Self, EngineError> {
        let mut s = Self::new(pool, plan, config, seed)?;
        for (step, r) in records.iter().enumerate() {
            let clock = ManualClock(std::cell::Cell::new(r.shown_at));
            let Some(q) = s.next_question(&clock) else {
                return Err(EngineError::ReplayDiverged {
                    step,
                    expected: "(end of session)".into(),
                    got: r.item.clone(),
                });
            };
            if q.id != r.item {
                return Err(EngineError::ReplayDiverged {
                    step,
                    expected: q.id,
                    got: r.item.clone(),
                });
            }
            clock.0.set(r.answered_at);
            s.answer(&r.item, r.raw, &clock)?;
        }
        Ok(s)
    }

    /// The pool indices of the items the Sympson–Hetter lottery set aside in this session.
    pub fn set_aside(&self) -> Vec<usize> {
        (0..self.set_aside.len()).filter(|&i| self.set_aside[i]).collect()
    }

    /// The records so far.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The session seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The question waiting for an answer, if any.
    pub fn pending(&self) -> Option<&Question> {
        self.pending.as_ref()
    }

    /// True when no more question will be asked.
    pub fn finished(&self) -> bool {
        self.pending.is_none() && self.next_competence().is_none()
    }

    /// Current θ̂ and SE of each competence of the plan.
    pub fn estimates(&self) -> Vec<(String, f64, f64)> {
        self.plan
            .competences
            .iter()
            .zip(&self.states)
            .map(|(p, s)| (p.code.clone(), s.theta, s.se))
            .collect()
    }

    fn step(&self) -> usize {
        self.records.len()
    }

    /// The competence to ask next: among those not done, the one with the fewest scored items
    /// (plan order on ties), so that the competences are spread through the session.
    fn next_competence(&self) -> Option<usize> {
        if self.scored_total >= self.plan.max_total {
            return None;
        }
        (0..self.states.len())
            .filter(|&k| !self.states[k].done)
            .min_by_key(|&k| self.states[k].responses.len())
    }

    fn last_was_timed(&self) -> bool {
        self.last_item
            .is_some_and(|i| self.pool.items[i].time_limit.is_some())
    }

    fn hard_ok(&self, pool_index: usize) -> bool {
        self.allowed[pool_index] && !self.administered[pool_index] && !self.set_aside[pool_index]
    }

    /// The level the current estimate reaches on the competence's pix scale.
    fn estimated_level(&self, k: usize) -> u8 {
        let st = &self.states[k];
        let scale = &self.pool.competences[st.pool].scale;
        (scale.pix_at(st.theta, self.plan.competences[k].max_level) / 8.0).floor() as u8
    }

    /// Whether local item j of competence k passes the constraints kept at `tier` (0: all;
    /// 1: tube spread relaxed; 2: tube spread and timing relaxed). The level ceiling is never
    /// relaxed: a competence with nothing left within two levels of its estimate stops.
    #[allow(clippy::too_many_arguments)]
    fn soft_ok(
        &self,
        k: usize,
        local: usize,
        tier: u8,
        last_timed: bool,
        all_tubes_used: bool,
        ceiling: u8,
    ) -> bool {
        let cpool = &self.pool.competences[self.states[k].pool];
        let it = &self.pool.items[cpool.live[local]];
        let st = &self.states[k];
        (relaxed(tier, 1)
            || !self.plan.one_per_tube
            || all_tubes_used
            || !st.tubes_used[cpool.tube_of[local]])
            && it.level <= ceiling
            && (relaxed(tier, 2) || !(last_timed && it.time_limit.is_some()))
    }

    /// Chooses and shows the next question (or returns the one already waiting); `None` when
    /// the session is over.
    pub fn next_question(&mut self, clock: &dyn Clock) -> Option<Question> {
        if let Some(q) = &self.pending {
            return Some(q.clone());
        }
        let step = self.step();
        let last_timed = self.last_was_timed();
        let k = self.next_competence()?;
        // a pretest item at a drawn position, if one is usable
        if self.pretest_steps.contains(&step)
            && let Some(item) = self.pick_pretest(step, last_timed)
        {
            return Some(self.show(step, item, true, clock));
        }
        let (pick, aside) = self.pick_scored(k, step, last_timed);
        // selected but refused by the exposure lottery: set aside for the rest of the session
        for i in aside {
            self.set_aside[i] = true;
        }
        match pick {
            Some(item) => Some(self.show(step, item, false, clock)),
            None => {
                self.states[k].done = true;
                self.next_question(clock)
            }
        }
    }

    fn show(&mut self, step: usize, item: usize, pretest: bool, clock: &dyn Clock) -> Question {
        let it = &self.pool.items[item];
        let factor = self.config.effective_time_factor();
        let q = Question {
            step,
            item,
            id: it.id.clone(),
            competence: it.competence.clone(),
            shown_at: clock.now_ms(),
            allowed_ms: it
                .time_limit
                .map(|s| (f64::from(s) * 1000.0 * factor).round() as u64),
            pretest,
        };
        self.pending = Some(q.clone());
        q
    }

    fn pick_pretest(&self, step: usize, last_timed: bool) -> Option<usize> {
        let mut cands = Vec::new();
        for st in &self.states {
            for &i in &self.pool.competences[st.pool].pretest {
                if self.hard_ok(i) && !(last_timed && self.pool.items[i].time_limit.is_some()) {
                    cands.push(i);
                }
            }
        }
        if cands.is_empty() {
            return None;
        }
        let mut d = Draws::new(self.seed, 0, Purpose::Pretest);
        Some(cands[d.below(step as u64, 1, cands.len())])
    }

    /// The next scored item of the plan's k-th competence, and the items (pool indices) the
    /// exposure lottery set aside on the way.
    fn pick_scored(&self, k: usize, step: usize, last_timed: bool) -> (Option<usize>, Vec<usize>) {
        let st = &self.states[k];
        let cpool = &self.pool.competences[st.pool];
        let hard: Vec<bool> = cpool.live.iter().map(|&i| self.hard_ok(i)).collect();
        // every tube that still has a usable item has been used
        let all_tubes_used = hard
            .iter()
            .zip(&cpool.tube_of)
            .all(|(&h, &t)| !h || st.tubes_used[t]);
        let theta = if st.responses.is_empty() {
            self.plan.start_theta - 1.0
        } else {
            st.theta
        };
        // never more than `max_levels_above` levels above the current estimate (from the 2nd item)
        let ceiling = if st.responses.is_empty() {
            u8::MAX
        } else {
            self.estimated_level(k).saturating_add(self.plan.max_levels_above)
        };
        let mut sel = Draws::new(self.seed, 0, Purpose::Selection);
        let mut exp = Draws::new(self.seed, 0, Purpose::Exposure);
        let mut aside: Vec<usize> = Vec::new();
        // lottery draws are numbered across tiers so that no two lotteries share a number
        let mut attempt = 0u64;
        for tier in 0..=2u8 {
            loop {
                let eligible = |j: usize| {
                    hard[j]
                        && !aside.contains(&j)
                        && self.soft_ok(k, j, tier, last_timed, all_tubes_used, ceiling)
                };
                let ctx = SelectContext {
                    set: &cpool.set,
                    index: Some(&cpool.index),
                    grid: &self.pool.grid,
                    theta,
                    posterior: &st.posterior,
                    step: step as u64,
                };
                let pick = match self.config.rule {
                    SessionRule::Mfi => MaxInfo {
                        randomesque: self.config.randomesque.max(1),
                    }
                    .select(&ctx, &eligible, &mut sel),
                    SessionRule::Kl => PosteriorKl {
                        randomesque: self.config.randomesque.max(1),
                    }
                    .select(&ctx, &eligible, &mut sel),
                    SessionRule::Random => RandomItem.select(&ctx, &eligible, &mut sel),
                    SessionRule::Skills => SkillRule {
                        skill_of: &cpool.skill_of,
                        skills: &cpool.skills,
                        status: &st.skill_status,
                        target: self.national_level(k) + 1,
                    }
                    .select(&ctx, &eligible, &mut sel),
                };
                let Some(j) = pick else { break };
                let pool_index = cpool.live[j];
                match &self.config.exposure {
                    Some(kk)
                        if kk[pool_index] < 1.0 && exp.uniform(step as u64, attempt) >= kk[pool_index] =>
                    {
                        aside.push(j);
                        attempt += 1;
                    }
                    _ => return (Some(pool_index), aside.iter().map(|&a| cpool.live[a]).collect()),
                }
            }
        }
        (None, aside.iter().map(|&a| cpool.live[a]).collect())
    }

    /// The national estimate of the level: ⌊Σ values of the validated skills / 8⌋.
    fn national_level(&self, k: usize) -> u8 {
        (self.national_pix(k) / 8.0).floor() as u8
    }

    /// The national positioning score of the plan's k-th competence: the sum of the values of
    /// the skills validated so far (a right answer validates its skill and the easier skills of
    /// its tube; a wrong one invalidates its skill and the harder ones).
    pub fn national_pix(&self, k: usize) -> f64 {
        let Some(st) = self.states.get(k) else { return 0.0 };
        let cap = self.plan.competences[k].max_level;
        let cpool = &self.pool.competences[st.pool];
        st.skill_status
            .iter()
            .zip(scale_values(self.pool, st.pool))
            .zip(&cpool.skills)
            .filter(|&((&s, _), (_, level))| s == 1 && cap.is_none_or(|c| *level <= c))
            .map(|((_, v), _)| v)
            .sum()
    }

    /// Records the answer to the pending question. `raw` is whether the answer is right; a timed
    /// question answered after its allowed time scores 0 with status `TimedOut`.
    pub fn answer(&mut self, id: &str, raw: bool, clock: &dyn Clock) -> Result<AnswerStatus, EngineError> {
        let Some(q) = self.pending.take() else {
            return Err(EngineError::NoPendingItem);
        };
        if q.id != id {
            let expected = q.id.clone();
            self.pending = Some(q);
            return Err(EngineError::UnexpectedItem {
                expected,
                got: id.to_owned(),
            });
        }
        let now = clock.now_ms();
        let late = q.allowed_ms.is_some_and(|a| now.saturating_sub(q.shown_at) > a);
        let status = if late {
            AnswerStatus::TimedOut
        } else {
            AnswerStatus::Answered
        };
        let score = raw && !late;
        self.administered[q.item] = true;
        self.last_item = Some(q.item);
        let it = &self.pool.items[q.item];
        self.records.push(Record {
            item: it.id.clone(),
            competence: it.competence.clone(),
            raw,
            score,
            shown_at: q.shown_at,
            answered_at: now,
            status,
            pretest: q.pretest,
        });
        if !q.pretest
            && let Some(k) = self.plan.competences.iter().position(|c| c.code == it.competence)
        {
            let cpool = &self.pool.competences[self.states[k].pool];
            let Some(local) = cpool.live.iter().position(|&i| i == q.item) else {
                return Ok(status);
            };
            let grid = &self.pool.grid;
            let st = &mut self.states[k];
            st.responses.push((local, score));
            st.tubes_used[cpool.tube_of[local]] = true;
            st.posterior.add(grid, &cpool.set, local, score, &st.responses);
            let est = self
                .config
                .estimator
                .estimate(grid, &cpool.set, &st.posterior, &st.responses);
            st.theta = est.theta;
            st.se = est.se;
            // national bookkeeping: right validates the easier skills of the tube, wrong
            // invalidates the harder ones
            let (tube, level) = &cpool.skills[cpool.skill_of[local]];
            for (s, (t, l)) in cpool.skills.iter().enumerate() {
                if t == tube {
                    if score && l <= level {
                        st.skill_status[s] = 1;
                    } else if !score && l >= level {
                        st.skill_status[s] = 2;
                    }
                }
            }
            self.scored_total += 1;
            let cp = &self.plan.competences[k];
            let n = st.responses.len();
            if n >= cp.max_items || (n >= cp.min_items && st.se <= cp.se_target) {
                st.done = true;
            }
        }
        Ok(status)
    }

    /// The profile from the scored responses so far, per `SCORING.md`: θ and SE from the
    /// posterior on the grid (EAP), expected pix, the 90% interval, the level and the cap.
    pub fn profile(&self) -> Profile {
        let mut out = Vec::new();
        for (cp, st) in self.plan.competences.iter().zip(&self.states) {
            let cpool = &self.pool.competences[st.pool];
            let mut post = Posterior::new(&self.pool.grid);
            let n = self.pool.grid.len();
            for &(j, right) in &st.responses {
                let row = cpool.set.log_row(j);
                post.add_log_likelihood_row(if right { &row[..n] } else { &row[n..] });
            }
            out.push(CompetenceScore {
                code: cp.code.clone(),
                items: st.responses.len(),
                score: cpool.scale.score(&post, cp.max_level),
            });
        }
        let total_pix = out.iter().map(|c| c.score.pix).sum();
        Profile {
            competences: out,
            total_pix,
        }
    }
}

fn scale_values(pool: &Pool, c: usize) -> Vec<f64> {
    let cp = &pool.competences[c];
    cp.skills
        .iter()
        .map(|(_, level)| skill_value(cp.skills.iter().filter(|s| s.1 == *level).count()))
        .collect()
}

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

/// The outcome of one simulated session.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedSession {
    /// The profile.
    pub profile: Profile,
    /// The national positioning score (validated skills' pix) per plan competence.
    pub national_pix: Vec<f64>,
    /// The records.
    pub records: Vec<Record>,
    /// Pool indices of the items selected but set aside by the exposure lottery.
    pub set_aside: Vec<usize>,
}

/// Simulates one session per examinee over `pool` with `plan`: `true_thetas[e][k]` is examinee
/// e's true θ on the plan's k-th competence; answers are drawn with `true_params` (one per pool
/// item; the pool's own when `None`) from each session's answers stream. Session e's seed is
/// derived from (`seed`, e). Results do not depend on `threads`.
pub fn simulate_pool(
    pool: &Pool,
    plan: &Plan,
    config: &SessionConfig,
    true_thetas: &[Vec<f64>],
    true_params: Option<&[ItemParams]>,
    seed: u64,
    threads: usize,
) -> Result<Vec<SimulatedSession>, EngineError> {
    if true_params.is_some_and(|p| p.len() != pool.items.len()) {
        return Err(EngineError::Setting(
            "true parameters must cover every pool item".into(),
        ));
    }
    let n = true_thetas.len();
    let threads = threads.clamp(1, n.max(1));
    let chunk = n.div_ceil(threads).max(1);
    let mut out: Vec<Option<Result<SimulatedSession, EngineError>>> = vec![None; n];
    std::thread::scope(|s| {
        for (c, slot) in out.chunks_mut(chunk).enumerate() {
            s.spawn(move || {
                for (j, r) in slot.iter_mut().enumerate() {
                    let e = c * chunk + j;
                    *r = Some(simulate_one(
                        pool,
                        plan,
                        config,
                        &true_thetas[e],
                        true_params,
                        seed,
                        e,
                    ));
                }
            });
        }
    });
    out.into_iter().flatten().collect()
}

/// The seed of simulated session `e` under `seed`.
pub fn session_seed(seed: u64, e: usize) -> u64 {
    splitmix64(seed ^ splitmix64(e as u64 ^ 0x5345_5353_494F_4E00))
}

fn simulate_one(
    pool: &Pool,
    plan: &Plan,
    config: &SessionConfig,
    thetas: &[f64],
    true_params: Option<&[ItemParams]>,
    seed: u64,
    e: usize,
) -> Result<SimulatedSession, EngineError> {
    let sseed = session_seed(seed, e);
    let mut s = Session::new(pool, plan.clone(), config.clone(), sseed)?;
    let mut answers = Draws::new(sseed, 0, Purpose::Answers);
    let clock = ManualClock::default();
    while let Some(q) = s.next_question(&clock) {
        let k = plan
            .competences
            .iter()
            .position(|c| c.code == q.competence)
            .unwrap_or(0);
        let theta = thetas.get(k).copied().unwrap_or(0.0);
        let p = true_params.map_or(pool.items[q.item].params, |t| t[q.item]);
        let right = answers.uniform(q.step as u64, 0) < p.prob(theta);
        clock.advance(1000);
        s.answer(&q.id, right, &clock)?;
    }
    Ok(SimulatedSession {
        profile: s.profile(),
        national_pix: (0..plan.competences.len()).map(|k| s.national_pix(k)).collect(),
        set_aside: s.set_aside(),
        records: s.records,
    })
}

/// Fits Sympson–Hetter control parameters for full sessions over `pool` with `plan` (Sympson &
/// Hetter 1985; the same loop as [`crate::exposure::fit_sympson_hetter`]): the population is
/// `true_thetas` (one row of θ per competence of the plan per simulated agent), every iteration
/// re-runs the same sessions (common random numbers) with the current k_i, counts for each item
/// the share of sessions whose rule selected it (administered, or set aside by the lottery),
/// P(S_i), and sets k_i ← min(1, r / P(S_i)), until the highest expected administration rate
/// P(S_i) · k_i is within 0.01 of `target` or `max_iterations` is reached. Infeasible when a
/// competence's maximum length ÷ r exceeds its live items.
#[allow(clippy::too_many_arguments)]
pub fn fit_sympson_hetter_pool(
    pool: &Pool,
    plan: &Plan,
    config: &SessionConfig,
    true_thetas: &[Vec<f64>],
    true_params: Option<&[ItemParams]>,
    seed: u64,
    threads: usize,
    target: f64,
    max_iterations: usize,
) -> Result<crate::exposure::ShFit, EngineError> {
    for cp in &plan.competences {
        let usable = pool
            .competence(&cp.code)
            .map_or(0, |c| pool.competences[c].live.len());
        crate::exposure::check_feasible(target, cp.max_items, usable)?;
    }
    let index: std::collections::HashMap<&str, usize> = pool
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.id.as_str(), i))
        .collect();
    let n_items = pool.items.len();
    let mut k = vec![1.0; n_items];
    let n = true_thetas.len().max(1) as f64;
    let mut last_max = f64::INFINITY;
    for it in 0..max_iterations.max(1) {
        let cfg = SessionConfig {
            exposure: Some(k.clone()),
            ..config.clone()
        };
        let sessions = simulate_pool(pool, plan, &cfg, true_thetas, true_params, seed, threads)?;
        let mut selected = vec![0usize; n_items];
        for s in &sessions {
            for r in s.records.iter().filter(|r| !r.pretest) {
                if let Some(&i) = index.get(r.item.as_str()) {
                    selected[i] += 1;
                }
            }
            for &i in &s.set_aside {
                selected[i] += 1;
            }
        }
        let p_selected: Vec<f64> = selected.iter().map(|&c| c as f64 / n).collect();
        last_max = p_selected.iter().zip(&k).map(|(p, k)| p * k).fold(0.0, f64::max);
        if last_max <= target + crate::exposure::TOLERANCE {
            return Ok(crate::exposure::ShFit {
                k,
                iterations: it + 1,
                max_exposure: last_max,
                converged: true,
            });
        }
        for (ki, &ps) in k.iter_mut().zip(&p_selected) {
            *ki = if ps > 0.0 { (target / ps).min(1.0) } else { 1.0 };
        }
    }
    Ok(crate::exposure::ShFit {
        k,
        iterations: max_iterations.max(1),
        max_exposure: last_max,
        converged: false,
    })
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
            });
        }
    }
    Pool::new(items, grid)
}

/// Per-competence accuracy of simulated sessions, for comparing selection rules.
#[derive(Debug, Clone, PartialEq)]
pub struct CompetenceSummary {
    /// The competence code.
    pub code: String,
    /// Mean number of scored items.
    pub mean_items: f64,
    /// Mean SE of θ̂.
    pub mean_se: f64,
    /// RMSE of θ̂ against the true θ.
    pub rmse: f64,
    /// Share of sessions whose reported level equals the true level.
    pub level_exact: f64,
    /// Share within one level.
    pub level_within_one: f64,
    /// RMSE of the reported pix against the true pix(θ).
    pub pix_rmse: f64,
    /// The same two level figures and the pix RMSE for the national score (validated skills).
    pub national_level_exact: f64,
    /// Share of national levels within one of the true level.
    pub national_level_within_one: f64,
    /// RMSE of the national pix against the true pix(θ).
    pub national_pix_rmse: f64,
}

/// Summarises simulated sessions per competence of `plan`. The true level of an examinee is
/// ⌊pix(θ) / 8⌋ on the competence's scale (capped like the plan), its true pix is pix(θ).
pub fn summarise_sessions(
    pool: &Pool,
    plan: &Plan,
    sessions: &[SimulatedSession],
    true_thetas: &[Vec<f64>],
) -> Vec<CompetenceSummary> {
    let n = sessions.len().max(1) as f64;
    plan.competences
        .iter()
        .enumerate()
        .map(|(k, cp)| {
            let scale = pool.scale(&cp.code);
            let top = |l: f64| -> u8 {
                let max = scale.map_or(0, PixScale::max_level);
                ((l / 8.0).floor().max(0.0) as u8).min(cp.max_level.unwrap_or(max).min(max))
            };
            let (mut items, mut se, mut sq, mut exact, mut one, mut pix2) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
            let (mut nexact, mut none, mut npix2) = (0.0, 0.0, 0.0);
            for (s, t) in sessions.iter().zip(true_thetas) {
                let Some(c) = s.profile.competences.get(k) else {
                    continue;
                };
                let truth = t.get(k).copied().unwrap_or(0.0);
                let true_pix = scale.map_or(0.0, |sc| sc.pix_at(truth, cp.max_level));
                let true_level = top(true_pix);
                items += c.items as f64;
                se += c.score.se;
                sq += (c.score.theta - truth).powi(2);
                let d = c.score.level.abs_diff(true_level);
                exact += f64::from(u8::from(d == 0));
                one += f64::from(u8::from(d <= 1));
                pix2 += (f64::from(c.score.pix) - true_pix).powi(2);
                let np = s.national_pix.get(k).copied().unwrap_or(0.0);
                let nd = top(np).abs_diff(true_level);
                nexact += f64::from(u8::from(nd == 0));
                none += f64::from(u8::from(nd <= 1));
                npix2 += (np - true_pix).powi(2);
            }
            CompetenceSummary {
                code: cp.code.clone(),
                mean_items: items / n,
                mean_se: se / n,
                rmse: (sq / n).sqrt(),
                level_exact: exact / n,
                level_within_one: one / n,
                pix_rmse: (pix2 / n).sqrt(),
                national_level_exact: nexact / n,
                national_level_within_one: none / n,
                national_pix_rmse: (npix2 / n).sqrt(),
            }
        })
        .collect()
}

/// True abilities on `k` competences for `n` examinees: an equicorrelated multivariate normal,
/// θ_k = √ρ · z₀ + √(1 − ρ) · z_k (every pair of competences correlates ρ ∈ [0, 1]).
pub fn draw_correlated_abilities(seed: u64, n: usize, k: usize, rho: f64) -> Vec<Vec<f64>> {
    let rho = rho.clamp(0.0, 1.0);
    let mut d = Draws::new(seed, 1, Purpose::Abilities);
    (0..n)
        .map(|e| {
            let base = (e * (k + 1)) as u64;
            let z0 = d.normal(base);
            (0..k)
                .map(|j| rho.sqrt() * z0 + (1.0 - rho).sqrt() * d.normal(base + 1 + j as u64))
                .collect()
        })
        .collect()
}

/// "True" parameters perturbed from the bank's, so that a comparison does not assume the
/// provisional parameters are right: b + N(0, sd²), a × lognormal(0, sd/2); c and d kept.
pub fn perturb_params(params: &[ItemParams], sd: f64, seed: u64) -> Vec<ItemParams> {
    let mut d = Draws::new(seed, 2, Purpose::Abilities);
    params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let b = p.b() + sd * d.normal(2 * i as u64);
            let a = p.a() * (0.5 * sd * d.normal(2 * i as u64 + 1)).exp();
            ItemParams::new(a, b, p.c(), p.d()).unwrap_or(*p)
        })
        .collect()
}
