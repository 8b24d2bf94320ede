"""Saved runs, --chimera-compare and its gate, the A/B table and xdist saving, in pytester.

The inner suite runs on a scripted backend put in place by its own conftest: answers and
timings come from JSON files, so a test can plant a slower run without sleeping.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from tiny_suite import (
    ALPHA,
    BETA,
    TEST_FILE,
    inner_run_imports_kept,  # noqa: F401  autouse fixture
    write_corpus,
)

from pytest_chimera import cli
from pytest_chimera.history import list_runs, load_run

SUITE_TOML = """\
personas = "personas"
corpus = "corpus"

[agents.A]
model = "model-a"
options = { num_ctx = 1024 }

[agents.B]
model = "model-b"
options = { num_ctx = 2048 }
"""

ANSWERS = {
    "analysis": "- The corpus holds 3 files.",
    "reports": {
        "alpha": ("The corpus holds 3 files and this is the summary of the data that we have."
                  "\n\n## Files\n- The run log is a CSV file in the runs folder.\n"
                  "- The write-up is a Markdown file at the top of the corpus.\n"),
        "beta": ("The corpus holds 3 files and this is the overview of the data that we have."
                 "\n\n## Risks\n- The run log is short and it has only two rows of the data.\n"),
    },
}

INNER_CONFTEST = '''\
import json
from pathlib import Path

import pytest

from pytest_chimera.backends.base import Generation, GenerationMetrics
from pytest_chimera.fixtures import SESSION_KEY

HERE = Path(__file__).parent


class ScriptedBackend:
    """Answers from answers.json, timings per model from timings.json."""

    name = "scripted"
    exact_token_counts = True

    def __init__(self):
        self.answers = json.loads((HERE / "answers.json").read_text("utf-8"))
        self.timings = json.loads((HERE / "timings.json").read_text("utf-8"))
        self.prompts = {p: i for i, p in self.answers["prompts"].items()}
        self.calls = {}

    def describe(self):
        return "scripted test backend"

    def count_tokens(self, model, text, options):
        return len(text.split())

    def generate(self, request):
        persona = self.prompts[request.system]
        if "Technical Report" in request.prefill:
            text = self.answers["reports"][persona]
        else:
            text = self.answers["analysis"]
        timing = self.timings[request.model]
        index = self.calls.get(request.model, 0)
        self.calls[request.model] = index + 1
        jitter = timing.get("jitter", [1.0])
        scale = jitter[(index // 2) % len(jitter)]
        sent = len(f"{request.system}\\n\\n{request.prompt}\\n\\n{request.prefill}".split())
        metrics = GenerationMetrics(
            ttft_s=timing["ttft_s"] * scale, total_s=timing["eval_s"] + timing["ttft_s"],
            load_s=0.0, prompt_eval_s=0.01, eval_s=timing["eval_s"] * scale,
            prompt_tokens=sent, eval_tokens=len(text.split()),
            replayed=timing.get("replayed", False))
        return Generation(text=text, metrics=metrics, model=request.model, backend=self.name)

    def close(self):
        pass


@pytest.fixture(scope="session", autouse=True)
def _scripted_backend(pytestconfig):
    pytestconfig.stash[SESSION_KEY]._backend = ScriptedBackend()
'''

BACKEND = "--chimera-backend=ollama"  # never built: the conftest puts the scripted one in place



def set_timings(root: Path, *, a: float = 0.05, b: float = 0.05, replayed: bool = False,
                jitter: tuple[float, ...] = (1.0,)) -> None:
    timings = {
        model: {"ttft_s": ttft, "eval_s": 0.5, "replayed": replayed, "jitter": list(jitter)}
        for model, ttft in (("model-a", a), ("model-b", b))
    }
    (root / "timings.json").write_text(json.dumps(timings), "utf-8")


@pytest.fixture
def suite(pytester: pytest.Pytester) -> Path:
    """The two-agent, two-persona suite on the scripted backend; returns its root."""
    root = pytester.path
    (root / "chimera.toml").write_text(SUITE_TOML, "utf-8")
    (root / "personas").mkdir()
    (root / "personas" / "alpha.toml").write_text(ALPHA, "utf-8")
    (root / "personas" / "beta.toml").write_text(BETA, "utf-8")
    write_corpus(root / "corpus")
    prompts = {"alpha": ALPHA.split('prompt = "')[1].split('"')[0],
               "beta": BETA.split('prompt = "')[1].split('"')[0]}
    (root / "answers.json").write_text(json.dumps({**ANSWERS, "prompts": prompts}), "utf-8")
    (root / "conftest.py").write_text(INNER_CONFTEST, "utf-8")
    (root / "test_suite.py").write_text(TEST_FILE, "utf-8")
    set_timings(root)
    return root


def saved(root: Path) -> list[Path]:
    return list_runs(root / ".benchmarks")


def test_a_saved_run_keeps_every_metric_and_the_faithfulness_figures(
    pytester: pytest.Pytester, suite: Path) -> None:
    result = pytester.runpytest(BACKEND, "--chimera-agent=B", "--chimera-persona=alpha",
                                "--benchmark-save=base")
    result.assert_outcomes(passed=1)
    (path,) = saved(suite)
    assert path.name == "0001_base.json"
    (bench,) = json.loads(path.read_text("utf-8"))["benchmarks"]
    info = bench["extra_info"]
    assert (info["agent"], info["persona"], info["model"], info["backend"]) == (
        "B", "alpha", "model-b", "scripted")
    assert info["options"] == {"num_ctx": 2048}
    assert info["replayed"] is False
    assert info["metrics"]["ttft_ms"] == 50.0
    assert set(info["calls"]) == {"analysis", "report"}
    assert info["context"]["report"]["num_ctx"] == 2048
    assert info["faithfulness"] == 1.0 and info["contradicted"] == 0
    assert info["claims"]["contradicted"] == 0 and info["claims"]["supported"] >= 1
    (case,) = load_run(path).tests
    assert case.value("ttft_ms") == 50.0
    assert case.value("tokens_per_s") == pytest.approx(info["metrics"]["tokens_per_s"])
    assert 0 < (case.value("context_use") or 0) < 1


def test_a_planted_regression_fails_the_gate_with_a_clear_message(
    pytester: pytest.Pytester, suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = pytester.runpytest(BACKEND, "--benchmark-save=base")
    first.assert_outcomes(passed=4)
    set_timings(suite, b=0.15)  # agent B's first token now comes three times later
    second = pytester.runpytest(BACKEND, "--benchmark-save=slow", "--chimera-compare=base",
                                "--chimera-compare-fail=ttft_ms:10%,faithfulness:0")
    second.assert_outcomes(passed=4)
    assert second.ret == pytest.ExitCode.TESTS_FAILED
    second.stdout.fnmatch_lines([
        "*= chimera compare =*",
        "chimera compare: 0001_base -> this run",
        "A × alpha (test_suite.py::test_report[[]A-alpha]): *",
        "ttft_ms (ms)*50.0*50.0*",
        "B × alpha (test_suite.py::test_report[[]B-alpha]): *",
        "ttft_ms (ms)*50.0*150.0*+100.0*+200.0%*REGRESSION (worse)",
    ])
    second.stdout.fnmatch_lines([
        "REGRESSION: ttft_ms of test_suite.py::test_report[[]B-alpha] (B × alpha) got worse: "
        "50.0 -> 150.0 ms (+100.0, +200.0%; gate ttft_ms:10%)",
        "REGRESSION: ttft_ms of test_suite.py::test_report[[]B-beta] (B × beta) got worse: *",
    ])
    second.stdout.no_fnmatch_line("REGRESSION: * (A × *")
    # Both runs are in the storage now; the CLI reads them like any saved run.
    assert [p.name for p in saved(suite)] == ["0001_base.json", "0002_slow.json"]
    storage = str(suite / ".benchmarks")
    assert cli.main(["compare", "--storage", storage]) == 0
    table = capsys.readouterr().out
    assert "chimera compare: 0001_base -> 0002_slow" in table
    assert cli.main(["compare", "--storage", storage, "--fail", "ttft_ms:250%"]) == 0
    assert "gate ttft_ms:250%: no regression" in capsys.readouterr().out
    assert cli.main(["compare", "1", "2", "--storage", storage, "--fail", "ttft_ms:10%"]) == 1
    out = capsys.readouterr().out
    assert out.count("REGRESSION: ttft_ms of") == 2


def test_an_unchanged_run_passes_the_gate(pytester: pytest.Pytester, suite: Path) -> None:
    pytester.runpytest(BACKEND, "--chimera-agent=A", "--benchmark-autosave").assert_outcomes(
        passed=2)
    result = pytester.runpytest(BACKEND, "--chimera-agent=A", "--chimera-compare=last",
                                "--chimera-compare-fail=ttft_ms:10%,tokens_per_s:5%")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["chimera compare: 0001_* -> this run",
                                 "chimera: gate ttft_ms:10%,tokens_per_s:5%: no regression"])


def test_the_gate_ignores_a_change_within_the_run_to_run_spread(
    pytester: pytest.Pytester, suite: Path) -> None:
    set_timings(suite, b=0.05, jitter=(0.8, 1.0, 1.2))
    pytester.runpytest(BACKEND, "--chimera-agent=B", "--chimera-persona=alpha",
                       "--chimera-rounds=3", "--benchmark-save=noisy").assert_outcomes(passed=1)
    set_timings(suite, b=0.055, jitter=(0.8, 1.0, 1.2))  # +10%, inside the ±20% rounds
    result = pytester.runpytest(BACKEND, "--chimera-agent=B", "--chimera-persona=alpha",
                                "--chimera-rounds=3", "--chimera-compare=noisy",
                                "--chimera-compare-fail=ttft_ms:5%")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([
        "noise: values are medians (p95 in brackets) over the rounds; a change counts only "
        "when it is larger than the run-to-run spread*",
        "ttft_ms (ms)*50.0 (p95 59.0)*55.0 (p95 64.9)*+5.0*+10.0%*within run-to-run spread*",
    ])


def test_replayed_timings_are_marked_and_never_compared(pytester: pytest.Pytester,
                                                        suite: Path) -> None:
    set_timings(suite, replayed=True)
    pytester.runpytest(BACKEND, "--chimera-agent=A", "--chimera-persona=alpha",
                       "--benchmark-save=replayed").assert_outcomes(passed=1)
    set_timings(suite, a=0.5, replayed=True)
    result = pytester.runpytest(BACKEND, "--chimera-agent=A", "--chimera-persona=alpha",
                                "--chimera-compare=replayed", "--chimera-compare-fail=ttft_ms:1%")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([
        "  0001_replayed was replayed from cassettes: its timings are not compared",
        "ttft_ms (ms)*50.0*500.0*replayed (both runs): not compared",
        "faithfulness (share)*1.000*1.000*",
        # It said "no regression", as if it had compared something.
        "chimera: gate ttft_ms:1%: not checked: 1 replayed (timings not compared)",
    ])
    result.stdout.no_fnmatch_line("*no regression*")
    (path,) = saved(suite)
    (case,) = load_run(path).tests
    assert case.replayed is True


def test_several_agents_print_a_side_by_side_table_per_persona(pytester: pytest.Pytester,
                                                                suite: Path) -> None:
    set_timings(suite, a=0.04, b=0.08)
    result = pytester.runpytest(BACKEND, "--chimera-agent=A,B")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([
        "*- agents side by side: persona alpha -*",
        "metric*A*B",
        "ttft_ms (ms)*40.0*80.0",
        "tokens_per_s (tok/s)*",
        "faithfulness (share)*1.000*1.000",
        "contradicted (claims)*0*0",
        "test*passed*passed",
        "*- agents side by side: persona beta -*",
    ])
    one = pytester.runpytest(BACKEND, "--chimera-agent=A")
    one.stdout.no_fnmatch_line("*agents side by side*")


def test_xdist_still_saves_the_metrics(pytester: pytest.Pytester, suite: Path) -> None:
    pytest.importorskip("xdist")
    result = pytester.runpytest(BACKEND, "-n", "2", "-p", "no:randomly", "--chimera-rounds=2",
                                "--benchmark-save=par")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["chimera: saved the metrics of 4 test(s) in */0001_par.json "
                                 "(pytest-benchmark saves nothing under xdist)"])
    (path,) = saved(suite)
    document = json.loads(path.read_text("utf-8"))
    assert document["chimera"]["saved_by"] == "pytest-chimera"
    assert [b["fullname"] for b in document["benchmarks"]] == [
        f"test_suite.py::test_report[{i}]" for i in ("A-alpha", "A-beta", "B-alpha", "B-beta")]
    assert all(b["stats"]["rounds"] == 2 for b in document["benchmarks"])
    run = load_run(path)
    assert len(run.tests) == 4
    assert all(t.rounds == 2 and t.value("ttft_ms") == 50.0 for t in run.tests)
    assert all(t.value("faithfulness") == 1.0 for t in run.tests)
    # A later serial run compares against it like any saved run.
    again = pytester.runpytest(BACKEND, "--chimera-compare=par")
    assert again.ret == pytest.ExitCode.OK
    again.stdout.fnmatch_lines(["chimera compare: 0001_par -> this run"])


def test_benchmark_disable_saves_the_metrics_and_says_why(pytester: pytest.Pytester,
                                                          suite: Path) -> None:
    result = pytester.runpytest(BACKEND, "--chimera-agent=A", "--benchmark-disable",
                                "--benchmark-save=off")
    assert result.ret == pytest.ExitCode.OK
    # It once blamed xdist, which this run does not use.
    result.stdout.fnmatch_lines(["chimera: saved the metrics of 2 test(s) in */0001_off.json "
                                 "(pytest-benchmark saves nothing with --benchmark-disable)"])
    (path,) = saved(suite)
    assert json.loads(path.read_text("utf-8"))["chimera"]["why"] == (
        "pytest-benchmark saves nothing with --benchmark-disable")


def test_benchmark_disable_alone_asks_for_no_save(pytester: pytest.Pytester,
                                                 suite: Path) -> None:
    result = pytester.runpytest(BACKEND, "--chimera-agent=A", "--benchmark-disable")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.no_fnmatch_line("*the metrics*")
    assert saved(suite) == []


def test_a_save_that_fails_after_the_run_fails_the_session(pytester: pytest.Pytester,
                                                           suite: Path) -> None:
    from pytest_benchmark.utils import get_machine_id

    # Past the check at start: the storage is a folder, but the machine's folder in it a file.
    blocker = suite / ".benchmarks" / str(get_machine_id())  # type: ignore[no-untyped-call]
    blocker.parent.mkdir()
    blocker.write_text("", "utf-8")
    result = pytester.runpytest(BACKEND, "--chimera-agent=A", "--benchmark-disable",
                                "--benchmark-autosave")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "chimera: could not save the metrics (pytest-benchmark saves nothing with "
        f"--benchmark-disable, so pytest-chimera saves them): cannot write {blocker}/*"])


def test_junit_carries_each_metric_as_a_property(pytester: pytest.Pytester,
                                                 suite: Path) -> None:
    result = pytester.runpytest(BACKEND, "--chimera-agent=B", "--junitxml=junit.xml")
    result.assert_outcomes(passed=2)
    cases = ET.parse(suite / "junit.xml").getroot().findall(".//testcase")
    assert len(cases) == 2
    for case in cases:
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        assert props["chimera_replayed"] == "false"
        assert float(props["chimera_ttft_ms"] or "nan") == 50.0
        assert float(props["chimera_faithfulness"] or "nan") == 1.0
        assert props["chimera_contradicted"] == "0"
        assert int(props["chimera_eval_tokens"] or "0") > 0
        assert json.loads(props["chimera_benchmark"] or "{}")["agent"] == "B"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--chimera-compare=nope"], "ERROR: --chimera-compare: run 'nope': no "
                     "saved runs in */.benchmarks (save some with --benchmark-autosave*",
                     id="no-saved-runs"),
        pytest.param(["--chimera-compare-fail=ttft_ms:10%"], "ERROR: --chimera-compare-fail "
                     "needs --chimera-compare=REF*", id="gate-without-reference"),
        pytest.param(["--chimera-compare=last", "--chimera-compare-fail=ttft:5%"],
                     "ERROR: --chimera-compare-fail: 'ttft:5%': unknown metric 'ttft'; gate one "
                     "of ttft_ms, tokens_per_s, *", id="unknown-metric"),
        pytest.param(["--chimera-compare=last", "--chimera-compare-fail=ttft_ms:ten"],
                     "ERROR: --chimera-compare-fail: 'ttft_ms:ten': 'ten' is not a number*",
                     id="bad-limit"),
        pytest.param(["--chimera-compare=last", "--chimera-compare-fail=faithfulness:2"],
                     "ERROR: --chimera-compare-fail: 'faithfulness:2': faithfulness is a share "
                     "from 0 to 1: it cannot get worse by more than 1, so this gate would never "
                     "fail; *", id="limit-never-reached"),
    ],
)
def test_bad_compare_options_are_usage_errors(pytester: pytest.Pytester, suite: Path,
                                              args: list[str], message: str) -> None:
    result = pytester.runpytest(BACKEND, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


@pytest.mark.parametrize(("args", "message"), [
    pytest.param(["--benchmark-autosave", "--benchmark-storage=afile"],
                 "ERROR: --benchmark-storage: */afile is a file, not a folder "
                 "(--benchmark-autosave saves the run in it)", id="a-file"),
    pytest.param(["--benchmark-save=x", "--benchmark-storage=afile/runs"],
                 "ERROR: --benchmark-storage: folder */afile/runs is not writable: * "
                 "(--benchmark-save saves the run in it)", id="under-a-file"),
    # --benchmark-disable: this plugin saves instead of pytest-benchmark, into the same place.
    pytest.param(["--benchmark-autosave", "--benchmark-disable", "--benchmark-storage=afile"],
                 "ERROR: --benchmark-storage: */afile is a file, not a folder *", id="disabled"),
])
def test_a_storage_that_cannot_take_the_save_is_a_usage_error_at_start(
        pytester: pytest.Pytester, suite: Path, args: list[str], message: str) -> None:
    (suite / "afile").write_text("", "utf-8")
    result = pytester.runpytest(BACKEND, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    result.stdout.no_fnmatch_line("*passed*")


def test_a_storage_that_is_a_file_is_fine_when_nothing_is_saved(
        pytester: pytest.Pytester, suite: Path) -> None:
    (suite / "afile").write_text("", "utf-8")
    pytester.runpytest(BACKEND, "--benchmark-storage=afile").assert_outcomes(passed=4)


def test_a_reference_that_is_a_digit_to_isdigit_only_is_no_such_run(
        pytester: pytest.Pytester, suite: Path) -> None:
    run = suite / ".benchmarks" / "Linux-CPython-3.11-64bit" / "0001_base.json"
    run.parent.mkdir(parents=True)
    run.write_text('{"benchmarks": []}', "utf-8")
    # "²".isdigit() is true, yet int("²") raises: this ended the session in INTERNALERROR.
    result = pytester.runpytest(BACKEND, "--chimera-compare=\u00b2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --chimera-compare: no saved run matches '\u00b2'; "
                                 "saved runs in */.benchmarks: 0001_base"])


@pytest.mark.parametrize(("content", "reason"), [
    pytest.param('{"benchmarks": [{"name": "test_report[A-alpha]", "extra_',
                 "(corrupted or cut short?): *", id="cut-short"),
    # json raises RecursionError here, which once ended the session in INTERNALERROR.
    pytest.param("[" * 100_000 + "]" * 100_000, "(nested too deeply to read); *", id="deep"),
])
def test_a_corrupted_reference_is_a_usage_error_naming_the_file(
        pytester: pytest.Pytester, suite: Path, content: str, reason: str) -> None:
    broken = suite / ".benchmarks" / "Linux-CPython-3.11-64bit" / "0001_cut.json"
    broken.parent.mkdir(parents=True)
    broken.write_text(content, "utf-8")
    result = pytester.runpytest(BACKEND, "--chimera-compare=1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --chimera-compare: run file {broken} is not valid "
                                 f"JSON {reason}"])
    result.stderr.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*INTERNALERROR*")


def test_ini_keys_set_the_reference_and_the_gate(pytester: pytest.Pytester,
                                                 suite: Path) -> None:
    pytester.runpytest(BACKEND, "--chimera-agent=B", "--chimera-persona=alpha",
                       "--benchmark-save=base").assert_outcomes(passed=1)
    set_timings(suite, b=0.1)
    pytester.makeini("[pytest]\nchimera_compare = base\nchimera_compare_fail = ttft_ms:10%\n")
    result = pytester.runpytest(BACKEND, "--chimera-agent=B", "--chimera-persona=alpha")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["REGRESSION: ttft_ms of *[[]B-alpha] (B × alpha) got worse: "
                                 "50.0 -> 100.0 ms (+50.0, +100.0%; gate ttft_ms:10%)"])
