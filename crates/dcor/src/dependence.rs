//! Distance covariance and correlation (V- and U-statistics) of two paired samples.

use burn::tensor::Tensor;

use crate::blocked;
use crate::error::{DcorError, Result};
use crate::kernel::{Estimator, centered_distances, inner, read_scalars};
use crate::sample::{Sample, check, check_exponent, check_paired, tensor_of};

/// The three inner products every distance statistic is made of:
/// dCov²(x, y), dCov²(x, x) = dVar²(x) and dCov²(y, y).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CovarianceTerms {
    /// Which estimator produced the terms.
    pub estimator: Estimator,
    /// dCov²(x, y): V_n² (≥ 0) or the unbiased Ω_n (signed).
    pub xy: f64,
    /// dCov²(x, x).
    pub xx: f64,
    /// dCov²(y, y).
    pub yy: f64,
    /// The same three terms for the standardised samples (unit RMS), from which correlations
    /// are formed so that they neither overflow nor underflow at extreme data scales.
    unit: [f64; 3],
}

impl CovarianceTerms {
    /// Squared distance covariance (V_n² or the unbiased Ω_n, signed).
    pub fn covariance_sqr(&self) -> f64 {
        self.xy
    }

    /// Distance covariance V_n = √V_n²; only for the V-statistic.
    pub fn covariance(&self) -> Result<f64> {
        self.require_v("distance covariance (not squared)")?;
        Ok(self.xy.max(0.0).sqrt())
    }

    /// Squared distance correlation R_n² (V) or the bias-corrected R* (U, signed, in [−1, 1]).
    /// Zero when either sample has zero distance variance (a constant sample).
    pub fn correlation_sqr(&self) -> f64 {
        let [xy, xx, yy] = self.unit;
        let r = correlation(xy, xx, yy);
        match self.estimator {
            Estimator::V => r.clamp(0.0, 1.0),
            Estimator::U => r,
        }
    }

    /// Distance correlation R_n = √R_n²; only for the V-statistic.
    pub fn correlation(&self) -> Result<f64> {
        self.require_v("distance correlation (not squared)")?;
        Ok(self.correlation_sqr().sqrt())
    }

    fn require_v(&self, what: &'static str) -> Result<()> {
        match self.estimator {
            Estimator::V => Ok(()),
            Estimator::U => Err(DcorError::NotDefined {
                what,
                reason: "the U-statistic is signed; use the squared value",
            }),
        }
    }
}

/// ab / √(aa·bb) in [−1, 1], 0 when a norm is 0; the square roots are taken first so that the
/// product cannot overflow or underflow.
pub(crate) fn correlation(ab: f64, aa: f64, bb: f64) -> f64 {
    if aa <= 0.0 || bb <= 0.0 {
        return 0.0;
    }
    (ab / (aa.sqrt() * bb.sqrt())).clamp(-1.0, 1.0)
}

/// Centred distance matrices of two prepared samples and their scales.
pub(crate) struct Centered {
    pub a: Tensor<2>,
    pub b: Tensor<2>,
    /// Inner products ⟨a,b⟩, ⟨a,a⟩, ⟨b,b⟩ of the standardised samples.
    pub unit: [f64; 3],
    /// Standardisation scales s_x, s_y.
    pub scales: [f64; 2],
}

/// Options of the dependence statistics: estimator, distance exponent and an optional tile
/// size that switches to the exact blocked (O(n·tile) memory) algorithm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dcor {
    /// V (biased, default) or U (unbiased).
    pub estimator: Estimator,
    /// Distances are raised to this power, in (0, 2); 1 is the usual choice.
    pub exponent: f64,
    /// Tile size of the blocked algorithm; `None` builds the n×n matrices.
    pub block: Option<usize>,
}

impl Default for Dcor {
    fn default() -> Self {
        Self { estimator: Estimator::V, exponent: 1.0, block: None }
    }
}

impl Dcor {
    /// V-statistic, exponent 1, dense.
    pub fn v() -> Self {
        Self::default()
    }

    /// U-statistic, exponent 1, dense.
    pub fn u() -> Self {
        Self { estimator: Estimator::U, ..Self::default() }
    }

