//! Item selection rules, each a small replaceable [`Selector`].
//!
//! - [`MaxInfo`]: maximum Fisher information at θ̂ (Lord 1980), optionally randomesque
//!   (Kingsbury & Zara 1989: a uniform pick among the k most informative).
//! - [`PosteriorKl`]: posterior-weighted Kullback–Leibler information (Chang & Ying 1996;
//!   van der Linden 1998): KL_i = Σ_k w_k KL(P_i(θ̂) ‖ P_i(θ_k)) over the posterior weights w_k.
//! - [`RandomItem`]: a uniform pick among the eligible items (a baseline).
//!
//! Ties between equally good items are broken by the selection stream of the seeded generator,
//! never by file order. Hard constraints (items already given, exposure set-asides, history,
//! balancing) reach a selector as the `eligible` predicate, so every rule honours them exactly.

use jauge_irt::Grid;

use crate::estimate::LinearPosterior;
use crate::index::{InfoIndex, Ranked, full_scan, top_k};
use crate::itemset::ItemSet;
use crate::rng::Draws;

/// What a selector knows when it picks the next item.
#[derive(Debug, Clone, Copy)]
pub struct SelectContext<'a> {
    /// The candidate items.
    pub set: &'a ItemSet,
    /// Their certified short lists, when built.
    pub index: Option<&'a InfoIndex>,
    /// The quadrature grid.
    pub grid: &'a Grid,
    /// The current estimate θ̂.
    pub theta: f64,
    /// The current posterior on the grid.
    pub posterior: &'a LinearPosterior,
    /// The position of the item being chosen (0 for the first).
    pub step: u64,
}

/// A rule choosing the next item.
pub trait Selector: Sync {
    /// The next item among those `eligible` accepts, or `None` if there is none. Random choices
    /// read `draws` (the selection stream) at `ctx.step`.
    fn select(
        &self,
        ctx: &SelectContext<'_>,
        eligible: &dyn Fn(usize) -> bool,
        draws: &mut Draws,
    ) -> Option<usize>;

    /// `Some(k)` if this rule is exactly maximum information with randomesque k, so that a caller
    /// may run the same search with its eligibility test inlined ([`top_k`] then
    /// [`pick_among_best`]); `None` for every other rule.
    fn max_info_k(&self) -> Option<usize> {
        None
    }
}

/// A uniform pick among the k best of `ranked` (sorted by decreasing value, holding every item
/// tied with the k-th): items above the k-th value are in; the k-th value's tied group fills the
/// remaining places at random. k = 1 is a random pick among the items tied for the best.
pub fn pick_among_best(ranked: &[Ranked], k: usize, draws: &mut Draws, step: u64) -> Option<usize> {
    let n = ranked.len();
    if n == 0 {
        return None;
    }
    let k = k.clamp(1, n);
    let vk = ranked[k - 1].information;
    let above = ranked.iter().take_while(|r| r.information > vk).count();
    let tied = &ranked[above..];
    let r = if k == 1 { 0 } else { draws.below(step, 0, k) };
    if r < above {
        return Some(ranked[r].item as usize);
    }
    let t = if tied.len() == 1 {
        0
    } else {
        draws.below(step, 1, tied.len())
    };
    Some(tied[t].item as usize)
}

