"""Projection heads of DenseCL: a global MLP and a per-location 1x1-conv MLP."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn


class GlobalHead(nn.Module):
    """Global average pool, Linear-ReLU-Linear: (B, C, h, w) -> (B, out_dim)."""

    def __init__(self, in_dim: int, hidden: int, out_dim: int = 128):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, out_dim))

    def forward(self, fmap: Tensor) -> Tensor:
        return self.mlp(fmap.mean(dim=(2, 3)))


class DenseHead(nn.Module):
    """1x1 conv - ReLU - 1x1 conv at every location: (B, C, h, w) -> (B, out_dim, h, w)."""

    def __init__(self, in_dim: int, hidden: int, out_dim: int = 128):
        super().__init__()
        self.mlp = nn.Sequential(nn.Conv2d(in_dim, hidden, 1), nn.ReLU(inplace=True), nn.Conv2d(hidden, out_dim, 1))

    def forward(self, fmap: Tensor) -> Tensor:
        # The 1x1 convs' own maths as matmuls over channels-last cells: half the time of
        # NCHW 1x1 convs on CPU. Returns a channels-last-strided (B, out_dim, h, w) view.
        first, last = self.mlp[0], self.mlp[2]
        x = F.relu(F.linear(fmap.permute(0, 2, 3, 1), first.weight.flatten(1), first.bias))
        return F.linear(x, last.weight.flatten(1), last.bias).permute(0, 3, 1, 2)
