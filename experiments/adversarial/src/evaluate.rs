//! Clean accuracy, dCor² between the nets' test features, and FGM/PGD crafted on f1 and
//! evaluated on f2-baseline and f2-dCor (plus white-box references).

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor};
use pdc_attack::{Attack, EpsUnit, InputNorm, LabelSource, accuracy, craft};
use pdc_data::{ImageItem, to_batch};
use pdc_dcor::{Dcor, Estimator};
use pdc_models::{Classifier, ResNet};
use pdc_run::Progress;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use pdc_run::study::StudyData;
use crate::train::{F1, Trained};

/// Accuracies of one attack setting.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttackRow {
    pub attack: String,
    pub eps: f64,
    /// f2-baseline and f2-dCor on examples crafted on f1 (transfer).
    pub transfer_baseline: f64,
    pub transfer_dcor: f64,
    /// Each net on examples crafted on itself (white-box), when enabled.
    pub whitebox_f1: Option<f64>,
    pub whitebox_baseline: Option<f64>,
    pub whitebox_dcor: Option<f64>,
}

/// Everything measured for one seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedMetrics {
    pub seed: u64,
    pub clean_f1: f64,
    pub clean_baseline: f64,
    pub clean_dcor: f64,
    /// Biased dCor² (V) and bias-corrected R* (U) between f1's and each f2's test features.
    pub dcor_sqr_f1_baseline: f64,
    pub dcor_sqr_f1_dcor: f64,
    pub u_dcor_sqr_f1_baseline: f64,
    pub u_dcor_sqr_f1_dcor: f64,
    pub attacks: Vec<AttackRow>,
    pub history: Vec<serde_json::Value>,
}

fn test_batches(cfg: &Config, data: &StudyData, device: &Device) -> Result<Vec<(Tensor<4>, Tensor<1, Int>)>, String> {
    let idx = crate::train::subset(data.test.len(), cfg.test_subset);
    idx.chunks(250)
        .map(|c| {
            let items: Vec<ImageItem> = c.iter().map(|&i| data.test.get(i).map_err(|e| e.to_string())).collect::<Result<_, _>>()?;
            Ok(to_batch(&items, &data.norm, device))
        })
        .collect()
}

fn clean_and_features(model: &ResNet, batches: &[(Tensor<4>, Tensor<1, Int>)]) -> (f64, Tensor<2>) {
    let (mut correct, mut total, mut feats) = (0.0, 0.0, Vec::new());
    for (x, y) in batches {
        // One forward gives both the predictions and the features.
        let out = model.classify(x.clone());
        let pred = out.logits.argmax(1).squeeze_dim::<1>(1);
        correct += pred.equal(y.clone()).int().sum().into_scalar::<i64>() as f64;
        total += y.dims()[0] as f64;
        feats.push(out.features);
    }
    (correct / total, Tensor::cat(feats, 0))
}

/// Evaluates the trained nets of one seed.
pub fn evaluate(cfg: &Config, data: &StudyData, trained: &Trained, seed: u64, device: &Device) -> Result<SeedMetrics, String> {
    let plain = device.clone().inner();
    let batches = test_batches(cfg, data, &plain)?;
    let (f1, base, dc) = (&trained.nets[F1].model, &trained.nets[trained.baseline].model, &trained.nets[trained.dcor].model);
    let (v1, vb, vd) = (f1.valid(), base.valid(), dc.valid());
    let (clean_f1, g1) = clean_and_features(&v1, &batches);
    let (clean_baseline, gb) = clean_and_features(&vb, &batches);
    let (clean_dcor, gd) = clean_and_features(&vd, &batches);
    let stat = |d: Dcor, a: &Tensor<2>, b: &Tensor<2>| d.correlation_sqr(a, b).map_err(|e| e.to_string());
    let dense_or_blocked = |d: Dcor| if g1.dims()[0] > 8000 { d.with_block(512) } else { d };
    let v = dense_or_blocked(Dcor::v());
    let u = dense_or_blocked(Dcor { estimator: Estimator::U, ..Dcor::v() });

    let norm = InputNorm { mean: data.norm.mean.clone(), std: data.norm.std.clone() };
    let unit = if cfg.eps_unit == "pixel" { EpsUnit::Pixel } else { EpsUnit::Normalized };
    let labels = if cfg.attack_labels == "ground-truth" { LabelSource::GroundTruth } else { LabelSource::Predicted };
    let mut attacks = Vec::new();
    let settings: Vec<Attack> = cfg
        .eps
        .iter()
        .flat_map(|&e| [Attack { labels, ..Attack::fgsm(e, unit) }, Attack { labels, ..Attack::pgd(e, cfg.pgd_step, cfg.pgd_iterations, unit) }])
        .collect();
    let mut progress = Progress::new(format!("seed {seed} attacks"), settings.len() * batches.len());
    for (a, attack) in settings.iter().enumerate() {
        let (mut tb, mut td, mut w1, mut wb, mut wd, mut total) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for (i, (x, y)) in batches.iter().enumerate() {
            let n = y.dims()[0] as f64;
            let s = seed.wrapping_mul(1_000_000).wrapping_add((a * 1000 + i) as u64);
            let adv = craft(f1, x.clone(), y.clone(), attack, &norm, s);
            tb += accuracy(&vb, adv.clone(), y.clone()) * n;
            td += accuracy(&vd, adv.clone(), y.clone()) * n;
            if cfg.whitebox {
                w1 += accuracy(&v1, adv, y.clone()) * n;
                wb += accuracy(&vb, craft(base, x.clone(), y.clone(), attack, &norm, s), y.clone()) * n;
                wd += accuracy(&vd, craft(dc, x.clone(), y.clone(), attack, &norm, s), y.clone()) * n;
            }
            total += n;
            progress.advance(1, &attack.label());
        }
        let wb_opt = |v: f64| cfg.whitebox.then_some(v / total);
        attacks.push(AttackRow {
            attack: if matches!(attack.kind, pdc_attack::AttackKind::Fgsm) { "FGM".into() } else { "PGD".into() },
            eps: attack.eps,
            transfer_baseline: tb / total,
            transfer_dcor: td / total,
            whitebox_f1: wb_opt(w1),
            whitebox_baseline: wb_opt(wb),
            whitebox_dcor: wb_opt(wd),
        });
    }
    Ok(SeedMetrics {
        seed,
        clean_f1,
        clean_baseline,
        clean_dcor,
        dcor_sqr_f1_baseline: stat(v, &g1, &gb)?,
        dcor_sqr_f1_dcor: stat(v, &g1, &gd)?,
        u_dcor_sqr_f1_baseline: stat(u, &g1, &gb)?,
        u_dcor_sqr_f1_dcor: stat(u, &g1, &gd)?,
        attacks,
        history: trained.history.clone(),
    })
}

/// Reads back the metrics of a completed seed.
pub fn from_json(v: &serde_json::Value) -> Result<SeedMetrics, String> {
    serde_json::from_value(v.clone()).map_err(|e| format!("seed metrics: {e}"))
}
