"""`chimera verify` and run records: which JSON file is one, and what a broken one gets.

A `<report>.json` beside the report is its run record only when it says so (its "schema",
schemas/run.schema.json); anything else there (the shell's empty file of
`--json > report.json`, a user's own summary) is skipped with a note. A record that is one,
or is named with --run-record, is checked against the schema when it is read: a wrong field is
exit 2 naming the file and the field, never Python error text among the verdicts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_chimera import cli
from pytest_chimera.config import load_personas, load_suite
from pytest_chimera.inventory import scan_corpus
from pytest_chimera.outcome import RunOutcome, Thresholds
from pytest_chimera.workflow import run_workflow

if TYPE_CHECKING:
    from conftest import FakeBackend

REPO = Path(__file__).resolve().parent.parent
SUITE = load_suite(REPO / "suites" / "chimera.toml")
PERSONAS = {p.id: p for p in load_personas(REPO / "suites" / "personas")}
FIXED_DATE = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def truth(corpus: Path) -> dict[str, int]:
    inventory = scan_corpus(corpus)
    return {"total": inventory.total_files, **inventory.count_by_kind()}


@pytest.fixture
def artifacts(make_fake_backend: Callable[..., FakeBackend], corpus: Path, truth: dict[str, int],
              tmp_path: Path) -> tuple[Path, Path]:
    """A harness report and its run record, as the plugin writes them: A/inventory-analyst.md
    and .json. The model's text makes two true claims and one false one."""
    backend = make_fake_backend([
        "- notes",
        f"The corpus holds {truth['total']} files.\n\n## File Counts\n"
        f"- JSON: {truth['json'] + 5}\n- CSV: {truth['csv']}\n",
    ])
    run = run_workflow(SUITE.agents["A"], PERSONAS["inventory-analyst"], backend,
                       scan_corpus(corpus), clock=lambda: FIXED_DATE)
    outcome = RunOutcome(run=run, report_path=tmp_path / "A" / "inventory-analyst.md",
                         record_path=tmp_path / "A" / "inventory-analyst.json",
                         thresholds=Thresholds(), rounds=[run.metrics.as_dict()])
    outcome.write({"test_outcome": "failed", "complete": True, "structure": False,
                   "faithful": False, "failures": {}})
    return outcome.report_path, outcome.record_path


def verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["verify", *args])
    out, err = capsys.readouterr()
    return status, out, err


def plain_report(tmp_path: Path, truth: dict[str, int], name: str = "summary.md") -> Path:
    report = tmp_path / name
    report.write_text(f"# Summary\n\nThe corpus has {truth['total']} files.\n", "utf-8")
    return report


# -- which file beside the report is its run record ------------------------------------------


