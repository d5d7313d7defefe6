//! Where an export is written, safely.
//!
//! - The output is never the database, its `-wal`, `-shm` or `-journal` file, the key file or a
//!   file of the item bank ([`Protected`]): such a path is refused before anything is opened,
//!   whatever way it is written (relative, through a symbolic link, a hard link).
//! - The rows go to a private temporary file (mode 0600) in the target's folder, put in place
//!   under the target's name only once complete and synced: a failed or killed export leaves no
//!   partial file of personal data. On Linux the temporary file has no name at all until then
//!   (`O_TMPFILE`), so even `kill -9` leaves nothing behind; elsewhere it is a hidden
//!   `.NAME.jauge-*.part` file removed on failure.
//! - An existing file is never replaced unless asked (`force`); the check is made again, without
//!   a race, when the file is put in place. A device, a pipe or a socket (`/dev/null`) is never
//!   replaced, even with `force`.

use std::fs::File;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::{ExportError, Result};

/// Paths an export must never write to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protected {
    files: Vec<(PathBuf, &'static str)>,
    trees: Vec<(PathBuf, &'static str)>,
}

impl Protected {
    /// Nothing protected yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The database and the files SQLite keeps beside it (`-wal`, `-shm`, `-journal`).
    pub fn database(mut self, db: &Path) -> Self {
        self.files.push((db.to_path_buf(), "the database"));
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut p = db.as_os_str().to_owned();
            p.push(suffix);
            self.files.push((PathBuf::from(p), "a file of the database"));
        }
        self
    }

    /// One file (e.g. the pseudonymisation key), described as `what` in the refusal.
    pub fn file(mut self, path: &Path, what: &'static str) -> Self {
        self.files.push((path.to_path_buf(), what));
        self
    }

    /// A folder and everything in it (e.g. the item bank).
    pub fn tree(mut self, dir: &Path, what: &'static str) -> Self {
        self.trees.push((dir.to_path_buf(), what));
        self
    }

    /// Refuses `out` when it is, or is inside, one of the protected paths.
    pub fn check(&self, out: &Path) -> Result<()> {
        let refuse = |what: &str| ExportError::Refused {
            path: out.to_path_buf(),
            reason: format!("it is {what}; choose another output file"),
        };
        let out_place = place(out);
        for (p, what) in &self.files {
            if same_file(out, p) || out_place.as_ref().is_some_and(|o| place(p).as_ref() == Some(o)) {
                return Err(refuse(what));
            }
        }
        for (dir, what) in &self.trees {
            let Ok(d) = dir.canonicalize() else { continue };
            if out_place.as_ref().is_some_and(|o| o.starts_with(&d)) || same_file(out, dir) {
                return Err(refuse(&format!("inside {what} ({})", dir.display())));
            }
        }
        if out.is_dir() {
            return Err(ExportError::Refused {
                path: out.to_path_buf(),
                reason: "it is a folder; name the file to write".into(),
            });
        }
        not_special(out)
    }
}

/// Refuses an output that exists and is not a regular file (a device such as `/dev/null`, a
/// pipe, a socket), whatever `--force` says: an export is put in place by renaming a complete
/// file over the name, which would replace the device itself with a file of personal data.
fn not_special(out: &Path) -> Result<()> {
    match std::fs::metadata(out) {
        Ok(m) if !m.is_file() && !m.is_dir() => Err(ExportError::Refused {
            path: out.to_path_buf(),
            reason: "it is not a regular file (a device, a pipe or a socket); an export is \
                     written to a regular file: name one"
                .into(),
        }),
        _ => Ok(()),
    }
}

/// Where a path points: its canonical folder joined with its final name (the file itself need
/// not exist), following a symbolic link at the end.
fn place(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = p.canonicalize() {
        return Some(c);
    }
    let name = p.file_name()?;
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.canonicalize().ok()?,
        _ => std::env::current_dir().ok()?,
    };
    Some(parent.join(name))
}

