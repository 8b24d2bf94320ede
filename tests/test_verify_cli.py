"""``chimera verify REPORT.md --corpus DIR [--json]``: exit codes, the JSON contract, lines.

Exit 0: faithful; 1: not faithful; 2: bad input or usage, with a message on stderr and no
traceback. With --json, one object: {"faithful", "faithfulness", "claims": [{"line", "text",
"kind", "verdict", "truth"}]} — the field names are the contract (schemas/verdict.schema.json).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pytest_chimera import cli
from pytest_chimera.inventory import scan_corpus

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "verdict.schema.json"
CONTRACT = {"line": int, "text": str, "kind": str, "verdict": str}
VERDICTS = {"supported", "contradicted", "unverifiable"}


@pytest.fixture(scope="module")
def truth(corpus: Path) -> dict[str, int]:
    inventory = scan_corpus(corpus)
    return {"total": inventory.total_files, **inventory.count_by_kind()}


WriteReport = Callable[..., Path]


@pytest.fixture
def write(tmp_path: Path) -> WriteReport:
    """Write a report under tmp_path: ``write(text, name=..., newline=..., encoding=...)``."""

    def write_report(text: str, name: str = "report.md", **options: Any) -> Path:
        path = tmp_path / name
        path.write_text(text, **{"encoding": "utf-8", **options})
        return path
    return write_report


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["verify", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def run_json(capsys: pytest.CaptureFixture[str], report: Path, corpus: Path,
             *extra: str) -> tuple[int, dict[str, Any]]:
    status, out, err = run(capsys, str(report), "--corpus", str(corpus), "--json", *extra)
    assert err == "", err
    document: dict[str, Any] = json.loads(out)
    return status, document


def line_of(text: str, snippet: str) -> int:
    """The 1-based line of the file holding ``snippet``, counted the way editors count."""
    (number,) = [n for n, line in enumerate(text.split("\n"), start=1) if snippet in line]
    return number


# -- exit codes ----------------------------------------------------------------------------------


def test_faithful_report_exits_0(write: WriteReport, corpus: Path, truth: dict[str, int],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    report = write(f"# Report\n\nThe corpus contains {truth['total']} files.\n\n"
                   f"- **JSON:** {truth['json']}\n- **CSV:** {truth['csv']}\n")
    status, out, err = run(capsys, str(report), "--corpus", str(corpus))
    assert (status, err) == (0, "")
    assert "report.md:3" in out and "faithful" in out and "NOT faithful" not in out


def test_unfaithful_report_exits_1_naming_line_and_truth(
    write: WriteReport, corpus: Path, truth: dict[str, int], capsys: pytest.CaptureFixture[str],
) -> None:
    report = write("# Report\n\nJSON: 81\n")
    status, out, err = run(capsys, str(report), "--corpus", str(corpus))
    assert (status, err) == (1, "")
    assert f'report.md:3  "JSON: 81"  — the corpus has {truth["json"]} JSON files' in out
    assert "NOT faithful" in out


@pytest.mark.parametrize(("options", "status_wanted"), [
    pytest.param((), 1, id="default-no-contradiction-allowed"),
    pytest.param(("--max-contradicted", "1"), 0, id="one-allowed"),
    pytest.param(("--max-contradicted", "1", "--min-faithfulness", "0.9"), 1,
                 id="ratio-too-low"),
])
def test_thresholds_decide_the_exit_code(
    write: WriteReport, corpus: Path, truth: dict[str, int], capsys: pytest.CaptureFixture[str],
    options: tuple[str, ...], status_wanted: int,
) -> None:
    report = write(f"The corpus contains {truth['total']} files.\nJSON: 81\n")
    status, _out, _err = run(capsys, str(report), "--corpus", str(corpus), *options)
    assert status == status_wanted


def test_fail_on_unverifiable(write: WriteReport, corpus: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    report = write("20 files were slow.\n")
    assert run(capsys, str(report), "--corpus", str(corpus))[0] == 0
    status, out, _err = run(capsys, str(report), "--corpus", str(corpus),
                            "--fail-on-unverifiable")
    assert status == 1 and "could not be verified" in out


@pytest.mark.parametrize(("args", "message"), [
    pytest.param(["{report}"], "the following arguments are required: --corpus",
                 id="missing-corpus-option"),
    pytest.param(["--corpus", "{corpus}"], "the following arguments are required: report",
                 id="missing-report-argument"),
    pytest.param(["{missing}", "--corpus", "{corpus}"], "report {missing} does not exist",
                 id="report-not-there"),
    pytest.param(["{report}", "--corpus", "{missing}"],
                 "corpus folder {missing} does not exist", id="corpus-not-there"),
    pytest.param(["{report}", "--corpus", "{report}"], "is a file, not a folder",
                 id="corpus-is-a-file"),
    pytest.param(["{report}", "--corpus", "{corpus}", "--min-faithfulness", "2"],
                 "2.0 is outside 0..1", id="bad-threshold"),
    pytest.param(["{binary}", "--corpus", "{corpus}"], "is binary, not Markdown text",
                 id="binary-report"),
])
def test_bad_usage_or_input_exits_2_with_a_message(
    write: WriteReport, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    args: list[str], message: str,
) -> None:
    names = {"report": str(write("JSON: 47\n")), "corpus": str(corpus),
             "missing": str(tmp_path / "nowhere"), "binary": str(tmp_path / "blob.md")}
    (tmp_path / "blob.md").write_bytes(b"\x00\x01JSON: 47")
    status, out, err = run(capsys, *[a.format(**names) for a in args])
    assert status == 2
    assert message.format(**names) in err
    assert "Traceback" not in err and out == ""


def test_no_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "name a command" in capsys.readouterr().err


# -- the JSON contract ---------------------------------------------------------------------------


def test_json_is_one_object_with_the_contract_fields(
    write: WriteReport, corpus: Path, truth: dict[str, int], capsys: pytest.CaptureFixture[str],
) -> None:
    report = write(f"# Report\n\nThe corpus contains {truth['total']} files and JSON: 81.\n"
                   "20 files were slow.\n")
    status, document = run_json(capsys, report, corpus)
    assert status == 1
    assert type(document["faithful"]) is bool and document["faithful"] is False
    assert type(document["faithfulness"]) is float and 0.0 <= document["faithfulness"] <= 1.0
    assert isinstance(document["claims"], list) and document["claims"]
    for claim in document["claims"]:
        for name, wanted in CONTRACT.items():
            assert type(claim[name]) is wanted, (name, claim)
        assert claim["truth"] is None or type(claim["truth"]) is str
        assert claim["verdict"] in VERDICTS
        if claim["verdict"] == "contradicted":
            assert claim["truth"], claim
    kinds = {(c["kind"], c["verdict"]) for c in document["claims"]}
    assert {("count.total", "supported"), ("count.type", "contradicted"),
            ("count.family", "unverifiable")} <= kinds


def test_json_validates_against_the_verdict_schema(
    write: WriteReport, corpus: Path, truth: dict[str, int], capsys: pytest.CaptureFixture[str],
) -> None:
    report = write(f"# Report\n\n- **Date:** 2025-11-02\n\nThe corpus contains {truth['total']} "
                   "files; the latest file is `reports/notes.txt`.\nThe mean TTFT was 88.6 ms "
                   "and the files total 41 KB. `reports/nowhere.md` is missing.\n")
    _status, document = run_json(capsys, report, corpus, "--run-date", "2025-11-02T10:00:00Z")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    assert len({c["kind"].split(".")[0] for c in document["claims"]}) >= 5


def test_json_faithfulness_is_supported_over_decided(
    write: WriteReport, corpus: Path, truth: dict[str, int], capsys: pytest.CaptureFixture[str],
) -> None:
    report = write(f"The corpus contains {truth['total']} files. CSV: {truth['csv']}. JSON: 81. "
                   "Markdown: 2. 20 files were slow.\n")
    _status, document = run_json(capsys, report, corpus)
    verdicts = [c["verdict"] for c in document["claims"]]
    supported, contradicted = verdicts.count("supported"), verdicts.count("contradicted")
    assert contradicted == 2
    assert document["faithfulness"] == pytest.approx(supported / (supported + contradicted))


def test_json_with_nothing_to_check_is_faithful(write: WriteReport, corpus: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    status, document = run_json(capsys, write("# Notes\n"), corpus)
    assert status == 0
    assert document["faithful"] is True and document["faithfulness"] == 1.0


# -- line numbers --------------------------------------------------------------------------------

LAYOUT = """\
# Corpus report


