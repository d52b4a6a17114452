//! In-memory labelled images (u8, channel-first) behind Burn's `Dataset` trait.

use burn::data::dataset::Dataset;

use crate::error::DataError;

/// One labelled image: u8 pixels in C×H×W order.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageItem {
    pub pixels: Vec<u8>,
    /// [channels, height, width].
    pub shape: [usize; 3],
    pub label: usize,
}

/// Images stored contiguously (N×C×H×W u8) with one label each.
#[derive(Debug, Clone)]
pub struct InMemoryImages {
    pixels: Vec<u8>,
    labels: Vec<u16>,
    shape: [usize; 3],
    class_names: Vec<String>,
}

impl InMemoryImages {
    /// Wraps pixel and label buffers; the caller has checked their sizes.
    pub(crate) fn new(pixels: Vec<u8>, labels: Vec<u16>, shape: [usize; 3], class_names: Vec<String>) -> Self {
        debug_assert_eq!(pixels.len(), labels.len() * shape.iter().product::<usize>());
        Self { pixels, labels, shape, class_names }
    }

    /// [channels, height, width].
    pub fn image_shape(&self) -> [usize; 3] {
        self.shape
    }

    pub fn num_classes(&self) -> usize {
        self.class_names.len()
    }

    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    pub fn labels(&self) -> impl Iterator<Item = usize> + '_ {
        self.labels.iter().map(|&l| l as usize)
    }

    /// Pixels of image `index` without copying.
    pub fn pixels(&self, index: usize) -> &[u8] {
        let size: usize = self.shape.iter().product();
        &self.pixels[index * size..(index + 1) * size]
    }

    /// The first `n` images (for quick runs and tests).
    pub fn take(mut self, n: usize) -> Self {
        let n = n.min(self.labels.len());
        self.pixels.truncate(n * self.shape.iter().product::<usize>());
        self.labels.truncate(n);
        self
    }
}

impl Dataset<ImageItem, DataError> for InMemoryImages {
    fn get(&self, index: usize) -> Result<ImageItem, DataError> {
        Ok(ImageItem { pixels: self.pixels(index).to_vec(), shape: self.shape, label: self.labels[index] as usize })
    }

    fn len(&self) -> usize {
        self.labels.len()
    }
}
