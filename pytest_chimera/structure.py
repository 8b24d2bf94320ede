"""Does a report have the structure its persona asks for?

The report's measurable shape (sections, words, numbered sections, table rows, bullets, items per
section, language) becomes a small JSON document, the persona's expectations become a JSON Schema,
and jsonschema decides. Each schema error is turned into a sentence with the report line it is
about, so a failure reads like pytest's: what was expected, what was found, where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jsonschema

from .config import Expectations
from .language import detect_language
from .report import _BULLET, ParsedReport, ReportShape, normalise_title, parse_report, shape_of

# A report may quote a line or two in another language (a name, a title); more is drift.
MAX_FOREIGN_LINE_SHARE = 0.1


@dataclass(frozen=True)
class Violation:
    """One way a report misses its persona's structure."""

    line: int
    rule: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "rule": self.rule, "message": self.message}


@dataclass(frozen=True)
class StructureResult:
    shape: ReportShape
    facts: dict[str, Any]
    schema: dict[str, Any]
    violations: tuple[Violation, ...]

    @property
    def passed(self) -> bool:
        return not self.violations

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "shape": self.shape.as_json(),
            "violations": [v.as_dict() for v in self.violations],
        }

    def failure_lines(self, name: str) -> list[str]:
        return [f"{name}:{v.line}  {v.message}" for v in self.violations]


def _pattern(title: str) -> str:
    return re.escape(normalise_title(title))


def expectation_schema(expect: Expectations) -> dict[str, Any]:
    """The JSON Schema a report's facts document must satisfy."""
    properties: dict[str, Any] = {}
    if expect.sections:
        properties["section_keys"] = {
            "allOf": [{"contains": {"type": "string", "pattern": _pattern(title)},
                       "$comment": title} for title in expect.sections]
        }
    words: dict[str, Any] = {}
    if expect.min_words is not None:
        words["minimum"] = expect.min_words
    if expect.max_words is not None:
        words["maximum"] = expect.max_words
    if words:
        properties["word_count"] = words
    for key, value in (("numbered_sections", expect.min_numbered_sections),
                       ("table_rows", expect.min_table_rows), ("bullets", expect.min_bullets)):
        if value:
            properties[key] = {"minimum": value}
    if expect.min_items:
        properties["items"] = {
            "type": "object",
            "properties": {normalise_title(t): {"minimum": n} for t, n in expect.min_items.items()},
        }
    if expect.language:
        # "und": too little prose to tell, which is no drift ("- Done." is no language).
        properties["language"] = {"enum": [expect.language, "und"]}
        properties["foreign_line_share"] = {"maximum": MAX_FOREIGN_LINE_SHARE}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
    }


def _items_in(section_body: tuple[str, ...]) -> int:
    return sum(1 for line in section_body if _BULLET.match(line))


def report_facts(parsed: ParsedReport, shape: ReportShape, expect: Expectations) -> dict[str, Any]:
    items: dict[str, int] = {}
    for title in expect.min_items:
        key = normalise_title(title)
        section = next((s for s in parsed.sections if key in s.key), None)
        items[key] = _items_in(section.body) if section else 0
    foreign, counted = _foreign_lines(parsed, expect.language)
    return {
        "section_keys": [s["key"] for s in shape.sections],
        "word_count": shape.word_count,
        "numbered_sections": shape.numbered_sections,
        "table_rows": shape.table_rows,
        "bullets": shape.bullets,
        "items": items,
        "language": shape.language,
        "foreign_line_share": round(len(foreign) / counted, 3) if counted else 0.0,
    }


def _foreign_lines(parsed: ParsedReport, language: str | None) -> tuple[list[int], int]:
    if not language:
        return [], 0
    foreign: list[int] = []
    counted = 0
    for number, line in parsed.model_lines:
        if len(line) < 20 or sum(map(str.isalpha, line)) < 20:
            continue
        counted += 1
        found = detect_language(line)
        if found not in (language, "und"):
            foreign.append(number)
    return foreign, counted


# Every test of a persona checks against the same schema: build it and its validator once.
_VALIDATORS: dict[str, tuple[dict[str, Any], jsonschema.Draft202012Validator]] = {}


def _validator_for(expect: Expectations) -> tuple[dict[str, Any], jsonschema.Draft202012Validator]:
    key = expect.model_dump_json()
    found = _VALIDATORS.get(key)
    if found is None:
        if len(_VALIDATORS) >= 256:
            _VALIDATORS.clear()
        schema = expectation_schema(expect)
        found = _VALIDATORS[key] = (schema, jsonschema.Draft202012Validator(schema))
    return found


