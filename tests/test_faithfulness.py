"""Claims × the corpus → verdicts: true statements are supported, false ones contradicted with
the truth, uncheckable ones unverifiable.

Statements are written from the sample corpus's own facts (``facts``), so a case reads
"JSON: {json}" rather than a number copied from a run of the checker; "{json_wrong}" is the same
fact made false.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pytest_chimera.faithfulness import (
    CONTRADICTED,
    SUPPORTED,
    UNVERIFIABLE,
    InventoryIndex,
    Verdict,
    verify_text,
)
from pytest_chimera.inventory import FileInventory, MetricSeries, scan_corpus

RUN_DATE = datetime(2025, 11, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample(corpus: Path) -> FileInventory:
    return scan_corpus(corpus)


def _series(inventory: FileInventory, path: str, name: str) -> MetricSeries:
    (found,) = [s for s in inventory.series if s.path == path and s.name == name]
    return found


@pytest.fixture(scope="module")
def facts(sample: FileInventory) -> dict[str, Any]:
    """What the sample corpus holds, as the statements below write it."""
    kinds = sample.count_by_kind()
    latest, earliest, latest_csv = sample.latest(), sample.earliest(), sample.latest("csv")
    period = sample.data_period()
    assert latest and earliest and latest_csv and period
    names = [f.name for f in sample.files]
    gemma_1b = "reports/gemma3/gemma3_1b_bench_20251001_1.json"
    ttft_csv = _series(sample, "csv_data/ollama_bench_gemma3_12b_20251008.csv", "ttft_s")
    found: dict[str, Any] = {
        "total": sample.total_files, "json": kinds["json"], "csv": kinds["csv"],
        "md": kinds["md"], "csv_data": sample.count_in_folder("csv_data"),
        "llama3": sample.count_in_folder("reports/llama3"),
        "folders": len([f for f in sample.folders if f]), "problems": len(sample.problems),
        "conv_bench": len(fnmatch.filter(names, "conv_bench_*.json")),
        "report_md": len(fnmatch.filter(names, "report_*.md")),
        "latest": latest.mtime.date().isoformat(), "latest_path": latest.path,
        "latest_csv": latest_csv.mtime.date().isoformat(),
        "earliest": earliest.mtime.date().isoformat(),
        "period_start": period[0].isoformat(), "period_end": period[1].isoformat(),
        "bytes": sample.total_bytes, "kb": round(sample.total_bytes / 1000),
        "average": round(sample.total_bytes / sample.total_files),
        "csv_data_bytes": sum(f.size for f in sample.files if f.path.startswith("csv_data/")),
        "some_file": sample.files[0].path,
        "mean_ttft_ms": _series(sample, gemma_1b, "mean_ttft_ms").values[0],
        "mean_tokens": _series(sample, gemma_1b, "mean_tokens_per_second").values[0],
        "ttft_max": ttft_csv.maximum, "ttft_mean": round(ttft_csv.mean, 4),
    }
    for key in ("total", "json", "csv", "md", "csv_data", "llama3", "folders", "problems",
                "conv_bench", "report_md", "bytes", "kb", "average", "csv_data_bytes"):
        found[f"{key}_wrong"] = found[key] + 34
    return found


def judge(text: str, inventory: FileInventory, **options: Any) -> list[Verdict]:
    """The verdicts on ``text``'s claims about the corpus (its language aside)."""
    options.setdefault("run_date", RUN_DATE)
    result = verify_text(text, inventory, **options)
    return [v for v in result.verdicts if v.claim.kind != "language"]


def one(text: str, inventory: FileInventory, kind: str, **options: Any) -> Verdict:
    verdicts = judge(text, inventory, **options)
    chosen = [v for v in verdicts if v.claim.kind == kind]
    assert len(chosen) == 1, [(v.claim.kind, v.claim.text, v.message) for v in verdicts]
    return chosen[0]


def case(text: str, kind: str, verdict: str, truth: str | None, *, id: str) -> object:
    return pytest.param(text, kind, verdict, truth, id=id)


# -- every kind: true, false, uncheckable --------------------------------------------------------

