//! Exact blocked estimator for large n: two passes over tiles of the distance matrices, never
//! holding an n×n matrix. Memory is O(n·(d + tile)).
//!
//! Pass 1 accumulates the row sums of a = |x_i − x_j|^α and b (all that the centring needs);
//! pass 2 rebuilds each tile, centres it with those sums and accumulates Σ A∘B, Σ A∘A, Σ B∘B.
//! Only tiles on and above the diagonal are visited (the matrices are symmetric). Tiles of
//! 256–512 rows keep the working set in cache and are fastest on CPUs (docs/benchmarks.md).

use burn::tensor::Tensor;

use crate::dependence::{CovarianceTerms, rescale};
use crate::error::{DcorError, Result};
use crate::kernel::{Estimator, cross_distances, diagonal_mask, dot, read_scalars, standardize};

/// Row blocks [start, len) of a matrix with n rows.
fn blocks(n: usize, tile: usize) -> Vec<(usize, usize)> {
    (0..n).step_by(tile).map(|s| (s, tile.min(n - s))).collect()
}

fn tile_of(x: &Tensor<2>, i: (usize, usize), j: (usize, usize), exponent: f64) -> Tensor<2> {
    let xi = x.clone().narrow(0, i.0, i.1);
    let xj = x.clone().narrow(0, j.0, j.1);
    cross_distances(xi, xj, exponent, i == j)
}

/// Row sums of the distance matrix, one t×1 tensor per row block, and their total.
fn row_sums(x: &Tensor<2>, parts: &[(usize, usize)], exponent: f64) -> (Vec<Tensor<2>>, f64) {
    let mut sums: Vec<Option<Tensor<2>>> = vec![None; parts.len()];
    let mut add = |k: usize, t: Tensor<2>| {
        sums[k] = Some(match sums[k].take() {
            Some(s) => s + t,
            None => t,
        });
    };
    for (bi, &i) in parts.iter().enumerate() {
        for (bj, &j) in parts.iter().enumerate().skip(bi) {
            let a = tile_of(x, i, j, exponent);
            add(bi, a.clone().sum_dim(1));
            if bi != bj {
                add(bj, a.sum_dim(0).transpose());
            }
        }
    }
    let sums: Vec<Tensor<2>> = sums.into_iter().map(|s| s.expect("every block has a diagonal tile")).collect();
    let total: f64 = read_scalars(sums.iter().map(|s| s.clone().sum()).collect()).iter().sum();
    (sums, total)
}

/// dCov²(x, y), dVar²(x), dVar²(y) by the blocked algorithm; same values as the dense path.
pub(crate) fn terms(x: Tensor<2>, y: Tensor<2>, exponent: f64, estimator: Estimator, tile: usize) -> Result<CovarianceTerms> {
    if tile == 0 {
        return Err(DcorError::InvalidArgument { arg: "block", reason: "the tile size must be at least 1".into() });
    }
    let n = x.dims()[0];
    let nf = n as f64;
    let (xs, sx) = standardize(x);
    let (ys, sy) = standardize(y);
    let parts = blocks(n, tile);
    let (ra, ta) = row_sums(&xs, &parts, exponent);
    let (rb, tb) = row_sums(&ys, &parts, exponent);
    // Centring constants: A_ij = a_ij − r_i/k − r_j/k + total/c.
    let (k, c, denom) = match estimator {
        Estimator::V => (nf, nf * nf, nf * nf),
        Estimator::U => (nf - 2.0, (nf - 1.0) * (nf - 2.0), nf * (nf - 3.0)),
    };
    let centre = |a: Tensor<2>, ri: &Tensor<2>, rj: &Tensor<2>, total: f64, diag: bool| {
        // One broadcast pass for the offsets, one for the subtraction.
        let offset = ri.clone().div_scalar(k) + rj.clone().transpose().div_scalar(k).sub_scalar(total / c);
        let a = a - offset;
        if diag && estimator == Estimator::U {
            let m = a.dims()[0];
            let mask = diagonal_mask(m, &a);
            a.mask_fill(mask, 0.0)
        } else {
            a
        }
    };
    // Per-tile sums are accumulated in f64 on the host, read back in groups to limit syncs.
    let mut sums = [0.0f64; 3];
    let mut pending: Vec<Tensor<1>> = Vec::new();
    let mut weights: Vec<f64> = Vec::new();
    let mut flush = |pending: &mut Vec<Tensor<1>>, weights: &mut Vec<f64>| {
        if pending.is_empty() {
            return;
        }
        let v = read_scalars(std::mem::take(pending));
        for (k, w) in std::mem::take(weights).into_iter().enumerate() {
            for t in 0..3 {
                sums[t] += w * v[3 * k + t];
            }
        }
    };
    for (bi, &i) in parts.iter().enumerate() {
        for (bj, &j) in parts.iter().enumerate().skip(bi) {
            let diag = bi == bj;
            let a = centre(tile_of(&xs, i, j, exponent), &ra[bi], &ra[bj], ta, diag);
            let b = centre(tile_of(&ys, i, j, exponent), &rb[bi], &rb[bj], tb, diag);
            pending.extend([dot(a.clone(), b.clone()), dot(a.clone(), a), dot(b.clone(), b)]);
            weights.push(if diag { 1.0 } else { 2.0 });
            if weights.len() == 64 {
                flush(&mut pending, &mut weights);
            }
        }
    }
    flush(&mut pending, &mut weights);
    let [xy, xx, yy] = sums;
    let s = read_scalars(vec![sx, sy]);
    Ok(rescale(estimator, [xy / denom, xx / denom, yy / denom], [s[0], s[1]], exponent))
}
