//! `pdc`: distance statistics of features saved anywhere (.npy or .csv, rows = observations),
//! printed as JSON with every statistic's name spelled out.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use pdc_dcor::independence::{Permutation, distance_correlation_t_test, distance_covariance_permutation_test, partial_distance_permutation_test};
use pdc_dcor::io::{Table, read_matrix};
use pdc_dcor::{Dcor, Energy, Estimator, Partial};
use serde_json::{Map, Value, json};

#[derive(Parser)]
#[command(name = "pdc", version, about = "Distance correlation, partial distance correlation and energy statistics of feature files (.npy f32/f64 or .csv; rows are observations)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum EstimatorArg {
    /// Biased V-statistic (double-centred).
    V,
    /// Unbiased U-statistic (U-centred, signed; n ≥ 4).
    U,
}

impl Options {
    fn estimator(&self) -> Estimator {
        self.estimator.map(Estimator::from).unwrap_or(Estimator::V)
    }
}

impl From<EstimatorArg> for Estimator {
    fn from(e: EstimatorArg) -> Self {
        match e {
            EstimatorArg::V => Estimator::V,
            EstimatorArg::U => Estimator::U,
        }
    }
}

#[derive(clap::Args)]
struct Options {
    /// V (biased, the default) or U (unbiased) statistic.
    #[arg(long, value_enum)]
    estimator: Option<EstimatorArg>,
    /// Distances are raised to this power, in (0, 2).
    #[arg(long, default_value_t = 1.0)]
    exponent: f64,
}

