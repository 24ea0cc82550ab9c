"""`dense-au study`: data, jobs, results table, TensorBoard HParams, report — resumably."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from dense_au.config import to_dict
from dense_au.data.embedded import SynthConfig, synthesize
from dense_au.errors import UserError
from dense_au.io import environment, write_json, write_yaml
from dense_au.study.report import write_report
from dense_au.study.results import collect, write_table
from dense_au.study.runner import JobContext, default_workers, run_local, run_slurm
from dense_au.study.spec import StudySpec, dataset_specs, expand_jobs, resolve_base

console = Console(stderr=True)


@contextmanager
def study_lock(out: Path):
    """One study per output directory: a second one started on it refuses (the first keeps going)."""
    out.mkdir(parents=True, exist_ok=True)
    handle = open(out / ".lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise UserError(f"{out}: another study is running on this directory (lock {out / '.lock'}); "
                        "wait for it or choose another --out") from None
    try:
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def prepare_data(spec: StudySpec, out: Path) -> dict[str, str]:
    """Synthesise the embedded datasets into OUT/data (reused when already there)."""
    paths = {}
    for name, d in dataset_specs(spec).items():
        if d.path is not None:
            if not Path(d.path).exists():
                raise UserError(f"datasets.{name}.path {d.path}: directory does not exist")
            paths[name] = str(Path(d.path).resolve())
            continue
        target = out / "data" / name
        synthesize(SynthConfig(d.kind, d.n_train, d.n_val, d.n_test, d.size, d.seed), target)
        paths[name] = str(target.resolve())
    return paths


def run_study(spec: StudySpec, out: str | Path, workers: int | None = None, executor: str = "local") -> dict:
    out = Path(out)
    with study_lock(out):
        write_yaml(out / "config.yaml", to_dict(spec))
        write_json(out / "environment.json", environment())
        jobs = expand_jobs(spec)
        workers = workers or min(default_workers(), len(jobs))
        threads = spec.threads_per_job or max(1, (os.cpu_count() or 1) // workers)
        ctx = JobContext(str(out.resolve()), str(resolve_base(spec)), prepare_data(spec, out), dict(spec.tasks),
                         spec.measure_split, spec.measure_limit, threads)
        console.print(f"study [bold]{spec.profile}[/]: {len(jobs)} models, {workers} worker(s) x {threads} thread(s)")
        if executor == "local":
            run_local(jobs, ctx, workers)
        elif executor == "slurm":
            run_slurm(jobs, ctx)
        else:
            raise UserError(f"unknown executor {executor!r}; expected local or slurm")
        table = collect(out)
        write_table(table, out / "results.csv")
        write_hparams(table, out)
        summary = write_report(out, spec.profile, table, list(spec.tasks))
    print_headline(summary)
    return summary


def write_hparams(table: pd.DataFrame, out: Path) -> None:
    """One TensorBoard HParams entry per model, so `tensorboard --logdir DIR` shows the sweep."""
    from torch.utils.tensorboard import SummaryWriter

    score_cols = [c for c in ("linear_top1", "knn_top1", "segmentation_miou", "backbone.dense_alignment",
                              "backbone.dense_uniformity") if c in table]
    hp_cols = [c for c in table.columns if c in ("pretrain", "strategy", "seed") or c.startswith(("loss.", "optim.", "model."))]
    for _, r in table.iterrows():
        with SummaryWriter(str(out / "tb" / r["run_id"])) as w:
            hparams = {c: (r[c] if isinstance(r[c], (int, float, str, bool)) else str(r[c])) for c in hp_cols}
            w.add_hparams(hparams, {f"hparam/{c}": float(r[c]) for c in score_cols}, run_name=".")


def print_headline(summary: dict) -> None:
    table = Table(title=f"ρ_AU (dense, backbone) — {summary['n_models']} models")
    for col in ("pretrain", "task", "n", "ρ_AU", "95% CI", "p"):
        table.add_column(col)
    for c in summary["correlation"]:
        if c["level"] == "dense" and c["layer"] == "backbone":
            table.add_row(c["pretrain"], c["task"], str(c["n"]), f"{c['tau']:+.2f}",
                          f"[{c['ci95'][0]:+.2f}, {c['ci95'][1]:+.2f}]", f"{c['p']:.3f}")
    Console().print(table)
    for line in summary.get("findings", []):
        Console().print(f"• {line}")
