//! The blind packet given to one rater, the template the rater fills, the key file the
//! coordinator keeps, and the import of a filled template into rows of `ratings.csv`.
//!
//! The packet shows each item as the agent sees it (French question, options) with the key and
//! the explanation, under an opaque key (`3F9A-007`) — never its id, file, tube or declared
//! level — in an order drawn from the seed. The key file (`key,item,item_hash,declared`) maps
//! the keys back; it stays with the coordinator.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use sha2::{Digest, Sha256};
use thiserror::Error;

use super::{DEFECT_TAGS, RATINGS_COLUMNS, Rating, item_hash, valid_rater};
use crate::model::{Bank, Item, Kind, Lang, NumberAccept};

/// The columns of the template a rater fills.
pub const TEMPLATE_COLUMNS: [&str; 3] = ["key", "level", "note"];

/// The columns of the key file the coordinator keeps.
pub const KEYS_COLUMNS: [&str; 4] = ["key", "item", "item_hash", "declared"];

/// A packet: the Markdown for the rater, the template to fill, the key file to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// The packet's code (4 hexadecimal digits, the prefix of its keys).
    pub code: String,
    /// The Markdown document for the rater.
    pub markdown: String,
    /// The CSV template `key,level,note`, one row per item, level and note empty.
    pub template: String,
    /// The CSV key file `key,item,item_hash,declared`, for the coordinator only.
    pub keys: String,
    /// The items in packet order, with their keys.
    pub entries: Vec<(String, String)>,
}

fn sha(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn type_label(item: &Item) -> &'static str {
    match &item.kind {
        Kind::Single { .. } => "choix unique (une seule réponse)",
        Kind::Multiple { .. } => "choix multiple (une ou plusieurs réponses)",
        Kind::Text { .. } => "réponse saisie",
        Kind::Blanks { .. } => "texte à trous",
        Kind::BlanksAnyOrder { .. } => "réponses saisies, dans n'importe quel ordre",
        Kind::Number { .. } => "nombre",
    }
}

fn code_span(s: &str) -> String {
    let ticks = if s.contains('`') { "``" } else { "`" };
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{s}{pad}{ticks}")
}

/// Renders the answer part of an item for the rater: options with the right ones marked, or the
/// accepted answers and their tolerances, or the accepted numbers.
fn answer_part(item: &Item, out: &mut String) {
    let fr = Lang::Fr;
    match &item.kind {
        Kind::Single { options, .. } | Kind::Multiple { options, .. } => {
            let right: Vec<&String> = match &item.kind {
                Kind::Single { solution, .. } => vec![solution],
                Kind::Multiple { solution, .. } => solution.iter().collect(),
                _ => Vec::new(),
            };
            out.push_str("**Options** (✔ = bonne réponse)\n\n");
            for o in options {
                let mark = if right.contains(&&o.id) { "✔" } else { "✘" };
                let _ = writeln!(out, "- {mark} **{}.** {}", o.id, o.text.fr.trim());
            }
            out.push('\n');
        }
        Kind::Text { .. } | Kind::Blanks { .. } | Kind::BlanksAnyOrder { .. } => {
            out.push_str("**Réponses acceptées**\n\n");
            for b in item.kind.blanks() {
                let accepted: Vec<String> = b.accepted(fr).map(|a| code_span(a)).collect();
                let t = &b.tolerances;
                let mut tol = Vec::new();
                if t.ignore_case {
                    tol.push("casse ignorée".to_string());
                }
                if t.ignore_accents {
                    tol.push("accents ignorés".to_string());
                }
                if t.ignore_punctuation {
                    tol.push("ponctuation ignorée".to_string());
                }
                if t.ignore_spaces {
                    tol.push("espaces ignorés".to_string());
                }
                if t.max_edits > 0 {
                    tol.push(format!("{} faute(s) de frappe tolérée(s)", t.max_edits));
                }
                let _ = writeln!(
                    out,
                    "- `{{{{{}}}}}` : {} ({})",
                    b.id,
                    accepted.join(", "),
                    tol.join(", ")
                );
                if !b.reject.is_empty() {
                    let rejected: Vec<String> = b.reject.iter().map(|r| code_span(r)).collect();
                    let _ = writeln!(out, "  - refusées : {}", rejected.join(", "));
                }
            }
            out.push('\n');
        }
        Kind::Number { number } => {
            let unit = if number.unit.fr.is_empty() {
                String::new()
            } else {
                format!(" {}", number.unit.fr)
            };
            let accepted = match number.accept {
                NumberAccept::Tolerance {
                    value,
                    tolerance: 0.0,
                } => format!("{value}{unit}"),
                NumberAccept::Tolerance { value, tolerance } => format!("{value}{unit} (± {tolerance})"),
                NumberAccept::Range { min, max } => format!("de {min} à {max}{unit}"),
            };
            let _ = writeln!(out, "**Réponse attendue** : {accepted}\n");
            if !number.reject.is_empty() {
                let rejected: Vec<String> = number.reject.iter().map(|x| x.to_string()).collect();
                let _ = writeln!(out, "Valeurs fausses connues : {}\n", rejected.join(", "));
            }
        }
    }
}

