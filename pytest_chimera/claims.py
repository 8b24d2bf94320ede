"""Report text → the factual claims it makes about the corpus.

A claim is a statement a reader could check against the corpus: a file count, a date, a size,
a path, a metric value, the language the report is written in. Extraction is deliberately
rule-based: every claim carries the line it stands on and the snippet it was read from, so a
verdict can always be explained by pointing at the text.

The extractor never decides whether a claim is true (that is :mod:`faithfulness`), but it does
decide what a number is *about*. When the wording does not say (``"20 files were slow"``) the
claim is still emitted, with the words it could not place, so that it is reported as
unverifiable rather than silently dropped or wrongly checked against the total.

:class:`Hints` lets the caller name what the corpus contains (folders, file-name tokens, metric
names); with them "gemma3: 9 files" reads as a folder count and "heading count: 12" as a metric.
Without them only explicit wording is recognised. Extraction never raises on any string.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import NamedTuple

from .language import detect_language, letter_runs
from .report import MODEL_END, MODEL_START, ParsedReport, Section, parse_report

__all__ = [
    "CLAIM_KINDS",
    "Claim",
    "Hints",
    "extract_claims",
    "file_kind",
    "metric_group",
    "name_tokens",
]

CLAIM_KINDS = (
    "count.total", "count.type", "count.folder", "count.family", "count.folders",
    "count.problems", "time.latest", "time.earliest", "time.report_date", "time.period",
    "size.total", "size.average", "size.file", "path.exists", "path.missing", "metric", "language",
    "harness.header", "harness.workflow_summary", "harness.data_summary", "harness.metrics",
    "harness.persona_prompt",
)


@dataclass(frozen=True)
class Claim:
    """One checkable statement of a report.

    ``text`` is the snippet as it reads once Markdown emphasis and code marks are removed; for
    a table cell it is ``"row — column: cell"``. ``line`` is 1-based in the whole document.
    """

    line: int
    text: str
    kind: str
    subject: str = ""  # "json", "reports/gemma3", "conv_bench_*.json", metric group, language
    value: float | None = None
    unit: str = ""  # files, %, B, kB, KiB, MB, ms, s, tok/s, date, minute, second, month
    qualifier: str = ""  # about, over, under, at least, at most; for metrics the statistic
    decimals: int = 0  # digits after the decimal point as written: the rounding it implies
    name: str = ""  # the words the report used for the subject (metric name, family words)
    when: str = ""  # ISO date/datetime; "start/end" for a period
    filters: tuple[tuple[str, str], ...] = ()  # count filters: kind, folder, pattern, token...
    section: str = "model"  # model, header, or the harness section's key
    scope: str = ""  # for a metric: the file or folder the text ties the value to, as written

    @property
    def tolerance(self) -> float:
        """Half a unit of the last digit written: "45.3" stands for 45.25..45.35."""
        return 0.5 * 10.0 ** (-self.decimals)


@dataclass(frozen=True)
class Hints:
    """What the corpus holds, so that bare names in the text can be recognised.

    All entries are lower-case. ``folders`` holds folder paths and folder names; ``tokens``
    holds file-name tokens and their runs joined by "_" ("conv_bench", "gemma3_1b");
    ``metrics`` holds metric names as the corpus writes them (CSV columns, JSON keys).
    A common noun ("benchmark", "results") names a family of files only when it is a whole
    file name (``stems``) or written as code ("conv_bench"): "20 benchmark files" says too
    little to pick files by.
    """

    folders: frozenset[str] = frozenset()
    tokens: frozenset[str] = frozenset()
    metrics: frozenset[str] = frozenset()
    stems: frozenset[str] = frozenset()  # whole file names without extension


NO_HINTS = Hints()

# -- vocabulary --------------------------------------------------------------------------------

_FILEW = (r"(?:files?|documents?|artifacts?|artefacts?|файл(?:ов|а|ы)?|dateien|datei|"
          r"fichiers?|archivos?|arquivos?|ficheros?|bestanden|bestand)")
_FOLDERW = (r"(?:folders?|directories|directory|dirs?|subfolders?|subdirectories|"
            r"sub-folders?|sub-directories|папк[аиеу]|папок|каталог(?:ов|а|и)?|ordner|dossiers?|"
            r"carpetas?|pastas?|directorios?|répertoires?)")
_KINDW = (r"(?:\.?json|\.?csv|markdown|\.?md|\.?txt|plain[- ]text|text|others?|unknown|"
          r"binary|misc(?:ellaneous)?)")
_KIND_OF = {
    "json": "json", ".json": "json", "csv": "csv", ".csv": "csv", "markdown": "md", "md": "md",
    ".md": "md", "txt": "txt", ".txt": "txt", "text": "txt", "plain-text": "txt",
    "plain text": "txt", "other": "other", "others": "other", "unknown": "other",
    "binary": "other", "misc": "other", "miscellaneous": "other",
}
KIND_LABEL = {"json": "JSON", "csv": "CSV", "md": "Markdown", "txt": "text", "other": "other"}

_QUALIFIERS = {
    "about": "about", "approximately": "about", "approx": "about", "approx.": "about",
    "around": "about", "roughly": "about", "nearly": "about", "almost": "about", "~": "about",
    "≈": "about", "some": "about", "circa": "about", "ca.": "about", "около": "about",
    "примерно": "about", "over": "over", "more than": "over", "above": "over",
    "upwards of": "over", "greater than": "over", "более": "over", "больше": "over",
    "under": "under", "less than": "under", "fewer than": "under", "below": "under",
    "менее": "under", "меньше": "under", "at least": "at least", "at most": "at most",
    "up to": "at most", "no more than": "at most", "exactly": "", "only": "", "just": "",
    "über": "over", "mehr als": "over", "unter": "under", "weniger als": "under",
    "mindestens": "at least", "höchstens": "at most", "bis zu": "at most", "etwa": "about",
    "ungefähr": "about", "rund": "about", "свыше": "over", "не менее": "at least",
    "не более": "at most",
}
# "не менее" before "менее": the longer phrase is the one meant.
_QUAL_RE = (r"(?:не менее|не более|about|approximately|approx\.?|around|roughly|nearly|almost|"
            r"some|circa|ca\.|"
            r"over|more than|above|upwards of|greater than|under|less than|fewer than|below|"
            r"at least|at most|up to|no more than|exactly|only|just|около|примерно|более|"
            r"больше|менее|меньше|über|mehr als|unter|weniger als|mindestens|höchstens|bis zu|"
            r"etwa|ungefähr|rund|свыше|~|≈)")

_SMALL_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_NUMBER_WORDS = frozenset({*_SMALL_NUMBERS, *_TENS, "hundred", "single"})
_SMALL_RE = "|".join(sorted(_SMALL_NUMBERS, key=len, reverse=True))
_TENS_RE = "|".join(_TENS)
# Every number word starts with one of these letters: a quick look at the first letter spares
# the alternatives below at every other word boundary.
_NUMBER_INITIALS = "".join(sorted({word[0] for word in (*_NUMBER_WORDS, "a")}))
_WORD_NUMBER = re.compile(
    rf"\b(?=[{_NUMBER_INITIALS}])"
    rf"(?:(?:(?:a|one|two|three|four|five|six|seven|eight|nine)\s+hundred)"
    rf"(?:\s+(?:and\s+)?(?:(?:{_TENS_RE})(?:[\s-](?:{_SMALL_RE}))?|{_SMALL_RE}))?"
    rf"|(?:{_TENS_RE})(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?"
    rf"|{_SMALL_RE}|(?:a\s+)?single)\b",
    re.IGNORECASE,
)

_UNIT_RE = (r"(?:ms|msec|milliseconds?|мс|s|sec|secs|seconds?|с|сек|min|mins|minutes?|мин|"
            r"h|hrs?|hours?|tok/s|tokens?/s(?:ec)?|t/s|"
            r"tokens? per second|%|percent|KiB|MiB|GiB|KB|kB|Kb|kb|MB|Mb|mb|GB|gb|B|bytes?|"
            r"байт(?:а|ов)?|КБ|Кб|МБ|Мб|octets?|ko|Ko|Mo)")
# A number starts with a digit or a point: a look at the first character spares every other
# position the lookbehind and the alternatives.
_NUMBER = re.compile(
    r"(?=[\d.])(?<![\w.,/#])"
    r"(?P<num>[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?|\d+,\d{1,2}(?![\d,])|0,\d+(?![\d,])|"
    r"\d+(?:\.\d+)?|\.\d+)"
    r"(?P<glued>(?:ms|s|sec|min|h|KB|kB|KiB|MB|MiB|GB|B|%)(?![\w/]))?(?![\w]|[.,]\d)"
)
_NOT_A_QUANTITY_AFTER = re.compile(r"\s*(?:times\b|-?fold\b|[x×](?!\w)|раз(?:а|)\b|mal\b|fois\b|"
                                   r"veces\b)", re.IGNORECASE)
_MODEL_SIZE_AFTER = re.compile(r"[\s-]*(?:models?|param\w*|variants?|instruct|class|versions?)\b",
                               re.IGNORECASE)
_LABEL_BEFORE = re.compile(r"\b(?:week|turn|run|prompt|stage|step|round|day|phase|iteration|"
                           r"batch|case|row|section|chapter|part|version|woche|semaine|semana|"
                           r"неделя|неделе)\s+$", re.IGNORECASE)
_UNIT_AFTER = re.compile(rf"[ \u00a0]?(?P<unit>{_UNIT_RE})(?![\w/])")
# "2.1 The csv_data directory holds …", "3.1 Throughput scales …": a numbered paragraph's
# number, at the start of its line, before a capital.
_SECTION_NUMBER = re.compile(r"\d{1,2}(?:\.\d{1,2})+\.?\s+[A-ZА-Я]")
_TIME_OF_DAY = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])")
_VERSION = re.compile(r"\bv?\d+(?:\.\d+){2,}\b")

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
    "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6, "июль": 7,
    "август": 8, "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
    "januar": 1, "februar": 2, "märz": 3, "mai": 5, "juni": 6, "juli": 7, "oktober": 10,
    "dezember": 12,
}
_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # any year's most
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MONTH_WORDS = frozenset(name.casefold() for name in _MONTHS)
_ISO_DATE = re.compile(
    r"(?<![\d-])(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)"
    r"(?:[T ](?P<H>\d\d):(?P<M>\d\d)(?::(?P<S>\d\d)(?:\.\d+)?)?"
    r"(?:\s?(?P<tz>Z|UTC|GMT|[+-]\d\d:?\d\d))?)?(?![\d])"
)
_SLASH_DATE = re.compile(r"(?<![\d/])(?P<y>(?:19|20)\d\d)/(?P<m>\d\d?)/(?P<d>\d\d?)(?![\d/])")
_DAY_MONTH_YEAR = re.compile(r"(?<![\d/])(?P<a>\d\d?)/(?P<b>\d\d?)/(?P<y>(?:19|20)\d\d)(?![\d/])")
# A full stop after the year ends the sentence: "to 29.10.2025." is still a date.
_DOT_DATE = re.compile(r"(?<![\d.])(?P<d>\d\d?)\.(?P<m>\d\d?)\.(?P<y>(?:19|20)\d\d)"
                       r"(?!\d|\.\d)")
_NAMED_DATE = re.compile(
    rf"(?<![\w])(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?(?P<mon1>{_MONTH_RE})\.?"
    rf"|(?P<mon2>{_MONTH_RE})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:]))"
    r"(?:,?\s+(?P<y>(?:19|20)\d\d)(?:\s*г(?:ода|\.)?)?)?"
    r"(?:,?\s+(?:at\s+)?(?P<H>\d\d?):(?P<M>\d\d)(?:\s?(?P<tz>UTC|GMT|Z))?)?(?![\w])",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(rf"(?<![\w])(?P<mon>{_MONTH_RE})\s+(?P<y>(?:19|20)\d\d)(?![\w])",
                         re.IGNORECASE)

_STAT_RE = (r"(?:mean|average|avg|median|p50|p90|p95|p99|9[059]th[- ]percentile|percentile|"
            r"max(?:imum)?|min(?:imum)?|peak|highest|lowest|fastest|slowest|best|worst|"
            r"std(?:dev)?|stdev|standard deviation|σ|средн\w*|медиан\w*|максимал\w*|минимал\w*)")
_STAT_NORMAL = {
    "average": "mean", "avg": "mean", "mean": "mean", "median": "median", "p50": "median",
    "maximum": "max", "max": "max", "peak": "max", "highest": "max", "fastest": "max",
    "best": "max", "minimum": "min", "min": "min", "lowest": "min", "slowest": "min",
    "worst": "min", "std": "stddev", "stddev": "stddev", "stdev": "stddev",
    "standard deviation": "stddev", "σ": "stddev", "percentile": "percentile",
    "95th percentile": "p95", "99th percentile": "p99", "90th percentile": "p90",
}

_METRIC_ALIASES: tuple[tuple[str, str], ...] = (
    (r"time[- ]to[- ]first[- ]token|first[- ]token (?:latency|time)|ttft(?:[ _](?:ms|s))?",
     "ttft"),
    (r"tokens?\s?/\s?s(?:ec(?:ond)?)?|tok\s?/\s?s|t/s|tokens? per second|tokens? a second|"
     r"throughput|decode speed|generation speed|decoding speed|tps|пропускная способность|"
     r"скорость генерации|токенов в секунду|ток/с", "throughput"),
    (r"prompt[- ]eval(?:uation)?(?:[- ](?:time|duration))?|prompt processing(?: time)?",
     "prompt_eval"),
    # A bare "load" or "eval" is a duration only with a time unit in brackets: "load (s)".
    (r"(?:model )?load(?:ing)?[- ](?:time|duration)|model load|load(?=\s?\((?:m?s|sec)\))",
     "load"),
    (r"eval(?:uation)?[- ](?:time|duration)|generation time|decode time|"
     r"eval(?=\s?\((?:m?s|sec)\))", "eval"),
    (r"tokens generated|generated tokens|output tokens|eval[- ]count", "eval_count"),
    (r"prompt tokens|input tokens", "prompt_tokens"),
    (r"context tokens", "context_tokens"),
    (r"latency|response time|задержк\w*", "latency"),
    (r"context (?:window|size|length)", "num_ctx"),
    (r"gpu layers", "num_gpu"),
    (r"binary size", "binary_size"),
    (r"wall[- ]?(?:clock )?time|build time", "wall"),
    (r"compil(?:e|ation) time", "compile"),
    (r"link(?:ing)? time", "link"),
    (r"configur(?:e|ation) time", "configure"),
    (r"test time", "test"),
    (r"heading count|headings", "heading_count"),
)
_METRIC_ALIAS_RE = [(re.compile(rf"(?<![\w/])(?:{pattern})(?![\w])", re.IGNORECASE), group)
                    for pattern, group in _METRIC_ALIASES]
# Every position where some alias matches, in one pass (zero-width, so overlapping ones too):
# most blocks name none, and the aliases are then tried only there, not each over the whole
# text. One lookbehind for all of them, and a look for the letter each alias starts with:
# they reject a position inside a word or between words before any alias is tried.
_METRIC_ALIAS_AT = re.compile(
    r"(?=(?<![\w/])(?=[^\W\d_])(?:" +
    "|".join(f"(?:{pattern})" for pattern, _ in _METRIC_ALIASES) + r")(?![\w]))", re.IGNORECASE)
# The aliases are written in lower case, so in ASCII text lowered they match where they match
# in the text, case and all, without IGNORECASE; and without it the engine skips an alias on
# its first letter instead of comparing it (the search tries every word).
_METRIC_ALIAS_AT_LOWER = re.compile(_METRIC_ALIAS_AT.pattern)
_IDENTIFIER = re.compile(r"(?<![\w/.])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w/])")

_THROUGHPUT_UNITS = re.compile(r"^(?:tok/s|tokens?/s(?:ec)?|t/s|tokens? per second)$", re.I)

# The patterns below run once per word or per number: compiled once here, not looked up in
# re's cache (and, for those built from the vocabulary, formatted) at every call.
_SPACE = re.compile(r"\s")
# "1,5" and "0,137" are decimal commas; "1,234" separates thousands (which never start "0,").
_DECIMAL_COMMA = re.compile(r"\d+,\d{1,2}|0,\d+")
_FILE_WORD = re.compile(_FILEW, re.IGNORECASE)
_FOLDER_WORD = re.compile(_FOLDERW, re.IGNORECASE)
_KIND_WORD = re.compile(rf"(?<![\w/.]){_KINDW}(?![\w/])", re.IGNORECASE)
_GLUED_KIND = re.compile(rf"(?P<k>{_KINDW})-(?P<f>{_FILEW})", re.IGNORECASE)


# -- names -------------------------------------------------------------------------------------


def file_kind(word: str) -> str | None:
    """The inventory kind ("json", "csv", "md", "txt", "other") a word names, if any."""
    lowered = word.strip().lower()
    return _KIND_OF.get(lowered.replace("-", " ")) or _KIND_OF.get(lowered)


_NAME_SPLIT = re.compile(r"[^a-z0-9]+")


def name_tokens(name: str) -> set[str]:
    """A file name's tokens and their runs of up to three joined by "_", lower-case."""
    parts = [p for p in _NAME_SPLIT.split(name.lower()) if p]
    found: set[str] = set()
    for size in (1, 2, 3):
        for start in range(len(parts) - size + 1):
            found.add("_".join(parts[start:start + size]))
    return found


