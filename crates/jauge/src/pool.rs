//! From the bank's items to the engine's pool.

use jauge_bank::{Bank, Item, Status};
use jauge_engine::{ItemStatus, Pool, PoolItem};
use jauge_irt::Grid;

/// The engine's view of one bank item, or `None` for an item that is never administered
/// (`draft`, `archived`).
pub fn pool_item(item: &Item) -> Option<PoolItem> {
    let status = match item.status {
        Status::Live => ItemStatus::Live,
        Status::Pretest => ItemStatus::Pretest,
        Status::Draft | Status::Archived => return None,
    };
    Some(PoolItem {
        id: item.id.clone(),
        competence: item.competence.clone(),
        tube: item.tube.clone(),
        level: item.level,
        params: *item.params(),
        status,
        time_limit: item.time_limit,
        accessibility: item.accessibility.iter().map(|t| canonical_adjustment(t)).collect(),
    })
}

/// The canonical spelling of an accessibility adjustment or tag: ASCII lower case, every run of
/// `_`, spaces or `-` written as one `-`, none at either end. `Screen-Reader`, `screen_reader`
/// and `screen reader` are all `screen-reader`, and the bank's `No-Screen_Reader` tag is
/// `no-screen-reader`: an agent's adjustment matches the bank's `no-…` tag whatever the
/// spelling on either side.
pub fn canonical_adjustment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut sep = false;
    for ch in s.trim().chars() {
        if ch == '_' || ch == '-' || ch.is_whitespace() {
            sep = !out.is_empty();
        } else {
            if sep {
                out.push('-');
                sep = false;
            }
            out.extend(ch.to_lowercase());
        }
    }
    out
}

/// The pool of every live and pretest item of `bank`, prepared on `grid` (skills' locations and
/// pix values follow `SCORING.md`).
pub fn pool_from_bank(bank: &Bank, grid: &Grid) -> Pool {
    Pool::new(bank.items.iter().filter_map(pool_item).collect(), grid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjustments_and_tags_have_one_spelling() {
        for s in ["screen-reader", "Screen-Reader", "screen_reader", " SCREEN  reader ", "screen--reader"] {
            assert_eq!(canonical_adjustment(s), "screen-reader", "{s:?}");
        }
        assert_eq!(canonical_adjustment("No-Screen_Reader"), "no-screen-reader");
        assert_eq!(canonical_adjustment("extra-time"), "extra-time");
    }

    #[test]
    fn the_bundled_bank_makes_a_pool_of_its_live_items() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../item-bank");
        let loaded = jauge_bank::load_dir(&dir).unwrap();
        let grid = Grid::standard();
        let pool = pool_from_bank(&loaded.bank, &grid);
        let live = loaded.bank.items.iter().filter(|i| i.is_live()).count();
        assert_eq!(pool.items().len(), live);
        assert_eq!(pool.competences().count(), 16);
        // a provisional level-1 item keeps b = 0.8 × (1 − 3.5) = −2
        let first = pool.items().iter().find(|p| p.level == 1).unwrap();
        assert!((first.params.b() + 2.0).abs() < 1e-12);
    }
}
