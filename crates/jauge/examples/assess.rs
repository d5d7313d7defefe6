//! A whole assessment through the library, as a ministry's application would run it: open the
//! bundled bank and a database, start a session for an agent on two competences, show each
//! question and answer it (here on behalf of a simulated agent of ability θ = 0.5), finish, and
//! read the profile back.
//!
//! `cargo run -p jauge --example assess`

use jauge::{Jauge, PlanChoice, StartOptions, SystemClock};

fn main() -> Result<(), jauge::Error> {
    let bank = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../item-bank");
    let db = std::env::temp_dir().join(format!("jauge-example-{}.db", std::process::id()));
    let jauge = Jauge::open(&bank, &db)?;
    let clock = SystemClock;

    let mut options = StartOptions::new("camille.martin@example.gouv.fr");
    options.plan = PlanChoice::Competences(vec!["1.1".into(), "4.1".into()]);
    options.seed = Some(42);
    options.simulated = true;
    let mut session = jauge.start(&options, &clock)?;
    while let Some(q) = session.next_question(&clock)? {
        println!(
            "Q{} [{}] {}",
            q.number,
            q.competence,
            q.question.question.lines().next().unwrap_or("")
        );
        for o in &q.question.options {
            println!("   ({}) {}", o.id, o.text);
        }
        let answer = session.simulated_answer(0.5)?;
        let done = session.submit(&answer, &clock)?;
        println!("   → score {}, θ = {:?}", done.score, done.theta);
    }
    let report = session.finish(&clock)?;
    for c in &report.competences {
        println!(
            "{}: level {}, {} pix [{}–{}]",
            c.competence, c.level, c.pix, c.pix_low, c.pix_high
        );
    }
    let profile = jauge.profile("camille.martin@example.gouv.fr")?;
    println!("total: {} pix", profile.total_pix);
    drop(jauge);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    Ok(())
}
