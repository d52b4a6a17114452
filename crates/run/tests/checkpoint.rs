//! A checkpoint restores everything the forward pass depends on, batch-norm statistics included.

use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use pdc_models::{Classifier, ResNetConfig};
use pdc_run::{load_model, save_model};

#[test]
fn save_then_load_reproduces_eval_outputs() {
    let ad = Device::flex().autodiff();
    let cfg = ResNetConfig::resnet18_small_grey(10).with_width(0.125);
    let model = cfg.init(&ad);
    // A training-mode forward updates the running statistics.
    let x = Tensor::<4>::random([8, 1, 28, 28], Distribution::Normal(0.5, 2.0), &ad);
    let _ = model.classify(x.clone());
    // Burn 0.22.1 keeps the latest running-statistics update pending; without this sync the
    // checkpoint misses it (this test failed before the sync was added).
    model.sync_running_stats();
    let dir = std::env::temp_dir().join(format!("pdc-ckpt-{}", std::process::id()));
    let path = dir.join("m.bpk");
    save_model(&model, &path).unwrap();
    let mut fresh = cfg.init(&ad);
    load_model(&mut fresh, &path).unwrap();
    let plain = x.inner();
    let a = model.valid().classify(plain.clone()).logits.into_data();
    let b = fresh.valid().classify(plain).logits.into_data();
    assert_eq!(a, b);
    std::fs::remove_dir_all(&dir).ok();
}
