//! `jauge bank`: validate the item bank, print its statistics, export it as JSON, and the
//! standard-setting panel's tools (`panel`).

mod check;
mod panel;

use std::fmt;
use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use jauge_bank::{Diagnostic, Loaded, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

/// The `jauge bank` subcommands.
#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Check the bank: every problem, with its file, line, an excerpt and how to fix it.
    /// Exit 0 when clean (warnings allowed unless --strict), 1 when problems are found.
    Validate {
        /// The bank's folder.
        #[arg(default_value = "item-bank")]
        dir: PathBuf,
        /// Fail on warnings too.
        #[arg(long)]
        strict: bool,
        /// Print the diagnostics as one JSON document on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Live items per competence and level, per type, and the skills with their pix values.
    Stats {
        /// The bank's folder.
        #[arg(default_value = "item-bank")]
        dir: PathBuf,
        /// Print one JSON document on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Export the whole bank (items, parameters in force, framework) as one document.
    /// Exit 1 when the bank has errors (the export is still written).
    Export {
        /// The bank's folder.
        #[arg(default_value = "item-bank")]
        dir: PathBuf,
        /// The output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The checker's verdict on one answer to one item, as an agent would give it (for item
    /// writers). Exit 0 when judged; 2 for an unknown item or an answer that is not well formed.
    Check {
        /// The item's id.
        item: String,
        /// The answer as JSON: {"kind": "options", "value": ["b"]}, {"kind": "texts", "value":
        /// ["…"]}, {"kind": "number", "value": "2,5"} or {"kind": "dontknow"}.
        #[arg(long, allow_hyphen_values = true)]
        answer: String,
        /// The bank's folder.
        #[arg(long, value_name = "DIR", default_value = "item-bank")]
        bank: PathBuf,
        /// Print one JSON document on stdout: {"item", "score", "credit", "status", "reason",
        /// "message", "blanks"}.
        #[arg(long)]
        json: bool,
    },
    /// Apply French typography to the French texts of the item files (questions, explanations,
    /// options): U+202F before ; : ! ? and inside « », no space before , and ., leaving every
    /// other byte as it was. Running it twice changes nothing the second time.
    FixTypography {
        /// The bank's folder.
        #[arg(default_value = "item-bank")]
        dir: PathBuf,
        /// Change nothing; exit 1 when some file would change.
        #[arg(long)]
        check: bool,
    },
    /// The standard-setting panel: blind packets for raters, import of their ratings into
    /// panel/ratings.csv, and the report (flags, agreement per round).
    #[command(subcommand)]
    Panel(panel::PanelCommand),
}

/// The formats `jauge bank export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// JSON, described by docs/item-bank.schema.json.
    Json,
}

/// Runs a `jauge bank` subcommand.
pub fn run(cmd: BankCommand) -> anyhow::Result<u8> {
    match cmd {
        BankCommand::Validate { dir, strict, json } => validate(&dir, strict, json),
        BankCommand::Stats { dir, json } => stats(&dir, json),
        BankCommand::Export { dir, format, out } => export(&dir, format, out.as_deref()),
        BankCommand::Panel(cmd) => panel::run(cmd),
        BankCommand::Check {
            item,
            answer,
            bank,
            json,
        } => check::run(&item, &answer, crate::i18n::lang(), &bank, json),
        BankCommand::FixTypography { dir, check } => fix_typography(&dir, check),
    }
}

/// Prints one JSON document on stdout; a closed pipe surfaces as an `io::Error` (exit 0).
fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let doc = serde_json::to_string_pretty(value)?;
    let mut out = io::stdout().lock();
    writeln!(out, "{doc}")?;
    Ok(())
}

fn load(dir: &Path) -> anyhow::Result<Loaded> {
    Ok(jauge_bank::load_dir(dir)?)
}

fn validate(dir: &Path, strict: bool, json: bool) -> anyhow::Result<u8> {
    let loaded = load(dir)?;
    let (errors, warnings) = (loaded.errors(), loaded.warnings());
    if json {
        print_json(&serde_json::json!({
            "version": loaded.bank.version,
            "items": loaded.bank.items.len(),
            "errors": errors,
            "warnings": warnings,
            "diagnostics": loaded.diagnostics,
        }))?;
    } else {
        let mut err = io::stderr().lock();
        for d in &loaded.diagnostics {
            write!(err, "{}", render(d, &loaded, dir))?;
        }
        writeln!(
            err,
            "{}: {} item(s), {errors} error(s), {warnings} warning(s); version {}",
            dir.display(),
            loaded.bank.items.len(),
            short(&loaded.bank.version)
        )?;
    }
    Ok(u8::from(errors > 0 || (strict && warnings > 0)))
}

fn short(version: &str) -> &str {
    version.get(..12).unwrap_or(version)
}

/// A bank diagnostic as miette sees it, with its source excerpt.
struct Report<'a> {
    d: &'a Diagnostic,
    source: Option<NamedSource<String>>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.d, f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.source, self.d.file.is_empty()) {
            (None, false) => write!(f, "{}: {}", self.d.file, self.d.message),
            _ => f.write_str(&self.d.message),
        }
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!("bank::{}", self.d.code)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.d
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'b>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let label = self.d.item.as_ref().map(|i| format!("item {i}"));
        let span = self.d.span.start..self.d.span.end.max(self.d.span.start);
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(
            label, span,
        ))))
    }
}

