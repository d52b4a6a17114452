//! Reading and writing feature matrices: NumPy `.npy` (f32/f64, C or Fortran order, 1-D or 2-D)
//! and numeric `.csv` (comma, semicolon, tab or space separated; one optional header line).

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// A file that could not be read as a matrix, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadError {
    pub path: PathBuf,
    pub reason: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

impl std::error::Error for ReadError {}

/// A dense row-major matrix of f64 read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub data: Vec<f64>,
    pub rows: usize,
    pub cols: usize,
}

impl Table {
    /// Borrowed view for the statistics.
    pub fn matrix(&self) -> crate::Matrix<'_> {
        crate::Matrix::new(&self.data, self.rows, self.cols).expect("a Table's buffer matches its shape")
    }
}

fn fail(path: &Path, reason: impl Into<String>) -> ReadError {
    ReadError { path: path.to_path_buf(), reason: reason.into() }
}

/// Reads `.npy` or `.csv` by extension.
pub fn read_matrix(path: &Path) -> Result<Table, ReadError> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("npy") => read_npy(path),
        Some("csv") | Some("txt") | Some("tsv") => read_csv(path),
        _ => Err(fail(path, "unknown file type: expected a .npy or .csv file")),
    }
}

/// Reads a NumPy `.npy` file holding a 1-D (one column) or 2-D array of `<f4` or `<f8`.
pub fn read_npy(path: &Path) -> Result<Table, ReadError> {
    let bytes = fs::read(path).map_err(|e| fail(path, format!("cannot read the file: {e}")))?;
    parse_npy(&bytes).map_err(|reason| fail(path, reason))
}

fn parse_npy(bytes: &[u8]) -> Result<Table, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (bad magic string)".into());
    }
    let major = bytes[6];
    let (header_len, start) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err("truncated .npy header".into());
            }
            (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12)
        }
        v => return Err(format!("unsupported .npy format version {v}")),
    };
    let end = start + header_len;
    if bytes.len() < end {
        return Err("truncated .npy header".into());
    }
    let header = std::str::from_utf8(&bytes[start..end]).map_err(|_| "the .npy header is not text")?;
    let field = |name: &str| -> Result<&str, String> {
        let key = format!("'{name}':");
        let at = header.find(&key).ok_or(format!("the .npy header has no '{name}' field"))?;
        Ok(header[at + key.len()..].trim_start())
    };
    let descr = field("descr")?;
    let descr = descr.trim_start_matches(['\'', '"']);
    let descr = &descr[..descr.find(['\'', '"']).ok_or("malformed 'descr' field")?];
    let width = match descr {
        "<f8" | "=f8" => 8,
        "<f4" | "=f4" => 4,
        other => return Err(format!("dtype '{other}' is not supported: save the array as float32 or float64 (little-endian)")),
    };
    let fortran = field("fortran_order")?.starts_with("True");
    let shape = field("shape")?;
    let (open, close) = (shape.find('(').ok_or("malformed 'shape' field")?, shape.find(')').ok_or("malformed 'shape' field")?);
    if close < open {
        return Err("malformed 'shape' field".into());
    }
    let shape = &shape[open + 1..close];
    let dims: Vec<usize> = shape
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| format!("malformed shape entry '{s}'")))
        .collect::<Result<_, _>>()?;
    let (rows, cols) = match dims.as_slice() {
        [n] => (*n, 1),
        [n, d] => (*n, *d),
        _ => return Err(format!("expected a 1-D or 2-D array, found shape {dims:?}")),
    };
    let count = rows.checked_mul(cols).filter(|c| c.checked_mul(width).is_some()).ok_or(format!("shape ({rows}, {cols}) is too large"))?;
    if count == 0 {
        return Err(format!("the array is empty (shape ({rows}, {cols}))"));
    }
    let body = &bytes[end..];
    if body.len() != count * width {
        return Err(format!("expected {} bytes of data for shape ({rows}, {cols}), found {}", count * width, body.len()));
    }
    let raw: Vec<f64> = if width == 8 {
        body.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()
    } else {
        body.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64).collect()
    };
    let data = if fortran && cols > 1 {
        (0..count).map(|k| raw[(k % cols) * rows + k / cols]).collect()
    } else {
        raw
    };
    Ok(Table { data, rows, cols })
}

/// Writes a 2-D f64 array as `.npy` (version 1.0, C order).
pub fn write_npy(path: &Path, data: &[f64], rows: usize, cols: usize) -> std::io::Result<()> {
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // Pad so that the data starts on a 64-byte boundary, ending the header with a newline.
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len() * 8);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fs::write(path, out)
}

/// Reads a numeric CSV: one observation per line; a first line that is not numeric is a header.
pub fn read_csv(path: &Path) -> Result<Table, ReadError> {
    let text = fs::read_to_string(path).map_err(|e| fail(path, format!("cannot read the file: {e}")))?;
    parse_csv(&text).map_err(|reason| fail(path, reason))
}

