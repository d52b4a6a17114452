//! # pdc-dcor: distance correlation, partial distance correlation and energy statistics
//!
//! Statistics of dependence between two samples of vectors of any dimensions (rows are
//! observations), on Burn tensors (any backend, f32 or f64) or plain `f64` buffers.
//! Every function name says what it returns, and squared quantities say so:
//!
//! | function | returns |
//! |---|---|
//! | [`distance_covariance_sqr`] / [`distance_covariance`] | V_n² / V_n (biased V-statistic) |
//! | [`distance_correlation_sqr`] / [`distance_correlation`] | R_n² / R_n, in [0, 1] |
//! | [`u_distance_covariance_sqr`] | unbiased Ω_n (signed) |
//! | [`u_distance_correlation_sqr`] | bias-corrected R* (signed) |
//! | [`partial_distance_covariance`] / [`partial_distance_correlation`] | pdCov*, pdCor* (Székely & Rizzo 2014) |
//! | [`semipartial_distance_correlation`] | the paper's R²((X\|Y), GT) |
//! | [`energy_distance`], [`u_energy_distance`], [`energy_test_statistic`] | two-sample energy statistics |
//!
//! [`Dcor`], [`Partial`] and [`Energy`] hold options (estimator, exponent, blocked tiles).
//! [`loss`] has the differentiable training losses; [`independence`] the tests.
//!
//! Note: `scipy.spatial.distance.correlation` is 1 − Pearson r, not distance correlation.

mod blocked;
mod dependence;
mod energy;
mod error;
pub mod independence;
pub mod io;
mod kernel;
pub mod loss;
mod partial;
mod sample;
pub mod special;

pub use dependence::{
    CovarianceTerms, Dcor, distance_correlation, distance_correlation_sqr, distance_covariance,
    distance_covariance_sqr, u_distance_correlation_sqr, u_distance_covariance_sqr,
};
pub use energy::{Energy, EnergyTerms, energy_distance, energy_test_statistic, u_energy_distance};
pub use error::{DcorError, Result};
pub use kernel::Estimator;
pub use partial::{
    Partial, PartialTerms, partial_distance_correlation, partial_distance_covariance,
    semipartial_distance_correlation,
};
pub use sample::{Matrix, Sample, cpu_device, tensor_f64};
