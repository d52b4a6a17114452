//! Parity with PyTorch: small random-weight torchvision-layout ResNets and a timm ViT, written by
//! scripts/make_parity_fixtures.py, give the same logits and features here (≤ 1e-4).

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use pdc_models::{Classifier, ResNetConfig, Stem, Taps, VitConfig, load_pytorch_weights};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn npy(name: &str) -> (Vec<f32>, usize, usize) {
    let t = pdc_dcor::io::read_npy(&fixture(name)).unwrap();
    (t.data.iter().map(|&v| v as f32).collect(), t.rows, t.cols)
}

fn input(name: &str, shape: [usize; 4], device: &Device) -> Tensor<4> {
    let (data, rows, cols) = npy(name);
    assert_eq!(rows * cols, shape.iter().product::<usize>());
    Tensor::from_data(TensorData::new(data, shape), device)
}

fn assert_close(got: Tensor<2>, expected: &str) {
    let (want, rows, cols) = npy(expected);
    assert_eq!(got.dims(), [rows, cols], "{expected}");
    let got: Vec<f32> = got.into_data().iter::<f32>().collect();
    let max = got.iter().zip(&want).map(|(a, b)| (a - b).abs() / b.abs().max(1.0)).fold(0.0f32, f32::max);
    println!("{expected}: max error {max:.2e}");
    assert!(max <= 1e-4, "{expected}: max error {max:e}");
}

#[test]
fn resnet18_layout_from_safetensors() {
    let device = Device::flex();
    let mut model = ResNetConfig::new(18).with_num_classes(5).with_width(0.125).init(&device);
    let report = load_pytorch_weights(&mut model, &fixture("resnet18_w0125.safetensors"), false).unwrap();
    assert!(report.missing.is_empty() && report.applied > 50, "{report:?}");
    assert!(report.unused.iter().all(|k| k.ends_with("num_batches_tracked")), "{:?}", report.unused);
    let out = model.classify(input("resnet18_input.npy", [2, 3, 64, 64], &device));
    assert_close(out.logits, "resnet18_logits.npy");
    assert_close(out.features, "resnet18_features.npy");
}

#[test]
fn resnet50_layout_cifar_stem_grey_from_pth() {
    let device = Device::flex();
    let cfg = ResNetConfig::new(50).with_num_classes(4).with_width(0.0625).with_in_channels(1).with_stem(Stem::Cifar);
    let mut model = cfg.init(&device);
    load_pytorch_weights(&mut model, &fixture("r50_cifar.pth"), false).unwrap();
    let out = model.classify(input("resnet50_input.npy", [2, 1, 28, 28], &device));
    assert_eq!(out.features.dims()[1], cfg.feature_dim());
    assert_close(out.logits, "resnet50_logits.npy");
    assert_close(out.features, "resnet50_features.npy");
}

#[test]
fn timm_vit_from_safetensors_and_wrapped_pth() {
    let device = Device::flex();
    let cfg = VitConfig::new().with_image_size(32).with_patch_size(8).with_num_classes(7).with_dim(48).with_depth(2).with_heads(3);
    for file in ["vit_tiny_p8.safetensors", "vit_tiny_p8.pth"] {
        let mut model = cfg.init(&device);
        let report = load_pytorch_weights(&mut model, &fixture(file), false).unwrap();
        assert!(report.missing.is_empty(), "{file}: {report:?}");
        let out = model.classify(input("vit_input.npy", [2, 3, 32, 32], &device));
        assert_close(out.logits, "vit_logits.npy");
        assert_close(out.features, "vit_features.npy");
    }
}