fn parse_csv(text: &str) -> Result<Table, String> {
    let mut data = Vec::new();
    let mut cols = None;
    let mut rows = 0;
    let mut header_seen = false;
    // One delimiter per file, taken from the first line: comma, semicolon, tab, else blanks.
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("");
    let delim = [',', ';', '\t'].into_iter().find(|d| first.contains(*d));
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = match delim {
            Some(d) => line.split(d).map(str::trim).collect(),
            None => line.split_whitespace().collect(),
        };
        if let Some(k) = fields.iter().position(|f| f.is_empty()) {
            return Err(format!("line {}: field {} is empty", lineno + 1, k + 1));
        }
        let parsed: Result<Vec<f64>, _> = fields.iter().map(|f| f.parse::<f64>()).collect();
        let values = match parsed {
            Ok(v) => v,
            Err(_) if rows == 0 && !header_seen => {
                header_seen = true; // one header line
                continue;
            }
            Err(_) => {
                let bad = fields.iter().find(|f| f.parse::<f64>().is_err()).unwrap_or(&"");
                return Err(format!("line {}: '{bad}' is not a number", lineno + 1));
            }
        };
        match cols {
            None => cols = Some(values.len()),
            Some(c) if c != values.len() => {
                return Err(format!("line {}: {} columns, but earlier lines have {c}", lineno + 1, values.len()));
            }
            _ => {}
        }
        data.extend(values);
        rows += 1;
    }
    let cols = cols.ok_or("no numeric rows")?;
    Ok(Table { data, rows, cols })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_round_trip_and_errors() {
        let dir = std::env::temp_dir().join(format!("pdc-io-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.npy");
        let data = [1.0, -2.5, 3.25, 4.0, 5.0, 6.0];
        write_npy(&p, &data, 3, 2).unwrap();
        let t = read_matrix(&p).unwrap();
        assert_eq!((t.rows, t.cols, t.data.as_slice()), (3, 2, &data[..]));
        // f32, Fortran order, 2 x 3: column-major bytes 1 2 | 3 4 | 5 6 → rows [1 3 5], [2 4 6].
        let mut f32_fortran = b"\x93NUMPY\x01\x00".to_vec();
        let header = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n";
        f32_fortran.extend_from_slice(&(header.len() as u16).to_le_bytes());
        f32_fortran.extend_from_slice(header.as_bytes());
        for v in [1f32, 2., 3., 4., 5., 6.] {
            f32_fortran.extend_from_slice(&v.to_le_bytes());
        }
        let t = parse_npy(&f32_fortran).unwrap();
        assert_eq!(t.data, vec![1., 3., 5., 2., 4., 6.]);
        let truncated = &f32_fortran[..f32_fortran.len() - 3];
        assert!(parse_npy(truncated).unwrap_err().contains("expected 24 bytes"));
        assert!(parse_npy(b"hello world").unwrap_err().contains("magic"));
        let mut huge = b"\x93NUMPY\x01\x00".to_vec();
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n";
        huge.extend_from_slice(&(header.len() as u16).to_le_bytes());
        huge.extend_from_slice(header.as_bytes());
        assert!(parse_npy(&huge).unwrap_err().contains("too large"));
        let mut empty = b"\x93NUMPY\x01\x00".to_vec();
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }\n";
        empty.extend_from_slice(&(header.len() as u16).to_le_bytes());
        empty.extend_from_slice(header.as_bytes());
        assert!(parse_npy(&empty).unwrap_err().contains("empty"));
        let e = read_matrix(&dir.join("missing.npy")).unwrap_err();
        assert!(e.to_string().contains("missing.npy") && e.reason.contains("cannot read"));
        fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn csv_with_header_and_errors() {
        let t = parse_csv("a,b\n1,2\n3,4\n\n5,6\n").unwrap();
        assert_eq!((t.rows, t.cols), (3, 2));
        assert_eq!(t.data, vec![1., 2., 3., 4., 5., 6.]);
        assert!(parse_csv("1,2\n3\n").unwrap_err().contains("line 2: 1 columns"));
        assert!(parse_csv("1,2\n3,x\n").unwrap_err().contains("'x' is not a number"));
        assert!(parse_csv("a,b\n").unwrap_err().contains("no numeric rows"));
        assert!(parse_csv("1,2\n3,,\n").unwrap_err().contains("line 2: field 2 is empty"));
        assert!(parse_csv("a,b\nc,d\n1,2\n").unwrap_err().contains("line 2: 'c'"));
        let t = parse_csv("1.5;2\n3;4\n").unwrap();
        assert_eq!((t.rows, t.cols), (2, 2));
        let t = parse_csv("1 2  3\n4 5 6\n").unwrap();
        assert_eq!((t.rows, t.cols), (2, 3));
    }
}
