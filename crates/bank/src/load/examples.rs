//! `[item.examples]`: the example answers of a typed item, read and checked against the item
//! with the answer checker itself.

use std::collections::BTreeSet;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use crate::answer::{Answer, check};
use crate::model::{Examples, Item, ItemType, Lang, Status};
use crate::tomlread::Reader;

/// Keys of `[item.examples]`.
const EXAMPLE_KEYS: &[&str] = &[
    "accept",
    "accept_fr",
    "accept_en",
    "reject",
    "reject_fr",
    "reject_en",
];

/// The least number of distinct example answers to accept, per language.
pub const MIN_ACCEPT_EXAMPLES: usize = 5;

/// The least number of distinct example answers to reject, per language.
pub const MIN_REJECT_EXAMPLES: usize = 3;

/// Whether too few examples (`missing-examples`) is an error. A warning while the second
/// edition's writers add examples to every typed item (issue 17); set to `true` once they have,
/// so that `jauge bank validate` refuses a typed item without them.
const MISSING_EXAMPLES_IS_ERROR: bool = false;

/// One example as written.
#[derive(Debug, Clone)]
pub(super) struct RawExample {
    /// Must it be accepted?
    accept: bool,
    /// The languages it applies to.
    langs: Vec<Lang>,
    /// One text per blank.
    texts: Vec<String>,
    /// Where it is written.
    span: Range<usize>,
}

/// The examples of an item as read, with where they are.
#[derive(Debug, Clone, Default)]
pub(super) struct ReadExamples {
    /// Each example.
    examples: Vec<RawExample>,
    /// The span of `[item.examples]`, when present.
    header: Option<Range<usize>>,
}

/// A scalar of an example as text: a string, or a number as written (for `number` items).
fn scalar(v: &DeValue<'_>) -> Option<String> {
    match v {
        DeValue::String(s) => Some(s.to_string()),
        DeValue::Integer(i) => Some(i.as_str().to_string()),
        DeValue::Float(f) => Some(f.as_str().to_string()),
        _ => None,
    }
}

/// Reads `[item.examples]` of `t`: each key a list whose entries are a text (items with one
/// answer: `text`, `number`, or a single blank) or a list of texts, one per blank.
pub(super) fn read(
    r: &mut Reader<'_, '_>,
    t: &DeTable<'_>,
    ty: Option<ItemType>,
    blanks: usize,
) -> ReadExamples {
    let mut out = ReadExamples::default();
    let Some((et, espan)) = r.table(t, "examples") else {
        return out;
    };
    out.header = Some(espan.clone());
    if let Some(ty) = ty
        && ty.is_choice()
    {
        // Reported by the type check (`key-not-for-type`).
        return out;
    }
    r.check_keys(et, EXAMPLE_KEYS, "[item.examples]");
    for key in EXAMPLE_KEYS {
        let Some((k, v)) = et.get_key_value(*key) else {
            continue;
        };
        let accept = key.starts_with("accept");
        let langs = match key.rsplit_once('_') {
            Some((_, code)) => Lang::from_code(code).into_iter().collect(),
            None => Lang::ALL.to_vec(),
        };
        let DeValue::Array(list) = v.get_ref() else {
            r.error(
                "wrong-type",
                k.span(),
                format!("`{key}` must be a list of example answers"),
                Some(format!("e.g. {key} = [\"…\", \"…\"]")),
            );
            continue;
        };
        for e in list.iter() {
            let texts: Option<Vec<String>> = match e.get_ref() {
                DeValue::Array(parts) => parts.iter().map(|p| scalar(p.get_ref())).collect(),
                other => scalar(other).map(|s| vec![s]),
            };
            let Some(texts) = texts else {
                r.error(
                    "example-format",
                    e.span(),
                    format!("an example of `{key}` is neither a text nor a list of texts"),
                    None,
                );
                continue;
            };
            let want = if ty == Some(ItemType::Number) { 1 } else { blanks };
            if want > 0 && texts.len() != want {
                r.error(
                    "example-format",
                    e.span(),
                    format!(
                        "an example of `{key}` gives {} answer(s); this item has {want} blank(s)",
                        texts.len()
                    ),
                    Some(if want == 1 {
                        "write the example as one text".into()
                    } else {
                        format!("write it as a list of {want} texts, one per blank: [\"…\", \"…\"]")
                    }),
                );
                continue;
            }
            out.examples.push(RawExample {
                accept,
                langs: langs.clone(),
                texts,
                span: e.span(),
            });
        }
    }
    out
}

