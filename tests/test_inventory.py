"""The corpus inventory: the sample corpus's facts, and hand-made corpora with awkward files."""

from __future__ import annotations

import os
import stat
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType

import pytest

from pytest_chimera import inventory as inventory_module
from pytest_chimera.inventory import CorpusError, FileInventory, Problem, as_number, scan_corpus

# -- the generated sample corpus ---------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(corpus: Path) -> FileInventory:
    return scan_corpus(corpus)


def test_sample_corpus_counts(sample: FileInventory) -> None:
    assert sample.total_files == 101
    assert sample.count_by_kind() == {"csv": 29, "json": 47, "md": 23, "other": 1, "txt": 1}
    assert sample.count_in_folder("csv_data") == 18
    assert sample.count_in_folder("reports") == 83
    assert sample.count_in_folder("reports", recursive=False) == 31
    assert sample.total_bytes == sum(f.size for f in sample.files) > 0


def test_sample_corpus_latest_modified_and_data_period(sample: FileInventory) -> None:
    latest = sample.latest()
    assert latest is not None
    assert latest.path == "reports/report_20251029.md"
    assert latest.mtime == datetime(2025, 10, 29, 18, 0, tzinfo=UTC)
    summary = sample.summary()
    assert summary["latest_modified"] == "2025-10-29T18:00:00Z"
    assert sample.data_period() == (date(2025, 9, 29), date(2025, 10, 29))
    assert summary["data_period"] == ["2025-09-29", "2025-10-29"]
    earliest_csv = sample.earliest("csv")
    assert earliest_csv is not None and earliest_csv.path.endswith("_20250930.csv")


def test_sample_corpus_lists_its_problems(sample: FileInventory) -> None:
    assert [p.path for p in sample.problems] == [
        "reports/empty.json", "reports/ollama/broken_results.json"]
    reasons = {p.path: p.reason for p in sample.problems}
    assert reasons["reports/empty.json"] == "empty file"
    assert reasons["reports/ollama/broken_results.json"].startswith("malformed JSON at line 1")
    # Unreadable files still exist: they are counted.
    assert sample.has_path("reports/empty.json")


@pytest.mark.parametrize(
    ("path", "name", "location", "first_values"),
    [
        pytest.param("csv_data/ollama_bench_gemma3_12b_20251008.csv", "ttft_s", "column ttft_s",
                     (0.415, 0.485, 0.564), id="csv-column"),
        pytest.param("csv_data/ollama_bench_gemma3_12b_20251008.csv", "tokens_s",
                     "column tokens_s", (17.32, 16.69, 16.96), id="csv-other-column"),
        pytest.param("reports/gemma3/gemma3_270m_bench_20250929_1.md", "mean_tokens_per_second",
                     "table row mean_tokens_per_second", (248.89,), id="markdown-table-row"),
        pytest.param("reports/gemma3/gemma3_270m_bench_20250929_1.json", "ttft_ms",
                     "$.results[*].metrics.ttft_ms", None, id="json-key-path"),
    ],
)
def test_sample_corpus_series_keep_their_file(
    sample: FileInventory, path: str, name: str, location: str,
    first_values: tuple[float, ...] | None,
) -> None:
    found = [s for s in sample.series if s.path == path and s.name == name]
    assert len(found) == 1, [(s.path, s.name) for s in sample.series if s.path == path]
    series = found[0]
    assert series.location == location
    assert series.complete and series.count == len(series.values) >= 1
    assert series.minimum == min(series.values) and series.maximum == max(series.values)
    if first_values is not None:
        assert series.values[: len(first_values)] == first_values


def test_sample_corpus_json_series_match_the_file(sample: FileInventory, corpus: Path) -> None:
    import json

    path = "reports/gemma3/gemma3_270m_bench_20250929_1.json"
    document = json.loads((corpus / path).read_text("utf-8"))
    expected = tuple(float(r["metrics"]["ttft_ms"]) for r in document["results"])
    series = next(s for s in sample.series if s.path == path and s.name == "ttft_ms")
    assert series.values == expected


