//! Tests of independence: permutation tests for dCov/dCor and pdCov/pdCor, and the
//! Székely–Rizzo t-test of the bias-corrected dCor for high-dimensional data.

use burn::tensor::{Int, Tensor, TensorData};

use crate::dependence::{CovarianceTerms, Dcor, rescale};
use crate::error::{DcorError, Result};
use crate::kernel::{Estimator, epsilon, inner, read_scalars};
use crate::partial::{Partial, PartialTerms};
use crate::sample::Sample;
use crate::special::student_t_sf;

/// Outcome of a permutation test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PermutationResult {
    /// The observed statistic (see the function that returned it).
    pub statistic: f64,
    /// p = (1 + #{T* ≥ T}) / (R + 1); never below 1/(R + 1). 1 for a degenerate statistic.
    pub p_value: f64,
    /// Number of permutations R.
    pub resamples: usize,
    /// True when a sample has zero distance variance: the statistic is 0 by definition and
    /// carries no evidence, so p = 1.
    pub degenerate: bool,
}

/// Settings of a permutation test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Permutation {
    /// Number of permutations R (≥ 1).
    pub resamples: usize,
    /// Seed of the permutation stream; the same seed gives the same p-value on every platform.
    pub seed: u64,
}

impl Default for Permutation {
    fn default() -> Self {
        Self { resamples: 999, seed: 0 }
    }
}

/// SplitMix64: tiny, fast and fully specified, so p-values do not change with a dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform integer in [0, bound) by rejection (no modulo bias).
    fn below(&mut self, bound: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % bound;
        loop {
            let v = self.next_u64();
            if v < zone {
                return v % bound;
            }
        }
    }

    /// Fisher–Yates shuffle of 0..n.
    fn permutation(&mut self, n: usize) -> Vec<i64> {
        let mut p: Vec<i64> = (0..n as i64).collect();
        for i in (1..n).rev() {
            let j = self.below(i as u64 + 1) as usize;
            p.swap(i, j);
        }
        p
    }
}

/// Counts permuted statistics ⟨a, b[π, π]⟩ at least as large as `observed` (all in the
/// standardised space), with a tolerance for rounding so that exact ties count as ties.
fn count_exceedances(a: &Tensor<2>, b: &Tensor<2>, estimator: Estimator, observed: f64, scale: f64, cfg: Permutation) -> usize {
    let n = a.dims()[0];
    let tol = 64.0 * epsilon(a) * scale;
    let mut rng = SplitMix64(cfg.seed);
    let mut count = 0;
    let mut pending = Vec::new();
    let device = a.device();
    let flush = |pending: &mut Vec<Tensor<1>>, count: &mut usize| {
        if !pending.is_empty() {
            let values = read_scalars(std::mem::take(pending));
            *count += values.iter().filter(|&&t| t >= observed - tol).count();
        }
    };
    for _ in 0..cfg.resamples {
        let perm = Tensor::<1, Int>::from_data(TensorData::new(rng.permutation(n), [n]), &device);
        let bp = b.clone().select(0, perm.clone()).select(1, perm);
        pending.push(inner(a.clone(), bp, estimator));
        // Read back in batches: one device sync per 32 permutations.
        if pending.len() == 32 {
            flush(&mut pending, &mut count);
        }
    }
    flush(&mut pending, &mut count);
    count
}

fn check_resamples(cfg: &Permutation) -> Result<()> {
    if cfg.resamples == 0 {
        return Err(DcorError::InvalidArgument { arg: "resamples", reason: "a permutation test needs at least 1 permutation".into() });
    }
    Ok(())
}

fn p_value(count: usize, resamples: usize) -> f64 {
    (1 + count) as f64 / (resamples + 1) as f64
}

/// Permutation test of independence with the distance covariance.
///
/// Returns the covariance terms (so dCor is at hand) and the test; the statistic is n·dCov²
/// (n·V_n² for the V-statistic, n·Ω_n for the U-statistic). dCov and dCor tests give the same
/// p-value because the permutation leaves dVar(x) and dVar(y) unchanged. Needs the dense
/// matrices: `options.block` must be `None`.
pub fn distance_covariance_permutation_test<X: Sample + ?Sized, Y: Sample + ?Sized>(
    x: &X,
    y: &Y,
    options: Dcor,
    cfg: Permutation,
) -> Result<(CovarianceTerms, PermutationResult)> {
    check_resamples(&cfg)?;
    if options.block.is_some() {
        return Err(DcorError::InvalidArgument { arg: "block", reason: "the permutation test permutes the n×n matrices; it has no blocked version".into() });
    }
    let (x, y) = options.prepare(x, y)?;
    let n = x.dims()[0];
    let c = options.centered(x, y);
    let terms = rescale(options.estimator, c.unit, c.scales, options.exponent);
    let statistic = n as f64 * terms.xy;
    let [xy, xx, yy] = c.unit;
    if xx <= 0.0 || yy <= 0.0 {
        return Ok((terms, PermutationResult { statistic, p_value: 1.0, resamples: cfg.resamples, degenerate: true }));
    }
    let count = count_exceedances(&c.a, &c.b, options.estimator, xy, (xx * yy).sqrt(), cfg);
    Ok((terms, PermutationResult { statistic, p_value: p_value(count, cfg.resamples), resamples: cfg.resamples, degenerate: false }))
}

