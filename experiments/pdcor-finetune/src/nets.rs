//! The two networks X and Y: construction, weights (imported, trained here, or cached),
//! features, and a plain supervised training loop shared by pre-training and fine-tuning.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, SgdConfig};
use burn::tensor::loss::cross_entropy_with_logits;
use burn::tensor::{Device, Int, Tensor};
use pdc_data::{ImageItem, Rng, to_batch};
use pdc_models::{Classifier, ClassifierOutput, ResNet, ResNetConfig, Stem, Taps, Vit, VitConfig};
use pdc_run::study::{StudyData, subset};
use pdc_run::{Progress, load_model, save_model};
use serde_json::json;

use crate::config::{Arch, Config, NetSpec};

/// X or Y.
#[derive(Module, Debug)]
pub enum Net {
    ResNet(ResNet),
    Vit(Vit),
}

impl Classifier for Net {
    fn forward_taps(&self, x: Tensor<4>, taps: &mut Taps) -> ClassifierOutput {
        match self {
            Net::ResNet(m) => m.forward_taps(x, taps),
            Net::Vit(m) => m.forward_taps(x, taps),
        }
    }

    fn feature_dim(&self) -> usize {
        match self {
            Net::ResNet(m) => m.feature_dim(),
            Net::Vit(m) => m.feature_dim(),
        }
    }

    fn sync_running_stats(&self) {
        if let Net::ResNet(m) = self {
            m.sync_running_stats();
        }
    }
}

/// Builds the architecture of `spec` for images of `shape` ([c, h, w]) and `classes` classes.
pub fn build(spec: &NetSpec, shape: [usize; 3], classes: usize, device: &Device) -> Net {
    let [c, h, _] = shape;
    match &spec.arch {
        Arch::ResNet { depth, width, stem } => {
            let stem = if stem == "imagenet" { Stem::ImageNet } else { Stem::Cifar };
            Net::ResNet(ResNetConfig::new(*depth).with_width(*width).with_stem(stem).with_in_channels(c).with_num_classes(classes).init(device))
        }
        Arch::Vit { size } => {
            let cfg = match size.as_str() {
                "small-image" => VitConfig::small_image(h, c, classes),
                "tiny" => VitConfig::tiny(),
                "small" => VitConfig::small(),
                _ => VitConfig::base(),
            };
            Net::Vit(cfg.with_image_size(h).with_in_channels(c).with_num_classes(classes).init(device))
        }
    }
}

/// The default Grad-CAM layer: the official ViT `blocks[-1].norm1`, ResNet `layer4[-1]`.
pub fn default_cam_layer(net: &Net) -> String {
    match net {
        Net::ResNet(m) => format!("layer4.{}", m.layer4.len() - 1),
        Net::Vit(m) => format!("blocks.{}.norm1", m.blocks.len() - 1),
    }
}

/// Logits and the feature vector of `spec` (the penultimate features, or a named tap).
pub fn forward(net: &Net, spec: &NetSpec, x: Tensor<4>) -> Result<(Tensor<2>, Tensor<2>), String> {
    match &spec.features {
        None => {
            let out = net.classify(x);
            Ok((out.logits, out.features))
        }
        Some(name) => {
            let wanted = [name.clone()];
            let mut taps = Taps::only(&wanted);
            let out = net.forward_taps(x, &mut taps);
            let names = taps.names().to_vec();
            let v = taps.into_values().pop().ok_or_else(|| format!("{}.features: no layer \"{name}\"; the layers are {}", spec.name, names.join(", ")))?;
            Ok((out.logits, v.1))
        }
    }
}

/// Loads the items at `idx` into a normalised batch on `device`.
pub fn batch(data: &StudyData, idx: &[usize], device: &Device) -> Result<(Tensor<4>, Tensor<1, Int>, Vec<ImageItem>), String> {
    let items: Vec<ImageItem> = idx.iter().map(|&i| data.test_or_train(i)).collect::<Result<_, _>>()?;
    let (x, y) = to_batch(&items, &data.norm, device);
    Ok((x, y, items))
}

/// Which split a batch is drawn from.
pub trait Split {
    fn test_or_train(&self, i: usize) -> Result<ImageItem, String>;
}

impl Split for StudyData {
    /// Indices ≥ `TRAIN_OFFSET` address the training split.
    fn test_or_train(&self, i: usize) -> Result<ImageItem, String> {
        if i >= TRAIN_OFFSET { self.train.get(i - TRAIN_OFFSET) } else { self.test.get(i) }.map_err(|e| e.to_string())
    }
}

