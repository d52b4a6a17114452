//! The study's configuration: presets, TOML files, and the resolved config written to the run.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where the images and attributes come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum DataSpec {
    /// Procedural sprites: shape, hue and scale are the attributes; x, y and background the
    /// residual. `train` images are drawn with `data_seed`; `n_labels` of them are labelled for
    /// every attribute; `eval` further images (never trained on) test the amortised encoders.
    Sprites { resolution: usize, train: usize, n_labels: usize, eval: usize, data_seed: u64 },
    /// The bundled face portraits (gender, age group, ethnicity, expression; some unlabelled).
    /// `eval` of them (chosen with `data_seed`) are held out.
    BundledFaces { resolution: usize, eval: usize, data_seed: u64 },
    /// A face folder (e.g. FFHQ) with `file,<attribute columns>` CSV; -1 or empty = unlabelled.
    FaceFolder { dir: PathBuf, csv: PathBuf, attributes: Vec<String>, resolution: usize, eval: usize, data_seed: u64 },
}

/// The residual term, the only thing that differs between arms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResidualLoss {
    /// Noise only.
    None,
    /// ZeroDIM: mean‖r‖² (per dimension) on the clean residual.
    L2,
    /// PDC: biased dCor²(rownorm(r), rownorm(f)) per mini-batch.
    Dcor,
}

impl ResidualLoss {
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::L2 => "l2",
            Self::Dcor => "dcor",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(Self::None),
            "l2" => Ok(Self::L2),
            "dcor" => Ok(Self::Dcor),
            other => Err(format!("unknown residual loss '{other}': none, l2 or dcor")),
        }
    }
}

/// One arm: a residual loss and its weight λ_res.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    pub loss: ResidualLoss,
    pub lambda: f64,
}

impl Arm {
    /// Folder-safe name, e.g. `dcor-1e-5`.
    pub fn name(&self) -> String {
        match self.loss {
            ResidualLoss::None => "none".into(),
            l => format!("{}-{:e}", l.name(), self.lambda).replace('+', ""),
        }
    }
}

/// The full configuration of a study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub data: DataSpec,
    /// Generator channels at 4, 8, …, resolution.
    pub channels: Vec<usize>,
    /// Size of each attribute code (ZeroDIM synthetic: 1; FFHQ: 32).
    pub factor_dim: usize,
    /// Size of the residual code (synthetic: 7; FFHQ: 256).
    pub residual_dim: usize,
    /// Std of the N(0, σ²) noise added to the residual during stage 1 (ZeroDIM: 1).
    pub residual_std: f64,
    /// Generator options: per-pixel noise inputs and mapping-network depth (ZeroDIM: off, 0).
    pub noise_inputs: bool,
    pub mapping_layers: usize,
    /// Width of the first classifier / encoder conv (doubles per stride-2 layer, capped at 8×).
    pub encoder_width: usize,
    /// Unlabelled and labelled images per stage-1 step (each).
    pub batch_size: usize,
    pub latent_epochs: usize,
    /// Entropy term from this epoch on (ZeroDIM: 10 % of the epochs).
    pub entropy_from_epoch: usize,
    /// Stage-1 learning rates (cosine to `lr_min`): latent codes, classifiers, generator.
    pub lr_latent: f64,
    pub lr_classifier: f64,
    pub lr_generator: f64,
    pub lr_min: f64,
    /// Loss weights: entropy, classification, labelled batch.
    pub lambda_entropy: f64,
    pub lambda_classifier: f64,
    pub weight_supervised: f64,
    /// Stage 2 (residual encoder regresses the learned codes) and stage 3 (encoder + generator
    /// fine-tuned with reconstruction + `weight_latent`·code regression); 0 epochs skips a stage.
    pub amortize_epochs: usize,
    pub amortize_lr: f64,
    pub synthesis_epochs: usize,
    pub synthesis_lr: f64,
    pub weight_latent: f64,
    /// The arms, compared side by side; every arm × seed is its own resumable sub-run.
    pub arms: Vec<Arm>,
    pub seeds: Vec<u64>,
    /// Evaluation: at most this many rows for the dCor statistics and their permutation nulls.
    pub dcor_rows: usize,
    pub permutations: usize,
    /// Samples shown in the image grids.
    pub grid_samples: usize,
}

