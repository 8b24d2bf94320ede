"""Parsing reports into sections, measuring their shape, and checking it against a persona."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_chimera.config import Expectations
from pytest_chimera.language import detect_language, language_share
from pytest_chimera.report import MODEL_END, MODEL_START, normalise_title, parse_report, shape_of
from pytest_chimera.structure import _meets, check_structure, expectation_schema

GOOD = """\
# Technical Report

## 1. Executive Summary
The corpus holds 101 files and the newest was modified on 2025-10-29. This is the summary of the
data that we have, and it is short.

## 2. Performance Analysis
- Throughput is 35 tokens per second on the model.
- Time to first token is 1.6 s on the server.

## 3. Recommendations
1. Raise num_ctx to 1024 for the longer reports.
2. Keep num_gpu at 100 for the throughput.
3. Measure the load time of the model again.

## 4. Risks and Mitigations
| risk | mitigation |
| --- | --- |
| truncation | raise num_ctx |
| drift | check the language |
"""

OPS = Expectations(
    sections=["Executive Summary", "Recommendations", "Risks"], min_words=20, max_words=400,
    min_numbered_sections=3, min_table_rows=2, min_bullets=5,
    min_items={"Recommendations": 3}, language="en",
)

HARNESS_TAIL = """\

## Workflow Summary

- Files analysed: 3

## Data Summary

- Total files: 3

## Metrics

| call | TTFT (ms) |
|---|---|
| combined | 1.0 |

## Persona Prompt

