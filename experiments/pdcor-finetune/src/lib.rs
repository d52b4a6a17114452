//! # exp-pdcor-finetune: paper §5
//!
//! Compare two networks X and Y through the class-name embeddings of the labels (GT):
//! R²(X, GT), R²(Y, GT), R²((X|Y), GT), R²((Y|X), GT) and dCor²(X, Y) (Table 2), layer-by-layer
//! dCor² maps (Fig. 3), fine-tuning of X with CE − α·R²((X|Y), GT) against a CE-only control
//! (Eq. 10), and Grad-CAM with the (partial) dCor as the target (Fig. 4). Every statistic comes
//! from pdc-dcor. Each stage writes its own JSON in the run folder and is skipped on a rerun.

pub mod compare;
pub mod config;
pub mod finetune;
pub mod gradcam;
pub mod layers;
pub mod nets;
pub mod report;

use std::path::Path;
use std::time::Instant;

use burn::tensor::{Device, Tensor};
use pdc_data::ClassEmbeddings;
use pdc_dcor::loss::{PartialKind, partial_dcor_loss, u_dcor_sqr_loss};
use pdc_run::study::StudyData;
use pdc_run::{RunDir, load_model, save_model};
use serde_json::{Value, json};

pub use config::{Arch, Config, DatasetSpec, EmbeddingSpec, NetSpec};
use nets::{Net, Prepared, batch, eval_batches};

/// The parts of the study; `all` runs them in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Compare,
    Layers,
    Finetune,
    GradCam,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Compare, Stage::Layers, Stage::Finetune, Stage::GradCam];
}

/// Everything a stage needs.
struct Study<'a> {
    cfg: &'a Config,
    data: StudyData,
    gt: Tensor<2>,
    gt_names: Vec<String>,
    x: Net,
    y: Net,
    run: &'a RunDir,
    device: Device,
}

/// Loads the GT embeddings and checks that they cover the dataset's classes.
fn embeddings(spec: &EmbeddingSpec, classes: usize) -> Result<ClassEmbeddings, String> {
    let (emb, source) = match spec {
        EmbeddingSpec::Bundled { set } => (ClassEmbeddings::bundled(set), format!("the bundled set \"{set}\"")),
        EmbeddingSpec::Files { vectors, names } => (ClassEmbeddings::load(vectors, names), vectors.display().to_string()),
    };
    let emb = emb.map_err(|e| e.to_string())?;
    if emb.num_classes() != classes {
        return Err(format!("embeddings: {source} has {} classes but the dataset has {classes}", emb.num_classes()));
    }
    Ok(emb)
}

/// Runs (or resumes) the given stages into `out`; trained models are cached in `models`.
/// Returns the results.md text.
pub fn run(cfg: &Config, out: &Path, models: &Path, device: &Device, stages: &[Stage]) -> Result<String, String> {
    cfg.validate()?;
    let start = Instant::now();
    // Inputs first: a wrong path must not leave a run folder behind.
    let data = pdc_run::study::load(&cfg.dataset)?;
    if data.train.is_empty() || data.test.is_empty() {
        return Err("the dataset has no training or no test images".into());
    }
    let emb = embeddings(&cfg.embeddings, data.train.num_classes())?;
    let plain = device.clone();
    let ad = device.clone().autodiff();
    let run = RunDir::open(out, &cfg.to_toml())?;
    let result = (|| {
        let (x, px) = nets::prepare(&cfg.x, cfg, &data, &ad, models)?;
        let (y, py) = nets::prepare(&cfg.y, cfg, &data, &ad, models)?;
        let study = Study { cfg, gt: emb.to_tensor(&plain), gt_names: emb.names.clone(), data, x, y, run: &run, device: ad };
        nets_stage(&study, [px, py])?;
        for stage in stages {
            match stage {
                Stage::Compare => compare_stage(&study)?,
                Stage::Layers => layers_stage(&study)?,
                Stage::Finetune => finetune_stage(&study)?,
                Stage::GradCam => gradcam_stage(&study)?,
            }
        }
        report::write(cfg, &run, start.elapsed().as_secs_f64())
    })();
    run.unlock();
    result
}

