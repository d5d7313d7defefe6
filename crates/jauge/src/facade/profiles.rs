//! An agent's results: the latest per competence ([`Jauge::profile`]) and every finished session
//! ([`Jauge::history`]), with their JSON form (the keys of `CONTRACTS.md`, shared by the
//! command line and the service).

use std::collections::HashMap;

use jauge_store::{NotAssessed, ProfileSnapshot, SessionRecord};
use serde_json::{Value, json};

use super::{Jauge, SCORING_VERSION};
use crate::Result;

/// One competence in a profile or a session: its score, where it comes from, or why it has none.
#[derive(Debug, Clone, PartialEq)]
pub struct CompetenceResult {
    /// The competence code (`1.1` …).
    pub code: String,
    /// The score in force (`None`: not assessed).
    pub score: Option<ProfileSnapshot>,
    /// The public id of the session the score comes from.
    pub session: Option<String>,
    /// The score comes from a simulated session.
    pub simulated: bool,
    /// Why there is no score, when a session tried and could not give one (too few answers…).
    pub not_assessed: Option<String>,
}

impl CompetenceResult {
    fn none(code: &str) -> Self {
        Self {
            code: code.into(),
            score: None,
            session: None,
            simulated: false,
            not_assessed: None,
        }
    }

    /// The JSON of `CONTRACTS.md` (`profile show --json`): every key present, `null` when not
    /// assessed; never NaN.
    pub fn to_json(&self) -> Value {
        let p = self.score.as_ref();
        json!({
            "code": self.code,
            "level": p.map(|p| p.level),
            "pix": p.map(|p| p.pix),
            "pix_low": p.map(|p| p.pix_low),
            "pix_high": p.map(|p| p.pix_high),
            "theta": p.map(|p| num(p.theta)),
            "se": p.map(|p| num(p.se)),
            "assessed_at": p.map(|p| p.assessed_at.to_string()),
            "capped_at": p.and_then(|p| p.capped_at),
            "theta_separate": p.and_then(|p| p.theta_separate).map(num),
            "se_separate": p.and_then(|p| p.se_separate).map(num),
            "scoring_version": p.map(|p| p.scoring_version.clone()),
            // scores recorded before scoring version 2 did not say: its model was independent
            "structure": p.map(|p| p.structure.as_deref().unwrap_or("independent")),
            "session": self.session,
            "simulated": self.simulated,
            "not_assessed": self.not_assessed,
        })
    }
}

/// A JSON number, or `null` for NaN and infinities (which JSON cannot hold).
pub fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// An agent's results, one entry per competence of the bank.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentProfile {
    /// The agent's id.
    pub agent: String,
    /// Σ pix of the latest results.
    pub total_pix: u32,
    /// The bank version of the latest session contributing (the current bank when none).
    pub bank_version: String,
    /// The scoring version of the latest score contributing (each competence says its own).
    pub scoring_version: String,
    /// The profile structure of the latest score contributing.
    pub structure: String,
    /// Some score comes from a simulated session.
    pub simulated: bool,
    /// The latest finished result of every competence of the bank.
    pub competences: Vec<CompetenceResult>,
}

impl AgentProfile {
    /// The JSON of `jauge profile show --json` (`CONTRACTS.md`).
    pub fn to_json(&self) -> Value {
        json!({
            "agent": self.agent,
            "total_pix": self.total_pix,
            "bank_version": self.bank_version,
            "scoring_version": self.scoring_version,
            "structure": self.structure,
            "simulated": self.simulated,
            "competences": self.competences.iter().map(CompetenceResult::to_json).collect::<Vec<_>>(),
        })
    }
}

/// One finished session in an agent's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// The session's public id.
    pub session: String,
    /// When it finished.
    pub finished_at: Option<jiff::Timestamp>,
    /// Its bank version.
    pub bank_version: String,
    /// The scoring version it was run under (its scores may have been rescored since: each
    /// competence says the version of its score in force).
    pub scoring_version: String,
    /// The profile structure the session's scores assumed (`assumed`, `estimated` or
    /// `independent`; scores recorded before scoring version 2 were independent); `None` when
    /// the session scored no competence.
    pub structure: Option<String>,
    /// Answered by a simulated agent.
    pub simulated: bool,
    /// Every competence of the bank, with this session's result.
    pub competences: Vec<CompetenceResult>,
}

impl HistoryEntry {
    /// One session of `jauge profile history --json`.
    pub fn to_json(&self) -> Value {
        json!({
            "session": self.session,
            "finished_at": self.finished_at.map(|t| t.to_string()),
            "bank_version": self.bank_version,
            "scoring_version": self.scoring_version,
            "structure": self.structure,
            "simulated": self.simulated,
            "competences": self.competences.iter().map(CompetenceResult::to_json).collect::<Vec<_>>(),
        })
    }
}

impl Jauge {
    fn competence_codes(&self) -> Vec<String> {
        self.bank
            .framework
            .competences
            .iter()
            .map(|c| c.code.clone())
            .collect()
    }

