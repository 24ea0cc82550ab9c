"""Confusion matrix, mIoU under both conventions for absent classes, and pixel accuracy."""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from dense_au.data.sample import IGNORE_INDEX


def confusion_matrix(pred: Tensor, target: Tensor, num_classes: int, ignore_index: int = IGNORE_INDEX) -> Tensor:
    """(C, C) int64 counts, rows = target class, columns = predicted class; ignored pixels skipped."""
    if pred.shape != target.shape:
        raise ValueError(f"confusion_matrix: pred {tuple(pred.shape)} and target {tuple(target.shape)} differ")
    keep = target != ignore_index
    t, p = target[keep].long(), pred[keep].long()
    if t.numel() and (t.min() < 0 or t.max() >= num_classes):
        raise ValueError(f"confusion_matrix: target ids {t.unique().tolist()[:5]} outside 0..{num_classes - 1} "
                         f"(other than ignore {ignore_index})")
    return torch.bincount(t * num_classes + p.clamp(0, num_classes - 1),
                          minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def iou_per_class(confusion: Tensor) -> Tensor:
    """IoU of each class; NaN where the union is empty (class absent from targets and predictions)."""
    c = confusion.double()
    inter = c.diagonal()
    union = c.sum(0) + c.sum(1) - inter
    return torch.where(union > 0, inter / union.clamp(min=1), torch.full_like(inter, float("nan")))


def miou(confusion: Tensor, absent: Literal["skip", "zero"] = "skip") -> float:
    """Mean IoU. absent="skip" (default, mmseg) leaves out classes with an empty union;
    absent="zero" counts them as 0."""
    iou = iou_per_class(confusion)
    if absent == "skip":
        present = ~iou.isnan()
        return float(iou[present].mean()) if present.any() else float("nan")
    if absent == "zero":
        return float(torch.nan_to_num(iou, nan=0.0).mean())
    raise ValueError(f"miou: absent must be 'skip' or 'zero', got {absent!r}")


def pixel_accuracy(confusion: Tensor) -> float:
    total = confusion.sum()
    return float(confusion.diagonal().sum().double() / total) if total else float("nan")
