//! The StyleGAN2-style generator: modulated convolution equals an explicit per-sample-weight
//! convolution, demodulation gives unit output variance at init, FIR up-sampling equals the
//! zero-stuff + pad + filter reference and preserves constant images, and the whole generator
//! runs forward and backward with finite gradients.

use burn::tensor::module::{conv2d, conv_transpose2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
use burn::tensor::{Device, Tensor, TensorData};
use pdc_models::stylegan::{FIR_TAPS, GeneratorConfig, ModulatedConv2d, ParamRng, blur, upsample2x};

fn randn<const D: usize>(shape: [usize; D], seed: u64, device: &Device) -> Tensor<D> {
    let n = shape.iter().product();
    Tensor::from_data(TensorData::new(ParamRng(seed).normals(n, 1.0), shape), device)
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// For each sample, convolve with its own explicit weights w″[b] and compare with the
/// non-fused forward (scale inputs, shared conv, scale outputs).
fn check_against_per_sample(demodulate: bool, upsample: bool) {
    let device = Device::flex();
    let (b, cin, cout, s) = (3, 5, 4, 6);
    let mut rng = ParamRng(7);
    let conv = ModulatedConv2d::new(cin, cout, 3, s, demodulate, upsample, &mut rng, &device);
    let x = randn([b, cin, 6, 6], 1, &device);
    let style = randn([b, s], 2, &device);
    let fast = conv.forward(x.clone(), style.clone());
    let weights = conv.sample_weights(style);
    assert_eq!(weights.dims(), [b, cout, cin, 3, 3]);
    let mut explicit = Vec::new();
    for i in 0..b {
        let xi = x.clone().slice([i..i + 1]);
        let wi: Tensor<4> = weights.clone().slice([i..i + 1]).reshape([cout, cin, 3, 3]);
        let yi = if upsample {
            let y = conv_transpose2d(xi, wi.swap_dims(0, 1), None, ConvTransposeOptions::new([2, 2], [0, 0], [0, 0], [1, 1], 1));
            blur(y, (1, 1), 4.0)
        } else {
            conv2d(xi, wi, None, ConvOptions::new([1, 1], [1, 1], [1, 1], 1))
        };
        explicit.push(yi);
    }
    let explicit = Tensor::cat(explicit, 0);
    let side = if upsample { 12 } else { 6 };
    assert_eq!(fast.dims(), [b, cout, side, side]);
    let (f, e) = (values(fast), values(explicit));
    let scale = e.iter().map(|v| v.abs()).fold(0.0, f32::max);
    assert!(scale > 0.1, "outputs are not trivially zero");
    let diff = max_abs_diff(&f, &e);
    assert!(diff < 1e-5 * scale.max(1.0), "demod {demodulate} up {upsample}: max |diff| {diff}");
}

#[test]
fn modulated_conv_equals_explicit_per_sample_weight_conv() {
    for demod in [true, false] {
        for up in [false, true] {
            check_against_per_sample(demod, up);
        }
    }
}

#[test]
fn demodulated_weights_have_unit_norm_and_unit_output_variance_at_init() {
    let device = Device::flex();
    let (b, cin, cout, s) = (8, 32, 16, 10);
    let conv = ModulatedConv2d::new(cin, cout, 3, s, true, false, &mut ParamRng(3), &device);
    // Random styles far from the initial identity modulation: demodulation must undo them.
    let style = randn([b, s], 4, &device).mul_scalar(3.0);
    let w = conv.sample_weights(style.clone());
    let norms = values(w.square().sum_dim(4).sum_dim(3).sum_dim(2).reshape([b * cout]));
    for n in norms {
        assert!((n - 1.0).abs() < 1e-4, "Σ w″² = {n}");
    }
    // Unit-variance i.i.d. input → output variance Σ w″² = 1 (interior pixels, no padding).
    let x = randn([b, cin, 24, 24], 5, &device);
    let y = conv.forward(x, style).slice([0..b, 0..cout, 1..23, 1..23]);
    let v = values(y);
    let mean = v.iter().sum::<f32>() / v.len() as f32;
    let var = v.iter().map(|a| (a - mean).powi(2)).sum::<f32>() / v.len() as f32;
    assert!((var - 1.0).abs() < 0.08, "output variance {var} (n = {})", v.len());
    assert!(mean.abs() < 0.05, "output mean {mean}");
    // Without demodulation the variance follows the style scale instead.
    let plain = ModulatedConv2d::new(cin, cout, 3, s, false, false, &mut ParamRng(3), &device);
    let v = values(plain.forward(randn([b, cin, 24, 24], 5, &device), randn([b, s], 4, &device).mul_scalar(3.0)));
    let var_plain = v.iter().map(|a| a * a).sum::<f32>() / v.len() as f32;
    assert!((var_plain - 1.0).abs() > 0.5, "undemodulated variance {var_plain} should differ from 1");
}

/// Reference upfirdn2d(up = 2, pad = (2, 1)) with the 4×4 FIR kernel × 4, in plain loops.
fn upfirdn_reference(img: &[f32], h: usize, w: usize) -> Vec<f32> {
    let sum: f32 = FIR_TAPS.iter().sum::<f32>().powi(2);
    let (ph, pw) = (2 * h + 3, 2 * w + 3);
    let mut padded = vec![0.0f32; ph * pw];
    for y in 0..h {
        for x in 0..w {
            padded[(2 * y + 2) * pw + 2 * x + 2] = img[y * w + x];
        }
    }
    let mut out = vec![0.0f32; 4 * h * w];
    for y in 0..2 * h {
        for x in 0..2 * w {
            let mut acc = 0.0;
            for a in 0..4 {
                for b in 0..4 {
                    acc += FIR_TAPS[a] * FIR_TAPS[b] / sum * 4.0 * padded[(y + a) * pw + x + b];
                }
            }
            out[y * 2 * w + x] = acc;
        }
    }
    out
}

#[test]
fn fir_upsampling_matches_reference_and_preserves_constants() {
    let device = Device::flex();
    let (h, w) = (5, 7);
    let img = ParamRng(11).normals(h * w, 1.0);
    let up = values(upsample2x(Tensor::<4>::from_data(TensorData::new(img.clone(), [1, 1, h, w]), &device)));
    assert!(max_abs_diff(&up, &upfirdn_reference(&img, h, w)) < 1e-5);
    // A constant image stays constant inside; the zero padding scales the outermost rows and
    // columns by 3/4 (corners by 9/16), as in StyleGAN2.
    let c = 0.7f32;
    let x = Tensor::<4>::from_data(TensorData::new(vec![c; 2 * h * w], [1, 2, h, w]), &device);
    let y = values(upsample2x(x));
    let (oh, ow) = (2 * h, 2 * w);
    for ch in 0..2 {
        for i in 0..oh {
            for j in 0..ow {
                let edge = |k: usize, n: usize| if k == 0 || k == n - 1 { 0.75 } else { 1.0 };
                let want = c * edge(i, oh) * edge(j, ow);
                let got = y[ch * oh * ow + i * ow + j];
                assert!((got - want).abs() < 1e-6, "({ch},{i},{j}): {got} vs {want}");
            }
        }
    }
    // The blur alone (gain 1, pad (1, 2)) keeps the size and a constant interior.
    let b = values(blur(Tensor::<4>::from_data(TensorData::new(vec![c; 64], [1, 1, 8, 8]), &device), (1, 2), 1.0));
    assert_eq!(b.len(), 64);
    assert!((b[3 * 8 + 3] - c).abs() < 1e-6);
}

#[test]
fn generator_shapes_determinism_and_finite_gradients() {
    let device = Device::flex();
    let cfg = GeneratorConfig::new(16, 6, vec![8, 8, 4]).with_noise(true).with_mapping_layers(2);
    let g = cfg.init(&device, 5).unwrap();
    let style = randn([2, 6], 9, &device);
    let a = values(g.forward(style.clone()));
    assert_eq!(a.len(), 2 * 3 * 16 * 16);
    assert!(a.iter().all(|v| v.is_finite()));
    // Same seed → same network (noise strength starts at 0, so noise does not change the output).
    let b = values(cfg.init(&device, 5).unwrap().forward(style.clone()));
    assert_eq!(a, b);
    let c = values(cfg.init(&device, 6).unwrap().forward(style.clone()));
    assert!(max_abs_diff(&a, &c) > 1e-3);
    // Backward through every layer gives finite, non-zero gradients for the constant input and the style.
    let ad = device.clone().autodiff();
    let g = GeneratorConfig::new(16, 6, vec![8, 8, 4]).init(&ad, 5).unwrap();
    let s = randn([2, 6], 9, &device).autodiff().require_grad();
    let grads = g.forward(s.clone()).square().mean().backward();
    let gs = values(s.grad(&grads).unwrap());
    let gi = values(g.input.val().grad(&grads).unwrap());
    assert!(gs.iter().chain(&gi).all(|v| v.is_finite()));
    assert!(gs.iter().any(|v| v.abs() > 0.0) && gi.iter().any(|v| v.abs() > 0.0));
    // Noise inputs come from a seeded stream: the same seed gives the same image, another seed
    // another one (once the noise strengths are non-zero).
    let mut g = GeneratorConfig::new(16, 6, vec![8, 8, 4]).with_noise(true).init(&device, 5).unwrap();
    g.conv1.noise_strength = g.conv1.noise_strength.map(|p| p.map(|t| t.add_scalar(0.5)));
    let (n1, n1b, n2) = (values(g.forward_seeded(style.clone(), 1)), values(g.forward_seeded(style.clone(), 1)), values(g.forward_seeded(style.clone(), 2)));
    assert_eq!(n1, n1b);
    assert!(max_abs_diff(&n1, &n2) > 1e-4);
    // Bad configurations are errors naming the field.
    assert!(GeneratorConfig::new(24, 6, vec![8]).init(&device, 0).unwrap_err().contains("power of two"));
    assert!(GeneratorConfig::new(32, 6, vec![8, 8]).init(&device, 0).unwrap_err().contains("channels has 2 entries"));
}
