"""Cost of the downstream probes for the quick-profile model, feature extraction included.

Targets on this 2-core machine: linear probe <= 20 s, segmentation probe <= 60 s (fresh feature
caches each time). Reference in the same run: the feature extraction alone.
Usage: python benchmarks/bench_evaluate.py [--run RUN] [--threads 2]
(without --run, trains configs/train/quick.yaml on freshly generated data first)
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import torch

from dense_au.config import load_config
from dense_au.data.embedded import SynthConfig, synthesize
from dense_au.evaluate.run import evaluate_run
from dense_au.train import TrainConfig, train

QUICK = Path(__file__).resolve().parents[1] / "configs" / "train" / "quick.yaml"


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--run", type=Path)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    tmp = Path(tempfile.mkdtemp())
    single = synthesize(SynthConfig("single", 2000, 500, 500, 64, 0), tmp / "single")
    multi = synthesize(SynthConfig("multi", 2000, 500, 500, 64, 1), tmp / "multi")
    run = args.run or tmp / "run"
    if args.run is None:
        train(load_config(TrainConfig, QUICK, [f"data.path={single}"]), run)
    for task, data, target in (("linear", single, 20), ("segmentation", multi, 60)):
        shutil.rmtree(run / "features", ignore_errors=True)
        total = timed(lambda: evaluate_run(run, task, data))
        probe_only = timed(lambda: evaluate_run(run, task, data))  # features now cached
        print(f"{task}: {total:.1f} s with feature extraction (target <= {target} s: "
              f"{'PASS' if total <= target else 'FAIL'}); {probe_only:.1f} s from cached features; "
              f"extraction {total - probe_only:.1f} s")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
