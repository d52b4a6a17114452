//! Diagnostic: how fast can the generator fit the sprites from their true factors (one-hot)?
//! `cargo run --release -p exp-disentangle --example fit_generator -- LR STEPS [CHANNELS]`
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use exp_disentangle::config::DataSpec;
use exp_disentangle::data;
use pdc_data::Rng;
use pdc_models::stylegan::GeneratorConfig;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: fit_generator LR STEPS [CHANNELS, e.g. 32,32,32,16]";
    let bad = |what: &str, s: &str| format!("{what} '{s}' is not valid; {usage}");
    let lr: f64 = args.get(1).map_or(Ok(1e-3), |s| s.parse().map_err(|_| bad("LR", s)))?;
    let steps: usize = args.get(2).map_or(Ok(600), |s| s.parse().map_err(|_| bad("STEPS", s)))?;
    let ch: Vec<usize> = match args.get(3) {
        Some(s) => s.split(',').map(|c| c.parse().map_err(|_| bad("CHANNELS", s))).collect::<Result<_, _>>()?,
        None => vec![32, 32, 32, 16],
    };
    let d = data::load(&DataSpec::Sprites { resolution: 32, train: 2048, n_labels: 256, eval: 64, data_seed: 0 })?;
    let cards: Vec<usize> = d.attributes.iter().chain(&d.residual_factors).map(|f| f.cardinality()).collect();
    let sd: usize = cards.iter().sum();
    let dev = Device::flex();
    let ad = dev.clone().autodiff();
    let mut g = GeneratorConfig::new(32, sd, ch).init(&ad, 1)?;
    let mut opt = AdamConfig::new().with_beta_1(0.5).init();
    let z_of = |idx: &[usize]| {
        let mut z = vec![0f32; idx.len() * sd];
        for (r, &i) in idx.iter().enumerate() {
            let mut off = 0;
            for (j, v) in d.train.attributes[i].iter().chain(&d.train.residual_factors[i]).enumerate() {
                z[r * sd + off + *v as usize] = 1.0;
                off += cards[j];
            }
        }
        Tensor::<2>::from_data(TensorData::new(z, [idx.len(), sd]), &ad)
    };
    let b = 64;
    let mut rng = Rng(7);
    let mut acc = 0.0;
    let t = std::time::Instant::now();
    for s in 0..steps {
        let idx: Vec<usize> = (0..b).map(|_| rng.below(2048)).collect();
        let x = d.train.batch(&idx, &dev).autodiff();
        let y = g.forward(z_of(&idx));
        let loss = (y - x).square().mean();
        acc += loss.clone().into_scalar::<f64>();
        let grads = GradientsParams::from_grads(loss.backward(), &g);
        g = opt.step(lr, g, grads);
        if (s + 1) % 100 == 0 {
            println!("step {} mse {:.4} ({:.0} s)", s + 1, acc / 100.0, t.elapsed().as_secs_f64());
            acc = 0.0;
        }
    }
    Ok(())
}