CASES = [
    # counts
    case("The corpus contains {total} files.", "count.total", SUPPORTED,
         "the corpus has {total} files", id="total-true"),
    case("The corpus has {total_wrong} files in total.", "count.total", CONTRADICTED,
         "the corpus has {total} files", id="total-false"),
    case("JSON: {json}", "count.type", SUPPORTED, "the corpus has {json} JSON files",
         id="type-label-true"),
    case("JSON: {json_wrong}", "count.type", CONTRADICTED, "the corpus has {json} JSON files",
         id="type-label-false"),
    case("{json_wrong} files are JSON.", "count.type", CONTRADICTED,
         "the corpus has {json} JSON files", id="type-sentence-false"),
    case("{json_wrong} файл - JSON", "count.type", CONTRADICTED,
         "the corpus has {json} JSON files", id="type-russian-false"),
    case("The corpus has {csv} CSV files.", "count.type", SUPPORTED,
         "the corpus has {csv} CSV files", id="type-csv-true"),
    case("- **Markdown:** {md_wrong}", "count.type", CONTRADICTED,
         "the corpus has {md} Markdown files", id="type-bold-bullet-false"),
    case("The csv_data folder holds {csv_data} files.", "count.folder", SUPPORTED,
         "csv_data holds {csv_data} files", id="folder-true"),
    case("- reports/llama3/: {llama3_wrong} files", "count.folder", CONTRADICTED,
         "reports/llama3 holds {llama3} files", id="folder-false"),
    case("The `data/` folder contains 12 files.", "count.folder", CONTRADICTED,
         "the corpus has no folder data", id="folder-that-is-not-there"),
    case("- conv_bench_*.json ({conv_bench})", "count.family", SUPPORTED,
         "{conv_bench} files match conv_bench_*.json", id="family-pattern-true"),
    case("- conv_bench_*.json ({conv_bench_wrong})", "count.family", CONTRADICTED,
         "{conv_bench} files match conv_bench_*.json", id="family-pattern-false"),
    case("- report_*.md: {report_md_wrong}", "count.family", CONTRADICTED,
         "{report_md} files match report_*.md", id="family-pattern-colon-false"),
    case("20 files were slow.", "count.family", UNVERIFIABLE, None,
         id="family-unnamed-unverifiable"),
    case("The corpus is spread over {folders} folders.", "count.folders", SUPPORTED,
         "{folders} folders", id="folders-true"),
    case("The corpus is spread over {folders_wrong} folders.", "count.folders", CONTRADICTED,
         "the corpus has {folders} folders", id="folders-false"),
    case("{problems} files could not be read.", "count.problems", SUPPORTED,
         "{problems} files could not be read", id="unreadable-true"),
    case("{problems_wrong} files could not be read.", "count.problems", CONTRADICTED,
         "{problems} files could not be read", id="unreadable-false"),
    # time
    case("The most recently modified file dates from {latest}.", "time.latest", SUPPORTED,
         "{latest_path}", id="latest-true"),
    case("The most recently modified file dates from 2025-10-05.", "time.latest",
         CONTRADICTED, "the latest modified file is {latest_path}", id="latest-false"),
    case("The latest CSV file was modified on {latest_csv}.", "time.latest", SUPPORTED,
         "the latest modified CSV file", id="latest-per-type-true"),
    case("The latest CSV file was modified on 2025-10-05.", "time.latest", CONTRADICTED,
         "the latest modified CSV file", id="latest-per-type-false"),
    case("The latest file is `{latest_path}`.", "time.latest", SUPPORTED, "{latest_path}",
         id="latest-path-true"),
    case("The latest file is `{some_file}`.", "time.latest", CONTRADICTED, "{latest_path}",
         id="latest-path-false"),
    case("The oldest file was written on {earliest}.", "time.earliest", SUPPORTED,
         "the earliest modified file", id="earliest-true"),
    case("The oldest file was written on 2025-10-20.", "time.earliest", CONTRADICTED,
         "the earliest modified file", id="earliest-false"),
    case("This report was generated on 2025-11-02.", "time.report_date", SUPPORTED,
         "the run date is 2025-11-02T10:00:00Z", id="report-date-true"),
    case("- **Date:** 2024-01-15", "time.report_date", CONTRADICTED,
         "the run date is 2025-11-02T10:00:00Z", id="report-date-false"),
    case("The data covers {period_start} to {period_end}.", "time.period", SUPPORTED,
         "{period_start} to {period_end}", id="period-true"),
    case("The data covers 2025-01-01 to 2025-03-31.", "time.period", CONTRADICTED,
         "{period_start} to {period_end}", id="period-false"),
    case("Most runs happened between 2025-10-10 and 2025-10-12.", "time.period", UNVERIFIABLE,
         "{period_start} to {period_end}", id="period-inside-unverifiable"),
    # sizes
    case("In total the files take up {bytes:,} bytes.", "size.total", SUPPORTED,
         "the files total {bytes:,} bytes", id="size-bytes-true"),
    case("In total the files take up {bytes_wrong:,} bytes.", "size.total", CONTRADICTED,
         "the files total {bytes:,} bytes", id="size-bytes-false"),
    case("The files total about {kb} KB.", "size.total", SUPPORTED,
         "the files total {bytes:,} bytes", id="size-kb-true"),
    case("The corpus occupies 2.5 MB in total.", "size.total", CONTRADICTED,
         "the files total {bytes:,} bytes", id="size-mb-false"),
    case("The average file size is {average} bytes.", "size.average", SUPPORTED,
         "the average file size", id="size-average-true"),
    case("The average file size is {average_wrong} bytes.", "size.average", CONTRADICTED,
         "the average file size", id="size-average-false"),
    case("The csv_data folder totals {csv_data_bytes:,} bytes.", "size.total", SUPPORTED,
         "the files in csv_data total {csv_data_bytes:,} bytes", id="size-folder-true"),
    case("The csv_data folder totals {bytes:,} bytes.", "size.total", CONTRADICTED,
         "the files in csv_data total {csv_data_bytes:,} bytes", id="size-folder-false"),
    # paths
    case("The folder `csv_data/` holds the logs.", "path.exists", SUPPORTED, "folder csv_data",
         id="path-folder-true"),
    case("See `reports/final_summary.md` for the conclusions.", "path.exists", CONTRADICTED,
         "no file or folder reports/final_summary.md", id="path-invented"),
    case("The file `reports/summary_final.md` is missing.", "path.missing", SUPPORTED,
         "no file or folder reports/summary_final.md", id="path-missing-true"),
    case("There is no file `reports/notes.txt`.", "path.missing", CONTRADICTED,
         "file reports/notes.txt", id="path-missing-false"),
    case("Copy `/etc/benchmarks.csv` next to it.", "path.exists", UNVERIFIABLE, None,
         id="path-outside-unverifiable"),
    case("Each run writes `reports/ollama/<run>/results.json`.", "path.exists", UNVERIFIABLE,
         None, id="path-template-unverifiable"),
    # metrics
    case("The mean TTFT was {mean_ttft_ms} ms.", "metric", SUPPORTED,
         "{mean_ttft_ms} ms in reports/gemma3", id="metric-value-true"),
    case("The maximum ttft_s was {ttft_max} s.", "metric", SUPPORTED, "{ttft_max} s",
         id="metric-statistic-true"),
    case("Mean TTFT was {ttft_mean} s.", "metric", SUPPORTED, "(mean)",
         id="metric-mean-of-a-column-true"),
    case("The mean TTFT was 9.9 s.", "metric", CONTRADICTED, "TTFT values in the corpus span",
         id="metric-false"),
    case("Throughput was 2,500 tokens/s.", "metric", CONTRADICTED,
         "Throughput values in the corpus span", id="metric-thousands-false"),
    case("TTFT was below 1 s in every run.", "metric", UNVERIFIABLE, None,
         id="metric-bound-unverifiable"),
    case("TTFT was 20 ms faster than on the first day.", "metric", UNVERIFIABLE, None,
         id="metric-difference-unverifiable"),
    case("It took 5 s.", "metric", UNVERIFIABLE, None, id="metric-untied-unverifiable"),
    case("The heading count was 12.", "metric", UNVERIFIABLE,
         None, id="metric-not-in-the-corpus-unverifiable"),
]