    /// Sets the distance exponent.
    pub fn with_exponent(mut self, exponent: f64) -> Self {
        self.exponent = exponent;
        self
    }

    /// Uses the blocked algorithm with `tile`×`tile` tiles.
    pub fn with_block(mut self, tile: usize) -> Self {
        self.block = Some(tile);
        self
    }

    /// Computes dCov²(x, y), dVar²(x) and dVar²(y) in one pass.
    pub fn terms<X: Sample + ?Sized, Y: Sample + ?Sized>(&self, x: &X, y: &Y) -> Result<CovarianceTerms> {
        let (x, y) = self.prepare(x, y)?;
        if let Some(tile) = self.block {
            return blocked::terms(x, y, self.exponent, self.estimator, tile);
        }
        let c = self.centered(x, y);
        Ok(rescale(self.estimator, c.unit, c.scales, self.exponent))
    }

    /// Centred distance matrices and their inner products, for prepared samples.
    pub(crate) fn centered(&self, x: Tensor<2>, y: Tensor<2>) -> Centered {
        let est = self.estimator;
        let (a, sx) = centered_distances(x, self.exponent, est);
        let (b, sy) = centered_distances(y, self.exponent, est);
        let v = read_scalars(vec![inner(a.clone(), b.clone(), est), inner(a.clone(), a.clone(), est), inner(b.clone(), b.clone(), est), sx, sy]);
        Centered { a, b, unit: [v[0], v[1], v[2]], scales: [v[3], v[4]] }
    }

    /// Validates both samples and brings them to one device and float type.
    pub(crate) fn prepare<X: Sample + ?Sized, Y: Sample + ?Sized>(&self, x: &X, y: &Y) -> Result<(Tensor<2>, Tensor<2>)> {
        check_exponent(self.exponent)?;
        let x = tensor_of(x, "x")?;
        let y = tensor_of(y, "y")?;
        let (min, what) = (self.estimator.min_rows(), self.estimator.name());
        check(&x, "x", min, what)?;
        check(&y, "y", min, what)?;
        check_paired(&x, "x", &y, "y")?;
        let y = align(y, &x);
        Ok((x, y))
    }

    /// dCor² (V) or bias-corrected R* (U) between every sample in `xs` and every sample in `ys`
    /// (all with the same rows; widths may differ), e.g. a layer-by-layer similarity map. Each
    /// centred matrix is built once, so an L×M map costs L + M centrings and L·M inner products.
    /// Dense only. Entry `[i][j]` pairs `xs[i]` with `ys[j]`; 0 where a sample is constant.
    pub fn correlation_sqr_matrix<X: Sample, Y: Sample>(&self, xs: &[X], ys: &[Y]) -> Result<Vec<Vec<f64>>> {
        check_exponent(self.exponent)?;
        if self.block.is_some() {
            return Err(DcorError::InvalidArgument { arg: "block", reason: "the correlation matrix keeps every centred matrix; it has no blocked version".into() });
        }
        let (min, what) = (self.estimator.min_rows(), self.estimator.name());
        let mut reference: Option<Tensor<2>> = None;
        let mut centred = |s: Tensor<2>, arg: &'static str| -> Result<Tensor<2>> {
            check(&s, arg, min, what)?;
            let s = match &reference {
                Some(r) => {
                    check_paired(r, "xs[0]", &s, arg)?;
                    align(s, r)
                }
                None => {
                    reference = Some(s.clone());
                    s
                }
            };
            Ok(centered_distances(s, self.exponent, self.estimator).0)
        };
        let a = xs.iter().map(|x| centred(tensor_of(x, "xs")?, "xs")).collect::<Result<Vec<_>>>()?;
        let b = ys.iter().map(|y| centred(tensor_of(y, "ys")?, "ys")).collect::<Result<Vec<_>>>()?;
        let est = self.estimator;
        let mut parts: Vec<Tensor<1>> = a.iter().chain(&b).map(|m| inner(m.clone(), m.clone(), est)).collect();
        for p in &a {
            parts.extend(b.iter().map(|q| inner(p.clone(), q.clone(), est)));
        }
        if parts.is_empty() {
            return Ok(vec![Vec::new(); a.len()]);
        }
        let v = read_scalars(parts);
        let (norms, cross) = v.split_at(a.len() + b.len());
        Ok((0..a.len()).map(|i| (0..b.len()).map(|j| correlation(cross[i * b.len() + j], norms[i], norms[a.len() + j])).collect()).collect())
    }

    /// Squared distance covariance.
    pub fn covariance_sqr<X: Sample + ?Sized, Y: Sample + ?Sized>(&self, x: &X, y: &Y) -> Result<f64> {
        Ok(self.terms(x, y)?.covariance_sqr())
    }

    /// Distance covariance (V only).
    pub fn covariance<X: Sample + ?Sized, Y: Sample + ?Sized>(&self, x: &X, y: &Y) -> Result<f64> {
        self.terms(x, y)?.covariance()
    }

    /// Squared distance correlation (V) or bias-corrected R* (U).
    pub fn correlation_sqr<X: Sample + ?Sized, Y: Sample + ?Sized>(&self, x: &X, y: &Y) -> Result<f64> {
        Ok(self.terms(x, y)?.correlation_sqr())
    }

    /// Distance correlation (V only).
    pub fn correlation<X: Sample + ?Sized, Y: Sample + ?Sized>(&self, x: &X, y: &Y) -> Result<f64> {
        self.terms(x, y)?.correlation()
    }
}

