"""Hypothesis: no text makes the extractor, the report parser or the checker raise.

Two kinds of input: any Unicode text, and text assembled from fragments of real reports
(headings, tables, bullets, numbers with units and separators, dates, paths, Cyrillic, the
harness markers) with random text between them, which reaches far deeper into the rules.
Every claim must stand on a line of the text, and every verdict must be one of the three.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_chimera.claims import CLAIM_KINDS, claims_in_lines, extract_claims
from pytest_chimera.faithfulness import VERDICTS, InventoryIndex, verify_text
from pytest_chimera.inventory import FileInventory, scan_corpus
from pytest_chimera.report import parse_report

FRAGMENTS = (
    "# Benchmark Report", "## 2. File Inventory", "### Metrics", "## Persona Prompt",
    "**Summary**", "- **JSON:** 47", "* CSV: 29 files", "1. Markdown (23)", "> quoted 12 files",
    "| Type | Count |", "|------|-------|", "| JSON | 47 |", "| TTFT (ms) | tok/s |",
    "| `reports/x.md` | 0.415 | 6.321 |", "| File | Metric | Mean | Max |",
    "| `reports/x.csv` | mean_ttft_s | 0.102 | 0.11 |", "| run | p95_ttft_s | 7 | |",
    "The corpus contains 101 files.", "81 files are JSON",
    "conv_bench_*.json (20)", "1b models: 22 files", "report_*.md: 8", "twenty-nine",
    "a hundred and one", "1,234", "42,106 bytes", "41.1 KiB", "0.4 KB", "2.5 MB", "1 GB",
    "The files total 41 KB.", "average file size is", "In total the files take up",
    "88.6 ms", "0.415 s", "139.24 tokens/s", "45%", "90–110 files", "between 40% and 50%",
    "ranging from 0.565 to 0.589 s", "(range 415 to 564 ms)", "2025-10-29", "2025-10-29T18:00Z",
    "29.09.2025", "2025/10/29", "September 29 to October 29, 2025", "October 2025",
    "2 ноября 2025 г.", "81 файл - JSON", "CSV-файлов: 29", "Дата отчёта:", "Всего 101 файл",
    "Der Korpus enthält 101 Dateien", "`csv_data/`", "reports/ollama/", "/etc/passwd",
    "`reports/<run>/results.json`", "is missing", "The latest file is", "mean TTFT was",
    "p95", "stddev", "under 1 s", "20 ms faster", "- 102:", "    * **Missing Data:** files",
    "- **Date:** 2025-11-02T10:00:00Z", "<!-- chimera:model-report:start -->",
    "<!-- chimera:model-report:end -->", "```", "<!--", "-->", "", " ", "\t", "(", ")", ":",
    "|", "**", "`", "~", "≈", "—", "1e309", "9" * 40, "0.", ".5", "1,5", "12:30", "v1.2.3",
)

fragment = st.sampled_from(FRAGMENTS)
noise = st.text(max_size=12)
line = st.lists(st.one_of(fragment, fragment, noise), max_size=6).map(" ".join)
report_like = st.lists(line, max_size=25).map("\n".join)
any_text = st.one_of(st.text(), report_like)
SETTINGS = settings(deadline=None, max_examples=300,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def small_inventory(tmp_path_factory: pytest.TempPathFactory) -> FileInventory:
    """A few files of each kind, with metric values and dates, so every check has data."""
    root = tmp_path_factory.mktemp("fuzz") / "corpus"
    (root / "csv_data").mkdir(parents=True)
    (root / "reports").mkdir()
    (root / "csv_data" / "run_20251001.csv").write_text(
        "prompt,ttft_s,tokens_s,date\np1,0.415,17.3,2025-10-01\np2,0.485,16.7,2025-10-02\n")
    (root / "reports" / "results.json").write_text(
        '{"model": "gemma3:1b", "summary": {"mean_ttft_ms": 88.6, "tokens_per_second": 139.2}}')
    (root / "reports" / "report_20251002.md").write_text("# Run\n\nRun on 2025-10-02.\n")
    (root / "reports" / "notes.txt").write_text("ok\n")
    (root / "reports" / "empty.json").write_text("")
    return scan_corpus(root)


def _line_count(text: str) -> int:
    return len(parse_report(text).lines)


@SETTINGS
@given(text=any_text)
def test_extract_claims_never_raises_and_claims_stand_on_lines(text: str) -> None:
    claims = extract_claims(text)
    lines = _line_count(text)
    for claim in claims:
        assert 1 <= claim.line <= max(1, lines), (claim, lines)
        assert claim.kind in CLAIM_KINDS, claim


@SETTINGS
@given(text=any_text)
def test_claims_in_lines_keep_to_the_lines_given(text: str) -> None:
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), start=7)]
    given_lines = {n for n, _ in numbered}
    for claim in claims_in_lines(numbered):
        assert claim.line in given_lines, claim


# Paragraphs of report-like lines, without comment marks (an open "<!--" runs on past the
# blank line that ends a paragraph, so paragraphs with one are not read on their own).
paragraph = st.lists(line.filter(lambda text: "<!--" not in text and "-->" not in text),
                     min_size=1, max_size=4).map("\n".join)


@SETTINGS
@given(pool=st.lists(paragraph, min_size=1, max_size=4),
       order=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=8))
def test_a_paragraph_said_again_claims_what_it_claims_alone(pool: list[str],
                                                            order: list[int]) -> None:
    # The extractor reads a repeated paragraph once and copies its claims to the repeat's
    # lines: the claims must be those of each paragraph read alone, on its own lines.
    paragraphs = [pool[index % len(pool)] for index in order]
    numbered: list[tuple[int, str]] = []
    expected = []
    for text in paragraphs:
        own = [(len(numbered) + offset + 1, part)
               for offset, part in enumerate(text.split("\n"))]
        expected += claims_in_lines(own)
        numbered += [*own, (len(numbered) + len(own) + 1, "")]
    assert claims_in_lines(numbered) == expected


@SETTINGS
@given(text=any_text)
def test_parse_report_never_raises_and_keeps_every_line(text: str) -> None:
    parsed = parse_report(text)
    # Every character is kept, and only \n, \r\n and \r end a line (a final one ends the last).
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n")
    assert "\n".join(parsed.lines) == normalised
    assert not any("\n" in line or "\r" in line for line in parsed.lines)
    assert 1 <= parsed.model_first_line <= parsed.model_last_line + 1
    for section in (*parsed.sections, *parsed.harness_sections):
        assert 1 <= section.line <= section.end_line <= len(parsed.lines)


@SETTINGS
@given(text=any_text, language=st.sampled_from(["en", "ru", "de"]))
def test_verify_never_raises_and_every_verdict_is_one_of_three(
    small_inventory: FileInventory, text: str, language: str,
) -> None:
    result = verify_text(text, small_inventory, expected_language=language,
                         index=InventoryIndex.of(small_inventory))
    for verdict in result.verdicts:
        assert verdict.verdict in VERDICTS, verdict
        assert verdict.message, verdict
        if verdict.verdict == "contradicted" and not verdict.claim.kind.startswith("harness"):
            assert verdict.truth, verdict
    assert 0.0 <= result.faithfulness <= 1.0


def test_fragments_reach_every_kind_of_claim(small_inventory: FileInventory) -> None:
    # The fragments are only worth fuzzing with if they exercise every rule. (Harness headings,
    # markers and comment or code fences would take the lines after them out of the model's
    # text, so they are left out here.)
    markup = ("Metrics", "Persona", "chimera:", "<!--", "-->", "```")
    text = "\n".join(f for f in FRAGMENTS if not any(m in f for m in markup))
    kinds = {v.claim.kind.split(".")[0] for v in verify_text(text, small_inventory).verdicts}
    assert {"count", "time", "size", "path", "metric", "language"} <= kinds
