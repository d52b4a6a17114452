//! results.md (the arms side by side), metrics.json and the stage-1 reconstruction curve.

use pdc_run::RunDir;
use pdc_run::plot::{COLOUR_NAMES, line_plot};
use pdc_run::stats::mean_std;
use serde_json::{Value, json};

use crate::config::Config;
use crate::data::StudyData;

/// Values of a JSON pointer over the results of one arm (all seeds).
fn values(results: &[&Value], pointer: &str) -> Vec<f64> {
    results.iter().filter_map(|r| r.pointer(pointer).and_then(Value::as_f64)).collect()
}

fn cell(v: &[f64], digits: usize) -> String {
    if v.is_empty() {
        return "–".into();
    }
    let (m, s) = mean_std(v);
    if v.len() > 1 { format!("{m:.digits$} ± {s:.digits$}") } else { format!("{m:.digits$}") }
}

/// One table: a row per metric (label, pointer relative to `section`, digits).
fn table(arms: &[(String, Vec<&Value>)], section: &str, rows: &[(String, String, usize)]) -> String {
    let mut md = String::from("| metric |");
    let mut sep = String::from("|---|");
    for (name, _) in arms {
        md += &format!(" {name} |");
        sep += "---|";
    }
    md = format!("{md}\n{sep}\n");
    for (label, ptr, digits) in rows {
        md += &format!("| {label} |");
        for (_, res) in arms {
            md += &format!(" {} |", cell(&values(res, &format!("/{section}{ptr}")), *digits));
        }
        md += "\n";
    }
    md
}

fn rows(data: &StudyData) -> Vec<(String, String, usize)> {
    let s = |a: &str, b: &str, d: usize| (a.to_string(), b.to_string(), d);
    let mut r = vec![s("reconstruction MSE", "/reconstruction_mse", 5), s("attribute accuracy (mean)", "/attribute_accuracy_mean", 3)];
    for a in &data.attributes {
        r.push(s(&format!("attribute accuracy: {}", a.name), &format!("/attribute_accuracy/{}", a.name), 3));
    }
    r.extend([
        s("DCI disentanglement", "/dci/disentanglement", 3),
        s("DCI completeness", "/dci/completeness", 3),
        s("DCI informativeness", "/dci/informativeness", 3),
        s("MIG", "/mig", 3),
        s("SAP", "/sap", 3),
        s("mean ‖r‖", "/residual_norm", 3),
        s("**leakage** probe gap (accuracy − chance, mean)", "/leakage_probe_gap_mean", 3),
        s("**leakage** U-dCor²(r, one-hot) mean", "/leakage_u_dcor_sqr_mean", 4),
    ]);
    for a in &data.attributes {
        let n = &a.name;
        let base = format!("/leakage/{n}");
        r.extend([
            s(&format!("leak {n}: probe accuracy"), &format!("{base}/probe_accuracy"), 3),
            s(&format!("leak {n}: probe chance"), &format!("{base}/probe_chance"), 3),
            s(&format!("leak {n}: dCor²(r, one-hot)"), &format!("{base}/vs_label/dcor_sqr"), 4),
            s(&format!("leak {n}: … permutation-null mean"), &format!("{base}/vs_label/dcor_sqr_null_mean"), 4),
            s(&format!("leak {n}: … p"), &format!("{base}/vs_label/dcor_sqr_p"), 3),
            s(&format!("leak {n}: U-dCor²(r, one-hot)"), &format!("{base}/vs_label/u_dcor_sqr"), 4),
            s(&format!("leak {n}: … p"), &format!("{base}/vs_label/u_dcor_sqr_p"), 3),
            s(&format!("leak {n}: dCor²(r, f_{n})"), &format!("{base}/vs_own_code/dcor_sqr"), 4),
            s(&format!("leak {n}: U-dCor²(r, f_{n})"), &format!("{base}/vs_own_code/u_dcor_sqr"), 4),
            s(&format!("leak {n}: … p"), &format!("{base}/vs_own_code/u_dcor_sqr_p"), 3),
        ]);
    }
    for f in &data.residual_factors {
        r.push(s(&format!("residual informativeness: {} probe accuracy", f.name), &format!("/residual_informativeness/{}/probe_accuracy", f.name), 3));
        r.push(s(&format!("residual informativeness: {} chance", f.name), &format!("/residual_informativeness/{}/probe_chance", f.name), 3));
    }
    r
}

