//! The typography fixer on a whole item file (`jauge bank fix-typography`), and the validator's
//! check of one string as written in a file.

use std::ops::Range;

use thiserror::Error;
use toml::de::{DeTable, DeValue};

use super::{apply_fixes, excerpt, french_typography};
use crate::tomlstr::decode;

/// What the fixer did to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFix {
    /// The file's new text (the old one where nothing changed).
    pub text: String,
    /// The corrections made.
    pub fixes: usize,
    /// The French strings corrected.
    pub strings: usize,
}

/// Why a file was left as it was.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FixError {
    /// The file is not valid TOML: `jauge bank validate` says where.
    #[error("not valid TOML ({0}); fix it first (jauge bank validate)")]
    Syntax(String),
    /// A safety check failed: the corrected file would not read back as expected. Nothing is
    /// written; this is a bug to report with the file.
    #[error("the corrected file does not read back as expected ({0}); left unchanged")]
    Verify(String),
}

/// The French strings of an item file, each with the span of its literal in the file: the
/// `question` and `explanation` of every `[item.fr]`, the `fr` of every `[[item.option]]`.
fn french_strings(text: &str) -> Result<Vec<(String, Range<usize>)>, FixError> {
    let root = DeTable::parse(text).map_err(|e| FixError::Syntax(e.message().trim().to_string()))?;
    let mut out = Vec::new();
    let string = |t: &DeTable<'_>, key: &str, out: &mut Vec<(String, Range<usize>)>| {
        if let Some(v) = t.get(key)
            && let DeValue::String(s) = v.get_ref()
        {
            out.push((s.to_string(), v.span()));
        }
    };
    for item in tables(root.get_ref(), "item") {
        if let Some(DeValue::Table(fr)) = item.get("fr").map(|v| v.get_ref()) {
            string(fr, "question", &mut out);
            string(fr, "explanation", &mut out);
        }
        for option in tables(item, "option") {
            string(option, "fr", &mut out);
        }
    }
    Ok(out)
}

/// The tables of the array of tables `key` of `t`.
fn tables<'t, 'i>(t: &'t DeTable<'i>, key: &str) -> Vec<&'t DeTable<'i>> {
    match t.get(key).map(|v| v.get_ref()) {
        Some(DeValue::Array(a)) => a
            .iter()
            .filter_map(|e| match e.get_ref() {
                DeValue::Table(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Applies French typography to the French strings of the item file `text`, leaving every other
/// byte as it was: characters are inserted, replaced or removed inside those string literals
/// only (U+202F written as itself), and the result is read back to check that each string now
/// holds exactly the corrected text. Running it twice changes nothing the second time.
pub fn fix_file(text: &str) -> Result<FileFix, FixError> {
    let strings = french_strings(text)?;
    let mut edits: Vec<(Range<usize>, &'static str)> = Vec::new();
    let mut expected = Vec::new();
    let mut changed = 0;
    for (value, span) in &strings {
        let fixes = french_typography(value);
        expected.push(apply_fixes(value, &fixes));
        if fixes.is_empty() {
            continue;
        }
        let raw = &text[span.clone()];
        let Some((decoded, end)) = decode(raw).filter(|(d, _)| &d.value == value) else {
            return Err(FixError::Verify(format!(
                "the string at byte {} does not decode as the TOML reader reads it",
                span.start
            )));
        };
        changed += 1;
        for f in fixes {
            let r = decoded.raw_range(f.range.clone(), end);
            edits.push((span.start + r.start..span.start + r.end, f.replacement));
        }
    }
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(text.len() + 3 * edits.len());
    let mut at = 0;
    for (r, rep) in &edits {
        if r.start < at {
            return Err(FixError::Verify("two corrections overlap".into()));
        }
        out.push_str(&text[at..r.start]);
        out.push_str(rep);
        at = r.end;
    }
    out.push_str(&text[at..]);
    if !edits.is_empty() {
        let again = french_strings(&out).map_err(|e| FixError::Verify(e.to_string()))?;
        let got: Vec<&String> = again.iter().map(|(v, _)| v).collect();
        let want: Vec<&String> = expected.iter().collect();
        if got != want {
            return Err(FixError::Verify("a French string reads back differently".into()));
        }
    }
    Ok(FileFix {
        text: out,
        fixes: edits.len(),
        strings: changed,
    })
}

impl crate::tomlread::Reader<'_, '_> {
    /// Reports every departure from French typography (`typography`, an error) in the string
    /// `value`, written at `span` of the file, pointing at the character concerned.
    pub(crate) fn french_typography(&mut self, value: &str, span: Range<usize>, what: &str) {
        let fixes = french_typography(value);
        if fixes.is_empty() {
            return;
        }
        let text = self.sink.text();
        let decoded = text
            .get(span.clone())
            .and_then(crate::tomlstr::decode)
            .filter(|(d, _)| d.value == value);
        for fix in fixes {
            let at = match &decoded {
                Some((d, end)) => {
                    let raw = d.raw_range(fix.range.clone(), *end);
                    let mut at = span.start + raw.start..span.start + raw.end;
                    // An insertion points at the character it goes before.
                    if at.is_empty() {
                        let next = text[at.start..].chars().next().map_or(0, char::len_utf8);
                        at.end = at.start + next;
                    }
                    at
                }
                None => span.clone(),
            };
            self.error(
                "typography",
                at,
                format!("{} in the {what}: {}", fix.message, excerpt(value, &fix.range)),
                Some("run `jauge bank fix-typography` on the bank: it corrects the French texts only".into()),
            );
        }
    }
}
