//! The type-specific part of an item: options and solution, blanks, or number.

use std::ops::Range;

use toml::de::DeTable;

use super::{Loader, valid_blank_id};
use crate::diagnostic::did_you_mean;
use crate::model::{
    Blank, ChoiceOption, ItemText, ItemType, Kind, Lang, NumberAccept, NumberSpec, Tolerances, Translated,
};
use crate::normalize::normalize;
use crate::tomlread::{Reader, StrList};

const OPTION_KEYS: &[&str] = &["id", "fr", "en"];
const BLANK_KEYS: &[&str] = &[
    "id",
    "accept",
    "accept_fr",
    "accept_en",
    "reject",
    "ignore_case",
    "ignore_accents",
    "ignore_punctuation",
    "ignore_spaces",
    "max_edits",
    "ignore_articles",
    "ignore_final_stop",
];
const NUMBER_KEYS: &[&str] = &["value", "tolerance", "min", "max", "reject", "unit_fr", "unit_en"];

/// The `{{id}}` placeholders of a text, in order.
pub(crate) fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                out.push(after[..end].trim().to_string());
                rest = &after[end + 2..];
            }
            None => break,
        }
    }
    out
}

impl Loader {
    /// The type-specific part of an item: options and solution, blanks, or number.
    pub(super) fn kind(
        &self,
        r: &mut Reader<'_, '_>,
        t: &DeTable<'_>,
        ty: ItemType,
        header: &Range<usize>,
        (texts, qspans): (&Translated<ItemText>, &Translated<Option<Range<usize>>>),
        what: &str,
    ) -> Option<Kind> {
        // Keys that have no meaning for this type.
        let foreign: &[(&str, bool)] = &[
            ("option", ty.is_choice()),
            ("solution", ty.is_choice()),
            ("partial_credit", ty == ItemType::Multiple),
            ("blank", ty.has_blanks()),
            ("number", ty == ItemType::Number),
            ("examples", !ty.is_choice()),
        ];
        for (key, allowed) in foreign {
            if !allowed && let Some((k, _)) = t.get_key_value(*key) {
                r.error(
                    "key-not-for-type",
                    k.span(),
                    format!("`{key}` has no meaning for a {ty} item"),
                    Some(format!("remove it, or change the type (now `{ty}`)")),
                );
            }
        }
        let placeholder_check = |r: &mut Reader<'_, '_>, ids: &[String], required: bool| {
            let any = Lang::ALL
                .iter()
                .any(|l| !placeholders(&texts.get(*l).question).is_empty());
            for lang in Lang::ALL {
                let found = placeholders(&texts.get(lang).question);
                let at = qspans.get(lang).clone().unwrap_or_else(|| header.clone());
                if ids.is_empty() || (!required && !any) {
                    if !found.is_empty() && ids.is_empty() {
                        // A warning: `{{…}}` may be literal text (a mail-merge field…).
                        let at = r.sink.narrow(at.clone(), "{{");
                        r.warning(
                            "blank-mismatch",
                            at,
                            format!(
                                "the {lang} question has a blank {{{{{}}}}} but a {ty} item has no blanks",
                                found[0]
                            ),
                            Some(
                                "change the type to text or blanks, or ignore this if the braces are \
                                 meant literally"
                                    .into(),
                            ),
                        );
                    }
                    continue;
                }
                for id in ids {
                    let n = found.iter().filter(|f| *f == id).count();
                    if n != 1 {
                        let at = if n > 1 {
                            r.sink.narrow(at.clone(), &format!("{{{{{id}"))
                        } else {
                            at.clone()
                        };
                        r.error(
                            "blank-mismatch",
                            at,
                            if n == 0 {
                                format!("the {lang} question does not contain the blank {{{{{id}}}}}")
                            } else {
                                format!("the {lang} question contains the blank {{{{{id}}}}} {n} times")
                            },
                            Some(format!(
                                "place {{{{{id}}}}} exactly once in [item.{lang}] question"
                            )),
                        );
                    }
                }
                for f in &found {
                    if !ids.contains(f) {
                        let at = r.sink.narrow(at.clone(), &format!("{{{{{f}"));
                        r.error(
                            "blank-mismatch",
                            at,
                            format!(
                                "the {lang} question has a blank {{{{{f}}}}} that no [[item.blank]] declares"
                            ),
                            Some(match did_you_mean(f, ids.iter().map(String::as_str)) {
                                Some(s) => format!("did you mean {{{{{s}}}}}?"),
                                None => format!("the blanks are: {}", ids.join(", ")),
                            }),
                        );
                    }
                }
            }
        };
        match ty {
            ItemType::Single | ItemType::Multiple => {
                let options = self.options(r, t, header, what);
                placeholder_check(r, &[], false);
                let solution = r.str_list(t, "solution", true);
                let Some((solution, sspan)) = solution else {
                    if !t.contains_key("solution") {
                        r.missing(
                            "solution",
                            header.clone(),
                            what,
                            "add solution = [\"…\"], the id(s) of the right option(s)",
                        );
                    }
                    return None;
                };
                let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
                let mut sol: Vec<String> = Vec::new();
                for (s, span) in &solution {
                    if !ids.contains(&s.as_str()) {
                        r.error(
                            "solution-not-option",
                            span.clone(),
                            format!("the solution `{s}` is not among the options"),
                            Some(match did_you_mean(s, ids.iter().copied()) {
                                Some(x) => format!("did you mean `{x}`?"),
                                None => format!("the options are: {}", ids.join(", ")),
                            }),
                        );
                    } else if sol.contains(s) {
                        r.error(
                            "duplicate-solution",
                            span.clone(),
                            format!("`{s}` is listed twice in the solution"),
                            None,
                        );
                    } else {
                        sol.push(s.clone());
                    }
                }
                let (lo, hi) = if ty == ItemType::Single { (3, 6) } else { (3, 8) };
                if !(lo..=hi).contains(&options.len()) && !options.is_empty() {
                    r.error(
                        "option-count",
                        header.clone(),
                        format!(
                            "a {ty} item has {lo} to {hi} options; this one has {}",
                            options.len()
                        ),
                        None,
                    );
                }
                self.distractors(r, &options, &sol, header);
                if ty == ItemType::Single {
                    if solution.len() != 1 {
                        r.error(
                            "single-solution-count",
                            sspan,
                            format!(
                                "a single item has exactly one right option; the solution lists {}",
                                solution.len()
                            ),
                            Some("use type = \"multiple\" for several right options".into()),
                        );
                        return None;
                    }
                    let solution = sol.into_iter().next()?;
                    Some(Kind::Single { options, solution })
                } else {
                    if solution.is_empty() {
                        r.error(
                            "multiple-solution-empty",
                            sspan,
                            "the solution of a multiple item is empty",
                            Some("list the right options; at least one must be right".into()),
                        );
                        return None;
                    }
                    if !options.is_empty() && sol.len() == options.len() {
                        r.error(
                            "multiple-solution-all",
                            sspan,
                            "every option is in the solution",
                            Some("a multiple item needs at least one wrong option".into()),
                        );
                    }
                    let partial_credit = r.bool(t, "partial_credit").is_some_and(|b| b.0);
                    Some(Kind::Multiple {
                        options,
                        solution: sol,
                        partial_credit,
                    })
                }
            }
            ItemType::Text | ItemType::Blanks | ItemType::BlanksAnyOrder => {
                let blanks = self.blanks(r, t);
                if blanks.is_empty() {
                    if !t.contains_key("blank") {
                        r.missing(
                            "blank",
                            header.clone(),
                            what,
                            "add [[item.blank]] with id and accept = [\"…\"]",
                        );
                    }
                    return None;
                }
                let ids: Vec<String> = blanks.iter().map(|b| b.id.clone()).collect();
                placeholder_check(r, &ids, ty == ItemType::Blanks);
                match ty {
                    ItemType::Text => {
                        if blanks.len() != 1 {
                            r.error(
                                "blank-count",
                                header.clone(),
                                format!("a text item has one blank; this one has {}", blanks.len()),
                                Some("use type = \"blanks\" for several".into()),
                            );
                        }
                        blanks.into_iter().next().map(|blank| Kind::Text { blank })
                    }
                    _ => {
                        if blanks.len() < 2 {
                            r.warning(
                                "blank-count",
                                header.clone(),
                                format!("a {ty} item with a single blank"),
                                Some("use type = \"text\"".into()),
                            );
                        }
                        Some(if ty == ItemType::Blanks {
                            Kind::Blanks { blanks }
                        } else {
                            Kind::BlanksAnyOrder { blanks }
                        })
                    }
                }
            }
            ItemType::Number => {
                placeholder_check(r, &[], false);
                let Some((nt, nspan)) = r.table(t, "number") else {
                    if !t.contains_key("number") {
                        r.missing(
                            "number",
                            header.clone(),
                            what,
                            "add [item.number] with value = … and tolerance = … (or min and max)",
                        );
                    }
                    return None;
                };
                self.number(r, nt, nspan)
            }
        }
    }

