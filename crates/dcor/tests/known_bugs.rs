//! Regression tests for the problems reported in reference implementations
//! (../shared/notes/known-bugs.md; row numbers in each test's name or comment).

mod common;

use common::{Normals, rel_err};
use pdc_dcor::independence::{Permutation, distance_covariance_permutation_test, partial_distance_permutation_test};
use pdc_dcor::{
    Dcor, DcorError, Matrix, Partial, distance_correlation, distance_correlation_sqr, partial_distance_correlation,
    u_distance_correlation_sqr, u_distance_covariance_sqr,
};

/// #1 / C1 / C2: large integer IDs, y = 2x + 5 → R_n = R* = 1 (dcor 0.7 gave 0.778 and 2.007).
#[test]
fn bug01_large_offsets_give_exact_one() {
    let x: Vec<f64> = (0..5).map(|k| 1e8 + k as f64).collect();
    let y: Vec<f64> = x.iter().map(|v| 2.0 * v + 5.0).collect();
    assert!((distance_correlation(&x, &y).unwrap() - 1.0).abs() < 1e-14);
    assert!((u_distance_correlation_sqr(&x, &y).unwrap() - 1.0).abs() < 1e-12);
}

/// #2: integer-valued data with repetitions (n = 30 000 overflowed int64 in dcor).
/// Repeating a whole sample leaves the V-statistic unchanged, so n = 3, 6 and 3000 agree.
#[test]
fn bug02_repeated_integer_data_no_overflow() {
    let want = 0.7621991222317813;
    for reps in [1usize, 2, 1000] {
        let x: Vec<f64> = [1.0, 2.0, 3.0].repeat(reps);
        let y: Vec<f64> = [10.0, 20.0, 5.0].repeat(reps);
        let got = if reps == 1000 {
            Dcor::v().with_block(512).correlation(&x, &y).unwrap()
        } else {
            distance_correlation(&x, &y).unwrap()
        };
        assert!(rel_err(got, want) < 1e-12, "reps {reps}: {got}");
    }
}

/// #3: exponent ≠ 1 on large n must run in bounded memory (dcor was killed at n = 25 000).
/// The dense path needs several n×n matrices; the blocked path holds O(n·tile).
#[test]
#[ignore = "about a minute on 2 cores; run with --ignored"]
fn bug03_large_n_exponent_half_blocked() {
    let n = 20_000;
    let mut rng = Normals::new(3);
    let x = rng.vec(n);
    let y: Vec<f64> = x.iter().map(|v| v * v + 0.5 * rng.next()).collect();
    let r = Dcor::v().with_exponent(0.5).with_block(2048).correlation_sqr(&x, &y).unwrap();
    assert!(r > 0.05 && r < 1.0, "{r}");
}

/// #4 / D05: a constant sample gives dCov = dCor = 0, not 0/0.
#[test]
fn bug04_constant_input_is_zero() {
    let ones = vec![1.0; 100];
    let mut rng = Normals::new(4);
    let y = rng.vec(100);
    assert_eq!(distance_correlation(&ones, &ones).unwrap(), 0.0);
    assert_eq!(distance_correlation_sqr(&ones, &y).unwrap(), 0.0);
    assert_eq!(u_distance_correlation_sqr(&ones, &y).unwrap(), 0.0);
}

/// #6: rows are observations; columns are components of one vector.
#[test]
fn bug06_columns_are_one_random_vector() {
    let a = [1.0, 2.0, 3.0, 4.0];
    let b = [5.0, 8.0, 6.0, 2.0];
    let c: Vec<f64> = a.iter().zip(b).flat_map(|(p, q)| [*p, q]).collect();
    let c = Matrix::new(&c, 4, 2).unwrap();
    assert!((distance_correlation(&a[..], &c).unwrap() - 0.8863).abs() < 5e-5);
    assert!((distance_correlation(&a[..], &b[..]).unwrap() - 0.7951).abs() < 5e-5);
    assert!((distance_correlation(&a[..], &a[..]).unwrap() - 1.0).abs() < 1e-15);
}

