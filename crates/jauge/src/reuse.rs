//! The reuse policy: which items an agent who comes back may see again.
//!
//! An agent retakes the assessment (a campaign each year, a new try after training). Showing
//! the same questions again measures memory, not competence; but a bank has a few items per
//! (competence, level) cell, and excluding every item ever seen runs a competence out of
//! questions after a few sessions (it then stops early and its score drifts). The policy
//! (`docs/assessments.md`):
//! - an item the agent saw (in any real session: finished, abandoned or unfinished; simulated
//!   sessions do not count) less than [`ReusePolicy::window_days`] ago is excluded;
//! - but every (competence, level) cell the plan can use keeps a reserve of available items (all
//!   its items, when it has fewer): when fewer unseen ones remain, recently seen items come back,
//!   the longest unseen first (ties by id). The reserve is half the competence's maximum length
//!   in the plan, and at least [`ReusePolicy::min_reserve`]: a competence's questions come from
//!   at least two cells for any agent (the level ceiling follows the estimate), so every session
//!   can still run to its full length — a retake is as long and as precise as the first
//!   session, which is what keeps the level of an agent who answers alike from drifting.
//!
//! The result is computed once, when the session starts, and stored with it.

use std::collections::{BTreeMap, HashMap};

use jauge_engine::{ItemStatus, Plan, Pool};
use jauge_store::SeenItem;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// How long a seen item stays excluded and how many items each cell keeps available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReusePolicy {
    /// An item seen less than this many days ago is excluded (unless its cell runs short).
    pub window_days: u32,
    /// Items each (competence, level) cell of the plan keeps available at least, whatever the
    /// plan's length.
    pub min_reserve: usize,
}

impl Default for ReusePolicy {
    /// One year, and at least 4 items per cell: `docs/assessments.md` gives the reasons.
    fn default() -> Self {
        Self {
            window_days: 365,
            min_reserve: 4,
        }
    }
}

/// Whether the plan can give `item` to an agent with `adjustments` (its competence, tubes and
/// maximum level, and the accessibility tags; canonical spellings on both sides).
fn usable(plan: &Plan, item: &jauge_engine::PoolItem, adjustments: &[String]) -> bool {
    plan.competences
        .iter()
        .find(|c| c.code == item.competence)
        .is_some_and(|cp| {
            cp.tubes.as_ref().is_none_or(|t| t.contains(&item.tube))
                && cp.max_level.is_none_or(|m| item.level <= m)
                && !item.accessibility.iter().any(|tag| {
                    tag.strip_prefix("no-")
                        .is_some_and(|a| adjustments.iter().any(|x| x == a))
                })
        })
}

/// One (competence, level) cell: how many of its usable items are unseen, and the recently seen
/// ones with when they were last shown.
#[derive(Default)]
struct Cell<'a> {
    unseen: usize,
    seen: Vec<(Timestamp, &'a str)>,
}

impl ReusePolicy {
    /// The items a cell of a competence of at most `max_items` questions keeps available.
    pub fn reserve(&self, max_items: usize) -> usize {
        self.min_reserve.max(max_items.div_ceil(2))
    }

