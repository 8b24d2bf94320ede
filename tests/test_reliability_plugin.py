"""The plugin when things go wrong: a fault fails only its own test, with what happened and
what to do; the other tests go on and every finished test's artifacts are whole.

The backend is the loopback Ollama-protocol server of tests/ollama_server.py, made to misbehave
(a missing model, HTTP errors, a cut stream, a generation that never stops). The suite runs in
pytester, in-process, except where it is killed with SIGKILL, which needs a real process.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ollama_server import FakeOllamaServer, running_server
from tiny_suite import (
    TEST_FILE,
    inner_run_imports_kept,  # noqa: F401  autouse fixture
    write_corpus,
)

from pytest_chimera.config import schema_validator
from pytest_chimera.history import list_runs, load_run, resolve_run

SUITE_TOML = """\
personas = "personas"
corpus = "corpus"

[agents.A]
model = "gemma3"
options = {{ num_ctx = 4096, temperature = 0.6 }}

[agents.B]
model = "{b_model}"
options = {{ num_ctx = 4096 }}
"""

PERSONA = """\
id = "{id}"
title = "File lister {id}"
prompt = "You list the files of the benchmark corpus and summarise them, in English ({id})."
outline = ["Summary", "Files"]

[expect]
sections = ["Summary", "Files"]
min_bullets = 2
language = "en"
"""

# Every call gets this answer; after the report call's prefill ("## Summary") it is a report
# with the persona's sections that claims nothing the corpus could contradict.
ANSWER = ("This is the summary of the benchmark data that we have in the corpus folder.\n\n"
          "## Files\n- The run log is a CSV file in the runs folder.\n"
          "- The write-up is a Markdown file at the top of the corpus.\n")
TOKENS = tuple(ANSWER[i:i + 24] for i in range(0, len(ANSWER), 24))
# A prompt count the truncation check never calls cut (estimates run 1.03-2.1x over).
SERVER = {"models": ("gemma3:latest",), "tokens": TOKENS, "prompt_eval_count": 1500}



@pytest.fixture
def server() -> Iterator[FakeOllamaServer]:
    """A well-behaved loopback Ollama server; tests swap its script to make it misbehave."""
    with running_server(**SERVER) as fake:
        yield fake


def misbehave(server: FakeOllamaServer, **changes: Any) -> None:
    server.script = dataclasses.replace(server.script, **changes)


def write_suite(root: Path, *, b_model: str = "gemma3") -> None:
    (root / "chimera.toml").write_text(SUITE_TOML.format(b_model=b_model), "utf-8")
    (root / "personas").mkdir()
    for persona in ("alpha", "beta"):
        (root / "personas" / f"{persona}.toml").write_text(PERSONA.format(id=persona), "utf-8")
    write_corpus(root / "corpus")
    (root / "test_suite.py").write_text(TEST_FILE, "utf-8")
    # A strict user's ini: every warning is an error.
    (root / "pytest.ini").write_text("[pytest]\nfilterwarnings =\n    error\n", "utf-8")


def run_suite(pytester: pytest.Pytester, host: str, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider",
                              "--chimera-backend=ollama", f"--chimera-host={host}",
                              "--chimera-report-dir=reports", *args)


def artifacts(root: Path, agent: str, persona: str) -> tuple[Path, Path]:
    folder = root / "reports" / agent
    return folder / f"{persona}.md", folder / f"{persona}.json"


def assert_whole(root: Path, agent: str, persona: str, outcome: str = "passed"
                 ) -> dict[str, Any]:
    """Both artifacts of one test exist and are complete; the record fits its schema."""
    markdown, record_path = artifacts(root, agent, persona)
    text = markdown.read_text("utf-8")
    assert text.startswith(f"# Technical Report — agent {agent}, persona {persona}")
    assert "## Persona Prompt" in text, f"{markdown} is cut short"
    record: dict[str, Any] = json.loads(record_path.read_text("utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in schema_validator("run").iter_errors(record)]
    assert errors == [], f"{record_path}: {errors}"
    assert record["assertions"]["test_outcome"] == outcome
    return record


def assert_absent(root: Path, agent: str, persona: str) -> None:
    """A test that produced no run left no artifact, not even a partial one."""
    for path in artifacts(root, agent, persona):
        assert not path.exists(), f"{path} was written by a test that produced no run"


def leftovers(root: Path) -> list[str]:
    """Temporary or partial files in the report folder (there must be none)."""
    folder = root / "reports"
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and (p.name.startswith(".") or p.suffix not in (".md", ".json")))


def chats(server: FakeOllamaServer, model: str | None = None) -> list[Any]:
    return [r for r in server.requests_to("/api/chat")
            if model is None or (r.body is not None and r.body["model"] == model)]


# -- backend faults ----------------------------------------------------------------------------


def test_a_missing_model_errors_its_agents_tests_only_and_is_never_retried(
    pytester: pytest.Pytester, server: FakeOllamaServer,
) -> None:
    write_suite(pytester.path, b_model="qwen3:0.6b")
    result = run_suite(pytester, server.url, "--chimera-retries=3")
    result.assert_outcomes(passed=2, errors=2)
    for persona in ("alpha", "beta"):
        result.stdout.fnmatch_lines([
            f"*B/{persona} on backend ollama: model 'qwen3:0.6b' is not pulled on "
            f"{server.url}: run `ollama pull qwen3:0.6b` (the server said: model "
            '"qwen3:0.6b" not found, try pulling it first)'])
    result.stdout.no_fnmatch_line("*During handling of the above exception*")
    # One request per test for the missing model, whatever --chimera-retries says.
    assert len(chats(server, "qwen3:0.6b")) == 2
    for persona in ("alpha", "beta"):
        assert_whole(pytester.path, "A", persona)
        assert_absent(pytester.path, "B", persona)
    assert leftovers(pytester.path) == []


@pytest.mark.parametrize(
    ("retries", "outcomes", "attempts"),
    [
        pytest.param(2, {"passed": 1, "errors": 1}, 3, id="gives-up-after-retries"),
        pytest.param(3, {"passed": 2}, 4, id="one-more-retry-gets-through"),
    ],
)
def test_transient_faults_are_retried_with_backoff_as_often_as_chimera_retries_says(
    pytester: pytest.Pytester, server: FakeOllamaServer,
    retries: int, outcomes: dict[str, int], attempts: int,
) -> None:
    write_suite(pytester.path)
    # The server fails its first three generations with a 500 (a crashed runner), then heals.
    misbehave(server, fault="http_error", fault_requests=3, error_status=500)
    result = run_suite(pytester, server.url, "--chimera-agent=A", f"--chimera-retries={retries}")
    result.assert_outcomes(**outcomes)
    first_call = [r.at for r in chats(server)][:attempts]
    assert len(first_call) == attempts
    # Exponential back-off (0.5 s, 1 s, 2 s) between the attempts of the first call.
    for n, (before, after) in enumerate(itertools.pairwise(first_call)):
        assert after - before >= 0.5 * 2**n
    if outcomes.get("errors"):
        result.stdout.fnmatch_lines([
            f"*A/alpha on backend ollama: Ollama at {server.url} answered HTTP 500: llama "
            "runner process has terminated: signal: killed (gave up after 3 attempts: see the "
            "server's log, or allow more with --chimera-retries)"])
        assert_absent(pytester.path, "A", "alpha")
    else:
        assert_whole(pytester.path, "A", "alpha")
    assert_whole(pytester.path, "A", "beta")
    assert leftovers(pytester.path) == []


@pytest.mark.parametrize(
    ("script", "args", "message"),
    [
        pytest.param(
            {"fault": "cut", "cut_after": 2, "fault_requests": 1}, ["--chimera-retries=0"],
            "*A/alpha on backend ollama: stream cut by Ollama at {url} after 2 chunks: * (gave "
            "up after 1 attempt: see the server's log, or allow more with --chimera-retries)",
            id="stream-cut-mid-way"),
        pytest.param(
            {"fault": "endless", "token_delay_s": 0.01, "fault_requests": 1},
            ["--chimera-timeout=1"],
            "*A/alpha on backend ollama: generation ran past the 1 s limit: set num_predict for "
            "this agent or raise --chimera-timeout", id="never-stops"),
        pytest.param(
            {"fault": "stream_error", "error_message": "CUDA error: out of memory",
             "fault_requests": 1}, [],
            "*A/alpha on backend ollama: Ollama at {url} failed while generating: CUDA error: "
            "out of memory (see the server's log)", id="runner-fails-mid-answer"),
        pytest.param(
            {"fault": "http_error", "error_status": 400, "error_message": "invalid options",
             "fault_requests": 1}, [],
            "*A/alpha on backend ollama: Ollama at {url} refused the request with HTTP 400: "
            "invalid options", id="http-400-not-retried"),
    ],
)
def test_a_fault_in_one_generation_fails_that_test_and_the_next_one_runs(
    pytester: pytest.Pytester, server: FakeOllamaServer,
    script: dict[str, Any], args: list[str], message: str,
) -> None:
    write_suite(pytester.path)
    misbehave(server, **script)
    started = time.perf_counter()
    result = run_suite(pytester, server.url, "--chimera-agent=A", *args)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([message.format(url=server.url)])
    # fnmatch reads [...] as a character class: "[[]" is a literal "[".
    result.stdout.fnmatch_lines(["ERROR test_suite.py::test_report[[]A-alpha] - Failed: "
                                 "A/alpha on backend ollama*"])
    assert "INTERNALERROR" not in result.stdout.str()
    assert time.perf_counter() - started < 30
    assert_absent(pytester.path, "A", "alpha")
    assert_whole(pytester.path, "A", "beta")
    assert leftovers(pytester.path) == []


def test_server_down_errors_every_test_with_the_way_out(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    started = time.perf_counter()
    result = run_suite(pytester, url, "--chimera-retries=5")
    result.assert_outcomes(errors=4)
    result.stdout.fnmatch_lines([
        f"*A/alpha on backend ollama: no Ollama server answers at {url} (*): start it with "
        "`ollama serve` or pass --chimera-host / --chimera-backend=llamacpp"])
    # A refused connection is not retried: five retries with back-off would take 15 s a test.
    assert time.perf_counter() - started < 15
    assert not (pytester.path / "reports" / "A").exists()
    assert leftovers(pytester.path) == []


def test_an_empty_answer_fails_as_incomplete_and_still_writes_its_artifacts(
    pytester: pytest.Pytester, server: FakeOllamaServer,
) -> None:
    write_suite(pytester.path)
    misbehave(server, tokens=())
    result = run_suite(pytester, server.url, "--chimera-agent=A")
    result.assert_outcomes(failed=2)
    report = pytester.path / "reports" / "A" / "alpha.md"
    result.stdout.fnmatch_lines([f"*the run is incomplete ({report}):",
                                 "*the report call returned an empty answer"])
    for persona in ("alpha", "beta"):
        # Nothing lost: a failed test's artifacts record the failure.
        record = assert_whole(pytester.path, "A", persona, outcome="failed")
        assert record["assertions"]["complete"] is False
        assert record["assertions"]["failures"]["context"] == [
            "the report call returned an empty answer"]
    assert leftovers(pytester.path) == []


# -- bad corpora, seen from the suite ----------------------------------------------------------


def test_skipped_files_are_listed_in_the_report_the_record_and_the_prompt(
    pytester: pytest.Pytester, server: FakeOllamaServer, tmp_path: Path,
) -> None:
    write_suite(pytester.path)
    corpus = pytester.path / "corpus"
    (corpus / "runs" / "blob.csv").write_bytes(b"PK\x03\x04\x00\x00" * 64)
    (corpus / "runs" / "cut.json").write_text('{"runs": [{"ttft_ms": 12', "utf-8")
    (tmp_path / "secret.csv").write_text("leaked_metric\n9876543\n", "utf-8")
    (corpus / "elsewhere.csv").symlink_to(tmp_path / "secret.csv")
    result = run_suite(pytester, server.url, "--chimera-agent=A", "--chimera-persona=alpha")
    result.assert_outcomes(passed=1)
    skipped = [("elsewhere.csv", "symbolic link, not followed"),
               ("runs/blob.csv", "binary data behind a .csv name"),
               ("runs/cut.json", "malformed JSON at line 1 column 25: Expecting ',' delimiter")]
    record = assert_whole(pytester.path, "A", "alpha")
    assert [(p["path"], p["reason"]) for p in record["inventory"]["problems"]] == skipped
    markdown = artifacts(pytester.path, "A", "alpha")[0].read_text("utf-8")
    data_summary = markdown.split("## Data Summary", 1)[1].split("## Metrics", 1)[0]
    for path, reason in skipped:
        assert f"- Not fully read: `{path}` ({reason})" in data_summary
    # The model was told too, so it need not guess why the counts and the values differ.
    prompt = chats(server)[0].body["messages"][1]["content"]
    for path, reason in skipped:
        assert f"- Unreadable: {path} ({reason})" in prompt
    # Never followed out of the corpus: the linked file's column and value reached nothing.
    # (Both are spelled so that no timestamp or count can contain them by chance.)
    for leaked in ("leaked_metric", "9876543", "secret"):
        assert leaked not in json.dumps(record) and leaked not in prompt and leaked not in markdown


def test_a_missing_corpus_errors_every_test_naming_the_folder(
    pytester: pytest.Pytester, server: FakeOllamaServer,
) -> None:
    write_suite(pytester.path)
    result = run_suite(pytester, server.url, "--chimera-corpus=nowhere")
    result.assert_outcomes(errors=4)
    result.stdout.fnmatch_lines(["corpus: corpus folder nowhere does not exist"] * 4)
    assert chats(server) == []
    assert not (pytester.path / "reports" / "A").exists()


# -- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--chimera-retries=-1"], "ERROR: --chimera-retries: -1 is below the least "
                     "allowed value 0", id="retries-negative"),
        pytest.param(["--chimera-retries=many"], "ERROR: --chimera-retries: 'many' is not a "
                     "whole number", id="retries-text"),
        pytest.param(["--chimera-timeout=soon"], "ERROR: --chimera-timeout: 'soon' is not a "
                     "number", id="timeout-text"),
        pytest.param(["--chimera-timeout=0"], "ERROR: --chimera-timeout: 0 must be above 0",
                     id="timeout-zero"),
        pytest.param(["--chimera-max-contradicted=-2"], "ERROR: --chimera-max-contradicted: -2 "
                     "is below the least allowed value 0", id="max-contradicted-negative"),
        pytest.param(["--chimera-min-faithfulness=most"], "ERROR: --chimera-min-faithfulness: "
                     "'most' is not a number", id="faithfulness-text"),
        pytest.param(["--chimera-persona=alpha,gamma"], "ERROR: --chimera-persona: unknown "
                     "persona(s) 'gamma'; */personas has alpha, beta", id="unknown-persona"),
        pytest.param(["--chimera-agent=C"], "ERROR: --chimera-agent: unknown agent(s) 'C'; "
                     "*/chimera.toml defines A, B", id="unknown-agent"),
    ],
)
def test_bad_option_values_stop_the_run_naming_option_and_reason(
    pytester: pytest.Pytester, server: FakeOllamaServer, args: list[str], message: str,
) -> None:
    write_suite(pytester.path)
    result = run_suite(pytester, server.url, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str()
    assert chats(server) == []


def test_a_bad_ini_value_names_the_ini_key(pytester: pytest.Pytester,
                                           server: FakeOllamaServer) -> None:
    write_suite(pytester.path)
    (pytester.path / "pytest.ini").write_text(
        "[pytest]\nchimera_fail_on_unverifiable = maybe\n", "utf-8")
    result = run_suite(pytester, server.url)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: chimera_fail_on_unverifiable (ini): 'maybe' is not "
                                 "true or false"])


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        pytest.param("personas/beta.toml", 'id = "beta"\ntitle = "t\n',
                     "ERROR: */personas/beta.toml: not valid TOML: Illegal character '\\n' "
                     "(at line 2, column 11)", id="persona-not-toml"),
        pytest.param("personas/beta.toml", PERSONA.format(id="beta").replace(
                         "min_bullets = 2", "min_bullets = -2"),
                     "ERROR: */personas/beta.toml: expect.min_bullets: -2 is less than the "
                     "minimum of 0", id="persona-bad-value"),
        pytest.param("personas/beta.toml", PERSONA.format(id="beta").replace(
                         'outline = ["Summary", "Files"]\n', ""),
                     "ERROR: */personas/beta.toml: (top level): 'outline' is a required "
                     "property", id="persona-missing-key"),
        pytest.param("personas/beta.toml", PERSONA.format(id="alpha"),
                     "ERROR: */personas/beta.toml: id 'alpha' is also used by "
                     "*/personas/alpha.toml", id="persona-duplicate-id"),
        pytest.param("chimera.toml", '[agents.A\nmodel = "gemma3"\n',
                     "ERROR: */chimera.toml: not valid TOML: Expected ']' at the end of a table "
                     "declaration (at line 1, column 10)", id="agents-not-toml"),
        pytest.param("chimera.toml", SUITE_TOML.format(b_model="gemma3").replace(
                         "temperature = 0.6", "temperature = 'hot'"),
                     "ERROR: */chimera.toml: agents.A.options.temperature: 'hot' is not of "
                     "type 'number'", id="agents-bad-type"),
        pytest.param("chimera.toml", SUITE_TOML.format(b_model="gemma3").replace(
                         "[agents.B]", "[agents.a]"),
                     "ERROR: */chimera.toml: agents.a: would write its reports to the same "
                     "folder as agent 'A'; rename one", id="agents-clash-on-case"),
        pytest.param("personas/gamma.toml", PERSONA.format(id="alpha_"),
                     "ERROR: */personas/gamma.toml: id: 'alpha_' would write its reports to "
                     "the same files as persona 'alpha' (*/personas/alpha.toml); rename one",
                     id="personas-clash-on-file-name"),
    ],
)
def test_a_broken_persona_or_agents_file_stops_the_run_and_loses_nothing(
    pytester: pytest.Pytester, server: FakeOllamaServer, file: str, text: str, message: str,
) -> None:
    write_suite(pytester.path)
    assert run_suite(pytester, server.url, "--chimera-agent=A").ret == pytest.ExitCode.OK
    before = {p: p.read_bytes() for p in (pytester.path / "reports").rglob("*") if p.is_file()}
    assert len(before) == 4
    requests = len(chats(server))
    (pytester.path / file).write_text(text, "utf-8")
    result = run_suite(pytester, server.url)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str()
    # Nothing lost: the last good run's artifacts are untouched, and nothing was generated.
    assert {p: p.read_bytes() for p in (pytester.path / "reports").rglob("*")
            if p.is_file()} == before
    assert len(chats(server)) == requests


def test_an_agent_folder_that_cannot_be_made_fails_its_tests_only(
    pytester: pytest.Pytester, server: FakeOllamaServer,
) -> None:
    write_suite(pytester.path)
    (pytester.path / "reports").mkdir()
    (pytester.path / "reports" / "A").write_text("not a folder\n", "utf-8")
    result = run_suite(pytester, server.url)
    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines([
        f"*cannot write {pytester.path}/reports/A/alpha.md: {pytester.path}/reports/A is a "
        "file, not a folder"])
    assert "During handling" not in result.stdout.str()  # the message once, no chained copy
    # The summary still shows their verdicts (it is now the only place they are), and why
    # there is no report to open.
    result.stdout.fnmatch_lines([
        "*= chimera summary =*",
        "agent*persona*test*structure*faithfulness*report",
        "*",
        "A*alpha*error*pass*not written: reports/A/alpha.md",
        "A*beta*error*pass*not written: reports/A/beta.md",
        "B*alpha*passed*pass*reports/B/alpha.md",
    ])
    assert (pytester.path / "reports" / "A").read_text("utf-8") == "not a folder\n"
    for persona in ("alpha", "beta"):
        assert_whole(pytester.path, "B", persona)
    assert leftovers(pytester.path) == ["A"]  # the blocking file itself, and nothing else


# -- a run killed in the middle ----------------------------------------------------------------


def test_a_run_killed_with_sigkill_leaves_finished_artifacts_whole_and_no_partial_files(
    pytester: pytest.Pytester, server: FakeOllamaServer,
) -> None:
    root = pytester.path
    write_suite(root)
    # A saved benchmark history from an earlier run, which the killed run must not touch.
    storage = root / ".benchmarks"
    machine = storage / "Linux-CPython-3.11-64bit"
    machine.mkdir(parents=True)
    earlier = machine / "0001_earlier.json"
    earlier.write_text(json.dumps({"benchmarks": [], "datetime": "2026-01-01T00:00:00"}),
                       "utf-8")
    history_before = earlier.read_bytes()

    reports = root / "reports"
    # The first test's two generations (analysis, report) answer at once; every later one
    # hangs, so the run is certainly mid-test when it is killed, however fast the tests are.
    misbehave(server, first_token_delay_s=600.0, delay_from=2)
    with open(root / "inner.log", "w") as log:
        inner = pytester.popen(
            [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider",
             "--chimera-backend=ollama", f"--chimera-host={server.url}",
             "--chimera-report-dir=reports", "--benchmark-autosave",
             f"--benchmark-storage=file://{storage}"],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            # Wait for the first test to finish, then for a later test to be waiting on its
            # generation: kill mid-run, mid-test.
            first = artifacts(root, "A", "alpha")[1]
            deadline = time.monotonic() + 120
            while not first.exists():
                assert inner.poll() is None, "the inner run ended before it was killed"
                assert time.monotonic() < deadline, "the first test never finished"
                time.sleep(0.02)
            while len(chats(server)) <= 2:
                assert inner.poll() is None, "the inner run ended before it was killed"
                assert time.monotonic() < deadline, "no later test started"
                time.sleep(0.02)
            time.sleep(0.2)
            finished = sorted(p.relative_to(reports) for p in reports.rglob("*.json"))
            os.kill(inner.pid, signal.SIGKILL)
        finally:
            if inner.poll() is None:
                os.kill(inner.pid, signal.SIGKILL)
            inner.wait(timeout=30)
    assert inner.returncode == -signal.SIGKILL

    # Every test that finished before the kill has both artifacts, whole and valid.
    assert finished, "no test finished before the kill"
    assert sorted(p.relative_to(reports) for p in reports.rglob("*.json")) == finished
    for record in finished:
        agent, persona = record.parent.name, record.stem
        assert_whole(root, agent, persona)
    # The test that was killed left nothing: no report without its record, no temp file.
    assert sorted(p.relative_to(reports) for p in reports.rglob("*.md")) == [
        p.with_suffix(".md") for p in finished]
    assert leftovers(root) == []
    # The saved history is as it was: the killed run saved nothing, and broke nothing.
    assert list_runs(storage) == [earlier]
    assert earlier.read_bytes() == history_before
    assert resolve_run(storage, "last") == earlier
    assert load_run(earlier).tests == ()


# -- bad reports, seen by the checks -----------------------------------------------------------


@pytest.mark.parametrize(
    "tokens",
    [
        pytest.param(("\x00\x07\x1b[31m", "PK\x03\x04 binary"), id="binary-garbage"),
        pytest.param(("no headings at all, just words " * 4000,), id="huge-no-sections"),
        pytest.param(("Корпус содержит 3 файла. " * 20,), id="wrong-language"),
    ],
)
def test_a_garbage_answer_is_a_clear_structure_failure_with_artifacts(
    pytester: pytest.Pytester, server: FakeOllamaServer, tokens: tuple[str, ...],
) -> None:
    write_suite(pytester.path)
    misbehave(server, tokens=tokens)
    result = run_suite(pytester, server.url, "--chimera-agent=A", "--chimera-persona=alpha")
    result.assert_outcomes(failed=1)
    report = pytester.path / "reports" / "A" / "alpha.md"
    result.stdout.fnmatch_lines([
        f"*the report does not have the structure persona 'alpha' asks for ({report}):",
        "*alpha.md:*  required section 'Files' is missing*"])
    assert "INTERNALERROR" not in result.stdout.str()
    record = assert_whole(pytester.path, "A", "alpha", outcome="failed")
    assert record["assertions"]["structure"] is False
    assert record["calls"][-1]["response"] == "".join(tokens)
    assert leftovers(pytester.path) == []
