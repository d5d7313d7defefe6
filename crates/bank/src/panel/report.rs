//! The panel's report: each item's current ratings, median, spread and flags, and the agreement
//! figures of each round (`jauge bank panel report`).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{
    FLAGGING_TAGS, MIN_RATINGS, PANEL_LEVELS, Rating, Ratings, item_hash, krippendorff_alpha_interval, median,
};
use crate::model::{Bank, Item, Status};

/// Why an item needs the panel's attention again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PanelFlag {
    /// The median of its current ratings differs from its declared level by 2 or more.
    OffLevel,
    /// Its current ratings spread over 2 levels or more (highest − lowest ≥ 2).
    Spread,
    /// A current note reports a wrong key or an ambiguity (`[wrong-key]`, `[ambiguous]`).
    Defect,
    /// At levels 4–7, fewer than 3 current ratings.
    FewRatings,
}

impl PanelFlag {
    /// The flag's name, as in the JSON report.
    pub fn name(self) -> &'static str {
        match self {
            PanelFlag::OffLevel => "off-level",
            PanelFlag::Spread => "spread",
            PanelFlag::Defect => "defect",
            PanelFlag::FewRatings => "few-ratings",
        }
    }
}

/// The panel's view of one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemSummary {
    /// The item's id.
    pub item: String,
    /// Its competence.
    pub competence: String,
    /// Its declared level.
    pub declared: u8,
    /// Its status.
    pub status: Status,
    /// Its current [`item_hash`].
    pub item_hash: String,
    /// Its current ratings (this version; one per rater, the latest round), by rater.
    pub ratings: Vec<Rating>,
    /// Its ratings of earlier versions (stale: the item was changed since).
    pub stale: usize,
    /// The median of the current ratings.
    pub median: Option<f64>,
    /// Highest − lowest current rating.
    pub spread: Option<u8>,
    /// The defect tags of the current notes, each once.
    pub defects: Vec<String>,
    /// What needs attention.
    pub flags: Vec<PanelFlag>,
}

impl ItemSummary {
    /// Whether the item is flagged (other than for lacking ratings).
    pub fn is_flagged(&self) -> bool {
        self.flags.iter().any(|f| *f != PanelFlag::FewRatings)
    }
}

/// The agreement figures over a set of rated items (a round, or the current ratings).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Items rated (an item rated in two versions in one round counts twice).
    pub items: usize,
    /// Ratings counted.
    pub ratings: usize,
    /// Distinct raters.
    pub raters: usize,
    /// Share of items whose median equals the declared level.
    pub exact: Option<f64>,
    /// Share whose median is within one level of the declared level.
    pub within_one: Option<f64>,
    /// Mean |median − declared|.
    pub mean_abs_diff: Option<f64>,
    /// Share with |median − declared| ≥ 2.
    pub off_level: Option<f64>,
    /// Share whose ratings spread over 2 levels or more.
    pub spread: Option<f64>,
    /// Inter-rater agreement: Krippendorff's alpha, interval metric, over the items with two
    /// ratings or more (`null` when undefined).
    pub alpha: Option<f64>,
    /// Share of pairs of ratings of one item that give the same level.
    pub pairwise_exact: Option<f64>,
}

/// A round's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundAgreement {
    /// The round.
    pub round: u32,
    /// Its figures. The declared level is the one recorded with the ratings (`declared`), else
    /// the item's current level.
    #[serde(flatten)]
    pub summary: Summary,
}

/// `jauge bank panel report`: every item at the panel's levels or with ratings, and the figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanelReport {
    /// The bank's version.
    pub version: String,
    /// Items (not archived) at levels 4–7 or with ratings, by competence, level and id.
    pub items: Vec<ItemSummary>,
    /// Items flagged (off-level, spread or defect).
    pub flagged: usize,
    /// Items at levels 4–7 with fewer than 3 current ratings.
    pub needing_ratings: usize,
    /// Ratings whose item has changed since.
    pub stale_ratings: usize,
    /// Per round, in order.
    pub rounds: Vec<RoundAgreement>,
    /// The same figures over the current ratings of the items as they are now.
    pub current: Summary,
}

/// One item's summary from its current ratings.
pub(crate) fn summarise(item: &Item, ratings: &Ratings) -> ItemSummary {
    let hash = item_hash(item);
    let current: Vec<Rating> = ratings.current(&item.id, &hash).into_iter().cloned().collect();
    let stale = ratings
        .rows
        .iter()
        .filter(|r| r.item == item.id && r.item_hash != hash)
        .count();
    let levels: Vec<u8> = current.iter().map(|r| r.level).collect();
    let med = median(&levels);
    let spread = levels
        .iter()
        .max()
        .zip(levels.iter().min())
        .map(|(hi, lo)| hi - lo);
    let mut defects: Vec<String> = Vec::new();
    for r in &current {
        for t in r.tags() {
            if !defects.iter().any(|d| d == t) {
                defects.push(t.to_string());
            }
        }
    }
    let mut flags = Vec::new();
    if med.is_some_and(|m| (m - f64::from(item.level)).abs() >= 2.0) {
        flags.push(PanelFlag::OffLevel);
    }
    if spread.is_some_and(|s| s >= 2) {
        flags.push(PanelFlag::Spread);
    }
    if defects.iter().any(|d| FLAGGING_TAGS.contains(&d.as_str())) {
        flags.push(PanelFlag::Defect);
    }
    if PANEL_LEVELS.contains(&item.level) && current.len() < MIN_RATINGS {
        flags.push(PanelFlag::FewRatings);
    }
    ItemSummary {
        item: item.id.clone(),
        competence: item.competence.clone(),
        declared: item.level,
        status: item.status,
        item_hash: hash,
        ratings: current,
        stale,
        median: med,
        spread,
        defects,
        flags,
    }
}

