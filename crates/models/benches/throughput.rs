//! Forward+backward throughput of the CPU-sized models at batch 64 on `flex` (f32):
//! `cargo bench -p pdc-models --bench throughput`. Images/s = 64 / time per iteration.
//! PyTorch counterpart: benches/throughput_torch.py.

use burn::tensor::loss::cross_entropy_with_logits;
use burn::tensor::{Device, Distribution, Int, Tensor};
use criterion::{Criterion, criterion_group, criterion_main};
use pdc_models::{Classifier, ResNetConfig, VitConfig};

const BATCH: usize = 64;

fn step(model: &impl Classifier, x: &Tensor<4>, y: &Tensor<1, Int>, device: &Device) {
    let out = model.classify(x.clone());
    let loss = cross_entropy_with_logits(out.logits, y.clone().one_hot::<2>(10).float()).mean();
    let grads = loss.backward();
    drop(grads);
    device.sync().unwrap();
}

fn bench(c: &mut Criterion) {
    let device = Device::flex().autodiff();
    let x = Tensor::<4>::random([BATCH, 1, 28, 28], Distribution::Normal(0.0, 1.0), &device);
    let y = Tensor::<1, Int>::from_data(burn::tensor::TensorData::new((0..BATCH as i64).map(|i| i % 10).collect::<Vec<_>>(), [BATCH]), &device);
    let mut group = c.benchmark_group("train_step_batch64_28x28");
    group.sample_size(10);
    let resnet = ResNetConfig::resnet18_small_grey(10).init(&device);
    group.bench_function("resnet18_w0.25_cifar_stem", |b| b.iter(|| step(&resnet, &x, &y, &device)));
    let vit = VitConfig::small_image(28, 1, 10).init(&device);
    group.bench_function("vit_p4_d96_depth4", |b| b.iter(|| step(&vit, &x, &y, &device)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
