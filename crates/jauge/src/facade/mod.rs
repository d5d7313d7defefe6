//! The engine handle ([`Jauge`]): opening, administration (organisations, campaigns, agents).
//! Sessions are in [`sessions`] and [`assessment`], results in [`profiles`].

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use jauge_bank::{Bank, Item};
use jauge_engine::{Clock, Pool};
use jauge_irt::Grid;
use jauge_store::{Agent, Campaign, NewCampaign, Organisation, SessionRecord, Store};
use jiff::Timestamp;

use crate::plan::PlanSpec;
use crate::pool::{canonical_adjustment, pool_from_bank};
use crate::reuse::ReusePolicy;
use crate::{Error, Result};

pub mod assessment;
mod by_uid;
pub mod profiles;
pub mod rescore;
pub mod sessions;

/// The version of the scoring definition (`SCORING.md`) recorded with every session and every
/// score: the engine's ([`jauge_engine::session::SCORING_VERSION`]).
pub const SCORING_VERSION: &str = "2";

const _: () = assert!(
    jauge_engine::session::SCORING_VERSION == 2,
    "SCORING_VERSION must follow the engine's"
);

/// The version of the engine recorded with every session.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The wall clock, in milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        Timestamp::now().as_millisecond().max(0) as u64
    }
}