/// The figures over `units`: (declared level, the ratings of one item version).
fn summary(units: &[(u8, Vec<&Rating>)]) -> Summary {
    let rated: Vec<&(u8, Vec<&Rating>)> = units.iter().filter(|(_, r)| !r.is_empty()).collect();
    let n = rated.len();
    let share = |count: usize| (n > 0).then(|| count as f64 / n as f64);
    let diffs: Vec<f64> = rated
        .iter()
        .filter_map(|(declared, rs)| {
            let levels: Vec<u8> = rs.iter().map(|r| r.level).collect();
            median(&levels).map(|m| (m - f64::from(*declared)).abs())
        })
        .collect();
    let spreads = rated
        .iter()
        .filter(|(_, rs)| {
            let hi = rs.iter().map(|r| r.level).max().unwrap_or(0);
            let lo = rs.iter().map(|r| r.level).min().unwrap_or(0);
            hi - lo >= 2
        })
        .count();
    let values: Vec<Vec<f64>> = rated
        .iter()
        .map(|(_, rs)| rs.iter().map(|r| f64::from(r.level)).collect())
        .collect();
    let (mut pairs, mut same) = (0usize, 0usize);
    for (_, rs) in &rated {
        for (i, a) in rs.iter().enumerate() {
            for b in &rs[i + 1..] {
                pairs += 1;
                same += usize::from(a.level == b.level);
            }
        }
    }
    let raters: BTreeSet<&str> = rated
        .iter()
        .flat_map(|(_, rs)| rs.iter().map(|r| r.rater.as_str()))
        .collect();
    Summary {
        items: n,
        ratings: rated.iter().map(|(_, r)| r.len()).sum(),
        raters: raters.len(),
        exact: share(diffs.iter().filter(|d| **d == 0.0).count()),
        within_one: share(diffs.iter().filter(|d| **d <= 1.0).count()),
        mean_abs_diff: (n > 0).then(|| diffs.iter().sum::<f64>() / n as f64),
        off_level: share(diffs.iter().filter(|d| **d >= 2.0).count()),
        spread: share(spreads),
        alpha: krippendorff_alpha_interval(&values),
        pairwise_exact: (pairs > 0).then(|| same as f64 / pairs as f64),
    }
}

/// The panel report of `bank` with `ratings`.
pub fn report(bank: &Bank, ratings: &Ratings) -> PanelReport {
    let rated: BTreeSet<&str> = ratings.rows.iter().map(|r| r.item.as_str()).collect();
    let mut items: Vec<ItemSummary> = bank
        .items
        .iter()
        .filter(|i| i.status != Status::Archived)
        .filter(|i| PANEL_LEVELS.contains(&i.level) || rated.contains(i.id.as_str()))
        .map(|i| summarise(i, ratings))
        .collect();
    items.sort_by(|a, b| (&a.competence, a.declared, &a.item).cmp(&(&b.competence, b.declared, &b.item)));
    let hashes: BTreeMap<&str, (String, u8)> = bank
        .items
        .iter()
        .map(|i| (i.id.as_str(), (item_hash(i), i.level)))
        .collect();
    let stale_ratings = ratings
        .rows
        .iter()
        .filter(|r| {
            hashes
                .get(r.item.as_str())
                .is_some_and(|(h, _)| *h != r.item_hash)
        })
        .count();
    // Per round: the units are (item, version); the declared level is the one recorded with the
    // ratings, else the item's current level.
    let rounds: BTreeSet<u32> = ratings.rows.iter().map(|r| r.round).collect();
    let rounds = rounds
        .into_iter()
        .map(|round| {
            let mut groups: BTreeMap<(&str, &str), Vec<&Rating>> = BTreeMap::new();
            for r in ratings.rows.iter().filter(|r| r.round == round) {
                groups.entry((&r.item, &r.item_hash)).or_default().push(r);
            }
            let units: Vec<(u8, Vec<&Rating>)> = groups
                .into_iter()
                .filter_map(|((item, _), rs)| {
                    let declared = rs
                        .iter()
                        .find_map(|r| r.declared)
                        .or_else(|| hashes.get(item).map(|(_, level)| *level))?;
                    Some((declared, rs))
                })
                .collect();
            RoundAgreement {
                round,
                summary: summary(&units),
            }
        })
        .collect();
    let current_units: Vec<(u8, Vec<&Rating>)> = items
        .iter()
        .map(|s| (s.declared, s.ratings.iter().collect()))
        .collect();
    let current = summary(&current_units);
    PanelReport {
        version: bank.version.clone(),
        flagged: items.iter().filter(|s| s.is_flagged()).count(),
        needing_ratings: items
            .iter()
            .filter(|s| s.flags.contains(&PanelFlag::FewRatings))
            .count(),
        stale_ratings,
        items,
        rounds,
        current,
    }
}
