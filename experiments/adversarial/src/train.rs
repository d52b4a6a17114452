//! Training f1, f2-baseline and f2-dCor with the same data order and hyper-parameters; only the
//! dCor term differs. Nets are trained alternately, one epoch each, as in the official code.

use burn::module::Module;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, ModuleOptimizer, SgdConfig};
use burn::optim::decay::WeightDecayConfig;
use burn::tensor::loss::cross_entropy_with_logits;
use burn::tensor::{Device, Int, Tensor};
use pdc_data::{Augment, ImageItem, Rng, to_batch};
use pdc_dcor::loss::{DcorLossConfig, dcor_sqr_loss};
use pdc_models::{Classifier, ResNet, ResNetConfig, Stem};
use pdc_run::{Progress, RunDir, load_model, save_model};
use serde_json::json;

use crate::config::{Config, Protocol};
use pdc_run::study::StudyData;

/// One network of the study.
pub struct Net {
    pub name: &'static str,
    pub model: ResNet,
    pub optim: ModuleOptimizer,
    /// Nets whose features this one is decorrelated from.
    pub refs: Vec<usize>,
}

/// Index of the nets in [`Trained::nets`].
pub const F1: usize = 0;

/// The trained nets of one seed; `baseline` and `dcor` index into `nets`.
pub struct Trained {
    pub nets: Vec<Net>,
    pub baseline: usize,
    pub dcor: usize,
    /// Per-epoch training metrics.
    pub history: Vec<serde_json::Value>,
}

pub fn model_config(cfg: &Config, channels: usize, classes: usize) -> ResNetConfig {
    let stem = if cfg.stem == "imagenet" { Stem::ImageNet } else { Stem::Cifar };
    ResNetConfig::new(cfg.depth).with_width(cfg.width).with_stem(stem).with_in_channels(channels).with_num_classes(classes)
}

fn optimizer(cfg: &Config) -> ModuleOptimizer {
    let mut sgd = SgdConfig::new().with_momentum(Some(MomentumConfig::new().with_momentum(cfg.momentum).with_dampening(0.0)));
    if cfg.weight_decay > 0.0 {
        sgd = sgd.with_weight_decay(Some(WeightDecayConfig::new(cfg.weight_decay as f32)));
    }
    sgd.init()
}

/// Builds a net from `init_seed`; the dummy forward materialises the lazily initialised
/// parameters right away, so two nets with the same seed start identical.
fn build(cfg: &Config, data: &StudyData, init_seed: u64, device: &Device, name: &'static str, refs: Vec<usize>) -> Net {
    device.seed(init_seed);
    let model = model_config(cfg, data.channels, data.train.num_classes()).init(device);
    let probe = data.train.get(0).expect("the training set is not empty");
    let [c, h, w] = probe.shape;
    let _ = model.valid().classify(Tensor::zeros([1, c, h, w], &device.clone().inner()));
    Net { name, model, optim: optimizer(cfg), refs }
}

/// The nets of a protocol: f1, [net1,] f2-baseline, f2-dCor.
fn nets(cfg: &Config, data: &StudyData, seed: u64, device: &Device) -> (Vec<Net>, usize, usize) {
    let s = seed.wrapping_mul(1000);
    let mut v = vec![build(cfg, data, s + 1, device, "f1", vec![])];
    match cfg.protocol {
        Protocol::Pair => {
            v.push(build(cfg, data, s + 2, device, "f2-baseline", vec![]));
            v.push(build(cfg, data, s + 2, device, "f2-dcor", vec![F1]));
            (v, 1, 2)
        }
        Protocol::ThreeNet => {
            v.push(build(cfg, data, s + 3, device, "net1-dcor", vec![F1]));
            v.push(build(cfg, data, s + 2, device, "f2-baseline", vec![]));
            v.push(build(cfg, data, s + 2, device, "f2-dcor", vec![F1, 1]));
            (v, 2, 3)
        }
    }
}

pub use pdc_run::study::subset;

