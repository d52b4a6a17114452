//! What every classifier returns: logits, the features before the last linear layer (the paper's
//! g(x)), and optionally named intermediate activations.

use burn::tensor::Tensor;

/// Logits and penultimate features of a batch.
#[derive(Debug, Clone)]
pub struct ClassifierOutput {
    /// [batch, classes].
    pub logits: Tensor<2>,
    /// [batch, feature_dim]: pooled features for CNNs, the class token for ViTs.
    pub features: Tensor<2>,
}

/// Collects named activations during a forward pass, flattened to [batch, −1].
/// Only the requested names are kept, so a plain forward pays nothing.
#[derive(Debug, Default)]
pub struct Taps<'a> {
    wanted: Option<&'a [String]>,
    pub(crate) names: Vec<String>,
    pub(crate) values: Vec<(String, Tensor<2>)>,
}

impl<'a> Taps<'a> {
    /// Keep nothing (a plain forward), but list the names seen.
    pub fn none() -> Self {
        Self { wanted: Some(&[]), ..Self::default() }
    }

    /// Keep the given names.
    pub fn only(names: &'a [String]) -> Self {
        Self { wanted: Some(names), ..Self::default() }
    }

    /// Keep every named activation.
    pub fn all() -> Self {
        Self { wanted: None, ..Self::default() }
    }

    pub(crate) fn record<const D: usize>(&mut self, name: &str, t: &Tensor<D>) {
        self.names.push(name.to_string());
        let keep = match self.wanted {
            None => true,
            Some(w) => w.iter().any(|n| n == name),
        };
        if keep {
            self.values.push((name.to_string(), t.clone().flatten::<2>(1, D - 1)));
        }
    }

    /// The recorded activations in forward order.
    pub fn into_values(self) -> Vec<(String, Tensor<2>)> {
        self.values
    }

    /// Every tap name the forward pass went through.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// A classifier that exposes the paper's features and its intermediate layers.
pub trait Classifier {
    /// Logits and features.
    fn classify(&self, x: Tensor<4>) -> ClassifierOutput {
        self.forward_taps(x, &mut Taps::none())
    }

    /// Forward pass that records the activations `taps` asks for.
    fn forward_taps(&self, x: Tensor<4>, taps: &mut Taps) -> ClassifierOutput;

    /// Dimension of the features.
    fn feature_dim(&self) -> usize;

    /// Folds pending batch-norm running-statistic updates into the stored values. Burn 0.22.1
    /// keeps the update of the latest training step pending until the next training forward, so
    /// `valid()`, checkpoints and parameter snapshots would otherwise be one step stale. Call it
    /// after training, before evaluating or saving.
    fn sync_running_stats(&self) {}
}
