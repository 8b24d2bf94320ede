"""Bad corpora: every case names the file and the reason, and the scan goes on."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from pytest_chimera.inventory import CorpusError, scan_corpus

GOOD = b"name,ttft_s\na,1.5\nb,2.5\n"

# (file name, bytes, expected reason fragment or None when the file must scan clean)
BAD_FILES: list[tuple[str, bytes, str | None]] = [
    ("empty.csv", b"", "empty file"),
    ("binary.csv", b"\x00\x01\x02PK\x00" * 50, "binary data behind a .csv name"),
    ("binary.json", b"\x89PNG\x00\x00\x00" * 50, "binary data behind a .json name"),
    ("truncated.json", b'{"results": [{"ttft_ms": 12', "malformed JSON at line 1"),
    ("broken.json", b"{'single': quotes}", "malformed JSON at line 1 column 2"),
    ("header_only.csv", b"a,b\n", None),
    ("ragged.csv", b"a,b\n1,2\n3\n4,5,6\n", "2 row(s) with a different number of cells"),
    ("nul_in_row.csv", b"a,b\n1,2\n3,\"4\n", None),
    ("latin1.csv", "h\u00e9,x\n1,2\n".encode("latin-1") * 1, "not UTF-8; read as Latin-1"),
    ("bom.csv", b"\xef\xbb\xbfttft_s,x\n1,2\n", None),
    ("nan.json", b'{"a": NaN, "b": Infinity, "c": 3}', None),
    ("\u043e\u0442\u0447\u0451\u0442 \u2014 odd name #1.csv", GOOD, None),
    # Not printable to str.isprintable(), yet harmless: kept as they are, no problem listed.
    ("no\u00a0break \U0001f469\u200d\U0001f4bb.csv", GOOD, None),
    ("cut_mid_row.csv", b"a,b\n1,2\n3", "1 row(s) with a different number of cells"),
    ("giant_field.csv", b'a,b\n"' + b"x" * 200_000 + b'"\n',
     "malformed CSV at line 2: field larger than field limit"),
    ("cut_mid_string.json", b'{"runs": [{"model": "gem',
     "malformed JSON at line 1 column 21: Unterminated string"),
    ("deep.json", b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply to read"),
    # Python's int() refuses over 4300 digits (sys.get_int_max_str_digits()).
    ("long_number.json", b'{"n": ' + b"9" * 5000 + b"}", "JSON number too long to read (over"),
]


@pytest.mark.parametrize(("name", "data", "reason"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_a_bad_file_is_listed_with_its_reason_and_the_scan_goes_on(
    tmp_path: Path, name: str, data: bytes, reason: str | None
) -> None:
    (tmp_path / name).write_bytes(data)
    (tmp_path / "good.csv").write_bytes(GOOD)
    inventory = scan_corpus(tmp_path)
    # Nothing lost: both files are counted, and the good one's values are read.
    assert {f.path for f in inventory.files} == {name, "good.csv"}
    assert [s.values for s in inventory.series if s.path == "good.csv"] == [(1.5, 2.5)]
    reasons = [p.reason for p in inventory.problems if p.path == name]
    if reason is None:
        assert reasons == []
    else:
        assert any(reason in r for r in reasons), reasons
    assert all(p.path == name for p in inventory.problems)


def test_nan_and_infinity_never_become_values(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text('{"a": NaN, "b": -Infinity, "c": 3}')
    (tmp_path / "m.csv").write_text("x,y\nnan,inf\n1,-Infinity\n")
    inventory = scan_corpus(tmp_path)
    values = {(s.path, s.name): s.values for s in inventory.series}
    assert values == {("m.json", "c"): (3.0,), ("m.csv", "x"): (1.0,)}


def test_bom_does_not_reach_the_column_name(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_bytes(b"\xef\xbb\xbfttft_s\n1\n")
    assert [s.name for s in scan_corpus(tmp_path).series] == ["ttft_s"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "nope", "does not exist"),
        (lambda p: (p / "f.csv").write_text("a\n") and p / "f.csv", "is a file, not a folder"),
    ],
    ids=["missing", "file-not-folder"],
)
def test_a_corpus_that_cannot_start_names_itself(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    root = make(tmp_path)
    with pytest.raises(CorpusError) as info:
        scan_corpus(root)
    assert str(root) in str(info.value) and message in str(info.value)


def test_an_empty_folder_is_an_empty_inventory(tmp_path: Path) -> None:
    inventory = scan_corpus(tmp_path)
    assert inventory.files == () and inventory.problems == ()


def test_symlink_loop_and_outside_link_are_listed_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("x\n42\n")
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "loop").symlink_to(corpus)
    (corpus / "escape.csv").symlink_to(outside / "secret.csv")
    (corpus / "escape_dir").symlink_to(outside)
    inventory = scan_corpus(corpus)
    assert inventory.files == ()
    assert {(p.path, p.reason) for p in inventory.problems} == {
        ("sub/loop", "symbolic link, not followed"),
        ("escape.csv", "symbolic link, not followed"),
        ("escape_dir", "symbolic link, not followed"),
    }
    assert all(42.0 not in s.values for s in inventory.series)


def test_unreadable_file_is_named_with_its_reason(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "locked.csv"
    target.write_bytes(GOOD)
    (tmp_path / "good.csv").write_bytes(GOOD)
    if os.geteuid() != 0:
        target.chmod(0)
    else:
        # root reads through chmod 000; make open() refuse this one file instead.
        import builtins
        real_open = builtins.open

        def refusing_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
            if Path(file) == target:
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", refusing_open)
    try:
        inventory = scan_corpus(tmp_path)
    finally:
        target.chmod(0o644)
    assert [(p.path, p.reason) for p in inventory.problems] == [
        ("locked.csv", "cannot read: Permission denied")]
    assert {f.path for f in inventory.files} == {"locked.csv", "good.csv"}


def test_100000_files_are_all_counted_and_a_bad_one_among_them_named(tmp_path: Path) -> None:
    for folder_number in range(100):
        folder = tmp_path / f"d{folder_number:02d}"
        folder.mkdir()
        for file_number in range(1000):
            # os.open, not Path.write_text: a third of the time for 100,000 files.
            os.close(os.open(folder / f"f{file_number}.txt", os.O_CREAT | os.O_WRONLY, 0o644))
    (tmp_path / "d42" / "f7.txt").unlink()
    (tmp_path / "d42" / "f7.csv").write_bytes(b"\x00\x01" * 10)
    inventory = scan_corpus(tmp_path)
    assert inventory.total_files == 100_000
    assert len(inventory.folders) == 101
    assert inventory.count_by_kind() == {"txt": 99_999, "csv": 1}
    assert [(p.path, p.reason) for p in inventory.problems] == [
        ("d42/f7.csv", "binary data behind a .csv name")]


def test_big_csv_is_streamed_with_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    def peak_for(rows: int) -> int:
        path = tmp_path / f"big{rows}" / "big.csv"
        path.parent.mkdir()
        with open(path, "w") as handle:
            handle.write("a,b\n")
            line = "1.25,2.5\n"
            for _ in range(rows // 10_000):
                handle.write(line * 10_000)
        tracemalloc.start()
        inventory = scan_corpus(path.parent)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert [s.count for s in inventory.series] == [rows, rows]
        return peak

    small, large = peak_for(110_000), peak_for(440_000)
    # Past MAX_VALUES_PER_SERIES only running sums grow: 10x the rows, not 10x the memory.
    assert large < small * 2, (small, large)


def test_a_1_gib_csv_with_an_endless_line_is_read_in_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    # A real 1 GiB file: 3,000 good rows (past the binary sniff), then a hole of NUL bytes
    # with no newline, as a crashed writer or a preallocated log leaves. Sparse: the test
    # writes 12 KB.
    path = tmp_path / "runs.csv"
    with open(path, "wb") as handle:
        handle.write(b"a,b\n" + b"1,2\n" * 3000)
        handle.truncate(2**30)
    tracemalloc.start()
    try:
        inventory = scan_corpus(tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Nothing lost: the file is counted at its size and the rows before the hole are read.
    assert inventory.total_bytes == 2**30
    assert {(s.name, s.count, s.total) for s in inventory.series} == {("a", 3000, 3000.0),
                                                                       ("b", 3000, 6000.0)}
    assert [(p.path, p.reason) for p in inventory.problems] == [
        ("runs.csv", "CSV line 3002 is over 1,048,576 characters; values from it on not read")]
    assert peak < 32 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_names_that_are_not_utf8_or_hold_control_characters_are_escaped(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path)
    os.mkdir(os.path.join(folder, b"caf\xe9"))
    with open(os.path.join(folder, b"caf\xe9", b"run\xff.csv"), "wb") as handle:
        handle.write(GOOD)
    (tmp_path / "two\nlines.json").write_text('{"tokens_s": 40.5}')
    inventory = scan_corpus(tmp_path)
    shown = ["caf\\xe9/run\\xff.csv", "two\\x0alines.json"]
    reason = "name has control characters or bytes that are not UTF-8; shown with \\x escapes"
    assert [f.path for f in inventory.files] == shown
    assert [(p.path, p.reason) for p in inventory.problems] == [(p, reason) for p in shown]
    assert inventory.folders == ("", "caf\\xe9")
    # Nothing lost: each file is still read by its real name.
    assert {(s.path, s.name): s.values for s in inventory.series} == {
        (shown[0], "ttft_s"): (1.5, 2.5), (shown[1], "tokens_s"): (40.5,)}
    # Every name can go into a UTF-8 artifact (this raised UnicodeEncodeError before) and
    # onto one line of the Markdown report.
    summary = inventory.summary()
    assert json.loads(json.dumps(summary, ensure_ascii=False).encode("utf-8")) == summary
    assert sorted(summary["sample_paths"]) == shown


def test_an_unreadable_folder_is_named_and_the_rest_is_scanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "hidden.csv").write_bytes(GOOD)
    (tmp_path / "good.csv").write_bytes(GOOD)
    real_scandir = os.scandir
    locked = str(tmp_path / "locked")

    def refusing_scandir(path: Any = ".") -> Any:
        # chmod 000 does not stop root; refuse this one folder the way the kernel would.
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refusing_scandir)
    inventory = scan_corpus(tmp_path)
    monkeypatch.undo()
    assert [(p.path, p.reason) for p in inventory.problems] == [
        ("locked", "cannot list folder: Permission denied")]
    assert [f.path for f in inventory.files] == ["good.csv"]
    assert "locked" in inventory.folders
