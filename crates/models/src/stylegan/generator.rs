//! The synthesis network: constant input → [StyledConv, ToRGB] at 4×4, then per resolution
//! [up StyledConv, StyledConv, ToRGB]; the image is the sum of the up-sampled ToRGB outputs.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};

use super::equal::{EqualLinear, fused_lrelu};
use super::fir::upsample2x;
use super::init::{ParamRng, constant_param};
use super::modconv::ModulatedConv2d;

/// Generator hyper-parameters.
#[derive(Config, Debug)]
pub struct GeneratorConfig {
    /// Output side length: a power of two from 8 to 1024 (32–256 in the experiments).
    pub resolution: usize,
    /// Length of the style vector every layer reads (ZeroDIM: the code [f; r]).
    pub style_dim: usize,
    /// Channels at 4, 8, …, `resolution` (log2(resolution) − 1 entries).
    pub channels: Vec<usize>,
    #[config(default = 3)]
    pub image_channels: usize,
    /// Per-pixel noise inputs with a learned strength per layer (initialised to 0).
    #[config(default = false)]
    pub noise: bool,
    /// Layers of the mapping network (0: the style is used directly, as in ZeroDIM).
    #[config(default = 0)]
    pub mapping_layers: usize,
    /// Learning-rate multiplier of the mapping network (StyleGAN2: 0.01).
    #[config(default = 0.01)]
    pub mapping_lr_mul: f64,
}

impl GeneratorConfig {
    /// Checks the settings; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        let r = self.resolution;
        if !(8..=1024).contains(&r) || !r.is_power_of_two() {
            return Err(format!("generator: resolution {r} must be a power of two from 8 to 1024"));
        }
        let levels = r.trailing_zeros() as usize - 1;
        if self.channels.len() != levels {
            return Err(format!("generator: channels has {} entries, resolution {r} needs {levels} (4, 8, …, {r})", self.channels.len()));
        }
        if self.channels.contains(&0) || self.style_dim == 0 || self.image_channels == 0 {
            return Err("generator: channels, style_dim and image_channels must be positive".into());
        }
        if !(self.mapping_lr_mul > 0.0) {
            return Err("generator: mapping_lr_mul must be positive".into());
        }
        Ok(())
    }

    /// Builds the generator with parameters drawn from `seed`.
    pub fn init(&self, device: &Device, seed: u64) -> Result<Generator, String> {
        self.validate()?;
        let mut rng = ParamRng(seed);
        let (sd, ch) = (self.style_dim, &self.channels);
        let mapping = (0..self.mapping_layers).map(|_| EqualLinear::new(sd, sd, 0.0, self.mapping_lr_mul, true, &mut rng, device)).collect();
        let input = rng.normal_param([1, ch[0], 4, 4], 1.0, device);
        let conv1 = StyledConv::new(ch[0], ch[0], false, self.noise, sd, &mut rng, device);
        let to_rgb1 = ToRgb::new(ch[0], self.image_channels, sd, &mut rng, device);
        let (mut convs, mut to_rgbs) = (Vec::new(), Vec::new());
        for w in ch.windows(2) {
            convs.push(StyledConv::new(w[0], w[1], true, self.noise, sd, &mut rng, device));
            convs.push(StyledConv::new(w[1], w[1], false, self.noise, sd, &mut rng, device));
            to_rgbs.push(ToRgb::new(w[1], self.image_channels, sd, &mut rng, device));
        }
        Ok(Generator { mapping, input, conv1, to_rgb1, convs, to_rgbs, style_dim: sd, resolution: self.resolution })
    }
}

/// Modulated conv + optional noise + bias + fused leaky ReLU.
#[derive(Module, Debug)]
pub struct StyledConv {
    pub conv: ModulatedConv2d,
    /// Noise strength γ (a scalar), when noise inputs are on.
    pub noise_strength: Option<Param<Tensor<1>>>,
    pub bias: Param<Tensor<1>>,
}

impl StyledConv {
    fn new(cin: usize, cout: usize, upsample: bool, noise: bool, style_dim: usize, rng: &mut ParamRng, device: &Device) -> Self {
        Self {
            conv: ModulatedConv2d::new(cin, cout, 3, style_dim, true, upsample, rng, device),
            noise_strength: noise.then(|| constant_param([1], 0.0, device)),
            bias: constant_param([cout], 0.0, device),
        }
    }

