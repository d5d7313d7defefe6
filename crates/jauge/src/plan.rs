//! Plans as data: what a session or a campaign assesses, stored as JSON.

use jauge_bank::Bank;
use jauge_engine::Plan;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// What a session assesses, as stored in campaigns and sessions (JSON). Every field may be left
/// out: no competence and no tube means the 16 competences of the framework, and the engine's
/// defaults apply (full profile: 4–7 items per competence until SE ≤ 0.55, at most 112 in all;
/// one competence: 4–20 items until SE ≤ 0.4).
///
/// ```
/// let spec: jauge::PlanSpec = serde_json::from_str(r#"{"competences": ["1.1", "4.2"], "max_level": 5}"#).unwrap();
/// assert_eq!(spec.competences, ["1.1", "4.2"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSpec {
    /// Competence codes (`1.1` …); empty = those of `tubes`, or all of them.
    #[serde(default)]
    pub competences: Vec<String>,
    /// Only these tubes in the competences they belong to (the others keep all their tubes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tubes: Option<Vec<String>>,
    /// Highest level asked (a target profile): results above it are capped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_level: Option<u8>,
    /// At most this many scored items per competence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<usize>,
    /// At least this many scored items per competence (when the bank has them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<usize>,
    /// Stop a competence once its SE is at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_target: Option<f64>,
    /// At most this many scored items in the whole session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total: Option<usize>,
    /// Unscored pretest items (being calibrated) seeded into the session, when the bank has
    /// pretest items in the plan's competences ([`DEFAULT_PRETEST`] when left out; 0: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretest: Option<usize>,
}

/// Pretest items seeded into a session by default: 2, a small share of a session (2 of 64 in a
/// full profile) that still gathers the few hundred responses an item's calibration needs within
/// a campaign (`docs/calibration.md`). They are shown like any question, recorded as pretest,
/// never scored.
pub const DEFAULT_PRETEST: usize = 2;

impl PlanSpec {
    /// A plan over these competences (empty: all).
    pub fn competences<S: Into<String>>(codes: impl IntoIterator<Item = S>) -> Self {
        Self {
            competences: codes.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// The same plan with the competence list made explicit and checked against `bank`
    /// (framework order, no duplicates). Errors name the unknown competence or tube.
    pub fn resolve(&self, bank: &Bank) -> Result<PlanSpec> {
        let fw = &bank.framework;
        let mut wanted: Vec<String> = Vec::new();
        for c in &self.competences {
            if fw.competence(c).is_none() {
                let known: Vec<&str> = fw.competences.iter().map(|c| c.code.as_str()).collect();
                return Err(Error::Plan(format!(
                    "unknown competence `{c}` (the bank has {})",
                    known.join(", ")
                )));
            }
            wanted.push(c.clone());
        }
        if let Some(tubes) = &self.tubes {
            if tubes.is_empty() {
                return Err(Error::Plan("an empty list of tubes".into()));
            }
            for t in tubes {
                let Some((comp, _)) = fw.tube(t) else {
                    return Err(Error::Plan(format!(
                        "unknown tube `{t}` (`jauge bank stats` lists the bank's content)"
                    )));
                };
                if self.competences.is_empty() {
                    wanted.push(comp.code.clone());
                } else if !self.competences.contains(&comp.code) {
                    return Err(Error::Plan(format!(
                        "tube `{t}` belongs to competence {}, which the plan does not assess",
                        comp.code
                    )));
                }
            }
        }
        if wanted.is_empty() {
            wanted = fw.competences.iter().map(|c| c.code.clone()).collect();
        }
        let ordered: Vec<String> = fw
            .competences
            .iter()
            .map(|c| c.code.clone())
            .filter(|c| wanted.contains(c))
            .collect();
        if let Some(l) = self.max_level
            && !(1..=8).contains(&l)
        {
            return Err(Error::Plan(format!("max level {l}: levels go from 1 to 8")));
        }
        if self.pretest.is_some_and(|p| p > 10) {
            return Err(Error::Plan(format!(
                "{} pretest items: at most 10 per session (they are not scored)",
                self.pretest.unwrap_or(0)
            )));
        }
        if self.max_items == Some(0) || self.max_total == Some(0) {
            return Err(Error::Plan("a plan of 0 items".into()));
        }
        if let Some(se) = self.se_target
            && !(se.is_finite() && se > 0.0)
        {
            return Err(Error::Plan(format!("SE target {se}: give a positive number")));
        }
        Ok(PlanSpec {
            competences: ordered,
            ..self.clone()
        })
    }

    /// The engine's plan for a resolved spec (see [`PlanSpec::resolve`]).
    pub fn engine_plan(&self, bank: &Bank) -> Plan {
        let mut plan = if self.competences.len() == 1 {
            Plan::single(self.competences[0].clone())
        } else {
            Plan::full_profile(self.competences.clone())
        };
        for cp in &mut plan.competences {
            if let Some(m) = self.max_items {
                cp.max_items = m;
            }
            if let Some(m) = self.min_items {
                cp.min_items = m;
            }
            cp.min_items = cp.min_items.min(cp.max_items);
            if let Some(se) = self.se_target {
                cp.se_target = se;
            }
            cp.max_level = self.max_level;
            if let Some(tubes) = &self.tubes {
                let own: Vec<String> = tubes
                    .iter()
                    .filter(|t| bank.framework.tube(t).is_some_and(|(c, _)| c.code == cp.code))
                    .cloned()
                    .collect();
                if !own.is_empty() {
                    cp.tubes = Some(own);
                }
            }
        }
        plan.pretest = self.pretest.unwrap_or(DEFAULT_PRETEST);
        if let Some(m) = self.max_total {
            plan.max_total = m;
        } else if let Some(m) = self.max_items {
            plan.max_total = m.saturating_mul(plan.competences.len());
        }
        plan
    }
}
