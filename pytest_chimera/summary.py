"""The terminal summary table of a Chimera session."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tabulate import tabulate

from .history import METRICS, CaseResult, case_from_info

COLUMNS = (
    ("agent", "agent"), ("persona", "persona"), ("outcome", "test"),
    ("structure", "structure"), ("faithfulness", "faithfulness"), ("ttft_ms", "TTFT ms"),
    ("tokens_per_s", "tok/s"), ("tokens", "tokens"), ("report", "report"),
)


def summary_table(rows: list[dict[str, Any]], cwd: Path) -> str:
    """A row per agent × persona; replayed timings are marked, paths shown relative."""
    body = []
    for row in sorted(rows, key=lambda r: (r["agent"], r["persona"])):
        cells = []
        for key, _ in COLUMNS:
            value = row.get(key, "")
            if key == "report":
                value = _relative(str(value), cwd)
                if row.get("report_written") is False:
                    value = f"not written: {value}"
            elif key in ("ttft_ms", "tokens_per_s") and row.get("replayed"):
                value = f"{value} (replayed)"
            elif key in _NUMBER_COLUMNS and isinstance(value, (int, float)):
                value = format(value, "g")  # as tabulate would show it
            cells.append(str(value))
        body.append(cells)
    # The numbers are formatted above: tabulate need not try every cell as one (a tenth of
    # a millisecond a row, on every test's row).
    return tabulate(body, headers=[title for _, title in COLUMNS], tablefmt="simple",
                    disable_numparse=True, colalign=_ALIGN)


_NUMBER_COLUMNS = frozenset({"ttft_ms", "tokens_per_s", "tokens"})
_ALIGN = tuple("right" if key in _NUMBER_COLUMNS else "left" for key, _ in COLUMNS)


def _relative(path: str, cwd: Path) -> str:
    try:
        return os.path.relpath(path, cwd)
    except ValueError:
        return path


AB_ROWS = ("ttft_ms", "tokens_per_s", "load_ms", "prompt_eval_ms", "eval_ms", "total_ms",
           "eval_tokens", "prompt_tokens", "context_use", "faithfulness", "contradicted")


def ab_tables(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """With several agents: per persona, a table of each metric side by side per agent.

    Returns ``(persona, table)`` pairs; empty when only one agent ran. Replayed timings are
    marked; a value is the median over the rounds when there were several.
    """
    agents = sorted({row["agent"] for row in rows})
    if len(agents) < 2:
        return []
    cases: dict[tuple[str, str], tuple[dict[str, Any], CaseResult | None]] = {}
    for row in rows:
        info = row.get("extra_info")
        cases[(row["agent"], row["persona"])] = (
            row, case_from_info(row.get("nodeid", ""), info) if info else None)
    tables = []
    for persona in sorted({row["persona"] for row in rows}):
        body = []
        for metric in (m for m in METRICS if m.name in AB_ROWS):
            cells: list[str] = [f"{metric.name} ({metric.unit})"]
            for agent in agents:
                found = cases.get((agent, persona))
                case = found[1] if found else None
                value = case.value(metric.name) if case is not None else None
                if value is None:
                    cells.append("-")
                    continue
                text = f"{value:.{metric.digits}f}"
                if metric.performance and case is not None and case.replayed:
                    text += " (replayed)"
                cells.append(text)
            body.append(cells)
        outcome = ["test"]
        for agent in agents:
            found = cases.get((agent, persona))
            outcome.append(str(found[0]["outcome"]) if found else "-")
        body.append(outcome)
        table = tabulate(body, headers=["metric", *agents], tablefmt="simple",
                         disable_numparse=True)
        tables.append((persona, table))
    return tables
