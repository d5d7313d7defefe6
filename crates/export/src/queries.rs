//! The three exports: profiles, responses, aggregates.

use std::collections::BTreeMap;
use std::path::Path;

use jauge_store::Store;
use jiff::Timestamp;
use rusqlite::Row;

use crate::output::{PendingFile, Protected};
use crate::sink::{Cell, ColType, Column, Format, Sink, open_sink};
use crate::{ExportError, Pseudonymiser, Result};

/// Which finished sessions an export reads. Dates are inclusive and apply to the session's end
/// (`assessed_at`), or to `answered_at` for the response table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Only sessions of agents of this organisation (the organisation at the session's time).
    pub organisation: Option<String>,
    /// Only sessions of this campaign.
    pub campaign: Option<String>,
    /// From this time on (inclusive).
    pub since: Option<Timestamp>,
    /// Up to this time (inclusive).
    pub until: Option<Timestamp>,
    /// Sessions of simulated agents too (`--include-simulated`; left out by default). The
    /// exports then gain a `simulated` column.
    pub include_simulated: bool,
}

impl Filter {
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(o) = &self.organisation {
            parts.push(format!("organisation={o}"));
        }
        if let Some(c) = &self.campaign {
            parts.push(format!("campaign={c}"));
        }
        if let Some(t) = self.since {
            parts.push(format!("since={t}"));
        }
        if let Some(t) = self.until {
            parts.push(format!("until={t}"));
        }
        if self.include_simulated {
            parts.push("simulated sessions included".into());
        }
        if parts.is_empty() {
            "no filter".into()
        } else {
            parts.join(" ")
        }
    }
}

/// How aggregates group agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// By the organisation of the agent's session.
    Organisation,
    /// By campaign.
    Campaign,
}

/// `1.1` → `c1_1`.
fn prefix(code: &str) -> Result<String> {
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(ExportError::Competence(code.into()));
    }
    Ok(format!("c{}", code.replace('.', "_")))
}

/// The columns of one competence, after its prefix (`c1_1_level` …).
const SNAPSHOT_FIELDS: [(&str, ColType); 8] = [
    ("level", ColType::Int32),
    ("pix", ColType::Int32),
    ("pix_low", ColType::Int32),
    ("pix_high", ColType::Int32),
    ("theta", ColType::Double),
    ("se", ColType::Double),
    ("theta_separate", ColType::Double),
    ("se_separate", ColType::Double),
];

/// How many columns each competence has.
const PER_COMPETENCE: usize = SNAPSHOT_FIELDS.len();

/// A θ or SE cell: null when missing or not finite (never NaN in a file).
fn float_cell(x: Option<f64>) -> Cell {
    match x {
        Some(x) if x.is_finite() => Cell::Float(x),
        _ => Cell::Null,
    }
}

fn profile_columns(competences: &[String]) -> Result<Vec<Column>> {
    let mut cols = vec![
        Column::new("agent", ColType::Str),
        Column::new("organisation", ColType::Str),
        Column::new("campaign", ColType::Str),
        Column::new("assessed_at", ColType::Timestamp),
        Column::new("total_pix", ColType::Int32),
        Column::new("bank_version", ColType::Str),
        Column::new("scoring_version", ColType::Str),
    ];
    for c in competences {
        let p = prefix(c)?;
        for (f, ty) in SNAPSHOT_FIELDS {
            cols.push(Column::new(format!("{p}_{f}"), ty));
        }
    }
    // an extension of the contract's columns: the profile structure the scores assumed
    cols.push(Column::new("structure", ColType::Str));
    Ok(cols)
}

const FILTER_SQL: &str = "(?1 IS NULL OR o.code = ?1) AND (?2 IS NULL OR c.name = ?2)
     AND (?3 IS NULL OR s.finished_at >= ?3) AND (?4 IS NULL OR s.finished_at <= ?4)
     AND (?5 OR s.simulated = 0)";

