"""`chimera verify` on a corpus it cannot wholly read, and on symlinks in the corpus.

A corpus folder that cannot be listed hides every file in it, so every count the report makes
reads low. The root unreadable is no corpus at all (exit 2); a folder below it is named in the
output, so a reader of a contradicted count knows the count may be the checker's, not the
report's, mistake.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pytest_chimera import cli
from pytest_chimera import inventory as inventory_module
from pytest_chimera.inventory import CorpusError, scan_corpus

REPO = Path(__file__).resolve().parent.parent
GOOD = b"ttft_s,tokens_s\n1.5,40\n2.5,41\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "locked").mkdir(parents=True)
    (root / "locked" / "hidden.csv").write_bytes(GOOD)
    (root / "good.csv").write_bytes(GOOD)
    return root


@pytest.fixture
def report(tmp_path: Path) -> Path:
    # True of the corpus: two files, both CSV.
    path = tmp_path / "r.md"
    path.write_text("# Report\n\nThe corpus has 2 files. CSV: 2.\n", "utf-8")
    return path


def refuse(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make listing ``folder`` fail as the kernel does for a folder without permissions
    (chmod 000 does not stop root, which these tests may run as)."""
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.fspath(path) == str(folder):
            raise PermissionError(13, "Permission denied", str(folder))
        return real_scandir(path)

    monkeypatch.setattr(inventory_module.os, "scandir", scandir)


def verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["verify", *args])
    out, err = capsys.readouterr()
    return status, out, err


# -- the root -----------------------------------------------------------------------------------


def test_a_corpus_whose_root_cannot_be_listed_is_a_corpus_error(
    corpus: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    refuse(monkeypatch, corpus)
    with pytest.raises(CorpusError, match=f"^corpus {corpus} cannot be read: Permission denied$"):
        scan_corpus(corpus)


def test_verify_on_an_unreadable_corpus_is_exit_2_not_an_empty_corpus(
    corpus: Path, report: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    refuse(monkeypatch, corpus)
    status, out, err = verify(capsys, str(report), "--corpus", str(corpus))
    # Not "the corpus has 0 files", exit 1: nothing was read, so nothing can be contradicted.
    assert (status, out) == (2, "")
    assert err == f"chimera verify: corpus {corpus} cannot be read: Permission denied\n"


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    # pytest's tmp_path is private to its owner; an unprivileged user must reach this one.
    path = Path(tempfile.mkdtemp(prefix="chimera-unreadable-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for folder in path.rglob("*"):
            if folder.is_dir() and not folder.is_symlink():
                folder.chmod(stat.S_IRWXU)
        shutil.rmtree(path)


def _unprivileged() -> list[str]:
    """The prefix that runs a command as a user without root's pass over permissions."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: chmod 000 cannot be seen to work")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_as_a_real_user_an_unreadable_corpus_is_exit_2(shared_dir: Path) -> None:
    prefix = _unprivileged()
    corpus = shared_dir / "c4"
    corpus.mkdir()
    (corpus / "summary.csv").write_bytes(GOOD)
    report = shared_dir / "r.md"
    report.write_text("# R\n\nThe corpus has 1 files.\n", "utf-8")
    report.chmod(0o644)
    corpus.chmod(0o700)  # owned by root, so unreadable to nobody; readable to the owner
    if not prefix:
        corpus.chmod(0)
    done = subprocess.run([*prefix, sys.executable, "-m", "pytest_chimera.cli", "verify",
                           str(report), "--corpus", str(corpus)],
                          capture_output=True, text=True, cwd=REPO, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert (done.returncode, done.stdout) == (2, ""), done.stdout + done.stderr
    assert done.stderr == f"chimera verify: corpus {corpus} cannot be read: Permission denied\n"


# -- a folder below the root ----------------------------------------------------------------


def test_an_unreadable_folder_is_named_in_the_human_output(
    corpus: Path, report: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    refuse(monkeypatch, corpus / "locked")
    status, out, err = verify(capsys, str(report), "--corpus", str(corpus))
    assert (status, err) == (1, "")
    lines = out.splitlines()
    warning = ("WARNING: corpus folder locked could not be read (Permission denied): the files "
               "in it are in no count, so counts may be low")
    assert warning in lines
    # Right above the verdict, where a reader who skips the claims still sees it.
    assert lines[-2] == warning and lines[-1].endswith("— NOT faithful")


def test_an_unreadable_folder_is_listed_in_the_json(
    corpus: Path, report: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    refuse(monkeypatch, corpus / "locked")
    status, out, err = verify(capsys, str(report), "--corpus", str(corpus), "--json")
    assert status == 1
    document = json.loads(out)
    assert document["unreadable"] == [
        {"path": "locked", "reason": "cannot list folder: Permission denied"}]
    # stdout stays one object; the warning goes to stderr as well, for a reader of the terminal.
    assert err == ("chimera verify: warning: corpus folder locked could not be read (Permission "
                   "denied): the files in it are in no count, so counts may be low\n")
    # The contract is unchanged.
    schema = json.loads((REPO / "schemas" / "verdict.schema.json").read_text("utf-8"))
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    assert {(c["text"], c["verdict"]) for c in document["claims"]} >= {
        ("The corpus has 2 files", "contradicted")}


def test_a_wholly_readable_corpus_says_nothing_is_unreadable(
    corpus: Path, report: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = verify(capsys, str(report), "--corpus", str(corpus), "--json")
    assert (status, err) == (0, "")
    assert json.loads(out)["unreadable"] == []
    status, out, err = verify(capsys, str(report), "--corpus", str(corpus))
    assert (status, err) == (0, "") and "WARNING" not in out


def test_an_entry_that_cannot_be_looked_at_is_named_too(
    corpus: Path, report: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real_lstat = os.lstat

    def lstat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if os.fspath(path).endswith("good.csv"):
            raise PermissionError(13, "Permission denied")
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(inventory_module.os, "lstat", lstat)
    status, out, _err = verify(capsys, str(report), "--corpus", str(corpus), "--json")
    assert status == 1
    assert json.loads(out)["unreadable"] == [
        {"path": "good.csv", "reason": "cannot stat: Permission denied"}]


# -- symbolic links ------------------------------------------------------------------------------


def test_a_symlink_in_the_corpus_is_not_counted_as_the_readme_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "real.csv").write_bytes(GOOD)
    (root / "link.csv").symlink_to(root / "real.csv")
    report = tmp_path / "r.md"
    report.write_text("# Report\n\nThe corpus has 2 files.\n", "utf-8")
    status, out, _err = verify(capsys, str(report), "--corpus", str(root), "--json")
    # Never followed, so never counted: a link would count its target twice, or loop.
    assert status == 1
    (count,) = [c for c in json.loads(out)["claims"] if c["kind"] == "count.total"]
    assert (count["verdict"], count["truth"]) == ("contradicted", "the corpus has 1 files")
    # Left out on purpose, not for want of reading: no warning that counts may be low.
    assert json.loads(out)["unreadable"] == []
    readme = (REPO / "README.md").read_text("utf-8")
    (row,) = [line for line in readme.splitlines() if "symlink" in line and line.startswith("|")]
    assert "not counted" in row and "still counted" not in row.split("|")[1]
