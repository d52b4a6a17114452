//! ResNet (He et al. 2016) with torchvision's structure and parameter names, so torchvision
//! checkpoints load with two key renames; basic and bottleneck blocks, CIFAR and ImageNet stems,
//! a width multiplier and any input channel count.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

use crate::output::{Classifier, ClassifierOutput, Taps};

/// The first layers.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum Stem {
    /// 7×7 stride-2 convolution and 3×3 stride-2 max-pool (224-pixel inputs).
    ImageNet,
    /// 3×3 stride-1 convolution, no pooling (32-pixel inputs, kuangliu-style CIFAR ResNets).
    Cifar,
}

/// ResNet hyper-parameters.
#[derive(Config, Debug)]
pub struct ResNetConfig {
    /// 18, 34 (basic blocks), 50, 101 or 152 (bottlenecks).
    pub depth: usize,
    #[config(default = 1000)]
    pub num_classes: usize,
    #[config(default = 3)]
    pub in_channels: usize,
    #[config(default = "Stem::ImageNet")]
    pub stem: Stem,
    /// Multiplies the stage widths 64, 128, 256, 512 (e.g. 0.25 for a CPU-sized net).
    #[config(default = 1.0)]
    pub width: f64,
}

fn conv(cin: usize, cout: usize, k: usize, stride: usize, device: &Device) -> Conv2d {
    let p = k / 2;
    Conv2dConfig::new([cin, cout], [k, k]).with_stride([stride, stride]).with_padding(PaddingConfig2d::Explicit(p, p, p, p)).with_bias(false).init(device)
}

fn bn(c: usize, device: &Device) -> BatchNorm {
    BatchNormConfig::new(c).init(device)
}

/// 1×1 convolution + batch norm on the shortcut when the shape changes.
#[derive(Module, Debug)]
pub struct Downsample {
    pub conv: Conv2d,
    pub bn: BatchNorm,
}

/// A basic block (conv3/bn3 absent) or a bottleneck (1×1, 3×3 with the stride, 1×1 ×4).
#[derive(Module, Debug)]
pub struct Block {
    pub conv1: Conv2d,
    pub bn1: BatchNorm,
    pub conv2: Conv2d,
    pub bn2: BatchNorm,
    pub conv3: Option<Conv2d>,
    pub bn3: Option<BatchNorm>,
    pub downsample: Option<Downsample>,
}

impl Block {
    fn new(cin: usize, planes: usize, stride: usize, bottleneck: bool, device: &Device) -> Self {
        let (cout, conv1, bn1, conv2, bn2, conv3, bn3) = if bottleneck {
            let out = planes * 4;
            (out, conv(cin, planes, 1, 1, device), bn(planes, device), conv(planes, planes, 3, stride, device), bn(planes, device), Some(conv(planes, out, 1, 1, device)), Some(bn(out, device)))
        } else {
            (planes, conv(cin, planes, 3, stride, device), bn(planes, device), conv(planes, planes, 3, 1, device), bn(planes, device), None, None)
        };
        let downsample = (stride != 1 || cin != cout).then(|| Downsample { conv: conv(cin, cout, 1, stride, device), bn: bn(cout, device) });
        Self { conv1, bn1, conv2, bn2, conv3, bn3, downsample }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let shortcut = match &self.downsample {
            Some(d) => d.bn.forward(d.conv.forward(x.clone())),
            None => x.clone(),
        };
        let mut y = relu(self.bn1.forward(self.conv1.forward(x)));
        y = self.bn2.forward(self.conv2.forward(y));
        if let (Some(c3), Some(b3)) = (&self.conv3, &self.bn3) {
            y = b3.forward(c3.forward(relu(y)));
        }
        relu(y + shortcut)
    }
}

/// ResNet classifier. Parameter paths follow torchvision (`layer1.0.conv1.weight`, ...).
#[derive(Module, Debug)]
pub struct ResNet {
    pub conv1: Conv2d,
    pub bn1: BatchNorm,
    pub maxpool: Option<MaxPool2d>,
    pub layer1: Vec<Block>,
    pub layer2: Vec<Block>,
    pub layer3: Vec<Block>,
    pub layer4: Vec<Block>,
    pub fc: Linear,
}

