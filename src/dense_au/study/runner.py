"""Run a study's jobs (train -> measure -> evaluate) locally in a process pool or on Slurm.

Every job writes only inside its own run directory and is idempotent: a finished stage is
skipped, an interrupted training resumes from its checkpoint, and `done.json` marks the end.
Nothing here knows which executor ran a job.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from dense_au.io import write_json
from dense_au.progress import make_progress
from dense_au.study.spec import Job


@dataclass(frozen=True)
class JobContext:
    """What every job needs besides its own settings (picklable, for process pools and Slurm)."""

    out: str
    base_config: str
    data: dict           # dataset name -> path
    tasks: dict          # task -> dataset name
    measure_split: str
    measure_limit: int | None
    threads: int


def run_dir(ctx: JobContext, job: Job) -> Path:
    return Path(ctx.out) / "runs" / job.run_id


def run_job(job: Job, ctx: JobContext) -> str:
    """Train, measure and evaluate one model; each stage only if not already done."""
    import torch

    from dense_au.config import load_config
    from dense_au.evaluate.measure import measure_run
    from dense_au.evaluate.run import evaluate_run
    from dense_au.train import TrainConfig, train

    torch.set_num_threads(ctx.threads)
    out = run_dir(ctx, job)
    if (out / "done.json").is_file():
        return job.run_id
    cfg = load_config(TrainConfig, ctx.base_config,
                      [*job.overrides, f"data.path={ctx.data[job.pretrain]}", f"threads={ctx.threads}"])
    train(cfg, out)
    if not (out / "measure.json").is_file():
        write_json(out / "measure.json", measure_run(out, ctx.data[job.pretrain], ctx.measure_split, ctx.measure_limit))
    evals = json.loads((out / "eval.json").read_text()) if (out / "eval.json").is_file() else {}
    for task, dataset in ctx.tasks.items():
        if task not in evals:
            evaluate_run(out, task, ctx.data[dataset])
    write_json(out / "done.json", {"run_id": job.run_id, "pretrain": job.pretrain, "seed": job.seed,
                                   "settings": job.settings, "overrides": list(job.overrides)})
    return job.run_id


def _run_job_args(args: tuple[Job, JobContext]) -> str:
    return run_job(*args)


def run_local(jobs: list[Job], ctx: JobContext, workers: int) -> None:
    """A process pool of `workers`; each job uses ctx.threads torch threads."""
    todo = [j for j in jobs if not (run_dir(ctx, j) / "done.json").is_file()]
    with make_progress() as progress:
        task = progress.add_task("study", total=len(jobs), completed=len(jobs) - len(todo))
        if workers <= 1:
            for job in todo:
                run_job(job, ctx)
                progress.advance(task)
            return
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            for fut in as_completed([pool.submit(_run_job_args, (j, ctx)) for j in todo]):
                fut.result()
                progress.advance(task)


def run_slurm(jobs: list[Job], ctx: JobContext, slurm: dict | None = None) -> None:
    """Submit the unfinished jobs as a Slurm job array through submitit, and wait for them."""
    import submitit

    todo = [j for j in jobs if not (run_dir(ctx, j) / "done.json").is_file()]
    if not todo:
        return
    executor = submitit.AutoExecutor(folder=str(Path(ctx.out) / "slurm"))
    executor.update_parameters(**{"timeout_min": 240, "cpus_per_task": ctx.threads, **(slurm or {})})
    for fut in executor.map_array(run_job, todo, [ctx] * len(todo)):
        fut.result()


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)
