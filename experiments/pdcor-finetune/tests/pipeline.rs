//! The whole study on the tiny config, resuming, the model cache, the statistics of Table 2 on
//! features with a known structure, and Grad-CAM maps of known activations.

use std::path::PathBuf;

use burn::tensor::{Device, Distribution, Tensor};
use exp_pdcor_finetune::compare::{BatchFeatures, table2};
use exp_pdcor_finetune::gradcam::cam_maps;
use exp_pdcor_finetune::{Config, EmbeddingSpec, Stage, run};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pdc-pdcor-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn json(path: PathBuf) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

#[test]
fn tiny_study_writes_every_output_and_resumes() {
    let dir = tmp("tiny");
    let (out, models) = (dir.join("run"), dir.join("models"));
    let cfg = Config::tiny();
    let device = Device::flex();
    let md = run(&cfg, &out, &models, &device, &Stage::ALL).unwrap();
    for section in ["## Table 2", "pdCor*", "## Layer-by-layer", "## Fine-tuning", "## Grad-CAM"] {
        assert!(md.contains(section), "results.md lacks {section}");
    }
    for f in ["results.md", "metrics.json", "layers/x_vs_y.png", "layers/x_vs_x.png", "layers/y_vs_y.png", "layers/matrix.csv", "gradcam/grid.png", "gradcam/x_given_y/0.png", "finetune/x-pdcor.bpk"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let grid = image::open(out.join("gradcam/grid.png")).unwrap();
    // 3 images × (input + 4 maps) at 28 px × 2, with 2-px gaps.
    assert_eq!((grid.width(), grid.height()), (5 * 56 + 4 * 2, 3 * 56 + 2 * 2));

    // The layer map: every layer equals itself (R* = 1) and the matrix is symmetric.
    let layers = json(out.join("layers.json"));
    let m: Vec<Vec<f64>> = serde_json::from_value(layers["map"]["matrix"].clone()).unwrap();
    assert_eq!(m.len(), 19 + 11, "ViT (4 blocks) and ResNet-18 taps");
    for i in 0..m.len() {
        assert!((m[i][i] - 1.0).abs() < 1e-4, "diagonal {i}: {}", m[i][i]);
        for j in 0..m.len() {
            assert!((m[i][j] - m[j][i]).abs() < 1e-5);
        }
    }
    // The two fine-tuning arms differ only by the pdCor term.
    let ft = json(out.join("finetune.json"));
    let rows = ft["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1]["train"]["history"][0]["train_extra"], 0.0);
    assert!(rows[2]["train"]["history"][0]["train_extra"].as_f64().unwrap().abs() > 0.0, "−α·R² is logged");
    assert_ne!(rows[1]["table"], rows[2]["table"]);
    // One map per target: X, X|Y, fine-tuned X|Y, Y.
    let cams = json(out.join("gradcam.json"));
    assert_eq!(cams["cams"].as_array().unwrap().len(), 4);

    // Rerun: every stage is reused and the numbers are the same; the models come from the cache.
    let before = std::fs::read_to_string(out.join("compare.json")).unwrap();
    run(&cfg, &out, &models, &device, &Stage::ALL).unwrap();
    assert_eq!(before, std::fs::read_to_string(out.join("compare.json")).unwrap());
    let out2 = dir.join("run2");
    run(&cfg, &out2, &models, &device, &[Stage::Compare]).unwrap();
    assert_eq!(json(out2.join("nets.json"))["x"]["weights"]["source"], "cached");
    assert_eq!(json(out.join("nets.json"))["x"]["weights"]["source"], "trained");
    assert_eq!(json(out.join("compare.json"))["table"], json(out2.join("compare.json"))["table"], "a cached model gives the same table");

    // A different config in the same folder is refused; so are bad inputs, without a run folder.
    let mut other = cfg.clone();
    other.finetune.alpha = 0.5;
    assert!(run(&other, &out, &models, &device, &Stage::ALL).is_err());
    let mut wrong = cfg.clone();
    wrong.embeddings = EmbeddingSpec::Bundled { set: "cifar100".into() };
    let err = run(&wrong, &dir.join("bad"), &models, &device, &Stage::ALL).unwrap_err();
    assert!(err.contains("100 classes") && err.contains("10"), "{err}");
    assert!(!dir.join("bad").exists(), "no run folder for bad input");
    let mut missing = cfg.clone();
    missing.x.weights = Some(dir.join("nope.safetensors"));
    assert!(run(&missing, &dir.join("bad2"), &models, &device, &Stage::ALL).unwrap_err().contains("nope.safetensors"));
    let mut bad = cfg;
    bad.finetune.kind = "full".into();
    assert!(run(&bad, &dir.join("bad3"), &models, &device, &Stage::ALL).unwrap_err().contains("finetune.kind"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn table2_finds_what_x_knows_beyond_y() {
    // GT: one of 4 class vectors per row. X carries the class, Y is noise; and a second pair
    // where Y = X, so X knows nothing beyond Y.
    let device = Device::flex();
    let (n, batches) = (32usize, 6usize);
    let table = Tensor::<2>::random([4, 8], Distribution::Normal(0.0, 1.0), &device);
    let mut f = BatchFeatures { x: vec![], y: vec![], gt: vec![] };
    for b in 0..batches {
        let labels: Vec<i64> = (0..n as i64).map(|i| (i * 7 + b as i64) % 4).collect();
        let labels = Tensor::<1, burn::tensor::Int>::from_data(burn::tensor::TensorData::new(labels, [n]), &device);
        let gt = table.clone().select(0, labels);
        let x = gt.clone().matmul(Tensor::random([8, 5], Distribution::Normal(0.0, 1.0), &device)) + Tensor::random([n, 5], Distribution::Normal(0.0, 0.3), &device);
        f.x.push(x);
        f.y.push(Tensor::random([n, 6], Distribution::Normal(0.0, 1.0), &device));
        f.gt.push(gt);
    }
    let c = Config::tiny().compare;
    let t = table2(&f, &c, 0).unwrap();
    assert!(t.r2_x_gt.mean > 0.5 && t.r2_x_gt.p_value.unwrap() <= 0.05, "{:?}", t.r2_x_gt);
    assert!(t.r2_y_gt.mean.abs() < 0.1 && t.r2_y_gt.p_value.unwrap() > 0.05, "{:?}", t.r2_y_gt);
    assert!(t.semi_x_given_y.mean > 0.5 && t.semi_x_given_y.p_value.unwrap() <= 0.05);
    assert!(t.semi_y_given_x.mean.abs() < 0.1);
    assert!(t.r2_x_gt.low <= t.r2_x_gt.mean && t.r2_x_gt.mean <= t.r2_x_gt.high);
    // Y = X: the part of X that Y does not explain is empty.
    f.y = f.x.clone();
    let t = table2(&f, &c, 0).unwrap();
    assert!(t.semi_x_given_y.mean.abs() < 1e-3 && t.pdcor_x_given_y.mean.abs() < 1e-3, "{:?}", t.semi_x_given_y);
    assert!((t.dcor_xy_u.mean - 1.0).abs() < 1e-4);
    assert_eq!(t.batches, batches);
}

#[test]
fn cam_maps_of_known_activations() {
    // [1, 2, 2, 2]: channel weights = spatial means of the gradient (+1 and −1), so the map is
    // relu(A₀ − A₁), min–max scaled.
    let act = [1.0, 0.0, 0.5, 0.0, /* ch 1 */ 0.0, 0.0, 0.0, 1.0];
    let grad = [1.0; 4].iter().chain([-1.0; 4].iter()).copied().collect::<Vec<f32>>();
    let (grid, maps) = cam_maps(&[1, 2, 2, 2], &act, &grad).unwrap();
    assert_eq!(grid, (2, 2));
    assert_eq!(maps[0], vec![1.0, 0.0, 0.5, 0.0]);
    // ViT tokens [1, 1 + 4, 1]: the class token is dropped, the rest is a 2×2 grid.
    let act = [9.0, 0.0, 2.0, 4.0, 1.0];
    let grad = [5.0, 1.0, 1.0, 1.0, 1.0];
    let (grid, maps) = cam_maps(&[1, 5, 1], &act, &grad).unwrap();
    assert_eq!(grid, (2, 2));
    assert_eq!(maps[0], vec![0.0, 0.5, 1.0, 0.25]);
    // A map that is flat after the ReLU is all zeros, not NaN; odd token counts are refused.
    let (_, maps) = cam_maps(&[1, 1, 2, 2], &[1.0; 4], &[-1.0; 4]).unwrap();
    assert_eq!(maps[0], vec![0.0; 4]);
    assert!(cam_maps(&[1, 7, 1], &[0.0; 7], &[0.0; 7]).is_err());
}

#[test]
fn configs_that_cannot_give_intervals_are_refused() {
    let mut cfg = Config::tiny();
    cfg.compare.test_subset = Some(cfg.compare.batch_size);
    let e = cfg.validate().unwrap_err();
    assert!(e.contains("compare.test_subset") && e.contains("two batches"), "{e}");
    cfg.compare.test_subset = Some(2 * cfg.compare.batch_size);
    cfg.validate().unwrap();
    cfg.compare.batch_size = 3;
    assert!(cfg.validate().unwrap_err().contains("batch_size ≥ 4"));
}