/// One snapshot row of the profile query.
struct SnapRow {
    agent_key: Option<i64>,
    session: i64,
    agent: Option<String>,
    organisation: Option<String>,
    campaign: Option<String>,
    uid: String,
    finished_at: i64,
    bank_version: String,
    scoring_version: String,
    competence: String,
    values: [Cell; PER_COMPETENCE],
    assessed_at: i64,
    simulated: bool,
    /// The profile structure the score assumed (`None`: recorded before scoring version 2,
    /// whose model was the independent one).
    structure: Option<String>,
}

fn snap_row(r: &Row<'_>) -> rusqlite::Result<SnapRow> {
    Ok(SnapRow {
        agent_key: r.get(0)?,
        session: r.get(1)?,
        agent: r.get(2)?,
        organisation: r.get(3)?,
        campaign: r.get(4)?,
        uid: r.get(5)?,
        finished_at: r.get(6)?,
        bank_version: r.get(7)?,
        scoring_version: r.get(8)?,
        competence: r.get(9)?,
        values: [
            Cell::Int(r.get(10)?),
            Cell::Int(r.get(11)?),
            Cell::Int(r.get(12)?),
            Cell::Int(r.get(13)?),
            float_cell(r.get(14)?),
            float_cell(r.get(15)?),
            float_cell(r.get(17)?),
            float_cell(r.get(18)?),
        ],
        assessed_at: r.get(16)?,
        simulated: r.get(19)?,
        structure: r.get(20)?,
    })
}

/// One competence's result in the row being assembled.
struct Scored {
    values: [Cell; PER_COMPETENCE],
    assessed_at: i64,
    simulated: bool,
    scoring_version: String,
    structure: String,
}

/// The distinct values, in order, joined by commas: one value when the row's scores agree
/// (`2`), every one when a row mixes scores of several versions or structures (`1,2`).
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Option<String> {
    let set: std::collections::BTreeSet<&str> = values.collect();
    (!set.is_empty()).then(|| set.into_iter().collect::<Vec<_>>().join(","))
}

/// The current row being assembled: one agent (latest per competence) or one session.
struct Pending {
    head: Option<SnapRow>,
    /// Per competence: its result, when assessed.
    per_competence: BTreeMap<String, Scored>,
}

/// Which optional trailing columns a profile export has.
#[derive(Clone, Copy)]
struct Trailing {
    session: bool,
    simulated: bool,
}

fn emit(
    p: &mut Pending,
    index: &BTreeMap<&str, usize>,
    width: usize,
    pseudo: Option<&Pseudonymiser>,
    trailing: Trailing,
    sink: &mut dyn crate::sink::Sink,
) -> Result<bool> {
    let Some(head) = p.head.take() else {
        return Ok(false);
    };
    let mut row = Vec::with_capacity(width);
    let id = |s: &Option<String>| match (s, pseudo) {
        (Some(x), Some(ps)) => Cell::Str(ps.apply(x)),
        (Some(x), None) => Cell::Str(x.clone()),
        (None, _) => Cell::Null,
    };
    row.push(id(&head.agent));
    row.push(head.organisation.clone().map_or(Cell::Null, Cell::Str));
    row.push(head.campaign.clone().map_or(Cell::Null, Cell::Str));
    let scores = &p.per_competence;
    let assessed = scores
        .values()
        .map(|s| s.assessed_at)
        .max()
        .unwrap_or(head.finished_at);
    row.push(Cell::Ts(assessed));
    let total: i64 = scores
        .values()
        .map(|s| if let Cell::Int(x) = s.values[1] { x } else { 0 })
        .sum();
    let simulated = scores.values().any(|s| s.simulated);
    row.push(Cell::Int(total));
    row.push(Cell::Str(head.bank_version.clone()));
    let version = distinct(scores.values().map(|s| s.scoring_version.as_str()))
        .unwrap_or_else(|| head.scoring_version.clone());
    row.push(Cell::Str(version));
    let structure = distinct(scores.values().map(|s| s.structure.as_str()));
    row.resize(width, Cell::Null);
    for (code, scored) in std::mem::take(&mut p.per_competence) {
        if let Some(&k) = index.get(code.as_str()) {
            for (j, v) in scored.values.into_iter().enumerate() {
                row[7 + PER_COMPETENCE * k + j] = v;
            }
        }
    }
    row[7 + PER_COMPETENCE * index.len()] = structure.map_or(Cell::Null, Cell::Str);
    let mut last = width;
    if trailing.simulated {
        last -= 1;
        row[last] = Cell::Int(i64::from(simulated));
    }
    if trailing.session {
        last -= 1;
        row[last] = id(&Some(head.uid.clone()));
    }
    sink.write(&row)?;
    Ok(true)
}

