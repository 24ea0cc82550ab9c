"""`dense-au evaluate`: one downstream task of a run (or its random-init baseline) -> eval.json."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from dense_au.data import has_split
from dense_au.errors import UserError
from dense_au.evaluate.features import FeatureSet, cached_features
from dense_au.evaluate.knn import knn_probe
from dense_au.evaluate.linear import linear_probe
from dense_au.evaluate.segmentation import segmentation_probe
from dense_au.io import write_json

TASKS = ("linear", "knn", "segmentation")
BASELINES = ("random-init",)
SPLITS = ("train", "val", "test")
HELDOUT_FRACTION = 0.1  # of train: the validation split of a dataset without a test split (VOC)


def _backbone(run_dir: Path, baseline: str | None):
    """The run's trained backbone, or the same architecture freshly initialised (seeded)."""
    from dense_au.config import load_config
    from dense_au.train import TrainConfig
    from dense_au.train.loop import build_model, load_trained_checkpoint

    if baseline is None:
        model, cfg, ckpt = load_trained_checkpoint(run_dir)  # the file loaded keys the cache
        return model.query.backbone, cfg, f"{ckpt.name}:{ckpt.stat().st_mtime_ns}"
    if baseline not in BASELINES:
        raise UserError(f"unknown baseline {baseline!r}; expected one of {', '.join(BASELINES)}")
    cfg = load_config(TrainConfig, run_dir / "config.yaml")
    return build_model(cfg).query.backbone, cfg, f"random-init:seed{cfg.seed}"


def _arrays(fs: FeatureSet, multilabel: bool):
    y = fs.label_sets.numpy().astype(int) if multilabel else fs.labels.numpy()
    return fs.pooled.float().numpy(), y


def run_task(task: str, sets: dict[str, FeatureSet], absent: str = "skip") -> dict:
    """The probe of `task` on the train/val/test feature sets."""
    tr, va, te = (sets[s] for s in SPLITS)
    multilabel = bool((tr.labels < 0).any())  # no single label: multi-object data, label sets
    if task == "linear":
        return linear_probe(_arrays(tr, multilabel), _arrays(va, multilabel), _arrays(te, multilabel), multilabel)
    if task == "knn":
        y = (lambda fs: fs.label_sets.long()) if multilabel else (lambda fs: fs.labels)
        return knn_probe((tr.pooled, y(tr)), (va.pooled, y(va)), (te.pooled, y(te)),
                         len(tr.class_names), multilabel)
    if tr.masks is None:
        raise UserError("segmentation needs masks; use a dataset with segmentation masks (embedded, voc, coco)")
    return segmentation_probe((tr.maps, tr.masks), (va.maps, va.masks), (te.maps, te.masks),
                              len(tr.class_names) + 1, absent)


def _feature_sets(features, data: str | Path) -> tuple[dict[str, FeatureSet], str]:
    """train/val/test features; without a test split (VOC, most ImageFolders) the given val split
    is the test set and validation is carved from train, so test is still touched once."""
    if has_split(data, "test"):
        return {s: features(s) for s in SPLITS}, "train / val / test as given"
    if not (has_split(data, "train") and has_split(data, "val")):
        raise UserError(f"{data}: evaluation needs named splits train and val (and test, else val is "
                        "the test set); for an ImageFolder use ROOT/train/<class>/, ROOT/val/<class>/")
    train = features("train")
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(0))
    n_val = max(1, round(HELDOUT_FRACTION * len(train)))
    sets = {"train": train.subset(order[n_val:]), "val": train.subset(order[:n_val]), "test": features("val")}
    return sets, f"no test split: test = the given val split, val = a seeded {HELDOUT_FRACTION:.0%} of train (seed 0)"


def evaluate_run(run_dir: str | Path, task: str, data: str | Path, baseline: str | None = None,
                 absent: str = "skip") -> dict:
    """Evaluate and merge the result into RUN_DIR/eval.json (atomically); returns the task entry."""
    run_dir = Path(run_dir)
    if task not in TASKS:
        raise UserError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    backbone, cfg, fingerprint = _backbone(run_dir, baseline)
    cache = run_dir / "features" / (baseline or "trained")
    sets, protocol = _feature_sets(lambda s: cached_features(backbone, cache, fingerprint, data, s, cfg.data.size),
                                   data)
    entry = {"data": str(data), "split_protocol": protocol, "split_sizes": {s: len(sets[s]) for s in SPLITS},
             "reported_on": "test", **run_task(task, sets, absent)}
    path = run_dir / "eval.json"
    results = json.loads(path.read_text()) if path.is_file() else {}
    if baseline:
        results.setdefault("baselines", {}).setdefault(baseline, {})[task] = entry
    else:
        results[task] = entry
    write_json(path, results)
    return entry
