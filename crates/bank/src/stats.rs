//! `jauge bank stats`: live items per (competence, level) cell, per type, and the skills with
//! their pix values (`CONTRACTS.md`, `SCORING.md`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Bank, ItemType, Status};

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
        Stats {
            version: self.version.clone(),
            live_items: self.live_items().count(),
            items: self.items.len(),
            statuses,
            cells,
            types,
            skills,
        }
    }
}
