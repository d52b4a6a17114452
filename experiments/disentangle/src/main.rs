//! `cargo run --release -p exp-disentangle`: the L2 (ZeroDIM) and dCor (PDC) arms on the
//! procedural sprites at CPU scale.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use exp_disentangle::{Arm, Config, ResidualLoss};

#[derive(Parser)]
#[command(name = "exp-disentangle", about = "Disentanglement with a residual loss: none / L2 (ZeroDIM) / dCor² (PDC), paper §6")]
struct Args {
    /// sprites (default, CPU), faces (bundled portraits, CPU), ffhq (GPU; needs --images and --labels) or tiny.
    #[arg(long, default_value = "sprites")]
    preset: String,
    /// A TOML config (as written to a run folder's config.toml); replaces the preset.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Run folder; rerunning with the same folder and settings resumes (finished arms are reused).
    #[arg(long)]
    out: Option<PathBuf>,
    /// cpu, wgpu, vulkan or cuda[:N] (GPU backends need the cargo feature of the same name).
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Comma-separated seeds.
    #[arg(long, value_delimiter = ',')]
    seeds: Option<Vec<u64>>,
    /// Comma-separated residual losses (none, l2, dcor) at the preset's λ, e.g. none,l2,dcor.
    #[arg(long, value_delimiter = ',')]
    arms: Option<Vec<String>>,
    /// λ sweep: comma-separated weights, applied to every arm given by --arms (default: dcor),
    /// e.g. --lambdas 1e-5,1e-1,1.
    #[arg(long, value_delimiter = ',')]
    lambdas: Option<Vec<f64>>,
    /// Stage-1 epochs.
    #[arg(long)]
    epochs: Option<usize>,
    /// Face folder (FFHQ) and its attributes CSV for --preset ffhq.
    #[arg(long)]
    images: Option<PathBuf>,
    #[arg(long)]
    labels: Option<PathBuf>,
}

fn config(args: &Args) -> Result<Config, String> {
    let mut cfg = match &args.config {
        Some(path) => Config::from_toml_file(path)?,
        None => match args.preset.as_str() {
            "sprites" => Config::sprites(),
            "faces" => Config::faces(),
            "tiny" => Config::tiny(),
            "ffhq" => {
                let images = args.images.clone().ok_or("--preset ffhq needs --images DIR (aligned face images) and --labels CSV")?;
                let labels = args.labels.clone().ok_or("--preset ffhq needs --labels CSV (file,age,gender,ethnicity,hair_color,beard,glasses; -1 = unlabelled)")?;
                Config::ffhq(images, labels)
            }
            other => return Err(format!("unknown preset '{other}': sprites, faces, ffhq or tiny")),
        },
    };
    if let Some(s) = &args.seeds {
        cfg.seeds = s.clone();
    }
    if let Some(e) = args.epochs {
        cfg.latent_epochs = e;
    }
    let losses: Option<Vec<ResidualLoss>> = args.arms.as_ref().map(|a| a.iter().map(|s| ResidualLoss::parse(s)).collect()).transpose()?;
    match (&args.lambdas, losses) {
        (Some(ls), losses) => {
            let losses = losses.unwrap_or(vec![ResidualLoss::Dcor]);
            cfg.arms = losses
                .iter()
                .flat_map(|&loss| {
                    let ls = if loss == ResidualLoss::None { vec![0.0] } else { ls.clone() };
                    ls.into_iter().map(move |lambda| Arm { loss, lambda })
                })
                .collect();
        }
        (None, Some(losses)) => {
            let lambda = cfg.arms.iter().find(|a| a.loss != ResidualLoss::None).map_or(1e-5, |a| a.lambda);
            cfg.arms = losses.into_iter().map(|loss| Arm { loss, lambda: if loss == ResidualLoss::None { 0.0 } else { lambda } }).collect();
        }
        (None, None) => {}
    }
    Ok(cfg)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = (|| {
        let cfg = config(&args)?;
        let device = pdc_run::parse_device(&args.device)?;
        let out = args.out.clone().unwrap_or_else(|| PathBuf::from(format!("runs/disentangle-{}", args.preset)));
        let start = std::time::Instant::now();
        let md = exp_disentangle::run(&cfg, &out, &device)?;
        println!("{md}\nRun folder: {}\nTotal wall time: {:.0} s", out.display(), start.elapsed().as_secs_f64());
        Ok::<(), String>(())
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("exp-disentangle: error: {e}");
            ExitCode::from(2)
        }
    }
}
