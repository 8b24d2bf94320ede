"""Plugin overhead per test, beyond the time spent in the backend.

What is measured: whole in-process pytest sessions (pytester) of a Chimera suite whose backend
answers at once (``ZeroLatencyBackend``: canned text, token counts by word), at two sizes,
``SMALL`` and ``LARGE`` tests (agents × 2 personas), next to sessions of as many plain
``def test(): pass`` tests. Every call into the backend is timed (``TimedBackend``) and that time
is taken out. So, per size N::

    chimera_overhead(N) = session_with_N_chimera_tests - session_with_N_plain_tests
                          - time inside the backend

and the figure with the goal is the cost of one more test,

    per_test = (chimera_overhead(LARGE) - chimera_overhead(SMALL)) / (LARGE - SMALL)

which holds everything the plugin does per test — parametrising, fitting both prompts to the
context (the token-count calls themselves are backend time), pytest-benchmark's round, the
report render, claims, faithfulness and structure checks, the two atomic artifact writes with
fsync, the summary row — and nothing it does once per session (loading the agents file and
personas, scanning the corpus), which is reported apart as ``per_session_s``.
Goal: per_test < 5 ms. Sessions of the four kinds alternate, ROUNDS times; medians are used.
"""

from __future__ import annotations

import contextlib
import importlib
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import make_corpus  # scripts/, on pytest's pythonpath
import pytest

from pytest_chimera import session as session_module
from pytest_chimera.backends.base import Backend, Generation, GenerationMetrics, GenerationRequest
from pytest_chimera.inventory import FileInventory, scan_corpus

SMALL, LARGE = 4, 24
PERSONAS = ("alpha", "beta")
ROUNDS = 5
GOAL_MS = 5.0
INNER_ARGS = ("-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly",
              "-p", "no:hypothesispytest")

PERSONA = """\
id = "{id}"
title = "Corpus reporter {id}"
prompt = "You describe the benchmark corpus you are given: its files, types and dates, in English."
outline = ["Summary", "Files"]

[expect]
sections = ["Summary", "Files"]
min_bullets = 2
language = "en"
"""

TEST_FILE = """\
def test_report(chimera_run):
    chimera_run.assert_complete()
    chimera_run.assert_structure()
    chimera_run.assert_faithful()
"""

PLAIN_TEST = """\
import pytest


@pytest.mark.parametrize("case", range({count}))
def test_plain(case):
    pass
"""


def report_text(inventory: FileInventory) -> str:
    """A report of the kind a model writes, with claims that are true of ``inventory``."""
    summary = inventory.summary()
    kinds = summary["files_by_type"]
    latest = summary["latest_modified"][:10]
    first, last = summary["data_period"]
    return (
        f"The corpus holds {summary['total_files']} files in {summary['folders']} folders. "
        f"The data covers {first} to {last}, and the newest file was modified on {latest}.\n\n"
        "## Files\n"
        f"- There are {kinds.get('csv', 0)} CSV files with the per-run measurements.\n"
        f"- There are {kinds.get('json', 0)} JSON files with nested results.\n"
        f"- There are {kinds.get('md', 0)} Markdown files with written summaries.\n"
        "- Throughput is given in tokens per second and latency as time to first token.\n"
    )


class ZeroLatencyBackend:
    """Answers every call at once: the analysis and the report are the same canned text."""

    name = "ollama"

    def __init__(self, text: str) -> None:
        self.text = text

    @property
    def exact_token_counts(self) -> bool:
        return True

    def describe(self) -> str:
        return "zero-latency canned answers (bench)"

    def count_tokens(self, model: str, text: str, options: dict[str, Any]) -> int:
        return len(text.split())

    def generate(self, request: GenerationRequest) -> Generation:
        sent = self.count_tokens(request.model, f"{request.system}\n\n{request.prompt}\n\n"
                                 f"{request.prefill}", request.options)
        metrics = GenerationMetrics(ttft_s=0.001, total_s=0.01, load_s=0.0, prompt_eval_s=0.002,
                                    eval_s=0.008, prompt_tokens=sent,
                                    eval_tokens=len(self.text.split()))
        return Generation(text=self.text, metrics=metrics, model=request.model,
                          backend=self.name)

    def close(self) -> None:
        return None


class TimedBackend:
    """Adds up the seconds spent inside the wrapped backend's calls."""

    def __init__(self, inner: Backend, clock: list[float]) -> None:
        self.inner = inner
        self.name = inner.name
        self.clock = clock

    @property
    def exact_token_counts(self) -> bool:
        return self.inner.exact_token_counts

    def describe(self) -> str:
        return self.inner.describe()

    def count_tokens(self, model: str, text: str, options: dict[str, Any]) -> int:
        started = time.perf_counter()
        try:
            return self.inner.count_tokens(model, text, options)
        finally:
            self.clock[0] += time.perf_counter() - started

    def generate(self, request: GenerationRequest) -> Generation:
        started = time.perf_counter()
        try:
            return self.inner.generate(request)
        finally:
            self.clock[0] += time.perf_counter() - started

    def close(self) -> None:
        self.inner.close()


