//! The standard-setting panel (`docs/item-writing.md`, section 10): raters give, blind to the
//! declared level, the level at which a public servant reliably succeeds on an item. Their
//! ratings are data kept beside the bank, in `panel/ratings.csv`, one row per rating, only ever
//! appended:
//!
//! ```text
//! item,item_hash,rater,round,level,note,declared
//! reseau-dns,3f9a0c1d2b4e,R07,1,3,"[recall] the acronym is the whole answer",5
//! ```
//!
//! A rating is *current* while its `item_hash` is the item's [`item_hash`]: the hash covers what
//! the rater judged (the French question, the options and the key, the accepted answers), so a
//! rewritten item shows its old ratings as stale. This module reads the file, computes each
//! item's panel summary and flags ([`Panel`]), the agreement figures per round ([`report`]), and
//! prepares the blind packets ([`packet`]).

mod alpha;
pub mod packet;
mod report;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use serde::Serialize;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

pub use alpha::krippendorff_alpha_interval;
pub(crate) use report::summarise;
pub use report::{ItemSummary, PanelFlag, PanelReport, RoundAgreement, Summary, report};

use crate::diagnostic::{Diagnostic, Sink, did_you_mean};
use crate::model::{Item, Kind, NumberAccept};

/// Where the ratings live, relative to the bank's folder.
pub const RATINGS_FILE: &str = "panel/ratings.csv";

/// The columns of `ratings.csv`, in the order written. `declared` (the declared level when the
/// rating was recorded, written by `jauge bank panel import`, never shown to raters) is optional
/// when reading.
pub const RATINGS_COLUMNS: [&str; 7] = ["item", "item_hash", "rater", "round", "level", "note", "declared"];

/// An item at these levels needs [`MIN_RATINGS`] current ratings before it is trusted live.
pub const PANEL_LEVELS: std::ops::RangeInclusive<u8> = 4..=7;

/// The least number of current ratings an item at levels 4–7 needs.
pub const MIN_RATINGS: usize = 3;

/// The number of hexadecimal digits of an [`item_hash`].
pub const ITEM_HASH_LEN: usize = 12;

/// The defect tags a note may start with (`[wrong-key] …`), as the standard names the defects;
/// `wrong-key` and `ambiguous` flag the item whatever the levels.
pub const DEFECT_TAGS: [&str; 9] = [
    "wrong-key",
    "ambiguous",
    "caricature",
    "tell",
    "recall",
    "outdated",
    "arithmetic",
    "duplicate",
    "other",
];

/// The defect tags that flag an item on their own.
pub const FLAGGING_TAGS: [&str; 2] = ["wrong-key", "ambiguous"];

/// One rating: a rater's level for one version of an item, in one round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rating {
    /// The item's id.
    pub item: String,
    /// The [`item_hash`] of the version rated.
    pub item_hash: String,
    /// The rater's pseudonymous code (`[A-Za-z0-9_.-]+`).
    pub rater: String,
    /// The round (1, 2, …).
    pub round: u32,
    /// The level given (1–8): the level at which a public servant reliably succeeds.
    pub level: u8,
    /// The rater's one-line note (may start with defect tags such as `[ambiguous]`).
    pub note: String,
    /// The item's declared level when the rating was recorded, if the row says.
    pub declared: Option<u8>,
    /// The line of the row in `ratings.csv` (1-based; the header is line 1).
    pub line: usize,
}

impl Rating {
    /// The defect tags at the start of the note: `[ambiguous] [tell] the right option is the
    /// longest` gives `ambiguous`, `tell`.
    pub fn tags(&self) -> Vec<&str> {
        note_tags(&self.note)
    }
}

/// The tags `[tag]` at the start of a note, in order.
pub fn note_tags(note: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = note.trim_start();
    while let Some(after) = rest.strip_prefix('[') {
        let Some(end) = after.find(']') else { break };
        out.push(after[..end].trim());
        rest = after[end + 1..].trim_start();
    }
    out
}

/// The panel's ratings as read from `panel/ratings.csv` (empty when the file does not exist).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ratings {
    /// Every valid row, in file order.
    pub rows: Vec<Rating>,
}