/// Where an export goes and how ids are written.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The format.
    pub format: Format,
    /// The output file: written to a private temporary file first, put in place when complete.
    pub out: &'a Path,
    /// Pseudonymise agent and session ids with this key.
    pub pseudonymiser: Option<&'a Pseudonymiser>,
    /// Replace `out` when it exists (otherwise an existing file is refused).
    pub force: bool,
    /// Paths `out` must never be, besides the database (always protected): the key file, the
    /// item bank…
    pub protected: &'a Protected,
}

impl<'a> Target<'a> {
    /// A target writing `format` to `out`, ids as stored, never over an existing file.
    pub fn new(format: Format, out: &'a Path, protected: &'a Protected) -> Self {
        Self {
            format,
            out,
            pseudonymiser: None,
            force: false,
            protected,
        }
    }
}

/// Runs one export: refuses a protected or existing output before anything is opened, records
/// the audit entry (refusing to export when it cannot be written), writes the rows through a
/// private pending file put in place only when complete, and records the outcome.
fn run_export(
    store: &mut Store,
    kind: &str,
    filter: &Filter,
    t: &Target<'_>,
    columns: &[Column],
    rows: impl FnOnce(&Store, &mut dyn Sink) -> Result<u64>,
) -> Result<u64> {
    let mut protected = t.protected.clone();
    if let Some(db) = store.path() {
        protected = protected.database(db);
    }
    protected.check(t.out)?;
    if !t.force && std::fs::symlink_metadata(t.out).is_ok() {
        return Err(ExportError::Refused {
            path: t.out.to_path_buf(),
            reason: "the file exists; pass --force to replace it".into(),
        });
    }
    let entry = store
        .audit_begin("export", &describe(kind, filter, t))
        .map_err(ExportError::AuditUnavailable)?;
    let written = (|| {
        let pending = PendingFile::create(t.out, t.force)?;
        let mut sink = open_sink(t.format, pending.writer()?, t.out, columns)?;
        let n = rows(store, sink.as_mut())?;
        sink.finish()?;
        pending.commit()?;
        Ok(n)
    })();
    match written {
        Ok(n) => {
            store
                .audit_end(entry, &format!("completed: {n} row(s) written"))
                .map_err(|source| ExportError::AuditOutcome { rows: n, source })?;
            Ok(n)
        }
        Err(e) => {
            // best effort: the entry says `started` if even this fails
            let _ = store.audit_end(entry, &format!("failed: {e}"));
            Err(e)
        }
    }
}

impl Filter {
    /// The five parameters ?1–?5 of `FILTER_SQL` and the response query: organisation,
    /// campaign, since and until (µs), simulated sessions included.
    fn sql_params(&self) -> (Option<&str>, Option<&str>, Option<i64>, Option<i64>, bool) {
        (
            self.organisation.as_deref(),
            self.campaign.as_deref(),
            self.since.map(|t| t.as_microsecond()),
            self.until.map(|t| t.as_microsecond()),
            self.include_simulated,
        )
    }
}

