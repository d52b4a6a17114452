//! Training of one arm × seed: stage 1 (latent optimisation of codes, classifiers and generator),
//! stage 2 (amortisation: the residual encoder regresses the learned codes) and stage 3
//! (synthesis: encoder and generator fine-tuned). One epoch counter runs through the stages; a
//! checkpoint (model + optimiser state) is written after every epoch, so a killed run resumes
//! where it stopped with the same numbers.

use std::time::Instant;

use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::activation::{log_softmax, softmax};
use burn::tensor::{Device, Tensor, TensorData};
use pdc_data::Rng;
use pdc_dcor::loss::{DcorLossConfig, dcor_sqr_loss};
use pdc_models::stylegan::ParamRng;
use pdc_run::{Progress, RunDir, load_model, save_model};
use serde_json::{Value, json};

use crate::config::{Arm, Config, ResidualLoss};
use crate::data::StudyData;
use crate::model::{BatchLabels, Model, index_tensor};

/// Which stage an epoch belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Latent,
    Amortize,
    Synthesis,
}

impl Stage {
    fn of(cfg: &Config, epoch: usize) -> (Stage, usize, usize) {
        let (a, b) = (cfg.latent_epochs, cfg.latent_epochs + cfg.amortize_epochs);
        if epoch < a {
            (Stage::Latent, epoch, a)
        } else if epoch < b {
            (Stage::Amortize, epoch - a, cfg.amortize_epochs)
        } else {
            (Stage::Synthesis, epoch - b, cfg.synthesis_epochs)
        }
    }

    fn optimizers(self) -> &'static [&'static str] {
        match self {
            Stage::Latent => &["latents", "classifier", "generator"],
            Stage::Amortize => &["encoder"],
            Stage::Synthesis => &["encoder", "generator"],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Stage::Latent => "latent",
            Stage::Amortize => "amortize",
            Stage::Synthesis => "synthesis",
        }
    }
}

fn adam(stage: Stage) -> ModuleOptimizer {
    // ZeroDIM: Adam(0.5, 0.999) for stages 1 and 3, PyTorch defaults for stage 2.
    match stage {
        Stage::Amortize => AdamConfig::new().init(),
        _ => AdamConfig::new().with_beta_1(0.5).init(),
    }
}

fn cosine(lr: f64, lr_min: f64, step: usize, total: usize) -> f64 {
    let lo = lr_min.min(lr);
    lo + (lr - lo) * 0.5 * (1.0 + (std::f64::consts::PI * step as f64 / total.max(1) as f64).cos())
}

/// The residual term of an arm on one batch (a scalar tensor [1]).
pub fn residual_loss(arm: &Arm, r: Tensor<2>, codes: Tensor<2>, dcor: &DcorLossConfig) -> Result<Tensor<1>, String> {
    Ok(match arm.loss {
        ResidualLoss::None => r.sum().mul_scalar(0.0),
        ResidualLoss::L2 => r.square().mean().reshape([1]),
        ResidualLoss::Dcor => dcor_sqr_loss(r, codes, dcor).map_err(|e| e.to_string())?,
    })
}

fn mse(a: Tensor<4>, b: Tensor<4>) -> Tensor<1> {
    (a - b).square().mean().reshape([1])
}

fn scalar(t: &Tensor<1>) -> f64 {
    t.clone().into_scalar::<f64>()
}

/// Mean row norm of the residual table (is the code above the noise level?).
pub fn residual_norm(model: &Model) -> f64 {
    model.latents.residuals.val().inner().square().sum_dim(1).sqrt().mean().into_scalar::<f64>()
}

