"""Write files so that a reader never sees half of one: temp file, fsync, rename.

A run killed at any moment leaves each artifact either complete or absent, and two writers of
the same path (xdist workers) never interleave bytes: the last rename wins whole.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any


def _read_umask() -> int:
    # The only portable way to read the umask is to set it and put it back; done once, at
    # import, so no thread ever creates a file in between.
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


class ArtifactError(Exception):
    """An artifact could not be written; the message names the path and the reason."""


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically, creating parent folders."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArtifactError(f"cannot write {path}: cannot make its folder {path.parent}: "
                            f"{exc.strerror}") from None
    try:
        # The writer's pid in the name lets a later session tell a temporary file left by a
        # killed run (its pid gone) from one being written right now (remove_stale_temps).
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp",
                                    dir=path.parent)
    except OSError as exc:
        raise ArtifactError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates the file 0600; an artifact is for reading, so give it the mode a
        # plain open() would have (0666 less the umask).
        os.chmod(temp, 0o666 & ~_UMASK)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise ArtifactError(f"cannot write {path}: {exc.strerror}") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_json(path: Path, data: Any) -> Path:
    return atomic_write_text(path, json_text(data))


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


def check_writable(folder: Path) -> None:
    """Raise ArtifactError unless files can be created in ``folder`` (made if missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".chimera-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ArtifactError(f"report folder {folder} is not writable: {exc.strerror}") from None
