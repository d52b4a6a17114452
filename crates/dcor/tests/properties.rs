//! Invariants, the blocked estimator, the tests of independence and input errors.

mod common;

use burn::tensor::{Device, Tensor};
use common::{Normals, f64_tensor, rel_err};
use pdc_dcor::independence::{
    Permutation, batched_distance_correlation_permutation_test, batched_partial_permutation_test, distance_correlation_t_test,
    distance_covariance_permutation_test, partial_distance_permutation_test,
};
use pdc_dcor::{
    Dcor, DcorError, Estimator, Matrix, Partial, distance_correlation_sqr, distance_covariance_sqr, energy_distance,
    semipartial_distance_correlation, u_distance_correlation_sqr,
};

/// Textbook O(n²d) V-statistic dCor², used only as a test oracle.
fn naive_dcor_sqr(x: &[f64], y: &[f64], n: usize, dx: usize, dy: usize) -> f64 {
    let dist = |v: &[f64], d: usize| {
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = (0..d).map(|k| (v[i * d + k] - v[j * d + k]).powi(2)).sum::<f64>().sqrt();
            }
        }
        let row: Vec<f64> = (0..n).map(|i| a[i * n..(i + 1) * n].iter().sum::<f64>() / n as f64).collect();
        let all = row.iter().sum::<f64>() / n as f64;
        (0..n * n).map(|k| a[k] - row[k / n] - row[k % n] + all).collect::<Vec<_>>()
    };
    let (a, b) = (dist(x, dx), dist(y, dy));
    let dot = |p: &[f64], q: &[f64]| p.iter().zip(q).map(|(u, v)| u * v).sum::<f64>();
    dot(&a, &b) / (dot(&a, &a) * dot(&b, &b)).sqrt()
}

#[test]
fn multivariate_with_duplicate_rows_matches_naive() {
    let (n, dx, dy) = (40, 5, 3);
    let mut rng = Normals::new(1);
    let mut x = rng.vec(n * dx);
    let y: Vec<f64> = (0..n * dy).map(|k| x[k % (n * dx)].sin() + 0.1 * rng.next()).collect();
    // Duplicate rows 0..10 into 10..20: Gram-form noise must not create fake distances.
    let head = x[..10 * dx].to_vec();
    x[10 * dx..20 * dx].copy_from_slice(&head);
    // Large common offset as in features after ReLU.
    let shifted: Vec<f64> = x.iter().map(|v| v + 1e4).collect();
    let want = naive_dcor_sqr(&x, &y, n, dx, dy);
    let got = distance_correlation_sqr(&Matrix::new(&shifted, n, dx).unwrap(), &Matrix::new(&y, n, dy).unwrap()).unwrap();
    assert!(rel_err(got, want) < 1e-10, "{got} vs {want}");
}

#[test]
fn invariances_translation_rotation_scale() {
    let n = 30;
    let mut rng = Normals::new(2);
    let x = rng.vec(n * 2);
    let y = rng.vec(n);
    let base = distance_covariance_sqr(&Matrix::new(&x, n, 2).unwrap(), &y).unwrap();
    // Rotation by 30° and translation leave dCov unchanged; scaling x by c scales dCov² by c.
    let (c, s) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
    let moved: Vec<f64> = x.chunks(2).flat_map(|p| [3.0 * (c * p[0] - s * p[1]) + 7.0, 3.0 * (s * p[0] + c * p[1]) - 2.0]).collect();
    let got = distance_covariance_sqr(&Matrix::new(&moved, n, 2).unwrap(), &y).unwrap();
    assert!(rel_err(got, 3.0 * base) < 1e-12, "{got} vs {}", 3.0 * base);
}

#[test]
fn blocked_equals_dense_at_n3000() {
    let n = 3000;
    let mut rng = Normals::new(3);
    let x = rng.vec(n * 4);
    let y: Vec<f64> = (0..n).map(|i| x[4 * i].abs() + 0.5 * rng.next()).collect();
    let xm = Matrix::new(&x, n, 4).unwrap();
    for (dense, tile) in [(Dcor::v(), 384), (Dcor::u(), 257), (Dcor::v().with_exponent(0.5), 1000)] {
        let a = dense.terms(&xm, &y).unwrap();
        let b = dense.with_block(tile).terms(&xm, &y).unwrap();
        for (p, q) in [(a.xy, b.xy), (a.xx, b.xx), (a.yy, b.yy)] {
            assert!(rel_err(q, p) < 1e-10, "{dense:?} tile {tile}: {q} vs {p}");
        }
    }
}

