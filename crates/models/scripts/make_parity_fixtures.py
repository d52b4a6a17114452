"""Writes the small PyTorch fixtures of tests/parity.rs (run once; the tests need no Python).

    python crates/models/scripts/make_parity_fixtures.py     # needs torch, torchvision, timm, safetensors, numpy

ResNet: torchvision's ResNet class fixes the stage widths (64..512), so a fixture of the real
class would be ~20 MB. `MirrorResNet` below re-creates torchvision's module tree with a width
multiplier; at width 1 the script checks that it has exactly torchvision's state-dict keys and
shapes and gives identical outputs with torchvision's weights. ViT: timm's own
`VisionTransformer` class, at a tiny size.
"""
import os

import numpy as np
import timm
import torch
import torchvision
from safetensors.torch import save_file
from torch import nn

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")


class Basic(nn.Module):
    expansion = 1

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.downsample = None
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        s = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(y)) + s)


class Bottle(nn.Module):
    expansion = 4

    def __init__(self, cin, planes, stride):
        super().__init__()
        out = planes * 4
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU()
        self.downsample = None
        if stride != 1 or cin != out:
            self.downsample = nn.Sequential(nn.Conv2d(cin, out, 1, stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        s = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        return self.relu(self.bn3(self.conv3(y)) + s)


class MirrorResNet(nn.Module):
    def __init__(self, block, layers, num_classes, width=1.0, in_ch=3, cifar_stem=False):
        super().__init__()
        w = [max(1, round(64 * 2 ** s * width)) for s in range(4)]
        if cifar_stem:
            self.conv1 = nn.Conv2d(in_ch, w[0], 3, 1, 1, bias=False)
            self.maxpool = nn.Identity()
        else:
            self.conv1 = nn.Conv2d(in_ch, w[0], 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.bn1 = nn.BatchNorm2d(w[0])
        self.relu = nn.ReLU()
        cin = w[0]
        for s, n in enumerate(layers):
            blocks = []
            for b in range(n):
                blocks.append(block(cin, w[s], (1 if s == 0 else 2) if b == 0 else 1))
                cin = w[s] * block.expansion
            setattr(self, f"layer{s + 1}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        f = torch.flatten(self.avgpool(x), 1)
        return self.fc(f), f


def randomize_bn(model, g):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)


def check_mirror():
    """At width 1 the mirror is torchvision's ResNet-18 and ResNet-50."""
    for tv, block, layers in [(torchvision.models.resnet18, Basic, [2, 2, 2, 2]), (torchvision.models.resnet50, Bottle, [3, 4, 6, 3])]:
        ref = tv(num_classes=10).eval()
        mine = MirrorResNet(block, layers, 10).eval()
        a = {k: v.shape for k, v in ref.state_dict().items()}
        b = {k: v.shape for k, v in mine.state_dict().items()}
        assert a == b, set(a) ^ set(b)
        mine.load_state_dict(ref.state_dict())
        x = torch.randn(2, 3, 64, 64)
        with torch.no_grad():
            assert torch.equal(ref(x), mine(x)[0])
    print("mirror == torchvision ResNet-18/50 (keys, shapes, outputs)")


def save_npy(name, t):
    a = t.detach().numpy().astype(np.float32)
    np.save(os.path.join(OUT, name), a.reshape(a.shape[0], -1))


def main():
    os.makedirs(OUT, exist_ok=True)
    check_mirror()
    g = torch.Generator().manual_seed(0)

    # ResNet-18 layout, width 1/8, ImageNet stem → safetensors.
    r18 = MirrorResNet(Basic, [2, 2, 2, 2], 5, width=0.125).eval()
    randomize_bn(r18, g)
    x = torch.randn(2, 3, 64, 64, generator=g)
    with torch.no_grad():
        logits, feats = r18(x)
    save_file({k: v.contiguous() for k, v in r18.state_dict().items()}, os.path.join(OUT, "resnet18_w0125.safetensors"))
    save_npy("resnet18_input.npy", x)
    save_npy("resnet18_logits.npy", logits)
    save_npy("resnet18_features.npy", feats)

    # ResNet-50 layout (bottlenecks), width 1/16, CIFAR stem, 1 input channel → .pth.
    r50 = MirrorResNet(Bottle, [3, 4, 6, 3], 4, width=0.0625, in_ch=1, cifar_stem=True).eval()
    randomize_bn(r50, g)
    x = torch.randn(2, 1, 28, 28, generator=g)
    with torch.no_grad():
        logits, feats = r50(x)
    torch.save(r50.state_dict(), os.path.join(OUT, "r50_cifar.pth"))
    save_npy("resnet50_input.npy", x)
    save_npy("resnet50_logits.npy", logits)
    save_npy("resnet50_features.npy", feats)

    # timm ViT, tiny: 32×32, patch 8, dim 48, depth 2, 3 heads.
    torch.manual_seed(1)
    vit = timm.models.vision_transformer.VisionTransformer(
        img_size=32, patch_size=8, in_chans=3, num_classes=7, embed_dim=48, depth=2, num_heads=3, mlp_ratio=4.0
    ).eval()
    with torch.no_grad():
        vit.cls_token.normal_(0, 0.5)
        vit.pos_embed.normal_(0, 0.5)
    x = torch.randn(2, 3, 32, 32, generator=g)
    with torch.no_grad():
        feats = vit.forward_head(vit.forward_features(x), pre_logits=True)
        logits = vit.head(feats)
    sd = {k: v.contiguous() for k, v in vit.state_dict().items()}
    save_file(sd, os.path.join(OUT, "vit_tiny_p8.safetensors"))
    torch.save({"model": vit.state_dict()}, os.path.join(OUT, "vit_tiny_p8.pth"))
    save_npy("vit_input.npy", x)
    save_npy("vit_logits.npy", logits)
    save_npy("vit_features.npy", feats)
    print("keys:", sorted(sd)[:8], "...")


if __name__ == "__main__":
    main()