/// Trains (or resumes) one arm × seed inside `run`'s folder `dir`; returns the model and the
/// per-epoch history. `stop_after` simulates a kill after that many epochs (tests).
/// `on_latent_done` runs once stage 1 is complete (also on a resumed run), before stage 2.
#[allow(clippy::too_many_arguments)]
pub fn train(
    cfg: &Config,
    data: &StudyData,
    arm: &Arm,
    seed: u64,
    device: &Device,
    run: &RunDir,
    dir: &str,
    stop_after: Option<usize>,
    on_latent_done: &mut dyn FnMut(&Model) -> Result<(), String>,
) -> Result<(Model, Vec<Value>), String> {
    let cards: Vec<usize> = data.attributes.iter().map(|a| a.cardinality()).collect();
    let n = data.train.len();
    let mut model = Model::new(cfg, &cards, n, seed, device)?;
    let total = cfg.latent_epochs + cfg.amortize_epochs + cfg.synthesis_epochs;
    let mut start = 0;
    let mut history: Vec<Value> = Vec::new();
    let mut optims: Vec<ModuleOptimizer> = Vec::new();
    if let Some(s) = run.read_json(&format!("{dir}/state.json")) {
        start = s["epochs_done"].as_u64().unwrap_or(0) as usize;
        history = s["history"].as_array().cloned().unwrap_or_default();
        let ckpt = s["checkpoint"].as_str().unwrap_or_default().to_string();
        load_model(&mut model, &run.file(&format!("{dir}/{ckpt}/model.bpk")))?;
        let stage = Stage::of(cfg, start.saturating_sub(1)).0;
        // Optimiser state matters only when the next epoch continues the same stage.
        if start > 0 && start < total && Stage::of(cfg, start).0 == stage {
            for name in stage.optimizers() {
                let path = run.file(&format!("{dir}/{ckpt}/{name}.optim"));
                optims.push(adam(stage).load(&path).map_err(|e| format!("{}: {e}", path.display()))?);
            }
        }
        eprintln!("{dir}: resuming after epoch {start} of {total}");
    }
    let dcor = DcorLossConfig::new();
    let plain = device.clone().inner();
    if start >= cfg.latent_epochs {
        on_latent_done(&model)?;
    }
    for epoch in start..total {
        let (stage, within, stage_epochs) = Stage::of(cfg, epoch);
        if within == 0 || optims.is_empty() {
            optims = stage.optimizers().iter().map(|_| adam(stage)).collect();
        }
        let t0 = Instant::now();
        let mut record = match stage {
            Stage::Latent => latent_epoch(cfg, data, arm, seed, &mut model, &mut optims, within, stage_epochs, device, &plain, &dcor)?,
            Stage::Amortize => amortize_epoch(cfg, data, seed, &mut model, &mut optims, within, stage_epochs, device, &plain)?,
            Stage::Synthesis => synthesis_epoch(cfg, data, seed, &mut model, &mut optims, within, stage_epochs, device, &plain)?,
        };
        record["epoch"] = json!(epoch + 1);
        record["stage"] = json!(stage.name());
        record["seconds"] = json!(t0.elapsed().as_secs_f64());
        record["residual_norm"] = json!(residual_norm(&model));
        eprintln!("{dir} {} epoch {}/{}: {record}", stage.name(), within + 1, stage_epochs);
        history.push(record);
        let ckpt = format!("ckpt-epoch{}", epoch + 1);
        save_model(&model, &run.file(&format!("{dir}/{ckpt}/model.bpk")))?;
        for (name, o) in stage.optimizers().iter().zip(&optims) {
            let path = run.file(&format!("{dir}/{ckpt}/{name}.optim"));
            o.save(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        run.write_json(&format!("{dir}/state.json"), &json!({ "epochs_done": epoch + 1, "checkpoint": ckpt, "history": history }))?;
        if epoch > 0 {
            let _ = std::fs::remove_dir_all(run.file(&format!("{dir}/ckpt-epoch{epoch}")));
        }
        if epoch + 1 == cfg.latent_epochs {
            on_latent_done(&model)?;
        }
        if stop_after == Some(epoch + 1) && epoch + 1 < total {
            return Err(format!("stopped after epoch {} as asked; run again with the same folder to resume", epoch + 1));
        }
    }
    Ok((model, history))
}

/// Seed of the generator's noise inputs at a step (same for every arm of a seed).
fn noise_seed(seed: u64, stage: Stage, step: usize) -> u64 {
    seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ ((stage as u64) << 48) ^ step as u64
}

/// The epoch's image order (same for every arm of a seed).
fn epoch_order(seed: u64, stage: Stage, epoch: usize, n: usize) -> Vec<usize> {
    Rng(seed.wrapping_mul(1_000_003) ^ ((stage as u64) << 40) ^ epoch as u64).permutation(n)
}

/// Labelled indices for step `step` of an epoch: a seeded stream over the labelled subset.
fn labelled_batch(data: &StudyData, seed: u64, epoch: usize, step: usize, b: usize) -> Vec<usize> {
    let mut rng = Rng(seed ^ 0xA5A5_0000_0000 ^ ((epoch as u64) << 20) ^ step as u64);
    (0..b).map(|_| data.labelled[rng.below(data.labelled.len())]).collect()
}

#[allow(clippy::too_many_arguments)]
fn latent_epoch(
    cfg: &Config,
    data: &StudyData,
    arm: &Arm,
    seed: u64,
    model: &mut Model,
    optims: &mut [ModuleOptimizer],
    epoch: usize,
    epochs: usize,
    device: &Device,
    plain: &Device,
    dcor: &DcorLossConfig,
) -> Result<Value, String> {
    let b = cfg.batch_size;
    let n = data.train.len();
    let k = data.attributes.len();
    let steps = n / b;
    let order = epoch_order(seed, Stage::Latent, epoch, n);
    let mut progress = Progress::new(format!("latent epoch {}/{epochs} [{}]", epoch + 1, arm.name()), steps);
    let mut sums = [0.0f64; 6]; // rec, res (unlabelled), entropy, cls, total, res (labelled)
    let use_entropy = epoch >= cfg.entropy_from_epoch;
    for s in 0..steps {
        let step = epoch * steps + s;
        let iu = &order[s * b..(s + 1) * b];
        let il = labelled_batch(data, seed, epoch, s, b);
        let idx: Vec<usize> = iu.iter().chain(&il).copied().collect();
        let x = data.train.batch(&idx, plain).autodiff();
        let labels: Vec<&[i64]> = idx.iter().map(|&i| data.labels[i].as_slice()).collect();
        let lab = BatchLabels::new(&labels, k, device);
        let (codes, logits) = model.attribute_codes(x.clone(), Some(&lab));
        let r = model.latents.residuals.val().select(0, index_tensor(&idx, device));
        let noise = Tensor::<2>::from_data(
            TensorData::new(ParamRng(seed ^ 0x5EED ^ ((step as u64) << 16)).normals(2 * b * cfg.residual_dim, cfg.residual_std), [2 * b, cfg.residual_dim]),
            device,
        );
        let xh = model.decode_seeded(codes.clone(), r.clone() + noise, noise_seed(seed, Stage::Latent, step));
        let half = |t: Tensor<2>, first: bool| if first { t.slice([0..b]) } else { t.slice([b..2 * b]) };
        let rec_u = mse(xh.clone().slice([0..b]), x.clone().slice([0..b]));
        let rec_l = mse(xh.slice([b..2 * b]), x.slice([b..2 * b]));
        let res_u = residual_loss(arm, half(r.clone(), true), half(codes.clone(), true), dcor)?;
        let res_l = residual_loss(arm, half(r, false), half(codes, false), dcor)?;
        // Entropy of the classifiers on the unlabelled batch; CE on the labelled batch's labelled entries.
        let mut ent = rec_u.clone().mul_scalar(0.0);
        let mut cls = rec_u.clone().mul_scalar(0.0);
        for (j, l) in logits.iter().enumerate() {
            let lu = half(l.clone(), true);
            let p = softmax(lu.clone(), 1);
            ent = ent + (p * log_softmax(lu, 1)).sum_dim(1).mean().neg().reshape([1]).div_scalar(k as f64);
            let ll = half(l.clone(), false);
            let m = half(lab.masks[j].clone(), false);
            let count: f64 = il.iter().filter(|&&i| data.labels[i][j] >= 0).count() as f64;
            if count > 0.0 {
                let y = lab.values[j].clone().slice([b..2 * b]).one_hot::<2>(data.attributes[j].cardinality()).float();
                let ce = (log_softmax(ll, 1) * y).sum_dim(1).neg() * m;
                cls = cls + ce.sum().reshape([1]).div_scalar(count);
            }
        }
        let mut unsup = rec_u.clone() + res_u.clone().mul_scalar(arm.lambda);
        if use_entropy {
            unsup = unsup + ent.clone().mul_scalar(cfg.lambda_entropy);
        }
        let res_l_value = scalar(&res_l);
        let sup = rec_l + res_l.mul_scalar(arm.lambda) + cls.clone().mul_scalar(cfg.lambda_classifier);
        let loss = unsup + sup.mul_scalar(cfg.weight_supervised);
        let values = [scalar(&rec_u), scalar(&res_u), scalar(&ent), scalar(&cls), scalar(&loss), res_l_value];
        if values.iter().any(|v| !v.is_finite()) {
            return Err(format!("stage 1, epoch {} step {s}: a loss is not finite (rec, res, entropy, cls, total, res labelled = {values:?}); lower the learning rates", epoch + 1));
        }
        for (acc, v) in sums.iter_mut().zip(values) {
            *acc += v;
        }
        let mut grads = loss.backward();
        let g_lat = GradientsParams::from_module(&mut grads, &model.latents);
        let g_cls = GradientsParams::from_module(&mut grads, &model.classifier);
        let g_gen = GradientsParams::from_module(&mut grads, &model.generator);
        let total = epochs * steps;
        model.latents = optims[0].step(cosine(cfg.lr_latent, cfg.lr_min, step, total), model.latents.clone(), g_lat);
        model.classifier = optims[1].step(cosine(cfg.lr_classifier, cfg.lr_min, step, total), model.classifier.clone(), g_cls);
        model.generator = optims[2].step(cosine(cfg.lr_generator, cfg.lr_min, step, total), model.generator.clone(), g_gen);
        progress.advance(1, &format!("rec {:.4}", sums[0] / (s + 1) as f64));
    }
    let m = |i: usize| sums[i] / steps.max(1) as f64;
    Ok(json!({ "rec": m(0), "residual_loss": m(1), "residual_loss_labelled": m(5), "entropy": m(2), "cls": m(3), "loss": m(4) }))
}

#[allow(clippy::too_many_arguments)]
fn amortize_epoch(cfg: &Config, data: &StudyData, seed: u64, model: &mut Model, optims: &mut [ModuleOptimizer], epoch: usize, epochs: usize, device: &Device, plain: &Device) -> Result<Value, String> {
    let b = 2 * cfg.batch_size;
    let n = data.train.len();
    let steps = (n / b).max(1);
    let b = b.min(n);
    let order = epoch_order(seed, Stage::Amortize, epoch, n);
    let targets = model.latents.residuals.val().detach();
    let mut progress = Progress::new(format!("amortize epoch {}/{epochs}", epoch + 1), steps);
    let mut sum = 0.0;
    for s in 0..steps {
        let idx = &order[s * b..(s + 1) * b];
        let x = data.train.batch(idx, plain).autodiff();
        let r = targets.clone().select(0, index_tensor(idx, device));
        let loss = (model.encoder.forward(x) - r).square().mean().reshape([1]);
        let v = scalar(&loss);
        if !v.is_finite() {
            return Err(format!("stage 2, epoch {} step {s}: the loss is not finite", epoch + 1));
        }
        sum += v;
        let mut grads = loss.backward();
        let g = GradientsParams::from_module(&mut grads, &model.encoder);
        let lr = cosine(cfg.amortize_lr, 1e-5, epoch * steps + s, epochs * steps);
        model.encoder = optims[0].step(lr, model.encoder.clone(), g);
        progress.advance(1, &format!("mse {:.4}", sum / (s + 1) as f64));
    }
    Ok(json!({ "code_mse": sum / steps as f64 }))
}

#[allow(clippy::too_many_arguments)]
fn synthesis_epoch(cfg: &Config, data: &StudyData, seed: u64, model: &mut Model, optims: &mut [ModuleOptimizer], epoch: usize, epochs: usize, device: &Device, plain: &Device) -> Result<Value, String> {
    let b = cfg.batch_size.min(data.train.len());
    let n = data.train.len();
    let k = data.attributes.len();
    let steps = (n / b).max(1);
    let order = epoch_order(seed, Stage::Synthesis, epoch, n);
    let targets = model.latents.residuals.val().detach();
    let mut progress = Progress::new(format!("synthesis epoch {}/{epochs}", epoch + 1), steps);
    let (mut rec_sum, mut lat_sum) = (0.0, 0.0);
    for s in 0..steps {
        let idx = &order[s * b..(s + 1) * b];
        let x = data.train.batch(idx, plain).autodiff();
        let labels: Vec<&[i64]> = idx.iter().map(|&i| data.labels[i].as_slice()).collect();
        let lab = BatchLabels::new(&labels, k, device);
        // The factor model is frozen in this stage.
        let codes = model.attribute_codes(x.clone(), Some(&lab)).0.detach();
        let r = model.encoder.forward(x.clone());
        let rec = mse(model.decode_seeded(codes, r.clone(), noise_seed(seed, Stage::Synthesis, epoch * steps + s)), x);
        let lat = (r - targets.clone().select(0, index_tensor(idx, device))).square().mean().reshape([1]);
        let loss = rec.clone() + lat.clone().mul_scalar(cfg.weight_latent);
        let (a, c) = (scalar(&rec), scalar(&lat));
        if !(a.is_finite() && c.is_finite()) {
            return Err(format!("stage 3, epoch {} step {s}: a loss is not finite", epoch + 1));
        }
        rec_sum += a;
        lat_sum += c;
        let mut grads = loss.backward();
        let g_enc = GradientsParams::from_module(&mut grads, &model.encoder);
        let g_gen = GradientsParams::from_module(&mut grads, &model.generator);
        model.encoder = optims[0].step(cfg.synthesis_lr, model.encoder.clone(), g_enc);
        model.generator = optims[1].step(cfg.synthesis_lr, model.generator.clone(), g_gen);
        progress.advance(1, &format!("rec {:.4}", rec_sum / (s + 1) as f64));
    }
    Ok(json!({ "rec": rec_sum / steps as f64, "code_mse": lat_sum / steps as f64 }))
}