/// Offset that marks an index as a training image in [`batch`].
pub const TRAIN_OFFSET: usize = 1 << 40;

/// The seeded order of the evaluation images: an evenly spaced test subset, shuffled (the paper
/// shuffles its val loader), cut into batches with at least 4 rows.
pub fn eval_batches(data: &StudyData, test_subset: Option<usize>, batch_size: usize, seed: u64) -> Vec<Vec<usize>> {
    let idx = subset(data.test.len(), test_subset);
    let order: Vec<usize> = Rng(seed ^ 0x5EED_7E57).permutation(idx.len()).into_iter().map(|i| idx[i]).collect();
    order.chunks(batch_size).filter(|c| c.len() >= 4).map(|c| c.to_vec()).collect()
}

/// Top-1 accuracy of `net` (eval mode) on the given batches.
pub fn accuracy(net: &Net, data: &StudyData, batches: &[Vec<usize>], device: &Device) -> Result<f64, String> {
    let plain = device.clone().inner();
    let model = net.valid();
    let (mut correct, mut seen) = (0i64, 0usize);
    for idx in batches {
        let (x, y, _) = batch(data, idx, &plain)?;
        let pred: Tensor<1, Int> = model.classify(x).logits.argmax(1).squeeze_dim::<1>(1);
        correct += pred.equal(y).int().sum().into_scalar::<i64>();
        seen += idx.len();
    }
    Ok(correct as f64 / seen.max(1) as f64)
}

/// Settings of [`train`].
pub struct TrainSpec {
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    pub momentum: f64,
    pub weight_decay: f64,
    pub subset: Option<usize>,
    pub seed: u64,
}

/// Trains `net` with SGD (momentum, weight decay, per-step cosine schedule) on CE + `extra`,
/// where `extra(features, x, labels)` returns an optional additional loss term (autodiff) and
/// its value is logged. The data order depends only on the seed, so two arms see the same batches.
pub fn train<F>(mut net: Net, spec: &NetSpec, data: &StudyData, t: &TrainSpec, device: &Device, label: &str, mut extra: F) -> Result<(Net, serde_json::Value), String>
where
    F: FnMut(Tensor<2>, &Tensor<4>, &Tensor<1, Int>) -> Result<Option<Tensor<1>>, String>,
{
    let mut sgd = SgdConfig::new().with_momentum(Some(MomentumConfig::new().with_momentum(t.momentum).with_dampening(0.0)));
    if t.weight_decay > 0.0 {
        sgd = sgd.with_weight_decay(Some(WeightDecayConfig::new(t.weight_decay as f32)));
    }
    let mut optim = sgd.init();
    let indices: Vec<usize> = subset(data.train.len(), t.subset).into_iter().map(|i| i + TRAIN_OFFSET).collect();
    let n = indices.len();
    let steps_per_epoch = n / t.batch_size;
    let total = (t.epochs * steps_per_epoch).max(1) as f64;
    let plain = device.clone().inner();
    let start = Instant::now();
    let mut history = Vec::new();
    for epoch in 0..t.epochs {
        let order: Vec<usize> = Rng(t.seed.wrapping_mul(1_000_003).wrapping_add(epoch as u64)).permutation(n).into_iter().map(|i| indices[i]).collect();
        let mut progress = Progress::new(format!("{label} epoch {}/{}", epoch + 1, t.epochs), steps_per_epoch * t.batch_size);
        let (mut ce_sum, mut extra_sum, mut correct, mut seen) = (0.0, 0.0, 0i64, 0usize);
        // Full batches only: the dCor terms are batch statistics, and every arm skips the same rest.
        for (b, idx) in order.chunks_exact(t.batch_size).enumerate() {
            let (x, y, _) = batch(data, idx, &plain)?;
            let (logits, features) = forward(&net, spec, x.clone().autodiff())?;
            let classes = logits.dims()[1];
            let ce = cross_entropy_with_logits(logits.clone(), y.clone().autodiff().one_hot::<2>(classes).float()).mean();
            let mut loss = ce.clone();
            if let Some(term) = extra(features, &x, &y)? {
                extra_sum += term.clone().into_scalar::<f64>() * idx.len() as f64;
                loss = loss + term;
            }
            let pred: Tensor<1, Int> = logits.argmax(1).squeeze_dim::<1>(1).inner();
            correct += pred.equal(y).int().sum().into_scalar::<i64>();
            seen += idx.len();
            ce_sum += ce.into_scalar::<f64>() * idx.len() as f64;
            let step = (epoch * steps_per_epoch + b) as f64;
            let lr = 0.5 * t.lr * (1.0 + (std::f64::consts::PI * step / total).cos());
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = optim.step(lr, net, grads);
            progress.advance(idx.len(), &format!("ce {:.3}", ce_sum / seen as f64));
        }
        let s = seen.max(1) as f64;
        history.push(json!({ "epoch": epoch + 1, "train_ce": ce_sum / s, "train_extra": extra_sum / s, "train_accuracy": correct as f64 / s }));
    }
    net.sync_running_stats();
    Ok((net, json!({ "history": history, "seconds": start.elapsed().as_secs_f64() })))
}

