//! Minimal line plots as PNG (no fonts: the axes and colours are described in results.md).

use std::path::Path;

use image::{Rgb, RgbImage};

/// Distinct colours for series, in order: blue, orange, green, red, purple.
pub const COLOURS: [[u8; 3]; 5] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189]];
pub const COLOUR_NAMES: [&str; 5] = ["blue", "orange", "green", "red", "purple"];

/// Plots `series` (y values at `xs`) with y in [y_min, y_max]; x positions are spread evenly in
/// the order given. Light grid lines mark quarters of the y range.
pub fn line_plot(path: &Path, xs: &[f64], series: &[Vec<f64>], y_min: f64, y_max: f64) -> Result<(), String> {
    let (w, h, m) = (640u32, 420u32, 40i64);
    let mut img = RgbImage::from_pixel(w, h, Rgb([255, 255, 255]));
    let (pw, ph) = (w as i64 - 2 * m, h as i64 - 2 * m);
    let px = |i: usize| m + if xs.len() > 1 { i as i64 * pw / (xs.len() as i64 - 1) } else { pw / 2 };
    let py = |y: f64| m + ph - ((y.clamp(y_min, y_max) - y_min) / (y_max - y_min) * ph as f64).round() as i64;
    let put = |img: &mut RgbImage, x: i64, y: i64, c: [u8; 3]| {
        if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
            img.put_pixel(x as u32, y as u32, Rgb(c));
        }
    };
    for q in 0..=4 {
        let y = py(y_min + (y_max - y_min) * q as f64 / 4.0);
        for x in m..=m + pw {
            put(&mut img, x, y, if q == 0 { [0, 0, 0] } else { [220, 220, 220] });
        }
    }
    for y in m..=m + ph {
        put(&mut img, m, y, [0, 0, 0]);
    }
    for i in 0..xs.len() {
        for d in 0..6 {
            put(&mut img, px(i), m + ph + d, [0, 0, 0]);
        }
    }
    for (s, ys) in series.iter().enumerate() {
        let c = COLOURS[s % COLOURS.len()];
        for i in 0..ys.len() {
            let (x0, y0) = (px(i), py(ys[i]));
            for dx in -3..=3 {
                for dy in -3..=3 {
                    put(&mut img, x0 + dx, y0 + dy, c);
                }
            }
            if i + 1 < ys.len() {
                let (x1, y1) = (px(i + 1), py(ys[i + 1]));
                let steps = (x1 - x0).abs().max((y1 - y0).abs()).max(1);
                for t in 0..=steps {
                    let x = x0 + (x1 - x0) * t / steps;
                    let y = y0 + (y1 - y0) * t / steps;
                    for d in -1..=1 {
                        put(&mut img, x, y + d, c);
                    }
                }
            }
        }
    }
    save_png(&img, path)
}

/// Writes a PNG atomically (a temporary file, then a rename), so a failed write never leaves a
/// truncated image in place of a good one.
pub fn save_png(img: &RgbImage, path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("png-tmp");
    img.save_with_format(&tmp, image::ImageFormat::Png).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A perceptually ordered colour map (dark blue → teal → yellow, close to viridis) for t in [0, 1].
pub fn colormap(t: f64) -> [u8; 3] {
    const STOPS: [[f64; 3]; 5] = [[68.0, 1.0, 84.0], [59.0, 82.0, 139.0], [33.0, 145.0, 140.0], [94.0, 201.0, 98.0], [253.0, 231.0, 37.0]];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let pos = t * (STOPS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(STOPS.len() - 2);
    let f = pos - i as f64;
    std::array::from_fn(|c| (STOPS[i][c] + f * (STOPS[i + 1][c] - STOPS[i][c])).round() as u8)
}

/// Heat map of `rows × cols` values (row 0 at the top), each value mapped from [lo, hi] through
/// [`colormap`] and drawn as a `cell`-pixel square; non-finite values are grey.
pub fn heat_map(path: &Path, values: &[Vec<f64>], lo: f64, hi: f64, cell: u32) -> Result<(), String> {
    let rows = values.len() as u32;
    let cols = values.first().map_or(0, |r| r.len()) as u32;
    if rows == 0 || cols == 0 || values.iter().any(|r| r.len() as u32 != cols) {
        return Err(format!("{}: a heat map needs a non-empty rectangular matrix", path.display()));
    }
    let mut img = RgbImage::new(cols * cell, rows * cell);
    for (i, row) in values.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            let c = if v.is_finite() { colormap((v - lo) / (hi - lo)) } else { [128, 128, 128] };
            for dy in 0..cell {
                for dx in 0..cell {
                    img.put_pixel(j as u32 * cell + dx, i as u32 * cell + dy, Rgb(c));
                }
            }
        }
    }
    save_png(&img, path)
}
