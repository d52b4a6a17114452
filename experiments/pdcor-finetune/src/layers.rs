//! Fig. 3: layer-by-layer dCor² between every named activation of X and of Y (and within each
//! net), averaged over mini-batches.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use pdc_dcor::Dcor;
use pdc_models::{Classifier, Taps};
use pdc_run::study::StudyData;
use serde::{Deserialize, Serialize};

use crate::config::Layers;
use crate::nets::{Net, batch};

/// The averaged (L_x + L_y)² similarity matrix of all layers, X's first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerMap {
    pub x_layers: Vec<String>,
    pub y_layers: Vec<String>,
    /// Row-major, `names.len()` square; entry [i][j] pairs layer i with layer j.
    pub matrix: Vec<Vec<f64>>,
    pub estimator: String,
    pub batches: usize,
}

impl LayerMap {
    /// The X-rows × Y-columns block.
    pub fn cross(&self) -> Vec<Vec<f64>> {
        let lx = self.x_layers.len();
        self.matrix[..lx].iter().map(|r| r[lx..].to_vec()).collect()
    }

    /// The square block of X (`x = true`) or Y.
    pub fn within(&self, x: bool) -> Vec<Vec<f64>> {
        let lx = self.x_layers.len();
        let r = if x { 0..lx } else { lx..self.matrix.len() };
        self.matrix[r.clone()].iter().map(|row| row[r.clone()].to_vec()).collect()
    }

    /// CSV with a header row and a name column.
    pub fn csv(&self) -> String {
        let names: Vec<String> = self.x_layers.iter().map(|n| format!("X:{n}")).chain(self.y_layers.iter().map(|n| format!("Y:{n}"))).collect();
        let mut s = format!("layer,{}\n", names.join(","));
        for (name, row) in names.iter().zip(&self.matrix) {
            let vals: Vec<String> = row.iter().map(|v| format!("{v:.6}")).collect();
            s.push_str(&format!("{name},{}\n", vals.join(",")));
        }
        s
    }
}

fn activations(net: &Net, x: Tensor<4>) -> (Vec<String>, Vec<Tensor<2>>) {
    let mut taps = Taps::all();
    net.forward_taps(x, &mut taps);
    taps.into_values().into_iter().unzip()
}

/// Averages the layer-by-layer matrix over the given batches (eval mode).
pub fn layer_map(x_net: &Net, y_net: &Net, data: &StudyData, batches: &[Vec<usize>], cfg: &Layers, device: &Device) -> Result<LayerMap, String> {
    let plain = device.clone().inner();
    let (mx, my) = (x_net.valid(), y_net.valid());
    let stat = if cfg.estimator == "v" { Dcor::v() } else { Dcor::u() };
    let mut sum: Option<Vec<Vec<f64>>> = None;
    let (mut x_layers, mut y_layers) = (Vec::new(), Vec::new());
    for idx in batches {
        let (images, _, _) = batch(data, idx, &plain)?;
        let (xn, mut acts) = activations(&mx, images.clone());
        let (yn, ya) = activations(&my, images);
        acts.extend(ya);
        let m = stat.correlation_sqr_matrix(&acts, &acts).map_err(|e| e.to_string())?;
        sum = Some(match sum {
            None => m,
            Some(s) => s.iter().zip(&m).map(|(a, b)| a.iter().zip(b).map(|(p, q)| p + q).collect()).collect(),
        });
        (x_layers, y_layers) = (xn, yn);
    }
    let k = batches.len();
    let matrix = sum.ok_or("layers: no batch")?.into_iter().map(|r| r.into_iter().map(|v| v / k as f64).collect()).collect();
    Ok(LayerMap { x_layers, y_layers, matrix, estimator: cfg.estimator.clone(), batches: k })
}
