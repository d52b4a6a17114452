//! Time of the exact blocked estimator at large n (bench, not a test):
//! `cargo run --release -p pdc-dcor --example blocked_scale -- N [D] [TILE] [f32|f64]`.
//! Prints n, d, tile, dtype, seconds and dCor²; run under `/usr/bin/time -v` for peak memory.

use std::time::Instant;

use burn::tensor::{DType, Device, Distribution, Tensor};
use pdc_dcor::Dcor;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: usize| args.get(i).and_then(|v| v.parse().ok()).unwrap_or(default);
    let (n, d, tile) = (arg(1, 100_000), arg(2, 64), arg(3, 4096));
    let dtype = if args.get(4).map(String::as_str) == Some("f64") { DType::F64 } else { DType::F32 };
    let device = Device::flex();
    let x = Tensor::<2>::random([n, d], Distribution::Normal(0.0, 1.0), (&device, dtype));
    // y depends on x through the norm of its first 8 coordinates, plus noise.
    let noise = Tensor::<2>::random([n, d], Distribution::Normal(0.0, 1.0), (&device, dtype));
    let y = x.clone().narrow(1, 0, 8).square().sum_dim(1).sqrt() + noise;
    let start = Instant::now();
    let t = Dcor::v().with_block(tile).terms(&x, &y).expect("valid input");
    let secs = start.elapsed().as_secs_f64();
    println!("n={n} d={d} tile={tile} dtype={dtype:?} seconds={secs:.2} dcor_sqr={:.6}", t.correlation_sqr());
}
