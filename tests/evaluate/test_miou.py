"""mIoU against a slow per-pixel reference, with ignored pixels, under both conventions."""

import math

import pytest
import torch

from dense_au.evaluate import confusion_matrix, miou
from dense_au.evaluate.miou import pixel_accuracy


def slow_miou(pred, target, c, absent):
    ious = []
    for k in range(c):
        inter = union = 0
        for p, t in zip(pred.flatten().tolist(), target.flatten().tolist()):
            if t == 255:
                continue
            inter += p == k and t == k
            union += p == k or t == k
        if union == 0:
            if absent == "zero":
                ious.append(0.0)
            continue
        ious.append(inter / union)
    return sum(ious) / len(ious)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("absent", ["skip", "zero"])
def test_miou_equals_slow_reference(seed, absent):
    g = torch.Generator().manual_seed(seed)
    c = 7
    target = torch.randint(0, 5, (3, 9, 11), generator=g)  # classes 5 and 6 never in targets
    target[torch.rand(target.shape, generator=g) < 0.2] = 255
    pred = torch.randint(0, 6, target.shape, generator=g)  # class 6 never predicted: empty union
    conf = confusion_matrix(pred, target, c)
    assert miou(conf, absent) == pytest.approx(slow_miou(pred, target, c, absent), abs=1e-12)
    assert conf.sum() == (target != 255).sum()


def test_perfect_prediction_and_accuracy():
    t = torch.tensor([[0, 1], [2, 255]])
    conf = confusion_matrix(t.clone(), t, 4)
    assert miou(conf) == 1.0 and miou(conf, "zero") == 0.75 and pixel_accuracy(conf) == 1.0


def test_bad_inputs():
    with pytest.raises(ValueError, match="differ"):
        confusion_matrix(torch.zeros(2, 2), torch.zeros(3, 2), 3)
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix(torch.zeros(2), torch.tensor([0, 9]), 3)
    with pytest.raises(ValueError, match="absent"):
        miou(torch.eye(2), "drop")
    assert math.isnan(miou(torch.zeros(2, 2, dtype=torch.long)))