def test_sample_corpus_is_deterministic(tmp_path: Path, make_corpus: ModuleType,
                                        sample: FileInventory) -> None:
    assert make_corpus.generate(tmp_path / "again") == 101
    again = scan_corpus(tmp_path / "again")
    assert [(f.path, f.size, f.mtime) for f in again.files] == [
        (f.path, f.size, f.mtime) for f in sample.files]


def test_generate_refuses_a_non_empty_folder(tmp_path: Path, make_corpus: ModuleType) -> None:
    (tmp_path / "keep.txt").write_text("mine", "utf-8")
    with pytest.raises(FileExistsError, match="not empty"):
        make_corpus.generate(tmp_path)


# -- restore_mtimes --------------------------------------------------------------------------


def test_restore_mtimes_restamps_generated_files_only(tmp_path: Path,
                                                      make_corpus: ModuleType) -> None:
    root = tmp_path / "corpus"
    make_corpus.generate(root)
    intended = {p: p.stat().st_mtime for p in root.rglob("*") if p.is_file()}
    now = datetime(2030, 1, 1, tzinfo=UTC).timestamp()
    for path in intended:
        os.utime(path, (now, now))
    edited = root / "reports" / "notes.txt"
    edited.write_text("changed by hand\n", "utf-8")
    os.utime(edited, (now, now))
    (root / "extra.csv").write_text("a\n1\n", "utf-8")

    assert make_corpus.restore_mtimes(root) == 100
    for path, mtime in intended.items():
        assert path.stat().st_mtime == (now if path == edited else mtime), path
    latest = scan_corpus(root).latest()
    assert latest is not None and latest.path == "reports/notes.txt"


def test_restore_mtimes_on_a_missing_corpus_stamps_nothing(tmp_path: Path,
                                                           make_corpus: ModuleType) -> None:
    assert make_corpus.restore_mtimes(tmp_path / "nowhere") == 0


# -- small hand-made corpora -----------------------------------------------------------------


def _series(inv: FileInventory) -> dict[tuple[str, str], tuple[float, ...]]:
    return {(s.path, s.name): s.values for s in inv.series}


def test_utf8_bom_does_not_leak_into_the_first_header(tmp_path: Path) -> None:
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbfttft_s,tokens_s\n0.5,10\n")
    (tmp_path / "bom.json").write_bytes(b'\xef\xbb\xbf{"ttft_ms": 12.5}')
    inv = scan_corpus(tmp_path)
    assert _series(inv) == {("bom.csv", "ttft_s"): (0.5,), ("bom.csv", "tokens_s"): (10.0,),
                            ("bom.json", "ttft_ms"): (12.5,)}
    assert inv.problems == ()


def test_latin1_is_read_and_noted(tmp_path: Path) -> None:
    (tmp_path / "latin.csv").write_bytes(b"name,ttft_s\ncaf\xe9,0.25\n")
    inv = scan_corpus(tmp_path)
    assert _series(inv) == {("latin.csv", "ttft_s"): (0.25,)}
    assert inv.problems == (Problem("latin.csv", "not UTF-8; read as Latin-1"),)


def test_nan_and_infinity_in_json_are_not_values(tmp_path: Path) -> None:
    (tmp_path / "nan.json").write_text(
        '{"a": NaN, "b": Infinity, "c": -Infinity, "d": [1.5, NaN, 2.5]}', "utf-8")
    inv = scan_corpus(tmp_path)
    assert _series(inv) == {("nan.json", "d"): (1.5, 2.5)}
    assert inv.problems == ()


@pytest.mark.parametrize("text", ["nan", "inf", "-Infinity", "1e400", "abc", "", "1,2"])
def test_as_number_rejects_what_is_not_a_finite_plain_number(text: str) -> None:
    assert as_number(text) is None


@pytest.mark.parametrize(("text", "value"), [("12", 12.0), (" -0.5 ", -0.5), ("1,234.5", 1234.5),
                                             ("3e2", 300.0), (".25", 0.25)])
def test_as_number_reads_plain_numbers(text: str, value: float) -> None:
    assert as_number(text) == value


