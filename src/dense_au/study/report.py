"""The study report: summary numbers, figures (PNG + PDF) and a self-contained report.html."""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from dense_au.io import atomic_path, write_json, write_text  # noqa: E402
from dense_au.study.correlation import au_correlation, compare_predictors, r_squared  # noqa: E402
from dense_au.study.results import LAYERS, LEVELS  # noqa: E402

TASK_SCORES = {"linear": "linear_top1", "knn": "knn_top1", "segmentation": "segmentation_miou"}


def cells(table: pd.DataFrame, tasks: list[str]):
    """(pretrain, task, level, layer, rows) for every cell with a score column and >= 3 models."""
    for pretrain in sorted(table["pretrain"].unique()):
        rows = table[table["pretrain"] == pretrain]
        for task in tasks:
            if TASK_SCORES[task] in rows and len(rows) >= 3:
                for level in LEVELS:
                    for layer in LAYERS:
                        yield pretrain, task, level, layer, rows


def correlation_summary(table: pd.DataFrame, tasks: list[str]) -> list[dict]:
    out = []
    for pretrain, task, level, layer, rows in cells(table, tasks):
        score = TASK_SCORES[task]
        c = au_correlation(rows, score, level, layer)
        out.append({"pretrain": pretrain, "task": task, "level": level, "layer": layer, "n": c.n,
                    "tau": c.value, "ci95": list(c.ci95), "p": c.p, "spearman": c.spearman,
                    "r2_linear_fit": r_squared(rows, score, level, layer),
                    "predictors": compare_predictors(rows, score, level, layer)})
    return out


def matching_summary(table: pd.DataFrame, tasks: list[str]) -> list[dict]:
    """Per pre-training dataset, task and strategy: mean score with a 95% t-interval over models,
    and the strategy's mean dense alignment (geometric) and uniformity on the backbone."""
    out = []
    for (pretrain, strategy), rows in table.groupby(["pretrain", "strategy"]):
        for task in tasks:
            score = TASK_SCORES[task]
            if score not in rows:
                continue
            y = rows[score].to_numpy(dtype=float)
            out.append({"pretrain": pretrain, "task": task, "strategy": strategy, "n": len(y),
                        "mean": float(y.mean()), "ci95": list(_t_interval(y)),
                        "dense_alignment": float(rows["backbone.dense_alignment"].mean()),
                        "dense_uniformity": float(rows["backbone.dense_uniformity"].mean())})
    return out


def _t_interval(y: np.ndarray) -> tuple[float, float]:
    if len(y) < 2:
        return (float("nan"), float("nan"))
    half = stats.t.ppf(0.975, len(y) - 1) * y.std(ddof=1) / math.sqrt(len(y))
    return (float(y.mean() - half), float(y.mean() + half))


# ---------------------------------------------------------------- figures
def _save(fig, figures: Path, name: str) -> str:
    """Save as PNG and PDF; return the PNG as base64 for embedding."""
    figures.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)  # rendered once: written to disk and embedded
    with atomic_path(figures / f"{name}.png") as tmp:
        tmp.write_bytes(buf.getvalue())
    with atomic_path(figures / f"{name}.pdf") as tmp:
        fig.savefig(tmp, format="pdf")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def plane_figure(table: pd.DataFrame, tasks: list[str], level: str, layer: str, figures: Path) -> str:
    """Wang & Isola's plane per cell: x = L_uniform, y = L_align, colour = downstream score."""
    pretrains = sorted(table["pretrain"].unique())
    fig, axes = plt.subplots(len(pretrains), len(tasks), figsize=(3.4 * len(tasks), 2.9 * len(pretrains)),
                             squeeze=False)
    for r, pretrain in enumerate(pretrains):
        rows = table[table["pretrain"] == pretrain]
        for c, task in enumerate(tasks):
            ax, score = axes[r, c], TASK_SCORES[task]
            if score not in rows:
                ax.axis("off")
                continue
            pts = ax.scatter(rows[f"{layer}.{level}_uniformity"], rows[f"{layer}.{level}_alignment"],
                             c=rows[score], cmap="viridis", s=28, edgecolors="black", linewidths=0.3)
            fig.colorbar(pts, ax=ax, label=score)
            ax.set_title(f"pretrain {pretrain} → {task}", fontsize=9)
            ax.set_xlabel("L_uniform (lower = more uniform)", fontsize=8)
            ax.set_ylabel("L_align (lower = better aligned)", fontsize=8)
    fig.suptitle(f"Alignment-uniformity plane: {level} level, {layer}", fontsize=10)
    fig.tight_layout()
    return _save(fig, figures, f"plane_{level}_{layer}")


