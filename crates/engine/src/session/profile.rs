//! The profile a session produces (`SCORING.md`, version 2): per competence the structured score
//! (reported), the separate score (the competence's own answers under the independent N(0, 1)
//! prior), and whether the competence was assessed at all.

use jauge_irt::scoring::PixScore;

/// The scoring rules a profile follows (`SCORING.md`): 2 = the pix of the posterior median and
/// the profile structure.
pub const SCORING_VERSION: u32 = 2;

/// Why a competence of a plan is reported as not assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAssessedReason {
    /// No eligible question was left for it: the items it could use were seen recently,
    /// excluded by an accessibility adjustment, outside the plan's tubes or maximum level, or
    /// more than the allowed levels above the estimate.
    NoItemsLeft,
    /// The session's total number of questions was reached before its minimum.
    SessionLimit,
    /// The session has not given it its minimum yet (the profile of an unfinished session).
    Unfinished,
}

impl NotAssessedReason {
    /// A stable machine-readable name: `no_items_left`, `session_limit`, `unfinished`.
    pub fn code(self) -> &'static str {
        match self {
            Self::NoItemsLeft => "no_items_left",
            Self::SessionLimit => "session_limit",
            Self::Unfinished => "unfinished",
        }
    }
}

/// A competence that got fewer scored answers than the plan's minimum: never scored, counted as
/// 0 in the total and reported as not assessed (`SCORING.md`), with the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAssessed {
    /// Scored answers it got.
    pub answered: usize,
    /// The plan's minimum (at least 1).
    pub minimum: usize,
    /// Why it got fewer.
    pub reason: NotAssessedReason,
}

impl std::fmt::Display for NotAssessed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = match self.reason {
            NotAssessedReason::NoItemsLeft => {
                "no eligible question was left (questions seen recently, accessibility adjustments, the plan's tubes or maximum level)"
            }
            NotAssessedReason::SessionLimit => "the session reached its total number of questions first",
            NotAssessedReason::Unfinished => "the session is not finished",
        };
        write!(
            f,
            "not assessed: {} scored answer(s) of the {} required; {why}",
            self.answered, self.minimum
        )
    }
}

/// One competence of a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct CompetenceScore {
    /// The competence code.
    pub code: String,
    /// Scored items.
    pub items: usize,
    /// The reported score: the structured posterior's θ, SE, pix, interval, level and cap (the
    /// same as `separate` when the competence's loading is 0, the independent model).
    pub score: PixScore,
    /// The separate score: the independent N(0, 1) prior and this competence's own scored
    /// answers only, so that a result can be explained from them alone.
    pub separate: PixScore,
    /// `Some` when the competence got fewer answers than the plan's minimum: it is then not
    /// assessed (`score` and `separate` are what the answers would give, never to be reported).
    pub not_assessed: Option<NotAssessed>,
}

impl CompetenceScore {
    /// Whether the competence is assessed (got at least the plan's minimum of answers).
    pub fn is_assessed(&self) -> bool {
        self.not_assessed.is_none()
    }
}

/// The profile a session produces (`SCORING.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Per competence of the plan.
    pub competences: Vec<CompetenceScore>,
    /// Σ pix over the assessed competences (a competence not assessed counts 0).
    pub total_pix: u32,
    /// Whether the reported scores use a profile structure (some loading is not 0).
    pub structured: bool,
}
