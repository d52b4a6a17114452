//! results.md (Table 2 layout, fine-tuning table, layer maps, Grad-CAM) and metrics.json, from
//! the JSON each stage left in the run folder.

use pdc_run::RunDir;
use serde_json::{Value, json};

use crate::compare::{Estimate, Table2};
use crate::config::Config;

fn cell(e: &Estimate) -> String {
    format!("{:.4} [{:.4}, {:.4}]", e.mean, e.low, e.high)
}

fn p(e: &Estimate) -> String {
    e.p_value.map_or("–".into(), |p| format!("{p:.3}"))
}

fn table2_rows(cfg: &Config, t: &Table2, partial: bool) -> String {
    let (a, b) = if partial { (&t.pdcor_x_given_y, &t.pdcor_y_given_x) } else { (&t.semi_x_given_y, &t.semi_y_given_x) };
    format!(
        "| {} | {} | {} | {} | {} | {} |\n| *p* | | {} | {} | {} | {} |\n",
        cfg.x.name,
        cfg.y.name,
        cell(&t.r2_x_gt),
        cell(&t.r2_y_gt),
        cell(a),
        cell(b),
        p(&t.r2_x_gt),
        p(&t.r2_y_gt),
        p(a),
        p(b)
    )
}

const HEADER: &str = "| Network X | Network Y | R²(X, GT) | R²(Y, GT) | R²((X\\|Y), GT) | R²((Y\\|X), GT) |\n|:---:|:---:|:---:|:---:|:---:|:---:|\n";

fn parse<T: serde::de::DeserializeOwned>(v: &Value) -> Option<T> {
    serde_json::from_value(v.clone()).ok()
}

