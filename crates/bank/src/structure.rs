//! The bank's measurement settings beside the items, in `calibration/`: the profile structure
//! (`structure*.toml`, `SCORING.md` and `CONTRACTS.md`) and the exposure-control parameters
//! (`exposure.toml`).
//!
//! **Structure file.** `status = "assumed" | "estimated"`, `agents = N`, `estimated_at` (RFC 3339,
//! optional), a table `[loadings]` with one λ per competence code (`"1.1" = 0.707`, a competence
//! left out has λ = 0) and, optionally, `[standard_errors]` in the same shape. Loadings lie in
//! [0, 0.95]. Several files may be kept (one per estimation, dated names): the one in force is the
//! estimated file with the latest `estimated_at` (then the last by path), or, when no file is
//! estimated, the last assumed one by path.
//!
//! **Exposure file.** `calibration/exposure.toml`: the Sympson–Hetter control parameters k_i
//! fitted by simulation (`jauge simulate --bank … --exposure-target R --exposure-out
//! calibration/exposure.toml`): `target` (the maximum exposure rate R), `fitted_at` (RFC 3339),
//! `fitted_with` (the command, for the record), `items` (the [`live_items_fingerprint`] of the
//! bank they were fitted on) and a table `[k]` of item id → k in [0, 1] (an item left out has
//! k = 1). The validator warns when the fingerprint or the ids no longer match the bank's live
//! items: the parameters then need refitting.

use std::collections::BTreeMap;
use std::ops::Range;

use sha2::{Digest, Sha256};
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Diagnostic, Sink};
use crate::model::Bank;
use crate::tomlread::Reader;

/// The name of the exposure-control file in `calibration/`.
pub const EXPOSURE_FILE: &str = "exposure.toml";
/// The largest loading `SCORING.md` allows.
pub const MAX_LOADING: f64 = 0.95;

/// Whether a structure is an assumption or an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructureStatus {
    /// Assumed (the default shipped with the bank, λ = √0.5).
    Assumed,
    /// Estimated from recorded sessions.
    Estimated,
}

impl StructureStatus {
    /// `assumed` or `estimated`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Assumed => "assumed",
            Self::Estimated => "estimated",
        }
    }
}

/// A profile structure file (`SCORING.md`, "Profile structure").
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileStructure {
    /// The file, relative to the bank directory.
    pub file: String,
    /// Assumed or estimated.
    pub status: StructureStatus,
    /// The number of agents it was estimated from (0 for an assumption).
    pub agents: u64,
    /// When it was estimated (RFC 3339), if said.
    pub estimated_at: Option<String>,
    /// λ per competence code.
    pub loadings: BTreeMap<String, f64>,
    /// The standard error of each estimated λ, when the file gives them.
    pub standard_errors: BTreeMap<String, f64>,
}

impl ProfileStructure {
    /// The loading of competence `code` (0 when the file leaves it out).
    pub fn loading(&self, code: &str) -> f64 {
        self.loadings.get(code).copied().unwrap_or(0.0)
    }
}

/// Sympson–Hetter exposure-control parameters shipped with the bank.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureControl {
    /// The file, relative to the bank directory.
    pub file: String,
    /// The maximum exposure rate they were fitted for.
    pub target: f64,
    /// When they were fitted (RFC 3339), if said.
    pub fitted_at: Option<String>,
    /// How they were fitted (the command), if said.
    pub fitted_with: Option<String>,
    /// The fingerprint of the live items they were fitted on ([`live_items_fingerprint`]).
    pub items: String,
    /// k_i per item id (an item left out has k = 1).
    pub k: BTreeMap<String, f64>,
}

impl ExposureControl {
    /// k of item `id`: the probability that the item, once selected, is administered.
    pub fn k(&self, id: &str) -> f64 {
        self.k.get(id).copied().unwrap_or(1.0)
    }
}