/// Writes results.md, metrics.json and rec_curve.png; returns the markdown.
pub fn write(cfg: &Config, data: &StudyData, run: &RunDir, results: &[Value], seconds: f64) -> Result<String, String> {
    let arms: Vec<(String, Vec<&Value>)> = cfg
        .arms
        .iter()
        .map(|a| {
            let name = a.name();
            let res = results.iter().filter(|r| r["arm"] == json!(name)).collect();
            (name, res)
        })
        .collect();
    let mut md = format!(
        "# Disentanglement with a residual loss: none / L2 (ZeroDIM) / dCor² (PDC, paper §6)\n\n\
         Data: {}; {} training images, {} labelled; {} held-out images. Codes: d_f = {} per attribute, d_r = {}, residual noise σ = {}. \
         Generator: StyleGAN2-style, channels {:?}. Stage 1: {} epochs, batch {} + {} labelled; stage 2: {} epochs; stage 3: {} epochs. \
         Seeds {:?} (mean ± std over seeds). The arms differ only in the residual term (same seed, data, initialisation and batches).\n\n",
        data.name,
        data.train.len(),
        data.labelled.len(),
        data.eval.len(),
        cfg.factor_dim,
        cfg.residual_dim,
        cfg.residual_std,
        cfg.channels,
        cfg.latent_epochs,
        cfg.batch_size,
        cfg.batch_size,
        cfg.amortize_epochs,
        cfg.synthesis_epochs,
        cfg.seeds,
    );
    md += "Leakage: a logistic probe r → attribute (80/20 split; chance = most frequent class), and dCor² between r and the \
           one-hot attribute (PDC's README measure with labels) or the model's own attribute code (PDC Table 4), biased (V) and \
           U-centred (bias-corrected R*), with permutation p-values; the biased statistic's permutation-null mean shows its floor. \
           Lower leakage is better; residual informativeness (probes of the residual factors) should stay high. \
           DCI uses linear (logistic-probe) importances; SAP uses 1-D logistic probes.\n\n";
    md += "## Training images, optimised residual codes (after stage 1)\n\n";
    md += &table(&arms, "train_latent", &rows(data));
    if cfg.amortize_epochs + cfg.synthesis_epochs > 0 {
        md += "\n## Held-out images, amortised encoders (after stages 2–3)\n\n";
        md += &table(&arms, "heldout_amortized", &rows(data));
    }
    md += "\n## Time\n\n";
    md += &table(&arms, "", &[("training (s)".into(), "train_seconds".into(), 0), ("evaluation (s)".into(), "eval_seconds".into(), 0)]);
    // Stage-1 reconstruction loss per epoch, one line per arm (first seed).
    let mut series = Vec::new();
    let mut ymax: f64 = 0.0;
    for (_, res) in &arms {
        let ys: Vec<f64> = res.first().map_or(Vec::new(), |r| {
            r["history"].as_array().map_or(Vec::new(), |h| h.iter().filter(|e| e["stage"] == "latent").filter_map(|e| e["rec"].as_f64()).collect())
        });
        ymax = ys.iter().cloned().fold(ymax, f64::max);
        series.push(ys);
    }
    if cfg.latent_epochs > 1 && ymax > 0.0 {
        let xs: Vec<f64> = (1..=cfg.latent_epochs).map(|e| e as f64).collect();
        line_plot(&run.file("rec_curve.png"), &xs, &series, 0.0, ymax)?;
        let legend: Vec<String> = arms.iter().zip(COLOUR_NAMES.iter().cycle()).map(|((n, _), c)| format!("{c} = {n}")).collect();
        md += &format!("\n![stage-1 reconstruction](rec_curve.png)\n\nStage-1 reconstruction MSE (unlabelled batch) per epoch, y from 0 to {ymax:.4}; {}.\n", legend.join(", "));
    }
    md += "\n## Image grids\n\n";
    for (name, res) in &arms {
        if let Some(files) = res.first().and_then(|r| r["grids"].as_array()) {
            let links: Vec<String> = files.iter().filter_map(Value::as_str).map(|f| format!("[{}]({f})", f.rsplit('/').next().unwrap_or(f))).collect();
            md += &format!("- {name}: {}\n", links.join(", "));
        }
    }
    md += "\nreconstructions: originals (top) and reconstructions; manipulate-<attribute>: original, reconstruction, then the attribute set to each of its values; \
           swaps: cell (a, b) decodes the attribute codes of row a's image with the residual of column b's image.\n";
    md += &format!("\nWall time of the invocation that finished the study: {seconds:.0} s.\n");
    run.write("results.md", md.as_bytes())?;
    run.write_json("metrics.json", &json!({ "config": cfg, "data": data.name, "arms": results, "seconds": seconds }))?;
    Ok(md)
}
