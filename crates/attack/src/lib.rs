//! # pdc-attack: FGSM and PGD (L∞), crafted on one model and evaluated on others
//!
//! Inputs are the *normalised* tensors the models see. ε is given either in pixel units (images
//! in [0, 1]; converted per channel with the normalisation's std, and adversarial images are
//! clipped to the valid pixel range) or in normalised-input units (the official code's
//! convention: ε = 0.03 on CIFAR-normalised inputs is ≈ 0.006 in pixels; no clipping, as in
//! cleverhans with `clip_min = clip_max = None`). The unit is part of the configuration and of
//! every report.

use burn::module::Module;
use burn::tensor::loss::cross_entropy_with_logits;
use burn::tensor::{Distribution, Int, Tensor, TensorData};
use pdc_models::Classifier;

/// Unit of ε and of the PGD step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpsUnit {
    /// Fraction of the [0, 1] pixel range (8/255 ≈ 0.031 is the usual CIFAR budget).
    Pixel,
    /// Units of the normalised input (the official code's convention).
    Normalized,
}

impl EpsUnit {
    pub fn name(self) -> &'static str {
        match self {
            EpsUnit::Pixel => "pixel ([0,1]) units",
            EpsUnit::Normalized => "normalised-input units",
        }
    }
}

/// Which labels the attack ascends the loss of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelSource {
    /// The source model's own predictions (cleverhans `y=None`; the paper).
    Predicted,
    /// The true labels.
    GroundTruth,
}

/// FGSM (one signed-gradient step of size ε) or PGD (iterated steps, projected to the ε-ball).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AttackKind {
    Fgsm,
    Pgd { step: f64, iterations: usize, random_start: bool },
}

/// A fully specified attack.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attack {
    pub kind: AttackKind,
    pub eps: f64,
    pub unit: EpsUnit,
    pub labels: LabelSource,
}

impl Attack {
    /// FGSM with labels from the source model.
    pub fn fgsm(eps: f64, unit: EpsUnit) -> Self {
        Self { kind: AttackKind::Fgsm, eps, unit, labels: LabelSource::Predicted }
    }

    /// PGD with random start and labels from the source model (the official code: step 0.01, 40
    /// iterations).
    pub fn pgd(eps: f64, step: f64, iterations: usize, unit: EpsUnit) -> Self {
        Self { kind: AttackKind::Pgd { step, iterations, random_start: true }, eps, unit, labels: LabelSource::Predicted }
    }

    /// Short name for tables: `FGM ε=0.03` / `PGD ε=0.03`.
    pub fn label(&self) -> String {
        match self.kind {
            AttackKind::Fgsm => format!("FGM ε={}", self.eps),
            AttackKind::Pgd { .. } => format!("PGD ε={}", self.eps),
        }
    }
}

/// Per-channel normalisation of the model inputs, `(x − mean) / std`.
#[derive(Debug, Clone, PartialEq)]
pub struct InputNorm {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl InputNorm {
    fn per_channel(values: Vec<f32>, like: &Tensor<4>) -> Tensor<4> {
        let c = values.len();
        Tensor::from_data(TensorData::new(values, [1, c, 1, 1]), &like.device())
    }

    /// ε (or a step) per channel, in normalised units.
    fn scale(&self, v: f64, unit: EpsUnit, like: &Tensor<4>) -> Tensor<4> {
        let vals = match unit {
            EpsUnit::Normalized => vec![v as f32; self.std.len()],
            EpsUnit::Pixel => self.std.iter().map(|s| v as f32 / s).collect(),
        };
        Self::per_channel(vals, like)
    }

    /// Valid range of a normalised pixel: [(0 − m)/s, (1 − m)/s] per channel.
    fn bounds(&self, like: &Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        let lo = self.mean.iter().zip(&self.std).map(|(m, s)| -m / s).collect();
        let hi = self.mean.iter().zip(&self.std).map(|(m, s)| (1.0 - m) / s).collect();
        (Self::per_channel(lo, like), Self::per_channel(hi, like))
    }
}

/// Predicted classes of a batch (no gradients).
pub fn predict<M: Classifier>(model: &M, x: Tensor<4>) -> Tensor<1, Int> {
    model.classify(x).logits.argmax(1).squeeze_dim::<1>(1)
}

/// Fraction of correct predictions.
pub fn accuracy<M: Classifier>(model: &M, x: Tensor<4>, y: Tensor<1, Int>) -> f64 {
    let n = y.dims()[0] as f64;
    let correct: i64 = predict(model, x).equal(y).int().sum().into_scalar::<i64>();
    correct as f64 / n
}

/// ∇ₓ CE(model(x), y) for a plain (non-autodiff) batch; the model must live on an autodiff device.
fn input_gradient<M: Classifier>(model: &M, x: &Tensor<4>, y: &Tensor<1, Int>, classes_hint: usize) -> Tensor<4> {
    let xg = x.clone().autodiff().require_grad();
    let logits = model.classify(xg.clone()).logits;
    let classes = logits.dims()[1].max(classes_hint);
    let target = y.clone().autodiff().one_hot::<2>(classes).float();
    let loss = cross_entropy_with_logits(logits, target).sum();
    let grads = loss.backward();
    xg.grad(&grads).expect("the input takes part in the loss")
}

/// Crafts adversarial examples for a batch of normalised inputs `x` (plain tensors) on `model`
/// (on an autodiff device; it is frozen here, so batch norm uses its running statistics and no
/// parameter gradient is kept). Returns plain tensors. `seed` drives PGD's random start.
pub fn craft<M>(model: &M, x: Tensor<4>, y: Tensor<1, Int>, attack: &Attack, norm: &InputNorm, seed: u64) -> Tensor<4>
where
    M: Classifier + Module + Clone,
{
    let frozen = model.clone().freeze();
    let labels = match attack.labels {
        LabelSource::Predicted => predict(&frozen.valid(), x.clone()),
        LabelSource::GroundTruth => y,
    };
    let eps = norm.scale(attack.eps, attack.unit, &x);
    let clip = attack.unit == EpsUnit::Pixel;
    let (lo, hi) = norm.bounds(&x);
    let project = |adv: Tensor<4>| {
        let delta = (adv - x.clone()).max_pair(eps.clone().neg()).min_pair(eps.clone());
        let out = x.clone() + delta;
        if clip { out.max_pair(lo.clone()).min_pair(hi.clone()) } else { out }
    };
    match attack.kind {
        AttackKind::Fgsm => {
            let g = input_gradient(&frozen, &x, &labels, 0);
            project(x.clone() + g.sign() * eps.clone())
        }
        AttackKind::Pgd { step, iterations, random_start } => {
            let step = norm.scale(step, attack.unit, &x);
            let mut adv = x.clone();
            if random_start {
                x.device().seed(seed);
                let u = Tensor::<4>::random(x.shape(), Distribution::Uniform(-1.0, 1.0), &x.device());
                adv = project(adv + u * eps.clone());
            }
            for _ in 0..iterations {
                let g = input_gradient(&frozen, &adv, &labels, 0);
                adv = project(adv + g.sign() * step.clone());
            }
            adv
        }
    }
}
