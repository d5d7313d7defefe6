//! The item files: the file's tube, each item's common fields, texts and parameters.

use std::ops::Range;

use jauge_irt::ItemParams;
use toml::de::DeTable;

use super::examples;
use super::{ItemPos, Loader, Pos, syntax, valid_item_id, valid_tube_id};
use crate::diagnostic::{Sink, did_you_mean};
use crate::model::{
    Examples, Item, ItemText, ItemType, Lang, ParamSource, Parameters, Status, Translated,
    provisional_params, skill_id,
};
use crate::tomlread::Reader;

const FILE_KEYS: &[&str] = &["tube", "item"];
const ITEM_KEYS: &[&str] = &[
    "id",
    "tube",
    "level",
    "type",
    "status",
    "shuffle",
    "time_limit",
    "focus",
    "accessibility",
    "variant_of",
    "irt",
    "solution",
    "partial_credit",
    "fr",
    "en",
    "option",
    "blank",
    "number",
    "examples",
    "set",
];
const TEXT_KEYS: &[&str] = &["question", "explanation"];
const IRT_KEYS: &[&str] = &["a", "b", "c", "d", "reason"];

impl Loader {
    pub(super) fn item_file(&mut self, path: &str, text: &str) {
        let mut sink = Sink::new(path, text);
        let (root, errors) = DeTable::parse_recoverable(text);
        if !syntax(&mut sink, &errors, text.len()) {
            self.diags.append(&mut sink.out);
            return;
        }
        let root = root.get_ref();
        let mut parsed = Vec::new();
        {
            let mut r = Reader {
                sink: &mut sink,
                item: None,
            };
            r.check_keys(root, FILE_KEYS, "an item file");
            let file_tube = r.str(root, "tube");
            if let Some((tube, tspan)) = &file_tube {
                self.check_tube(&mut r, tube, tspan.clone());
                self.check_folder(&mut r, path, tube, tspan.clone());
            }
            let items = r.tables(root, "item");
            if items.is_empty() && !root.contains_key("item") {
                r.warning(
                    "no-items",
                    0..0,
                    "this file has no [[item]]",
                    Some("add items, or remove the file".into()),
                );
            }
            for (n, (t, span)) in items.into_iter().enumerate() {
                r.item = None;
                if let Some(p) = self.item(&mut r, t, span, n + 1, file_tube.as_ref()) {
                    parsed.push(p);
                }
            }
        }
        for (item, pos) in parsed {
            self.add_item(item, pos, &mut sink);
        }
        self.diags.append(&mut sink.out);
    }

