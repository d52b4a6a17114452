//! Deterministic parameter initialisation from a seed (SplitMix64 + Box–Muller), so two models
//! built with the same seed are identical on every backend and independent of the device RNG.

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};

/// A seeded stream of normal and uniform numbers for initialising parameters.
#[derive(Debug, Clone)]
pub struct ParamRng(pub u64);

impl ParamRng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// `n` values N(0, std²).
    pub fn normals(&mut self, n: usize, std: f64) -> Vec<f32> {
        (0..n).map(|_| (self.normal() * std) as f32).collect()
    }

    /// A parameter of the given shape filled with N(0, std²).
    pub fn normal_param<const D: usize>(&mut self, shape: [usize; D], std: f64, device: &Device) -> Param<Tensor<D>> {
        let n = shape.iter().product();
        Param::from_data(TensorData::new(self.normals(n, std), shape), device)
    }

    /// A parameter of the given shape filled with U(lo, hi).
    pub fn uniform_param<const D: usize>(&mut self, shape: [usize; D], lo: f64, hi: f64, device: &Device) -> Param<Tensor<D>> {
        let n = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|_| (lo + (hi - lo) * self.uniform()) as f32).collect();
        Param::from_data(TensorData::new(v, shape), device)
    }
}

/// A parameter filled with a constant.
pub fn constant_param<const D: usize>(shape: [usize; D], value: f32, device: &Device) -> Param<Tensor<D>> {
    let n = shape.iter().product();
    Param::from_data(TensorData::new(vec![value; n], shape), device)
}
