//! `jauge bank stats`: live items per (competence, level) cell, per type, the skills with
//! their pix values (`CONTRACTS.md`, `SCORING.md`), and the number of right options of the
//! multiple-choice items.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Bank, ItemType, Kind, Status};

/// The most right options a `multiple` item can have: 8 options, not all right.
pub const MAX_MULTIPLE_RIGHT: usize = 7;

/// A (competence, level) cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// The competence's code.
    pub competence: String,
    /// The level.
    pub level: u8,
    /// Its live items.
    pub live: usize,
    /// Its skills with at least one live item.
    pub skills: usize,
}

/// A skill with at least one live item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkillStats {
    /// `@<tube><level>`.
    pub id: String,
    /// The competence's code.
    pub competence: String,
    /// The tube.
    pub tube: String,
    /// The level.
    pub level: u8,
    /// Its pix value v = min(4, 8 / n), n = skills of the cell (`SCORING.md`).
    pub pix: f64,
    /// Its location τ = the mean b of its live items.
    pub location: f64,
    /// Its live items.
    pub live: usize,
}

/// The live `multiple` items of one competence with one number of right options among one
/// number of options (e.g. 3 right of 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MultipleShape {
    /// The competence's code.
    pub competence: String,
    /// The number of right options.
    pub right: usize,
    /// The number of options.
    pub options: usize,
    /// Its live items.
    pub live: usize,
}

/// The bank's statistics, as `jauge bank stats --json` prints them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// The bank's version.
    pub version: String,
    /// Live items in the bank.
    pub live_items: usize,
    /// Items of every status.
    pub items: usize,
    /// Items per status.
    pub statuses: BTreeMap<&'static str, usize>,
    /// Every competence × every level up to its highest open level, zeros included.
    pub cells: Vec<Cell>,
    /// Live items per type, every type present.
    pub types: BTreeMap<&'static str, usize>,
    /// The skills with live items, by competence, level and tube.
    pub skills: Vec<SkillStats>,
    /// Live `multiple` items by number of right options, 1 to [`MAX_MULTIPLE_RIGHT`], zeros
    /// included: the agent should not be able to guess how many to tick.
    pub multiple_right: BTreeMap<usize, usize>,
    /// Live `multiple` items by competence, number of right options and number of options (the
    /// shapes present), in that order.
    pub multiple_shapes: Vec<MultipleShape>,
}

impl Bank {
    /// The bank's statistics (live items only, except `items` and `statuses`).
    pub fn stats(&self) -> Stats {
        let live_skills = self.live_skills();
        let mut cells = Vec::new();
        let mut skills = Vec::new();
        for comp in &self.framework.competences {
            for level in 1..=comp.max_level {
                let in_cell: Vec<_> = live_skills
                    .iter()
                    .filter(|((c, l, _), _)| *c == comp.code && *l == level)
                    .collect();
                let n = in_cell.len();
                cells.push(Cell {
                    competence: comp.code.clone(),
                    level,
                    live: in_cell.iter().map(|(_, items)| items.len()).sum(),
                    skills: n,
                });
                for ((_, _, tube), items) in in_cell {
                    let location = items.iter().map(|i| i.params().b()).sum::<f64>() / items.len() as f64;
                    skills.push(SkillStats {
                        id: crate::model::skill_id(tube, level),
                        competence: comp.code.clone(),
                        tube: tube.clone(),
                        level,
                        pix: jauge_irt::scoring::skill_value(n),
                        location,
                        live: items.len(),
                    });
                }
            }
        }
        let mut types: BTreeMap<&'static str, usize> = ItemType::ALL.iter().map(|t| (t.name(), 0)).collect();
        for item in self.live_items() {
            *types.entry(item.item_type().name()).or_default() += 1;
        }
        let mut statuses: BTreeMap<&'static str, usize> = Status::ALL.iter().map(|s| (s.name(), 0)).collect();
        for item in &self.items {
            *statuses.entry(item.status.name()).or_default() += 1;
        }
        let mut multiple_right: BTreeMap<usize, usize> = (1..=MAX_MULTIPLE_RIGHT).map(|n| (n, 0)).collect();
        let mut shapes: BTreeMap<(String, usize, usize), usize> = BTreeMap::new();
        for item in self.live_items() {
            if let Kind::Multiple {
                options, solution, ..
            } = &item.kind
            {
                *multiple_right.entry(solution.len()).or_default() += 1;
                *shapes
                    .entry((item.competence.clone(), solution.len(), options.len()))
                    .or_default() += 1;
            }
        }
        let multiple_shapes = shapes
            .into_iter()
            .map(|((competence, right, options), live)| MultipleShape {
                competence,
                right,
                options,
                live,
            })
            .collect();
        Stats {
            version: self.version.clone(),
            live_items: self.live_items().count(),
            items: self.items.len(),
            statuses,
            cells,
            types,
            skills,
            multiple_right,
            multiple_shapes,
        }
    }
}