_TIME_GROUPS = frozenset({"ttft", "prompt_eval", "load", "eval", "latency", "wall", "compile",
                          "link", "configure", "test", "total"})
_STAT_TOKENS = {"mean": "mean", "avg": "mean", "average": "mean", "median": "median",
                "p50": "median", "p90": "p90", "p95": "p95", "p99": "p99", "max": "max",
                "maximum": "max", "min": "min", "minimum": "min", "std": "stddev",
                "stddev": "stddev", "stdev": "stddev"}


@lru_cache(maxsize=4096)
def metric_group(name: str) -> tuple[str, str, str]:
    """(group, statistic, unit) for a metric name as a corpus or a report writes it.

    Names that mean the same thing share a group: ``ttft_ms``, ``mean_ttft_s`` and "TTFT" are
    all "ttft"; ``tokens_s``, ``tokens_per_second`` and "tok/s" are all "throughput". The unit
    is what the name says the values are in ("ms", "s", "tok/s", "MB") or "".
    """
    text = name.strip().lower()
    unit = ""
    paren = re.search(r"\(([^)]*)\)", text)
    if paren:
        inside = paren.group(1).strip()
        if inside in ("ms", "s", "sec", "seconds", "tok/s", "tokens/s", "mb", "%"):
            unit = {"sec": "s", "seconds": "s", "tokens/s": "tok/s", "mb": "MB"}.get(inside,
                                                                                   inside)
        text = text[:paren.start()] + " " + text[paren.end():]
    for pattern, group in _METRIC_ALIAS_RE:
        match = pattern.search(text)
        if match and match.group(0).strip() == text.strip().replace("  ", " "):
            if group == "throughput":
                unit = "tok/s"
            elif group == "ttft" and not unit:
                unit = "ms" if text.endswith("ms") else "s" if text.endswith(
                    (" s", "_s")) else ""
            stat = ""
            return group, stat, unit
    tokens = [t for t in re.split(r"[^a-z0-9%]+", text) if t]
    stat = ""
    kept: list[str] = []
    for token in tokens:
        if token in _STAT_TOKENS and not stat:
            stat = _STAT_TOKENS[token]
        else:
            kept.append(token)
    if kept and kept[-1] in ("ms", "msec"):
        unit, kept = unit or "ms", kept[:-1]
    elif kept and kept[-1] in ("s", "sec", "secs", "seconds") and not (
            len(kept) >= 2 and kept[-2] in ("tokens", "tok", "token")):
        unit, kept = unit or "s", kept[:-1]
    elif kept and kept[-1] == "mb":
        unit, kept = unit or "MB", kept[:-1]
    joined = "_".join(kept)
    if "ttft" in kept or "time_to_first_token" in joined or "first_token" in joined:
        return "ttft", stat, unit
    if ("tokens" in kept or "tok" in kept or "token" in kept) and (
            joined.endswith(("_s", "per_second", "per_s", "_sec")) or "per" in kept):
        return "throughput", stat, "tok/s"
    if joined in ("throughput", "tps", "tok_s", "t_s"):
        return "throughput", stat, "tok/s"
    if "prompt_eval" in joined and "count" not in kept:
        return "prompt_eval", stat, unit or "s"
    if joined in ("prompt_tokens", "prompt_eval_count", "input_tokens"):
        return "prompt_tokens", stat, unit
    if "load" in kept:
        return "load", stat, unit or "s"
    if joined in ("eval_count", "eval_tokens", "tokens_generated", "generated_tokens",
                  "output_tokens"):
        return "eval_count", stat, unit
    if kept and kept[0] == "eval" and len(kept) <= 2:
        return "eval", stat, unit or "s"
    if joined in ("binary_size",):
        return "binary_size", stat, unit or "MB"
    if joined in ("wall", "wall_time", "wall_clock", "build_time"):
        return "wall", stat, unit or "s"
    if joined in ("latency",):
        return "latency", stat, unit
    if joined in ("total", "total_time", "total_duration"):
        return "total", stat, unit or "s"
    if unit in ("s", "ms") and len(kept) == 1 and kept[0] in _TIME_GROUPS:
        return kept[0], stat, unit
    if not joined:
        return text.strip(), stat, unit
    return joined, stat, unit


# -- text preparation --------------------------------------------------------------------------

_BREAK_TAG = re.compile(r"<br\s*/?>")
_LIST_MARKER = re.compile(r"^(\s*(?:>\s*)*)(?:[-*+•]|\d{1,2}[.)])\s+")
# A heading's number ("## 3. Findings", "### 3.1 Throughput") orders the sections; it counts
# nothing, and goes with the marker. ("## 47 JSON files" keeps its number.)
_HEADING_MARKER = re.compile(r"^\s*#{1,6}\s+(?:(?:\d{1,2}(?:\.\d{1,2})+\.?|\d{1,2}[.)])\s+)?")
_BOLD_LINE = re.compile(r"^\s*\*\*[^*]{1,80}\*\*:?\s*$")
_EMPHASIS_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*.])|(?<=[^\s*_])\*(?![\w*.])")


def _clean(line: str) -> str:
    """The text with Markdown markup blanked out; positions stay those of the original."""
    text = line
    if "*" in text or "_" in text or "`" in text or "~" in text or "<" in text:
        # The marks "**", "__", "`", "~~" and "<br>" blanked one kind at a time, which blanks
        # what a single pass over all of them would: no two kinds share a character (a "<br>"
        # goes first, as blanking a "**" inside "<br **>" would make one of it). str.replace()
        # runs in C, where a pattern called back into Python for every mark.
        if "<" in text:
            text = _BREAK_TAG.sub(_blank, text)
        text = text.replace("**", "  ").replace("__", "  ").replace("`", " ").replace("~~", "  ")
        if "*" in text:
            text = _EMPHASIS_STAR.sub(" ", text)
    marker = _HEADING_MARKER.match(text) or _LIST_MARKER.match(text)
    if marker:
        text = " " * marker.end() + text[marker.end():]
    return text


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def _snippet(text: str) -> str:
    # split() and join() collapse each run of spaces (what "\s+" matches) to one, in C; the
    # ends they drop, the strip() would drop anyway.
    text = " ".join(text.split()).strip(" \t-–—:;,|")
    if text.count("(") > text.count(")"):
        text = text[text.rindex("(") + 1:].strip()
    if text.count(")") > text.count("(") and text.endswith(")"):
        text = text[:-1].rstrip()
    return text


# Every break starts with a space or ";": one look spares other positions the alternatives.
_SENTENCE_END = re.compile(
    r"(?=[\s;])(?:(?<=[.!?])\s+(?=[\"'(«`*]?[A-ZА-ЯЁ0-9])|;\s+|\s+\|\s+|\n)")


