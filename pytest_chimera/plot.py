"""PNG charts of saved runs: each metric over the runs per agent × persona, and agents side by side.

matplotlib is an optional extra (``pip install 'pytest-chimera[plot]'``); it is imported here,
inside the function, and drawn with the Agg canvas so no display and no pyplot state are needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .artifacts import safe_name
from .history import METRICS, Metric, SavedRun

AB_METRICS = ("ttft_ms", "tokens_per_s", "total_ms", "faithfulness")


class PlotError(Exception):
    """Charts cannot be drawn or written; the message says why and what to do."""


def _matplotlib() -> tuple[Any, Any]:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise PlotError("chimera plot needs matplotlib, which is not installed: "
                        "pip install 'pytest-chimera[plot]'") from None
    return Figure, FigureCanvasAgg


def _tick(run: SavedRun) -> str:
    label = run.label
    return label[:4] if label[:4].isdigit() else label[:14]


def _value(run: SavedRun, key: tuple[str, str, str], metric: Metric) -> float | None:
    test = run.by_key().get(key)
    if test is None or (metric.performance and test.replayed):
        return None
    return test.value(metric.name)


def _save(figure: Any, canvas_class: Any, path: Path) -> Path:
    canvas_class(figure)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.tmp")
        figure.savefig(temp, format="png", dpi=100)
        temp.replace(path)
    except OSError as exc:
        raise PlotError(f"cannot write {path}: {exc.strerror}") from None
    return path


def plot_runs(runs: Sequence[SavedRun], out: Path) -> list[Path]:
    """Write ``metric_<name>.png`` per metric and, with several agents, ``agents.png``."""
    if not runs:
        raise PlotError("no runs to plot")
    figure_class, canvas_class = _matplotlib()
    if out.exists() and not out.is_dir():
        raise PlotError(f"--out {out} is a file, not a folder")
    keys = sorted({t.key for run in runs for t in run.tests})
    if not keys:
        raise PlotError("the runs hold no Chimera tests (no benchmark has an agent and a "
                        "persona in its extra_info)")
    written = []
    ticks = [_tick(run) for run in runs]
    for metric in METRICS:
        series = {key: [_value(run, key, metric) for run in runs] for key in keys}
        if all(v is None for values in series.values() for v in values):
            continue
        figure = figure_class(figsize=(8, 4.5))
        axes = figure.add_subplot()
        for key, values in series.items():
            xs = [i for i, v in enumerate(values) if v is not None]
            axes.plot(xs, [values[i] for i in xs], marker="o", label=f"{key[0]} × {key[1]}")
        axes.set_xticks(range(len(runs)), ticks)
        axes.set_xlabel("saved run")
        axes.set_ylabel(f"{metric.name} ({metric.unit})")
        better = {"lower": " (lower is better)", "higher": " (higher is better)"}.get(
            metric.better or "", "")
        axes.set_title(f"{metric.title} per agent × persona{better}")
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize="small", loc="best")
        figure.tight_layout()
        written.append(_save(figure, canvas_class, out / f"metric_{safe_name(metric.name)}.png"))
    agents_chart = _plot_agents(runs[-1], figure_class, canvas_class, out)
    if agents_chart is not None:
        written.append(agents_chart)
    return written


def _plot_agents(run: SavedRun, figure_class: Any, canvas_class: Any, out: Path
                 ) -> Path | None:
    agents = sorted({t.agent for t in run.tests})
    if len(agents) < 2:
        return None
    personas = sorted({t.persona for t in run.tests})
    metrics = [m for m in METRICS if m.name in AB_METRICS]
    figure = figure_class(figsize=(4.2 * len(metrics), 4.5))
    width = 0.8 / len(agents)
    tests = {(t.agent, t.persona): t for t in run.tests}
    for index, metric in enumerate(metrics, start=1):
        axes = figure.add_subplot(1, len(metrics), index)
        for slot, agent in enumerate(agents):
            heights = []
            values: list[float | None] = []
            for persona in personas:
                test = tests.get((agent, persona))
                value = None
                if test is not None and not (metric.performance and test.replayed):
                    value = test.value(metric.name)
                values.append(value)
                heights.append(0.0 if value is None else value)
            positions = [p + (slot - (len(agents) - 1) / 2) * width
                         for p in range(len(personas))]
            axes.bar(positions, heights, width=width, label=agent)
            for position, test_value in zip(positions, values, strict=True):
                if test_value is None:  # no bar is not a zero: say the value is missing
                    axes.text(position, 0, "n/a", ha="center", va="bottom", fontsize="small")
        axes.set_xticks(range(len(personas)), personas, rotation=30, ha="right",
                        fontsize="small")
        axes.set_title(f"{metric.title} ({metric.unit})")
        axes.grid(True, axis="y", alpha=0.3)
        if index == 1:
            axes.legend(title="agent", fontsize="small")
    figure.suptitle(f"agents side by side, saved run {run.short}", fontsize="medium")
    figure.tight_layout()
    return _save(figure, canvas_class, out / "agents.png")
