//! Run folders: the resolved config is written first; an existing folder is resumed only with the
//! same config and never overwritten by a different one; files are replaced atomically.

use std::path::{Path, PathBuf};

/// A run folder.
#[derive(Debug, Clone)]
pub struct RunDir {
    pub path: PathBuf,
    /// Whether the folder already held this config (a resumed run).
    pub resumed: bool,
}

impl RunDir {
    /// Opens `path` for a run whose resolved configuration is `config` (TOML text).
    pub fn open(path: &Path, config: &str) -> Result<Self, String> {
        let cfg_path = path.join("config.toml");
        if cfg_path.exists() {
            let old = std::fs::read_to_string(&cfg_path).map_err(|e| format!("{}: {e}", cfg_path.display()))?;
            if old != config {
                let line = old.lines().zip(config.lines()).position(|(a, b)| a != b).map(|i| i + 1).unwrap_or(old.lines().count().min(config.lines().count()) + 1);
                return Err(format!(
                    "{} holds a run with a different configuration (first difference at line {line} of config.toml); \
                     choose another --out folder, or rerun with the same settings to resume",
                    path.display()
                ));
            }
            let run = Self { path: path.to_path_buf(), resumed: true };
            run.lock()?;
            return Ok(run);
        }
        if path.is_dir() && std::fs::read_dir(path).map(|mut d| d.next().is_some()).unwrap_or(false) {
            return Err(format!("{} is not empty and holds no config.toml of a run: choose an empty or new --out folder", path.display()));
        }
        std::fs::create_dir_all(path).map_err(|e| format!("{}: cannot create the run folder: {e}", path.display()))?;
        let run = Self { path: path.to_path_buf(), resumed: false };
        run.lock()?;
        run.write("config.toml", config.as_bytes())?;
        Ok(run)
    }

    /// Marks the folder as used by this process; refuses when another live process holds it.
    /// A lock left by a killed run (its process is gone) is taken over, so resuming just works.
    fn lock(&self) -> Result<(), String> {
        let lock = self.file("run.lock");
        if let Ok(text) = std::fs::read_to_string(&lock) {
            let pid = text.trim();
            if pid != std::process::id().to_string() && Path::new(&format!("/proc/{pid}")).exists() {
                return Err(format!("{} is in use by another run (process {pid}); wait for it or choose another --out folder", self.path.display()));
            }
        }
        std::fs::write(&lock, std::process::id().to_string()).map_err(|e| format!("{}: {e}", lock.display()))
    }

    /// Releases the folder (call when the run ends).
    pub fn unlock(&self) {
        let _ = std::fs::remove_file(self.file("run.lock"));
    }

    /// Path of a file in the run folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Writes a file atomically (temporary file, then rename): a failed run never leaves a
    /// half-written result behind.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let target = self.file(name);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let tmp = target.with_extension("tmp-write");
        std::fs::write(&tmp, bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &target).map_err(|e| format!("{}: {e}", target.display()))
    }

    /// Writes pretty JSON atomically.
    pub fn write_json(&self, name: &str, value: &serde_json::Value) -> Result<(), String> {
        self.write(name, serde_json::to_string_pretty(value).expect("JSON values serialise").as_bytes())
    }

    /// Reads a JSON file of the run, if present.
    pub fn read_json(&self, name: &str) -> Option<serde_json::Value> {
        std::fs::read_to_string(self.file(name)).ok().and_then(|t| serde_json::from_str(&t).ok())
    }
}
