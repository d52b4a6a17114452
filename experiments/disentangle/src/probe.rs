//! Linear probes (multinomial logistic regression on standardised features, 80/20 split) and
//! the disentanglement scores built on them: DCI (linear importances), SAP and MIG.
//!
//! Plain f64 code: the problems are tiny (≤ a few thousand rows, ≤ a few hundred features).

use pdc_data::Rng;

/// A fitted probe.
#[derive(Debug, Clone)]
pub struct Probe {
    pub test_accuracy: f64,
    /// Test accuracy of always predicting the most frequent training class.
    pub chance: f64,
    /// Weights on the standardised features, [classes][features].
    pub weights: Vec<Vec<f64>>,
}

const ITERATIONS: usize = 300;
/// Adam step size (full batch).
const LR: f64 = 0.1;
const L2: f64 = 1e-4;

/// Fits multinomial logistic regression x → y (rows with y < 0 are skipped) on a seeded 80 %
/// of the rows and scores it on the other 20 %. `None` when fewer than 10 rows are labelled.
pub fn logistic_probe(x: &[Vec<f64>], y: &[i64], classes: usize, seed: u64) -> Option<Probe> {
    let rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] >= 0 && (y[i] as usize) < classes).collect();
    if rows.len() < 10 || classes < 2 {
        return None;
    }
    let order = Rng(seed).permutation(rows.len());
    let n_train = rows.len() * 4 / 5;
    let train: Vec<usize> = order[..n_train].iter().map(|&i| rows[i]).collect();
    let test: Vec<usize> = order[n_train..].iter().map(|&i| rows[i]).collect();
    let d = x[0].len();
    // Standardise with the training rows' statistics (constant features become 0).
    let mut mean = vec![0.0; d];
    let mut std = vec![0.0; d];
    for &i in &train {
        for f in 0..d {
            mean[f] += x[i][f] / train.len() as f64;
        }
    }
    for &i in &train {
        for f in 0..d {
            std[f] += (x[i][f] - mean[f]).powi(2) / train.len() as f64;
        }
    }
    let std: Vec<f64> = std.iter().map(|v| if *v > 1e-24 { v.sqrt() } else { f64::INFINITY }).collect();
    let z = |i: usize| -> Vec<f64> { (0..d).map(|f| (x[i][f] - mean[f]) / std[f]).collect() };
    let ztrain: Vec<Vec<f64>> = train.iter().map(|&i| z(i)).collect();
    let ytrain: Vec<usize> = train.iter().map(|&i| y[i] as usize).collect();
    let mut w = vec![vec![0.0; d]; classes];
    let mut b = vec![0.0; classes];
    // Adam on the full batch: robust for the badly scaled 1-D problems of SAP.
    let (mut mw, mut vw) = (vec![vec![0.0; d]; classes], vec![vec![0.0; d]; classes]);
    let (mut mb, mut vb) = (vec![0.0; classes], vec![0.0; classes]);
    let (b1, b2, eps) = (0.9, 0.999, 1e-8);
    let lr = LR;
    for t in 1..=ITERATIONS {
        let mut gw = vec![vec![0.0; d]; classes];
        let mut gb = vec![0.0; classes];
        for (zi, &yi) in ztrain.iter().zip(&ytrain) {
            let p = softmax_row(&w, &b, zi);
            for c in 0..classes {
                let g = p[c] - if c == yi { 1.0 } else { 0.0 };
                gb[c] += g;
                for f in 0..d {
                    gw[c][f] += g * zi[f];
                }
            }
        }
        let n = ztrain.len() as f64;
        let (c1, c2) = (1.0 - f64::powi(b1, t as i32), 1.0 - f64::powi(b2, t as i32));
        for c in 0..classes {
            for f in 0..d {
                let g = gw[c][f] / n + L2 * w[c][f];
                mw[c][f] = b1 * mw[c][f] + (1.0 - b1) * g;
                vw[c][f] = b2 * vw[c][f] + (1.0 - b2) * g * g;
                w[c][f] -= lr * (mw[c][f] / c1) / ((vw[c][f] / c2).sqrt() + eps);
            }
            let g = gb[c] / n;
            mb[c] = b1 * mb[c] + (1.0 - b1) * g;
            vb[c] = b2 * vb[c] + (1.0 - b2) * g * g;
            b[c] -= lr * (mb[c] / c1) / ((vb[c] / c2).sqrt() + eps);
        }
    }
    let accuracy = |set: &[usize]| {
        let hits = set.iter().filter(|&&i| argmax(&softmax_row(&w, &b, &z(i))) == y[i] as usize).count();
        hits as f64 / set.len().max(1) as f64
    };
    let mut counts = vec![0usize; classes];
    for &c in &ytrain {
        counts[c] += 1;
    }
    let major = argmax(&counts.iter().map(|&c| c as f64).collect::<Vec<_>>());
    let chance = test.iter().filter(|&&i| y[i] as usize == major).count() as f64 / test.len().max(1) as f64;
    Some(Probe { test_accuracy: accuracy(&test), chance, weights: w })
}