impl ResNetConfig {
    /// Blocks per stage and whether they are bottlenecks.
    fn layout(&self) -> ([usize; 4], bool) {
        match self.depth {
            18 => ([2, 2, 2, 2], false),
            34 => ([3, 4, 6, 3], false),
            50 => ([3, 4, 6, 3], true),
            101 => ([3, 4, 23, 3], true),
            152 => ([3, 8, 36, 3], true),
            d => panic!("ResNet depth {d} is not one of 18, 34, 50, 101, 152"),
        }
    }

    /// Width of the features (input of `fc`).
    pub fn feature_dim(&self) -> usize {
        let (_, bottleneck) = self.layout();
        self.stage_width(3) * if bottleneck { 4 } else { 1 }
    }

    fn stage_width(&self, stage: usize) -> usize {
        (((64usize << stage) as f64 * self.width).round() as usize).max(1)
    }

    /// Builds the network.
    pub fn init(&self, device: &Device) -> ResNet {
        let (blocks, bottleneck) = self.layout();
        let stem_width = self.stage_width(0);
        let (conv1, maxpool) = match self.stem {
            Stem::ImageNet => (
                conv(self.in_channels, stem_width, 7, 2, device),
                Some(MaxPool2dConfig::new([3, 3]).with_strides([2, 2]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init()),
            ),
            Stem::Cifar => (conv(self.in_channels, stem_width, 3, 1, device), None),
        };
        let mut cin = stem_width;
        let mut stages = Vec::new();
        for (s, &n) in blocks.iter().enumerate() {
            let planes = self.stage_width(s);
            let stride = if s == 0 { 1 } else { 2 };
            let mut stage = Vec::new();
            for b in 0..n {
                stage.push(Block::new(cin, planes, if b == 0 { stride } else { 1 }, bottleneck, device));
                cin = if bottleneck { planes * 4 } else { planes };
            }
            stages.push(stage);
        }
        let mut it = stages.into_iter();
        ResNet {
            conv1,
            bn1: bn(stem_width, device),
            maxpool,
            layer1: it.next().unwrap(),
            layer2: it.next().unwrap(),
            layer3: it.next().unwrap(),
            layer4: it.next().unwrap(),
            fc: LinearConfig::new(cin, self.num_classes).init(device),
        }
    }

    /// The paper's CIFAR-10 ResNet-18 (CIFAR stem).
    pub fn resnet18_cifar(num_classes: usize) -> Self {
        Self::new(18).with_stem(Stem::Cifar).with_num_classes(num_classes)
    }

    /// A CPU-sized ResNet-18 for 28×28 grey images: CIFAR stem, width 0.25 (16–128 channels).
    pub fn resnet18_small_grey(num_classes: usize) -> Self {
        Self::resnet18_cifar(num_classes).with_in_channels(1).with_width(0.25)
    }
}

impl Classifier for ResNet {
    fn forward_taps(&self, x: Tensor<4>, taps: &mut Taps) -> ClassifierOutput {
        let mut x = relu(self.bn1.forward(self.conv1.forward(x)));
        if let Some(p) = &self.maxpool {
            x = p.forward(x);
        }
        x = taps.record("stem", x);
        for (s, stage) in [&self.layer1, &self.layer2, &self.layer3, &self.layer4].into_iter().enumerate() {
            for (b, block) in stage.iter().enumerate() {
                x = taps.record(&format!("layer{}.{b}", s + 1), block.forward(x));
            }
        }
        let features = taps.record("pool", x.mean_dims(&[2, 3]).flatten::<2>(1, 3));
        let logits = taps.record("fc", self.fc.forward(features.clone()));
        ClassifierOutput { logits, features }
    }

    fn feature_dim(&self) -> usize {
        self.fc.weight.dims()[0]
    }

    fn sync_running_stats(&self) {
        let sync = |bn: &BatchNorm| {
            let _ = bn.running_mean.value_sync();
            let _ = bn.running_var.value_sync();
        };
        sync(&self.bn1);
        for block in self.layer1.iter().chain(&self.layer2).chain(&self.layer3).chain(&self.layer4) {
            sync(&block.bn1);
            sync(&block.bn2);
            if let Some(b) = &block.bn3 {
                sync(b);
            }
            if let Some(d) = &block.downsample {
                sync(&d.bn);
            }
        }
    }
}
