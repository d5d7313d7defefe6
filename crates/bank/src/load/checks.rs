//! The checks across items (variants, repeated and near-identical questions, sets) and across
//! cells (thin cells, single skills), run once every file is read.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Loader, MIN_LIVE_PER_CELL};
use crate::diagnostic::{Severity, did_you_mean};
use crate::model::{Item, Lang, Status, Tolerances, Translated};
use crate::normalize::normalize;
use crate::similarity::{SIMILAR_TEXT_THRESHOLD, similar_pairs};

impl Loader {
    /// Checks across items: variants, repeated questions, sets, near-identical questions.
    pub(super) fn cross_checks(&mut self) {
        self.set_checks();
        self.similar_texts();
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

    /// A set with a single item (not archived): a typo, or its partners were removed.
    fn set_checks(&mut self) {
        let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, item) in self.items.iter().enumerate() {
            if let Some(set) = &item.set
                && item.status != Status::Archived
            {
                members.entry(set).or_default().push(i);
            }
        }
        for (set, list) in members {
            if let [only] = list.as_slice()
                && let Some(pos) = &self.positions[*only].set
            {
                let all: Vec<&str> = self.items.iter().filter_map(|x| x.set.as_deref()).collect();
                let near = did_you_mean(set, all.into_iter().filter(|s| *s != set));
                self.diags.push(
                    pos.diag(
                        Severity::Warning,
                        "lonely-set",
                        Some(&self.items[*only].id),
                        format!("set `{set}` has no other item"),
                        Some(match near {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => {
                                "a set groups the items that give each other away: name the same set on the \
                                 others, or remove it"
                                    .into()
                            }
                        }),
                    ),
                );
            }
        }
    }

    /// Pairs of items (not archived, not in one set) whose French questions are near-identical
    /// ([`crate::similarity`]): one may give the other away.
    fn similar_texts(&mut self) {
        let tol = Tolerances::default();
        let candidates: Vec<usize> = (0..self.items.len())
            .filter(|&i| self.items[i].status != Status::Archived)
            .collect();
        let texts: Vec<&str> = candidates
            .iter()
            .map(|&i| self.items[i].text.fr.question.as_str())
            .collect();
        for (a, b, score) in similar_pairs(&texts, SIMILAR_TEXT_THRESHOLD) {
            let (first, second) = (&self.items[candidates[a]], &self.items[candidates[b]]);
            let same_set = first.set.is_some() && first.set == second.set;
            // Identical questions are `same-text`.
            let identical =
                normalize(&first.text.fr.question, &tol) == normalize(&second.text.fr.question, &tol);
            if same_set || identical {
                continue;
            }
            let Some(pos) = &self.positions[candidates[b]].question.fr else {
                continue;
            };
            self.diags.push(pos.diag(
                Severity::Warning,
                "similar-text",
                Some(&second.id),
                format!(
                    "the French question is close to that of item `{}` ({}): similarity {score:.2} of their content words",
                    first.id, first.location
                ),
                Some(format!(
                    "if one gives the other away (same scenario, same fact), declare both in one set \
                     (set = \"…\" on each), or rewrite one{}",
                    match (&first.set, &second.set) {
                        (Some(s), None) | (None, Some(s)) => format!("; one is already in set `{s}`"),
                        _ => String::new(),
                    }
                )),
            ));
        }
    }
}
