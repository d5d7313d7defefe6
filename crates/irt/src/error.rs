//! Typed errors of the measurement core.

use thiserror::Error;

/// Why a set of item parameters is not a valid logistic item.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ParamError {
    /// A parameter is NaN or infinite.
    #[error("parameter {name} is not a finite number ({value})")]
    NotFinite {
        /// The parameter's name (`a`, `b`, `c`, `d` or `D`).
        name: &'static str,
        /// The offending value.
        value: f64,
    },
    /// The discrimination must be strictly positive.
    #[error("discrimination a must be > 0 (got {0})")]
    NonPositiveSlope(f64),
    /// The lower asymptote must lie in [0, 1).
    #[error("lower asymptote c must be in [0, 1) (got {0})")]
    LowerAsymptote(f64),
    /// The upper asymptote must lie in (c, 1].
    #[error("upper asymptote d must be in (c, 1] (got d = {d}, c = {c})")]
    UpperAsymptote {
        /// The lower asymptote.
        c: f64,
        /// The offending upper asymptote.
        d: f64,
    },
}

/// Errors of the measurement core.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum IrtError {
    /// An item's parameters are invalid; names the item.
    #[error("item {item}: {source}")]
    InvalidItem {
        /// The item's id (or its position when it has none).
        item: String,
        /// What is wrong with it.
        #[source]
        source: ParamError,
    },
    /// A quadrature grid needs at least two nodes on a finite, non-empty interval.
    #[error("invalid quadrature grid: {0}")]
    InvalidGrid(String),
    /// A prior needs a finite mean and a finite, positive standard deviation.
    #[error("invalid prior: mean {mean}, sd {sd} (the sd must be finite and > 0)")]
    InvalidPrior {
        /// The prior mean.
        mean: f64,
        /// The prior standard deviation.
        sd: f64,
    },
    /// A search interval must be finite with lower < upper.
    #[error("invalid search range [{lo}, {hi}]: it must be finite with lower < upper")]
    InvalidRange {
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
    },
    /// The response pattern and the item list differ in length.
    #[error("the response pattern has {responses} entries but there are {items} items")]
    PatternLength {
        /// Entries in the pattern.
        responses: usize,
        /// Items given.
        items: usize,
    },
    /// An estimator that needs at least one response got none.
    #[error("{estimator} needs at least one administered item; the pattern is empty")]
    EmptyPattern {
        /// The estimator's name.
        estimator: &'static str,
    },
    /// A profile-structure loading must lie in [0, 0.95] (`SCORING.md`).
    #[error("loading {0} is outside [0, 0.95]")]
    InvalidLoading(f64),
}
