//! Typed errors: every failure names the argument, shape or value at fault.

use std::fmt;

/// Why a statistic could not be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum DcorError {
    /// A sample has no rows or no columns.
    Empty { arg: &'static str },
    /// Two samples that must be paired have different numbers of rows.
    LengthMismatch { arg_a: &'static str, rows_a: usize, arg_b: &'static str, rows_b: usize },
    /// Two samples that must live in the same space have different numbers of columns.
    DimensionMismatch { arg_a: &'static str, cols_a: usize, arg_b: &'static str, cols_b: usize },
    /// Too few observations for the estimator.
    TooFewRows { arg: &'static str, rows: usize, min: usize, what: &'static str },
    /// A NaN or infinite value at `(row, col)`.
    NonFinite { arg: &'static str, row: usize, col: usize, value: f64 },
    /// The distance exponent must lie in (0, 2).
    ExponentOutOfRange { exponent: f64 },
    /// A flat buffer does not have `rows * cols` elements.
    BadBuffer { arg: &'static str, len: usize, rows: usize, cols: usize },
    /// An argument outside its valid range (tile size 0, zero permutations, ...).
    InvalidArgument { arg: &'static str, reason: String },
    /// The statistic is not defined for this estimator (e.g. the square root of a signed U-statistic).
    NotDefined { what: &'static str, reason: &'static str },
}

impl fmt::Display for DcorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty { arg } => write!(f, "`{arg}` is empty: it needs at least one row and one column"),
            Self::LengthMismatch { arg_a, rows_a, arg_b, rows_b } => write!(
                f,
                "sample sizes must agree: `{arg_a}` has {rows_a} rows (observations) but `{arg_b}` has {rows_b}"
            ),
            Self::DimensionMismatch { arg_a, cols_a, arg_b, cols_b } => write!(
                f,
                "dimensions must agree: `{arg_a}` has {cols_a} columns but `{arg_b}` has {cols_b}"
            ),
            Self::TooFewRows { arg, rows, min, what } => {
                write!(f, "`{arg}` has {rows} rows, but {what} needs at least {min}")
            }
            Self::NonFinite { arg, row, col, value } => {
                write!(f, "`{arg}` holds a non-finite value ({value}) at row {row}, column {col}")
            }
            Self::ExponentOutOfRange { exponent } => write!(
                f,
                "exponent {exponent} is outside (0, 2): distance covariance characterises independence only there"
            ),
            Self::BadBuffer { arg, len, rows, cols } => write!(
                f,
                "`{arg}` has {len} values, which is not {rows} rows x {cols} columns"
            ),
            Self::InvalidArgument { arg, reason } => write!(f, "invalid `{arg}`: {reason}"),
            Self::NotDefined { what, reason } => write!(f, "{what} is not defined: {reason}"),
        }
    }
}

impl DcorError {
    /// Names the argument of an error raised while converting an unnamed buffer.
    pub(crate) fn for_arg(self, name: &'static str) -> Self {
        match self {
            Self::Empty { .. } => Self::Empty { arg: name },
            Self::BadBuffer { len, rows, cols, .. } => Self::BadBuffer { arg: name, len, rows, cols },
            other => other,
        }
    }
}

impl std::error::Error for DcorError {}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, DcorError>;
