//! Checking answers: pure functions from an item and an answer to a verdict with its reason.
//!
//! The verdict follows `SCORING.md`: `score` is 1 only for a fully right answer, `credit` in
//! [0, 1] records partial credit (a `multiple` item with `partial_credit`, blanks partly right).
//! An answer that is not well-formed (a number that does not parse, an option id the item does
//! not have, the wrong number of blanks) is not scored: it is a [`Refusal`], and the prompt asks
//! again.

use std::fmt;

use serde::Serialize;

use crate::model::{Blank, Item, ItemType, Kind, Lang};
use crate::normalize::{canonical_answer, levenshtein, normalize, parse_number};

/// An agent's answer. Choice answers are option ids, never screen positions (the order shown is
/// recorded by the caller with the [`crate::ShownQuestion`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Answer {
    /// The ids of the options ticked (`single`, `multiple`).
    Options(Vec<String>),
    /// The texts typed, one per blank in the item's blank order (`text`, `blanks`,
    /// `blanks_any_order`).
    Texts(Vec<String>),
    /// The number as typed (`number`).
    Number(String),
    /// "I don't know": an answer to any question, scored 0 (`SCORING.md`), recorded with the
    /// status `dontknow` and never confused with a missing or timed-out answer. JSON
    /// `{"kind": "dontknow"}`.
    DontKnow,
}

impl Answer {
    /// Whether this is "I don't know".
    pub fn is_dont_know(&self) -> bool {
        matches!(self, Answer::DontKnow)
    }
}

/// Why an answer was accepted or refused, for audit and for the feedback screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// `single`: the right option.
    RightOption,
    /// `single`: a wrong option.
    WrongOption {
        /// The option chosen.
        chosen: String,
    },
    /// `multiple`: exactly the right set.
    ExactSet,
    /// `multiple`: not the right set.
    WrongSet {
        /// Right options ticked.
        right: usize,
        /// Wrong options ticked.
        wrong: usize,
        /// Right options not ticked.
        missed: usize,
    },
    /// A typed answer equal to an accepted one after normalisation.
    Matched {
        /// The accepted answer it matched, as written in the bank.
        accepted: String,
    },
    /// A typed answer within the blank's allowed edit distance of an accepted one.
    MatchedWithTypos {
        /// The accepted answer it matched.
        accepted: String,
        /// The Levenshtein distance after normalisation.
        edits: usize,
    },
    /// Nothing typed.
    Empty,
    /// A wrong answer the bank lists in `reject`.
    KnownWrong {
        /// The listed wrong answer it matched.
        listed: String,
    },
    /// A typed answer matching no accepted one.
    NoMatch,
    /// Several blanks, all right.
    AllBlanks,
    /// Several blanks, some wrong.
    SomeBlanks {
        /// Blanks right.
        right: usize,
        /// Blanks in the item.
        total: usize,
    },
    /// `number`: within the tolerance or the range.
    InTolerance {
        /// The number read.
        value: f64,
    },
    /// `number`: outside the tolerance or the range.
    OutOfTolerance {
        /// The number read.
        value: f64,
    },
    /// "I don't know" (any item type): scored 0.
    DontKnow,
}