    fn options(
        &self,
        r: &mut Reader<'_, '_>,
        t: &DeTable<'_>,
        header: &Range<usize>,
        what: &str,
    ) -> Vec<ChoiceOption> {
        let tables = r.tables(t, "option");
        if tables.is_empty() && !t.contains_key("option") {
            r.missing(
                "option",
                header.clone(),
                what,
                "add [[item.option]] tables with id, fr and en",
            );
        }
        let mut out: Vec<ChoiceOption> = Vec::new();
        for (ot, ospan) in tables {
            r.check_keys(ot, OPTION_KEYS, "an [[item.option]]");
            let Some((id, idspan)) = r.str(ot, "id") else {
                if !ot.contains_key("id") {
                    r.missing("id", ospan, "this option", "add id = \"a\"");
                }
                continue;
            };
            if !valid_blank_id(&id.to_ascii_lowercase()) {
                r.error(
                    "invalid-id",
                    idspan.clone(),
                    format!("option id `{id}` may use only letters, digits, `_` and `-`"),
                    None,
                );
            }
            let mut text = Translated::<String>::default();
            for lang in Lang::ALL {
                match r.str(ot, lang.code()) {
                    Some((s, sspan)) => {
                        if lang == Lang::Fr {
                            r.french_typography(&s, sspan.clone(), &format!("French text of option `{id}`"));
                        }
                        if s.trim().is_empty() {
                            r.error(
                                "missing-translation",
                                sspan,
                                format!("option `{id}` has an empty {lang} text"),
                                None,
                            );
                        }
                        *text.get_mut(lang) = s;
                    }
                    None if !ot.contains_key(lang.code()) => r.error(
                        "missing-translation",
                        ospan.clone(),
                        format!("option `{id}` has no {lang} text"),
                        Some(format!("add {} = \"…\"", lang.code())),
                    ),
                    None => {}
                }
            }
            if out.iter().any(|o| o.id == id) {
                r.error(
                    "duplicate-option",
                    idspan,
                    format!("option id `{id}` is used twice in this item"),
                    None,
                );
                continue;
            }
            out.push(ChoiceOption { id, text });
        }
        out
    }

