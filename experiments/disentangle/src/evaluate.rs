//! Metrics of one trained arm on one image set: reconstruction, attribute accuracy, DCI / MIG /
//! SAP on the attribute codes, leakage of the attributes into the residual (logistic probe,
//! biased dCor² and U-centred dCor² with permutation p-values, as in the paper's Table 3/4),
//! and residual informativeness (probes of the residual factors).

use burn::tensor::{Device, Tensor};
use pdc_data::Rng;
use pdc_dcor::independence::{Permutation, distance_covariance_permutation_test};
use pdc_dcor::{Dcor, Matrix, distance_correlation_sqr};
use serde_json::{Value, json};

use crate::config::Config;
use crate::data::{ImageSet, StudyData};
use crate::model::{BatchLabels, Model};
use crate::probe::{argmax, dci, logistic_probe, mig, sap};

/// Where a set's residual codes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResidualSource {
    /// The optimised per-image table (training images only).
    Table,
    /// The amortised encoder E_r.
    Encoder,
}

/// Codes of a set, row-major per image.
pub struct SetCodes {
    /// Soft attribute codes softmax(C(x))·E, [N][k·d_f].
    pub f: Vec<Vec<f64>>,
    pub r: Vec<Vec<f64>>,
    /// Classifier predictions, [N][k].
    pub pred: Vec<Vec<i64>>,
    pub reconstruction_mse: f64,
}

fn rows(t: Tensor<2>) -> Vec<Vec<f64>> {
    let [n, d] = t.dims();
    let v = t.into_data().convert::<f64>().try_into_vec::<f64>().expect("float tensor");
    (0..n).map(|i| v[i * d..(i + 1) * d].to_vec()).collect()
}

/// Encodes a set in batches. The reconstruction uses the codes the model was trained with:
/// label embeddings where `labels` has them, soft codes elsewhere.
pub fn encode(model: &Model, set: &ImageSet, labels: Option<&[Vec<i64>]>, source: ResidualSource, batch: usize, device: &Device) -> SetCodes {
    let n = set.len();
    // The table's rows are the training images in order: only that set can read it.
    assert!(
        source == ResidualSource::Encoder || model.latents.residuals.dims()[0] == n,
        "the residual table has {} rows but the set has {n} images: only the training set has table codes",
        model.latents.residuals.dims()[0]
    );
    let k = model.classifier.heads.len();
    let (mut f, mut r, mut pred) = (Vec::new(), Vec::new(), Vec::new());
    let mut sq = 0.0;
    for start in (0..n).step_by(batch) {
        let idx: Vec<usize> = (start..(start + batch).min(n)).collect();
        let x = set.batch(&idx, device);
        let (soft, logits) = model.attribute_codes(x.clone(), None);
        let rec_codes = match labels {
            Some(l) => {
                let ls: Vec<&[i64]> = idx.iter().map(|&i| l[i].as_slice()).collect();
                model.codes_from_logits(&logits, Some(&BatchLabels::new(&ls, k, device)))
            }
            None => soft.clone(),
        };
        let res = match source {
            ResidualSource::Table => model.latents.residuals.val().slice([start..start + idx.len()]),
            ResidualSource::Encoder => model.encoder.forward(x.clone()),
        };
        let xh = model.decode(rec_codes, res.clone());
        sq += (xh - x).square().sum().into_scalar::<f64>();
        let preds: Vec<Vec<Vec<f64>>> = logits.into_iter().map(rows).collect();
        for i in 0..idx.len() {
            pred.push(preds.iter().map(|p| argmax(&p[i]) as i64).collect());
        }
        f.extend(rows(soft));
        r.extend(rows(res));
    }
    let [c, h, w] = set.shape;
    SetCodes { f, r, pred, reconstruction_mse: sq / (n * c * h * w) as f64 }
}

fn flat(v: &[Vec<f64>]) -> (Vec<f64>, usize) {
    (v.iter().flatten().copied().collect(), v.first().map_or(0, Vec::len))
}

/// dCor statistics between two samples (rows = observations): biased dCor² with its
/// permutation p-value and null mean, and the U-centred (bias-corrected) dCor² with its p-value.
fn dcor_block(x: &[Vec<f64>], y: &[Vec<f64>], permutations: usize, seed: u64) -> Result<Value, String> {
    let ((xv, dx), (yv, dy)) = (flat(x), flat(y));
    let n = x.len();
    let xm = Matrix::new(&xv, n, dx).map_err(|e| e.to_string())?;
    let ym = Matrix::new(&yv, n, dy).map_err(|e| e.to_string())?;
    let perm = Permutation { resamples: permutations, seed };
    let (tv, pv) = distance_covariance_permutation_test(&xm, &ym, Dcor::v(), perm).map_err(|e| e.to_string())?;
    let (tu, pu) = distance_covariance_permutation_test(&xm, &ym, Dcor::u(), perm).map_err(|e| e.to_string())?;
    // The biased statistic's floor under independence: its mean over a few shuffles of y.
    let mut rng = Rng(seed ^ 0xD0C);
    let mut null_mean = 0.0;
    const SHUFFLES: usize = 5;
    for _ in 0..SHUFFLES {
        let p = rng.permutation(n);
        let ys: Vec<f64> = p.iter().flat_map(|&i| y[i].iter().copied()).collect();
        let ysm = Matrix::new(&ys, n, dy).map_err(|e| e.to_string())?;
        null_mean += distance_correlation_sqr(&xm, &ysm).map_err(|e| e.to_string())? / SHUFFLES as f64;
    }
    Ok(json!({
        "dcor_sqr": tv.correlation_sqr(), "dcor_sqr_p": pv.p_value, "dcor_sqr_null_mean": null_mean,
        "u_dcor_sqr": tu.correlation_sqr(), "u_dcor_sqr_p": pu.p_value,
    }))
}

