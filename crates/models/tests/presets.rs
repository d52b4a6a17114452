//! Every preset builds; parameter counts equal torchvision's/timm's; forward and backward run on
//! `flex` for every depth (at a small width and input, to keep the suite fast).

use burn::module::Module;
use burn::tensor::{Device, Distribution, Int, Tensor};
use burn::tensor::loss::cross_entropy_with_logits;
use pdc_models::{Classifier, ResNetConfig, Stem, VitConfig};

#[test]
fn parameter_counts_match_torchvision_and_timm() {
    let device = Device::flex();
    // torchvision resnet18/34/50 state-dict sizes (parameters 11 689 512 / 21 797 672 / 25 557 032
    // plus the batch-norm running statistics, which Burn counts too) and timm
    // vit_tiny/small/base_patch16_224 parameter counts.
    for (depth, want) in [(18, 11_699_112usize), (34, 21_814_696), (50, 25_610_152)] {
        assert_eq!(ResNetConfig::new(depth).init(&device).num_params(), want, "resnet{depth}");
    }
    for (cfg, want, name) in [(VitConfig::tiny(), 5_717_416usize, "tiny"), (VitConfig::small(), 22_050_664, "small"), (VitConfig::base(), 86_567_656, "base")] {
        assert_eq!(cfg.init(&device).num_params(), want, "vit {name}");
    }
}

fn train_step(model: &impl Classifier, x: Tensor<4>, classes: usize) -> f32 {
    let b = x.dims()[0];
    let out = model.classify(x);
    assert_eq!(out.logits.dims(), [b, classes]);
    let labels = Tensor::<1, Int>::from_data([0i64, 1], &out.logits.device());
    let one_hot = labels.one_hot::<2>(classes).float();
    let loss = cross_entropy_with_logits(out.logits, one_hot).mean() + out.features.square().mean().mul_scalar(1e-3);
    let grads = loss.backward();
    let _ = grads;
    loss.into_scalar::<f32>()
}

#[test]
fn every_depth_and_stem_trains_one_step() {
    let ad = Device::flex().autodiff();
    for depth in [18, 34, 50, 101, 152] {
        for stem in [Stem::Cifar, Stem::ImageNet] {
            let cfg = ResNetConfig::new(depth).with_num_classes(3).with_width(0.0625).with_stem(stem);
            let model = cfg.init(&ad);
            let x = Tensor::<4>::random([2, 3, 32, 32], Distribution::Normal(0.0, 1.0), &ad).require_grad();
            let loss = train_step(&model, x, 3);
            assert!(loss.is_finite(), "resnet{depth} {stem:?}");
            assert_eq!(model.classify(Tensor::zeros([2, 3, 32, 32], &ad)).features.dims(), [2, cfg.feature_dim()]);
        }
    }
    let vit = VitConfig::small_image(28, 1, 10).init(&ad);
    let loss = train_step(&vit, Tensor::random([2, 1, 28, 28], Distribution::Normal(0.0, 1.0), &ad), 10);
    assert!(loss.is_finite());
    let small = ResNetConfig::resnet18_small_grey(10).init(&ad);
    assert!(train_step(&small, Tensor::random([2, 1, 28, 28], Distribution::Normal(0.0, 1.0), &ad), 10).is_finite());
}
