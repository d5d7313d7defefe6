//! What an agent has seen: the input of the reuse policy (which the facade applies when a
//! session starts, and stores with the session).

use rusqlite::params;

use crate::model::SeenItem;
use crate::store::ts;
use crate::{Result, Store};

impl Store {
    /// The items the agent saw in its sessions other than `except`, each with when it was last
    /// shown: every answered item of its real (not simulated) sessions, finished, abandoned or
    /// unfinished, and the item on screen when a session was abandoned. Simulated sessions do
    /// not count: the person never saw their items. By item id.
    pub fn seen_items(&self, agent: i64, except: Option<i64>) -> Result<Vec<SeenItem>> {
        let mut st = self.connection().prepare(
            "SELECT item, max(shown) FROM (
                 SELECT r.item AS item, r.shown_at AS shown
                 FROM response r JOIN session s ON s.id = r.session_id
                 WHERE s.agent_id = ?1 AND s.simulated = 0 AND s.id IS NOT ?2
                 UNION ALL
                 SELECT s.pending_item, s.pending_shown_at
                 FROM session s
                 WHERE s.agent_id = ?1 AND s.simulated = 0 AND s.id IS NOT ?2
                   AND s.state = 'abandoned' AND s.pending_item IS NOT NULL)
             GROUP BY item ORDER BY item",
        )?;
        let rows = st.query_map(params![agent, except], |r| {
            Ok(SeenItem {
                item: r.get(0)?,
                last_shown: ts(r.get::<_, Option<i64>>(1)?.unwrap_or(0)),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
