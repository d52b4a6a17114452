//! # exp-adversarial: paper §4
//!
//! Train f1 (CE), f2-baseline (CE) and f2-dCor (CE + α·dCor²(g1, g2)), craft FGM and PGD on f1,
//! and compare how well the two f2's resist the transferred examples. See `Config` for the
//! settings and the presets.

pub mod config;
pub mod evaluate;
pub mod report;
pub mod train;

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use pdc_run::RunDir;

pub use config::{Config, DatasetSpec, Protocol};
use evaluate::SeedMetrics;

/// Runs (or resumes) the whole study into `out`; returns the results.md text.
pub fn run(cfg: &Config, out: &Path, device: &Device) -> Result<String, String> {
    run_until(cfg, out, device, None)
}

/// [`run`], stopping with an error after `stop_after` epochs of the first unfinished seed, as
/// a kill would (used to test that resuming gives the same numbers).
pub fn run_until(cfg: &Config, out: &Path, device: &Device, stop_after: Option<usize>) -> Result<String, String> {
    cfg.validate()?;
    let start = Instant::now();
    // Load the data first: a wrong path must not leave a run folder behind.
    let data = pdc_run::study::load(&cfg.dataset)?;
    if data.train.is_empty() || data.test.is_empty() {
        return Err("the dataset has no training or no test images".into());
    }
    let run = RunDir::open(out, &cfg.to_toml())?;
    let result = run_seeds(cfg, &data, &run, device, stop_after, start);
    run.unlock();
    result
}

fn run_seeds(cfg: &Config, data: &pdc_run::study::StudyData, run: &RunDir, device: &Device, stop_after: Option<usize>, start: Instant) -> Result<String, String> {
    let device = device.clone().autodiff();
    let mut seeds: Vec<SeedMetrics> = Vec::new();
    for &seed in &cfg.seeds {
        let done = format!("seed-{seed}/metrics.json");
        if let Some(v) = run.read_json(&done) {
            seeds.push(evaluate::from_json(&v)?);
            eprintln!("seed {seed}: already complete, reusing {done}");
            continue;
        }
        let trained = train::train(cfg, data, seed, &device, run, stop_after)?;
        let metrics = evaluate::evaluate(cfg, data, &trained, seed, &device)?;
        run.write_json(&done, &serde_json::to_value(&metrics).expect("metrics serialise"))?;
        seeds.push(metrics);
    }
    report::write(cfg, run, &seeds, start.elapsed().as_secs_f64())
}
