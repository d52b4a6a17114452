"""PyTorch eager counterpart of `cargo bench -p pdc-models --bench throughput` (2 threads):
the same ResNet-18 (width 0.25, CIFAR stem, 1 channel) and ViT (28 px, patch 4, dim 96, depth 4,
4 heads, MLP ratio 2), batch 64, forward + backward of the cross-entropy.

    OMP_NUM_THREADS=2 python crates/models/benches/throughput_torch.py
"""
import os
import statistics
import sys
import time

import timm
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
from make_parity_fixtures import Basic, MirrorResNet  # noqa: E402

torch.set_num_threads(2)
x = torch.randn(64, 1, 28, 28)
y = torch.arange(64) % 10
models = {
    "resnet18_w0.25_cifar_stem": MirrorResNet(Basic, [2, 2, 2, 2], 10, width=0.25, in_ch=1, cifar_stem=True),
    "vit_p4_d96_depth4": timm.models.vision_transformer.VisionTransformer(
        img_size=28, patch_size=4, in_chans=1, num_classes=10, embed_dim=96, depth=4, num_heads=4, mlp_ratio=2.0),
}
for name, m in models.items():
    m.train()

    def step():
        out = m(x)
        logits = out[0] if isinstance(out, tuple) else out
        F.cross_entropy(logits, y).backward()

    step()
    times = []
    for _ in range(10):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    print(f"{name}: {med * 1000:.1f} ms/step, {64 / med:.0f} images/s (torch {torch.__version__}, {torch.get_num_threads()} threads)")
