//! Vision Transformer (Dosovitskiy et al. 2021) with timm's structure and parameter names:
//! patch embedding, class token, learned positions, pre-norm blocks (MHA + GELU MLP), final norm.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::activation::gelu;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Device, Tensor};

use crate::output::{Classifier, ClassifierOutput, Taps};

/// ViT hyper-parameters.
#[derive(Config, Debug)]
pub struct VitConfig {
    #[config(default = 224)]
    pub image_size: usize,
    #[config(default = 16)]
    pub patch_size: usize,
    #[config(default = 3)]
    pub in_channels: usize,
    #[config(default = 1000)]
    pub num_classes: usize,
    #[config(default = 768)]
    pub dim: usize,
    #[config(default = 12)]
    pub depth: usize,
    #[config(default = 12)]
    pub heads: usize,
    /// MLP hidden width = dim × mlp_ratio.
    #[config(default = 4.0)]
    pub mlp_ratio: f64,
    /// timm's LayerNorm epsilon.
    #[config(default = 1e-6)]
    pub norm_eps: f64,
}

impl VitConfig {
    /// ViT-Ti/16 (timm `vit_tiny_patch16_224`).
    pub fn tiny() -> Self {
        Self::new().with_dim(192).with_heads(3)
    }

    /// ViT-S/16 (timm `vit_small_patch16_224`).
    pub fn small() -> Self {
        Self::new().with_dim(384).with_heads(6)
    }

    /// ViT-B/16 (timm `vit_base_patch16_224`, the paper's ViT).
    pub fn base() -> Self {
        Self::new()
    }

    /// A CPU-sized ViT for small images (e.g. 28×28 grey with patch 4: 49 tokens).
    pub fn small_image(image_size: usize, in_channels: usize, num_classes: usize) -> Self {
        Self::new()
            .with_image_size(image_size)
            .with_patch_size(4)
            .with_in_channels(in_channels)
            .with_num_classes(num_classes)
            .with_dim(96)
            .with_depth(4)
            .with_heads(4)
            .with_mlp_ratio(2.0)
    }

    fn tokens(&self) -> usize {
        (self.image_size / self.patch_size).pow(2)
    }

    /// Builds the network.
    pub fn init(&self, device: &Device) -> Vit {
        assert!(self.image_size % self.patch_size == 0, "image size {} is not a multiple of the patch size {}", self.image_size, self.patch_size);
        assert!(self.dim % self.heads == 0, "dim {} is not a multiple of heads {}", self.dim, self.heads);
        let d = self.dim;
        let hidden = (d as f64 * self.mlp_ratio).round() as usize;
        let init = Initializer::Normal { mean: 0.0, std: 0.02 };
        let ln = || LayerNormConfig::new(d).with_epsilon(self.norm_eps).init(device);
        Vit {
            patch_embed: PatchEmbed {
                proj: Conv2dConfig::new([self.in_channels, d], [self.patch_size, self.patch_size]).with_stride([self.patch_size, self.patch_size]).init(device),
            },
            cls_token: init.init([1, 1, d], device),
            pos_embed: init.init([1, self.tokens() + 1, d], device),
            blocks: (0..self.depth)
                .map(|_| VitBlock {
                    norm1: ln(),
                    attn: Attention { qkv: LinearConfig::new(d, 3 * d).init(device), proj: LinearConfig::new(d, d).init(device), heads: self.heads },
                    norm2: ln(),
                    mlp: Mlp { fc1: LinearConfig::new(d, hidden).init(device), fc2: LinearConfig::new(hidden, d).init(device) },
                })
                .collect(),
            norm: ln(),
            head: LinearConfig::new(d, self.num_classes).init(device),
        }
    }
}

/// Non-overlapping patches → tokens by a strided convolution.
#[derive(Module, Debug)]
pub struct PatchEmbed {
    pub proj: Conv2d,
}

/// Multi-head self-attention with a fused qkv projection (timm's layout).
#[derive(Module, Debug)]
pub struct Attention {
    pub qkv: Linear,
    pub proj: Linear,
    pub heads: usize,
}

impl Attention {
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, n, d] = x.dims();
        let h = self.heads;
        let dh = d / h;
        let qkv = self.qkv.forward(x).reshape([b, n, 3, h, dh]).permute([2, 0, 3, 1, 4]);
        let part = |i: usize| qkv.clone().narrow(0, i, 1).squeeze_dim::<4>(0);
        let (q, k, v) = (part(0), part(1), part(2));
        // Burn's fused scaled-dot-product attention (scale 1/√dh), with autodiff support.
        let out = attention(q, k, v, None, None, AttentionModuleOptions::default()).swap_dims(1, 2).reshape([b, n, d]);
        self.proj.forward(out)
    }
}

/// Two-layer GELU MLP.
#[derive(Module, Debug)]
pub struct Mlp {
    pub fc1: Linear,
    pub fc2: Linear,
}

/// Pre-norm transformer block.
#[derive(Module, Debug)]
pub struct VitBlock {
    pub norm1: LayerNorm,
    pub attn: Attention,
    pub norm2: LayerNorm,
    pub mlp: Mlp,
}

/// ViT classifier; the features are the final-norm class token (timm's pre-logits).
#[derive(Module, Debug)]
pub struct Vit {
    pub patch_embed: PatchEmbed,
    pub cls_token: Param<Tensor<3>>,
    pub pos_embed: Param<Tensor<3>>,
    pub blocks: Vec<VitBlock>,
    pub norm: LayerNorm,
    pub head: Linear,
}

impl Classifier for Vit {
    fn forward_taps(&self, x: Tensor<4>, taps: &mut Taps) -> ClassifierOutput {
        let b = x.dims()[0];
        let tokens = self.patch_embed.proj.forward(x).flatten::<3>(2, 3).swap_dims(1, 2);
        let d = tokens.dims()[2];
        let cls = self.cls_token.val().expand([b, 1, d]);
        let mut x = taps.record("patch_embed", Tensor::cat(vec![cls, tokens], 1) + self.pos_embed.val());
        for (i, blk) in self.blocks.iter().enumerate() {
            // norm1 is the official Grad-CAM target layer of the ViT (blocks[-1].norm1).
            let h = taps.record(&format!("blocks.{i}.norm1"), blk.norm1.forward(x.clone()));
            let a = taps.record(&format!("blocks.{i}.attn"), blk.attn.forward(h));
            x = x + a;
            let m = taps.record(&format!("blocks.{i}.mlp"), blk.mlp.fc2.forward(gelu(blk.mlp.fc1.forward(blk.norm2.forward(x.clone())))));
            x = taps.record(&format!("blocks.{i}"), x + m);
        }
        let x = self.norm.forward(x);
        let features = taps.record("norm.cls", x.narrow(1, 0, 1).squeeze_dim::<2>(1));
        let logits = taps.record("head", self.head.forward(features.clone()));
        ClassifierOutput { logits, features }
    }

    fn feature_dim(&self) -> usize {
        self.head.weight.dims()[0]
    }
}
