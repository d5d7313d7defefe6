//! Which item bank a command uses: `--bank DIR`, else `JAUGE_BANK`, else the bank compiled into
//! the binary (`build.rs`), so that `jauge` works from any directory. The bank's version (a hash
//! of its content) says which one a session used: the bundled bank of a build has the version of
//! the `item-bank/` folder it was built from.

use std::path::{Path, PathBuf};

use anyhow::bail;
use jauge::Jauge;
use jauge::bank::Bank;

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled_bank.rs"));
}

/// Where the bank comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankSource {
    /// A folder (`--bank DIR` or `JAUGE_BANK`).
    Dir(PathBuf),
    /// The bank compiled into the binary.
    Bundled,
}

impl BankSource {
    /// `--bank DIR`, else `JAUGE_BANK` (when set and not empty), else the bundled bank.
    pub fn resolve(flag: Option<&Path>) -> Self {
        if let Some(p) = flag {
            return Self::Dir(p.to_path_buf());
        }
        match std::env::var_os("JAUGE_BANK").filter(|v| !v.is_empty()) {
            Some(p) => Self::Dir(p.into()),
            None => Self::Bundled,
        }
    }

    /// Loads the bank; it must validate without error.
    pub fn load(&self) -> anyhow::Result<Bank> {
        let loaded = match self {
            Self::Dir(dir) => {
                if !dir.is_dir() {
                    bail!(crate::m!(
                        "bank.missing",
                        dir = dir.display(),
                        cwd = std::env::current_dir()
                            .map(|d| d.display().to_string())
                            .unwrap_or_default()
                    ));
                }
                jauge::bank::load_dir(dir)?
            }
            Self::Bundled => jauge::bank::load_files(
                bundled::FILES
                    .iter()
                    .map(|(p, b)| ((*p).to_owned(), b.to_vec()))
                    .collect(),
            ),
        };
        let errors = loaded.errors();
        if errors > 0 {
            let first = loaded
                .diagnostics
                .iter()
                .find(|d| d.is_error())
                .map(|d| d.to_string())
                .unwrap_or_default();
            bail!(crate::m!(
                "bank.invalid",
                bank = self.describe(),
                n = errors,
                first = first
            ));
        }
        Ok(loaded.bank)
    }

    /// The bank's name for messages: its folder, or "the bundled bank".
    pub fn describe(&self) -> String {
        match self {
            Self::Dir(d) => d.display().to_string(),
            Self::Bundled => crate::m!("bank.bundled"),
        }
    }
}

/// Opens Jauge on the bank of `flag` (see [`BankSource::resolve`]) and the database: created when
/// missing unless `existing`. The bank is loaded first, so that nothing is written when it fails.
pub fn open(flag: Option<&Path>, db: Option<&Path>, existing: bool) -> anyhow::Result<Jauge> {
    let bank = BankSource::resolve(flag).load()?;
    let db = crate::cmd::db_path(db);
    let store = if existing {
        jauge::store::Store::open_existing(&db)?
    } else {
        jauge::store::Store::open(&db)?
    };
    Ok(Jauge::with(bank, store))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_bank_is_the_folder_it_was_built_from() {
        let bundled = BankSource::Bundled.load().unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("item-bank");
        let folder = BankSource::Dir(dir).load().unwrap();
        assert_eq!(bundled.version, folder.version);
        assert_eq!(bundled.items.len(), folder.items.len());
        assert!(bundled.items.len() > 1000);
    }
}
