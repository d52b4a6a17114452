//! `cargo run --release -p exp-pdcor-finetune`: the paper's §5 on bundled Fashion-MNIST by default
//! (trains a small ViT and a small ResNet-18 once, then compare, layers, finetune and gradcam).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use exp_pdcor_finetune::{Config, DatasetSpec, EmbeddingSpec, Stage};

#[derive(Parser)]
#[command(name = "exp-pdcor-finetune", about = "Comparing networks with dCor and partial dCor; fine-tuning with −α·pdCor; Grad-CAM (paper §5)")]
struct Args {
    #[command(subcommand)]
    stage: Option<Command>,
    /// fmnist-small (default, bundled data, CPU minutes), imagenet (GPU; needs --data-dir,
    /// --x-weights, --y-weights) or tiny (seconds; a smoke test).
    #[arg(long, default_value = "fmnist-small", global = true)]
    preset: String,
    /// A TOML config (as written to a run folder's config.toml); replaces the preset.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Dataset folder (ImageNet layout with train/ and val/ for the imagenet preset; Fashion-MNIST files otherwise).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// timm ViT / torchvision ResNet weights (.safetensors or .pth) for X and Y.
    #[arg(long, global = true)]
    x_weights: Option<PathBuf>,
    #[arg(long, global = true)]
    y_weights: Option<PathBuf>,
    /// Class-name embeddings: a [classes, dim] .npy; needs --gt-names.
    #[arg(long, global = true, requires = "gt_names")]
    gt_vectors: Option<PathBuf>,
    /// One class name per line, in label order.
    #[arg(long, global = true, requires = "gt_vectors")]
    gt_names: Option<PathBuf>,
    /// Run folder; rerunning with the same folder and settings resumes (finished stages are kept).
    #[arg(long, global = true)]
    out: Option<PathBuf>,
    /// Cache of the models trained here (shared by runs; keyed by architecture, data, training settings and seed).
    #[arg(long, global = true, default_value = "runs/pdcor-models")]
    models_dir: PathBuf,
    /// cpu, wgpu, vulkan or cuda[:N] (GPU backends need the cargo feature of the same name).
    #[arg(long, default_value = "cpu", global = true)]
    device: String,
    #[arg(long, global = true)]
    seed: Option<u64>,
    /// α of the fine-tuning loss CE − α·R²((X|Y), GT).
    #[arg(long, global = true)]
    alpha: Option<f64>,
}

#[derive(Subcommand, Clone, Copy)]
enum Command {
    /// Every stage (the default).
    All,
    /// Table 2: R²(X,GT), R²(Y,GT), R²((X|Y),GT), R²((Y|X),GT), dCor²(X,Y) with intervals and p-values.
    Compare,
    /// Layer-by-layer dCor² heat maps (Fig. 3).
    Layers,
    /// Fine-tune X with CE − α·R²((X|Y), GT) against a CE-only control.
    Finetune,
    /// Grad-CAM with R*(X, GT) and R²((X|Y), GT) as targets.
    Gradcam,
}

fn config(args: &Args) -> Result<Config, String> {
    let mut cfg = match &args.config {
        Some(path) => Config::from_toml_file(path)?,
        None => match args.preset.as_str() {
            "fmnist-small" | "tiny" => {
                let mut c = if args.preset == "tiny" { Config::tiny() } else { Config::fmnist_small() };
                if let Some(d) = &args.data_dir {
                    c.dataset = DatasetSpec::FashionMnist { dir: Some(d.clone()) };
                }
                c
            }
            "imagenet" => {
                let need = |v: &Option<PathBuf>, flag: &str| v.clone().ok_or(format!("--preset imagenet needs {flag} (nothing is downloaded)"));
                Config::imagenet(need(&args.data_dir, "--data-dir")?, need(&args.x_weights, "--x-weights")?, need(&args.y_weights, "--y-weights")?)
            }
            other => return Err(format!("unknown preset '{other}': fmnist-small, imagenet or tiny")),
        },
    };
    if let Some(w) = &args.x_weights {
        cfg.x.weights = Some(w.clone());
    }
    if let Some(w) = &args.y_weights {
        cfg.y.weights = Some(w.clone());
    }
    if let (Some(vectors), Some(names)) = (&args.gt_vectors, &args.gt_names) {
        cfg.embeddings = EmbeddingSpec::Files { vectors: vectors.clone(), names: names.clone() };
    }
    if let Some(s) = args.seed {
        cfg.seed = s;
    }
    if let Some(a) = args.alpha {
        cfg.finetune.alpha = a;
    }
    Ok(cfg)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = (|| {
        let cfg = config(&args)?;
        let device = pdc_run::parse_device(&args.device)?;
        let stages: Vec<Stage> = match args.stage.unwrap_or(Command::All) {
            Command::All => Stage::ALL.to_vec(),
            Command::Compare => vec![Stage::Compare],
            Command::Layers => vec![Stage::Layers],
            Command::Finetune => vec![Stage::Finetune],
            Command::Gradcam => vec![Stage::GradCam],
        };
        let out = args.out.clone().unwrap_or_else(|| PathBuf::from(format!("runs/pdcor-{}", args.preset)));
        let md = exp_pdcor_finetune::run(&cfg, &out, &args.models_dir, &device, &stages)?;
        println!("{md}\nRun folder: {}", out.display());
        Ok::<(), String>(())
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("exp-pdcor-finetune: error: {e}");
            ExitCode::from(2)
        }
    }
}
