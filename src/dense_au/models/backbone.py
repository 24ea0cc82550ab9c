"""torchvision ResNet backbones with options for small inputs and a width multiplier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from torch import Tensor, nn
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

ARCHS = {"resnet18": (BasicBlock, [2, 2, 2, 2]), "resnet34": (BasicBlock, [3, 4, 6, 3]),
         "resnet50": (Bottleneck, [3, 4, 6, 3])}


@dataclass(frozen=True)
class BackboneConfig:
    """A standard torchvision ResNet; the defaults suit 64 px inputs on a CPU.

    torchvision's ImageNet stem is stem_stride=2, stem_kernel=7, maxpool=True, width=1.0.
    """

    arch: Literal["resnet18", "resnet34", "resnet50"] = "resnet18"
    width: float = 0.25        # multiplier on every stage's channels (1.0 = torchvision)
    stem_stride: int = 2       # stride of the first convolution
    stem_kernel: int = 3       # 7 in torchvision; 3 keeps detail at small inputs
    maxpool: bool = False      # the stem max-pool (another stride 2)
    last_stride: int = 1       # stride of stage 4; 1 doubles the dense grid


class Backbone(nn.Module):
    """ResNet trunk built from torchvision's own blocks: image (B, 3, H, W) -> map (B, C, h, w).

    Randomly initialised with torchvision's scheme (no pretrained weights exist offline).
    """

    def __init__(self, cfg: BackboneConfig = BackboneConfig()):
        super().__init__()
        self.cfg = cfg
        block, layers = ARCHS[cfg.arch]
        widths = [max(8, round(c * cfg.width)) for c in (64, 128, 256, 512)]
        # Borrow ResNet._make_layer so the blocks, downsampling and init are torchvision's.
        builder = ResNet(block, layers)
        builder.inplanes = widths[0]
        self.stem = nn.Sequential(
            nn.Conv2d(3, widths[0], cfg.stem_kernel, cfg.stem_stride, cfg.stem_kernel // 2, bias=False),
            nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, 1) if cfg.maxpool else nn.Identity())
        strides = [1, 2, 2, cfg.last_stride]
        self.stages = nn.Sequential(*[builder._make_layer(block, w, n, stride=s)
                                      for w, n, s in zip(widths, layers, strides)])
        self.out_channels = widths[3] * block.expansion
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: Tensor) -> Tensor:
        return self.stages(self.stem(x))

    def grid(self, size: int) -> tuple[int, int]:
        return feature_grid(self.cfg, size)


def strides_of(cfg: BackboneConfig) -> list[int]:
    """The strides of the stem conv, stem max-pool, and stages 2, 3, 4."""
    return [cfg.stem_stride, 2 if cfg.maxpool else 1, 2, 2, cfg.last_stride]


def feature_grid(cfg: BackboneConfig, size: int) -> tuple[int, int]:
    """The feature-map grid for a square input of side `size` (each stride-2 op rounds up)."""
    for stride in strides_of(cfg):
        size = -(-size // stride)
    return size, size
