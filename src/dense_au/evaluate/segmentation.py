"""Dense segmentation probe: a 1x1 convolution on the frozen backbone map, cross-entropy with
ignore index 255, logits upsampled bilinearly to label resolution; mIoU from one confusion
matrix over the whole split. The learning rate is chosen on the validation split."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dense_au.data.sample import IGNORE_INDEX
from dense_au.evaluate.miou import confusion_matrix, miou, pixel_accuracy

LR_GRID = (0.01, 0.1)


def _standardise(train: Tensor, *others: Tensor) -> list[Tensor]:
    mean = train.float().mean(dim=(0, 2, 3), keepdim=True)
    std = train.float().std(dim=(0, 2, 3), keepdim=True) + 1e-6
    return [(x.float() - mean) / std for x in (train, *others)]


def _logits(probe: nn.Module, maps: Tensor, size: tuple[int, int]) -> Tensor:
    return F.interpolate(probe(maps), size=size, mode="bilinear", align_corners=False)


def train_probe(maps: Tensor, masks: Tensor, num_classes: int, lr: float, epochs: int = 8,
                batch: int = 100, seed: int = 0) -> nn.Module:
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    probe = nn.Conv2d(maps.shape[1], num_classes, 1)
    opt = torch.optim.AdamW(probe.parameters(), lr=lr, weight_decay=1e-4)
    for _ in range(epochs):
        for idx in torch.randperm(len(maps), generator=g).split(batch):
            loss = F.cross_entropy(_logits(probe, maps[idx], masks.shape[-2:]), masks[idx].long(),
                                   ignore_index=IGNORE_INDEX)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return probe


@torch.no_grad()
def evaluate_probe(probe: nn.Module, maps: Tensor, masks: Tensor, num_classes: int, batch: int = 200) -> Tensor:
    """The confusion matrix accumulated over the whole split."""
    conf = torch.zeros(num_classes, num_classes, dtype=torch.long)
    for s in range(0, len(maps), batch):
        pred = _logits(probe, maps[s:s + batch], masks.shape[-2:]).argmax(1)
        conf += confusion_matrix(pred, masks[s:s + batch].long(), num_classes)
    return conf


def segmentation_probe(train: tuple, val: tuple, test: tuple, num_classes: int, absent: str = "skip",
                       lrs=LR_GRID, epochs: int = 8) -> dict:
    """train/val/test: (maps (N, C, h, w), masks (N, H, W)). Reports test mIoU (both conventions)."""
    xtr, xva, xte = _standardise(train[0], val[0], test[0])
    val_miou, best = {}, None
    for lr in lrs:  # selection reads train and val only
        probe = train_probe(xtr, train[1], num_classes, lr, epochs)
        val_miou[lr] = miou(evaluate_probe(probe, xva, val[1], num_classes), absent)
        if best is None or val_miou[lr] > val_miou[best[0]]:
            best = (lr, probe)
    conf = evaluate_probe(best[1], xte, test[1], num_classes)
    return {"metric": "miou", "selected_on": "val", "absent_classes": absent,
            "hyperparameters": {"lr": best[0], "lr_grid": list(lrs), "epochs": epochs, "optimizer": "adamw"},
            "val_scores": {f"{k:g}": v for k, v in val_miou.items()},
            "scores": {"miou": miou(conf, absent), "miou_zero": miou(conf, "zero"), "miou_skip": miou(conf, "skip"),
                       "pixel_accuracy": pixel_accuracy(conf), "val_miou": val_miou[best[0]]}}
