//! Loading a bank directory: `framework.toml`, every other `*.toml` (items), the calibration
//! overlays `calibration/*.csv`, and the measurement settings `calibration/*.toml` (profile
//! structure, exposure control: [`crate::structure`]). Loading never stops at the first problem and never panics: it
//! returns the bank that could be built and every diagnostic.
//!
//! The work is split by concern: [`framework`] reads `framework.toml`, [`item`] the item files
//! (common fields, texts, parameters), [`kind`] the type-specific part (options and solution,
//! blanks, numbers), [`calibration`] the overlays, and [`checks`] the checks across items and
//! cells once everything is read.

mod calibration;
mod checks;
mod examples;
mod framework;
mod item;
mod kind;
mod panel;

pub use examples::{MIN_ACCEPT_EXAMPLES, MIN_REJECT_EXAMPLES};

use std::collections::HashMap;
use std::fs;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::diagnostic::{Diagnostic, Severity, Sink, whole};
use crate::model::{Bank, Calibration, Framework, Item, Location, Translated};
use crate::panel::{RATINGS_FILE, Ratings};

/// The largest bank file read (a TOML file of items, a calibration overlay, the panel's
/// ratings): 64 MiB. Files are read whole; the limit keeps a wrong file (`/dev/zero`, a
/// misplaced dump) from taking all the memory.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Reads one bank file: a regular file (never a device or a pipe, which may never end or block)
/// of at most [`MAX_FILE_BYTES`].
pub fn read_bank_file(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "not a regular file (a device, a pipe or a socket)",
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_FILE_BYTES) as usize);
    fs::File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "larger than {} MiB, the limit for a bank file",
                MAX_FILE_BYTES >> 20
            ),
        ));
    }
    Ok(bytes)
}

/// The name of the framework file at the root of a bank.
pub const FRAMEWORK_FILE: &str = "framework.toml";
/// The folder of the calibration overlays.
pub const CALIBRATION_DIR: &str = "calibration";
/// Fewer live items than this in a (competence, level) cell draws a warning: adaptive selection
/// needs a choice.
pub const MIN_LIVE_PER_CELL: usize = 3;

/// Why a bank directory could not be read at all (the command then exits 2).
#[derive(Debug, Error)]
pub enum LoadError {
    /// The directory does not exist or cannot be listed.
    #[error("cannot read the bank directory {}: {source}", path.display())]
    Unreadable {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The path exists but is not a directory.
    #[error("{} is not a directory (give the bank's folder, e.g. item-bank)", path.display())]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
}

/// A file of the bank as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Its path relative to the bank directory, with `/` separators.
    pub path: String,
    /// Its text, or `None` when it is not valid UTF-8.
    pub text: Option<String>,
}

/// The outcome of loading: the bank that could be built, every diagnostic, and the sources
/// (for rendering excerpts).
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The bank. Items that could not be placed (unknown tube, level or type, duplicate id) are
    /// left out; the others are kept even when they have errors.
    pub bank: Bank,
    /// Every problem found, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// The files read, sorted by path.
    pub sources: Vec<SourceFile>,
    /// The standard-setting panel's ratings (`panel/ratings.csv`; empty when there is none).
    pub ratings: Ratings,
}

impl Loaded {
    /// The number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// The number of warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    /// The text of a file of the bank.
    pub fn source(&self, path: &str) -> Option<&str> {
        self.sources
            .iter()
            .find(|s| s.path == path)
            .and_then(|s| s.text.as_deref())
    }
}

