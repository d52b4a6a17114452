//! Partial distance covariance and correlation (Székely & Rizzo 2014), and the semi-partial
//! variant the paper reports as R²((X|Y), GT).
//!
//! All three live in the Hilbert space of U-centred distance matrices: with Ã, B̃, C̃ the
//! U-centred matrices of x, y, z and (·) the U inner product, the projection of Ã off C̃ is
//! P(Ã) = Ã − (Ã·C̃)/(C̃·C̃) C̃. Every value below is a closed form in the six inner products, so
//! no projected matrix is built.

use burn::tensor::Tensor;

use crate::dependence::{align, correlation};
use crate::error::Result;
use crate::kernel::{Estimator, centered_distances, epsilon, inner, read_scalars};
use crate::sample::{Sample, check, check_paired, tensor_of};

/// The six U inner products of x, y, z, kept in the units of the standardised samples (so that
/// correlations neither overflow nor underflow) together with the scale factors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PartialTerms {
    /// (Ã·Ã), (B̃·B̃), (C̃·C̃), (Ã·B̃), (Ã·C̃), (B̃·C̃) of the standardised samples.
    unit: [f64; 6],
    /// s_x^α, s_y^α, s_z^α: covariance-type values scale with these.
    scale: [f64; 3],
    /// Relative tolerance under which a squared norm or 1 − R*² counts as 0 (rounding noise of
    /// the input's float type).
    tol: f64,
}

impl PartialTerms {
    fn get(&self) -> (f64, f64, f64, f64, f64, f64) {
        let u = self.unit;
        (u[0], u[1], u[2], u[3], u[4], u[5])
    }

    /// The six inner products in the data's units: (xx, yy, zz, xy, xz, yz).
    pub fn inner_products(&self) -> [f64; 6] {
        let [sx, sy, sz] = self.scale;
        let (xx, yy, zz, xy, xz, yz) = self.get();
        [xx * sx * sx, yy * sy * sy, zz * sz * sz, xy * sx * sy, xz * sx * sz, yz * sy * sz]
    }

    /// Bias-corrected R*(x, y).
    pub fn u_correlation_sqr_xy(&self) -> f64 {
        correlation(self.unit[3], self.unit[0], self.unit[1])
    }

    /// Bias-corrected R*(x, z).
    pub fn u_correlation_sqr_xz(&self) -> f64 {
        correlation(self.unit[4], self.unit[0], self.unit[2])
    }

    /// Bias-corrected R*(y, z).
    pub fn u_correlation_sqr_yz(&self) -> f64 {
        correlation(self.unit[5], self.unit[1], self.unit[2])
    }

    /// pdCov*(x, y; z) = (P_z⊥(x) · P_z⊥(y)); signed.
    pub fn partial_covariance(&self) -> f64 {
        let (_, _, zz, xy, xz, yz) = self.get();
        let unit = if zz <= 0.0 { xy } else { xy - xz * yz / zz };
        unit * self.scale[0] * self.scale[1]
    }

    /// Whether P_z⊥(x) (or P_z⊥(y)) is zero up to rounding: x (or y) is fully explained by z or
    /// constant, and every partial statistic is 0 by definition.
    pub fn degenerate(&self) -> bool {
        let (rxz, ryz) = (self.u_correlation_sqr_xz(), self.u_correlation_sqr_yz());
        let (xx, yy, ..) = self.get();
        xx <= 0.0 || yy <= 0.0 || 1.0 - rxz * rxz <= self.tol || 1.0 - ryz * ryz <= self.tol
    }

    /// pdCor*(x, y; z) = (R*xy − R*xz R*yz) / √((1 − R*xz²)(1 − R*yz²)); 0 when the denominator
    /// is 0 (x or y fully explained by z). Signed: negative values are legitimate.
    pub fn partial_correlation(&self) -> f64 {
        if self.degenerate() {
            return 0.0;
        }
        let (rxy, rxz, ryz) = (self.u_correlation_sqr_xy(), self.u_correlation_sqr_xz(), self.u_correlation_sqr_yz());
        ((rxy - rxz * ryz) / ((1.0 - rxz * rxz).sqrt() * (1.0 - ryz * ryz).sqrt())).clamp(-1.0, 1.0)
    }

