//! Answers of a simulated agent, built so that they go through the same judging as a person's.

use jauge_bank::{Answer, Blank, Item, Kind, Lang, NumberAccept};

fn right_text(b: &Blank, lang: Lang) -> String {
    b.accepted(lang).next().cloned().unwrap_or_default()
}

fn wrong_text(b: &Blank) -> String {
    b.reject.first().cloned().unwrap_or_default()
}

fn number(x: f64) -> String {
    format!("{x}")
}

/// The answer a simulated agent gives to `item`: the solution when `right`, else a wrong answer
/// of the item's type; `pick(n)` draws a number in 0..n (which wrong option).
pub(crate) fn answer(item: &Item, lang: Lang, right: bool, mut pick: impl FnMut(usize) -> usize) -> Answer {
    match &item.kind {
        Kind::Single { options, solution } => {
            if right {
                return Answer::Options(vec![solution.clone()]);
            }
            let wrong: Vec<&String> = options
                .iter()
                .map(|o| &o.id)
                .filter(|id| *id != solution)
                .collect();
            match wrong.len() {
                0 => Answer::Options(vec![solution.clone()]),
                n => Answer::Options(vec![wrong[pick(n)].clone()]),
            }
        }
        Kind::Multiple {
            options, solution, ..
        } => {
            if right || options.is_empty() {
                return Answer::Options(solution.clone());
            }
            let toggled = &options[pick(options.len())].id;
            let mut set: Vec<String> = options
                .iter()
                .map(|o| o.id.clone())
                .filter(|id| solution.contains(id) != (id == toggled))
                .collect();
            set.dedup();
            Answer::Options(set)
        }
        Kind::Text { blank } => Answer::Texts(vec![if right {
            right_text(blank, lang)
        } else {
            wrong_text(blank)
        }]),
        Kind::Blanks { blanks } | Kind::BlanksAnyOrder { blanks } => {
            let wrong_one = if right || blanks.is_empty() {
                usize::MAX
            } else {
                pick(blanks.len())
            };
            Answer::Texts(
                blanks
                    .iter()
                    .enumerate()
                    .map(|(k, b)| {
                        if k == wrong_one {
                            wrong_text(b)
                        } else {
                            right_text(b, lang)
                        }
                    })
                    .collect(),
            )
        }
        Kind::Number { number: spec } => {
            let (good, bad) = match spec.accept {
                NumberAccept::Tolerance { value, tolerance } => {
                    (value, value + 10.0 * tolerance.max(value.abs()).max(1.0))
                }
                NumberAccept::Range { min, max } => {
                    ((min + max) / 2.0, max + (max - min).abs().max(1.0) * 10.0)
                }
            };
            let bad = spec.reject.first().copied().unwrap_or(bad);
            Answer::Number(number(if right { good } else { bad }))
        }
    }
}