fn softmax_row(w: &[Vec<f64>], b: &[f64], z: &[f64]) -> Vec<f64> {
    let logits: Vec<f64> = w.iter().zip(b).map(|(wc, bc)| bc + wc.iter().zip(z).map(|(a, c)| a * c).sum::<f64>()).collect();
    let m = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = logits.iter().map(|l| (l - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.into_iter().map(|v| v / s).collect()
}

pub fn argmax(v: &[f64]) -> usize {
    v.iter().enumerate().fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &x)| if x > bv { (i, x) } else { (bi, bv) }).0
}

/// Entropy (nats) of a discrete distribution given by counts.
fn entropy(counts: &[f64]) -> f64 {
    let n: f64 = counts.iter().sum();
    counts.iter().filter(|&&c| c > 0.0).map(|&c| -(c / n) * (c / n).ln()).sum()
}

/// DCI with linear importances: disentanglement, completeness, informativeness.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Dci {
    pub disentanglement: f64,
    pub completeness: f64,
    pub informativeness: f64,
}

/// DCI (Eastwood & Williams 2018) of codes made of `groups` consecutive blocks of `group_dim`
/// dimensions (one block per attribute code) against the factors. Importance of code block c
/// for factor j: Σ over its dimensions of the mean |weight| of a logistic probe on all codes
/// (Eastwood & Williams' linear-regressor variant; ZeroDIM uses gradient-boosted trees).
pub fn dci(codes: &[Vec<f64>], factors: &[Vec<i64>], cards: &[usize], group_dim: usize, seed: u64) -> Option<Dci> {
    let k = cards.len();
    let groups = codes.first()?.len() / group_dim;
    let mut imp = vec![vec![0.0; k]; groups];
    let mut acc = Vec::new();
    for j in 0..k {
        let y: Vec<i64> = factors.iter().map(|f| f[j]).collect();
        // A factor with too few known values is left out (its importance column stays 0).
        let Some(p) = logistic_probe(codes, &y, cards[j], seed) else { continue };
        acc.push(p.test_accuracy);
        for (c, row) in imp.iter_mut().enumerate() {
            for dim in c * group_dim..(c + 1) * group_dim {
                row[j] += p.weights.iter().map(|w| w[dim].abs()).sum::<f64>() / p.weights.len() as f64;
            }
        }
    }
    let total: f64 = imp.iter().flatten().sum();
    if total <= 0.0 {
        return None;
    }
    let norm_entropy = |p: &[f64], base: usize| if base < 2 { 0.0 } else { entropy(p) / (base as f64).ln() };
    let scored: Vec<usize> = (0..k).filter(|&j| imp.iter().any(|r| r[j] > 0.0)).collect();
    let disentanglement = imp
        .iter()
        .map(|row| {
            let row: Vec<f64> = scored.iter().map(|&j| row[j]).collect();
            row.iter().sum::<f64>() / total * (1.0 - norm_entropy(&row, scored.len()))
        })
        .sum();
    let completeness = scored
        .iter()
        .copied()
        .map(|j| {
            let col: Vec<f64> = imp.iter().map(|r| r[j]).collect();
            col.iter().sum::<f64>() / total * (1.0 - norm_entropy(&col, groups))
        })
        .sum();
    Some(Dci { disentanglement, completeness, informativeness: acc.iter().sum::<f64>() / acc.len() as f64 })
}

