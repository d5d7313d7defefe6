//! `jauge agent adjust`: an agent's accessibility adjustments.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use crate::cmd::db_path;
use crate::m;

/// Arguments of `jauge agent adjust`.
#[derive(Debug, Args)]
pub struct AdjustArgs {
    /// The agent's id (created if unknown).
    id: String,
    /// The agent uses a screen reader: items tagged `no-screen-reader` are never given.
    #[arg(long)]
    screen_reader: bool,
    /// Another adjustment (repeatable), e.g. `--adjustment extra-time`.
    #[arg(long, value_name = "TAG")]
    adjustment: Vec<String>,
    /// Time limits × this factor (default 1.5 with an adjustment, 1 without).
    #[arg(long, value_name = "F")]
    time_factor: Option<f64>,
    /// Remove every adjustment (time factor back to 1).
    #[arg(long, conflicts_with_all = ["screen_reader", "adjustment"])]
    clear: bool,
    /// The database (default: $JAUGE_DB, else the platform's data directory).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

/// Runs `jauge agent adjust`: the sessions started afterwards honour the adjustments (the engine
/// avoids the items tagged `no-<adjustment>` and multiplies time limits by the factor).
pub fn adjust(a: AdjustArgs) -> anyhow::Result<u8> {
    let mut tags: Vec<String> = Vec::new();
    if a.screen_reader {
        tags.push("screen-reader".into());
    }
    for t in &a.adjustment {
        jauge::store::validate_code("adjustment", t)?;
        // one spelling, that of the bank's `no-…` tags: `Screen_Reader` is `screen-reader`
        let t = jauge::pool::canonical_adjustment(t);
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let factor = a.time_factor.unwrap_or(if tags.is_empty() { 1.0 } else { 1.5 });
    if !(factor.is_finite() && (1.0..=10.0).contains(&factor)) {
        bail!(m!("adjust.bad_factor", f = factor));
    }
    if tags.is_empty() && !a.clear && a.time_factor.is_none() {
        bail!(m!("adjust.nothing"));
    }
    let mut store = jauge::store::Store::open(&db_path(a.db.as_deref()))?;
    let agent = store.agent_or_create(&a.id, None)?;
    store.set_adjustments(agent.id, &tags, factor)?;
    if a.json {
        crate::cmd::print_json(
            &serde_json::json!({"agent": a.id, "adjustments": tags, "time_factor": factor}),
        )?;
    } else {
        let list = if tags.is_empty() {
            m!("adjust.none")
        } else {
            tags.join(", ")
        };
        eprintln!("{}", m!("adjust.done", agent = a.id, tags = list, f = factor));
    }
    Ok(0)
}
