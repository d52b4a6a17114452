//! Differentiable losses for training, built from the same kernels as the statistics.
//!
//! * [`dcor_sqr_loss`]: the paper's decorrelation loss (§4, §6): biased dCor² (a V-statistic,
//!   **squared**, never square-rooted), optionally on L2-normalised rows. Minimise it.
//! * [`partial_dcor_loss`]: the paper's R²((X|Y), GT) (§5, semi-partial) or the Székely–Rizzo
//!   pdCor*; the paper *maximises* it (`CE − α·R²`).
//! * [`u_dcor_sqr_loss`]: bias-corrected R* of two samples (the paper's §5 Grad-CAM target).
//!
//! Differences from the official PyTorch code, all of which keep the value and make the
//! gradients exact: distances come from the Gram matrix of column-centred, RMS-scaled features
//! (no n×n×d broadcast), and a zero distance (the diagonal, duplicated rows) is exactly 0 with a
//! zero gradient instead of `sqrt(d² + 1e-12)`. The official epsilons that remain are options.
//! Gradients are finite when two rows coincide and when an input is constant.

use burn::config::Config;
use burn::tensor::Tensor;

use crate::error::DcorError;

use crate::dependence::align;
use crate::kernel::{Estimator, TINY, centered_distances, epsilon, inner};

/// Options of [`dcor_sqr_loss`]; the defaults are the official training code's.
#[derive(Config, Debug)]
pub struct DcorLossConfig {
    /// L2-normalise each row before the statistic (`F.normalize(x, dim=1)` in every official
    /// PyTorch training copy; not mentioned in the paper).
    #[config(default = true)]
    pub normalize_rows: bool,
    /// Floor of the row norm in that normalisation (`F.normalize`'s eps).
    #[config(default = 1e-12)]
    pub norm_eps: f64,
    /// Added under the square root of the denominator, √(V²(x,x)·V²(y,y) + eps) (official: 1e-9),
    /// so a constant batch gives 0 rather than 0/0. The terms are those of the standardised
    /// features (column-centred, unit RMS), so the eps does not depend on the feature scale.
    #[config(default = 1e-9)]
    pub denominator_eps: f64,
}

fn check_rows(a: &Tensor<2>, arg_a: &'static str, b: &Tensor<2>, arg_b: &'static str, min: usize, what: &'static str) -> std::result::Result<(), DcorError> {
    let (ra, rb) = (a.dims()[0], b.dims()[0]);
    if ra != rb {
        return Err(DcorError::LengthMismatch { arg_a, rows_a: ra, arg_b, rows_b: rb });
    }
    for (t, arg) in [(a, arg_a), (b, arg_b)] {
        let [n, d] = t.dims();
        if n == 0 || d == 0 {
            return Err(DcorError::Empty { arg });
        }
        if n < min {
            return Err(DcorError::TooFewRows { arg, rows: n, min, what });
        }
    }
    Ok(())
}

/// Divides each row by max(‖row‖₂, eps). The clamp acts on ‖row‖² before the square root, so
/// an all-zero row (common after a ReLU) has a zero, not NaN, gradient.
pub fn normalize_rows(x: Tensor<2>, eps: f64) -> Tensor<2> {
    let norm = x.clone().square().sum_dim(1).clamp_min(eps * eps).sqrt();
    x / norm
}

/// The paper's loss dCor²(x, y) (biased V-statistic R_n², squared) as a differentiable scalar
/// tensor of shape [1]. Rows are observations; x and y may have different widths.
pub fn dcor_sqr_loss(x: Tensor<2>, y: Tensor<2>, config: &DcorLossConfig) -> std::result::Result<Tensor<1>, DcorError> {
    check_rows(&x, "x", &y, "y", 2, "the dCor² loss")?;
    let y = align(y, &x);
    let (x, y) = if config.normalize_rows {
        (normalize_rows(x, config.norm_eps), normalize_rows(y, config.norm_eps))
    } else {
        (x, y)
    };
    let v = Estimator::V;
    let (a, _) = centered_distances(x, 1.0, v);
    let (b, _) = centered_distances(y, 1.0, v);
    let xy = inner(a.clone(), b.clone(), v);
    let xx = inner(a.clone(), a, v);
    let yy = inner(b.clone(), b, v);
    Ok(xy / (xx * yy).add_scalar(config.denominator_eps).sqrt())
}