/// Exports profiles: one row per agent (its latest finished result per competence among the
/// sessions that pass the filter) or, with `all_sessions`, one row per finished session (an
/// erased agent's sessions then appear with an empty agent). `competences` are the bank's codes,
/// in column order. `progress` is called with the rows written so far. Returns the rows written.
pub fn export_profiles(
    store: &mut Store,
    competences: &[String],
    filter: &Filter,
    all_sessions: bool,
    target: Target<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    let mut columns = profile_columns(competences)?;
    let trailing = Trailing {
        session: all_sessions,
        simulated: filter.include_simulated,
    };
    if all_sessions {
        // an extension of the contract's columns: which session the row is (pseudonymised too)
        columns.push(Column::new("session", ColType::Str));
    }
    if filter.include_simulated {
        // 1 when a simulated session contributed to the row
        columns.push(Column::new("simulated", ColType::Int32));
    }
    let index: BTreeMap<&str, usize> = competences
        .iter()
        .enumerate()
        .map(|(k, c)| (c.as_str(), k))
        .collect();
    let order = if all_sessions {
        "s.finished_at, s.id"
    } else {
        "s.agent_id, s.finished_at, s.id"
    };
    let agent_clause = if all_sessions {
        ""
    } else {
        "AND s.agent_id IS NOT NULL"
    };
    let sql = format!(
        "SELECT s.agent_id, s.id, i.external_id, o.code, c.name, s.uid, s.finished_at, s.bank_version,
                p.scoring_version, p.competence, p.level, p.pix, p.pix_low, p.pix_high, p.theta, p.se,
                p.assessed_at, p.theta_separate, p.se_separate, s.simulated, p.structure
         FROM session s
         JOIN profile_snapshot p ON p.session_id = s.id AND p.superseded_at IS NULL
         LEFT JOIN agent_identity i ON i.agent_id = s.agent_id
         LEFT JOIN organisation o ON o.id = s.organisation_id
         LEFT JOIN campaign c ON c.id = s.campaign_id
         WHERE s.state = 'finished' {agent_clause} AND {FILTER_SQL}
         ORDER BY {order}"
    );
    let kind = if all_sessions {
        "profiles per session"
    } else {
        "latest profile per agent"
    };
    let width = columns.len();
    run_export(store, kind, filter, &target, &columns, |store, sink| {
        let mut written = 0u64;
        let conn = store.connection();
        let mut st = conn.prepare(&sql)?;
        let rows = st.query_map(filter.sql_params(), snap_row)?;
        let mut cur = Pending {
            head: None,
            per_competence: BTreeMap::new(),
        };
        for r in rows {
            let r = r?;
            let same = match &cur.head {
                None => false,
                Some(h) if all_sessions => h.session == r.session,
                Some(h) => h.agent_key == r.agent_key,
            };
            if !same && emit(&mut cur, &index, width, target.pseudonymiser, trailing, sink)? {
                written += 1;
                if written.is_multiple_of(10_000) {
                    progress(written);
                }
            }
            // rows come oldest session first: a later one overwrites each competence it assessed
            cur.per_competence.insert(
                r.competence.clone(),
                Scored {
                    values: r.values.clone(),
                    assessed_at: r.assessed_at,
                    simulated: r.simulated,
                    scoring_version: r.scoring_version.clone(),
                    structure: r.structure.clone().unwrap_or_else(|| "independent".into()),
                },
            );
            cur.head = Some(r);
        }
        if emit(&mut cur, &index, width, target.pseudonymiser, trailing, sink)? {
            written += 1;
        }
        progress(written);
        Ok(written)
    })
}

/// The audit entry's detail: what is exported, how and where (never personal data).
fn describe(kind: &str, filter: &Filter, t: &Target<'_>) -> String {
    let format = match t.format {
        Format::Csv => "csv",
        Format::Jsonl => "jsonl",
        Format::Parquet => "parquet",
    };
    format!(
        "{kind}, {format}, {}, ids {}, to {}",
        filter.describe(),
        if t.pseudonymiser.is_some() {
            "pseudonymised"
        } else {
            "as stored"
        },
        t.out.display()
    )
}

