"""Faithfulness checking speed: a 2,000-word report against the 101-file sample corpus.

What is measured:

* ``test_verify_report``: verifying one report once the inventory is built — parse the report,
  extract its claims, judge each one — with the inventory's :class:`InventoryIndex` (counts,
  path suffixes, file-name tokens, every metric value and statistic, sorted) built beforehand,
  as the plugin has it for every report of a session. Goal: median < 20 ms.
* ``test_verify_report_with_index_build``: the same plus building the index in every round
  (each round gets a fresh copy of the inventory): what a single ``chimera verify`` process
  pays after its scan. For the record; ``index_ms`` in its extra_info is the index build alone.

The corpus is the sample corpus (scripts/make_corpus.py, seed 2025: 101 files), generated and
scanned once per session. The report is generated from the inventory's own facts with a seeded
generator, so it is the same on every run: headings, a header, prose, bullets with bold labels,
tables, type/folder/family counts, dates and a data period, sizes, paths, metric values with
units and ranges, numbers in words, a Russian paragraph. About one claim in six is made false, so
both the supported and the contradicted paths are exercised. Neither generating nor scanning is
timed.

The sections come round again to make up the length, so some paragraphs repeat word for word
(``paragraphs`` and ``distinct_paragraphs`` in extra_info: 146 and 104). The checker reads a
repeated paragraph once within a report, as small models' reports repeat too (four of the ten
real ones in tests/labelled do, one a third of its paragraphs); nothing is kept from one round
to the next.
"""

from __future__ import annotations

import dataclasses
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import make_corpus  # scripts/, on pytest's pythonpath
import pytest

from pytest_chimera.claims import _blocks, metric_group
from pytest_chimera.faithfulness import CONTRADICTED, SUPPORTED, InventoryIndex, verify
from pytest_chimera.inventory import FileInventory, MetricSeries, scan_corpus
from pytest_chimera.report import parse_report, words

CORPUS_FILES = 101
REPORT_WORDS = 2_000
GOAL_MS = 20.0
ROUNDS = 60
FALSE_SHARE = 1 / 6
KIND_WORDS = {"csv": "CSV", "json": "JSON", "md": "Markdown"}
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve")


@pytest.fixture(scope="session")
def sample_inventory(tmp_path_factory: pytest.TempPathFactory) -> FileInventory:
    """The sample corpus, generated and scanned once (not timed)."""
    root = tmp_path_factory.mktemp("verify") / "corpus"
    make_corpus.generate(root)
    inventory = scan_corpus(root)
    assert inventory.total_files == CORPUS_FILES
    return inventory


# -- the report ----------------------------------------------------------------------------------


