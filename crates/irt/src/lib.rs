//! Item response theory for Jauge.
//!
//! This crate is the measurement core: it knows the dichotomous logistic models (1PL to 4PL),
//! their information functions, the quadrature grid on which posteriors live, and the ability
//! estimators built on them. It does no I/O and depends on no database, terminal or HTTP crate
//! (see `docs/ARCHITECTURE.md`).
//!
//! The scale follows the product's scoring definition: the logistic metric (D = 1 unless a caller
//! scales the slopes), an N(0, 1) prior, and a grid of equally spaced nodes with both end points
//! included whose weights are the prior density at the nodes renormalised to sum to one.
//!
//! ```
//! use jauge_irt::{ItemParams, Grid, Posterior};
//!
//! let item = ItemParams::new(1.2, 0.5, 0.2, 1.0).unwrap();
//! assert!((item.prob(0.5) - 0.6).abs() < 1e-12); // c + (d - c) / 2 at θ = b
//!
//! let grid = Grid::standard();
//! let mut post = Posterior::new(&grid);
//! post.add_response(&item, true);
//! assert!(post.mean() > 0.0);
//! ```
#![deny(missing_docs)]

pub mod analysis;
pub mod calibration;
mod error;
mod estimate;
mod information;
mod model;
mod quadrature;
pub mod scoring;
pub mod structure;

pub use error::{IrtError, ParamError};
pub use estimate::{
    Estimate, Estimator, NormalPrior, SearchRange, Settings, UnknownEstimator, eap, estimate, map, mle,
    pattern, wle,
};
pub use information::{
    LikelihoodTable, kl_index, kl_posterior, kl_posterior_rows, max_information_item, posterior_weights_into,
    test_information,
};
pub use model::{ItemParams, kl_bernoulli, log_logistic, logistic};
pub use quadrature::{Grid, MAX_NODES, Posterior, weighted_quantile};

/// The crate's result type.
pub type Result<T, E = IrtError> = std::result::Result<T, E>;
