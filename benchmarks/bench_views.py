"""Two-view sampling cost against one training step of the quick model, same batch of 256.

Target: sampling (crop, flip, photometric, both views) at most 10% of the step.
Usage: python benchmarks/bench_views.py [--threads 2]
"""

from __future__ import annotations

import torch
from _common import QuickStep, best_time, parse_args, quick_config


def main() -> None:
    args = parse_args(__doc__, batch=256)
    images = torch.rand(args.batch, 3, 64, 64)
    for view_size in (48, 64):
        step = QuickStep(quick_config(f"batch_size={args.batch}", f"views.size={view_size}"))
        v1, v2 = step.views(images)
        t_views = best_time(lambda: step.views(images))
        t_step = best_time(lambda: step.full(v1, v2), repeats=3, warmup=1)
        ratio = t_views / t_step
        print(f"views {view_size}px, batch {args.batch}: sampling {t_views * 1e3:.0f} ms, step {t_step * 1e3:.0f} ms, "
              f"ratio {ratio:.3f} (target <= 0.10: {'PASS' if ratio <= 0.10 else 'FAIL'})")


if __name__ == "__main__":
    main()
