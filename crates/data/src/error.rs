//! Data errors name the file, the record and what is wrong.

use std::fmt;
use std::path::{Path, PathBuf};

/// A dataset file that could not be used.
#[derive(Debug, Clone, PartialEq)]
pub struct DataError {
    /// The file or folder at fault.
    pub path: PathBuf,
    /// The record (image, row, line) at fault, when there is one.
    pub record: Option<String>,
    /// What is wrong, and for missing data where to get it.
    pub reason: String,
}

impl DataError {
    pub(crate) fn new(path: &Path, reason: impl Into<String>) -> Self {
        Self { path: path.to_path_buf(), record: None, reason: reason.into() }
    }

    pub(crate) fn at(path: &Path, record: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { path: path.to_path_buf(), record: Some(record.into()), reason: reason.into() }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.record {
            Some(r) => write!(f, "{}: {r}: {}", self.path.display(), self.reason),
            None => write!(f, "{}: {}", self.path.display(), self.reason),
        }
    }
}

impl std::error::Error for DataError {}

pub type Result<T> = std::result::Result<T, DataError>;

/// Reads a whole file, gunzipping it when it is gzip-compressed (by magic bytes, not by name).
pub(crate) fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let raw = std::fs::read(path).map_err(|e| DataError::new(path, format!("cannot read the file: {e}")))?;
    if raw.len() >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| DataError::new(path, format!("corrupt gzip stream: {e}")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}
