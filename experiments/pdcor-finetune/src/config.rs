//! The study's configuration: presets, TOML files, and the resolved config written to the run.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use pdc_run::study::DatasetSpec;

/// A network: its architecture, optional pretrained weights, and which activation is its
/// feature vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetSpec {
    /// Short name used in tables and file names (e.g. "ViT", "ResNet-18").
    pub name: String,
    pub arch: Arch,
    /// PyTorch weights (torchvision / timm names, `.safetensors` or `.pth`). When given the net
    /// is not trained here.
    pub weights: Option<PathBuf>,
    /// Tap whose activation is the feature vector (e.g. "layer4.1" for the un-pooled map the
    /// official code used); `None`: the penultimate features (pooled map, ViT class token).
    pub features: Option<String>,
}

/// Architectures (see pdc-models for the exact layouts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Arch {
    /// ResNet of depth 18–152; `stem` "cifar" (3×3, no pooling) or "imagenet".
    ResNet { depth: usize, width: f64, stem: String },
    /// ViT: `size` "small-image" (patch 4, dim 96, depth 4, for 28–32 px), "tiny", "small" or "base" (patch 16).
    Vit { size: String },
}

/// Training of the nets that have no weights (cached across runs; see [`crate::nets`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pretrain {
    pub epochs: usize,
    pub batch_size: usize,
    /// Initial learning rate of SGD (momentum, cosine per step to 0).
    pub lr: f64,
    pub momentum: f64,
    pub weight_decay: f64,
    /// Evenly spaced training images (None: all).
    pub train_subset: Option<usize>,
}

/// Table 2: mini-batch-averaged R² values with intervals and p-values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compare {
    /// Rows per mini-batch (the paper: 128). The statistics need ≥ 4.
    pub batch_size: usize,
    /// Evenly spaced test images (None: all); batches are drawn from them in a seeded shuffle.
    pub test_subset: Option<usize>,
    /// Bootstrap resamples of the batch values (percentile interval).
    pub bootstrap: usize,
    /// Permutations of the batch-averaged permutation tests.
    pub permutations: usize,
    /// Confidence level of the intervals.
    pub level: f64,
}

/// Fig. 3: layer-by-layer dCor² maps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layers {
    pub batch_size: usize,
    /// Batches averaged (the paper sums over the ImageNet val set for up to an hour).
    pub batches: usize,
    /// "u" (bias-corrected R*, the official `New_DC`) or "v" (dCor²).
    pub estimator: String,
}

/// Eq. 10: fine-tune X with CE − α·R²((X|Y), GT), against a CE-only control from the same
/// start, data order and seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finetune {
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    pub momentum: f64,
    pub weight_decay: f64,
    pub alpha: f64,
    /// "semi-partial" (the paper's `P_DC`) or "partial" (Székely–Rizzo pdCor*).
    pub kind: String,
    pub train_subset: Option<usize>,
}

/// Grad-CAM with a batch-level (partial) dCor target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradCam {
    /// The batch the target is computed on (each CAM depends on the whole batch).
    pub batch_size: usize,
    /// Images of that batch drawn in the overlay grid.
    pub images: usize,
    /// Target layers of X and Y (None: ViT `blocks.<last>.norm1`, ResNet `layer4.<last>`).
    pub x_layer: Option<String>,
    pub y_layer: Option<String>,
    /// Upscaling of each image in the grid.
    pub scale: u32,
}

/// Where the class-name embeddings (GT) come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum EmbeddingSpec {
    /// A set in assets/class-names (e.g. "fashion_mnist", "cifar10", "imagenet1k_full").
    Bundled { set: String },
    /// Any `.npy` of [classes, dim] vectors, with a names file (one class per line).
    Files { vectors: PathBuf, names: PathBuf },
}

/// The full configuration of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub dataset: DatasetSpec,
    pub embeddings: EmbeddingSpec,
    pub x: NetSpec,
    pub y: NetSpec,
    pub pretrain: Pretrain,
    pub compare: Compare,
    pub layers: Layers,
    pub finetune: Finetune,
    pub gradcam: GradCam,
    pub seed: u64,
}

