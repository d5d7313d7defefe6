//! The panel's ratings (`panel/ratings.csv`) and the warnings they give on live items.

use super::Loader;
use crate::diagnostic::Severity;
use crate::panel::{MIN_RATINGS, PanelFlag, Ratings, read_ratings, summarise};

impl Loader {
    /// Reads the ratings (when the bank has the file) and warns on every live item at levels
    /// 4–7 with fewer than 3 current ratings (`panel-few-ratings`), and on every live item the
    /// panel flags (`panel-flag`).
    pub(super) fn panel(&mut self, text: Option<&str>) -> Ratings {
        let ratings = match text {
            Some(text) => {
                let (ratings, mut diags) = read_ratings(text, &self.items);
                self.diags.append(&mut diags);
                ratings
            }
            None => Ratings::default(),
        };
        for (item, pos) in self.items.iter().zip(&self.positions) {
            if !item.is_live() {
                continue;
            }
            let s = summarise(item, &ratings);
            if s.flags.contains(&PanelFlag::FewRatings) {
                let stale = if s.stale > 0 {
                    format!(" ({} rating(s) of an earlier version)", s.stale)
                } else {
                    String::new()
                };
                self.diags.push(pos.id.diag(
                    Severity::Warning,
                    "panel-few-ratings",
                    Some(&item.id),
                    format!(
                        "a live item at level {} with {} current panel rating(s){stale}; it needs at least {MIN_RATINGS}",
                        item.level,
                        s.ratings.len()
                    ),
                    Some("put it in the next panel round (jauge bank panel packet)".into()),
                ));
            }
            if s.is_flagged() {
                let levels: Vec<String> = s.ratings.iter().map(|r| r.level.to_string()).collect();
                let mut why = Vec::new();
                if let Some(m) = s.median.filter(|_| s.flags.contains(&PanelFlag::OffLevel)) {
                    why.push(format!("median {m} against declared level {}", item.level));
                }
                if let Some(sp) = s.spread.filter(|_| s.flags.contains(&PanelFlag::Spread)) {
                    why.push(format!("ratings spread over {sp} levels"));
                }
                if s.flags.contains(&PanelFlag::Defect) {
                    let tags: Vec<String> = s.defects.iter().map(|t| format!("[{t}]")).collect();
                    why.push(format!("noted {}", tags.join(" ")));
                }
                self.diags.push(pos.id.diag(
                    Severity::Warning,
                    "panel-flag",
                    Some(&item.id),
                    format!(
                        "the panel flags this item: {} (ratings {})",
                        why.join("; "),
                        levels.join(", ")
                    ),
                    Some("rewrite or relevel it, then have it rated again (jauge bank panel report)".into()),
                ));
            }
        }
        ratings
    }
}