/// Renders one diagnostic with an excerpt of its file: colours on a terminal, plain text
/// otherwise (or with NO_COLOR).
fn render(d: &Diagnostic, loaded: &Loaded, dir: &Path) -> String {
    let source = if d.line > 0 {
        loaded
            .source(&d.file)
            .filter(|text| excerpt_fits(text, d))
            .map(|text| NamedSource::new(dir.join(&d.file).display().to_string(), text.to_string()))
    } else {
        None
    };
    let theme = if !io::stderr().is_terminal() {
        GraphicalTheme::none()
    } else if std::env::var_os("NO_COLOR").is_some() {
        GraphicalTheme::unicode_nocolor()
    } else {
        GraphicalTheme::unicode()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    let report = Report { d, source };
    // The excerpt renderer is a third-party crate: should it fail or panic on some odd line, the
    // diagnostic is still printed, plainly, and the other ones after it.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        handler.render_report(&mut out, &report)
    }));
    std::panic::set_hook(previous_hook);
    if !matches!(rendered, Ok(Ok(()))) {
        out = format!("{d}\n");
    }
    out.push('\n');
    out
}

/// Whether the lines a diagnostic points at are short enough to show (a 100 000-character line
/// of garbage is named, not printed).
fn excerpt_fits(text: &str, d: &Diagnostic) -> bool {
    const MAX: usize = 500;
    let start = d.span.start.min(text.len());
    let end = d.span.end.clamp(start, text.len());
    if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return false;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    line_end - line_start <= MAX
}

fn stats(dir: &Path, json: bool) -> anyhow::Result<u8> {
    let loaded = load(dir)?;
    let stats = loaded.bank.stats();
    if loaded.errors() > 0 {
        eprintln!(
            "note: the bank has {} error(s); the figures count the items that could be read \
             (jauge bank validate {})",
            loaded.errors(),
            dir.display()
        );
    }
    if json {
        print_json(&stats)?;
        return Ok(0);
    }
    let mut out = io::stdout().lock();
    let max_level = loaded
        .bank
        .framework
        .competences
        .iter()
        .map(|c| c.max_level)
        .max()
        .unwrap_or(0);
    writeln!(
        out,
        "bank {} (version {}): {} live item(s) of {}",
        dir.display(),
        short(&stats.version),
        stats.live_items,
        stats.items
    )?;
    writeln!(out, "live items / skills per competence and level:")?;
    write!(out, "{:<6}", "")?;
    for level in 1..=max_level {
        write!(out, "{:>8}", format!("L{level}"))?;
    }
    writeln!(out)?;
    for comp in &loaded.bank.framework.competences {
        write!(out, "{:<6}", comp.code)?;
        for level in 1..=max_level {
            match stats
                .cells
                .iter()
                .find(|c| c.competence == comp.code && c.level == level)
            {
                Some(c) => write!(out, "{:>8}", format!("{}/{}", c.live, c.skills))?,
                None => write!(out, "{:>8}", "-")?,
            }
        }
        writeln!(out)?;
    }
    let types: Vec<String> = stats.types.iter().map(|(t, n)| format!("{t} {n}")).collect();
    writeln!(out, "live items by type: {}", types.join(", "))?;
    let statuses: Vec<String> = stats.statuses.iter().map(|(s, n)| format!("{s} {n}")).collect();
    writeln!(out, "items by status: {}", statuses.join(", "))?;
    writeln!(out, "skills with live items: {}", stats.skills.len())?;
    print_multiple_right(&mut out, &stats)?;
    Ok(0)
}

