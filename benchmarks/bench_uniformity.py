"""Exact blockwise `uniformity` against the usual torch.pdist form, same points, same run.

Reference: torch.pdist(x).pow(2).mul(-t).exp().mean().log(). Each method runs in a fresh
subprocess so its peak RSS (minus the RSS with the points loaded) is its own.
Targets at N = 40k, 128-d: at least 2x faster, at most 1/5 of the peak memory, value equal to
1e-5 relative. Usage: python benchmarks/bench_uniformity.py [--sizes 10000 40000] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time, torch, torch.nn.functional as F
from dense_au.metrics import uniformity
n, method, threads = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
torch.set_num_threads(threads)
x = F.normalize(torch.randn(n, 128, generator=torch.Generator().manual_seed(0)), dim=1)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
if method == "pdist":
    value = torch.pdist(x).pow(2).mul(-2.0).exp().mean().log().item()
else:
    value = uniformity(x, 2.0).item()
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
print(json.dumps({"value": value, "seconds": seconds, "peak_mb": peak / 1024}))
"""


def run(n: int, method: str, threads: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), method, str(threads)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def probe_memory(n: int, seconds: float, threads: int) -> None:
    """Peak memory of the exact method at a size too large to finish here: run it for `seconds`
    (every block pair allocates the same temporaries, so the peak is reached in the first
    blocks), read the kernel's high-water mark of resident memory, then stop it."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(n), "exact", str(threads)])
    time.sleep(seconds)
    status = Path(f"/proc/{proc.pid}/status").read_text()
    hwm_kb = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
    proc.kill()
    proc.wait()
    print(f"N={n}: exact method, peak resident memory of the whole process after {seconds:.0f} s "
          f"(torch and the points included): {hwm_kb / 1024:.0f} MB; target <= 2048 MB: "
          f"{'PASS' if hwm_kb / 1024 <= 2048 else 'FAIL'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 40_000])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--probe-memory", type=int, metavar="N", help="only measure peak memory at N points")
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    if args.probe_memory:
        probe_memory(args.probe_memory, args.seconds, args.threads)
        return
    for n in args.sizes:
        ref, ours = run(n, "pdist", args.threads), run(n, "exact", args.threads)
        speed = ref["seconds"] / ours["seconds"]
        mem = ours["peak_mb"] / max(ref["peak_mb"], 1e-9)
        rel = abs(ours["value"] - ref["value"]) / abs(ref["value"])
        ok = speed >= 2 and mem <= 0.2 and rel <= 1e-5
        print(f"N={n}: pdist {ref['seconds']:.2f} s, {ref['peak_mb']:.0f} MB | exact {ours['seconds']:.2f} s, "
              f"{ours['peak_mb']:.0f} MB | speed-up {speed:.2f}x, memory ratio {mem:.3f}, rel. diff {rel:.1e}"
              + (f" | target: {'PASS' if ok else 'FAIL'}" if n >= 40_000 else ""))


if __name__ == "__main__":
    main()
