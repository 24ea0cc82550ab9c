"""Two-view sampling that records its geometry: random resized crop, flip, photometric."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from dense_au.views.correspondence import View
from dense_au.views.photometric import PhotometricConfig, photometric


@dataclass(frozen=True)
class ViewConfig:
    """How the two views are drawn (defaults: MoCo-v2 / DenseCL recipe, scaled to small images)."""

    size: int = 64                           # output side S of each view
    scale: tuple[float, float] = (0.2, 1.0)  # crop area as a fraction of the source area
    ratio: tuple[float, float] = (3 / 4, 4 / 3)  # crop aspect ratio w / h
    flip_p: float = 0.5
    photometric: bool = True
    colour: PhotometricConfig = PhotometricConfig()


class ViewSampler:
    """Draw two augmented views of each image of a batch, all images at once.

    Crops are continuous boxes (no rounding), resampled bilinearly with `grid_sample`, so with
    `photometric=False` a view is an exact geometric resampling of its source.
    """

    def __init__(self, size: int = 64, scale=(0.2, 1.0), ratio=(3 / 4, 4 / 3), flip_p: float = 0.5,
                 photometric: bool = True, colour: PhotometricConfig = PhotometricConfig(),
                 generator: torch.Generator | None = None):
        self.cfg = ViewConfig(size, tuple(scale), tuple(ratio), flip_p, photometric, colour)
        self.generator = generator

    @classmethod
    def from_config(cls, cfg: ViewConfig, generator: torch.Generator | None = None) -> "ViewSampler":
        return cls(cfg.size, cfg.scale, cfg.ratio, cfg.flip_p, cfg.photometric, cfg.colour, generator)

    def __call__(self, images: Tensor) -> tuple[View, View]:
        return self.view(images), self.view(images)

    def view(self, images: Tensor) -> View:
        boxes = self.sample_boxes(len(images), images.shape[-2], images.shape[-1])
        flipped = torch.rand(len(images), generator=self.generator) < self.cfg.flip_p
        pixels = resample(images, boxes, flipped, self.cfg.size)
        if self.cfg.photometric:
            pixels = photometric(pixels, self.cfg.colour, self.generator)
        return View(pixels, boxes, flipped)

    def sample_boxes(self, n: int, height: int, width: int) -> Tensor:
        """(n, 4) crop boxes with area fraction in `scale` and log-uniform aspect in `ratio`."""
        g, area = self.generator, height * width
        frac = torch.rand(n, generator=g) * (self.cfg.scale[1] - self.cfg.scale[0]) + self.cfg.scale[0]
        lo, hi = math.log(self.cfg.ratio[0]), math.log(self.cfg.ratio[1])
        aspect = torch.exp(torch.rand(n, generator=g) * (hi - lo) + lo)
        # Clamping to the image (instead of torchvision's rejection loop) keeps this batched.
        w = torch.sqrt(frac * area * aspect).clamp(max=width)
        h = torch.sqrt(frac * area / aspect).clamp(max=height)
        x0 = torch.rand(n, generator=g) * (width - w)
        y0 = torch.rand(n, generator=g) * (height - h)
        return torch.stack([x0, y0, x0 + w, y0 + h], dim=1)


def sampling_grid(boxes: Tensor, flipped: Tensor, size: int, height: int, width: int) -> Tensor:
    """`grid_sample` grid (B, S, S, 2) that reads each box (flipped after the crop) at S x S."""
    boxes = boxes.float()
    bw, bh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    sign = 1.0 - 2.0 * flipped.float()
    # Output x_o in [-1, 1] -> source X = x0 + (x_o + 1) / 2 * w -> normalised 2 X / W - 1.
    theta = torch.zeros(len(boxes), 2, 3)
    theta[:, 0, 0] = sign * bw / width
    theta[:, 0, 2] = (2 * boxes[:, 0] + bw) / width - 1
    theta[:, 1, 1] = bh / height
    theta[:, 1, 2] = (2 * boxes[:, 1] + bh) / height - 1
    return F.affine_grid(theta, [len(boxes), 1, size, size], align_corners=False)


def resample(images: Tensor, boxes: Tensor, flipped: Tensor, size: int) -> Tensor:
    """Crop `boxes` out of `images` and resize to `size` (bilinear)."""
    grid = sampling_grid(boxes, flipped, size, images.shape[-2], images.shape[-1]).to(images)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)


def warp_masks(masks: Tensor, view: View) -> Tensor:
    """Warp (B, H, W) integer masks with a view's geometry (nearest neighbour)."""
    grid = sampling_grid(view.boxes, view.flipped, view.size, masks.shape[-2], masks.shape[-1])
    out = F.grid_sample(masks[:, None].float(), grid.to(masks.device), mode="nearest",
                        padding_mode="border", align_corners=False)
    return out[:, 0].round().to(masks.dtype)
