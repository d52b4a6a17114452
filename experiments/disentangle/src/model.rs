//! The factor model (attribute classifiers and embeddings), the per-image residual codes, the
//! residual encoder and the generator, as one Burn module. Parameters are drawn from a seed, so
//! every arm of a study starts from the same weights.

use burn::module::{Module, Param};
use burn::tensor::activation::softmax;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Int, Tensor};
use pdc_models::stylegan::{EqualLinear, Generator, GeneratorConfig, ParamRng, fused_lrelu};

use crate::config::Config;

/// 3×3 stride-2 convolution, init N(0, 1/fan_in): with the √2-gain leaky ReLU after it, the
/// activations keep their scale through the trunk (He init would double it per layer).
#[derive(Module, Debug)]
pub struct DownConv {
    pub weight: Param<Tensor<4>>,
    pub bias: Param<Tensor<1>>,
}

impl DownConv {
    fn new(cin: usize, cout: usize, rng: &mut ParamRng, device: &Device) -> Self {
        let std = (1.0 / (9 * cin) as f64).sqrt();
        Self { weight: rng.normal_param([cout, cin, 3, 3], std, device), bias: Param::from_tensor(Tensor::zeros([cout], device)) }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        conv2d(x, self.weight.val(), Some(self.bias.val()), ConvOptions::new([2, 2], [1, 1], [1, 1], 1))
    }
}

/// Stride-2 convolutions down to 4×4, then a dense layer: the shared image trunk of the
/// classifiers and of the residual encoder (ZeroDIM's FFHQ layout, small). With `pool` the
/// 4×4 map is averaged first: the attribute classifiers then generalise across positions from
/// few labels; the residual encoder keeps the map, since position is residual information.
#[derive(Module, Debug)]
pub struct Trunk {
    pub convs: Vec<DownConv>,
    pub fc: EqualLinear,
    pub pool: bool,
}

impl Trunk {
    fn new(resolution: usize, width: usize, hidden: usize, pool: bool, rng: &mut ParamRng, device: &Device) -> Self {
        let n = resolution.trailing_zeros() as usize - 2;
        let mut convs = Vec::new();
        let mut cin = 3;
        for i in 0..n {
            let cout = width << i.min(3);
            convs.push(DownConv::new(cin, cout, rng, device));
            cin = cout;
        }
        let inputs = if pool { cin } else { cin * 16 };
        Self { convs, fc: EqualLinear::new(inputs, hidden, 0.0, 1.0, true, rng, device), pool }
    }

    /// Images in [0, 1] → features [B, hidden].
    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.convs.iter().fold(x.mul_scalar(2.0).sub_scalar(1.0), |x, c| fused_lrelu(c.forward(x)));
        let x: Tensor<2> = if self.pool { x.mean_dim(3).mean_dim(2).flatten(1, 3) } else { x.flatten(1, 3) };
        self.fc.forward(x)
    }
}

/// One classifier head per attribute on a shared trunk.
#[derive(Module, Debug)]
pub struct Classifier {
    pub trunk: Trunk,
    pub heads: Vec<EqualLinear>,
}

impl Classifier {
    pub fn forward(&self, x: Tensor<4>) -> Vec<Tensor<2>> {
        let h = self.trunk.forward(x);
        self.heads.iter().map(|head| head.forward(h.clone())).collect()
    }
}

/// The amortised residual encoder E_r (stages 2–3).
#[derive(Module, Debug)]
pub struct Encoder {
    pub trunk: Trunk,
    pub out: EqualLinear,
}

impl Encoder {
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        self.out.forward(self.trunk.forward(x))
    }
}

/// The optimised latent codes: one embedding table per attribute and one residual per image.
#[derive(Module, Debug)]
pub struct Latents {
    /// [m_j, d_f] per attribute.
    pub embeddings: Vec<Param<Tensor<2>>>,
    /// [N_train, d_r].
    pub residuals: Param<Tensor<2>>,
}

#[derive(Module, Debug)]
pub struct Model {
    pub generator: Generator,
    pub classifier: Classifier,
    pub latents: Latents,
    pub encoder: Encoder,
}

/// Row indices as an index tensor (for `select`).
pub fn index_tensor(idx: &[usize], device: &Device) -> Tensor<1, Int> {
    Tensor::from_data(burn::tensor::TensorData::new(idx.iter().map(|&i| i as i64).collect::<Vec<_>>(), [idx.len()]), device)
}

/// Labels of a batch for the code assembly: per attribute the value (0 where unlabelled) and a
/// [B, 1] mask (1 = labelled).
pub struct BatchLabels {
    pub values: Vec<Tensor<1, Int>>,
    pub masks: Vec<Tensor<2>>,
}

