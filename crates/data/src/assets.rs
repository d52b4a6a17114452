//! Where the bundled data lives: `$PDC_ASSETS`, else the repository's `assets/` folder.

use std::path::PathBuf;

use crate::error::{DataError, Result};

/// The assets root: `$PDC_ASSETS` if set, else `<repo>/assets` (found from this crate's source path).
pub fn assets_root() -> PathBuf {
    std::env::var_os("PDC_ASSETS").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets")))
}

/// A sub-folder of the assets root, or an error saying where it was looked for.
pub fn asset_dir(name: &str) -> Result<PathBuf> {
    let dir = assets_root().join(name);
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(DataError::new(&dir, format!("bundled data '{name}' not found: set PDC_ASSETS to the repository's assets/ folder")))
    }
}