    /// `noise_seed` draws the per-pixel noise (when noise inputs are on) from a seeded host
    /// stream, so runs are reproducible on every backend and resume bit-identically.
    pub fn forward(&self, x: Tensor<4>, style: Tensor<2>, noise_seed: u64) -> Tensor<4> {
        let mut y = self.conv.forward(x, style);
        let [b, c, h, w] = y.dims();
        if let Some(g) = &self.noise_strength {
            let n = TensorData::new(ParamRng(noise_seed).normals(b * h * w, 1.0), [b, 1, h, w]);
            let n = Tensor::<4>::from_data(n, &y.device());
            y = y + n * g.val().reshape([1, 1, 1, 1]);
        }
        fused_lrelu(y + self.bias.val().reshape([1, c, 1, 1]))
    }
}

/// Modulated 1×1 convolution to RGB without demodulation, plus bias, plus the up-sampled skip.
#[derive(Module, Debug)]
pub struct ToRgb {
    pub conv: ModulatedConv2d,
    pub bias: Param<Tensor<1>>,
}

impl ToRgb {
    fn new(cin: usize, cout: usize, style_dim: usize, rng: &mut ParamRng, device: &Device) -> Self {
        Self { conv: ModulatedConv2d::new(cin, cout, 1, style_dim, false, false, rng, device), bias: constant_param([cout], 0.0, device) }
    }

    pub fn forward(&self, x: Tensor<4>, style: Tensor<2>, skip: Option<Tensor<4>>) -> Tensor<4> {
        let y = self.conv.forward(x, style);
        let c = y.dims()[1];
        let y = y + self.bias.val().reshape([1, c, 1, 1]);
        match skip {
            Some(s) => y + upsample2x(s),
            None => y,
        }
    }
}

/// The StyleGAN2-style synthesis network.
#[derive(Module, Debug)]
pub struct Generator {
    pub mapping: Vec<EqualLinear>,
    /// The learned constant input [1, C, 4, 4].
    pub input: Param<Tensor<4>>,
    pub conv1: StyledConv,
    pub to_rgb1: ToRgb,
    /// Two per resolution above 4: the up-sampling conv, then a plain one.
    pub convs: Vec<StyledConv>,
    pub to_rgbs: Vec<ToRgb>,
    pub style_dim: usize,
    pub resolution: usize,
}

impl Generator {
    /// style: [B, style_dim] → images [B, image_channels, resolution, resolution] (linear
    /// output, no squashing). Every layer reads the same style, as in ZeroDIM. Noise inputs (if
    /// on) are the fixed draw of seed 0: use [`Generator::forward_seeded`] to train.
    pub fn forward(&self, style: Tensor<2>) -> Tensor<4> {
        self.forward_seeded(style, 0)
    }

    /// [`Generator::forward`] with the noise inputs drawn from `noise_seed` (one stream per layer).
    pub fn forward_seeded(&self, style: Tensor<2>, noise_seed: u64) -> Tensor<4> {
        let [b, d] = style.dims();
        assert_eq!(d, self.style_dim, "generator: style has {d} dimensions, the generator expects {}", self.style_dim);
        // StyleGAN2 normalises z before the mapping network (pixel norm).
        let style = if self.mapping.is_empty() { style } else { pixel_norm(style) };
        let w = self.mapping.iter().fold(style, |w, layer| layer.forward(w));
        let layer_seed = |l: u64| ParamRng(noise_seed ^ l.wrapping_mul(0x9E37_79B9_7F4A_7C15)).next_u64();
        let x = self.input.val().repeat_dim(0, b);
        let mut x = self.conv1.forward(x, w.clone(), layer_seed(0));
        let mut skip = self.to_rgb1.forward(x.clone(), w.clone(), None);
        for (l, (pair, to_rgb)) in self.convs.chunks(2).zip(&self.to_rgbs).enumerate() {
            x = pair[0].forward(x, w.clone(), layer_seed(2 * l as u64 + 1));
            x = pair[1].forward(x, w.clone(), layer_seed(2 * l as u64 + 2));
            skip = to_rgb.forward(x.clone(), w.clone(), Some(skip));
        }
        skip
    }
}

/// x / √(mean(x²) + 1e-8) per row.
pub fn pixel_norm(x: Tensor<2>) -> Tensor<2> {
    let r = x.clone().square().mean_dim(1).add_scalar(1e-8).sqrt();
    x / r
}
