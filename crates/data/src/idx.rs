//! IDX files (MNIST, Fashion-MNIST), raw or gzip: images (magic 0x00000803) and labels (0x00000801).

use std::path::{Path, PathBuf};

use crate::error::{DataError, Result, read_maybe_gz};
use crate::images::InMemoryImages;

/// Parses an IDX header: returns the dimensions and the offset of the data.
fn header(path: &Path, bytes: &[u8], ndim: u8) -> Result<(Vec<usize>, usize)> {
    if bytes.len() < 4 {
        return Err(DataError::new(path, format!("truncated IDX header: {} bytes, at least 4 needed", bytes.len())));
    }
    if bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08 || bytes[3] != ndim {
        return Err(DataError::new(
            path,
            format!(
                "wrong IDX magic {:02x}{:02x}{:02x}{:02x}: expected 000008{ndim:02x} (unsigned bytes, {ndim} dimensions)",
                bytes[0], bytes[1], bytes[2], bytes[3]
            ),
        ));
    }
    let start = 4 + 4 * ndim as usize;
    if bytes.len() < start {
        return Err(DataError::new(path, format!("truncated IDX header: {} bytes, {start} needed for {ndim} dimensions", bytes.len())));
    }
    let dims = (0..ndim as usize).map(|i| u32::from_be_bytes(bytes[4 + 4 * i..8 + 4 * i].try_into().unwrap()) as usize).collect();
    Ok((dims, start))
}

/// Reads an IDX image file ([N, H, W] u8) and its label file ([N] u8), checking that the counts
/// agree and that every label is below `class_names.len()`.
pub fn read_idx(images: &Path, labels: &Path, class_names: Vec<String>) -> Result<InMemoryImages> {
    let img = read_maybe_gz(images)?;
    let (dims, start) = header(images, &img, 3)?;
    let (n, h, w) = (dims[0], dims[1], dims[2]);
    let size = h * w;
    let have = img.len() - start;
    if have != n * size {
        let complete = have / size.max(1);
        return Err(DataError::at(
            images,
            format!("image {complete}"),
            format!("the header promises {n} images of {h}x{w} ({} bytes) but the file holds {have} bytes", n * size),
        ));
    }
    let lab = read_maybe_gz(labels)?;
    let (ldims, lstart) = header(labels, &lab, 1)?;
    if ldims[0] != n || lab.len() - lstart != n {
        return Err(DataError::new(labels, format!("{} labels (file holds {} bytes) for {n} images in {}", ldims[0], lab.len() - lstart, images.display())));
    }
    let k = class_names.len();
    let labels_u16: Vec<u16> = lab[lstart..].iter().map(|&l| l as u16).collect();
    if let Some(i) = labels_u16.iter().position(|&l| l as usize >= k) {
        return Err(DataError::at(labels, format!("label {i}"), format!("value {} is out of range for {k} classes", labels_u16[i])));
    }
    Ok(InMemoryImages::new(img[start..].to_vec(), labels_u16, [1, h, w], class_names))
}

/// Train or test split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    Test,
}

/// The ten Fashion-MNIST classes, in label order.
pub const FASHION_MNIST_CLASSES: [&str; 10] = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

/// Fashion-MNIST from a folder holding the four standard files (gz or not).
pub fn fashion_mnist(dir: &Path, split: Split) -> Result<InMemoryImages> {
    let prefix = match split {
        Split::Train => "train",
        Split::Test => "t10k",
    };
    let find = |kind: &str| -> Result<PathBuf> {
        let name = format!("{prefix}-{kind}-idx{}-ubyte", if kind == "images" { 3 } else { 1 });
        [dir.join(format!("{name}.gz")), dir.join(&name)].into_iter().find(|p| p.exists()).ok_or_else(|| {
            DataError::new(
                dir,
                format!(
                    "{name}[.gz] not found. Fashion-MNIST ships in assets/fashion-mnist; otherwise get the four files from \
                     https://github.com/zalandoresearch/fashion-mnist (data/fashion) or `apt-get install dataset-fashion-mnist` \
                     (/usr/share/datasets/fashion-mnist)"
                ),
            )
        })
    };
    read_idx(&find("images")?, &find("labels")?, FASHION_MNIST_CLASSES.iter().map(|s| s.to_string()).collect())
}