def test_binary_behind_a_csv_name_is_counted_not_parsed(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_bytes(b"x,y\n\x00\x01\x02,3\n")
    inv = scan_corpus(tmp_path)
    assert [f.path for f in inv.files] == ["data.csv"]
    assert inv.series == ()
    assert inv.problems == (Problem("data.csv", "binary data behind a .csv name"),)


def test_symlinks_are_listed_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("ttft_s\n9\n", "utf-8")
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "real.csv").write_text("ttft_s\n1\n", "utf-8")
    (root / "folder-link").symlink_to(outside, target_is_directory=True)
    (root / "file-link.csv").symlink_to(outside / "secret.csv")
    inv = scan_corpus(root)
    assert [f.path for f in inv.files] == ["real.csv"]
    assert inv.problems == (Problem("file-link.csv", "symbolic link, not followed"),
                            Problem("folder-link", "symbolic link, not followed"))
    assert _series(inv) == {("real.csv", "ttft_s"): (1.0,)}


def test_special_files_are_listed_as_not_regular(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("this platform has no named pipes")
    os.mkfifo(tmp_path / "pipe")
    inv = scan_corpus(tmp_path)
    assert inv.files == ()
    assert inv.problems == (Problem("pipe", "not a regular file"),)


def test_unreadable_folder_is_a_problem_not_an_error(tmp_path: Path) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("running as root: a folder without permissions is still readable")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.csv").write_text("x\n1\n", "utf-8")
    (tmp_path / "ok.csv").write_text("x\n1\n", "utf-8")
    locked.chmod(0)
    try:
        inv = scan_corpus(tmp_path)
    finally:
        locked.chmod(stat.S_IRWXU)
    assert [f.path for f in inv.files] == ["ok.csv"]
    assert inv.problems == (Problem("locked", "cannot list folder: Permission denied"),)


def test_a_folder_that_cannot_be_listed_is_a_problem(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # The same path as above without needing an unprivileged user.
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "a.csv").write_text("x\n1\n", "utf-8")
    (tmp_path / "ok.csv").write_text("x\n1\n", "utf-8")
    real_scandir = os.scandir

    def scandir(path: os.PathLike[str]) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(inventory_module.os, "scandir", scandir)
    inv = scan_corpus(tmp_path)
    assert [f.path for f in inv.files] == ["ok.csv"]
    assert inv.folders == ("", "locked")
    assert inv.problems == (Problem("locked", "cannot list folder: Permission denied"),)


def test_ragged_csv_rows_are_a_problem_but_their_values_count(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n1,2\n3\n4,5,6\n", "utf-8")
    inv = scan_corpus(tmp_path)
    assert inv.problems == (
        Problem("x.csv", "2 row(s) with a different number of cells than the header"),)
    assert _series(inv) == {("x.csv", "a"): (1.0, 3.0, 4.0), ("x.csv", "b"): (2.0, 5.0)}


def test_dates_come_from_names_and_contents(tmp_path: Path) -> None:
    (tmp_path / "run_20240102.csv").write_text("when,v\n2024-03-04T05:06,1\n", "utf-8")
    (tmp_path / "notes.md").write_text("Measured on 2024-05-06 and 2024-13-01.\n", "utf-8")
    inv = scan_corpus(tmp_path)
    assert inv.data_dates == ((date(2024, 1, 2), "run_20240102.csv"),
                              (date(2024, 3, 4), "run_20240102.csv"),
                              (date(2024, 5, 6), "notes.md"))
    assert inv.data_period() == (date(2024, 1, 2), date(2024, 5, 6))


def test_read_facts_false_counts_without_reading(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n1\n", "utf-8")
    inv = scan_corpus(tmp_path, read_facts=False)
    assert inv.total_files == 1 and inv.series == () and inv.problems == ()


def test_missing_root_is_a_corpus_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(CorpusError, match=f"^corpus folder {missing} does not exist$"):
        scan_corpus(missing)


def test_file_as_root_is_a_corpus_error_naming_it(tmp_path: Path) -> None:
    target = tmp_path / "a.csv"
    target.write_text("x\n1\n", "utf-8")
    with pytest.raises(CorpusError, match=f"^corpus {target} is a file, not a folder$"):
        scan_corpus(target)
