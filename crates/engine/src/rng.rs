//! Seeded, addressable random draws.
//!
//! Every random draw of the engine is a function of (session seed, unit, purpose, step, index):
//! the seed and the unit (a simulated examinee, or a live session) make the ChaCha8 key, the
//! purpose is the ChaCha stream (nonce), and (step, index) is the position in that stream. The
//! first draw of a step sits at word 2·step, so that a run that draws once per step reads its
//! stream sequentially (one block computation per 32 steps); further draws of the same step live
//! in a far region of the stream addressed by (step, index). A session rebuilt at any step
//! therefore draws exactly what it would have drawn, whatever happened before, and two purposes
//! never share numbers. ChaCha8 is used rather than `StdRng` because its output is promised
//! stable across versions.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// What a random draw is for; each purpose reads its own ChaCha stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Breaking ties between equally good items, and randomesque picks.
    Selection = 1,
    /// Sympson–Hetter administration lotteries.
    Exposure = 2,
    /// Simulated answers.
    Answers = 3,
    /// Placement of pretest items among the scored ones.
    Pretest = 4,
    /// Simulated true abilities.
    Abilities = 5,
}

/// SplitMix64 (Steele, Lea & Flood 2014): a bijective mixer used to derive keys.
#[inline]
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The ChaCha8 key of (seed, unit).
fn key(seed: u64, unit: u64) -> [u8; 32] {
    let k0 = splitmix64(seed ^ 0x4A41_5547_4531_0001);
    let k1 = splitmix64(k0 ^ unit);
    let k2 = splitmix64(k1 ^ 0x5354_5245_414D_5321);
    let k3 = splitmix64(k2);
    let mut out = [0u8; 32];
    for (chunk, k) in out.chunks_exact_mut(8).zip([k0, k1, k2, k3]) {
        chunk.copy_from_slice(&k.to_le_bytes());
    }
    out
}

/// One stream of addressable draws: (seed, unit, purpose), read at (step, index).
#[derive(Debug, Clone)]
pub struct Draws {
    rng: ChaCha8Rng,
    /// The word position the generator will read next.
    pos: u128,
}

impl Draws {
    /// The stream of `purpose` for `unit` (an examinee number, a session number) under `seed`.
    pub fn new(seed: u64, unit: u64, purpose: Purpose) -> Self {
        let mut rng = ChaCha8Rng::from_seed(key(seed, unit));
        rng.set_stream(purpose as u64);
        Self { rng, pos: 0 }
    }

    /// The 64 random bits at (step, index).
    pub fn bits(&mut self, step: u64, index: u64) -> u64 {
        let pos = if index == 0 {
            2 * u128::from(step)
        } else {
            // far region: 2^60 words in, step and index packed below (step < 2^40, index < 2^20)
            2 * ((1u128 << 60) | (u128::from(step & ((1 << 40) - 1)) << 20) | u128::from(index & 0xF_FFFF))
        };
        if pos != self.pos {
            self.rng.set_word_pos(pos);
        }
        self.pos = pos + 2;
        self.rng.next_u64()
    }

    /// A uniform number in [0, 1) at (step, index) (53 random bits).
    pub fn uniform(&mut self, step: u64, index: u64) -> f64 {
        (self.bits(step, index) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in 0..n at (step, index) (multiply-shift; n ≥ 1, bias below n / 2^64).
    pub fn below(&mut self, step: u64, index: u64, n: usize) -> usize {
        ((u128::from(self.bits(step, index)) * n as u128) >> 64) as usize
    }

    /// A standard normal draw at `step` (Box–Muller on the draws at indices 0 and 1 of the step).
    pub fn normal(&mut self, step: u64) -> f64 {
        let u1 = 1.0 - self.uniform(step, 0); // (0, 1]
        let u2 = self.uniform(step, 1);
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// `n` abilities drawn from N(0, 1) under `seed` (unit 0 of the abilities stream, step = examinee).
pub fn draw_abilities(seed: u64, n: usize) -> Vec<f64> {
    let mut d = Draws::new(seed, 0, Purpose::Abilities);
    (0..n as u64).map(|k| d.normal(k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addressed_draws_do_not_depend_on_order() {
        let mut a = Draws::new(7, 3, Purpose::Selection);
        let seq: Vec<u64> = (0..50).map(|s| a.bits(s, 0)).collect();
        let mut b = Draws::new(7, 3, Purpose::Selection);
        // read backwards, with extra draws in between
        for s in (0..50).rev() {
            let _ = b.bits(s, 3);
            assert_eq!(b.bits(s, 0), seq[s as usize]);
        }
        let mut c = Draws::new(7, 3, Purpose::Answers);
        assert_ne!(c.bits(0, 0), seq[0]);
        let mut d = Draws::new(7, 4, Purpose::Selection);
        assert_ne!(d.bits(0, 0), seq[0]);
    }

    #[test]
    fn uniform_and_normal_moments() {
        let mut d = Draws::new(1, 0, Purpose::Answers);
        let n = 20_000;
        let m: f64 = (0..n).map(|s| d.uniform(s, 0)).sum::<f64>() / n as f64;
        assert!((m - 0.5).abs() < 0.01, "{m}");
        let z = draw_abilities(1, n as usize);
        let mean = z.iter().sum::<f64>() / n as f64;
        let var = z.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.03 && (var - 1.0).abs() < 0.04, "{mean} {var}");
        let mut e = Draws::new(1, 0, Purpose::Selection);
        assert!((0..1000).all(|s| e.below(s, 0, 7) < 7));
    }
}
