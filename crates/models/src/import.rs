//! Loading PyTorch weights: torchvision ResNets and timm ViTs, from `.safetensors` or `.pth`.
//!
//! Our modules use the PyTorch parameter names, so only two renames are needed
//! (torchvision's `downsample.0/1` Sequential → `downsample.conv/bn`); `PyTorchToBurnAdapter`
//! transposes linear weights and renames norm `weight/bias` to `gamma/beta`.

use std::path::Path;

use burn::module::Module;
use burn::store::{ModuleSnapshot, PyTorchToBurnAdapter, PytorchStore, SafetensorsStore};

/// What happened when loading weights.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    /// Tensors copied into the model.
    pub applied: usize,
    /// Model tensors the file did not have (left at their initial values).
    pub missing: Vec<String>,
    /// File tensors the model has no place for (ignored).
    pub unused: Vec<String>,
}

/// Key renames from torchvision/timm names to ours.
const RENAMES: [(&str, &str); 2] = [(r"downsample\.0\.", "downsample.conv."), (r"downsample\.1\.", "downsample.bn.")];

/// Loads a PyTorch checkpoint (`.safetensors`, `.pth` or `.pt`) into `model`. A checkpoint saved
/// as `{"state_dict": ...}` or `{"model": ...}` is unwrapped. Fails with a message naming the
/// file when it cannot be read or when any model tensor is missing or has the wrong shape, unless
/// `allow_partial` is set (e.g. to keep a new classification head).
pub fn load_pytorch_weights<M: Module + ModuleSnapshot>(model: &mut M, path: &Path, allow_partial: bool) -> Result<ImportReport, String> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if !path.exists() {
        return Err(format!("{}: weights file not found (nothing is downloaded at run time; save the PyTorch state dict there first)", path.display()));
    }
    let result = match ext.as_str() {
        "safetensors" => {
            let mut store = SafetensorsStore::from_file(path).with_from_adapter(PyTorchToBurnAdapter).allow_partial(true).validate(true);
            for (from, to) in RENAMES {
                store = store.with_key_remapping(from, to);
            }
            model.load_from(&mut store).map_err(|e| format!("{}: {e}", path.display()))?
        }
        "pth" | "pt" | "bin" => {
            let mut last_err = String::new();
            let mut found = None;
            for top in [None, Some("state_dict"), Some("model")] {
                let mut store = PytorchStore::from_file(path).allow_partial(true).validate(true);
                if let Some(k) = top {
                    store = store.with_top_level_key(k);
                }
                for (from, to) in RENAMES {
                    store = store.with_key_remapping(from, to);
                }
                match model.load_from(&mut store) {
                    Ok(r) if !r.applied.is_empty() => {
                        found = Some(r);
                        break;
                    }
                    Ok(_) => last_err = "no tensor matched the model".into(),
                    Err(e) => last_err = e.to_string(),
                }
            }
            found.ok_or_else(|| format!("{}: {last_err}", path.display()))?
        }
        other => return Err(format!("{}: unknown weights format '.{other}' (expected .safetensors, .pth or .pt)", path.display())),
    };
    if !result.errors.is_empty() {
        return Err(format!("{}: {} tensors could not be applied, first: {:?}", path.display(), result.errors.len(), result.errors[0]));
    }
    let report = ImportReport {
        applied: result.applied.len(),
        missing: result.missing.iter().map(|(p, _)| p.clone()).collect(),
        unused: result.unused.clone(),
    };
    if !allow_partial && !report.missing.is_empty() {
        return Err(format!("{}: the model's tensors {:?} are not in the file", path.display(), report.missing));
    }
    Ok(report)
}