def test_saving_the_verdict_beside_the_report_works(
    tmp_path: Path, corpus: Path, truth: dict[str, int], capsys: pytest.CaptureFixture[str],
) -> None:
    # `chimera verify summary.md --corpus corpus --json > summary.json`: the shell empties
    # summary.json before chimera starts, and chimera used to take it for the run record.
    report = plain_report(tmp_path, truth)
    saved = tmp_path / "summary.json"
    with saved.open("w", encoding="utf-8") as stdout:
        done = subprocess.run([sys.executable, "-m", "pytest_chimera.cli", "verify",
                               str(report), "--corpus", str(corpus), "--json"],
                              stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == (f"chimera verify: note: {saved} beside the report is not used as "
                           "its run record: it is empty\n")
    document = json.loads(saved.read_text("utf-8"))
    assert document["faithful"] is True and document["run_record_path"] is None
    # Run again: now summary.json holds a verdict, not a run record; still skipped.
    status, out, err = verify(capsys, str(report), "--corpus", str(corpus), "--json")
    assert status == 0 and json.loads(out)["run_record_path"] is None
    assert err.endswith('not used as its run record: it has no "schema": '
                        '"pytest-chimera/run/1"\n')


def test_an_unrelated_json_beside_the_report_is_skipped_with_a_note(
    tmp_path: Path, corpus: Path, truth: dict[str, int], capsys: pytest.CaptureFixture[str],
) -> None:
    report = plain_report(tmp_path, truth)
    beside = tmp_path / "summary.json"
    beside.write_text('{"model": "gemma3"}', "utf-8")
    status, out, err = verify(capsys, str(report), "--corpus", str(corpus))
    assert status == 0, err
    assert err == (f"chimera verify: note: {beside} beside the report is not used as its run "
                   'record: it has no "schema": "pytest-chimera/run/1"\n')
    assert "using run record" not in out and out.endswith("— faithful\n")
    # The user's file is left as it was.
    assert beside.read_text("utf-8") == '{"model": "gemma3"}'


@pytest.mark.parametrize(("content", "why"), [
    pytest.param("{", "is not JSON: Expecting property name enclosed in double quotes (line 1, "
                 "column 2)", id="not-json"),
    pytest.param("[" * 100_000 + "]" * 100_000, "is JSON nested too deeply to read", id="deep"),
    pytest.param('{"n": ' + "9" * 5000 + "}", "is JSON with a number too long to read",
                 id="long-number"),
    pytest.param("[1, 2]", "is a JSON array, not an object", id="an-array"),
    pytest.param('{"schema": "something/else"}',
                 'has no "schema": "pytest-chimera/run/1"', id="another-schema"),
])
def test_a_file_beside_the_report_that_is_not_a_run_record_is_skipped(
    tmp_path: Path, corpus: Path, truth: dict[str, int], capsys: pytest.CaptureFixture[str],
    content: str, why: str,
) -> None:
    report = plain_report(tmp_path, truth)
    (tmp_path / "summary.json").write_text(content, "utf-8")
    status, _out, err = verify(capsys, str(report), "--corpus", str(corpus), "--json")
    assert status == 0
    assert err.endswith(f"not used as its run record: it {why}\n") and err.count("\n") == 1


def test_the_same_file_named_with_run_record_is_exit_2(
    tmp_path: Path, corpus: Path, truth: dict[str, int], capsys: pytest.CaptureFixture[str],
) -> None:
    report = plain_report(tmp_path, truth)
    record = tmp_path / "other.json"
    record.write_text('{"model": "gemma3"}', "utf-8")
    status, out, err = verify(capsys, str(report), "--corpus", str(corpus),
                              "--run-record", str(record))
    assert (status, out) == (2, "")
    assert err.startswith(f"chimera verify: run record {record} does not match "
                          "schemas/run.schema.json:\n  (top level): missing schema, run_date, ")


def test_a_real_run_record_beside_the_report_is_used(
    artifacts: tuple[Path, Path], corpus: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    report, record = artifacts
    status, out, err = verify(capsys, str(report), "--corpus", str(corpus), "--json")
    assert err == ""
    document = json.loads(out)
    assert document["run_record"] is True and document["run_record_path"] == str(record)
    harness = [c for c in document["claims"] if c["kind"].startswith("harness.")]
    assert harness and {c["verdict"] for c in harness} == {"supported"}
    assert status == 1  # the model's JSON count is wrong


# -- a record of the wrong shape -------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = record
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
    return change


_DELETE = object()


@pytest.mark.parametrize(("change", "message"), [
    pytest.param(_set("agent", 5), "  agent: 5 is not of type 'object'", id="agent-int"),
    pytest.param(_set("run_date", 5), "  run_date: 5 is not of type 'string'", id="date-int"),
    pytest.param(_set("run_date", None), "  run_date: None is not of type 'string'",
                 id="date-null"),
    pytest.param(_set("run_date", "garbage"), "  run_date: 'garbage' does not match 'Z$'",
                 id="date-garbage"),
    pytest.param(_set("run_date", "2025-13-45T10:00:00Z"),
                 ": run_date: '2025-13-45T10:00:00Z' is not an ISO date and time "
                 "(2025-11-02T10:00:00Z)", id="date-impossible"),
    pytest.param(_set("metrics.ttft_s", "slow"), "  metrics.ttft_s: 'slow' is not of type "
                 "'number'", id="metric-text"),
    pytest.param(_set("calls.0.budget.left_out", 3),
                 "  calls[0].budget.left_out: 3 is not of type 'array'", id="nested-in-a-list"),
    pytest.param(_set("persona.id", _DELETE), "  persona: missing id", id="missing-field"),
    pytest.param(_set("inventory.latest_modified_path", _DELETE),
                 " cannot be rendered: it has no field 'latest_modified_path'",
                 id="missing-field-the-schema-does-not-require"),
])
def test_a_record_with_a_wrong_field_is_exit_2_naming_the_field(
    artifacts: tuple[Path, Path], corpus: Path, capsys: pytest.CaptureFixture[str],
    change: Callable[[dict[str, Any]], None], message: str,
) -> None:
    report, record = artifacts
    document = json.loads(record.read_text("utf-8"))
    change(document)
    broken = record.with_name("broken.json")
    broken.write_text(json.dumps(document), "utf-8")
    status, out, err = verify(capsys, str(report), "--corpus", str(corpus),
                              "--run-record", str(broken))
    assert (status, out) == (2, ""), out
    assert err.startswith(f"chimera verify: run record {broken}")
    assert message in err
    assert "Traceback" not in err and "Error(" not in err


def test_a_broken_record_beside_the_report_is_exit_2_too(
    artifacts: tuple[Path, Path], corpus: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # It says it is the report's run record: skipping it would hide the fault.
    report, record = artifacts
    document = json.loads(record.read_text("utf-8"))
    document["agent"] = 5
    record.write_text(json.dumps(document), "utf-8")
    status, out, err = verify(capsys, str(report), "--corpus", str(corpus))
    assert (status, out) == (2, "")
    assert err == (f"chimera verify: run record {record} does not match "
                   "schemas/run.schema.json:\n  agent: 5 is not of type 'object'\n")


def test_a_record_of_bare_wrong_fields_is_exit_2(
    tmp_path: Path, corpus: Path, truth: dict[str, int], capsys: pytest.CaptureFixture[str],
) -> None:
    report = plain_report(tmp_path, truth)
    record = tmp_path / "rr.json"
    record.write_text('{"run_date": 5}', "utf-8")
    status, _out, err = verify(capsys, str(report), "--corpus", str(corpus),
                               "--run-record", str(record))
    assert status == 2
    assert "KeyError" not in err and "  run_date: 5 is not of type 'string'\n" in err


# -- the summary line ------------------------------------------------------------------------


def test_the_summary_line_shows_the_counts_faithfulness_is_taken_over(
    artifacts: tuple[Path, Path], corpus: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    report, _record = artifacts
    status, out, _err = verify(capsys, str(report), "--corpus", str(corpus), "--json")
    document = json.loads(out)
    every, own = document["counts"], document["report_counts"]
    assert every["total"] > own["total"] > 0  # harness lines are in one count, not the other
    status, out, _err = verify(capsys, str(report), "--corpus", str(corpus))
    assert status == 1
    summary = out.splitlines()[-1]
    ratio = own["supported"] / (own["supported"] + own["contradicted"])
    assert summary == (
        f"inventory-analyst.md: {every['total']} claims: {every['supported']} supported, "
        f"{every['contradicted']} contradicted, {every['unverifiable']} unverifiable; the "
        f"report's own {own['total']}: {own['supported']} supported, {own['contradicted']} "
        f"contradicted, {own['unverifiable']} unverifiable, faithfulness {ratio:.3f} (harness "
        "lines left out of it) — NOT faithful")


def test_the_summary_line_of_a_report_without_harness_lines_is_as_before(
    tmp_path: Path, corpus: Path, truth: dict[str, int], capsys: pytest.CaptureFixture[str],
) -> None:
    report = tmp_path / "r.md"
    report.write_text(f"The corpus has {truth['total']} files. JSON: {truth['json'] + 1}.\n",
                      "utf-8")
    status, out, _err = verify(capsys, str(report), "--corpus", str(corpus))
    assert status == 1
    assert out.splitlines()[-1] == ("r.md: 3 claims: 1 supported, 1 contradicted, 1 "
                                    "unverifiable; faithfulness 0.500 — NOT faithful")
