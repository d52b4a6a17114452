//! The whole study on the tiny config (every arm, every output), resuming after a kill with the
//! same numbers as an uninterrupted run, refusals of bad input, and the residual terms' values.

use std::path::PathBuf;

use burn::tensor::{Device, Tensor, TensorData};
use exp_disentangle::train::residual_loss;
use exp_disentangle::{Arm, Config, ResidualLoss, run, run_until};
use pdc_dcor::loss::DcorLossConfig;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pdc-disentangle-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn json(path: PathBuf) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

fn f(v: &serde_json::Value, pointer: &str) -> f64 {
    v.pointer(pointer).and_then(serde_json::Value::as_f64).unwrap_or_else(|| panic!("{pointer} missing or not a number"))
}

#[test]
fn tiny_study_writes_every_arm_and_output() {
    let out = tmp("tiny");
    let cfg = Config::tiny();
    let device = Device::flex();
    let md = run(&cfg, &out, &device).unwrap();
    for section in ["## Training images", "## Held-out images", "| none | l2-1e-5 | dcor-1e-5 |", "DCI disentanglement", "leak shape: U-dCor²"] {
        assert!(md.contains(section), "results.md lacks {section}:\n{md}");
    }
    for f in ["results.md", "metrics.json", "rec_curve.png", "dcor-1e-5-s0/swaps.png", "dcor-1e-5-s0/reconstructions.png", "l2-1e-5-s0/manipulate-shape.png", "none-s0/metrics.json"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // Only the last checkpoint of each arm is kept.
    let ckpts: Vec<_> = std::fs::read_dir(out.join("dcor-1e-5-s0")).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with("ckpt-")).collect();
    assert_eq!(ckpts.len(), 1);

    let metrics = json(out.join("metrics.json"));
    let arms = metrics["arms"].as_array().unwrap();
    assert_eq!(arms.len(), 3);
    for a in arms {
        for set in ["train_latent", "heldout_amortized"] {
            let mse = f(a, &format!("/{set}/reconstruction_mse"));
            // Images are in [0, 1]: the MSE is finite, positive and below the all-wrong bound.
            assert!(mse.is_finite() && mse > 0.0 && mse < 1.0, "{set} mse {mse}");
            let acc = f(a, &format!("/{set}/attribute_accuracy_mean"));
            assert!((0.0..=1.0).contains(&acc));
            let u = f(a, &format!("/{set}/leakage/shape/vs_label/u_dcor_sqr"));
            let v = f(a, &format!("/{set}/leakage/shape/vs_label/dcor_sqr"));
            let null = f(a, &format!("/{set}/leakage/shape/vs_label/dcor_sqr_null_mean"));
            let p = f(a, &format!("/{set}/leakage/shape/vs_label/u_dcor_sqr_p"));
            assert!(u.abs() <= 1.0 && (0.0..=1.0).contains(&v) && null >= 0.0, "u {u} v {v} null {null}");
            // p = (1 + #)/(R + 1) with R = 19.
            assert!((p * 20.0 - (p * 20.0).round()).abs() < 1e-9 && p <= 1.0, "p {p}");
        }
        // Stage order: 2 latent epochs, 1 amortisation, 1 synthesis.
        let stages: Vec<&str> = a["history"].as_array().unwrap().iter().map(|h| h["stage"].as_str().unwrap()).collect();
        assert_eq!(stages, ["latent", "latent", "amortize", "synthesis"]);
    }
    // The L2 and dCor terms are live (positive, dCor² ≤ 1) and change the trained codes.
    let res = |i: usize| f(&arms[i], "/history/0/residual_loss");
    assert!(res(1) > 0.0 && res(2) > 0.0 && res(2) <= 1.0, "l2 {} dcor {}", res(1), res(2));
    assert_ne!(f(&arms[1], "/train_latent/reconstruction_mse"), f(&arms[2], "/train_latent/reconstruction_mse"));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn killed_arm_resumes_to_the_same_numbers() {
    let mut cfg = Config::tiny();
    cfg.arms = vec![Arm { loss: ResidualLoss::Dcor, lambda: 1e-1 }];
    let device = Device::flex();
    let whole = tmp("whole");
    run(&cfg, &whole, &device).unwrap();
    let cut = tmp("cut");
    // Killed after the first stage-1 epoch, then after the amortisation epoch (mid-stage and at a
    // stage boundary), then finished.
    let e = run_until(&cfg, &cut, &device, Some(1)).unwrap_err();
    assert!(e.contains("stopped after epoch 1"), "{e}");
    assert!(!cut.join("dcor-1e-1-s0/metrics.json").exists());
    // Epoch 2 ends stage 1 (the stage-1 metrics are written before the stop), epoch 3 ends
    // stage 2.
    for stop in [2, 3] {
        let e = run_until(&cfg, &cut, &device, Some(stop)).unwrap_err();
        assert!(e.contains(&format!("stopped after epoch {stop}")), "{e}");
    }
    assert!(cut.join("dcor-1e-1-s0/latent-metrics.json").is_file());
    run(&cfg, &cut, &device).unwrap();
    let a = json(whole.join("dcor-1e-1-s0/metrics.json"));
    let b = json(cut.join("dcor-1e-1-s0/metrics.json"));
    for p in ["/train_latent/reconstruction_mse", "/heldout_amortized/reconstruction_mse", "/heldout_amortized/leakage/hue/vs_label/u_dcor_sqr", "/history/3/rec"] {
        let (x, y) = (f(&a, p), f(&b, p));
        assert!((x - y).abs() <= 1e-6 * x.abs().max(1e-3), "{p}: uninterrupted {x}, resumed {y}");
    }
    // A finished study is reused as is.
    let before = std::fs::read_to_string(cut.join("results.md")).unwrap();
    let again = run(&cfg, &cut, &device).unwrap();
    assert_eq!(before.split("Wall time").next(), again.split("Wall time").next());
    // A different config is refused and the finished results are kept.
    let mut other = cfg.clone();
    other.latent_epochs = 3;
    let e = run(&other, &cut, &device).unwrap_err();
    assert!(e.contains("config"), "{e}");
    assert!(cut.join("dcor-1e-1-s0/metrics.json").is_file());
    let _ = std::fs::remove_dir_all(&whole);
    let _ = std::fs::remove_dir_all(&cut);
}

#[test]
fn arms_differ_only_in_the_residual_term() {
    // With λ = 0 the dCor arm computes its term but gives it no weight: it must train exactly
    // as the none arm (same initialisation, batches, residual noise and generator noise).
    let mut cfg = Config::tiny();
    cfg.noise_inputs = true;
    cfg.arms = vec![Arm { loss: ResidualLoss::None, lambda: 0.0 }, Arm { loss: ResidualLoss::Dcor, lambda: 0.0 }];
    let out = tmp("same");
    run(&cfg, &out, &Device::flex()).unwrap();
    let a = json(out.join("none-s0/metrics.json"));
    let b = json(out.join("dcor-0e0-s0/metrics.json"));
    for p in ["/history/0/rec", "/history/1/rec", "/history/2/code_mse", "/history/3/rec", "/train_latent/reconstruction_mse", "/heldout_amortized/reconstruction_mse", "/heldout_amortized/leakage/shape/vs_label/u_dcor_sqr"] {
        assert_eq!(f(&a, p), f(&b, p), "{p}");
    }
    assert_eq!(f(&a, "/history/0/residual_loss"), 0.0);
    assert!(f(&b, "/history/0/residual_loss") > 0.0, "the dCor term is still computed");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bad_configs_are_refused_with_the_field_named() {
    let device = Device::flex();
    let out = tmp("bad");
    let mut cfg = Config::tiny();
    cfg.channels = vec![8, 8];
    assert!(run(&cfg, &out, &device).unwrap_err().contains("channels"));
    let mut cfg = Config::tiny();
    cfg.arms.push(cfg.arms[0]);
    assert!(run(&cfg, &out, &device).unwrap_err().contains("arms must be distinct"));
    let mut cfg = Config::tiny();
    cfg.lr_latent = f64::NAN;
    assert!(run(&cfg, &out, &device).unwrap_err().contains("learning rates"));
    let mut cfg = Config::tiny();
    cfg.data = exp_disentangle::DataSpec::Sprites { resolution: 16, train: 96, n_labels: 32, eval: 0, data_seed: 0 };
    assert!(run(&cfg, &out, &device).unwrap_err().contains("data.eval"));
    assert!(!out.exists(), "a refused config leaves no run folder");
}

#[test]
fn residual_terms_have_their_defining_values() {
    let device = Device::flex();
    let n = 16;
    // r_i = (1 + ⌊i/2⌋, 1) and f_i = one-hot(i mod 2): every r value occurs with both f values,
    // so the empirical joint law is the product of the marginals and the V-statistic dCov² is 0.
    let rv: Vec<f32> = (0..n).flat_map(|i| [1.0 + (i / 2) as f32, 1.0]).collect();
    let fv: Vec<f32> = (0..n).flat_map(|i| if i % 2 == 0 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
    let r = Tensor::<2>::from_data(TensorData::new(rv.clone(), [n, 2]), &device);
    let f_ind = Tensor::<2>::from_data(TensorData::new(fv, [n, 2]), &device);
    // A rescaled copy: identical after the row normalisation, so dCor² = 1.
    let f_dep = r.clone().mul_scalar(3.0);
    let cfg = DcorLossConfig::new();
    let arm = |loss| Arm { loss, lambda: 1.0 };
    let v = |t: Tensor<1>| t.into_scalar::<f64>();
    assert_eq!(v(residual_loss(&arm(ResidualLoss::None), r.clone(), f_dep.clone(), &cfg).unwrap()), 0.0);
    // L2: the mean of r² over every entry.
    let want = rv.iter().map(|x| (x * x) as f64).sum::<f64>() / (2 * n) as f64;
    let l2 = v(residual_loss(&arm(ResidualLoss::L2), r.clone(), f_dep.clone(), &cfg).unwrap());
    assert!((l2 - want).abs() < 1e-4 * want, "l2 {l2} want {want}");
    let ind = v(residual_loss(&arm(ResidualLoss::Dcor), r.clone(), f_ind, &cfg).unwrap());
    let dep = v(residual_loss(&arm(ResidualLoss::Dcor), r, f_dep, &cfg).unwrap());
    assert!(ind.abs() < 1e-5, "independent: {ind}");
    assert!((dep - 1.0).abs() < 1e-4, "rescaled copy: {dep}");
}
