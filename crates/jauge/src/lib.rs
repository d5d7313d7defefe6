//! Jauge, the library: adaptive assessment of the digital competencies of public servants.
//!
//! This crate puts the item bank (`jauge-bank`), the adaptive engine (`jauge-engine`) and the
//! store (`jauge-store`) together behind one small API for the applications that embed Jauge:
//! - [`Jauge::open`] a validated bank and a database (SQLite, created on first use);
//! - [`Jauge::start`] a session for an agent and a plan ([`PlanChoice`]: all 16 competences,
//!   a list, a [`PlanSpec`], or a campaign) or [`Jauge::resume`] the agent's unfinished one;
//! - [`Assessment::next_question`] gives the question as shown (no solution in it), recorded as
//!   pending before it is returned; [`Assessment::submit`] judges the answer, feeds the engine
//!   and commits the response in its own transaction; [`Assessment::finish`] records the
//!   profile;
//! - [`Jauge::profile`] and [`Jauge::history`] read an agent's results; organisations,
//!   campaigns and agents are administered through the same handle.
//!
//! A [`Jauge`] is `Send + Sync`: share it between threads, one [`Assessment`] per agent. Times
//! come from a [`Clock`] ([`SystemClock`] in production, [`ManualClock`] in tests).
//!
//! ```
//! use jauge::{Answer, Jauge, StartOptions, SystemClock};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let bank = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../item-bank");
//! let dir = std::env::temp_dir().join(format!("jauge-doc-{}", std::process::id()));
//! let jauge = Jauge::open(&bank, &dir.join("jauge.db"))?;
//! let clock = SystemClock;
//! let mut options = StartOptions::new("camille.martin@example.gouv.fr");
//! options.plan = jauge::PlanChoice::Competences(vec!["1.1".into()]);
//! let mut session = jauge.start(&options, &clock)?;
//! while let Some(q) = session.next_question(&clock)? {
//!     // show q.question (Markdown, options in order) and read the agent's answer; here, the
//!     // first option or a typed text
//!     let answer = match q.question.options.first() {
//!         Some(o) => Answer::Options(vec![o.id.clone()]),
//!         None if q.question.item_type == jauge::bank::ItemType::Number => Answer::Number("1".into()),
//!         None => Answer::Texts(vec!["?".into(); q.question.blanks.len().max(1)]),
//!     };
//!     session.submit(&answer, &clock)?;
//! }
//! let report = session.finish(&clock)?;
//! assert_eq!(report.competences[0].competence, "1.1");
//! let profile = jauge.profile("camille.martin@example.gouv.fr")?;
//! assert_eq!(profile.competences.len(), 16);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod answers;
mod error;
mod facade;
mod plan;
pub mod pool;
mod reuse;
mod settings;
mod simulate;
pub mod simulation;

pub use answers::{answer_json, parse_answer};
pub use error::{Error, Result};
pub use facade::assessment::{Assessment, Missed, Progress, QuestionView, Report, Submitted};
pub use facade::profiles::{AgentProfile, CompetenceResult, HistoryEntry, num};
pub use facade::rescore::{RescoreReport, Rescored};
pub use facade::sessions::{PlanChoice, StartOptions};
pub use facade::{ENGINE_VERSION, Jauge, SCORING_VERSION, SystemClock};
pub use jauge_bank::{Answer, Lang, Refusal, ShownQuestion, Verdict};
pub use jauge_engine::{Clock, ManualClock};
pub use jauge_store::{Agent, Campaign, NotAssessed, Organisation, ProfileSnapshot};
pub use plan::{PlanSpec, StructureChoice};
pub use reuse::ReusePolicy;

pub use jauge_bank as bank;
pub use jauge_engine as engine;
pub use jauge_irt as irt;
pub use jauge_store as store;

#[cfg(test)]
mod tests {
    fn send_sync<T: Send + Sync>() {}

    #[test]
    fn the_handle_is_shareable() {
        send_sync::<crate::Jauge>();
    }
}