#[test]
fn semipartial_identity_and_sign() {
    // R²((x|z), y) = pdCor*(x, y; z) · √(1 − R*(y, z)²), with x and y driven by z.
    let n = 60;
    let mut rng = Normals::new(4);
    let z = rng.vec(n);
    let x: Vec<f64> = z.iter().map(|v| v + 0.3 * rng.next()).collect();
    let y: Vec<f64> = z.iter().map(|v| v * v + 0.3 * rng.next()).collect();
    let t = Partial::default().terms(&x, &y, &z).unwrap();
    let ryz = u_distance_correlation_sqr(&y, &z).unwrap();
    let semi = semipartial_distance_correlation(&x, &z, &y).unwrap();
    assert!(rel_err(semi, t.partial_correlation() * (1.0 - ryz * ryz).sqrt()) < 1e-10);
    assert!(rel_err(semi, t.semipartial_correlation()) < 1e-15);
}

#[test]
fn permutation_tests_are_reproducible_and_calibrated() {
    let n = 50;
    let mut rng = Normals::new(5);
    let x = rng.vec(n);
    let indep = rng.vec(n);
    let dep: Vec<f64> = x.iter().map(|v| v * v).collect();
    let cfg = Permutation { resamples: 199, seed: 42 };
    let (_, a) = distance_covariance_permutation_test(&x, &indep, Dcor::v(), cfg).unwrap();
    let (_, b) = distance_covariance_permutation_test(&x, &indep, Dcor::v(), cfg).unwrap();
    assert_eq!(a, b, "same seed, same p");
    assert!(a.p_value > 0.01, "independent data: p = {}", a.p_value);
    let (_, c) = distance_covariance_permutation_test(&x, &dep, Dcor::u(), cfg).unwrap();
    assert_eq!(c.p_value, 1.0 / 200.0, "y = x² is detected");
    // Under H0 the p-values are roughly uniform: over 40 independent pairs about 10% fall below 0.1.
    let small = (0..40u64)
        .filter(|&s| {
            let mut r = Normals::new(100 + s);
            let (u, v) = (r.vec(30), r.vec(30));
            distance_covariance_permutation_test(&u, &v, Dcor::v(), Permutation { resamples: 99, seed: s }).unwrap().1.p_value < 0.1
        })
        .count();
    assert!(small <= 12, "{small} of 40 null p-values below 0.1");
    // Partial: x and y only share z → large p; with a direct link → small p.
    let z = rng.vec(n);
    let xs: Vec<f64> = z.iter().map(|v| v + 0.2 * rng.next()).collect();
    let ys: Vec<f64> = z.iter().map(|v| v + 0.2 * rng.next()).collect();
    // The link goes through the part of x that z does not explain.
    let linked: Vec<f64> = xs.iter().zip(&ys).zip(&z).map(|((a, b), c)| b + 5.0 * (a - c)).collect();
    let (_, p_common) = partial_distance_permutation_test(&xs, &ys, &z, Partial::default(), cfg).unwrap();
    let (_, p_linked) = partial_distance_permutation_test(&xs, &linked, &z, Partial::default(), cfg).unwrap();
    assert!(p_linked.p_value < 0.01 && p_common.p_value > p_linked.p_value, "{p_linked:?} {p_common:?}");
}

#[test]
fn t_test_matches_its_definition() {
    let n = 40;
    let mut rng = Normals::new(6);
    let x = rng.vec(n * 10);
    let y: Vec<f64> = (0..n * 8).map(|k| x[(k / 8) * 10 + k % 8] + rng.next()).collect();
    let (xm, ym) = (Matrix::new(&x, n, 10).unwrap(), Matrix::new(&y, n, 8).unwrap());
    let t = distance_correlation_t_test(&xm, &ym).unwrap();
    let r = Dcor::u().correlation_sqr(&xm, &ym).unwrap();
    let v = (n * (n - 3)) as f64 / 2.0;
    assert!(rel_err(t.statistic, (v - 1.0).sqrt() * r / (1.0 - r * r).sqrt()) < 1e-12);
    assert_eq!(t.df, v - 1.0);
    assert!(t.p_value > 0.0 && t.p_value < 1e-6);
}

