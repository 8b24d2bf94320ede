"""Cassettes and --chimera-record in a whole pytest run: a bad file or folder is one clear line.

A tiny suite (one agent, one persona) is written with pytester and its cassettes recorded
in-process with the fake backend, as in test_plugin.py; each test then breaks one thing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from tiny_suite import (
    ALPHA,
    TEST_FILE,
    inner_run_imports_kept,  # noqa: F401  autouse fixture
    write_corpus,
)

from pytest_chimera.backends.replay import TOKEN_COUNTS, RecordingBackend
from pytest_chimera.config import load_personas, load_suite
from pytest_chimera.inventory import scan_corpus
from pytest_chimera.workflow import run_workflow

if TYPE_CHECKING:
    from conftest import FakeBackend

MakeFakeBackend = Callable[..., "FakeBackend"]

SUITE_TOML = """\
personas = "personas"
corpus = "corpus"
cassettes = "cassettes"

[agents.A]
model = "gemma3"
options = { num_ctx = 1024, temperature = 0.6 }
"""

REPORT = ("The corpus holds 3 files and this is the summary of the data that we have.\n\n"
          "## Files\n- The run log is a CSV file in the runs folder.\n"
          "- The write-up is a Markdown file at the top of the corpus.\n")
REPLAY = ("--chimera-backend=replay",)



@pytest.fixture
def suite(pytester: pytest.Pytester, make_fake_backend: MakeFakeBackend) -> Path:
    """The tiny suite in pytester's folder, its cassettes recorded; returns the root."""
    root = pytester.path
    (root / "chimera.toml").write_text(SUITE_TOML, "utf-8")
    (root / "personas").mkdir()
    (root / "personas" / "alpha.toml").write_text(ALPHA, "utf-8")
    write_corpus(root / "corpus")
    (root / "test_suite.py").write_text(TEST_FILE, "utf-8")
    suite = load_suite(root / "chimera.toml")
    (persona,) = load_personas(suite.personas_dir)
    live = make_fake_backend(["- The corpus holds 3 files.", REPORT], name="ollama")
    recorder = RecordingBackend(live, suite.cassettes)
    run_workflow(suite.agents["A"], persona, recorder, scan_corpus(suite.corpus), model="gemma3")
    recorder.close()
    return root


def cassette_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "cassettes").iterdir() if p.name != TOKEN_COUNTS)


def assert_no_traceback(result: pytest.RunResult) -> None:
    output = "\n".join(result.outlines + result.errlines)
    assert "Traceback" not in output and "INTERNALERROR" not in output
    # pytest's "E   " lines are an exception being shown, frames and all.
    result.stdout.no_fnmatch_line("E   *")


def test_the_recorded_suite_replays(pytester: pytest.Pytester, suite: Path) -> None:
    result = pytester.runpytest(*REPLAY)
    result.assert_outcomes(passed=1)


def _set(value: Any, *keys: str) -> Callable[[Any], Any]:
    def edit(cassette: Any) -> Any:
        node = cassette
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
        return cassette
    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(lambda c: {"request": c["request"]}, "response: expected an object, found "
                     "nothing (the key is missing)", id="no-response"),
        pytest.param(lambda c: [], '(top level): expected an object with a "response", found '
                     "an array", id="array"),
        pytest.param(_set("x", "response"), 'response: expected an object, found the string "x"',
                     id="response-a-string"),
        pytest.param(_set(None, "response", "text"), "response.text: expected a string, found "
                     "null", id="text-null"),
        pytest.param(_set("slow", "response", "metrics", "ttft_s"), "response.metrics.ttft_s: "
                     'expected a number of seconds (0 or more), found the string "slow"',
                     id="ttft-a-string"),
        pytest.param(_set(2.5, "response", "metrics", "eval_tokens"),
                     "response.metrics.eval_tokens: expected a whole number of tokens (0 or "
                     "more), found the number 2.5", id="fractional-tokens"),
    ],
)
def test_a_wrong_shaped_cassette_errors_naming_file_and_field(
    pytester: pytest.Pytester, suite: Path, edit: Callable[[Any], Any], message: str,
) -> None:
    for path in cassette_files(suite):
        path.write_text(json.dumps(edit(json.loads(path.read_text("utf-8")))), "utf-8")
    result = pytester.runpytest(*REPLAY)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"A/alpha on backend replay: {suite}/cassettes/*.json: not a "
                                 f"cassette: {message}; re-record it with --chimera-record"])
    assert_no_traceback(result)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("[]", "not a token-counts file: expected an object of token counts, found "
                     "an array", id="array"),
        pytest.param('{"k": "many"}', 'not a token-counts file: k: expected a whole number of '
                     'tokens (0 or more), found the string "many"', id="count-a-string"),
    ],
)
def test_wrong_shaped_token_counts_error_naming_the_file(
    pytester: pytest.Pytester, suite: Path, text: str, message: str) -> None:
    (suite / "cassettes" / TOKEN_COUNTS).write_text(text, "utf-8")
    result = pytester.runpytest(*REPLAY)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"backend replay: {suite}/cassettes/{TOKEN_COUNTS}: {message}"])
    assert_no_traceback(result)


