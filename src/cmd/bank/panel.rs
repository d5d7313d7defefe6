//! `jauge bank panel`: the standard-setting panel's packets, the import of a rater's ratings into
//! `panel/ratings.csv`, and the report (docs/item-bank.md, "The standard-setting panel").

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use clap::Subcommand;
use jauge_bank::panel::packet::{default_header, import, packet, ratings_csv};
use jauge_bank::panel::{PanelFlag, PanelReport, RATINGS_FILE, Summary, item_hash, report};
use jauge_bank::{Item, Status};

use super::{load, print_json, short, write_atomically};

/// The `jauge bank panel` subcommands.
#[derive(Debug, Subcommand)]
pub enum PanelCommand {
    /// Prepare a blind packet for one rater: OUT (Markdown: the items under opaque keys, without
    /// id, file or declared level), OUT with extension .csv (the template the rater fills:
    /// key,level,note) and OUT with extension .keys.csv (for the coordinator only: the keys'
    /// items and versions).
    Packet {
        /// The bank's folder.
        #[arg(default_value = "item-bank")]
        dir: PathBuf,
        /// The declared levels to include: `4-7`, or one level.
        #[arg(long, default_value = "4-7")]
        levels: LevelRange,
        /// Only the items listed in this file (one id per line; `#` starts a comment).
        #[arg(long, value_name = "FILE")]
        items: Option<PathBuf>,
        /// Only the items with fewer than 3 current ratings (the next round's items).
        #[arg(long)]
        needed: bool,
        /// Leave out the items this rater has already rated in their current version.
        #[arg(long, value_name = "CODE")]
        rater: Option<String>,
        /// The seed of the packet's order and keys (one per rater: `R07-round2`).
        #[arg(long)]
        seed: String,
        /// The packet's Markdown file (FILE.md); the template and the key file go beside it.
        #[arg(long, value_name = "FILE.md")]
        out: PathBuf,
        /// Overwrite existing packet files (a filled template would be lost).
        #[arg(long)]
        force: bool,
    },
    /// Record a filled template as rows of panel/ratings.csv (appended; nothing is recorded if
    /// any row is wrong).
    Import {
        /// The template the rater filled (key,level,note).
        template: PathBuf,
        /// The packet's key file (FILE.keys.csv, written with the packet).
        #[arg(long, value_name = "FILE")]
        keys: PathBuf,
        /// The rater's pseudonymous code (e.g. R07).
        #[arg(long, value_name = "CODE")]
        rater: String,
        /// The round (1, 2, …).
        #[arg(long)]
        round: u32,
        /// The bank's folder.
        #[arg(long, value_name = "DIR", default_value = "item-bank")]
        bank: PathBuf,
    },
    /// Per item its declared level, current ratings, median, spread and flags; per round the
    /// agreement figures. Exit 0.
    Report {
        /// The bank's folder.
        #[arg(default_value = "item-bank")]
        dir: PathBuf,
        /// Print one JSON document on stdout.
        #[arg(long)]
        json: bool,
    },
}

/// A range of levels, `4-7` or `5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelRange(pub u8, pub u8);

impl FromStr for LevelRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let level = |x: &str| -> Result<u8, String> {
            match x.trim().parse::<u8>() {
                Ok(l) if (1..=8).contains(&l) => Ok(l),
                _ => Err(format!("`{x}` is not a level from 1 to 8")),
            }
        };
        let (lo, hi) = match s.split_once('-') {
            Some((a, b)) => (level(a)?, level(b)?),
            None => (level(s)?, level(s)?),
        };
        if lo > hi {
            return Err(format!("{lo} is above {hi}: write the range low-high, e.g. 4-7"));
        }
        Ok(LevelRange(lo, hi))
    }
}

/// Runs a `jauge bank panel` subcommand.
pub fn run(cmd: PanelCommand) -> anyhow::Result<u8> {
    match cmd {
        PanelCommand::Packet {
            dir,
            levels,
            items,
            needed,
            rater,
            seed,
            out,
            force,
        } => make_packet(
            &dir,
            levels,
            items.as_deref(),
            needed,
            rater.as_deref(),
            &seed,
            &out,
            force,
        ),
        PanelCommand::Import {
            template,
            keys,
            rater,
            round,
            bank,
        } => import_ratings(&template, &keys, &rater, round, &bank),
        PanelCommand::Report { dir, json } => print_report(&dir, json),
    }
}

