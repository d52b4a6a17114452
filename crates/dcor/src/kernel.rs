//! Tensor building blocks shared by every statistic, the losses and the blocked estimator:
//! standardisation, distance matrices from the Gram matrix, double and U-centring, inner products.

use burn::tensor::{Bool, Int, Tensor};

/// Which centring (and so which estimator) a statistic uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Estimator {
    /// Biased V-statistic: double-centred distance matrices, sums divided by n².
    #[default]
    V,
    /// Unbiased U-statistic (Székely & Rizzo 2014): U-centred matrices, divided by n(n−3).
    U,
}

impl Estimator {
    /// Smallest sample size the estimator is defined for.
    pub fn min_rows(self) -> usize {
        match self {
            Estimator::V => 2,
            Estimator::U => 4,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Estimator::V => "the V-statistic (biased) estimator",
            Estimator::U => "the U-statistic (unbiased) estimator",
        }
    }
}

/// Smallest positive value used to keep `sqrt`/`powf` gradients finite at 0 and denominators
/// away from 0; it is masked out of every value, so results do not depend on it (f32 and f64;
/// it underflows to 0 in f16).
pub(crate) const TINY: f64 = 1e-30;

/// Machine epsilon of the tensor's float type.
pub(crate) fn epsilon(x: &Tensor<2>) -> f64 {
    x.dtype().finfo().map(|f| f.epsilon).unwrap_or(f32::EPSILON as f64)
}

/// Subtracts the column means and divides by the largest absolute value, returning the scale.
///
/// Distance statistics are translation invariant and scale equivariant, so this changes no
/// result once the scale is put back, but it keeps the Gram-matrix distances exact for data with
/// large offsets (1e8 + k) and away from overflow and underflow at any scale (1e-150 to 1e160).
/// The max-abs scale needs no squares, so it cannot itself underflow. The scale is detached: it
/// is a constant for gradients.
pub(crate) fn standardize(x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
    let min_positive = x.dtype().finfo().map(|f| f.min_positive).unwrap_or(f32::MIN_POSITIVE as f64);
    let centred = x.clone() - x.mean_dim(0);
    let scale = centred.clone().abs().max().clamp_min(min_positive).detach();
    let z = centred / scale.clone().unsqueeze::<2>();
    (z, scale)
}

/// Boolean identity mask on the tensor's device.
pub(crate) fn diagonal_mask(n: usize, like: &Tensor<2>) -> Tensor<2, Bool> {
    Tensor::<2, Int>::eye(n, &like.device()).bool()
}

/// Raises non-negative squared distances to `exponent / 2`, with exact zeros and zero
/// (not NaN) gradients where the distance is 0.
fn root(d2: Tensor<2>, zero: Tensor<2, Bool>, exponent: f64) -> Tensor<2> {
    let d2 = d2.clamp_min(TINY);
    let r = if exponent == 1.0 { d2.sqrt() } else { d2.powf_scalar(exponent / 2.0) };
    r.mask_fill(zero, 0.0)
}

/// All pairwise Euclidean distances `|x_i − x_j|^exponent` (rows are observations).
///
/// Univariate samples use exact differences (an n×n array either way). Multivariate samples use
/// the Gram matrix, `‖x_i‖² + ‖x_j‖² − 2 x_i·x_j`, never an n×n×d broadcast; squared distances
/// below the rounding noise of that formula are set to exactly 0, so duplicated rows give 0.
pub(crate) fn distances(x: Tensor<2>, exponent: f64) -> Tensor<2> {
    cross_distances(x.clone(), x, exponent, true)
}