#[test]
fn bad_input_gives_named_errors() {
    let good = [1.0, 2.0, 3.0, 4.0, 5.0];
    let short = [1.0, 2.0, 3.0];
    assert_eq!(
        distance_correlation_sqr(&good[..], &short[..]).unwrap_err(),
        DcorError::LengthMismatch { arg_a: "x", rows_a: 5, arg_b: "y", rows_b: 3 }
    );
    let nan = [1.0, 2.0, f64::NAN, 4.0, 5.0, 6.0];
    let err = distance_correlation_sqr(&Matrix::new(&nan, 3, 2).unwrap(), &short[..]).unwrap_err();
    assert!(matches!(err, DcorError::NonFinite { arg: "x", row: 1, col: 0, value } if value.is_nan()));
    assert!(err.to_string().contains("row 1, column 0"), "{err}");
    let inf = [1.0, 2.0, 3.0, f64::INFINITY];
    assert!(matches!(u_distance_correlation_sqr(&good[..4], &inf[..]), Err(DcorError::NonFinite { arg: "y", row: 3, col: 0, .. })));
    assert!(matches!(u_distance_correlation_sqr(&short[..], &short[..]), Err(DcorError::TooFewRows { rows: 3, min: 4, .. })));
    assert!(matches!(distance_correlation_sqr(&[1.0][..], &[2.0][..]), Err(DcorError::TooFewRows { rows: 1, min: 2, .. })));
    assert!(matches!(distance_correlation_sqr(&[][..], &[][..]), Err(DcorError::Empty { arg: "x" })));
    for e in [0.0, 2.0, -1.0, f64::NAN] {
        assert!(matches!(Dcor::v().with_exponent(e).correlation_sqr(&good[..], &good[..]), Err(DcorError::ExponentOutOfRange { .. })), "{e}");
    }
    assert!(matches!(Matrix::new(&good, 2, 2), Err(DcorError::BadBuffer { len: 5, .. })));
    assert!(matches!(Dcor::v().with_block(0).correlation_sqr(&good[..], &good[..]), Err(DcorError::InvalidArgument { arg: "block", .. })));
    let two_d = [1.0, 2.0, 3.0, 4.0];
    assert!(matches!(
        energy_distance(&Matrix::new(&two_d, 2, 2).unwrap(), &good[..]),
        Err(DcorError::DimensionMismatch { cols_a: 2, cols_b: 1, .. })
    ));
    let _ = Estimator::U;
}

#[test]
fn extreme_scales_keep_correlations_and_partial_tests() {
    let n = 40;
    let mut rng = Normals::new(7);
    let z = rng.vec(n);
    let x: Vec<f64> = z.iter().map(|v| v + 0.5 * rng.next()).collect();
    let y: Vec<f64> = x.iter().zip(&z).map(|(a, c)| a - c + 0.3 * rng.next()).collect();
    let base = distance_correlation_sqr(&x, &y).unwrap();
    let base_p = Partial::default().terms(&x, &y, &z).unwrap().partial_correlation();
    let cfg = Permutation { resamples: 99, seed: 9 };
    let (_, base_test) = partial_distance_permutation_test(&x, &y, &z, Partial::default(), cfg).unwrap();
    for scale in [1e-150, 1e-9, 1e8, 1e160] {
        let xs: Vec<f64> = x.iter().map(|v| v * scale).collect();
        assert!(rel_err(distance_correlation_sqr(&xs, &y).unwrap(), base) < 1e-12, "scale {scale}");
        assert!(rel_err(u_distance_correlation_sqr(&xs, &y).unwrap(), u_distance_correlation_sqr(&x, &y).unwrap()) < 1e-12);
        assert!(rel_err(Partial::default().terms(&xs, &y, &z).unwrap().partial_correlation(), base_p) < 1e-12, "scale {scale}");
        let (_, t) = partial_distance_permutation_test(&xs, &y, &z, Partial::default(), cfg).unwrap();
        assert!(!t.degenerate && t.p_value == base_test.p_value, "scale {scale}: {t:?} vs {base_test:?}");
    }
}

