//! Energy distance between two samples (Székely & Rizzo), V- and U-statistics.

use burn::tensor::Tensor;

use crate::dependence::align;
use crate::error::{DcorError, Result};
use crate::kernel::{Estimator, cross_distances, distances, read_scalars, standardize};
use crate::sample::{Sample, check, check_exponent};

/// Energy statistics of two samples x (n×d) and y (m×d).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnergyTerms {
    /// mean |x − y|^a over all n·m pairs.
    pub between: f64,
    /// mean |x − x'|^a: over n² pairs (V, zeros on the diagonal included) or n(n−1) pairs (U).
    pub within_x: f64,
    /// mean |y − y'|^a, likewise.
    pub within_y: f64,
    pub n: usize,
    pub m: usize,
}

impl EnergyTerms {
    /// E = 2 E|x−y| − E|x−x'| − E|y−y'| (the energy distance itself, not its square root).
    pub fn energy_distance(&self) -> f64 {
        2.0 * self.between - self.within_x - self.within_y
    }

    /// The permutation-test statistic n·m/(n+m)·E (R energy's `edist`, dcor's `energy_test_statistic`).
    pub fn test_statistic(&self) -> f64 {
        let (n, m) = (self.n as f64, self.m as f64);
        n * m / (n + m) * self.energy_distance()
    }
}

/// Options of the energy distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Energy {
    pub estimator: Estimator,
    pub exponent: f64,
}

impl Default for Energy {
    fn default() -> Self {
        Self { estimator: Estimator::V, exponent: 1.0 }
    }
}

impl Energy {
    /// Computes the three mean distances.
    pub fn terms<X: Sample + ?Sized, Y: Sample + ?Sized>(&self, x: &X, y: &Y) -> Result<EnergyTerms> {
        check_exponent(self.exponent)?;
        let x = x.to_tensor()?;
        let y = y.to_tensor()?;
        let (min, what) = match self.estimator {
            Estimator::V => (1, "the V-statistic energy distance"),
            Estimator::U => (2, "the U-statistic energy distance"),
        };
        check(&x, "x", min, what)?;
        check(&y, "y", min, what)?;
        let ([n, dx], [m, dy]) = (x.dims(), y.dims());
        if dx != dy {
            return Err(DcorError::DimensionMismatch { arg_a: "x", cols_a: dx, arg_b: "y", cols_b: dy });
        }
        let y = align(y, &x);
        // One standardisation for both samples: the distances between them must keep their meaning.
        let (pooled, scale) = standardize(Tensor::cat(vec![x, y], 0));
        let xs = pooled.clone().narrow(0, 0, n);
        let ys = pooled.narrow(0, n, m);
        let e = self.exponent;
        let within = |s: Tensor<2>, k: usize| {
            let sum = distances(s, e).sum();
            let kf = k as f64;
            match self.estimator {
                Estimator::V => sum.div_scalar(kf * kf),
                Estimator::U => sum.div_scalar(kf * (kf - 1.0)),
            }
        };
        let between = cross_distances(xs.clone(), ys.clone(), e, false).mean();
        let v = read_scalars(vec![between, within(xs, n), within(ys, m), scale]);
        let f = v[3].powf(e);
        Ok(EnergyTerms { between: v[0] * f, within_x: v[1] * f, within_y: v[2] * f, n, m })
    }
}

/// Energy distance E(x, y), V-statistic, exponent 1 (x and y are two samples of one variable).
pub fn energy_distance<X: Sample + ?Sized, Y: Sample + ?Sized>(x: &X, y: &Y) -> Result<f64> {
    Ok(Energy::default().terms(x, y)?.energy_distance())
}

/// Energy distance with U-statistic within-sample means (may be negative).
pub fn u_energy_distance<X: Sample + ?Sized, Y: Sample + ?Sized>(x: &X, y: &Y) -> Result<f64> {
    Ok(Energy { estimator: Estimator::U, ..Energy::default() }.terms(x, y)?.energy_distance())
}

/// The energy test statistic n·m/(n+m)·E(x, y) (V-statistic).
pub fn energy_test_statistic<X: Sample + ?Sized, Y: Sample + ?Sized>(x: &X, y: &Y) -> Result<f64> {
    Ok(Energy::default().terms(x, y)?.test_statistic())
}
