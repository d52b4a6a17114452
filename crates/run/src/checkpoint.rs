//! Model checkpoints (Burn's burnpack format, parameter ids included so optimizer state matches
//! after a reload). Written to a temporary file and renamed, so a kill never leaves a broken one.

use std::path::Path;

use burn::module::Module;
use burn::store::{BurnpackStore, ModuleSnapshot};

/// Saves `model` to `path` (a `.bpk` file) atomically.
pub fn save_model<M: Module + ModuleSnapshot>(model: &M, path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("bpk-tmp");
    let mut store = BurnpackStore::from_file(&tmp).auto_extension(false).overwrite(true);
    model.save_into(&mut store).map_err(|e| format!("{}: cannot save the checkpoint: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Loads a checkpoint written by [`save_model`] into `model` (same architecture).
pub fn load_model<M: Module + ModuleSnapshot>(model: &mut M, path: &Path) -> Result<(), String> {
    let mut store = BurnpackStore::from_file(path).auto_extension(false);
    let r = model.load_from(&mut store).map_err(|e| format!("{}: cannot load the checkpoint: {e}", path.display()))?;
    if !r.errors.is_empty() || !r.missing.is_empty() {
        return Err(format!("{}: checkpoint does not match the model ({} missing, {} errors)", path.display(), r.missing.len(), r.errors.len()));
    }
    Ok(())
}