## Files

Most of the corpus is benchmark output
written over one month, and JSON: 81 of it.

| Type | Count |
|------|-------|
| CSV | 5 |
| Markdown | 23 |

- **Total files:** 131
- The `reports/ghost/` folder holds the rest.
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
def test_line_is_the_1_based_line_of_the_file(
    write: WriteReport, corpus: Path, capsys: pytest.CaptureFixture[str], newline: str, bom: bool,
) -> None:
    report = write(LAYOUT, newline=newline, **({"encoding": "utf-8-sig"} if bom else {}))
    _status, document = run_json(capsys, report, corpus)
    lines = {(c["kind"], c["line"]) for c in document["claims"] if c["verdict"] == "contradicted"}
    assert lines == {
        ("count.type", line_of(LAYOUT, "JSON: 81")),
        ("count.type", line_of(LAYOUT, "| CSV | 5 |")),
        ("count.total", line_of(LAYOUT, "**Total files:** 131")),
        ("path.exists", line_of(LAYOUT, "reports/ghost/")),
    }


def test_line_counts_only_newlines(write: WriteReport, corpus: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    text = "# Report\n\nIntro\u2028with a line separator.\n\nJSON: 81\n"
    _status, document = run_json(capsys, write(text), corpus)
    (claim,) = [c for c in document["claims"] if c["kind"] == "count.type"]
    assert claim["line"] == line_of(text, "JSON: 81")


# -- the report on standard input: `chimera verify -` ---------------------------------------------


def run_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: bytes,
              *args: str) -> tuple[int, str, str]:
    """``chimera verify - ARGS`` with ``data`` piped in, as a shell pipe gives it: bytes."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    return run(capsys, "-", *args)


def test_a_report_on_stdin_is_named_stdin_with_its_lines(
    corpus: Path, truth: dict[str, int], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = f"# Report\n\nThe corpus contains {truth['total']} files.\n\nJSON: 81\n"
    status, out, err = run_stdin(capsys, monkeypatch, text.encode(), "--corpus", str(corpus))
    assert (status, err) == (1, "")
    assert f'<stdin>:5  "JSON: 81"  — the corpus has {truth["json"]} JSON files' in out
    assert out.splitlines()[-1].startswith("<stdin>: ")
    assert out.rstrip().endswith("NOT faithful")


def test_a_report_on_stdin_gives_the_same_verdicts_as_the_file(
    write: WriteReport, corpus: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = LAYOUT.replace("\n", "\r\n").encode("utf-8-sig")  # a BOM and CRLF, as from Windows
    report = write("")
    report.write_bytes(data)
    from_file = run_json(capsys, report, corpus)
    status, out, err = run_stdin(capsys, monkeypatch, data, "--corpus", str(corpus), "--json")
    assert err == ""
    from_stdin = (status, json.loads(out))
    assert from_stdin[1]["report"] == "<stdin>"
    from_stdin[1]["report"] = from_file[1]["report"]
    assert from_stdin == from_file


@pytest.mark.parametrize(("data", "message"), [
    pytest.param(b"# R\n\nJSON: \xff47\n", "report <stdin> is not UTF-8 text (byte 11 cannot be "
                 "decoded)", id="not-utf8"),
    pytest.param(b"", "report <stdin> is empty: nothing to verify", id="empty"),
    pytest.param(b"\xef\xbb\xbf \n\n", "report <stdin> is empty: nothing to verify",
                 id="bom-and-blank"),
    pytest.param(b"\x00\x01JSON: 47", "report <stdin> is binary, not Markdown text",
                 id="binary"),
])
def test_bad_stdin_exits_2_naming_stdin(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    data: bytes, message: str,
) -> None:
    status, out, err = run_stdin(capsys, monkeypatch, data, "--corpus", str(corpus))
    assert (status, out) == (2, "")
    assert err == f"chimera verify: {message}\n"


def test_a_report_piped_to_the_command_is_read(corpus: Path, truth: dict[str, int],
                                               tmp_path: Path) -> None:
    # The real thing: a pipe as standard input, and a run.json in the working folder that a
    # piped report has no claim to.
    (tmp_path / "run.json").write_text("{", "utf-8")
    (tmp_path / "-.json").write_text("{", "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest_chimera.cli", "verify", "-", "--corpus", str(corpus)],
        input=f"# Report\n\nThe corpus contains {truth['total']} files.\n".encode(),
        capture_output=True, cwd=tmp_path, timeout=120, check=False)
    assert (done.returncode, done.stderr) == (0, b"")
    assert b"<stdin>:3" in done.stdout and b"NOT faithful" not in done.stdout


def test_a_file_named_dash_is_read_as_dot_slash_dash(
    corpus: Path, truth: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "-").write_text(f"The corpus contains {truth['total']} files.\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "./-", "--corpus", str(corpus))
    assert (status, err) == (0, "")
    assert "-:1" in out and "<stdin>" not in out