#[derive(Subcommand)]
enum Command {
    /// Distance covariance and correlation of X and Y (same number of rows).
    Dcor {
        x: PathBuf,
        y: PathBuf,
        #[command(flatten)]
        options: Options,
        /// Use the exact blocked algorithm with N×N tiles (memory O(n·(d + N)), for large n).
        #[arg(long, value_name = "N")]
        block: Option<usize>,
    },
    /// Partial distance covariance/correlation of X and Y given Z (U-centred, exponent 1), and
    /// the paper's semi-partial R²((X|Z), Y).
    Pdcor { x: PathBuf, y: PathBuf, z: PathBuf },
    /// Energy distance between the samples X and Y (same number of columns).
    Energy {
        x: PathBuf,
        y: PathBuf,
        #[command(flatten)]
        options: Options,
    },
    /// Tests of independence of X and Y (or of X and Y given Z): permutation test, and the
    /// high-dimensional t-test.
    Test {
        x: PathBuf,
        y: PathBuf,
        /// Conditioning sample: test the partial distance covariance instead.
        z: Option<PathBuf>,
        #[command(flatten)]
        options: Options,
        /// Number of permutations R; p = (1 + #{T* ≥ T})/(R + 1).
        #[arg(long, default_value_t = 999)]
        permutations: usize,
        /// Seed of the permutations.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

/// JSON number, or the strings "Infinity"/"-Infinity"/"NaN" (JSON has no non-finite numbers).
fn num(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else if v.is_nan() {
        json!("NaN")
    } else if v > 0.0 {
        json!("Infinity")
    } else {
        json!("-Infinity")
    }
}

fn load(path: &PathBuf) -> Result<Table, String> {
    read_matrix(path).map_err(|e| e.to_string())
}

fn shape(name: &str, t: &Table, out: &mut Map<String, Value>) {
    out.insert(format!("{name}_rows"), json!(t.rows));
    out.insert(format!("{name}_columns"), json!(t.cols));
}

fn run(cli: Cli) -> Result<Value, String> {
    let err = |e: pdc_dcor::DcorError| e.to_string();
    let mut out = Map::new();
    match cli.command {
        Command::Dcor { x, y, options, block } => {
            let (x, y) = (load(&x)?, load(&y)?);
            shape("x", &x, &mut out);
            shape("y", &y, &mut out);
            let mut dcor = Dcor { estimator: options.estimator(), exponent: options.exponent, block: None };
            if let Some(tile) = block {
                dcor = dcor.with_block(tile);
            }
            let t = dcor.terms(&x.matrix(), &y.matrix()).map_err(err)?;
            out.insert("exponent".into(), num(options.exponent));
            match dcor.estimator {
                Estimator::V => {
                    out.insert("estimator".into(), json!("V-statistic (biased, double-centred)"));
                    out.insert("distance_covariance_sqr".into(), num(t.covariance_sqr()));
                    out.insert("distance_covariance".into(), num(t.covariance().map_err(err)?));
                    out.insert("distance_correlation_sqr".into(), num(t.correlation_sqr()));
                    out.insert("distance_correlation".into(), num(t.correlation().map_err(err)?));
                    out.insert("distance_variance_sqr_x".into(), num(t.xx));
                    out.insert("distance_variance_sqr_y".into(), num(t.yy));
                }
                Estimator::U => {
                    out.insert("estimator".into(), json!("U-statistic (unbiased, U-centred)"));
                    out.insert("u_distance_covariance_sqr".into(), num(t.covariance_sqr()));
                    out.insert("u_distance_correlation_sqr".into(), num(t.correlation_sqr()));
                    out.insert("u_distance_variance_sqr_x".into(), num(t.xx));
                    out.insert("u_distance_variance_sqr_y".into(), num(t.yy));
                }
            }
        }
        Command::Pdcor { x, y, z } => {
            let (x, y, z) = (load(&x)?, load(&y)?, load(&z)?);
            shape("x", &x, &mut out);
            shape("y", &y, &mut out);
            shape("z", &z, &mut out);
            let t = Partial::default().terms(&x.matrix(), &y.matrix(), &z.matrix()).map_err(err)?;
            out.insert("partial_distance_covariance".into(), num(t.partial_covariance()));
            out.insert("partial_distance_correlation".into(), num(t.partial_correlation()));
            out.insert("semipartial_distance_correlation_x_given_z_with_y".into(), num(t.semipartial_correlation()));
            out.insert("u_distance_correlation_sqr_xy".into(), num(t.u_correlation_sqr_xy()));
            out.insert("u_distance_correlation_sqr_xz".into(), num(t.u_correlation_sqr_xz()));
            out.insert("u_distance_correlation_sqr_yz".into(), num(t.u_correlation_sqr_yz()));
        }
        Command::Energy { x, y, options } => {
            let (x, y) = (load(&x)?, load(&y)?);
            shape("x", &x, &mut out);
            shape("y", &y, &mut out);
            let e = Energy { estimator: options.estimator(), exponent: options.exponent };
            let t = e.terms(&x.matrix(), &y.matrix()).map_err(err)?;
            out.insert("exponent".into(), num(options.exponent));
            if e.estimator == Estimator::V {
                out.insert("energy_distance".into(), num(t.energy_distance()));
                out.insert("energy_test_statistic".into(), num(t.test_statistic()));
            } else {
                out.insert("energy_distance_u".into(), num(t.energy_distance()));
            }
            out.insert("mean_distance_between".into(), num(t.between));
            out.insert("mean_distance_within_x".into(), num(t.within_x));
            out.insert("mean_distance_within_y".into(), num(t.within_y));
        }
        Command::Test { x, y, z, options, permutations, seed } => {
            let (xt, yt) = (load(&x)?, load(&y)?);
            shape("x", &xt, &mut out);
            shape("y", &yt, &mut out);
            let cfg = Permutation { resamples: permutations, seed };
            let (xm, ym) = (xt.matrix(), yt.matrix());
            if let Some(z) = z {
                let zt = load(&z)?;
                shape("z", &zt, &mut out);
                if options.estimator == Some(EstimatorArg::V) {
                    return Err("the partial distance statistics are U-centred: drop --estimator v".into());
                }
                let partial = Partial { exponent: options.exponent };
                let (terms, p) = partial_distance_permutation_test(&xm, &ym, &zt.matrix(), partial, cfg).map_err(err)?;
                out.insert("test".into(), json!("permutation test of the partial distance covariance (Szekely-Rizzo 2014)"));
                out.insert("partial_distance_covariance".into(), num(terms.partial_covariance()));
                out.insert("partial_distance_correlation".into(), num(terms.partial_correlation()));
                out.insert("statistic_n_times_partial_distance_covariance".into(), num(p.statistic));
                out.insert("p_value".into(), num(p.p_value));
                out.insert("permutations".into(), json!(p.resamples));
                out.insert("seed".into(), json!(seed));
                out.insert("degenerate".into(), json!(p.degenerate));
            } else {
                let dcor = Dcor { estimator: options.estimator(), exponent: options.exponent, block: None };
                let (terms, p) = distance_covariance_permutation_test(&xm, &ym, dcor, cfg).map_err(err)?;
                let (cov_key, cor_key) = match dcor.estimator {
                    Estimator::V => ("distance_covariance_sqr", "distance_correlation_sqr"),
                    Estimator::U => ("u_distance_covariance_sqr", "u_distance_correlation_sqr"),
                };
                out.insert("exponent".into(), num(options.exponent));
                out.insert(cov_key.into(), num(terms.covariance_sqr()));
                out.insert(cor_key.into(), num(terms.correlation_sqr()));
                out.insert(
                    "permutation_test".into(),
                    json!({
                        "statistic_n_times_distance_covariance_sqr": num(p.statistic),
                        "p_value": num(p.p_value),
                        "permutations": p.resamples,
                        "seed": seed,
                        "degenerate": p.degenerate,
                    }),
                );
                if xt.rows >= 4 {
                    let t = distance_correlation_t_test(&xm, &ym).map_err(err)?;
                    out.insert(
                        "t_test".into(),
                        json!({
                            "u_distance_correlation_sqr_exponent_1": num(t.r_star),
                            "t_statistic": num(t.statistic),
                            "degrees_of_freedom": num(t.df),
                            "p_value_upper_tail": num(t.p_value),
                            "note": "justified as the dimension grows (Szekely-Rizzo 2013); prefer the permutation test for low-dimensional data",
                        }),
                    );
                }
            }
        }
    }
    Ok(Value::Object(out))
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(v) => {
            println!("{}", serde_json::to_string_pretty(&v).expect("JSON values serialise"));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pdc: error: {e}");
            ExitCode::from(2)
        }
    }
}