impl Reason {
    /// A sentence for the agent or the auditor, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        match self {
            Reason::RightOption => if fr { "bonne réponse" } else { "right option" }.into(),
            Reason::DontKnow => if fr { "je ne sais pas" } else { "I don't know" }.into(),
            Reason::WrongOption { chosen } => {
                if fr {
                    format!("l'option {chosen} n'est pas la bonne réponse")
                } else {
                    format!("option {chosen} is not the right answer")
                }
            }
            Reason::ExactSet => if fr {
                "toutes les bonnes options, et elles seules"
            } else {
                "exactly the right options"
            }
            .into(),
            Reason::WrongSet { right, wrong, missed } => {
                if fr {
                    format!("{right} bonne(s) option(s) cochée(s), {wrong} mauvaise(s), {missed} oubliée(s)")
                } else {
                    format!("{right} right option(s) ticked, {wrong} wrong, {missed} missed")
                }
            }
            Reason::Matched { accepted } => {
                if fr {
                    format!("réponse acceptée (« {accepted} »)")
                } else {
                    format!("accepted (\"{accepted}\")")
                }
            }
            Reason::MatchedWithTypos { accepted, edits } => {
                if fr {
                    format!("réponse acceptée à {edits} faute(s) de frappe près (« {accepted} »)")
                } else {
                    format!("accepted with {edits} typo(s) (\"{accepted}\")")
                }
            }
            Reason::Empty => if fr {
                "aucune réponse saisie"
            } else {
                "nothing typed"
            }
            .into(),
            Reason::KnownWrong { listed } => {
                if fr {
                    format!("« {listed} » est une erreur connue")
                } else {
                    format!("\"{listed}\" is a known wrong answer")
                }
            }
            Reason::NoMatch => if fr {
                "cette réponse n'est pas attendue"
            } else {
                "not an expected answer"
            }
            .into(),
            Reason::AllBlanks => if fr {
                "toutes les réponses sont justes"
            } else {
                "every blank right"
            }
            .into(),
            Reason::SomeBlanks { right, total } => {
                if fr {
                    format!("{right} réponse(s) juste(s) sur {total}")
                } else {
                    format!("{right} of {total} blanks right")
                }
            }
            Reason::InTolerance { value } => {
                if fr {
                    format!("{value} est accepté")
                } else {
                    format!("{value} is accepted")
                }
            }
            Reason::OutOfTolerance { value } => {
                if fr {
                    format!("{value} n'est pas la valeur attendue")
                } else {
                    format!("{value} is not the expected value")
                }
            }
        }
    }

    /// Whether the reason is an acceptance.
    pub fn is_accepted(&self) -> bool {
        matches!(
            self,
            Reason::RightOption
                | Reason::ExactSet
                | Reason::Matched { .. }
                | Reason::MatchedWithTypos { .. }
                | Reason::AllBlanks
                | Reason::InTolerance { .. }
        )
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

/// The verdict on one typed answer of a blanks item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlankVerdict {
    /// The blank it was checked against (for `blanks_any_order`, the blank it was matched to,
    /// if any).
    pub blank: Option<String>,
    /// Why it was accepted or refused.
    pub reason: Reason,
}

/// The verdict on an answer: `score` 0/1, `credit` in [0, 1], and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// 1 when the answer is fully right, else 0 (the measurement model is dichotomous).
    pub score: u8,
    /// The partial credit in [0, 1] (equal to the score when the item has none).
    pub credit: f64,
    /// Why.
    pub reason: Reason,
    /// For blanks items, the verdict on each typed answer, in answer order (empty otherwise).
    pub blanks: Vec<BlankVerdict>,
}

impl Verdict {
    fn of(right: bool, reason: Reason) -> Verdict {
        Verdict {
            score: u8::from(right),
            credit: if right { 1.0 } else { 0.0 },
            reason,
            blanks: Vec::new(),
        }
    }
}

/// Why an answer was not scored: it is not a well-formed answer to this item. The prompt shows
/// the message and asks again; the agent loses nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    /// A `number` answer that is not a well-formed number.
    #[error("\"{input}\" is not a number: {expected}")]
    NotANumber {
        /// What was typed.
        input: String,
        /// The expected format, to show at the prompt.
        expected: String,
    },
    /// An answer of the wrong shape for the item's type (texts for a choice item…).
    #[error("a {item_type} item expects {expected}")]
    WrongShape {
        /// The item's type.
        item_type: ItemType,
        /// What it expects.
        expected: String,
    },
    /// An option id the item does not have.
    #[error("the item has no option `{id}`")]
    UnknownOption {
        /// The id given.
        id: String,
    },
}

/// The format of numbers, as shown when one is refused.
pub const NUMBER_FORMAT: &str = "type digits, with a comma or a dot as the decimal mark and \
                                 spaces between thousands if you like (1 500 or 2,5)";

