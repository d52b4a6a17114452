//! The study's images and labels in memory: training images (with partial attribute labels),
//! held-out images, and the ground-truth factors used only for evaluation.

use burn::tensor::{Device, Tensor, TensorData};
use pdc_data::{AttributeSpec, FaceDataset, Rng, Sprites};

use crate::config::DataSpec;

/// A named discrete factor with its number of values.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorInfo {
    pub name: String,
    pub values: Vec<String>,
}

impl FactorInfo {
    pub fn cardinality(&self) -> usize {
        self.values.len()
    }
}

/// A set of images with their true factor values (for evaluation; -1 = unknown).
#[derive(Debug, Clone)]
pub struct ImageSet {
    /// [N, C, H, W] in [0, 1], row-major.
    pub pixels: Vec<f32>,
    pub shape: [usize; 3],
    /// True attribute values per image (-1 = unknown), [N][k].
    pub attributes: Vec<Vec<i64>>,
    /// True residual factor values (sprites only), [N][r].
    pub residual_factors: Vec<Vec<i64>>,
}

impl ImageSet {
    pub fn len(&self) -> usize {
        self.attributes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty()
    }

    fn plane(&self) -> usize {
        self.shape.iter().product()
    }

    /// Images `idx` as a [B, C, H, W] tensor.
    pub fn batch(&self, idx: &[usize], device: &Device) -> Tensor<4> {
        let p = self.plane();
        let mut data = Vec::with_capacity(idx.len() * p);
        for &i in idx {
            data.extend_from_slice(&self.pixels[i * p..(i + 1) * p]);
        }
        let [c, h, w] = self.shape;
        Tensor::from_data(TensorData::new(data, [idx.len(), c, h, w]), device)
    }
}

/// Everything a run needs from the data.
#[derive(Debug, Clone)]
pub struct StudyData {
    pub name: String,
    pub attributes: Vec<FactorInfo>,
    pub residual_factors: Vec<FactorInfo>,
    pub train: ImageSet,
    /// Training labels seen by the model: -1 where unlabelled, [N][k].
    pub labels: Vec<Vec<i64>>,
    /// Training images with at least one label (the labelled batches draw from these).
    pub labelled: Vec<usize>,
    pub eval: ImageSet,
}

fn to_f32(pixels: &[u8]) -> impl Iterator<Item = f32> + '_ {
    pixels.iter().map(|&v| v as f32 / 255.0)
}

fn sprites(resolution: usize, train: usize, n_labels: usize, eval: usize, seed: u64) -> StudyData {
    let sprites = Sprites { resolution, ..Sprites::default() };
    let order = Rng(seed).permutation(Sprites::count());
    let residual = sprites.residual_factors();
    let set = |ids: &[usize]| {
        let mut pixels = Vec::with_capacity(ids.len() * 3 * resolution * resolution);
        let (mut attributes, mut residual_factors) = (Vec::new(), Vec::new());
        for &i in ids {
            let item = sprites.render(i);
            pixels.extend(to_f32(&item.pixels));
            attributes.push(sprites.attribute_values(&item.factors).into_iter().map(|v| v as i64).collect());
            residual_factors.push(residual.iter().map(|f| item.factors[pdc_data::Factor::ALL.iter().position(|g| g == f).unwrap()] as i64).collect());
        }
        ImageSet { pixels, shape: [3, resolution, resolution], attributes, residual_factors }
    };
    let train_set = set(&order[..train]);
    let eval_set = set(&order[train..train + eval]);
    // The training order is random, so its first n_labels images are a random labelled subset,
    // labelled for every attribute (ZeroDIM's shared `label_idx`).
    let labels = train_set.attributes.iter().enumerate().map(|(i, a)| if i < n_labels { a.clone() } else { vec![-1; a.len()] }).collect();
    let info = |f: pdc_data::Factor| FactorInfo { name: f.name().into(), values: (0..f.cardinality()).map(|v| v.to_string()).collect() };
    StudyData {
        name: format!("procedural sprites {resolution}×{resolution} (attributes shape, hue, scale; residual x, y, background)"),
        attributes: sprites.attributes.iter().map(|&f| info(f)).collect(),
        residual_factors: residual.iter().map(|&f| info(f)).collect(),
        train: train_set,
        labels,
        labelled: (0..n_labels).collect(),
        eval: eval_set,
    }
}

fn faces(faces: FaceDataset, name: String, eval: usize, seed: u64) -> Result<StudyData, String> {
    let n = faces.items().len();
    if eval >= n {
        return Err(format!("{name}: {n} images, but data.eval = {eval} leaves none for training"));
    }
    let order = Rng(seed).permutation(n);
    let first = faces.items().first().ok_or_else(|| format!("{name}: no images"))?;
    let shape = first.shape;
    let set = |ids: &[usize]| {
        let mut pixels = Vec::new();
        let mut attributes = Vec::new();
        for &i in ids {
            let it = &faces.items()[i];
            pixels.extend(to_f32(&it.pixels));
            attributes.push(it.labels.iter().map(|l| l.map_or(-1, |v| v as i64)).collect::<Vec<i64>>());
        }
        ImageSet { pixels, shape, residual_factors: vec![Vec::new(); ids.len()], attributes }
    };
    let train = set(&order[eval..]);
    let eval_set = set(&order[..eval]);
    let labels = train.attributes.clone();
    let labelled = labels.iter().enumerate().filter(|(_, l)| l.iter().any(|&v| v >= 0)).map(|(i, _)| i).collect::<Vec<_>>();
    if labelled.is_empty() {
        return Err(format!("{name}: no training image has a label"));
    }
    let attributes = faces.attributes().iter().map(|a| FactorInfo { name: a.name.clone(), values: a.values.clone() }).collect();
    Ok(StudyData { name, attributes, residual_factors: Vec::new(), train, labels, labelled, eval: eval_set })
}

/// Loads (or renders) the data of a spec.
pub fn load(spec: &DataSpec) -> Result<StudyData, String> {
    match spec {
        DataSpec::Sprites { resolution, train, n_labels, eval, data_seed } => Ok(sprites(*resolution, *train, *n_labels, *eval, *data_seed)),
        DataSpec::BundledFaces { resolution, eval, data_seed } => {
            let f = FaceDataset::bundled(*resolution as u32).map_err(|e| e.to_string())?;
            faces(f, format!("bundled face portraits {resolution}×{resolution}"), *eval, *data_seed)
        }
        DataSpec::FaceFolder { dir, csv, attributes, resolution, eval, data_seed } => {
            let specs: Vec<AttributeSpec> = attributes.iter().map(|a| AttributeSpec::categorical(a)).collect();
            let f = FaceDataset::load(dir, csv, &specs, *resolution as u32).map_err(|e| e.to_string())?;
            faces(f, format!("faces from {} ({resolution}×{resolution})", dir.display()), *eval, *data_seed)
        }
    }
}
