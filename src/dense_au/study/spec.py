"""Study specs: pre-training datasets, a grid of model configurations, seeds, downstream tasks."""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

from dense_au.config import from_dict, load_config, parse_override
from dense_au.errors import UserError

PROFILES_DIR = Path(__file__).resolve().parents[3] / "configs" / "study"
TASKS = ("linear", "knn", "segmentation")


@dataclass(frozen=True)
class DatasetSpec:
    """An embedded dataset to synthesise (`kind`), or real data at `path` in `layout`."""

    kind: str | None = None       # single | multi: synthesised into DIR/data/<name>
    path: str | None = None       # real data directory (then kind is left out)
    layout: str = "auto"
    n_train: int = 2000
    n_val: int = 500
    n_test: int = 500
    size: int = 64
    seed: int = 0


@dataclass(frozen=True)
class StudySpec:
    profile: str = "custom"
    base_config: str = "configs/train/quick.yaml"   # relative to the repository, or absolute
    base_overrides: list[str] = field(default_factory=list)
    datasets: dict = field(default_factory=dict)    # name -> DatasetSpec fields
    pretrain: list[str] = field(default_factory=list)  # dataset names to pre-train on
    tasks: dict = field(default_factory=dict)       # task -> dataset name (train/val/test splits)
    grid: dict = field(default_factory=dict)        # dotted training key -> list of values
    seeds: list[int] = field(default_factory=lambda: [0])
    measure_split: str = "val"
    measure_limit: int | None = None
    threads_per_job: int | None = None              # default: cores / workers


@dataclass(frozen=True)
class Job:
    """One model: train -> measure -> evaluate, in its own run directory."""

    run_id: str
    pretrain: str
    seed: int
    settings: dict            # grid values of this model (dotted keys)
    overrides: tuple[str, ...]  # everything applied on top of the base config


def load_spec(profile: str | None, spec_path: str | Path | None, overrides: list[str] = ()) -> StudySpec:
    if spec_path is None and profile is None:
        profile = "quick"
    path = Path(spec_path) if spec_path else PROFILES_DIR / f"{profile}.yaml"
    if spec_path is None and not path.is_file():
        have = sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))
        raise UserError(f"unknown study profile {profile!r}; expected one of {', '.join(have)}")
    spec = load_config(StudySpec, path, list(overrides))
    _validate(spec, dataset_specs(spec, str(path)), path)
    return spec


def dataset_specs(spec: StudySpec, where: str = "spec") -> dict[str, DatasetSpec]:
    return {name: from_dict(DatasetSpec, d, where, f"datasets.{name}.") for name, d in spec.datasets.items()}


def _validate(spec: StudySpec, datasets: dict[str, DatasetSpec], path: Path) -> None:
    if not spec.pretrain:
        raise UserError(f"{path}: 'pretrain' lists no dataset; expected names from 'datasets'")
    for name in [*spec.pretrain, *spec.tasks.values()]:
        if name not in datasets:
            raise UserError(f"{path}: dataset {name!r} is not defined under 'datasets' "
                            f"(defined: {', '.join(datasets) or 'none'})")
    for name, d in datasets.items():
        if (d.kind is None) == (d.path is None):
            raise UserError(f"{path}: datasets.{name} needs exactly one of 'kind' (embedded) or 'path' (real data)")
    for task in spec.tasks:
        if task not in TASKS:
            raise UserError(f"{path}: unknown task {task!r} under 'tasks'; expected {', '.join(TASKS)}")
    if not spec.grid:
        raise UserError(f"{path}: 'grid' is empty; expected at least one training key with a list of "
                        "values, e.g. loss.strategy: [geometric, feature]")
    for key, values in spec.grid.items():
        if not isinstance(values, list) or not values:
            raise UserError(f"{path}: grid.{key} must be a non-empty list of values, got {values!r}")
    if not spec.seeds:
        raise UserError(f"{path}: 'seeds' is empty; expected at least one seed")


def expand_jobs(spec: StudySpec) -> list[Job]:
    """The cartesian product pretrain x grid x seeds, each with a stable, readable run id."""
    keys = sorted(spec.grid)
    jobs = []
    for pretrain in spec.pretrain:
        for values in itertools.product(*(spec.grid[k] for k in keys)):
            settings = dict(zip(keys, values))
            for seed in spec.seeds:
                overrides = (*spec.base_overrides, *(f"{k}={json.dumps(v)}" for k, v in settings.items()),
                             f"seed={seed}")
                digest = hashlib.sha1(json.dumps([pretrain, settings, seed], sort_keys=True).encode()).hexdigest()[:8]
                strategy = str(settings.get("loss.strategy", "base"))
                jobs.append(Job(f"{pretrain}-{strategy}-s{seed}-{digest}", pretrain, seed, settings, overrides))
    if not jobs:
        raise UserError("the study grid expands to no models")
    for o in jobs[0].overrides:
        parse_override(o)  # fail early on a malformed grid key
    return jobs


def resolve_base(spec: StudySpec) -> Path:
    path = Path(spec.base_config)
    if not path.is_absolute() and not path.is_file():
        path = PROFILES_DIR.parents[1] / spec.base_config
    if not path.is_file():
        raise UserError(f"base_config {spec.base_config}: file not found")
    return path