fn nets_stage(s: &Study, prepared: [Prepared; 2]) -> Result<(), String> {
    if s.run.read_json("nets.json").is_some() {
        return Ok(());
    }
    let batches = eval_batches(&s.data, s.cfg.compare.test_subset, s.cfg.compare.batch_size, s.cfg.seed);
    let ax = nets::accuracy(&s.x, &s.data, &batches, &s.device)?;
    let ay = nets::accuracy(&s.y, &s.data, &batches, &s.device)?;
    use pdc_models::Classifier;
    let v = json!({
        "x": { "name": s.cfg.x.name, "accuracy": ax, "feature_dim": s.x.feature_dim(), "weights": prepared[0] },
        "y": { "name": s.cfg.y.name, "accuracy": ay, "feature_dim": s.y.feature_dim(), "weights": prepared[1] },
        "test_images": batches.iter().map(Vec::len).sum::<usize>(),
        "gt_classes": s.gt_names,
    });
    s.run.write_json("nets.json", &v)
}

/// Table 2 on the full batches only: every batch statistic then has the same n (the batch
/// mean weighs them equally), and the bootstrap has at least two batches to resample.
fn table(s: &Study, x: &Net, batches: &[Vec<usize>]) -> Result<compare::Table2, String> {
    let size = s.cfg.compare.batch_size;
    let full: Vec<Vec<usize>> = batches.iter().filter(|b| b.len() == size).cloned().collect();
    if full.len() < 2 {
        return Err(format!("compare: {} full batches of {size} test images; the intervals need at least 2 (raise compare.test_subset or lower compare.batch_size)", full.len()));
    }
    let f = compare::extract([(x, &s.cfg.x), (&s.y, &s.cfg.y)], &s.gt, &s.data, &full, &s.device)?;
    compare::table2(&f, &s.cfg.compare, s.cfg.seed)
}

fn compare_stage(s: &Study) -> Result<(), String> {
    if s.run.read_json("compare.json").is_some() {
        eprintln!("compare: already done");
        return Ok(());
    }
    let t0 = Instant::now();
    let batches = eval_batches(&s.data, s.cfg.compare.test_subset, s.cfg.compare.batch_size, s.cfg.seed);
    let t = table(s, &s.x, &batches)?;
    eprintln!("compare: {} batches in {:.1} s", t.batches, t0.elapsed().as_secs_f64());
    s.run.write_json("compare.json", &json!({ "table": t, "seconds": t0.elapsed().as_secs_f64() }))
}

fn layers_stage(s: &Study) -> Result<(), String> {
    if s.run.read_json("layers.json").is_some() {
        eprintln!("layers: already done");
        return Ok(());
    }
    let t0 = Instant::now();
    let l = &s.cfg.layers;
    let batches: Vec<Vec<usize>> = eval_batches(&s.data, None, l.batch_size, s.cfg.seed.wrapping_add(1)).into_iter().take(l.batches).collect();
    let map = layers::layer_map(&s.x, &s.y, &s.data, &batches, l, &s.device)?;
    // Both estimators share one colour scale, [0, 1]; a negative R* (no dependence) is drawn as 0.
    let (lo, hi) = (0.0, 1.0);
    pdc_run::plot::heat_map(&s.run.file("layers/x_vs_y.png"), &map.cross(), lo, hi, 16)?;
    pdc_run::plot::heat_map(&s.run.file("layers/x_vs_x.png"), &map.within(true), lo, hi, 16)?;
    pdc_run::plot::heat_map(&s.run.file("layers/y_vs_y.png"), &map.within(false), lo, hi, 16)?;
    s.run.write("layers/matrix.csv", map.csv().as_bytes())?;
    eprintln!("layers: {}×{} map in {:.1} s", map.x_layers.len(), map.y_layers.len(), t0.elapsed().as_secs_f64());
    s.run.write_json("layers.json", &json!({ "map": map, "seconds": t0.elapsed().as_secs_f64() }))
}

/// The fine-tuned X of an arm ("ce" or "pdcor"), trained now or loaded from the run folder.
fn finetuned(s: &Study, arm: &str) -> Result<(Net, Value), String> {
    let (model, done) = (format!("finetune/x-{arm}.bpk"), format!("finetune/{arm}.json"));
    if let Some(log) = s.run.read_json(&done) {
        let mut net = s.x.clone();
        load_model(&mut net, &s.run.file(&model))?;
        return Ok((net, log));
    }
    let alpha = if arm == "ce" { 0.0 } else { s.cfg.finetune.alpha };
    let (net, log) = finetune::finetune(&s.x, &s.y, s.cfg, alpha, &s.gt, &s.data, &s.device, &format!("finetune {} ({arm})", s.cfg.x.name))?;
    save_model(&net, &s.run.file(&model))?;
    s.run.write_json(&done, &log)?;
    Ok((net, log))
}