/// The fingerprint of what exposure parameters depend on: SHA-256 over the live items in id
/// order, each as `id`, competence, tube, level and the parameters a, b, c, d in shortest
/// round-trip decimal, separated by NUL bytes; 64 hex digits. Adding, removing, moving or
/// recalibrating a live item changes it.
pub fn live_items_fingerprint(bank: &Bank) -> String {
    let mut live: Vec<_> = bank.live_items().collect();
    live.sort_by(|a, b| a.id.cmp(&b.id));
    let mut h = Sha256::new();
    for it in live {
        let p = it.params();
        let line = format!(
            "{}\0{}\0{}\0{}\0{:?}\0{:?}\0{:?}\0{:?}\n",
            it.id,
            it.competence,
            it.tube,
            it.level,
            p.a(),
            p.b(),
            p.c(),
            p.d()
        );
        h.update(line.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `s` is an RFC 3339 timestamp (`2026-11-02T10:00:00Z`, fractions and offsets allowed).
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if !(b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't' | b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19))
    {
        return false;
    }
    let num = |r: Range<usize>| s[r].parse::<u32>().unwrap_or(99);
    if !((1..=12).contains(&num(5..7))
        && (1..=31).contains(&num(8..10))
        && num(11..13) < 24
        && num(14..16) < 60)
        || num(17..19) > 60
    {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    matches!(rest, "Z" | "z")
        || (rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && digits(s.len() - 5..s.len() - 3)
            && rest.as_bytes()[3] == b':'
            && digits(s.len() - 2..s.len()))
}

const STRUCTURE_KEYS: &[&str] = &["status", "agents", "estimated_at", "loadings", "standard_errors"];
const EXPOSURE_KEYS: &[&str] = &["target", "fitted_at", "fitted_with", "items", "k"];

fn parse<'t>(sink: &mut Sink<'_>, text: &'t str) -> Option<toml::Spanned<DeTable<'t>>> {
    let (root, errors) = DeTable::parse_recoverable(text);
    if !crate::load::syntax(sink, &errors, text.len()) {
        return None;
    }
    Some(root)
}

/// The (key, value, key span, value span) of a table of numbers (`[loadings]`, `[k]`).
fn number_table(r: &mut Reader<'_, '_>, t: &DeTable<'_>, key: &str) -> Vec<(String, f64, Range<usize>)> {
    let Some((k, v)) = t.get_key_value(key) else {
        return Vec::new();
    };
    let DeValue::Table(table) = v.get_ref() else {
        r.sink.error(
            "wrong-type",
            k.span(),
            None,
            format!("`{key}` must be a table (`[{key}]`)"),
            None,
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, _) in table.iter() {
        let name: &str = name.get_ref();
        if let Some((x, span)) = r.number(table, name) {
            out.push((name.to_owned(), x, span));
        }
    }
    out
}

/// Reads a structure file; `codes` are the framework's competence codes.
pub(crate) fn read_structure(
    path: &str,
    text: &str,
    codes: &[&str],
    sink: &mut Sink<'_>,
) -> Option<ProfileStructure> {
    let root = parse(sink, text)?;
    let root = root.get_ref();
    let mut r = Reader { sink, item: None };
    r.check_keys(root, STRUCTURE_KEYS, "a structure file");
    let status = match r.str(root, "status") {
        Some((s, _)) if s == "assumed" => Some(StructureStatus::Assumed),
        Some((s, _)) if s == "estimated" => Some(StructureStatus::Estimated),
        Some((s, span)) => {
            r.sink.error(
                "structure-format",
                span,
                None,
                format!("unknown status `{s}`"),
                Some("the status is \"assumed\" or \"estimated\"".into()),
            );
            None
        }
        None => {
            r.missing(
                "status",
                0..0,
                "the structure file",
                "add `status = \"assumed\"` or `status = \"estimated\"`",
            );
            None
        }
    };
    let agents = match r.int(root, "agents") {
        Some((n, span)) if n < 0 => {
            r.sink.error(
                "structure-format",
                span,
                None,
                format!("agents = {n} is negative"),
                None,
            );
            0
        }
        Some((n, _)) => n as u64,
        None => {
            if status == Some(StructureStatus::Estimated) {
                r.missing(
                    "agents",
                    0..0,
                    "an estimated structure",
                    "add `agents = N`, the number of agents the loadings were estimated from",
                );
            }
            0
        }
    };
    let estimated_at = match r.str(root, "estimated_at") {
        Some((s, span)) if !is_rfc3339(&s) => {
            r.sink.error(
                "structure-format",
                span,
                None,
                format!("estimated_at `{s}` is not an RFC 3339 timestamp"),
                Some("write it like 2026-11-02T10:00:00Z".into()),
            );
            None
        }
        other => other.map(|(s, _)| s),
    };
    let mut loadings = BTreeMap::new();
    if !root.contains_key("loadings") {
        r.missing(
            "loadings",
            0..0,
            "the structure file",
            "add a table [loadings] with one λ per competence, e.g. \"1.1\" = 0.707",
        );
    }
    for (code, x, span) in number_table(&mut r, root, "loadings") {
        if !codes.contains(&code.as_str()) {
            r.sink.error(
                "structure-unknown-competence",
                span,
                None,
                format!("`{code}` is not a competence of the framework"),
                Some(format!("the competences are: {}", codes.join(", "))),
            );
        } else if !(0.0..=MAX_LOADING).contains(&x) {
            r.sink.error(
                "structure-loading",
                span,
                None,
                format!("loading {x} of {code} is outside [0, 0.95]"),
                Some("SCORING.md bounds every loading: 0 ≤ λ ≤ 0.95".into()),
            );
        } else {
            loadings.insert(code, x);
        }
    }
    let mut standard_errors = BTreeMap::new();
    for (code, x, span) in number_table(&mut r, root, "standard_errors") {
        if !codes.contains(&code.as_str()) || x < 0.0 {
            r.sink.error(
                "structure-format",
                span,
                None,
                format!("standard error `{code}` = {x}: a competence code and a number ≥ 0 are expected"),
                None,
            );
        } else {
            standard_errors.insert(code, x);
        }
    }
    Some(ProfileStructure {
        file: path.to_owned(),
        status: status?,
        agents,
        estimated_at,
        loadings,
        standard_errors,
    })
}

/// Reads a structure file outside a bank (`jauge simulate --structure FILE`): the structure,
/// or `None` with the diagnostics (file, line, column, what to do) that prevent it; `codes` are
/// the competence codes of the framework it applies to.
pub fn parse_structure(
    path: &str,
    text: &str,
    codes: &[&str],
) -> (Option<ProfileStructure>, Vec<Diagnostic>) {
    let mut sink = Sink::new(path, text);
    let s = read_structure(path, text, codes, &mut sink);
    let errors = sink.out.iter().any(Diagnostic::is_error);
    (s.filter(|_| !errors), sink.out)
}

/// The structure in force among `files` (see the module documentation).
pub(crate) fn in_force(files: Vec<ProfileStructure>) -> Option<ProfileStructure> {
    let estimated = files
        .iter()
        .enumerate()
        .filter(|(_, s)| s.status == StructureStatus::Estimated)
        .max_by(|(i, a), (j, b)| a.estimated_at.cmp(&b.estimated_at).then(i.cmp(j)))
        .map(|(i, _)| i);
    let pick = estimated.or_else(|| files.len().checked_sub(1))?;
    files.into_iter().nth(pick)
}

/// Reads the exposure file.
pub(crate) fn read_exposure(path: &str, text: &str, sink: &mut Sink<'_>) -> Option<ExposureControl> {
    let root = parse(sink, text)?;
    let root = root.get_ref();
    let mut r = Reader { sink, item: None };
    r.check_keys(root, EXPOSURE_KEYS, "the exposure file");
    let target = match r.number(root, "target") {
        Some((x, span)) if !(x > 0.0 && x <= 1.0) => {
            r.sink.error(
                "exposure-format",
                span,
                None,
                format!("target {x} is not a rate in (0, 1]"),
                None,
            );
            None
        }
        Some((x, _)) => Some(x),
        None => {
            r.missing(
                "target",
                0..0,
                "the exposure file",
                "add `target = 0.3`, the maximum exposure rate the parameters were fitted for",
            );
            None
        }
    };
    let items = r.str(root, "items").map(|s| s.0);
    if items.is_none() {
        r.missing(
            "items",
            0..0,
            "the exposure file",
            "refit with `jauge simulate --bank … --exposure-target 0.3 --exposure-out calibration/exposure.toml`, which writes it",
        );
    }
    let fitted_at = match r.str(root, "fitted_at") {
        Some((s, span)) if !is_rfc3339(&s) => {
            r.sink.error(
                "exposure-format",
                span,
                None,
                format!("fitted_at `{s}` is not an RFC 3339 timestamp"),
                None,
            );
            None
        }
        other => other.map(|(s, _)| s),
    };
    let fitted_with = r.str(root, "fitted_with").map(|s| s.0);
    let mut k = BTreeMap::new();
    for (id, x, span) in number_table(&mut r, root, "k") {
        if (0.0..=1.0).contains(&x) {
            k.insert(id, x);
        } else {
            r.sink.error(
                "exposure-format",
                span,
                None,
                format!("k = {x} of `{id}` is not a probability in [0, 1]"),
                None,
            );
        }
    }
    Some(ExposureControl {
        file: path.to_owned(),
        target: target?,
        fitted_at,
        fitted_with,
        items: items?,
        k,
    })
}

/// Reads every `calibration/*.toml` file: the structure files and the exposure file (any other
/// TOML file there draws a warning). Returns the structure in force, the exposure parameters and
/// the diagnostics.
pub(crate) fn load_settings(
    texts: &[(String, Option<String>)],
    codes: &[&str],
) -> (Option<ProfileStructure>, Option<ExposureControl>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut structures = Vec::new();
    let mut exposure = None;
    let prefix = format!("{}/", crate::load::CALIBRATION_DIR);
    for (path, text) in texts {
        let Some(name) = path.strip_prefix(&prefix).filter(|n| n.ends_with(".toml")) else {
            continue;
        };
        let Some(text) = text else { continue };
        let mut sink = Sink::new(path, text);
        if name == EXPOSURE_FILE {
            exposure = read_exposure(path, text, &mut sink);
        } else if name.starts_with("structure") && !name.contains('/') {
            structures.extend(read_structure(path, text, codes, &mut sink));
        } else {
            sink.warning(
                "calibration-unknown-file",
                0..0,
                None,
                "this file is ignored: calibration/ holds overlays (*.csv), structure files (structure*.toml) and exposure.toml",
                Some("rename or move it".into()),
            );
        }
        diags.append(&mut sink.out);
    }
    (in_force(structures), exposure, diags)
}

/// Reads an exposure file outside a bank (`jauge simulate --exposure-params FILE.toml`).
pub fn parse_exposure(path: &str, text: &str) -> (Option<ExposureControl>, Vec<Diagnostic>) {
    let mut sink = Sink::new(path, text);
    let e = read_exposure(path, text, &mut sink);
    let errors = sink.out.iter().any(Diagnostic::is_error);
    (e.filter(|_| !errors), sink.out)
}

/// Warnings when the bank's exposure parameters no longer match its live items.
pub(crate) fn exposure_diagnostics(bank: &Bank, sources: &[(String, Option<String>)]) -> Vec<Diagnostic> {
    let Some(e) = &bank.exposure else {
        return Vec::new();
    };
    let text = sources
        .iter()
        .find(|(p, _)| *p == e.file)
        .and_then(|(_, t)| t.as_deref())
        .unwrap_or("");
    let mut sink = Sink::new(&e.file, text);
    // the line that starts with `needle` (keys are at the start of their line)
    let span_of = |needle: &str| {
        text.match_indices(needle)
            .find(|&(i, _)| i == 0 || text.as_bytes()[i - 1] == b'\n')
            .map_or(0..0, |(i, _)| i..i + needle.len())
    };
    if e.items != live_items_fingerprint(bank) {
        sink.warning(
            "exposure-stale",
            span_of("items"),
            None,
            "the exposure parameters were fitted on other live items (items were added, removed, moved or recalibrated since)",
            Some(match &e.fitted_with {
                Some(cmd) => format!("refit them with the command they were fitted with: {cmd} (docs/simulation.md, \"Exposure control\")"),
                None => "refit them: jauge simulate --bank DIR --examinees 5000 --correlation 0,0.3,0.5,0.7,0.85 --exposure-target 0.26 --exposure-out DIR/calibration/exposure.toml (docs/simulation.md, \"Exposure control\")".into(),
            }),
        );
    }
    for id in e.k.keys() {
        if !bank.items.iter().any(|i| i.id == *id && i.is_live()) {
            sink.warning(
                "exposure-unknown-item",
                span_of(&toml_string(id)),
                Some(id),
                format!("the exposure parameters name `{id}`, which is not a live item of the bank"),
                Some("refit the exposure parameters (docs/simulation.md)".into()),
            );
        }
    }
    sink.out
}

/// Writes exposure parameters in the bank's format (the inverse of the loader's reading).
pub fn write_exposure(e: &ExposureControl) -> String {
    let mut out = String::from(
        "# Sympson–Hetter exposure-control parameters (docs/simulation.md, \"Exposure control\").\n\
         # k is the probability that an item, once selected, is administered; an item left out has\n\
         # k = 1. `items` is the fingerprint of the live items they were fitted on: the validator\n\
         # warns when the bank's live items change, and the parameters must then be refitted.\n",
    );
    out.push_str(&format!("target = {:?}\n", e.target));
    if let Some(t) = &e.fitted_at {
        out.push_str(&format!("fitted_at = \"{t}\"\n"));
    }
    if let Some(w) = &e.fitted_with {
        out.push_str(&format!("fitted_with = {}\n", toml_string(w)));
    }
    out.push_str(&format!("items = \"{}\"\n\n[k]\n", e.items));
    for (id, k) in &e.k {
        out.push_str(&format!("{} = {:.4}\n", toml_string(id), k));
    }
    out
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        for ok in [
            "2026-11-02T10:00:00Z",
            "2026-11-02T10:00:00.123Z",
            "2026-11-02T10:00:00+01:00",
            "2026-02-28t23:59:60z",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "2026-11-02",
            "2026-13-02T10:00:00Z",
            "2026-11-02T10:00:00",
            "2026-11-02T10:00:00.Z",
            "2026-11-02T25:00:00Z",
            "2026-11-02T10:00:00+0100",
            "",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }

    #[test]
    fn exposure_round_trip() {
        let e = ExposureControl {
            file: "calibration/exposure.toml".into(),
            target: 0.3,
            fitted_at: Some("2026-11-02T10:00:00Z".into()),
            fitted_with: Some("jauge simulate --bank \"item-bank\"".into()),
            items: "ab".repeat(32),
            k: [("1.1-a".to_string(), 0.25), ("x_y".into(), 1.0)]
                .into_iter()
                .collect(),
        };
        let text = write_exposure(&e);
        let mut sink = Sink::new("calibration/exposure.toml", &text);
        let back = read_exposure("calibration/exposure.toml", &text, &mut sink).unwrap();
        assert!(sink.out.is_empty(), "{:?}", sink.out);
        assert_eq!(back, e);
        assert_eq!(back.k("nope"), 1.0);
    }

    #[test]
    fn the_structure_in_force() {
        let s = |file: &str, status, at: Option<&str>| ProfileStructure {
            file: file.into(),
            status,
            agents: 0,
            estimated_at: at.map(Into::into),
            loadings: BTreeMap::new(),
            standard_errors: BTreeMap::new(),
        };
        use StructureStatus::{Assumed, Estimated};
        let pick = |v: Vec<ProfileStructure>| in_force(v).map(|s| s.file);
        assert_eq!(pick(vec![]), None);
        assert_eq!(
            pick(vec![s("a", Assumed, None), s("b", Assumed, None)]),
            Some("b".into())
        );
        assert_eq!(
            pick(vec![
                s("structure-2027.toml", Estimated, Some("2027-01-01T00:00:00Z")),
                s("structure-2026.toml", Estimated, Some("2026-01-01T00:00:00Z")),
                s("structure.toml", Assumed, None),
            ]),
            Some("structure-2027.toml".into())
        );
    }
}
