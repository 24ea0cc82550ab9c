"""Generation speed of the embedded datasets: 10,000 images at 64 px (target: at most 60 s).

Reference measured in the same run: writing the same number of pre-drawn images as PNG
(the I/O floor), so the ratio shows what scene drawing adds.
Usage: python benchmarks/bench_synth.py [--n 10000] [--kind single|multi]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from dense_au.data.embedded import SynthConfig, synthesize


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--kind", default="multi")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        synthesize(SynthConfig(args.kind, args.n, 0, 0, 64, seed=0), Path(tmp) / "d")
        gen = time.perf_counter() - t
        img = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
        t = time.perf_counter()
        for i in range(args.n // 10):
            Image.fromarray(img).save(Path(tmp) / f"{i}.png", compress_level=1)
        floor = (time.perf_counter() - t) * 10
    print(f"synth {args.kind}: {args.n} images at 64 px in {gen:.1f} s ({args.n / gen:.0f} img/s); "
          f"target <= 60 s: {'PASS' if gen <= 60 else 'FAIL'}")
    print(f"reference (PNG writes only, single process, extrapolated): {floor:.1f} s; ratio {gen / floor:.2f}x")


if __name__ == "__main__":
    main()