#[test]
fn import_errors_name_the_file() {
    let device = Device::flex();
    let mut model = ResNetConfig::new(18).with_num_classes(5).with_width(0.125).init(&device);
    let e = load_pytorch_weights(&mut model, Path::new("/nonexistent/w.pth"), false).unwrap_err();
    assert!(e.contains("/nonexistent/w.pth") && e.contains("not found"), "{e}");
    // A ViT file into a ResNet: nothing matches, which is an error unless partial loads are allowed.
    let e = load_pytorch_weights(&mut model, &fixture("vit_tiny_p8.safetensors"), false).unwrap_err();
    assert!(e.contains("vit_tiny_p8.safetensors"), "{e}");
    // Wrong width: shapes differ.
    let mut wide = ResNetConfig::new(18).with_num_classes(5).with_width(0.25).init(&device);
    assert!(load_pytorch_weights(&mut wide, &fixture("resnet18_w0125.safetensors"), true).is_err());
    let _ = model.num_params();
}

#[test]
fn taps_name_every_layer_and_match_features() {
    let device = Device::flex();
    let model = ResNetConfig::resnet18_small_grey(10).init(&device);
    let x = Tensor::<4>::zeros([2, 1, 28, 28], &device);
    let mut taps = Taps::all();
    let out = model.forward_taps(x.clone(), &mut taps);
    let names: Vec<String> = taps.names().to_vec();
    assert_eq!(names.len(), 1 + 8 + 2);
    assert_eq!(&names[..3], &["stem", "layer1.0", "layer1.1"]);
    let values = taps.into_values();
    assert_eq!(values[1].1.dims(), [2, 16 * 28 * 28]);
    let pool = &values[names.iter().position(|n| n == "pool").unwrap()].1;
    assert_eq!(pool.to_data(), out.features.to_data());
    let wanted = vec!["layer4.1".to_string()];
    let mut some = Taps::only(&wanted);
    model.forward_taps(x, &mut some);
    assert_eq!(some.into_values().len(), 1);
    let vit = VitConfig::small_image(28, 1, 10).init(&device);
    let mut taps = Taps::all();
    let out = vit.forward_taps(Tensor::zeros([2, 1, 28, 28], &device), &mut taps);
    assert_eq!(out.features.dims(), [2, 96]);
    assert_eq!(taps.names().len(), 1 + 4 * 4 + 2);
}

#[test]
fn gradient_leaf_gives_the_gradient_of_an_intermediate_activation() {
    let device = Device::flex().autodiff();
    let model = ResNetConfig::resnet18_small_grey(10).init(&device);
    let x = Tensor::<4>::random([2, 1, 28, 28], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
    // loss = Σ logits: d loss / d features = Σ_k fc.W[:, k] for every row, and the last block's
    // map is average-pooled, so its gradient is that row / (h·w) at every position.
    let row: Vec<f32> = model.fc.weight.val().inner().sum_dim(1).into_data().iter::<f32>().collect();
    let mut taps = Taps::gradient_at("layer4.1");
    let out = model.forward_taps(x, &mut taps);
    let leaf = taps.take_leaf().expect("layer4.1 was reached");
    assert_eq!(leaf.shape, vec![2, 128, 4, 4]);
    assert_eq!(leaf.activation.dims(), [2, 128 * 16]);
    let g: Vec<f32> = leaf.gradient(&out.logits.sum().backward()).unwrap().into_data().iter::<f32>().collect();
    for (i, v) in g.iter().enumerate() {
        let c = (i % (128 * 16)) / 16;
        assert!((v - row[c] / 16.0).abs() < 1e-6, "entry {i}: {v} vs {}", row[c] / 16.0);
    }
    // On a ViT the leaf is a [batch, tokens, dim] activation; on a plain device nothing is made.
    let vit = VitConfig::small_image(28, 1, 10).init(&device);
    let mut taps = Taps::gradient_at("blocks.3.norm1");
    let out = vit.forward_taps(Tensor::zeros([2, 1, 28, 28], &device), &mut taps);
    let leaf = taps.take_leaf().unwrap();
    assert_eq!(leaf.shape, vec![2, 50, 96]);
    assert!(leaf.gradient(&out.logits.sum().backward()).is_some());
    let mut plain = Taps::gradient_at("pool");
    model.valid().forward_taps(Tensor::zeros([1, 1, 28, 28], &Device::flex()), &mut plain);
    assert!(plain.take_leaf().is_none());
}
