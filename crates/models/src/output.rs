//! What every classifier returns: logits, the features before the last linear layer (the paper's
//! g(x)), and optionally named intermediate activations.

use burn::tensor::{Gradients, Tensor};

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
///
/// [`Taps::gradient_at`] also makes one activation a gradient leaf (Grad-CAM): the forward
/// continues from a detached copy that requires a gradient, so after `backward()` its gradient
/// is at hand even though it is an intermediate tensor.
#[derive(Debug, Default)]
pub struct Taps<'a> {
    wanted: Option<&'a [String]>,
    pub(crate) names: Vec<String>,
    pub(crate) values: Vec<(String, Tensor<2>)>,
    leaf_name: Option<String>,
    leaf: Option<Leaf>,
}

/// An activation made a gradient leaf by [`Taps::gradient_at`].
pub struct Leaf {
    /// Shape of the activation, e.g. [batch, channels, h, w] or [batch, tokens, dim].
    pub shape: Vec<usize>,
    /// The activation (no autodiff), flattened to [batch, −1] in row-major order.
    pub activation: Tensor<2>,
    grad: Box<dyn Fn(&Gradients) -> Option<Tensor<2>>>,
}

impl Leaf {
    /// d(loss)/d(activation), flattened like [`Leaf::activation`]; `None` if the loss does not
    /// depend on it.
    pub fn gradient(&self, grads: &Gradients) -> Option<Tensor<2>> {
        (self.grad)(grads)
    }
}

impl std::fmt::Debug for Leaf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leaf").field("shape", &self.shape).finish_non_exhaustive()
    }
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

    /// Keeps nothing but makes the activation `name` a gradient leaf (autodiff inputs only).
    pub fn gradient_at(name: &str) -> Self {
        Self::none().and_gradient_at(name)
    }

    /// Also makes the activation `name` a gradient leaf (autodiff inputs only).
    pub fn and_gradient_at(mut self, name: &str) -> Self {
        self.leaf_name = Some(name.to_string());
        self
    }

    /// Records `t` under `name` and returns the tensor the forward pass continues with (a
    /// gradient leaf if `name` is the one asked for by [`Taps::gradient_at`]).
    pub(crate) fn record<const D: usize>(&mut self, name: &str, t: Tensor<D>) -> Tensor<D> {
        self.names.push(name.to_string());
        let keep = match self.wanted {
            None => true,
            Some(w) => w.iter().any(|n| n == name),
        };
        if keep {
            self.values.push((name.to_string(), t.clone().flatten::<2>(1, D - 1)));
        }
        if self.leaf_name.as_deref() != Some(name) || !t.is_autodiff() {
            return t;
        }
        let leaf = t.detach().require_grad();
        let shape = leaf.dims().to_vec();
        let activation = leaf.clone().inner().flatten::<2>(1, D - 1);
        let handle = leaf.clone();
        self.leaf = Some(Leaf { shape, activation, grad: Box::new(move |g| handle.grad(g).map(|t| t.flatten::<2>(1, D - 1))) });
        leaf
    }

    /// The gradient leaf asked for by [`Taps::gradient_at`], once the forward pass reached it.
    pub fn take_leaf(&mut self) -> Option<Leaf> {
        self.leaf.take()
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
