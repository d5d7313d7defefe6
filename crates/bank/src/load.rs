//! Loading a bank directory: `framework.toml`, every other `*.toml` (items), and the calibration
//! overlays `calibration/*.csv`. Loading never stops at the first problem and never panics: it
//! returns the bank that could be built and every diagnostic.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use jauge_irt::ItemParams;
use sha2::{Digest, Sha256};
use thiserror::Error;
use toml::de::DeTable;

use crate::diagnostic::{Diagnostic, Severity, Sink, did_you_mean, whole};
use crate::model::{
    Bank, Blank, Calibration, CalibrationEntry, ChoiceOption, Competence, Domain, Framework, Item, ItemText,
    ItemType, Kind, Lang, Location, NumberAccept, NumberSpec, ParamSource, Parameters, StandardErrors,
    Status, Tolerances, Translated, Tube, provisional_params, skill_id,
};
use crate::normalize::normalize;
use crate::tomlread::{Reader, StrList};

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
        let wanted = rel_path.ends_with(".toml")
            || (rel_path.starts_with(&format!("{CALIBRATION_DIR}/")) && rel_path.ends_with(".csv"));
        if !wanted {
            continue;
        }
        match fs::read(&path) {
            Ok(bytes) => files.push((rel_path, bytes)),
            Err(e) => diags.push(whole(
                Severity::Error,
                "unreadable",
                &rel_path,
                None,
                format!("cannot read this file: {e}"),
                Some("check its permissions".into()),
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
    question: Translated<Option<Pos>>,
}

fn load_inner(mut files: Vec<(String, Vec<u8>)>, mut diags: Vec<Diagnostic>) -> Loaded {
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    let version = hash(&files);
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
        .filter(|(p, _)| p != FRAMEWORK_FILE && p.ends_with(".toml"))
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
    diags.append(&mut loader.diags);
    diags.sort_by(|a, b| {
        (a.file.as_str(), a.span.start, a.line)
            .cmp(&(b.file.as_str(), b.span.start, b.line))
            .then(b.severity.cmp(&a.severity))
    });
    Loaded {
        bank: Bank {
            version,
            framework: loader.fw,
            items: loader.items,
            calibrations: loader.calibrations,
        },
        diagnostics: diags,
        sources,
    }
}

/// SHA-256 over every file, sorted by path: path bytes, a NUL, the length (u64 little-endian),
/// the bytes. 64 lowercase hex digits.
fn hash(files: &[(String, Vec<u8>)]) -> String {
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

const FRAMEWORK_KEYS: &[&str] = &["name", "domain", "competence"];
const DOMAIN_KEYS: &[&str] = &["code", "fr", "en"];
const COMPETENCE_KEYS: &[&str] = &["code", "domain", "fr", "en", "max_level", "tube"];
const TUBE_KEYS: &[&str] = &["id", "fr", "en"];
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
];
const TEXT_KEYS: &[&str] = &["question", "explanation"];
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
];
const NUMBER_KEYS: &[&str] = &["value", "tolerance", "min", "max", "reject", "unit_fr", "unit_en"];
const IRT_KEYS: &[&str] = &["a", "b", "c", "d", "reason"];

/// Reports TOML syntax errors; true when there were none.
fn syntax(sink: &mut Sink<'_>, errors: &[toml::de::Error], text_len: usize) -> bool {
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

impl Loader {
    fn framework(&mut self, text: &str) {
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

    fn item_file(&mut self, path: &str, text: &str) {
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
            question: question_pos,
        };
        let (id, _) = id?;
        let tube = tube?;
        let competence = competence?.code.clone();
        let level = level?;
        let kind = kind?;
        let parameters = parameters?;
        Some((
            Item {
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
                parameters,
                location: pos.id.location(),
            },
            pos,
        ))
    }

    /// The type-specific part of an item: options and solution, blanks, or number.
    fn kind(
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

    /// Checks across items: variants, repeated questions.
    fn cross_checks(&mut self) {
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

    /// The calibration overlay `calibration/<version>.csv`: `id,a,b[,c,d][,se_a,se_b,se_c,se_d]`.
    fn calibration(&mut self, path: &str, text: &str) {
        let mut sink = Sink::new(path, text);
        let version = path
            .rsplit('/')
            .next()
            .unwrap_or(path)
            .trim_end_matches(".csv")
            .to_string();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = match rdr.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                sink.error(
                    "calibration-format",
                    0..0,
                    None,
                    format!("unreadable header: {e}"),
                    None,
                );
                self.diags.append(&mut sink.out);
                return;
            }
        };
        const COLUMNS: &[&str] = &["id", "a", "b", "c", "d", "se_a", "se_b", "se_c", "se_d"];
        let header_end = text.find('\n').unwrap_or(text.len());
        let mut col: HashMap<&str, usize> = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            match COLUMNS.iter().find(|c| **c == h) {
                Some(c) => {
                    col.insert(c, i);
                }
                None => sink.warning(
                    "calibration-format",
                    0..header_end,
                    None,
                    format!("unknown column `{h}` (ignored)"),
                    Some(match did_you_mean(h, COLUMNS.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("the columns are: {}", COLUMNS.join(", ")),
                    }),
                ),
            }
        }
        let missing: Vec<&str> = ["id", "a", "b"]
            .into_iter()
            .filter(|c| !col.contains_key(c))
            .collect();
        if !missing.is_empty() {
            sink.error(
                "calibration-format",
                0..header_end,
                None,
                format!("the header lacks the column(s) {}", missing.join(", ")),
                Some("a calibration file starts with id,a,b,c,d".into()),
            );
            self.diags.append(&mut sink.out);
            return;
        }
        let mut entries: BTreeMap<String, CalibrationEntry> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for rec in rdr.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let start = e.position().map_or(0, |p| p.byte() as usize);
                    sink.error("calibration-format", start..start, None, format!("{e}"), None);
                    continue;
                }
            };
            let start = rec.position().map_or(0, |p| p.byte() as usize);
            let end = text[start.min(text.len())..]
                .find('\n')
                .map_or(text.len(), |n| start + n);
            let span = start..end;
            let cell = |name: &str| col.get(name).and_then(|i| rec.get(*i)).unwrap_or("");
            let id = cell("id").to_string();
            let mut bad = false;
            let mut num = |name: &str, dflt: Option<f64>, sink: &mut Sink<'_>| -> Option<f64> {
                let s = cell(name);
                if s.is_empty() {
                    if dflt.is_none() && ["a", "b"].contains(&name) {
                        sink.error(
                            "calibration-format",
                            span.clone(),
                            Some(&id),
                            format!("the value of `{name}` is missing"),
                            None,
                        );
                        bad = true;
                    }
                    return dflt;
                }
                match s.parse::<f64>() {
                    Ok(x) if x.is_finite() => Some(x),
                    _ => {
                        sink.error(
                            "calibration-format",
                            span.clone(),
                            Some(&id),
                            format!("`{name}` = `{s}` is not a finite number"),
                            None,
                        );
                        bad = true;
                        None
                    }
                }
            };
            let a = num("a", None, &mut sink);
            let b = num("b", None, &mut sink);
            let c = num("c", Some(0.0), &mut sink);
            let d = num("d", Some(1.0), &mut sink);
            let se = StandardErrors {
                a: num("se_a", None, &mut sink),
                b: num("se_b", None, &mut sink),
                c: num("se_c", None, &mut sink),
                d: num("se_d", None, &mut sink),
            };
            if bad {
                continue;
            }
            if id.is_empty() {
                sink.error("calibration-format", span, None, "a row has no id", None);
                continue;
            }
            let (Some(a), Some(b), Some(c), Some(d)) = (a, b, c, d) else {
                continue;
            };
            let params = match ItemParams::new(a, b, c, d) {
                Ok(p) => p,
                Err(e) => {
                    sink.error(
                        "invalid-irt",
                        span,
                        Some(&id),
                        format!("invalid IRT parameters: {e}"),
                        None,
                    );
                    continue;
                }
            };
            if !self.ids.contains_key(&id) {
                sink.error(
                    "calibration-unknown-item",
                    span,
                    Some(&id),
                    format!("the calibration names an unknown item `{id}`"),
                    Some(match did_you_mean(&id, self.ids.keys().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "was the item renamed or deleted? calibrate again".into(),
                    }),
                );
                continue;
            }
            if entries.contains_key(&id) {
                sink.error(
                    "calibration-duplicate",
                    span,
                    Some(&id),
                    format!("item `{id}` appears twice in this calibration"),
                    None,
                );
                continue;
            }
            order.push(id.clone());
            entries.insert(id.clone(), CalibrationEntry { id, params, se });
        }
        for item in &mut self.items {
            if let Some(e) = entries.get(&item.id) {
                item.parameters = Parameters {
                    params: e.params,
                    source: ParamSource::Calibrated {
                        version: version.clone(),
                        se: e.se,
                    },
                };
            }
        }
        self.calibrations.push(Calibration {
            version,
            file: path.to_string(),
            items: order.len(),
        });
        self.diags.append(&mut sink.out);
    }

    /// Warnings on the (competence, level) cells: too few live items, a single skill.
    fn cell_checks(&mut self) {
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
}

/// Whether an unknown key of `t` is a likely typo of `key` (then the unknown-key diagnostic
/// already says what is missing).
fn typo_of(t: &DeTable<'_>, known: &[&str], key: &str) -> bool {
    t.iter().any(|(k, _)| {
        let k: &str = k.get_ref();
        !known.contains(&k) && did_you_mean(k, known.iter().copied()) == Some(key)
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_in_order() {
        assert_eq!(placeholders("a {{b1}} c {{ b2 }} {{x"), vec!["b1", "b2"]);
        assert!(placeholders("none").is_empty());
    }

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
