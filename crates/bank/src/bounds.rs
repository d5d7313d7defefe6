//! Bounds on item parameters, checked on every item's parameters (`[item.irt]` overrides and
//! calibration overlays) before the bank is used.
//!
//! [`ItemParams`] already refuses what no model allows (a non-finite value, a ≤ 0, c ∉ [0, 1),
//! d ∉ (c, 1]); these bounds refuse what no calibration of this bank can produce and what would
//! overflow the scoring: a slope of 1e308 passes the model's rules but turns a posterior into NaN
//! at the first wrong answer. They are those of the calibration (`jauge calibrate` caps slopes to
//! [0.01, 20] and lower asymptotes to 0.95), with difficulties within ±20 — five times the θ grid
//! — so that a·|θ − b| stays below 500 on any grid up to ±5 and every exp() is finite.

use jauge_irt::ItemParams;

/// The smallest slope a calibration produces.
pub const A_MIN: f64 = 0.01;
/// The largest slope a calibration produces.
pub const A_MAX: f64 = 20.0;
/// |b| at most this.
pub const B_MAX: f64 = 20.0;
/// The largest lower asymptote a calibration produces.
pub const C_MAX: f64 = 0.95;
/// d − c at least this: an item whose right-answer probability hardly moves measures nothing.
pub const D_MINUS_C_MIN: f64 = 0.05;

/// A number as a reader takes it in: `25`, `0.5`, `1e308`, `1e-6`.
fn show(x: f64) -> String {
    if x != 0.0 && !(1e-3..1e6).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// What is out of bounds in `p`, as a sentence; `None` when every parameter is within them.
pub fn out_of_bounds(p: &ItemParams) -> Option<String> {
    let (a, b, c, d) = (p.a(), p.b(), p.c(), p.d());
    let (a_s, b_s) = (show(a), show(b));
    if !(A_MIN..=A_MAX).contains(&a) {
        return Some(format!("slope a = {a_s} is outside [{A_MIN}, {A_MAX}]"));
    }
    if b.abs() > B_MAX {
        return Some(format!("difficulty b = {b_s} is outside [−{B_MAX}, {B_MAX}]"));
    }
    if c > C_MAX {
        return Some(format!("lower asymptote c = {c} is above {C_MAX}"));
    }
    if d - c < D_MINUS_C_MIN {
        return Some(format!("d − c = {} is below {D_MINUS_C_MIN}", show(d - c)));
    }
    None
}

/// The help shown with an out-of-bounds diagnostic.
pub(crate) const HELP: &str = "a calibration gives 0.01 ≤ a ≤ 20, |b| ≤ 20, c ≤ 0.95 and d − c ≥ 0.05: \
     check the file (a unit slip, a column shift) or calibrate again";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bound_bites_and_the_calibrations_range_passes() {
        let p = |a, b, c, d| ItemParams::new(a, b, c, d).unwrap();
        assert_eq!(
            out_of_bounds(&p(1e308, 0.0, 0.0, 1.0)).unwrap(),
            "slope a = 1e308 is outside [0.01, 20]"
        );
        assert!(out_of_bounds(&p(0.001, 0.0, 0.0, 1.0)).is_some());
        assert!(
            out_of_bounds(&p(1.0, -20.5, 0.0, 1.0))
                .unwrap()
                .contains("difficulty")
        );
        assert!(
            out_of_bounds(&p(1.0, 0.0, 0.96, 1.0))
                .unwrap()
                .contains("asymptote")
        );
        assert!(out_of_bounds(&p(1.0, 0.0, 0.5, 0.52)).unwrap().contains("d − c"));
        for ok in [
            p(A_MIN, -B_MAX, 0.0, 1.0),
            p(A_MAX, B_MAX, C_MAX - 0.05, 1.0),
            p(1.0, 0.0, 0.25, 1.0),
        ] {
            assert_eq!(out_of_bounds(&ok), None, "{ok:?}");
        }
    }
}
