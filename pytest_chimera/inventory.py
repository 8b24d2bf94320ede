"""Scan a corpus of benchmark artifacts into a :class:`FileInventory`: the ground truth.

The inventory records every regular file (path, type, size, modification time), the numeric
values found under CSV columns, JSON keys and Markdown table rows together with the file they
came from, and the dates the data speaks of. Files that cannot be read or parsed stay counted
(they exist) and are listed in ``problems`` with the reason.

Nothing here follows a symbolic link or reads outside the corpus root. CSV files are streamed,
so a very large file costs time, not memory: past ``MAX_VALUES_PER_SERIES`` values a series keeps
running statistics only.
"""

from __future__ import annotations

import copy
import csv
import functools
import gc
import io
import json
import math
import os
import re
import stat
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

KINDS = {".csv": "csv", ".json": "json", ".md": "md", ".markdown": "md", ".txt": "txt"}
MAX_VALUES_PER_SERIES = 100_000
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_TEXT_BYTES = 16 * 1024 * 1024
SNIFF_BYTES = 8192
# A CSV line is read at most this many characters at a time: a "CSV" of one endless line (a
# dump with no newlines, a sparse file's hole) would otherwise be read whole into memory.
MAX_CSV_LINE_CHARS = 1 << 20

_ISO_DATE = re.compile(r"\b(20\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:[T ]\d\d:\d\d)?")
_COMPACT_DATE = re.compile(r"(?<!\d)(20\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")
_THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?")
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")
_PLAIN_NUMBER_CHARS = "0123456789.eE+-"
# Distinct cell texts remembered per CSV so a repeated date is parsed once.
_SEEN_CELLS = 10_000


# The reasons of problems whose entries are missing from every count: a folder that cannot
# be listed hides all it holds, and an entry that cannot be looked at is not known to be a file.
CANNOT_LIST = "cannot list folder"
CANNOT_STAT = "cannot stat"


class CorpusError(Exception):
    """The corpus as a whole cannot be scanned (missing, not a folder, unreadable)."""


class _LineTooLong(Exception):
    """A CSV line runs past MAX_CSV_LINE_CHARS."""


@dataclass(frozen=True)
class FileRecord:
    """One regular file of the corpus."""

    path: str  # relative to the corpus root, POSIX separators
    kind: str  # csv, json, md, txt or other
    size: int  # bytes
    mtime: datetime  # UTC

    # The path is relative, POSIX and normalised (scan_corpus builds it): splitting at the
    # last "/" is what PurePosixPath would do, at a twentieth of the cost, and the prompt
    # builder asks every record for its folder in every test.
    @property
    def folder(self) -> str:
        return self.path.rpartition("/")[0]

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]


@dataclass(frozen=True)
class Problem:
    """A file (or folder) the scan could not use fully, and why."""

    path: str
    reason: str


@dataclass
class _SeriesBuilder:
    values: list[float] = field(default_factory=list)
    count: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf

    def add(self, value: float) -> None:
        if len(self.values) < MAX_VALUES_PER_SERIES:
            self.values.append(value)
        self.count += 1
        self.total += value
        self.total_sq += value * value
        # Comparisons, not min()/max(): this runs once per value of a 50 MB CSV.
        if value < self.minimum:
            self.minimum = value
        if value > self.maximum:
            self.maximum = value


@dataclass(frozen=True)
class MetricSeries:
    """The numeric values one file holds under one name (a CSV column, a JSON key path)."""

    name: str  # the column header or the last JSON key, as written in the file
    path: str  # the file, relative to the corpus root
    location: str  # "column ttft_s", "$.results[*].metrics.ttft_ms", "table row mean_ttft_ms"
    values: tuple[float, ...]  # at most MAX_VALUES_PER_SERIES of them, in file order
    count: int
    total: float
    total_sq: float
    minimum: float
    maximum: float

    @property
    def mean(self) -> float:
        return self.total / self.count

    @property
    def complete(self) -> bool:
        """Whether every value is kept (percentiles need all of them)."""
        return len(self.values) == self.count


_Derived = TypeVar("_Derived")


