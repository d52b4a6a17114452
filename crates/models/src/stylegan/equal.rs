//! Equalised-learning-rate linear layer and the fused leaky ReLU.

use burn::module::{Module, Param};
use burn::tensor::activation::leaky_relu;
use burn::tensor::{Device, Tensor};

use super::init::{ParamRng, constant_param};

/// leaky_relu(x, 0.2)·√2: the √2 gain keeps the second moment of a unit-variance input.
pub fn fused_lrelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    leaky_relu(x, 0.2).mul_scalar(std::f64::consts::SQRT_2)
}

/// y = x·(c·W)ᵀ + lr_mul·b with W ~ N(0, 1/lr_mul²) and c = lr_mul/√fan_in: the weights are
/// stored at unit scale and scaled at run time, so Adam's step acts evenly on every layer.
#[derive(Module, Debug)]
pub struct EqualLinear {
    /// [out, in]
    pub weight: Param<Tensor<2>>,
    /// [out]
    pub bias: Param<Tensor<1>>,
    pub scale: f64,
    pub lr_mul: f64,
    /// Apply [`fused_lrelu`] after the affine map.
    pub activate: bool,
}

impl EqualLinear {
    pub fn new(d_in: usize, d_out: usize, bias_init: f32, lr_mul: f64, activate: bool, rng: &mut ParamRng, device: &Device) -> Self {
        Self {
            weight: rng.normal_param([d_out, d_in], 1.0 / lr_mul, device),
            bias: constant_param([d_out], bias_init / lr_mul as f32, device),
            scale: lr_mul / (d_in as f64).sqrt(),
            lr_mul,
            activate,
        }
    }

    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let w = self.weight.val().mul_scalar(self.scale).transpose();
        let y = x.matmul(w) + self.bias.val().mul_scalar(self.lr_mul).unsqueeze_dim(0);
        if self.activate { fused_lrelu(y) } else { y }
    }
}