fn shown(texts: &[String]) -> String {
    match texts {
        [one] => format!("\"{one}\""),
        many => format!(
            "[{}]",
            many.iter()
                .map(|t| format!("\"{t}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Checks every example against `item` with the answer checker, warns when a typed item (not
/// archived) has fewer than [`MIN_ACCEPT_EXAMPLES`] distinct examples to accept or
/// [`MIN_REJECT_EXAMPLES`] to reject in a language, and returns the examples for the model.
pub(super) fn check_examples(
    r: &mut Reader<'_, '_>,
    item: &Item,
    read: &ReadExamples,
    id_span: Range<usize>,
) -> Examples {
    let mut model = Examples::default();
    for ex in &read.examples {
        for lang in &ex.langs {
            let list = if ex.accept {
                model.accept.get_mut(*lang)
            } else {
                model.reject.get_mut(*lang)
            };
            if !list.contains(&ex.texts) {
                list.push(ex.texts.clone());
            }
            let answer = match item.item_type() {
                ItemType::Number => Answer::Number(ex.texts[0].clone()),
                _ => Answer::Texts(ex.texts.clone()),
            };
            let verdict = check(item, *lang, &answer);
            let accepted = verdict.as_ref().is_ok_and(|v| v.score == 1);
            if ex.accept && !accepted {
                let why = match &verdict {
                    Ok(v) => format!("the checker scores it 0 ({})", v.reason.message(Lang::En)),
                    Err(refusal) => format!("the checker refuses it ({refusal})"),
                };
                r.error(
                    "example-rejected",
                    ex.span.clone(),
                    format!(
                        "the example {} ({lang}) must be accepted, but {why}",
                        shown(&ex.texts)
                    ),
                    Some(
                        "add the phrasing to accept (or accept_fr / accept_en), or loosen the blank's \
                         tolerances; if it is in fact wrong, move it to the examples to reject"
                            .into(),
                    ),
                );
            } else if !ex.accept && accepted {
                let why = verdict.map(|v| v.reason.message(Lang::En)).unwrap_or_default();
                r.error(
                    "example-accepted",
                    ex.span.clone(),
                    format!(
                        "the example {} ({lang}) must be rejected, but the checker accepts it ({why})",
                        shown(&ex.texts)
                    ),
                    Some(
                        "tighten the accepted answers or the tolerances (max_edits, ignore_*); if the \
                         answer is in fact right, move it to the examples to accept"
                            .into(),
                    ),
                );
            }
        }
    }
    let typed = item.kind.item_type().has_blanks() || item.item_type() == ItemType::Number;
    if typed && item.status != Status::Archived {
        let count = |l: &Vec<Vec<String>>| l.iter().collect::<BTreeSet<_>>().len();
        let mut short = Vec::new();
        for lang in Lang::ALL {
            let (a, j) = (count(model.accept.get(lang)), count(model.reject.get(lang)));
            if a < MIN_ACCEPT_EXAMPLES {
                short.push(format!("{a} to accept in {lang}"));
            }
            if j < MIN_REJECT_EXAMPLES {
                short.push(format!("{j} to reject in {lang}"));
            }
        }
        if !short.is_empty() {
            let report = if MISSING_EXAMPLES_IS_ERROR {
                Reader::error
            } else {
                Reader::warning
            };
            report(
                r,
                "missing-examples",
                read.header.clone().unwrap_or(id_span),
                format!(
                    "a typed item needs example answers (at least {MIN_ACCEPT_EXAMPLES} distinct right phrasings \
                     and {MIN_REJECT_EXAMPLES} wrong answers per language); it has {}",
                    short.join(", ")
                ),
                Some(
                    "add [item.examples] with accept = [\"…\"] (both languages), accept_fr, accept_en, \
                     reject, reject_fr, reject_en; jauge bank check tries one answer"
                        .into(),
                ),
            );
        }
    }
    model
}
