//! Class-name text embeddings (rows = classes, `.npy`) with their strings: the paper's "GT".

use std::path::Path;

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::error::{DataError, Result};

/// One embedding row per class, with the class names that were embedded.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassEmbeddings {
    pub names: Vec<String>,
    /// Row-major [classes, dim].
    pub vectors: Vec<f32>,
    pub dim: usize,
}

impl ClassEmbeddings {
    /// Reads `vectors.npy` ([classes, dim] f32/f64) and `names.txt` (one name per line).
    pub fn load(vectors: &Path, names: &Path) -> Result<Self> {
        let table = pdc_dcor::io::read_npy(vectors).map_err(|e| DataError::new(&e.path, e.reason))?;
        let text = std::fs::read_to_string(names).map_err(|e| DataError::new(names, format!("cannot read the class names: {e}")))?;
        let names_v: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
        if names_v.len() != table.rows {
            return Err(DataError::new(names, format!("{} class names, but {} holds {} rows", names_v.len(), vectors.display(), table.rows)));
        }
        Ok(Self { names: names_v, vectors: table.data.iter().map(|&v| v as f32).collect(), dim: table.cols })
    }

    /// A bundled set from `assets/class-names`: `fashion_mnist`, `mnist_digits`, `cifar10`,
    /// `cifar100`, `imagenet1k_first_synonym` or `imagenet1k_full` (all-MiniLM-L6-v2, 384-d).
    pub fn bundled(set: &str) -> Result<Self> {
        let dir = crate::assets::asset_dir("class-names")?;
        Self::load(&dir.join(format!("{set}_minilm_l6_v2.npy")), &dir.join(format!("{set}_names.txt")))
    }

    pub fn num_classes(&self) -> usize {
        self.names.len()
    }

    /// The [classes, dim] matrix as a tensor.
    pub fn to_tensor(&self, device: &Device) -> Tensor<2> {
        Tensor::from_data(TensorData::new(self.vectors.clone(), [self.names.len(), self.dim]), device)
    }

    /// The embedding of each sample's label: [batch, dim] (the GT of the paper's pdCor).
    pub fn for_labels(&self, table: &Tensor<2>, labels: Tensor<1, Int>) -> Tensor<2> {
        table.clone().select(0, labels)
    }
}
