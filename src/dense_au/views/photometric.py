"""Batched photometric augmentation with per-image random parameters from one generator.

Hand-written (a few tensor ops each) rather than kornia's, so every draw comes from the
sampler's own `torch.Generator` and a seed fixes the whole pipeline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

_LUMA = torch.tensor([0.299, 0.587, 0.114])


@dataclass(frozen=True)
class PhotometricConfig:
    """MoCo-v2-style defaults; blur sigma is in pixels of the view."""

    jitter_p: float = 0.8
    brightness: float = 0.4
    contrast: float = 0.4
    saturation: float = 0.4
    hue: float = 0.1
    grayscale_p: float = 0.2
    blur_p: float = 0.5
    blur_sigma: tuple[float, float] = (0.1, 1.5)


def _uniform(n: int, lo: float, hi: float, g: torch.Generator | None) -> Tensor:
    return torch.rand(n, generator=g) * (hi - lo) + lo


def _coin(n: int, p: float, g: torch.Generator | None) -> Tensor:
    return torch.rand(n, generator=g) < p


def _gray(x: Tensor) -> Tensor:
    return (x * _LUMA.to(x)[None, :, None, None]).sum(1, keepdim=True)


def _rotate_hue(x: Tensor, angle: Tensor) -> Tensor:
    """Rotate chroma in YIQ space by `angle` radians per image (a cheap hue shift)."""
    to_yiq = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    cos, sin = angle.cos(), angle.sin()
    rot = torch.zeros(len(angle), 3, 3)
    rot[:, 0, 0] = 1
    rot[:, 1, 1], rot[:, 1, 2], rot[:, 2, 1], rot[:, 2, 2] = cos, -sin, sin, cos
    m = torch.linalg.inv(to_yiq) @ rot @ to_yiq
    return torch.einsum("bij,bjhw->bihw", m.to(x), x)


def color_jitter(x: Tensor, cfg: PhotometricConfig, g: torch.Generator | None) -> Tensor:
    n = len(x)
    on = _coin(n, cfg.jitter_p, g)[:, None, None, None].to(x.device)

    def factor(amount: float) -> Tensor:
        return _uniform(n, 1 - amount, 1 + amount, g)[:, None, None, None].to(x)

    out = x * factor(cfg.brightness)
    mean = _gray(out).mean(dim=(2, 3), keepdim=True)
    out = mean + (out - mean) * factor(cfg.contrast)
    gray = _gray(out)
    out = gray + (out - gray) * factor(cfg.saturation)
    out = _rotate_hue(out, _uniform(n, -cfg.hue, cfg.hue, g) * 2 * math.pi)
    return torch.where(on, out.clamp(0, 1), x)


def gaussian_blur(x: Tensor, sigma_range: tuple[float, float], p: float,
                  g: torch.Generator | None) -> Tensor:
    """Separable Gaussian blur, one sigma per image, as grouped convolutions."""
    n, c = x.shape[:2]
    sigma = _uniform(n, *sigma_range, g).to(x)
    on = _coin(n, p, g).to(x.device)
    radius = max(1, math.ceil(3 * sigma_range[1]))
    t = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    k = torch.exp(-0.5 * (t[None] / sigma[:, None]) ** 2)
    k = (k / k.sum(1, keepdim=True)).repeat_interleave(c, 0)  # (n*c, taps)
    y = x.reshape(1, n * c, *x.shape[2:])
    y = F.conv2d(F.pad(y, (radius, radius, 0, 0), mode="reflect"), k[:, None, None, :], groups=n * c)
    y = F.conv2d(F.pad(y, (0, 0, radius, radius), mode="reflect"), k[:, None, :, None], groups=n * c)
    return torch.where(on[:, None, None, None], y.reshape_as(x), x)


def photometric(x: Tensor, cfg: PhotometricConfig, g: torch.Generator | None) -> Tensor:
    """Colour jitter, then random grayscale, then random blur."""
    x = color_jitter(x, cfg, g)
    gray = _coin(len(x), cfg.grayscale_p, g).to(x.device)[:, None, None, None]
    x = torch.where(gray, _gray(x).expand_as(x), x)
    return gaussian_blur(x, cfg.blur_sigma, cfg.blur_p, g)
