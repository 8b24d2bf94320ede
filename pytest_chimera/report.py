"""Render the Markdown report artifact, and parse any Markdown report into sections.

The artifact keeps the model's words and the harness's words apart: the model's report stands
between two HTML comments (``MODEL_START`` / ``MODEL_END``), and everything the harness writes
(header, Workflow Summary, Data Summary, Metrics, Persona Prompt) stands outside them. A report
written by another tool has no markers; then the whole text counts as the model's and the
harness sections are recognised by their headings, when present.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

MODEL_START = "<!-- chimera:model-report:start -->"
MODEL_END = "<!-- chimera:model-report:end -->"
HARNESS_SECTIONS = ("workflow summary", "data summary", "metrics", "persona prompt")

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_HEADING = re.compile(r"^\*\*(.+?)\*\*:?\s*$")
_NUMBERED = re.compile(r"^(?:section\s+)?(\d+|[IVX]+)[.):]?\s+\S", re.IGNORECASE)
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+\S")
_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True)
class Section:
    """A heading and the lines under it, up to the next heading of the same or higher level."""

    title: str
    level: int  # 1-6 for '#' headings; 7 for a bold line used as a heading
    line: int  # 1-based line of the heading in the whole document
    end_line: int  # last line of the body (inclusive)
    body: tuple[str, ...]

    @property
    def numbered(self) -> bool:
        return bool(_NUMBERED.match(self.title))

    @property
    def key(self) -> str:
        """The title without numbering, emphasis or punctuation, lower-cased."""
        return normalise_title(self.title)


@dataclass(frozen=True)
class ParsedReport:
    """A Markdown report split into the model's part and the harness's part."""

    lines: tuple[str, ...]  # the whole document
    model_first_line: int  # 1-based line where the model's text starts
    model_last_line: int  # 1-based, inclusive
    sections: tuple[Section, ...]  # headings inside the model's part
    harness_sections: tuple[Section, ...] = field(default=())
    header: dict[str, str] = field(default_factory=dict)  # "- **Date:** ..." lines

    @property
    def model_lines(self) -> list[tuple[int, str]]:
        return [(n, self.lines[n - 1]) for n in range(self.model_first_line,
                                                      self.model_last_line + 1)]

    @property
    def model_text(self) -> str:
        return "\n".join(text for _, text in self.model_lines)


_MARKUP = re.compile(r"[*_`#]")
_NUMBERING = re.compile(r"^(?:section\s+)?(?:\d+(?:\.\d+)*|[IVX]+)[.):]?\s+", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[^\w\s/&-]")
_SPACES = re.compile(r"\s+")
_URL = re.compile(r"https?://\S+")
_WORD_MARKUP = re.compile(r"[|#*_`>]")
_HEADER_FIELD = re.compile(r"^\s*[-*]\s+\*\*([^*:]+):?\*\*:?\s*(.*)$")
# Only these end a line: an editor, grep and a reader's "line 30" count them and nothing else
# (str.splitlines would also break at U+2028, form feeds and other separators).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@functools.lru_cache(maxsize=4096)
def normalise_title(title: str) -> str:
    # Cached: every check asks for the key of the same few dozen headings.
    text = _MARKUP.sub("", title).strip()
    text = _NUMBERING.sub("", text)
    text = _PUNCTUATION.sub("", text)
    return _SPACES.sub(" ", text).strip().lower()


def words(text: str) -> list[str]:
    """Words as a reader counts them: Markdown markup, table rules and URLs do not count."""
    cleaned = _URL.sub(" ", text)
    cleaned = _WORD_MARKUP.sub(" ", cleaned)
    return _WORD.findall(cleaned)


def split_lines(text: str) -> tuple[str, ...]:
    """The lines of ``text`` as a reader numbers them: broken at \\n, \\r\\n and \\r only."""
    # Most text has no "\r": then a plain split (in C) breaks it at the same places.
    lines = _LINE_BREAK.split(text) if "\r" in text else text.split("\n")
    if lines[-1] == "":
        lines.pop()  # a final line break ends the last line; it does not start another
    return tuple(lines)


def parse_report(text: str) -> ParsedReport:
    """Split ``text`` into sections. Never raises on any string."""
    lines = split_lines(text)
    start, end = 1, len(lines)
    marked = False
    for number, line in enumerate(lines, start=1):
        if line.strip() == MODEL_START:
            start = number + 1
            marked = True
        elif line.strip() == MODEL_END and marked:
            end = number - 1
            break
    all_heads = _headings(lines, 1, len(lines))
    all_sections = _sections(lines, len(lines), all_heads)
    if marked:
        # Where no code block is open at its start (an even number of fence lines before it),
        # the model's part has the headings the whole document has there.
        fences = sum(1 for line in lines[:start - 1] if line.lstrip().startswith("```"))
        model_heads = ([head for head in all_heads if start <= head[0] <= end]
                       if fences % 2 == 0 else _headings(lines, start, end))
        model_sections = _sections(lines, end, model_heads)
        harness = tuple(s for s in all_sections if s.line > end or s.line < start)
        harness = tuple(s for s in harness if s.key in HARNESS_SECTIONS)
    else:
        harness = tuple(s for s in all_sections if s.key in HARNESS_SECTIONS)
        if harness:
            end = min(s.line for s in harness) - 1
        model_sections = tuple(s for s in all_sections if s.line <= end)
    header = _header_fields(lines[: max(0, start - 1)] if marked else lines[:20])
    return ParsedReport(
        lines=lines,
        model_first_line=start,
        model_last_line=max(start - 1, end),
        sections=model_sections,
        harness_sections=harness,
        header=header,
    )


def _header_fields(lines: tuple[str, ...]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in lines:
        match = _HEADER_FIELD.match(line)
        if match:
            fields[match.group(1).strip().lower()] = match.group(2).strip()
    return fields


def _headings(lines: tuple[str, ...], first: int, last: int) -> list[tuple[int, int, str]]:
    """(line, level, title) of each heading from line ``first`` to ``last``."""
    heads: list[tuple[int, int, str]] = []
    in_code = False
    for number in range(first, last + 1):
        line = lines[number - 1]
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        # The patterns only look at lines that start as a heading does: most lines do not.
        match = _HEADING.match(line) if line.startswith("#") else None
        if match and match.group(2):
            heads.append((number, len(match.group(1)), match.group(2)))
            continue
        stripped = line.strip()
        bold = _BOLD_HEADING.match(stripped) if stripped.startswith("**") else None
        if bold and len(bold.group(1)) <= 80:
            heads.append((number, 7, bold.group(1)))
    return heads


def _sections(lines: tuple[str, ...], last: int,
              heads: list[tuple[int, int, str]]) -> tuple[Section, ...]:
    """The sections of ``heads``, the last one ending at line ``last``."""
    sections: list[Section] = []
    for index, (number, level, title) in enumerate(heads):
        stop = last
        for later_line, later_level, _ in heads[index + 1:]:
            if later_level <= level or level == 7:
                stop = later_line - 1
                break
        body = tuple(lines[number:stop])
        sections.append(Section(title=title, level=level, line=number, end_line=stop, body=body))
    return tuple(sections)


@dataclass(frozen=True)
class ReportShape:
    """The measurable shape of the model's report, checked against a persona's expectations."""

    word_count: int
    sections: list[dict[str, Any]]  # {"title", "key", "line", "numbered", "words"}
    numbered_sections: int
    table_rows: int  # data rows of the largest table (header and rule excluded)
    table_line: int  # where that table starts, 0 if none
    bullets: int
    language: str
    last_line: int

    def as_json(self) -> dict[str, Any]:
        return {
            "word_count": self.word_count,
            "sections": self.sections,
            "numbered_sections": self.numbered_sections,
            "table_rows": self.table_rows,
            "bullets": self.bullets,
            "language": self.language,
        }


def shape_of(parsed: ParsedReport) -> ReportShape:
    from .language import detect_language

    model = parsed.model_lines
    text = "\n".join(line for _, line in model)
    best_rows, best_line, rows, row_start = 0, 0, 0, 0
    bullets = 0
    for number, line in model:
        if _TABLE_ROW.match(line):
            if rows == 0:
                row_start = number
            rows += 1
        else:
            rows = 0
        if rows and not _TABLE_RULE.match(line):
            data_rows = _table_data_rows(parsed.lines, row_start, number)
            if data_rows > best_rows:
                best_rows, best_line = data_rows, row_start
        if _BULLET.match(line):
            bullets += 1
    sections = [
        {"title": s.title, "key": s.key, "line": s.line, "numbered": s.numbered,
         "words": len(words("\n".join(s.body)))}
        for s in parsed.sections
    ]
    return ReportShape(
        word_count=len(words(text)),
        sections=sections,
        numbered_sections=sum(1 for s in parsed.sections if s.numbered),
        table_rows=best_rows,
        table_line=best_line,
        bullets=bullets,
        language=detect_language(text),
        last_line=parsed.model_last_line,
    )


def _table_data_rows(lines: tuple[str, ...], first: int, last: int) -> int:
    block = lines[first - 1:last]
    has_rule = len(block) >= 2 and bool(_TABLE_RULE.match(block[1]))
    return max(0, len(block) - (2 if has_rule else 1))


# -- rendering the artifact -------------------------------------------------------------------

METRIC_COLUMNS = (
    ("TTFT (ms)", "ttft_ms", "{:.1f}"),
    ("throughput (tok/s)", "tokens_per_s", "{:.2f}"),
    ("total (s)", "total_s", "{:.3f}"),
    ("prompt eval (s)", "prompt_eval_s", "{:.3f}"),
    ("eval (s)", "eval_s", "{:.3f}"),
    ("load (s)", "load_s", "{:.3f}"),
    ("prompt tokens", "prompt_tokens", "{:d}"),
    ("tokens generated", "eval_tokens", "{:d}"),
)


def format_options(options: dict[str, Any]) -> str:
    if not options:
        return "server defaults (no options set)"
    return ", ".join(f"{key}={value}" for key, value in sorted(options.items()))


def render_report(run: dict[str, Any]) -> str:
    """The Markdown artifact for one run record (see schemas/run.schema.json)."""
    agent, persona, backend = run["agent"], run["persona"], run["backend"]
    inventory = run["inventory"]
    out = [
        f"# Technical Report — agent {agent['name']}, persona {persona['id']}",
        "",
        f"- **Date:** {run['run_date']}",
        f"- **Agent:** {agent['name']}",
        f"- **Model:** {backend['model']}",
        f"- **Backend:** {backend['name']} ({backend['description']})",
        f"- **Configuration:** {format_options(agent['options'])}",
        f"- **Persona:** {persona['id']} — {persona['title']}",
        "",
        MODEL_START,
        run["report_text"].rstrip("\n"),
        MODEL_END,
        "",
        "## Workflow Summary",
        "",
        f"- Files analysed: {inventory['total_files']}",
    ]
    for phase, seconds in run["phases"].items():
        out.append(f"- {phase.capitalize()} phase: {seconds:.3f} s")
    for call in run["calls"]:
        budget = call["budget"]
        if budget["left_out"]:
            out.append(
                f"- {call['phase'].capitalize()} prompt shortened to fit num_ctx="
                f"{budget['num_ctx']}: left out {len(budget['left_out'])} data-summary line(s)"
            )
    by_type = ", ".join(f"{k} {v}" for k, v in inventory["files_by_type"].items())
    out += [
        "",
        "## Data Summary",
        "",
        f"- Corpus: {inventory['root']}",
        f"- Total files: {inventory['total_files']}",
        f"- Total size: {inventory['total_bytes']:,} bytes",
        f"- Files by type: {by_type}",
        f"- Latest modified: {inventory['latest_modified']} ({inventory['latest_modified_path']})",
    ]
    if inventory.get("data_period"):
        out.append(f"- Data period: {inventory['data_period'][0]} to {inventory['data_period'][1]}")
    out.append("- Sample paths: " + ", ".join(f"`{p}`" for p in inventory["sample_paths"]))
    for problem in inventory["problems"]:
        out.append(f"- Not fully read: `{problem['path']}` ({problem['reason']})")
    out += ["", "## Metrics", ""]
    header = ["call", *(title for title, _, _ in METRIC_COLUMNS)]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---|" * len(header))
    rows = [(call["phase"], call["metrics"]) for call in run["calls"]]
    rows.append(("combined", run["metrics"]))
    for label, metrics in rows:
        cells = [label, *(fmt.format(metrics[key]) for _, key, fmt in METRIC_COLUMNS)]
        out.append("| " + " | ".join(cells) + " |")
    if run["replayed"]:
        out += ["", "Timings above are replayed from a cassette, not measured in this run."]
    out += ["", "## Persona Prompt", ""]
    out += [f"> {line}" if line else ">" for line in persona["prompt"].strip().splitlines()]
    out.append("")
    return "\n".join(out)
