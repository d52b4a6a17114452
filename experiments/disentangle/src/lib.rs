//! # exp-disentangle: paper §6
//!
//! ZeroDIM-style disentanglement (attribute codes from few labels, a residual code learned by
//! latent optimisation, a StyleGAN2-style generator) with the residual term as the only
//! difference between arms: none, L2 (ZeroDIM) or biased dCor² (PDC), at any λ. Every arm ×
//! seed is a resumable sub-run; the study writes results.md, metrics.json and image grids.

pub mod config;
pub mod data;
pub mod evaluate;
pub mod grids;
pub mod model;
pub mod probe;
pub mod report;
pub mod train;

use std::path::Path;
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use pdc_run::RunDir;
use serde_json::{Value, json};

pub use config::{Arm, Config, DataSpec, ResidualLoss};
use evaluate::ResidualSource;

/// Runs (or resumes) the whole study into `out`; returns the results.md text.
pub fn run(cfg: &Config, out: &Path, device: &Device) -> Result<String, String> {
    run_until(cfg, out, device, None)
}

/// [`run`], stopping with an error after `stop_after` epochs of the first unfinished arm, as a
/// kill would (tests of resuming).
pub fn run_until(cfg: &Config, out: &Path, device: &Device, stop_after: Option<usize>) -> Result<String, String> {
    cfg.validate()?;
    let start = Instant::now();
    // Load the data first: a wrong path must not leave a run folder behind.
    let data = data::load(&cfg.data)?;
    if data.train.len() < cfg.batch_size {
        return Err(format!("{}: {} training images, fewer than one batch ({})", data.name, data.train.len(), cfg.batch_size));
    }
    eprintln!("data: {} — {} training images ({} labelled), {} held out; {:.1} s", data.name, data.train.len(), data.labelled.len(), data.eval.len(), start.elapsed().as_secs_f64());
    let run = RunDir::open(out, &cfg.to_toml())?;
    let result = run_arms(cfg, &data, &run, device, stop_after, start);
    run.unlock();
    result
}

/// Training images for the grids when there is no amortised encoder: unlabelled ones first,
/// since their table codes were learned with the soft attribute codes the grids decode with.
fn grid_rows(data: &data::StudyData, n: usize) -> Vec<usize> {
    let unlabelled = (0..data.train.len()).filter(|&i| data.labels[i].iter().all(|&v| v < 0));
    let labelled = (0..data.train.len()).filter(|&i| data.labels[i].iter().any(|&v| v >= 0));
    unlabelled.chain(labelled).take(n).collect()
}

/// The sub-run folder of an arm and seed.
pub fn arm_dir(arm: &Arm, seed: u64) -> String {
    format!("{}-s{seed}", arm.name())
}

fn run_arms(cfg: &Config, data: &data::StudyData, run: &RunDir, device: &Device, stop_after: Option<usize>, start: Instant) -> Result<String, String> {
    let ad = device.clone().autodiff();
    let mut results: Vec<Value> = Vec::new();
    let eval_batch = (4 * cfg.batch_size).max(64);
    let amortized = cfg.amortize_epochs + cfg.synthesis_epochs > 0;
    for &seed in &cfg.seeds {
        for arm in &cfg.arms {
            let dir = arm_dir(arm, seed);
            let done = format!("{dir}/metrics.json");
            if let Some(v) = run.read_json(&done) {
                eprintln!("{dir}: already complete, reusing {done}");
                results.push(v);
                continue;
            }
            let t0 = Instant::now();
            let latent_file = format!("{dir}/latent-metrics.json");
            let mut on_latent_done = |model: &model::Model| -> Result<(), String> {
                if run.read_json(&latent_file).is_some() {
                    return Ok(());
                }
                let m = model.valid();
                let codes = evaluate::encode(&m, &data.train, Some(&data.labels), ResidualSource::Table, eval_batch, device);
                let v = evaluate::metrics(cfg, data, &data.train, &codes, Some(&data.labels), seed)?;
                run.write_json(&latent_file, &v)
            };
            let (model, history) = train::train(cfg, data, arm, seed, &ad, run, &dir, stop_after, &mut on_latent_done)?;
            let train_seconds = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            let m = model.valid();
            let latent = run.read_json(&latent_file).ok_or_else(|| format!("{latent_file} is missing"))?;
            let (heldout, grid_set, grid_idx, source) = if amortized {
                let codes = evaluate::encode(&m, &data.eval, None, ResidualSource::Encoder, eval_batch, device);
                let idx = (0..cfg.grid_samples.min(data.eval.len())).collect();
                (Some(evaluate::metrics(cfg, data, &data.eval, &codes, None, seed)?), &data.eval, idx, ResidualSource::Encoder)
            } else {
                (None, &data.train, grid_rows(data, cfg.grid_samples), ResidualSource::Table)
            };
            let files = grids::write(run, &dir, &m, grid_set, &grid_idx, &data.attributes, cfg.factor_dim, source, device)?;
            let v = json!({
                "arm": arm.name(), "loss": arm.loss.name(), "lambda": arm.lambda, "seed": seed,
                "train_seconds": train_seconds, "eval_seconds": t1.elapsed().as_secs_f64(),
                "history": history, "train_latent": latent, "heldout_amortized": heldout, "grids": files,
            });
            run.write_json(&done, &v)?;
            eprintln!("{dir}: done in {:.0} s", t0.elapsed().as_secs_f64());
            results.push(v);
        }
    }
    report::write(cfg, data, run, &results, start.elapsed().as_secs_f64())
}