@pytest.mark.parametrize(("text", "kind", "verdict", "truth"), CASES)
def test_verdict_of_each_kind(sample: FileInventory, facts: dict[str, Any], text: str,
                              kind: str, verdict: str, truth: str | None) -> None:
    found = one(text.format(**facts), sample, kind)
    assert found.verdict == verdict, (found.claim.text, found.message)
    if truth is None:
        return
    wanted = truth.format(**facts)
    assert found.truth is not None and wanted in found.truth + " " + found.message, (
        found.truth, found.message)
    if verdict == CONTRADICTED:
        # The message says what is true, not only that the claim is wrong.
        assert found.message and found.truth


def test_misattributed_metric_names_both_metrics(sample: FileInventory,
                                                  facts: dict[str, Any]) -> None:
    # The gemma3:1b run's mean throughput, written as its TTFT.
    found = one(f"The mean TTFT was {facts['mean_tokens']} ms.", sample, "metric")
    assert found.verdict == CONTRADICTED
    assert "misattributed" in found.message
    assert "TTFT" in found.message and "mean_tokens_per_second" in found.message
    assert found.truth is not None and "TTFT values in the corpus span" in found.truth


def test_a_false_metric_is_answered_in_the_time_unit_it_was_given_in(
        sample: FileInventory) -> None:
    in_s = one("The mean ttft_s was 9.9 s.", sample, "metric")
    in_ms = one("The mean ttft_ms was 9900 ms.", sample, "metric")
    assert in_s.verdict == in_ms.verdict == CONTRADICTED
    assert in_s.truth is not None and in_ms.truth is not None
    span = re.search(r"ttft_s values in the corpus span ([\d.]+)–([\d.]+) s$", in_s.truth)
    assert span, in_s.truth
    low, high = (float(part) * 1000 for part in span.groups())
    assert in_ms.truth.endswith(f"ttft_ms values in the corpus span {low:.4g}–{high:.4g} ms"), (
        in_ms.truth)