/// Distances between the rows of `x` (n×d) and of `y` (m×d). `symmetric` marks `x == y`, whose
/// diagonal then comes out exactly 0.
pub(crate) fn cross_distances(x: Tensor<2>, y: Tensor<2>, exponent: f64, symmetric: bool) -> Tensor<2> {
    let [n, d] = x.dims();
    if d == 1 {
        let d2 = (x - y.transpose()).square();
        let zero = d2.clone().lower_equal_elem(0.0);
        return root(d2, zero, exponent);
    }
    let tol = epsilon(&x) * (2.0 + (d as f64).sqrt());
    let gram = x.clone().matmul(y.clone().transpose());
    let (sx, sy) = if symmetric {
        // Squared norms from the Gram diagonal itself: then d2_ii = G_ii + G_ii − 2 G_ii = 0 exactly.
        let idx = Tensor::<1, Int>::arange(0..n as i64, &gram.device()).reshape([n, 1]);
        let s = gram.clone().gather(1, idx);
        (s.clone(), s.transpose())
    } else {
        ((x.clone() * x).sum_dim(1), (y.clone() * y).sum_dim(1).transpose())
    };
    // Rounding noise of the Gram formula is ~ tol·(‖x_i‖² + ‖x_j‖²) per pair: anything below is a tie.
    let floor = (sx.clone().mul_scalar(tol) + sy.clone().mul_scalar(tol)).detach();
    let d2 = gram.mul_scalar(-2.0) + sx + sy;
    let zero = d2.clone().lower_equal(floor);
    root(d2, zero, exponent)
}

/// Double centring: `A_kl = a_kl − ā_k· − ā_·l + ā_··`.
pub(crate) fn double_center(a: Tensor<2>) -> Tensor<2> {
    let row = a.clone().mean_dim(1);
    let col = a.clone().mean_dim(0) - a.clone().mean().unsqueeze::<2>();
    // One broadcast pass for the offsets, one for the subtraction.
    a - (row + col)
}

/// U-centring (Székely & Rizzo 2014, Def. 1): row and column sums divided by n−2, the total by
/// (n−1)(n−2), and a zero diagonal. Needs n ≥ 3.
pub(crate) fn u_center(a: Tensor<2>) -> Tensor<2> {
    let n = a.dims()[0];
    let nf = n as f64;
    let row = a.clone().sum_dim(1).div_scalar(nf - 2.0);
    let all = a.clone().sum().div_scalar((nf - 1.0) * (nf - 2.0)).unsqueeze::<2>();
    let col = a.clone().sum_dim(0).div_scalar(nf - 2.0) - all;
    let diag = diagonal_mask(n, &a);
    (a - (row + col)).mask_fill(diag, 0.0)
}

/// Centres a distance matrix for the estimator.
pub(crate) fn center(a: Tensor<2>, estimator: Estimator) -> Tensor<2> {
    match estimator {
        Estimator::V => double_center(a),
        Estimator::U => u_center(a),
    }
}

/// The estimator's inner product of two centred matrices: Σ A∘B / n² (V) or / n(n−3) (U).
pub(crate) fn inner(a: Tensor<2>, b: Tensor<2>, estimator: Estimator) -> Tensor<1> {
    let n = a.dims()[0] as f64;
    let denom = match estimator {
        Estimator::V => n * n,
        Estimator::U => n * (n - 3.0),
    };
    dot(a, b).div_scalar(denom)
}

/// Σ a∘b as a dot product of the flattened matrices: one pass, no n×n temporary.
pub(crate) fn dot(a: Tensor<2>, b: Tensor<2>) -> Tensor<1> {
    let len = a.dims()[0] * a.dims()[1];
    a.reshape([1, len]).matmul(b.reshape([len, 1])).reshape([1])
}

/// Standardised, centred distance matrix of one sample, and its scale.
pub(crate) fn centered_distances(x: Tensor<2>, exponent: f64, estimator: Estimator) -> (Tensor<2>, Tensor<1>) {
    let (z, scale) = standardize(x);
    (center(distances(z, exponent), estimator), scale)
}

/// Reads a short vector of scalars back to the host in one transfer.
pub(crate) fn read_scalars(parts: Vec<Tensor<1>>) -> Vec<f64> {
    Tensor::cat(parts, 0)
        .into_data()
        .iter::<f64>()
        .collect()
}