/// Judges `answer` to `item`, the texts being those of `lang` (language-specific accepted
/// answers and units).
pub fn check(item: &Item, lang: Lang, answer: &Answer) -> Result<Verdict, Refusal> {
    let ty = item.item_type();
    let shape = |expected: &str| Refusal::WrongShape {
        item_type: ty,
        expected: expected.into(),
    };
    match (&item.kind, answer) {
        (_, Answer::DontKnow) => Ok(Verdict::of(false, Reason::DontKnow)),
        (Kind::Single { options, solution }, Answer::Options(chosen)) => {
            let mut chosen = chosen.clone();
            chosen.dedup();
            if let Some(bad) = chosen.iter().find(|c| !options.iter().any(|o| &o.id == *c)) {
                return Err(Refusal::UnknownOption { id: bad.clone() });
            }
            match chosen.as_slice() {
                [one] if one == solution => Ok(Verdict::of(true, Reason::RightOption)),
                [one] => Ok(Verdict::of(false, Reason::WrongOption { chosen: one.clone() })),
                _ => Err(shape("exactly one option")),
            }
        }
        (
            Kind::Multiple {
                options,
                solution,
                partial_credit,
            },
            Answer::Options(chosen),
        ) => {
            let mut ticked: Vec<&String> = Vec::new();
            for c in chosen {
                if !options.iter().any(|o| &o.id == c) {
                    return Err(Refusal::UnknownOption { id: c.clone() });
                }
                if !ticked.contains(&c) {
                    ticked.push(c);
                }
            }
            let right = ticked.iter().filter(|c| solution.contains(c)).count();
            let wrong = ticked.len() - right;
            let missed = solution.len() - right;
            let exact = wrong == 0 && missed == 0;
            let credit = if exact {
                1.0
            } else if *partial_credit && !solution.is_empty() {
                ((right as f64 - wrong as f64) / solution.len() as f64).max(0.0)
            } else {
                0.0
            };
            Ok(Verdict {
                score: u8::from(exact),
                credit,
                reason: if exact {
                    Reason::ExactSet
                } else {
                    Reason::WrongSet { right, wrong, missed }
                },
                blanks: Vec::new(),
            })
        }
        (Kind::Text { blank }, Answer::Texts(texts)) => {
            let [text] = texts.as_slice() else {
                return Err(shape("one typed answer"));
            };
            let reason = judge_blank(blank, lang, text);
            Ok(Verdict::of(reason.is_accepted(), reason))
        }
        (Kind::Blanks { blanks }, Answer::Texts(texts)) => {
            if texts.len() != blanks.len() {
                return Err(shape(&format!("{} typed answers", blanks.len())));
            }
            let per: Vec<BlankVerdict> = blanks
                .iter()
                .zip(texts)
                .map(|(b, t)| BlankVerdict {
                    blank: Some(b.id.clone()),
                    reason: judge_blank(b, lang, t),
                })
                .collect();
            let right = per.iter().filter(|v| v.reason.is_accepted()).count();
            Ok(blanks_verdict(right, blanks.len(), per))
        }
        (Kind::BlanksAnyOrder { blanks }, Answer::Texts(texts)) => {
            if texts.len() != blanks.len() {
                return Err(shape(&format!("{} typed answers", blanks.len())));
            }
            // judged[i][j]: answer i against blank j.
            let judged: Vec<Vec<Reason>> = texts
                .iter()
                .map(|t| blanks.iter().map(|b| judge_blank(b, lang, t)).collect())
                .collect();
            let matched = maximum_matching(&judged);
            let per: Vec<BlankVerdict> = (0..texts.len())
                .map(|i| match matched[i] {
                    Some(j) => BlankVerdict {
                        blank: Some(blanks[j].id.clone()),
                        reason: judged[i][j].clone(),
                    },
                    None => BlankVerdict {
                        blank: None,
                        reason: unmatched_reason(&judged[i]),
                    },
                })
                .collect();
            let right = matched.iter().filter(|m| m.is_some()).count();
            Ok(blanks_verdict(right, blanks.len(), per))
        }
        (Kind::Number { number }, Answer::Number(input)) => {
            let unit = number.unit.get(lang).trim();
            let mut text = input.trim();
            // A final full stop is ignored, unless the number already has a decimal mark that a
            // dot could be confused with (`1.500.` stays refused).
            if let Some(rest) = text.strip_suffix('.')
                && !rest.contains('.')
            {
                text = rest.trim_end();
            }
            if !unit.is_empty()
                && let Some(cut) = text.len().checked_sub(unit.len())
                && let (Some(head), Some(tail)) = (text.get(..cut), text.get(cut..))
                && tail.to_lowercase() == unit.to_lowercase()
            {
                text = head.trim_end();
            }
            let Some(value) = parse_number(text) else {
                return Err(Refusal::NotANumber {
                    input: input.clone(),
                    expected: NUMBER_FORMAT.into(),
                });
            };
            let ok = number.accepts(value);
            Ok(Verdict::of(
                ok,
                if ok {
                    Reason::InTolerance { value }
                } else {
                    Reason::OutOfTolerance { value }
                },
            ))
        }
        (Kind::Single { .. } | Kind::Multiple { .. }, _) => Err(shape("option ids")),
        (Kind::Number { .. }, _) => Err(shape("a number")),
        (_, _) => Err(shape("typed texts")),
    }
}

