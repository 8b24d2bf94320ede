"""Inventory speed: a 100,000-file corpus against ``find``, and facts parsing in MB/s.

What is measured:

* ``test_listing_scan_against_find``: ``scan_corpus(root, read_facts=False)`` (walk, stat, a
  FileRecord per file, file-name dates, sorted) against ``find ROOT -type f -printf '%s %T@
  %p\\n'`` with its whole output read through a pipe, on the same tree, alternating, in the same
  test. ``find`` reads no file contents, so the listing scan is the like-for-like comparison.
  Goal: the scan within 3x of ``find``. The pytest-benchmark figure is the scan itself.
* ``test_full_scan_of_the_tree``: the scan the plugin really runs (facts read from every CSV,
  JSON and Markdown file) on the same tree, for the record; no goal.
* ``test_facts_csv_mb_per_s`` / ``test_facts_json_mb_per_s``: ``scan_corpus`` on a folder holding
  one large file (~50 MB CSV, ~20 MB JSON): MB (10^6 bytes) of file over seconds.

The trees are generated once per session into a temporary folder; generating is not timed.
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_chimera.inventory import scan_corpus

FILES = 100_000
FAN_OUT = (10, 10, 10)  # 1,000 leaf folders of 100 files, three levels deep
GOAL_VS_FIND = 3.0
ROUNDS = 5
FIND = shutil.which("find")


def _small_file(rng: random.Random, index: int) -> tuple[str, str]:
    kind = index % 4
    day = 1 + index % 28
    if kind == 0:
        return (f"run_{index:06d}_202510{day:02d}.csv",
                f"prompt,ttft_s,tokens_s\np{index},{rng.random():.3f},{rng.uniform(5, 90):.2f}\n")
    if kind == 1:
        return (f"result_{index:06d}.json",
                json.dumps({"model": "gemma3", "ttft_ms": round(rng.uniform(10, 900), 1)}))
    if kind == 2:
        return (f"notes_{index:06d}.md", f"# Run {index}\n\nRun on 2025-10-{day:02d}.\n")
    return f"log_{index:06d}.txt", f"run {index} ok\n"


@pytest.fixture(scope="session")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus of FILES small files in 1,000 nested folders (generated once, not timed)."""
    root = tmp_path_factory.mktemp("inventory") / "corpus"
    rng = random.Random(2025)
    leaves = [Path(f"m{a:02d}", f"d{b:02d}", f"r{c:02d}") for a in range(FAN_OUT[0])
              for b in range(FAN_OUT[1]) for c in range(FAN_OUT[2])]
    per_leaf = FILES // len(leaves)
    index = 0
    for leaf in leaves:
        folder = root / leaf
        folder.mkdir(parents=True)
        for _ in range(per_leaf):
            name, text = _small_file(rng, index)
            with open(folder / name, "w", encoding="utf-8") as handle:
                handle.write(text)
            index += 1
    assert index == FILES
    return root


def _find(root: Path) -> int:
    assert FIND is not None
    done = subprocess.run([FIND, str(root), "-type", "f", "-printf", r"%s %T@ %p\n"],
                          stdout=subprocess.PIPE, check=True)
    return done.stdout.count(b"\n")


def _seconds(job: Callable[[], Any]) -> float:
    started = time.perf_counter()
    job()
    return time.perf_counter() - started