    /// Two options that read the same: a distractor indistinguishable from the solution, or a
    /// repeated option.
    fn distractors(
        &self,
        r: &mut Reader<'_, '_>,
        options: &[ChoiceOption],
        solution: &[String],
        header: &Range<usize>,
    ) {
        // Options are read, not typed: they differ as soon as their texts differ (only spaces
        // and Unicode composition are ignored).
        let tol = Tolerances {
            ignore_case: false,
            ignore_accents: false,
            ..Tolerances::default()
        };
        for lang in Lang::ALL {
            for (i, a) in options.iter().enumerate() {
                for b in &options[i + 1..] {
                    let (na, nb) = (
                        normalize(a.text.get(lang), &tol),
                        normalize(b.text.get(lang), &tol),
                    );
                    if na.is_empty() || na != nb {
                        continue;
                    }
                    let right = |o: &ChoiceOption| solution.contains(&o.id);
                    if right(a) != right(b) {
                        let (good, bad) = if right(a) { (a, b) } else { (b, a) };
                        r.error(
                            "distractor-accepted",
                            header.clone(),
                            format!(
                                "the wrong option `{}` reads the same as the right option `{}` ({lang}: \"{}\")",
                                bad.id, good.id, na
                            ),
                            Some("reword the distractor".into()),
                        );
                    } else {
                        r.error(
                            "duplicate-option-text",
                            header.clone(),
                            format!(
                                "options `{}` and `{}` read the same ({lang}: \"{}\")",
                                a.id, b.id, na
                            ),
                            None,
                        );
                    }
                }
            }
        }
    }

