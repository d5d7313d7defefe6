//! Jauge's HTTP service: the JSON API that ministries' applications call (described in OpenAPI
//! 3.1, generated from the handlers), the agents' session links, health and metrics — on top of
//! the facade ([`jauge`]), which stays free of HTTP and async code.
//!
//! - Requests are stateless: a session is rebuilt from the store when this process does not
//!   hold it, or holds a stale copy ([`cache`]).
//! - An answer is acknowledged only once committed and synced to the disk; syncs are grouped
//!   ([`durable`]): one sync makes many answers durable.
//! - A repeated or stale submit is refused with 409 and never recorded twice (the store checks
//!   the step in the response's transaction).
//! - Errors are `application/problem+json` (RFC 9457, [`problem`]).
//!
//! [`run`] serves until SIGTERM or SIGINT; `jauge serve` calls it. See `docs/service.md`.
#![deny(missing_docs)]

pub mod app;
pub mod cache;
pub mod dto;
pub mod durable;
pub mod extract;
pub mod handlers;
pub mod limits;
pub mod logging;
pub mod lookup;
pub mod metrics;
pub mod problem;
pub mod server;
pub mod session_ops;
pub mod state;
pub mod web;

pub use app::{openapi, openapi_json, router};
pub use server::{ServeConfig, ServeError, run};
pub use state::Limits;
