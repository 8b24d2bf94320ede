"""The plugin end to end in pytester: a tiny suite replayed from cassettes recorded in-process."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tiny_suite import (
    ALPHA,
    BETA,
    TEST_FILE,
    inner_run_imports_kept,  # noqa: F401  autouse fixture
    write_corpus,
)

from pytest_chimera.backends.replay import RecordingBackend
from pytest_chimera.config import load_personas, load_suite, schema_validator
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

[agents.B]
model = "gemma3"
options = { num_ctx = 2048, num_gpu = 100 }
"""

ANALYSIS = "- The corpus holds 3 files."
REPORTS = {
    "alpha": ("The corpus holds 3 files and this is the summary of the data that we have.\n\n"
              "## Files\n- The run log is a CSV file in the runs folder.\n"
              "- The write-up is a Markdown file at the top of the corpus.\n"),
    "beta": ("The corpus holds 3 files and this is the overview of the data that we have.\n\n"
             "## Risks\n- The run log is short and it has only two rows of the data.\n"),
}

REPLAY = "--chimera-backend=replay"





@pytest.fixture
def suite(pytester: pytest.Pytester, make_fake_backend: MakeFakeBackend
          ) -> Callable[..., Path]:
    """Write the tiny suite into pytester's folder and record its cassettes; returns the root."""

    def build(reports: dict[str, str] | None = None, *, record: bool = True) -> Path:
        root = pytester.path
        (root / "chimera.toml").write_text(SUITE_TOML, "utf-8")
        (root / "personas").mkdir()
        (root / "personas" / "alpha.toml").write_text(ALPHA, "utf-8")
        (root / "personas" / "beta.toml").write_text(BETA, "utf-8")
        write_corpus(root / "corpus")
        (root / "test_suite.py").write_text(TEST_FILE, "utf-8")
        if record:
            record_cassettes(root, {**REPORTS, **(reports or {})}, make_fake_backend)
        return root

    return build


def record_cassettes(root: Path, reports: dict[str, str], make_fake_backend: MakeFakeBackend
                     ) -> None:
    """What --chimera-record on a live backend would write, made with the fake backend."""
    suite = load_suite(root / "chimera.toml")
    inventory = scan_corpus(suite.corpus)
    for persona in load_personas(suite.personas_dir):
        for agent in suite.agents.values():
            live = make_fake_backend([ANALYSIS, reports[persona.id]], name="ollama",
                                     metrics=[{"ttft_s": 0.0125, "eval_s": 0.5}])
            recorder = RecordingBackend(live, suite.cassettes)
            run_workflow(agent, persona, recorder, inventory, model=agent.model)
            recorder.close()


