"""The results table: one row per finished model, rebuilt from the per-run JSON files.

The JSON files in each run directory stay the source of truth; the table is derived from them
every time, so it can never hold a duplicate or a stale row.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from dense_au.io import atomic_path

LAYERS = ("backbone", "projection")
LEVELS = ("instance", "dense")
SCORE_COLUMNS = {"linear": "linear_top1", "knn": "knn_top1", "segmentation": "segmentation_miou"}


def score_columns(task: str, entry: dict) -> dict[str, float]:
    """Columns of one eval.json entry: the headline score under its public name, then the rest."""
    scores = entry["scores"]
    metric = entry["metric"]
    name = SCORE_COLUMNS[task] if metric in ("top1", "miou") else f"{task}_{metric.lower()}"
    cols = {name: scores[metric]}
    cols.update({f"{task}_{k.lower()}": v for k, v in scores.items() if k != metric})
    return cols


def row(run: Path) -> dict:
    done = json.loads((run / "done.json").read_text())
    measure = json.loads((run / "measure.json").read_text())
    evals = json.loads((run / "eval.json").read_text())
    config = hashlib.sha1(json.dumps([done["pretrain"], done["settings"]], sort_keys=True).encode()).hexdigest()[:8]
    r = {"run_id": done["run_id"], "config": config, "pretrain": done["pretrain"], "seed": done["seed"],
         "strategy": done["settings"].get("loss.strategy", "base")}
    r.update({k: v for k, v in done["settings"].items() if k != "loss.strategy"})
    for layer in LAYERS:
        r.update({f"{layer}.{k}": v for k, v in measure[layer].items()})
    r.update({"feature_match_exact": measure["feature_matching"]["exact"],
              "feature_match_within_one": measure["feature_matching"]["within_one"],
              "valid_fraction": measure["valid_fraction"], "measure_n_cells": measure["n_cells"]})
    for task, entry in evals.items():
        if task != "baselines":
            r.update(score_columns(task, entry))
    return r


def collect(out: str | Path) -> pd.DataFrame:
    runs = sorted((Path(out) / "runs").glob("*/done.json"))
    return pd.DataFrame([row(p.parent) for p in runs])


def write_table(table: pd.DataFrame, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)
