"""The shortcuts the scan takes for speed read exactly what the slow paths read."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from pytest_chimera.inventory import FileRecord, as_number, dates_in_text, scan_corpus


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Only digits, dots, signs and e: float() decides, and must agree with the grammar.
        ("1.e5", 100000.0), (".5e-3", 0.0005), ("+1E+5", 100000.0), ("5.", 5.0), ("-0", 0.0),
        (" 42 ", 42.0), ("1e999", None), (".", None), ("1e", None), ("e5", None),
        ("1.2.3", None), ("--1", None), ("2025-10-01", None), ("+", None), ("", None),
        # Everything else still goes through the regexes.
        ("1,234.5", 1234.5), ("1_000", None), ("nan", None), ("inf", None), ("١٢", 12.0),
    ],
)
def test_as_number_fast_path_agrees_with_the_grammar(text: str, expected: float | None
                                                     ) -> None:
    value = as_number(text)
    if expected is None:
        assert value is None
    else:
        assert value is not None and math.isclose(value, expected)


@pytest.mark.parametrize(
    ("path", "folder", "name"),
    [("a.csv", "", "a.csv"), ("runs/a.csv", "runs", "a.csv"),
     ("reports/ollama/2025/x.json", "reports/ollama/2025", "x.json")],
)
def test_folder_and_name_of_a_record(path: str, folder: str, name: str) -> None:
    record = FileRecord(path=path, kind="csv", size=1, mtime=None)  # type: ignore[arg-type]
    assert (record.folder, record.name) == (folder, name)


def test_dates_in_folder_and_file_names_belong_to_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "2025-10-03_run" / "sub20251104"
    folder.mkdir(parents=True)
    (folder / "r_20251301.md").write_text("x", "utf-8")  # month 13: no date
    (tmp_path / "2025-10-03_run" / "data 2025-10-05.txt").write_text("x", "utf-8")
    inventory = scan_corpus(tmp_path)
    assert inventory.data_dates == (
        (date(2025, 10, 3), "2025-10-03_run/data 2025-10-05.txt"),
        (date(2025, 10, 3), "2025-10-03_run/sub20251104/r_20251301.md"),
        (date(2025, 10, 5), "2025-10-03_run/data 2025-10-05.txt"),
        (date(2025, 11, 4), "2025-10-03_run/sub20251104/r_20251301.md"),
    )
    assert dates_in_text("2025-02-30 and 20250230") == set()


def test_a_csv_with_repeated_dates_and_shared_column_names(tmp_path: Path) -> None:
    rows = ["when,v,v"] + [f"2025-10-{1 + i % 3:02d},{i},{i * 10}" for i in range(30)]
    (tmp_path / "log.csv").write_text("\n".join(rows) + "\n", "utf-8")
    inventory = scan_corpus(tmp_path)
    assert {d for d, _ in inventory.data_dates} == {date(2025, 10, 1), date(2025, 10, 2),
                                                    date(2025, 10, 3)}
    (series,) = inventory.series
    assert series.name == "v" and series.count == 60
    assert (series.minimum, series.maximum) == (0.0, 290.0)
    assert series.total == sum(range(30)) * 11