> You are an analyst.
"""


# -- parse_report ------------------------------------------------------------------------------


def _titles(text: str) -> list[tuple[str, int, int, int]]:
    return [(s.title, s.level, s.line, s.end_line) for s in parse_report(text).sections]


@pytest.mark.parametrize(
    ("text", "first", "last", "sections", "harness"),
    [
        pytest.param(
            f"# Header\n\n- **Date:** 2025-10-29T00:00:00Z\n\n{MODEL_START}\n## Summary\nText.\n"
            f"{MODEL_END}\n{HARNESS_TAIL}", 6, 7, [("Summary", 2, 6, 7)],
            ["Workflow Summary", "Data Summary", "Metrics", "Persona Prompt"], id="markers"),
        pytest.param(
            f"{MODEL_START}\n## Metrics\nthe model's own metrics section\n{MODEL_END}\n"
            "## Metrics\n| a |\n", 2, 3, [("Metrics", 2, 2, 3)], ["Metrics"],
            id="model-section-named-like-harness-stays-the-models"),
        pytest.param("## Summary\nText.\n## Details\nMore.\n", 1, 4,
                     [("Summary", 2, 1, 2), ("Details", 2, 3, 4)], [], id="no-markers"),
        pytest.param("## Summary\nText.\n" + HARNESS_TAIL, 1, 3, [("Summary", 2, 1, 3)],
                     ["Workflow Summary", "Data Summary", "Metrics", "Persona Prompt"],
                     id="no-markers-harness-by-heading"),
        pytest.param("# Report\n## A\na\n### A.1\nx\n## B\nb\n", 1, 7,
                     [("Report", 1, 1, 7), ("A", 2, 2, 5), ("A.1", 3, 4, 5), ("B", 2, 6, 7)], [],
                     id="nested-levels"),
        pytest.param("**Summary**\nSome text.\n**Findings:**\n- one\n", 1, 4,
                     [("Summary", 7, 1, 2), ("Findings:", 7, 3, 4)], [], id="bold-headings"),
        pytest.param("## Code\n```\n# not a heading\n**not either**\n```\nafter\n", 1, 6,
                     [("Code", 2, 1, 6)], [], id="code-fence"),
        pytest.param("**" + "x" * 81 + "**\n", 1, 1, [], [], id="long-bold-line-is-text"),
        pytest.param("", 1, 0, [], [], id="empty"),
        pytest.param("#\n##   \nplain\n", 1, 3, [], [], id="empty-headings-ignored"),
    ],
)
def test_parse_report(text: str, first: int, last: int, sections: list[Any],
                      harness: list[str]) -> None:
    parsed = parse_report(text)
    assert (parsed.model_first_line, parsed.model_last_line) == (first, last)
    assert [(s.title, s.level, s.line, s.end_line) for s in parsed.sections] == sections
    assert [s.title for s in parsed.harness_sections] == harness


def test_parse_report_reads_the_header_fields_before_the_markers() -> None:
    text = (f"# T\n\n- **Date:** 2025-10-29T00:00:00Z\n- **Agent:** B\n\n{MODEL_START}\n"
            f"- **Agent:** not a header field\n{MODEL_END}\n")
    parsed = parse_report(text)
    assert parsed.header == {"date": "2025-10-29T00:00:00Z", "agent": "B"}
    assert parsed.model_text == "- **Agent:** not a header field"


def test_parse_report_never_raises_on_odd_text() -> None:
    for text in (MODEL_END, MODEL_START, f"{MODEL_END}\n{MODEL_START}", "```", "|||\n|-|",
                 "\x00\ufeff# x"):
        parsed = parse_report(text)
        assert parsed.model_first_line >= 1
        assert parsed.model_last_line >= parsed.model_first_line - 1


@pytest.mark.parametrize(
    ("title", "key"),
    [("1. Executive Summary", "executive summary"), ("**IV) Risks & Mitigations**",
                                                     "risks & mitigations"),
     ("Section 2: Findings!", "findings"), ("2.1 Data   Period", "data period"),
     ("`Metrics`", "metrics")],
)
def test_normalise_title(title: str, key: str) -> None:
    assert normalise_title(title) == key


# -- shape_of --------------------------------------------------------------------------------


def test_shape_of_a_full_report() -> None:
    shape = shape_of(parse_report(GOOD))
    assert shape.numbered_sections == 4
    assert shape.table_rows == 2 and shape.table_line == 17
    assert shape.bullets == 5  # two dashes and three numbered items
    assert shape.language == "en"
    assert shape.last_line == 20
    assert [s["key"] for s in shape.sections] == [
        "technical report", "executive summary", "performance analysis", "recommendations",
        "risks and mitigations"]


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        pytest.param("one two three", "word_count", 3, id="words"),
        pytest.param("see https://example.com/a-b now | # ** `x`", "word_count", 3,
                     id="markup-and-urls-do-not-count"),
        pytest.param("it's state-of-the-art 3.5", "word_count", 3, id="joined-words"),
        pytest.param("| a | b |\n|---|---|\n| 1 | 2 |\n\n| c |\n| 3 |\n| 4 |\n| 5 |",
                     "table_rows", 3, id="largest-table-without-rule"),
        pytest.param("| a | b |\n|---|---|\n| 1 | 2 |", "table_line", 1, id="table-line"),
        pytest.param("- a\n* b\n+ c\n• d\n1) e\n2. f\n-no\n3.no", "bullets", 6, id="bullets"),
        pytest.param("## 1. A\n## II. B\n## Section 3 C\n## D", "numbered_sections", 3,
                     id="numbered"),
    ],
)
def test_shape_fields(text: str, field: str, value: int) -> None:
    assert getattr(shape_of(parse_report(text)), field) == value


def test_shape_counts_only_the_models_part() -> None:
    text = f"- header bullet\n{MODEL_START}\n- one\nword\n{MODEL_END}\n- harness bullet\n"
    shape = shape_of(parse_report(text))
    assert (shape.bullets, shape.word_count) == (1, 2)


# -- language --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The data of the model is in the folder and the run was fast.", "en"),
        ("Die Daten sind nicht in der Tabelle und das ist auch für den Bericht.", "de"),
        ("Это отчёт о производительности модели на сервере.", "ru"),
        ("Le modèle est plus rapide dans les tests que pour la version.", "fr"),
        ("12 34 ok", "und"),
        ("ttft_s tokens_s load_s prompt_eval_s num_ctx", "und"),
        # Only words French and Spanish share ("de", "en") among hardware names: either.
        ("Machine de test : Ryzen 9 7950X, RTX 4090 (24 Go de VRAM), modèles quantifiés en "
         "Q4_K_M.", "und"),
        ("", "und"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_language_share_counts_lines_with_enough_letters() -> None:
    text = ("The data of the model is in the folder and it is fast.\n"
            "Это отчёт о производительности модели на сервере.\nok\n")
    assert language_share(text, "en") == 0.5
    assert language_share("ok\n12", "de") == 1.0


# -- check_structure -------------------------------------------------------------------------


def test_a_report_with_every_expected_part_passes() -> None:
    result = check_structure(GOOD, OPS)
    assert result.passed, result.violations
    assert result.facts["items"] == {"recommendations": 3}
    assert result.failure_lines("r.md") == []


def test_too_little_prose_to_tell_a_language_is_no_drift() -> None:
    terse = "# Report\n\n## File Counts\n\n- CSV: 30\n- JSON: 47\n\n## Gaps\n\n- Done.\n"
    assert detect_language(terse) == "und"
    result = check_structure(terse, Expectations(language="en"))
    assert [v.rule for v in result.violations] == [], result.violations
    german = ("# Bericht\n\nDie Daten sind nicht in der Tabelle und das ist auch für den "
              "Bericht wichtig, denn die Modelle sind schnell.\n")
    assert {v.rule for v in check_structure(german, Expectations(language="en")).violations} == {
        "language"}


def test_no_expectations_means_nothing_is_checked() -> None:
    result = check_structure("anything at all", Expectations(language=None))
    assert result.passed
    assert expectation_schema(Expectations(language=None))["properties"] == {}


RUSSIAN = "Это отчёт о производительности модели на сервере и данные."


@pytest.mark.parametrize(
    ("text", "expect", "expected"),
    [
        pytest.param(GOOD, Expectations(sections=["Executive Summary", "Conclusions"]),
                     [(1, "sections", "required section 'Conclusions' is missing (found: "
                       "'Technical Report', '1. Executive Summary'")], id="missing-section"),
        pytest.param("no headings here at all", Expectations(sections=["Summary"],
                                                             language=None),
                     [(1, "sections", "required section 'Summary' is missing (found: no "
                       "headings)")], id="missing-section-no-headings"),
        pytest.param(GOOD, Expectations(min_words=200, max_words=400),
                     [(20, "words", "report has 97 words; the persona asks for 200–400")],
                     id="too-few-words"),
        pytest.param(GOOD, Expectations(max_words=10),
                     [(20, "words", "report has 97 words; the persona asks for at most 10")],
                     id="too-many-words"),
        pytest.param(GOOD, Expectations(min_numbered_sections=5),
                     [(1, "numbered_sections", "4 numbered section(s); at least 5 expected")],
                     id="numbered-sections"),
        pytest.param(GOOD, Expectations(min_table_rows=3),
                     [(17, "table_rows", "2 table data row(s) (largest table at line 17); at "
                       "least 3 expected")], id="table-rows"),
        pytest.param("## A\nno table here", Expectations(min_table_rows=1, language=None),
                     [(1, "table_rows", "0 table data row(s); at least 1 expected")],
                     id="no-table"),
        pytest.param(GOOD, Expectations(min_bullets=9),
                     [(1, "bullets", "5 bullet(s); at least 9 expected")], id="bullets"),
        pytest.param(GOOD, Expectations(min_items={"Recommendations": 4,
                                                   "Performance Analysis": 2}),
                     [(11, "items", "section 'Recommendations' has 3 item(s); at least 4 "
                       "expected")], id="items-in-section"),
        pytest.param(GOOD, Expectations(min_items={"Next Steps": 1}),
                     [(1, "items", "section 'Next Steps' has 0 item(s); at least 1 expected")],
                     id="items-section-missing"),
        pytest.param("\n".join([RUSSIAN] * 4), Expectations(language="en"),
                     [(1, "language", "4 of 4 lines are not in 'en' (first at line 1)"),
                      (1, "language", "report reads as 'ru'; the prompt asks for 'en'")],
                     id="wrong-language"),
        pytest.param(GOOD.replace("3. Measure the load time of the model again.",
                                  f"3. {RUSSIAN}\n{RUSSIAN}"), Expectations(language="en"),
                     [(14, "language", "2 of 10 lines are not in 'en' (first at line 14): the "
                       "report drifted into another language")], id="language-drift"),
    ],
)
def test_structure_violations_name_rule_and_line(text: str, expect: Expectations,
                                                 expected: list[tuple[int, str, str]]) -> None:
    result = check_structure(text, expect)
    assert not result.passed
    found = [(v.line, v.rule, v.message) for v in result.violations]
    assert len(found) == len(expected), found
    pairs = zip(found, expected, strict=True)
    for (line, rule, message), (want_line, want_rule, want_message) in pairs:
        assert (line, rule) == (want_line, want_rule), found
        assert message.startswith(want_message), message


def test_every_violation_is_reported_in_line_order() -> None:
    expect = Expectations(sections=["Conclusions", "Outlook"], min_words=500,
                          min_numbered_sections=5, min_table_rows=3, min_bullets=9,
                          min_items={"Recommendations": 4})
    result = check_structure(GOOD, expect)
    assert [(v.line, v.rule) for v in result.violations] == [
        (1, "bullets"), (1, "numbered_sections"), (1, "sections"), (1, "sections"),
        (11, "items"), (17, "table_rows"), (20, "words")]
    lines = result.failure_lines("ops.md")
    assert lines[2].startswith("ops.md:1  required section 'Conclusions' is missing")
    assert lines[3].startswith("ops.md:1  required section 'Outlook' is missing")
    assert result.as_dict()["passed"] is False
    assert len(result.as_dict()["violations"]) == 7


def test_line_numbers_are_lines_of_the_whole_document() -> None:
    document = f"# Header\n\n- **Date:** x\n\n{MODEL_START}\n{GOOD}{MODEL_END}\n{HARNESS_TAIL}"
    result = check_structure(document, Expectations(min_table_rows=3, min_bullets=9))
    # GOOD starts on line 6 of the document; its table on GOOD's line 17.
    assert [(v.line, v.rule) for v in result.violations] == [(6, "bullets"),
                                                              (22, "table_rows")]
    # The harness's own bullets and table never count for the model.
    assert result.shape.bullets == 5 and result.shape.table_rows == 2


# -- the direct decision and the schema agree ---------------------------------------------------

_TITLES = st.sampled_from(["Summary", "Key Findings", "Files", "1. Findings", "**Risks**", "",
                           "Risk / Mitigation", "findings", "Résumé"])
_COUNT = st.none() | st.integers(min_value=0, max_value=6)


@st.composite
def _expectations_and_facts(draw: st.DrawFn) -> tuple[Expectations, dict[str, Any]]:
    low = draw(st.none() | st.integers(min_value=0, max_value=400))
    high = draw(st.none() | st.integers(min_value=max(1, low or 1), max_value=500))
    expect = Expectations(
        sections=draw(st.lists(_TITLES.filter(bool), max_size=3)),
        min_words=low, max_words=high,
        min_numbered_sections=draw(_COUNT), min_table_rows=draw(_COUNT),
        min_bullets=draw(_COUNT),
        min_items=draw(st.dictionaries(_TITLES.filter(bool), st.integers(1, 4), max_size=3)),
        language=draw(st.none() | st.sampled_from(["en", "de", "ru"])),
    )
    # Facts that meet every rule, near its bounds, then (mostly) one of them pushed around,
    # so that each rule is met, met exactly at its bound, and missed by one.
    low_words = expect.min_words or 0
    high_words = expect.max_words if expect.max_words is not None else low_words + 50
    facts: dict[str, Any] = {
        "section_keys": [normalise_title(t) for t in expect.sections]
        + [normalise_title(t) for t in draw(st.lists(_TITLES, max_size=2))],
        "word_count": draw(st.sampled_from([low_words, high_words])),
        "numbered_sections": expect.min_numbered_sections or 0,
        "table_rows": expect.min_table_rows or 0,
        "bullets": expect.min_bullets or 0,
        "items": {normalise_title(t): n for t, n in expect.min_items.items()},
        "language": expect.language or "und",
        "foreign_line_share": draw(st.sampled_from([0.0, 0.1])),
    }
    change = draw(st.sampled_from([None, *facts]))
    if change == "section_keys":
        how = draw(st.sampled_from(["drop", "inside", "cut"]))
        keys = facts[change]
        facts[change] = (draw(st.lists(st.sampled_from(keys or ["x"]), max_size=3))
                         if how == "drop" else  # a heading holding the title counts
                         [f"key {key} here" for key in keys] if how == "inside" else
                         [key[1:] for key in keys])
    elif change == "items":
        facts[change] = {k: max(0, v + draw(st.integers(-1, 1))) for k, v in facts[change].items()}
    elif change == "language":
        facts[change] = draw(st.sampled_from(["en", "de", "ru", "und"]))
    elif change == "foreign_line_share":
        facts[change] = draw(st.sampled_from([0.0, 0.0999, 0.1, 0.1001, 0.5]))
    elif change is not None:
        facts[change] = max(0, facts[change] + draw(st.integers(-1, 1)))
    return expect, facts


@given(_expectations_and_facts())
def test_the_direct_decision_agrees_with_the_schema(
    case: tuple[Expectations, dict[str, Any]],
) -> None:
    expect, facts = case
    schema = expectation_schema(expect)
    assert _meets(facts, expect) == jsonschema.Draft202012Validator(schema).is_valid(facts)


def test_a_failing_report_is_explained_by_the_schema_not_the_shortcut() -> None:
    expect = Expectations(sections=["Summary", "Risks"], min_bullets=3, language=None)
    result = check_structure("# Report\n\n## Summary\n\nOne line of text about the corpus.\n",
                             expect)
    assert {v.rule for v in result.violations} == {"sections", "bullets"}
    assert any("'Risks' is missing" in v.message for v in result.violations)
