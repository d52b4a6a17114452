//! Partial distance covariance and correlation (Székely & Rizzo 2014), and the semi-partial
//! variant the paper reports as R²((X|Y), GT).
//!
//! All three live in the Hilbert space of U-centred distance matrices: with Ã, B̃, C̃ the
//! U-centred matrices of x, y, z and (·) the U inner product, the projection of Ã off C̃ is
//! P(Ã) = Ã − (Ã·C̃)/(C̃·C̃) C̃. Every value below is a closed form in the six inner products, so
//! no projected matrix is built.

use burn::tensor::Tensor;

use crate::dependence::align;
use crate::error::Result;
use crate::kernel::{Estimator, centered_distances, epsilon, inner, read_scalars};
use crate::sample::{Sample, check, check_paired};

/// The six U inner products of x, y, z (with the standardisation scales put back).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PartialTerms {
    pub xx: f64,
    pub yy: f64,
    pub zz: f64,
    pub xy: f64,
    pub xz: f64,
    pub yz: f64,
    /// Relative tolerance under which a squared norm or 1 − R*² counts as 0 (rounding noise of
    /// the input's float type).
    pub tol: f64,
}

fn ratio(num: f64, den_sqr: f64) -> f64 {
    if den_sqr <= 0.0 { 0.0 } else { num / den_sqr.sqrt() }
}

impl PartialTerms {
    fn r_star(&self, ab: f64, aa: f64, bb: f64) -> f64 {
        ratio(ab, aa * bb).clamp(-1.0, 1.0)
    }

    /// pdCov*(x, y; z) = (P_z⊥(x) · P_z⊥(y)); signed.
    pub fn partial_covariance(&self) -> f64 {
        if self.zz <= 0.0 { self.xy } else { self.xy - self.xz * self.yz / self.zz }
    }

    /// pdCor*(x, y; z) = (R*xy − R*xz R*yz) / √((1 − R*xz²)(1 − R*yz²)); 0 when the denominator
    /// is 0 (x or y fully explained by z). Signed: negative values are legitimate.
    pub fn partial_correlation(&self) -> f64 {
        let rxy = self.r_star(self.xy, self.xx, self.yy);
        let rxz = self.r_star(self.xz, self.xx, self.zz);
        let ryz = self.r_star(self.yz, self.yy, self.zz);
        let (ux, uy) = (1.0 - rxz * rxz, 1.0 - ryz * ryz);
        if ux <= self.tol || uy <= self.tol {
            return 0.0;
        }
        ((rxy - rxz * ryz) / (ux * uy).sqrt()).clamp(-1.0, 1.0)
    }

    /// The paper's R²((x|z), y) = (P_z⊥(x) · ỹ) / √((P_z⊥(x)·P_z⊥(x)) (ỹ·ỹ)): only x is
    /// projected off z. Equals pdCor*(x, y; z) · √(1 − R*(y, z)²).
    pub fn semipartial_correlation(&self) -> f64 {
        let (num, pxx) = if self.zz <= 0.0 {
            (self.xy, self.xx)
        } else {
            (self.xy - self.xz * self.yz / self.zz, self.xx - self.xz * self.xz / self.zz)
        };
        if pxx <= self.tol * self.xx {
            return 0.0;
        }
        ratio(num, pxx * self.yy).clamp(-1.0, 1.0)
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

impl Partial {
    /// The six inner products of x, y and z.
    pub fn terms<X, Y, Z>(&self, x: &X, y: &Y, z: &Z) -> Result<PartialTerms>
    where
        X: Sample + ?Sized,
        Y: Sample + ?Sized,
        Z: Sample + ?Sized,
    {
        let (x, y, z) = self.prepare(x, y, z)?;
        let tol = 64.0 * epsilon(&x);
        let e = self.exponent;
        let (a, sx) = centered_distances(x, e, Estimator::U);
        let (b, sy) = centered_distances(y, e, Estimator::U);
        let (c, sz) = centered_distances(z, e, Estimator::U);
        let ip = |p: &Tensor<2>, q: &Tensor<2>| inner(p.clone(), q.clone(), Estimator::U);
        let v = read_scalars(vec![
            ip(&a, &a),
            ip(&b, &b),
            ip(&c, &c),
            ip(&a, &b),
            ip(&a, &c),
            ip(&b, &c),
            sx,
            sy,
            sz,
        ]);
        let (fx, fy, fz) = (v[6].powf(e), v[7].powf(e), v[8].powf(e));
        Ok(PartialTerms {
            xx: v[0] * fx * fx,
            yy: v[1] * fy * fy,
            zz: v[2] * fz * fz,
            xy: v[3] * fx * fy,
            xz: v[4] * fx * fz,
            yz: v[5] * fy * fz,
            tol,
        })
    }

    pub(crate) fn prepare<X, Y, Z>(&self, x: &X, y: &Y, z: &Z) -> Result<(Tensor<2>, Tensor<2>, Tensor<2>)>
    where
        X: Sample + ?Sized,
        Y: Sample + ?Sized,
        Z: Sample + ?Sized,
    {
        crate::sample::check_exponent(self.exponent)?;
        let (x, y, z) = (x.to_tensor()?, y.to_tensor()?, z.to_tensor()?);
        let what = "a partial distance statistic (U-centred)";
        check(&x, "x", 4, what)?;
        check(&y, "y", 4, what)?;
        check(&z, "z", 4, what)?;
        check_paired(&x, "x", &y, "y")?;
        check_paired(&x, "x", &z, "z")?;
        let (y, z) = (align(y, &x), align(z, &x));
        Ok((x, y, z))
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

