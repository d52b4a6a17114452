//! The `pdc` binary end to end: files in, JSON out, clear errors.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{Normals, rel_err};
use pdc_dcor::io::write_npy;
use pdc_dcor::{Matrix, distance_correlation, partial_distance_correlation};
use serde_json::Value;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pdc-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn pdc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pdc")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn dcor_pdcor_energy_and_test_print_named_json() {
    let d = dir("ok");
    let (n, dx) = (30, 3);
    let mut rng = Normals::new(1);
    let x = rng.vec(n * dx);
    let y: Vec<f64> = (0..n).map(|i| x[i * dx] + 0.1 * rng.next()).collect();
    let z = rng.vec(n);
    let (xp, yp, zp) = (d.join("x.npy"), d.join("y.csv"), d.join("z.npy"));
    write_npy(&xp, &x, n, dx).unwrap();
    std::fs::write(&yp, format!("feature\n{}\n", y.iter().map(|v| format!("{v:.17e}")).collect::<Vec<_>>().join("\n"))).unwrap();
    write_npy(&zp, &z, n, 1).unwrap();
    let (xs, ys, zs) = (xp.to_str().unwrap(), yp.to_str().unwrap(), zp.to_str().unwrap());
    let xm = Matrix::new(&x, n, dx).unwrap();

    let (code, out, err) = pdc(&["dcor", xs, ys]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["x_rows"], 30);
    assert_eq!(v["x_columns"], 3);
    assert!(rel_err(v["distance_correlation"].as_f64().unwrap(), distance_correlation(&xm, &y).unwrap()) < 1e-14);

    let (code, out, _) = pdc(&["dcor", xs, ys, "--block", "7"]);
    assert_eq!(code, 0);
    let b: Value = serde_json::from_str(&out).unwrap();
    assert!(rel_err(b["distance_correlation_sqr"].as_f64().unwrap(), v["distance_correlation_sqr"].as_f64().unwrap()) < 1e-12);

    let (code, out, _) = pdc(&["dcor", xs, ys, "--estimator", "u", "--exponent", "0.5"]);
    assert_eq!(code, 0);
    let u: Value = serde_json::from_str(&out).unwrap();
    assert!(u["u_distance_correlation_sqr"].is_f64() && u.get("distance_correlation").is_none());

    let (code, out, _) = pdc(&["pdcor", xs, ys, zs]);
    assert_eq!(code, 0);
    let p: Value = serde_json::from_str(&out).unwrap();
    assert!(rel_err(p["partial_distance_correlation"].as_f64().unwrap(), partial_distance_correlation(&xm, &y, &z).unwrap()) < 1e-14);

    let (code, out, _) = pdc(&["energy", zs, ys]);
    assert_eq!(code, 0);
    assert!(serde_json::from_str::<Value>(&out).unwrap()["energy_distance"].as_f64().unwrap() > 0.0);

    let (code, out, _) = pdc(&["test", xs, ys, "--permutations", "99", "--seed", "3"]);
    assert_eq!(code, 0);
    let t: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(t["permutation_test"]["p_value"].as_f64().unwrap(), 0.01);
    assert!(t["t_test"]["p_value_upper_tail"].as_f64().unwrap() < 1e-3);

    let (code, out, _) = pdc(&["test", xs, ys, zs, "--permutations", "49"]);
    assert_eq!(code, 0);
    assert!(serde_json::from_str::<Value>(&out).unwrap()["p_value"].as_f64().unwrap() <= 0.1);
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn errors_name_the_file_or_shape() {
    let d = dir("err");
    let good = d.join("good.npy");
    write_npy(&good, &[1.0, 2.0, 3.0, 4.0, 5.0], 5, 1).unwrap();
    let short = d.join("short.npy");
    write_npy(&short, &[1.0, 2.0, 3.0], 3, 1).unwrap();
    let bad = d.join("bad.npy");
    std::fs::write(&bad, b"not numpy").unwrap();
    let (g, s, b) = (good.to_str().unwrap(), short.to_str().unwrap(), bad.to_str().unwrap());

    let (code, _, err) = pdc(&["dcor", g, s]);
    assert_eq!(code, 2);
    assert!(err.contains("`x` has 5 rows") && err.contains("`y` has 3"), "{err}");
    let (code, _, err) = pdc(&["dcor", g, b]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.npy") && err.contains("magic"), "{err}");
    let (code, _, err) = pdc(&["dcor", g, d.join("nope.csv").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("nope.csv") && err.contains("cannot read"), "{err}");
    let (code, _, err) = pdc(&["dcor", g, g, "--exponent", "2"]);
    assert_eq!(code, 2);
    assert!(err.contains("exponent 2"), "{err}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn estimator_specific_outputs_and_conflicts() {
    let d = dir("est");
    let mut rng = Normals::new(2);
    let (x, y, z) = (rng.vec(20), rng.vec(20), rng.vec(20));
    let (xp, yp, zp) = (d.join("x.npy"), d.join("y.npy"), d.join("z.npy"));
    write_npy(&xp, &x, 20, 1).unwrap();
    write_npy(&yp, &y, 20, 1).unwrap();
    write_npy(&zp, &z, 20, 1).unwrap();
    let (xs, ys, zs) = (xp.to_str().unwrap(), yp.to_str().unwrap(), zp.to_str().unwrap());
    let (code, out, _) = pdc(&["energy", xs, ys, "--estimator", "u"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["energy_distance_u"].is_f64() && v.get("energy_test_statistic").is_none());
    let (code, _, err) = pdc(&["test", xs, ys, zs, "--estimator", "v"]);
    assert_eq!(code, 2);
    assert!(err.contains("U-centred"), "{err}");
    let (code, _, err) = pdc(&["dcor", xs, ys, "--estimator", "u", "--block", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("block"), "{err}");
    std::fs::remove_dir_all(&d).ok();
}
