//! `framework.toml`: domains, competences, their tubes and highest open levels.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use toml::de::DeTable;

use super::{Loader, Pos, syntax, valid_tube_id};
use crate::diagnostic::{Sink, did_you_mean};
use crate::load::FRAMEWORK_FILE;
use crate::model::{Competence, Domain, Lang, Translated, Tube};
use crate::tomlread::Reader;

const FRAMEWORK_KEYS: &[&str] = &["name", "domain", "competence"];
const DOMAIN_KEYS: &[&str] = &["code", "fr", "en"];
const COMPETENCE_KEYS: &[&str] = &["code", "domain", "fr", "en", "max_level", "tube"];
const TUBE_KEYS: &[&str] = &["id", "fr", "en"];

impl Loader {
    pub(super) fn framework(&mut self, text: &str) {
        let mut sink = Sink::new(FRAMEWORK_FILE, text);
        let (root, errors) = DeTable::parse_recoverable(text);
        if !syntax(&mut sink, &errors, text.len()) {
            self.diags.append(&mut sink.out);
            return;
        }
        let root = root.get_ref();
        let mut competence_pos = HashMap::new();
        {
            let mut r = Reader {
                sink: &mut sink,
                item: None,
            };
            r.check_keys(root, FRAMEWORK_KEYS, "framework.toml");
            self.fw.name = r.str(root, "name").map(|s| s.0).unwrap_or_default();
            let mut domain_codes = HashSet::new();
            for (t, span) in r.tables(root, "domain") {
                r.check_keys(t, DOMAIN_KEYS, "a [[domain]]");
                let code = r.str(t, "code");
                if code.is_none() && !t.contains_key("code") {
                    r.missing("code", span.clone(), "this [[domain]]", "add code = \"1\"");
                }
                let title = titles(&mut r, t, span.clone(), "this [[domain]]");
                if let Some((code, cspan)) = code {
                    if !domain_codes.insert(code.clone()) {
                        r.error(
                            "duplicate-domain",
                            cspan,
                            format!("domain `{code}` is declared twice"),
                            Some("give each domain its own code".into()),
                        );
                        continue;
                    }
                    self.fw.domains.push(Domain { code, title });
                }
            }
            let mut tube_ids: HashMap<String, String> = HashMap::new();
            for (t, span) in r.tables(root, "competence") {
                r.check_keys(t, COMPETENCE_KEYS, "a [[competence]]");
                let code = r.str(t, "code");
                if code.is_none() && !t.contains_key("code") {
                    r.missing("code", span.clone(), "this [[competence]]", "add code = \"1.1\"");
                }
                let domain = r.str(t, "domain");
                match &domain {
                    Some((d, dspan)) if !domain_codes.contains(d) => r.error(
                        "unknown-domain",
                        dspan.clone(),
                        format!("unknown domain `{d}`"),
                        Some(match did_you_mean(d, domain_codes.iter().map(String::as_str)) {
                            Some(s) => format!("did you mean `{s}`? domains are declared with [[domain]]"),
                            None => "declare it with [[domain]] first".into(),
                        }),
                    ),
                    None if !t.contains_key("domain") => r.missing(
                        "domain",
                        span.clone(),
                        "this [[competence]]",
                        "add the code of its domain, e.g. domain = \"1\"",
                    ),
                    _ => {}
                }
                let title = titles(&mut r, t, span.clone(), "this [[competence]]");
                let max_level = match r.int(t, "max_level") {
                    Some((n, _)) if (1..=8).contains(&n) => n as u8,
                    Some((n, lspan)) => {
                        r.error(
                            "invalid-level",
                            lspan,
                            format!("max_level must be between 1 and 8, not {n}"),
                            None,
                        );
                        0
                    }
                    None => {
                        if !t.contains_key("max_level") {
                            r.missing(
                                "max_level",
                                span.clone(),
                                "this [[competence]]",
                                "add the highest level currently open, e.g. max_level = 6",
                            );
                        }
                        0
                    }
                };
                let mut tubes = Vec::new();
                for (tt, tspan) in r.tables(t, "tube") {
                    r.check_keys(tt, TUBE_KEYS, "a [[competence.tube]]");
                    let title = titles(&mut r, tt, tspan.clone(), "this tube");
                    let Some((id, idspan)) = r.str(tt, "id") else {
                        if !tt.contains_key("id") {
                            r.missing("id", tspan, "this tube", "add id = \"my-tube\"");
                        }
                        continue;
                    };
                    if !valid_tube_id(&id) {
                        r.error(
                            "invalid-id",
                            idspan.clone(),
                            format!("tube id `{id}` must use only a-z, 0-9 and -"),
                            None,
                        );
                    }
                    if let Some(other) = tube_ids.get(&id) {
                        r.error(
                            "duplicate-tube",
                            idspan,
                            format!("tube `{id}` is already declared in competence {other}"),
                            Some("a tube id is unique across the bank".into()),
                        );
                        continue;
                    }
                    if let Some((code, _)) = &code {
                        tube_ids.insert(id.clone(), code.clone());
                    }
                    tubes.push(Tube { id, title });
                }
                let Some((code, cspan)) = code else { continue };
                if self.fw.competences.iter().any(|c| c.code == code) {
                    r.error(
                        "duplicate-competence",
                        cspan,
                        format!("competence `{code}` is declared twice"),
                        None,
                    );
                    continue;
                }
                competence_pos.insert(code.clone(), span);
                self.fw.competences.push(Competence {
                    code,
                    domain: domain.map(|d| d.0).unwrap_or_default(),
                    title,
                    max_level,
                    tubes,
                });
            }
        }
        for (code, span) in competence_pos {
            let pos = Pos::of(&sink, span);
            self.competence_pos.insert(code, pos);
        }
        self.framework_ok = true;
        self.diags.append(&mut sink.out);
    }
}

/// The `fr` and `en` titles of a framework entry.
fn titles(r: &mut Reader<'_, '_>, t: &DeTable<'_>, span: Range<usize>, what: &str) -> Translated<String> {
    let mut out = Translated::<String>::default();
    for lang in Lang::ALL {
        match r.str(t, lang.code()) {
            Some((s, _)) => *out.get_mut(lang) = s,
            None if !t.contains_key(lang.code()) => r.error(
                "missing-translation",
                span.clone(),
                format!("{what} has no {lang} title"),
                Some(format!("add {} = \"…\"", lang.code())),
            ),
            None => {}
        }
    }
    out
}
