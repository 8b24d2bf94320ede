"""Bad reports for `chimera verify`: a clear verdict or exit 2 naming the file, no traceback."""

from __future__ import annotations

import builtins
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_chimera import cli

INPUT_ERRORS: list[tuple[str, bytes, str]] = [
    ("binary.md", b"# Report\x00\x01\x02", "is binary, not Markdown text"),
    ("latin1.md", "# R\u00e9sum\u00e9\n".encode("latin-1"), "is not UTF-8 text (byte 3"),
    ("huge.md", b"a" * (cli.MAX_REPORT_BYTES + 1), "MiB; not a report"),
    # Nothing to verify is no verdict: "faithful" would vouch for a report never written.
    ("empty.md", b"", "is empty: nothing to verify"),
    ("blank.md", b" \n\t\r\n\n", "is empty: nothing to verify"),
    ("bom-only.md", b"\xef\xbb\xbf", "is empty: nothing to verify"),
    ("bom-and-blank.md", b"\xef\xbb\xbf\n  \n", "is empty: nothing to verify"),
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "runs").mkdir(parents=True)
    (root / "runs" / "a.csv").write_text("ttft_s\n1.5\n2.5\n")
    (root / "notes.md").write_text("hello\n")
    return root


@pytest.mark.parametrize(("name", "data", "reason"), INPUT_ERRORS,
                         ids=[c[0] for c in INPUT_ERRORS])