@lru_cache(maxsize=64)
def _sentence_marks(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Starts and ends of the breaks between sentences; a block asks once per number."""
    marks = [match.span() for match in _SENTENCE_END.finditer(text)]
    if not marks:
        return (), ()
    starts, ends = zip(*marks, strict=True)
    return starts, ends


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    starts, ends = _sentence_marks(text)
    before = bisect.bisect_right(ends, pos)  # breaks that end at or before pos
    after = bisect.bisect_left(starts, pos)  # the first break that starts at or after pos
    return (ends[before - 1] if before else 0), (starts[after] if after < len(starts)
                                                 else len(text))


# -- blocks of text ------------------------------------------------------------------------------


_LETTERS = re.compile(r"[^\W\d_]+")
_DIGIT = re.compile(r"\d")


@dataclass(slots=True)
class _Number:
    start: int
    end: int  # after the unit when one follows
    value: float
    decimals: int
    unit: str
    words: bool = False


@dataclass(slots=True)
class _Block:
    """A paragraph (its lines joined, so a sentence wrapped over two lines reads whole)."""

    starts: list[tuple[int, int]]  # (offset in the text, line number) of each line
    original: str
    text: str  # the original with markup blanked, same length
    section: str
    taken: list[tuple[int, int]] = field(default_factory=list)
    paths: list[tuple[int, int, str]] = field(default_factory=list)
    dates: list[tuple[int, int, str, str]] = field(default_factory=list)  # iso, precision
    used_paths: set[int] = field(default_factory=set)
    _masked: str | None = None
    _words: frozenset[str] | None = None
    _sorted_words: list[str] | None = None
    _folded: str | None = None

    @property
    def words_text(self) -> str:
        """The text case-folded."""
        if self._folded is None:
            self._folded = self.text.casefold()
        return self._folded

    @property
    def ascii_lowered(self) -> str | None:
        """The text lower-cased when it is ASCII (same length, same places), else None."""
        return self.words_text if self.text.isascii() else None  # casefold() is lower() there

    @property
    def sorted_words(self) -> list[str]:
        """The words, sorted."""
        if self._sorted_words is None:
            self._sorted_words = sorted(self.words)
        return self._sorted_words

    @property
    def words(self) -> frozenset[str]:
        """The runs of letters of the text, case-folded: cheap tests before costly patterns."""
        if self._words is None:
            self._words = frozenset(letter_runs(self.words_text))
        return self._words

    def at(self, pos: int) -> int:
        """The line number of a position in the text."""
        number = self.starts[0][1]
        for offset, line in self.starts:
            if offset > pos:
                break
            number = line
        return number

    @property
    def masked(self) -> str:
        """The cleaned text with paths blanked, so "report_x.md" does not read as "md"."""
        if self._masked is None:
            # The paths are sorted by where they start (_find_paths sorts them).
            pieces: list[str] = []
            done = 0
            for start, end, _ in self.paths:
                start = max(start, done)
                if end > start:
                    pieces += (self.text[done:start], " " * (end - start))
                    done = end
            pieces.append(self.text[done:])
            self._masked = "".join(pieces)
        return self._masked

    def free(self, start: int, end: int) -> bool:
        # A plain loop: this runs for every number, date and mention of every block.
        for taken_start, taken_end in self.taken:
            if start < taken_end and end > taken_start:
                return False
        return True


def _parse_number(raw: str) -> tuple[float, int] | None:
    text = raw.strip()
    # "1,5" is a decimal comma; "1,234" separates thousands.
    if "," in text:
        text = text.replace(",", ".") if _DECIMAL_COMMA.fullmatch(text) else text.replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    return value, decimals


_NUMBER_WORD_BREAK = re.compile(r"[\s-]+")


def _word_value(words: str) -> int | None:
    current = 0
    for word in _NUMBER_WORD_BREAK.split(words.lower()):
        if word in ("and", ""):
            continue
        if word in ("a", "single"):
            current = max(current, 1)
        elif word in _SMALL_NUMBERS:
            current += _SMALL_NUMBERS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        else:
            return None
    return current


def _numbers(block: _Block, digits: bool = True) -> list[_Number]:
    """The numbers of the block; without ``digits`` only those spelled out can be there."""
    text = block.text
    found: list[_Number] = []
    taken = block.taken
    for match in _NUMBER.finditer(text) if digits else ():
        start = match.start("num")
        end = match.end()
        if taken and not block.free(start, end):
            continue
        raw, glued = match.group("num", "glued")
        unit = glued or ""
        if "," in raw:
            parsed = _parse_number(raw)
            if parsed is None:
                continue
            value, decimals = parsed
        else:
            # Digits and at most one ".": what most numbers are, parsed without the checks a
            # comma needs.
            value = float(raw)
            if not math.isfinite(value):
                continue
            dot = raw.find(".")
            decimals = len(raw) - dot - 1 if dot >= 0 else 0
        if not unit:
            after = _UNIT_AFTER.match(text, end)
            if after:
                unit = after.group("unit")
                end = after.end()
        if decimals == 3 and "," not in raw and _normal_unit(unit) == "B":
            # "41.169 bytes", "1.188 octets": no file holds part of a byte, so the "." groups
            # thousands, as Spanish, German or Portuguese write them.
            value, decimals = value * 1000, 0
        numbered = not unit and "." in raw and (not start or text[start - 1] == "\n") and bool(
            _SECTION_NUMBER.match(text, start))
        if numbered or _NOT_A_QUANTITY_AFTER.match(text, end) or (
                unit == "B" and _MODEL_SIZE_AFTER.match(text, end)) or (
                start and _LABEL_BEFORE.search(text, max(0, start - 16), start)):
            # "5.6 times slower", "the 1B models", "week 1", "turn 3": a ratio, a model's
            # size and a label's number measure nothing the corpus holds.
            taken.append((start, end))
            continue
        found.append(_Number(start, end, value, decimals, _normal_unit(unit)))
    matches = _WORD_NUMBER.finditer(text) if block.words & _NUMBER_WORDS else ()
    spelled = False
    for match in matches:
        if not block.free(match.start(), match.end()):
            continue
        number = _word_value(match.group(0))
        if number is None:
            continue
        found.append(_Number(match.start(), match.end(), float(number), 0, "", words=True))
        spelled = True
    if spelled:  # the digits come in order; the words among them need sorting
        found.sort(key=lambda n: n.start)
    return found


@lru_cache(maxsize=256)
def _normal_unit(unit: str) -> str:
    lowered = unit.lower()
    if lowered in ("ms", "msec", "millisecond", "milliseconds", "мс"):
        return "ms"
    if lowered in ("s", "sec", "secs", "second", "seconds", "с", "сек"):
        return "s"
    if lowered in ("min", "mins", "minute", "minutes", "мин"):
        return "min"
    if lowered in ("h", "hr", "hrs", "hour", "hours", "ч"):
        return "h"
    if _THROUGHPUT_UNITS.match(unit):
        return "tok/s"
    if lowered in ("%", "percent"):
        return "%"
    if unit in ("KiB", "MiB", "GiB"):
        return unit
    if lowered in ("kb", "кб", "ko"):  # "ko", "Mo": kilo- and mega-octets, in French
        return "kB"
    if lowered in ("mb", "мб", "mo"):
        return "MB"
    if lowered == "gb":
        return "GB"
    if lowered in ("b", "byte", "bytes", "octet", "octets") or lowered.startswith("байт"):
        return "B"
    return unit


# -- paths -------------------------------------------------------------------------------------

_BACKTICKED = re.compile(r"`([^`\n]{1,300})`")
_EXTENSIONS = ("json", "csv", "md", "markdown", "txt", "log", "yaml", "yml", "toml", "py",
               "gguf", "parquet", "html", "png", "jsonl")
_EXT = r"(?:json|csv|md|markdown|txt|log|ya?ml|toml|py|gguf|DS_Store|parquet|html|png|jsonl)"
# The first three forms share their lookbehind: inside a word it fails once for all three.
_BARE_PATH = re.compile(
    rf"(?<![\w/.:@*-])(?:(?:\.{{1,2}}/)?(?:[\w.*-]+/)+(?:[\w.*-]+)?"
    rf"|[\w*-][\w.*-]*\.{_EXT}(?![\w/])"
    rf"|\.DS_Store(?![\w/]))"
    rf"|(?<![\w/.:@-])\*\.{_EXT}(?![\w/])"
)
_NOT_PATHS = re.compile(
    r"^(?:tok/s|tokens?/s(?:ec)?|t/s|ms/tok(?:en)?|s/tok(?:en)?|i/o|n/a|and/or|w/o|km/h|"
    r"kb/s|mb/s|gb/s|req/s|\d+/\d+|[a-z]/[a-z])$",
    re.IGNORECASE,
)


_ONLY_NUMBER_MARKS = re.compile(r"[\d.,/:-]+")
_NAME_CHAR = re.compile(r"[A-Za-z_]")
_ENDS_IN_EXT = re.compile(rf"\.{_EXT}$")
_FILE_NAME = re.compile(rf"[\w.-]+\.{_EXT}")
# Every bare path has a "/" or ends in ".json", ".csv" …: without either, no need to look.
_DOT_EXT = re.compile(rf"\.{_EXT}(?![\w/])")


def _looks_like_path(token: str, hints: Hints, backticked: bool) -> bool:
    if not token or "://" in token or token.startswith(("http", "www.")) or len(token) > 250:
        return False
    if _NOT_PATHS.match(token) or _SPACE.search(token.strip()):
        return False
    if _ONLY_NUMBER_MARKS.fullmatch(token):
        return False
    if token.startswith(".") and token[1:].lower() in _EXTENSIONS:
        return False  # ".json" names a file type, not a file
    if "*" in token or _ENDS_IN_EXT.search(token) or token.endswith("/"):
        return True
    if "/" in token:
        first = token.lstrip("./").split("/", 1)[0].lower()
        if (backticked or token.startswith(("./", "../")) or first in hints.folders
                or _near_folder_name(first, hints.folders)):
            return all(part and _NAME_CHAR.search(part)
                       for part in token.strip("/").split("/") if part not in (".", ".."))
    return False


def _near_folder_name(name: str, folders: frozenset[str]) -> bool:
    """Whether ``name`` is one edit away from a folder name of the corpus ("report" for
    "reports", "lama3" for "llama3"): a path a model garbled, not a ratio like "tok/s"."""
    if len(name) < 4 or not name.isalnum():
        return False
    for folder in folders:
        if "/" in folder or abs(len(folder) - len(name)) > 1 or len(folder) < 4:
            continue
        if _one_edit_apart(name, folder):
            return True
    return False


def _one_edit_apart(a: str, b: str) -> bool:
    if a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    # b is one longer: dropping one of its characters gives a.
    return any(b[:i] + b[i + 1:] == a for i in range(len(b)))


def _find_paths(block: _Block, hints: Hints) -> None:
    seen: list[tuple[int, int]] = []
    original = block.original
    if "`" not in original and "/" not in original and not _DOT_EXT.search(original):
        return
    for match in _BACKTICKED.finditer(original):
        token = match.group(1).strip()
        if _looks_like_path(token, hints, backticked=True):
            block.paths.append((match.start(1), match.end(1), token))
            seen.append((match.start(), match.end()))
    # A bare path holds no "`", so none reaches into a backticked path (which the bare ones
    # must not overlap): only the text between those is searched, and it reads the same there.
    gap_start = 0
    for gap_end, next_start in [*seen, (len(original), len(original))]:
        # As for the whole block: a gap with neither a "/" nor a ".json" has no bare path.
        bare = original.find("/", gap_start, gap_end) >= 0 or _DOT_EXT.search(
            original, gap_start, gap_end) is not None
        for match in _BARE_PATH.finditer(original, gap_start, gap_end) if bare else ():
            token = match.group(0)
            stripped = token.rstrip(".,;:)")
            if token.endswith("/") and stripped == token.rstrip("/"):
                stripped = token
            start = match.start()
            if stripped.startswith("**") and stripped.endswith("**") and len(stripped) > 4:
                # Bold, not a glob: "**csv_data/a.csv**".
                stripped = stripped[2:-2]
                start += 2
            if _looks_like_path(stripped, hints, backticked=False):
                block.paths.append((start, start + len(stripped), stripped))
        gap_start = next_start
    block.paths.sort()
    block.taken.extend((start, end) for start, end, _ in block.paths)


# -- dates -------------------------------------------------------------------------------------


# Each numeric date has a year 19xx or 20xx beside its mark: "2025-10-", "2025/10", "29.10.2025";
# a time of day has "1:30" in it, a version number "1.2.3". Most blocks have none of them: these
# quick searches spare them the patterns. Each hint starts at its mark and looks behind for the
# digits: the search then skips from mark to mark, where one that started with a digit would
# stop at every digit (and paths are full of them).
_ISO_DATE_HINT = re.compile(r"-(?<=(?:19|20)\d\d-)\d\d-")
_SLASH_DATE_HINT = re.compile(r"/(?<=(?:19|20)\d\d/)\d")
_DOT_DATE_HINT = re.compile(r"\.(?<=\d\.)(?:19|20)\d\d")
_TIME_OF_DAY_HINT = re.compile(r":(?<=\d:)\d")
_VERSION_HINT = re.compile(r"\.(?<=\d\.)\d+\.\d")


def _find_dates(block: _Block) -> None:
    text = block.text
    for match in _ISO_DATE.finditer(text) if _ISO_DATE_HINT.search(text) else ():
        if not block.free(match.start(), match.end()):
            continue
        try:
            day = date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        except ValueError:
            continue
        iso, precision = day.isoformat(), "date"
        if match.group("H"):
            try:
                moment = datetime(day.year, day.month, day.day, int(match.group("H")),
                                  int(match.group("M")), int(match.group("S") or 0))
            except ValueError:
                moment = None
            if moment is not None:
                precision = "second" if match.group("S") else "minute"
                tz = match.group("tz")
                if tz:
                    moment = moment.replace(tzinfo=_tzinfo(tz))
                iso = moment.isoformat()
        _add_date(block, match.start(), match.end(), iso, precision)
    for pattern, hint in ((_SLASH_DATE, _SLASH_DATE_HINT), (_DOT_DATE, _DOT_DATE_HINT)):
        for match in pattern.finditer(text) if hint.search(text) else ():
            if not block.free(match.start(), match.end()):
                continue
            try:
                day = date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
            except ValueError:
                continue
            _add_date(block, match.start(), match.end(), day.isoformat(), "date")
    for match in _DAY_MONTH_YEAR.finditer(text) if "/" in text else ():
        # "10/29/2025" (US) or "29/10/2025": a day over 12 tells which; "10/06/2025" could be
        # either, so it is no date to check, and none of its numbers is a figure.
        if not block.free(match.start(), match.end()):
            continue
        first, second, in_year = (int(match.group(n)) for n in ("a", "b", "y"))
        day_month = (second, first) if first <= 12 < second else (
            (first, second) if second <= 12 < first else None)
        try:
            written = date(in_year, day_month[1], day_month[0]) if day_month else None
        except ValueError:
            written = None
        if written is None:
            block.taken.append((match.start(), match.end()))
        else:
            _add_date(block, match.start(), match.end(), written.isoformat(), "date")
    named: list[tuple[int, int, int | None, int, int, str]] = []
    # A month is always a word of its own: without one, the month patterns cannot match.
    months = bool(block.words & _MONTH_WORDS)
    for match in _NAMED_DATE.finditer(text) if months else ():
        if not block.free(match.start(), match.end()):
            continue
        month = _MONTHS.get((match.group("mon1") or match.group("mon2") or "").lower())
        day_text = match.group("d1") or match.group("d2")
        if month is None or day_text is None:
            continue
        year = int(match.group("y")) if match.group("y") else None
        time_part = ""
        if match.group("H") and year is not None:
            time_part = f"T{int(match.group('H')):02d}:{match.group('M')}"
            if match.group("tz"):
                time_part += "+00:00"
        named.append((match.start(), match.end(), year, month, int(day_text), time_part))
    # "from September 29 to October 29, 2025": the first date borrows the second's year.
    for index, (start, end, year, month, day_number, time_part) in enumerate(named):
        if year is None:
            later = [n[2] for n in named[index + 1:] if n[2] is not None]
            if not later:
                # "its log of 12 October": a day of a month, no date to check, and no number
                # of anything either.
                if day_number <= _DAYS_IN_MONTH[month]:
                    block.taken.append((start, end))
                continue
            year = later[0]
        try:
            day = date(year, month, day_number)
            if time_part:
                datetime.fromisoformat(day.isoformat() + time_part)
        except ValueError:
            continue
        _add_date(block, start, end, day.isoformat() + time_part,
                  "minute" if time_part else "date")
    for match in _MONTH_YEAR.finditer(text) if months else ():
        if not block.free(match.start(), match.end()):
            continue
        month = _MONTHS.get(match.group("mon").lower())
        if month is None:
            continue
        _add_date(block, match.start(), match.end(), f"{match.group('y')}-{month:02d}", "month")
    block.dates.sort()
    for pattern, hint in ((_TIME_OF_DAY, _TIME_OF_DAY_HINT), (_VERSION, _VERSION_HINT)):
        for match in pattern.finditer(text) if hint.search(text) else ():
            if block.free(match.start(), match.end()):
                block.taken.append((match.start(), match.end()))


def _tzinfo(tz: str) -> timezone:
    if tz in ("Z", "UTC", "GMT"):
        return UTC
    sign = 1 if tz[0] == "+" else -1
    digits = tz[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def _add_date(block: _Block, start: int, end: int, iso: str, precision: str) -> None:
    block.dates.append((start, end, iso, precision))
    block.taken.append((start, end))


# The look after "\b" names the letters the phrases start with: at any other word the search
# moves on without trying them. (_TRIGGER_STARTS below lists the words.)
_LATEST = re.compile(
    r"\b(?=[lmnpпс])(?:latest|most[- ]recent(?:ly)?|newest|last[- ]modified|"
    r"last modification|last[- ]updated|last change|modified last|"
    r"last (?:run|benchmark|measurement)|"
    r"последн\w*|самый свеж\w*|neueste\w*|"
    r"letzte\w*|plus récent\w*)", re.IGNORECASE)
_EARLIEST = re.compile(r"\b(?=[eofсä])(?:earliest|oldest|first[- ]modified|"
                       r"first (?:run|benchmark|measurement)|старейш\w*|самый ранн\w*|"
                       r"älteste\w*)", re.IGNORECASE)
# One "\b" before the English phrases, not one each, and a look for their first letters: inside
# a word, or at a word none starts, the search moves on at once. ("as of" and "дата отчёта"
# changed places: they cannot both match at one place.)
_REPORT_DATE = re.compile(
    r"(?:^\s*(?:date|datum|дата)\s*:|\b(?=[acdgiprtw])(?:report(?:ing)? date\b|"
    r"date of (?:this |the )?report\b|"
    r"(?:this report (?:was |is )?)?(?:generated|prepared|written|created|compiled|produced|"
    r"published|issued|dated)(?: on| at)?\b|this report (?:is|was) (?:from|dated)\b|as of\b|"
    r"(?:at\s+)?the\s+time\s+of\s+writing\b)|"
    r"дата отч[её]та)", re.IGNORECASE)
# A bare "written", "dated" … dates the report only when nothing but the report comes before it:
# "Generated on …", "This report was written …", not "The first weekly note is dated …".
_REPORT_VERB = re.compile(r"(?:generated|prepared|written|created|compiled|produced|published|"
                          r"issued|dated)\b", re.IGNORECASE)
_REPORT_AS_SUBJECT = re.compile(
    r"^[\s>*_#:•-]*(?:(?:this|the)\s+)?(?:report|document|analysis)?\s*(?:(?:was|is|has been|"
    r"were)\s+)?$", re.IGNORECASE)
_PERIOD_WORDS = re.compile(
    r"\b(?:data period|period|covers?|covering|spans?|spanning|range|ranges|ranging|"
    r"date range|time ?frame|window|between|from|период\w*|охватыва\w*|zeitraum)\b",
    re.IGNORECASE)
_OVERALL_PERIOD = re.compile(
    r"\b(?:data period|the data|all (?:the )?data|corpus|dataset|all files|overall|"
    r"covers?|covering|spans?|spanning|период данных|zeitraum)\b", re.IGNORECASE)
_DASH = re.compile(r"[-–—]")
_RANGE_BETWEEN = re.compile(
    r"^\s*(?:\)|,)?\s*(?:to|through|thru|until|till|and|[-–—]|до|по|bis|au|à|a)\s*(?:the\s+)?$",
    re.IGNORECASE)
# What follows "latest" / "first" when it is not about files: a folder, a run's start.
_NOT_FILES_AFTER = re.compile(r"(?:\s+[\w-]+){0,2}?\s+(?:folders?|director(?:y|ies)|dirs?)\b|"
                              r"[^.;]{0,80}?\(?\b(?:started|began|begun|launched)\b",
                              re.IGNORECASE)
_VERB_BEFORE = re.compile(r"\b(?:was|were|is|are|been|be|got|get)\s+$", re.IGNORECASE)
_LATEST_PATH = re.compile(
    r"(?:latest|most recent(?:ly modified)?|newest|last[- ]modified)(?P<between>(?:\s+[\w-]+){0,3})"
    r"\s*(?:is|was|:|-|–|—)\s*(?:the\s+)?(?:file\s+)?$", re.IGNORECASE)


# The words each trigger's every alternative starts with, so that a block with none of them is
# not searched: the triggers are long alternations, and most blocks hold none.
_TRIGGER_STARTS = {
    "time.latest": ("latest", "most", "newest", "last", "modified", "последн", "самый",
                    "neueste", "letzte", "plus"),
    "time.earliest": ("earliest", "oldest", "first", "старейш", "самый", "älteste"),
    "time.report_date": ("date", "datum", "дата", "report", "generated", "prepared", "written",
                         "created", "compiled", "produced", "published", "issued", "this",
                         "as", "writing"),
}


def _may_trigger(block: _Block, kind: str) -> bool:
    if kind == "time.report_date" and "отч" in block.words_text:
        return True  # "дата отчёта" may stand inside a longer word
    # Whether some word starts with one of the starts: in sorted order, if any word does, the
    # first word not before the start does.
    words = block.sorted_words
    for start in _TRIGGER_STARTS[kind]:
        index = bisect.bisect_left(words, start)
        if index < len(words) and words[index].startswith(start):
            return True
    return False


_IDENTIFIER = re.compile(r"\w+")
# The start of a table row's sentence up to its column ("<label> — <column>: <cell>"), when the
# label is not the whole corpus or a kind of file.
_ROW_OF_ONE_THING = re.compile(
    r"(?!\s*(?:all|total|overall|corpus|any|every|json|csv|md|markdown|txt|text)\b)[^—:;]{1,80}"
    r" — ", re.IGNORECASE)


def _kind_between(block: _Block, start: int, end: int) -> tuple[tuple[str, str], ...]:
    found = list(_KIND_WORD.finditer(block.masked[start:end]))
    if not found:
        return ()
    kind = file_kind(found[-1].group(0))  # the kind nearest the number
    return (("kind", kind),) if kind else ()


def _time_claims(block: _Block, out: list[Claim]) -> None:
    text = block.text
    used: set[int] = set()
    dates = block.dates
    if not dates:
        # Without a date the only time claim is which file is the latest.
        for match in _LATEST.finditer(text) if _may_trigger(block, "time.latest") else ():
            s_start, s_end = _sentence_bounds(text, match.start())
            _latest_path_claim(block, match.start(), s_start, s_end, out)
        return
    # A range first: two dates joined by "to", "–", "and".
    for index in range(len(dates) - 1):
        first, second = dates[index], dates[index + 1]
        if not _RANGE_BETWEEN.match(text[first[1]:second[0]]):
            continue
        start, end = _sentence_bounds(text, first[0])
        lead = text[start:first[0]]
        if _LATEST.search(lead[-40:]) or _EARLIEST.search(lead[-40:]):
            continue
        sentence = text[start:end]
        overall = bool(_OVERALL_PERIOD.search(sentence))
        between = text[first[1]:second[0]]
        if not (_PERIOD_WORDS.search(sentence) or overall or _DASH.search(between)):
            continue
        precision = "month" if "month" in (first[3], second[3]) else "date"
        out.append(Claim(
            line=block.at(first[0]), text=_snippet(text[start:end]), kind="time.period",
            when=f"{first[2][:10]}/{second[2][:10]}", unit=precision,
            qualifier="overall" if overall else "", section=block.section,
        ))
        used.update((index, index + 1))
    triggers: list[tuple[int, int, str]] = []
    for pattern, kind in ((_LATEST, "time.latest"), (_EARLIEST, "time.earliest"),
                          (_REPORT_DATE, "time.report_date")):
        if not _may_trigger(block, kind):
            continue
        for match in pattern.finditer(text):
            if kind == "time.report_date" and _REPORT_VERB.match(match.group(0)):
                s_start, _ = _sentence_bounds(text, match.start())
                if not _REPORT_AS_SUBJECT.match(text[s_start:match.start()]):
                    continue
            if kind != "time.report_date" and (
                    _NOT_FILES_AFTER.match(text, match.end()) or (
                        match.group(0)[:4].lower() == "last" and _VERB_BEFORE.search(
                            text, max(0, match.start() - 8), match.start()))):
                # "Latest run folder: … (started …)" dates a folder's run, not a file; "the
                # oldest CSV was last modified on …" is the oldest's date, not the newest's.
                triggers.append((match.start(), match.end(), "none"))
                continue
            if kind != "time.report_date" and _ROW_OF_ONE_THING.fullmatch(
                    text, _sentence_bounds(text, match.start())[0], match.start()):
                # "18 — LatestChange: 2025-10-27", a table row of one folder (or model, or
                # run): the date of what the row is about, not of the corpus's newest file.
                triggers.append((match.start(), match.end(), "none"))
                continue
            if not any(s <= match.start() < e for s, e, _ in triggers):
                triggers.append((match.start(), match.end(), kind))
    triggers.sort()
    for position, (t_start, t_end, kind) in enumerate(triggers):
        if kind == "none":
            continue
        s_start, s_end = _sentence_bounds(text, t_start)
        # "The oldest file was written on X": "written" does not take the oldest's date.
        later = [t[0] for t in triggers[position + 1:] if t[2] != "none" and (
                 kind == "time.report_date" or t[2] != "time.report_date")]
        next_trigger = later[0] if later else s_end
        # The date a trigger speaks of is the first one after it, else the last one before.
        chosen = next((i for i, d in enumerate(dates)
                       if i not in used and t_end <= d[0] < min(s_end, next_trigger)), None)
        if chosen is None:
            chosen = next((i for i, d in reversed(list(enumerate(dates)))
                           if i not in used and s_start <= d[0] and d[1] <= t_start), None)
        if chosen is None:
            if kind == "time.latest":
                _latest_path_claim(block, t_start, s_start, s_end, out)
            continue
        used.add(chosen)
        d_start, d_end, iso, precision = dates[chosen]
        filters: tuple[tuple[str, str], ...] = ()
        if kind != "time.report_date":
            low, high = (t_end, d_start) if d_start >= t_end else (d_end, t_start)
            filters = _kind_between(block, low, high) or _kind_between(
                block, t_end, min(s_end, t_end + 25))
            if not filters and text[t_end:t_end + 1] == "_":
                # "latest_csv_modified: …": the kind is a part of the key the trigger starts.
                key = _IDENTIFIER.match(text, t_start)
                parts = key.group(0).split("_") if key else []
                kinds = [kind for kind in map(file_kind, parts) if kind]
                filters = (("kind", kinds[-1]),) if kinds else ()
        snippet = text[s_start:s_end] if s_end - s_start <= 160 else text[
            max(s_start, min(t_start, d_start) - 20):max(t_end, d_end) + 5]
        out.append(Claim(line=block.at(d_start), text=_snippet(snippet), kind=kind, when=iso,
                         unit=precision, filters=filters, section=block.section))
        if kind == "time.latest":
            _latest_path_claim(block, t_start, s_start, s_end, out)


def _latest_path_claim(block: _Block, t_start: int, s_start: int, s_end: int,
                       out: list[Claim]) -> None:
    """ "The latest file is reports/x.md": which file is newest, a claim of its own."""
    for index, (p_start, _p_end, path) in enumerate(block.paths):
        if not t_start <= p_start < s_end or index in block.used_paths:
            continue
        lead = _LATEST_PATH.search(block.masked[t_start:p_start])
        if lead is None or lead.start() != 0:
            continue
        filters = _kind_between(block, t_start, p_start)
        out.append(Claim(line=block.at(p_start), kind="time.latest", subject=path,
                         text=_snippet(block.text[s_start:s_end]), filters=filters,
                         section=block.section))
        block.used_paths.add(index)
        return


# -- sizes -------------------------------------------------------------------------------------

_SIZE_UNITS = frozenset({"B", "kB", "KiB", "MB", "MiB", "GB", "GiB"})
_SIZE_TOTAL = re.compile(
    r"\b(?:total(?:ling|s)?|in total|combined|overall|altogether|together|all files|"
    r"whole corpus|corpus size|size of the corpus|"
    r"суммарн\w*|общ(?:ий|ая|ее) (?:размер|объ[её]м)|insgesamt|gesamt\w*|"
    r"(?:taille|tamaño|tamanho) total[e]?|au total|en total|no total)\b", re.IGNORECASE)
# "weighs", "takes up" say a size is stated, not of what: "the corpus weighs 41 KB" is a total,
# "the average file weighs 0.4 KB" an average.
_SIZE_VERB = re.compile(r"\b(?:takes?|took|take up|takes up|took up|occup(?:y|ies|ied)|"
                        r"weigh\w*)\b", re.IGNORECASE)
_SIZE_AVERAGE = re.compile(
    r"\b(?:average|avg|mean|on average|per file|typical(?:ly)?|средн\w*|durchschnitt\w*|"
    r"media|promedio|moyenne|média|por archivo|por arquivo|par fichier)\b",
    re.IGNORECASE)
_SIZE_WORD = re.compile(r"\b(?:size|sizes|large|big|weigh\w*|bytes|размер\w*|объ[её]м|"
                        r"größe|taille|tamaño|tamanho|octets)\b|take up|takes up|occup",
                        re.IGNORECASE)
# Things with a size that are not the corpus's files.
_SIZED_THINGS = r"binary|model|memory|vram|ram|gguf|weights?|heap|cache|download"
_SIZE_OTHER = re.compile(rf"\b(?:{_SIZED_THINGS}|largest|smallest|biggest|disk)\b",
                         re.IGNORECASE)


_SIZE_OF_OTHER_AFTER = re.compile(rf"\s*(?:of\s+)?(?:{_SIZED_THINGS}|binaries|executable|image)\b",
                                  re.IGNORECASE)


def _size_claim(block: _Block, number: _Number, hints: Hints = NO_HINTS) -> Claim | None:
    if number.unit not in _SIZE_UNITS:
        return None
    text = block.text
    start, end = _sentence_bounds(text, number.start)
    before = block.masked[max(start, number.start - 80):number.start]
    after = block.masked[number.end:min(end, number.end + 40)]
    if _SIZE_OTHER.search(before[-40:]) and not _EXTREME_FILE_BEFORE.search(before[-40:]):
        return None
    if _SIZE_OF_OTHER_AFTER.match(after):
        return None  # "41.0 MB binary", "a 92.8 MB binary", "24 GB VRAM": not the files' size
    clause = _clause_start(text, number.start, start)
    # A bare "B" may be a letter ("agent B"); "bytes" written out is a unit.
    spelled = not text[number.start:number.end].rstrip().endswith("B")
    kind = _size_kind(before, after, before + " " + after, number, spelled)
    named = text[clause:number.start]
    if not kind and _SIZE_LABEL.search(before, _last_words(before, 6)) and (
            _FILE_WORD.search(before) or
                                                    _FOLDER_WORD.search(before)):
        # "CSV files: 16 KB", "The reports folder is 26 KB": a size stated of files.
        kind = ("size.average" if _EACH.search(before)
                else "size.file" if (_ONE_FILE_NAMED.search(before[-40:])
                                     or _EXTREME_FILE.search(before[-60:]))
                and not _FOLDER_WORD.search(before) else "size.total")
    if not kind and spelled and (_ONE_FILE_BEFORE.search(before[-40:])
                                 or _EXTREME_FILE_BEFORE.search(before[-40:])
                                 or _ONE_FILE_AFTER.match(after)):
        # "the previous version was 48667 bytes", "156082 bytes: the largest file": the size
        # of one file. Only with the unit written out, so "agent B" and "8 GB of VRAM" stay out.
        kind = "size.file"
    if not kind:
        return None
    filters = _kind_between(block, max(start, number.start - 50), number.start)
    if kind == "size.file":
        extreme = _EXTREME_FILE.search(before[-40:] + " " + after)
        if extreme:
            filters += (("extreme", "largest" if extreme.group(0).lower() in (
                "largest", "biggest") else "smallest"),)
    subject = _read_subject(named, hints)
    folder = subject.folder
    if folder:
        filters += (("folder", folder),)
    elif _FOLDER_WORD.search(named):
        # "this folder takes 9 KB": a folder the sentence does not name.
        filters += (("unresolved", "folder"),)
    if kind == "size.file":
        path = _path_before(block, start, number.start)
        if path:
            filters += (("path", path),)
    elif subject.tokens or subject.pattern:
        filters += (("unresolved", "family"),)
    else:
        modifier = _SUBSET_FILES.search(named)
        if modifier and modifier.group("w").lower() not in _ANY_FILES and not file_kind(
                modifier.group("w")):
            # "The conversation files total 8.1 KB": some of the files, not all of them.
            filters += (("unresolved", modifier.group("w")),)
    return Claim(line=block.at(number.start), text=_snippet(text[clause:number.end]), kind=kind,
                 value=number.value, unit=number.unit, decimals=number.decimals,
                 qualifier=_qualifier_before(text, number.start), filters=filters,
                 subject=folder, section=block.section)


_SUBSET_FILES = re.compile(rf"\b(?P<w>[^\W\d_][\w-]*)\s+(?:{_FILEW}|benchmarks?|logs?|"
                           rf"reports?|results|summaries|runs?)\b", re.IGNORECASE)
_ANY_FILES = frozenset({
    "the", "all", "these", "those", "its", "their", "our", "of", "and", "corpus", "dataset",
    "input", "data", "benchmark", "source", "artifact", "result", "results", "individual",
    "many", "some", "analysed", "analyzed", "scanned", "listed", "whole", "entire", "other",
    "remaining", "every", "each", "per", "average", "typical", "mean", "total", "combined",
    "в", "все", "alle", "die", "der", "des", "size", "sizes", "размер", "объём", "объем",
    "средний", "средняя", "größe", "durchschnittliche", "durchschnittlich"})


def _path_before(block: _Block, start: int, end: int) -> str:
    """The one file path the sentence names before ``end`` ("`a.json`, which is 0 bytes")."""
    found = {token for p_start, p_end, token in block.paths if start <= p_start and p_end <= end}
    return found.pop() if len(found) == 1 else ""


_SIZE_LABEL = re.compile(rf"(?:[:=]|\b(?:is|are|was|were))\s*(?:{_QUAL_RE}\s+)?$", re.IGNORECASE)
# One file's size: "<a file | this one | the previous version> is/was [only] N bytes", or
# "N bytes: ... the largest/smallest (size of any) file".
_ONE_FILE_BEFORE = re.compile(
    r"\b(?:file|version|this one|that one)\b[^.;:]{0,20}?\b(?:is|was|has|weighs)\s+"
    r"(?:only\s+|just\s+|about\s+|around\s+)?$", re.IGNORECASE)
_ONE_FILE_AFTER = re.compile(
    r"[\s:*_-]*(?:this|it|which)?\s*(?:is|was)?\s*(?:the\s+)?(?:largest|biggest|smallest)"
    r"\s+(?:size\s+of\s+any\s+)?file", re.IGNORECASE)
_EXTREME_FILE = re.compile(r"\b(?:largest|biggest|smallest)\b", re.IGNORECASE)
# "the file was 186407 bytes": one file, not the files of a kind or folder.
_ONE_FILE_NAMED = re.compile(r"\b(?:the|this|that|a|one)\s+(?:\w+\s+)?file\b(?!s)", re.IGNORECASE)
# "the largest file is 1,183 bytes" (but not "the largest model file is 8 GB": any other size
# word before it keeps the exclusion).
_EXTREME_FILE_BEFORE = re.compile(
    r"^(?:(?!\b(?:binary|model|memory|vram|ram|gguf|weights?|heap|cache|disk|download)\b).)*"
    r"\b(?:largest|biggest|smallest)\s+(?:\w+\s+)?file\b[^.;:]{0,20}?\b(?:is|was|has|at)?\s*$",
    re.IGNORECASE)
_SIZE_RESTATED = re.compile(r"\s*(?:or|\(|/|\(?i\.e\.,?|\(?≈|\(?~)\s*", re.IGNORECASE)


def _size_kind(before: str, after: str, context: str, number: _Number, spelled: bool) -> str:
    # Words right after the number are its own: "22,131 bytes in total, 471 bytes per file".
    if _AVERAGE_AFTER.match(after):
        return "size.average"
    # The trigger nearest the number wins: "average 1.2 MB, total 42,106 bytes".
    average = [m.end() for m in _SIZE_AVERAGE.finditer(before)]
    total = [m.end() for m in _SIZE_TOTAL.finditer(before)]
    if not total and not average and _SIZE_VERB.search(before):
        total = [0]
    if average or total:
        if (max(average) if average else -1) > (max(total) if total else -1):
            return "size.average"
        if _SIZE_WORD.search(context) or _FILE_WORD.search(context) or (
                number.unit != "B") or spelled:
            return "size.total"
        return ""
    if _TOTAL_AFTER.match(after):
        return "size.total"
    return ""


_AVERAGE_AFTER = re.compile(r"\s*(?:per file|on average|each)\b", re.IGNORECASE)
_TOTAL_AFTER = re.compile(r"\s*(?:in total|total|combined|altogether|overall)\b", re.IGNORECASE)


_NOT_A_BOUND = re.compile(r"(?:spread|distributed|split|divided|scattered|spanning|across|"
                          r"written|collected|gathered|run|ran|measured)\s+$", re.IGNORECASE)


def _may_end_in(text: str, last_letters: str) -> bool:
    """Whether ``text``, spaces aside, may end in a phrase ending in one of ``last_letters``.

    For patterns anchored at the end ("...\\s*$"), which a search tries at every position:
    a last character that cannot end the phrase spares the search. An ASCII character matches
    a letter of a pattern only as itself in either case (the odd case pairs, "ſ" for "s", "K"
    for "k", pair ASCII with others), so other ASCII characters rule the phrase out; any other
    last character is left to the pattern.
    """
    last = text.rstrip()[-1:]
    return bool(last) and (not last.isascii() or last.lower() in last_letters)


_QUALIFIER_AT_END = re.compile(rf"(?:^|[\s(:])(?P<q>{_QUAL_RE})\s*$", re.IGNORECASE)
_QUALIFIER_LAST = "".join(sorted({qualifier[-1] for qualifier in _QUALIFIERS}))


def _qualifier_before(text: str, pos: int) -> str:
    window = text[max(0, pos - 30):pos]
    if not _may_end_in(window, _QUALIFIER_LAST):
        return ""
    match = _QUALIFIER_AT_END.search(window)
    if not match:
        return ""
    qualifier = _QUALIFIERS.get(match.group("q").lower(), "")
    # "spread over 16 folders" is a count, not a bound.
    if qualifier in ("over", "under") and _NOT_A_BOUND.search(window[:match.start("q")]):
        return ""
    return qualifier


# The breaks that start with a space stand last, behind one look for the space: elsewhere the
# lookbehinds among them are not tried.
_CLAUSE_BREAK = re.compile(
    r"[.;!?](?=\s)|,(?=\s)|\(|\)(?=\s+(?:and|or|plus|while|but|und|и)\b)|\||:(?=\s)|"
    r"(?=\s)(?:\s—\s|\s–\s|"
    r"(?<=\d)\s+(?:and|or|plus|while)\s|(?<=files)\s+(?:and|or|plus|while)\s|"
    r"\s(?:while|whereas|but)\s)")
_ONLY_QUALIFIER = re.compile(rf"\s*(?:{_QUAL_RE}\s*)?$", re.IGNORECASE)


def _clause_start(text: str, pos: int, floor: int) -> int:
    """Where the clause holding ``pos`` starts: after the last comma, colon, bracket, dash.

    A colon, bracket or dash right before ``pos`` is the clause's own connector
    ("JSON: 47", "conv_bench_*.json (20)"), not a break.
    """
    cut = floor
    for match in _CLAUSE_BREAK.finditer(text, floor, pos):
        mark = match.group(0).strip()
        if mark in (":", "(", "—", "–") and _ONLY_QUALIFIER.match(text, match.end(), pos):
            continue
        if mark == "(" and ")" in text[match.end():pos]:
            continue  # a closed aside, "JSON (.json) files: 47", belongs to the clause
        cut = match.end()
    return cut if pos - cut <= 120 else max(floor, pos - 120)


# -- counts ------------------------------------------------------------------------------------

_AFTER_FILES = re.compile(
    rf"(?P<mods>(?:\s+(?!{_FILEW}\b|{_QUAL_RE}\b|(?:and|or|but|plus|of|in|und|и|et|y)\b)"
    rf"(?:(?![-–]{_FILEW}\b)[^\s,;()])*[^\s,;:.()!?]){{0,4}}?)"
    rf"\s*[-–]?\s*(?P<fw>{_FILEW}|{_FOLDERW})(?![\w])",
    re.IGNORECASE,
)
_TOTAL_TAIL = re.compile(
    r"^\s*(?:in\s+total|in\s+all|total|overall|altogether|all\s+told|in\s+the\s+(?:corpus|"
    r"dataset|collection|repository|folder)|(?:across|throughout)\s+the\s+(?:corpus|dataset)|"
    r"(?:(?:were|are|was|have\s+been)\s+)?(?:found|analy[sz]ed|scanned|processed|inventoried|"
    r"counted|present|listed|read|collected|gathered|available|stored|kept|included|indexed)|"
    r"(?:were|are)\s+(?:in|part\s+of)\s+the\s+corpus)\b", re.IGNORECASE)
_PROBLEM_TAIL = re.compile(
    r"^\s*(?:(?:could\s*n[o']t|cannot|can't|could\s+not)\s+be\s+(?:read|parsed|opened|loaded|"
    r"decoded)|failed\s+to\s+(?:parse|load|read|open)|(?:are|were|is|was)\s+(?P<w>empty|"
    r"malformed|broken|corrupt(?:ed)?|unreadable|invalid|truncated|unparseable|damaged))\b",
    re.IGNORECASE)
_TYPE_TAIL = re.compile(
    r"^\s*(?:of|with)\s+(?:an?\s+)?(?P<w>no\s+known|unknown|other|[\w.]+)\s+"
    r"(?:type|kind|format|extension)s?\b", re.IGNORECASE)
_KIND_TAIL = re.compile(
    rf"^\s*(?:[-–—]|(?:are|is|were|was)(?:\s+(?:all|in|of\s+type))?|являются|это|sind|sont)"
    rf"\s+(?:in\s+)?(?:the\s+)?(?P<k>{_KINDW})(?:\s+(?:format|{_FILEW}))?(?![\w/])",
    re.IGNORECASE)
_PLACE_TAIL = re.compile(
    r"^\s*(?:(?:are|were|is|was|live|lives|sit|sits|reside|resides|stored|kept)\s+)?"
    r"(?:stored\s+)?(?:in(?:side)?|under|within|from)\s+(?:the\s+)?(?P<w>[^\s,;()]+)"
    rf"(?:\s+(?P<w2>{_FOLDERW}))?", re.IGNORECASE)
_PATTERN_TAIL = re.compile(r"^\s*(?:matching|named|like|called)\s+(?P<p>[^\s,;()]+)",
                           re.IGNORECASE)
_RESTRICTING_TAIL = re.compile(
    r"^\s*(?:of|with|that|which|containing|where|whose|from|for|by|were|was|are|is|have|has|"
    r"had|contain|show|cover|use|need|got|had)\b\s*(?P<w>[^,;.()]{0,40})", re.IGNORECASE)
# One "\b" before all the words, not one per word: inside a word the search then fails once
# instead of once per connector (it tries every position of the clause).
_CONNECTOR = (
    r"(?P<conn>:|=|\(|—|–|-(?=\s)|\b(?:contains?|contained|containing|holds?|has|"
    r"have|had|includes?|included|comprises?|consists? of|with|accounts? for|"
    r"makes? up|represents?|constitutes?|numbers?|totals?|counts?|are|is|"
    r"was|were|содерж\w*|включа\w*|enthält|umfasst|contient|contiennent|regroupe|comprend|"
    r"compte|contiene|contienen|tiene|tienen|reúne|suma|incluye|contém|tem|têm|inclui))"
    rf"\s*(?:(?:a\s+)?total\s+of\s+|{_QUAL_RE}\s+|all\s+)?$"
)
# "JSON: ", "The corpus contains about ", "Files (all): ": a subject, then a connector that
# ends the text before a number. _CONNECTOR_AT_END finds the connector; what comes before it
# is the subject, which holds no ":", "=" or "(" (a first one is the connector).
_PRE_CONNECTOR = re.compile(rf"(?P<subj>[^:=(]*?)\s*{_CONNECTOR}", re.IGNORECASE)
_CONNECTOR_AT_END = re.compile(rf"\s*{_CONNECTOR}", re.IGNORECASE)
# The connectors and qualifiers are written in lower case: in ASCII text lowered they match
# where they match in the text, case and all, without IGNORECASE, which lets the engine skip
# each one on its first letter instead of comparing it.
_CONNECTOR_AT_END_LOWER = re.compile(rf"\s*{_CONNECTOR}")
_NON_SPACE = re.compile(r"\S+")
# The connector and what may follow it span at most five words ("consists of no more than").
_CONNECTOR_WORDS = 7


def _last_words(text: str, count: int) -> int:
    """Where the last ``count`` words of ``text`` start (0 when it has no more).

    A pattern anchored at the end ("...of the$") that spans at most that many words can be
    searched from there: the text before a word's start reads the same to it, and the
    search does not try every position of a long clause.
    """
    if len(text) < 8 * count:
        return 0
    words = _NON_SPACE.findall(text)
    if len(words) <= count:
        return 0
    start = len(text)
    for word in reversed(words[-count:]):
        start = text.rindex(word, 0, start)
    return start


def _pre_connector(pre: str) -> tuple[str, str] | None:
    """(subject, connector) as ``_PRE_CONNECTOR.fullmatch(pre)`` reads them, or None.

    The lazy subject makes that pattern try every connector at every position of a long
    clause; the connector can only stand among the last few words, so only they are searched
    (from a word's start, where the text before it reads the same).
    """
    start = _last_words(pre, _CONNECTOR_WORDS)
    found = (_CONNECTOR_AT_END_LOWER.search(pre.lower(), start) if pre.isascii()
             else _CONNECTOR_AT_END.search(pre, start))
    if found is None:
        return None
    subject = pre[:found.start()]
    if ":" in subject or "=" in subject or "(" in subject:
        return None
    return subject, pre[found.start("conn"):found.end("conn")]


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_SUBJECT_STOP = _word_set("are is was were by them these those which that than of")
_GENERIC_NOUNS = _word_set("""
models model runs run results result benchmarks benchmark reports report logs log outputs
output records record entries entry data summaries summary samples sample items item
measurements measurement artifacts artifact exports export tables table metrics notes note
""")
_NEUTRAL_WORDS = _word_set("""
the a an of in under inside within from at for our this these those its their with are is were
was be been there which that to it they we and or format formatted type types kind kinds
extension name named called separate individual distinct different unique existing present
available listed following above below such remaining its total number count file-type
filetype respective respectively only just exactly top-level top level sub root also
про в из это является являются sind sont die der das insgesamt davon
le la les l' el los las en de del des du un une una um uma o os as dentro dans
""")
_TOTAL_WORDS = _word_set("""
total overall all altogether corpus dataset data-set collection repository repo analysed
analyzed scanned processed found inventoried contains contain containing has holds comprises
include includes counted in-scope whole entire всего общее корпус insgesamt korpus
""")
_PER_WORDS = _word_set("each every per average avg typical mean median")
_PROBLEM_WORDS = _word_set("""
empty malformed broken corrupt corrupted unreadable invalid truncated unparseable unparsable
failed damaged incomplete problem problematic
""")


@dataclass(slots=True)
class _Subject:
    kinds: list[str] = field(default_factory=list)
    folder: str = ""
    pattern: str = ""
    tokens: list[str] = field(default_factory=list)
    total: bool = False
    per_item: bool = False
    problems: str = ""
    unknown: list[str] = field(default_factory=list)
    folder_word: bool = False
    generic: bool = False
    file_word: bool = False

    @property
    def empty(self) -> bool:
        return not (self.kinds or self.folder or self.pattern or self.tokens or self.problems)


_SUBJECT_TOKEN = re.compile(r"[^\s,;()\[\]{}\"'«»]+")
_NOT_NAME = re.compile(r"[^a-z0-9]+")
_NO_LETTERS = re.compile(r"[\W\d]+")


def _subject_words(text: str) -> list[str]:
    words: list[str] = []
    for raw in _SUBJECT_TOKEN.findall(text):
        token = raw.strip(":.!?—–-=").strip()
        if not token:
            continue
        # "JSON-файлов", "CSV-Dateien": a kind glued to a file word.
        glued = _GLUED_KIND.fullmatch(token) if "-" in token else None
        if glued:
            words.extend([glued.group("k"), glued.group("f")])
            continue
        words.append(token)
    return words


class _WordFacts(NamedTuple):
    """What a word of a subject is, as far as the word alone can tell."""

    lower: str
    file_word: bool  # "files", "файлов"
    folder_word: bool  # "folders", "папок"
    kind: str | None  # the file kind it names: "json", "md"
    file_name: bool  # "results.json"
    normal: str  # as a file-name token: "gemma3-1b" → "gemma3_1b"
    no_letters: bool


@lru_cache(maxsize=4096)
def _word_facts(word: str) -> _WordFacts:
    # Reports say the same few words over and over ("the", "files", "JSON"): their patterns
    # are matched once, not once per number that looks at them.
    lower = word.lower()
    return _WordFacts(
        lower=lower,
        file_word=bool(_FILE_WORD.fullmatch(lower)),
        folder_word=bool(_FOLDER_WORD.fullmatch(lower)),
        kind=file_kind(lower),
        file_name=bool(_FILE_NAME.fullmatch(word)) and not word.startswith("."),
        normal=_NOT_NAME.sub("_", lower).strip("_"),
        no_letters=bool(_NO_LETTERS.fullmatch(lower)),
    )


def _read_subject(text: str, hints: Hints, subject: _Subject | None = None) -> _Subject:
    return _read_subject_words(_subject_words(text), hints, subject or _Subject())


def _read_subject_words(words: list[str], hints: Hints, subject: _Subject) -> _Subject:
    facts = [_word_facts(word) for word in words]
    for index, word in enumerate(words):
        fact = facts[index]
        lower = fact.lower
        nxt = facts[index + 1] if index + 1 < len(words) else None
        prev = facts[index - 1] if index else None
        if fact.file_word:
            subject.file_word = True
            continue
        if fact.folder_word:
            subject.folder_word = True
            continue
        kind = fact.kind
        if kind is None and lower == "plain" and nxt is not None and nxt.lower == "text":
            continue
        if kind is not None:
            if kind not in subject.kinds:
                subject.kinds.append(kind)
            continue
        if "*" in word or "?" in word:
            subject.pattern = word.strip("/").strip()
            continue
        if "/" in word:
            if _NOT_PATHS.match(word):
                subject.unknown.append(word)
                continue
            clean = word.strip("/").removeprefix("./")
            if _ENDS_IN_EXT.search(clean):
                subject.pattern = clean
            else:
                subject.folder = clean
            continue
        if fact.file_name:
            subject.pattern = word  # "results.json files: 10"
            continue
        if lower in hints.folders and (
                (nxt is not None and nxt.folder_word) or (prev is not None and prev.folder_word)
                or lower.replace("-", "_") not in hints.tokens):
            subject.folder = lower
            continue
        if lower in _TOTAL_WORDS:
            subject.total = True
            continue
        if lower in _PER_WORDS:
            subject.per_item = True
            continue
        if lower in _PROBLEM_WORDS:
            subject.problems = lower
            continue
        if lower in _NEUTRAL_WORDS:
            continue
        normal = fact.normal
        generic = lower in _GENERIC_NOUNS and "_" not in word and normal not in hints.stems
        if normal and normal in hints.tokens and not generic:
            subject.tokens.append(normal)
            if lower in hints.folders:
                subject.folder = subject.folder or lower
            continue
        if lower in _GENERIC_NOUNS:
            subject.generic = True
            continue
        if fact.no_letters:
            continue
        subject.unknown.append(word)
    return subject


def _pre_subject_words(words: str) -> list[str]:
    """The noun phrase right before a connector: "Most of them are JSON (" → ["JSON"]."""
    tokens = _subject_words(words)
    for index in range(len(tokens) - 1, -1, -1):
        if tokens[index].lower() in _SUBJECT_STOP:
            tokens = tokens[index + 1:]
            break
    return tokens[-3:]


# "29 CSV, 47 JSON", "47 are JSON", "46% of the files are JSON": the type after the number.
_LISTED_KIND = re.compile(rf"\s+(?P<k>{_KINDW})(?:\s+(?:{_FILEW}|reports?))?"
                          rf"(?=\s*(?:[,.;:)\]|]|\band\b|\bor\b|$))", re.IGNORECASE)
_VERB_KIND = re.compile(rf"\s+(?:of\s+(?:them|these|which)\s+)?(?:are|is|were)\s+"
                        rf"(?:in\s+)?(?P<k>{_KINDW})(?![\w/])", re.IGNORECASE)
_SHARE_KIND = re.compile(rf"\s*(?:of\s+(?:the\s+|all\s+)?(?:{_FILEW}|corpus|dataset)"
                         rf"(?:\s+(?:are|is|were))?\s+(?:in\s+)?)(?P<k>{_KINDW})(?![\w/])",
                         re.IGNORECASE)


_ASIDE = re.compile(r"\([^()]*\)")
_BARE_KIND_LABEL = re.compile(rf"\s*{_KINDW}(?:\s+{_FILEW})?\s*", re.IGNORECASE)
_LIST_GOES_ON = re.compile(r"\s*(?:[,;.)]|and\b|$)")
_TYPE_WORDS = re.compile(r"\btypes?\b|\bkinds?\b|\bby type\b", re.IGNORECASE)
_SHARE_WORDS = re.compile(r"share|make up|account|represent|constitute", re.IGNORECASE)
_CLOSING_FILES = re.compile(rf"\s*(?:{_FILEW})?\s*\)", re.IGNORECASE)
_CLOSING = re.compile(r"\s*\)")
_EACH = re.compile(r"\b(?:each|every|per)\b", re.IGNORECASE)
_EACH_WORDS = frozenset({"each", "every", "per"})
_PER_ITEM_AFTER = re.compile(
    r"\s*(?:per|each|every|a)\s+(?:run|folder|directory|model|file|day|week|sub-?folder)\b",
    re.IGNORECASE)
_ALL_BEFORE = re.compile(r"\b(?:all|alle|все)\s*$", re.IGNORECASE)
_ALL_LAST = "le"  # all, alle; "все" is not ASCII
_OUT_OF_BEFORE = re.compile(r"\b(?:out\s+of|of)\s+(?:the\s+|all\s+)?$", re.IGNORECASE)
_OUT_OF_LAST = "fel"  # of, the, all


def _count_claim(block: _Block, number: _Number, hints: Hints) -> Claim | None:
    """A count of files (or folders) anchored at ``number``, or None if it is not one."""
    text = block.text
    percent = number.unit == "%"
    if number.unit not in ("", "%") or (number.decimals and not percent):
        return None
    sent_start, sent_end = _sentence_bounds(text, number.start)
    clause = _clause_start(text, number.start, sent_start)
    pre = text[clause:number.start]
    subject = _Subject()
    counted = "files"
    anchored = False
    end = number.end
    tail_text = ""
    claim_start = number.start
    after = _AFTER_FILES.match(text, number.end)
    if after and after.end() <= sent_end and not percent and not _DIGIT.search(
            after.group("mods")):
        # "47 JSON files", "20 conv_bench files", "10 run folders".
        if _FOLDER_WORD.fullmatch(after.group("fw")):
            counted = "folders"
        anchored = True
        _read_subject(after.group("mods"), hints, subject)
        end = after.end()
        selection = _SELECTION_AFTER.match(text, end)
        if selection:
            # "4 folders of interest", "12 files worth reading": a choice the text made, not a
            # number of the corpus's folders or files.
            subject.unknown.append(" ".join(selection.group(0).split()))
            end = selection.end()
        tail_text = text[end:sent_end]
    rest = text[number.end:sent_end]
    if not anchored:
        listed = _LISTED_KIND.match(rest)
        verb_kind = _VERB_KIND.match(rest)
        share = _SHARE_KIND.match(rest)
        for found, allowed in ((listed, not percent), (verb_kind, True), (share, percent)):
            if found is not None and allowed and file_kind(found.group("k")):
                anchored = True
                subject.kinds.append(file_kind(found.group("k")) or "")
                end = number.end + found.end()
                break
    pre_match = _pre_connector(_ASIDE.sub(" ", pre) if "(" in pre else pre)
    pre_subject = _Subject()
    if pre_match:
        _read_subject_words(_pre_subject_words(pre_match[0]), hints, pre_subject)
        claim_start = clause + len(pre) - len(pre.lstrip())
    elif not anchored and _BARE_KIND_LABEL.fullmatch(pre) and _LIST_GOES_ON.match(rest) and (
            _FILE_WORD.search(pre) or _TYPE_WORDS.search(text[sent_start:number.start])):
        # "Files by type: csv 29, json 47", "CSV files 29 and ...": no connector.
        subject.kinds.append(file_kind(pre.split()[0]) or "")
        anchored = True
        claim_start = clause + len(pre) - len(pre.lstrip())
    if not anchored:
        # "JSON: 47", "conv_bench_*.json (20)", "csv_data/: 18", "Total files: 101".
        if pre_match is None or pre_subject.per_item:
            return None
        if _COUNTS_OTHER_THINGS.search(pre_match[0]):
            return None  # "Ollama runs: ten", "Models tested: 6": not a number of files
        if _COUNT_IN_LABEL.search(pre_match[0]):
            return None  # "holds 18 CSV files: thirteen …": a breakdown of a count just made
        conn = pre_match[1].lower()
        has_file_word = pre_subject.file_word
        strong = bool(pre_subject.kinds or pre_subject.pattern or (
            pre_subject.folder and (pre_subject.folder_word or "/" in pre)) or (
            has_file_word and (pre_subject.total or (pre_subject.empty and not
                               pre_subject.unknown))))
        if pre_subject.folder and not strong and conn in (":", "(", "=", "—", "–", "-"):
            strong = pre_subject.folder in hints.folders
        if not strong or pre_subject.unknown:
            return None
        if conn in ("are", "is", "was", "were", "numbers", "number", "counts", "count") and not (
                has_file_word or pre_subject.kinds or pre_subject.pattern):
            return None
        if percent and not (pre_subject.kinds or (pre_subject.total and has_file_word)) and (
                has_file_word or conn == ":" or _SHARE_WORDS.search(pre)):
            return None
        if percent and not (has_file_word or conn == ":" or _SHARE_WORDS.search(pre)):
            return None
        subject = pre_subject
        if has_file_word and subject.empty:
            subject.total = True  # "Files: 101", "Number of files: 101": a label for the total
        close = _CLOSING_FILES.match(text, end)
        if close:
            end = close.end()
    elif pre_match and not pre_subject.per_item:
        # "The csv_data folder contains 18 files", "1b models: 22 files".
        conn = pre_match[1].lower()
        if conn not in ("are", "is", "was", "were") or not subject.kinds:
            _merge(subject, pre_subject)
    if (not block.words.isdisjoint(_EACH_WORDS) and _EACH.search(pre)) or _PER_ITEM_AFTER.match(
            text, end):
        subject.per_item = True
    definite = subject.total or (_may_end_in(pre, _ALL_LAST) and bool(
        _ALL_BEFORE.search(pre, _last_words(pre, 2))))
    # "47 out of 101 files", "of the 101 files": the whole of which a part is taken. Not
    # "the mean of one metric per file": a number per file counts no files.
    before = text[sent_start:number.start]
    if counted == "files" and not subject.per_item and _may_end_in(
            before, _OUT_OF_LAST) and _OUT_OF_BEFORE.search(before, _last_words(before, 4)):
        if not (subject.kinds or subject.folder or subject.pattern or subject.tokens):
            subject = _Subject(total=True)  # "of the 101 files": of all of them
        # else "Two of the forty-seven JSON files": the whole is all the JSON files.
        subject.unknown.clear()
        tail_text = ""
    elif (part := _PART_BEFORE.search(pre)) is not None:
        # "the remaining 83 files", "the other 12": a part whose rest the text counted.
        subject.unknown.append((part.group(1) or part.group(2)).lower())
    if tail_text and counted == "files":
        end = _read_tail(tail_text, hints, subject, definite, end, sent_end)
    opened = text[min(claim_start, number.start):end]
    if opened.count("(") > opened.count(")"):
        closing = _CLOSING.match(text, end)
        if closing:
            end = closing.end()
    snippet = _snippet(text[min(claim_start, number.start):end])
    return _count_from_subject(block, number, subject, counted, snippet, pre)


_SELECTION_AFTER = re.compile(
    r"\s+(?:of\s+(?:interest|note|importance|relevance|concern)|worth\s+\w+ing|"
    r"that\s+(?:matter|stand\s+out|deserve\s+attention))\b", re.IGNORECASE)


_COUNT_IN_LABEL = re.compile(r"(?<![\w.])\d[\d,]*\s+(?:[\w-]+\s+){0,2}(?:files?|folders?)\b",
                             re.IGNORECASE)
_PART_BEFORE = re.compile(r"\b(?:the\s+)?(remaining|restantes?|остальн\w*|übrigen|restlichen)\s+$|"
                          r"\b(?:the|les)\s+(other|autres)\s+$", re.IGNORECASE)


# A label whose last noun is something other than files counts those things.
_COUNTS_OTHER_THINGS = re.compile(
    r"\b(?:runs?|models?|prompts?|requests?|turns?|conversations?|weeks?|days?|rows?|"
    r"configurations?|configs?|agents?|personas?|tests?|tested|sessions?|entries|records?|"
    r"columns?|metrics?|backends?|targets?|hosts?|gpus?|layers?|tokens?)\s*\W*$",
    re.IGNORECASE)


_BARE_KIND_TAIL = re.compile(
    rf"^\s+(?P<k>{_KINDW})(?![\w/])(?=\s*(?:[,.;:)]|and\b|или\b|и\b|$))", re.IGNORECASE)


def _read_tail(tail: str, hints: Hints, subject: _Subject, definite: bool, end: int,
               limit: int) -> int:
    """What follows "N files" may name the files: "are JSON", "in csv_data/", "could not be
    read". Returns where the claim's snippet ends."""
    if _TOTAL_TAIL.match(tail):
        subject.total = True
        return end
    bare_kind = _BARE_KIND_TAIL.match(tail)
    if bare_kind and file_kind(bare_kind.group("k")):
        # "47 файлов JSON", "29 Dateien CSV": the type after the file word.
        kind = file_kind(bare_kind.group("k")) or ""
        if kind not in subject.kinds:
            subject.kinds.append(kind)
        return min(limit, end + bare_kind.end())
    problem = _PROBLEM_TAIL.match(tail)
    if problem:
        subject.problems = (problem.group("w") or "unreadable").lower()
        return min(limit, end + problem.end())
    typed = _TYPE_TAIL.match(tail)
    if typed:
        word = typed.group("w").lower()
        typed_kind = "other" if word in ("no known", "unknown", "other") else file_kind(word)
        if typed_kind:
            if typed_kind not in subject.kinds:
                subject.kinds.append(typed_kind)
        else:
            subject.unknown.append(typed.group(0).strip())
        return min(limit, end + typed.end())
    kinded = _KIND_TAIL.match(tail)
    if kinded and file_kind(kinded.group("k")):
        kind = file_kind(kinded.group("k")) or ""
        if kind not in subject.kinds:
            subject.kinds.append(kind)
        return min(limit, end + kinded.end())
    placed = _PLACE_TAIL.match(tail)
    if placed:
        words = placed.group("w") + " " + (placed.group("w2") or "")
        where = _read_subject(words, hints)
        if where.folder or where.total or where.kinds or where.pattern:
            _merge(subject, where)
        elif not definite:
            subject.unknown.extend(_subject_words(placed.group("w")))
        return min(limit, end + placed.end())
    named = _PATTERN_TAIL.match(tail)
    if named:
        subject.pattern = named.group("p")
        return min(limit, end + named.end())
    restricting = _RESTRICTING_TAIL.match(tail)
    if restricting and not definite:
        words = _subject_words(restricting.group(0))[:4]
        if words:
            subject.unknown.extend(words)
    return end


def _merge(into: _Subject, other: _Subject) -> None:
    for kind in other.kinds:
        if kind not in into.kinds:
            into.kinds.append(kind)
    into.folder = into.folder or other.folder
    into.pattern = into.pattern or other.pattern
    into.tokens.extend(t for t in other.tokens if t not in into.tokens)
    into.total = into.total or other.total
    into.per_item = into.per_item or other.per_item
    into.problems = into.problems or other.problems
    into.unknown.extend(other.unknown)
    into.folder_word = into.folder_word or other.folder_word
    into.generic = into.generic or other.generic
    into.file_word = into.file_word or other.file_word


def _count_from_subject(block: _Block, number: _Number, subject: _Subject, counted: str,
                        snippet: str, pre: str) -> Claim:
    filters: list[tuple[str, str]] = [("kind", k) for k in subject.kinds]
    if subject.folder:
        filters.append(("folder", subject.folder))
    if subject.pattern:
        filters.append(("pattern", subject.pattern))
    filters.extend(("token", t) for t in subject.tokens)
    if subject.problems:
        filters.append(("problems", subject.problems))
    if subject.per_item:
        filters.append(("per", "item"))
    if subject.unknown:
        filters.append(("unresolved", " ".join(subject.unknown)))
    elif subject.generic and subject.empty and not subject.total:
        filters.append(("unresolved", "generic"))
    if counted == "folders":
        kind = "count.folders"
        if _TOP_LEVEL.search(pre + snippet):
            filters.append(("level", "top"))
    elif subject.problems:
        kind = "count.problems"
    elif subject.pattern or subject.tokens:
        kind = "count.family"
    elif subject.folder:
        kind = "count.folder"
    elif subject.kinds:
        kind = "count.type"
    elif subject.unknown or subject.per_item or (subject.generic and not subject.total):
        kind = "count.family"
    elif counted == "files" and not subject.total and not _TOTAL_EVIDENCE.search(pre):
        # "47 files" with nothing saying which files: not silently the corpus total.
        kind = "count.family"
        filters.append(("unresolved", "unnamed"))
    else:
        kind = "count.total"
    subject_text = subject.pattern or subject.folder or " ".join(subject.tokens) or ",".join(
        subject.kinds) or " ".join(subject.unknown)
    return Claim(
        line=block.at(number.start), text=snippet, kind=kind, subject=subject_text,
        value=number.value, unit="%" if number.unit == "%" else counted,
        decimals=number.decimals, qualifier=_qualifier_before(block.text, number.start),
        filters=tuple(filters), section=block.section,
    )


_TOP_LEVEL = re.compile(r"top[- ]level", re.IGNORECASE)
_TOTAL_EVIDENCE = re.compile(
    r"\b(?:there\s+(?:are|were|is)|we\s+(?:found|analy[sz]ed|scanned|counted|have|looked\s+at|"
    r"reviewed|processed|inventoried)|contains?|contained|containing|holds?|held|has|have|had|"
    r"comprises?|consists?\s+of|includes?|totals?|total\s+of|across|in\s+total|overall|"
    r"altogether|corpus|dataset|collection|inventory|всего|insgesamt|enthält|umfasst|"
    r"содержит|включает|total|analy[sz]ed|scanned|found|counted)\b", re.IGNORECASE)


_NO_FILES = re.compile(rf"\b(?:no|zero)\s+(?P<mods>(?:[^\s,;()]+\s+){{0,2}}?){_FILEW}\b",
                       re.IGNORECASE)


def _no_files_claims(block: _Block, hints: Hints, out: list[Claim]) -> None:
    """ "There are no txt files": a count of zero."""
    if not block.words & {"no", "zero"}:
        return
    for match in _NO_FILES.finditer(block.text):
        if not block.free(match.start(), match.end()):
            continue
        subject = _read_subject(match.group("mods"), hints)
        if subject.empty or subject.unknown:
            continue
        number = _Number(match.start(), match.end(), 0.0, 0, "", words=True)
        out.append(_count_from_subject(block, number, subject, "files",
                                       _snippet(match.group(0)), ""))


# -- metrics -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    end: int
    group: str
    unit: str
    stat: str
    name: str


_METRIC_IDENTIFIER = re.compile(
    r"^(?:mean|avg|average|median|max|min|p\d\d|total|std)_|"
    r"_(?:s|ms|sec|secs|seconds|mb|gb|kb|bytes|count|tokens|per_second|per_s|rate|pct|percent|"
    r"ratio|time|duration|latency|size)$", re.IGNORECASE)


@lru_cache(maxsize=64)
def _hint_metric_pattern(metrics: frozenset[str]
                         ) -> tuple[re.Pattern[str] | None, frozenset[str]]:
    """The pattern of the corpus's metric names, and the first run of letters of each name.

    A name starts a word, so its first run of letters is a word of any text it stands in: a
    block holding none of them need not be searched.
    """
    names = sorted((m for m in metrics if len(m) >= 3 and not re.fullmatch(r"[\d\W]+", m)),
                   key=len, reverse=True)
    if not names:
        return None, frozenset()
    parts = [re.escape(name).replace("_", "[_ ]") for name in names]
    first = frozenset(runs[0] for name in names if (runs := _LETTERS.findall(name.casefold())))
    # The characters the names start with ("_" reads as "_" or " "): a look at the next one
    # spares every other position the whole list of names.
    initials = "".join(re.escape(char) for char in sorted(
        {char for name in names for char in ("_ " if name[0] == "_" else name[0])}))
    return re.compile(rf"(?<![\w/.])(?=[{initials}])(?:" + "|".join(parts) + r")(?![\w/])",
                      re.IGNORECASE), first


_UNIT_IN_BRACKETS = re.compile(r"\s*\((?P<u>ms|s|sec|seconds|tok/s|tokens/s|MB)\)")


def _mentions(block: _Block, hints: Hints) -> list[_Mention]:
    text = block.text
    found: list[_Mention] = []

    def add(start: int, end: int, name: str) -> None:
        if not block.free(start, end):
            return
        if any(not (end <= m.start or start >= m.end) for m in found):
            return
        group, stat, unit = metric_group(name)
        after = _UNIT_IN_BRACKETS.match(text, end)
        if after:
            unit = _normal_unit(after.group("u"))
            end = after.end()
        found.append(_Mention(start, end, group, unit, stat, name))

    hint_pattern, first_words = _hint_metric_pattern(hints.metrics)
    if hint_pattern is not None and not block.words.isdisjoint(first_words):
        for match in hint_pattern.finditer(text):
            add(match.start(), match.end(), match.group(0))
    for match in _IDENTIFIER.finditer(text) if "_" in text else ():
        name = match.group(0)
        if _METRIC_IDENTIFIER.search(name) or metric_group(name)[0] in _KNOWN_GROUPS:
            add(match.start(), match.end(), name)
    lowered = block.ascii_lowered
    starts = [match.start() for match in (
        _METRIC_ALIAS_AT_LOWER.finditer(lowered) if lowered is not None
        else _METRIC_ALIAS_AT.finditer(text))]
    for pattern, _group in _METRIC_ALIAS_RE if starts else ():
        # What pattern.finditer(text) finds: an alias matches nowhere but at those starts.
        after = 0
        for start in starts:
            alias = pattern.match(text, start) if start >= after else None
            if alias:
                add(alias.start(), alias.end(), alias.group(0))
                after = alias.end()
    found.sort(key=lambda m: m.start)
    return found


_GAP_END = re.compile(
    rf"(?:[:=~≈(]|—|–|\s-|\b(?:is|was|were|are|of|at|to|from|between|around|about|ranged|"
    rf"ranging|ranges|varied|varies|varying|spanned|spans|"
    rf"approximately|roughly|reach(?:ed|es)?|averag(?:ed|es|ing)|hit|peak(?:ed|s)?(?:\s+at)?|"
    rf"stood\s+at|came\s+to|comes\s+to|equals?|equal\s+to|stays?\s+at|stayed\s+at|"
    rf"составил\w*|был\w*|равн\w*|beträgt|betrug|lag\s+bei|liegt\s+bei|bei|von|est|es|de))"
    rf"\s*(?:{_QUAL_RE}\s*)?$|^\s*$",
    re.IGNORECASE,
)
_BOUND_WORDS = re.compile(r"\b(?:than|below|under|above|over|less|more|up to|at most|at least|"
                          r"within|exceed\w*|beyond)\b", re.IGNORECASE)
_DELTA_WORDS = re.compile(r"\b(?:by|improv\w*|increas\w*|decreas\w*|drop\w*|faster|slower|"
                          r"higher|lower|gain\w*|loss|diff\w*)\b", re.IGNORECASE)
# "TTFT was 20 ms faster": a difference, not a value of the metric.
_DELTA_AFTER = re.compile(r"\s*(?:faster|slower|higher|lower|more|less|better|worse|longer|"
                          r"shorter|quicker|greater|smaller|up|down)\b", re.IGNORECASE)
_STAT_BETWEEN = re.compile(rf"\s*(?:of\s+)?(?:{_STAT_RE}\s+)?", re.IGNORECASE)
_RESTATED_OPENS = re.compile(r"\s*\(\s*(?:or\s+|i\.e\.\s+|≈\s*|~\s*)?")
_MEASURE_UNITS = frozenset({"ms", "s", "min", "h", "%", "GB", "MB", "kB", "GiB", "MiB"})


def _metric_claims(block: _Block, numbers: Sequence[_Number], hints: Hints,
                   out: list[Claim]) -> None:
    if not numbers:
        return
    text = block.text
    mentions = _mentions(block, hints)
    previous: Claim | None = None
    previous_end = -1
    emitted: list[Claim] = []
    for index, number in enumerate(numbers):
        start, end = _sentence_bounds(text, number.start)
        prior_end = numbers[index - 1].end if index else 0
        chosen: _Mention | None = None
        gap = ""
        for mention in reversed(mentions):
            if mention.end > number.start:
                continue
            if mention.start >= start and mention.end >= prior_end:
                gap = text[mention.end:number.start]
                if len(gap) <= 60 and _GAP_END.search(gap) and ";" not in gap and "|" not in gap:
                    chosen = mention
            break
        if chosen is None:
            # "120 ms TTFT", "0.42 s of TTFT".
            for mention in mentions:
                if mention.start < number.end:
                    continue
                between = text[number.end:mention.start]
                if mention.start <= end and len(between) <= 12 and _STAT_BETWEEN.fullmatch(
                        between):
                    chosen = mention
                break
        unit = number.unit
        if chosen is not None and unit in _MEASURE_UNITS | {"tok/s"} and not chosen.unit and (
                chosen.group not in _KNOWN_GROUPS):
            # "**Fastest single turn:** 276.02 tok/s": a name of the corpus without a unit
            # (turn, requests) is not what a number in tok/s or ms measures.
            chosen = None
        following = numbers[index + 1] if index + 1 < len(numbers) else None
        if chosen is None and not unit and following is not None and following.unit == "tok/s" \
                and _RANGE_BETWEEN.match(text[number.end:following.start]):
            unit = "tok/s"  # "59.83 to 65.99 tokens/s": the unit follows the range
        if chosen is None and unit == "tok/s":
            chosen = _Mention(number.start, number.end, "throughput", "tok/s", "", "tok/s")
        range_gap = text[previous_end:number.start] if previous is not None else ""
        if previous is not None and previous_end > start and _RESTATED_OPENS.fullmatch(
                range_gap) and unit:
            # "88.6 ms (0.0886 s)": the same value restated in another unit.
            claim = _range_end(previous, block, number)  # its qualifier is the previous one's
            emitted.append(claim)
            previous, previous_end = claim, number.end
            continue
        opens_range = chosen is None and following is not None and bool(
            _RANGE_OPENS.fullmatch(range_gap)) and bool(
            _RANGE_BETWEEN.match(text[number.end:following.start]))
        if previous is not None and previous_end > start and (opens_range or (_RANGE_BETWEEN.match(
                range_gap) and (chosen is None or (chosen.group == previous.subject and (
                    not unit or chosen.start >= number.start))))):
            # The second end of a range, "TTFT ranged from 0.21 to 0.56 s", or the first end of
            # a range of the metric just stated, "0.5 s on average, ranging from 0.21 to …".
            claim = _range_end(previous, block, number)
            if opens_range and not number.unit and following is not None and following.unit:
                claim = replace(claim, unit=following.unit)
            if claim.unit and not previous.unit and emitted and emitted[-1] is previous:
                fixed = replace(previous, unit=claim.unit)
                emitted[-1] = fixed
            emitted.append(claim)
            previous, previous_end = claim, number.end
            continue
        if chosen is None:
            previous = None
            if unit in _MEASURE_UNITS and not number.words:
                emitted.append(_untied(block, number, start))
            continue
        floor = max(start, chosen.start - 30, prior_end)
        stat = chosen.stat or _stat_near(text, floor, number.start)
        qualifier = stat
        window = text[max(start, chosen.start):number.start]
        stated = _qualifier_before(text, number.start)
        if _BOUND_WORDS.search(window) or stated in ("over", "under", "at least", "at most"):
            qualifier = "bound"
        elif _DELTA_WORDS.search(gap) or _DELTA_AFTER.match(text, number.end):
            qualifier = "delta"
        elif stated == "about":
            qualifier = stat or "about"
        snippet_start = min(chosen.start, number.start)
        snippet_end = max(chosen.end, number.end)
        claim = Claim(
            line=block.at(number.start), text=_snippet(text[snippet_start:snippet_end]),
            kind="metric", subject=chosen.group, value=number.value, unit=unit or chosen.unit,
            decimals=number.decimals, qualifier=qualifier, name=chosen.name,
            section=block.section, scope=(_scope(block, start, end, number) if block.paths
                                          else "") or _model_scope(text, start, number)
            or _run_scope(text, start, number, hints),
        )
        emitted.append(claim)
        previous, previous_end = claim, number.end
    out.extend(emitted)


# "TTFT averaged 0.5 s, ranging from 0.4 to 0.6 s": a range of the metric just named.
_RANGE_OPENS = re.compile(
    r"\s*(?:[,(—–]|\s-)?\s*(?:(?:and|with\s+values?)\s+)?(?:(?:ranging|ranged|ranges|range|"
    r"varying|varied|varies|spanning|spanned|spans|going)(?:\s+(?:from|between))?|from|between)"
    r"\s*:?\s+", re.IGNORECASE)


_NAME_WORD = re.compile(r"[^\W\d_][\w-]*")


def _untied(block: _Block, number: _Number, sentence_start: int) -> Claim:
    """A measurement the text does not tie to a metric: shown, never judged."""
    text = block.text
    words = _NAME_WORD.findall(text[max(sentence_start, number.start - 40):number.start])
    name = " ".join(words[-3:])
    return Claim(line=block.at(number.start), text=_snippet(
        text[max(sentence_start, number.start - 30):number.end]), kind="metric", subject="",
        value=number.value, unit=number.unit, decimals=number.decimals, name=name,
        section=block.section)


def _range_end(previous: Claim, block: _Block, number: _Number) -> Claim:
    return Claim(
        line=block.at(number.start), text=_snippet(block.text[number.start:number.end]),
        kind="metric", subject=previous.subject, value=number.value,
        unit=number.unit or previous.unit, decimals=number.decimals,
        qualifier=previous.qualifier, name=previous.name, section=block.section,
        scope=previous.scope,
    )


# "In `a.csv` the mean TTFT was …", "`a.csv`: TTFT …", "TTFT was 0.2 s in `a.csv`": the file
# (or folder) a value is said to come from. Not a path given as an example of many ("e.g.",
# "such as"), nor one of several listed together ("`a.csv` and `b.csv` have …").
_SCOPE_IN = re.compile(r"\b(?:in|for|from|within|inside|of)\s+(?:the\s+)?(?:(?:file|folder|"
                       r"directory|run)\s+)?[`*\"'(]*$", re.IGNORECASE)
_SCOPE_AFTER = re.compile(r"^[\s,(]*(?:in|from|for|within|inside)\s+(?:the\s+)?(?:(?:file|"
                          r"folder|directory|run)\s+)?[`*\"'(]*$", re.IGNORECASE)
_SCOPE_EXAMPLE = re.compile(r"(?:\be\.g\.|\bsuch\s+as|\blike|\bincluding|\bfor\s+example|"
                            r"\bfor\s+instance|\bamong\s+them|\bsay)[\s,:]*[`*\"'(]*$",
                            re.IGNORECASE)
_SCOPE_LISTED = re.compile(r"[`*\"')\s]*(?:and\b|or\b|&|\+)", re.IGNORECASE)


def _scope(block: _Block, start: int, end: int, number: _Number) -> str:
    """The file or folder the sentence ties a metric value at ``number`` to, or ""."""
    text = block.text
    before = [(p_start, p_end, token) for p_start, p_end, token in block.paths
              if p_start >= start and p_end <= number.start]
    if before:
        p_start, p_end, token = before[-1]
        if _SCOPE_EXAMPLE.search(text, start, p_start) or _SCOPE_LISTED.match(text, p_end):
            return ""
        if len({t for _, _, t in before}) == 1 or _SCOPE_IN.search(text, start, p_start):
            return token
        return ""
    for p_start, p_end, token in block.paths:
        if p_start >= number.end and p_end <= end and p_start - number.end <= 40:
            if _SCOPE_AFTER.match(text[number.end:p_start]):
                return token
            break
    return ""


# An Ollama model tag, "gemma3:12b", "llama3.2:1b": the files of that model, when the corpus
# names them so ("ollama_bench_llama32_1b_….csv", "gemma3_12b_bench_….json").
_MODEL_TAG = re.compile(
    r"(?<![\w.:/-])(?P<name>[a-z][a-z0-9]*(?:\.\d+)?):(?P<size>\d+(?:\.\d+)?[bm])(?![\w.:])",
    re.IGNORECASE)


def _model_scope(text: str, start: int, number: _Number) -> str:
    """ "model:<tag>" when the sentence names one model before the number ("| llama3.2:1b |
    0.089 |", "The gemma3:12b log has a mean TTFT of 0.5 s"), or names it right after ("7.4 s
    of load time for gemma3:12b")."""
    if ":" not in text:
        return ""
    before = {m.group(0).lower() for m in _MODEL_TAG.finditer(text, start, number.start)}
    if len(before) == 1:
        return "model:" + before.pop()
    if before:
        return ""
    after = _MODEL_TAG.search(text, number.end, min(len(text), number.end + 60))
    if after and _MODEL_AFTER.search(text, number.end, after.start()):
        return "model:" + after.group(0).lower()
    return ""


_RUN_NAME = re.compile(r"(?<![\w/.-])\d{8}_\d{6}(?![\w/.-])")


def _run_scope(text: str, start: int, number: _Number, hints: Hints) -> str:
    """A run folder named bare, "run 20251022_033613", before the number: that folder."""
    names = {m.group(0) for m in _RUN_NAME.finditer(text, start, number.start)}
    if len(names) == 1:
        name = names.pop()
        return name if name in hints.folders else ""
    return ""


_MODEL_AFTER = re.compile(r"\b(?:for|of|on|with|by|from)\s+(?:the\s+)?$", re.IGNORECASE)


_STAT_WORD = re.compile(rf"(?<![\w]){_STAT_RE}(?![\w])", re.IGNORECASE)
_PERCENTILE = re.compile(r"p\d\d")
_STAT_STEMS = (("средн", "mean"), ("медиан", "median"), ("максимал", "max"), ("минимал", "min"))


def _stat_near(text: str, start: int, end: int) -> str:
    found = list(_STAT_WORD.finditer(text, start, end))
    if not found:
        return ""
    word = found[-1].group(0).lower()
    if _PERCENTILE.fullmatch(word):
        return word
    # "средняя задержка", "максимальная": the Russian forms decline; their stem names the one.
    for stem, statistic in _STAT_STEMS:
        if word.startswith(stem):
            return statistic
    return _STAT_NORMAL.get(word, word)


# -- paths as claims ---------------------------------------------------------------------------

_MISSING_AFTER = re.compile(
    r"^\W{0,3}\s*(?:(?:file|folder|directory)\s+)?(?:(?:is|are|was|were)\s+(?:missing|absent|"
    r"not\s+present|not\s+found|nowhere)|(?:does|do)(?:\s+not|n't)\s+exist|not\s+found|"
    r"(?:is|are)\s+not\s+in\s+the\s+corpus|no\s+longer\s+exists?|could\s+not\s+be\s+found|"
    r"отсутству\w*|fehlt|n'existe\s+pas|no\s+existe|não\s+existe|existiert\s+nicht|"
    r"не\s+существует)",
    re.IGNORECASE)
_MISSING_BEFORE = re.compile(
    r"(?:\b(?:missing|absent|no\s+(?:such\s+)?(?:file|folder|directory)(?:\s+(?:named|called))?|"
    r"there\s+is\s+no|without\s+(?:a|any)|lacks?\s+(?:a|any)?)|отсутству\w*|"
    r"\b(?:no|tampoco|não|nem)\s+(?:existe|hay|há)(?:\s+(?:la|el|a|o|un|una|um|uma))?|"
    r"\bil\s+n'y\s+a\s+pas\s+de|\bes\s+gibt\s+kein\w*|\bkein\w*|\bнет)\W{0,3}\s*"
    r"(?:file|folder|directory|carpeta|archivo|fichero|pasta|arquivo|dossier|fichier|"
    r"ordner|datei|папки|файла)?\s*:?\s*$",
    re.IGNORECASE)


# Every phrase _MISSING_BEFORE finds holds one of these, in any case.
_MISSING_WORDS = ("missing", "absent", "no", "without", "lack", "existe", "hay", "n'y a pas",
                  "kein")


def _may_say_missing(text: str) -> bool:
    """Whether ``_MISSING_BEFORE`` may match: a search tries its phrases at every position.

    In ASCII text lowered, a phrase is its own letters; other text (where IGNORECASE pairs
    "ſ" with "s", and the Russian phrase stands) is left to the pattern.
    """
    if not text.isascii():
        return True
    lowered = text.lower()
    return any(word in lowered for word in _MISSING_WORDS)


def _path_claims(block: _Block, out: list[Claim]) -> None:
    text = block.text
    # A table row is read as one sentence per cell, each naming the row: its path once.
    named: set[tuple[int, str]] = set()
    for index, (start, end, path) in enumerate(block.paths):
        line = block.at(start)
        if index in block.used_paths or (line, path) in named:
            continue
        named.add((line, path))
        after = text[end:end + 60]
        before = text[max(0, start - 40):start]
        missing = bool(_MISSING_AFTER.match(after) or (
            _may_say_missing(before) and _MISSING_BEFORE.search(before)))
        out.append(Claim(line=line, text=path, kind="path.missing" if missing
                         else "path.exists", subject=path, section=block.section))


# -- tables ------------------------------------------------------------------------------------

_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_COUNT_HEADER = re.compile(rf"^(?:count|files|file count|number(?: of files)?|#|n|total|"
                           rf"количество|anzahl|nombre|cantidad|{_FILEW}|# ?files)$",
                           re.IGNORECASE)
_SHARE_HEADER = re.compile(r"^(?:share|percent(?:age)?|%|% of files|fraction|доля)$", re.I)
# A column that names each row's metric ("| File | Metric | Mean | Max |"): the row's other
# numbers are statistics of that metric, so its name goes into each of their sentences.
_METRIC_NAME_HEADER = re.compile(r"^(?:metric|measure(?:ment)?|key|field)s?(?: name)?$", re.I)
_NUMBER_CELL = re.compile(r"^[-+~≈]?\d[\d.,\s]*%?$")


_CELL_BREAK = re.compile(r"(?<!\\)\|")


def _cells(line: str) -> list[str]:
    match = _TABLE_ROW.match(line)
    if not match:
        return []
    return [c.strip() for c in _CELL_BREAK.split(match.group(1))]


def _table_sentences(lines: Sequence[tuple[int, str]]) -> dict[int, str]:
    """Rows of Markdown tables rewritten as sentences the text rules can read."""
    rewritten: dict[int, str] = {}
    index = 0
    while index < len(lines):
        # A row starts "|" once the spaces are stripped: only such lines are matched.
        if not (lines[index][1].lstrip().startswith("|") and _TABLE_ROW.match(lines[index][1])):
            index += 1
            continue
        block: list[tuple[int, str]] = []
        while index < len(lines) and _TABLE_ROW.match(lines[index][1]):
            block.append(lines[index])
            index += 1
        header: list[str] | None = None
        for position, (row_number, row_line) in enumerate(block):
            if _TABLE_RULE.match(row_line):
                rewritten[row_number] = ""
                continue
            following = block[position + 1][1] if position + 1 < len(block) else ""
            if _TABLE_RULE.match(following):
                # A row above a rule is a header, even when two tables touch.
                header = [_clean(c).strip() for c in _cells(row_line)]
                rewritten[row_number] = ""
                continue
            cells = [_clean(c).strip() for c in _cells(row_line)]
            rewritten[row_number] = _row_sentence(header, cells)
    return rewritten


def _row_sentence(header: list[str] | None, cells: list[str]) -> str:
    if not cells:
        return ""
    label = cells[0]
    if len(cells) == 2:
        second = header[1] if header and len(header) > 1 else ""
        if _COUNT_HEADER.match(second) and not _FILE_WORD.search(label):
            return f"{label} files: {cells[1]}"
        if _SHARE_HEADER.match(second):
            return f"{label} files: {cells[1].rstrip('%').strip()}%"
        if not second or not _is_metric_header(second):
            return f"{label}: {cells[1]}"
    if header is None:
        return " | ".join(cells)
    named = next((position for position, column in enumerate(header[1:len(cells)], start=1)
                  if _METRIC_NAME_HEADER.match(column) and cells[position]
                  and not _NUMBER_CELL.match(cells[position])), 0)
    parts: list[str] = []
    for position, cell in enumerate(cells[1:], start=1):
        column = header[position] if position < len(header) else ""
        if position == named or not cell or not _DIGIT.search(cell):
            continue
        if _COUNT_HEADER.match(column):
            # "| Runs | metrics.csv | 10 |" under "Category | Subcategory | Count": the count is
            # of the label next to it, not of the category (left empty on rows that continue it).
            inner = next((c for c in reversed(cells[1:position])
                          if c and not _NUMBER_CELL.match(c)), "")
            counted = inner or label
            name = counted if _FILE_WORD.search(counted) else f"{counted} files"
            parts.append(f"{name}: {cell}")
        elif _SHARE_HEADER.match(column):
            parts.append(f"{label} files: {cell.rstrip('%').strip()}%")
        elif named:
            statistic = f" ({column})" if column else ""
            parts.append(f"{label} — {cells[named]}{statistic}: {cell}")
        elif column:
            parts.append(f"{label} — {column}: {cell}")
        else:
            parts.append(f"{label}: {cell}")
    return " ; ".join(parts)


def _is_metric_header(column: str) -> bool:
    group, _stat, _unit = metric_group(column)
    return group in _KNOWN_GROUPS


_KNOWN_GROUPS = frozenset({"ttft", "throughput", "prompt_eval", "load", "eval", "eval_count",
                           "prompt_tokens", "context_tokens", "latency", "num_ctx", "num_gpu",
                           "binary_size", "wall", "compile", "link", "configure", "test",
                           "total", "temperature"})


# -- language ----------------------------------------------------------------------------------


def _language_claims(lines: Sequence[tuple[int, str]], out: list[Claim]) -> None:
    """One claim per run of paragraphs in one language: a drift shows where it starts."""
    blocks: list[tuple[int, str, str]] = []  # first line, text, language
    current: list[tuple[int, str]] = []
    languages: dict[str, str] = {}  # a paragraph said again is the same language again

    def close() -> None:
        if current:
            body = "\n".join(text for _, text in current)
            language = languages.get(body)
            if language is None:
                language = languages[body] = detect_language(body)
            blocks.append((current[0][0], body, language))
            current.clear()

    for number, text in lines:
        heading = _HEADING_MARKER.match(text) if "#" in text else None
        if not text.strip() or heading:
            close()
            if heading:
                current.append((number, text))
                close()
            continue
        current.append((number, text))
    close()
    runs: list[tuple[int, str, str]] = []
    for first, body, language in blocks:
        if language == "und" or (runs and runs[-1][2] == language):
            continue
        runs.append((first, body, language))
    if not runs:
        first_line = next((n for n, t in lines if t.strip()), lines[0][0] if lines else 1)
        runs.append((first_line, next((t for _, t in lines if t.strip()), ""), "und"))
    for first, body, language in runs:
        snippet = _snippet(_clean(body.splitlines()[0]) if body else "")[:80]
        out.append(Claim(line=first, text=snippet, kind="language", subject=language))


# -- the public entry point --------------------------------------------------------------------


def extract_claims(
    report: ParsedReport | str,
    *,
    hints: Hints = NO_HINTS,
    harness: str = "text",
) -> list[Claim]:
    """Every claim the report makes, in line order. Never raises on any string.

    ``harness="exact"`` emits one ``harness.*`` claim per line the harness wrote (header and
    harness sections), to be compared with the run record; ``harness="text"`` reads those
    lines like the model's text, except the Metrics table and phase timings (facts about the
    run, not the corpus) and the Persona Prompt (instructions, not claims);
    ``harness="none"`` leaves them out: only the model's text makes claims.
    """
    parsed = report if isinstance(report, ParsedReport) else parse_report(report)
    out: list[Claim] = []
    model = parsed.model_lines
    model_numbers = {n for n, _ in model}
    header_lines: list[tuple[int, str]] = []
    if harness != "none" and parsed.model_first_line > 1:
        header_lines = [(n, parsed.lines[n - 1]) for n in range(1, parsed.model_first_line)
                        if parsed.lines[n - 1].strip() not in ("", MODEL_START)]
    harness_lines: list[tuple[Section, int, str]] = []
    for section in parsed.harness_sections if harness != "none" else ():
        for offset, text in enumerate(section.body, start=1):
            number = section.line + offset
            if number in model_numbers or not text.strip() or text.strip() == MODEL_END:
                continue
            harness_lines.append((section, number, text))
    if harness == "exact":
        for number, text in header_lines:
            is_date = bool(_HEADER_DATE.match(text))
            out.append(Claim(line=number, text=_harness_snippet(text),
                             kind="time.report_date" if is_date else "harness.header",
                             subject=text, section="header"))
        for section, number, text in harness_lines:
            if _TABLE_RULE.match(text):
                continue
            out.append(Claim(line=number, text=_harness_snippet(text),
                             kind="harness." + section.key.replace(" ", "_"), subject=text,
                             section=section.key))
    else:
        for number, text in header_lines:
            if _HEADER_DATE.match(text):
                _extract_lines([(number, text)], hints, "header", out)
        by_section: dict[str, list[tuple[int, str]]] = {}
        for section, number, text in harness_lines:
            by_section.setdefault(section.key, []).append((number, text))
        for key, lines in by_section.items():
            if key == "persona prompt":
                continue
            if key == "metrics":
                for number, text in lines:
                    if _TABLE_ROW.match(text) and not _TABLE_RULE.match(text) and _DIGIT.search(
                            text):
                        out.append(Claim(line=number, text=_snippet(_clean(text)),
                                         kind="harness.metrics", section=key))
                continue
            kept = [(n, t) for n, t in lines if not _PHASE_LINE.match(t)]
            first = len(out)
            _extract_lines(kept, hints, key, out)
            if key == "workflow summary":
                # "2 LLM calls, 14.2 s wall time": timings of the run, not metrics of the corpus.
                out[first:] = [c for c in out[first:] if c.kind != "metric"]
    _extract_lines(model, hints, "model", out)
    _language_claims(model, out)
    out.sort(key=lambda c: (c.line, c.kind == "language"))
    return out


@lru_cache(maxsize=4096)
def _harness_snippet(text: str) -> str:
    # Most harness lines (the data summary, the persona) read the same in every report of a
    # session.
    return _snippet(_clean(text)) or text.strip()


_HEADER_DATE = re.compile(r"^\s*[-*]\s+\*\*date:?\*\*", re.IGNORECASE)
_PHASE_LINE = re.compile(r"^\s*[-*]\s+\w+ (?:phase|prompt shortened)", re.IGNORECASE)


def _extract_lines(lines: Sequence[tuple[int, str]], hints: Hints, section: str,
                   out: list[Claim]) -> None:
    # A paragraph said again, word for word, makes the same claims on its own lines: small
    # models loop, and a real report repeated a third of its paragraphs. Its claims are read
    # once; a repeat gets copies on its lines. (Nothing outside the paragraph changes what
    # it claims: a table row's sentence already holds its header.)
    read: dict[tuple[str, str], tuple[list[tuple[int, int]], list[Claim]]] = {}
    for block in _blocks(lines, section):
        key = (block.original, block.text)
        earlier = read.get(key)
        if earlier is None:
            first = len(out)
            _extract_block(block, hints, out)
            read[key] = (block.starts, out[first:])
            continue
        starts, claims = earlier
        moved = {line: block.starts[index][1] for index, (_, line) in enumerate(starts)}
        first_line = block.starts[0][1]
        out.extend(replace(claim, line=moved.get(claim.line, first_line)) for claim in claims)


def _blocks(lines: Sequence[tuple[int, str]], section: str) -> list[_Block]:
    """Paragraphs: a list item, a heading, a table row each stand alone; prose lines join."""
    tables = _table_sentences(lines)
    blocks: list[_Block] = []
    pending: list[tuple[int, str]] = []
    in_comment = False

    def flush() -> None:
        if len(pending) == 1:  # most blocks are one line
            number, text = pending[0]
            blocks.append(_Block([(0, number)], text, _clean(text), section))
            pending.clear()
        elif pending:
            starts: list[tuple[int, int]] = []
            parts: list[str] = []
            offset = 0
            separators: list[str] = []
            for position, (number, text) in enumerate(pending):
                starts.append((offset, number))
                parts.append(text)
                offset += len(text) + 1
                if position:
                    separators.append(" " if _continues(pending[position - 1][1], text)
                                      else "\n")
            original = parts[0]
            cleaned = _clean(parts[0])
            for separator, part in zip(separators, parts[1:], strict=True):
                original += separator + part
                cleaned += separator + _clean(part)
            blocks.append(_Block(starts, original, cleaned, section))
            pending.clear()

    for number, raw in lines:
        stripped = raw.strip()
        if in_comment or stripped.startswith("<!--"):
            flush()
            in_comment = not stripped.endswith("-->")
            continue
        if not stripped or len(raw) > 5000 or stripped in (MODEL_START, MODEL_END):
            flush()
            continue
        if number in tables:
            flush()
            if tables[number]:
                pending.append((number, tables[number]))
                flush()
            continue
        # A heading starts "#" once the spaces are stripped, a bold line "**": only those are
        # matched.
        stands_alone = bool(
            (stripped.startswith("#") and _HEADING_MARKER.match(raw)) or
            (stripped.startswith("**") and _BOLD_LINE.match(raw)) or stripped.startswith("```"))
        if stands_alone or _LIST_MARKER.match(raw) or stripped.startswith(">") or (
                ":" in stripped and _KEY_VALUE_LINE.match(raw)):
            flush()
        pending.append((number, raw))
        if stands_alone:
            flush()
    flush()
    return blocks


# "json: 47", "  total_bytes: 41169", "latest_csv_modified: 2025-10-29": a line of YAML or of
# key/value pairs states one thing; it starts a block of its own (a wrapped line after it still
# joins it).
_KEY_VALUE_LINE = re.compile(r"^\s*[A-Za-z_][\w./-]*:(?:\s|$)")

_CONTINUING_END = re.compile(
    r"(?:[,;:(–—-]|\b(?:between|and|or|of|the|a|an|to|from|in|is|was|are|were|with|for|by|at|"
    r"on|than|plus|that|which|as|its|their|vom|von|bis|und|der|die|das|den|dem|im|am|zu|mit|"
    r"и|в|на|с|по|от|до|из))\s*$", re.IGNORECASE)


def _continues(previous: str, following: str) -> bool:
    """Whether a line break sits inside a sentence (wrapped prose), not between statements."""
    first = following.lstrip()[:1]
    return (bool(first) and (first.islower() or first in "`(\"'")) or bool(
        _CONTINUING_END.search(previous))


def _extract_block(block: _Block, hints: Hints, out: list[Claim]) -> None:
    _find_paths(block, hints)
    # Every date and every number but a spelled-out one has a digit; most lines of prose have
    # none, and the date and metric patterns are the costly ones.
    digits = _DIGIT.search(block.text) is not None
    if digits:
        _find_dates(block)
    if block.dates or block.paths:
        _time_claims(block, out)
    numbers = _numbers(block, digits)
    _range_claims(block, numbers, hints, out)
    remaining: list[_Number] = []
    sized: tuple[_Number, Claim] | None = None
    folder_said: tuple[int, int, str] | None = None  # sentence start, where, the folder
    for number in numbers:
        if not block.free(number.start, number.end):
            continue
        claim = _size_claim(block, number, hints) or _count_claim(block, number, hints)
        if claim is not None and claim.kind.startswith("count"):
            claim, folder_said = _in_folder_said(block, number, claim, folder_said, hints)
        if claim is None and sized is not None and number.unit in _SIZE_UNITS and (
                _SIZE_RESTATED.fullmatch(block.text, sized[0].end, number.start)):
            # "6593 bytes or 8004 MB", "41 KB (0.04 MB)": the same size, said again.
            claim = replace(sized[1], line=block.at(number.start), value=number.value,
                            unit=number.unit, decimals=number.decimals,
                            text=_snippet(block.text[number.start:number.end]))
        if claim is None:
            remaining.append(number)
            continue
        if claim.kind.startswith("size"):
            sized = (number, claim)
        out.append(claim)
        block.taken.append((number.start, number.end))
        _mark_subject_paths(block, claim, number, hints)
    _no_files_claims(block, hints, out)
    _metric_claims(block, [n for n in remaining if not n.words], hints, out)
    _path_claims(block, out)


# "The llama3 folder holds 7 files: 4 JSON files and 3 Markdown files", "In `reports/x/` there
# are 5 JSON files", "Папка reports/gemma3: 10 файлов, из них 6 JSON": a count by type after the
# folder is named counts that folder's files, unless the words between turn to the corpus.
_FOLDER_INTRO = re.compile(r"\b(?:in|inside|within|under)\s+(?:the\s+)?(?:folder\s+)?[`*\"']*$",
                           re.IGNORECASE)
_CORPUS_WIDE = re.compile(r"\b(?:corpus|dataset|overall|in\s+total|altogether|whole|entire|"
                          r"all|elsewhere|корпус\w*|всего|insgesamt)\b", re.IGNORECASE)


def _folder_named(token: str) -> str:
    """A path token as a folder: "`./reports/`" → "reports"."""
    return token.strip("`*").removeprefix("./").rstrip("/")


def _in_folder_said(block: _Block, number: _Number, claim: Claim,
                    said: tuple[int, int, str] | None, hints: Hints
                    ) -> tuple[Claim, tuple[int, int, str] | None]:
    """``claim`` in the folder its sentence names before it, and the folder named so far."""
    sentence_start, _ = _sentence_bounds(block.text, number.start)
    if said is not None and said[0] != sentence_start:
        said = None
    folder = dict(claim.filters).get("folder")
    if folder:
        return claim, (sentence_start, number.end, folder)
    if said is None:
        for p_start, p_end, token in reversed(block.paths):
            if sentence_start <= p_start and p_end <= number.start:
                name = _folder_named(token)
                if name.lower() in hints.folders and _FOLDER_INTRO.search(
                        block.text, sentence_start, p_start):
                    said = (sentence_start, p_end, name)
                break
    if claim.kind == "count.total":
        return _total_of_something(block, number, claim, sentence_start, hints), said
    if said is None or claim.kind != "count.type" or _CORPUS_WIDE.search(
            block.text, said[1], number.start):
        return claim, said
    return replace(claim, kind="count.folder", subject=said[2],
                   filters=(*claim.filters, ("folder", said[2]))), said


_WHICH_HOLDS = re.compile(r"[`*\"')\s]*,?\s*(?:which|that)\s+(?:now\s+)?(?:contains?|holds?|"
                          r"has|have|includes?)\s+(?:(?:about|around|roughly|some|exactly|only)\s+)?$",
                          re.IGNORECASE)
_POSSESSIVE_BEFORE = re.compile(r"\b(?:its|their|his|her)\s+(?:[^\W\d_]+\s+)?$", re.IGNORECASE)


def _total_of_something(block: _Block, number: _Number, claim: Claim, sentence_start: int,
                        hints: Hints) -> Claim:
    """ "`reports/`, which contains 83 files": that folder's files; "across its nine files":
    some thing's files, which the sentence does not say; else the corpus total it is."""
    text = block.text
    for p_start, p_end, token in reversed(block.paths):
        if sentence_start <= p_start and p_end <= number.start:
            name = _folder_named(token)
            if name.lower() in hints.folders and _WHICH_HOLDS.fullmatch(text, p_end,
                                                                        number.start):
                return replace(claim, kind="count.folder", subject=name,
                               filters=(*claim.filters, ("folder", name)))
            break
    if _POSSESSIVE_BEFORE.search(text, max(sentence_start, number.start - 40), number.start):
        return replace(claim, kind="count.family", subject="",
                       filters=(*claim.filters, ("unresolved", "possessive")))
    share = _SHARE_OF.search(text, sentence_start, number.start)
    if share is not None and not _THE_WHOLE.fullmatch(text, share.end(), number.start):
        # "Nearly half of the files (47) are JSON": a part of the corpus, the kind said after.
        # ("Most of the 101 files" counts the whole.)
        said = _SHARE_KIND_AFTER.match(text, number.end)
        kind = file_kind(said.group("kind")) if said else None
        if kind:
            return replace(claim, kind="count.type", subject=kind,
                           filters=(*claim.filters, ("kind", kind)))
        return replace(claim, kind="count.family", subject="",
                       filters=(*claim.filters, ("unresolved", "share")))
    return claim


_SHARE_OF = re.compile(r"\b(?:half|thirds?|quarters?|fifths?|tenths?|majority|most|share|"
                       r"fraction|portion|some|many|few|percent|половин\w*|треть|hälfte)\s+of\b|"
                       r"%\s+of\b", re.IGNORECASE)
_THE_WHOLE = re.compile(r"\s*(?:(?:all\s+)?(?:the|its|these|those)|all)?\s*", re.IGNORECASE)
_SHARE_KIND_AFTER = re.compile(rf"[^.;]{{0,40}}?\b(?:are|is|were|was)\s+(?:in\s+)?"
                               rf"(?P<kind>{_KINDW})(?![\w/])", re.IGNORECASE)


_COUNT_RANGE_GAP = re.compile(r"\s*(?:[-–—]|to|through|until)\s*|\s+and\s+", re.IGNORECASE)
_RANGE_OPENER = re.compile(r"\b(?:between|from)\s+$", re.IGNORECASE)


def _range_claims(block: _Block, numbers: Sequence[_Number], hints: Hints,
                  out: list[Claim]) -> None:
    """ "between 90 and 110 files", "40–45 KB": a count or size range, as two bounds.

    Read one number at a time, the first end has no files or unit of its own and the second
    is judged alone, so a true range would be contradicted by its upper end. The range is read
    as one number spanning both ends (so the words around it name what it counts), then split
    into "at least" the first end and "at most" the second.
    """
    for low, high in itertools.pairwise(numbers):
        if not (block.free(low.start, low.end) and block.free(high.start, high.end)):
            continue
        gap = block.text[low.end:high.start]
        if not _COUNT_RANGE_GAP.fullmatch(gap) or low.unit not in ("", high.unit):
            continue
        opener = _RANGE_OPENER.search(block.text, max(0, low.start - 12), low.start)
        if gap.strip().lower() == "and" and opener is None:
            continue  # "47 JSON and 29 CSV files" lists two counts; "between" makes a range
        if low.value > high.value or low.words != high.words:
            continue
        start = opener.start() if opener is not None else low.start
        whole = _Number(start, high.end, high.value, high.decimals, high.unit)
        claim = _size_claim(block, whole, hints) or _count_claim(block, whole, hints)
        if claim is None or claim.qualifier in ("over", "under", "at least", "at most"):
            continue
        out.append(replace(claim, line=block.at(low.start), value=low.value,
                           decimals=low.decimals, qualifier="at least"))
        out.append(replace(claim, qualifier="at most"))
        block.taken.extend(((low.start, low.end), (high.start, high.end)))


def _mark_subject_paths(block: _Block, claim: Claim, number: _Number, hints: Hints) -> None:
    """A path that names what a count counts is checked by that count, not twice.

    Except a folder the corpus does not have: "the `data/` folder holds 12 files" names a
    folder that is not there, which is a claim of its own besides the wrong count.
    """
    if not claim.kind.startswith("count") or not claim.subject:
        return
    subject = claim.subject.strip("/").lower()
    if claim.kind == "count.folder" and subject not in hints.folders and subject.rsplit(
            "/", 1)[-1] not in hints.folders:
        return
    for index, (start, end, path) in enumerate(block.paths):
        clean = path.strip("/").lower()
        near = abs(number.start - end) < 40 or abs(start - number.end) < 40
        if near and (clean == subject or clean.endswith("/" + subject) or subject.endswith(
                "/" + clean)):
            block.used_paths.add(index)


def claims_in_lines(lines: Iterable[tuple[int, str]], hints: Hints = NO_HINTS) -> list[Claim]:
    """Claims of loose lines (no sections, no language claim): for tests and tools."""
    out: list[Claim] = []
    _extract_lines(list(lines), hints, "model", out)
    return out