# -- selection and parametrisation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "ids"),
    [
        pytest.param([], ["A-alpha", "A-beta", "B-alpha", "B-beta"], id="default-all"),
        pytest.param(["--chimera-agent=all"], ["A-alpha", "A-beta", "B-alpha", "B-beta"],
                     id="all"),
        pytest.param(["--chimera-agent=A"], ["A-alpha", "A-beta"], id="one-agent"),
        pytest.param(["--chimera-agent=B, A"], ["B-alpha", "B-beta", "A-alpha", "A-beta"],
                     id="comma-list-in-given-order"),
        pytest.param(["--chimera-persona=beta"], ["A-beta", "B-beta"], id="one-persona"),
        pytest.param(["--chimera-agent=B", "--chimera-persona=alpha,beta"],
                     ["B-alpha", "B-beta"], id="both"),
    ],
)
def test_one_test_per_agent_and_persona(pytester: pytest.Pytester, suite: Callable[..., Path],
                                        args: list[str], ids: list[str]) -> None:
    suite(record=False)
    result = pytester.runpytest("--collect-only", "-q", *args)
    result.assert_outcomes()
    assert result.ret == pytest.ExitCode.OK
    collected = [line for line in result.outlines if "::" in line]
    assert collected == [f"test_suite.py::test_report[{i}]" for i in ids]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--chimera-agent=A,Z,Y"], "ERROR: --chimera-agent: unknown agent(s) 'Z', "
                     "'Y'; */chimera.toml defines A, B", id="unknown-agent"),
        pytest.param(["--chimera-persona=gamma"], "ERROR: --chimera-persona: unknown persona(s) "
                     "'gamma'; */personas has alpha, beta", id="unknown-persona"),
        pytest.param(["--chimera-agent=,"], "ERROR: --chimera-agent: expected a name or a "
                     "comma-separated list of names", id="empty-agent"),
        pytest.param(["--chimera-agent=A,,B"], "ERROR: --chimera-agent: 'A,,B' has an empty "
                     "name; expected a name or a comma-separated list of names",
                     id="empty-name-in-list"),
        pytest.param(["--chimera-persona=alpha,"], "ERROR: --chimera-persona: 'alpha,' has an "
                     "empty name; expected a name or a comma-separated list of names",
                     id="trailing-comma"),
        pytest.param(["--chimera-rounds=0"], "ERROR: --chimera-rounds: 0 is below the least "
                     "allowed value 1", id="rounds-zero"),
        pytest.param(["--chimera-rounds=two"], "ERROR: --chimera-rounds: 'two' is not a whole "
                     "number", id="rounds-text"),
        pytest.param(["--chimera-backend=nope"], "ERROR: --chimera-backend: 'nope' is not one "
                     "of auto, ollama, llamacpp, replay", id="unknown-backend"),
        pytest.param(["--chimera-timeout=-1"], "ERROR: --chimera-timeout: -1 must be above 0",
                     id="negative-timeout"),
        pytest.param(["--chimera-timeout=inf"], "ERROR: --chimera-timeout: 'inf' is not a "
                     "finite number of seconds", id="infinite-timeout"),
        pytest.param(["--chimera-timeout=1e400"], "ERROR: --chimera-timeout: '1e400' is not a "
                     "finite number of seconds", id="overflowing-timeout"),
        pytest.param(["--chimera-timeout=nan"], "ERROR: --chimera-timeout: 'nan' is not a "
                     "finite number of seconds", id="nan-timeout"),
        # Finite, yet past what a socket timeout can hold (httpx raised OverflowError).
        pytest.param(["--chimera-timeout=1e10"], "ERROR: --chimera-timeout: 1e10 is above the "
                     "most allowed value 604800 (a week)", id="huge-timeout"),
        pytest.param(["--chimera-min-faithfulness=nan"], "ERROR: --chimera-min-faithfulness: "
                     "nan is not between 0 and 1", id="nan-faithfulness"),
        pytest.param(["--chimera-host=http://[::1"], "ERROR: --chimera-host: 'http://[::1' is "
                     "not a valid Ollama host: invalid IPv6 URL", id="malformed-host"),
        pytest.param(["--chimera-host=http://127.0.0.1:1", "--chimera-host=ftp://x"],
                     "ERROR: --chimera-host: 'ftp://x' is not a valid Ollama host: the scheme "
                     "must be http or https, not 'ftp'", id="one-bad-host-of-a-pool"),
        pytest.param(["--chimera-min-faithfulness=1.5"], "ERROR: --chimera-min-faithfulness: "
                     "1.5 is not between 0 and 1", id="faithfulness-range"),
        pytest.param(["--chimera-config=missing.toml"], "ERROR: */missing.toml: agents file "
                     "not found", id="missing-config"),
    ],
)
def test_bad_options_are_usage_errors(pytester: pytest.Pytester, suite: Callable[..., Path],
                                      args: list[str], message: str) -> None:
    suite(record=False)
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


@pytest.mark.parametrize(("backend", "exit_code"), [
    ("ollama", pytest.ExitCode.USAGE_ERROR),
    # Replay never talks to Ollama: a stale OLLAMA_HOST in the environment must not stop it.
    ("replay", pytest.ExitCode.OK),
])
def test_a_malformed_ollama_host_in_the_environment_is_named_when_it_would_be_used(
        pytester: pytest.Pytester, suite: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
        backend: str, exit_code: pytest.ExitCode) -> None:
    suite()
    monkeypatch.setenv("OLLAMA_HOST", "http://[::1")
    # Named even beside a good --chimera-host: the ollama package reads it on import.
    result = pytester.runpytest(f"--chimera-backend={backend}", "--chimera-host=127.0.0.1:1")
    assert result.ret == exit_code
    if exit_code == pytest.ExitCode.USAGE_ERROR:
        result.stderr.fnmatch_lines(["ERROR: OLLAMA_HOST (environment): 'http://[::1' is not "
                                     "a valid Ollama host: invalid IPv6 URL"])


