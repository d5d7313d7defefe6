//! Assessment sessions over a pool of bank items: a plan, one θ per competence, content
//! balancing, pretest seeding, timing, replay and the profile.
//!
//! A [`Session`] is a pure state machine: the caller asks for the next question
//! ([`Session::next_question`]), shows it, and reports the answer ([`Session::answer`]); times come
//! from an injectable [`Clock`]. Its state is a function of (pool, plan, settings, seed, responses
//! so far): every random draw is addressed by (seed, step, purpose), so [`Session::replay`]
//! rebuilds a session interrupted at any step and it continues exactly as it would have.
//!
//! Two posteriors per competence. The *separate* one (the independent N(0, 1) prior and the
//! competence's own answers) and, when the plan has a profile structure (some loading λ ≠ 0,
//! `SCORING.md`), the *structured* one ([`jauge_irt::structure::ProfilePosterior`]): every
//! answer updates the posterior of g and so the structured posterior of every competence. The
//! structured posterior selects the items (θ̂ = its mean with the EAP estimator; KL reads its
//! weights), stops a competence (its SD against the SE target) and gives the reported score; the
//! separate one is scored beside it in the [`Profile`].
//!
//! Constraints, in two tiers. Hard (never relaxed): an item is given at most once; never an item
//! of the agent's recent history; accessibility tags (`no-<adjustment>`) exclude an item for an
//! agent with that adjustment; the plan's tubes and maximum level; never an item more than two
//! levels above the current estimate (a competence with nothing left below that stops). Soft,
//! relaxed one after the other in this order only when no item satisfies them all: at most one
//! item per tube until every tube of the competence has been used; no two timed questions in a
//! row. The first question of each competence is chosen at an easy θ, one unit below the
//! competence's current estimate (the start θ − 1 without a structure; with one, the structured
//! θ̂ − 1, which the answers in the other competences have already moved), so that an agent
//! starts each competence with a question easy for them.
//!
//! The parts: the [`Pool`] ([`pool`]), plans and settings ([`plan`]), clocks and records
//! ([`record`]), the profile ([`profile`]), the national skill rule ([`skills`]) and simulated
//! sessions ([`simulate`]).

pub mod plan;
pub mod pool;
pub mod profile;
pub mod record;
mod rescore;
pub mod simulate;
pub mod skills;

pub use plan::{CompetenceOrder, CompetencePlan, Plan, SessionConfig, SessionRule};
pub use pool::{ItemStatus, Pool, PoolItem, synthetic_pool};
pub use profile::{CompetenceScore, NotAssessed, NotAssessedReason, Profile, SCORING_VERSION};
pub use record::{AnswerStatus, Clock, ManualClock, Question, Record};
pub use simulate::{SimulatedSession, fit_sympson_hetter_pool, perturb_params, session_seed, simulate_pool};
pub use skills::SkillRule;

use jauge_irt::Posterior;
use jauge_irt::scoring::level_of_pix;
use jauge_irt::structure::ProfilePosterior;

use crate::error::EngineError;
use crate::estimate::{AbilityEstimator, EstimatorKind, LinearPosterior};
use crate::rng::{Draws, Purpose};
use crate::select::{MaxInfo, PosteriorKl, RandomItem, SelectContext, Selector};

/// Why a competence stopped asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Its SE reached the target (after its minimum).
    Precise,
    /// It got its maximum number of items.
    MaxItems,
    /// No eligible item was left.
    NoItemsLeft,
}

#[derive(Debug, Clone)]
struct CompetenceState {
    pool: usize,
    /// (local item, score) of the scored responses.
    responses: Vec<(usize, bool)>,
    /// The separate posterior (own answers, N(0, 1) prior).
    posterior: LinearPosterior,
    /// The structured posterior's weights, when the plan is structured.
    structured: Option<LinearPosterior>,
    /// θ̂ and SE that select and stop: the structured posterior's mean and SD (with the EAP
    /// estimator; other estimators give θ̂ from the own answers), else the separate estimate.
    theta: f64,
    se: f64,
    /// Tubes (local indices) used so far.
    tubes_used: Vec<bool>,
    /// Skill status for the skill rule: 0 unknown, 1 validated, 2 invalidated.
    skill_status: Vec<u8>,
    end: Option<End>,
}

impl CompetenceState {
    fn done(&self) -> bool {
        self.end.is_some()
    }
}

