"""Nothing lost: a write that fails half-way leaves the old artifact whole and no temp file,
and an interrupted save never corrupts the saved benchmark history.

A whole run killed with SIGKILL is in test_reliability_plugin.py.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_chimera import artifacts, cli
from pytest_chimera.artifacts import (
    ArtifactError,
    atomic_write_json,
    atomic_write_text,
    atomic_write_texts,
    remove_stale_temps,
)
from pytest_chimera.history import (
    HistoryError,
    list_runs,
    load_run,
    next_run_path,
    resolve_run,
)


def _fail(*_args: object, **_kwargs: object) -> None:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("step", ["replace", "fsync"])
def test_failed_write_keeps_the_old_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    target = tmp_path / "B" / "ops.json"
    atomic_write_json(target, {"run": 1})
    monkeypatch.setattr(os, step, _fail)
    with pytest.raises(ArtifactError) as info:
        atomic_write_json(target, {"run": 2, "big": "x" * 100_000})
    monkeypatch.undo()
    assert str(info.value) == f"cannot write {target}: No space left on device"
    assert json.loads(target.read_text()) == {"run": 1}
    assert sorted(p.name for p in target.parent.iterdir()) == ["ops.json"]


def test_interrupted_write_leaves_no_temp(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.md"
    atomic_write_text(target, "old\n")

    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(target, "new\n")
    monkeypatch.undo()
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.md"]


def test_an_artifact_gets_the_mode_a_plain_open_would_give(tmp_path: Path) -> None:
    mask = os.umask(0o027)
    try:
        written = atomic_write_text(tmp_path / "r.md", "x\n")
    finally:
        os.umask(mask)
    assert written.stat().st_mode & 0o777 == 0o640


def test_a_report_and_its_record_are_written_side_by_side(tmp_path: Path) -> None:
    made: list[str] = []

    def record() -> str:
        made.append("record")
        return '{"run": 3}\n'

    written = atomic_write_texts([(tmp_path / "B" / "ops.json", record),
                                  (tmp_path / "B" / "ops.md", "# Report\n")])
    assert sorted(written) == [tmp_path / "B" / "ops.json", tmp_path / "B" / "ops.md"]
    assert made == ["record"]
    assert (tmp_path / "B" / "ops.json").read_text() == '{"run": 3}\n'
    assert (tmp_path / "B" / "ops.md").read_text() == "# Report\n"
    assert sorted(p.name for p in (tmp_path / "B").iterdir()) == ["ops.json", "ops.md"]


def test_one_failed_file_of_a_pair_is_named_and_the_other_still_written(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where a folder should be\n")
    with pytest.raises(ArtifactError) as info:
        atomic_write_texts([(tmp_path / "ok" / "ops.json", "{}\n"),
                            (tmp_path / "blocked" / "ops.md", "# Report\n")])
    # mkdir's own reason, "File exists", would not say which file is in the way.
    assert str(info.value) == (f"cannot write {tmp_path}/blocked/ops.md: {tmp_path}/blocked "
                               "is a file, not a folder")
    assert (tmp_path / "ok" / "ops.json").read_text() == "{}\n"
    assert info.value.written == (tmp_path / "ok" / "ops.json",)
    assert (tmp_path / "blocked").read_text() == "a file where a folder should be\n"


def test_both_failed_files_of_a_pair_are_named(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("x\n")
    with pytest.raises(ArtifactError) as info:
        atomic_write_texts([(tmp_path / "blocked" / "ops.json", lambda: "{}\n"),
                            (tmp_path / "blocked" / "ops.md", "# Report\n")])
    assert str(info.value).count("cannot write") == 2
    assert f"{tmp_path}/blocked/ops.json" in str(info.value)
    assert f"{tmp_path}/blocked/ops.md" in str(info.value)


def test_the_second_write_is_finished_before_an_error_of_the_first_is_raised(
    tmp_path: Path,
) -> None:
    def broken() -> str:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write_texts([(tmp_path / "ops.json", broken), (tmp_path / "ops.md", "# R\n")])
    # Not cut off behind the caller's back: the report is whole the moment the error is seen.
    assert (tmp_path / "ops.md").read_text() == "# R\n"
    assert [p.name for p in tmp_path.iterdir()] == ["ops.md"]


def test_a_temp_name_left_by_an_earlier_process_with_the_same_pid_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(artifacts, "_TEMP_SERIAL", itertools.count(7))
    left = tmp_path / f".r.md.{os.getpid()}.7.tmp"
    left.write_text("half of an old write")
    atomic_write_text(tmp_path / "r.md", "new\n")
    assert (tmp_path / "r.md").read_text() == "new\n"
    assert left.read_text() == "half of an old write"


# -- saved benchmark history ------------------------------------------------------------------

MACHINE = "Linux-CPython-3.11-64bit"


def _saved_run(ttft_s: float) -> dict[str, Any]:
    metrics = {"ttft_s": ttft_s, "total_s": 2.0, "load_s": 0.0, "prompt_eval_s": 0.1,
               "eval_s": 1.5, "prompt_tokens": 300, "eval_tokens": 60}
    info = {"agent": "B", "persona": "ops", "model": "gemma3", "backend": "ollama",
            "replayed": False, "metrics": metrics}
    return {"datetime": "2026-11-22T10:00:00", "benchmarks": [
        {"name": "test_report[B-ops]", "fullname": "suites/test_reports.py::test_report[B-ops]",
         "extra_info": info, "stats": {"mean": 2.0}}]}


@pytest.fixture
def storage(tmp_path: Path) -> Path:
    """pytest-benchmark storage holding two good saved runs."""
    root = tmp_path / ".benchmarks"
    (root / MACHINE).mkdir(parents=True)
    for number, ttft_s in ((1, 0.1), (2, 0.2)):
        path = root / MACHINE / f"{number:04d}_run.json"
        path.write_text(json.dumps(_saved_run(ttft_s), indent=4), "utf-8")
    return root


def _snapshot(storage: Path) -> dict[str, bytes]:
    return {str(p.relative_to(storage)): p.read_bytes()
            for p in sorted(storage.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        # pytest-benchmark writes its run file in place (open, write): a kill right after the
        # open leaves it empty, a kill during the write leaves it cut short.
        pytest.param(0, "is empty (a save that was interrupted?)", id="empty"),
        pytest.param(180, "is not valid JSON (corrupted or cut short?): ", id="cut-short"),
    ],
)
def test_an_interrupted_save_is_named_and_the_other_runs_stay_usable(
    storage: Path, capsys: pytest.CaptureFixture[str], cut: int, reason: str,
) -> None:
    broken = storage / MACHINE / "0003_run.json"
    broken.write_bytes(json.dumps(_saved_run(0.3), indent=4).encode()[:cut])
    before = _snapshot(storage)
    # Named explicitly, or as the latest: a HistoryError naming the file and the reason.
    for ref in ("3", "last", str(broken)):
        with pytest.raises(HistoryError) as info:
            load_run(resolve_run(storage, ref))
        assert str(info.value).startswith(f"run file {broken} {reason}")
    # The command line says the same, exit 2, no traceback.
    assert cli.main(["compare", "--storage", str(storage)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"chimera compare: run file {broken} {reason}")
    assert "Traceback" not in err
    # The run goes on where it can: the whole runs compare, and nothing was touched.
    assert cli.main(["compare", "1", "2", "--storage", str(storage)]) == 0
    assert "B × ops" in capsys.readouterr().out
    assert _snapshot(storage) == before
    # The next save takes the next number; it never overwrites the broken file.
    assert next_run_path(storage, MACHINE, "next") == storage / MACHINE / "0004_next.json"


def test_a_save_killed_mid_write_leaves_only_a_hidden_temp_that_history_ignores(
    storage: Path,
) -> None:
    target = storage / MACHINE / "0003_run.json"
    # The plugin's own save (under xdist) is atomic: kill the writer between its fsync'd
    # temp file and the rename, as SIGKILL at the worst moment would.
    code = ("import os, signal, sys\n"
            "from pathlib import Path\n"
            "from pytest_chimera import artifacts\n"
            "artifacts.os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)\n"
            "artifacts.atomic_write_json(Path(sys.argv[1]), {'benchmarks': []})\n")
    before = _snapshot(storage)
    killed = subprocess.run([sys.executable, "-c", code, str(target)], check=False)
    assert killed.returncode == -signal.SIGKILL
    assert not target.exists()
    (temp,) = [p for p in (storage / MACHINE).iterdir() if p.name.startswith(".")]
    assert temp.name.startswith(".0003_run.json.") and temp.suffix == ".tmp"
    # The saved runs are as they were; listing, "last" and the next number ignore the temp.
    assert {k: v for k, v in _snapshot(storage).items() if not k.endswith(".tmp")} == before
    assert [p.name for p in list_runs(storage)] == ["0001_run.json", "0002_run.json"]
    assert resolve_run(storage, "last").name == "0002_run.json"
    assert [len(load_run(p).tests) for p in list_runs(storage)] == [1, 1]
    assert next_run_path(storage, MACHINE, "run") == target


def _dead_pid() -> int:
    # A process that has exited and been reaped: its pid names no process (until reused,
    # which within this test is vanishingly unlikely; the check below would then keep the file).
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temps_of_killed_writers_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    folder = tmp_path / "reports" / "B"
    folder.mkdir(parents=True)
    (folder / "ops.json").write_text('{"whole": true}\n')
    dead = folder / f".ops.json.{_dead_pid()}.k3x9_q.tmp"
    dead.write_text('{"half')
    live = folder / f".ops.md.{os.getpid()}.a1b2c3.tmp"  # being written right now
    live.write_text("# half")
    unrelated = folder / ".notes.tmp"  # not a name this plugin writes
    unrelated.write_text("keep")
    assert remove_stale_temps(tmp_path / "reports") == [dead]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [".notes.tmp", live.name, "ops.json"])
    assert (folder / "ops.json").read_text() == '{"whole": true}\n'


def test_a_write_names_its_temp_file_after_its_process(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    atomic_write_text(tmp_path / "r.md", "x\n")
    (name,) = seen
    assert name.startswith(f".r.md.{os.getpid()}.") and name.endswith(".tmp")
    assert remove_stale_temps(tmp_path) == []
