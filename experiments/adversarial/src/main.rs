//! `cargo run --release -p exp-adversarial`: the paper's §4 on bundled Fashion-MNIST by default.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use exp_adversarial::{Config, DatasetSpec};

#[derive(Parser)]
#[command(name = "exp-adversarial", about = "dCor-decorrelated training vs transferred FGM/PGD attacks (paper §4)")]
struct Args {
    /// fmnist-small (default, bundled data, CPU minutes), cifar10-resnet18 or imagenet-resnet34 (GPU; need --data-dir).
    #[arg(long, default_value = "fmnist-small")]
    preset: String,
    /// A TOML config (as written to a run folder's config.toml); replaces the preset.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Dataset folder for the CIFAR-10 / ImageNet presets (or Fashion-MNIST files for the default).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Run folder; rerunning with the same folder and settings resumes.
    #[arg(long)]
    out: Option<PathBuf>,
    /// cpu, wgpu, vulkan or cuda[:N] (GPU backends need the cargo feature of the same name).
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Comma-separated seeds, e.g. 0,1,2: repeated trials with mean ± std and a paired CI.
    #[arg(long, value_delimiter = ',')]
    seeds: Option<Vec<u64>>,
    #[arg(long)]
    epochs: Option<usize>,
    #[arg(long)]
    alpha: Option<f64>,
    /// Use the official 3-net protocol (f2-dCor decorrelated from two earlier nets).
    #[arg(long)]
    three_net: bool,
    /// Comma-separated ε values of FGM and PGD.
    #[arg(long, value_delimiter = ',')]
    eps: Option<Vec<f64>>,
    /// Unit of ε and of the PGD step: normalized (the official code's) or pixel ([0,1] images).
    #[arg(long, value_parser = ["normalized", "pixel"])]
    eps_unit: Option<String>,
}

fn config(args: &Args) -> Result<Config, String> {
    let need_dir = |p: &str| args.data_dir.clone().ok_or(format!("--preset {p} needs --data-dir (the dataset cannot ship with pdc)"));
    let mut cfg = match &args.config {
        Some(path) => Config::from_toml_file(path)?,
        None => match args.preset.as_str() {
            "fmnist-small" => {
                let mut c = Config::fmnist_small();
                if let Some(d) = &args.data_dir {
                    c.dataset = DatasetSpec::FashionMnist { dir: Some(d.clone()) };
                }
                c
            }
            "cifar10-resnet18" => Config::cifar10_resnet18(need_dir("cifar10-resnet18")?),
            "imagenet-resnet34" => Config::imagenet_resnet34(need_dir("imagenet-resnet34")?),
            "tiny" => Config::tiny(),
            other => return Err(format!("unknown preset '{other}': fmnist-small, cifar10-resnet18, imagenet-resnet34 or tiny")),
        },
    };
    if let Some(s) = &args.seeds {
        cfg.seeds = s.clone();
    }
    if let Some(e) = args.epochs {
        cfg.epochs = e;
    }
    if let Some(a) = args.alpha {
        cfg.alpha = a;
    }
    if args.three_net {
        cfg.protocol = exp_adversarial::Protocol::ThreeNet;
    }
    if let Some(e) = &args.eps {
        cfg.eps = e.clone();
    }
    if let Some(u) = &args.eps_unit {
        cfg.eps_unit = u.clone();
    }
    Ok(cfg)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = (|| {
        let cfg = config(&args)?;
        let device = pdc_run::parse_device(&args.device)?;
        let out = args.out.clone().unwrap_or_else(|| PathBuf::from(format!("runs/adversarial-{}", args.preset)));
        let md = exp_adversarial::run(&cfg, &out, &device)?;
        println!("{md}\nRun folder: {}", out.display());
        Ok::<(), String>(())
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("exp-adversarial: error: {e}");
            ExitCode::from(2)
        }
    }
}