@pytest.fixture
def ms_column_corpus(tmp_path: Path) -> FileInventory:
    """One CSV whose TTFT column is in ms and named with its unit in brackets."""
    (tmp_path / "runs.csv").write_text("run,TTFT (ms),tokens_s\na,88.6,40.5\nb,91.2,41.7\n")
    return scan_corpus(tmp_path)


@pytest.mark.parametrize(("text", "named"), [
    pytest.param("Throughput was 88.6 tokens/s.", "TTFT (ms)", id="ttft-ms-as-throughput"),
    pytest.param("TTFT was 40.5 ms.", "tokens_s", id="throughput-as-ttft"),
])
def test_misattribution_across_units(ms_column_corpus: FileInventory, text: str,
                                     named: str) -> None:
    found = one(text, ms_column_corpus, "metric")
    assert found.verdict == CONTRADICTED
    assert "misattributed" in found.message and named in found.message, found.message


def test_values_of_a_column_in_ms_are_supported(ms_column_corpus: FileInventory) -> None:
    verdicts = judge("TTFT was 88.6 ms; the mean TTFT was 89.9 ms.", ms_column_corpus)
    assert [(v.claim.value, v.verdict) for v in verdicts] == [(88.6, SUPPORTED),
                                                              (89.9, SUPPORTED)]


@pytest.fixture
def spread_corpus(tmp_path: Path) -> FileInventory:
    """One run whose TTFT statistics all differ: mean 30, median 20, stddev 26.46 or 21.6."""
    (tmp_path / "run.csv").write_text("ttft_ms\n10\n20\n60\n")
    return scan_corpus(tmp_path)


