//! The checks across items (variants, repeated questions) and across cells (thin cells, single
//! skills), run once every file is read.

use std::collections::{HashMap, HashSet};

use super::{Loader, MIN_LIVE_PER_CELL};
use crate::diagnostic::{Severity, did_you_mean};
use crate::model::{Item, Lang, Status, Tolerances, Translated};
use crate::normalize::normalize;

impl Loader {
    /// Checks across items: variants, repeated questions.
    pub(super) fn cross_checks(&mut self) {
        let mut seen: Translated<HashMap<String, usize>> = Translated::default();
        let tol = Tolerances::default();
        for (i, (item, pos)) in self.items.iter().zip(&self.positions).enumerate() {
            if let (Some(v), Some(vpos)) = (&item.variant_of, &pos.variant_of) {
                match self.items.iter().find(|x| &x.id == v) {
                    None => self.diags.push(
                        vpos.diag(
                            Severity::Error,
                            "unknown-variant",
                            Some(&item.id),
                            format!("variant_of names an unknown item `{v}`"),
                            did_you_mean(v, self.items.iter().map(|x| x.id.as_str()))
                                .map(|s| format!("did you mean `{s}`?")),
                        ),
                    ),
                    Some(other) if other.skill != item.skill => self.diags.push(vpos.diag(
                        Severity::Warning,
                        "variant-other-skill",
                        Some(&item.id),
                        format!(
                            "variant of `{v}`, which tests {} while this item tests {}",
                            other.skill, item.skill
                        ),
                        Some("a variant tests the same skill the same way".into()),
                    )),
                    _ => {}
                }
            }
            if item.status == Status::Archived {
                continue;
            }
            for lang in Lang::ALL {
                let q = normalize(&item.text.get(lang).question, &tol);
                if q.is_empty() {
                    continue;
                }
                match seen.get_mut(lang).get(&q) {
                    Some(&j) => {
                        if let Some(qpos) = pos.question.get(lang) {
                            let other = &self.items[j];
                            self.diags.push(qpos.diag(
                                Severity::Warning,
                                "same-text",
                                Some(&item.id),
                                format!(
                                    "the {lang} question is the same as that of item `{}` ({})",
                                    other.id, other.location
                                ),
                                Some("each item asks its own question; reword one of them".into()),
                            ));
                        }
                    }
                    None => {
                        seen.get_mut(lang).insert(q, i);
                    }
                }
            }
        }
    }

    /// Warnings on the (competence, level) cells: too few live items, a single skill.
    pub(super) fn cell_checks(&mut self) {
        for comp in &self.fw.competences {
            let Some(pos) = self.competence_pos.get(&comp.code) else {
                continue;
            };
            for level in 1..=comp.max_level {
                let live: Vec<&Item> = self
                    .items
                    .iter()
                    .filter(|i| i.is_live() && i.competence == comp.code && i.level == level)
                    .collect();
                let skills: HashSet<&str> = live.iter().map(|i| i.skill.as_str()).collect();
                if live.len() < MIN_LIVE_PER_CELL {
                    self.diags.push(pos.diag(
                        Severity::Warning,
                        "thin-cell",
                        None,
                        format!(
                            "competence {} level {level} has {} live item(s); adaptive selection needs at least {MIN_LIVE_PER_CELL}",
                            comp.code,
                            live.len()
                        ),
                        Some("write more items at this level, or lower max_level".into()),
                    ));
                }
                if skills.len() == 1 {
                    let skill = skills.iter().next().copied().unwrap_or_default();
                    self.diags.push(pos.diag(
                        Severity::Warning,
                        "single-skill-level",
                        None,
                        format!(
                            "competence {} level {level} has a single skill ({skill}): it can only reach 4 of its 8 pix",
                            comp.code
                        ),
                        Some("add live items of another tube at this level".into()),
                    ));
                }
            }
        }
    }
}