#[test]
fn f32_small_distances_survive_an_outlier() {
    // One far outlier must not turn the small distances of the other points into ties.
    let n = 30;
    let mut rng = Normals::new(8);
    let mut x: Vec<f64> = rng.vec(n * 4).iter().map(|v| v * 0.01).collect();
    x[0] = 1e3;
    let y: Vec<f64> = (0..n).map(|i| x[4 * i + 1] * 100.0 + 0.1 * rng.next()).collect();
    let device = burn::tensor::Device::flex();
    let x32 = burn::tensor::Tensor::<2>::from_data(burn::tensor::TensorData::new(x.iter().map(|&v| v as f32).collect::<Vec<_>>(), [n, 4]), &device);
    let y32 = burn::tensor::Tensor::<2>::from_data(burn::tensor::TensorData::new(y.iter().map(|&v| v as f32).collect::<Vec<_>>(), [n, 1]), &device);
    let r64 = distance_correlation_sqr(&Matrix::new(&x, n, 4).unwrap(), &y).unwrap();
    let r32 = distance_correlation_sqr(&x32, &y32).unwrap();
    assert!(rel_err(r32, r64) < 1e-3, "f32 {r32} vs f64 {r64}");
}

#[test]
fn batched_tests_and_correlation_matrix() {
    let dev = Device::flex();
    let mut rng = Normals::new(77);
    let n = 24;
    let mk = |rng: &mut Normals, d: usize| f64_tensor(&rng.vec(n * d), n, d, &dev);
    let (x1, y1, z1) = (mk(&mut rng, 3), mk(&mut rng, 2), mk(&mut rng, 2));
    let cfg = Permutation { resamples: 99, seed: 3 };
    // One batch: the same statistic and the same permutations as the single-sample tests.
    for est in [Dcor::v(), Dcor::u()] {
        let (terms, single) = distance_covariance_permutation_test(&x1, &y1, est, cfg).unwrap();
        let b = batched_distance_correlation_permutation_test(&[(x1.clone(), y1.clone())], est, cfg).unwrap();
        assert_eq!(b.test.p_value, single.p_value);
        assert!(rel_err(b.mean, terms.correlation_sqr()) < 1e-12);
    }
    let (terms, single) = partial_distance_permutation_test(&x1, &y1, &z1, Partial::default(), cfg).unwrap();
    let b = batched_partial_permutation_test(&[(x1.clone(), y1.clone(), z1.clone())], Partial::default(), cfg).unwrap();
    assert_eq!(b.test.p_value, single.p_value);
    assert!(rel_err(b.mean, terms.partial_correlation()) < 1e-10);

    // Several batches: the mean of the batch values; a weak dependence that one batch misses is
    // found by averaging 8 batches, and independent batches stay non-significant.
    let batches: Vec<(Tensor<2>, Tensor<2>)> = (0..8)
        .map(|_| {
            let x = rng.vec(n);
            let y: Vec<f64> = x.iter().map(|v| 0.6 * v * v + rng.next()).collect();
            (f64_tensor(&x, n, 1, &dev), f64_tensor(&y, n, 1, &dev))
        })
        .collect();
    let r = batched_distance_correlation_permutation_test(&batches, Dcor::u(), Permutation { resamples: 199, seed: 1 }).unwrap();
    let each: Vec<f64> = batches.iter().map(|(x, y)| Dcor::u().correlation_sqr(x, y).unwrap()).collect();
    assert!(rel_err(r.mean, each.iter().sum::<f64>() / 8.0) < 1e-12);
    assert!(r.test.p_value < 0.02, "{r:?}");
    let null: Vec<(Tensor<2>, Tensor<2>)> = (0..8).map(|_| (mk(&mut rng, 2), mk(&mut rng, 2))).collect();
    let r0 = batched_distance_correlation_permutation_test(&null, Dcor::u(), Permutation { resamples: 199, seed: 1 }).unwrap();
    assert!(r0.test.p_value > 0.02, "{r0:?}");
    assert!(batched_distance_correlation_permutation_test::<Tensor<2>, Tensor<2>>(&[], Dcor::u(), cfg).is_err());

    // The matrix equals the pairwise statistics, for both estimators and different widths.
    let xs = vec![x1.clone(), y1.clone(), mk(&mut rng, 5)];
    let ys = vec![z1.clone(), x1.clone()];
    for est in [Dcor::v(), Dcor::u()] {
        let m = est.correlation_sqr_matrix(&xs, &ys).unwrap();
        for (i, x) in xs.iter().enumerate() {
            for (j, y) in ys.iter().enumerate() {
                assert!(rel_err(m[i][j], est.correlation_sqr(x, y).unwrap()) < 1e-12, "{i},{j}");
            }
        }
        assert!((m[0][1] - 1.0).abs() < 1e-12, "a sample with itself");
    }
    let short = f64_tensor(&rng.vec(10), 5, 2, &dev);
    assert!(Dcor::u().correlation_sqr_matrix(&[x1], &[short]).is_err(), "different rows are refused");
}
