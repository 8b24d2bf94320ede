"""Scale-out: ``-n 2`` with two Ollama hosts, each worker pinned to one, nothing lost or doubled.

Two loopback Ollama-protocol servers stand in for two machines. The suite runs in a subprocess
(xdist needs a real interpreter per worker) with ``filterwarnings = error`` in its ini, as a
strict user's suite would, so pytest-benchmark's "disabled under xdist" warning must not break
it. An inner ``conftest.py`` logs every artifact write (which worker, which file) so the test can
tell a file written once from one written twice or by the wrong worker.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from tiny_suite import TEST_FILE, write_corpus

pytest.importorskip("xdist")
ollama_server = pytest.importorskip("ollama_server")

AGENTS = ("A", "B", "C")
PERSONAS = ("alpha", "gamma")

SUITE_TOML = """\
personas = "personas"
corpus = "corpus"

[agents.A]
model = "gemma3"
options = { num_ctx = 4096, temperature = 0.6 }

[agents.B]
model = "gemma3"
options = { num_ctx = 4096, num_gpu = 100 }

[agents.C]
model = "gemma3"
options = { num_ctx = 8192 }
"""

PERSONA = """\
id = "{id}"
title = "File counter {id}"
prompt = "You count the files of the corpus and say how many there are, in English ({id})."
outline = ["Summary", "Files"]

[expect]
sections = ["Summary", "Files"]
min_bullets = 2
language = "en"
"""

# The fake model's answer to every call: after the report call's prefill ("## Summary") it is a
# report with the persona's sections, true to the three-file corpus below.
ANSWER = ("The corpus holds 3 files and this is the summary of the data that we have.\n\n"
          "## Files\n- The run log is a CSV file in the runs folder.\n"
          "- The write-up is a Markdown file at the top of the corpus.\n")

# Runs in every process of the inner session (controller and workers): one JSON line per
# artifact write, appended with O_APPEND so lines from two workers never interleave.
LOGGING_CONFTEST = """\
import json
import os

import pytest_chimera.artifacts as artifacts

LOG = os.path.join(os.path.dirname(__file__), "writes.log")


def _logged(write):
    def wrapper(path, data):
        result = write(path, data)
        line = json.dumps({"worker": os.environ.get("PYTEST_XDIST_WORKER", "controller"),
                           "pid": os.getpid(), "path": str(path)}) + "\\n"
        fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        return result
    return wrapper