def test_unreadable_report_is_exit_2_naming_it(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str],
    name: str, data: bytes, reason: str,
) -> None:
    report = tmp_path / name
    report.write_bytes(data)
    assert cli.main(["verify", str(report), "--corpus", str(corpus)]) == 2
    out, err = capsys.readouterr()
    assert f"report {report} " in err and reason in err
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize("text", [
    "just a sentence without any headings or numbers\n",
    "# Only a title\n",
], ids=["no-sections", "title-only"])
def test_report_without_claims_gets_a_verdict(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    report = tmp_path / "r.md"
    report.write_text(text)
    status = cli.main(["verify", str(report), "--corpus", str(corpus), "--json"])
    out = capsys.readouterr()
    assert (status, out.err) == (0, "")
    document = json.loads(out.out)
    # Nothing to check is a clear verdict: faithful, with no claim supported or contradicted.
    assert document["faithful"] is True
    assert document["counts"]["supported"] == document["counts"]["contradicted"] == 0
    assert all(c["verdict"] == "unverifiable" for c in document["claims"])


def test_paths_outside_the_corpus_are_never_read(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = tmp_path / "r.md"
    report.write_text("# Report\n\nThe file `../../etc/passwd` holds 3 rows, and "
                      "`/etc/shadow` exists. The corpus has 2 files.\n")
    touched: list[str] = []
    real_open, real_stat = builtins.open, os.stat

    def spy_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        touched.append(os.path.abspath(os.fspath(file)) if not isinstance(file, int) else "")
        return real_open(file, *args, **kwargs)

    def spy_stat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not isinstance(path, int):
            touched.append(os.path.abspath(os.fspath(path)))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(os, "stat", spy_stat)
    status = cli.main(["verify", str(report), "--corpus", str(corpus), "--json"])
    monkeypatch.undo()
    out = capsys.readouterr()
    assert status in (0, 1), out.err
    assert not [p for p in touched if p.startswith("/etc")], touched
    claims = json.loads(out.out)["claims"]
    outside = [c for c in claims if c["kind"] != "language"
               and ("passwd" in c["text"] or "shadow" in c["text"])]
    # Both paths are claims, and neither can be supported: nothing outside the corpus is read.
    assert {c["subject"].rsplit("/", 1)[-1] for c in outside} == {"passwd", "shadow"}
    assert [c["verdict"] for c in outside if c["verdict"] == "supported"] == []
    assert {c["message"] for c in outside if "shadow" in c["text"]} == {
        "an absolute path outside the corpus"}


@pytest.mark.parametrize(("number", "status_wanted"), [
    ("1" + "0" * 400, 0), ("-5", 1), ("10,000,000,000", 1),
    ("1e308", 0), ("1e999", 0), ("NaN", 0),
])
def test_absurd_numbers_get_a_verdict_not_a_crash(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str],
    number: str, status_wanted: int,
) -> None:
    report = tmp_path / "r.md"
    report.write_text("# Report on the benchmark corpus\n\n"
                      f"The corpus contains {number} files in total.\n")
    status = cli.main(["verify", str(report), "--corpus", str(corpus)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    # Never "supported": the corpus has 2 files. Plain huge numbers are contradicted;
    # forms the extractor does not read as a count stay unverifiable.
    assert status == status_wanted, out.out
    assert " 0 supported," in out.out
    if status_wanted:
        assert "the corpus has 2 files" in out.out


@pytest.mark.parametrize(
    ("make", "argument", "message"),
    [
        pytest.param(lambda p: None, "report", "report {path} does not exist", id="no-report"),
        pytest.param(lambda p: p.mkdir(), "report", "report {path} is a folder, not a file",
                     id="report-is-a-folder"),
        pytest.param(lambda p: None, "corpus", "corpus folder {path} does not exist",
                     id="no-corpus"),
        pytest.param(lambda p: p.write_text("# Report\n"), "corpus",
                     "corpus {path} is a file, not a folder", id="corpus-is-a-file"),
        pytest.param(lambda p: p.write_text('{"run_date": "2025-'), "record",
                     "run record {path} is not JSON: Unterminated string starting at (line 1, "
                     "column 14)",
                     id="record-cut-short"),
        pytest.param(lambda p: p.write_bytes(b"\xff\xfe{}"), "record",
                     "run record {path} is not UTF-8 text", id="record-not-utf8"),
        pytest.param(lambda p: p.write_text("[1, 2]"), "record",
                     "run record {path} is not a run record: it is a JSON array, not an "
                     "object", id="record-not-a-record"),
        pytest.param(lambda p: p.write_text(""), "record", "run record {path} is empty",
                     id="record-empty"),
        pytest.param(lambda p: p.write_text('{"run_date": "2025-11-02T10:00:00Z"}'), "record",
                     "run record {path} does not match schemas/run.schema.json:\n"
                     "  (top level): missing schema, agent, persona, backend, replayed, "
                     "inventory, phases, calls, metrics, context_problems, report_text, "
                     "structure, faithfulness, assertions, artifacts",
                     id="record-without-its-fields"),
    ],
)
def test_a_missing_or_wrong_input_is_exit_2_naming_it(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str],
    make: Callable[[Path], object], argument: str, message: str,
) -> None:
    report = tmp_path / "r.md"
    report.write_text("# Report\n\nThe corpus has 2 files.\n")
    record = tmp_path / "r.json"
    bad = tmp_path / "bad"
    make(bad)
    args = {"report": [str(bad), "--corpus", str(corpus)],
            "corpus": [str(report), "--corpus", str(bad)],
            "record": [str(report), "--corpus", str(corpus), "--run-record", str(bad)]}
    assert cli.main(["verify", *args[argument]]) == 2
    out = capsys.readouterr()
    assert out.err == f"chimera verify: {message.format(path=bad)}\n"
    assert out.out == ""
    # Nothing was written beside the report.
    assert not record.exists()


def test_a_1_gib_report_is_refused_without_reading_it(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    import tracemalloc

    report = tmp_path / "huge.md"
    with open(report, "wb") as handle:
        handle.write(b"# Report\n")
        handle.truncate(2**30)  # sparse: 1 GiB on paper, nothing on disk
    tracemalloc.start()
    try:
        status = cli.main(["verify", str(report), "--corpus", str(corpus)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    err = capsys.readouterr().err
    assert status == 2
    assert err == f"chimera verify: report {report} is over 16 MiB; not a report\n"
    # One read of the limit plus a byte, never the whole file.
    assert peak < cli.MAX_REPORT_BYTES * 1.5, f"peak {peak / 2**20:.0f} MiB"


def test_a_report_with_a_bom_and_crlf_gets_the_same_verdict(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    text = "# Report on the corpus\n\nThe corpus contains 7 files in total.\n"
    plain, marked = tmp_path / "plain.md", tmp_path / "marked.md"
    plain.write_text(text)
    marked.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    verdicts = []
    for report in (plain, marked):
        assert cli.main(["verify", str(report), "--corpus", str(corpus), "--json"]) == 1
        document = json.loads(capsys.readouterr().out)
        verdicts.append([(c["line"], c["kind"], c["verdict"], c["truth"])
                         for c in document["claims"]])
    assert verdicts[0] == verdicts[1]
    assert ("count.total", "contradicted", "the corpus has 2 files") in [
        v[1:] for v in verdicts[0]]
