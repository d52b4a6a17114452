//! The image-classification datasets the experiments share: Fashion-MNIST (bundled), CIFAR-10
//! binary batches and ImageNet-layout folders, with their normalisation.

use std::path::PathBuf;

use burn::data::dataset::Dataset;
use pdc_data::{DataError, ImageFolder, ImageItem, InMemoryImages, Normalize, Resize, Split};

use serde::{Deserialize, Serialize};

/// Where the images come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DatasetSpec {
    /// Fashion-MNIST; `dir` defaults to the bundled assets/fashion-mnist.
    FashionMnist { dir: Option<PathBuf> },
    /// CIFAR-10 binary batches (`cifar-10-batches-bin`).
    Cifar10 { dir: PathBuf },
    /// ImageNet-layout folders (train and val/test), resized to 256 and centre-cropped to 224.
    ImageFolder { train: PathBuf, test: PathBuf, class_index: Option<PathBuf> },
}

impl DatasetSpec {
    /// A short description for reports.
    pub fn describe(&self) -> String {
        match self {
            DatasetSpec::FashionMnist { dir: None } => "Fashion-MNIST (bundled)".into(),
            DatasetSpec::FashionMnist { dir: Some(d) } => format!("Fashion-MNIST ({})", d.display()),
            DatasetSpec::Cifar10 { dir } => format!("CIFAR-10 ({})", dir.display()),
            DatasetSpec::ImageFolder { train, .. } => format!("image folders ({})", train.display()),
        }
    }
}

/// In-memory or lazily decoded images.
pub enum Images {
    Memory(InMemoryImages),
    Folder(ImageFolder),
}

impl Images {
    pub fn len(&self) -> usize {
        match self {
            Images::Memory(d) => d.len(),
            Images::Folder(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Result<ImageItem, DataError> {
        match self {
            Images::Memory(d) => d.get(i),
            Images::Folder(d) => d.get(i),
        }
    }

    pub fn num_classes(&self) -> usize {
        match self {
            Images::Memory(d) => d.num_classes(),
            Images::Folder(d) => d.class_names().len(),
        }
    }
}

/// Train and test splits with the normalisation of their dataset.
pub struct StudyData {
    pub train: Images,
    pub test: Images,
    pub norm: Normalize,
    pub channels: usize,
}

/// Loads the configured dataset (subsets are taken later, by index).
pub fn load(spec: &DatasetSpec) -> Result<StudyData, String> {
    let e = |e: DataError| e.to_string();
    Ok(match spec {
        DatasetSpec::FashionMnist { dir } => {
            let dir = match dir {
                Some(d) => d.clone(),
                None => pdc_data::assets::asset_dir("fashion-mnist").map_err(e)?,
            };
            StudyData {
                train: Images::Memory(pdc_data::fashion_mnist(&dir, Split::Train).map_err(e)?),
                test: Images::Memory(pdc_data::fashion_mnist(&dir, Split::Test).map_err(e)?),
                norm: Normalize::fashion_mnist(),
                channels: 1,
            }
        }
        DatasetSpec::Cifar10 { dir } => StudyData {
            train: Images::Memory(pdc_data::cifar(dir, pdc_data::Cifar::Ten, Split::Train).map_err(e)?),
            test: Images::Memory(pdc_data::cifar(dir, pdc_data::Cifar::Ten, Split::Test).map_err(e)?),
            norm: Normalize::cifar(),
            channels: 3,
        },
        DatasetSpec::ImageFolder { train, test, class_index } => {
            let resize = Resize::ShorterThenCrop { shorter: 256, crop: 224 };
            let (tr, te) = (ImageFolder::open(train, class_index.as_deref(), resize).map_err(e)?, ImageFolder::open(test, class_index.as_deref(), resize).map_err(e)?);
            if tr.class_names() != te.class_names() {
                return Err(format!(
                    "{} and {} have different class folders ({} vs {}): labels would not match; pass a class_index file",
                    train.display(),
                    test.display(),
                    tr.class_names().len(),
                    te.class_names().len()
                ));
            }
            StudyData {
                train: Images::Folder(tr),
                test: Images::Folder(te),
                norm: Normalize::imagenet(),
                channels: 3,
            }
        }
    })
}

/// `n` indices spread evenly over `len` items (all of them when `n` is `None` or ≥ `len`), so a
/// subset of a class-sorted folder still covers every class.
pub fn subset(len: usize, n: Option<usize>) -> Vec<usize> {
    let n = n.map_or(len, |n| n.min(len));
    (0..n).map(|i| i * len / n.max(1)).collect()
}