/// Exports the long response table `person,item,score,credit,agent,session,shown_at,answered_at`
/// (person = the session id), which calibration reads as is, followed by `step` (the position in
/// the session, from 1), `status` (`answered`, `dontknow`, `timedout`) and `pretest` (1 for an
/// unscored item being calibrated), and `simulated` when simulated sessions are included.
/// Responses of every session (finished or not) that pass the filter, the dates applying to
/// `answered_at`.
pub fn export_responses(
    store: &mut Store,
    filter: &Filter,
    target: Target<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    let mut columns = vec![
        Column::new("person", ColType::Str),
        Column::new("item", ColType::Str),
        Column::new("score", ColType::Int32),
        Column::new("credit", ColType::Double),
        Column::new("agent", ColType::Str),
        Column::new("session", ColType::Str),
        Column::new("shown_at", ColType::Timestamp),
        Column::new("answered_at", ColType::Timestamp),
        Column::new("step", ColType::Int32),
        Column::new("status", ColType::Str),
        Column::new("pretest", ColType::Int32),
    ];
    if filter.include_simulated {
        columns.push(Column::new("simulated", ColType::Int32));
    }
    let sql = "SELECT s.uid, r.item, r.score, r.credit, i.external_id, r.shown_at, r.answered_at, r.step,
                r.status, r.pretest, s.simulated
         FROM response r
         JOIN session s ON s.id = r.session_id
         LEFT JOIN agent_identity i ON i.agent_id = s.agent_id
         LEFT JOIN organisation o ON o.id = s.organisation_id
         LEFT JOIN campaign c ON c.id = s.campaign_id
         WHERE (?1 IS NULL OR o.code = ?1) AND (?2 IS NULL OR c.name = ?2)
           AND (?3 IS NULL OR r.answered_at >= ?3) AND (?4 IS NULL OR r.answered_at <= ?4)
           AND (?5 OR s.simulated = 0)
         ORDER BY s.id, r.step";
    run_export(store, "responses", filter, &target, &columns, |store, sink| {
        let mut written = 0u64;
        let mut st = store.connection().prepare(sql)?;
        let mut rows = st.query(filter.sql_params())?;
        let ps = target.pseudonymiser;
        let id = |s: String| Cell::Str(ps.map_or_else(|| s.clone(), |p| p.apply(&s)));
        while let Some(r) = rows.next()? {
            let uid: String = r.get(0)?;
            let agent: Option<String> = r.get(4)?;
            let session = id(uid);
            let mut row = vec![
                session.clone(),
                Cell::Str(r.get(1)?),
                Cell::Int(r.get(2)?),
                float_cell(r.get(3)?),
                agent.map_or(Cell::Null, id),
                session,
                Cell::Ts(r.get(5)?),
                Cell::Ts(r.get(6)?),
                Cell::Int(r.get::<_, i64>(7)? + 1),
                Cell::Str(r.get(8)?),
                Cell::Int(r.get(9)?),
            ];
            if filter.include_simulated {
                row.push(Cell::Int(r.get(10)?));
            }
            sink.write(&row)?;
            written += 1;
            if written.is_multiple_of(100_000) {
                progress(written);
            }
        }
        progress(written);
        Ok(written)
    })
}

