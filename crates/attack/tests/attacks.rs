//! FGSM/PGD invariants: the ε-ball, the pixel range, the loss going up, determinism.

use burn::module::Module;
use burn::tensor::loss::cross_entropy_with_logits;
use burn::tensor::{Device, Distribution, Int, Tensor};
use pdc_attack::*;
use pdc_models::{Classifier, ResNet, ResNetConfig};

fn setup() -> (ResNet, Tensor<4>, Tensor<1, Int>, InputNorm) {
    let ad = Device::flex().autodiff();
    ad.seed(0);
    let model = ResNetConfig::resnet18_small_grey(10).with_width(0.125).init(&ad);
    let plain = Device::flex();
    plain.seed(1);
    let norm = InputNorm { mean: vec![0.2860], std: vec![0.3530] };
    // Valid images in [0, 1], normalised.
    let img = Tensor::<4>::random([16, 1, 28, 28], Distribution::Uniform(0.0, 1.0), &plain);
    let x = img.sub_scalar(0.2860).div_scalar(0.3530);
    let y = Tensor::<1, Int>::from_data(burn::tensor::TensorData::new((0..16i64).map(|i| i % 10).collect::<Vec<_>>(), [16]), &plain);
    (model, x, y, norm)
}

fn loss(model: &ResNet, x: Tensor<4>, y: Tensor<1, Int>) -> f64 {
    let logits = model.classify(x).logits;
    cross_entropy_with_logits(logits, y.one_hot::<2>(10).float()).mean().into_scalar::<f64>()
}

fn max_abs(t: Tensor<4>) -> f64 {
    t.abs().max().into_scalar::<f64>()
}

#[test]
fn fgsm_moves_exactly_eps_and_raises_the_loss() {
    let (model, x, y, norm) = setup();
    let eval = model.valid();
    let labels = pdc_attack::predict(&eval, x.clone());
    let adv = craft(&model, x.clone(), y.clone(), &Attack::fgsm(0.05, EpsUnit::Normalized), &norm, 0);
    let delta = adv.clone() - x.clone();
    assert!((max_abs(delta.clone()) - 0.05).abs() < 1e-6);
    // Every pixel with a non-zero gradient moves by exactly ±ε.
    let moved = delta.abs().greater_elem(0.0499).int().sum().into_scalar::<i64>();
    assert!(moved as f64 > 0.9 * (16 * 784) as f64, "{moved}");
    assert!(loss(&eval, adv, labels.clone()) > loss(&eval, x.clone(), labels), "FGSM raises the loss on the predicted labels");
    assert_eq!(accuracy(&eval, x.clone(), pdc_attack::predict(&eval, x)), 1.0);
}

#[test]
fn pixel_units_respect_the_image_range_and_per_channel_eps() {
    let (model, x, y, norm) = setup();
    let eps = 0.1;
    let adv = craft(&model, x.clone(), y, &Attack::pgd(eps, 0.025, 5, EpsUnit::Pixel), &norm, 3);
    let bound = eps / 0.3530;
    assert!(max_abs(adv.clone() - x) <= bound + 1e-5);
    let pixels = adv.mul_scalar(0.3530).add_scalar(0.2860);
    assert!(pixels.clone().min().into_scalar::<f64>() >= -1e-6 && pixels.max().into_scalar::<f64>() <= 1.0 + 1e-6);
}

#[test]
fn pgd_is_stronger_than_fgsm_and_reproducible() {
    let (model, x, y, norm) = setup();
    let eval = model.valid();
    let labels = pdc_attack::predict(&eval, x.clone());
    let fgsm = craft(&model, x.clone(), y.clone(), &Attack::fgsm(0.1, EpsUnit::Normalized), &norm, 0);
    let pgd = Attack::pgd(0.1, 0.025, 10, EpsUnit::Normalized);
    let a = craft(&model, x.clone(), y.clone(), &pgd, &norm, 7);
    let b = craft(&model, x.clone(), y.clone(), &pgd, &norm, 7);
    assert_eq!(a.to_data(), b.to_data(), "same seed, same examples");
    assert!(max_abs(a.clone() - x.clone()) <= 0.1 + 1e-6);
    let (lf, lp) = (loss(&eval, fgsm, labels.clone()), loss(&eval, a, labels.clone()));
    assert!(lp >= lf - 1e-6, "PGD loss {lp} vs FGSM {lf}");
    // Zero iterations without a random start leaves the input unchanged.
    let none = Attack { kind: AttackKind::Pgd { step: 0.01, iterations: 0, random_start: false }, ..pgd };
    assert_eq!(craft(&model, x.clone(), y, &none, &norm, 0).to_data(), x.to_data());
}
