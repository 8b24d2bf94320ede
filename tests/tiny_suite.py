"""The pieces of the tiny suites that the plugin tests write with pytester: two personas, a
three-file corpus with fixed modification times, and the test module that checks a run."""

import contextlib
import importlib
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

ALPHA = """\
id = "alpha"
title = "File counter"
prompt = "You count the files of the corpus and say how many there are, in English."
outline = ["Summary", "Files"]

[expect]
sections = ["Summary", "Files"]
min_bullets = 2
language = "en"
"""

BETA = """\
id = "beta"
title = "Risk reviewer"
prompt = "You review the risks the benchmark data shows, in English, with a risks section."
outline = ["Overview", "Risks"]

[expect]
sections = ["Overview", "Risks"]
language = "en"
"""

TEST_FILE = """\
def test_report(chimera_run):
    chimera_run.assert_complete()
    chimera_run.assert_structure()
    chimera_run.assert_faithful()
"""

CORPUS = {
    "runs/run_20251001.csv": "prompt,ttft_s,tokens_s\nhello,0.25,40.5\nbye,0.5,38.0\n",
    "runs/results.json": '{"model": "gemma3", "summary": {"mean_tokens_s": 39.25}}\n',
    "notes.md": "# Notes\n\nTwo prompts were run on 2025-10-01.\n",
}


def write_corpus(folder: Path) -> None:
    """CORPUS under ``folder``, its files modified a minute apart on 2025-10-02 (UTC)."""
    for index, (rel, text) in enumerate(sorted(CORPUS.items())):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        stamp = datetime(2025, 10, 2, 9, index, tzinfo=UTC).timestamp()
        os.utime(path, (stamp, stamp))


@pytest.fixture(scope="module", autouse=True)
def inner_run_imports_kept() -> None:
    """Keep the heavy modules loaded across pytester's in-process runs (import it to use it).

    pytester drops every module an inner run imported; importing them here first means each
    inner run does not pay for importing hypothesis again (~0.7 s).
    """
    for name in ("hypothesis", "pytest_benchmark.plugin", "xdist.plugin", "cpuinfo"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
