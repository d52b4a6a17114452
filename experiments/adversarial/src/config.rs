//! The study's configuration: presets, TOML files, and the resolved config written to the run.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use pdc_run::study::DatasetSpec;

/// How the decorrelated net relates to the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// f1 (CE), f2-baseline (CE), f2-dCor ⟂ f1 (paper Eq. 9).
    Pair,
    /// The official code: net1 ⟂ f1, and f2-dCor ⟂ {f1, net1}; f2-baseline (CE) as before.
    ThreeNet,
}

/// The full configuration of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub dataset: DatasetSpec,
    /// ResNet depth (18, 34, 50, 101, 152).
    pub depth: usize,
    /// Multiplier of the stage widths 64..512.
    pub width: f64,
    /// "cifar" (3×3, no pooling) or "imagenet" (7×7 + max-pool).
    pub stem: String,
    pub epochs: usize,
    pub batch_size: usize,
    /// Initial learning rate (cosine schedule to 0, per step).
    pub lr: f64,
    pub momentum: f64,
    pub weight_decay: f64,
    /// Weight of dCor²(g1, g2) in the loss.
    pub alpha: f64,
    /// Use only the first N training / test images (None: all).
    pub train_subset: Option<usize>,
    pub test_subset: Option<usize>,
    pub protocol: Protocol,
    /// Random crop (padding 4, or 2 for 28-px images) and horizontal flip during training.
    pub augment: bool,
    /// ε values of FGM and PGD.
    pub eps: Vec<f64>,
    /// "normalized" (the official code's convention) or "pixel" ([0,1] units).
    pub eps_unit: String,
    /// PGD step and iterations (same unit as ε).
    pub pgd_step: f64,
    pub pgd_iterations: usize,
    /// "predicted" (the source model's labels, as in the paper) or "ground-truth".
    pub attack_labels: String,
    /// Also attack each net itself (white-box reference rows).
    pub whitebox: bool,
    /// One full trial per seed.
    pub seeds: Vec<u64>,
}

impl Config {
    /// Bundled Fashion-MNIST, a small CIFAR-style ResNet-18 (width 1/8), sized for a 2-core CPU.
    pub fn fmnist_small() -> Self {
        Self {
            dataset: DatasetSpec::FashionMnist { dir: None },
            depth: 18,
            width: 0.125,
            stem: "cifar".into(),
            epochs: 3,
            batch_size: 128,
            lr: 0.05,
            momentum: 0.9,
            weight_decay: 5e-4,
            alpha: 0.05,
            train_subset: Some(12_000),
            test_subset: Some(1_000),
            protocol: Protocol::Pair,
            augment: false,
            eps: vec![0.1, 0.2, 0.3],
            eps_unit: "normalized".into(),
            // 0.05 × 10 = 0.5 ≥ the largest ε: PGD can reach the edge of every ε-ball.
            pgd_step: 0.05,
            pgd_iterations: 10,
            attack_labels: "predicted".into(),
            whitebox: true,
            seeds: vec![0],
        }
    }

    /// The paper's CIFAR-10 setting (ResNet-18, 200 epochs, batch 128, lr 0.1 cosine,
    /// ε ∈ {0.03, 0.05, 0.1} in normalised units, PGD 0.01 × 40). Needs `--data-dir`.
    pub fn cifar10_resnet18(dir: PathBuf) -> Self {
        Self {
            dataset: DatasetSpec::Cifar10 { dir },
            width: 1.0,
            epochs: 200,
            lr: 0.1,
            train_subset: None,
            test_subset: None,
            eps: vec![0.03, 0.05, 0.1],
            pgd_step: 0.01,
            pgd_iterations: 40,
            whitebox: true,
            ..Self::fmnist_small()
        }
    }

    /// The paper's ImageNet setting for ResNet-34 (40 epochs; the paper's batch 512 and step
    /// schedule are approximated by cosine). Needs `--data-dir` with `train/` and `val/`.
    pub fn imagenet_resnet34(dir: PathBuf) -> Self {
        Self {
            dataset: DatasetSpec::ImageFolder { train: dir.join("train"), test: dir.join("val"), class_index: None },
            depth: 34,
            stem: "imagenet".into(),
            epochs: 40,
            batch_size: 512,
            ..Self::cifar10_resnet18(PathBuf::new())
        }
    }

    /// A configuration that runs the whole pipeline in seconds (tests).
    pub fn tiny() -> Self {
        Self {
            width: 0.0625,
            epochs: 2,
            batch_size: 32,
            train_subset: Some(160),
            test_subset: Some(48),
            eps: vec![0.1, 0.3],
            pgd_iterations: 3,
            pgd_step: 0.1,
            ..Self::fmnist_small()
        }
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
        let bad = |what: &str| Err(format!("invalid config: {what}"));
        if ![18, 34, 50, 101, 152].contains(&self.depth) {
            return bad("depth must be 18, 34, 50, 101 or 152");
        }
        if self.stem != "cifar" && self.stem != "imagenet" {
            return bad("stem must be \"cifar\" or \"imagenet\"");
        }
        if self.eps_unit != "normalized" && self.eps_unit != "pixel" {
            return bad("eps_unit must be \"normalized\" or \"pixel\"");
        }
        if self.attack_labels != "predicted" && self.attack_labels != "ground-truth" {
            return bad("attack_labels must be \"predicted\" or \"ground-truth\"");
        }
        if self.epochs == 0 || self.batch_size < 4 || self.seeds.is_empty() || self.eps.is_empty() {
            return bad("epochs ≥ 1, batch_size ≥ 4 (dCor needs several rows), at least one seed and one ε");
        }
        if !(self.width > 0.0) || !(self.lr > 0.0) || !(self.alpha >= 0.0) || !(self.weight_decay >= 0.0) {
            return bad("width and lr must be positive, alpha and weight_decay non-negative");
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return bad("momentum must be in [0, 1)");
        }
        if self.eps.iter().any(|e| !(e.is_finite() && *e > 0.0)) || !(self.pgd_step > 0.0) || self.pgd_iterations == 0 {
            return bad("every ε and the PGD step must be positive, with at least one PGD iteration");
        }
        let max_eps = self.eps.iter().cloned().fold(0.0, f64::max);
        if self.pgd_step * self.pgd_iterations as f64 + 1e-12 < max_eps {
            return bad("pgd_step × pgd_iterations is below the largest ε: PGD could not reach the edge of the ε-ball");
        }
        if self.train_subset.is_some_and(|n| n < self.batch_size.max(4)) || self.test_subset == Some(0) {
            return bad("train_subset must hold at least one batch, test_subset at least one image");
        }
        let mut seeds = self.seeds.clone();
        seeds.sort();
        seeds.dedup();
        if seeds.len() != self.seeds.len() {
            return bad("seeds must be distinct");
        }
        Ok(())
    }
}