pub(crate) fn stamp(ms: u64) -> Timestamp {
    Timestamp::from_millisecond(ms.min(i64::MAX as u64) as i64).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(crate) fn millis(t: Timestamp) -> u64 {
    t.as_millisecond().max(0) as u64
}

/// Jauge opened on a bank and a database: the entry point of the embedding API. It is `Send +
/// Sync`: share one (e.g. in an `Arc`) between threads and run many sessions at once; writes to
/// the database are serialised by a mutex, one transaction each.
#[derive(Debug)]
pub struct Jauge {
    bank: Bank,
    index: HashMap<String, usize>,
    pool: Pool,
    store: Mutex<Store>,
    reuse: ReusePolicy,
}

impl Jauge {
    /// Opens the bank in `bank_dir` (it must validate without error) and the database at `db`
    /// (created, readable by its owner only, when missing; migrated when older). The bank is
    /// checked first, so that nothing is written when it fails.
    pub fn open(bank_dir: &Path, db: &Path) -> Result<Self> {
        let bank = load_bank(bank_dir)?;
        Ok(Self::with(bank, Store::open(db)?))
    }

    /// As [`Jauge::open`], but the database must exist (for tools that only read).
    pub fn open_existing(bank_dir: &Path, db: &Path) -> Result<Self> {
        let bank = load_bank(bank_dir)?;
        Ok(Self::with(bank, Store::open_existing(db)?))
    }

    /// Jauge over a bank already loaded and a store already open.
    pub fn with(bank: Bank, store: Store) -> Self {
        let pool = pool_from_bank(&bank, &Grid::standard());
        let index = bank
            .items
            .iter()
            .enumerate()
            .map(|(k, i)| (i.id.clone(), k))
            .collect();
        Self {
            bank,
            index,
            pool,
            store: Mutex::new(store),
            reuse: ReusePolicy::default(),
        }
    }

    /// The same handle with another reuse policy for the sessions it starts (the default is
    /// [`ReusePolicy::default`]; `docs/assessments.md`).
    pub fn with_reuse_policy(mut self, policy: ReusePolicy) -> Self {
        self.reuse = policy;
        self
    }

    /// The reuse policy applied to the sessions this handle starts.
    pub fn reuse_policy(&self) -> ReusePolicy {
        self.reuse
    }

    /// The bank.
    pub fn bank(&self) -> &Bank {
        &self.bank
    }

    /// The bank's version (content hash), recorded with every session.
    pub fn bank_version(&self) -> &str {
        &self.bank.version
    }

    /// The highest open level of competence `code` and the most pix it can give (Σ of its
    /// skills' values up to that level, `SCORING.md`): what a level and a pix are "out of".
    pub fn competence_max(&self, code: &str) -> Option<(u8, u32)> {
        self.pool
            .scale(code)
            .map(|s| (s.max_level(), s.pix_floor(f64::INFINITY, None)))
    }

    /// Locks the store (a poisoned lock is recovered: every write is one transaction).
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn item(&self, id: &str) -> Option<&Item> {
        self.index.get(id).map(|&k| &self.bank.items[k])
    }

    // ------------------------------------------------------------ administration

    /// Creates an organisation.
    pub fn create_organisation(&self, code: &str, name: &str) -> Result<Organisation> {
        Ok(self.store().create_organisation(code, name)?)
    }

    /// Every organisation, by code.
    pub fn organisations(&self) -> Result<Vec<Organisation>> {
        Ok(self.store().organisations()?)
    }

    /// Creates a campaign with `plan` (checked against the bank and stored resolved).
    pub fn create_campaign(
        &self,
        name: &str,
        organisation: Option<&str>,
        plan: &PlanSpec,
        opens_at: Option<Timestamp>,
        closes_at: Option<Timestamp>,
    ) -> Result<Campaign> {
        let plan = plan.resolve(&self.bank)?;
        if let (Some(o), Some(c)) = (opens_at, closes_at)
            && c < o
        {
            return Err(Error::Plan(format!(
                "the campaign closes ({c}) before it opens ({o})"
            )));
        }
        let json = serde_json::to_string(&plan).map_err(|e| Error::Plan(e.to_string()))?;
        Ok(self.store().create_campaign(&NewCampaign {
            name: name.into(),
            organisation: organisation.map(str::to_owned),
            plan: json,
            opens_at,
            closes_at,
        })?)
    }

    /// Every campaign, by name.
    pub fn campaigns(&self) -> Result<Vec<Campaign>> {
        Ok(self.store().campaigns()?)
    }

    /// The campaign of this name and its plan; [`Error::UnknownCampaign`] when there is none.
    pub fn campaign(&self, name: &str) -> Result<(Campaign, PlanSpec)> {
        let c = self
            .store()
            .campaign(name)?
            .ok_or_else(|| Error::UnknownCampaign(name.into()))?;
        let spec = serde_json::from_str(&c.plan).map_err(|e| Error::Record {
            session: format!("campaign {name}"),
            why: e.to_string(),
        })?;
        Ok((c, spec))
    }

    /// The agent of this id.
    pub fn agent(&self, id: &str) -> Result<Agent> {
        self.store()
            .agent(id)?
            .ok_or_else(|| Error::UnknownAgent(id.into()))
    }

    /// The agents (of one organisation).
    pub fn agents(&self, organisation: Option<&str>) -> Result<Vec<Agent>> {
        Ok(self.store().agents(organisation)?)
    }

    /// Creates the agent if unknown (in `organisation`).
    pub fn agent_or_create(&self, id: &str, organisation: Option<&str>) -> Result<Agent> {
        Ok(self.store().agent_or_create(id, organisation)?)
    }

    /// Sets an agent's accessibility adjustments (e.g. `screen-reader`) and time factor (≥ 1;
    /// 1.5 is the default for an agent with an adjustment). They apply to sessions started
    /// afterwards. Adjustments are stored in their canonical spelling (lower case, `-` between
    /// words: `Screen_Reader` is `screen-reader`), the spelling of the bank's `no-…` tags.
    pub fn set_adjustments(&self, id: &str, adjustments: &[String], time_factor: f64) -> Result<Agent> {
        if !(time_factor.is_finite() && (1.0..=10.0).contains(&time_factor)) {
            return Err(Error::Plan(format!(
                "time factor {time_factor}: give a number from 1 to 10"
            )));
        }
        let mut canonical: Vec<String> = Vec::new();
        for a in adjustments {
            jauge_store::validate_code("adjustment", a)?;
            let c = canonical_adjustment(a);
            if !canonical.contains(&c) {
                canonical.push(c);
            }
        }
        let agent = self.agent(id)?;
        let mut store = self.store();
        store.set_adjustments(agent.id, &canonical, time_factor)?;
        Ok(store.agent_by_key(agent.id)?.unwrap_or(agent))
    }

    /// The agent's unfinished session, if any.
    pub fn unfinished(&self, agent: &str) -> Result<Option<SessionRecord>> {
        let store = self.store();
        let Some(a) = store.agent(agent)? else {
            return Ok(None);
        };
        Ok(store.active_session(a.id)?)
    }

    /// Abandons the agent's unfinished session (its responses are kept); returns its id.
    pub fn abandon(&self, agent: &str, clock: &dyn Clock) -> Result<Option<String>> {
        let mut store = self.store();
        let Some(a) = store.agent(agent)? else {
            return Ok(None);
        };
        let Some(s) = store.active_session(a.id)? else {
            return Ok(None);
        };
        store.abandon_session(s.id, stamp(clock.now_ms()))?;
        Ok(Some(s.uid))
    }
}

pub(crate) fn load_bank(dir: &Path) -> Result<Bank> {
    let loaded = jauge_bank::load_dir(dir)?;
    let errors = loaded.errors();
    if errors > 0 {
        let first = loaded
            .diagnostics
            .iter()
            .find(|d| d.is_error())
            .map(|d| d.to_string())
            .unwrap_or_default();
        return Err(Error::InvalidBank {
            dir: dir.to_path_buf(),
            errors,
            first,
        });
    }
    Ok(loaded.bank)
}
