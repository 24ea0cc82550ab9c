"""Overhead of a full dense contrastive step over the bare backbone compute, same batch.

Full: two views, query forward+backward with both heads, key forward, matching, both losses,
queue update, momentum update, optimizer step. Bare (strict): the backbone passes this step
makes, query forward+backward on view 1 and key forward on view 2. Bare (as the issue words
it): two query forward+backward passes plus one key forward; our step is DenseCL's, not
symmetrised, so the strict reference is the meaningful one. Target: full / bare <= 1.15.
Usage: python benchmarks/bench_step.py [--threads 2] [--batch 64]
"""

from __future__ import annotations

import torch
from _common import QuickStep, interleaved_times, median, parse_args, quartiles, quick_config

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
            full, bare, two = interleaved_times([lambda: step.full(v1, v2), lambda: step.bare(v1, v2),
                                                 lambda: step.bare_two_queries(v1, v2)], repeats=25)
            strict = [f / b for f, b in zip(full, bare)]
            worded = [f / b for f, b in zip(full, two)]
            low, high = quartiles(strict)
            print(f"{name}, {strategy}: full {median(full) * 1e3:.0f} ms, bare {median(bare) * 1e3:.0f} ms, "
                  f"bare as worded {median(two) * 1e3:.0f} ms (medians); ratio to strict bare: median "
                  f"{median(strict):.3f}, quartiles {low:.3f}-{high:.3f} "
                  f"({'PASS' if median(strict) <= 1.15 else 'FAIL'}); to bare as worded: {median(worded):.3f} "
                  f"({'PASS' if median(worded) <= 1.15 else 'FAIL'}); {args.batch / median(full):.0f} img/s")


if __name__ == "__main__":
    main()
