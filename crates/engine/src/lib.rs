//! The adaptive engine of Jauge: item selection, exposure control, content balancing, stopping,
//! scoring and simulation.
//!
//! The engine does no I/O: callers hand it items ([`ItemSet`] for a bare item file, [`Pool`] of
//! [`PoolItem`]s for a bank), a plan and answers, and get back the next question, estimates and
//! profiles. Every random draw derives from (seed, unit, purpose, step) through ChaCha8 streams
//! ([`rng`]), so a run is reproducible, independent of the number of threads, and a session can
//! be rebuilt from its seed and its recorded responses.
//!
//! The parts, each small and replaceable (after catsim's initializer / selector / estimator /
//! stopper decomposition):
//! - selection: [`select::Selector`] — maximum information with certified short lists
//!   ([`index`]), posterior-weighted KL, random, and the national skill-based rule;
//! - estimation: [`estimate::AbilityEstimator`] — EAP on the grid (default), MAP, MLE, WLE;
//! - exposure: randomesque and Sympson–Hetter ([`exposure`]);
//! - sessions: plans, content balancing, pretest seeding, timing and profiles ([`session`]);
//! - simulation over an item file ([`simulate`]) or a pool with a plan ([`session::simulate_pool`]).
//!
//! ```
//! use jauge_engine::{ItemSet, SimConfig, Simulation, Truth, EstimatorKind, select::MaxInfo};
//! use jauge_irt::{Grid, ItemParams};
//!
//! let grid = Grid::standard();
//! let items: Vec<ItemParams> =
//!     (0..50).map(|k| ItemParams::two_pl(1.2, -2.5 + 0.1 * k as f64).unwrap()).collect();
//! let set = ItemSet::new(items, &grid);
//! let config = SimConfig { length: 10, ..SimConfig::default() };
//! let sim = Simulation {
//!     set: &set, index: None, grid: &grid, selector: &MaxInfo { randomesque: 1 },
//!     estimator: &EstimatorKind::Eap, config: &config,
//! };
//! let out = sim.run(Truth::Thetas(&[0.5, -1.0]), 2).unwrap();
//! assert_eq!(out[0].items.len(), 10);
//! ```
#![deny(missing_docs)]

mod error;
pub mod estimate;
pub mod exposure;
pub mod index;
mod itemset;
pub mod rng;
pub mod select;
pub mod session;
pub mod simulate;

pub use error::EngineError;
pub use estimate::{AbilityEstimator, Estimate, EstimatorKind, LinearPosterior};
pub use index::InfoIndex;
pub use itemset::{ItemSet, information, peak};
pub use select::{SelectRule, Selector};
pub use session::{
    Clock, ItemStatus, ManualClock, Plan, Pool, PoolItem, Profile, Session, SessionConfig, SessionRule,
    fit_sympson_hetter_pool, simulate_pool,
};

pub use simulate::{ExamineeResult, ResponseMatrix, SimConfig, Simulation, Summary, Truth, summarise};
