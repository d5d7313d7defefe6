//! What the loader and the validator report: every problem, with where it is and how to fix it.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The bank works but something deserves attention (`--strict` makes it fail).
    Warning,
    /// The bank must not be used until this is fixed.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem found in the bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable, kebab-case name of the check (e.g. `duplicate-id`), for scripts and tests.
    pub code: &'static str,
    /// The file, relative to the bank directory, with `/` separators (empty for the bank as a
    /// whole).
    pub file: String,
    /// The line (1-based; 0 when the diagnostic is about a whole file or the bank).
    pub line: usize,
    /// The column in Unicode scalar values (1-based; 0 when there is no position).
    pub column: usize,
    /// The byte range in the file the diagnostic points at.
    pub span: Range<usize>,
    /// The item concerned, when there is one.
    pub item: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// Whether the diagnostic is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.severity, self.code)?;
        if !self.file.is_empty() {
            write!(f, " {}", self.file)?;
            if self.line > 0 {
                write!(f, ":{}:{}", self.line, self.column)?;
            }
        }
        if let Some(item) = &self.item {
            write!(f, " (item {item})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, " — {help}")?;
        }
        Ok(())
    }
}

/// A file's text with its line starts, to turn byte offsets into lines and columns.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// (line, column), both 1-based, of byte `offset` (clamped to the text).
    pub(crate) fn position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let column = self.text[start..offset].chars().count() + 1;
        (line + 1, column)
    }
}

/// Collects diagnostics for one file.
#[derive(Debug)]
pub(crate) struct Sink<'a> {
    pub(crate) file: String,
    index: LineIndex<'a>,
    pub(crate) out: Vec<Diagnostic>,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(file: &str, text: &'a str) -> Self {
        Sink {
            file: file.to_string(),
            index: LineIndex::new(text),
            out: Vec::new(),
        }
    }

    /// The span of the first `needle` inside `within` in the file's text, else `within`.
    pub(crate) fn narrow(&self, within: Range<usize>, needle: &str) -> Range<usize> {
        self.index
            .text
            .get(within.clone())
            .and_then(|t| t.find(needle))
            .map_or(within.clone(), |i| {
                within.start + i..within.start + i + needle.len()
            })
    }

    /// The file's text.
    pub(crate) fn text(&self) -> &'a str {
        self.index.text
    }

    /// The 1-based (line, column) of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> (usize, usize) {
        self.index.position(offset)
    }

    pub(crate) fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        span: Range<usize>,
        item: Option<&str>,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let (line, column) = self.index.position(span.start);
        self.out.push(Diagnostic {
            severity,
            code,
            file: self.file.clone(),
            line,
            column,
            span,
            item: item.map(str::to_string),
            message: message.into(),
            help,
        });
    }

    pub(crate) fn error(
        &mut self,
        code: &'static str,
        span: Range<usize>,
        item: Option<&str>,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        self.push(Severity::Error, code, span, item, message, help);
    }

    pub(crate) fn warning(
        &mut self,
        code: &'static str,
        span: Range<usize>,
        item: Option<&str>,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        self.push(Severity::Warning, code, span, item, message, help);
    }
}

/// A diagnostic about a whole file or the whole bank (no position).
pub(crate) fn whole(
    severity: Severity,
    code: &'static str,
    file: &str,
    item: Option<&str>,
    message: impl Into<String>,
    help: Option<String>,
) -> Diagnostic {
    Diagnostic {
        severity,
        code,
        file: file.to_string(),
        line: 0,
        column: 0,
        span: 0..0,
        item: item.map(str::to_string),
        message: message.into(),
        help,
    }
}

/// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
pub(crate) fn did_you_mean<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let len = word.chars().count();
    let limit = if len <= 3 { 1 } else { (len / 3).clamp(2, 3) };
    candidates
        .into_iter()
        .map(|c| (crate::normalize::levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_scalars() {
        let idx = LineIndex::new("ab\nçé = 1\n");
        assert_eq!(idx.position(0), (1, 1));
        assert_eq!(idx.position(3), (2, 1));
        // "çé" is 4 bytes: byte 7 is the third scalar of line 2.
        assert_eq!(idx.position(7), (2, 3));
        // inside a multi-byte scalar: moved back to its start
        assert_eq!(idx.position(4), (2, 1));
        assert_eq!(idx.position(999), (3, 1));
    }

    #[test]
    fn suggestions_are_close_words_only() {
        let keys = ["explanation", "question", "level"];
        assert_eq!(did_you_mean("explantion", keys), Some("explanation"));
        assert_eq!(did_you_mean("levle", keys), Some("level"));
        assert_eq!(did_you_mean("zzz", keys), None);
    }
}
