//! Helpers shared by the end-to-end tests (each `tests/*.rs` file includes this module).
#![allow(dead_code)]

use std::path::PathBuf;

/// A fresh directory under the system's temporary directory, removed when dropped. Its name
/// carries the test binary's name, the test's `name` and the process id, so tests running in
/// parallel never share one.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new empty directory.
    pub fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!(
            "jauge-{}-{name}-{}",
            env!("CARGO_CRATE_NAME"),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("a temporary directory");
        Self(p)
    }

    /// `jauge.db` inside it, as a string for command lines.
    pub fn db(&self) -> String {
        self.0.join("jauge.db").to_str().expect("a UTF-8 path").to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Running the binary from the hardening tests.
pub mod procs;

/// Read-only and full file systems for the tests (tmpfs mounts).
pub mod fs;

/// Driving and reading assessments in the end-to-end tests.
pub mod session;
