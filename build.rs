//! Compiles the bundled item bank (`item-bank/`) into the `jauge` binary: the files the bank
//! loader reads (`*.toml` outside `panel/`, `calibration/*.csv`, `panel/ratings.csv`) become one
//! table of `(path, bytes)` that `src/bank_source.rs` hands to `jauge_bank::load_files`, so that
//! `jauge` works from any directory without `--bank`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let bank = root.join("item-bank");
    println!("cargo::rerun-if-changed=item-bank");
    let mut files = Vec::new();
    collect(&bank, "", &mut files);
    files.sort();
    let mut src = String::from("/// The bundled bank's files: `(path relative to the bank, bytes)`.\n");
    src.push_str("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (rel, abs) in &files {
        writeln!(
            src,
            "    ({rel:?}, include_bytes!({:?})),",
            abs.display().to_string()
        )
        .unwrap();
    }
    src.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    std::fs::write(out.join("bundled_bank.rs"), src).expect("writing bundled_bank.rs");
}

/// The files of the bank under `dir` that the loader reads, as `jauge_bank::load_dir` picks them.
fn collect(dir: &Path, rel: &str, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let rel_path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if path.is_dir() {
            println!("cargo::rerun-if-changed={}", path.display());
            collect(&path, &rel_path, files);
            continue;
        }
        let wanted = (rel_path.ends_with(".toml") && !rel_path.starts_with("panel/"))
            || (rel_path.starts_with("calibration/") && rel_path.ends_with(".csv"))
            || rel_path == "panel/ratings.csv";
        if wanted {
            files.push((rel_path, path));
        }
    }
}