/// The blind packet of `items` for one rater, in an order drawn from `seed`.
pub fn packet(bank: &Bank, items: &[&Item], seed: &str) -> Packet {
    let mut ordered: Vec<(&Item, String)> = items.iter().map(|i| (*i, sha(&[seed, &i.id]))).collect();
    ordered.sort_by(|a, b| a.1.cmp(&b.1));
    let mut ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    ids.sort_unstable();
    let mut parts = vec!["packet", seed];
    parts.extend(ids);
    let code = sha(&parts)[..4].to_ascii_uppercase();
    let width = ordered.len().to_string().len().max(3);
    let mut md = String::new();
    let _ = writeln!(md, "# Panel de positionnement — dossier {code}\n");
    let _ = writeln!(
        md,
        "{} question(s). Pour chacune, donnez le **niveau (1 à 8) auquel un agent public la réussit \
         de façon fiable** — il y répond juste plus souvent qu'à son tour, sans deviner — selon le \
         standard (`docs/item-writing.md`), et une note d'une ligne qui dit pourquoi.\n",
        ordered.len()
    );
    let _ = writeln!(
        md,
        "Notez un défaut vu en tête de note, entre crochets : {}. Exemple : `[tell] la bonne \
         réponse est la seule nuancée`.\n",
        DEFECT_TAGS.map(|t| format!("`[{t}]`")).join(", ")
    );
    let _ = writeln!(
        md,
        "Inscrivez vos réponses dans le modèle CSV fourni avec ce dossier (`key,level,note`), une \
         ligne par clé ; laissez le niveau vide pour une question que vous ne pouvez pas juger. Ne \
         consultez pas les notes des autres membres du panel.\n"
    );
    let mut template = String::new();
    let mut keys = String::new();
    let mut tw = csv::Writer::from_writer(Vec::new());
    let mut kw = csv::Writer::from_writer(Vec::new());
    let _ = tw.write_record(TEMPLATE_COLUMNS);
    let _ = kw.write_record(KEYS_COLUMNS);
    let mut entries = Vec::new();
    for (n, (item, _)) in ordered.iter().enumerate() {
        let key = format!("{code}-{:0width$}", n + 1);
        let hash = item_hash(item);
        let _ = tw.write_record([key.as_str(), "", ""]);
        let _ = kw.write_record([key.as_str(), &item.id, &hash, &item.level.to_string()]);
        entries.push((key.clone(), item.id.clone()));
        let competence = bank
            .framework
            .competence(&item.competence)
            .map_or(String::new(), |c| format!(" — {}", c.title.fr));
        let _ = writeln!(md, "---\n\n## {key}\n");
        let _ = writeln!(md, "- Version : `{hash}`");
        let _ = writeln!(md, "- Compétence : {}{competence}", item.competence);
        let _ = writeln!(md, "- Type : {}\n", type_label(item));
        let _ = writeln!(md, "**Question**\n\n{}\n", item.text.fr.question.trim());
        answer_part(item, &mut md);
        let _ = writeln!(md, "**Explication**\n\n{}\n", item.text.fr.explanation.trim());
        let _ = writeln!(
            md,
            "**Votre niveau (1–8)** : ____  **Note** : ______________________\n"
        );
    }
    if let Ok(bytes) = tw.into_inner() {
        template = String::from_utf8_lossy(&bytes).into_owned();
    }
    if let Ok(bytes) = kw.into_inner() {
        keys = String::from_utf8_lossy(&bytes).into_owned();
    }
    Packet {
        code,
        markdown: md,
        template,
        keys,
        entries,
    }
}

/// Why a filled template cannot be imported. Nothing is recorded then.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImportError {
    /// A CSV file whose header or a row cannot be read.
    #[error("{file}, line {line}: {message}")]
    Format {
        /// Which file (`template` or `keys`).
        file: &'static str,
        /// The line (1-based).
        line: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A key the key file does not know: the template is not that packet's.
    #[error("template line {line}: key `{key}` is not in the key file (is it this packet's key file?)")]
    UnknownKey {
        /// The key.
        key: String,
        /// The template's line.
        line: usize,
    },
    /// A key given twice in the template.
    #[error("template line {line}: key `{key}` is rated twice")]
    RepeatedKey {
        /// The key.
        key: String,
        /// The template's line.
        line: usize,
    },
    /// A level that is not 1–8.
    #[error("template line {line}: level `{level}` for key `{key}` is not a level from 1 to 8")]
    BadLevel {
        /// The key.
        key: String,
        /// What was written.
        level: String,
        /// The template's line.
        line: usize,
    },
    /// A rater code or round that cannot be recorded.
    #[error("{0}")]
    Usage(String),
}