@pytest.mark.parametrize(("text", "verdict", "truth"), [
    pytest.param("The mean TTFT was 30 ms.", SUPPORTED, "30 ms in run.csv column ttft_ms (mean)",
                 id="the-mean-named"),
    pytest.param("The median TTFT was 30 ms.", CONTRADICTED, "TTFT values", id="a-mean-as-median"),
    pytest.param("The p95 TTFT was 30 ms.", CONTRADICTED, "TTFT values", id="a-mean-as-p95"),
    pytest.param("TTFT was 26.5 ms.", CONTRADICTED, "TTFT values", id="a-spread-as-a-value"),
    pytest.param("The mean TTFT was 21.6 ms.", CONTRADICTED, "TTFT values", id="a-spread-as-mean"),
    pytest.param("TTFT had a standard deviation of 26.5 ms.", SUPPORTED,
                 "26.4575 ms in run.csv column ttft_ms (stddev)", id="the-spread-named"),
    pytest.param("The 95th percentile of TTFT was 56 ms.", SUPPORTED,
                 "56 ms in run.csv column ttft_ms (p95)", id="a-percentile-in-words"),
    pytest.param("The fastest TTFT was 10 ms.", SUPPORTED, "10 ms in run.csv", id="an-extreme"),
])
def test_a_statistic_named_must_be_that_statistic(spread_corpus: FileInventory, text: str,
                                                  verdict: str, truth: str) -> None:
    found = one(text, spread_corpus, "metric")
    assert found.verdict == verdict, found.message
    assert found.truth is not None and found.truth.startswith(truth), found.truth


@pytest.mark.parametrize(("text", "kind", "verdict"), [
    pytest.param("- **JSON:** {json_bytes:,} bytes in total, {json_average:.0f} bytes per file "
                 "on average.", "size.average", SUPPORTED, id="average-after-a-total"),
    pytest.param("The average file weighs {average_kb:.1f} KB.", "size.average", SUPPORTED,
                 id="the-average-file-weighs"),
    pytest.param("The average file weighs {wrong_average_kb:.1f} KB.", "size.average",
                 CONTRADICTED, id="the-average-file-weighs-wrong"),
    pytest.param("- **Smallest file:** `reports/empty.json`, which is 0 bytes.", "size.file",
                 SUPPORTED, id="one-named-file"),
    pytest.param("The conversation files total approximately 8.1 KB.", "size.total",
                 UNVERIFIABLE, id="some-of-the-files"),
    pytest.param("| | JSON | Other |\n|---|---|---|\n| Total size | {json_bytes:,} bytes | "
                 "{other_bytes} bytes |", "size.total", SUPPORTED, id="other-in-a-table"),
    pytest.param("The reports folder takes {reports_bytes:,} bytes.", "size.total", SUPPORTED,
                 id="a-folder-takes"),
    pytest.param("The reports folder takes {wrong_reports_bytes:,} bytes.", "size.total",
                 CONTRADICTED, id="a-folder-takes-wrong"),
    pytest.param("Этот отчёт о папке: общий объём этой папки составляет {ollama_bytes} байт.",
                 "size.total", SUPPORTED, id="an-unnamed-folder"),
    pytest.param("The total length of this folder is 8492 bytes.", "size.total", CONTRADICTED,
                 id="an-unnamed-folder-no-folder-has"),
])
def test_sizes_of_averages_single_files_subsets_and_folders(
        sample: FileInventory, text: str, kind: str, verdict: str) -> None:
    json_files = [f for f in sample.files if f.kind == "json"]
    total = sum(f.size for f in sample.files)
    reports = sum(f.size for f in sample.files if f.path.startswith("reports/"))
    filled = text.format(
        json_bytes=sum(f.size for f in json_files),
        json_average=sum(f.size for f in json_files) / len(json_files),
        average_kb=total / len(sample.files) / 1000,
        wrong_average_kb=total / len(sample.files) / 1000 * 3,
        other_bytes=sum(f.size for f in sample.files if f.kind in ("other", "txt")),
        reports_bytes=reports, wrong_reports_bytes=reports * 2,
        ollama_bytes=sum(f.size for f in sample.files if f.path.startswith("reports/ollama/")))
    verdicts = [v for v in judge(filled, sample) if v.claim.kind == kind]
    assert verdicts, [(v.claim.kind, v.claim.text) for v in judge(filled, sample)]
    assert [v.verdict for v in verdicts][-1:] == [verdict], [
        (v.claim.text, v.verdict, v.message) for v in verdicts]