fn blanks_verdict(right: usize, total: usize, per: Vec<BlankVerdict>) -> Verdict {
    let all = right == total;
    Verdict {
        score: u8::from(all),
        credit: if total == 0 {
            0.0
        } else {
            right as f64 / total as f64
        },
        reason: if all {
            Reason::AllBlanks
        } else {
            Reason::SomeBlanks { right, total }
        },
        blanks: per,
    }
}

/// The most telling refusal among an unmatched answer's verdicts against every blank.
fn unmatched_reason(row: &[Reason]) -> Reason {
    if let Some(r) = row.iter().find(|r| matches!(r, Reason::Empty)) {
        return r.clone();
    }
    if let Some(r) = row.iter().find(|r| matches!(r, Reason::KnownWrong { .. })) {
        return r.clone();
    }
    Reason::NoMatch
}

/// A maximum matching of answers to blanks (Kuhn's augmenting paths), where answer i may take
/// blank j when `judged[i][j]` is an acceptance. Returns each answer's blank.
fn maximum_matching(judged: &[Vec<Reason>]) -> Vec<Option<usize>> {
    let n_blanks = judged.first().map_or(0, Vec::len);
    let mut blank_of: Vec<Option<usize>> = vec![None; judged.len()];
    let mut answer_of: Vec<Option<usize>> = vec![None; n_blanks];
    fn augment(
        i: usize,
        judged: &[Vec<Reason>],
        seen: &mut [bool],
        blank_of: &mut [Option<usize>],
        answer_of: &mut [Option<usize>],
    ) -> bool {
        for j in 0..answer_of.len() {
            if seen[j] || !judged[i][j].is_accepted() {
                continue;
            }
            seen[j] = true;
            let free = match answer_of[j] {
                None => true,
                Some(k) => augment(k, judged, seen, blank_of, answer_of),
            };
            if free {
                answer_of[j] = Some(i);
                blank_of[i] = Some(j);
                return true;
            }
        }
        false
    }
    for i in 0..judged.len() {
        let mut seen = vec![false; n_blanks];
        augment(i, judged, &mut seen, &mut blank_of, &mut answer_of);
    }
    blank_of
}

/// Judges one typed answer against one blank: exact acceptance first, then the listed wrong
/// answers, then the edit-distance tolerance. Texts are compared normalised
/// ([`crate::normalize::normalize`]) and in their canonical form
/// ([`canonical_answer`]: also without a final full stop or a leading article, unless the blank
/// opts out); either form being equal is a match.
pub fn judge_blank(blank: &Blank, lang: Lang, input: &str) -> Reason {
    let tol = &blank.tolerances;
    // Each text is compared in two forms: as normalised, and in its canonical form (without a
    // final full stop or a leading article). Two texts match when either form is equal, so the
    // canonical form only ever accepts more (`loutil` still matches `l'outil` when punctuation
    // is ignored).
    let forms = |s: &str| (normalize(s, tol), canonical_answer(s, tol, lang));
    let typed = forms(input);
    if typed.1.is_empty() {
        return Reason::Empty;
    }
    let same = |other: &str| {
        let o = forms(other);
        o.0 == typed.0 || o.1 == typed.1
    };
    if let Some(a) = blank.accepted(lang).find(|a| same(a)) {
        return Reason::Matched { accepted: a.clone() };
    }
    if let Some(r) = blank.reject.iter().find(|r| same(r)) {
        return Reason::KnownWrong { listed: r.clone() };
    }
    if tol.max_edits > 0 {
        let best = blank
            .accepted(lang)
            .map(|a| {
                let o = forms(a);
                (levenshtein(&o.0, &typed.0).min(levenshtein(&o.1, &typed.1)), a)
            })
            .min_by_key(|(d, _)| *d);
        if let Some((d, a)) = best
            && d <= tol.max_edits as usize
        {
            return Reason::MatchedWithTypos {
                accepted: a.clone(),
                edits: d,
            };
        }
    }
    Reason::NoMatch
}

/// Whether the blank's tolerances alone (ignoring its `reject` list) accept `input` in `lang`;
/// `Ok` holds the accepted answer it matches. The validator uses it on the listed wrong answers.
pub(crate) fn blank_match(blank: &Blank, lang: Lang, input: &str) -> Result<String, ()> {
    let stripped = Blank {
        reject: Vec::new(),
        ..blank.clone()
    };
    match judge_blank(&stripped, lang, input) {
        Reason::Matched { accepted } | Reason::MatchedWithTypos { accepted, .. } => Ok(accepted),
        _ => Err(()),
    }
}