/// The ratings a filled template gives, for rater `rater` in round `round`, and the keys left
/// without a level (not rated).
pub fn import(
    template: &str,
    keys: &str,
    rater: &str,
    round: u32,
) -> Result<(Vec<Rating>, Vec<String>), ImportError> {
    if !valid_rater(rater) {
        return Err(ImportError::Usage(format!(
            "rater `{rater}` is not a rater code: letters, digits, `_`, `.` and `-` (e.g. R07)"
        )));
    }
    if round == 0 {
        return Err(ImportError::Usage("rounds are numbered from 1".into()));
    }
    let keymap = read_keys(keys)?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(template.as_bytes());
    let headers = rdr.headers().map_err(|e| ImportError::Format {
        file: "template",
        line: 1,
        message: format!("unreadable header: {e}"),
    })?;
    let col = columns(headers, &TEMPLATE_COLUMNS[..2], "template")?;
    let note_col = headers.iter().position(|h| h.trim() == "note");
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut rated = BTreeSet::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| ImportError::Format {
            file: "template",
            line: e.position().map_or(0, |p| p.line() as usize),
            message: format!("unreadable row: {e}"),
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let cell = |i: usize| rec.get(i).unwrap_or("").trim();
        let key = cell(col[0]).to_string();
        if key.is_empty() && rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some((item, hash, declared)) = keymap.get(&key) else {
            return Err(ImportError::UnknownKey { key, line });
        };
        if !seen.insert(key.clone()) {
            return Err(ImportError::RepeatedKey { key, line });
        }
        let level = cell(col[1]);
        if level.is_empty() {
            continue;
        }
        let level = match level.parse::<u8>() {
            Ok(l) if (1..=8).contains(&l) => l,
            _ => {
                return Err(ImportError::BadLevel {
                    key,
                    level: level.to_string(),
                    line,
                });
            }
        };
        rated.insert(key.clone());
        out.push(Rating {
            item: item.clone(),
            item_hash: hash.clone(),
            rater: rater.to_string(),
            round,
            level,
            note: note_col.map(|i| cell(i).to_string()).unwrap_or_default(),
            declared: *declared,
            line: 0,
        });
    }
    let unrated = keymap.keys().filter(|k| !rated.contains(*k)).cloned().collect();
    Ok((out, unrated))
}

type KeyMap = BTreeMap<String, (String, String, Option<u8>)>;

fn columns(
    headers: &csv::StringRecord,
    wanted: &[&str],
    file: &'static str,
) -> Result<Vec<usize>, ImportError> {
    wanted
        .iter()
        .map(|w| {
            headers
                .iter()
                .position(|h| h.trim() == *w)
                .ok_or_else(|| ImportError::Format {
                    file,
                    line: 1,
                    message: format!(
                        "the header lacks the column `{w}` (expected {})",
                        wanted.join(",")
                    ),
                })
        })
        .collect()
}

fn read_keys(text: &str) -> Result<KeyMap, ImportError> {
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|e| ImportError::Format {
        file: "keys",
        line: 1,
        message: format!("unreadable header: {e}"),
    })?;
    let col = columns(headers, &KEYS_COLUMNS, "keys")?;
    let mut out = KeyMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| ImportError::Format {
            file: "keys",
            line: e.position().map_or(0, |p| p.line() as usize),
            message: format!("unreadable row: {e}"),
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let cell = |i: usize| rec.get(i).unwrap_or("").trim().to_string();
        let declared = cell(col[3]).parse::<u8>().ok().filter(|l| (1..=8).contains(l));
        let hash = cell(col[2]);
        if hash.len() != super::ITEM_HASH_LEN {
            return Err(ImportError::Format {
                file: "keys",
                line,
                message: format!("`{hash}` is not an item hash; was the key file edited?"),
            });
        }
        out.insert(cell(col[0]), (cell(col[1]), hash, declared));
    }
    Ok(out)
}

/// The rows of `ratings` as CSV lines under `header` (the columns of an existing `ratings.csv`,
/// or [`RATINGS_COLUMNS`] for a new one); the header itself is written when `with_header`.
pub fn ratings_csv(header: &[String], ratings: &[Rating], with_header: bool) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    if with_header {
        let _ = w.write_record(header);
    }
    for r in ratings {
        let row: Vec<String> = header
            .iter()
            .map(|h| match h.trim() {
                "item" => r.item.clone(),
                "item_hash" => r.item_hash.clone(),
                "rater" => r.rater.clone(),
                "round" => r.round.to_string(),
                "level" => r.level.to_string(),
                "note" => r.note.clone(),
                "declared" => r.declared.map(|d| d.to_string()).unwrap_or_default(),
                _ => String::new(),
            })
            .collect();
        let _ = w.write_record(&row);
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// The default header of a new `ratings.csv`.
pub fn default_header() -> Vec<String> {
    RATINGS_COLUMNS.iter().map(|c| c.to_string()).collect()
}