/// Bias-corrected R*(x, y) (U-centred, as `New_DC`/`Correlation` in the official §5 code; no row
/// normalisation) as a differentiable scalar tensor of shape [1]; n ≥ 4. Signed. It is the
/// Grad-CAM target of a single network in the paper's §5.
pub fn u_dcor_sqr_loss(x: Tensor<2>, y: Tensor<2>) -> std::result::Result<Tensor<1>, DcorError> {
    check_rows(&x, "x", &y, "y", 4, "the bias-corrected dCor² (U-centred)")?;
    let y = align(y, &x);
    let u = Estimator::U;
    let (a, _) = centered_distances(x, 1.0, u);
    let (b, _) = centered_distances(y, 1.0, u);
    let xy = inner(a.clone(), b.clone(), u);
    // (Ã·Ã) ≥ 0 always; the floor only keeps a constant input at 0 instead of 0/0.
    let xx = inner(a.clone(), a, u).clamp_min(TINY);
    let yy = inner(b.clone(), b, u).clamp_min(TINY);
    Ok((xy / (xx.sqrt() * yy.sqrt())).clamp(-1.0, 1.0))
}

/// Which partial statistic [`partial_dcor_loss`] returns.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum PartialKind {
    /// The paper's R²((X|Y), GT): only X is projected off Y (official `P_DC`).
    SemiPartial,
    /// Székely–Rizzo pdCor*(X, GT; Y): both X and GT are projected off Y.
    Partial,
}

/// R²((x | given), target) (semi-partial, the paper's) or pdCor*(x, target; given), from
/// U-centred distance matrices (n ≥ 4), as a differentiable scalar tensor of shape [1].
pub fn partial_dcor_loss(x: Tensor<2>, given: Tensor<2>, target: Tensor<2>, kind: PartialKind) -> std::result::Result<Tensor<1>, DcorError> {
    let what = "the partial dCor loss (U-centred)";
    check_rows(&x, "x", &given, "given", 4, what)?;
    check_rows(&x, "x", &target, "target", 4, what)?;
    let (given, target) = (align(given, &x), align(target, &x));
    let tol = 64.0 * epsilon(&x);
    let u = Estimator::U;
    let (a, _) = centered_distances(x, 1.0, u);
    let (c, _) = centered_distances(given, 1.0, u);
    let (g, _) = centered_distances(target, 1.0, u);
    let ip = |p: &Tensor<2>, q: &Tensor<2>| inner(p.clone(), q.clone(), u);
    let (xx, xc, xg) = (ip(&a, &a), ip(&a, &c), ip(&a, &g));
    let (cc, cg, gg) = (ip(&c, &c), ip(&c, &g), ip(&g, &g));
    // Projections off `given`: (P(Ã)·G̃) = xg − xc·cg/cc etc.; cc = 0 forces xc = cg = 0.
    let cc = cc.clamp_min(TINY);
    let num = xg - xc.clone() * cg.clone() / cc.clone();
    // Squared norms of the projections cannot fall below their rounding noise (64ε of the
    // unprojected norm): when x or the target is (almost) explained by `given` the value stays
    // near 0 with bounded gradients instead of noise divided by noise.
    let floor = |full: Tensor<1>, projected: Tensor<1>| {
        let f = full.mul_scalar(tol).clamp_min(TINY).detach();
        projected.max_pair(f)
    };
    let pxx = floor(xx.clone(), xx - xc.clone() * xc / cc.clone());
    let gg_used = match kind {
        PartialKind::SemiPartial => gg.clamp_min(TINY),
        PartialKind::Partial => floor(gg.clone(), gg - cg.clone() * cg / cc),
    };
    Ok((num / (pxx.sqrt() * gg_used.sqrt())).clamp(-1.0, 1.0))
}
