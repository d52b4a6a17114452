//! Decoding image files to C×H×W u8, with resizing, and decoding many files in parallel.

use std::path::Path;

use image::imageops::FilterType;

use crate::error::{DataError, Result};

/// How a decoded image is brought to the model's input size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resize {
    /// Resize to exactly `size`×`size` (aspect ratio not kept; for pre-aligned square crops).
    Square(u32),
    /// torchvision's `Resize(shorter)` then `CenterCrop(crop)` (ImageNet evaluation).
    ShorterThenCrop { shorter: u32, crop: u32 },
}

/// Decodes an image file to RGB (or grey, for `channels == 1`) C×H×W u8.
pub fn decode(path: &Path, resize: Resize, channels: usize) -> Result<(Vec<u8>, [usize; 3])> {
    let img = image::open(path).map_err(|e| DataError::new(path, format!("cannot decode the image: {e}")))?;
    let img = match resize {
        Resize::Square(s) => img.resize_exact(s, s, FilterType::Triangle),
        Resize::ShorterThenCrop { shorter, crop } => {
            let (w, h) = (img.width(), img.height());
            let scale = shorter as f64 / w.min(h) as f64;
            let (nw, nh) = (((w as f64 * scale).round() as u32).max(crop), ((h as f64 * scale).round() as u32).max(crop));
            let resized = img.resize_exact(nw, nh, FilterType::Triangle);
            resized.crop_imm((nw - crop) / 2, (nh - crop) / 2, crop, crop)
        }
    };
    let (w, h) = (img.width() as usize, img.height() as usize);
    let pixels = if channels == 1 {
        img.to_luma8().into_raw()
    } else {
        let rgb = img.to_rgb8().into_raw();
        // HWC → CHW.
        let mut chw = vec![0u8; rgb.len()];
        for (i, px) in rgb.chunks_exact(3).enumerate() {
            for c in 0..3 {
                chw[c * h * w + i] = px[c];
            }
        }
        chw
    };
    Ok((pixels, [channels, h, w]))
}

/// Runs `f` over `items` on all cores, keeping the order; the first error wins.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> Result<R> + Sync) -> Result<Vec<R>> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(items.len().max(1));
    let chunk = items.len().div_ceil(threads).max(1);
    let parts: Vec<Result<Vec<R>>> = std::thread::scope(|s| {
        let handles: Vec<_> = items.chunks(chunk).map(|c| s.spawn(|| c.iter().map(&f).collect::<Result<Vec<R>>>())).collect();
        handles.into_iter().map(|h| h.join().expect("decoder thread panicked")).collect()
    });
    let mut out = Vec::with_capacity(items.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}