impl Config {
    /// Bundled Fashion-MNIST: a small ViT (X) and a small ResNet-18 (Y) trained here, sized so
    /// that the whole study takes minutes on a 2-core CPU.
    pub fn fmnist_small() -> Self {
        Self {
            dataset: DatasetSpec::FashionMnist { dir: None },
            embeddings: EmbeddingSpec::Bundled { set: "fashion_mnist".into() },
            x: NetSpec { name: "ViT".into(), arch: Arch::Vit { size: "small-image".into() }, weights: None, features: None },
            y: NetSpec {
                name: "ResNet-18".into(),
                arch: Arch::ResNet { depth: 18, width: 0.25, stem: "cifar".into() },
                weights: None,
                features: None,
            },
            pretrain: Pretrain { epochs: 2, batch_size: 128, lr: 0.05, momentum: 0.9, weight_decay: 5e-4, train_subset: Some(12_000) },
            compare: Compare { batch_size: 128, test_subset: Some(4096), bootstrap: 2000, permutations: 199, level: 0.95 },
            layers: Layers { batch_size: 128, batches: 4, estimator: "u".into() },
            finetune: Finetune {
                epochs: 1,
                batch_size: 64,
                lr: 0.01,
                momentum: 0.9,
                weight_decay: 5e-4,
                alpha: 1.0,
                kind: "semi-partial".into(),
                train_subset: Some(6000),
            },
            gradcam: GradCam { batch_size: 64, images: 8, x_layer: None, y_layer: None, scale: 4 },
            seed: 0,
        }
    }

    /// The paper's setting: ImageNet val (resize 256, centre crop 224), timm ViT-B/16 (X) and
    /// torchvision ResNet-18 (Y) from local weight files, ImageNet class-name embeddings, batch
    /// 128, fine-tuning with α = 1, lr 1e-5, batch 64 (the paper: 15 epochs). GPU scale.
    pub fn imagenet(dir: PathBuf, vit_weights: PathBuf, resnet_weights: PathBuf) -> Self {
        Self {
            dataset: DatasetSpec::ImageFolder { train: dir.join("train"), test: dir.join("val"), class_index: None },
            embeddings: EmbeddingSpec::Bundled { set: "imagenet1k_full".into() },
            x: NetSpec { name: "ViT-B/16".into(), arch: Arch::Vit { size: "base".into() }, weights: Some(vit_weights), features: None },
            y: NetSpec {
                name: "ResNet-18".into(),
                arch: Arch::ResNet { depth: 18, width: 1.0, stem: "imagenet".into() },
                weights: Some(resnet_weights),
                features: None,
            },
            compare: Compare { batch_size: 128, test_subset: None, bootstrap: 2000, permutations: 199, level: 0.95 },
            layers: Layers { batch_size: 32, batches: 100, estimator: "u".into() },
            finetune: Finetune {
                epochs: 15,
                batch_size: 64,
                lr: 1e-5,
                momentum: 0.9,
                weight_decay: 5e-4,
                alpha: 1.0,
                kind: "semi-partial".into(),
                train_subset: None,
            },
            gradcam: GradCam { batch_size: 64, images: 16, x_layer: None, y_layer: None, scale: 1 },
            ..Self::fmnist_small()
        }
    }

    /// The whole pipeline in seconds (tests).
    pub fn tiny() -> Self {
        let mut c = Self::fmnist_small();
        c.y.arch = Arch::ResNet { depth: 18, width: 0.0625, stem: "cifar".into() };
        c.pretrain = Pretrain { epochs: 1, batch_size: 32, train_subset: Some(256), ..c.pretrain };
        c.compare = Compare { batch_size: 16, test_subset: Some(64), bootstrap: 200, permutations: 19, level: 0.95 };
        c.layers = Layers { batch_size: 16, batches: 1, estimator: "u".into() };
        c.finetune = Finetune { epochs: 1, batch_size: 16, train_subset: Some(64), ..c.finetune };
        c.gradcam = GradCam { batch_size: 16, images: 3, x_layer: None, y_layer: None, scale: 2 };
        c
    }