def test_a_models_figure_may_be_pooled_over_its_logs(sample: FileInventory) -> None:
    # The mean over every prompt of the llama3.2:1b logs is no value of any one file.
    values = [v for s in sample.series if "llama32_1b" in s.path and s.name == "ttft_s"
              for v in s.values]
    assert len({s.path for s in sample.series if "llama32_1b" in s.path}) >= 2
    pooled = sum(values) / len(values)
    table = "| Model | TTFT mean (s) |\n|---|---|\n| llama3.2:1b | {:.5f} |"
    found = one(table.format(pooled), sample, "metric")
    assert found.verdict == SUPPORTED and "values of llama3.2:1b" in found.message, found.message
    assert one(table.format(pooled * 7), sample, "metric").verdict == CONTRADICTED


@pytest.mark.parametrize(("text", "verdict"), [
    ("The p95 TTFT of run 20251022_033613 was 0.239 s.", SUPPORTED),
    # 0.249 s is a TTFT of run 20251023_200251, not of this one.
    ("The p95 TTFT of run 20251022_033613 was 0.249 s.", CONTRADICTED),
])
def test_a_run_named_bare_scopes_its_values(sample: FileInventory, text: str,
                                            verdict: str) -> None:
    assert 0.249 in _series(sample, "reports/ollama/20251023_200251/metrics.csv",
                            "ttft_s").values
    found = one(text, sample, "metric")
    assert found.verdict == verdict, found.message


@pytest.fixture
def two_runs(tmp_path: Path) -> FileInventory:
    """Two runs' metrics, in two folders, and a note with no metrics."""
    for run, rows in (("a", "88.6,40.5\n91.2,41.7\n"), ("b", "120.0,38.2\n130.5,37.9\n")):
        (tmp_path / run).mkdir()
        (tmp_path / run / "metrics.csv").write_text("ttft_ms,tokens_s\n" + rows)
    (tmp_path / "notes.md").write_text("# Notes\n\nNothing measured here.\n")
    return scan_corpus(tmp_path)


@pytest.mark.parametrize(("text", "verdict", "truth"), [
    pytest.param("In `a/metrics.csv` TTFT was 91.2 ms.", SUPPORTED, "91.2 ms in a/metrics.csv",
                 id="its-own-value"),
    pytest.param("In `a/metrics.csv` the mean TTFT was 89.9 ms.", SUPPORTED,
                 "89.9 ms in a/metrics.csv column ttft_ms (mean)", id="its-own-mean"),
    pytest.param("In `a/metrics.csv` TTFT was 120.0 ms.", CONTRADICTED,
                 "TTFT values in a/metrics.csv span 88.6–91.2 ms", id="another-files-value"),
    pytest.param("TTFT was 130.5 ms in `a/`.", CONTRADICTED,
                 "TTFT values in a span 88.6–91.2 ms", id="folder"),
    pytest.param("In `a/metrics.csv` TTFT was 40.5 ms.", CONTRADICTED,
                 "TTFT values in a/metrics.csv span 88.6–91.2 ms", id="another-metric"),
    pytest.param("In `b/metrics.csv` TTFT was 120.0 ms.", SUPPORTED, "120 ms in b/metrics.csv",
                 id="the-other-file"),
    pytest.param("In `notes.md` TTFT was 130.5 ms.", SUPPORTED, "130.5 ms in b/metrics.csv",
                 id="a-file-without-metrics"),
    pytest.param("In `c/metrics.csv` TTFT was 130.5 ms.", SUPPORTED, "130.5 ms in b/metrics.csv",
                 id="a-file-not-there"),
    pytest.param("Files such as `a/metrics.csv` show TTFT of 130.5 ms.", SUPPORTED,
                 "130.5 ms in b/metrics.csv", id="an-example-only"),
])
def test_a_value_tied_to_a_file_is_checked_against_that_file(
        two_runs: FileInventory, text: str, verdict: str, truth: str) -> None:
    found = one(text, two_runs, "metric")
    assert (found.verdict, found.truth or "") == (verdict, found.truth or ""), found.message
    assert found.truth is not None and found.truth.startswith(truth), found.truth
    if text.startswith("In `a/metrics.csv` TTFT was 120.0"):
        # Where the value does come from is named.
        assert "120 ms is in b/metrics.csv column ttft_ms (another file" in found.message, (
            found.message)
    if text.endswith("40.5 ms."):
        assert "misattributed" in found.message and "tokens_s" in found.message, found.message


