//! metrics.json, results.md (the paper's Table 1 layout) and accuracy_vs_eps.png.

use pdc_run::plot::{COLOUR_NAMES, line_plot};
use pdc_run::stats::{mean_std, paired_ci};
use pdc_run::RunDir;
use serde_json::json;

use crate::config::Config;
use crate::evaluate::SeedMetrics;

fn pct(v: &[f64]) -> String {
    let (m, s) = mean_std(v);
    if v.len() > 1 { format!("{:.2} ± {:.2}", 100.0 * m, 100.0 * s) } else { format!("{:.2}", 100.0 * m) }
}

fn delta(a: &[f64], b: &[f64]) -> String {
    match paired_ci(a, b, 0.95) {
        Some((m, lo, hi)) => format!("{:+.2} [{:+.2}, {:+.2}]", 100.0 * m, 100.0 * lo, 100.0 * hi),
        None => format!("{:+.2}", 100.0 * (mean_std(b).0 - mean_std(a).0)),
    }
}

/// Writes the reports for all seeds.
pub fn write(cfg: &Config, run: &RunDir, seeds: &[SeedMetrics], seconds: f64) -> Result<String, String> {
    let col = |f: &dyn Fn(&SeedMetrics) -> f64| seeds.iter().map(f).collect::<Vec<f64>>();
    let rows = &seeds[0].attacks;
    let mut head = String::from("| Method | Clean |");
    let mut sep = String::from("|---|---|");
    for r in rows {
        head += &format!(" {} ε={} |", r.attack, r.eps);
        sep += "---|";
    }
    let base_clean = col(&|s| s.clean_baseline);
    let dc_clean = col(&|s| s.clean_dcor);
    let mut base_line = format!("| Baseline (f2, CE) | {} |", pct(&base_clean));
    let mut ours_line = format!("| Ours (f2, CE + {}·dCor²) | {} |", cfg.alpha, pct(&dc_clean));
    let mut delta_line = format!("| Δ (ours − baseline) | {} |", delta(&base_clean, &dc_clean));
    let mut series = vec![Vec::new(); 4];
    for (i, r) in rows.iter().enumerate() {
        let b = col(&|s| s.attacks[i].transfer_baseline);
        let d = col(&|s| s.attacks[i].transfer_dcor);
        base_line += &format!(" {} |", pct(&b));
        ours_line += &format!(" {} |", pct(&d));
        delta_line += &format!(" {} |", delta(&b, &d));
        let k = if r.attack == "FGM" { 0 } else { 2 };
        series[k].push(mean_std(&b).0);
        series[k + 1].push(mean_std(&d).0);
    }
    let unit = if cfg.eps_unit == "pixel" { "pixel ([0,1]) units" } else { "normalised-input units (the official code's convention)" };
    let mut md = format!(
        "# Transfer attacks on dCor-decorrelated networks (paper §4, Table 1 layout)\n\n\
         Test accuracy (%) of f2 on adversarial examples crafted on f1 (same architecture: ResNet-{} width {}, {} stem). \
         Mean ± std over seeds {:?}; Δ is the paired difference with its 95% t-interval when there are ≥ 2 seeds. \
         ε in {unit}; PGD: step {} × {} iterations, random start; attack labels: {}. \
         Data: {}; training images: {}; test images: {}; α = {}; {} epochs; protocol {:?}.{}\n\n{head}\n{sep}\n{base_line}\n{ours_line}\n{delta_line}\n",
        cfg.depth,
        cfg.width,
        cfg.stem,
        cfg.seeds,
        cfg.pgd_step,
        cfg.pgd_iterations,
        cfg.attack_labels,
        cfg.dataset.describe(),
        cfg.train_subset.map_or("all".to_string(), |n| n.to_string()),
        cfg.test_subset.map_or("all".to_string(), |n| n.to_string()),
        cfg.alpha,
        cfg.epochs,
        cfg.protocol,
        if cfg.eps_unit == "pixel" { " Adversarial images are clipped to the valid pixel range." } else { " As in the official code, adversarial inputs are not clipped to the valid pixel range." },
    );
    md += &format!(
        "\nf1 (the attacked source) clean accuracy: {}.\n\n\
         ## The mechanism: dependence between f1's and f2's test features\n\n\
         | pair | dCor² (V, biased) | R* (U, bias-corrected) |\n|---|---|---|\n\
         | f1 vs f2-baseline | {} | {} |\n| f1 vs f2-dCor | {} | {} |\n",
        pct(&col(&|s| s.clean_f1)),
        fmt4(&col(&|s| s.dcor_sqr_f1_baseline)),
        fmt4(&col(&|s| s.u_dcor_sqr_f1_baseline)),
        fmt4(&col(&|s| s.dcor_sqr_f1_dcor)),
        fmt4(&col(&|s| s.u_dcor_sqr_f1_dcor)),
    );
    if cfg.whitebox {
        md += "\n## White-box reference (each net attacked on itself)\n\n| attack | f1 | f2-baseline | f2-dCor |\n|---|---|---|---|\n";
        for (i, r) in rows.iter().enumerate() {
            let w = |f: &dyn Fn(&crate::evaluate::AttackRow) -> Option<f64>| pct(&col(&|s| f(&s.attacks[i]).unwrap_or(f64::NAN)));
            md += &format!("| {} ε={} | {} | {} | {} |\n", r.attack, r.eps, w(&|a| a.whitebox_f1), w(&|a| a.whitebox_baseline), w(&|a| a.whitebox_dcor));
        }
    }
    line_plot(&run.file("accuracy_vs_eps.png"), &cfg.eps, &series, 0.0, 1.0)?;
    md += &format!(
        "\n![accuracy vs ε](accuracy_vs_eps.png)\n\nPlot: transfer accuracy (y from 0 to 1, grid every 0.25) against ε = {:?} (x, evenly spaced). \
         {} = baseline FGM, {} = ours FGM, {} = baseline PGD, {} = ours PGD.\n\nWall time of the invocation that finished the run: {:.0} s.\n",
        cfg.eps, COLOUR_NAMES[0], COLOUR_NAMES[1], COLOUR_NAMES[2], COLOUR_NAMES[3], seconds
    );
    run.write("results.md", md.as_bytes())?;
    run.write_json("metrics.json", &json!({ "config": cfg, "seeds": seeds, "seconds": seconds }))?;
    Ok(md)
}

fn fmt4(v: &[f64]) -> String {
    let (m, s) = mean_std(v);
    if v.len() > 1 { format!("{m:.4} ± {s:.4}") } else { format!("{m:.4}") }
}
