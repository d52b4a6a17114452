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

/// One batch of a permutation test: two centred matrices whose ⟨a, b[π, π]⟩ is the statistic,
/// and the weight of that inner product in the (summed) test statistic.
struct Permuted {
    a: Tensor<2>,
    b: Tensor<2>,
    weight: f64,
}

/// Counts permuted statistics Σ_k w_k ⟨a_k, b_k[π_k, π_k]⟩ at least as large as `observed` (in
/// the standardised space), with a tolerance for rounding so that exact ties count as ties.
/// Every batch gets its own permutation, drawn in batch order from one stream per resample, so
/// a single batch sees exactly the permutations of the single-sample tests.
fn count_exceedances(batches: &[Permuted], estimator: Estimator, observed: f64, cfg: Permutation) -> usize {
    let Some(first) = batches.first() else { return 0 };
    let tol = 64.0 * epsilon(&first.a) * batches.len() as f64;
    let mut rng = SplitMix64(cfg.seed);
    let mut count = 0;
    let mut pending = Vec::new();
    let device = first.a.device();
    let flush = |pending: &mut Vec<Tensor<1>>, count: &mut usize| {
        if !pending.is_empty() {
            let values = read_scalars(std::mem::take(pending));
            *count += values.iter().filter(|&&t| t >= observed - tol).count();
        }
    };
    for _ in 0..cfg.resamples {
        let mut total: Option<Tensor<1>> = None;
        for batch in batches {
            let n = batch.a.dims()[0];
            let perm = Tensor::<1, Int>::from_data(TensorData::new(rng.permutation(n), [n]), &device);
            let bp = batch.b.clone().select(0, perm.clone()).select(1, perm);
            let term = inner(batch.a.clone(), bp, estimator).mul_scalar(batch.weight);
            total = Some(match total {
                Some(t) => t + term,
                None => term,
            });
        }
        pending.push(total.expect("at least one batch"));
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
    let weight = 1.0 / (xx * yy).sqrt();
    let count = count_exceedances(&[Permuted { a: c.a, b: c.b, weight }], options.estimator, xy * weight, cfg);
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
    let (batch, observed) = projected(m.a, m.b, m.c);
    let count = count_exceedances(&[batch], Estimator::U, observed, cfg);
    Ok((terms, PermutationResult { statistic, p_value: p_value(count, cfg.resamples), resamples: cfg.resamples, degenerate: false }))
}

/// The projections of x's and y's U-centred matrices off z's, weighted so that their inner
/// product is pdCor*, and the observed pdCor* (standardised units).
fn projected(a: Tensor<2>, b: Tensor<2>, c: Tensor<2>) -> (Permuted, f64) {
    let u = Estimator::U;
    let v = read_scalars(vec![inner(a.clone(), c.clone(), u), inner(b.clone(), c.clone(), u), inner(c.clone(), c.clone(), u)]);
    let (alpha, beta) = if v[2] > 0.0 { (v[0] / v[2], v[1] / v[2]) } else { (0.0, 0.0) };
    let px = a - c.clone().mul_scalar(alpha);
    let py = b - c.mul_scalar(beta);
    let w = read_scalars(vec![inner(px.clone(), py.clone(), u), inner(px.clone(), px.clone(), u), inner(py.clone(), py.clone(), u)]);
    let norm = (w[1].max(0.0) * w[2].max(0.0)).sqrt();
    let weight = if norm > 0.0 { 1.0 / norm } else { 0.0 };
    (Permuted { a: px, b: py, weight }, w[0] * weight)
}

/// A permutation test of a mini-batch average, the paper's §5.2 estimator
/// R² = (1/T) Σ_t R²(x_t, y_t): the mean over batches, with y's rows permuted within every batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchedPermutation {
    /// Mean over batches of the batch statistic (dCor² or R* for [`batched_distance_correlation_permutation_test`],
    /// pdCor* for [`batched_partial_permutation_test`]).
    pub mean: f64,
    /// The test of that mean; `statistic` is the sum over batches.
    pub test: PermutationResult,
}

/// Permutation test of the batch-averaged dCor² (V) or bias-corrected R* (U) of paired batches
/// `(x_t, y_t)`. With one batch the p-value equals [`distance_covariance_permutation_test`]'s
/// for the same seed. Batches in which a sample is constant contribute 0 and are not permuted.
pub fn batched_distance_correlation_permutation_test<X: Sample, Y: Sample>(batches: &[(X, Y)], options: Dcor, cfg: Permutation) -> Result<BatchedPermutation> {
    check_resamples(&cfg)?;
    check_batches(batches.len())?;
    if options.block.is_some() {
        return Err(DcorError::InvalidArgument { arg: "block", reason: "the permutation test permutes the n×n matrices; it has no blocked version".into() });
    }
    let mut permuted = Vec::new();
    let (mut sum, mut observed) = (0.0, 0.0);
    for (x, y) in batches {
        let (x, y) = options.prepare(x, y)?;
        let c = options.centered(x, y);
        let [xy, xx, yy] = c.unit;
        if xx <= 0.0 || yy <= 0.0 {
            continue;
        }
        let weight = 1.0 / (xx.sqrt() * yy.sqrt());
        sum += (xy * weight).clamp(-1.0, 1.0);
        observed += xy * weight;
        permuted.push(Permuted { a: c.a, b: c.b, weight });
    }
    finish(permuted, options.estimator, sum, observed, batches.len(), cfg)
}

/// Permutation test of the batch-averaged pdCor*(x_t, y_t; z_t) (the projections of x and y
/// off z permuted against each other within every batch, as R energy's `pdcov.test`). With one
/// batch the p-value equals [`partial_distance_permutation_test`]'s for the same seed. The
/// paper's semi-partial R²((x|z), y) has the same numerator, so this tests it too.
pub fn batched_partial_permutation_test<X: Sample, Y: Sample, Z: Sample>(batches: &[(X, Y, Z)], options: Partial, cfg: Permutation) -> Result<BatchedPermutation> {
    check_resamples(&cfg)?;
    check_batches(batches.len())?;
    let mut permuted = Vec::new();
    let (mut sum, mut observed) = (0.0, 0.0);
    for (x, y, z) in batches {
        let m = options.matrices(x, y, z)?;
        if m.terms.degenerate() {
            continue;
        }
        sum += m.terms.partial_correlation();
        let (batch, obs) = projected(m.a, m.b, m.c);
        observed += obs;
        permuted.push(batch);
    }
    finish(permuted, Estimator::U, sum, observed, batches.len(), cfg)
}

fn check_batches(n: usize) -> Result<()> {
    if n == 0 {
        return Err(DcorError::InvalidArgument { arg: "batches", reason: "there are no batches to average over".into() });
    }
    Ok(())
}

fn finish(permuted: Vec<Permuted>, estimator: Estimator, sum: f64, observed: f64, batches: usize, cfg: Permutation) -> Result<BatchedPermutation> {
    let mean = sum / batches as f64;
    if permuted.is_empty() {
        return Ok(BatchedPermutation { mean, test: PermutationResult { statistic: sum, p_value: 1.0, resamples: cfg.resamples, degenerate: true } });
    }
    let count = count_exceedances(&permuted, estimator, observed, cfg);
    Ok(BatchedPermutation { mean, test: PermutationResult { statistic: sum, p_value: p_value(count, cfg.resamples), resamples: cfg.resamples, degenerate: false } })
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