class _ReportWriter:
    """Sections of a report about ``inventory``, each number true or (sometimes) made false."""

    def __init__(self, inventory: FileInventory, seed: int) -> None:
        self.inventory = inventory
        self.rng = random.Random(seed)
        self.kinds = {k: n for k, n in inventory.count_by_kind().items() if k in KIND_WORDS}
        self.folders = [f for f in inventory.folders if f]
        self.named_folders = [f for f in self.folders if f.count("/") <= 1]
        self.period = inventory.data_period()
        timed = [s for s in inventory.series if s.complete and s.count >= 2 and
                 metric_group(s.name)[0] in ("ttft", "throughput", "load", "eval")]
        self.series: list[MetricSeries] = sorted(timed, key=lambda s: (s.path, s.name))

    def count(self, true: int) -> int:
        """The true count, or now and then one that is off."""
        if self.rng.random() < FALSE_SHARE:
            return true + self.rng.choice((-3, -2, 2, 5, 11))
        return true

    def value(self, true: float) -> float:
        if self.rng.random() < FALSE_SHARE:
            return true * self.rng.choice((0.5, 1.7, 3.0))
        return true

    def header(self) -> str:
        return ("# Benchmark Corpus Report\n\n"
                "- **Date:** 2025-11-02T10:00:00Z\n- **Agent:** bench\n"
                "- **Model:** gemma3:270m\n")

    def summary(self, number: int) -> str:
        inv = self.inventory
        kinds = ", ".join(f"{KIND_WORDS[k]} ({self.count(n)} files)"
                          for k, n in self.kinds.items())
        first, last = self.period if self.period else (None, None)
        period = f" The data covers {first} to {last}." if first and last else ""
        return (f"## {number}. Executive Summary\n\n"
                f"The corpus contains {self.count(inv.total_files)} files spread over "
                f"{self.count(len(self.folders))} folders. By type the files are {kinds}."
                f"{period} Most of the material is machine-written benchmark output, with a "
                f"handful of hand-written notes and summaries that describe the runs, the models "
                f"that were compared and the settings they ran with. Two files could not be "
                f"read.\n")

    def type_table(self, number: int) -> str:
        rows = "\n".join(f"| {KIND_WORDS[k]} | {self.count(n)} |" for k, n in self.kinds.items())
        bullets = "\n".join(f"- **{KIND_WORDS[k]}:** {self.count(n)}"
                            for k, n in self.kinds.items())
        return (f"## {number}. File Inventory\n\n| Type | Count |\n|------|-------|\n{rows}\n\n"
                f"In short:\n\n{bullets}\n")

    def folder_section(self, number: int) -> str:
        lines = []
        for folder in self.rng.sample(self.named_folders, k=min(4, len(self.named_folders))):
            inside = self.inventory.count_in_folder(folder)
            lines.append(f"- The `{folder}/` folder holds {self.count(inside)} files.")
        return f"## {number}. Folders\n\n" + "\n".join(lines) + "\n"

    def family_section(self, number: int) -> str:
        names = [f.name for f in self.inventory.files]
        families = {
            "conv_bench_*.json": sum(n.startswith("conv_bench_") for n in names),
            "report_*.md": sum(n.startswith("report_") and n.endswith(".md") for n in names),
            "summary_week*.csv": sum(n.startswith("summary_week") for n in names),
        }
        bullets = "\n".join(f"- {pattern} ({self.count(n)})" for pattern, n in families.items())
        weekly = families["summary_week*.csv"]
        spelled = NUMBER_WORDS[weekly] if weekly < len(NUMBER_WORDS) else str(weekly)
        return (f"## {number}. File Families\n\n{bullets}\n\nThere are {spelled} weekly "
                f"summaries, one per week of the benchmark month, and the conversation "
                f"benchmarks were written once a day.\n")

    def freshness(self, number: int) -> str:
        latest = self.inventory.latest()
        oldest = self.inventory.earliest()
        assert latest is not None and oldest is not None
        shift = self.rng.random() < FALSE_SHARE
        latest_day = latest.mtime.date().replace(day=max(1, latest.mtime.day - 9 * shift))
        csv = self.inventory.latest("csv")
        csv_line = (f" The latest CSV file was modified on {csv.mtime.date().isoformat()}."
                    if csv else "")
        return (f"## {number}. Freshness\n\nThe most recently modified file is "
                f"`{latest.path}`, last modified on {latest_day.isoformat()}. The oldest file "
                f"dates from {oldest.mtime.date().isoformat()}.{csv_line}\n")

    def sizes(self, number: int) -> str:
        total = self.inventory.total_bytes
        average = total / max(1, self.inventory.total_files)
        stated = self.value(total / 1000)
        return (f"## {number}. Sizes\n\nIn total the files take up {total:,} bytes, about "
                f"{stated:.0f} KB, and the average file size is {average:.0f} bytes. The "
                f"largest files are the conversation benchmarks and the run results.\n")

    def performance(self, number: int) -> str:
        chosen = self.rng.sample(self.series, k=min(4, len(self.series)))
        rows = []
        prose = []
        for one in chosen:
            _group, _stat, unit = metric_group(one.name)
            mean = self.value(one.mean)
            rows.append(f"| `{one.path}` | {one.name} | {mean:.3f} | {one.minimum:g} | "
                        f"{one.maximum:g} |")
            shown = f" {unit}" if unit else ""
            prose.append(f"In `{one.path}` the mean {one.name} was {mean:.3f}{shown}, ranging "
                         f"from {one.minimum:g} to {one.maximum:g}{shown}.")
        table = "\n".join(rows)
        return (f"## {number}. Performance\n\n| File | Metric | Mean | Min | Max |\n"
                f"|------|--------|------|-----|-----|\n{table}\n\n" + " ".join(prose) + "\n")

    def paths(self, number: int) -> str:
        real = self.rng.sample([f.path for f in self.inventory.files], k=3)
        made_up = "reports/final_summary.md"
        listed = ", ".join(f"`{p}`" for p in real)
        return (f"## {number}. Files Worth Reading\n\nStart with {listed}. The file "
                f"`{made_up}` is missing, so the monthly summary has to be pieced together "
                f"from the weekly ones.\n")

    def russian(self, number: int) -> str:
        json_count = self.kinds.get("json", 0)
        return (f"## {number}. Замечания\n\n{self.count(json_count)} файлов - JSON. Основная "
                f"часть данных представлена в формате JSON, и это хорошо видно по структуре "
                f"папок.\n")

    def prose(self, number: int) -> str:
        return (f"## {number}. Discussion\n\nThe smaller models answer first and generate "
                f"fastest, while the largest model trades speed for quality. Loading a model "
                f"dominates the first request of every run; later requests reuse the loaded "
                f"weights and their time to first token drops accordingly. The weekly summaries "
                f"agree with the per-run logs, which suggests that the aggregation scripts did "
                f"not lose rows. The compilation benchmarks are older than the runs and describe "
                f"how the inference engine was built for each target; they are context rather "
                f"than results.\n")


