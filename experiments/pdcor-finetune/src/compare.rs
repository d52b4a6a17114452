//! Table 2: what X knows about the labels' text embeddings (GT) that Y does not, as
//! mini-batch averages (paper §5.2) with bootstrap intervals over batches and permutation tests.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use pdc_dcor::independence::{Permutation, batched_distance_correlation_permutation_test, batched_partial_permutation_test};
use pdc_dcor::{Dcor, Partial};
use pdc_run::stats::bootstrap_mean_ci;
use pdc_run::study::StudyData;
use serde::{Deserialize, Serialize};

use crate::config::{Compare, NetSpec};
use crate::nets::{Net, batch, forward};

/// Per-batch features of X and Y and the GT embeddings of the batch's labels (no autodiff).
pub struct BatchFeatures {
    pub x: Vec<Tensor<2>>,
    pub y: Vec<Tensor<2>>,
    pub gt: Vec<Tensor<2>>,
}

/// Runs both nets (eval mode) over `batches` of `data`.
pub fn extract(nets: [(&Net, &NetSpec); 2], gt_table: &Tensor<2>, data: &StudyData, batches: &[Vec<usize>], device: &Device) -> Result<BatchFeatures, String> {
    let plain = device.clone().inner();
    let (mx, my) = (nets[0].0.valid(), nets[1].0.valid());
    let mut f = BatchFeatures { x: Vec::new(), y: Vec::new(), gt: Vec::new() };
    for idx in batches {
        let (images, labels, _) = batch(data, idx, &plain)?;
        f.x.push(forward(&mx, nets[0].1, images.clone())?.1);
        f.y.push(forward(&my, nets[1].1, images)?.1);
        f.gt.push(gt_table.clone().select(0, labels));
    }
    Ok(f)
}

/// A mini-batch average with its bootstrap interval over batches and, where defined, the
/// p-value of the batch-averaged permutation test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    pub p_value: Option<f64>,
}

/// Table 2's row for one pair (X, Y), in both partial forms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table2 {
    pub batches: usize,
    pub rows_per_batch: usize,
    /// Bias-corrected R*(X, GT), R*(Y, GT) (the official `New_DC`).
    pub r2_x_gt: Estimate,
    pub r2_y_gt: Estimate,
    /// The paper's R²((X|Y), GT) and R²((Y|X), GT): only the first net is projected (`P_DC`).
    pub semi_x_given_y: Estimate,
    pub semi_y_given_x: Estimate,
    /// Székely–Rizzo pdCor*(X, GT; Y) and pdCor*(Y, GT; X): GT is projected too.
    pub pdcor_x_given_y: Estimate,
    pub pdcor_y_given_x: Estimate,
    /// Similarity of the two nets: R*(X, Y) and the biased dCor²(X, Y).
    pub dcor_xy_u: Estimate,
    pub dcor_xy_v: Estimate,
}

/// Computes Table 2 from per-batch features. Every statistic is pdc-dcor's.
pub fn table2(f: &BatchFeatures, c: &Compare, seed: u64) -> Result<Table2, String> {
    let e = |e: pdc_dcor::DcorError| e.to_string();
    let k = f.x.len();
    if k == 0 {
        return Err("no evaluation batch with at least 4 rows".into());
    }
    let mut v: [Vec<f64>; 8] = Default::default();
    for b in 0..k {
        let (x, y, g) = (&f.x[b], &f.y[b], &f.gt[b]);
        // terms(x, gt, y): R*(x,gt), R*(x,y), R*(gt,y) and both partial forms of (x | y).
        let tx = Partial::default().terms(x, g, y).map_err(e)?;
        let ty = Partial::default().terms(y, g, x).map_err(e)?;
        v[0].push(tx.u_correlation_sqr_xy());
        v[1].push(ty.u_correlation_sqr_xy());
        v[2].push(tx.semipartial_correlation());
        v[3].push(ty.semipartial_correlation());
        v[4].push(tx.partial_correlation());
        v[5].push(ty.partial_correlation());
        v[6].push(tx.u_correlation_sqr_xz());
        v[7].push(Dcor::v().correlation_sqr(x, y).map_err(e)?);
    }
    let perm = Permutation { resamples: c.permutations, seed };
    let pairs = |a: &[Tensor<2>], b: &[Tensor<2>]| a.iter().cloned().zip(b.iter().cloned()).collect::<Vec<_>>();
    let p_dcor = |a: &[Tensor<2>], b: &[Tensor<2>]| batched_distance_correlation_permutation_test(&pairs(a, b), Dcor::u(), perm).map(|r| r.test.p_value).map_err(e);
    let triples = |a: &[Tensor<2>], z: &[Tensor<2>]| (0..k).map(|i| (a[i].clone(), f.gt[i].clone(), z[i].clone())).collect::<Vec<_>>();
    let p_partial = |a: &[Tensor<2>], z: &[Tensor<2>]| batched_partial_permutation_test(&triples(a, z), Partial::default(), perm).map(|r| r.test.p_value).map_err(e);
    let (p_xg, p_yg, p_xy) = (p_dcor(&f.x, &f.gt)?, p_dcor(&f.y, &f.gt)?, p_dcor(&f.x, &f.y)?);
    // The semi-partial and pdCor* share their numerator (P_y⊥(x)·P_y⊥(gt)), hence one test.
    let (p_x_y, p_y_x) = (p_partial(&f.x, &f.y)?, p_partial(&f.y, &f.x)?);
    let est = |i: usize, p: Option<f64>| {
        let (mean, low, high) = bootstrap_mean_ci(&v[i], c.level, c.bootstrap, seed.wrapping_add(i as u64)).unwrap_or((v[i][0], f64::NAN, f64::NAN));
        Estimate { mean, low, high, p_value: p }
    };
    Ok(Table2 {
        batches: k,
        rows_per_batch: f.x[0].dims()[0],
        r2_x_gt: est(0, Some(p_xg)),
        r2_y_gt: est(1, Some(p_yg)),
        semi_x_given_y: est(2, Some(p_x_y)),
        semi_y_given_x: est(3, Some(p_y_x)),
        pdcor_x_given_y: est(4, Some(p_x_y)),
        pdcor_y_given_x: est(5, Some(p_y_x)),
        dcor_xy_u: est(6, Some(p_xy)),
        dcor_xy_v: est(7, None),
    })
}