impl Config {
    /// Default: sprites at 32×32, the L2 (ZeroDIM) and dCor (PDC, λ = 1e-5) arms, sized for
    /// about 11 minutes on 2 CPU cores (measured; the issue allows 20).
    pub fn sprites() -> Self {
        Self {
            data: DataSpec::Sprites { resolution: 32, train: 2048, n_labels: 256, eval: 1024, data_seed: 0 },
            channels: vec![32, 32, 32, 16],
            factor_dim: 1,
            residual_dim: 7,
            residual_std: 1.0,
            noise_inputs: false,
            mapping_layers: 0,
            encoder_width: 16,
            batch_size: 32,
            latent_epochs: 24,
            entropy_from_epoch: 3,
            // ZeroDIM's rates (1e-2, 1e-4, 1e-3) are for 200 epochs; in 24 each residual row is
            // visited 24 times, so it needs larger steps to rise above the N(0, 1) noise, and
            // the generator fits the sprites ~3× faster at 1e-2 (measured).
            lr_latent: 0.3,
            lr_classifier: 3e-3,
            lr_generator: 1e-2,
            lr_min: 1e-4,
            lambda_entropy: 1e-3,
            lambda_classifier: 1e-3,
            weight_supervised: 10.0,
            amortize_epochs: 8,
            amortize_lr: 1e-3,
            synthesis_epochs: 4,
            synthesis_lr: 1e-4,
            weight_latent: 10.0,
            arms: vec![Arm { loss: ResidualLoss::L2, lambda: 1e-5 }, Arm { loss: ResidualLoss::Dcor, lambda: 1e-5 }],
            seeds: vec![0],
            dcor_rows: 1024,
            permutations: 99,
            grid_samples: 6,
        }
    }

    /// The bundled face portraits at 32×32 (244 images; CPU minutes).
    pub fn faces() -> Self {
        Self {
            data: DataSpec::BundledFaces { resolution: 32, eval: 44, data_seed: 0 },
            factor_dim: 8,
            residual_dim: 32,
            batch_size: 16,
            latent_epochs: 40,
            entropy_from_epoch: 4,
            amortize_epochs: 20,
            synthesis_epochs: 10,
            dcor_rows: 200,
            ..Self::sprites()
        }
    }

    /// The full configuration (ZeroDIM/PDC FFHQ at 256²; a GPU run): d_f = 32, d_r = 256,
    /// six CLIP-style attributes, channels 512…128, batch 64 (PDC), 50/100/100 epochs.
    pub fn ffhq(dir: PathBuf, csv: PathBuf) -> Self {
        Self {
            data: DataSpec::FaceFolder {
                dir,
                csv,
                attributes: ["age", "gender", "ethnicity", "hair_color", "beard", "glasses"].map(String::from).to_vec(),
                resolution: 256,
                eval: 1000,
                data_seed: 0,
            },
            channels: vec![512, 512, 512, 512, 512, 256, 128],
            factor_dim: 32,
            residual_dim: 256,
            encoder_width: 32,
            batch_size: 64,
            latent_epochs: 50,
            entropy_from_epoch: 10,
            lr_latent: 1e-2,
            lr_classifier: 1e-4,
            lr_generator: 1e-3,
            lambda_entropy: 1e-2,
            lambda_classifier: 1e-2,
            amortize_epochs: 100,
            amortize_lr: 5e-4,
            synthesis_epochs: 100,
            weight_latent: 1.0,
            arms: vec![Arm { loss: ResidualLoss::L2, lambda: 1e-5 }, Arm { loss: ResidualLoss::Dcor, lambda: 1e-5 }],
            dcor_rows: 5000,
            ..Self::sprites()
        }
    }