    /// The codes of the bank, then any other code met in `extra` (a competence since removed).
    fn codes_with<'a>(&self, extra: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut codes = self.competence_codes();
        for c in extra {
            if !codes.iter().any(|k| k == c) {
                codes.push(c.to_owned());
            }
        }
        codes
    }

    /// The name of the profile structure a score assumed (`CONTRACTS.md`): `independent` when
    /// the plan's loadings are all 0 (a single competence, a campaign asking for it, or a bank
    /// without a structure), else the status of the bank's structure in force (`assumed` or
    /// `estimated`).
    pub(crate) fn structure_label(&self, structured: bool) -> &'static str {
        match (structured, &self.bank.structure) {
            (false, _) => "independent",
            (true, Some(s)) => s.status.name(),
            (true, None) => "assumed",
        }
    }

    /// The snapshot of one competence score of an engine profile, under this build's scoring
    /// version, dated `at`; `bank_version` when scored on another bank than the session's.
    pub(crate) fn snapshot(
        &self,
        c: &jauge_engine::session::CompetenceScore,
        at: jiff::Timestamp,
        structured: bool,
        bank_version: Option<String>,
    ) -> ProfileSnapshot {
        ProfileSnapshot {
            competence: c.code.clone(),
            theta: c.score.theta,
            se: c.score.se,
            pix: c.score.pix,
            pix_low: c.score.pix_low,
            pix_high: c.score.pix_high,
            level: c.score.level,
            capped_at: c.score.capped_at,
            assessed_at: at,
            scoring_version: SCORING_VERSION.into(),
            theta_separate: Some(c.separate.theta),
            se_separate: Some(c.separate.se),
            structure: Some(self.structure_label(structured).into()),
            bank_version,
            superseded_at: None,
        }
    }

    /// Finished sessions with their scores in force and competences left unscored.
    #[allow(clippy::type_complexity)]
    fn finished(&self, agent: i64) -> Result<Vec<(SessionRecord, Vec<ProfileSnapshot>, Vec<NotAssessed>)>> {
        let store = self.store();
        let mut out = Vec::new();
        for (s, snaps) in store.history(agent)? {
            let not = store.not_assessed(s.id)?;
            out.push((s, snaps, not));
        }
        Ok(out)
    }

    /// The agent's latest finished result per competence, every competence of the bank listed.
    /// A competence the latest attempts could not score keeps its earlier score; with none, it
    /// is reported not assessed, with the reason when a session tried.
    pub fn profile(&self, agent: &str) -> Result<AgentProfile> {
        let a = self.agent(agent)?;
        let history = self.finished(a.id)?;
        let mut latest: HashMap<&str, (&ProfileSnapshot, &SessionRecord)> = HashMap::new();
        let mut reasons: HashMap<&str, String> = HashMap::new();
        for (s, snaps, not) in &history {
            for p in snaps {
                latest.insert(&p.competence, (p, s));
            }
            for n in not {
                reasons.insert(&n.competence, format!("{} (session {})", n.reason, s.uid));
            }
        }
        let newest = latest
            .values()
            .max_by_key(|(p, s)| (s.finished_at, p.assessed_at, s.id))
            .copied();
        let codes = self.codes_with(latest.keys().copied());
        let competences: Vec<CompetenceResult> = codes
            .iter()
            .map(|c| match latest.get(c.as_str()) {
                Some((p, s)) => CompetenceResult {
                    code: c.clone(),
                    score: Some((*p).clone()),
                    session: Some(s.uid.clone()),
                    simulated: s.simulated,
                    not_assessed: None,
                },
                None => CompetenceResult {
                    not_assessed: reasons.get(c.as_str()).cloned(),
                    ..CompetenceResult::none(c)
                },
            })
            .collect();
        Ok(AgentProfile {
            agent: a.external_id,
            total_pix: competences
                .iter()
                .filter_map(|c| c.score.as_ref())
                .map(|p| p.pix)
                .sum(),
            bank_version: newest.map_or_else(
                || self.bank.version.clone(),
                |(p, s)| p.bank_version.clone().unwrap_or_else(|| s.bank_version.clone()),
            ),
            scoring_version: newest
                .map_or_else(|| SCORING_VERSION.into(), |(p, _)| p.scoring_version.clone()),
            structure: newest
                .and_then(|(p, _)| p.structure.clone())
                .unwrap_or_else(|| self.structure_label(false).into()),
            simulated: competences.iter().any(|c| c.simulated),
            competences,
        })
    }

    /// The agent's finished sessions, oldest first, every competence of the bank listed in each.
    pub fn history(&self, agent: &str) -> Result<Vec<HistoryEntry>> {
        let a = self.agent(agent)?;
        let history = self.finished(a.id)?;
        Ok(history
            .into_iter()
            .map(|(s, snaps, not)| {
                let codes = self.codes_with(
                    snaps
                        .iter()
                        .map(|p| p.competence.as_str())
                        .chain(not.iter().map(|n| n.competence.as_str())),
                );
                let competences = codes
                    .iter()
                    .map(|c| match snaps.iter().find(|p| &p.competence == c) {
                        Some(p) => CompetenceResult {
                            code: c.clone(),
                            score: Some(p.clone()),
                            session: Some(s.uid.clone()),
                            simulated: s.simulated,
                            not_assessed: None,
                        },
                        None => CompetenceResult {
                            not_assessed: not.iter().find(|n| &n.competence == c).map(|n| n.reason.clone()),
                            ..CompetenceResult::none(c)
                        },
                    })
                    .collect();
                let structure = snaps.first().map(|p| {
                    p.structure
                        .clone()
                        .unwrap_or_else(|| self.structure_label(false).into())
                });
                HistoryEntry {
                    structure,
                    session: s.uid,
                    finished_at: s.finished_at,
                    bank_version: s.bank_version,
                    scoring_version: s.scoring_version,
                    simulated: s.simulated,
                    competences,
                }
            })
            .collect())
    }
}