fn finetune_stage(s: &Study) -> Result<(), String> {
    if s.run.read_json("finetune.json").is_some() {
        eprintln!("finetune: already done");
        return Ok(());
    }
    let batches = eval_batches(&s.data, s.cfg.compare.test_subset, s.cfg.compare.batch_size, s.cfg.seed);
    let mut rows = Vec::new();
    let before = table(s, &s.x, &batches)?;
    rows.push(json!({ "arm": "before", "accuracy": nets::accuracy(&s.x, &s.data, &batches, &s.device)?, "table": before }));
    for arm in ["ce", "pdcor"] {
        let (net, log) = finetuned(s, arm)?;
        let t = table(s, &net, &batches)?;
        rows.push(json!({ "arm": arm, "accuracy": nets::accuracy(&net, &s.data, &batches, &s.device)?, "table": t, "train": log }));
    }
    s.run.write_json("finetune.json", &json!({ "rows": rows }))
}

fn gradcam_stage(s: &Study) -> Result<(), String> {
    if s.run.read_json("gradcam.json").is_some() {
        eprintln!("gradcam: already done");
        return Ok(());
    }
    let g = &s.cfg.gradcam;
    let order = eval_batches(&s.data, None, g.batch_size, s.cfg.seed.wrapping_add(2));
    let idx = order.first().ok_or("gradcam: the test set has fewer than 4 images")?;
    let plain = s.device.clone().inner();
    let (images, labels, items) = batch(&s.data, idx, &plain)?;
    let gt = s.gt.clone().select(0, labels);
    let x_layer = g.x_layer.clone().unwrap_or_else(|| nets::default_cam_layer(&s.x));
    let y_layer = g.y_layer.clone().unwrap_or_else(|| nets::default_cam_layer(&s.y));
    let err = |e: pdc_dcor::DcorError| e.to_string();
    let y_features = nets::forward(&burn::module::Module::valid(&s.y), &s.cfg.y, images.clone())?.1;
    let kind = if s.cfg.finetune.kind == "partial" { PartialKind::Partial } else { PartialKind::SemiPartial };
    let ad = |t: &Tensor<2>| t.clone().autodiff();
    let xin = images.clone().autodiff();
    let mut cams = vec![
        gradcam::grad_cam("x", &s.x, &s.cfg.x, &x_layer, xin.clone(), |f| u_dcor_sqr_loss(f, ad(&gt)).map_err(err))?,
        gradcam::grad_cam("x_given_y", &s.x, &s.cfg.x, &x_layer, xin.clone(), |f| partial_dcor_loss(f, ad(&y_features), ad(&gt), kind).map_err(err))?,
    ];
    // The fine-tuned X, when the finetune stage has run.
    if s.run.read_json("finetune/pdcor.json").is_some() {
        let (tuned, _) = finetuned(s, "pdcor")?;
        cams.push(gradcam::grad_cam("x_given_y_finetuned", &tuned, &s.cfg.x, &x_layer, xin, |f| partial_dcor_loss(f, ad(&y_features), ad(&gt), kind).map_err(err))?);
    }
    cams.push(gradcam::grad_cam("y", &s.y, &s.cfg.y, &y_layer, images.autodiff(), |f| u_dcor_sqr_loss(f, ad(&gt)).map_err(err))?);
    let shown = &items[..g.images.min(items.len())];
    let shown_cams: Vec<gradcam::Cam> = cams.iter().map(|c| gradcam::Cam { maps: c.maps[..shown.len()].to_vec(), ..c.clone() }).collect();
    gradcam::write_overlays(&s.run.file("gradcam"), shown, &shown_cams, g.scale)?;
    let summary: Vec<Value> = cams.iter().map(|c| json!({ "name": c.name, "layer": c.layer, "target": c.target, "grid": c.grid })).collect();
    s.run.write_json("gradcam.json", &json!({ "cams": summary, "batch": idx.len(), "labels": items.iter().map(|i| i.label).collect::<Vec<_>>() }))
}