@pytest.mark.parametrize(("text", "wanted"), [
    pytest.param("The corpus holds {low}–{high} files.", [SUPPORTED, SUPPORTED],
                 id="inside"),
    pytest.param("The corpus has between {above} and {far} files.",
                 [CONTRADICTED, SUPPORTED], id="above"),
    pytest.param("The corpus holds from {below_far} to {below} files.",
                 [SUPPORTED, CONTRADICTED], id="below"),
])
def test_count_range_holds_the_truth_or_not(sample: FileInventory, text: str,
                                            wanted: list[str]) -> None:
    total = sample.total_files
    written = text.format(low=total - 5, high=total + 5, above=total + 5, far=total + 20,
                          below_far=total - 20, below=total - 5)
    verdicts = judge(written, sample)
    assert [v.verdict for v in verdicts] == wanted
    assert all(f"the corpus has {total} files" in v.message for v in verdicts)


def test_report_date_without_a_run_date(sample: FileInventory) -> None:
    undated = one("This report was generated on 2025-11-02.", sample, "time.report_date",
                  run_date=None)
    assert undated.verdict == UNVERIFIABLE
    future = one("This report was generated on 2099-01-01.", sample, "time.report_date",
                 run_date=None)
    assert future.verdict == CONTRADICTED and "in the future" in future.message


@pytest.mark.parametrize(("language", "verdict"), [
    pytest.param("ru", SUPPORTED, id="asked-russian"),
    pytest.param("en", CONTRADICTED, id="asked-english"),
])
def test_language_against_the_prompt(sample: FileInventory, language: str,
                                     verdict: str) -> None:
    text = ("Основная часть данных представлена в формате JSON, и это хорошо видно по "
            "структуре папок. Модели работают стабильно.\n")
    result = verify_text(text, sample, expected_language=language)
    (claim,) = [v for v in result.verdicts if v.claim.kind == "language"]
    assert claim.verdict == verdict
    if verdict == CONTRADICTED:
        assert "Russian" in claim.message and "English" in claim.message


def test_too_little_text_has_no_language(sample: FileInventory) -> None:
    result = verify_text("# Files\n", sample)
    assert [(v.claim.kind, v.verdict) for v in result.verdicts] == [("language", UNVERIFIABLE)]


# -- whole reports -----------------------------------------------------------------------------

CORRECT_REPORT = """\
# Benchmark Corpus Report

- **Date:** 2025-11-02T10:00:00Z

## 1. Summary

The corpus contains {total} files spread over {folders} folders. Most of them are JSON
({json} files), followed by CSV ({csv} files) and Markdown ({md} files). The data covers
{period_start} to {period_end}. {problems} files could not be read.

## 2. Files

| Type | Count |
|------|-------|
| JSON | {json} |
| CSV | {csv} |
| Markdown | {md} |

- **conv_bench_*.json:** {conv_bench}
- report_*.md ({report_md})
- The csv_data folder holds {csv_data} files.

## 3. Freshness and size

The most recently modified file is `{latest_path}`, last modified on {latest}. The oldest
file dates from {earliest}. In total the files take up {bytes:,} bytes, about {kb} KB; the
average file size is {average} bytes.

## 4. Performance

The mean TTFT of the gemma3:1b run was {mean_ttft_ms} ms, and its throughput reached
{mean_tokens} tokens/s. The maximum ttft_s was {ttft_max} s.
"""