/// The number of right options of the live multiple-choice items: in all (up to the largest
/// present, with each count's share), then per competence as `right/options: items`.
fn print_multiple_right(out: &mut impl Write, stats: &jauge_bank::Stats) -> io::Result<()> {
    let total: usize = stats.multiple_right.values().sum();
    if total == 0 {
        return Ok(());
    }
    let largest = stats
        .multiple_right
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(r, _)| *r)
        .max()
        .unwrap_or(1);
    let counts: Vec<String> = stats
        .multiple_right
        .range(1..=largest)
        .map(|(r, n)| format!("{r} right {n} ({:.0} %)", 100.0 * *n as f64 / total as f64))
        .collect();
    writeln!(
        out,
        "live multiple-choice items by number of right options: {}",
        counts.join(", ")
    )?;
    writeln!(out, "right/options of live multiple-choice items per competence:")?;
    let mut competences: Vec<&str> = stats
        .multiple_shapes
        .iter()
        .map(|s| s.competence.as_str())
        .collect();
    competences.dedup();
    for comp in competences {
        let shapes: Vec<String> = stats
            .multiple_shapes
            .iter()
            .filter(|s| s.competence == comp)
            .map(|s| format!("{}/{}: {}", s.right, s.options, s.live))
            .collect();
        writeln!(out, "{comp:<6}{}", shapes.join(", "))?;
    }
    Ok(())
}

fn export(dir: &Path, format: ExportFormat, out: Option<&Path>) -> anyhow::Result<u8> {
    let loaded = load(dir)?;
    let ExportFormat::Json = format;
    let doc = serde_json::to_string_pretty(&loaded.bank.export())?;
    match out {
        Some(path) => {
            fs::write(path, format!("{doc}\n")).with_context(|| format!("cannot write {}", path.display()))?
        }
        None => {
            let mut stdout = io::stdout().lock();
            writeln!(stdout, "{doc}")?;
        }
    }
    if loaded.errors() > 0 {
        eprintln!(
            "error: the bank has {} error(s); the export holds only the items that could be read \
             (jauge bank validate {})",
            loaded.errors(),
            dir.display()
        );
        return Ok(1);
    }
    Ok(0)
}

/// Writes `bytes` to `path` through a temporary file in the same folder, flushed to disk, then
/// renamed over it (keeping the old file's permissions): an interruption leaves the old file or
/// the new one, never half of one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let tmp = parent.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    {
        let mut f = fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        if let Ok(meta) = fs::metadata(path) {
            let _ = fs::set_permissions(&tmp, meta.permissions());
        }
    }
    fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

fn fix_typography(dir: &Path, check: bool) -> anyhow::Result<u8> {
    let loaded = load(dir)?;
    let files: Vec<&str> = loaded
        .sources
        .iter()
        .map(|s| s.path.as_str())
        .filter(|p| p.ends_with(".toml") && *p != jauge_bank::FRAMEWORK_FILE && !p.starts_with("panel/"))
        .collect();
    let (mut total, mut changed, mut failed) = (0, 0, 0);
    for rel in files {
        let path = dir.join(rel);
        let bytes =
            jauge_bank::read_bank_file(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let Ok(text) = std::str::from_utf8(&bytes) else {
            eprintln!("{}: not UTF-8 text, left unchanged", path.display());
            failed += 1;
            continue;
        };
        // A byte-order mark is kept as it was.
        let (bom, body) = match text.strip_prefix('\u{feff}') {
            Some(rest) => ("\u{feff}", rest),
            None => ("", text),
        };
        match jauge_bank::typography::fix_file(body) {
            Ok(fix) if fix.fixes > 0 => {
                eprintln!(
                    "{}: {} correction(s) in {} French text(s){}",
                    path.display(),
                    fix.fixes,
                    fix.strings,
                    if check { " to make" } else { "" }
                );
                total += fix.fixes;
                changed += 1;
                if !check {
                    write_atomically(&path, format!("{bom}{}", fix.text).as_bytes())?;
                }
            }
            Ok(_) => {}
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                failed += 1;
            }
        }
    }
    let verb = if check { "would make" } else { "made" };
    eprintln!(
        "{}: {verb} {total} correction(s) in {changed} file(s){}",
        dir.display(),
        if failed > 0 {
            format!("; {failed} file(s) left unchanged (see above)")
        } else {
            String::new()
        }
    );
    Ok(u8::from((check && changed > 0) || failed > 0))
}