def rho_figure(correlation: list[dict], figures: Path) -> str:
    """rho_AU with 95% intervals per cell, single vs multi and linear vs dense side by side."""
    frame = pd.DataFrame(correlation)
    groups = [(lv, ly) for lv in LEVELS for ly in LAYERS]
    fig, axes = plt.subplots(1, len(groups), figsize=(4.2 * len(groups), 3.4), sharey=True, squeeze=False)
    for ax, (level, layer) in zip(axes[0], groups):
        sub = frame[(frame["level"] == level) & (frame["layer"] == layer)]
        labels = [f"{p}\n{t}" for p, t in zip(sub["pretrain"], sub["task"])]
        lo = sub["tau"] - sub["ci95"].str[0]
        hi = sub["ci95"].str[1] - sub["tau"]
        colours = ["tab:blue" if t != "segmentation" else "tab:orange" for t in sub["task"]]
        ax.bar(range(len(sub)), sub["tau"], yerr=[lo, hi], color=colours, capsize=3)
        ax.axhline(0, color="black", lw=0.6)
        ax.set_xticks(range(len(sub)), labels, fontsize=7)
        ax.set_title(f"{level}, {layer}", fontsize=9)
        ax.set_ylim(-1.05, 1.05)
    axes[0, 0].set_ylabel("ρ_AU = Kendall τ_b (95% CI)")
    fig.tight_layout()
    return _save(fig, figures, "rho_au")


def matching_figure(matching: list[dict], figures: Path) -> str:
    frame = pd.DataFrame(matching)
    keys = sorted({(m["pretrain"], m["task"]) for m in matching})
    fig, axes = plt.subplots(1, len(keys), figsize=(3.3 * len(keys), 3.2), squeeze=False)
    for ax, (pretrain, task) in zip(axes[0], keys):
        sub = frame[(frame["pretrain"] == pretrain) & (frame["task"] == task)]
        err = np.nan_to_num([sub["mean"] - sub["ci95"].str[0], sub["ci95"].str[1] - sub["mean"]])
        ax.bar(range(len(sub)), sub["mean"], yerr=err, capsize=3, color="tab:green")
        ax.set_xticks(range(len(sub)), sub["strategy"], rotation=40, ha="right", fontsize=7)
        ax.set_title(f"{pretrain} → {task}", fontsize=9)
        ax.set_ylabel(TASK_SCORES[task], fontsize=8)
    fig.suptitle("Positive-pair strategies: mean score (95% CI)", fontsize=10)
    fig.tight_layout()
    return _save(fig, figures, "positive_pairs")


# ---------------------------------------------------------------- html
def _table_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:.3f}", border=0, classes="t")


def _fmt_ci(ci) -> str:
    return f"[{ci[0]:.2f}, {ci[1]:.2f}]"


def findings(matching: list[dict]) -> list[str]:
    """What the positive-pair data show, stated plainly, including surprises."""
    lines = []
    for (pretrain, task), sub in pd.DataFrame(matching).groupby(["pretrain", "task"]):
        best = sub.sort_values("mean", ascending=False).iloc[0]
        geo = sub[sub["strategy"] == "geometric"]
        text = f"{pretrain} → {task}: best strategy {best['strategy']} ({best['mean']:.3f})"
        if len(geo) and best["strategy"] != "geometric":
            g = geo.iloc[0]
            overlap = not (g["ci95"][1] < best["ci95"][0]) if not math.isnan(g["ci95"][0]) else True
            text += (f"; geometric {g['mean']:.3f} — "
                     + ("intervals overlap, no clear winner" if overlap else "geometric is clearly worse, against expectation"))
        lines.append(text)
    return lines


