"""Report text → claims: the kind, value and line of every phrasing the checker reads.

The hints are the sample corpus's own (its folders, file-name tokens and metric names), as
``chimera verify`` passes them; each case states only the fields that matter to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_chimera.claims import Claim, Hints, claims_in_lines, extract_claims, metric_group
from pytest_chimera.faithfulness import InventoryIndex
from pytest_chimera.inventory import scan_corpus
from pytest_chimera.report import parse_report


@pytest.fixture(scope="module")
def hints(corpus: Path) -> Hints:
    return InventoryIndex.of(scan_corpus(corpus)).hints


@dataclass(frozen=True)
class Want:
    """The fields of one expected claim; None means "not checked"."""

    kind: str
    value: float | None = None
    line: int = 1
    unit: str | None = None
    subject: str | None = None
    qualifier: str | None = None
    when: str | None = None
    filters: tuple[tuple[str, str], ...] | None = None

    def seen_in(self, claim: Claim) -> bool:
        return claim.kind == self.kind and claim.line == self.line and all(
            wanted is None or wanted == getattr(claim, name)
            for name, wanted in (("value", self.value), ("unit", self.unit),
                                 ("subject", self.subject), ("qualifier", self.qualifier),
                                 ("when", self.when), ("filters", self.filters)))


def claims_of(text: str, hints: Hints) -> list[Claim]:
    return claims_in_lines(enumerate(text.splitlines(), start=1), hints)


def shown(claims: list[Claim]) -> list[tuple[int, str, float | None, str, str, str]]:
    return [(c.line, c.kind, c.value, c.unit, c.subject, c.text) for c in claims]


def check(text: str, wanted: list[Want], hints: Hints) -> None:
    claims = claims_of(text, hints)
    for want in wanted:
        assert any(want.seen_in(c) for c in claims), (want, shown(claims))
    # Nothing of the checked kinds beyond what is wanted: no claim read twice, none invented.
    kinds = {w.kind.split(".")[0] for w in wanted}
    extra = [c for c in claims if c.kind.split(".")[0] in kinds
             and not any(w.seen_in(c) for w in wanted)]
    assert extra == [], shown(extra)


def case(text: str, *wanted: Want, id: str) -> object:
    return pytest.param(text, list(wanted), id=id)


# -- counts ------------------------------------------------------------------------------------

JSON = (("kind", "json"),)


@pytest.mark.parametrize(("text", "wanted"), [
    case("JSON: 81", Want("count.type", 81, subject="json", filters=JSON), id="label-colon"),
    case("81 files are JSON.", Want("count.type", 81, subject="json"), id="n-files-are-kind"),
    case("The corpus has 44 JSON files.", Want("count.type", 44, subject="json"),
         id="n-kind-files"),
    case("- conv_bench_*.json (81)",
         Want("count.family", 81, subject="conv_bench_*.json",
              filters=(("pattern", "conv_bench_*.json"),)), id="pattern-then-parenthesis"),
    case("- report_*.md: 20", Want("count.family", 20, subject="report_*.md"),
         id="pattern-colon"),
    case("1b models: 22 files", Want("count.family", 22, subject="1b",
                                     filters=(("token", "1b"),)), id="name-token-files"),
    case("There are 20 conv_bench files, one per day.",
         Want("count.family", 20, subject="conv_bench"), id="code-name-files"),
    case("The corpus contains 101 files.", Want("count.total", 101, unit="files", filters=()),
         id="total-contains"),
    case("Total files: 101", Want("count.total", 101), id="total-label"),
    case("The csv_data folder holds 18 files.",
         Want("count.folder", 18, subject="csv_data", filters=(("folder", "csv_data"),)),
         id="folder-holds"),
    case("- `reports/` (83 files)", Want("count.folder", 83, subject="reports"),
         id="folder-path-parenthesis"),
    case("- reports/gemma3: 10 files", Want("count.folder", 10, subject="reports/gemma3"),
         id="nested-folder-colon"),
    case("The corpus is spread over 16 folders.",
         Want("count.folders", 16, unit="folders", qualifier=""), id="folders-not-a-bound"),
    case("Two files could not be read.",
         Want("count.problems", 2, filters=(("problems", "unreadable"),)), id="unreadable"),
    case("- **Markdown:** 23", Want("count.type", 23, subject="md"), id="bold-bullet"),
    case("**JSON files**: 47", Want("count.type", 47, subject="json"), id="bold-label"),
    case("Files by type: csv 29, json 47.",
         Want("count.type", 29, subject="csv"), Want("count.type", 47, subject="json"),
         id="type-list"),
    case("There are twenty-nine CSV files.", Want("count.type", 29, subject="csv"),
         id="words-hyphenated"),
    case("The corpus has a hundred and one files.", Want("count.total", 101),
         id="words-hundred-and-one"),
    case("Forty-seven files are JSON.", Want("count.type", 47, subject="json"),
         id="words-at-sentence-start"),
    case("The corpus holds 1,234 files in total.", Want("count.total", 1234),
         id="thousands-separator"),
    case("About 47% of the files are JSON.",
         Want("count.type", 47, unit="%", subject="json", qualifier="about"),
         id="percentage-share"),
    case("JSON files make up 60% of the corpus.", Want("count.type", 60, unit="%"),
         id="percentage-make-up"),
    case("Over 200 files were scanned.", Want("count.total", 200, qualifier="over"),
         id="qualifier-over"),
    case("81 файл - JSON", Want("count.type", 81, subject="json"), id="russian-dash-kind"),
    case("CSV-файлов: 29", Want("count.type", 29, subject="csv"), id="russian-glued-kind"),
    case("Всего в корпусе 101 файл.", Want("count.total", 101), id="russian-total"),
    case("Der Korpus enthält 101 Dateien, davon 29 CSV-Dateien.",
         Want("count.total", 101), Want("count.type", 29, subject="csv"), id="german"),
    case("There are no txt files.", Want("count.type", 0, subject="txt"), id="no-files"),
    case("The corpus holds 90–110 files.",
         Want("count.total", 90, qualifier="at least"),
         Want("count.total", 110, qualifier="at most"), id="range-dash"),
    case("The corpus has between 90 and 110 files.",
         Want("count.total", 90, qualifier="at least"),
         Want("count.total", 110, qualifier="at most"), id="range-between"),
    case("Between 40% and 50% of the files are JSON.",
         Want("count.type", 40, unit="%", qualifier="at least"),
         Want("count.type", 50, unit="%", qualifier="at most"), id="range-percent"),
    case("The corpus has 47 JSON and 29 CSV files.",
         Want("count.type", 47, subject="json", qualifier=""),
         Want("count.type", 29, subject="csv", qualifier=""), id="and-is-not-a-range"),
    case("## 3. 47 JSON files", Want("count.type", 47, subject="json"),
         id="numbered-heading-counts-after-its-number"),
    case("## 12 JSON files", Want("count.type", 12, subject="json"),
         id="heading-count-without-a-section-number"),
    case("20 files were slow.",
         Want("count.family", 20, filters=(("unresolved", "were slow"),)),
         id="unresolved-words-kept"),
    case("Each folder holds 5 files.", Want("count.family", 5, filters=(("per", "item"),)),
         id="per-item"),
    case("The table lists the mean of one metric per file.",
         Want("count.family", 1, filters=(("per", "item"), ("unresolved", "metric"))),
         id="of-a-number-per-file-is-not-the-whole"),
    case("The corpus has 4 folders of interest: reports, runs and logs.",
         Want("count.folders", 4, filters=(("unresolved", "of interest"),)),
         id="folders-of-interest-are-a-choice-not-the-count"),
    case("We found 12 files worth reading.",
         Want("count.family", 12, filters=(("unresolved", "worth reading"),)),
         id="files-worth-reading-are-a-choice-not-the-count"),
])
def test_count_phrasings(text: str, wanted: list[Want], hints: Hints) -> None:
    check(text, wanted, hints)


def test_count_table_rows_are_claims_on_their_own_lines(hints: Hints) -> None:
    text = "| Type | Count |\n|------|-------|\n| JSON | 47 |\n| CSV | 29 |\n| Markdown | 23 |"
    check(text, [Want("count.type", 47, line=3, subject="json"),
                 Want("count.type", 29, line=4, subject="csv"),
                 Want("count.type", 23, line=5, subject="md")], hints)


def test_folder_table_reads_the_label_as_the_folder(hints: Hints) -> None:
    text = "| Folder | Files |\n|---|---|\n| csv_data | 18 |\n| reports/compilation | 9 |"
    check(text, [Want("count.folder", 18, line=3, subject="csv_data"),
                 Want("count.folder", 9, line=4, subject="reports/compilation")], hints)


# -- time --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "wanted"), [
    case("The most recently modified file dates from 2025-10-29.",
         Want("time.latest", when="2025-10-29", unit="date", filters=()), id="latest-overall"),
    case("The latest CSV file was modified on 2025-10-24.",
         Want("time.latest", when="2025-10-24", filters=(("kind", "csv"),)),
         id="latest-per-type"),
    case("The newest CSV file was modified at 2025-10-29 01:36 UTC.",
         Want("time.latest", when="2025-10-29T01:36:00+00:00", unit="minute"),
         id="latest-with-time-and-zone"),
    case("The latest file is `reports/report_20251029.md`.",
         Want("time.latest", when="", subject="reports/report_20251029.md"),
         id="latest-names-a-file"),
    case("The oldest file was written on 2025-09-29.",
         Want("time.earliest", when="2025-09-29"), id="earliest"),
    case("- **Date:** 2025-11-02", Want("time.report_date", when="2025-11-02"),
         id="report-date-bullet"),
    case("This report was generated on 2 November 2025.",
         Want("time.report_date", when="2025-11-02"), id="report-date-named-month"),
    case("Дата отчёта: 2 ноября 2025 г.", Want("time.report_date", when="2025-11-02"),
         id="report-date-russian"),
    case("Generated on 2025-11-02.", Want("time.report_date", when="2025-11-02"),
         id="report-date-bare-verb"),
    case("At the time of writing (2 November 2025), the newest file is four days old.",
         Want("time.report_date", when="2025-11-02"),
         id="time-of-writing-is-not-the-newest-file"),
    case("The data covers 2025-09-29 to 2025-10-29.",
         Want("time.period", when="2025-09-29/2025-10-29", qualifier="overall"),
         id="period-iso"),
    case("The data spans September 29 to October 29, 2025.",
         Want("time.period", when="2025-09-29/2025-10-29"), id="period-borrowed-year"),
    case("The benchmarks ran from 29.09.2025 to 29.10.2025.",
         Want("time.period", when="2025-09-29/2025-10-29", qualifier=""),
         id="period-dotted-ends-a-sentence"),
    case("The data spans from September 2025 to October 2025.",
         Want("time.period", when="2025-09/2025-10", unit="month"), id="period-months"),
    case("Data period: 2025-09-29 – 2025-10-29.",
         Want("time.period", when="2025-09-29/2025-10-29"), id="period-en-dash"),
])
def test_time_phrasings(text: str, wanted: list[Want], hints: Hints) -> None:
    check(text, wanted, hints)


# -- sizes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "wanted"), [
    case("In total the files take up 42,106 bytes.",
         Want("size.total", 42106, unit="B"), id="bytes-thousands"),
    case("The files total about 41 KB.",
         Want("size.total", 41, unit="kB", qualifier="about"), id="kilobytes-about"),
    case("Total size: 41.1 KiB", Want("size.total", 41.1, unit="KiB"), id="kibibytes"),
    case("The corpus occupies 2.5 MB in total.", Want("size.total", 2.5, unit="MB"),
         id="megabytes"),
    case("The average file size is 0.4 KB.", Want("size.average", 0.4, unit="kB"),
         id="average"),
    case("The JSON files total 25 KB.",
         Want("size.total", 25, filters=(("kind", "json"),)), id="per-type"),
    case("The total length of this folder is 8492 bytes.",
         Want("size.total", 8492, unit="B"), id="bytes-spelled-out"),
    case("The csv_data folder totals 10,095 bytes.",
         Want("size.total", 10095, subject="csv_data",
              filters=(("folder", "csv_data"),)), id="per-folder"),
    case("CSV files: 16 KB", Want("size.total", 16, filters=(("kind", "csv"),)),
         id="label-colon"),
    case("Files by category: 6593 bytes or 8004 MB",
         Want("size.total", 6593, unit="B"), Want("size.total", 8004, unit="MB"),
         id="restated-in-another-unit"),
    case("The files total 40–45 KB.",
         Want("size.total", 40, unit="kB", qualifier="at least"),
         Want("size.total", 45, unit="kB", qualifier="at most"), id="range"),
])
def test_size_phrasings(text: str, wanted: list[Want], hints: Hints) -> None:
    check(text, wanted, hints)


def test_a_letter_b_is_not_a_size(hints: Hints) -> None:
    assert [c for c in claims_of("Agent B ran 3 B tests in total.", hints)
            if c.kind.startswith("size")] == []


# -- paths -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "wanted"), [
    case("The folder `csv_data/` exists.", Want("path.exists", subject="csv_data/"),
         id="backticked-folder"),
    case("See reports/notes.txt for the notes.",
         Want("path.exists", subject="reports/notes.txt"), id="bare-file"),
    case("The file `reports/summary_final.md` is missing.",
         Want("path.missing", subject="reports/summary_final.md"), id="is-missing"),
    case("There is no file `reports/notes.txt`.",
         Want("path.missing", subject="reports/notes.txt"), id="there-is-no-file"),
])
def test_path_phrasings(text: str, wanted: list[Want], hints: Hints) -> None:
    check(text, wanted, hints)


def test_a_path_in_a_table_row_is_one_claim(hints: Hints) -> None:
    path = "csv_data/ollama_bench_gemma3_12b_20251008.csv"
    text = ("| File | TTFT s | Load s | Eval s |\n|---|---|---|---|\n"
            f"| `{path}` | 0.415 | 6.321 | 6.205 |")
    claims = claims_of(text, hints)
    assert [(c.line, c.subject) for c in claims if c.kind == "path.exists"] == [(3, path)]
    assert [(c.subject, c.value) for c in claims if c.kind == "metric"] == [
        ("ttft", 0.415), ("load", 6.321), ("eval", 6.205)]


@pytest.mark.parametrize(("folder", "kinds"), [
    pytest.param("csv_data", ["count.folder"], id="in-the-corpus-counted-once"),
    pytest.param("data", ["count.folder", "path.exists"], id="not-in-the-corpus-also-a-path"),
])
def test_a_folder_a_count_counts_is_a_path_claim_only_when_unknown(
    hints: Hints, folder: str, kinds: list[str],
) -> None:
    claims = claims_of(f"The `{folder}/` folder contains 12 files.", hints)
    assert [c.kind for c in claims] == kinds
    assert {c.subject.strip("/") for c in claims} == {folder}


# -- metrics -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "wanted"), [
    case("The mean TTFT was 88.6 ms.",
         Want("metric", 88.6, unit="ms", subject="ttft", qualifier="mean"), id="mean-ttft-ms"),
    case("Throughput for gemma3:1b reached 139.24 tokens/s.",
         Want("metric", 139.24, unit="tok/s", subject="throughput"), id="throughput"),
    case("Throughput was 2,500 tokens/s.", Want("metric", 2500, unit="tok/s"),
         id="thousands-separator"),
    case("The p95 TTFT was 0.07 s.", Want("metric", 0.07, unit="s", qualifier="p95"),
         id="percentile"),
    case("The maximum ttft_s was 0.564 s.",
         Want("metric", 0.564, subject="ttft", qualifier="max"), id="column-name"),
    case("Mean tokens_s was 17.46.",
         Want("metric", 17.46, unit="tok/s", subject="throughput", qualifier="mean"),
         id="column-name-without-unit"),
    case("The standard deviation of the compile time was 3.1 s.",
         Want("metric", 3.1, subject="compile", qualifier="stddev"), id="stddev"),
    case("TTFT ranged from 0.415 to 0.564 s.",
         Want("metric", 0.415, unit="s", subject="ttft"),
         Want("metric", 0.564, unit="s", subject="ttft"), id="range"),
    case("The mean load_s was 0.577 s, ranging from 0.565 to 0.589 s.",
         Want("metric", 0.577, unit="s", subject="load"),
         Want("metric", 0.565, unit="s", subject="load"),
         Want("metric", 0.589, unit="s", subject="load"), id="range-after-a-value"),
    case("The mean TTFT was 0.5 s (range 415 to 564 ms).",
         Want("metric", 0.5, unit="s", subject="ttft"),
         Want("metric", 415, unit="ms", subject="ttft"),
         Want("metric", 564, unit="ms", subject="ttft"), id="range-in-another-unit"),
    case("TTFT was 0.5043 s, 45% faster.",
         Want("metric", 0.5043, unit="s", subject="ttft", qualifier=""),
         Want("metric", 45, unit="%", subject=""), id="percentage-is-not-the-metric"),
    case("TTFT was 20 ms faster than on the first day.",
         Want("metric", 20, subject="ttft", qualifier="delta"), id="difference-after"),
    case("The TTFT gain was 20 ms.", Want("metric", 20, qualifier="delta"),
         id="difference-before"),
    case("TTFT was below 1 s in every run.", Want("metric", 1, qualifier="bound"),
         id="bound"),
    case("It took 5 s.", Want("metric", 5, unit="s", subject=""), id="untied-measurement"),
    case("Скорость генерации составила 139.24 ток/с.",
         Want("metric", 139.24, subject="throughput"), id="russian-throughput"),
    case("Средняя задержка была 88.6 мс.",
         Want("metric", 88.6, unit="ms", subject="latency", qualifier="mean"),
         id="russian-latency-ms"),
])
def test_metric_phrasings(text: str, wanted: list[Want], hints: Hints) -> None:
    check(text, wanted, hints)


def test_metric_table_cells_take_their_column(hints: Hints) -> None:
    text = "| Model | TTFT (ms) | tok/s |\n|---|---|---|\n| gemma3:1b | 88.6 | 139.24 |"
    check(text, [Want("metric", 88.6, line=3, unit="ms", subject="ttft"),
                 Want("metric", 139.24, line=3, unit="tok/s", subject="throughput")], hints)


def test_a_metric_column_names_the_metric_of_each_rows_numbers(hints: Hints) -> None:
    text = ("| File | Metric | Mean | Min | Max |\n|---|---|---|---|---|\n"
            "| `reports/a/metrics.csv` | tokens_s | 101.5 | 80 | 120.2 |\n"
            "| `reports/b/metrics.csv` | TTFT (ms) | 88.6 | 51.1 | 134.7 |")
    check(text, [Want("metric", 101.5, line=3, unit="tok/s", subject="throughput",
                      qualifier="mean"),
                 Want("metric", 80, line=3, unit="tok/s", subject="throughput", qualifier="min"),
                 Want("metric", 120.2, line=3, unit="tok/s", subject="throughput",
                      qualifier="max"),
                 Want("metric", 88.6, line=4, unit="ms", subject="ttft", qualifier="mean"),
                 Want("metric", 51.1, line=4, unit="ms", subject="ttft", qualifier="min"),
                 Want("metric", 134.7, line=4, unit="ms", subject="ttft", qualifier="max")],
          hints)
    named = {(c.line, c.name) for c in claims_of(text, hints) if c.kind == "metric"}
    assert named == {(3, "tokens_s"), (4, "TTFT")}


@pytest.mark.parametrize(("text", "scopes"), [
    pytest.param("In `reports/a/metrics.csv` the mean TTFT was 88.6 ms.",
                 ["reports/a/metrics.csv"], id="in-path"),
    pytest.param("TTFT was 88.6 ms in the file `reports/a/metrics.csv`.",
                 ["reports/a/metrics.csv"], id="path-after"),
    pytest.param("`reports/a/metrics.csv`: TTFT 88.6 ms, ranging from 80 to 95.5 ms.",
                 ["reports/a/metrics.csv"] * 3, id="range-ends-too"),
    pytest.param("| File | TTFT (ms) |\n|---|---|\n| `reports/a/metrics.csv` | 88.6 |",
                 ["reports/a/metrics.csv"], id="table-row"),
    pytest.param("In `reports/a/` TTFT was 88.6 ms.", ["reports/a/"], id="folder"),
    pytest.param("Files such as `reports/a/metrics.csv` show TTFT of 88.6 ms.", [""],
                 id="an-example"),
    pytest.param("`reports/a/metrics.csv` and the other runs have TTFT of 88.6 ms.", [""],
                 id="one-of-several"),
    pytest.param("`reports/a/metrics.csv` and `reports/b/metrics.csv` have TTFT of 88.6 ms.",
                 [""], id="two-paths"),
    pytest.param("In `reports/a/metrics.csv` TTFT was 88.6 ms, and in `reports/b/metrics.csv` "
                 "TTFT was 91 ms.", ["reports/a/metrics.csv", "reports/b/metrics.csv"],
                 id="each-its-own"),
    pytest.param("The newest file is `reports/a/metrics.csv`. TTFT was 88.6 ms.", [""],
                 id="another-sentence"),
])
def test_a_metric_value_is_scoped_to_the_file_the_sentence_ties_it_to(
        text: str, scopes: list[str], hints: Hints) -> None:
    found = [c.scope for c in claims_of(text, hints) if c.kind == "metric"]
    assert found == scopes, [(c.text, c.scope) for c in claims_of(text, hints)]


@pytest.mark.parametrize(("text", "wanted"), [
    case("The llama3 folder holds 7 files: 4 JSON files and 3 Markdown files.",
         Want("count.folder", 7, subject="llama3"),
         Want("count.folder", 4, subject="llama3",
              filters=(("kind", "json"), ("folder", "llama3"))),
         Want("count.folder", 3, subject="llama3",
              filters=(("kind", "md"), ("folder", "llama3"))), id="after-the-folder"),
    case("In `reports/compilation/` there are 5 JSON files.",
         Want("count.folder", 5, subject="reports/compilation",
              filters=(("kind", "json"), ("folder", "reports/compilation"))), id="in-a-path"),
    case("Папка reports/gemma3: 10 файлов, из них 6 JSON.",
         Want("count.folder", 10, subject="reports/gemma3"),
         Want("count.folder", 6, subject="reports/gemma3",
              filters=(("kind", "json"), ("folder", "reports/gemma3"))), id="russian"),
    case("The llama3 folder holds 7 files, while the corpus has 47 JSON files.",
         Want("count.folder", 7, subject="llama3"),
         Want("count.type", 47, subject="json"), id="back-to-the-corpus"),
    case("The llama3 folder holds 7 files. There are 47 JSON files.",
         Want("count.folder", 7, subject="llama3"),
         Want("count.type", 47, subject="json"), id="another-sentence"),
])
def test_a_count_by_type_after_a_folder_counts_in_that_folder(
        text: str, wanted: list[Want], hints: Hints) -> None:
    check(text, wanted, hints)


@pytest.mark.parametrize("text", [
    "The first weekly note is dated 2025-10-01, the last one 2025-10-29.",
    "The summary was written on 2025-10-29.",
])
def test_a_file_dated_or_written_on_a_day_does_not_date_the_report(text: str,
                                                                    hints: Hints) -> None:
    assert [c.kind for c in claims_of(text, hints) if c.kind.startswith("time")] == []


@pytest.mark.parametrize("text", [
    "- **Four-billion model:** gemma3:4b reached 47.73 tok/s in its CSV log of 12 October.",
    "Throughput was 47.73 tok/s in the run of October 12.",
])
def test_a_day_of_a_month_without_a_year_is_no_number(text: str, hints: Hints) -> None:
    check(text, [Want("metric", 47.73, unit="tok/s", subject="throughput")], hints)


@pytest.mark.parametrize(("text", "wanted"), [
    pytest.param("### 3.1 Throughput by model", [], id="a-subsection-number"),
    pytest.param("44.62 tok/s: the gemma3:4b runs, roughly 5.6 times slower than the 270m run.",
                 [("metric", 44.62, "")], id="a-ratio"),
    pytest.param("agent_b reached 136.35 tok/s in week 1 and 126.65 tok/s in week 4.",
                 [("metric", 136.35, ""), ("metric", 126.65, "")], id="a-week-number"),
    pytest.param("Conversations peak at 267.85 tokens/s on turn 3.",
                 [("metric", 267.85, "")], id="a-turn-number"),
    pytest.param("The 270m runs average roughly 250 tokens/s, nearly twice the ~125-139 tokens/s "
                 "of the 1B models.", [("metric", 250.0, ""), ("metric", 125.0, ""),
                                       ("metric", 139.0, "")], id="a-model-size-in-B"),
    pytest.param("baseline peaked at 149.69 tok/s (week of 10/06/2025).",
                 [("metric", 149.69, "")], id="a-date-day-or-month-first"),
    pytest.param("The newest file was modified on 10/29/2025.",
                 [("time.latest", None, "2025-10-29")], id="a-us-date"),
    pytest.param("The newest file was modified on 29/10/2025.",
                 [("time.latest", None, "2025-10-29")], id="a-day-first-date"),
    pytest.param("Latest run folder: `reports/ollama/20251029_013627` (started "
                 "2025-10-29T01:36:27Z)", [("path.exists", None, "")], id="a-folders-run"),
    pytest.param("The oldest CSV was last modified on 30 September 2025.",
                 [("time.earliest", None, "2025-09-30")], id="was-last-modified"),
    pytest.param("Die mittlere TTFT lag bei 0,137 s.", [("metric", 0.137, "")],
                 id="a-decimal-comma-after-zero"),
])
def test_what_is_no_figure_and_what_dates_what(text: str, wanted: list[tuple[str, float | None,
                                                                            str]],
                                                hints: Hints) -> None:
    found = [(c.kind, c.value, c.when) for c in claims_of(text, hints)]
    assert found == wanted, shown(claims_of(text, hints))


@pytest.mark.parametrize(("text", "wanted"), [
    pytest.param("Nearly half of the files (47) are JSON.",
                 [Want("count.type", 47, filters=(("kind", "json"),))], id="a-share-then-its-kind"),
    pytest.param("Just under half of the artifacts (forty-seven of them) are JSON.",
                 [Want("count.type", 47, filters=(("kind", "json"),))], id="in-words"),
    pytest.param("Roughly a fifth of the files — twenty, to be exact — belong to one family.",
                 [Want("count.family", 20, filters=(("unresolved", "share"),))],
                 id="a-share-of-something-unnamed"),
    pytest.param("Most of the 101 files are JSON.", [Want("count.total", 101)],
                 id="the-whole-after-most-of"),
])
def test_a_share_of_the_files_is_not_the_total(text: str, wanted: list[Want],
                                               hints: Hints) -> None:
    check(text, wanted, hints)


def test_a_count_counts_the_label_next_to_it_not_the_category(hints: Hints) -> None:
    table = ("| Category | Subcategory | Count |\n|---|---|---|\n"
             "| Runs | metrics.csv | 10 |\n|  | summary.md | 6 |\n"
             "| Exports | ollama_bench CSV | 13 |")
    counts = [(c.line, c.kind, c.value, c.subject) for c in claims_of(table, hints)
              if c.kind.startswith("count")]
    assert counts == [(3, "count.family", 10, "metrics.csv"), (4, "count.family", 6, "summary.md"),
                      (5, "count.family", 13, "ollama_bench")], shown(claims_of(table, hints))


def test_a_unitless_corpus_name_does_not_take_a_number_in_tok_s(hints: Hints) -> None:
    # "turn" is a column of the corpus (a turn number); 276.02 tok/s is a throughput.
    assert "turn" in hints.metrics
    check("- **Fastest single turn:** 276.02 tok/s, in the gemma3:270m conversation.",
          [Want("metric", 276.02, unit="tok/s", subject="throughput")], hints)


@pytest.mark.parametrize(("text", "qualifier"), [
    ("Insgesamt bleiben alle Konfigurationen über 95 tok/s.", "bound"),
    ("Durchsatz: mindestens 95 tok/s.", "bound"),
    ("Пропускная способность не менее 95 tok/s.", "bound"),
])
def test_bounds_in_german_and_russian(text: str, qualifier: str, hints: Hints) -> None:
    check(text, [Want("metric", 95, unit="tok/s", qualifier=qualifier)], hints)


@pytest.mark.parametrize("text", ["5. **Ollama runs:** ten.", "Models tested: 6",
                                  "- **Prompts per run:** 7"])
def test_a_label_counting_other_things_is_no_count_of_files(text: str, hints: Hints) -> None:
    assert [c for c in claims_of(text, hints) if c.kind.startswith("count")] == []


def test_a_folder_which_contains_and_its_files_are_not_the_corpus_total(hints: Hints) -> None:
    check("The logs sit under `reports/`, which contains 83 files in total.",
          [Want("count.folder", 83, subject="reports")], hints)
    check("The compilation folder takes about 1.4 KB across its nine files.",
          [Want("count.family", 9, filters=(("unresolved", "possessive"),))], hints)
    sized = [c for c in claims_of("The conversation benchmarks together weigh approximately "
                                  "8 KB.", hints) if c.kind.startswith("size")]
    assert [(c.kind, dict(c.filters).get("unresolved")) for c in sized] == [
        ("size.total", "conversation")]


def test_a_bold_path_is_read_without_its_asterisks(hints: Hints) -> None:
    # "**" around a path is emphasis, not a glob: the path is the one between.
    claims = claims_of("- **csv_data/summary_week1.csv**: the first weekly summary", hints)
    assert [(c.kind, c.subject) for c in claims if c.kind.startswith("path")] == [
        ("path.exists", "csv_data/summary_week1.csv")]


def test_load_and_eval_with_a_time_unit_in_brackets_are_durations(hints: Hints) -> None:
    check("| Run | load (s) | eval (ms) | prompt eval (s) |\n|---|---|---|---|\n"
          "| a | 2.472 | 5306 | 0.16 |",
          [Want("metric", 2.472, line=3, unit="s", subject="load"),
           Want("metric", 5306, line=3, unit="ms", subject="eval"),
           Want("metric", 0.16, line=3, unit="s", subject="prompt_eval")], hints)
    # Without a unit, "load" is a word like any other.
    assert [c for c in claims_of("The load was 3 on average.", hints) if c.kind == "metric"] == []


@pytest.mark.parametrize(("name", "group", "unit"), [
    ("ttft_ms", "ttft", "ms"), ("mean_ttft_s", "ttft", "s"), ("TTFT (ms)", "ttft", "ms"),
    ("time to first token", "ttft", ""), ("tokens_s", "throughput", "tok/s"),
    ("tokens_per_second", "throughput", "tok/s"), ("tok/s", "throughput", "tok/s"),
    ("load_duration_ms", "load", "ms"), ("prompt_eval_s", "prompt_eval", "s"),
    ("eval_count", "eval_count", ""), ("binary_size_mb", "binary_size", "MB"),
])
def test_metric_names_share_a_group(name: str, group: str, unit: str) -> None:
    assert metric_group(name)[0::2] == (group, unit)


# -- lines and whole reports -------------------------------------------------------------------


def test_wrapped_sentence_claims_the_line_of_its_number(hints: Hints) -> None:
    claims = claims_of("The corpus contains\n101 files in total, and\nJSON: 47", hints)
    assert [(c.line, c.kind, c.value) for c in claims] == [
        (2, "count.total", 101), (3, "count.type", 47)]


def test_a_repeated_paragraph_claims_again_on_its_own_lines(hints: Hints) -> None:
    # Small models loop; the repeat is read once, its claims copied to the repeat's lines. A
    # table row said again under another header is another claim.
    text = ("The corpus contains\n101 files in total, and\nJSON: 47\n\n"
            "| Type | Count |\n|---|---|\n| JSON | 47 |\n\n"
            "The corpus contains\n101 files in total, and\nJSON: 47\n\n"
            "| Type | Share |\n|---|---|\n| JSON | 47 |")
    assert [(c.line, c.kind, c.value, c.unit) for c in claims_of(text, hints)] == [
        (2, "count.total", 101, "files"), (3, "count.type", 47, "files"),
        (7, "count.type", 47, "files"),
        (10, "count.total", 101, "files"), (11, "count.type", 47, "files"),
        (15, "count.type", 47, "%")]


def test_claims_in_lines_keeps_the_line_numbers_it_is_given(hints: Hints) -> None:
    claims = claims_in_lines([(40, "JSON: 47"), (52, "The corpus contains 101 files.")], hints)
    assert [(c.line, c.kind) for c in claims] == [(40, "count.type"), (52, "count.total")]


@pytest.mark.parametrize("heading", ["## 3. Findings", "### 2.1. Throughput (tok/s)",
                                     "## 4) 5 s of load time"])
def test_a_section_number_is_not_a_claim(heading: str, hints: Hints) -> None:
    # The number orders the sections; what follows it is read as usual.
    claims = claims_of(heading, hints)
    assert [c.value for c in claims if c.kind != "language"] == (
        [5.0] if "load" in heading else []), shown(claims)


def test_emphasis_and_code_marks_leave_the_snippet(hints: Hints) -> None:
    (claim,) = claims_of("- **JSON:** `47`", hints)
    assert (claim.kind, claim.value, claim.text) == ("count.type", 47, "JSON: 47")


def test_digits_set_the_tolerance(hints: Hints) -> None:
    claims = {c.value: c for c in claims_of("TTFT was 88.6 ms, then 0.415 s, then 2 s.", hints)}
    assert claims[88.6].tolerance == pytest.approx(0.05)
    assert claims[0.415].tolerance == pytest.approx(0.0005)
    assert claims[2].tolerance == pytest.approx(0.5)


def test_language_claims_mark_where_the_language_changes() -> None:
    text = ("# Report\n\nThe corpus contains 101 files and most of them are JSON files that were "
            "written by the benchmark runs.\n\n## Структура\n\nОсновная часть данных "
            "представлена в формате JSON, и это хорошо видно по структуре папок.\n")
    languages = [(c.line, c.subject) for c in extract_claims(text) if c.kind == "language"]
    assert languages == [(3, "en"), (7, "ru")]


def test_harness_sections_are_run_facts_not_corpus_claims() -> None:
    text = ("# Technical Report\n\n- **Date:** 2025-11-02T10:00:00Z\n- **Agent:** B\n\n"
            "<!-- chimera:model-report:start -->\nThe corpus contains 101 files.\n"
            "<!-- chimera:model-report:end -->\n\n## Metrics\n\n| call | ttft_s |\n|---|---|\n"
            "| analysis | 0.41 |\n\n## Persona Prompt\n\n> Write about the 101 files.\n")
    parsed = parse_report(text)
    claims = extract_claims(parsed)
    assert [(c.line, c.kind, c.section) for c in claims if c.kind != "language"] == [
        (3, "time.report_date", "header"), (7, "count.total", "model"),
        (14, "harness.metrics", "metrics")]
    exact = extract_claims(parsed, harness="exact")
    assert [(c.line, c.kind) for c in exact if c.section == "header"] == [
        (1, "harness.header"), (3, "time.report_date"), (4, "harness.header")]


# -- audit 3: phrasings first met in an independent auditor's reports ------------------------


@pytest.mark.parametrize(("text", "wanted"), [
    case("```yaml\ntypes:\n  json: 47\n  csv: 29\n```",
         Want("count.type", 47, line=3, subject="json"),
         Want("count.type", 29, line=4, subject="csv"), id="yaml-lines-each-state-one-count"),
    case("model: gemma3:4b\njson: 47\ncsv: 29",
         Want("count.type", 47, line=2, subject="json"),
         Want("count.type", 29, line=3, subject="csv"),
         id="key-value-lines-are-not-one-sentence"),
    case("latest_csv_modified: 2025-10-29T03:40:53Z",
         Want("time.latest", filters=(("kind", "csv"),)),
         id="a-kind-inside-an-identifier"),
    case("El tamaño total es de unos 41 KB (41.169 bytes).",
         Want("size.total", 41, unit="kB"), Want("size.total", 41169, unit="B"),
         id="a-dot-groups-thousands-of-bytes"),
    case("Con una media de 408 bytes por archivo.", Want("size.average", 408, unit="B"),
         id="media-is-an-average"),
    case("La taille totale atteint environ 41 ko, soit en moyenne 408 octets par fichier.",
         Want("size.total", 41, unit="kB"), Want("size.average", 408, unit="B"),
         id="french-sizes-in-ko-and-octets"),
    case("3.1 Throughput reached 255.94 tokens per second.", Want("metric", 255.94),
         id="a-numbered-paragraphs-number-is-no-value"),
    case("2.2 The `reports` tree holds the remaining 83 files.",
         Want("count.family", 83, filters=(("unresolved", "remaining"),)),
         id="the-remaining-files-are-a-part"),
    case("Two of the forty-seven JSON files cannot be parsed.",
         Want("count.type", 47, subject="json"), id="of-the-n-json-files-keeps-the-kind"),
    case("Files by type: csv 29, json 47, md 23, other 1",
         Want("count.type", 29, subject="csv"), Want("count.type", 47, subject="json"),
         Want("count.type", 23, subject="md"), Want("count.type", 1, subject="other"),
         id="other-as-a-kind-is-no-part"),
    case("The csv_data directory holds 18 CSV files: thirteen per-model exports.",
         Want("count.folder", 18, subject="csv_data"), id="a-breakdown-after-a-count"),
    case("cuda compilation benchmark: 275.35 s total, 41.0 MB binary.",
         Want("metric", 275.35), Want("metric", 41.0), id="a-binary-size-is-no-corpus-size"),
    case("Tampoco existe la carpeta `reports/mistral`.",
         Want("path.missing", subject="reports/mistral"), id="spanish-says-a-folder-is-missing"),
    case("Il n'y a pas de dossier `reports/mistral`.",
         Want("path.missing", subject="reports/mistral"), id="french-says-a-folder-is-missing"),
    case("Summary — the latest file was modified on 2025-10-29.", Want("time.latest"),
         id="an-em-dash-in-prose-is-no-table-row"),
    case("Le dossier `csv_data` regroupe 18 fichiers CSV.",
         Want("count.folder", 18, subject="csv_data"), id="french-folder-verb"),
    case("En total `reports/ollama` suma 26 archivos.",
         Want("count.folder", 26, subject="reports/ollama"), id="spanish-folder-verb"),
    case("A pasta `csv_data` tem 18 arquivos.",
         Want("count.folder", 18, subject="csv_data"), id="portuguese-folder-verb"),
])
def test_audit3_phrasings(text: str, wanted: list[Want], hints: Hints) -> None:
    check(text, wanted, hints)


def test_a_folder_rows_date_makes_no_claim(hints: Hints) -> None:
    table = "| Files | Folder | LatestChange |\n|---|---|---|\n| 18 | csv_data | 2025-10-27 |"
    assert [c.kind for c in claims_of(table, hints) if c.kind.startswith("time")] == []


def test_a_workflow_summarys_timings_are_not_corpus_metrics(hints: Hints) -> None:
    report = ("# Report\n\nThe corpus has 101 files.\n\n## Workflow Summary\n\n"
              "- 1 agent, 2 LLM calls, 14.2 s wall time\n")
    claims = extract_claims(report, hints=hints)
    assert [c.kind for c in claims if c.section == "workflow summary"] == []
