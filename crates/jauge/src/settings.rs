//! What a session fixes when it starts, stored with it (the session record's `plan` JSON), so
//! that its replay depends on nothing else: the plan as resolved (every default written out),
//! the engine's settings, the agent's adjustments and time factor, and the reuse policy that
//! chose the excluded items (the excluded items themselves are a column of the session).
//!
//! The engine's plan is mirrored here field by field (the engine has no serialisation
//! dependency): both conversions destructure every field, so a field added to the engine's
//! [`Plan`] does not compile until it is stored here too.

use jauge_engine::session::CompetencePlan;
use jauge_engine::session::plan::CompetenceOrder;
use jauge_engine::{EstimatorKind, Plan, SessionRule};
use serde::{Deserialize, Serialize};

use crate::plan::PlanSpec;
use crate::reuse::ReusePolicy;

/// One competence of a resolved plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredCompetence {
    pub code: String,
    pub tubes: Option<Vec<String>>,
    pub max_level: Option<u8>,
    pub min_items: usize,
    pub max_items: usize,
    pub se_target: f64,
    /// λ on the profile structure's general factor (0: independent).
    pub loading: f64,
}

/// The engine's plan with every value written out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredPlan {
    pub competences: Vec<StoredCompetence>,
    pub max_total: usize,
    pub pretest: usize,
    pub one_per_tube: bool,
    pub max_levels_above: u8,
    pub start_theta: f64,
    /// `round_robin` or `largest_se`.
    pub order: String,
}

fn order_name(o: CompetenceOrder) -> &'static str {
    match o {
        CompetenceOrder::RoundRobin => "round_robin",
        CompetenceOrder::LargestSe => "largest_se",
    }
}

impl StoredPlan {
    pub fn of(plan: &Plan) -> Self {
        let Plan {
            competences,
            max_total,
            pretest,
            one_per_tube,
            max_levels_above,
            start_theta,
            order,
        } = plan;
        Self {
            competences: competences
                .iter()
                .map(|c| {
                    let CompetencePlan {
                        code,
                        tubes,
                        max_level,
                        min_items,
                        max_items,
                        se_target,
                        loading,
                    } = c;
                    StoredCompetence {
                        code: code.clone(),
                        tubes: tubes.clone(),
                        max_level: *max_level,
                        min_items: *min_items,
                        max_items: *max_items,
                        se_target: *se_target,
                        loading: *loading,
                    }
                })
                .collect(),
            max_total: *max_total,
            pretest: *pretest,
            one_per_tube: *one_per_tube,
            max_levels_above: *max_levels_above,
            start_theta: *start_theta,
            order: order_name(*order).into(),
        }
    }

    /// The engine's plan; `None` for a competence order this build does not know.
    pub fn to_engine(&self) -> Option<Plan> {
        let Self {
            competences,
            max_total,
            pretest,
            one_per_tube,
            max_levels_above,
            start_theta,
            order,
        } = self;
        let order = [CompetenceOrder::RoundRobin, CompetenceOrder::LargestSe]
            .into_iter()
            .find(|o| order_name(*o) == order)?;
        Some(Plan {
            competences: competences
                .iter()
                .map(|c| CompetencePlan {
                    code: c.code.clone(),
                    tubes: c.tubes.clone(),
                    max_level: c.max_level,
                    min_items: c.min_items,
                    max_items: c.max_items,
                    se_target: c.se_target,
                    loading: c.loading,
                })
                .collect(),
            max_total: *max_total,
            pretest: *pretest,
            one_per_tube: *one_per_tube,
            max_levels_above: *max_levels_above,
            start_theta: *start_theta,
            order,
        })
    }
}

/// The engine's settings besides the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredConfig {
    /// `mfi`, `kl`, `random`, `skills`.
    pub rule: String,
    /// `eap`, `map`, `mle`, `wle`.
    pub estimator: String,
    pub randomesque: usize,
    /// Whether the bank's Sympson–Hetter exposure parameters (`calibration/exposure.toml`, part
    /// of the bank version) control the selection; false in sessions recorded before exposure
    /// control was on by default.
    #[serde(default)]
    pub exposure: bool,
}

impl StoredConfig {
    pub fn of(rule: SessionRule, estimator: EstimatorKind, randomesque: usize, exposure: bool) -> Self {
        Self {
            rule: match rule {
                SessionRule::Mfi => "mfi",
                SessionRule::Kl => "kl",
                SessionRule::Random => "random",
                SessionRule::Skills => "skills",
            }
            .into(),
            estimator: estimator.name().into(),
            randomesque,
            exposure,
        }
    }

    pub fn rule(&self) -> Option<SessionRule> {
        Some(match self.rule.as_str() {
            "mfi" => SessionRule::Mfi,
            "kl" => SessionRule::Kl,
            "random" => SessionRule::Random,
            "skills" => SessionRule::Skills,
            _ => return None,
        })
    }

    pub fn estimator(&self) -> Option<EstimatorKind> {
        Some(match self.estimator.as_str() {
            "eap" => EstimatorKind::Eap,
            "map" => EstimatorKind::Map,
            "mle" => EstimatorKind::Mle,
            "wle" => EstimatorKind::Wle,
            _ => return None,
        })
    }
}

/// What a session stores as its plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SessionPlan {
    /// The resolved plan as asked (competence list explicit).
    pub plan: PlanSpec,
    /// The agent's accessibility adjustments (canonical spelling).
    #[serde(default)]
    pub adjustments: Vec<String>,
    /// The agent's time factor.
    #[serde(default = "one")]
    pub time_factor: f64,
    /// Written by the first versions, which recomputed the excluded items at every resume:
    /// read only to recognise such a session.
    #[serde(default, skip_serializing)]
    pub avoid_seen: bool,
    /// The engine's plan as resolved at the start (absent in sessions of the first versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<StoredPlan>,
    /// The engine's settings at the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<StoredConfig>,
    /// The reuse policy that chose the excluded items (none for a simulated session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reuse: Option<ReusePolicy>,
}

fn one() -> f64 {
    1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_survives_the_round_trip_through_json() {
        let mut plan = Plan::full_profile(["1.1", "2.3"]);
        plan.pretest = 2;
        plan.competences[1].tubes = Some(vec!["t".into()]);
        plan.competences[1].max_level = Some(4);
        plan.competences[0].loading = 0.6;
        plan.order = CompetenceOrder::LargestSe;
        let json = serde_json::to_string(&StoredPlan::of(&plan)).unwrap();
        let back: StoredPlan = serde_json::from_str(&json).unwrap();
        assert_eq!(back.to_engine(), Some(plan));
        let c = StoredConfig::of(SessionRule::Kl, EstimatorKind::Wle, 3, true);
        assert_eq!(c.rule(), Some(SessionRule::Kl));
        assert_eq!(c.estimator(), Some(EstimatorKind::Wle));
        let back: StoredConfig = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        // a session recorded before exposure control was stored: replayed without it
        let old: StoredConfig =
            serde_json::from_str(r#"{"rule":"mfi","estimator":"eap","randomesque":1}"#).unwrap();
        assert!(!old.exposure);
    }
}
