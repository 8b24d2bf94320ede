"""Nothing lost: a write that fails half-way leaves the old artifact whole and no temp file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pytest_chimera.artifacts import ArtifactError, atomic_write_json, atomic_write_text


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
