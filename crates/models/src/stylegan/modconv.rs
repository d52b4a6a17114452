//! Modulated convolution with optional demodulation and FIR up-sampling (StyleGAN2).
//!
//! Per sample b: w′[o,i,k] = c·W[o,i,k]·s[b,i] with s = A(style), and with demodulation
//! w″ = w′ / √(Σ_{i,k} w′² + 1e-8). Computed in the non-fused form
//! conv(x·s, c·W)·d[b,o] with d = 1/√(Σ_i s[b,i]² Σ_k (c·W[o,i,k])² + 1e-8), which is the same
//! linear map because s and d do not depend on the pixel position.

use burn::module::{Module, Param};
use burn::tensor::module::{conv2d, conv_transpose2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
use burn::tensor::{Device, Tensor};

use super::equal::EqualLinear;
use super::fir::blur;
use super::init::ParamRng;

const DEMOD_EPS: f64 = 1e-8;

#[derive(Module, Debug)]
pub struct ModulatedConv2d {
    /// [out, in, k, k], stored N(0, 1) (equalised learning rate: scaled by `scale` at run time).
    pub weight: Param<Tensor<4>>,
    /// The per-layer affine style A: style_dim → in, bias initialised to 1 (identity modulation).
    pub modulation: EqualLinear,
    pub in_channels: usize,
    pub out_channels: usize,
    pub kernel_size: usize,
    pub demodulate: bool,
    /// Transposed stride-2 convolution followed by the FIR blur: [H, W] → [2H, 2W].
    pub upsample: bool,
    /// 1/√(in·k²).
    pub scale: f64,
}

impl ModulatedConv2d {
    #[allow(clippy::too_many_arguments)]
    pub fn new(in_channels: usize, out_channels: usize, kernel_size: usize, style_dim: usize, demodulate: bool, upsample: bool, rng: &mut ParamRng, device: &Device) -> Self {
        assert!(kernel_size % 2 == 1 && (!upsample || kernel_size <= 3), "modulated conv: kernel {kernel_size} must be odd (≤ 3 when up-sampling)");
        Self {
            weight: rng.normal_param([out_channels, in_channels, kernel_size, kernel_size], 1.0, device),
            modulation: EqualLinear::new(style_dim, in_channels, 1.0, 1.0, false, rng, device),
            in_channels,
            out_channels,
            kernel_size,
            demodulate,
            upsample,
            scale: 1.0 / ((in_channels * kernel_size * kernel_size) as f64).sqrt(),
        }
    }

    /// The shared (unmodulated) weight c·W.
    fn scaled_weight(&self) -> Tensor<4> {
        self.weight.val().mul_scalar(self.scale)
    }

    /// Demodulation coefficients d[b, o], shape [B, out].
    fn demod(&self, s: Tensor<2>) -> Tensor<2> {
        let w2 = self.scaled_weight().square().sum_dim(3).sum_dim(2).reshape([self.out_channels, self.in_channels]);
        s.square().matmul(w2.transpose()).add_scalar(DEMOD_EPS).sqrt().recip()
    }

    /// The shared convolution (with up-sampling when configured) of an already modulated input.
    pub fn shared_conv(&self, x: Tensor<4>, weight: Tensor<4>) -> Tensor<4> {
        if self.upsample {
            // Transposed conv weights are [in, out, k, k]; stride 2 without padding gives
            // 2H + k − 2, and StyleGAN2's blur padding brings it back to 2H (k = 3: pad (1, 1)).
            let k = self.kernel_size;
            let pad = ((4 - k) / 2 + 1, (3 - k) / 2 + 1);
            let y = conv_transpose2d(x, weight.swap_dims(0, 1), None, ConvTransposeOptions::new([2, 2], [0, 0], [0, 0], [1, 1], 1));
            blur(y, pad, 4.0)
        } else {
            let p = self.kernel_size / 2;
            conv2d(x, weight, None, ConvOptions::new([1, 1], [p, p], [1, 1], 1))
        }
    }

    /// x: [B, in, H, W], style: [B, style_dim] → [B, out, H′, W′].
    pub fn forward(&self, x: Tensor<4>, style: Tensor<2>) -> Tensor<4> {
        let [b, c, _, _] = x.dims();
        assert_eq!(c, self.in_channels, "modulated conv: input has {c} channels, the layer expects {}", self.in_channels);
        let s = self.modulation.forward(style);
        let y = self.shared_conv(x * s.clone().reshape([b, c, 1, 1]), self.scaled_weight());
        if self.demodulate {
            y * self.demod(s).reshape([b, self.out_channels, 1, 1])
        } else {
            y
        }
    }

    /// The explicit per-sample weights w″ (or w′ without demodulation): [B, out, in, k, k].
    pub fn sample_weights(&self, style: Tensor<2>) -> Tensor<5> {
        let b = style.dims()[0];
        let (o, i, k) = (self.out_channels, self.in_channels, self.kernel_size);
        let s = self.modulation.forward(style);
        let w = self.scaled_weight().unsqueeze_dim::<5>(0) * s.reshape([b, 1, i, 1, 1]);
        debug_assert_eq!(w.dims(), [b, o, i, k, k]);
        if self.demodulate {
            let norm = w.clone().square().sum_dim(4).sum_dim(3).sum_dim(2).add_scalar(DEMOD_EPS).sqrt();
            w / norm.reshape([b, o, 1, 1, 1])
        } else {
            w
        }
    }
}