/// The ids listed in an `--items` file.
fn read_ids(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = crate::input::read_text(path, jauge_bank::MAX_FILE_BYTES)
        .with_context(|| format!("cannot read the list of items {}", path.display()))?;
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

#[allow(clippy::too_many_arguments)]
fn make_packet(
    dir: &Path,
    levels: LevelRange,
    items: Option<&Path>,
    needed: bool,
    rater: Option<&str>,
    seed: &str,
    out: &Path,
    force: bool,
) -> anyhow::Result<u8> {
    let loaded = load(dir)?;
    if loaded.errors() > 0 {
        eprintln!(
            "note: the bank has {} error(s); the packet holds the items that could be read (jauge bank validate {})",
            loaded.errors(),
            dir.display()
        );
    }
    let bank = &loaded.bank;
    let listed: Option<Vec<String>> = items.map(read_ids).transpose()?;
    if let Some(ids) = &listed {
        let unknown: Vec<&str> = ids
            .iter()
            .filter(|id| bank.item(id).is_none())
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            return Err(anyhow::anyhow!(format!(
                "{} lists unknown item(s): {}",
                items.map(|p| p.display().to_string()).unwrap_or_default(),
                unknown.join(", ")
            )));
        }
    }
    let chosen: Vec<&Item> = bank
        .items
        .iter()
        .filter(|i| i.status != Status::Archived)
        .filter(|i| (levels.0..=levels.1).contains(&i.level))
        .filter(|i| listed.as_ref().is_none_or(|ids| ids.contains(&i.id)))
        .filter(|i| {
            !needed || loaded.ratings.current(&i.id, &item_hash(i)).len() < jauge_bank::panel::MIN_RATINGS
        })
        .filter(|i| {
            rater.is_none_or(|r| {
                !loaded
                    .ratings
                    .current(&i.id, &item_hash(i))
                    .iter()
                    .any(|x| x.rater == r)
            })
        })
        .collect();
    if chosen.is_empty() {
        return Err(anyhow::anyhow!("no item matches: nothing to put in a packet"));
    }
    let template_path = out.with_extension("csv");
    let keys_path = out.with_extension("keys.csv");
    for p in [out, template_path.as_path(), keys_path.as_path()] {
        if p.exists() && !force {
            return Err(anyhow::anyhow!(format!(
                "{} exists (a filled template would be lost); choose another --out or pass --force",
                p.display()
            )));
        }
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let pk = packet(bank, &chosen, seed);
    let write =
        |p: &Path, text: &str| fs::write(p, text).with_context(|| format!("cannot write {}", p.display()));
    write(out, &pk.markdown)?;
    write(&template_path, &pk.template)?;
    write(&keys_path, &pk.keys)?;
    eprintln!(
        "packet {} of {} item(s): {} (for the rater), {} (to fill), {} (keep it: it maps keys to items)",
        pk.code,
        chosen.len(),
        out.display(),
        template_path.display(),
        keys_path.display()
    );
    Ok(0)
}

fn import_ratings(template: &Path, keys: &Path, rater: &str, round: u32, dir: &Path) -> anyhow::Result<u8> {
    let read = |p: &Path| -> anyhow::Result<String> {
        crate::input::read_text(p, jauge_bank::MAX_FILE_BYTES)
            .with_context(|| format!("cannot read {}", p.display()))
    };
    let (template_text, keys_text) = (read(template)?, read(keys)?);
    let (ratings, unrated) = import(&template_text, &keys_text, rater, round).context("nothing recorded")?;
    let loaded = load(dir)?;
    let panel_errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.file == RATINGS_FILE && d.is_error())
        .map(ToString::to_string)
        .collect();
    if !panel_errors.is_empty() {
        bail!(
            "{} has errors; fix them first (nothing recorded):\n{}",
            RATINGS_FILE,
            panel_errors.join("\n")
        );
    }
    let unknown: BTreeSet<&str> = ratings
        .iter()
        .filter(|r| loaded.bank.item(&r.item).is_none())
        .map(|r| r.item.as_str())
        .collect();
    if !unknown.is_empty() {
        return Err(anyhow::anyhow!(format!(
            "the key file names item(s) the bank {} does not have: {} (is it this bank's packet?); nothing recorded",
            dir.display(),
            unknown.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    let repeated: Vec<String> = ratings
        .iter()
        .filter(|r| {
            loaded.ratings.rows.iter().any(|x| {
                x.item == r.item && x.item_hash == r.item_hash && x.rater == r.rater && x.round == r.round
            })
        })
        .map(|r| r.item.clone())
        .collect();
    if !repeated.is_empty() {
        return Err(anyhow::anyhow!(format!(
            "rater {rater} already has round-{round} ratings of {} item(s) of this packet ({}…): was it imported already? nothing recorded",
            repeated.len(),
            repeated[0]
        )));
    }
    let path = dir.join(RATINGS_FILE);
    let existing = match jauge_bank::read_bank_file(&path) {
        Ok(t) => Some(String::from_utf8(t).with_context(|| format!("{}: not UTF-8 text", path.display()))?),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => bail!("cannot read {}: {e}", path.display()),
    };
    let text = match existing {
        Some(mut old) if !old.trim().is_empty() => {
            let header: Vec<String> = csv::ReaderBuilder::new()
                .from_reader(old.as_bytes())
                .headers()
                .map(|h| h.iter().map(|c| c.trim().to_string()).collect())
                .unwrap_or_else(|_| default_header());
            if !old.ends_with('\n') {
                old.push('\n');
            }
            old.push_str(&ratings_csv(&header, &ratings, false));
            old
        }
        _ => ratings_csv(&default_header(), &ratings, true),
    };
    write_atomically(&path, text.as_bytes())?;
    let changed = ratings
        .iter()
        .filter(|r| {
            loaded
                .bank
                .item(&r.item)
                .is_some_and(|i| item_hash(i) != r.item_hash)
        })
        .count();
    eprintln!(
        "recorded {} rating(s) of rater {rater}, round {round}, in {}",
        ratings.len(),
        path.display()
    );
    if changed > 0 {
        eprintln!(
            "note: {changed} of them rate a version that has changed since the packet was made: they are kept, as stale ratings"
        );
    }
    if !unrated.is_empty() {
        eprintln!(
            "note: {} key(s) left without a level: {}",
            unrated.len(),
            unrated.join(", ")
        );
    }
    Ok(0)
}

fn fmt_opt(x: Option<f64>, digits: usize) -> String {
    x.map_or("-".into(), |v| format!("{v:.digits$}"))
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.0} %", 100.0 * v))
}

fn summary_line(s: &Summary) -> String {
    format!(
        "{} item(s), {} rating(s), {} rater(s); median = declared {}, within one {}, mean |median − declared| {}, off by 2+ {}, spread 2+ {}; alpha {}, pairwise exact {}",
        s.items,
        s.ratings,
        s.raters,
        pct(s.exact),
        pct(s.within_one),
        fmt_opt(s.mean_abs_diff, 2),
        pct(s.off_level),
        pct(s.spread),
        fmt_opt(s.alpha, 3),
        pct(s.pairwise_exact)
    )
}

fn print_report(dir: &Path, json: bool) -> anyhow::Result<u8> {
    let loaded = load(dir)?;
    let rep: PanelReport = report(&loaded.bank, &loaded.ratings);
    for d in loaded.diagnostics.iter().filter(|d| d.file == RATINGS_FILE) {
        eprintln!("{d}");
    }
    if json {
        print_json(&rep)?;
        return Ok(0);
    }
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "panel of bank {} (version {}): {} item(s) at levels 4–7 or rated; {} flagged, {} needing ratings, {} stale rating(s)",
        dir.display(),
        short(&rep.version),
        rep.items.len(),
        rep.flagged,
        rep.needing_ratings,
        rep.stale_ratings
    )?;
    writeln!(
        out,
        "{:<6} {:<44} {:>3} {:<20} {:>6} {:>6}  flags",
        "comp", "item", "lvl", "ratings", "median", "spread"
    )?;
    for s in &rep.items {
        let ratings: Vec<String> = s.ratings.iter().map(|r| r.level.to_string()).collect();
        let mut flags: Vec<String> = s.flags.iter().map(|f| PanelFlag::name(*f).to_string()).collect();
        flags.extend(s.defects.iter().map(|d| format!("[{d}]")));
        if s.stale > 0 {
            flags.push(format!("{} stale", s.stale));
        }
        writeln!(
            out,
            "{:<6} {:<44} {:>3} {:<20} {:>6} {:>6}  {}",
            s.competence,
            s.item,
            s.declared,
            ratings.join(" "),
            fmt_opt(s.median, 1),
            s.spread.map_or("-".into(), |x| x.to_string()),
            flags.join(", ")
        )?;
    }
    for r in &rep.rounds {
        writeln!(out, "round {}: {}", r.round, summary_line(&r.summary))?;
    }
    writeln!(out, "current ratings: {}", summary_line(&rep.current))?;
    Ok(0)
}
