"""`chimera` options checked before any work, and output to a reader that stops reading.

--language takes only a language the checker can tell (any other marked every report
unfaithful); --storage that is not there says so; a closed pipe (`| head -1`) is no error and
keeps the exit status the check decided.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_chimera import cli
from pytest_chimera.faithfulness import LANGUAGE_NAMES
from pytest_chimera.language import detect_language

REPO = Path(__file__).resolve().parent.parent
KNOWN = "ar, de, el, en, es, fr, he, hi, it, ja, ko, nl, pt, ru, th, zh"
ENGLISH = ("# Report\n\nThe corpus has {total} files, and this is the report of the analysis "
           "that we made of them for the team.\n")


@pytest.fixture
def english(tmp_path: Path, corpus: Path) -> Path:
    from pytest_chimera.inventory import scan_corpus

    report = tmp_path / "r.md"
    report.write_text(ENGLISH.format(total=scan_corpus(corpus).total_files), "utf-8")
    return report


# -- --language ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["xx", "", " ", "english", "e", "en_US", "zz-en", "und"])
def test_a_language_the_checker_cannot_tell_is_a_usage_error(
    english: Path, corpus: Path, capsys: pytest.CaptureFixture[str], value: str,
) -> None:
    status = cli.main(["verify", str(english), "--corpus", str(corpus), "--language", value])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert (f"chimera verify: error: argument --language: {value!r} is not a language the "
            f"checker can tell; known: {KNOWN}\n") in err
    assert "Traceback" not in err


@pytest.mark.parametrize("value", ["en", "EN", "en-GB", "en-US"])
def test_english_however_spelt_is_accepted(
    english: Path, corpus: Path, capsys: pytest.CaptureFixture[str], value: str,
) -> None:
    status = cli.main(["verify", str(english), "--corpus", str(corpus), "--language", value,
                       "--json"])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    (claim,) = [c for c in json.loads(out)["claims"] if c["kind"] == "language"]
    assert claim["verdict"] == "supported"


def test_every_known_language_is_one_the_detector_can_name() -> None:
    assert ", ".join(cli.KNOWN_LANGUAGES) == KNOWN
    # The names the verdicts use cover the same codes.
    assert set(cli.KNOWN_LANGUAGES) == set(LANGUAGE_NAMES)
    samples = {"de": "Der Bericht ist nicht fertig und die Daten sind auch nicht mit dem Rest",
               "ru": "Отчёт о корпусе файлов и о том, что в нём нашлось за месяц работы"}
    for code, text in samples.items():
        assert detect_language(text) == code


@pytest.mark.parametrize("value", ["de", "ru", "zh"])
def test_another_known_language_is_accepted_and_checked(
    english: Path, corpus: Path, capsys: pytest.CaptureFixture[str], value: str,
) -> None:
    status = cli.main(["verify", str(english), "--corpus", str(corpus), "--language", value])
    out, err = capsys.readouterr()
    # Accepted: an English report asked for in another language is unfaithful, exit 1.
    assert (status, err) == (1, "")
    assert "contradicted" in out


# -- a reader that stops reading --------------------------------------------------------------


def _closed_pipe(*args: str) -> tuple[int, str]:
    """Run chimera with its stdout a pipe nobody reads: `chimera ... | head -0`, at once."""
    process = subprocess.Popen([sys.executable, "-m", "pytest_chimera.cli", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    with process.stderr:
        err = process.stderr.read().decode("utf-8", "replace")
    return process.wait(timeout=120), err


@pytest.mark.parametrize("json_flag", [(), ("--json",)], ids=["human", "json"])
@pytest.mark.parametrize(("lines", "wrong", "status_wanted"), [
    pytest.param(1, False, 0, id="short-faithful"),
    pytest.param(1, True, 1, id="short-unfaithful"),
    pytest.param(3000, False, 0, id="long-faithful"),
    pytest.param(3000, True, 1, id="long-unfaithful"),
])
def test_a_closed_pipe_keeps_the_verdict_and_says_nothing(
    tmp_path: Path, corpus: Path, lines: int, wrong: bool, status_wanted: int,
    json_flag: tuple[str, ...],
) -> None:
    from pytest_chimera.inventory import scan_corpus

    total = scan_corpus(corpus).total_files
    body = "".join(f"Part {n}: the corpus has {total} files.\n\n" for n in range(lines))
    if wrong:
        body += f"The corpus has {total + 1} files.\n"
    report = tmp_path / "r.md"
    report.write_text("# Report\n\n" + body, "utf-8")
    status, err = _closed_pipe("verify", str(report), "--corpus", str(corpus), *json_flag)
    # Not 2 ("bad input"), not Python's 120 and "Exception ignored ... BrokenPipeError".
    assert (status, err) == (status_wanted, "")


def test_compare_into_a_closed_pipe_keeps_the_gate_status(tmp_path: Path) -> None:
    storage = tmp_path / ".benchmarks"
    _write_run(storage, 1, "old", ttft_ms=100.0)
    _write_run(storage, 2, "new", ttft_ms=150.0)
    assert _closed_pipe("compare", "--storage", str(storage), "--fail", "ttft_ms:10%") == (1, "")
    assert _closed_pipe("compare", "--storage", str(storage)) == (0, "")


# -- --storage --------------------------------------------------------------------------------


def _write_run(storage: Path, number: int, name: str, *, ttft_ms: float) -> Path:
    """A saved pytest-benchmark run with one Chimera test, as --benchmark-autosave writes."""
    metrics = {"ttft_s": ttft_ms / 1000, "total_s": 2.2, "load_s": 0.0, "prompt_eval_s": 0.05,
               "eval_s": 2.0, "prompt_tokens": 300, "eval_tokens": 100, "tokens_per_s": 50.0,
               "ttft_ms": ttft_ms, "replayed": False}
    extra: dict[str, Any] = {
        "agent": "B", "persona": "ops", "model": "gemma3", "backend": "llamacpp",
        "options": {}, "replayed": False, "metrics": metrics, "faithfulness": 1.0,
        "contradicted": 0,
        "context": {"report": {"num_ctx": 2048, "prompt_tokens": 300, "left_out": 0}}}
    name_ = "test_report[B-ops]"
    path = storage / "Linux-CPython-3.11-64bit" / f"{number:04d}_{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"benchmarks": [{
        "group": None, "name": name_, "fullname": f"suites/test_reports.py::{name_}",
        "extra_info": extra, "stats": {"min": 1.0, "max": 1.0, "mean": 1.0}}],
        "datetime": "2026-11-22T10:00:00", "commit_info": {"id": "abc"}}), "utf-8")
    return path


@pytest.mark.parametrize("command", [
    ["compare"], ["compare", "last"], ["export", "--github-bigger", "{tmp}/b.json"],
    ["plot", "--out", "{tmp}/charts"],
], ids=["compare", "compare-one", "export", "plot"])
def test_a_storage_folder_that_is_not_there_is_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str],
) -> None:
    nowhere = tmp_path / "nowhere"
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    assert cli.main([*args, "--storage", str(nowhere)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"chimera {command[0]}: no saved runs in {nowhere}: the folder does not exist "
                   "(save runs with pytest --benchmark-autosave; --storage names the folder, as "
                   "--benchmark-storage does)\n")
    assert not (tmp_path / "b.json").exists() and not (tmp_path / "charts").exists()


def test_a_storage_that_is_a_file_is_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    storage = tmp_path / "store"
    storage.write_text("", "utf-8")
    assert cli.main(["compare", "--storage", str(storage)]) == 2
    assert capsys.readouterr().err == (f"chimera compare: no saved runs in {storage}: it is a "
                                       "file, not a folder\n")


def test_two_run_files_need_no_storage(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    old = _write_run(tmp_path / "runs", 1, "old", ttft_ms=100.0)
    new = _write_run(tmp_path / "runs", 2, "new", ttft_ms=90.0)
    assert cli.main(["compare", str(old), str(new), "--storage", str(tmp_path / "none")]) == 0
    assert "0001_old -> 0002_new" in capsys.readouterr().out


def test_an_empty_storage_folder_still_says_there_are_no_saved_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "empty").mkdir()
    assert cli.main(["compare", "--storage", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" not in err and "found 0" in err
