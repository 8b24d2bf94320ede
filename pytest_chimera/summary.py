"""The terminal summary table of a Chimera session."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tabulate import tabulate

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
            elif key in ("ttft_ms", "tokens_per_s") and row.get("replayed"):
                value = f"{value} (replayed)"
            cells.append(value)
        body.append(cells)
    return tabulate(body, headers=[title for _, title in COLUMNS], tablefmt="simple")


def _relative(path: str, cwd: Path) -> str:
    try:
        return os.path.relpath(path, cwd)
    except ValueError:
        return path