def test_a_broken_agents_file_is_a_usage_error_naming_the_key(
    pytester: pytest.Pytester, suite: Callable[..., Path]) -> None:
    root = suite(record=False)
    (root / "chimera.toml").write_text('[agents.A]\nmodel = "g"\noptions = { num_ctx = 1 }\n',
                                       "utf-8")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: */chimera.toml: agents.A.options.num_ctx: 1 is less "
                                 "than the minimum of 128"])


@pytest.mark.parametrize(
    ("ini", "args", "ids"),
    [
        pytest.param("chimera_agent = B", [], ["B-alpha", "B-beta"], id="ini"),
        pytest.param("chimera_agent = B", ["--chimera-agent=A"], ["A-alpha", "A-beta"],
                     id="cli-over-ini"),
        pytest.param("chimera_persona = beta", ["--chimera-agent=A"], ["A-beta"],
                     id="ini-and-cli-combine"),
    ],
)
def test_ini_keys_and_precedence(pytester: pytest.Pytester, suite: Callable[..., Path],
                                 ini: str, args: list[str], ids: list[str]) -> None:
    suite(record=False)
    pytester.makeini(f"[pytest]\n{ini}\n")
    result = pytester.runpytest("--collect-only", "-q", *args)
    assert [line for line in result.outlines if "::" in line] == [
        f"test_suite.py::test_report[{i}]" for i in ids]


def test_a_bad_ini_value_names_the_ini_key(pytester: pytest.Pytester,
                                           suite: Callable[..., Path]) -> None:
    suite(record=False)
    pytester.makeini("[pytest]\nchimera_rounds = 0\n")
    result = pytester.runpytest("--collect-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: chimera_rounds (ini): 0 is below the least allowed "
                                 "value 1"])
    # The command line wins over the broken ini value.
    assert pytester.runpytest("--collect-only", "--chimera-rounds=2").ret == 0


def test_chimera_fixtures_without_an_agents_file_say_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_orphan=TEST_FILE)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: test_orphan.py::test_report uses chimera fixtures but no "
                                 "agents file was found*"])


def test_help_lists_every_chimera_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines([
        "pytest-chimera: LLM agent report suites:",
        "*--chimera-agent=VALUE*",
        "*--chimera-persona=VALUE*",
        "*--chimera-backend=VALUE*",
        "*--chimera-record*",
        "*--chimera-rounds=VALUE*",
    ])
    result.stdout.fnmatch_lines(["*chimera_agent (string):*", "*chimera_host (linelist):*"])


# -- a replayed run --------------------------------------------------------------------------


def test_a_replayed_run_passes_and_writes_artifacts(pytester: pytest.Pytester,
                                                    suite: Callable[..., Path]) -> None:
    root = suite()
    result = pytester.runpytest(REPLAY, "--junitxml=junit.xml", "-v")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([
        "chimera: backend replay (--chimera-backend=replay)",
        "chimera: agents A (gemma3), B (gemma3); personas alpha, beta",
        f"chimera: corpus {root / 'corpus'}; reports to {root / 'chimera-reports'}",
    ])
    validator = schema_validator("run")
    cases = ET.parse(root / "junit.xml").getroot().findall(".//testcase")
    assert len(cases) == 4
    for case in cases:
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        agent, persona = str(case.get("name"))[len("test_report["):-1].split("-")
        assert props["chimera_report"] == str(root / "chimera-reports" / agent / f"{persona}.md")
        assert props["chimera_record"] == str(root / "chimera-reports" / agent /
                                              f"{persona}.json")
        record = json.loads(Path(props["chimera_record"]).read_text("utf-8"))
        assert sorted(f"{list(e.absolute_path)}: {e.message}"
                      for e in validator.iter_errors(record)) == []
        assert record["replayed"] is True
        assert record["agent"]["name"] == agent and record["persona"]["id"] == persona
        assert record["assertions"]["test_outcome"] == "passed"
        assert record["backend"]["name"] == "replay"
        assert record["report_text"].endswith(REPORTS[persona])
        markdown = Path(props["chimera_report"]).read_text("utf-8")
        assert f"# Technical Report — agent {agent}, persona {persona}" in markdown
        assert "Timings above are replayed from a cassette" in markdown


