//! Eq. 10: fine-tune X with CE − α·R²((X|Y), GT). Y is frozen and in eval mode throughout (its
//! features are computed without autodiff; the official code left Y in train mode in its first
//! epoch, so its batch-norm statistics drifted, and later ran X in eval mode: both avoided here).

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor};
use pdc_dcor::loss::{PartialKind, partial_dcor_loss};
use pdc_run::study::StudyData;

use crate::config::Config;
use crate::nets::{Net, TrainSpec, forward, train};

/// Fine-tunes a copy of `x` with weight `alpha` on the pdCor term (0: the CE-only control).
/// Both arms see the same batches in the same order.
pub fn finetune(x: &Net, y: &Net, cfg: &Config, alpha: f64, gt_table: &Tensor<2>, data: &StudyData, device: &Device, label: &str) -> Result<(Net, serde_json::Value), String> {
    let f = &cfg.finetune;
    let kind = if f.kind == "partial" { PartialKind::Partial } else { PartialKind::SemiPartial };
    let t = TrainSpec { epochs: f.epochs, batch_size: f.batch_size, lr: f.lr, momentum: f.momentum, weight_decay: f.weight_decay, subset: f.train_subset, seed: cfg.seed.wrapping_add(7) };
    let y_eval = y.valid();
    let extra = |fx: Tensor<2>, images: &Tensor<4>, labels: &Tensor<1, Int>| -> Result<Option<Tensor<1>>, String> {
        if alpha == 0.0 {
            return Ok(None);
        }
        let (_, fy) = forward(&y_eval, &cfg.y, images.clone())?;
        let gt = gt_table.clone().select(0, labels.clone());
        let r2 = partial_dcor_loss(fx, fy.autodiff(), gt.autodiff(), kind).map_err(|e| e.to_string())?;
        Ok(Some(r2.mul_scalar(-alpha)))
    };
    train(x.clone(), &cfg.x, data, &t, device, label, extra)
}