thread_local! {
    /// Per-thread buffer of the ranked candidates (no allocation per step).
    static SCRATCH: std::cell::RefCell<Vec<Ranked>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Maximum Fisher information at θ̂, with randomesque exposure control when `randomesque` > 1.
#[derive(Debug, Clone, Copy)]
pub struct MaxInfo {
    /// k of randomesque (1 = plain maximum information).
    pub randomesque: usize,
}

impl Selector for MaxInfo {
    fn max_info_k(&self) -> Option<usize> {
        Some(self.randomesque.max(1))
    }

    fn select(
        &self,
        ctx: &SelectContext<'_>,
        eligible: &dyn Fn(usize) -> bool,
        draws: &mut Draws,
    ) -> Option<usize> {
        SCRATCH.with_borrow_mut(|ranked| {
            top_k(ctx.set, ctx.index, ctx.theta, self.randomesque, eligible, ranked);
            pick_among_best(ranked, self.randomesque, draws, ctx.step)
        })
    }
}

/// Maximum information by a plain scan of every item (the oracle of [`MaxInfo`]).
#[derive(Debug, Clone, Copy)]
pub struct MaxInfoFullScan {
    /// k of randomesque.
    pub randomesque: usize,
}

impl Selector for MaxInfoFullScan {
    fn select(
        &self,
        ctx: &SelectContext<'_>,
        eligible: &dyn Fn(usize) -> bool,
        draws: &mut Draws,
    ) -> Option<usize> {
        let mut ranked = Vec::new();
        full_scan(ctx.set, ctx.theta, self.randomesque, eligible, &mut ranked);
        pick_among_best(&ranked, self.randomesque, draws, ctx.step)
    }
}

/// Posterior-weighted Kullback–Leibler information, with randomesque when `randomesque` > 1.
#[derive(Debug, Clone, Copy)]
pub struct PosteriorKl {
    /// k of randomesque (1 = plain maximum).
    pub randomesque: usize,
}

/// KLP of item `i`: Σ_k w_k KL(P(θ̂) ‖ P(θ_k)) = p ln p + q ln q − p Σ w_k ln P_k − q Σ w_k ln Q_k,
/// from the item set's precomputed likelihood rows (`jauge_irt::kl_posterior_rows`).
pub fn posterior_kl(set: &ItemSet, i: usize, theta: f64, weights: &[f64]) -> f64 {
    let n = weights.len();
    let row = set.log_row(i);
    let p = set.params(i);
    jauge_irt::kl_posterior_rows(p.prob(theta), p.prob_wrong(theta), weights, &row[..n], &row[n..])
}

impl Selector for PosteriorKl {
    fn select(
        &self,
        ctx: &SelectContext<'_>,
        eligible: &dyn Fn(usize) -> bool,
        draws: &mut Draws,
    ) -> Option<usize> {
        let k = self.randomesque.max(1);
        let mut ranked: Vec<Ranked> = Vec::new();
        let w = &ctx.posterior.normalised();
        for i in (0..ctx.set.len()).filter(|&i| eligible(i)) {
            ranked.push(Ranked {
                item: i as u32,
                information: posterior_kl(ctx.set, i, ctx.theta, w),
            });
        }
        ranked.sort_by(|x, y| y.information.total_cmp(&x.information).then(x.item.cmp(&y.item)));
        if ranked.len() > k {
            let vk = ranked[k - 1].information;
            let keep = ranked.iter().take_while(|r| r.information >= vk).count();
            ranked.truncate(keep);
        }
        pick_among_best(&ranked, k, draws, ctx.step)
    }
}

/// A uniform pick among the eligible items.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomItem;

impl Selector for RandomItem {
    fn select(
        &self,
        ctx: &SelectContext<'_>,
        eligible: &dyn Fn(usize) -> bool,
        draws: &mut Draws,
    ) -> Option<usize> {
        let count = (0..ctx.set.len()).filter(|&i| eligible(i)).count();
        if count == 0 {
            return None;
        }
        let r = draws.below(ctx.step, 0, count);
        (0..ctx.set.len()).filter(|&i| eligible(i)).nth(r)
    }
}

/// The selection rules of `--select` for an item file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SelectRule {
    /// Maximum Fisher information.
    #[default]
    Mfi,
    /// Posterior-weighted Kullback–Leibler.
    Kl,
    /// Uniform random.
    Random,
}

impl SelectRule {
    /// The rule as a selector, with randomesque k.
    pub fn selector(self, randomesque: usize) -> Box<dyn Selector> {
        match self {
            Self::Mfi => Box::new(MaxInfo { randomesque }),
            Self::Kl => Box::new(PosteriorKl { randomesque }),
            Self::Random => Box::new(RandomItem),
        }
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mfi => "mfi",
            Self::Kl => "kl",
            Self::Random => "random",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;
    use jauge_irt::ItemParams;

    #[test]
    fn ties_are_broken_at_random_not_by_order() {
        let p = ItemParams::rasch(0.0).unwrap();
        let set = ItemSet::new(vec![p; 4], &Grid::standard());
        let g = Grid::standard();
        let post = LinearPosterior::new(&g);
        let mut seen = [0usize; 4];
        for step in 0..400 {
            let ctx = SelectContext {
                set: &set,
                index: None,
                grid: &g,
                theta: 0.0,
                posterior: &post,
                step,
            };
            let mut d = Draws::new(5, 0, Purpose::Selection);
            let i = MaxInfo { randomesque: 1 }
                .select(&ctx, &|_| true, &mut d)
                .unwrap();
            seen[i] += 1;
        }
        assert!(seen.iter().all(|&c| c > 60), "{seen:?}");
    }

    #[test]
    fn kl_prefers_the_item_near_the_posterior() {
        let g = Grid::standard();
        let near = ItemParams::two_pl(1.5, 0.0).unwrap();
        let far = ItemParams::two_pl(1.5, 3.0).unwrap();
        let set = ItemSet::new(vec![far, near], &g);
        let post = LinearPosterior::new(&g);
        let ctx = SelectContext {
            set: &set,
            index: None,
            grid: &g,
            theta: 0.0,
            posterior: &post,
            step: 0,
        };
        let mut d = Draws::new(0, 0, Purpose::Selection);
        assert_eq!(
            PosteriorKl { randomesque: 1 }.select(&ctx, &|_| true, &mut d),
            Some(1)
        );
        // KLP by direct summation of the Bernoulli KL over the grid
        let w = &post.normalised();
        let direct: f64 = g
            .nodes()
            .iter()
            .zip(w)
            .map(|(&t, &wk)| wk * jauge_irt::kl_bernoulli(near.prob(0.0), near.prob(t)))
            .sum();
        assert!((posterior_kl(&set, 1, 0.0, w) - direct).abs() < 1e-12);
    }
}