    /// The paper's R²((x|z), y) = (P_z⊥(x) · ỹ) / √((P_z⊥(x)·P_z⊥(x)) (ỹ·ỹ)): only x is
    /// projected off z. Equals pdCor*(x, y; z) · √(1 − R*(y, z)²).
    pub fn semipartial_correlation(&self) -> f64 {
        let (xx, yy, zz, xy, xz, yz) = self.get();
        let (num, pxx) = if zz <= 0.0 { (xy, xx) } else { (xy - xz * yz / zz, xx - xz * xz / zz) };
        if pxx <= self.tol * xx {
            return 0.0;
        }
        correlation(num, pxx, yy)
    }
}

/// Options of the partial statistics (U-centred; the exponent defaults to 1 as in the literature).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Partial {
    pub exponent: f64,
}

impl Default for Partial {
    fn default() -> Self {
        Self { exponent: 1.0 }
    }
}

/// U-centred matrices of x, y, z and their inner products.
pub(crate) struct PartialMatrices {
    pub a: Tensor<2>,
    pub b: Tensor<2>,
    pub c: Tensor<2>,
    pub terms: PartialTerms,
}

impl Partial {
    /// The six inner products of x, y and z.
    pub fn terms<X, Y, Z>(&self, x: &X, y: &Y, z: &Z) -> Result<PartialTerms>
    where
        X: Sample + ?Sized,
        Y: Sample + ?Sized,
        Z: Sample + ?Sized,
    {
        Ok(self.matrices(x, y, z)?.terms)
    }

    /// Validates the samples and builds their U-centred matrices and inner products.
    pub(crate) fn matrices<X, Y, Z>(&self, x: &X, y: &Y, z: &Z) -> Result<PartialMatrices>
    where
        X: Sample + ?Sized,
        Y: Sample + ?Sized,
        Z: Sample + ?Sized,
    {
        crate::sample::check_exponent(self.exponent)?;
        let (x, y, z) = (tensor_of(x, "x")?, tensor_of(y, "y")?, tensor_of(z, "z")?);
        let what = "a partial distance statistic (U-centred)";
        check(&x, "x", 4, what)?;
        check(&y, "y", 4, what)?;
        check(&z, "z", 4, what)?;
        check_paired(&x, "x", &y, "y")?;
        check_paired(&x, "x", &z, "z")?;
        let (y, z) = (align(y, &x), align(z, &x));
        let tol = 64.0 * epsilon(&x);
        let e = self.exponent;
        let (a, sx) = centered_distances(x, e, Estimator::U);
        let (b, sy) = centered_distances(y, e, Estimator::U);
        let (c, sz) = centered_distances(z, e, Estimator::U);
        let ip = |p: &Tensor<2>, q: &Tensor<2>| inner(p.clone(), q.clone(), Estimator::U);
        let v = read_scalars(vec![ip(&a, &a), ip(&b, &b), ip(&c, &c), ip(&a, &b), ip(&a, &c), ip(&b, &c), sx, sy, sz]);
        let terms = PartialTerms { unit: [v[0], v[1], v[2], v[3], v[4], v[5]], scale: [v[6].powf(e), v[7].powf(e), v[8].powf(e)], tol };
        Ok(PartialMatrices { a, b, c, terms })
    }
}

/// pdCov*(x, y; z): partial distance covariance (Székely & Rizzo 2014), exponent 1, signed.
pub fn partial_distance_covariance<X, Y, Z>(x: &X, y: &Y, z: &Z) -> Result<f64>
where
    X: Sample + ?Sized,
    Y: Sample + ?Sized,
    Z: Sample + ?Sized,
{
    Ok(Partial::default().terms(x, y, z)?.partial_covariance())
}

/// pdCor*(x, y; z): partial distance correlation (Székely & Rizzo 2014), exponent 1, signed.
/// It is built from bias-corrected *squared* correlations, like dcor's and R energy's `pdcor`.
/// A zero or negative value does not mean conditional independence.
pub fn partial_distance_correlation<X, Y, Z>(x: &X, y: &Y, z: &Z) -> Result<f64>
where
    X: Sample + ?Sized,
    Y: Sample + ?Sized,
    Z: Sample + ?Sized,
{
    Ok(Partial::default().terms(x, y, z)?.partial_correlation())
}

/// The paper's R²((x | given), target): x's U-centred distance matrix projected off `given`'s,
/// correlated with `target`'s (which is not projected). "What x knows about target that given
/// does not". Signed.
pub fn semipartial_distance_correlation<X, G, T>(x: &X, given: &G, target: &T) -> Result<f64>
where
    X: Sample + ?Sized,
    G: Sample + ?Sized,
    T: Sample + ?Sized,
{
    Ok(Partial::default().terms(x, target, given)?.semipartial_correlation())
}

