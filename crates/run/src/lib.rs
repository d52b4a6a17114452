//! # pdc-run: what every experiment binary shares
//!
//! Device choice (`--device cpu|wgpu|vulkan|cuda[:N]`), run folders that resume with the same
//! config and refuse a different one, atomic result files, checkpoints, progress without a TTY,
//! line plots, and summaries over seeds.

pub mod checkpoint;
pub mod config_file;
pub mod device;
pub mod plot;
pub mod progress;
pub mod rundir;
pub mod stats;
pub mod study;

pub use checkpoint::{load_model, save_model};
pub use device::parse_device;
pub use progress::Progress;
pub use rundir::RunDir;
