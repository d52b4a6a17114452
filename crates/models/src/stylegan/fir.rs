//! FIR low-pass filtering with the separable [1,3,3,1] kernel: the blur after an up-convolution
//! and the 2× up-sampling of the skip path, both as depthwise (grouped) convolutions.

use burn::tensor::module::{conv2d, conv_transpose2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
use burn::tensor::{Device, Tensor, TensorData};

/// The 1-D taps of StyleGAN2's default resampling filter.
pub const FIR_TAPS: [f32; 4] = [1.0, 3.0, 3.0, 1.0];

/// The 4×4 kernel k⊗k / Σ(k⊗k) times `gain`, as a depthwise weight [channels, 1, 4, 4].
/// The kernel is symmetric, so convolution and correlation agree.
pub fn fir_kernel(channels: usize, gain: f32, device: &Device) -> Tensor<4> {
    let sum: f32 = FIR_TAPS.iter().sum::<f32>().powi(2);
    let mut k = Vec::with_capacity(16);
    for a in FIR_TAPS {
        for b in FIR_TAPS {
            k.push(a * b / sum * gain);
        }
    }
    Tensor::<4>::from_data(TensorData::new(k, [1, 1, 4, 4]), device).repeat_dim(0, channels)
}

/// Depthwise 4×4 blur with zero padding (`pad_begin`, `pad_end`) on both spatial axes.
pub fn blur(x: Tensor<4>, pad: (usize, usize), gain: f32) -> Tensor<4> {
    let c = x.dims()[1];
    let k = fir_kernel(c, gain, &x.device());
    let options = ConvOptions { stride: [1, 1], padding: [pad, pad], dilation: [1, 1], groups: c };
    conv2d(x, k, None, options)
}

/// 2× up-sampling of StyleGAN2's skip path, upfirdn2d(up = 2, pad = (2, 1)) with gain 4: a
/// depthwise transposed convolution, stride 2, padding 1, kernel 4·K; [B, C, H, W] → [B, C, 2H, 2W].
/// A constant image stays constant except in the outermost rows and columns, which the zero
/// padding scales by 3/4.
pub fn upsample2x(x: Tensor<4>) -> Tensor<4> {
    let c = x.dims()[1];
    let k = fir_kernel(c, 4.0, &x.device());
    conv_transpose2d(x, k, None, ConvTransposeOptions::new([2, 2], [1, 1], [0, 0], [1, 1], c))
}