/// Exports aggregates per organisation or campaign: `group, agents`, then per competence
/// `cX_Y_assessed, cX_Y_mean_level, cX_Y_level_0 … cX_Y_level_8`, from each agent's latest
/// result per competence within the group. A group with fewer than `min_group` agents is left
/// out, and so are agents without a group. An erased agent's sessions count as anonymous agents.
/// Simulated sessions count only with [`Filter::include_simulated`].
pub fn export_aggregate(
    store: &mut Store,
    competences: &[String],
    by: GroupBy,
    min_group: u64,
    filter: &Filter,
    target: Target<'_>,
) -> Result<u64> {
    let mut columns = vec![
        Column::new("group", ColType::Str),
        Column::new("agents", ColType::Int64),
    ];
    for c in competences {
        let p = prefix(c)?;
        columns.push(Column::new(format!("{p}_assessed"), ColType::Int64));
        columns.push(Column::new(format!("{p}_mean_level"), ColType::Double));
        for l in 0..=8 {
            columns.push(Column::new(format!("{p}_level_{l}"), ColType::Int64));
        }
    }
    let index: BTreeMap<&str, usize> = competences
        .iter()
        .enumerate()
        .map(|(k, c)| (c.as_str(), k))
        .collect();
    let group = match by {
        GroupBy::Organisation => "o.code",
        GroupBy::Campaign => "c.name",
    };
    // One person is one key: the agent, or for an erased agent the random number its sessions
    // keep in common (sessions erased before it existed count one each).
    let sql = format!(
        "SELECT {group}, s.agent_id IS NULL, coalesce(s.agent_id, s.anonymous_person, -s.id), p.competence, p.level
         FROM session s
         JOIN profile_snapshot p ON p.session_id = s.id AND p.superseded_at IS NULL
         LEFT JOIN organisation o ON o.id = s.organisation_id
         LEFT JOIN campaign c ON c.id = s.campaign_id
         WHERE s.state = 'finished' AND {group} IS NOT NULL AND {FILTER_SQL}
         ORDER BY 1, 2, 3, s.finished_at, s.id"
    );
    struct Acc {
        agents: u64,
        counts: Vec<[u64; 9]>,
    }
    let kind = match by {
        GroupBy::Organisation => format!("aggregate by organisation (min group {min_group})"),
        GroupBy::Campaign => format!("aggregate by campaign (min group {min_group})"),
    };
    run_export(store, &kind, filter, &target, &columns, |store, sink| {
        let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
        let mut st = store.connection().prepare(&sql)?;
        let mut rows = st.query(filter.sql_params())?;
        let mut cur: Option<(String, bool, i64)> = None;
        let mut latest: BTreeMap<String, u8> = BTreeMap::new();
        let mut flush = |key: &Option<(String, bool, i64)>, latest: &mut BTreeMap<String, u8>| {
            if let Some((g, ..)) = key {
                let acc = groups.entry(g.clone()).or_insert_with(|| Acc {
                    agents: 0,
                    counts: vec![[0; 9]; competences.len()],
                });
                acc.agents += 1;
                for (code, level) in std::mem::take(latest) {
                    if let Some(&k) = index.get(code.as_str()) {
                        acc.counts[k][usize::from(level.min(8))] += 1;
                    }
                }
            }
        };
        while let Some(r) = rows.next()? {
            let key: (String, bool, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            if cur.as_ref() != Some(&key) {
                flush(&cur, &mut latest);
                cur = Some(key);
            }
            latest.insert(r.get(3)?, r.get::<_, u8>(4)?);
        }
        flush(&cur, &mut latest);
        let mut written = 0;
        for (g, acc) in &groups {
            if acc.agents < min_group {
                continue;
            }
            let mut row = vec![Cell::Str(g.clone()), Cell::Int(acc.agents as i64)];
            for hist in &acc.counts {
                let n: u64 = hist.iter().sum();
                row.push(Cell::Int(n as i64));
                let sum: u64 = hist.iter().enumerate().map(|(l, c)| l as u64 * c).sum();
                row.push(if n == 0 {
                    Cell::Null
                } else {
                    Cell::Float(sum as f64 / n as f64)
                });
                row.extend(hist.iter().map(|&c| Cell::Int(c as i64)));
            }
            sink.write(&row)?;
            written += 1;
        }
        Ok(written)
    })
}