/// Two existing paths naming the same file (a hard link too).
#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// An export file being written: private, invisible (or hidden) until [`PendingFile::commit`]
/// puts it in place.
#[derive(Debug)]
pub(crate) struct PendingFile {
    file: File,
    /// The hidden name of the fallback temporary file (none with `O_TMPFILE`).
    named: Option<PathBuf>,
    target: PathBuf,
    force: bool,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn exists_error(target: &Path) -> ExportError {
    ExportError::Refused {
        path: target.to_path_buf(),
        reason: "the file exists; pass --force to replace it".into(),
    }
}

impl PendingFile {
    /// Starts writing an export that will be put at `target`. Refused at once when `target`
    /// exists and `force` is not set.
    pub(crate) fn create(target: &Path, force: bool) -> Result<Self> {
        not_special(target)?;
        if !force && std::fs::symlink_metadata(target).is_ok() {
            return Err(exists_error(target));
        }
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        #[cfg(target_os = "linux")]
        if let Some(file) = anonymous(&dir).map_err(io(&dir))? {
            return Ok(Self {
                file,
                named: None,
                target: target.to_path_buf(),
                force,
            });
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into());
        loop {
            let tmp = dir.join(format!(".{name}.jauge-{:016x}.part", rand::random::<u64>()));
            match private_new(&tmp) {
                Ok(file) => {
                    return Ok(Self {
                        file,
                        named: Some(tmp),
                        target: target.to_path_buf(),
                        force,
                    });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io(&dir)(e)),
            }
        }
    }

    /// A handle to write the rows through.
    pub(crate) fn writer(&self) -> Result<File> {
        self.file.try_clone().map_err(io(&self.target))
    }

    /// Syncs the complete file and puts it in place under the target's name (replacing an
    /// existing file only with `force`), then syncs the folder.
    pub(crate) fn commit(mut self) -> Result<()> {
        self.file.sync_all().map_err(io(&self.target))?;
        let target = self.target.clone();
        match self.named.take() {
            None => self.link_anonymous()?,
            Some(tmp) => {
                let placed = if self.force {
                    std::fs::rename(&tmp, &target)
                } else {
                    // a hard link fails when the target exists: no race with another writer
                    match std::fs::hard_link(&tmp, &target) {
                        Ok(()) => std::fs::remove_file(&tmp),
                        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                            let _ = std::fs::remove_file(&tmp);
                            return Err(exists_error(&target));
                        }
                        // a file system without hard links
                        Err(_) if std::fs::symlink_metadata(&target).is_err() => {
                            std::fs::rename(&tmp, &target)
                        }
                        Err(e) => Err(e),
                    }
                };
                if let Err(e) = placed {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(io(&target)(e));
                }
            }
        }
        sync_dir(&target);
        Ok(())
    }

    #[cfg(target_os = "linux")]
    fn link_anonymous(&self) -> Result<()> {
        use std::os::fd::AsRawFd;
        let proc_path = format!("/proc/self/fd/{}", self.file.as_raw_fd());
        let link = |to: &Path| {
            rustix::fs::linkat(
                rustix::fs::CWD,
                proc_path.as_str(),
                rustix::fs::CWD,
                to,
                rustix::fs::AtFlags::SYMLINK_FOLLOW,
            )
            .map_err(std::io::Error::from)
        };
        let target = &self.target;
        if !self.force {
            return match link(target) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(exists_error(target)),
                Err(e) => Err(io(target)(e)),
            };
        }
        // give it a hidden name of its own, then rename it over the target in one step
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        loop {
            let tmp = dir.join(format!(".{name}.jauge-{:016x}.part", rand::random::<u64>()));
            match link(&tmp) {
                Ok(()) => {
                    return std::fs::rename(&tmp, target).map_err(|e| {
                        let _ = std::fs::remove_file(&tmp);
                        io(target)(e)
                    });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io(target)(e)),
            }
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn link_anonymous(&self) -> Result<()> {
        unreachable!("anonymous files exist on Linux only")
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        // not committed: the partial rows go with it
        if let Some(tmp) = self.named.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// A new file readable and writable by its owner only; never an existing one.
fn private_new(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// A private file without a name in `dir` (`O_TMPFILE`); `None` where the file system does not
/// offer it, or `/proc` (needed to give it a name) is not there.
#[cfg(target_os = "linux")]
fn anonymous(dir: &Path) -> std::io::Result<Option<File>> {
    use rustix::fs::{Mode, OFlags};
    if !Path::new("/proc/self/fd").is_dir() {
        return Ok(None);
    }
    match rustix::fs::open(
        dir,
        OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    ) {
        Ok(fd) => Ok(Some(File::from(fd))),
        Err(e)
            if e == rustix::io::Errno::OPNOTSUPP
                || e == rustix::io::Errno::ISDIR
                || e == rustix::io::Errno::INVAL
                || e == rustix::io::Errno::NOSYS =>
        {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Makes the new name durable (best effort: some file systems cannot sync a folder).
fn sync_dir(target: &Path) {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