    /// The whole pipeline in seconds (tests).
    pub fn tiny() -> Self {
        Self {
            data: DataSpec::Sprites { resolution: 16, train: 96, n_labels: 32, eval: 48, data_seed: 0 },
            channels: vec![8, 8, 4],
            encoder_width: 4,
            batch_size: 16,
            latent_epochs: 2,
            entropy_from_epoch: 1,
            amortize_epochs: 1,
            synthesis_epochs: 1,
            arms: vec![Arm { loss: ResidualLoss::None, lambda: 0.0 }, Arm { loss: ResidualLoss::L2, lambda: 1e-5 }, Arm { loss: ResidualLoss::Dcor, lambda: 1e-5 }],
            dcor_rows: 48,
            permutations: 19,
            grid_samples: 3,
            ..Self::sprites()
        }
    }

    pub fn resolution(&self) -> usize {
        match &self.data {
            DataSpec::Sprites { resolution, .. } | DataSpec::BundledFaces { resolution, .. } | DataSpec::FaceFolder { resolution, .. } => *resolution,
        }
    }

    /// Number of held-out images.
    pub fn held_out(&self) -> usize {
        match &self.data {
            DataSpec::Sprites { eval, .. } | DataSpec::BundledFaces { eval, .. } | DataSpec::FaceFolder { eval, .. } => *eval,
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

    /// Checks values that would otherwise fail deep inside the run; errors name the field.
    pub fn validate(&self) -> Result<(), String> {
        let bad = |what: String| Err(format!("invalid config: {what}"));
        let r = self.resolution();
        if !(8..=1024).contains(&r) || !r.is_power_of_two() {
            return bad(format!("data.resolution {r} must be a power of two from 8 to 1024"));
        }
        if self.channels.len() != r.trailing_zeros() as usize - 1 {
            return bad(format!("channels has {} entries; resolution {r} needs {} (4, 8, …, {r})", self.channels.len(), r.trailing_zeros() - 1));
        }
        if let DataSpec::Sprites { train, n_labels, eval, .. } = &self.data {
            let total = pdc_data::Sprites::count();
            if *train < self.batch_size || *n_labels < 2 || n_labels > train || train + eval > total {
                return bad(format!("data: need batch_size ≤ train, 2 ≤ n_labels ≤ train and train + eval ≤ {total}"));
            }
        }
        let eval = self.held_out();
        if self.amortize_epochs + self.synthesis_epochs > 0 && eval < 10 {
            return bad(format!("data.eval = {eval}: the amortised encoders are scored on held-out images, at least 10"));
        }
        if self.factor_dim == 0 || self.residual_dim == 0 || self.encoder_width == 0 || self.channels.contains(&0) {
            return bad("factor_dim, residual_dim, encoder_width and channels must be positive".into());
        }
        if self.batch_size < 4 {
            return bad("batch_size must be at least 4 (dCor needs several rows)".into());
        }
        if self.latent_epochs == 0 {
            return bad("latent_epochs must be at least 1".into());
        }
        let pos = [self.lr_latent, self.lr_classifier, self.lr_generator, self.amortize_lr, self.synthesis_lr];
        if pos.iter().any(|v| !(v.is_finite() && *v > 0.0)) || !(self.lr_min >= 0.0) {
            return bad("learning rates must be positive (lr_min non-negative)".into());
        }
        let nonneg = [self.residual_std, self.lambda_entropy, self.lambda_classifier, self.weight_supervised, self.weight_latent];
        if nonneg.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return bad("residual_std and the loss weights must be finite and non-negative".into());
        }
        if self.arms.is_empty() || self.arms.iter().any(|a| !(a.lambda.is_finite() && a.lambda >= 0.0)) {
            return bad("at least one arm, each with a finite λ ≥ 0".into());
        }
        let mut names: Vec<String> = self.arms.iter().map(Arm::name).collect();
        names.sort();
        names.dedup();
        if names.len() != self.arms.len() {
            return bad("arms must be distinct".into());
        }
        let mut seeds = self.seeds.clone();
        seeds.sort();
        seeds.dedup();
        if seeds.is_empty() || seeds.len() != self.seeds.len() {
            return bad("seeds must be distinct, at least one".into());
        }
        if self.dcor_rows < 4 || self.permutations == 0 || self.grid_samples == 0 {
            return bad("dcor_rows ≥ 4, permutations ≥ 1 and grid_samples ≥ 1".into());
        }
        Ok(())
    }
}
