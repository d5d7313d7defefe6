//! Helpers shared by the facade's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use jauge::bank::{Item, Kind, NumberAccept};
use jauge::{Answer, Lang};

/// A fresh directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!(
            "jauge-facade-{}-{name}-{}",
            env!("CARGO_CRATE_NAME"),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
    pub fn db(&self) -> PathBuf {
        self.0.join("jauge.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn bank_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../item-bank")
}

pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bank-examples")
}

/// A copy of the small test bank (`tests/bank-sim`) with `edit(file, text)` applied to each file.
pub fn sim_bank(dir: &Path, edit: impl Fn(&str, String) -> String) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bank-sim");
    let dst = dir.join("bank");
    for sub in ["", "1.1", "1.2"] {
        std::fs::create_dir_all(dst.join(sub)).unwrap();
    }
    for f in [
        "framework.toml",
        "1.1/alpha.toml",
        "1.1/beta.toml",
        "1.2/gamma.toml",
        "1.2/delta.toml",
    ] {
        let text = std::fs::read_to_string(src.join(f)).unwrap();
        std::fs::write(dst.join(f), edit(f, text)).unwrap();
    }
    dst
}

/// The right answer to `item`, built from the bank as a person who knows would type it.
pub fn right_answer(item: &Item, lang: Lang) -> Answer {
    match &item.kind {
        Kind::Single { solution, .. } => Answer::Options(vec![solution.clone()]),
        Kind::Multiple { solution, .. } => Answer::Options(solution.clone()),
        Kind::Text { blank } => Answer::Texts(vec![blank.accepted(lang).next().cloned().unwrap_or_default()]),
        Kind::Blanks { blanks } | Kind::BlanksAnyOrder { blanks } => Answer::Texts(
            blanks
                .iter()
                .map(|b| b.accepted(lang).next().cloned().unwrap_or_default())
                .collect(),
        ),
        Kind::Number { number } => Answer::Number(match number.accept {
            NumberAccept::Tolerance { value, .. } => format!("{value}"),
            NumberAccept::Range { min, max } => format!("{}", (min + max) / 2.0),
        }),
    }
}

/// An agent who answers alike every time: right to every item of level ≤ `level`, "I don't
/// know" to the others.
pub fn alike(item: &Item, lang: Lang, level: u8) -> Answer {
    if item.level <= level {
        right_answer(item, lang)
    } else {
        Answer::DontKnow
    }
}