def test_a_correct_report_has_nothing_contradicted(sample: FileInventory,
                                                   facts: dict[str, Any]) -> None:
    result = verify_text(CORRECT_REPORT.format(**facts), sample, run_date=RUN_DATE)
    wrong = [(v.claim.line, v.claim.text, v.message) for v in result.contradicted]
    assert wrong == []
    assert result.counts[SUPPORTED] >= 20
    assert result.faithfulness == 1.0 and result.faithful()


def test_every_false_number_of_the_report_is_flagged(sample: FileInventory,
                                                     facts: dict[str, Any]) -> None:
    wrong = dict(facts)
    for key in ("total", "json", "csv", "md", "conv_bench", "report_md", "csv_data", "bytes"):
        wrong[key] = facts[f"{key}_wrong"]
    result = verify_text(CORRECT_REPORT.format(**wrong), sample, run_date=RUN_DATE)
    flagged = [v for v in result.contradicted]
    # Each changed number is stated once, except JSON, CSV and Markdown (prose and table).
    assert len(flagged) == 11, [(v.claim.line, v.claim.text) for v in flagged]
    for verdict in flagged:
        assert verdict.truth, verdict
        assert str(int(verdict.claim.value or 0)) not in verdict.truth.split(" (")[0]


def test_faithfulness_is_supported_over_decided(sample: FileInventory,
                                                facts: dict[str, Any]) -> None:
    text = ("The corpus contains {total} files. JSON: {json_wrong}. CSV: {csv}. "
            "20 files were slow.").format(**facts)
    result = verify_text(text, sample)
    tally = {name: sum(v.verdict == name for v in result.verdicts)
             for name in (SUPPORTED, CONTRADICTED, UNVERIFIABLE)}
    assert tally[CONTRADICTED] == 1 and tally[SUPPORTED] >= 2 and tally[UNVERIFIABLE] >= 1
    assert result.faithfulness == pytest.approx(
        tally[SUPPORTED] / (tally[SUPPORTED] + tally[CONTRADICTED]))
    assert not result.faithful() and result.faithful(max_contradicted=1)


def test_a_claim_said_again_is_judged_again_on_its_own_line(sample: FileInventory,
                                                           facts: dict[str, Any]) -> None:
    # A repeated claim is judged once; each repeat still counts and shows its own line.
    text = ("JSON: {json_wrong}\n\nCSV: {csv}\n\nJSON: {json_wrong}\n\n"
            "- JSON: {json_wrong}").format(**facts)
    result = verify_text(text, sample)
    shown = [(v.claim.line, v.claim.text, v.verdict) for v in result.verdicts
             if v.claim.kind != "language"]
    wrong = f"JSON: {facts['json_wrong']}"
    assert shown == [(1, wrong, CONTRADICTED), (3, f"CSV: {facts['csv']}", SUPPORTED),
                     (5, wrong, CONTRADICTED), (7, wrong, CONTRADICTED)]
    first, again = result.contradicted[0], result.contradicted[1]
    assert (again.truth, again.message) == (first.truth, first.message) and first.truth
    assert result.counts[CONTRADICTED] == 3
    assert [result.describe(v).split()[0] for v in result.contradicted] == [
        "report.md:1", "report.md:5", "report.md:7"]


def test_nothing_decided_is_faithful(sample: FileInventory) -> None:
    result = verify_text("Twenty files were slow. It took 5 s.", sample)
    assert result.counts[SUPPORTED] == result.counts[CONTRADICTED] == 0
    assert result.faithfulness == 1.0


def test_index_is_reused_and_its_memory_changes_no_answer(sample: FileInventory,
                                                          facts: dict[str, Any]) -> None:
    index = InventoryIndex.of(sample)
    assert InventoryIndex.of(sample) is index
    text = CORRECT_REPORT.format(**facts)
    first = verify_text(text, sample, run_date=RUN_DATE, index=index)
    again = verify_text(text, sample, run_date=RUN_DATE, index=index)
    fresh = verify_text(text, sample, run_date=RUN_DATE,
                        index=InventoryIndex.of(dataclasses.replace(sample)))
    assert first.verdicts == again.verdicts == fresh.verdicts