# Every artifact write ends in this one function (the plugin's, the history's).
artifacts.atomic_write_text = _logged(artifacts.atomic_write_text)
"""


def _chunks(text: str) -> tuple[str, ...]:
    # Stream the answer a few words at a time, as a model does.
    words = re.findall(r"\S+\s*", text)
    return tuple("".join(words[i:i + 3]) for i in range(0, len(words), 3))


@pytest.fixture
def two_hosts() -> Iterator[tuple[object, object]]:
    """Two scripted loopback Ollama servers; they report a prompt count no check calls cut."""
    with ExitStack() as stack:
        servers = tuple(
            stack.enter_context(ollama_server.running_server(
                models=("gemma3:latest",), tokens=_chunks(ANSWER), prompt_eval_count=1500,
                token_delay_s=0.002))
            for _ in range(2))
        yield servers[0], servers[1]


def _write_suite(root: Path) -> None:
    (root / "chimera.toml").write_text(SUITE_TOML, "utf-8")
    (root / "personas").mkdir()
    for persona in PERSONAS:
        (root / "personas" / f"{persona}.toml").write_text(PERSONA.format(id=persona), "utf-8")
    write_corpus(root / "corpus")
    (root / "test_suite.py").write_text(TEST_FILE, "utf-8")
    (root / "conftest.py").write_text(LOGGING_CONFTEST, "utf-8")
    # A strict user's ini: every warning is an error, unknown markers too.
    (root / "pytest.ini").write_text(
        "[pytest]\naddopts = --strict-markers\nfilterwarnings =\n    error\n", "utf-8")


def _generations(server: object) -> list[object]:
    return [r for r in server.requests  # type: ignore[attr-defined]
            if r.path in ("/api/chat", "/api/generate")]


def test_two_workers_on_two_hosts_lose_and_double_nothing(
        pytester: pytest.Pytester, two_hosts: tuple[object, object]) -> None:
    host0, host1 = two_hosts
    _write_suite(pytester.path)
    storage = pytester.path / "bench-store"
    result = pytester.runpytest_subprocess(
        "-n", "2", "-v", "-p", "no:randomly", "-p", "no:cacheprovider",
        "--chimera-backend=ollama",
        "--chimera-host", host0.url, "--chimera-host", host1.url,  # type: ignore[attr-defined]
        "--chimera-report-dir=reports", "--benchmark-autosave",
        f"--benchmark-storage=file://{storage}",
    )
    cases = [f"{agent}-{persona}" for agent in AGENTS for persona in PERSONAS]

    # Every test ran and passed, and nothing was raised as a warning or an internal error.
    result.assert_outcomes(passed=len(cases))
    assert result.ret == pytest.ExitCode.OK
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output
    assert "Traceback" not in output

    # Which worker ran which test, from xdist's verbose lines ("[gw1] [ 50%] PASSED ...").
    ran_on: dict[str, str] = {}
    for match in re.finditer(r"\[(gw\d+)\][^\n]*?PASSED test_suite\.py::test_report\[([^\]]+)\]",
                             result.stdout.str()):
        ran_on[match.group(2)] = match.group(1)
    assert sorted(ran_on) == sorted(cases)
    per_worker = Counter(ran_on.values())
    assert set(per_worker) == {"gw0", "gw1"}, f"one worker ran everything: {ran_on}"

    # Each worker talked to its own host only: two generation calls per test it ran.
    assert len(_generations(host0)) == 2 * per_worker["gw0"]
    assert len(_generations(host1)) == 2 * per_worker["gw1"]

    # Every artifact exists and is whole; each was written once, by the worker that ran it.
    writes = [json.loads(line) for line in
              (pytester.path / "writes.log").read_text("utf-8").splitlines()]
    by_path = Counter(w["path"] for w in writes)
    reports = pytester.path / "reports"
    expected: set[str] = set()
    for case in cases:
        agent, persona = case.split("-", 1)
        markdown = reports / agent / f"{persona}.md"
        record = reports / agent / f"{persona}.json"
        expected |= {str(markdown), str(record)}
        text = markdown.read_text("utf-8")
        assert text.startswith(f"# Technical Report — agent {agent}, persona {persona}")
        assert "## Persona Prompt" in text, f"{markdown} is cut short"
        document = json.loads(record.read_text("utf-8"))
        assert document["agent"]["name"] == agent
        assert document["persona"]["id"] == persona
        assert document["assertions"]["test_outcome"] == "passed"
        assert len(document["calls"]) == 2
        for path in (markdown, record):
            assert by_path[str(path)] == 1, f"{path} written {by_path[str(path)]} times"
            writers = {w["worker"] for w in writes if w["path"] == str(path)}
            assert writers == {ran_on[case]}
    assert {path for path in by_path if path.startswith(f"{reports}/")} == expected
    leftovers = [p.name for p in reports.rglob("*") if p.is_file() and p.name.startswith(".")]
    assert leftovers == [], "temporary files left behind"

    # The controller's summary has a row per test.
    result.stdout.fnmatch_lines(["*= chimera summary =*"])
    for agent in AGENTS:
        for persona in PERSONAS:
            result.stdout.fnmatch_lines([f"{agent} *{persona} *passed*"])

    # pytest-benchmark saves nothing under xdist; the controller saved every test's metrics.
    saved = list(storage.rglob("*.json"))
    assert len(saved) == 1, saved
    benchmarks = json.loads(saved[0].read_text("utf-8"))["benchmarks"]
    assert sorted(b["param"] for b in benchmarks) == sorted(cases)
    assert all(b["extra_info"]["metrics"]["eval_tokens"] > 0 for b in benchmarks)
