//! Latency of an assessment step on the real bank with a file database: committing the previous
//! answer (its own transaction, `synchronous = FULL`) then choosing the next question and
//! recording it as pending; and resuming a session at question 60 (replay from the store).
//!
//! Run briefly: `cargo bench --bench assess -- --warm-up-time 1 --measurement-time 2`.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jauge::{Assessment, Jauge, ManualClock, StartOptions};

fn start<'j>(jauge: &'j Jauge, agent: &mut u64, clock: &ManualClock) -> Assessment<'j> {
    *agent += 1;
    let mut o = StartOptions::new(format!("bench-{agent}"));
    o.seed = Some(*agent);
    o.simulated = true;
    jauge.start(&o, clock).expect("start")
}

fn step(c: &mut Criterion) {
    let bank = concat!(env!("CARGO_MANIFEST_DIR"), "/item-bank");
    let dir = std::env::temp_dir().join(format!("jauge-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let jauge = Jauge::open(bank.as_ref(), &dir.join("bench.db")).expect("open");
    let clock = ManualClock::default();
    let mut agent = 0;
    let mut a = start(&jauge, &mut agent, &clock);
    a.next_question(&clock).expect("question");
    c.bench_function(
        "assess step: commit the answer, choose and record the next question",
        |b| {
            b.iter(|| {
                clock.advance(4000);
                let answer = a.simulated_answer(0.3).expect("answer");
                a.submit(&answer, &clock).expect("submit");
                if black_box(a.next_question(&clock).expect("next")).is_none() {
                    let done = std::mem::replace(&mut a, start(&jauge, &mut agent, &clock));
                    done.finish(&clock).expect("finish");
                    a.next_question(&clock).expect("question");
                }
            })
        },
    );
    // a session stopped at question 60, resumed (replayed from the database)
    let mut r = start(&jauge, &mut agent, &clock);
    let id = format!("bench-{agent}");
    for _ in 0..60 {
        r.next_question(&clock).expect("next");
        clock.advance(4000);
        let answer = r.simulated_answer(0.3).expect("answer");
        r.submit(&answer, &clock).expect("submit");
    }
    r.next_question(&clock).expect("next");
    drop(r);
    c.bench_function("assess resume at question 60", |b| {
        b.iter(|| black_box(jauge.resume(&id).expect("resume").answered()))
    });
    drop(a);
    drop(jauge);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, step);
criterion_main!(benches);