def make_report(inventory: FileInventory, target_words: int = REPORT_WORDS,
                seed: int = 7) -> str:
    """A report of at least ``target_words`` words about ``inventory``, the same every time."""
    writer = _ReportWriter(inventory, seed)
    makers: list[Callable[[int], str]] = [
        writer.summary, writer.type_table, writer.folder_section, writer.family_section,
        writer.freshness, writer.sizes, writer.performance, writer.paths, writer.prose,
        writer.russian,
    ]
    parts = [writer.header(), "<!-- chimera:model-report:start -->"]
    number = 0
    while len(words("\n".join(parts))) < target_words:
        parts.append(makers[number % len(makers)](number + 1))
        number += 1
    parts.append("<!-- chimera:model-report:end -->")
    return "\n\n".join(parts) + "\n"


@pytest.fixture(scope="session")
def report_text(sample_inventory: FileInventory) -> str:
    """The 2,000-word report (generated once, not timed)."""
    text = make_report(sample_inventory)
    count = len(words(text))
    assert REPORT_WORDS <= count < REPORT_WORDS + 250, count
    return text


# -- the benchmarks ------------------------------------------------------------------------------


def _paragraphs(text: str) -> tuple[int, int]:
    """The report's paragraphs (as the extractor splits them) and how many are distinct.

    The extractor reads a paragraph said again only once: this report repeats some (it cycles
    through ten sections to reach its length), which the figure benefits from.
    """
    parsed = parse_report(text)
    blocks = [block.original for block in _blocks(parsed.model_lines, "model")]
    return len(blocks), len(set(blocks))


def _record(benchmark: Any, text: str, inventory: FileInventory, median_s: float) -> None:
    result = verify(parse_report(text), inventory)
    kinds = Counter(v.claim.kind.split(".")[0] for v in result.verdicts)
    paragraphs, distinct = _paragraphs(text)
    benchmark.extra_info.update({
        "files": inventory.total_files, "report_words": len(words(text)),
        "paragraphs": paragraphs, "distinct_paragraphs": distinct,
        "claims": len(result.verdicts), "claims_by_kind": dict(sorted(kinds.items())),
        "supported": result.counts[SUPPORTED], "contradicted": result.counts[CONTRADICTED],
        "median_ms": round(median_s * 1000, 3), "goal": f"< {GOAL_MS} ms",
        "goal_met": median_s * 1000 < GOAL_MS,
    })
    # A benchmark of a checker that finds nothing would measure nothing.
    assert len(result.verdicts) >= 100
    assert result.counts[SUPPORTED] > 0 and result.counts[CONTRADICTED] > 0


def test_verify_report(benchmark: Any, sample_inventory: FileInventory,
                       report_text: str) -> None:
    index = InventoryIndex.of(sample_inventory)

    def check() -> int:
        return len(verify(parse_report(report_text), sample_inventory, index=index).verdicts)

    benchmark.pedantic(check, rounds=ROUNDS, iterations=1, warmup_rounds=2)
    median_s = benchmark.stats.stats.median
    _record(benchmark, report_text, sample_inventory, median_s)
    assert median_s * 1000 < GOAL_MS, (
        f"verifying a {len(words(report_text))}-word report against {CORPUS_FILES} files took "
        f"{median_s * 1000:.2f} ms (median of {ROUNDS}); goal {GOAL_MS} ms")


def test_verify_report_with_index_build(benchmark: Any, sample_inventory: FileInventory,
                                        report_text: str) -> None:
    def fresh() -> tuple[tuple[str, FileInventory], dict[str, Any]]:
        # A copy is a new inventory to InventoryIndex.of, so the index is built in the round.
        return (report_text, dataclasses.replace(sample_inventory)), {}

    def check(text: str, inventory: FileInventory) -> int:
        return len(verify(parse_report(text), inventory).verdicts)

    index_times: list[float] = []
    for _ in range(ROUNDS // 4):
        copy = dataclasses.replace(sample_inventory)
        started = time.perf_counter()
        InventoryIndex.of(copy)
        index_times.append(time.perf_counter() - started)
    benchmark.pedantic(check, setup=fresh, rounds=ROUNDS, iterations=1, warmup_rounds=2)
    median_s = benchmark.stats.stats.median
    _record(benchmark, report_text, sample_inventory, median_s)
    benchmark.extra_info["index_ms"] = round(statistics.median(index_times) * 1000, 3)
    benchmark.extra_info["goal"] = "none (for the record)"
    del benchmark.extra_info["goal_met"]