    /// The items to exclude from a session starting at `now` under `plan`, given what the agent
    /// saw: sorted ids. Pretest items seen recently are always excluded (no cell needs them).
    pub fn excluded(
        &self,
        seen: &[SeenItem],
        pool: &Pool,
        plan: &Plan,
        adjustments: &[String],
        now: Timestamp,
    ) -> Vec<String> {
        let window = SignedDuration::from_hours(24 * i64::from(self.window_days));
        let since = now.checked_sub(window).unwrap_or(Timestamp::MIN);
        let recent: HashMap<&str, Timestamp> = seen
            .iter()
            .filter(|s| s.last_shown > since)
            .map(|s| (s.item.as_str(), s.last_shown))
            .collect();
        let mut cells: BTreeMap<(&str, u8), Cell<'_>> = BTreeMap::new();
        let reserve: HashMap<&str, usize> = plan
            .competences
            .iter()
            .map(|c| (c.code.as_str(), self.reserve(c.max_items)))
            .collect();
        let mut out: Vec<String> = Vec::new();
        for it in pool.items() {
            if !usable(plan, it, adjustments) {
                continue;
            }
            let when = recent.get(it.id.as_str());
            if it.status == ItemStatus::Pretest {
                if when.is_some() {
                    out.push(it.id.clone());
                }
                continue;
            }
            let cell = cells.entry((&it.competence, it.level)).or_default();
            match when {
                Some(&t) => cell.seen.push((t, &it.id)),
                None => cell.unseen += 1,
            }
        }
        for ((code, _), Cell { unseen, mut seen }) in cells {
            // the longest unseen come back first
            seen.sort();
            let keep = reserve.get(code).copied().unwrap_or(self.min_reserve);
            let back = keep.saturating_sub(unseen).min(seen.len());
            out.extend(seen[back..].iter().map(|(_, id)| (*id).to_owned()));
        }
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jauge_engine::PoolItem;
    use jauge_irt::{Grid, ItemParams};

    fn item(id: &str, level: u8) -> PoolItem {
        PoolItem {
            id: id.into(),
            competence: "1.1".into(),
            tube: "t".into(),
            level,
            params: ItemParams::rasch(0.8 * (f64::from(level) - 3.5)).unwrap(),
            status: ItemStatus::Live,
            time_limit: None,
            accessibility: vec![],
            set: None,
        }
    }

    fn t(days: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH
            .checked_add(SignedDuration::from_hours(24 * days))
            .unwrap()
    }

    #[test]
    fn recent_items_are_excluded_until_a_cell_runs_short_then_the_longest_unseen_come_back() {
        let pool = Pool::new(
            (0..6)
                .map(|k| item(&format!("a{k}"), 1))
                .chain((0..3).map(|k| item(&format!("b{k}"), 2)))
                .collect(),
            &Grid::standard(),
        );
        // at most 7 questions: a reserve of 4 per cell
        let plan = Plan::full_profile(["1.1"]);
        let seen = |id: &str, day: i64| SeenItem {
            item: id.into(),
            last_shown: t(day),
        };
        let policy = ReusePolicy::default();
        assert_eq!(policy.reserve(7), 4);
        assert_eq!(policy.reserve(20), 10);
        let now = t(1000);
        // level 1: 6 items, 2 seen recently → 4 unseen left: both stay excluded
        let s = [seen("a0", 990), seen("a1", 900)];
        assert_eq!(policy.excluded(&s, &pool, &plan, &[], now), ["a0", "a1"]);
        // 4 seen → 2 unseen: the 2 longest unseen come back (a3 on day 700, a1 on day 900)
        let s = [seen("a0", 990), seen("a1", 900), seen("a2", 950), seen("a3", 700)];
        assert_eq!(policy.excluded(&s, &pool, &plan, &[], now), ["a0", "a2"]);
        // level 2 has only 3 items: all stay available, seen or not
        let s = [seen("b0", 999), seen("b1", 999)];
        assert!(policy.excluded(&s, &pool, &plan, &[], now).is_empty());
        // seen more than a year ago: no longer excluded
        let s = [seen("a0", 600), seen("a1", 500)];
        assert!(policy.excluded(&s, &pool, &plan, &[], now).is_empty());
        // an item outside the plan is not a concern of the plan
        let s = [seen("zz", 999)];
        assert!(policy.excluded(&s, &pool, &plan, &[], now).is_empty());
        // a longer plan (20 questions) keeps 10 per cell: nothing excluded from 6
        let s = [seen("a0", 990), seen("a1", 900)];
        assert!(
            policy
                .excluded(&s, &pool, &Plan::single("1.1"), &[], now)
                .is_empty()
        );
    }
}