def test_the_terminal_summary_has_a_row_per_test(pytester: pytest.Pytester,
                                                 suite: Callable[..., Path]) -> None:
    suite()
    result = pytester.runpytest(REPLAY, "--chimera-agent=B")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "*= chimera summary =*",
        "agent*persona*test*structure*faithfulness*TTFT ms*tok/s*tokens*report",
        "B*alpha*passed*pass*12.5 (replayed)*(replayed)*chimera-reports/B/alpha.md",
        "B*beta*passed*pass*12.5 (replayed)*(replayed)*chimera-reports/B/beta.md",
    ])


def test_without_pytest_benchmark_the_suite_runs_unbenchmarked(
        pytester: pytest.Pytester, suite: Callable[..., Path]) -> None:
    root = suite()
    # Users turn pytest-benchmark off this way to drop its table; each test used to error with
    # "fixture 'benchmark' not found".
    result = pytester.runpytest(REPLAY, "--chimera-agent=B", "--chimera-rounds=2",
                                "-p", "no:benchmark")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "*= chimera summary =*",
        "B*alpha*passed*pass*12.5 (replayed)*(replayed)*chimera-reports/B/alpha.md",
        "B*beta*passed*pass*12.5 (replayed)*(replayed)*chimera-reports/B/beta.md",
    ])
    record = json.loads((root / "chimera-reports" / "B" / "alpha.json").read_text("utf-8"))
    assert len(record["rounds"]) == 2


def test_metrics_reach_benchmark_json(pytester: pytest.Pytester,
                                      suite: Callable[..., Path]) -> None:
    root = suite()
    result = pytester.runpytest(REPLAY, "--chimera-agent=A", "--chimera-persona=alpha",
                                "--chimera-rounds=2", "--benchmark-json=bench.json")
    result.assert_outcomes(passed=1)
    bench = json.loads((root / "bench.json").read_text("utf-8"))
    (entry,) = bench["benchmarks"]
    assert entry["name"] == "test_report[A-alpha]"
    assert entry["stats"]["rounds"] == 2
    info = entry["extra_info"]
    assert (info["agent"], info["persona"], info["backend"]) == ("A", "alpha", "replay")
    assert info["options"] == {"num_ctx": 1024, "temperature": 0.6}
    assert info["replayed"] is True
    assert info["metrics"]["ttft_ms"] == 12.5
    assert info["metrics"]["eval_tokens"] > 0
    assert set(info["calls"]) == {"analysis", "report"}
    assert info["context"]["report"]["num_ctx"] == 1024
    assert len(info["rounds"]) == 2


def test_a_structure_failure_lists_violations_with_file_and_line(
    pytester: pytest.Pytester, suite: Callable[..., Path]) -> None:
    root = suite({"beta": "The corpus holds 3 files and this is the overview of it all.\n"})
    result = pytester.runpytest(REPLAY, "--chimera-persona=beta", "--chimera-agent=A")
    result.assert_outcomes(failed=1)
    report = root / "chimera-reports" / "A" / "beta.md"
    result.stdout.fnmatch_lines([
        f"*the report does not have the structure persona 'beta' asks for ({report}):",
        "*beta.md:*  required section 'Risks' is missing (found: 'Technical Report', "
        "'Overview')",
    ])
    line = int(result.stdout.str().split("beta.md:")[-1].split()[0])
    lines = report.read_text("utf-8").splitlines()
    assert lines[line - 1] == "# Technical Report"  # the model's part starts here
    record = json.loads(report.with_suffix(".json").read_text("utf-8"))
    assert record["assertions"]["test_outcome"] == "failed"
    assert record["assertions"]["structure"] is False
    result.stdout.fnmatch_lines(["A*beta*failed*fail (1)*"])