fn one_hot(values: &[i64], m: usize) -> Vec<Vec<f64>> {
    values.iter().map(|&v| (0..m).map(|c| if c as i64 == v { 1.0 } else { 0.0 }).collect()).collect()
}

/// Accuracy of the classifiers per attribute over the rows `keep` accepts (with a known value),
/// and their mean over the attributes that have any such row.
fn accuracies(data: &StudyData, set: &ImageSet, codes: &SetCodes, keep: impl Fn(usize, usize) -> bool) -> (Value, Option<f64>) {
    let mut accs = serde_json::Map::new();
    let mut scored = Vec::new();
    for (j, a) in data.attributes.iter().enumerate() {
        let known: Vec<usize> = (0..set.len()).filter(|&i| set.attributes[i][j] >= 0 && keep(i, j)).collect();
        let acc = (!known.is_empty()).then(|| known.iter().filter(|&&i| codes.pred[i][j] == set.attributes[i][j]).count() as f64 / known.len() as f64);
        scored.extend(acc);
        accs.insert(a.name.clone(), json!(acc));
    }
    (Value::Object(accs), mean_of(&scored))
}

/// Mean of the values that could be scored (None when there are none).
fn mean_of(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// All metrics of one set. `seen` are the labels the model trained with on this set (training
/// images): the attribute accuracy is then also reported on the images it never saw labelled.
pub fn metrics(cfg: &Config, data: &StudyData, set: &ImageSet, codes: &SetCodes, seen: Option<&[Vec<i64>]>, seed: u64) -> Result<Value, String> {
    let cards: Vec<usize> = data.attributes.iter().map(|a| a.cardinality()).collect();
    let mut out = json!({ "images": set.len(), "reconstruction_mse": codes.reconstruction_mse });
    let (accs, mean) = accuracies(data, set, codes, |_, _| true);
    out["attribute_accuracy"] = accs;
    out["attribute_accuracy_mean"] = json!(mean);
    if let Some(seen) = seen {
        let (accs, mean) = accuracies(data, set, codes, |i, j| seen[i][j] < 0);
        out["attribute_accuracy_unlabelled"] = accs;
        out["attribute_accuracy_unlabelled_mean"] = json!(mean);
    }
    out["residual_norm"] = json!(codes.r.iter().map(|r| r.iter().map(|v| v * v).sum::<f64>().sqrt()).sum::<f64>() / codes.r.len().max(1) as f64);
    // Disentanglement of the attribute codes.
    out["dci"] = serde_json::to_value(dci(&codes.f, &set.attributes, &cards, cfg.factor_dim, seed)).unwrap();
    out["mig"] = json!(mig(&codes.f, &set.attributes, &cards, cfg.factor_dim));
    out["sap"] = json!(sap(&codes.f, &set.attributes, &cards, cfg.factor_dim, seed));
    // Leakage of each attribute into the residual; dCor on (at most) the first dcor_rows images
    // with a known value.
    let mut leak = serde_json::Map::new();
    let (mut probe_gaps, mut u_values) = (Vec::new(), Vec::new());
    for (j, a) in data.attributes.iter().enumerate() {
        let y: Vec<i64> = set.attributes.iter().map(|v| v[j]).collect();
        let probe = logistic_probe(&codes.r, &y, cards[j], seed);
        let known: Vec<usize> = (0..set.len()).filter(|&i| y[i] >= 0).take(cfg.dcor_rows).collect();
        let mut entry = json!({
            "probe_accuracy": probe.as_ref().map(|p| p.test_accuracy),
            "probe_chance": probe.as_ref().map(|p| p.chance),
        });
        if let Some(p) = &probe {
            probe_gaps.push(p.test_accuracy - p.chance);
        }
        if known.len() >= 4 {
            let r: Vec<Vec<f64>> = known.iter().map(|&i| codes.r[i].clone()).collect();
            let oh = one_hot(&known.iter().map(|&i| y[i]).collect::<Vec<_>>(), cards[j]);
            let own: Vec<Vec<f64>> = known.iter().map(|&i| codes.f[i][j * cfg.factor_dim..(j + 1) * cfg.factor_dim].to_vec()).collect();
            let vs_label = dcor_block(&r, &oh, cfg.permutations, seed ^ j as u64)?;
            u_values.extend(vs_label["u_dcor_sqr"].as_f64());
            entry["vs_label"] = vs_label;
            entry["vs_own_code"] = dcor_block(&r, &own, cfg.permutations, seed ^ j as u64 ^ 0x0C0DE)?;
            entry["rows"] = json!(known.len());
        }
        leak.insert(a.name.clone(), entry);
    }
    out["leakage"] = Value::Object(leak);
    // Means over the attributes that could be scored.
    out["leakage_probe_gap_mean"] = json!(mean_of(&probe_gaps));
    out["leakage_u_dcor_sqr_mean"] = json!(mean_of(&u_values));
    // Whether the residual still describes the residual factors.
    let mut info = serde_json::Map::new();
    for (j, fct) in data.residual_factors.iter().enumerate() {
        let y: Vec<i64> = set.residual_factors.iter().map(|v| v[j]).collect();
        let p = logistic_probe(&codes.r, &y, fct.cardinality(), seed);
        info.insert(fct.name.clone(), json!({ "probe_accuracy": p.as_ref().map(|p| p.test_accuracy), "probe_chance": p.as_ref().map(|p| p.chance) }));
    }
    out["residual_informativeness"] = Value::Object(info);
    Ok(out)
}
