"""Projection heads of DenseCL: a global MLP and a per-location 1x1-conv MLP."""

from __future__ import annotations

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
        return self.mlp(fmap)
