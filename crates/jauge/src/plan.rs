//! Plans as data: what a session or a campaign assesses, stored as JSON.

use jauge_bank::Bank;
use jauge_engine::Plan;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// What a session assesses, as stored in campaigns and sessions (JSON). Every field may be left
/// out: no competence and no tube means the 16 competences of the framework, and the engine's
/// defaults apply (full profile with the bank's structure: 3–8 questions per competence until
/// its structured SE ≤ 0.56, at most 64 in all; with the independent model: 4–7 per competence
/// until SE ≤ 0.55, at most 112 in all; one competence: 4–20 items until SE ≤ 0.4).
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
    /// The profile structure: the bank's (the default) or the independent model
    /// (`SCORING.md`). A campaign may ask for `"independent"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structure: Option<StructureChoice>,
    /// Unscored pretest items (being calibrated) seeded into the session, when the bank has
    /// pretest items in the plan's competences ([`DEFAULT_PRETEST`] when left out; 0: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretest: Option<usize>,
}

/// Which profile structure a plan uses (`SCORING.md`, "Profile structure").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StructureChoice {
    /// The structure in force in the bank (`calibration/structure*.toml`); independent when the
    /// bank has none.
    #[default]
    Bank,
    /// Every competence scored from its own answers only (all loadings 0).
    Independent,
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

    /// The engine's plan for a resolved spec (see [`PlanSpec::resolve`]). The loadings are the
    /// bank's structure in force unless the spec asks for the independent model; a plan of a
    /// single competence is always independent (with no other competence, the structure
    /// carries no information).
    pub fn engine_plan(&self, bank: &Bank) -> Plan {
        let structure = match self.structure.unwrap_or_default() {
            StructureChoice::Bank => bank.structure.as_ref(),
            StructureChoice::Independent => None,
        };
        let mut plan = if self.competences.len() == 1 {
            Plan::single(self.competences[0].clone())
        } else {
            Plan::full_profile_for(self.competences.clone(), |c| {
                structure.map_or(0.0, |s| s.loading(c))
            })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Bank {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../item-bank");
        jauge_bank::load_dir(&dir).unwrap().bank
    }

    #[test]
    fn the_bank_structure_reaches_the_engine_plan() {
        let bank = bundled();
        let s = bank
            .structure
            .as_ref()
            .expect("the bundled bank ships a structure");
        assert_eq!(s.status, jauge_bank::structure::StructureStatus::Assumed);
        let all = PlanSpec::default().resolve(&bank).unwrap();
        let plan = all.engine_plan(&bank);
        assert_eq!(plan.competences.len(), 16);
        assert!(
            plan.competences
                .iter()
                .all(|c| (c.loading - 0.5f64.sqrt()).abs() < 1e-12)
        );
        // the structured defaults
        let mut expected = Plan::full_profile_for(all.competences.clone(), |_| 0.5f64.sqrt());
        expected.pretest = DEFAULT_PRETEST;
        assert_eq!(plan, expected);
        assert_eq!((plan.max_total, plan.competences[0].min_items), (64, 3));
        // a campaign asking for the independent model
        let independent = PlanSpec {
            structure: Some(StructureChoice::Independent),
            ..PlanSpec::default()
        }
        .resolve(&bank)
        .unwrap();
        let plan = independent.engine_plan(&bank);
        assert!(!plan.is_structured());
        let mut expected = Plan::full_profile_independent(all.competences.clone());
        expected.pretest = DEFAULT_PRETEST;
        assert_eq!(plan, expected);
        // one competence: independent, the single-competence defaults
        let one = PlanSpec::competences(["1.3"])
            .resolve(&bank)
            .unwrap()
            .engine_plan(&bank);
        assert!(!one.is_structured());
        assert_eq!(one.max_total, 20);
        // the choice is stored as JSON and read back
        let json = serde_json::to_string(&independent).unwrap();
        assert!(json.contains(r#""structure":"independent""#), "{json}");
        let back: PlanSpec = serde_json::from_str(&json).unwrap();
        assert_eq!(back, independent);
    }
}
