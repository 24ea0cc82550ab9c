"""Overhead of a full dense contrastive step over the bare backbone compute, same batch.

Full: two views, query forward+backward with both heads, key forward, matching, both losses,
queue update, momentum update, optimizer step. Bare: query backbone forward+backward and key
backbone forward on the same views. Target: full / bare <= 1.15.
Usage: python benchmarks/bench_step.py [--threads 2] [--batch 64]
"""

from __future__ import annotations

import torch
from _common import QuickStep, paired_times, parse_args, quick_config

SETTINGS = {
    "quick (width 1/4, 48 px, queue 1024)": [],
    "width 1/2, 64 px, queue 1024": ["model.backbone.width=0.5", "views.size=64"],
}


def main() -> None:
    args = parse_args(__doc__)
    images = torch.rand(args.batch, 3, 64, 64)
    for name, overrides in SETTINGS.items():
        for strategy in ("geometric", "feature"):
            step = QuickStep(quick_config(f"batch_size={args.batch}", f"loss.strategy={strategy}", *overrides))
            v1, v2 = step.views(images)
            t_full, t_bare, ratios = paired_times(lambda: step.full(v1, v2), lambda: step.bare(v1, v2),
                                                  repeats=25)
            ratio, low, high = ratios[len(ratios) // 2], ratios[len(ratios) // 4], ratios[3 * len(ratios) // 4]
            print(f"{name}, {strategy}: full {t_full * 1e3:.0f} ms, bare {t_bare * 1e3:.0f} ms (medians), "
                  f"paired ratio median {ratio:.3f}, quartiles {low:.3f}-{high:.3f} "
                  f"(target <= 1.15: {'PASS' if ratio <= 1.15 else 'FAIL'}), {args.batch / t_full:.0f} img/s")


if __name__ == "__main__":
    main()
