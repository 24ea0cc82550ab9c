"""The one sample type every loader returns, and the in-memory split the toolkit trains on."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

IGNORE_INDEX = 255  # mask value that losses and mIoU skip (VOC convention)


@dataclass
class Sample:
    """One image with whatever annotation its layout provides.

    image:  (3, H, W) float32 in [0, 1].
    label:  class id (0-based) for single-label classification, else None.
    labels: image-level label set (0-based class ids), else None.
    mask:   (H, W) int64 semantic mask: 0 = background, k = class k-1, 255 = ignore; else None.
    """

    image: Tensor
    name: str
    label: int | None = None
    labels: tuple[int, ...] | None = None
    mask: Tensor | None = None


@dataclass
class Split:
    """A whole split held in memory at one size: what training and evaluation iterate over.

    images: (N, 3, S, S) uint8; labels: (N,) int64, -1 where unknown;
    label_sets: (N, C) bool multi-hot; masks: (N, S, S) uint8 or None.
    """

    images: Tensor
    labels: Tensor
    label_sets: Tensor
    masks: Tensor | None
    names: list[str]
    class_names: list[str]
    skipped: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return self.images.shape[0]

    def float_images(self, index: Tensor | slice = slice(None)) -> Tensor:
        return self.images[index].float().div_(255.0)


def label_set_from_mask(mask: Tensor, num_classes: int) -> tuple[int, ...]:
    """Class ids (0-based) present in a semantic mask, background and ignore left out."""
    ids = torch.unique(mask)
    return tuple(int(i) - 1 for i in ids if 0 < int(i) <= num_classes)