@pytest.mark.skipif(FIND is None, reason="find is not installed")
def test_listing_scan_against_find(benchmark: Any, big_tree: Path) -> None:
    assert _find(big_tree) == FILES
    assert scan_corpus(big_tree, read_facts=False).total_files == FILES  # warm the page cache
    scan_times: list[float] = []
    find_times: list[float] = []

    def scan() -> None:
        # find runs right before each timed scan, so both see the same cache and load.
        find_times.append(_seconds(lambda: _find(big_tree)))
        scan_times.append(_seconds(lambda: scan_corpus(big_tree, read_facts=False)))

    # The benchmark's own figure is find + scan; the medians below separate them.
    benchmark.pedantic(scan, rounds=ROUNDS, iterations=1)
    scan_s = statistics.median(scan_times)
    find_s = statistics.median(find_times)
    ratio = scan_s / find_s
    benchmark.extra_info.update({
        "files": FILES, "scan_s_median": round(scan_s, 4), "find_s_median": round(find_s, 4),
        "scan_over_find": round(ratio, 2), "goal": f"<= {GOAL_VS_FIND}x",
        "goal_met": ratio <= GOAL_VS_FIND,
    })
    assert ratio <= GOAL_VS_FIND, (
        f"listing {FILES} files: scan_corpus {scan_s:.3f} s is {ratio:.2f}x find's "
        f"{find_s:.3f} s (goal {GOAL_VS_FIND}x)")


def test_full_scan_of_the_tree(benchmark: Any, big_tree: Path) -> None:
    inventory = benchmark.pedantic(lambda: scan_corpus(big_tree), rounds=2, iterations=1)
    assert inventory.total_files == FILES
    assert inventory.problems == ()
    benchmark.extra_info.update({"files": FILES, "series": len(inventory.series),
                                 "files_per_s": round(FILES / benchmark.stats.stats.median)})


@pytest.fixture(scope="session")
def large_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with one ~50 MB benchmark log CSV."""
    folder = tmp_path_factory.mktemp("csv")
    rng = random.Random(7)
    rows = ["run_id,model,date,num_ctx,ttft_ms,tokens_per_s,prompt_tokens,eval_tokens,load_ms"]
    size = len(rows[0]) + 1
    index = 0
    while size < 50_000_000:
        row = (f"r{index:08d},gemma3:{rng.choice(('270m', '1b', '4b'))},2025-10-"
               f"{1 + index % 28:02d},{rng.choice((512, 1024, 2048))},"
               f"{rng.uniform(5, 900):.2f},{rng.uniform(3, 120):.3f},{rng.randint(20, 2000)},"
               f"{rng.randint(10, 800)},{rng.uniform(0, 4000):.1f}")
        rows.append(row)
        size += len(row) + 1
        index += 1
    (folder / "bench_log.csv").write_text("\n".join(rows) + "\n", "utf-8")
    return folder


@pytest.fixture(scope="session")
def large_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with one ~20 MB nested JSON results file."""
    folder = tmp_path_factory.mktemp("json")
    rng = random.Random(11)
    results = []
    size = 0
    while size < 20_000_000:
        item = {
            "id": f"r{len(results):07d}", "model": "gemma3:1b", "date": "2025-10-12T10:00:00Z",
            "options": {"num_ctx": rng.choice((512, 1024)), "temperature": 0.7},
            "metrics": {"ttft_ms": round(rng.uniform(5, 900), 2),
                        "tokens_per_s": round(rng.uniform(3, 120), 3),
                        "eval_tokens": rng.randint(10, 800), "ok": True},
        }
        results.append(item)
        size += len(json.dumps(item)) + 2
    (folder / "results.json").write_text(json.dumps({"results": results}), "utf-8")
    return folder


def _throughput(benchmark: Any, folder: Path) -> float:
    size = sum(p.stat().st_size for p in folder.iterdir())
    inventory = benchmark.pedantic(lambda: scan_corpus(folder), rounds=3, iterations=1)
    assert inventory.series and not inventory.problems
    mb_per_s = size / 1e6 / benchmark.stats.stats.median
    benchmark.extra_info.update({"bytes": size, "mb_per_s": round(mb_per_s, 2),
                                 "values": sum(s.count for s in inventory.series)})
    return mb_per_s


def test_facts_csv_mb_per_s(benchmark: Any, large_csv: Path) -> None:
    assert _throughput(benchmark, large_csv) > 0


def test_facts_json_mb_per_s(benchmark: Any, large_json: Path) -> None:
    assert _throughput(benchmark, large_json) > 0

