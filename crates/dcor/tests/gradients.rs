//! The losses: gradients against central finite differences in f64, finite gradients at ties
//! and for constant inputs, and values equal to the statistics.

mod common;

use burn::tensor::{Device, Tensor};
use common::{Normals, f64_tensor, rel_err, values};
use pdc_dcor::loss::{DcorLossConfig, PartialKind, dcor_sqr_loss, partial_dcor_loss, u_dcor_sqr_loss};
use pdc_dcor::{Matrix, distance_correlation_sqr, partial_distance_correlation, semipartial_distance_correlation, u_distance_correlation_sqr};

/// Compares the autodiff gradient of `f` at `x0` with central differences.
fn check_gradient(x0: &[f64], n: usize, d: usize, f: impl Fn(Tensor<2>) -> Tensor<1>) {
    let ad = Device::flex().autodiff();
    let x = f64_tensor(x0, n, d, &ad).require_grad();
    let grads = f(x.clone()).backward();
    let g = values(x.grad(&grads).expect("x has a gradient"));
    let plain = Device::flex();
    let eval = |v: &[f64]| f(f64_tensor(v, n, d, &plain)).into_scalar::<f64>();
    let h = 1e-6;
    for i in 0..x0.len() {
        let (mut up, mut down) = (x0.to_vec(), x0.to_vec());
        up[i] += h;
        down[i] -= h;
        let fd = (eval(&up) - eval(&down)) / (2.0 * h);
        assert!((g[i] - fd).abs() <= 1e-6 * g[i].abs().max(1.0), "entry {i}: autodiff {} vs finite difference {fd}", g[i]);
    }
}

fn sample(seed: u64, n: usize, d: usize) -> Vec<f64> {
    Normals::new(seed).vec(n * d)
}

#[test]
fn dcor_loss_gradient_matches_finite_differences() {
    let (n, dx, dy) = (7, 3, 2);
    let y0 = sample(2, n, dy);
    for normalize in [false, true] {
        let cfg = DcorLossConfig::new().with_normalize_rows(normalize);
        check_gradient(&sample(1, n, dx), n, dx, |x| {
            let y = f64_tensor(&y0, n, dy, &x.device());
            dcor_sqr_loss(x, y, &cfg).unwrap()
        });
    }
}

#[test]
fn partial_loss_gradients_match_finite_differences() {
    let n = 8;
    let (y0, g0) = (sample(3, n, 3), sample(4, n, 2));
    for kind in [PartialKind::SemiPartial, PartialKind::Partial] {
        check_gradient(&sample(5, n, 4), n, 4, |x| {
            let dev = x.device();
            partial_dcor_loss(x, f64_tensor(&y0, n, 3, &dev), f64_tensor(&g0, n, 2, &dev), kind).unwrap()
        });
    }
}

#[test]
fn u_dcor_loss_value_and_gradient() {
    let (n, dx, dy) = (9, 3, 2);
    let (x0, y0) = (sample(21, n, dx), sample(22, n, dy));
    let dev = Device::flex();
    let (x, y) = (f64_tensor(&x0, n, dx, &dev), f64_tensor(&y0, n, dy, &dev));
    let loss = u_dcor_sqr_loss(x.clone(), y.clone()).unwrap().into_scalar::<f64>();
    let stat = u_distance_correlation_sqr(&x, &y).unwrap();
    assert!(rel_err(loss, stat) < 1e-12, "{loss} vs {stat}");
    check_gradient(&x0, n, dx, |x| {
        let y = f64_tensor(&y0, n, dy, &x.device());
        u_dcor_sqr_loss(x, y).unwrap()
    });
    // A constant input gives 0 with a finite gradient, not 0/0.
    let ad = Device::flex().autodiff();
    let c = f64_tensor(&vec![1.5; n * dx], n, dx, &ad).require_grad();
    let v = u_dcor_sqr_loss(c.clone(), f64_tensor(&y0, n, dy, &ad)).unwrap();
    assert_eq!(v.clone().into_scalar::<f64>(), 0.0);
    assert!(all_finite(c.grad(&v.backward()).unwrap()));
    assert!(u_dcor_sqr_loss(f64_tensor(&x0[..3 * dx], 3, dx, &dev), f64_tensor(&y0[..3 * dy], 3, dy, &dev)).is_err(), "n = 3 is refused");
}

fn all_finite(t: Tensor<2>) -> bool {
    values(t).iter().all(|v| v.is_finite())
}

