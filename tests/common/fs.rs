//! Real file-system conditions for the tests that check what Jauge says about them: a folder
//! that cannot be written (a read-only mount), a full file system (a tiny tmpfs filled up).
//!
//! As root (CI here), a small tmpfs is mounted for the test and unmounted when dropped. Without
//! the right to mount, [`Mount::new`] returns `None` and the test says it was skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted on a fresh folder, unmounted (and the folder removed) when dropped.
pub struct Mount {
    /// Where it is mounted.
    pub dir: PathBuf,
}

impl Mount {
    /// A tmpfs of `size` (e.g. `1m`, `256k`) on a new folder named after `name`; `None` when this
    /// process may not mount (not root, or a container without the right).
    pub fn new(name: &str, size: &str) -> Option<Self> {
        let dir = std::env::temp_dir().join(format!(
            "jauge-mnt-{}-{name}-{}",
            env!("CARGO_CRATE_NAME"),
            std::process::id()
        ));
        let _ = Command::new("umount").arg(&dir).output();
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0755"), "tmpfs"])
            .arg(&dir)
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            let _ = std::fs::remove_dir_all(&dir);
            eprintln!("SKIPPED: cannot mount a tmpfs here (needs root): the condition is not tested");
            return None;
        }
        Some(Self { dir })
    }

    /// Remounts it read-only (`true` on success).
    pub fn read_only(&self) -> bool {
        self.remount("ro")
    }

    /// Remounts it read-write.
    pub fn read_write(&self) -> bool {
        self.remount("rw")
    }

    fn remount(&self, mode: &str) -> bool {
        Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.dir)
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Fills the file system with one file until no byte is left; returns the file.
    pub fn fill(&self) -> PathBuf {
        use std::io::Write;
        let filler = self.dir.join("filler");
        let mut f = std::fs::File::create(&filler).expect("the filler file");
        let block = vec![0xA5u8; 4096];
        while f.write_all(&block).is_ok() {}
        let mut one = [0u8; 1];
        while f.write_all(&one).is_ok() {
            one[0] ^= 1;
        }
        let _ = f.sync_all();
        filler
    }

    /// A path inside it.
    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.dir.join(p)
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