/// Permutation test of the partial distance covariance pdCov*(x, y; z) (as R energy's
/// `pdcov.test`: the projection of x off z is permuted against that of y). The statistic is
/// n·pdCov*; pdCor* gives the same p-value.
pub fn partial_distance_permutation_test<X, Y, Z>(x: &X, y: &Y, z: &Z, options: Partial, cfg: Permutation) -> Result<(PartialTerms, PermutationResult)>
where
    X: Sample + ?Sized,
    Y: Sample + ?Sized,
    Z: Sample + ?Sized,
{
    check_resamples(&cfg)?;
    let m = options.matrices(x, y, z)?;
    let terms = m.terms;
    let n = m.a.dims()[0];
    let statistic = n as f64 * terms.partial_covariance();
    if terms.degenerate() {
        return Ok((terms, PermutationResult { statistic, p_value: 1.0, resamples: cfg.resamples, degenerate: true }));
    }
    // Projections off z, in the standardised units of the matrices.
    let u = Estimator::U;
    let v = read_scalars(vec![inner(m.a.clone(), m.c.clone(), u), inner(m.b.clone(), m.c.clone(), u), inner(m.c.clone(), m.c.clone(), u)]);
    let (alpha, beta) = if v[2] > 0.0 { (v[0] / v[2], v[1] / v[2]) } else { (0.0, 0.0) };
    let px = m.a - m.c.clone().mul_scalar(alpha);
    let py = m.b - m.c.mul_scalar(beta);
    let w = read_scalars(vec![inner(px.clone(), py.clone(), u), inner(px.clone(), px.clone(), u), inner(py.clone(), py.clone(), u)]);
    let count = count_exceedances(&px, &py, u, w[0], (w[1].max(0.0) * w[2].max(0.0)).sqrt(), cfg);
    Ok((terms, PermutationResult { statistic, p_value: p_value(count, cfg.resamples), resamples: cfg.resamples, degenerate: false }))
}

/// The Székely–Rizzo (2013) t-test of independence for high-dimensional data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TTest {
    /// T = √(v−1) R* / √(1 − R*²), v = n(n−3)/2; +∞ when R* = 1.
    pub statistic: f64,
    /// Degrees of freedom v − 1.
    pub df: f64,
    /// One-sided upper tail P(T_{v−1} > T), from the survival function (tiny values survive).
    pub p_value: f64,
    /// The bias-corrected dCor² R* the test is based on.
    pub r_star: f64,
}

/// Distance-correlation t-test (exponent 1, n ≥ 4). Justified as the dimension grows; for
/// univariate data prefer a permutation test.
pub fn distance_correlation_t_test<X: Sample + ?Sized, Y: Sample + ?Sized>(x: &X, y: &Y) -> Result<TTest> {
    let options = Dcor::u();
    let (xt, yt) = options.prepare(x, y)?;
    let tol = 64.0 * epsilon(&xt);
    let n = xt.dims()[0] as f64;
    let c = options.centered(xt, yt);
    let r = rescale(Estimator::U, c.unit, c.scales, 1.0).correlation_sqr();
    let v = n * (n - 3.0) / 2.0;
    let df = v - 1.0;
    let one_minus = 1.0 - r * r;
    let statistic = if one_minus <= tol {
        if r > 0.0 { f64::INFINITY } else { f64::NEG_INFINITY }
    } else {
        df.sqrt() * r / one_minus.sqrt()
    };
    Ok(TTest { statistic, df, p_value: student_t_sf(statistic, df), r_star: r })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_uniform_and_reproducible() {
        let mut a = SplitMix64(7);
        let mut b = SplitMix64(7);
        assert_eq!(a.permutation(10), b.permutation(10));
        // Position of element 0 after shuffling 4 items: each of 4 places ~ 1/4 of 40 000 draws.
        let mut rng = SplitMix64(1);
        let mut counts = [0usize; 4];
        for _ in 0..40_000 {
            let p = rng.permutation(4);
            counts[p.iter().position(|&v| v == 0).unwrap()] += 1;
        }
        for c in counts {
            assert!((c as f64 - 10_000.0).abs() < 400.0, "{counts:?}");
        }
    }
}