/// The best per-dimension score of each block of `group_dim` consecutive code dimensions (one
/// block per attribute code): with d_f > 1 the dimensions of one code must not compete with
/// each other for the gap.
fn block_best(scores: &[f64], group_dim: usize) -> Vec<f64> {
    scores.chunks(group_dim).map(|c| c.iter().cloned().fold(f64::NEG_INFINITY, f64::max)).collect()
}

/// (best − second best) of a list with at least two entries.
fn top_gap(mut v: Vec<f64>) -> Option<f64> {
    if v.len() < 2 {
        return None;
    }
    v.sort_by(|a, b| b.total_cmp(a));
    Some(v[0] - v[1])
}

/// Mutual information gap: per factor, (MI of the best code − MI of the second) / H(factor),
/// averaged. Each dimension is discretised into 20 equal-width bins; a code of `group_dim`
/// dimensions scores by its most informative dimension (= the usual MIG when `group_dim` = 1).
pub fn mig(codes: &[Vec<f64>], factors: &[Vec<i64>], cards: &[usize], group_dim: usize) -> Option<f64> {
    let d = codes.first()?.len();
    if group_dim == 0 || d % group_dim != 0 || d / group_dim < 2 {
        return None;
    }
    const BINS: usize = 20;
    let binned: Vec<Vec<usize>> = (0..d)
        .map(|f| {
            let (lo, hi) = codes.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), c| (l.min(c[f]), h.max(c[f])));
            let w = (hi - lo).max(1e-12);
            codes.iter().map(|c| (((c[f] - lo) / w * BINS as f64) as usize).min(BINS - 1)).collect()
        })
        .collect();
    let mut gaps = Vec::new();
    for (j, &m) in cards.iter().enumerate() {
        let rows: Vec<usize> = (0..codes.len()).filter(|&i| factors[i][j] >= 0).collect();
        let mut fc = vec![0.0; m];
        for &i in &rows {
            fc[factors[i][j] as usize] += 1.0;
        }
        let h = entropy(&fc);
        if h <= 0.0 {
            continue;
        }
        let mis: Vec<f64> = binned
            .iter()
            .map(|b| {
                let mut joint = vec![0.0; BINS * m];
                let mut bc = vec![0.0; BINS];
                for &i in &rows {
                    joint[b[i] * m + factors[i][j] as usize] += 1.0;
                    bc[b[i]] += 1.0;
                }
                entropy(&bc) + h - entropy(&joint)
            })
            .collect();
        gaps.extend(top_gap(block_best(&mis, group_dim)).map(|g| g / h));
    }
    (!gaps.is_empty()).then(|| gaps.iter().sum::<f64>() / gaps.len() as f64)
}

/// SAP: per factor, the gap between the two codes whose best 1-D probes predict it best (test
/// accuracy), averaged. ZeroDIM uses a LinearSVC per dimension; here a 1-D logistic probe.
pub fn sap(codes: &[Vec<f64>], factors: &[Vec<i64>], cards: &[usize], group_dim: usize, seed: u64) -> Option<f64> {
    let d = codes.first()?.len();
    if group_dim == 0 || d % group_dim != 0 || d / group_dim < 2 {
        return None;
    }
    let mut gaps = Vec::new();
    for (j, &m) in cards.iter().enumerate() {
        let y: Vec<i64> = factors.iter().map(|f| f[j]).collect();
        let accs: Option<Vec<f64>> = (0..d)
            .map(|f| {
                let x: Vec<Vec<f64>> = codes.iter().map(|c| vec![c[f]]).collect();
                logistic_probe(&x, &y, m, seed).map(|p| p.test_accuracy)
            })
            .collect();
        if let Some(g) = accs.and_then(|a| top_gap(block_best(&a, group_dim))) {
            gaps.push(g);
        }
    }
    (!gaps.is_empty()).then(|| gaps.iter().sum::<f64>() / gaps.len() as f64)
}
