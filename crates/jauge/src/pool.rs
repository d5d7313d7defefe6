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
        accessibility: item
            .accessibility
            .iter()
            .map(|t| canonical_adjustment(t))
            .collect(),
        set: item.set.clone(),
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

/// Whether a live session of `plan` runs under the bank's exposure control: a plan of several
/// competences does (the parameters are fitted for the full profile, and a subset of it asks
/// fewer questions of each item); a plan of one competence does not: it asks up to 20 questions
/// of one competence's items, so parameters fitted for 3–8 per competence would only trade
/// measurement for nothing they were fitted to control (`docs/simulation.md`).
pub fn exposure_applies(plan: &jauge_engine::Plan) -> bool {
    plan.competences.len() > 1
}

/// The bank's Sympson–Hetter parameters (`calibration/exposure.toml`) as the engine takes them:
/// one k per pool item (1 for an item the file leaves out), or `None` when the bank ships none.
/// Stale parameters (fitted on other items) are still used: the validator warns about them, and
/// they keep limiting the items they name until they are refitted.
pub fn exposure_params(bank: &Bank, pool: &Pool) -> Option<Vec<f64>> {
    let e = bank.exposure.as_ref()?;
    Some(pool.items().iter().map(|i| e.k(&i.id)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjustments_and_tags_have_one_spelling() {
        for s in [
            "screen-reader",
            "Screen-Reader",
            "screen_reader",
            " SCREEN  reader ",
            "screen--reader",
        ] {
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

    /// The level ceiling was off by one (issue 19): a float sum of 8/3 + 8/3 + 8/3 + … left
    /// 15.999999999999998 and floored a level too low. At every level boundary of the bundled
    /// bank, the pix and level (of θ, of a set of validated skills, and of a true θ in the
    /// simulations) are those counted by hand in integers.
    #[test]
    fn every_level_boundary_of_the_bundled_bank() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../item-bank");
        let loaded = jauge_bank::load_dir(&dir).unwrap();
        let grid = Grid::standard();
        let pool = pool_from_bank(&loaded.bank, &grid);
        let (mut boundaries, mut thirds) = (0, 0);
        for code in pool.competences() {
            let scale = pool.scale(code).unwrap();
            let skills = scale.skills();
            let top = scale.max_level();
            let count = |l: u8| skills.iter().filter(|s| s.level == l).count();
            if (1..=top).any(|l| ![0, 1, 2, 4, 8].contains(&count(l))) {
                thirds += 1;
            }
            for level in 1..=top {
                let below: Vec<f64> = skills
                    .iter()
                    .filter(|s| s.level <= level)
                    .map(|s| s.location)
                    .collect();
                let above = skills
                    .iter()
                    .filter(|s| s.level > level)
                    .map(|s| s.location)
                    .fold(f64::INFINITY, f64::min);
                let theta = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                assert!(
                    theta < above,
                    "{code}: skills of level {level} not below the next"
                );
                // by hand: a level with n ≥ 2 skills is worth 8, a lone skill 4
                let pix: u32 = (1..=level)
                    .map(|l| match count(l) {
                        0 => 0,
                        1 => 4,
                        _ => 8,
                    })
                    .sum();
                let want_level = (pix / 8).min(u32::from(top)) as u8;
                assert_eq!(scale.pix_floor(theta, None), pix, "{code} level {level}");
                assert_eq!(scale.level_at(theta, None), want_level, "{code} level {level}");
                let validated = scale.pix_of(|s| skills[s].level <= level, None).floor();
                assert_eq!(validated, pix, "{code} level {level}: validated skills");
                assert_eq!(
                    crate::simulation::true_position(scale, theta, None),
                    (pix, want_level),
                    "{code} level {level}: true position"
                );
                // just below the boundary the level's last skills are not mastered
                assert!(scale.level_at(theta - 1e-9, None) < level.max(1) || count(level) == 0);
                boundaries += 1;
            }
        }
        assert!(boundaries >= 16 * 5, "{boundaries}");
        assert!(
            thirds >= 1,
            "no competence has a level of 3 skills: the test would not bite"
        );
    }
}