/// #13 / #24: p = (1 + #{T* ≥ T})/(R + 1) ≥ 1/(R + 1); X = Y = 0..24 with R = 100 gives 1/101.
#[test]
fn bug13_bug24_permutation_p_value_floor() {
    let x: Vec<f64> = (0..25).map(f64::from).collect();
    let (_, t) = distance_covariance_permutation_test(&x, &x, Dcor::v(), Permutation { resamples: 100, seed: 1 }).unwrap();
    assert_eq!(t.p_value, 1.0 / 101.0);
    let (_, t) = distance_covariance_permutation_test(&x, &x, Dcor::v(), Permutation { resamples: 10, seed: 1 }).unwrap();
    assert_eq!(t.p_value, 1.0 / 11.0);
}

/// #14: pdcor test with a constant x: pdCor = 0 and p = 1 (R energy < 1.7-9 said p = 0.005).
#[test]
fn bug14_degenerate_partial_test_is_not_significant() {
    let mut rng = Normals::new(14);
    let x = vec![1.2; 100];
    let (y, z) = (rng.vec(100), rng.vec(100));
    assert_eq!(partial_distance_correlation(&x, &y, &z).unwrap(), 0.0);
    let (terms, t) = partial_distance_permutation_test(&x, &y, &z, Partial::default(), Permutation { resamples: 199, seed: 0 }).unwrap();
    assert_eq!(terms.partial_correlation(), 0.0);
    assert!(t.degenerate);
    assert_eq!(t.p_value, 1.0);
}

/// #15: z with a different number of rows is a clean error, not a crash.
#[test]
fn bug15_partial_sample_sizes_must_agree() {
    let mut rng = Normals::new(15);
    let (x, y, z) = (rng.vec(200), rng.vec(200), rng.vec(4000));
    let err = partial_distance_correlation(&x, &y, &z).unwrap_err();
    assert_eq!(err, DcorError::LengthMismatch { arg_a: "x", rows_a: 200, arg_b: "z", rows_b: 4000 });
    assert!(err.to_string().contains("sample sizes must agree"));
}

/// #20 / #34: the large-n unbiased dCov² of independent data stays ≈ 0 (hyppo's fast path grew
/// with n), and the blocked path agrees with the dense one.
#[test]
fn bug20_bug34_large_n_unbiased_matches_dense_and_is_near_zero() {
    let n = 3000;
    let mut rng = Normals::new(20);
    let (x, y) = (rng.vec(n), rng.vec(n));
    let dense = u_distance_covariance_sqr(&x, &y).unwrap();
    let blocked = Dcor::u().with_block(256).covariance_sqr(&x, &y).unwrap();
    let dvar = u_distance_covariance_sqr(&x, &x).unwrap();
    assert!((dense - blocked).abs() <= 1e-10 * dvar, "dense {dense} blocked {blocked}");
    // Under independence Ω_n is O(1/n) relative to dVar².
    assert!(dense.abs() < 5.0 * dvar / n as f64, "{dense} vs {dvar}");
}

/// #30 / D02: the unbiased statistics are signed; no NaN from a square root of a negative.
#[test]
fn bug30_signed_unbiased_values() {
    let x = [0.0, 1.0, 3.0, 7.0];
    let y = [2.0, -1.0, 4.0, 0.0];
    assert!((u_distance_correlation_sqr(&x[..], &y[..]).unwrap() + 0.5).abs() < 1e-14);
    assert!(Dcor::u().correlation(&x[..], &y[..]).is_err(), "no square root of a signed statistic");
}

/// #31: V-statistic dCor² lies in [0, 1] for any data, including near-duplicates.
#[test]
fn bug31_v_statistic_bounds() {
    let mut rng = Normals::new(31);
    for trial in 0..20 {
        let n = 5 + trial;
        let x = rng.vec(n * 3);
        let y: Vec<f64> = if trial % 2 == 0 { rng.vec(n) } else { (0..n).map(|i| x[3 * i] * 1e-3).collect() };
        let r = distance_correlation_sqr(&Matrix::new(&x, n, 3).unwrap(), &y).unwrap();
        assert!((0.0..=1.0).contains(&r), "trial {trial}: {r}");
    }
}