    /// The configuration as TOML (what is written to the run folder).
    pub fn to_toml(&self) -> String {
        pdc_run::config_file::to_toml(self)
    }

    /// Reads a TOML file.
    pub fn from_toml_file(path: &std::path::Path) -> Result<Self, String> {
        pdc_run::config_file::read_toml(path)
    }

    /// Checks values that would otherwise fail deep inside the run.
    pub fn validate(&self) -> Result<(), String> {
        let bad = |what: String| Err(format!("invalid config: {what}"));
        for (which, net) in [("x", &self.x), ("y", &self.y)] {
            match &net.arch {
                Arch::ResNet { depth, width, stem } => {
                    if ![18, 34, 50, 101, 152].contains(depth) || !(*width > 0.0) || (stem != "cifar" && stem != "imagenet") {
                        return bad(format!("{which}.arch: depth must be 18/34/50/101/152, width > 0, stem \"cifar\" or \"imagenet\""));
                    }
                }
                Arch::Vit { size } => {
                    if !["small-image", "tiny", "small", "base"].contains(&size.as_str()) {
                        return bad(format!("{which}.arch.size must be small-image, tiny, small or base (got \"{size}\")"));
                    }
                }
            }
            if net.name.trim().is_empty() {
                return bad(format!("{which}.name is empty"));
            }
        }
        if self.x.name == self.y.name {
            return bad("x and y need different names (they name cached models and table rows)".into());
        }
        let p = &self.pretrain;
        if p.epochs == 0 || p.batch_size == 0 || !(p.lr > 0.0) || !(0.0..1.0).contains(&p.momentum) || !(p.weight_decay >= 0.0) {
            return bad("pretrain: epochs ≥ 1, batch_size ≥ 1, lr > 0, momentum in [0, 1), weight_decay ≥ 0".into());
        }
        let c = &self.compare;
        if c.batch_size < 4 || c.bootstrap == 0 || c.permutations == 0 || !(c.level > 0.0 && c.level < 1.0) {
            return bad("compare: batch_size ≥ 4 (U-statistics), bootstrap ≥ 1, permutations ≥ 1, level in (0, 1)".into());
        }
        if c.test_subset.is_some_and(|n| n < 2 * c.batch_size) {
            return bad("compare.test_subset must hold at least two batches (the bootstrap resamples batches)".into());
        }
        if self.layers.batch_size < 4 || self.layers.batches == 0 || !["u", "v"].contains(&self.layers.estimator.as_str()) {
            return bad("layers: batch_size ≥ 4, batches ≥ 1, estimator \"u\" or \"v\"".into());
        }
        let f = &self.finetune;
        if f.epochs == 0 || f.batch_size < 4 || !(f.lr > 0.0) || !(0.0..1.0).contains(&f.momentum) || !(f.weight_decay >= 0.0) || !(f.alpha >= 0.0) {
            return bad("finetune: epochs ≥ 1, batch_size ≥ 4, lr > 0, momentum in [0, 1), weight_decay ≥ 0, alpha ≥ 0".into());
        }
        if f.kind != "semi-partial" && f.kind != "partial" {
            return bad(format!("finetune.kind must be \"semi-partial\" or \"partial\" (got \"{}\")", f.kind));
        }
        if f.train_subset.is_some_and(|n| n < f.batch_size) || p.train_subset.is_some_and(|n| n < p.batch_size) {
            return bad("train_subset must hold at least one batch".into());
        }
        let g = &self.gradcam;
        if g.batch_size < 4 || g.images == 0 || g.images > g.batch_size || g.scale == 0 {
            return bad("gradcam: batch_size ≥ 4, 1 ≤ images ≤ batch_size, scale ≥ 1".into());
        }
        Ok(())
    }
}
