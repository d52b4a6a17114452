//! Experiment configurations as TOML: what a run folder's `config.toml` holds and `--config`
//! reads back. Errors name the file.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A configuration as TOML text.
pub fn to_toml<T: Serialize>(config: &T) -> String {
    toml::to_string(config).expect("an experiment config serialises to TOML")
}

/// Reads a TOML configuration; unknown or missing fields are errors (with `deny_unknown_fields`).
pub fn read_toml<T: DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
