//! # pdc-models: classifiers that return logits and features
//!
//! ResNet (depths 18–152, CIFAR or ImageNet stem, width multiplier) and ViT (tiny/small/base and
//! small-image variants) as Burn modules with PyTorch parameter names. Every classifier returns
//! the logits and the features before the last linear layer (the paper's g(x)) and can record
//! named intermediate activations ([`Taps`]) for layer-by-layer comparison.

pub mod import;
mod output;
pub mod resnet;
pub mod stylegan;
pub mod vit;

pub use import::{ImportReport, load_pytorch_weights};
pub use output::{Classifier, ClassifierOutput, Leaf, Taps};
pub use resnet::{ResNet, ResNetConfig, Stem};
pub use vit::{Vit, VitConfig};