def check_structure(text: str | ParsedReport, expect: Expectations) -> StructureResult:
    """Check a report (text or parsed) against a persona's expectations."""
    parsed = parse_report(text) if isinstance(text, str) else text
    shape = shape_of(parsed)
    facts = report_facts(parsed, shape, expect)
    schema, validator = _validator_for(expect)
    violations: dict[tuple[int, str], Violation] = {}
    # Most reports pass, and saying so takes a few comparisons where walking the schema takes
    # a quarter of a millisecond; the schema is walked whenever a rule may have failed, and
    # it alone decides what failed (tests/test_report_structure.py checks the two agree).
    errors = () if _meets(facts, expect) else validator.iter_errors(facts)
    # One schema error per failed subschema; a rule may fail several (one per missing
    # section), and _explain already lists all of them, so keep each sentence once.
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        for violation in _explain(error, parsed, shape, facts, expect):
            violations.setdefault((violation.line, violation.message), violation)
    ordered = sorted(violations.values(), key=lambda v: (v.line, v.rule))
    return StructureResult(shape=shape, facts=facts, schema=schema, violations=tuple(ordered))


def _meets(facts: dict[str, Any], expect: Expectations) -> bool:
    """Whether ``facts`` satisfy ``expectation_schema(expect)``, rule by rule as the schema
    states it ("pattern" is a search, and an escaped title searches as a substring)."""
    keys: list[str] = facts["section_keys"]
    for title in expect.sections:
        wanted = normalise_title(title)
        if not any(wanted in key for key in keys):
            return False
    words: int = facts["word_count"]
    if expect.min_words is not None and words < expect.min_words:
        return False
    if expect.max_words is not None and words > expect.max_words:
        return False
    for key, least in (("numbered_sections", expect.min_numbered_sections),
                       ("table_rows", expect.min_table_rows), ("bullets", expect.min_bullets)):
        if least and facts[key] < least:
            return False
    items: dict[str, int] = facts["items"]
    # A later title with the same key replaces an earlier one, as in the schema's properties.
    for key, least in {normalise_title(t): n for t, n in expect.min_items.items()}.items():
        if key in items and items[key] < least:
            return False
    if expect.language:
        if facts["language"] not in (expect.language, "und"):
            return False
        if facts["foreign_line_share"] > MAX_FOREIGN_LINE_SHARE:
            return False
    return True


def _explain(
    error: jsonschema.ValidationError,
    parsed: ParsedReport,
    shape: ReportShape,
    facts: dict[str, Any],
    expect: Expectations,
) -> list[Violation]:
    first = parsed.model_first_line
    found = ", ".join(repr(s["title"]) for s in shape.sections) or "no headings"
    key = str(error.absolute_path[0]) if error.absolute_path else ""
    if key == "section_keys":
        missing = [t for t in expect.sections
                   if not any(re.search(_pattern(t), k) for k in facts["section_keys"])]
        return [Violation(first, "sections", f"required section {t!r} is missing "
                          f"(found: {found})") for t in missing]
    if key == "word_count":
        wanted = _range(expect.min_words, expect.max_words)
        return [Violation(shape.last_line, "words",
                          f"report has {shape.word_count} words; the persona asks for {wanted}")]
    if key == "numbered_sections":
        return [Violation(first, "numbered_sections",
                          f"{shape.numbered_sections} numbered section(s); at least "
                          f"{expect.min_numbered_sections} expected (found: {found})")]
    if key == "table_rows":
        where = f" (largest table at line {shape.table_line})" if shape.table_line else ""
        return [Violation(shape.table_line or first, "table_rows",
                          f"{shape.table_rows} table data row(s){where}; at least "
                          f"{expect.min_table_rows} expected")]
    if key == "bullets":
        return [Violation(first, "bullets", f"{shape.bullets} bullet(s); at least "
                          f"{expect.min_bullets} expected")]
    if key == "items":
        out = []
        for title, least in expect.min_items.items():
            norm = normalise_title(title)
            have = facts["items"].get(norm, 0)
            if have < least:
                section = next((s for s in parsed.sections if norm in s.key), None)
                line = section.line if section else first
                out.append(Violation(line, "items", f"section {title!r} has {have} item(s); "
                                     f"at least {least} expected"))
        return out
    if key == "language":
        return [Violation(first, "language", f"report reads as {shape.language!r}; the prompt "
                          f"asks for {expect.language!r}")]
    if key == "foreign_line_share":
        lines, counted = _foreign_lines(parsed, expect.language)
        return [Violation(lines[0] if lines else first, "language",
                          f"{len(lines)} of {counted} lines are not in {expect.language!r} "
                          f"(first at line {lines[0] if lines else first}): the report drifted "
                          "into another language")]
    return [Violation(first, key or "structure", error.message)]


def _range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{low}–{high}"
    if low is not None:
        return f"at least {low}"
    return f"at most {high}"