/// Trains (or resumes) all nets of one seed inside `run`'s `seed-<s>/` folder.
/// `stop_after` simulates an interruption after that many epochs (tests of resuming).
pub fn train(cfg: &Config, data: &StudyData, seed: u64, device: &Device, run: &RunDir, stop_after: Option<usize>) -> Result<Trained, String> {
    let dir = format!("seed-{seed}");
    let (mut nets, baseline, dcor) = nets(cfg, data, seed, device);
    let indices = subset(data.train.len(), cfg.train_subset);
    let n = indices.len();
    let steps_per_epoch = n.div_ceil(cfg.batch_size);
    let total_steps = (cfg.epochs * steps_per_epoch) as f64;
    let plain = device.clone().inner();
    let loss_cfg = DcorLossConfig::new();
    let augment = Augment { crop_padding: if data.channels == 1 { 2 } else { 4 }, horizontal_flip: data.channels == 3 };

    // Resume: the last completed epoch and the nets and optimisers saved after it.
    // Each epoch's checkpoint is a folder of its own; state.json, written last, names the
    // complete one, so a kill at any moment leaves a consistent checkpoint behind.
    let state = run.read_json(&format!("{dir}/state.json"));
    let mut start = 0;
    let mut history: Vec<serde_json::Value> = Vec::new();
    if let Some(s) = state {
        start = s["epochs_done"].as_u64().unwrap_or(0) as usize;
        history = s["history"].as_array().cloned().unwrap_or_default();
        let ckpt = s["checkpoint"].as_str().unwrap_or_default().to_string();
        for (k, net) in nets.iter_mut().enumerate() {
            load_model(&mut net.model, &run.file(&format!("{dir}/{ckpt}/net{k}.bpk")))?;
            let path = run.file(&format!("{dir}/{ckpt}/net{k}.optim"));
            net.optim = optimizer(cfg).load(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        if start > 0 {
            eprintln!("resuming seed {seed} after epoch {start}");
        }
    }

    for epoch in start..cfg.epochs {
        let order: Vec<usize> = Rng(seed.wrapping_mul(1_000_003).wrapping_add(epoch as u64)).permutation(n).into_iter().map(|i| indices[i]).collect();
        let mut record = json!({ "epoch": epoch + 1 });
        for k in 0..nets.len() {
            let refs: Vec<ResNet> = nets[k]
                .refs
                .iter()
                .map(|&j| {
                    nets[j].model.sync_running_stats();
                    nets[j].model.valid()
                })
                .collect();
            let net = &mut nets[k];
            let mut progress = Progress::new(format!("seed {seed} epoch {}/{} {}", epoch + 1, cfg.epochs, net.name), n);
            let (mut ce_sum, mut dc_sum, mut correct, mut seen) = (0.0, 0.0, 0i64, 0usize);
            for (b, idx) in order.chunks(cfg.batch_size).enumerate() {
                if idx.len() < 4 {
                    progress.advance(idx.len(), "last partial batch skipped");
                    continue; // dCor needs several rows; the same batches are skipped for every net
                }
                let mut aug_rng = Rng(Rng(seed).next_u64() ^ Rng((epoch as u64) << 32 | b as u64).next_u64());
                let items: Vec<ImageItem> = idx
                    .iter()
                    .map(|&i| {
                        let mut it = data.train.get(i).map_err(|e| e.to_string())?;
                        if cfg.augment {
                            it.pixels = augment.apply(&it.pixels, it.shape, &mut aug_rng);
                        }
                        Ok(it)
                    })
                    .collect::<Result<_, String>>()?;
                let (x, y) = to_batch(&items, &data.norm, &plain);
                let out = net.model.classify(x.clone().autodiff());
                let classes = out.logits.dims()[1];
                let ce = cross_entropy_with_logits(out.logits.clone(), y.clone().autodiff().one_hot::<2>(classes).float()).mean();
                let mut loss = ce.clone();
                let mut dc_value = 0.0;
                if !refs.is_empty() && cfg.alpha > 0.0 {
                    let mut dc: Option<Tensor<1>> = None;
                    for r in &refs {
                        let g1 = r.classify(x.clone()).features.autodiff();
                        let term = dcor_sqr_loss(out.features.clone(), g1, &loss_cfg).map_err(|e| e.to_string())?;
                        dc = Some(match dc {
                            Some(d) => d + term,
                            None => term,
                        });
                    }
                    let dc = dc.expect("refs is not empty").div_scalar(refs.len() as f64);
                    dc_value = dc.clone().into_scalar::<f64>();
                    loss = loss + dc.mul_scalar(cfg.alpha);
                }
                let pred: Tensor<1, Int> = out.logits.clone().argmax(1).squeeze_dim::<1>(1).inner();
                correct += pred.equal(y).int().sum().into_scalar::<i64>();
                seen += idx.len();
                ce_sum += ce.clone().into_scalar::<f64>() * idx.len() as f64;
                dc_sum += dc_value * idx.len() as f64;
                let step = (epoch * steps_per_epoch + b) as f64;
                let lr = 0.5 * cfg.lr * (1.0 + (std::f64::consts::PI * step / total_steps).cos());
                let grads = GradientsParams::from_grads(loss.backward(), &net.model);
                net.model = net.optim.step(lr, net.model.clone(), grads);
                progress.advance(idx.len(), &format!("ce {:.3}", ce_sum / seen as f64));
            }
            record[net.name] = json!({
                "train_ce": ce_sum / seen.max(1) as f64,
                "train_accuracy": correct as f64 / seen.max(1) as f64,
                "train_dcor_sqr": if refs.is_empty() { serde_json::Value::Null } else { json!(dc_sum / seen.max(1) as f64) },
            });
        }
        history.push(record);
        // Checkpoint: a new folder with every net and optimiser, then the state that points at it,
        // then the previous folder is removed.
        let ckpt = format!("ckpt-epoch{}", epoch + 1);
        for (k, net) in nets.iter().enumerate() {
            net.model.sync_running_stats();
            save_model(&net.model, &run.file(&format!("{dir}/{ckpt}/net{k}.bpk")))?;
            let path = run.file(&format!("{dir}/{ckpt}/net{k}.optim"));
            net.optim.save(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        run.write_json(&format!("{dir}/state.json"), &json!({ "epochs_done": epoch + 1, "checkpoint": ckpt, "history": history }))?;
        if epoch > 0 {
            let _ = std::fs::remove_dir_all(run.file(&format!("{dir}/ckpt-epoch{epoch}")));
        }
        if stop_after == Some(epoch + 1) {
            return Err(format!("stopped after epoch {} as asked; run again with the same folder to resume", epoch + 1));
        }
    }
    Ok(Trained { nets, baseline, dcor, history })
}
