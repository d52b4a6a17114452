//! Grad-CAM whose target is a batch-level statistic (paper §5.3, Fig. 4): R*(X, GT) for one net,
//! or R²((X|Y), GT) for X conditioned on Y. The target depends on the whole batch, so each
//! image's map does too. Weights are spatial means of the gradients, then ReLU and min–max
//! scaling (standard Grad-CAM).

use std::path::Path;

use burn::module::Module;
use burn::tensor::Tensor;
use image::{Rgb, RgbImage};
use pdc_data::ImageItem;
use pdc_models::{Classifier, Taps};
use pdc_run::plot::{colormap, save_png};
use serde::{Deserialize, Serialize};

use crate::config::NetSpec;
use crate::nets::Net;

/// Maps of one target for every image of the batch, each on a `grid` = (rows, cols) grid in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cam {
    pub name: String,
    /// Value of the target statistic on the batch.
    pub target: f64,
    pub layer: String,
    pub grid: (usize, usize),
    pub maps: Vec<Vec<f32>>,
}

/// Grad-CAM of `net` (autodiff device, eval mode inside) at `layer` for the batch `images`
/// (autodiff), with `target(features)` the scalar whose gradient is taken.
pub fn grad_cam<F>(name: &str, net: &Net, spec: &NetSpec, layer: &str, images: Tensor<4>, target: F) -> Result<Cam, String>
where
    F: FnOnce(Tensor<2>) -> Result<Tensor<1>, String>,
{
    // Frozen: batch norm uses its running statistics although the input is on autodiff.
    let frozen = net.clone().freeze();
    let wanted: Vec<String> = spec.features.iter().cloned().collect();
    let mut taps = Taps::only(&wanted).and_gradient_at(layer);
    let out = frozen.forward_taps(images, &mut taps);
    let names = taps.names().to_vec();
    let leaf = taps.take_leaf().ok_or_else(|| format!("gradcam: {} has no layer \"{layer}\"; the layers are {}", spec.name, names.join(", ")))?;
    let features = match &spec.features {
        None => out.features,
        Some(_) => taps.into_values().pop().ok_or("gradcam: the feature layer was not reached")?.1,
    };
    let t = target(features)?;
    let value = t.clone().into_scalar::<f64>();
    let grads = t.backward();
    let g: Vec<f32> = leaf.gradient(&grads).ok_or("gradcam: the target does not depend on the layer")?.into_data().iter::<f32>().collect();
    let a: Vec<f32> = leaf.activation.into_data().iter::<f32>().collect();
    let (grid, maps) = cam_maps(&leaf.shape, &a, &g)?;
    Ok(Cam { name: name.into(), target: value, layer: layer.into(), grid, maps })
}

/// Grad-CAM maps from an activation and its gradient (both flattened row-major): [b, c, h, w]
/// maps (channels c, positions h·w), or [b, tokens, dim] token sequences (positions = tokens,
/// a leading class token dropped when the rest form a square grid).
pub fn cam_maps(shape: &[usize], act: &[f32], grad: &[f32]) -> Result<((usize, usize), Vec<Vec<f32>>), String> {
    // (channels, positions, grid, offset of the first spatial token, channel-major?)
    let (b, channels, positions, grid, skip, channel_major) = match *shape {
        [b, c, h, w] => (b, c, h * w, (h, w), 0, true),
        [b, t, d] => {
            let side = |n: usize| (n as f64).sqrt().round() as usize;
            if t > 1 && side(t - 1).pow(2) == t - 1 {
                (b, d, t - 1, (side(t - 1), side(t - 1)), 1, false)
            } else if side(t).pow(2) == t {
                (b, d, t, (side(t), side(t)), 0, false)
            } else {
                return Err(format!("gradcam: {t} tokens do not form a square grid"));
            }
        }
        _ => return Err(format!("gradcam: cannot map an activation of shape {shape:?}")),
    };
    let per = act.len() / b.max(1);
    let at = |v: &[f32], i: usize, ch: usize, p: usize| -> f32 {
        if channel_major { v[i * per + ch * positions + p] } else { v[i * per + (p + skip) * channels + ch] }
    };
    let mut maps = Vec::with_capacity(b);
    for i in 0..b {
        let w: Vec<f32> = (0..channels).map(|ch| (0..positions).map(|p| at(grad, i, ch, p)).sum::<f32>() / positions as f32).collect();
        let raw: Vec<f32> = (0..positions).map(|p| (0..channels).map(|ch| w[ch] * at(act, i, ch, p)).sum::<f32>().max(0.0)).collect();
        let (lo, hi) = raw.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
        maps.push(if hi > lo { raw.iter().map(|v| (v - lo) / (hi - lo)).collect() } else { vec![0.0; positions] });
    }
    Ok((grid, maps))
}