/// The short hash of what a rater judges in an item: its type, the French question, the options
/// (id, French text, right or not), the accepted answers (common and French) of each blank, and
/// a number's accepted values and French unit. White space is left out (a typographic fix does
/// not make a rating stale) and texts are compared in canonical composition (NFC). The
/// explanation, the English texts, the level, the status and the parameters are not part of it.
/// The first [`ITEM_HASH_LEN`] hexadecimal digits of a SHA-256.
pub fn item_hash(item: &Item) -> String {
    let canon = |s: &str| -> String { s.nfc().filter(|c| !c.is_whitespace()).collect() };
    let mut h = Sha256::new();
    let mut field = |tag: &str, value: &str| {
        h.update(tag.as_bytes());
        h.update([0u8]);
        h.update(canon(value).as_bytes());
        h.update([0u8]);
    };
    field("type", item.item_type().name());
    field("question", &item.text.fr.question);
    match &item.kind {
        Kind::Single { options, solution } => {
            for o in options {
                field("option", &o.id);
                field("text", &o.text.fr);
                field("right", if &o.id == solution { "1" } else { "0" });
            }
        }
        Kind::Multiple {
            options, solution, ..
        } => {
            for o in options {
                field("option", &o.id);
                field("text", &o.text.fr);
                field("right", if solution.contains(&o.id) { "1" } else { "0" });
            }
        }
        Kind::Text { .. } | Kind::Blanks { .. } | Kind::BlanksAnyOrder { .. } => {
            for b in item.kind.blanks() {
                field("blank", &b.id);
                for a in b.accepted(crate::Lang::Fr) {
                    field("accept", a);
                }
            }
        }
        Kind::Number { number } => {
            match number.accept {
                NumberAccept::Tolerance { value, tolerance } => {
                    field("value", &value.to_string());
                    field("tolerance", &tolerance.to_string());
                }
                NumberAccept::Range { min, max } => {
                    field("min", &min.to_string());
                    field("max", &max.to_string());
                }
            }
            field("unit", &number.unit.fr);
        }
    }
    let digest = h.finalize();
    digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .chars()
        .take(ITEM_HASH_LEN)
        .collect()
}

