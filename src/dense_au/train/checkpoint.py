"""Atomic checkpoints, newest-good-first resumption, and clear errors for bad files."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch
from rich.console import Console

from dense_au.errors import UserError
from dense_au.io import atomic_path

console = Console(stderr=True)


def checkpoint_dir(run_dir: Path) -> Path:
    return Path(run_dir) / "checkpoints"


def save_checkpoint(run_dir: Path, step: int, state: dict[str, Any], keep: int = 2) -> Path:
    """Write `state` as checkpoints/step_XXXXXXX.pt atomically, then prune all but the newest `keep`."""
    path = checkpoint_dir(run_dir) / f"step_{step:07d}.pt"
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    for old in list_checkpoints(run_dir)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def list_checkpoints(run_dir: Path) -> list[Path]:
    """Checkpoints oldest first (temporary files of an interrupted write are never listed)."""
    return sorted(checkpoint_dir(run_dir).glob("step_*.pt"))


def load_checkpoint(path: Path) -> dict[str, Any]:
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except (RuntimeError, EOFError, OSError, pickle.UnpicklingError, zipfile.BadZipFile,
            ValueError, KeyError) as exc:
        raise UserError(f"{path}: corrupted checkpoint ({type(exc).__name__})") from None
    if not isinstance(state, dict) or "model" not in state or "step" not in state:
        raise UserError(f"{path}: not a dense-au checkpoint (expected keys 'model' and 'step')")
    return state


def load_latest(run_dir: Path) -> tuple[dict[str, Any], Path] | None:
    """The newest readable checkpoint; a corrupted newer one is reported and skipped."""
    errors = []
    for path in reversed(list_checkpoints(run_dir)):
        try:
            return load_checkpoint(path), path
        except UserError as exc:
            errors.append(str(exc))
            console.print(f"[yellow]warning:[/] {exc}; falling back to the previous checkpoint",
                          soft_wrap=True, highlight=False)
    if errors:
        raise UserError(errors[0] + " and no earlier checkpoint is readable; delete the checkpoints "
                        "to start again")
    return None


def load_model_state(module: torch.nn.Module, state: dict, source: Path | str) -> None:
    """load_state_dict, with a clear error when the checkpoint is from another architecture."""
    try:
        module.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).splitlines()[1].strip() if len(str(exc).splitlines()) > 1 else str(exc)
        raise UserError(f"{source}: checkpoint was made for a different architecture ({first[:160]}); "
                        "expected one written with the same model config") from None