    fn blanks(&self, r: &mut Reader<'_, '_>, t: &DeTable<'_>) -> Vec<Blank> {
        let mut out: Vec<Blank> = Vec::new();
        for (bt, bspan) in r.tables(t, "blank") {
            r.check_keys(bt, BLANK_KEYS, "an [[item.blank]]");
            let Some((id, idspan)) = r.str(bt, "id") else {
                if !bt.contains_key("id") {
                    r.missing("id", bspan, "this blank", "add id = \"b1\"");
                }
                continue;
            };
            if !valid_blank_id(&id) {
                r.error(
                    "invalid-id",
                    idspan.clone(),
                    format!("blank id `{id}` may use only a-z, 0-9, `_` and `-`"),
                    None,
                );
            }
            if out.iter().any(|b| b.id == id) {
                r.error(
                    "duplicate-blank",
                    idspan,
                    format!("blank id `{id}` is used twice in this item"),
                    None,
                );
                continue;
            }
            let list = |r: &mut Reader<'_, '_>, key: &str| r.str_list(bt, key, true);
            let accept = list(r, "accept");
            let accept_fr = list(r, "accept_fr");
            let accept_en = list(r, "accept_en");
            let reject = list(r, "reject");
            let flag = |r: &mut Reader<'_, '_>, key: &str, dflt: bool| r.bool(bt, key).map_or(dflt, |b| b.0);
            let max_edits = match r.int(bt, "max_edits") {
                Some((n, _)) if (0..=10).contains(&n) => n as u32,
                Some((n, span)) => {
                    r.error(
                        "invalid-max-edits",
                        span,
                        format!("max_edits must be between 0 and 10, not {n}"),
                        None,
                    );
                    0
                }
                None => 0,
            };
            let tolerances = Tolerances {
                ignore_case: flag(r, "ignore_case", true),
                ignore_accents: flag(r, "ignore_accents", true),
                ignore_punctuation: flag(r, "ignore_punctuation", false),
                ignore_spaces: flag(r, "ignore_spaces", false),
                max_edits,
                ignore_articles: flag(r, "ignore_articles", true),
                ignore_final_stop: flag(r, "ignore_final_stop", true),
            };
            let strings = |l: &Option<StrList>| -> Vec<String> {
                l.as_ref()
                    .map(|(v, _)| v.iter().map(|x| x.0.clone()).collect())
                    .unwrap_or_default()
            };
            let blank = Blank {
                id: id.clone(),
                accept: strings(&accept),
                accept_fr: strings(&accept_fr),
                accept_en: strings(&accept_en),
                reject: strings(&reject),
                tolerances,
            };
            for lang in Lang::ALL {
                if blank.accepted(lang).next().is_none() {
                    r.error(
                        "no-accepted-answer",
                        bspan.clone(),
                        format!("blank `{id}` accepts no answer in {lang}"),
                        Some(format!("add accept = [\"…\"] or accept_{lang} = [\"…\"]")),
                    );
                }
            }
            for (list, name) in [
                (&accept, "accept"),
                (&accept_fr, "accept_fr"),
                (&accept_en, "accept_en"),
            ] {
                for (s, span) in list.iter().flat_map(|l| l.0.iter()) {
                    if normalize(s, &tolerances).is_empty() {
                        r.error(
                            "empty-answer",
                            span.clone(),
                            format!("`{name}` of blank `{id}` holds an answer that is empty once normalised"),
                            None,
                        );
                    }
                }
            }
            // A listed wrong answer that the blank's own tolerances accept.
            if let Some((rejects, _)) = &reject {
                for (s, span) in rejects {
                    let hit = Lang::ALL
                        .iter()
                        .find_map(|l| crate::answer::blank_match(&blank, *l, s).ok().map(|m| (*l, m)));
                    if let Some((lang, accepted)) = hit {
                        r.error(
                            "reject-accepted",
                            span.clone(),
                            format!(
                                "the wrong answer \"{s}\" is accepted by blank `{id}` ({lang}: it matches \"{accepted}\")"
                            ),
                            Some("tighten the tolerances (max_edits, ignore_*) or remove it from reject".into()),
                        );
                    }
                }
            }
            if tolerances.max_edits > 0 {
                let shortest = Lang::ALL
                    .iter()
                    .flat_map(|l| blank.accepted(*l))
                    .map(|s| normalize(s, &tolerances).chars().count())
                    .min()
                    .unwrap_or(0);
                if shortest > 0 && tolerances.max_edits as usize * 2 >= shortest {
                    r.warning(
                        "loose-tolerance",
                        bspan.clone(),
                        format!(
                            "max_edits = {} on blank `{id}` is half or more of its shortest answer ({shortest} characters)",
                            tolerances.max_edits
                        ),
                        Some("such a blank accepts unrelated short answers; lower max_edits".into()),
                    );
                }
            }
            out.push(blank);
        }
        out
    }

