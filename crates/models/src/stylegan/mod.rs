//! A StyleGAN2-style synthesis network (Karras et al. 2020), as ZeroDIM and the PDC paper §6 use
//! it: a learned constant 4×4 input, per-layer affine styles driving modulated convolutions with
//! demodulation, equalised learning rate, FIR ([1,3,3,1]) up-sampling in the up-convolutions and
//! in the skip path, summed skip ToRGB outputs, and leaky ReLU with √2 gain. Optional: noise
//! inputs and a mapping network (both off by default, as in ZeroDIM).
//!
//! The modulation uses the non-fused form (scale the input channels, one shared convolution,
//! scale the output channels), which equals a per-sample-weight convolution without grouped
//! convolutions; [`ModulatedConv2d::sample_weights`] builds the explicit weights for checking.

mod equal;
mod fir;
mod generator;
mod init;
mod modconv;

pub use equal::{EqualLinear, fused_lrelu};
pub use fir::{FIR_TAPS, blur, fir_kernel, upsample2x};
pub use generator::{Generator, GeneratorConfig, StyledConv, ToRgb, pixel_norm};
pub use init::ParamRng;
pub use modconv::ModulatedConv2d;
