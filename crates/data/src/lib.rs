//! # pdc-data: datasets from files users have, and bundled defaults
//!
//! Formats: IDX (MNIST, Fashion-MNIST; gz or raw), CIFAR-10/100 binary batches, image folders in
//! the ImageNet layout, face folders with an attributes CSV, procedural sprites with known
//! factors, and class-name text embeddings. Datasets implement Burn's `Dataset` trait; corrupt
//! or missing files are [`DataError`]s naming the file, the record and what is wrong.

pub mod assets;
pub mod cifar;
mod decode;
pub mod embeddings;
mod error;
pub mod faces;
pub mod folder;
pub mod idx;
mod images;
pub mod sprites;
pub mod transform;

pub use cifar::{Cifar, cifar};
pub use decode::{Resize, decode};
pub use embeddings::ClassEmbeddings;
pub use error::{DataError, Result};
pub use faces::{AttributeSpec, FaceDataset, FaceItem};
pub use folder::ImageFolder;
pub use idx::{FASHION_MNIST_CLASSES, Split, fashion_mnist, read_idx};
pub use images::{ImageItem, InMemoryImages};
pub use sprites::{Factor, SpriteItem, Sprites};
pub use transform::{Augment, Normalize, Rng, to_batch};

/// Bundled Fashion-MNIST (assets/fashion-mnist).
pub fn bundled_fashion_mnist(split: Split) -> Result<InMemoryImages> {
    fashion_mnist(&assets::asset_dir("fashion-mnist")?, split)
}