/// Where a net's weights came from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Prepared {
    /// "imported", "trained" or "cached".
    pub source: String,
    pub path: PathBuf,
    pub train_seconds: f64,
}

/// X or Y ready to compare: imported weights, a cached model trained earlier with the same
/// architecture, data, pre-training settings and seed, or trained now and cached.
pub fn prepare(spec: &NetSpec, cfg: &Config, data: &StudyData, device: &Device, cache: &Path) -> Result<(Net, Prepared), String> {
    let probe = data.train.get(0).map_err(|e| e.to_string())?;
    let classes = data.train.num_classes();
    // X and Y start from different draws; the draw is part of the cache key below.
    let init_seed = cfg.seed.wrapping_add(if spec.name == cfg.x.name { 11 } else { 22 });
    device.seed(init_seed);
    let mut net = build(spec, probe.shape, classes, device);
    // Materialise lazily initialised parameters before loading or saving.
    let [c, h, w] = probe.shape;
    let _ = net.valid().classify(Tensor::zeros([1, c, h, w], &device.clone().inner()));
    if let Some(path) = &spec.weights {
        // Into the inner model, so that the PyTorch names match without the enum's variant.
        let report = match &mut net {
            Net::ResNet(m) => pdc_models::load_pytorch_weights(m, path, false)?,
            Net::Vit(m) => pdc_models::load_pytorch_weights(m, path, false)?,
        };
        eprintln!("{}: imported {} tensors from {}", spec.name, report.applied, path.display());
        return Ok((net, Prepared { source: "imported".into(), path: path.clone(), train_seconds: 0.0 }));
    }
    let key = json!({ "arch": spec.arch, "dataset": cfg.dataset, "pretrain": cfg.pretrain, "seed": cfg.seed, "init_seed": init_seed, "shape": probe.shape, "classes": classes });
    let slug: String = spec.name.chars().map(|ch| if ch.is_ascii_alphanumeric() { ch.to_ascii_lowercase() } else { '-' }).collect();
    let path = cache.join(format!("{slug}-{:016x}.bpk", fnv1a(key.to_string().as_bytes())));
    let meta = path.with_extension("json");
    if path.exists() && meta.exists() {
        load_model(&mut net, &path)?;
        let seconds = std::fs::read_to_string(&meta).ok().and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok()).and_then(|v| v["train_seconds"].as_f64()).unwrap_or(0.0);
        eprintln!("{}: reusing the model trained earlier ({})", spec.name, path.display());
        return Ok((net, Prepared { source: "cached".into(), path, train_seconds: seconds }));
    }
    let p = &cfg.pretrain;
    let t = TrainSpec { epochs: p.epochs, batch_size: p.batch_size, lr: p.lr, momentum: p.momentum, weight_decay: p.weight_decay, subset: p.train_subset, seed: cfg.seed };
    let (net, log) = train(net, spec, data, &t, device, &format!("pretrain {}", spec.name), |_, _, _| Ok(None))?;
    let seconds = log["seconds"].as_f64().unwrap_or(0.0);
    save_model(&net, &path)?;
    let text = serde_json::to_string_pretty(&json!({ "key": key, "train_seconds": seconds, "log": log })).expect("json");
    let tmp = meta.with_extension("json-tmp");
    std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, &meta)).map_err(|e| format!("{}: {e}", meta.display()))?;
    Ok((net, Prepared { source: "trained".into(), path, train_seconds: seconds }))
}

/// FNV-1a: a stable hash for cache file names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}
