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
}
