//! dCor² on `flex` (f32): forward, forward+backward, and the floor (the two Gram matmuls).
//!
//! `cargo bench -p pdc-dcor --bench dcor` (set `PDC_BENCH_N=256,1024` to choose sizes).

use burn::tensor::{Device, Distribution, Tensor};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pdc_dcor::loss::{DcorLossConfig, dcor_sqr_loss};

const D: usize = 512;

fn sizes() -> Vec<usize> {
    std::env::var("PDC_BENCH_N")
        .ok()
        .map(|s| s.split(',').filter_map(|v| v.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![256, 1024, 2048, 4096])
}

fn bench(c: &mut Criterion) {
    let device = Device::flex();
    let cfg = DcorLossConfig::new().with_normalize_rows(false);
    let mut group = c.benchmark_group("dcor_sqr_f32_d512");
    group.sample_size(10);
    for n in sizes() {
        let x = Tensor::<2>::random([n, D], Distribution::Normal(0.0, 1.0), &device);
        let y = Tensor::<2>::random([n, D], Distribution::Normal(0.0, 1.0), &device);
        group.bench_with_input(BenchmarkId::new("gram_floor", n), &n, |b, _| {
            b.iter(|| {
                let gx = x.clone().matmul(x.clone().transpose());
                let gy = y.clone().matmul(y.clone().transpose());
                device.sync().unwrap();
                (gx, gy)
            })
        });
        group.bench_with_input(BenchmarkId::new("forward", n), &n, |b, _| {
            b.iter(|| dcor_sqr_loss(x.clone(), y.clone(), &cfg).unwrap().into_scalar::<f32>())
        });
        let xa = x.clone().autodiff();
        let ya = y.clone().autodiff();
        group.bench_with_input(BenchmarkId::new("forward_backward", n), &n, |b, _| {
            b.iter(|| {
                let xg = xa.clone().require_grad();
                let loss = dcor_sqr_loss(xg.clone(), ya.clone(), &cfg).unwrap();
                let grads = loss.backward();
                let g = xg.grad(&grads).unwrap();
                device.sync().unwrap();
                g
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