def render_html(profile: str, table: pd.DataFrame, correlation: list[dict], matching: list[dict],
                images: dict[str, str]) -> str:
    corr_rows = pd.DataFrame([{"pretrain": c["pretrain"], "task": c["task"], "level": c["level"], "layer": c["layer"],
                               "n": c["n"], "ρ_AU (τ_b)": c["tau"], "95% CI": _fmt_ci(c["ci95"]), "p": c["p"],
                               "Spearman": c["spearman"], "R² (score ~ L_align + L_unif)": c["r2_linear_fit"]}
                              for c in correlation])
    pred_rows = pd.DataFrame([{"cell": f"{c['pretrain']}→{c['task']} {c['level']}/{c['layer']}", "predictor": name,
                               "τ_b": v["tau"], "95% CI": _fmt_ci(v["ci95"]), "Spearman": v["spearman"],
                               "τ(AU) − τ(this)": v["au_minus_this"]["value"],
                               "95% CI of difference": _fmt_ci(v["au_minus_this"]["ci95"])}
                              for c in correlation for name, v in c["predictors"].items()])
    match_rows = pd.DataFrame([{**{k: m[k] for k in ("pretrain", "task", "strategy", "n", "mean")},
                                "95% CI": _fmt_ci(m["ci95"]), "dense L_align (geometric)": m["dense_alignment"],
                                "dense L_uniform": m["dense_uniformity"]} for m in matching])
    img = lambda key, alt: f'<img alt="{alt}" src="data:image/png;base64,{images[key]}">'
    planes = "".join(f"<h3>{lv} level, {ly}</h3>{img(f'plane_{lv}_{ly}', f'AU plane {lv} {ly}')}"
                     for lv in LEVELS for ly in LAYERS)
    items = "".join(f"<li>{html.escape(t)}</li>" for t in findings(matching))
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>dense-au study: {html.escape(profile)}</title>
<style>body{{font-family:sans-serif;margin:24px;max-width:1400px}} img{{max-width:100%}}
table.t{{border-collapse:collapse;font-size:12px}} table.t td,table.t th{{padding:3px 8px;border-bottom:1px solid #ddd}}
.note{{color:#555;font-size:13px}}</style></head><body>
<h1>dense-au study — profile <code>{html.escape(profile)}</code>, {len(table)} models</h1>
<p class="note">ρ_AU is dense-au's own metric: Kendall τ_b between the AU score −(L_align + L_uniform) and the
downstream score over the models of one cell (pre-training data, task, level, layer); positive means better
alignment and uniformity go with better performance. It is not the BMVC 2022 paper's formula, which is not public.
Intervals: 95% paired percentile bootstrap over models (hierarchical over seeds); p: permutation test.</p>
<h2>ρ_AU per cell</h2>{img('rho_au', 'rho_AU bar chart')}{_table_html(corr_rows)}
<h2>Alignment–uniformity planes</h2>{planes}
<h2>Positive-pair experiment</h2><ul>{items}</ul>{img('positive_pairs', 'positive pair plot')}{_table_html(match_rows)}
<h2>Predictor comparison</h2>{_table_html(pred_rows)}
<h2>Runs</h2>{_table_html(table)}
</body></html>"""


def write_report(out: Path, profile: str, table: pd.DataFrame, tasks: list[str]) -> dict:
    """summary.json, figures/ and report.html from the results table."""
    correlation = correlation_summary(table, tasks)
    matching = matching_summary(table, tasks)
    figures = out / "figures"
    images = {f"plane_{lv}_{ly}": plane_figure(table, tasks, lv, ly, figures) for lv in LEVELS for ly in LAYERS}
    images["rho_au"] = rho_figure(correlation, figures) if correlation else ""
    images["positive_pairs"] = matching_figure(matching, figures)
    summary = {"profile": profile, "n_models": len(table), "correlation": correlation, "matching": matching,
               "findings": findings(matching)}
    write_json(out / "summary.json", summary)
    write_text(out / "report.html", render_html(profile, table, correlation, matching, images))
    return summary
