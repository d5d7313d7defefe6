//! Plans (what a session assesses and when it stops) and session settings.

use std::collections::HashSet;

use crate::estimate::EstimatorKind;

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
    /// Stop the competence once its SE ≤ this (after `min_items`); the SE is the structured
    /// posterior's when the plan has a profile structure.
    pub se_target: f64,
    /// The competence's loading λ on the general factor of the profile structure
    /// (`SCORING.md`): 0 (the default) is the independent model.
    pub loading: f64,
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
    /// How the next competence is chosen.
    pub order: CompetenceOrder,
}

/// How a session chooses the competence of its next question, among those not finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompetenceOrder {
    /// The competence with the fewest scored items (plan order on ties): a round robin.
    #[default]
    RoundRobin,
    /// A round robin until every competence has its minimum, then the competence whose
    /// (structured) SE is the largest (fewest items, then plan order, on ties). One item of
    /// information I lowers a posterior variance v by v − 1/(1/v + I) = v² I / (1 + v I), which
    /// grows with v: with items of comparable information, the largest SE is where the next
    /// question buys the most precision, and under a total ceiling this equalises the SEs.
    LargestSe,
}

impl Plan {
    /// The full-profile defaults with a profile structure (`docs/simulation.md`, "The default
    /// full-profile plan"): per competence at least 3 questions of its own and at most 8, stop
    /// a competence once its structured SE ≤ 0.56, at most 64 questions in all, the next
    /// competence the one of largest SE once every minimum is met. Set the loadings with
    /// [`Plan::set_loadings`] (or use [`Plan::full_profile_for`]); without them the plan runs
    /// independently, for which [`Plan::full_profile_independent`] is the tuned default.
    ///
    /// Chosen by simulation on the bundled bank: with the structure of the population, a mean
    /// of at most 64 questions measures θ better than 16 separate tests of 10 questions (160),
    /// with as good a level accuracy and a profile shape within 0.03 of theirs.
    pub fn full_profile(codes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let mut plan = Self::with(codes, 3, 8, 0.56, 64);
        plan.order = CompetenceOrder::LargestSe;
        plan
    }

    /// The full-profile defaults of the independent model (every competence from its own
    /// answers only): per competence at least 4 and at most 7 items, stop when SE ≤ 0.55, at
    /// most 112 in all (16 × 7), a round robin.
    ///
    /// Tuned by simulation on the bundled bank (`docs/simulation.md`): the first defaults
    /// (4–10 per competence, 120 in all) let the total cap stop the session first, so the
    /// competences listed first got 8 questions and the last ones 7; with 7 each, every
    /// competence gets the same precision, 8 questions fewer.
    pub fn full_profile_independent(codes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self::with(codes, 4, 7, 0.55, 112)
    }

    /// The full-profile plan for a structure: [`Plan::full_profile`] with `loading(code)` as
    /// every competence's loading when some loading is not 0 and there are at least two
    /// competences, else [`Plan::full_profile_independent`].
    pub fn full_profile_for(
        codes: impl IntoIterator<Item = impl Into<String>>,
        loading: impl Fn(&str) -> f64,
    ) -> Self {
        let codes: Vec<String> = codes.into_iter().map(Into::into).collect();
        if codes.len() > 1 && codes.iter().any(|c| loading(c) != 0.0) {
            let mut plan = Self::full_profile(codes);
            plan.set_loadings(loading);
            plan
        } else {
            Self::full_profile_independent(codes)
        }
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
                    loading: 0.0,
                })
                .collect(),
            max_total,
            pretest: 0,
            one_per_tube: true,
            max_levels_above: 2,
            start_theta: 0.0,
            order: CompetenceOrder::RoundRobin,
        }
    }

    /// Sets every competence's loading from the profile structure in force: `loading(code)`
    /// (0 for a competence it does not name; values are checked when the session starts).
    pub fn set_loadings(&mut self, loading: impl Fn(&str) -> f64) {
        for cp in &mut self.competences {
            cp.loading = loading(&cp.code);
        }
    }

    /// Whether any competence has a non-zero loading (the structured posterior is in use).
    pub fn is_structured(&self) -> bool {
        self.competences.iter().any(|c| c.loading != 0.0)
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