def test_an_empty_answer_fails_as_incomplete(pytester: pytest.Pytester,
                                             suite: Callable[..., Path]) -> None:
    root = suite({"alpha": ""})
    result = pytester.runpytest(REPLAY, "--chimera-persona=alpha", "--chimera-agent=B")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        f"*the run is incomplete ({root / 'chimera-reports' / 'B' / 'alpha.md'}):",
        "*the report call returned an empty answer",
    ])
    record = json.loads((root / "chimera-reports" / "B" / "alpha.json").read_text("utf-8"))
    assert record["assertions"]["complete"] is False


def test_a_false_claim_fails_as_unfaithful(pytester: pytest.Pytester,
                                           suite: Callable[..., Path]) -> None:
    suite({"alpha": REPORTS["alpha"].replace("3 files", "7 files")})
    result = pytester.runpytest(REPLAY, "--chimera-persona=alpha", "--chimera-agent=A")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*the report is not faithful to the corpus (*alpha.md):",
        '*alpha.md:*  "The corpus holds 7 files*" * the corpus has 3 files*',
    ])
    tolerant = pytester.runpytest(REPLAY, "--chimera-persona=alpha", "--chimera-agent=A",
                                  "--chimera-max-contradicted=1")
    tolerant.assert_outcomes(passed=1)


def test_only_the_models_text_is_judged_in_the_run_and_the_written_pair_checks_the_rest(
        pytester: pytest.Pytester, suite: Callable[..., Path]) -> None:
    # The header and harness sections were rendered from the run record a moment before the
    # check: judging them against it could not fail, and the header's date, "supported"
    # every time, would lift the faithfulness of a report whose one claim is false.
    root = suite({"alpha": REPORTS["alpha"].replace("3 files", "7 files")})
    result = pytester.runpytest(REPLAY, "--chimera-persona=alpha", "--chimera-agent=A")
    result.assert_outcomes(failed=1)
    record_path = root / "chimera-reports" / "A" / "alpha.json"
    judged = json.loads(record_path.read_text("utf-8"))["faithfulness"]
    assert judged["harness_lines"] == "not claims: rendered from the run record in this run"
    assert {claim["section"] for claim in judged["claims"]} == {"model"}
    decided = [c["verdict"] for c in judged["claims"] if c["verdict"] != "unverifiable"]
    assert sorted(decided) == ["contradicted", "supported"]  # "7 files"; the CSV in runs/
    assert judged["faithfulness"] == 0.5
    # chimera verify on the written pair compares every harness line with the record.
    verified = subprocess.run(
        [sys.executable, "-m", "pytest_chimera.cli", "verify",
         str(root / "chimera-reports" / "A" / "alpha.md"), "--corpus", str(root / "corpus"),
         "--json"], capture_output=True, text=True, check=False)
    assert verified.returncode == 1, verified.stderr
    document = json.loads(verified.stdout)
    assert document["harness_lines"] == "checked against the run record"
    harness = [c for c in document["claims"] if c["kind"].startswith("harness.")]
    assert len(harness) > 5 and {c["verdict"] for c in harness} == {"supported"}
    assert [c["text"] for c in document["claims"] if c["verdict"] == "contradicted"] == [
        c["text"] for c in judged["claims"] if c["verdict"] == "contradicted"]
    # The header's date is the harness's line there too: the same faithfulness either way.
    assert document["faithfulness"] == judged["faithfulness"] == 0.5


def test_temps_a_killed_run_left_are_removed_at_the_next_start(
        pytester: pytest.Pytester, suite: Callable[..., Path]) -> None:
    root = suite()
    folder = root / "chimera-reports" / "A"
    folder.mkdir(parents=True)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a writer that is gone, as a SIGKILLed run's is
    stale = folder / f".alpha.json.{child.pid}.x7y8z9.tmp"
    stale.write_text('{"half')
    result = pytester.runpytest(REPLAY, "--chimera-persona=alpha", "--chimera-agent=A")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        f"chimera: removed 1 temporary file(s) a killed run left in {root / 'chimera-reports'}"])
    assert not stale.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["alpha.json", "alpha.md"]


