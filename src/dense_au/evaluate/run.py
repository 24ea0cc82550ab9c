"""`dense-au evaluate`: one downstream task of a run (or its random-init baseline) -> eval.json."""

from __future__ import annotations

import json
from pathlib import Path

from dense_au.errors import UserError
from dense_au.evaluate.features import FeatureSet, cached_features
from dense_au.evaluate.knn import knn_probe
from dense_au.evaluate.linear import linear_probe
from dense_au.evaluate.segmentation import segmentation_probe
from dense_au.io import write_json

TASKS = ("linear", "knn", "segmentation")
BASELINES = ("random-init",)
SPLITS = ("train", "val", "test")


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


def evaluate_run(run_dir: str | Path, task: str, data: str | Path, baseline: str | None = None,
                 absent: str = "skip") -> dict:
    """Evaluate and merge the result into RUN_DIR/eval.json (atomically); returns the task entry."""
    run_dir = Path(run_dir)
    if task not in TASKS:
        raise UserError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    backbone, cfg, fingerprint = _backbone(run_dir, baseline)
    cache = run_dir / "features" / (baseline or "trained")
    sets = {s: cached_features(backbone, cache, fingerprint, data, s, cfg.data.size) for s in SPLITS}
    entry = {"data": str(data), "split_sizes": {s: len(sets[s]) for s in SPLITS}, "reported_on": "test",
             **run_task(task, sets, absent)}
    path = run_dir / "eval.json"
    results = json.loads(path.read_text()) if path.is_file() else {}
    if baseline:
        results.setdefault("baselines", {}).setdefault(baseline, {})[task] = entry
    else:
        results[task] = entry
    write_json(path, results)
    return entry
