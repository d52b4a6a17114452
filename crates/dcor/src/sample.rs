//! Inputs: Burn tensors (rows = observations) or plain `f64` buffers for CPU users.
//!
//! Plain buffers become `f64` tensors on the `flex` CPU backend, so both kinds of input run
//! through the same formulas.

use burn::tensor::{DType, Device, Tensor, TensorData};

use crate::error::{DcorError, Result};

/// Anything that can be read as an `n x d` sample (rows are observations).
pub trait Sample {
    /// The sample as a 2-D float tensor.
    fn to_tensor(&self) -> Result<Tensor<2>>;
}

impl Sample for Tensor<2> {
    fn to_tensor(&self) -> Result<Tensor<2>> {
        Ok(self.clone())
    }
}

/// A univariate sample: one observation per element.
impl Sample for [f64] {
    fn to_tensor(&self) -> Result<Tensor<2>> {
        Matrix::new(self, self.len(), 1)?.to_tensor()
    }
}

impl Sample for Vec<f64> {
    fn to_tensor(&self) -> Result<Tensor<2>> {
        self.as_slice().to_tensor()
    }
}

/// A borrowed row-major `rows x cols` matrix of `f64`.
#[derive(Debug, Clone, Copy)]
pub struct Matrix<'a> {
    data: &'a [f64],
    rows: usize,
    cols: usize,
}

impl<'a> Matrix<'a> {
    /// Wraps a row-major buffer; fails if its length is not `rows * cols`.
    pub fn new(data: &'a [f64], rows: usize, cols: usize) -> Result<Self> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(DcorError::BadBuffer { arg: "data", len: data.len(), rows, cols });
        }
        Ok(Self { data, rows, cols })
    }

    /// Number of observations.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Dimension of each observation.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The row-major values.
    pub fn data(&self) -> &'a [f64] {
        self.data
    }
}

impl Sample for Matrix<'_> {
    fn to_tensor(&self) -> Result<Tensor<2>> {
        if self.rows == 0 || self.cols == 0 {
            return Err(DcorError::Empty { arg: "data" });
        }
        let data = TensorData::new(self.data.to_vec(), [self.rows, self.cols]);
        Ok(Tensor::from_data(data, (&cpu_device(), DType::F64)))
    }
}

/// The CPU device used for `f64` buffers.
pub fn cpu_device() -> Device {
    Device::flex()
}

/// Builds an `f64` tensor on `device` from a row-major buffer.
pub fn tensor_f64(data: &[f64], rows: usize, cols: usize, device: &Device) -> Result<Tensor<2>> {
    Matrix::new(data, rows, cols)?;
    Ok(Tensor::from_data(TensorData::new(data.to_vec(), [rows, cols]), (device, DType::F64)))
}

/// Converts a sample, naming it in errors.
pub(crate) fn tensor_of<S: Sample + ?Sized>(s: &S, arg: &'static str) -> Result<Tensor<2>> {
    s.to_tensor().map_err(|e| e.for_arg(arg))
}

/// Checks shape and finiteness; `min_rows` is the estimator's minimum sample size.
pub(crate) fn check(x: &Tensor<2>, arg: &'static str, min_rows: usize, what: &'static str) -> Result<()> {
    let [n, d] = x.dims();
    if n == 0 || d == 0 {
        return Err(DcorError::Empty { arg });
    }
    if n < min_rows {
        return Err(DcorError::TooFewRows { arg, rows: n, min: min_rows, what });
    }
    let finite: bool = x.clone().is_finite().all().into_scalar::<bool>();
    if !finite {
        // Only on failure: read the values back to name the first bad entry.
        let values = x.to_data().iter::<f64>().collect::<Vec<_>>();
        let idx = values.iter().position(|v| !v.is_finite()).unwrap_or(0);
        return Err(DcorError::NonFinite { arg, row: idx / d, col: idx % d, value: values[idx] });
    }
    Ok(())
}

pub(crate) fn check_paired(a: &Tensor<2>, arg_a: &'static str, b: &Tensor<2>, arg_b: &'static str) -> Result<()> {
    let (ra, rb) = (a.dims()[0], b.dims()[0]);
    if ra != rb {
        return Err(DcorError::LengthMismatch { arg_a, rows_a: ra, arg_b, rows_b: rb });
    }
    Ok(())
}

pub(crate) fn check_exponent(exponent: f64) -> Result<()> {
    if !(exponent > 0.0 && exponent < 2.0) {
        return Err(DcorError::ExponentOutOfRange { exponent });
    }
    Ok(())
}