# -- --chimera-record: the cassette folder is checked before anything is generated -----------


@pytest.fixture
def server() -> Any:
    """A loopback Ollama server to record from."""
    server_module = pytest.importorskip("ollama_server")
    with server_module.running_server(
            models=("gemma3:latest",), tokens=("The", " corpus", " holds", " 3", " files.")
    ) as running:
        yield running


def record(pytester: pytest.Pytester, server: Any, *args: str) -> pytest.RunResult:
    return pytester.runpytest("--chimera-backend=ollama", f"--chimera-host={server.url}",
                              "--chimera-record", *args)


def generations(server: Any) -> list[Any]:
    return [r for r in server.requests if r.path in ("/api/chat", "/api/generate")]


@pytest.mark.parametrize(
    ("where", "source"),
    [
        pytest.param("cli", "--chimera-cassettes", id="cli"),
        pytest.param("ini", "chimera_cassettes (ini)", id="ini"),
        pytest.param("toml", "{root}/chimera.toml: cassettes", id="chimera-toml"),
    ],
)
def test_recording_into_a_file_is_a_usage_error_at_start(
    pytester: pytest.Pytester, suite: Path, server: Any, where: str, source: str) -> None:
    (suite / "blocker").write_text("not a folder", "utf-8")
    args: list[str] = []
    if where == "cli":
        args.append("--chimera-cassettes=blocker")
    elif where == "ini":
        pytester.makeini("[pytest]\nchimera_cassettes = blocker\n")
    else:
        (suite / "chimera.toml").write_text(
            SUITE_TOML.replace('cassettes = "cassettes"', 'cassettes = "blocker"'), "utf-8")
    result = record(pytester, server, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    shown = "blocker" if where in ("cli", "ini") else f"{suite}/blocker"
    result.stderr.fnmatch_lines([f"ERROR: {source.format(root=suite)}: cassette folder "
                                 f"{shown} is a file, not a folder"])
    assert_no_traceback(result)
    assert generations(server) == []  # nothing generated only to be lost
    assert (suite / "blocker").read_text("utf-8") == "not a folder"


def test_recording_over_corrupt_token_counts_is_a_usage_error_at_start(
        pytester: pytest.Pytester, suite: Path, server: Any) -> None:
    counts = suite / "cassettes" / TOKEN_COUNTS
    counts.write_text("{", "utf-8")
    result = record(pytester, server)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        f"ERROR: {suite}/chimera.toml: cassettes: {counts}: unreadable token counts (*): "
        f"repair it, or delete it and re-record every cassette in {suite}/cassettes"])
    assert_no_traceback(result)
    assert generations(server) == []
    assert counts.read_text("utf-8") == "{"  # left for the user to repair, not overwritten


def test_recording_into_a_new_folder_then_replaying_it(
        pytester: pytest.Pytester, suite: Path, server: Any) -> None:
    result = record(pytester, server, "--chimera-cassettes=fresh/cassettes")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 1, result.outlines
    assert len(generations(server)) == 2
    recorded = sorted(p.name for p in (suite / "fresh" / "cassettes").iterdir())
    assert len(recorded) == 3 and TOKEN_COUNTS in recorded
    again = pytester.runpytest(*REPLAY, "--chimera-cassettes=fresh/cassettes")
    assert again.parseoutcomes() == outcomes


def test_token_counts_that_cannot_be_saved_at_the_end_are_one_line(
        pytester: pytest.Pytester, suite: Path, server: Any) -> None:
    # The folder checked at start goes away mid-run, after a count no generation has saved yet:
    # the counts are saved when the backend closes, after the summary, where no test can
    # carry the failure.
    (suite / "test_suite.py").write_text(
        "import shutil\n\n"
        "def test_folder_goes(chimera_backend, pytestconfig):\n"
        "    chimera_backend.count_tokens('gemma3', 'a text counted last', {})\n"
        "    folder = pytestconfig.rootpath / 'cassettes'\n"
        "    shutil.rmtree(folder)\n"
        "    folder.write_text('now a file', 'utf-8')\n", "utf-8")
    result = record(pytester, server)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"chimera: could not save the token counts: cannot write "
                                 f"{suite}/cassettes/{TOKEN_COUNTS}: *"])
    assert_no_traceback(result)
    assert (suite / "cassettes").read_text("utf-8") == "now a file"
