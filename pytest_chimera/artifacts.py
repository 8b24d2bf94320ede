"""Write files so that a reader never sees half of one: temp file, fsync, rename.

A run killed at any moment leaves each artifact either complete or absent, and two writers of
the same path (xdist workers) never interleave bytes: the last rename wins whole.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any


class ArtifactError(Exception):
    """An artifact could not be written; the message names the path and the reason.

    ``written`` holds the files of the same call that were written all the same.
    """

    def __init__(self, message: str, written: Sequence[Path] = ()) -> None:
        super().__init__(message)
        self.written = tuple(written)


# Temporary names: ".<name>.<pid>.<n>.tmp". The pid lets a later session tell a file left by a
# killed run (its pid gone) from one being written right now (remove_stale_temps); n keeps two
# writes of one process (two threads, the same path twice) apart.
_TEMP_SERIAL = itertools.count()
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8, newlines as given), creating folders."""
    data = text.encode("utf-8")
    prefix = f"{path.parent}{os.sep}.{path.name}.{os.getpid()}."
    made_folder = False
    attempts = 0
    while True:
        temp = f"{prefix}{next(_TEMP_SERIAL)}.tmp"
        try:
            # 0o666 less the umask: the mode a plain open() gives a new file.
            fd = os.open(temp, _OPEN_FLAGS, 0o666)
            break
        except FileExistsError:
            # A pid of a killed run came round again with its file still there.
            attempts += 1
            if attempts < 100:
                continue
            raise ArtifactError(f"cannot write {path}: no free temporary name") from None
        except (FileNotFoundError, NotADirectoryError):
            if made_folder:
                raise ArtifactError(f"cannot write {path}: its folder {path.parent} "
                                    "disappeared while it was being written") from None
            made_folder = True
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                in_the_way = _file_in_the_way(path.parent)
                if in_the_way is not None:
                    raise ArtifactError(f"cannot write {path}: {in_the_way} is a file, not a "
                                        "folder") from None
                raise ArtifactError(f"cannot write {path}: cannot make its folder "
                                    f"{path.parent}: {exc.strerror}") from None
        except OSError as exc:
            raise ArtifactError(f"cannot write {path}: {exc.strerror}") from None
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except OSError as exc:
        _remove(temp)
        raise ArtifactError(f"cannot write {path}: {exc.strerror}") from None
    except BaseException:
        _remove(temp)
        raise
    return path


def _file_in_the_way(folder: Path) -> Path | None:
    """The file standing where ``folder`` or a folder above it should be, if one does.

    mkdir says "File exists" or "Not a directory" then: the file is what to name.
    """
    for candidate in (folder, *folder.parents):
        if candidate.exists() or candidate.is_symlink():
            return None if candidate.is_dir() else candidate
    return None


def _remove(temp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(temp)


def remove_file(path: Path) -> bool:
    """Remove ``path`` if it is a plain file (never a folder or what a link points at)."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        path.unlink()
    except OSError:
        return False
    return True


def atomic_write_json(path: Path, data: Any) -> Path:
    return atomic_write_text(path, json_text(data))


def atomic_write_texts(files: Sequence[tuple[Path, str | Callable[[], str]]]) -> list[Path]:
    """Write each ``(path, text)`` atomically, side by side; return when all are on disk.

    A text may be given as a function that makes it: the first file's is then made while the
    others are being written.

    Most of an atomic write is waiting on the disk (the fsync, the rename), so the files after
    the first go to a writer thread while this one writes the first: a test's report and run
    record cost one write's wait instead of two. Every file is complete (or absent) when this
    returns, as with one call to :func:`atomic_write_text` each. If any fails, the others are
    still finished, and one ArtifactError names every file that failed (and holds, in
    ``written``, those that did not).
    """
    pending: list[Future[Path]] = [_writer().submit(_write_made, path, text)
                                   for path, text in files[1:]]
    errors: list[str] = []
    written: list[Path] = []
    try:
        if files:
            written.append(_write_made(*files[0]))
    except ArtifactError as exc:
        errors.append(str(exc))
    finally:
        # Whatever happened here (even an error making the first text), the other writes
        # are waited for: none is left running behind the caller's back.
        for future in pending:
            try:
                written.append(future.result())
            except ArtifactError as exc:
                errors.append(str(exc))
    if errors:
        raise ArtifactError("; ".join(errors), written)
    return written


def _write_made(path: Path, text: str | Callable[[], str]) -> Path:
    return atomic_write_text(path, text if isinstance(text, str) else text())


_WRITER: ThreadPoolExecutor | None = None
_WRITER_LOCK = threading.Lock()


def _writer() -> ThreadPoolExecutor:
    global _WRITER
    with _WRITER_LOCK:
        if _WRITER is None:
            # One thread is enough: two files a test. The pool joins it at interpreter exit,
            # so a write in flight is finished, never cut.
            _WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chimera-writer")
        return _WRITER


def json_text(data: Any) -> str:
    """``data`` as JSON, one top-level key per line.

    A reader (or ``grep``, or a diff of two runs) finds each part of a run record on its own
    line, while every value is encoded by the C encoder: ``indent=`` would switch json to its
    pure-Python encoder, which takes a third of a millisecond more per record, every test.
    """
    if not isinstance(data, dict) or not data or not all(isinstance(k, str) for k in data):
        return json.dumps(data, ensure_ascii=False) + "\n"
    encode = json.JSONEncoder(ensure_ascii=False).encode
    body = ",\n".join(f"  {encode(key)}: {encode(value)}" for key, value in data.items())
    return "{\n" + body + "\n}\n"


def safe_name(text: str) -> str:
    """A file-name-safe form of a test id part ("B", "ops-insight", "gemma3:1b")."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return cleaned or "_"


def artifact_paths(report_dir: Path, agent: str, persona: str) -> tuple[Path, Path]:
    """Where one test's Markdown report and JSON run record go."""
    folder = report_dir / safe_name(agent)
    stem = safe_name(persona)
    return folder / f"{stem}.md", folder / f"{stem}.json"


_TEMP_NAME = re.compile(r"^\..+\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.tmp$")


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete the temporary files that writers killed mid-write left in ``folder`` (at any
    depth); returns them. A file whose writer still runs is kept, whoever that writer is."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for candidate in folder.rglob(".*.tmp"):
        match = _TEMP_NAME.match(candidate.name)
        if match is None or not candidate.is_file() or _pid_alive(int(match.group("pid"))):
            continue
        try:
            candidate.unlink()
        except OSError:
            continue  # another session cleaned it first, or it is not ours to remove
        removed.append(candidate)
    return removed


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not a pid a writer could have had: leave the file alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # PermissionError: alive, another user's
    return True


def check_writable(folder: Path, what: str = "report folder") -> None:
    """Raise ArtifactError unless files can be created in ``folder`` (made if missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".chimera-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        in_the_way = _file_in_the_way(folder)
        if in_the_way == folder:
            raise ArtifactError(f"{what} {folder} is a file, not a folder") from None
        reason = f"{in_the_way} is a file, not a folder" if in_the_way else exc.strerror
        raise ArtifactError(f"{what} {folder} is not writable: {reason}") from None