#[test]
fn gradients_are_finite_at_ties_and_for_constant_inputs() {
    let ad = Device::flex().autodiff();
    let n = 6;
    let mut x0 = sample(6, n, 3);
    x0.copy_within(0..3, 3); // rows 0 and 1 coincide
    let y0 = sample(7, n, 2);
    let constant = vec![0.25; n * 3];
    for (name, data) in [("tied rows", &x0), ("constant x", &constant)] {
        let x = f64_tensor(data, n, 3, &ad).require_grad();
        let y = f64_tensor(&y0, n, 2, &ad).require_grad();
        let loss = dcor_sqr_loss(x.clone(), y.clone(), &DcorLossConfig::new()).unwrap();
        let value = loss.clone().into_scalar::<f64>();
        let grads = loss.backward();
        assert!(value.is_finite(), "{name}: value {value}");
        assert!(all_finite(x.grad(&grads).unwrap()) && all_finite(y.grad(&grads).unwrap()), "{name}: dCor² loss");

        let x = f64_tensor(data, n, 3, &ad).require_grad();
        let y = f64_tensor(&y0, n, 2, &ad).require_grad();
        let g = f64_tensor(&sample(8, n, 2), n, 2, &ad);
        for kind in [PartialKind::SemiPartial, PartialKind::Partial] {
            let loss = partial_dcor_loss(x.clone(), y.clone(), g.clone(), kind).unwrap();
            let grads = loss.backward();
            assert!(all_finite(x.grad(&grads).unwrap()) && all_finite(y.grad(&grads).unwrap()), "{name}: {kind:?}");
        }
    }
    // f32 too: the usual training type.
    let x = Tensor::<2>::from_data(burn::tensor::TensorData::new(vec![1.0f32; 12], [4, 3]), &ad).require_grad();
    let y = Tensor::<2>::from_data(burn::tensor::TensorData::new((0..8).map(|v| v as f32).collect::<Vec<_>>(), [4, 2]), &ad);
    let grads = dcor_sqr_loss(x.clone(), y, &DcorLossConfig::new()).unwrap().backward();
    assert!(all_finite(x.grad(&grads).unwrap()));
}

#[test]
fn loss_values_equal_the_statistics() {
    let (n, dx, dy) = (12, 4, 3);
    let (x0, y0, z0) = (sample(9, n, dx), sample(10, n, dy), sample(11, n, 2));
    let dev = Device::flex();
    let (x, y, z) = (f64_tensor(&x0, n, dx, &dev), f64_tensor(&y0, n, dy, &dev), f64_tensor(&z0, n, 2, &dev));
    // Without the official eps and normalisation, the loss is exactly R_n².
    let cfg = DcorLossConfig::new().with_normalize_rows(false).with_denominator_eps(0.0);
    let loss = dcor_sqr_loss(x.clone(), y.clone(), &cfg).unwrap().into_scalar::<f64>();
    let stat = distance_correlation_sqr(&x, &y).unwrap();
    assert!(rel_err(loss, stat) < 1e-12, "{loss} vs {stat}");
    // The official eps changes it by < 1e-6 here.
    let official = dcor_sqr_loss(x.clone(), y.clone(), &DcorLossConfig::new().with_normalize_rows(false)).unwrap().into_scalar::<f64>();
    assert!(rel_err(official, stat) < 1e-6);

    let semi = partial_dcor_loss(x.clone(), z.clone(), y.clone(), PartialKind::SemiPartial).unwrap().into_scalar::<f64>();
    assert!(rel_err(semi, semipartial_distance_correlation(&x, &z, &y).unwrap()) < 1e-10);
    let full = partial_dcor_loss(x.clone(), z.clone(), y.clone(), PartialKind::Partial).unwrap().into_scalar::<f64>();
    assert!(rel_err(full, partial_distance_correlation(&x, &y, &z).unwrap()) < 1e-10);
    let _ = Matrix::new(&x0, n, dx).unwrap();
}

#[test]
fn zero_rows_and_explained_inputs_keep_gradients_finite() {
    let ad = Device::flex().autodiff();
    let n = 6;
    let mut x0 = sample(12, n, 3);
    x0[3..6].fill(0.0); // an all-zero row, as after a ReLU
    let y0 = sample(13, n, 2);
    let x = f64_tensor(&x0, n, 3, &ad).require_grad();
    let y = f64_tensor(&y0, n, 2, &ad);
    let grads = dcor_sqr_loss(x.clone(), y, &DcorLossConfig::new()).unwrap().backward();
    assert!(all_finite(x.grad(&grads).unwrap()), "normalised zero row");
    // x is (a copy of) the conditioning sample: R²((x|given), target) is 0, not noise/noise.
    let given = f64_tensor(&x0, n, 3, &ad);
    let target = f64_tensor(&sample(14, n, 2), n, 2, &ad);
    for kind in [PartialKind::SemiPartial, PartialKind::Partial] {
        let x = f64_tensor(&x0, n, 3, &ad).require_grad();
        let loss = partial_dcor_loss(x.clone(), given.clone(), target.clone(), kind).unwrap();
        let v = loss.clone().into_scalar::<f64>();
        assert!(v.abs() < 1e-6, "{kind:?}: {v}");
        let grads = loss.backward();
        assert!(all_finite(x.grad(&grads).unwrap()), "{kind:?}");
    }
}