/// Writes results.md and metrics.json; returns the markdown.
pub fn write(cfg: &Config, run: &RunDir, seconds: f64) -> Result<String, String> {
    let nets = run.read_json("nets.json").unwrap_or(Value::Null);
    let compare = run.read_json("compare.json");
    let layers = run.read_json("layers.json");
    let finetune = run.read_json("finetune.json");
    let gradcam = run.read_json("gradcam.json");
    let level = cfg.compare.level * 100.0;
    let mut md = format!(
        "# Comparing networks with (partial) distance correlation (paper §5)\n\n\
         Data: {}. X = {} (test accuracy {:.2}%, weights {}), Y = {} (test accuracy {:.2}%, weights {}). \
         GT = class-name text embeddings ({} classes). Values are mini-batch averages over shuffled test batches \
         (the paper's estimator); brackets are {level:.0}% percentile-bootstrap intervals over batches; *p* is the \
         permutation test of the batch average ({} permutations within batches). All R² values are bias-corrected \
         (U-centred), so they can be negative and are small when a batch holds many classes.\n\n",
        cfg.dataset.describe(),
        cfg.x.name,
        nets["x"]["accuracy"].as_f64().unwrap_or(f64::NAN) * 100.0,
        nets["x"]["weights"]["source"].as_str().unwrap_or("?"),
        cfg.y.name,
        nets["y"]["accuracy"].as_f64().unwrap_or(f64::NAN) * 100.0,
        nets["y"]["weights"]["source"].as_str().unwrap_or("?"),
        nets["gt_classes"].as_array().map_or(0, Vec::len),
        cfg.compare.permutations,
    );
    if let Some(t) = compare.as_ref().and_then(|c| parse::<Table2>(&c["table"])) {
        md += &format!("## Table 2 (paper's semi-partial form: only X is projected off Y)\n\n{} batches × {} rows.\n\n{HEADER}", t.batches, t.rows_per_batch);
        md += &table2_rows(cfg, &t, false);
        md += &format!("\n## Table 2 with Székely–Rizzo pdCor* (GT projected too)\n\n{HEADER}");
        md += &table2_rows(cfg, &t, true);
        md += &format!(
            "\nSimilarity of the nets: R*(X, Y) = {} (*p* {}), biased dCor²(X, Y) = {}.\n\n",
            cell(&t.dcor_xy_u),
            p(&t.dcor_xy_u),
            cell(&t.dcor_xy_v)
        );
    }
    if let Some(l) = &layers {
        let map = &l["map"];
        md += &format!(
            "## Layer-by-layer similarity (Fig. 3)\n\n{} estimator ({}), averaged over {} batches. `layers/x_vs_y.png`: rows = {} layers of X \
             (top = input side), columns = {} layers of Y; `layers/x_vs_x.png`, `layers/y_vs_y.png`: within each net. \
             Colour: dark blue = 0 … yellow = 1 (viridis-like); the numbers are in `layers/matrix.csv`.\n\n",
            if cfg.layers.estimator == "v" { "dCor²" } else { "bias-corrected R*" },
            if cfg.layers.estimator == "v" { "V-statistic" } else { "U-centred, the official `New_DC`" },
            map["batches"],
            map["x_layers"].as_array().map_or(0, Vec::len),
            map["y_layers"].as_array().map_or(0, Vec::len),
        );
    }
    if let Some(f) = &finetune {
        md += &format!(
            "## Fine-tuning X with CE − α·R²((X|Y), GT) (Eq. 10)\n\nα = {}, {} form, {} epoch(s), lr {}, batch {}; Y frozen in eval mode. \
             Both arms start from the same X and see the same batches.\n\n\
             | X | test accuracy | R²(X, GT) | R²(Y, GT) | R²((X\\|Y), GT) | R²((Y\\|X), GT) |\n|:---|:---:|:---:|:---:|:---:|:---:|\n",
            cfg.finetune.alpha, cfg.finetune.kind, cfg.finetune.epochs, cfg.finetune.lr, cfg.finetune.batch_size
        );
        for row in f["rows"].as_array().into_iter().flatten() {
            let name = match row["arm"].as_str() {
                Some("before") => "before".to_string(),
                Some("ce") => "after CE only (control)".to_string(),
                _ => format!("after CE − {}·R²", cfg.finetune.alpha),
            };
            if let Some(t) = parse::<Table2>(&row["table"]) {
                md += &format!(
                    "| {name} | {:.2}% | {} | {} | {} | {} |\n",
                    row["accuracy"].as_f64().unwrap_or(f64::NAN) * 100.0,
                    cell(&t.r2_x_gt),
                    cell(&t.r2_y_gt),
                    cell(&t.semi_x_given_y),
                    cell(&t.semi_y_given_x)
                );
            }
        }
        md += "\n";
    }
    if let Some(g) = &gradcam {
        md += "## Grad-CAM with a (partial) dCor target (Fig. 4)\n\n`gradcam/grid.png`: rows = test images; columns = the input, then one overlay per target below \
               (blue = 0 … yellow = 1 of the min–max-scaled map). The target is a statistic of the whole batch.\n\n| column | net, layer | target | value on the batch |\n|:---|:---|:---|:---:|\n";
        for c in g["cams"].as_array().into_iter().flatten() {
            let (net, target) = match c["name"].as_str().unwrap_or("") {
                "x" => (cfg.x.name.clone(), "R*(X, GT)".to_string()),
                "x_given_y" => (cfg.x.name.clone(), "R²((X|Y), GT)".to_string()),
                "x_given_y_finetuned" => (format!("{} fine-tuned (CE − α·R²)", cfg.x.name), "R²((X|Y), GT)".to_string()),
                _ => (cfg.y.name.clone(), "R*(Y, GT)".to_string()),
            };
            md += &format!("| {} | {net}, `{}` | {} | {:.4} |\n", c["name"].as_str().unwrap_or(""), c["layer"].as_str().unwrap_or(""), target.replace('|', "\\|"), c["target"].as_f64().unwrap_or(f64::NAN));
        }
        md += "\n";
    }
    md += &format!("Total time of this invocation: {seconds:.0} s.\n");
    run.write("results.md", md.as_bytes())?;
    let metrics = json!({ "config": cfg, "nets": nets, "compare": compare, "layers": layers, "finetune": finetune, "gradcam": gradcam, "seconds": seconds });
    run.write_json("metrics.json", &metrics)?;
    Ok(md)
}