/// Loads the bank in `dir`. Only an unreadable directory is an `Err`; every other problem is a
/// diagnostic in the result.
pub fn load_dir(dir: &Path) -> Result<Loaded, LoadError> {
    let meta = fs::metadata(dir).map_err(|source| LoadError::Unreadable {
        path: dir.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(LoadError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let mut files = Vec::new();
    let mut diags = Vec::new();
    // The root must be listable; deeper problems are diagnostics.
    fs::read_dir(dir).map_err(|source| LoadError::Unreadable {
        path: dir.to_path_buf(),
        source,
    })?;
    collect(dir, "", 0, &mut files, &mut diags);
    Ok(load_inner(files, diags))
}

/// Lists the bank's files under `dir` (relative prefix `rel`), skipping hidden entries.
fn collect(
    dir: &Path,
    rel: &str,
    depth: usize,
    files: &mut Vec<(String, Vec<u8>)>,
    diags: &mut Vec<Diagnostic>,
) {
    if depth > 16 {
        diags.push(whole(
            Severity::Error,
            "unreadable",
            rel,
            None,
            "folders nested too deeply (or a symbolic-link loop)",
            None,
        ));
        return;
    }
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            diags.push(whole(
                Severity::Error,
                "unreadable",
                rel,
                None,
                format!("cannot list this folder: {e}"),
                Some("check its permissions".into()),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let rel_path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if path.is_dir() {
            collect(&path, &rel_path, depth + 1, files, diags);
            continue;
        }
        let wanted = (rel_path.ends_with(".toml") && !rel_path.starts_with("panel/"))
            || (rel_path.starts_with(&format!("{CALIBRATION_DIR}/")) && rel_path.ends_with(".csv"))
            || rel_path == RATINGS_FILE;
        if !wanted {
            continue;
        }
        match read_bank_file(&path) {
            Ok(bytes) => files.push((rel_path, bytes)),
            Err(e) => diags.push(whole(
                Severity::Error,
                "unreadable",
                &rel_path,
                None,
                format!("cannot read this file: {e}"),
                Some(
                    if e.kind() == io::ErrorKind::InvalidData {
                        "a bank file is a regular file of hand-written text, far below the limit"
                    } else {
                        "check its permissions"
                    }
                    .into(),
                ),
            )),
        }
    }
}

/// Loads a bank from in-memory files: `(path relative to the bank, bytes)`, with `/` separators.
/// `framework.toml` is the framework, `calibration/*.csv` the overlays, every other `*.toml` an
/// item file; other paths are ignored.
pub fn load_files(files: Vec<(String, Vec<u8>)>) -> Loaded {
    load_inner(files, Vec::new())
}

/// Where something is, for diagnostics raised after parsing.
#[derive(Debug, Clone, Default)]
struct Pos {
    file: String,
    line: usize,
    column: usize,
    span: Range<usize>,
}

impl Pos {
    fn of(sink: &Sink<'_>, span: Range<usize>) -> Pos {
        let (line, column) = sink.position(span.start);
        Pos {
            file: sink.file.clone(),
            line,
            column,
            span,
        }
    }

    fn diag(
        &self,
        severity: Severity,
        code: &'static str,
        item: Option<&str>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            code,
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            span: self.span.clone(),
            item: item.map(str::to_string),
            message: message.into(),
            help,
        }
    }

    fn location(&self) -> Location {
        Location {
            file: self.file.clone(),
            line: self.line,
        }
    }
}

/// Positions of an item's parts, for the checks across items.
#[derive(Debug, Clone)]
struct ItemPos {
    id: Pos,
    variant_of: Option<Pos>,
    set: Option<Pos>,
    question: Translated<Option<Pos>>,
}

fn load_inner(mut files: Vec<(String, Vec<u8>)>, mut diags: Vec<Diagnostic>) -> Loaded {
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    // The panel's ratings say how items were judged, not how they measure: they are not part of
    // the bank's version.
    let version = hash(files.iter().filter(|(p, _)| p != RATINGS_FILE));
    let mut sources = Vec::new();
    let mut texts: Vec<(String, Option<String>)> = Vec::new();
    for (path, bytes) in files {
        let text = match String::from_utf8(bytes) {
            // A byte-order mark, which some editors write, is not part of the text.
            Ok(t) => Some(match t.strip_prefix('\u{feff}') {
                Some(rest) => rest.to_string(),
                None => t,
            }),
            Err(e) => {
                diags.push(whole(
                    Severity::Error,
                    "not-utf8",
                    &path,
                    None,
                    format!(
                        "this file is not UTF-8 text (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                    Some("save it as UTF-8 (it may be a binary file put here by mistake)".into()),
                ));
                None
            }
        };
        texts.push((path.clone(), text.clone()));
        sources.push(SourceFile { path, text });
    }

    let mut loader = Loader::default();
    // The framework first: item files need it.
    match texts.iter().find(|(p, _)| p == FRAMEWORK_FILE) {
        Some((_, Some(text))) => loader.framework(text),
        Some((_, None)) => {}
        None => diags.push(whole(
            Severity::Error,
            "no-framework",
            FRAMEWORK_FILE,
            None,
            "the bank has no framework.toml",
            Some(
                "a bank is a folder holding framework.toml (domains, competences, tubes) and \
                 one TOML file per tube; is this the right folder?"
                    .into(),
            ),
        )),
    }
    let item_files: Vec<&(String, Option<String>)> = texts
        .iter()
        .filter(|(p, _)| {
            p != FRAMEWORK_FILE
                && p.ends_with(".toml")
                && !p.starts_with("panel/")
                && !p.starts_with(&format!("{CALIBRATION_DIR}/"))
        })
        .collect();
    if item_files.is_empty() && loader.framework_ok {
        diags.push(whole(
            Severity::Warning,
            "no-items",
            "",
            None,
            "the bank has no item file",
            Some("add one TOML file per tube, e.g. 1.1/operateurs.toml".into()),
        ));
    }
    for (path, text) in item_files {
        if let Some(text) = text {
            loader.item_file(path, text);
        }
    }
    loader.cross_checks();
    for (path, text) in texts
        .iter()
        .filter(|(p, _)| p.starts_with(&format!("{CALIBRATION_DIR}/")) && p.ends_with(".csv"))
    {
        if let Some(text) = text {
            loader.calibration(path, text);
        }
    }
    loader.cell_checks();
    let ratings_text = texts
        .iter()
        .find(|(p, _)| p == RATINGS_FILE)
        .and_then(|(_, t)| t.as_deref());
    let ratings = loader.panel(ratings_text);
    diags.append(&mut loader.diags);
    let codes: Vec<&str> = loader.fw.competences.iter().map(|c| c.code.as_str()).collect();
    let (structure, exposure, mut settings) = crate::structure::load_settings(&texts, &codes);
    diags.append(&mut settings);
    let bank = Bank {
        version,
        framework: loader.fw,
        items: loader.items,
        calibrations: loader.calibrations,
        structure,
        exposure,
    };
    diags.append(&mut crate::structure::exposure_diagnostics(&bank, &texts));
    diags.sort_by(|a, b| {
        (a.file.as_str(), a.span.start, a.line)
            .cmp(&(b.file.as_str(), b.span.start, b.line))
            .then(b.severity.cmp(&a.severity))
    });
    Loaded {
        bank,
        diagnostics: diags,
        sources,
        ratings,
    }
}

/// SHA-256 over every file, sorted by path: path bytes, a NUL, the length (u64 little-endian),
/// the bytes. 64 lowercase hex digits.
fn hash<'a>(files: impl IntoIterator<Item = &'a (String, Vec<u8>)>) -> String {
    let mut h = Sha256::new();
    for (path, bytes) in files {
        h.update(path.as_bytes());
        h.update([0u8]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn valid_item_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn valid_tube_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn valid_blank_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

#[derive(Default)]
struct Loader {
    fw: Framework,
    framework_ok: bool,
    competence_pos: HashMap<String, Pos>,
    diags: Vec<Diagnostic>,
    items: Vec<Item>,
    positions: Vec<ItemPos>,
    ids: HashMap<String, Location>,
    calibrations: Vec<Calibration>,
}

/// Reports TOML syntax errors; true when there were none.
pub(crate) fn syntax(sink: &mut Sink<'_>, errors: &[toml::de::Error], text_len: usize) -> bool {
    for e in errors {
        let span = e.span().unwrap_or(0..0);
        let span = span.start.min(text_len)..span.end.min(text_len);
        sink.error(
            "toml-syntax",
            span,
            None,
            format!("TOML syntax: {}", e.message().trim()),
            Some("fix the syntax first: the rest of this file is not checked until it parses".into()),
        );
    }
    errors.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_depends_on_paths_and_bytes() {
        let a = hash(&[("x".into(), b"1".to_vec())]);
        let b = hash(&[("y".into(), b"1".to_vec())]);
        let c = hash(&[("x".into(), b"2".to_vec())]);
        assert_eq!(a.len(), 64);
        assert!(a != b && a != c && b != c);
        // SHA-256 of the empty input (FIPS 180-4 test vector): no files at all.
        assert_eq!(
            hash(&[]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