def test_assert_report_lists_every_failing_check_at_once(pytester: pytest.Pytester,
                                                         suite: Callable[..., Path]) -> None:
    # No "## Files" section, one bullet (two wanted), and a count the corpus contradicts.
    root = suite({"alpha": "The corpus holds 7 files and this is the summary of the data that "
                           "we have here.\n\n- The run log is a CSV file in the runs folder.\n"})
    (root / "test_suite.py").write_text(
        "def test_report(chimera_run):\n    chimera_run.assert_report()\n", "utf-8")
    result = pytester.runpytest(REPLAY, "--chimera-persona=alpha", "--chimera-agent=A")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*the report does not have the structure persona 'alpha' asks for (*alpha.md):",
        "*required section 'Files' is missing*",
        "*the report is not faithful to the corpus (*alpha.md):",
        '*"The corpus holds 7 files*" * the corpus has 3 files*',
    ])
    result.stdout.no_fnmatch_line("*the run is incomplete*")


def test_changed_persona_prompt_asks_to_re_record(pytester: pytest.Pytester,
                                                  suite: Callable[..., Path]) -> None:
    root = suite()
    alpha = root / "personas" / "alpha.toml"
    alpha.write_text(ALPHA.replace("in English.", "in plain English."), "utf-8")
    result = pytester.runpytest(REPLAY, "--chimera-persona=alpha", "--chimera-agent=A")
    # The fixture cannot produce a run: an error at set-up, not a verdict on a report.
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*A/alpha on backend replay: no recorded generation for this "
                                 "request in *re-record with --chimera-record"])
    # Only the message: not the backend's exception again, chained under pytest's.
    result.stdout.no_fnmatch_line("*During handling of the above exception*")


def test_missing_cassettes_fail_with_what_to_do(pytester: pytest.Pytester,
                                                suite: Callable[..., Path]) -> None:
    suite(record=False)
    result = pytester.runpytest(REPLAY, "--chimera-agent=A", "--chimera-persona=alpha",
                                "-W", "error")
    # One error at set-up; pytest-benchmark must not add a second one for the unused fixture.
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*backend replay: no cassettes at */cassettes: record some "
                                 "with --chimera-record on a live backend"])
    result.stdout.no_fnmatch_line("*Benchmark fixture was not used*")


def test_an_unwritable_report_dir_is_a_usage_error(pytester: pytest.Pytester,
                                                   suite: Callable[..., Path]) -> None:
    root = suite(record=False)
    (root / "blocker").write_text("", "utf-8")
    result = pytester.runpytest("--chimera-report-dir=blocker/reports")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --chimera-report-dir: report folder */blocker/reports "
                                 "is not writable: *"])


def test_the_summary_survives_xdist(pytester: pytest.Pytester,
                                    suite: Callable[..., Path]) -> None:
    pytest.importorskip("xdist")
    suite()
    result = pytester.runpytest(REPLAY, "-n", "2", "-p", "no:randomly")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*= chimera summary =*", "A*alpha*passed*", "A*beta*passed*",
                                 "B*alpha*passed*", "B*beta*passed*"])


# -- a live backend over HTTP: the loopback Ollama server ------------------------------------


def test_the_persona_reaches_an_ollama_server_as_system_prompt(
    pytester: pytest.Pytester, suite: Callable[..., Path]) -> None:
    server_module = pytest.importorskip("ollama_server")
    suite(record=False)
    with server_module.running_server(models=("gemma3:latest",),
                                      tokens=("The", " corpus", " holds", " 3", " files.")
                                      ) as server:
        result = pytester.runpytest("--chimera-backend=ollama", f"--chimera-host={server.url}",
                                    "--chimera-agent=A", "--chimera-persona=alpha")
        generations = [r for r in server.requests
                       if r.path in ("/api/chat", "/api/generate") and r.body]
    result.stdout.fnmatch_lines(["chimera: backend ollama (--chimera-backend=ollama)"])
    assert result.parseoutcomes().get("passed", 0) + result.parseoutcomes().get("failed", 0) == 1
    assert len(generations) == 2
    alpha_prompt = load_personas(pytester.path / "personas")[0].prompt
    for request in generations:
        body = request.body
        assert body is not None
        assert body["model"].startswith("gemma3")
        if request.path == "/api/chat":
            assert body["messages"][0] == {"role": "system", "content": alpha_prompt}
        else:
            assert body["system"] == alpha_prompt
        assert body["options"]["num_ctx"] == 1024
