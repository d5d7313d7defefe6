//! Finding a session, by its id or by its agent link, and the problems answered when it cannot
//! be reached: one mapping of the store's errors and of a missing or closed session, shared by
//! the sessions' handlers, the links' handlers, the session operations and the agent's pages.

use jauge::store::{SessionState, SessionStatus, Store};

use crate::problem::{Problem, from_store};
use crate::state::AppState;

/// `session-not-found` (404): no such session, or not one the caller reaches (the two are not
/// told apart, so that a token learns nothing of other organisations' sessions).
pub fn session_not_found(uid: &str) -> Problem {
    Problem::new(
        "session-not-found",
        format!("no session `{uid}` in the organisations this token reaches"),
    )
}

/// `link-not-found` (404): the link opens no session.
pub fn link_not_found() -> Problem {
    Problem::new(
        "link-not-found",
        "this link opens no session: ask the organisation for a new one",
    )
}

/// `link-expired` (410): the link's session is finished or abandoned.
pub fn link_expired(st: &SessionStatus) -> Problem {
    Problem::new(
        "link-expired",
        format!(
            "this session is {}: the link no longer opens it",
            st.state.as_str()
        ),
    )
}

/// The status of session `uid` in `store` (on a blocking thread), or `session-not-found`.
pub fn status_in(store: &Store, uid: &str) -> Result<SessionStatus, Problem> {
    store
        .session_status(uid)
        .map_err(from_store)?
        .ok_or_else(|| session_not_found(uid))
}

/// The status of session `uid`, read on the blocking pool (`None`: no such session).
pub async fn status(state: &AppState, uid: &str) -> Result<Option<SessionStatus>, Problem> {
    let jauge = state.jauge;
    let u = uid.to_owned();
    state
        .blocking(move || jauge.store().session_status(&u).map_err(from_store))
        .await
}

/// The session that agent link `link` opens, in whatever state (`None`: not a link, or
/// unknown).
pub async fn by_link(state: &AppState, link: &str) -> Result<Option<SessionStatus>, Problem> {
    if !jauge::store::is_link_shaped(link) {
        return Ok(None);
    }
    let jauge = state.jauge;
    let l = link.to_owned();
    state
        .blocking(move || jauge.store().session_by_link(&l).map_err(from_store))
        .await
}

/// The session that agent link `link` opens if it is active: `link-not-found` when none,
/// `link-expired` when finished or abandoned.
pub async fn active_by_link(state: &AppState, link: &str) -> Result<SessionStatus, Problem> {
    let st = by_link(state, link).await?.ok_or_else(link_not_found)?;
    if st.state != SessionState::Active {
        return Err(link_expired(&st));
    }
    Ok(st)
}
