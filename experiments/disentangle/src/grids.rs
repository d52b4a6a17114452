//! Image grids as PNG: reconstructions, attribute manipulation (every value of every
//! attribute) and attribute/residual swaps between samples.

use burn::tensor::{Device, Tensor};
use image::{Rgb, RgbImage};
use pdc_run::RunDir;

use crate::data::{FactorInfo, ImageSet};
use crate::evaluate::ResidualSource;
use crate::model::{Model, index_tensor};

const GAP: u32 = 2;

/// A grid of equally sized RGB tiles on a white background.
struct Grid {
    img: RgbImage,
    side: usize,
    zoom: usize,
}

impl Grid {
    fn new(rows: usize, cols: usize, side: usize) -> Self {
        let zoom = if side <= 32 { 2 } else { 1 };
        let t = (side * zoom) as u32 + GAP;
        Self { img: RgbImage::from_pixel(cols as u32 * t + GAP, rows as u32 * t + GAP, Rgb([255, 255, 255])), side, zoom }
    }

    /// Puts a C×H×W image with values in [0, 1] (clamped) at (row, col).
    fn put(&mut self, row: usize, col: usize, chw: &[f32]) {
        let (s, z) = (self.side, self.zoom);
        let t = (s * z) as u32 + GAP;
        let plane = s * s;
        for y in 0..s * z {
            for x in 0..s * z {
                let p = (y / z) * s + x / z;
                let px = |c: usize| (chw[(c * plane + p).min(chw.len() - 1)].clamp(0.0, 1.0) * 255.0).round() as u8;
                self.img.put_pixel(GAP + col as u32 * t + x as u32, GAP + row as u32 * t + y as u32, Rgb([px(0), px(1), px(2)]));
            }
        }
    }

    fn save(self, run: &RunDir, name: &str) -> Result<(), String> {
        let mut bytes = Vec::new();
        self.img.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).map_err(|e| format!("{name}: {e}"))?;
        run.write(name, &bytes)
    }
}

fn images(t: Tensor<4>) -> Vec<Vec<f32>> {
    let [b, c, h, w] = t.dims();
    let v = t.into_data().convert::<f32>().try_into_vec::<f32>().expect("float tensor");
    (0..b).map(|i| v[i * c * h * w..(i + 1) * c * h * w].to_vec()).collect()
}

/// Writes `<dir>/reconstructions.png`, `<dir>/manipulate-<attribute>.png` and `<dir>/swaps.png`
/// for the images `idx` of `set` (soft attribute codes, as at inference; residual from
/// `source`: table rows `idx` when `set` is the training set).
#[allow(clippy::too_many_arguments)]
pub fn write(run: &RunDir, dir: &str, model: &Model, set: &ImageSet, idx: &[usize], attributes: &[FactorInfo], factor_dim: usize, source: ResidualSource, device: &Device) -> Result<Vec<String>, String> {
    let n = idx.len();
    if n == 0 {
        return Err(format!("{dir}: no images to draw the grids with"));
    }
    let x = set.batch(idx, device);
    let side = set.shape[1];
    let (codes, _) = model.attribute_codes(x.clone(), None);
    let r = match source {
        ResidualSource::Table => model.latents.residuals.val().select(0, index_tensor(idx, device)),
        ResidualSource::Encoder => model.encoder.forward(x.clone()),
    };
    let originals = images(x);
    let recon = images(model.decode(codes.clone(), r.clone()));
    let mut files = Vec::new();
    // Row 1: originals; row 2: reconstructions.
    let mut g = Grid::new(2, n, side);
    for i in 0..n {
        g.put(0, i, &originals[i]);
        g.put(1, i, &recon[i]);
    }
    let name = format!("{dir}/reconstructions.png");
    g.save(run, &name)?;
    files.push(name);
    // One grid per attribute: rows = samples; columns = original, reconstruction, every value.
    for (j, a) in attributes.iter().enumerate() {
        let m = a.cardinality();
        let mut g = Grid::new(n, m + 2, side);
        for i in 0..n {
            g.put(i, 0, &originals[i]);
            g.put(i, 1, &recon[i]);
        }
        for v in 0..m {
            let out = images(model.decode(model.set_attribute(codes.clone(), j, v, factor_dim), r.clone()));
            for (i, img) in out.iter().enumerate() {
                g.put(i, v + 2, img);
            }
        }
        let name = format!("{dir}/manipulate-{}.png", a.name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "-"));
        g.save(run, &name)?;
        files.push(name);
    }
    // Swaps: cell (a + 1, b + 1) decodes [f(a); r(b)]; the first row shows the residual donors,
    // the first column the attribute donors.
    let mut g = Grid::new(n + 1, n + 1, side);
    for i in 0..n {
        g.put(0, i + 1, &originals[i]);
        g.put(i + 1, 0, &originals[i]);
    }
    for a in 0..n {
        let fa = codes.clone().slice([a..a + 1]).repeat_dim(0, n);
        let out = images(model.decode(fa, r.clone()));
        for (b, img) in out.iter().enumerate() {
            g.put(a + 1, b + 1, img);
        }
    }
    let name = format!("{dir}/swaps.png");
    g.save(run, &name)?;
    files.push(name);
    Ok(files)
}
