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
    let tmp = path.with_extension("png-tmp");
    img.save_with_format(&tmp, image::ImageFormat::Png).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}
