//! Summaries over repeated trials: mean ± sample std and paired confidence intervals.

use pdc_dcor::special::student_t_sf;

/// Mean and sample standard deviation (0 for a single value).
pub fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 { v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    (mean, var.sqrt())
}

/// Two-sided Student t quantile: t with P(|T| > t) = 1 − level, by bisection on the survival function.
pub fn t_quantile(level: f64, df: f64) -> f64 {
    let tail = (1.0 - level) / 2.0;
    let (mut lo, mut hi) = (0.0, 1e3);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if student_t_sf(mid, df) > tail { lo = mid } else { hi = mid }
    }
    0.5 * (lo + hi)
}

/// Paired difference b − a over trials: (mean, low, high) of the `level` confidence interval;
/// `None` with fewer than two trials.
pub fn paired_ci(a: &[f64], b: &[f64], level: f64) -> Option<(f64, f64, f64)> {
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
    let (m, s) = mean_std(&d);
    let half = t_quantile(level, d.len() as f64 - 1.0) * s / (d.len() as f64).sqrt();
    Some((m, m - half, m + half))
}

/// Percentile bootstrap interval of the mean of `v` (resampling its entries with replacement,
/// e.g. per-batch values of a mini-batch estimator): (mean, low, high) at `level`. Deterministic
/// for a seed. `None` for fewer than two values.
pub fn bootstrap_mean_ci(v: &[f64], level: f64, resamples: usize, seed: u64) -> Option<(f64, f64, f64)> {
    if v.len() < 2 || resamples == 0 {
        return None;
    }
    let n = v.len();
    let mut state = seed;
    // SplitMix64: the same interval on every platform.
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut means: Vec<f64> = (0..resamples).map(|_| (0..n).map(|_| v[(next() % n as u64) as usize]).sum::<f64>() / n as f64).collect();
    means.sort_by(f64::total_cmp);
    let q = |p: f64| means[((p * resamples as f64).floor() as usize).min(resamples - 1)];
    let tail = (1.0 - level) / 2.0;
    Some((v.iter().sum::<f64>() / n as f64, q(tail), q(1.0 - tail)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_and_intervals() {
        assert!((t_quantile(0.95, 1.0) - 12.706204736).abs() < 1e-6);
        assert!((t_quantile(0.95, 2.0) - 4.302652730).abs() < 1e-6);
        assert!((t_quantile(0.95, 1e6) - 1.959966).abs() < 1e-4);
        let (m, s) = mean_std(&[1.0, 2.0, 3.0]);
        assert_eq!((m, s), (2.0, 1.0));
        let (d, lo, hi) = paired_ci(&[0.0, 0.0, 0.0], &[1.0, 2.0, 3.0], 0.95).unwrap();
        assert!((d - 2.0).abs() < 1e-12 && (hi - d - 4.302652730 / 3f64.sqrt()).abs() < 1e-6 && lo < d);
        assert!(paired_ci(&[1.0], &[2.0], 0.95).is_none());
    }

    #[test]
    fn bootstrap_interval_of_a_mean() {
        // 400 values with mean 0.5 and std 0.2887 (uniform grid): the 95% interval of the mean is
        // about ±1.96·0.2887/√400 = ±0.0283.
        let v: Vec<f64> = (0..400).map(|i| (i as f64 + 0.5) / 400.0).collect();
        let (m, lo, hi) = bootstrap_mean_ci(&v, 0.95, 4000, 7).unwrap();
        assert!((m - 0.5).abs() < 1e-12);
        assert!(((hi - lo) / 2.0 - 0.0283).abs() < 0.003, "{lo} {hi}");
        assert!(lo < m && m < hi);
        assert_eq!(bootstrap_mean_ci(&v, 0.95, 4000, 7), Some((m, lo, hi)), "deterministic");
        assert!(bootstrap_mean_ci(&[1.0], 0.95, 100, 0).is_none());
        let c = bootstrap_mean_ci(&[2.0, 2.0, 2.0], 0.9, 100, 0).unwrap();
        assert_eq!(c, (2.0, 2.0, 2.0));
    }
}