impl BatchLabels {
    pub fn new(labels: &[&[i64]], k: usize, device: &Device) -> Self {
        let b = labels.len();
        let mut values = Vec::new();
        let mut masks = Vec::new();
        for j in 0..k {
            let v: Vec<i64> = labels.iter().map(|l| l[j].max(0)).collect();
            let m: Vec<f32> = labels.iter().map(|l| if l[j] >= 0 { 1.0 } else { 0.0 }).collect();
            values.push(Tensor::from_data(burn::tensor::TensorData::new(v, [b]), device));
            masks.push(Tensor::from_data(burn::tensor::TensorData::new(m, [b, 1]), device));
        }
        Self { values, masks }
    }
}

impl Model {
    /// Builds the model for `n_train` images and attributes of the given cardinalities.
    pub fn new(cfg: &Config, cardinalities: &[usize], n_train: usize, seed: u64, device: &Device) -> Result<Self, String> {
        let k = cardinalities.len();
        let style_dim = k * cfg.factor_dim + cfg.residual_dim;
        let r = cfg.resolution();
        let generator = GeneratorConfig::new(r, style_dim, cfg.channels.clone())
            .with_noise(cfg.noise_inputs)
            .with_mapping_layers(cfg.mapping_layers)
            .init(device, seed.wrapping_mul(4).wrapping_add(1))?;
        let mut rng = ParamRng(seed.wrapping_mul(4).wrapping_add(2));
        let hidden = 128.min(cfg.encoder_width * 8);
        let trunk = Trunk::new(r, cfg.encoder_width, hidden, true, &mut rng, device);
        let heads = cardinalities.iter().map(|&m| EqualLinear::new(hidden, m, 0.0, 1.0, false, &mut rng, device)).collect();
        let classifier = Classifier { trunk, heads };
        let mut rng = ParamRng(seed.wrapping_mul(4).wrapping_add(3));
        // ZeroDIM initialises both tables U(−0.05, 0.05).
        let embeddings = cardinalities.iter().map(|&m| rng.uniform_param([m, cfg.factor_dim], -0.05, 0.05, device)).collect();
        let residuals = rng.uniform_param([n_train, cfg.residual_dim], -0.05, 0.05, device);
        let mut rng = ParamRng(seed.wrapping_mul(4).wrapping_add(4));
        let trunk = Trunk::new(r, cfg.encoder_width, hidden, false, &mut rng, device);
        let encoder = Encoder { out: EqualLinear::new(hidden, cfg.residual_dim, 0.0, 1.0, false, &mut rng, device), trunk };
        Ok(Self { generator, classifier, latents: Latents { embeddings, residuals }, encoder })
    }

    /// Attribute codes [B, k·d_f] and the classifier logits: E^j[y] for labelled entries, the
    /// soft code softmax(C^j(x))·E^j otherwise. The table is read detached in the soft code, so
    /// E^j learns only from labelled entries (as ZeroDIM).
    pub fn attribute_codes(&self, x: Tensor<4>, labels: Option<&BatchLabels>) -> (Tensor<2>, Vec<Tensor<2>>) {
        let logits = self.classifier.forward(x);
        (self.codes_from_logits(&logits, labels), logits)
    }

    /// The codes of [`Model::attribute_codes`] from classifier logits already computed (one
    /// classifier pass can then give both the soft and the label-aware codes).
    pub fn codes_from_logits(&self, logits: &[Tensor<2>], labels: Option<&BatchLabels>) -> Tensor<2> {
        let mut codes = Vec::new();
        for (j, l) in logits.iter().enumerate() {
            let table = self.latents.embeddings[j].val();
            let soft = softmax(l.clone(), 1).matmul(table.clone().detach());
            codes.push(match labels {
                Some(lab) => {
                    let m = lab.masks[j].clone();
                    let hard = table.select(0, lab.values[j].clone());
                    hard * m.clone() + soft * m.neg().add_scalar(1.0)
                }
                None => soft,
            });
        }
        Tensor::cat(codes, 1)
    }

    /// Replaces attribute `j`'s code by the embedding of value `v` (manipulation).
    pub fn set_attribute(&self, codes: Tensor<2>, j: usize, v: usize, factor_dim: usize) -> Tensor<2> {
        let b = codes.dims()[0];
        let e = self.latents.embeddings[j].val().slice([v..v + 1]).repeat_dim(0, b);
        codes.slice_assign([0..b, j * factor_dim..(j + 1) * factor_dim], e)
    }

    /// Decodes with the generator's fixed noise draw (evaluation, grids).
    pub fn decode(&self, codes: Tensor<2>, residual: Tensor<2>) -> Tensor<4> {
        self.generator.forward(Tensor::cat(vec![codes, residual], 1))
    }

    /// Decodes with the noise inputs (if on) drawn from `noise_seed` (training).
    pub fn decode_seeded(&self, codes: Tensor<2>, residual: Tensor<2>, noise_seed: u64) -> Tensor<4> {
        self.generator.forward_seeded(Tensor::cat(vec![codes, residual], 1), noise_seed)
    }
}
