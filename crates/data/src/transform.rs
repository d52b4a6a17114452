//! Transforms and batching: u8 images → normalised f32 Burn tensors, with optional augmentation.

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::images::ImageItem;

/// Per-channel normalisation `(x/255 − mean) / std`.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalize {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl Normalize {
    /// The official code's CIFAR statistics.
    pub fn cifar() -> Self {
        Self { mean: vec![0.4914, 0.4822, 0.4465], std: vec![0.2023, 0.1994, 0.2010] }
    }

    /// torchvision's ImageNet statistics.
    pub fn imagenet() -> Self {
        Self { mean: vec![0.485, 0.456, 0.406], std: vec![0.229, 0.224, 0.225] }
    }

    /// Fashion-MNIST training-set statistics.
    pub fn fashion_mnist() -> Self {
        Self { mean: vec![0.2860], std: vec![0.3530] }
    }

    /// No normalisation: pixels in [0, 1].
    pub fn unit(channels: usize) -> Self {
        Self { mean: vec![0.0; channels], std: vec![1.0; channels] }
    }

    /// Per-channel standard deviation, to convert an ε between pixel and normalised units.
    pub fn std_of(&self, channel: usize) -> f32 {
        self.std[channel]
    }
}

/// SplitMix64, for reproducible augmentation from a seed.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform integer in [0, n).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * n as f64) as usize
    }

    /// A permutation of 0..n (Fisher–Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            p.swap(i, self.below(i + 1));
        }
        p
    }
}

/// Training augmentation: random crop with zero padding and horizontal flip.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Augment {
    /// Pad by this many pixels, then crop back to the original size at a random offset.
    pub crop_padding: usize,
    pub horizontal_flip: bool,
}

impl Augment {
    /// Applies the augmentation to one C×H×W image.
    pub fn apply(&self, pixels: &[u8], shape: [usize; 3], rng: &mut Rng) -> Vec<u8> {
        let [c, h, w] = shape;
        let p = self.crop_padding;
        let (oy, ox) = if p > 0 { (rng.below(2 * p + 1), rng.below(2 * p + 1)) } else { (p, p) };
        let flip = self.horizontal_flip && rng.below(2) == 1;
        let mut out = vec![0u8; pixels.len()];
        for ch in 0..c {
            for y in 0..h {
                let sy = y + oy;
                if sy < p || sy >= h + p {
                    continue;
                }
                for x in 0..w {
                    let sx = x + ox;
                    if sx < p || sx >= w + p {
                        continue;
                    }
                    let src_x = sx - p;
                    let dst_x = if flip { w - 1 - x } else { x };
                    out[ch * h * w + y * w + dst_x] = pixels[ch * h * w + (sy - p) * w + src_x];
                }
            }
        }
        out
    }
}

/// Stacks images into a normalised [B, C, H, W] f32 tensor and their labels into [B] ints.
pub fn to_batch(items: &[ImageItem], norm: &Normalize, device: &Device) -> (Tensor<4>, Tensor<1, Int>) {
    let [c, h, w] = items[0].shape;
    let plane = h * w;
    let mut data = Vec::with_capacity(items.len() * c * plane);
    for item in items {
        assert_eq!(item.shape, [c, h, w], "all images of a batch have one shape");
        for ch in 0..c {
            let (m, s) = (norm.mean[ch], norm.std[ch]);
            data.extend(item.pixels[ch * plane..(ch + 1) * plane].iter().map(|&v| (v as f32 / 255.0 - m) / s));
        }
    }
    let labels: Vec<i64> = items.iter().map(|i| i.label as i64).collect();
    (
        Tensor::from_data(TensorData::new(data, [items.len(), c, h, w]), device),
        Tensor::from_data(TensorData::new(labels, [items.len()]), device),
    )
}