/// An assessment session (see the module documentation).
#[derive(Debug, Clone)]
pub struct Session<'p> {
    pool: &'p Pool,
    plan: Plan,
    config: SessionConfig,
    seed: u64,
    states: Vec<CompetenceState>,
    /// The structured posterior of the profile, when some loading is not 0.
    structure: Option<ProfilePosterior>,
    /// Pool items already shown.
    administered: Vec<bool>,
    /// Items the Sympson–Hetter lottery set aside: never selected again in this session.
    set_aside: Vec<bool>,
    /// The sets (`PoolItem::set`) of the items shown: no other item of them is shown.
    sets_shown: Vec<String>,
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
        let mut priors = Vec::new();
        for cp in &plan.competences {
            let c = pool
                .competence(&cp.code)
                .filter(|&c| !pool.competences[c].live.is_empty())
                .ok_or_else(|| EngineError::EmptyCompetence(cp.code.clone()))?;
            if plan.is_structured() {
                priors.push(pool.conditional_prior(cp.loading)?);
            }
            let posterior = LinearPosterior::new(&pool.grid);
            states.push(CompetenceState {
                pool: c,
                responses: Vec::new(),
                theta: plan.start_theta,
                se: posterior.sd(),
                structured: None,
                posterior,
                tubes_used: vec![false; pool.competences[c].tubes],
                skill_status: vec![0; pool.competences[c].skills.len()],
                end: (cp.max_items == 0).then_some(End::MaxItems),
            });
        }
        let structure = plan
            .is_structured()
            .then(|| ProfilePosterior::new(&pool.grid, &pool.factor, priors));
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
            structure,
            administered: vec![false; pool.items.len()],
            set_aside: vec![false; pool.items.len()],
            sets_shown: Vec::new(),
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

    /// θ̂ and SE of each competence of the plan as selection and stopping use them (structured
    /// when the plan has a structure); a finished competence keeps the values it stopped at,
    /// [`Session::profile`] gives the final scores.
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

    /// The competence to ask next, among those not done, by the plan's [`CompetenceOrder`]:
    /// the fewest scored items (a round robin), or, once every competence has its minimum, the
    /// largest SE; ties go to the fewest items, then to plan order.
    fn next_competence(&self) -> Option<usize> {
        if self.scored_total >= self.plan.max_total {
            return None;
        }
        let open = || (0..self.states.len()).filter(|&k| !self.states[k].done());
        let fewest = open().min_by_key(|&k| self.states[k].responses.len());
        match self.plan.order {
            CompetenceOrder::RoundRobin => fewest,
            CompetenceOrder::LargestSe => {
                let below_minimum =
                    |k: usize| self.states[k].responses.len() < self.plan.competences[k].min_items;
                if fewest.is_some_and(below_minimum) {
                    return fewest;
                }
                open().min_by(|&a, &b| {
                    let (sa, sb) = (&self.states[a], &self.states[b]);
                    sb.se
                        .total_cmp(&sa.se)
                        .then(sa.responses.len().cmp(&sb.responses.len()))
                        .then(a.cmp(&b))
                })
            }
        }
    }

    fn last_was_timed(&self) -> bool {
        self.last_item
            .is_some_and(|i| self.pool.items[i].time_limit.is_some())
    }

    fn hard_ok(&self, pool_index: usize) -> bool {
        self.allowed[pool_index]
            && !self.administered[pool_index]
            && !self.set_aside[pool_index]
            && self.pool.items[pool_index]
                .set
                .as_ref()
                .is_none_or(|s| !self.sets_shown.contains(s))
    }

    /// The level the current estimate reaches on the competence's pix scale
    /// ([`jauge_irt::scoring::PixScale::level_at`]: the one definition of a level).
    fn estimated_level(&self, k: usize) -> u8 {
        let st = &self.states[k];
        let scale = &self.pool.competences[st.pool].scale;
        scale.level_at(st.theta, self.plan.competences[k].max_level)
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
                self.states[k].end = Some(End::NoItemsLeft);
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
        // the first item of a competence one unit below its current estimate: the start θ, or,
        // with a profile structure, what the other competences' answers already say
        let theta = if st.responses.is_empty() {
            st.theta - 1.0
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
                    posterior: st.structured.as_ref().unwrap_or(&st.posterior),
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

    /// The national estimate of the level: [`level_of_pix`] of the validated skills' pix.
    fn national_level(&self, k: usize) -> u8 {
        let st = &self.states[k];
        let top = self.pool.competences[st.pool]
            .scale
            .top(self.plan.competences[k].max_level);
        level_of_pix(self.national_pix(k), top)
    }

    /// The national positioning score of the plan's k-th competence: ⌊the sum of the values of
    /// the skills validated so far⌋, exactly (a right answer validates its skill and the easier
    /// skills of its tube; a wrong one invalidates its skill and the harder ones).
    pub fn national_pix(&self, k: usize) -> u32 {
        let Some(st) = self.states.get(k) else { return 0 };
        let cap = self.plan.competences[k].max_level;
        let scale = &self.pool.competences[st.pool].scale;
        scale.pix_of(|s| st.skill_status[s] == 1, cap).floor()
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
        if let Some(set) = &self.pool.items[q.item].set
            && !self.sets_shown.contains(set)
        {
            self.sets_shown.push(set.clone());
        }
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
            if let Some(sp) = &mut self.structure {
                sp.add_row(k, cpool.set.likelihood_row(local, score));
                self.refresh_structured();
            }
            self.update_ends(k);
        }
        Ok(status)
    }

    /// Updates the structured posterior (weights, θ̂ and SE) of every competence still asking,
    /// after a response (a finished competence is scored afresh by [`Session::profile`]).
    fn refresh_structured(&mut self) {
        let Some(sp) = &self.structure else { return };
        let eap = self.config.estimator == EstimatorKind::Eap;
        let mut buffer = Vec::with_capacity(self.pool.grid.len());
        for (d, st) in self.states.iter_mut().enumerate() {
            if st.done() {
                continue;
            }
            let (mean, sd) = sp.marginal_into(d, &mut buffer);
            if eap {
                st.theta = mean;
            }
            st.se = sd;
            match &mut st.structured {
                Some(p) => p.set_normalised(&buffer, mean, sd),
                None => st.structured = Some(LinearPosterior::from_normalised(buffer.clone(), mean, sd)),
            }
        }
    }

    /// Stops the competences that are done: competence `k` (just answered) at its maximum, and
    /// every competence with its minimum whose SE reached its target (with a profile structure
    /// an answer in one competence moves the SE of all of them).
    fn update_ends(&mut self, k: usize) {
        for (d, (st, cp)) in self.states.iter_mut().zip(&self.plan.competences).enumerate() {
            if st.done() {
                continue;
            }
            let n = st.responses.len();
            if d == k && n >= cp.max_items {
                st.end = Some(End::MaxItems);
            } else if n >= cp.min_items && st.se <= cp.se_target && (d == k || self.structure.is_some()) {
                st.end = Some(End::Precise);
            }
        }
    }

    /// The profile from the scored responses so far, per `SCORING.md` (version 2): for every
    /// competence the structured score (reported) and the separate one, each scored by
    /// [`jauge_irt::scoring::PixScale::score`] (θ and SE the posterior mean and SD, the pix of
    /// the posterior median, the 90% interval, the level and the cap), and
    /// [`NotAssessed`] when it got fewer scored answers than the plan's minimum (at least 1).
    pub fn profile(&self) -> Profile {
        let mut out = Vec::new();
        let nodes = self.pool.grid.nodes();
        for (k, (cp, st)) in self.plan.competences.iter().zip(&self.states).enumerate() {
            let cpool = &self.pool.competences[st.pool];
            let mut post = Posterior::new(&self.pool.grid);
            let n = self.pool.grid.len();
            for &(j, right) in &st.responses {
                let row = cpool.set.log_row(j);
                post.add_log_likelihood_row(if right { &row[..n] } else { &row[n..] });
            }
            let separate = cpool.scale.score(&post, cp.max_level);
            let score = match &self.structure {
                Some(sp) if cp.loading != 0.0 => {
                    let m = sp.marginal(k);
                    cpool
                        .scale
                        .score_weights(nodes, &m.weights, m.mean, m.sd, cp.max_level)
                }
                _ => separate,
            };
            let answered = st.responses.len();
            let minimum = cp.min_items.min(cp.max_items).max(1);
            let not_assessed = (answered < minimum).then(|| NotAssessed {
                answered,
                minimum,
                reason: if st.end == Some(End::NoItemsLeft) {
                    NotAssessedReason::NoItemsLeft
                } else if self.scored_total >= self.plan.max_total {
                    NotAssessedReason::SessionLimit
                } else {
                    NotAssessedReason::Unfinished
                },
            });
            out.push(CompetenceScore {
                code: cp.code.clone(),
                items: answered,
                score,
                separate,
                not_assessed,
            });
        }
        let total_pix = out.iter().filter(|c| c.is_assessed()).map(|c| c.score.pix).sum();
        Profile {
            competences: out,
            total_pix,
            structured: self.structure.is_some(),
        }
    }
}