    fn check_tube(&self, r: &mut Reader<'_, '_>, tube: &str, span: Range<usize>) -> bool {
        if !self.framework_ok || self.fw.tube(tube).is_some() {
            return true;
        }
        let all = self
            .fw
            .competences
            .iter()
            .flat_map(|c| c.tubes.iter().map(|t| t.id.as_str()));
        let help = match did_you_mean(tube, all) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "declare the tube under its competence in framework.toml".into(),
        };
        r.error("unknown-tube", span, format!("unknown tube `{tube}`"), Some(help));
        false
    }

    /// Warns when a file sits in a folder that is not its tube's competence.
    fn check_folder(&self, r: &mut Reader<'_, '_>, path: &str, tube: &str, span: Range<usize>) {
        let Some((folder, _)) = path.rsplit_once('/') else {
            return;
        };
        let folder = folder.rsplit('/').next().unwrap_or(folder);
        let Some((comp, _)) = self.fw.tube(tube) else {
            return;
        };
        if self.fw.competence(folder).is_none() {
            r.warning(
                "unknown-competence",
                span,
                format!("folder `{folder}` is not the code of a competence"),
                Some(format!(
                    "tube `{tube}` belongs to competence {}: move the file to {}/",
                    comp.code, comp.code
                )),
            );
        } else if folder != comp.code {
            r.warning(
                "wrong-folder",
                span,
                format!(
                    "tube `{tube}` belongs to competence {}, but the file is in folder {folder}",
                    comp.code
                ),
                Some(format!("move the file to {}/", comp.code)),
            );
        }
    }

    #[allow(clippy::too_many_lines)]
    fn item(
        &self,
        r: &mut Reader<'_, '_>,
        t: &DeTable<'_>,
        header: Range<usize>,
        n: usize,
        file_tube: Option<&(String, Range<usize>)>,
    ) -> Option<(Item, ItemPos)> {
        let id = r.str(t, "id");
        let what = match &id {
            Some((id, _)) => format!("item `{id}`"),
            None => format!("item #{n} of this file"),
        };
        if let Some((id, _)) = &id {
            r.item = Some(id.clone());
        }
        r.check_keys(t, ITEM_KEYS, "an [[item]]");
        if id.is_none() && !t.contains_key("id") {
            r.missing(
                "id",
                header.clone(),
                &what,
                "give it a stable id, e.g. id = \"operateurs-guillemets-1\"",
            );
        }
        if let Some((id, span)) = &id
            && !valid_item_id(id)
        {
            r.error(
                "invalid-id",
                span.clone(),
                format!("item id `{id}` may use only letters, digits, `_`, `.` and `-`"),
                None,
            );
        }
        // Tube: the item's own, else the file's.
        let own_tube = r.str(t, "tube");
        let tube = match (&own_tube, file_tube) {
            (Some(own), _) => {
                let ok = self.check_tube(r, &own.0, own.1.clone());
                ok.then(|| own.0.clone())
            }
            (None, Some(ft)) => self.fw.tube(&ft.0).map(|_| ft.0.clone()),
            (None, None) => {
                if !t.contains_key("tube") {
                    r.error(
                        "missing-key",
                        header.clone(),
                        format!("{what} has no tube"),
                        Some("declare tube = \"…\" at the top of the file".into()),
                    );
                }
                None
            }
        };
        let competence = tube.as_deref().and_then(|tb| self.fw.tube(tb)).map(|(c, _)| c);
        // Level.
        let level = match r.int(t, "level") {
            Some((l, span)) if (1..=8).contains(&l) => {
                let l = l as u8;
                if let Some(c) = competence
                    && c.max_level > 0
                    && l > c.max_level
                {
                    r.error(
                        "level-above-max",
                        span,
                        format!(
                            "level {l} is above the highest open level of competence {} ({})",
                            c.code, c.max_level
                        ),
                        Some(format!(
                            "lower the level, or open it with max_level = {l} in framework.toml"
                        )),
                    );
                }
                Some(l)
            }
            Some((l, span)) => {
                r.error(
                    "unknown-level",
                    span,
                    format!("unknown level {l}: levels run from 1 to 8"),
                    None,
                );
                None
            }
            None => {
                if !t.contains_key("level") {
                    r.missing("level", header.clone(), &what, "add level = 1 … 8");
                }
                None
            }
        };
        // Type.
        let item_type = match r.str(t, "type") {
            Some((name, span)) => match ItemType::from_name(&name) {
                Some(ty) => Some(ty),
                None => {
                    let names = ItemType::ALL.map(ItemType::name);
                    let help = match did_you_mean(&name, names) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("the types are: {}", names.join(", ")),
                    };
                    r.error("unknown-type", span, format!("unknown type `{name}`"), Some(help));
                    None
                }
            },
            None => {
                if !t.contains_key("type") {
                    r.missing(
                        "type",
                        header.clone(),
                        &what,
                        "add type = \"single\" (or multiple, text, blanks, blanks_any_order, number)",
                    );
                }
                None
            }
        };
        // Status.
        let status = match r.str(t, "status") {
            Some((name, span)) => {
                let found = Status::ALL.into_iter().find(|s| s.name() == name);
                if found.is_none() {
                    let names = Status::ALL.map(Status::name);
                    r.error(
                        "unknown-status",
                        span,
                        format!("unknown status `{name}`"),
                        Some(match did_you_mean(&name, names) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("the statuses are: {}", names.join(", ")),
                        }),
                    );
                }
                found
            }
            None => {
                if !t.contains_key("status") {
                    r.missing(
                        "status",
                        header.clone(),
                        &what,
                        "add status = \"draft\" (or pretest, live, archived)",
                    );
                }
                None
            }
        };
        let shuffle = r.bool(t, "shuffle").map(|b| b.0).unwrap_or(true);
        let focus = r.bool(t, "focus").map(|b| b.0).unwrap_or(false);
        let time_limit = match r.int(t, "time_limit") {
            Some((s, _)) if s > 0 && s <= i64::from(u32::MAX) => Some(s as u32),
            Some((s, span)) => {
                r.error(
                    "invalid-time-limit",
                    span,
                    format!("time_limit must be a positive number of seconds, not {s}"),
                    None,
                );
                None
            }
            None => None,
        };
        let mut accessibility = Vec::new();
        if let Some((tags, _)) = r.str_list(t, "accessibility", false) {
            for (tag, span) in tags {
                if !valid_tube_id(&tag) {
                    r.error(
                        "invalid-tag",
                        span,
                        format!("accessibility tag `{tag}` must use only a-z, 0-9 and -"),
                        Some("e.g. accessibility = [\"no-screen-reader\"]".into()),
                    );
                } else {
                    accessibility.push(tag);
                }
            }
        }
        let variant_of = r.str(t, "variant_of");
        let set = r.str(t, "set");
        if let Some((name, span)) = &set
            && !valid_tube_id(name)
        {
            r.error(
                "invalid-id",
                span.clone(),
                format!("set name `{name}` may use only a-z, 0-9 and -"),
                Some("e.g. set = \"licence-ouverte-reutilisation\"".into()),
            );
        }

        // Texts.
        let mut texts: Translated<ItemText> = Translated::default();
        let mut question_pos: Translated<Option<Pos>> = Translated::default();
        for lang in Lang::ALL {
            let name = match lang {
                Lang::Fr => "French",
                Lang::En => "English",
            };
            let Some((lt, lspan)) = r.table(t, lang.code()) else {
                if !t.contains_key(lang.code()) {
                    r.error(
                        "missing-translation",
                        header.clone(),
                        format!("{what} has no {name} text"),
                        Some(format!(
                            "add [item.{}] with question and explanation",
                            lang.code()
                        )),
                    );
                }
                continue;
            };
            r.check_keys(lt, TEXT_KEYS, &format!("[item.{}]", lang.code()));
            match r.str(lt, "question") {
                Some((q, qspan)) => {
                    if q.trim().is_empty() {
                        r.error(
                            "empty-question",
                            qspan.clone(),
                            format!("the {name} question is empty"),
                            None,
                        );
                    }
                    if lang == Lang::Fr {
                        r.french_typography(&q, qspan.clone(), "French question");
                    }
                    question_pos.get_mut(lang).replace(Pos::of(r.sink, qspan));
                    texts.get_mut(lang).question = q;
                }
                None if !lt.contains_key("question") && !typo_of(lt, TEXT_KEYS, "question") => r.error(
                    "missing-translation",
                    lspan.clone(),
                    format!("{what} has no {name} question"),
                    Some(format!(
                        "add question = \"\"\"…\"\"\" under [item.{}]",
                        lang.code()
                    )),
                ),
                None => {}
            }
            match r.str(lt, "explanation") {
                Some((e, espan)) => {
                    if lang == Lang::Fr {
                        r.french_typography(&e, espan.clone(), "French explanation");
                    }
                    if e.trim().is_empty() {
                        r.error(
                            "empty-explanation",
                            espan,
                            format!("the {name} explanation is empty"),
                            Some(
                                "explain why the answer is right: agents read it after the \
                                 assessment"
                                    .into(),
                            ),
                        );
                    }
                    texts.get_mut(lang).explanation = e;
                }
                None if !lt.contains_key("explanation") && !typo_of(lt, TEXT_KEYS, "explanation") => r.error(
                    "missing-translation",
                    lspan.clone(),
                    format!("{what} has no {name} explanation"),
                    Some(format!(
                        "add explanation = \"\"\"…\"\"\" under [item.{}]",
                        lang.code()
                    )),
                ),
                None => {}
            }
        }

        let qspans = Translated {
            fr: question_pos.fr.as_ref().map(|p| p.span.clone()),
            en: question_pos.en.as_ref().map(|p| p.span.clone()),
        };
        let kind = item_type.and_then(|ty| self.kind(r, t, ty, &header, (&texts, &qspans), &what));
        let read_examples = examples::read(r, t, item_type, kind.as_ref().map_or(0, |k| k.blanks().len()));

        // Parameters.
        let provisional = kind.as_ref().zip(level).map(|(k, l)| provisional_params(l, k));
        let mut parameters = provisional.map(|p| Parameters {
            params: p,
            source: ParamSource::Provisional,
        });
        if let Some((irt, ispan)) = r.table(t, "irt") {
            r.check_keys(irt, IRT_KEYS, "[item.irt]");
            let a = r.number(irt, "a");
            let b = r.number(irt, "b");
            let c = r.number(irt, "c");
            let d = r.number(irt, "d");
            let reason = r.str(irt, "reason");
            match &reason {
                Some((s, rspan)) if s.trim().is_empty() => r.error(
                    "override-without-reason",
                    rspan.clone(),
                    "the reason for overriding the provisional parameters is empty",
                    Some("say where the values come from (pilot data, expert judgement…)".into()),
                ),
                None if !irt.contains_key("reason") => r.error(
                    "override-without-reason",
                    ispan.clone(),
                    "[item.irt] overrides the provisional parameters without a reason",
                    Some("add reason = \"…\": where the values come from".into()),
                ),
                _ => {}
            }
            if let Some(p) = provisional {
                let value = |x: &Option<(f64, Range<usize>)>, dflt: f64| x.as_ref().map_or(dflt, |v| v.0);
                let params = ItemParams::new(
                    value(&a, p.a()),
                    value(&b, p.b()),
                    value(&c, p.c()),
                    value(&d, p.d()),
                );
                match params {
                    Ok(params) if crate::bounds::out_of_bounds(&params).is_some() => {
                        let span = [&a, &b, &c, &d]
                            .into_iter()
                            .flatten()
                            .next()
                            .map_or(ispan.clone(), |x| x.1.clone());
                        r.error(
                            "irt-out-of-bounds",
                            span,
                            format!(
                                "IRT parameters out of bounds: {}",
                                crate::bounds::out_of_bounds(&params).unwrap_or_default()
                            ),
                            Some(crate::bounds::HELP.into()),
                        );
                    }
                    Ok(params) => {
                        parameters = Some(Parameters {
                            params,
                            source: ParamSource::Overridden {
                                reason: reason.map(|r| r.0).unwrap_or_default(),
                            },
                        })
                    }
                    Err(e) => {
                        let span = [&a, &b, &c, &d]
                            .into_iter()
                            .flatten()
                            .next()
                            .map_or(ispan.clone(), |x| x.1.clone());
                        r.error(
                            "invalid-irt",
                            span,
                            format!("invalid IRT parameters: {e}"),
                            Some("a > 0, 0 ≤ c < d ≤ 1, every value finite".into()),
                        );
                    }
                }
            }
        }

        let id_pos = id.as_ref().map_or(header.clone(), |(_, s)| s.clone());
        let pos = ItemPos {
            id: Pos::of(r.sink, id_pos),
            variant_of: variant_of.as_ref().map(|(_, s)| Pos::of(r.sink, s.clone())),
            set: set.as_ref().map(|(_, s)| Pos::of(r.sink, s.clone())),
            question: question_pos,
        };
        let (id, _) = id?;
        let tube = tube?;
        let competence = competence?.code.clone();
        let level = level?;
        let kind = kind?;
        let parameters = parameters?;
        let mut item = Item {
            skill: skill_id(&tube, level),
            id,
            tube,
            competence,
            level,
            kind,
            text: texts,
            shuffle,
            time_limit,
            focus,
            accessibility,
            status: status.unwrap_or(Status::Draft),
            variant_of: variant_of.map(|v| v.0),
            set: set.map(|s| s.0).filter(|s| valid_tube_id(s)),
            examples: Examples::default(),
            parameters,
            location: pos.id.location(),
        };
        item.examples = examples::check_examples(r, &item, &read_examples, pos.id.span.clone());
        Some((item, pos))
    }

    fn add_item(&mut self, item: Item, pos: ItemPos, sink: &mut Sink<'_>) {
        if let Some(first) = self.ids.get(&item.id) {
            sink.error(
                "duplicate-id",
                pos.id.span.clone(),
                Some(&item.id),
                format!("item id `{}` is already used at {first}", item.id),
                Some("item ids are unique across the bank: give this one another id".into()),
            );
            return;
        }
        self.ids.insert(item.id.clone(), pos.id.location());
        self.items.push(item);
        self.positions.push(pos);
    }
}

/// Whether an unknown key of `t` is a likely typo of `key` (then the unknown-key diagnostic
/// already says what is missing).
fn typo_of(t: &DeTable<'_>, known: &[&str], key: &str) -> bool {
    t.iter().any(|(k, _)| {
        let k: &str = k.get_ref();
        !known.contains(&k) && did_you_mean(k, known.iter().copied()) == Some(key)
    })
}