    fn number(&self, r: &mut Reader<'_, '_>, nt: &DeTable<'_>, nspan: Range<usize>) -> Option<Kind> {
        r.check_keys(nt, NUMBER_KEYS, "[item.number]");
        let value = r.number(nt, "value");
        let tolerance = r.number(nt, "tolerance");
        let min = r.number(nt, "min");
        let max = r.number(nt, "max");
        let reject = r.number_list(nt, "reject");
        let mut unit = Translated::<String>::default();
        let unit_fr = r.str(nt, "unit_fr");
        let unit_en = r.str(nt, "unit_en");
        match (&unit_fr, &unit_en) {
            (Some(_), None) | (None, Some(_)) => r.error(
                "missing-translation",
                nspan.clone(),
                "the unit is given in one language only",
                Some("give both unit_fr and unit_en".into()),
            ),
            _ => {}
        }
        unit.fr = unit_fr.map(|u| u.0).unwrap_or_default();
        unit.en = unit_en.map(|u| u.0).unwrap_or_default();
        let accept = match (tolerance, min, max) {
            (tol, None, None) => {
                let Some((value, _)) = value else {
                    if !nt.contains_key("value") {
                        r.missing(
                            "value",
                            nspan.clone(),
                            "[item.number]",
                            "add value = …, the right value (or min and max for a range)",
                        );
                    }
                    return None;
                };
                let (tol, tspan) = tol.unwrap_or((0.0, nspan.clone()));
                if tol < 0.0 {
                    r.error(
                        "invalid-number",
                        tspan,
                        format!("tolerance must be ≥ 0, not {tol}"),
                        None,
                    );
                    return None;
                }
                NumberAccept::Tolerance {
                    value,
                    tolerance: tol,
                }
            }
            (None, Some((lo, lspan)), Some((hi, _))) => {
                if lo > hi {
                    r.error(
                        "invalid-number",
                        lspan,
                        format!("min ({lo}) is above max ({hi})"),
                        None,
                    );
                    return None;
                }
                if let Some((value, vspan)) = &value
                    && (*value < lo || *value > hi)
                {
                    r.error(
                        "invalid-number",
                        vspan.clone(),
                        format!("the value {value} is outside [min, max] = [{lo}, {hi}]"),
                        None,
                    );
                }
                NumberAccept::Range { min: lo, max: hi }
            }
            (Some((_, tspan)), _, _) => {
                r.error(
                    "invalid-number",
                    tspan,
                    "give either tolerance or min and max, not both",
                    None,
                );
                return None;
            }
            (None, lo, _) => {
                r.error(
                    "invalid-number",
                    lo.map_or(nspan.clone(), |x| x.1),
                    "a range needs both min and max",
                    None,
                );
                return None;
            }
        };
        let spec = NumberSpec {
            value: value.map(|v| v.0),
            accept,
            reject: reject.iter().map(|x| x.0).collect(),
            unit,
        };
        for (x, span) in &reject {
            if spec.accepts(*x) {
                r.error(
                    "reject-accepted",
                    span.clone(),
                    format!("the wrong value {x} is accepted by this item's tolerance"),
                    Some("narrow the tolerance or the range, or remove it from reject".into()),
                );
            }
        }
        Some(Kind::Number { number: spec })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_in_order() {
        assert_eq!(placeholders("a {{b1}} c {{ b2 }} {{x"), vec!["b1", "b2"]);
        assert!(placeholders("none").is_empty());
    }
}