fn valid_rater(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Reads `panel/ratings.csv`. Malformed rows are errors (`panel-format`), a row repeating an
/// earlier one's item, version, rater and round is an error (`panel-duplicate`), a rating of an
/// item the bank does not have is a warning (`panel-unknown-item`: the file is append-only, the
/// item may have been renamed). Every other row is kept.
pub(crate) fn read_ratings(text: &str, items: &[Item]) -> (Ratings, Vec<Diagnostic>) {
    let mut sink = Sink::new(RATINGS_FILE, text);
    let mut rows = Vec::new();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header_end = text.find('\n').unwrap_or(text.len());
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            sink.error(
                "panel-format",
                0..header_end,
                None,
                format!("unreadable header: {e}"),
                Some(format!("the header is {}", RATINGS_COLUMNS.join(","))),
            );
            return (Ratings::default(), sink.out);
        }
    };
    let mut col: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        match RATINGS_COLUMNS.iter().find(|c| **c == h) {
            Some(c) if !col.contains_key(c) => {
                col.insert(c, i);
            }
            Some(c) => sink.error(
                "panel-format",
                0..header_end,
                None,
                format!("the column `{c}` appears twice"),
                None,
            ),
            None => sink.warning(
                "panel-format",
                0..header_end,
                None,
                format!("unknown column `{h}` (ignored)"),
                Some(match did_you_mean(h, RATINGS_COLUMNS) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the columns are: {}", RATINGS_COLUMNS.join(", ")),
                }),
            ),
        }
    }
    let missing: Vec<&str> = RATINGS_COLUMNS[..6]
        .iter()
        .copied()
        .filter(|c| !col.contains_key(c))
        .collect();
    if !missing.is_empty() {
        sink.error(
            "panel-format",
            0..header_end,
            None,
            format!("the header lacks the column(s) {}", missing.join(", ")),
            Some(format!("the header is {}", RATINGS_COLUMNS.join(","))),
        );
        return (Ratings::default(), sink.out);
    }
    let ids: HashMap<&str, &Item> = items.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut seen: HashMap<(String, String, String, u32), usize> = HashMap::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let start = e.position().map_or(0, |p| p.byte() as usize).min(text.len());
                sink.error(
                    "panel-format",
                    start..start,
                    None,
                    format!("unreadable row: {e}"),
                    Some("every row has the header's columns; quote a note that holds a comma".into()),
                );
                continue;
            }
        };
        let pos = rec.position();
        let start = pos.map_or(0, |p| p.byte() as usize).min(text.len());
        let line = pos.map_or(0, |p| p.line() as usize);
        let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        let span: Range<usize> = start..end;
        let cell = |name: &str| col.get(name).and_then(|i| rec.get(*i)).unwrap_or("").trim();
        let item = cell("item").to_string();
        let item_ref = Some(item.as_str()).filter(|s| !s.is_empty());
        let bad = |sink: &mut Sink<'_>, msg: String, help: Option<String>| {
            sink.error("panel-format", span.clone(), item_ref, msg, help);
        };
        if item.is_empty() {
            bad(&mut sink, "a rating has no item".into(), None);
            continue;
        }
        let hash = cell("item_hash").to_ascii_lowercase();
        if hash.len() != ITEM_HASH_LEN || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            bad(
                &mut sink,
                format!("item_hash `{hash}` is not {ITEM_HASH_LEN} hexadecimal digits"),
                Some("copy it from the packet the rater was given".into()),
            );
            continue;
        }
        let rater = cell("rater").to_string();
        if !valid_rater(&rater) {
            bad(
                &mut sink,
                format!("rater `{rater}` is not a rater code"),
                Some("a pseudonymous code of letters, digits, `_`, `.` and `-` (e.g. R07)".into()),
            );
            continue;
        }
        let round = match cell("round").parse::<u32>() {
            Ok(r) if r >= 1 => r,
            _ => {
                bad(
                    &mut sink,
                    format!("round `{}` is not a round number (1, 2, …)", cell("round")),
                    None,
                );
                continue;
            }
        };
        let level = match cell("level").parse::<u8>() {
            Ok(l) if (1..=8).contains(&l) => l,
            _ => {
                bad(
                    &mut sink,
                    format!("level `{}` is not a level from 1 to 8", cell("level")),
                    None,
                );
                continue;
            }
        };
        let declared = match cell("declared") {
            "" => None,
            s => match s.parse::<u8>() {
                Ok(l) if (1..=8).contains(&l) => Some(l),
                _ => {
                    bad(
                        &mut sink,
                        format!("declared `{s}` is not a level from 1 to 8"),
                        Some("leave it empty when unknown".into()),
                    );
                    continue;
                }
            },
        };
        let key = (item.clone(), hash.clone(), rater.clone(), round);
        if let Some(first) = seen.get(&key) {
            sink.error(
                "panel-duplicate",
                span.clone(),
                Some(&item),
                format!(
                    "rater {rater} already rated this version of `{item}` in round {round} (line {first})"
                ),
                Some("remove the repeated row: it was recorded twice".into()),
            );
            continue;
        }
        seen.insert(key, line);
        if !ids.contains_key(item.as_str()) {
            sink.warning(
                "panel-unknown-item",
                span.clone(),
                Some(&item),
                format!("a rating of an unknown item `{item}`"),
                Some(match did_you_mean(&item, ids.keys().copied()) {
                    Some(s) => {
                        format!("did you mean `{s}`? (the file is append-only: was the item renamed?)")
                    }
                    None => "was the item renamed or deleted? the rating is kept but not used".into(),
                }),
            );
        }
        rows.push(Rating {
            item,
            item_hash: hash,
            rater,
            round,
            level,
            note: cell("note").to_string(),
            declared,
            line,
        });
    }
    (Ratings { rows }, sink.out)
}

impl Ratings {
    /// The ratings of `item` whose hash is `hash`, one per rater (the latest round).
    pub fn current<'a>(&'a self, item: &str, hash: &str) -> Vec<&'a Rating> {
        let mut by_rater: BTreeMap<&str, &Rating> = BTreeMap::new();
        for r in self.rows.iter().filter(|r| r.item == item && r.item_hash == hash) {
            match by_rater.get(r.rater.as_str()) {
                Some(prev) if prev.round > r.round => {}
                _ => {
                    by_rater.insert(&r.rater, r);
                }
            }
        }
        by_rater.into_values().collect()
    }
}

/// The median of `levels` (the mean of the two middle values for an even count); `None` when
/// empty.
pub fn median(levels: &[u8]) -> Option<f64> {
    if levels.is_empty() {
        return None;
    }
    let mut v: Vec<u8> = levels.to_vec();
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        f64::from(v[n / 2])
    } else {
        (f64::from(v[n / 2 - 1]) + f64::from(v[n / 2])) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_by_hand() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[4]), Some(4.0));
        assert_eq!(median(&[6, 4, 5]), Some(5.0));
        assert_eq!(median(&[3, 6, 4, 5]), Some(4.5));
    }

    #[test]
    fn note_tags_are_read_at_the_start_only() {
        assert_eq!(
            note_tags("[ambiguous] [tell] b is longest"),
            vec!["ambiguous", "tell"]
        );
        assert_eq!(note_tags("  [wrong-key]c is right"), vec!["wrong-key"]);
        assert!(note_tags("fine [ambiguous]").is_empty());
        assert!(note_tags("[unclosed").is_empty());
    }
}