/// Moves `y` to `x`'s device and float type, so mixed inputs work.
pub(crate) fn align(y: Tensor<2>, x: &Tensor<2>) -> Tensor<2> {
    let y = if y.device() != x.device() { y.to_device(&x.device()) } else { y };
    if y.dtype() != x.dtype() { y.cast(x.dtype()) } else { y }
}

/// Puts the standardisation scales back: covariance-type terms scale as (s_x s_y)^exponent.
pub(crate) fn rescale(estimator: Estimator, unit: [f64; 3], scales: [f64; 2], exponent: f64) -> CovarianceTerms {
    let (fx, fy) = (scales[0].powf(exponent), scales[1].powf(exponent));
    let [xy, xx, yy] = unit;
    CovarianceTerms { estimator, xy: xy * fx * fy, xx: xx * fx * fx, yy: yy * fy * fy, unit }
}

/// V_n²(x, y): squared distance covariance, biased V-statistic, exponent 1.
pub fn distance_covariance_sqr<X: Sample + ?Sized, Y: Sample + ?Sized>(x: &X, y: &Y) -> Result<f64> {
    Dcor::v().covariance_sqr(x, y)
}

/// V_n(x, y) = √V_n²: distance covariance (not squared).
pub fn distance_covariance<X: Sample + ?Sized, Y: Sample + ?Sized>(x: &X, y: &Y) -> Result<f64> {
    Dcor::v().covariance(x, y)
}

/// R_n²(x, y): squared distance correlation (V-statistic), in [0, 1].
pub fn distance_correlation_sqr<X: Sample + ?Sized, Y: Sample + ?Sized>(x: &X, y: &Y) -> Result<f64> {
    Dcor::v().correlation_sqr(x, y)
}

/// R_n(x, y) = √R_n²: distance correlation (not squared), in [0, 1].
pub fn distance_correlation<X: Sample + ?Sized, Y: Sample + ?Sized>(x: &X, y: &Y) -> Result<f64> {
    Dcor::v().correlation(x, y)
}

/// Ω_n(x, y): unbiased squared distance covariance (U-statistic, signed; n ≥ 4).
pub fn u_distance_covariance_sqr<X: Sample + ?Sized, Y: Sample + ?Sized>(x: &X, y: &Y) -> Result<f64> {
    Dcor::u().covariance_sqr(x, y)
}

/// R*(x, y): bias-corrected squared distance correlation (signed, in [−1, 1]; n ≥ 4).
/// Equals R energy's `bcdcor` and dcor's `u_distance_correlation_sqr`.
pub fn u_distance_correlation_sqr<X: Sample + ?Sized, Y: Sample + ?Sized>(x: &X, y: &Y) -> Result<f64> {
    Dcor::u().correlation_sqr(x, y)
}
