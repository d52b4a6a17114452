//! The whole study on a tiny config (seconds): outputs, determinism, resume, and run-folder safety.

use burn::tensor::Device;
use exp_adversarial::{Config, run, run_until};
use serde_json::Value;

fn out(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pdc-adv-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn metrics(dir: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap()
}

#[test]
fn tiny_run_writes_the_table_and_alpha_zero_twins_are_identical() {
    let dir = out("alpha0");
    let cfg = Config { alpha: 0.0, ..Config::tiny() };
    let md = run(&cfg, &dir, &Device::flex()).unwrap();
    assert!(md.contains("| Baseline (f2, CE) |") && md.contains("PGD ε=0.3"), "{md}");
    assert!(!dir.join("seed-0/ckpt-epoch1").exists(), "older checkpoints are removed");
    for f in ["config.toml", "metrics.json", "results.md", "accuracy_vs_eps.png", "seed-0/ckpt-epoch2/net0.bpk", "seed-0/state.json"] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let m = metrics(&dir);
    let s = &m["seeds"][0];
    // Same init, same data order, α = 0: the two f2's are the same network.
    assert_eq!(s["clean_baseline"], s["clean_dcor"]);
    assert_eq!(s["dcor_sqr_f1_baseline"], s["dcor_sqr_f1_dcor"]);
    for a in s["attacks"].as_array().unwrap() {
        assert_eq!(a["transfer_baseline"], a["transfer_dcor"], "{a}");
        let acc = a["transfer_baseline"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&acc));
    }
    // A different config never overwrites the folder.
    let err = run(&Config { alpha: 0.5, ..cfg.clone() }, &dir, &Device::flex()).unwrap_err();
    assert!(err.contains("different configuration"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn interrupted_then_resumed_equals_uninterrupted() {
    let cfg = Config::tiny();
    let (a, b) = (out("straight"), out("resumed"));
    run(&cfg, &a, &Device::flex()).unwrap();
    let err = run_until(&cfg, &b, &Device::flex(), Some(1)).unwrap_err();
    assert!(err.contains("stopped after epoch 1"), "{err}");
    assert!(!b.join("results.md").exists());
    run(&cfg, &b, &Device::flex()).unwrap();
    let (ma, mb) = (metrics(&a), metrics(&b));
    assert_eq!(ma["seeds"][0]["history"], mb["seeds"][0]["history"]);
    assert_eq!(ma["seeds"][0]["attacks"], mb["seeds"][0]["attacks"]);
    assert_eq!(ma["seeds"][0]["clean_dcor"], mb["seeds"][0]["clean_dcor"]);
    assert_eq!(ma["seeds"][0]["dcor_sqr_f1_dcor"], mb["seeds"][0]["dcor_sqr_f1_dcor"]);
    std::fs::remove_dir_all(&a).ok();
    std::fs::remove_dir_all(&b).ok();
}

#[test]
fn three_net_protocol_with_two_seeds_reports_intervals() {
    let dir = out("threenet");
    let cfg = Config { protocol: exp_adversarial::Protocol::ThreeNet, seeds: vec![0, 1], epochs: 1, eps: vec![0.3], ..Config::tiny() };
    let md = run(&cfg, &dir, &Device::flex()).unwrap();
    // Paired differences over two seeds come with a 95% interval.
    assert!(md.lines().any(|l| l.starts_with("| Δ") && l.contains('[')), "{md}");
    assert_eq!(metrics(&dir)["seeds"].as_array().unwrap().len(), 2);
    assert!(!dir.join("run.lock").exists(), "the lock is released");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_configs_and_foreign_folders_are_refused() {
    let bad = Config { pgd_step: 0.01, pgd_iterations: 2, ..Config::tiny() };
    assert!(bad.validate().unwrap_err().contains("PGD could not reach"));
    assert!(Config { seeds: vec![1, 1], ..Config::tiny() }.validate().unwrap_err().contains("distinct"));
    assert!(Config { test_subset: Some(0), ..Config::tiny() }.validate().is_err());
    assert!(Config { alpha: f64::NAN, ..Config::tiny() }.validate().is_err());
    let dir = out("foreign");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("my-results.txt"), "precious").unwrap();
    let err = run(&Config::tiny(), &dir, &Device::flex()).unwrap_err();
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("my-results.txt")).unwrap(), "precious");
    let toml = format!("unknown_key = 1\n{}", Config::tiny().to_toml());
    std::fs::write(dir.join("c.toml"), toml).unwrap();
    assert!(Config::from_toml_file(&dir.join("c.toml")).unwrap_err().contains("unknown"));
    std::fs::remove_dir_all(&dir).ok();
}