def _write_suite(root: Path, corpus: Path, tests: int) -> None:
    agents = tests // len(PERSONAS)
    root.mkdir(parents=True)
    lines = ['personas = "personas"', f'corpus = "{corpus}"', ""]
    for index in range(agents):
        lines += [f"[agents.a{index:02d}]", 'model = "gemma3"',
                  f"options = {{ num_ctx = {2048 + 64 * index} }}", ""]
    (root / "chimera.toml").write_text("\n".join(lines), "utf-8")
    (root / "personas").mkdir()
    for persona in PERSONAS:
        (root / "personas" / f"{persona}.toml").write_text(PERSONA.format(id=persona), "utf-8")
    (root / "test_suite.py").write_text(TEST_FILE, "utf-8")
    plain = root.parent / f"{root.name}-plain"
    plain.mkdir()
    (plain / "test_plain.py").write_text(PLAIN_TEST.format(count=tests), "utf-8")


@pytest.fixture(scope="module")
def suites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FileInventory]:
    """The sample corpus and a suite of SMALL and one of LARGE tests, each with a plain twin."""
    base = tmp_path_factory.mktemp("overhead")
    corpus = base / "corpus"
    make_corpus.generate(corpus)
    for size in (SMALL, LARGE):
        _write_suite(base / f"suite{size}", corpus, size)
    return base, scan_corpus(corpus)


@pytest.fixture(scope="module", autouse=True)
def _inner_imports_kept() -> None:
    # pytester forgets the modules an in-process run imported; importing these here keeps
    # each inner session from paying for their import again, which is not plugin overhead.
    for name in ("pytest_benchmark.plugin", "xdist.plugin", "tabulate", "jsonschema"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


@contextlib.contextmanager
def _zero_latency_backend(monkeypatch: pytest.MonkeyPatch, text: str
                          ) -> Iterator[list[float]]:
    clock = [0.0]

    def make_backend(kind: str, **_: Any) -> Backend:
        return TimedBackend(ZeroLatencyBackend(text), clock)

    with monkeypatch.context() as patch:
        patch.setattr(session_module, "make_backend", make_backend)
        yield clock


def _session(pytester: pytest.Pytester, folder: Path, tests: int, *args: str) -> float:
    started = time.perf_counter()
    result = pytester.runpytest_inprocess(str(folder), *INNER_ARGS, *args)
    seconds = time.perf_counter() - started
    result.assert_outcomes(passed=tests)
    return seconds


def test_plugin_overhead_per_test(benchmark: Any, pytester: pytest.Pytester,
                                  monkeypatch: pytest.MonkeyPatch,
                                  suites: tuple[Path, FileInventory]) -> None:
    base, inventory = suites
    pytester.chdir()
    chimera_args = ("--chimera-backend=ollama", "--chimera-host=http://127.0.0.1:9",
                    f"--chimera-report-dir={pytester.path / 'reports'}")
    times: dict[str, list[float]] = {f"{kind}{size}": [] for kind in "cpb"
                                     for size in (SMALL, LARGE)}
    with _zero_latency_backend(monkeypatch, report_text(inventory)) as backend_clock:

        def chimera(size: int) -> None:
            backend_clock[0] = 0.0
            times[f"c{size}"].append(
                _session(pytester, base / f"suite{size}", size, *chimera_args))
            times[f"b{size}"].append(backend_clock[0])

        def one_round() -> None:
            # The benchmark's own figure is this whole round; the medians below split it.
            chimera(SMALL)
            times[f"p{SMALL}"].append(_session(pytester, base / f"suite{SMALL}-plain", SMALL))
            chimera(LARGE)
            times[f"p{LARGE}"].append(_session(pytester, base / f"suite{LARGE}-plain", LARGE))

        one_round()  # warm-up: first imports, page cache
        for values in times.values():
            values.clear()
        benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1)

    median = {key: statistics.median(values) for key, values in times.items()}
    overhead = {size: median[f"c{size}"] - median[f"p{size}"] - median[f"b{size}"]
                for size in (SMALL, LARGE)}
    per_test_s = (overhead[LARGE] - overhead[SMALL]) / (LARGE - SMALL)
    per_session_s = overhead[SMALL] - SMALL * per_test_s
    benchmark.extra_info.update({
        "per_test_ms": round(per_test_s * 1000, 3),
        "per_session_ms": round(per_session_s * 1000, 1),
        "backend_ms_per_test": round(median[f"b{LARGE}"] / LARGE * 1000, 3),
        "session_s": {key: round(value, 4) for key, value in median.items()},
        "goal": f"< {GOAL_MS} ms per test", "goal_met": per_test_s * 1000 < GOAL_MS,
    })
    assert per_test_s * 1000 < GOAL_MS, (
        f"the plugin costs {per_test_s * 1000:.2f} ms per test beyond the backend "
        f"(goal {GOAL_MS} ms); sessions: {median}")