/// Bilinear sample of a (rows, cols) map at a point given in [0, 1)² image coordinates.
fn sample(map: &[f32], grid: (usize, usize), u: f64, v: f64) -> f64 {
    let (gh, gw) = grid;
    let y = (v * gh as f64 - 0.5).clamp(0.0, (gh - 1) as f64);
    let x = (u * gw as f64 - 0.5).clamp(0.0, (gw - 1) as f64);
    let (y0, x0) = (y.floor() as usize, x.floor() as usize);
    let (y1, x1) = ((y0 + 1).min(gh - 1), (x0 + 1).min(gw - 1));
    let (fy, fx) = (y - y0 as f64, x - x0 as f64);
    let m = |r: usize, c: usize| map[r * gw + c] as f64;
    (1.0 - fy) * ((1.0 - fx) * m(y0, x0) + fx * m(y0, x1)) + fy * ((1.0 - fx) * m(y1, x0) + fx * m(y1, x1))
}

/// The image (grey or RGB) at `scale`, optionally blended half-and-half with a CAM.
fn tile(item: &ImageItem, cam: Option<(&[f32], (usize, usize))>, scale: u32) -> RgbImage {
    let [c, h, w] = item.shape;
    RgbImage::from_fn(w as u32 * scale, h as u32 * scale, |px, py| {
        let (x, y) = ((px / scale) as usize, (py / scale) as usize);
        let pix = |ch: usize| item.pixels[ch.min(c - 1) * h * w + y * w + x] as f64;
        let base = [pix(0), pix(1), pix(2)];
        match cam {
            None => Rgb(base.map(|v| v as u8)),
            Some((map, grid)) => {
                let u = (px as f64 + 0.5) / (w as f64 * scale as f64);
                let v = (py as f64 + 0.5) / (h as f64 * scale as f64);
                let col = colormap(sample(map, grid, u, v));
                Rgb(std::array::from_fn(|k| (0.5 * base[k] + 0.5 * col[k] as f64).round() as u8))
            }
        }
    })
}

/// Writes `dir/grid.png` (rows: images; columns: the input, then one overlay per CAM) and one
/// overlay per image and CAM (`dir/<cam>/<i>.png`).
pub fn write_overlays(dir: &Path, items: &[ImageItem], cams: &[Cam], scale: u32) -> Result<(), String> {
    let [_, h, w] = items[0].shape;
    let (tw, th, gap) = (w as u32 * scale, h as u32 * scale, 2u32);
    let cols = 1 + cams.len() as u32;
    let mut grid = RgbImage::from_pixel(cols * (tw + gap) - gap, items.len() as u32 * (th + gap) - gap, Rgb([255, 255, 255]));
    for (i, item) in items.iter().enumerate() {
        let mut tiles = vec![tile(item, None, scale)];
        for cam in cams {
            let t = tile(item, Some((&cam.maps[i], cam.grid)), scale);
            save_png(&t, &dir.join(&cam.name).join(format!("{i}.png")))?;
            tiles.push(t);
        }
        for (k, t) in tiles.iter().enumerate() {
            image::imageops::replace(&mut grid, t, (k as u32 * (tw + gap)) as i64, (i as u32 * (th + gap)) as i64);
        }
    }
    save_png(&grid, &dir.join("grid.png"))
}