def per_inventory(derive: Callable[[FileInventory], _Derived]) -> Callable[[FileInventory],
                                                                           _Derived]:
    """Compute ``derive(inventory)`` once per inventory and keep it on the inventory.

    An inventory never changes once scanned, so anything derived from it holds for its whole
    life; every test of a session shares one inventory, and asks the same questions of it.
    The result is shared: ``derive`` must return something nobody mutates (tuples, frozen
    data), or callers must copy it.
    """
    key = f"_derived {derive.__module__}.{derive.__qualname__}"

    @functools.wraps(derive)
    def cached(inventory: FileInventory) -> _Derived:
        # The dataclass is frozen, so the value goes straight into the instance's __dict__,
        # as functools.cached_property does; fields, equality and repr never see it.
        try:
            value: _Derived = inventory.__dict__[key]
        except KeyError:
            value = inventory.__dict__[key] = derive(inventory)
        return value

    return cached


@dataclass(frozen=True)
class FileInventory:
    """What a corpus really holds. Every count and date a report states is checked against this."""

    root: str
    files: tuple[FileRecord, ...]
    folders: tuple[str, ...]  # every folder below the root, relative, POSIX; "" is the root
    series: tuple[MetricSeries, ...] = ()
    data_dates: tuple[tuple[date, str], ...] = ()  # (a date the data speaks of, the file)
    problems: tuple[Problem, ...] = ()
    scanned_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    # -- counts ------------------------------------------------------------------------------
    @property
    def total_files(self) -> int:
        return len(self.files)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def count_by_kind(self) -> dict[str, int]:
        counts = Counter(f.kind for f in self.files)
        return dict(sorted(counts.items()))

    def count_in_folder(self, folder: str, *, recursive: bool = True) -> int:
        folder = folder.strip("/")
        if recursive:
            prefix = folder + "/" if folder else ""
            return sum(1 for f in self.files if f.path.startswith(prefix))
        return sum(1 for f in self.files if f.folder == folder)

    def latest(self, kind: str | None = None) -> FileRecord | None:
        chosen = [f for f in self.files if kind is None or f.kind == kind]
        return max(chosen, key=lambda f: (f.mtime, f.path)) if chosen else None

    def earliest(self, kind: str | None = None) -> FileRecord | None:
        chosen = [f for f in self.files if kind is None or f.kind == kind]
        return min(chosen, key=lambda f: (f.mtime, f.path)) if chosen else None

    def has_path(self, path: str) -> bool:
        clean = path.strip().strip("/")
        if clean in ("", "."):
            return True
        return clean in self._paths() or clean in set(self.folders)

    def _paths(self) -> frozenset[str]:
        return frozenset(f.path for f in self.files)

    @property
    def unreadable(self) -> tuple[Problem, ...]:
        """The folders that could not be listed and the entries that could not be looked at.

        Whatever they hold is in no count, so a count of the corpus may be low by that much;
        a reader of any verdict on a count must be told.
        """
        return tuple(p for p in self.problems if p.reason.startswith((CANNOT_LIST, CANNOT_STAT)))

    def data_period(self) -> tuple[date, date] | None:
        """The first and last date the data speaks of (None without one)."""
        return _data_period(self)

    def summary(self) -> dict[str, Any]:
        """A JSON-able digest: what the harness writes in the report's data summary."""
        # A copy: each test's run record owns its digest.
        return copy.deepcopy(_summary(self))


@per_inventory
def _data_period(inventory: FileInventory) -> tuple[date, date] | None:
    # Every time claim of every report asks; the data's dates are many.
    if not inventory.data_dates:
        return None
    days = [d for d, _ in inventory.data_dates]
    return min(days), max(days)


@per_inventory
def _summary(inventory: FileInventory) -> dict[str, Any]:
    latest = inventory.latest()
    period = inventory.data_period()
    top = Counter(f.path.split("/", 1)[0] if "/" in f.path else "." for f in inventory.files)
    return {
        "root": inventory.root,
        "total_files": inventory.total_files,
        "total_bytes": inventory.total_bytes,
        "files_by_type": inventory.count_by_kind(),
        "files_by_top_folder": dict(sorted(top.items())),
        "folders": len([f for f in inventory.folders if f]),
        "latest_modified": latest.mtime.strftime("%Y-%m-%dT%H:%M:%SZ") if latest else None,
        "latest_modified_path": latest.path if latest else None,
        "data_period": [period[0].isoformat(), period[1].isoformat()] if period else None,
        "sample_paths": sample_paths(inventory.files),
        "problems": [{"path": p.path, "reason": p.reason} for p in inventory.problems],
    }


