//! Generates a database of N agents with one finished session each and a profile on all 16
//! competences, for the export benchmark (`benches/export_1m.sh`).
//!
//! Usage: `cargo run --release -p jauge-export --example generate_profiles -- DB N`

use jauge_store::Store;
use rusqlite::params;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: generate_profiles DB N")?;
    let n: i64 = args.next().ok_or("usage: generate_profiles DB N")?.parse()?;
    let store = Store::open(std::path::Path::new(&path))?;
    let c = store.connection();
    c.execute_batch("PRAGMA synchronous = OFF; BEGIN;")?;
    for k in 0..20 {
        c.execute(
            "INSERT INTO organisation (code, name, created_at) VALUES (?1, ?1, 0)",
            [format!("org-{k}")],
        )?;
    }
    c.execute(
        "INSERT INTO campaign (name, plan, created_at) VALUES ('national-2026', '{}', 0)",
        [],
    )?;
    let comps = [
        "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3",
        "5.1", "5.2",
    ];
    let t0: i64 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z in µs
    let mut agent = c.prepare("INSERT INTO agent (id, organisation_id, created_at) VALUES (?1, ?2, ?3)")?;
    let mut ident = c.prepare("INSERT INTO agent_identity (agent_id, external_id) VALUES (?1, ?2)")?;
    let mut session = c.prepare(
        "INSERT INTO session (id, uid, agent_id, organisation_id, campaign_id, plan, state, seed, engine_version,
                              bank_version, scoring_version, lang, started_at, finished_at)
         VALUES (?1, ?2, ?1, ?3, 1, '{}', 'finished', ?1, '0.1.0', 'bank-bench', '1', 'fr', ?4, ?5)",
    )?;
    let mut snap = c.prepare(
        "INSERT INTO profile_snapshot (session_id, competence, theta, se, pix, pix_low, pix_high, level, capped_at,
                                       assessed_at, scoring_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9, '1')",
    )?;
    // a small deterministic generator (xorshift) keeps the example dependency-free
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for id in 1..=n {
        let org = (id % 20) + 1;
        let start = t0 + (id % 300) * 86_400_000_000;
        agent.execute(params![id, org, start])?;
        ident.execute(params![id, format!("agent.{id:07}@ministere.gouv.fr")])?;
        session.execute(params![
            id,
            format!("{:032x}", u128::from(next()) << 64 | u128::from(next())),
            org,
            start,
            start + 1_800_000_000
        ])?;
        for code in comps {
            let theta = (next() % 8000) as f64 / 1000.0 - 4.0;
            let pix = ((theta + 4.0) * 6.0) as i64;
            snap.execute(params![
                id,
                code,
                theta,
                0.45,
                pix,
                (pix - 4).max(0),
                (pix + 4).min(48),
                pix / 8,
                start + 1_800_000_000
            ])?;
        }
        if id % 100_000 == 0 {
            eprintln!("{id} agents");
        }
    }
    drop((agent, ident, session, snap));
    c.execute_batch("COMMIT; PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(())
}
