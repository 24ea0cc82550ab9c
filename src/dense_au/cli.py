"""The `dense-au` command line: thin wrappers over the library, one sub-command per stage."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from dense_au.errors import UserError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Dense contrastive learning through alignment and uniformity.")
data_app = typer.Typer(no_args_is_help=True, help="Embedded datasets: generate and look at them.")
app.add_typer(data_app, name="data")
console = Console(stderr=True)


@data_app.command("synth")
def data_synth(
    kind: str = typer.Option("single", help="single (one object) or multi (2-6 objects)"),
    out: Path = typer.Option(..., help="output directory"),
    n_train: int = typer.Option(2000, help="training images"),
    n_val: int = typer.Option(500, help="validation images"),
    n_test: int = typer.Option(500, help="test images"),
    size: int = typer.Option(64, help="image side in pixels"),
    seed: int = typer.Option(0, help="generator seed: same seed, same files"),
    workers: Optional[int] = typer.Option(None, help="processes (default: all cores)"),
    overwrite: bool = typer.Option(False, help="replace an existing dataset at --out"),
) -> None:
    """Generate an embedded dataset (VOC layout + ImageFolder links) into OUT."""
    from dense_au.data.embedded import SynthConfig, synthesize
    from dense_au.io import write_yaml
    from dense_au.config import to_dict

    cfg = SynthConfig(kind, n_train, n_val, n_test, size, seed)
    synthesize(cfg, out, workers=workers, overwrite=overwrite)
    write_yaml(out / "config.yaml", to_dict(cfg))
    console.print(f"[green]wrote[/] {out} ({kind}: {n_train}/{n_val}/{n_test} images at {size}px)")


@data_app.command("show")
def data_show(
    root: Path = typer.Argument(..., help="dataset directory"),
    out: Path = typer.Option(Path("grid.png"), help="PNG to write"),
    split: str = typer.Option("train", help="split to show"),
    layout: str = typer.Option("auto", help="auto, embedded, voc, coco, imagefolder, folder"),
    n: int = typer.Option(24, help="number of images"),
    size: int = typer.Option(64, help="display size"),
    skip_corrupt: bool = typer.Option(False, help="skip unreadable images and report them"),
) -> None:
    """Save a grid of images with mask overlays and labels."""
    from dense_au.data.load import load_split
    from dense_au.data.show import show_grid

    split_data = load_split(root, split, size, layout, skip_corrupt=skip_corrupt, limit=n)
    show_grid(split_data, out, n=n)
    report_skipped(split_data.skipped)
    console.print(f"[green]wrote[/] {out}")


@app.command("train")
def train_cmd(
    config: Path = typer.Argument(..., help="training config YAML (see configs/train/)"),
    out: Path = typer.Option(..., help="run directory; one holding a checkpoint is resumed"),
    set_: list[str] = typer.Option([], "--set", help="override, e.g. --set loss.tau=0.1 (repeatable)"),
) -> None:
    """Pre-train a dense contrastive model (resumes from OUT's newest checkpoint)."""
    from dense_au.config import load_config
    from dense_au.train import TrainConfig, train

    cfg = load_config(TrainConfig, config, set_)
    manifest = train(cfg, out)
    final = manifest["final"]
    console.print(f"[green]trained[/] {out}: {cfg.steps} steps, loss {final.get('loss', float('nan')):.4f}")


@app.command("views")
def views_cmd(
    data: Path = typer.Option(..., help="dataset directory"),
    strategy: str = typer.Option("geometric", help="geometric, geometric-radius, feature, index, random"),
    out: Path = typer.Option(Path("views.png"), help="PNG to write"),
    run: Optional[Path] = typer.Option(None, help="trained run whose backbone `feature` uses "
                                                  "(default: a randomly initialised one)"),
    pairs: int = typer.Option(4, help="image pairs to draw"),
    size: int = typer.Option(64, help="view side in pixels"),
    seed: int = typer.Option(0, help="seed of the views"),
) -> None:
    """Draw view pairs with lines between the cells a strategy matches."""
    from dense_au.evaluate.matching import draw_views

    stats = draw_views(data, strategy, out, run=run, pairs=pairs, size=size, seed=seed)
    console.print(f"[green]wrote[/] {out}: {strategy} matches {stats['exact']:.0%} exact, "
                  f"{stats['within_one']:.0%} within one cell of the geometric truth")


@app.command("measure")
def measure_cmd(
    run_dir: Path = typer.Argument(..., help="trained run directory"),
    data: Path = typer.Option(..., help="dataset directory to measure on"),
    split: str = typer.Option("val", help="split of --data"),
    limit: Optional[int] = typer.Option(None, help="use only the first N images"),
    seed: int = typer.Option(0, help="seed of the measurement views (keep it fixed across models)"),
) -> None:
    """Alignment, uniformity and label-free metrics of a run -> RUN_DIR/measure.json."""
    from dense_au.evaluate.measure import measure_run
    from dense_au.io import write_json

    result = measure_run(run_dir, data, split, limit, seed)
    write_json(run_dir / "measure.json", result)
    b = result["backbone"]
    console.print(f"[green]wrote[/] {run_dir / 'measure.json'}: backbone dense alignment "
                  f"{b['dense_alignment']:.3f}, dense uniformity {b['dense_uniformity']:.3f} "
                  f"({result['n_images']} images, {result['n_cells']} cells)")


@app.command("evaluate")
def evaluate_cmd(
    run_dir: Path = typer.Argument(..., help="trained run directory"),
    task: str = typer.Option(..., help="linear, knn or segmentation"),
    data: Path = typer.Option(..., help="downstream dataset with train/val/test splits"),
    baseline: Optional[str] = typer.Option(None, help="evaluate a baseline instead: random-init"),
    absent: str = typer.Option("skip", help="mIoU: skip classes absent from the split, or count them as zero"),
) -> None:
    """Probe frozen features -> RUN_DIR/eval.json (selection on val, scores on test)."""
    from dense_au.evaluate.run import evaluate_run

    entry = evaluate_run(run_dir, task, data, baseline, absent)
    metric = entry["metric"]
    console.print(f"[green]{task}[/]{' (' + baseline + ')' if baseline else ''}: test {metric} "
                  f"{entry['scores'][metric]:.4f} (hyperparameters {entry['hyperparameters']})")


@app.command("study")
def study_cmd(
    out: Path = typer.Option(..., help="study directory (re-running resumes it)"),
    profile: Optional[str] = typer.Option(None, help="quick, standard or paper (configs/study/)"),
    spec: Optional[Path] = typer.Option(None, help="a study spec YAML instead of a profile"),
    workers: Optional[int] = typer.Option(None, help="parallel jobs (default: the machine's cores)"),
    executor: str = typer.Option("local", help="local (process pool) or slurm (submitit)"),
    set_: list[str] = typer.Option([], "--set", help="override a spec key, e.g. --set seeds=[0,1]"),
) -> None:
    """Train, measure and evaluate a grid of models; write results.csv, summary.json, report.html."""
    from dense_au.study.run import run_study
    from dense_au.study.spec import load_spec

    study = load_spec(profile, spec, set_)
    run_study(study, out, workers, executor)
    console.print(f"[green]wrote[/] {out / 'report.html'}, {out / 'results.csv'}, {out / 'summary.json'}")


def report_skipped(skipped: list[str]) -> None:
    if skipped:
        console.print(f"[yellow]skipped {len(skipped)} unreadable image(s):[/] " + ", ".join(skipped))


def main() -> None:
    """Entry point: user mistakes become one red line and exit code 2, never a traceback."""
    try:
        app()
    except UserError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