def sample_paths(files: Iterable[FileRecord], per_kind: int = 2) -> list[str]:
    """A few paths of each kind, newest first, so a reader sees what the corpus looks like."""
    by_kind: dict[str, list[FileRecord]] = defaultdict(list)
    for record in files:
        by_kind[record.kind].append(record)
    chosen: list[str] = []
    for kind in sorted(by_kind):
        newest = sorted(by_kind[kind], key=lambda f: (f.mtime, f.path), reverse=True)
        chosen.extend(f.path for f in newest[:per_kind])
    return chosen


# -- scanning ---------------------------------------------------------------------------------


def scan_corpus(root: str | os.PathLike[str], *, read_facts: bool = True) -> FileInventory:
    """Walk ``root`` and build its inventory. Raises :class:`CorpusError` if it cannot start."""
    base = Path(root)
    try:
        info = base.stat()
    except FileNotFoundError:
        raise CorpusError(f"corpus folder {base} does not exist") from None
    except OSError as exc:
        raise CorpusError(f"corpus folder {base} cannot be read: {exc.strerror}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise CorpusError(f"corpus {base} is a file, not a folder")

    files: list[FileRecord] = []
    folders: list[str] = [""]
    problems: list[Problem] = []
    raw_paths: dict[str, str] = {}  # escaped path -> the real one, for odd names
    dates: set[tuple[date, str]] = set()
    # This loop runs once per file of corpora of 100,000 files: it is kept to plain local
    # operations (bench/bench_inventory.py holds it to 3x ``find``).
    # Its 100,000 records would set off dozens of collections that can free nothing (the
    # records hold no cycles): pausing the collector saves a few per cent of the scan.
    with _collector_paused():
        from_timestamp, utc, kinds = datetime.fromtimestamp, UTC, KINDS
        lstat = os.lstat
        for folder, descriptor, names in _walk(base, problems, folders):
            prefix = f"{folder}/" if folder else ""
            where = base / folder
            # A date in a folder name belongs to every file below; a date never spans a "/".
            folder_dates = dates_in_text(folder) if "20" in folder else ()
            for name in names:
                rel = prefix + name
                if not rel.isprintable() and printable_path(rel) != rel:
                    # Undecodable bytes (surrogates) or control characters: artifacts and
                    # prompts get an escaped, encodable name; the file is read by its own.
                    shown = printable_path(rel)
                    raw_paths[shown] = rel
                    problems.append(Problem(shown, "name has control characters or bytes "
                                                   "that are not UTF-8; shown with \\x escapes"))
                    rel = shown
                try:
                    st = (lstat(name, dir_fd=descriptor) if descriptor is not None
                          else lstat(where / name))
                except OSError as exc:
                    problems.append(Problem(rel, f"{CANNOT_STAT}: {exc.strerror}"))
                    continue
                # os.path.splitext's reading: the last dot, unless only dots come before it.
                dot = name.rfind(".")
                kind = (kinds.get(name[dot:].lower(), "other")
                        if dot > 0 and (name[0] != "." or name[:dot].strip(".")) else "other")
                files.append(FileRecord(rel, kind, st.st_size, from_timestamp(st.st_mtime, utc)))
                for day in folder_dates:
                    dates.add((day, rel))
                if "20" in name:
                    for day in dates_in_text(name):
                        dates.add((day, rel))
    files.sort(key=lambda f: f.path)
    folders.sort()

    series: list[MetricSeries] = []
    if read_facts:
        for record in files:
            if record.kind in ("csv", "json", "md"):
                _read_facts(base, record, series, dates, problems,
                            raw_paths.get(record.path, record.path))
    return FileInventory(
        root=printable_path(str(base)),
        files=tuple(files),
        folders=tuple(folders),
        series=tuple(series),
        data_dates=tuple(sorted(dates)),
        problems=tuple(sorted(problems, key=lambda p: p.path)),
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# With the folder open, each file's stat resolves one name relative to it (fstatat) instead of
# the whole path again: a tenth of the scan on a deep tree.
_STAT_DIR_FD = os.stat in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _walk(
    base: Path, problems: list[Problem], folders: list[str]
) -> Iterator[tuple[str, int | None, list[str]]]:
    """Each folder below ``base`` (relative, "" for the root), an open descriptor of it (None
    where the platform has no ``dir_fd``) and the names of its regular files.

    The descriptor is closed when the next folder is asked for. A folder below the root that
    cannot be listed is a problem; the root itself is a :class:`CorpusError`.
    """
    # Explicit stack instead of recursion: a 100,000-file tree may be deep.
    stack = [""]
    while stack:
        current = stack.pop()
        where = base / current if current else base
        descriptor: int | None = None
        try:
            if _STAT_DIR_FD:
                # The root may be a link the user named; a folder below is never followed.
                flags = os.O_RDONLY | os.O_DIRECTORY | (_NOFOLLOW if current else 0)
                descriptor = os.open(where, flags)
            with os.scandir(where) as entries:
                listing = list(entries)
        except OSError as exc:
            if descriptor is not None:
                os.close(descriptor)
            if not current:
                # Without the root's listing there is no corpus to speak of: an empty inventory
                # would make every true count of the report read as contradicted.
                raise CorpusError(f"corpus {base} cannot be read: {exc.strerror}") from None
            problems.append(Problem(printable_path(current),
                                    f"{CANNOT_LIST}: {exc.strerror}"))
            continue
        try:
            prefix = f"{current}/" if current else ""
            regular = []
            for entry in listing:
                try:
                    if entry.is_file(follow_symlinks=False):
                        regular.append(entry.name)
                    elif entry.is_symlink():
                        problems.append(Problem(printable_path(prefix + entry.name),
                                                "symbolic link, not followed"))
                    elif entry.is_dir(follow_symlinks=False):
                        child = prefix + entry.name
                        folders.append(printable_path(child))
                        stack.append(child)
                    else:
                        problems.append(Problem(printable_path(prefix + entry.name),
                                                "not a regular file"))
                except OSError as exc:
                    problems.append(Problem(printable_path(prefix + entry.name),
                                            f"{CANNOT_STAT}: {exc.strerror}"))
            yield current, descriptor, regular
        finally:
            if descriptor is not None:
                os.close(descriptor)


def printable_path(path: str) -> str:
    """``path`` safe to print, encode as UTF-8 and put on one Markdown line: each byte that was
    not UTF-8 (a surrogate escape), control character and line break becomes an escape."""
    if path.isprintable():
        return path
    out = []
    for char in path:
        code = ord(char)
        # isprintable() is also False for harmless characters (no-break space, the joiner of
        # emoji sequences): only these four categories break an encoder or a line.
        if char.isprintable() or unicodedata.category(char) not in ("Cc", "Cs", "Zl", "Zp"):
            out.append(char)
        elif 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)


def dates_in_text(text: str) -> set[date]:
    found: set[date] = set()
    for pattern in (_ISO_DATE, _COMPACT_DATE):
        for year, month, day in pattern.findall(text):
            parsed = _day(year, month, day)
            if parsed is not None:
                found.add(parsed)
    return found


@functools.lru_cache(maxsize=4096)
def _day(year: str, month: str, day: str) -> date | None:
    # A corpus repeats the same few hundred dates in thousands of names and cells.
    try:
        return date(int(year), int(month), int(day))
    except ValueError:  # 2025-02-30
        return None


def _read_facts(
    base: Path,
    record: FileRecord,
    series: list[MetricSeries],
    dates: set[tuple[date, str]],
    problems: list[Problem],
    raw_path: str,
) -> None:
    path = base / raw_path
    if record.size == 0:
        problems.append(Problem(record.path, "empty file"))
        return
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as exc:
        problems.append(Problem(record.path, f"cannot read: {exc.strerror}"))
        return
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append(Problem(record.path, f"binary data behind a .{record.kind} name"))
        return
    encoding = _encoding_of(head)
    builders: dict[tuple[str, str], _SeriesBuilder] = {}
    try:
        if record.kind == "csv":
            _csv_facts(path, encoding, builders, dates, record, problems)
        elif record.kind == "json":
            _json_facts(path, encoding, builders, dates, record, problems)
        else:
            _markdown_facts(path, encoding, builders, dates, record, problems)
    except OSError as exc:
        problems.append(Problem(record.path, f"cannot read: {exc.strerror}"))
        return
    for (name, location), builder in builders.items():
        if builder.count:
            series.append(MetricSeries(
                name=name, path=record.path, location=location, values=tuple(builder.values),
                count=builder.count, total=builder.total, total_sq=builder.total_sq,
                minimum=builder.minimum, maximum=builder.maximum,
            ))


def _encoding_of(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sniff window is still UTF-8.
        if exc.start < len(head) - 4:
            return "latin-1"
    return "utf-8-sig"


def _note_encoding(encoding: str, record: FileRecord, problems: list[Problem]) -> None:
    if encoding == "latin-1":
        problems.append(Problem(record.path, "not UTF-8; read as Latin-1"))


def as_number(text: str) -> float | None:
    """A finite float when ``text`` is a plain number (thousands separators allowed)."""
    cleaned = text.strip()
    if cleaned and not cleaned.strip(_PLAIN_NUMBER_CHARS):
        # Only ASCII digits, dots, signs and e: here float() accepts exactly what _NUMBER
        # matches (no "_", "inf" or "nan" can occur), at a fraction of the cost of the regexes.
        try:
            value = float(cleaned)
        except ValueError:
            return None
        return value if math.isfinite(value) else None
    if _THOUSANDS.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    if not _NUMBER.match(cleaned):
        return None
    value = float(cleaned)
    return value if math.isfinite(value) else None


def _csv_facts(
    path: Path,
    encoding: str,
    builders: dict[tuple[str, str], _SeriesBuilder],
    dates: set[tuple[date, str]],
    record: FileRecord,
    problems: list[Problem],
) -> None:
    _note_encoding(encoding, record, problems)
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        reader = csv.reader(_bounded_lines(handle))
        try:
            header = next(reader)
        except StopIteration:
            problems.append(Problem(record.path, "CSV has no header row"))
            return
        except csv.Error as exc:
            problems.append(Problem(record.path, f"malformed CSV: {exc}"))
            return
        except _LineTooLong:
            problems.append(Problem(record.path, f"CSV header line is over "
                                    f"{MAX_CSV_LINE_CHARS:,} characters; not read"))
            return
        names = [h.strip() for h in header]
        width = len(names)
        # The builder of each column, looked up once (two columns may share a name).
        columns: list[_SeriesBuilder | None] = [None] * width
        seen: set[str] = set()
        short_rows = 0
        line = 1
        try:
            # line is read after the loop too: it names where a malformed row stopped it.
            for line, row in enumerate(reader, start=2):  # noqa: B007
                if len(row) != width:
                    short_rows += 1
                for column, cell in zip(range(width), row, strict=False):
                    value = as_number(cell)
                    if value is not None and names[column]:
                        builder = columns[column]
                        if builder is None:
                            name = names[column]
                            builder = columns[column] = builders.setdefault(
                                (name, f"column {name}"), _SeriesBuilder())
                        builder.add(value)
                    elif len(cell) >= 8 and "20" in cell and cell not in seen:
                        if len(seen) < _SEEN_CELLS:
                            seen.add(cell)
                        dates.update((d, record.path) for d in dates_in_text(cell))
        except csv.Error as exc:
            problems.append(Problem(record.path, f"malformed CSV at line {line + 1}: {exc}"))
        except _LineTooLong:
            problems.append(Problem(
                record.path, f"CSV line {reader.line_num + 1} is over {MAX_CSV_LINE_CHARS:,} "
                "characters; values from it on not read"))
        if short_rows:
            problems.append(Problem(
                record.path, f"{short_rows} row(s) with a different number of cells than the header"
            ))


def _bounded_lines(handle: io.TextIOBase) -> Iterator[str]:
    """The lines of ``handle``, raising _LineTooLong at one past MAX_CSV_LINE_CHARS."""
    for line in iter(functools.partial(handle.readline, MAX_CSV_LINE_CHARS), ""):
        if len(line) == MAX_CSV_LINE_CHARS and line[-1] not in "\r\n":
            raise _LineTooLong
        yield line


def _json_facts(
    path: Path,
    encoding: str,
    builders: dict[tuple[str, str], _SeriesBuilder],
    dates: set[tuple[date, str]],
    record: FileRecord,
    problems: list[Problem],
) -> None:
    if record.size > MAX_JSON_BYTES:
        problems.append(Problem(
            record.path, f"JSON of {record.size / 2**20:.0f} MiB is over the "
            f"{MAX_JSON_BYTES // 2**20} MiB parse limit; counted, values not read"))
        return
    _note_encoding(encoding, record, problems)
    text = path.read_bytes().decode(encoding, errors="replace")
    try:
        document = json.loads(text, parse_constant=lambda _: None)
    except json.JSONDecodeError as exc:
        problems.append(Problem(
            record.path, f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"))
        return
    except RecursionError:
        problems.append(Problem(record.path, "JSON nested too deeply to read"))
        return
    except ValueError:
        # Bad syntax is a JSONDecodeError, caught above; a plain ValueError is int() refusing
        # a number of more digits than sys.get_int_max_str_digits() allows.
        problems.append(Problem(record.path, f"JSON number too long to read (over "
                                             f"{sys.get_int_max_str_digits()} digits)"))
        return
    except OverflowError as exc:
        problems.append(Problem(record.path, f"JSON not read: {exc}"))
        return
    _walk_json(document, "$", None, builders, dates, record.path)


def _walk_json(
    node: Any,
    where: str,
    key: str | None,
    builders: dict[tuple[str, str], _SeriesBuilder],
    dates: set[tuple[date, str]],
    path: str,
) -> None:
    stack: list[tuple[Any, str, str | None]] = [(node, where, key)]
    while stack:
        value, at, name = stack.pop()
        if isinstance(value, dict):
            for child_key, child in reversed(list(value.items())):
                stack.append((child, f"{at}.{child_key}", str(child_key)))
        elif isinstance(value, list):
            for child in reversed(value):
                stack.append((child, f"{at}[*]", name))
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, (int, float)):
            if name is not None and math.isfinite(value):
                builder = builders.get((name, at))
                if builder is None:
                    builder = builders[(name, at)] = _SeriesBuilder()
                builder.add(float(value))
        elif isinstance(value, str) and len(value) >= 8:
            dates.update((d, path) for d in dates_in_text(value))


_TABLE_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


def _markdown_facts(
    path: Path,
    encoding: str,
    builders: dict[tuple[str, str], _SeriesBuilder],
    dates: set[tuple[date, str]],
    record: FileRecord,
    problems: list[Problem],
) -> None:
    _note_encoding(encoding, record, problems)
    with open(path, "rb") as handle:
        raw = handle.read(MAX_TEXT_BYTES)
    text = raw.decode(encoding, errors="replace")
    dates.update((d, record.path) for d in dates_in_text(text))
    header: list[str] | None = None
    for line in io.StringIO(text):
        match = _TABLE_ROW.match(line)
        if not match:
            header = None
            continue
        cells = [c.strip() for c in match.group(1).split("|")]
        if _TABLE_RULE.match(line):
            continue
        if header is None:
            header = cells
            continue
        # A two-column "name | value" table names the metric in its first cell; a wider
        # table names it in the header.
        if len(cells) == 2 and as_number(cells[1]) is not None and as_number(cells[0]) is None:
            value = as_number(cells[1])
            assert value is not None
            builders.setdefault((cells[0], f"table row {cells[0]}"), _SeriesBuilder()).add(value)
            continue
        for name, cell in zip(header, cells, strict=False):
            value = as_number(cell)
            if value is not None and name:
                builders.setdefault((name, f"table column {name}"), _SeriesBuilder()).add(value)
