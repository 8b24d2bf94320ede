"""Claims × the corpus inventory → verdicts: is what the report states about the corpus true?

Every verdict is one of three, and the line between them is the contract users rely on:

* **supported** — the corpus shows the claim is true (within the rounding its digits imply);
* **contradicted** — the corpus definitively says otherwise; the verdict carries the truth;
* **unverifiable** — the claim cannot be tied to anything checkable (a family of files the
  words do not identify, a metric the corpus does not hold, a date with nothing to compare).

Where wording admits several readings ("gemma3: 9 files" — the folder, or every file with
gemma3 in its name?) a claim is supported when any reasonable reading makes it true, and
contradicted only when none does. A date without a time zone is read in any zone from UTC-12
to UTC+14. Nothing here is probabilistic: the same report and corpus always give the same
verdicts.

:class:`InventoryIndex` precomputes what the checks need (counts per kind and folder, path
suffixes, file-name tokens, sorted metric values with their statistics) once per inventory;
:func:`verify` reuses it across reports.
"""

from __future__ import annotations

import bisect
import fnmatch
import math
import operator
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any, NamedTuple

from .claims import (
    KIND_LABEL,
    Claim,
    Hints,
    extract_claims,
    metric_group,
    name_tokens,
)
from .inventory import FileInventory, FileRecord, MetricSeries, per_inventory
from .language import LANGUAGE_NAMES
from .report import ParsedReport, parse_report, render_report

__all__ = [
    "CONTRADICTED",
    "SUPPORTED",
    "UNVERIFIABLE",
    "FaithfulnessResult",
    "InventoryIndex",
    "Verdict",
    "verify",
    "verify_text",
]

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
UNVERIFIABLE = "unverifiable"
VERDICTS = (SUPPORTED, CONTRADICTED, UNVERIFIABLE)

# A date written without a zone may be local time anywhere from UTC-12 to UTC+14.
_ZONE_EARLIEST = timedelta(hours=-12)
_ZONE_LATEST = timedelta(hours=14)
_APPROX_SHARE = 0.10  # "about 40 KB" is true within 10 %
# Small integers and settings match by chance; they are no evidence of a misattribution.
_INDEX_GROUPS = frozenset({"prompt_id", "turn", "jobs", "requests", "num_ctx", "num_gpu",
                           "temperature", "warnings"})


@dataclass(frozen=True)
class Verdict:
    """What the corpus says about one claim."""

    claim: Claim
    verdict: str  # supported, contradicted or unverifiable
    truth: str | None  # what the corpus holds, in words; None when nothing applies
    message: str  # one line that explains the verdict

    def as_json(self) -> dict[str, Any]:
        claim = self.claim
        return {
            "line": claim.line,
            "text": claim.text,
            "kind": claim.kind,
            "verdict": self.verdict,
            "truth": self.truth,
            "message": self.message,
            "section": claim.section,
            "subject": claim.subject,
            "value": claim.value,
            "unit": claim.unit,
            "scope": claim.scope,
        }


# What became of the lines the harness writes (header, Workflow Summary, Data Summary, Metrics).
HARNESS_CHECKED = "checked against the run record"
HARNESS_AS_TEXT = "read as text"
HARNESS_WRITTEN_HERE = "not claims: rendered from the run record in this run"
HARNESS_LINES = (HARNESS_CHECKED, HARNESS_AS_TEXT, HARNESS_WRITTEN_HERE)


@dataclass(frozen=True)
class FaithfulnessResult:
    """The verdicts on every claim of one report, and the figures derived from them."""

    verdicts: tuple[Verdict, ...]
    report_name: str = "report.md"
    expected_language: str = "en"
    harness_lines: str = HARNESS_AS_TEXT  # one of HARNESS_LINES

    # The verdicts never change: each figure is counted once, however often it is read.
    @cached_property
    def counts(self) -> dict[str, int]:
        """Verdicts on every claim, the harness's lines included."""
        return _tally(self.verdicts)

    @cached_property
    def report_counts(self) -> dict[str, int]:
        """Verdicts on the report's own claims: its text, and its date unless the harness wrote
        it (a run record checks the header's lines), not the harness sections."""
        return _tally([v for v in self.verdicts if _own(v.claim) and not (
            self.run_record_used and v.claim.section == "header")])

    @property
    def run_record_used(self) -> bool:
        """Whether the header and harness lines were checked against a run record."""
        return self.harness_lines == HARNESS_CHECKED

    @property
    def faithfulness(self) -> float:
        """supported / (supported + contradicted) over the report's own claims.

        1.0 when none could be decided: a report that makes no checkable claim has stated
        nothing false; ``failures(fail_on_unverifiable=True)`` is the way to demand claims.
        Lines the harness wrote (Workflow Summary, Data Summary, Metrics, header) are left
        out of the ratio because they would dilute it with some twenty always-true lines; a
        wrong one still counts as contradicted and fails the report.
        """
        counts = self.report_counts
        decided = counts[SUPPORTED] + counts[CONTRADICTED]
        return counts[SUPPORTED] / decided if decided else 1.0

    @property
    def contradicted(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.verdict == CONTRADICTED]

    @property
    def unverifiable(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.verdict == UNVERIFIABLE]

    def describe(self, verdict: Verdict) -> str:
        """``report.md:30  "JSON: 81"  — the corpus has 47 JSON files``."""
        return f'{self.report_name}:{verdict.claim.line}  "{verdict.claim.text}"  — ' \
               f"{verdict.message}"

    def failures(self, max_contradicted: int = 0, min_faithfulness: float = 0.0,
                 fail_on_unverifiable: bool = False) -> list[str]:
        """Why the report fails these thresholds, one line each; empty when it passes.

        The first lines give each threshold broken; then one line per contradicted claim (and
        per unverifiable claim when those fail the report), in report order.
        """
        counts = self.counts
        reasons: list[str] = []
        if counts[CONTRADICTED] > max_contradicted:
            reasons.append(f"{counts[CONTRADICTED]} claim(s) contradicted "
                           f"(at most {max_contradicted} allowed)")
        if self.faithfulness < min_faithfulness:
            reasons.append(f"faithfulness {self.faithfulness:.3f} is under the minimum "
                           f"{min_faithfulness:.3f}")
        if fail_on_unverifiable and counts[UNVERIFIABLE]:
            reasons.append(f"{counts[UNVERIFIABLE]} claim(s) could not be verified")
        if not reasons:
            return []
        lines = list(reasons)
        lines.extend(self.describe(v) for v in self.contradicted)
        if fail_on_unverifiable:
            lines.extend(self.describe(v) + "  [unverifiable]" for v in self.unverifiable)
        return lines

    def faithful(self, max_contradicted: int = 0, min_faithfulness: float = 0.0,
                 fail_on_unverifiable: bool = False) -> bool:
        return not self.failures(max_contradicted, min_faithfulness, fail_on_unverifiable)

    def summary(self) -> str:
        counts = self.counts
        return (f"{counts['total']} claims: {counts[SUPPORTED]} supported, "
                f"{counts[CONTRADICTED]} contradicted, {counts[UNVERIFIABLE]} unverifiable; "
                f"faithfulness {self.faithfulness:.3f}")

    def as_json(self, max_contradicted: int = 0, min_faithfulness: float = 0.0,
                fail_on_unverifiable: bool = False) -> dict[str, Any]:
        """The shape of schemas/verdict.schema.json."""
        return {
            "report": self.report_name,
            "faithful": self.faithful(max_contradicted, min_faithfulness, fail_on_unverifiable),
            "faithfulness": round(self.faithfulness, 6),
            "counts": self.counts,
            "report_counts": self.report_counts,
            "thresholds": {
                "max_contradicted": max_contradicted,
                "min_faithfulness": min_faithfulness,
                "fail_on_unverifiable": fail_on_unverifiable,
            },
            "expected_language": self.expected_language,
            "run_record": self.run_record_used,
            "harness_lines": self.harness_lines,
            "claims": [v.as_json() for v in self.verdicts],
        }


def _tally(verdicts: Sequence[Verdict]) -> dict[str, int]:
    tally = Counter(v.verdict for v in verdicts)
    return {name: tally.get(name, 0) for name in VERDICTS} | {"total": len(verdicts)}


def _own(claim: Claim) -> bool:
    return claim.section in ("model", "header") and not claim.kind.startswith("harness.")


# -- the index -------------------------------------------------------------------------------


class _Candidate(NamedTuple):
    """A value or statistic the corpus holds. A named tuple: an index holds thousands, and
    building them is most of what an index costs, so the words are put together on demand."""

    value: float  # in the group's canonical unit (seconds for times)
    source: str  # "csv_data/x.csv column ttft_s", or "all ttft values"
    statistic: str  # "" for a value as the file holds it, else "mean", "p95" ...
    name: str  # the series name as the corpus writes it
    own: float  # the value in its own unit, as the corpus has it
    own_unit: str  # that unit ("ms", "s") for times, else ""
    path: str  # the file that holds it; "" for a statistic of the whole corpus

    @property
    def where(self) -> str:
        """``"csv_data/x.csv column ttft_s (mean)"``."""
        return f"{self.source} ({self.statistic})" if self.statistic else self.source

    @property
    def shown(self) -> str:
        """The value as the corpus has it, in its own unit: ``"88.6 ms"``."""
        return _shown(self.own, self.own_unit)


# The statistics a claim can mean by the statistic it names. A value the corpus writes is
# always a candidate (a column named mean_ttft_s holds means); a statistic computed here only
# when it is the one the claim names: "mean TTFT 0.45 s" is not supported by a file whose
# median is 0.45. Extremes go together ("fastest TTFT" is the minimum, "fastest" throughput
# the maximum), and a spread (stddev) is never a value of the metric unless it is named.
_STATISTICS_NAMED: dict[str, frozenset[str]] = {
    "mean": frozenset({"mean"}), "median": frozenset({"median"}),
    "min": frozenset({"min", "max"}), "max": frozenset({"min", "max"}),
    "stddev": frozenset({"stddev"}), "percentile": frozenset({"median", "p90", "p95", "p99"}),
}
_ANY_BUT_SPREAD = frozenset({"mean", "median", "min", "max", "p90", "p95", "p99"})
_RAW_ONLY: frozenset[str] = frozenset()
_PERCENTILE_SAID = re.compile(r"p?(?P<n>\d\d)(?:th)?(?:[- ]percentile)?")


@lru_cache(maxsize=64)
def statistic_fits(qualifier: str) -> frozenset[str]:
    """The computed statistics that may support a claim whose statistic is ``qualifier``."""
    said = _PERCENTILE_SAID.fullmatch(qualifier.strip().lower())
    if said is not None:
        return frozenset({"median"}) if said.group("n") == "50" else frozenset(
            {f"p{said.group('n')}"})
    return _STATISTICS_NAMED.get(qualifier, _ANY_BUT_SPREAD)


@dataclass(frozen=True)
class _Pool:
    """Every value and statistic the corpus holds for one metric group, sorted."""

    group: str
    values: tuple[float, ...]
    candidates: tuple[_Candidate, ...]
    names: tuple[str, ...]
    unit: str  # canonical unit: "s" for times, else the group's own
    minimum: float
    maximum: float

    def near(self, value: float, tolerance: float,
             qualifier: str = "") -> _Candidate | None:
        """The value or statistic nearest ``value`` within ``tolerance`` that a claim with
        ``qualifier`` (its statistic, if it names one) can mean."""
        return self._near(value, tolerance, statistic_fits(qualifier))

    def near_raw(self, value: float, tolerance: float) -> _Candidate | None:
        return self._near(value, tolerance, _RAW_ONLY)

    def _near(self, value: float, tolerance: float,
              fits: frozenset[str] | None) -> _Candidate | None:
        allowed = tolerance + 1e-9 * max(1.0, abs(value))
        low = bisect.bisect_left(self.values, value - allowed)
        high = bisect.bisect_right(self.values, value + allowed)
        best: _Candidate | None = None
        for candidate in self.candidates[low:high]:
            if candidate.statistic and (fits is None or candidate.statistic not in fits):
                continue
            distance = abs(candidate.value - value)
            if distance <= allowed and (best is None or distance < abs(best.value - value)):
                best = candidate
        return best

    def written(self, number: float) -> _Candidate | None:
        """A value the corpus writes as ``number`` in its own unit: 88.6 under "TTFT (ms)"."""
        near = 1e-9 * max(1.0, abs(number))
        for factor in _OWN_FACTORS:
            scaled = number * factor
            reach = 1e-9 * max(1.0, abs(scaled))
            low = bisect.bisect_left(self.values, scaled - reach)
            high = bisect.bisect_right(self.values, scaled + reach)
            for candidate in self.candidates[low:high]:
                if not candidate.statistic and abs(candidate.own - number) <= near:
                    return candidate
        return None


@dataclass(frozen=True)
class InventoryIndex:
    """What :func:`verify` needs from an inventory, computed once. Build with :meth:`of`."""

    inventory: FileInventory
    hints: Hints
    by_kind: dict[str, int]
    folder_paths: frozenset[str]
    folder_names: dict[str, tuple[str, ...]]  # lower-case folder name → its paths
    path_suffixes: dict[str, str]  # lower-case suffix of a path → "file" or "folder"
    full_paths: dict[str, str]  # lower-case full path → "file" or "folder"
    file_tokens: tuple[frozenset[str], ...]  # name tokens of each file's basename
    path_tokens: tuple[frozenset[str], ...]  # name tokens of each file's whole path
    pools: dict[str, _Pool]
    latest: dict[str, FileRecord]  # "" for all files, else per kind
    earliest: dict[str, FileRecord]
    suffix_paths: dict[str, str] = field(default_factory=dict)  # suffix → first full path
    # Answers already worked out: a report states the same count in its summary, its table
    # and its bullets, and every report of a session is checked against the same index.
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, repr=False)

    @staticmethod
    def of(inventory: FileInventory) -> InventoryIndex:
        """The index of ``inventory``, built on first use and kept on the inventory."""
        return _index_of(inventory)

    def files_of(self, kinds: Sequence[str]) -> list[int]:
        key = ("files_of", *kinds)
        chosen = self.memo.get(key)
        if chosen is None:
            files = self.inventory.files
            chosen = self.memo[key] = tuple(i for i, f in enumerate(files)
                                            if not kinds or f.kind in kinds)
        return list(chosen)


@per_inventory
def _index_of(inventory: FileInventory) -> InventoryIndex:
    return _build_index(inventory)


def _build_index(inventory: FileInventory) -> InventoryIndex:
    folders = [f for f in inventory.folders if f]
    folder_names: dict[str, list[str]] = defaultdict(list)
    for folder in folders:
        folder_names[folder.rsplit("/", 1)[-1].lower()].append(folder)
        folder_names[folder.lower()].append(folder)
    suffixes: dict[str, str] = {}
    suffix_paths: dict[str, str] = {}
    full: dict[str, str] = {}
    for path, what in [(f.path, "file") for f in inventory.files] + [(f, "folder")
                                                                     for f in folders]:
        lower = path.lower()
        parts = lower.split("/")
        full[lower] = what
        for start in range(len(parts)):
            suffix = "/".join(parts[start:])
            suffixes.setdefault(suffix, what)
            suffix_paths.setdefault(suffix, lower)
    file_tokens = tuple(frozenset(name_tokens(_stem(f.name))) for f in inventory.files)
    path_tokens = tuple(frozenset(name_tokens(f.path)) for f in inventory.files)
    tokens: set[str] = set()
    stems: set[str] = set()
    for record, found in zip(inventory.files, file_tokens, strict=True):
        tokens.update(found)
        stems.add(_stem(record.name).lower())
    hints = Hints(
        folders=frozenset(folder_names),
        tokens=frozenset(tokens),
        metrics=frozenset(s.name.lower() for s in inventory.series),
        stems=frozenset(stems),
    )
    latest: dict[str, FileRecord] = {}
    earliest: dict[str, FileRecord] = {}
    for record in inventory.files:
        for key in ("", record.kind):
            if key not in latest or (record.mtime, record.path) > (latest[key].mtime,
                                                                   latest[key].path):
                latest[key] = record
            if key not in earliest or (record.mtime, record.path) < (earliest[key].mtime,
                                                                     earliest[key].path):
                earliest[key] = record
    return InventoryIndex(
        inventory=inventory,
        hints=hints,
        by_kind=inventory.count_by_kind(),
        folder_paths=frozenset(f.lower() for f in folders),
        folder_names={k: tuple(v) for k, v in folder_names.items()},
        path_suffixes=suffixes,
        full_paths=full,
        suffix_paths=suffix_paths,
        file_tokens=file_tokens,
        path_tokens=path_tokens,
        pools=_build_pools(inventory.series),
        latest=latest,
        earliest=earliest,
    )


def _stem(name: str) -> str:
    if name.startswith(".") and name.count(".") == 1:
        return name
    return name.rsplit(".", 1)[0] if "." in name else name


def _percentile(sorted_values: Sequence[float], share: float) -> list[float]:
    """The share-th percentile by nearest rank and by linear interpolation."""
    n = len(sorted_values)
    rank = max(1, math.ceil(share * n))
    position = share * (n - 1)
    low = math.floor(position)
    high = min(n - 1, low + 1)
    linear = sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)
    return [sorted_values[rank - 1], linear]


def _statistics(values: Sequence[float]) -> list[tuple[str, float]]:
    # statistics.stdev works in exact fractions: a hundred times slower than this two-pass
    # sum, which is within a few ulps of it, far inside the rounding of any written number.
    ordered = sorted(values)
    n = len(ordered)
    mean = math.fsum(ordered) / n
    middle = n // 2
    median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    out: list[tuple[str, float]] = [
        ("mean", mean), ("median", median), ("min", ordered[0]), ("max", ordered[-1]),
    ]
    for label, share in (("p90", 0.90), ("p95", 0.95), ("p99", 0.99)):
        out.extend((label, v) for v in _percentile(ordered, share))
    if n >= 2:
        squares = math.fsum((v - mean) ** 2 for v in ordered)
        out.append(("stddev", math.sqrt(squares / (n - 1))))
        out.append(("stddev", math.sqrt(squares / n)))
    return out


_TO_SECONDS = {"s": 1.0, "ms": 0.001, "min": 60.0, "h": 3600.0}
_OWN_FACTORS = tuple(sorted(set(_TO_SECONDS.values())))


def _shown(value: float, unit: str) -> str:
    text = f"{value:.6g}"
    return f"{text} {unit}" if unit else text


def _build_pools(series: Iterable[MetricSeries]) -> dict[str, _Pool]:
    grouped: dict[str, list[_Candidate]] = defaultdict(list)
    raw: dict[str, list[float]] = defaultdict(list)
    names: dict[str, set[str]] = defaultdict(set)
    units: dict[str, str] = {}
    for one in series:
        group, _stat, unit = metric_group(one.name)
        factor = 1.0
        if group in _TIME_GROUPS:
            factor = _TO_SECONDS.get(unit or "s", 1.0)
            units[group] = "s"
        else:
            units.setdefault(group, unit)
        where = f"{one.path} {one.location}"
        own_unit = unit if group in _TIME_GROUPS else ""
        name = one.name
        names[group].add(name)
        candidates = grouped[group]
        scaled_values = [value * factor for value in one.values] if factor != 1.0 else list(
            one.values)
        raw[group].extend(scaled_values)
        # A corpus value is taken as exact, the claim's digits set the tolerance (a CSV "0.1"
        # was most likely 0.100 before its trailing zeros were dropped). Each value once.
        seen: set[float] = set()
        for value, scaled in zip(one.values, scaled_values, strict=True):
            if scaled not in seen:
                seen.add(scaled)
                candidates.append(_new(_Candidate, (scaled, where, "", name, value, own_unit,
                                                    one.path)))
        if one.complete and one.count >= 2:
            candidates.extend(
                _new(_Candidate, (value * factor, where, label, name, value, own_unit, one.path))
                for label, value in _statistics(one.values))
    for group, values in raw.items():
        if len(values) >= 2:
            unit = "s" if group in _TIME_GROUPS else ""
            source = f"all {group} values"
            grouped[group].extend(_new(_Candidate, (value, source, label, group, value, unit, ""))
                                  for label, value in _statistics(values))
    pools: dict[str, _Pool] = {}
    for group, candidates in grouped.items():
        candidates.sort(key=_VALUE)
        values = raw[group]
        pools[group] = _Pool(
            group=group, values=tuple(map(_VALUE, candidates)), candidates=tuple(candidates),
            names=tuple(sorted(names[group])), unit=units.get(group, ""),
            minimum=min(values), maximum=max(values),
        )
    return pools


# tuple.__new__ builds a _Candidate without the Python-level __new__ a NamedTuple has: an index
# holds thousands of them.
_new = tuple.__new__
_VALUE = operator.itemgetter(0)


_TIME_GROUPS = frozenset({"ttft", "prompt_eval", "load", "eval", "latency", "wall", "compile",
                          "link", "configure", "test", "total"})
_ALSO_MEANS = {"latency": ("latency", "ttft", "total", "wall", "eval")}


# -- verification ------------------------------------------------------------------------------


def verify(
    parsed_report: ParsedReport | str,
    inventory: FileInventory,
    *,
    run_date: datetime | None = None,
    run_record: dict[str, Any] | None = None,
    expected_language: str = "en",
    report_name: str = "report.md",
    index: InventoryIndex | None = None,
    rendered: ParsedReport | None = None,
    rendered_here: bool = False,
) -> FaithfulnessResult:
    """Check every claim of a report against ``inventory`` (and the run record, if given).

    With a ``run_record`` (the dict :func:`report.render_report` consumes) the header and the
    harness sections must match what it renders, line for line; without one they are read
    like any text. ``run_date`` defaults to the record's ``run_date``. ``rendered`` is the
    record already rendered and parsed, when the caller has it.

    ``rendered_here``: the report *is* ``run_record`` rendered a moment ago in this process
    (the plugin's case). Its header and harness sections are then the record's own lines,
    true by construction, so only the model's text is checked: comparing them with the
    record they came from could not fail, and the header's date, always "supported", would
    lift the report's faithfulness. ``chimera verify`` of the written files checks them.
    """
    parsed = parsed_report if isinstance(parsed_report, ParsedReport) else parse_report(
        parsed_report)
    index = index or InventoryIndex.of(inventory)
    expected: _ExpectedHarness | None = None
    if run_record is not None:
        if not rendered_here:
            expected = _expected_harness(run_record, rendered)
        if run_date is None:
            run_date = _parse_moment(str(run_record.get("run_date", "")))
    mode = "none" if rendered_here else "exact" if expected is not None else "text"
    claims = extract_claims(parsed, hints=index.hints, harness=mode)
    context = _Context(index=index, run_date=run_date, expected=expected,
                       language=expected_language.split("-")[0].lower() or "en")
    verdicts = tuple(_verify_claims(claims, context))
    return FaithfulnessResult(verdicts=verdicts, report_name=report_name,
                              expected_language=expected_language,
                              harness_lines=HARNESS_WRITTEN_HERE if rendered_here
                              else HARNESS_CHECKED if expected is not None else HARNESS_AS_TEXT)


def verify_text(text: str, inventory: FileInventory, **options: Any) -> FaithfulnessResult:
    """:func:`verify` for a report given as text."""
    return verify(parse_report(text), inventory, **options)


@dataclass(frozen=True)
class _ExpectedHarness:
    lines: dict[str, tuple[str, ...]]  # section key ("header" too) → expected lines
    problem: str = ""  # why the record could not be rendered


@dataclass(frozen=True)
class _Context:
    index: InventoryIndex
    run_date: datetime | None
    expected: _ExpectedHarness | None
    language: str
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


def _expected_harness(run_record: dict[str, Any],
                      rendered: ParsedReport | None = None) -> _ExpectedHarness:
    if rendered is not None:
        parsed = rendered
    else:
        try:
            text = render_report(run_record)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            return _ExpectedHarness({}, problem=f"the run record cannot be rendered ({exc!r})")
        parsed = parse_report(text)
    lines: dict[str, tuple[str, ...]] = {}
    lines["header"] = tuple(
        parsed.lines[n - 1].rstrip() for n in range(1, parsed.model_first_line)
        if parsed.lines[n - 1].strip())
    for section in parsed.harness_sections:
        body = tuple(line.rstrip() for line in section.body if line.strip())
        lines[section.key] = lines.get(section.key, ()) + body
    return _ExpectedHarness(lines)


# A claim's verdict depends on everything it says but the line it stands on.
_CLAIM_BUT_LINE = operator.attrgetter(*(f.name for f in fields(Claim) if f.name != "line"))


def _verify_claims(claims: Iterable[Claim], context: _Context) -> Iterable[Verdict]:
    """The verdict on each claim; a claim the report makes again is judged once."""
    judged: dict[tuple[Any, ...], Verdict] = {}
    for claim in claims:
        key = _CLAIM_BUT_LINE(claim)
        earlier = judged.get(key)
        if earlier is None:
            earlier = judged[key] = _verify_claim(claim, context)
            yield earlier
        else:
            yield Verdict(claim, earlier.verdict, earlier.truth, earlier.message)


def _verify_claim(claim: Claim, context: _Context) -> Verdict:
    try:
        if context.expected is not None and claim.section != "model" and (
                claim.kind.startswith("harness.") or claim.section == "header"):
            return _check_harness(claim, context.expected)
        checker = _CHECKERS.get(claim.kind.split(".")[0])
        if checker is None:
            return Verdict(claim, UNVERIFIABLE, None, f"no check for claims of kind {claim.kind}")
        return checker(claim, context)
    except (ValueError, OverflowError, ZeroDivisionError, statistics.StatisticsError) as exc:
        return Verdict(claim, UNVERIFIABLE, None, f"could not check this claim ({exc})")


# -- harness ----------------------------------------------------------------------------------


_LABEL = re.compile(r"^([^:]{1,60}):")


def _label(line: str) -> str:
    text = line.strip()
    if text.startswith("|"):
        cells = [c.strip() for c in text.strip("|").split("|")]
        return "|" + (cells[0] if cells else "")
    match = _LABEL.match(text)
    return match.group(1).strip() if match else text[:20]


def _check_harness(claim: Claim, expected: _ExpectedHarness) -> Verdict:
    if claim.kind == "harness.metrics" and not claim.subject and expected is None:
        return Verdict(claim, UNVERIFIABLE, None, "run metrics; give the run record to check")
    if expected.problem:
        return Verdict(claim, UNVERIFIABLE, None, expected.problem)
    key = "header" if claim.section == "header" else claim.section
    wanted = expected.lines.get(key, ())
    line = claim.subject.rstrip()
    if line in wanted:
        return Verdict(claim, SUPPORTED, line, "matches the run record")
    label = _label(line)
    same = [w for w in wanted if _label(w) == label]
    if same:
        return Verdict(claim, CONTRADICTED, same[0], f"the run record gives: {same[0].strip()}")
    where = "the header" if key == "header" else f"the {key.title()} section"
    return Verdict(claim, CONTRADICTED, None, f"not in {where} the run record renders")


def _check_harness_text(claim: Claim, context: _Context) -> Verdict:
    if claim.kind == "harness.metrics":
        return Verdict(claim, UNVERIFIABLE, None,
                       "a metric of the run, not of the corpus; give the run record to check it")
    return Verdict(claim, UNVERIFIABLE, None, "a harness line; give the run record to check it")


# -- counts -----------------------------------------------------------------------------------


def _filters(claim: Claim) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for key, value in claim.filters:
        found[key].append(value)
    return found


def _matches(value: float, actual: float, claim: Claim, percent: bool = False) -> bool:
    qualifier = claim.qualifier
    tolerance = claim.tolerance
    if qualifier == "over":
        return actual > value
    if qualifier == "under":
        return actual < value
    if qualifier == "at least":
        return actual >= value
    if qualifier == "at most":
        return actual <= value
    if qualifier == "about":
        tolerance = max(tolerance, _APPROX_SHARE * abs(value), 1.0 if not percent else 0.0)
    return abs(actual - value) <= tolerance + 1e-9 * max(1.0, abs(value))


def _resolve_folder(name: str, index: InventoryIndex) -> list[str]:
    clean = _relative(name, index).strip("/").lower()
    if not clean:
        return [""]
    if clean in index.folder_paths:
        return [p for p in index.inventory.folders if p.lower() == clean]
    if clean in index.folder_names:
        return list(index.folder_names[clean])
    suffix = [p for p in index.inventory.folders if p.lower().endswith("/" + clean)]
    if suffix:
        return suffix
    parts = clean.split("/")
    for start in range(1, len(parts)):
        tail = "/".join(parts[start:])
        if tail in index.folder_paths:
            return [p for p in index.inventory.folders if p.lower() == tail]
    return []


def _relative(path: str, index: InventoryIndex) -> str:
    text = path.strip().strip("`'\"").replace("\\", "/")
    root = index.inventory.root.replace("\\", "/").rstrip("/")
    if root and text.startswith(root + "/"):
        return text[len(root) + 1:]
    if root and text == root:
        return ""
    while text.startswith("./"):
        text = text[2:]
    return text


def _count_candidates(claim: Claim, index: InventoryIndex) -> tuple[list[tuple[int, str]], str]:
    """Every reading of a count claim as (count, description); or ([], why not checkable)."""
    key = ("count", claim.kind, claim.filters)
    known = index.memo.get(key)
    if known is None:
        found, why = _work_out_count_candidates(claim, index)
        known = index.memo[key] = (tuple(found), why)
    return list(known[0]), known[1]


def _work_out_count_candidates(claim: Claim, index: InventoryIndex
                               ) -> tuple[list[tuple[int, str]], str]:
    filters = _filters(claim)
    inventory = index.inventory
    if "unresolved" in filters:
        words = filters["unresolved"][0]
        if words in ("generic", "unnamed"):
            return [], "the text does not say which files it counts"
        things = "folders" if claim.kind == "count.folders" else "files"
        return [], f"cannot tell which {things} \"{words}\" means"
    if "per" in filters:
        return [], "a count per item, not of the corpus"
    kinds = filters.get("kind", [])
    kind_words = " or ".join(KIND_LABEL.get(k, k) for k in kinds)
    label = f"{kind_words} files" if kinds else "files"
    selected = index.files_of(_with_other(kinds))
    if claim.kind == "count.folders":
        return _folder_count_candidates(claim, index, filters), ""
    if claim.kind == "count.problems":
        problems = inventory.problems
        chosen = [p for p in problems if _problem_matches(p.reason, filters["problems"][0])]
        readings = [(len(problems), f"{len(problems)} files could not be read fully")]
        if chosen and len(chosen) != len(problems):
            readings.append((len(chosen), f"{len(chosen)} {filters['problems'][0]} files"))
        if kinds:
            typed = [p for p in problems if _kind_of_path(p.path, index) in kinds]
            readings.append((len(typed), f"{len(typed)} unreadable {label}"))
        return readings, ""
    out: list[tuple[int, str]] = []
    pool = selected
    if "other" in kinds and len(kinds) == 1:
        # "others" may mean the "other" kind, or everything that is not CSV, JSON or Markdown.
        strict = index.files_of(["other"])
        out.append((len(strict), f"the corpus has {len(strict)} file(s) of no known type"))
        pool = selected
    if "folder" in filters:
        folders = _resolve_folder(filters["folder"][0], index)
        if not folders:
            return [(0, f"the corpus has no folder {filters['folder'][0]}")], ""
        for folder in folders:
            prefix = folder + "/" if folder else ""
            inside = [i for i in pool if inventory.files[i].path.startswith(prefix)]
            direct = [i for i in pool if inventory.files[i].folder == folder]
            where = folder or "the corpus root"
            out.append((len(inside), f"{where} holds {len(inside)} {label}"))
            if len(direct) != len(inside):
                out.append((len(direct), f"{where} holds {len(direct)} {label} directly"))
        if "token" not in filters and "pattern" not in filters:
            return out, ""
    if "pattern" in filters:
        pattern = _relative(filters["pattern"][0], index).lower()
        matched = [i for i in pool if _glob_match(pattern, inventory.files[i].path.lower())]
        out.append((len(matched), f"{len(matched)} {label} match {filters['pattern'][0]}"))
        return out, ""
    if "token" in filters:
        tokens = filters["token"]
        by_name = [i for i in pool if all(t in index.file_tokens[i] for t in tokens)]
        by_path = [i for i in pool if all(t in index.path_tokens[i] for t in tokens)]
        by_start = [i for i in by_name
                    if inventory.files[i].name.lower().startswith(tokens[0])]
        words = " ".join(tokens)
        out.append((len(by_name), f"{len(by_name)} {label} have \"{words}\" in their name"))
        out.append((len(by_path), f"{len(by_path)} {label} have \"{words}\" in their path"))
        out.append((len(by_start), f"{len(by_start)} {label} have names starting with "
                                   f"\"{words}\""))
        return out, ""
    if kinds:
        count = len(selected)
        if "other" in kinds and len(kinds) == 1:
            others = len([f for f in inventory.files if f.kind not in ("csv", "json", "md")])
            out.append((others, f"the corpus has {others} files that are not CSV, JSON or "
                                f"Markdown"))
            return out, ""
        out.append((count, f"the corpus has {count} {label}"))
        return out, ""
    total = len(inventory.files)
    return [(total, f"the corpus has {total} files")], ""


def _problem_matches(reason: str, word: str) -> bool:
    if word == "empty":
        return reason.startswith("empty")
    return not reason.startswith("empty")


def _kind_of_path(path: str, index: InventoryIndex) -> str:
    for record in index.inventory.files:
        if record.path == path:
            return record.kind
    return ""


def _glob_match(pattern: str, path: str) -> bool:
    if "/" not in pattern:
        return fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)
    return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, "*/" + pattern)


def _folder_count_candidates(claim: Claim, index: InventoryIndex,
                             filters: dict[str, list[str]]) -> list[tuple[int, str]]:
    folders = [f for f in index.inventory.folders if f]
    if "folder" in filters:
        out: list[tuple[int, str]] = []
        for parent in _resolve_folder(filters["folder"][0], index):
            prefix = parent + "/" if parent else ""
            below = [f for f in folders if f.startswith(prefix) and f != parent]
            direct = [f for f in below if "/" not in f[len(prefix):]]
            out.append((len(direct), f"{parent} has {len(direct)} subfolders"))
            out.append((len(below), f"{parent} has {len(below)} folders below it"))
        return out or [(0, f"the corpus has no folder {filters['folder'][0]}")]
    top = [f for f in folders if "/" not in f]
    if "level" in filters:
        return [(len(top), f"the corpus has {len(top)} top-level folders")]
    return [(len(folders), f"the corpus has {len(folders)} folders below its root"),
            (len(folders) + 1, f"the corpus has {len(folders) + 1} folders with its root"),
            (len(top), f"the corpus has {len(top)} top-level folders")]


def _check_count(claim: Claim, context: _Context) -> Verdict:
    index = context.index
    candidates, why = _count_candidates(claim, index)
    if not candidates:
        return Verdict(claim, UNVERIFIABLE, None, why)
    value = claim.value if claim.value is not None else 0.0
    total = len(index.inventory.files)
    percent = claim.unit == "%"
    for count, description in candidates:
        actual = 100.0 * count / total if percent and total else float(count)
        if _matches(value, actual, claim, percent):
            truth = description + (f" ({actual:.1f}% of {total})" if percent else "")
            return Verdict(claim, SUPPORTED, truth, truth)
    count, description = candidates[0]
    if percent:
        share = 100.0 * count / total if total else 0.0
        description = f"{description}, {share:.1f}% of {total}"
    return Verdict(claim, CONTRADICTED, description, description)


# -- sizes ------------------------------------------------------------------------------------

_SIZE_FACTORS = {"B": (1,), "kB": (1000, 1024), "KiB": (1024,), "MB": (1000**2, 1024**2),
                 "MiB": (1024**2,), "GB": (1000**3, 1024**3), "GiB": (1024**3,)}


def _human_size(size: float) -> str:
    if size < 1024:
        return f"{size:,.1f} bytes" if size != int(size) else f"{int(size):,} bytes"
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor:
            return f"{size:,.0f} bytes ({size / factor:.1f} {unit})"
    return f"{size:,.0f} bytes"  # pragma: no cover


_SIZE_OF = operator.attrgetter("size")  # sum(map(...)) adds a hundred sizes in C


def _check_size(claim: Claim, context: _Context) -> Verdict:
    index = context.index
    filters = _filters(claim)
    if "unresolved" in filters:
        if filters["unresolved"][0] == "folder":
            return _check_some_folder_size(claim, index)
        return Verdict(claim, UNVERIFIABLE, None,
                       "a size of some of the files, not of the corpus or a type")
    kinds = filters.get("kind", [])
    chosen = list(map(index.inventory.files.__getitem__, index.files_of(_with_other(kinds))))
    label = " ".join(KIND_LABEL.get(k, k) for k in filters.get("kind", []))
    if claim.kind == "size.file" and "path" in filters:
        named = set(_scope_paths(index, filters["path"][0]))
        if len(named) == 1:
            chosen = [f for f in index.inventory.files if f.path in named]
    if not chosen:
        return Verdict(claim, CONTRADICTED, f"the corpus has no {label} files",
                       f"the corpus has no {label} files")
    # Which files: the whole corpus, or those in the folder the text names (inside it at
    # any depth, or right in it).
    groups: list[tuple[str, list[FileRecord]]] = [("", chosen)]
    if "folder" in filters:
        folders = _resolve_folder(filters["folder"][0], index)
        if not folders:
            truth = f"the corpus has no folder {filters['folder'][0]}"
            return Verdict(claim, CONTRADICTED, truth, truth)
        groups = []
        for folder in folders:
            prefix = folder + "/" if folder else ""
            inside = [f for f in chosen if f.path.startswith(prefix)]
            groups.append((folder or "the corpus root", inside))
            direct = [f for f in inside if f.folder == folder]
            if len(direct) != len(inside):
                groups.append((f"{folder or 'the corpus root'} (directly)", direct))
    value = claim.value if claim.value is not None else 0.0
    factors = _SIZE_FACTORS.get(claim.unit)
    if claim.kind == "size.file":
        return _check_file_size(claim, [f for _, files in groups[:1] for f in files], label,
                                filters.get("extreme", [""])[0], value, factors)
    first_truth = ""
    for where, files in groups:
        total = sum(map(_SIZE_OF, files))
        of = f" in {where}" if where else ""
        if claim.kind == "size.average":
            actual = total / len(files) if files else 0.0
            truth = (f"the average {label + ' ' if label else ''}file size{of} is "
                     f"{_human_size(actual)}")
        else:
            actual = float(total)
            truth = f"the {label + ' ' if label else ''}files{of} total {_human_size(actual)}"
        first_truth = first_truth or truth
        if factors is None:
            continue
        for factor in factors:
            scaled = Claim(line=claim.line, text=claim.text, kind=claim.kind,
                           value=value * factor, decimals=claim.decimals,
                           qualifier=claim.qualifier)
            if _matches(value * factor, actual, scaled) or _size_close(
                    value, claim, actual, factor):
                return Verdict(claim, SUPPORTED, truth, truth)
    if factors is None:
        return Verdict(claim, UNVERIFIABLE, first_truth,
                       f"no size unit to compare with ({first_truth})")
    return Verdict(claim, CONTRADICTED, first_truth, first_truth)


def _with_other(kinds: Sequence[str]) -> list[str]:
    """The file kinds to select: "other" is every file that is not CSV, JSON or Markdown."""
    return [k for k in kinds if k != "other"] + (["other", "txt"] if "other" in kinds else [])


def _check_some_folder_size(claim: Claim, index: InventoryIndex) -> Verdict:
    """ "This folder takes 9 KB", the folder unnamed: true if some folder's files do."""
    value = claim.value if claim.value is not None else 0.0
    factors = _SIZE_FACTORS.get(claim.unit)
    totals: dict[str, int] | None = index.memo.get(("folder_sizes",))
    if totals is None:
        totals = index.memo[("folder_sizes",)] = defaultdict(int)
        for record in index.inventory.files:
            parts = record.path.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                totals["/".join(parts[:depth])] += record.size
    if factors is None or not totals:
        return Verdict(claim, UNVERIFIABLE, None, "cannot tell which folder the text means")
    fits: list[tuple[float, str, int]] = []
    for folder, total in sorted(totals.items()):
        for factor in factors:
            scaled = Claim(line=claim.line, text=claim.text, kind=claim.kind,
                           value=value * factor, decimals=claim.decimals,
                           qualifier=claim.qualifier)
            if _matches(value * factor, total, scaled) or _size_close(value, claim, total,
                                                                      factor):
                fits.append((abs(total - value * factor), folder, total))
    if fits:
        _, folder, total = min(fits)
        truth = f"the files in {folder} total {_human_size(total)}"
        return Verdict(claim, SUPPORTED, truth, f"{truth} (the folder is not named)")
    low, high = min(totals.values()), max(totals.values())
    truth = (f"no folder's files total that: folders hold {_human_size(low)} to "
             f"{_human_size(high)}")
    return Verdict(claim, CONTRADICTED, truth, truth)


def _check_file_size(claim: Claim, files: list[FileRecord], label: str, extreme: str,
                     value: float, factors: tuple[int, ...] | None) -> Verdict:
    """One file's size: the largest or smallest when the text says so, else any file's."""
    kind = f"{label} " if label else ""
    if not files:
        truth = f"there are no {kind}files there"
        return Verdict(claim, CONTRADICTED, truth, truth)
    largest = max(files, key=lambda f: (f.size, f.path))
    smallest = min(files, key=lambda f: (f.size, f.path))
    if extreme:
        chosen = largest if extreme == "largest" else smallest
        candidates = [chosen]
        truth = f"the {extreme} {kind}file is {chosen.path}, {_human_size(chosen.size)}"
    else:
        candidates = files
        truth = (f"no {kind}file is that size: {kind}files range from "
                 f"{_human_size(smallest.size)} to {_human_size(largest.size)}")
    if factors is None:
        return Verdict(claim, UNVERIFIABLE, truth, f"no size unit to compare with ({truth})")
    for record in candidates:
        for factor in factors:
            scaled = Claim(line=claim.line, text=claim.text, kind=claim.kind,
                           value=value * factor, decimals=claim.decimals,
                           qualifier=claim.qualifier)
            if _matches(value * factor, record.size, scaled) or _size_close(
                    value, claim, record.size, factor):
                found = truth if extreme else f"{record.path} is {_human_size(record.size)}"
                return Verdict(claim, SUPPORTED, found, found)
    return Verdict(claim, CONTRADICTED, truth, truth)


def _size_close(value: float, claim: Claim, actual: float, factor: int) -> bool:
    tolerance = claim.tolerance * factor
    if claim.qualifier == "about":
        tolerance = max(tolerance, _APPROX_SHARE * value * factor)
    elif claim.qualifier in ("over", "under", "at least", "at most"):
        return False
    return abs(actual - value * factor) <= tolerance + 1e-9


# -- time -------------------------------------------------------------------------------------


def _parse_moment(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment


def _date_matches(claim_iso: str, precision: str, moment: datetime) -> bool:
    """Whether a written date or time can denote ``moment`` (any zone when none is given)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if precision == "month":
        wanted = claim_iso[:7]
        return any((moment + shift).strftime("%Y-%m") == wanted
                   for shift in (_ZONE_EARLIEST, timedelta(0), _ZONE_LATEST))
    if precision == "date":
        wanted_day = date.fromisoformat(claim_iso[:10])
        return (moment + _ZONE_EARLIEST).date() <= wanted_day <= (moment + _ZONE_LATEST).date()
    written = datetime.fromisoformat(claim_iso)
    slack = timedelta(seconds=59 if precision == "minute" else 1)
    if written.tzinfo is not None:
        return abs(written - moment) <= slack
    local = written.replace(tzinfo=UTC)
    offset = local - moment
    if not _ZONE_EARLIEST - slack <= offset <= _ZONE_LATEST + slack:
        return False
    # Real zones are whole quarter hours away from UTC.
    quarter = timedelta(minutes=15)
    remainder = offset % quarter
    return remainder <= slack or quarter - remainder <= slack


def _describe_moment(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _check_time(claim: Claim, context: _Context) -> Verdict:
    index = context.index
    if claim.kind == "time.period":
        return _check_period(claim, context)
    if claim.kind == "time.report_date":
        return _check_report_date(claim, context)
    latest = claim.kind == "time.latest"
    kinds = _filters(claim).get("kind", [])
    table = index.latest if latest else index.earliest
    record = table.get(kinds[0] if kinds else "")
    label = f"{KIND_LABEL.get(kinds[0], kinds[0])} file" if kinds else "file"
    word = "latest" if latest else "earliest"
    if record is None:
        return Verdict(claim, CONTRADICTED, f"the corpus has no {label}s",
                       f"the corpus has no {label}s")
    truth = f"the {word} modified {label} is {record.path} ({_describe_moment(record.mtime)})"
    if not claim.when:
        # "The latest file is reports/x.md": which file, not when.
        named = _relative(claim.subject, index).lower()
        tied = [f for f in index.inventory.files if f.mtime == record.mtime and (
            not kinds or f.kind in kinds)]
        if any(f.path.lower() == named or f.path.lower().endswith("/" + named) for f in tied):
            return Verdict(claim, SUPPORTED, truth, truth)
        return Verdict(claim, CONTRADICTED, truth, truth)
    if _date_matches(claim.when, claim.unit, record.mtime):
        return Verdict(claim, SUPPORTED, truth, truth)
    period = index.inventory.data_period()
    if period is not None and not kinds:
        # "The latest benchmark ran on ..." speaks of the data, not of file times.
        day = period[1] if latest else period[0]
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        if claim.unit in ("date", "month") and _date_matches(claim.when, claim.unit, noon):
            data_truth = f"the {word} date in the data is {day.isoformat()}"
            return Verdict(claim, SUPPORTED, data_truth, data_truth)
    return Verdict(claim, CONTRADICTED, truth, truth)


def _check_report_date(claim: Claim, context: _Context) -> Verdict:
    if not claim.when:
        return Verdict(claim, UNVERIFIABLE, None, "no date to check")
    run_date = context.run_date
    if run_date is not None:
        truth = f"the run date is {_describe_moment(run_date)}"
        # A report's own date is a date: the run takes minutes, and the text may be written
        # before or after the moment the run records, so only the day is compared.
        if _date_matches(claim.when[:10], "month" if claim.unit == "month" else "date",
                         run_date):
            return Verdict(claim, SUPPORTED, truth, truth)
        return Verdict(claim, CONTRADICTED, truth, f"{truth}, not {claim.when}")
    written = _claim_start(claim)
    now = context.now
    if written is not None and written - _ZONE_LATEST > now + timedelta(days=1):
        truth = f"the report was verified at {_describe_moment(now)}"
        return Verdict(claim, CONTRADICTED, truth,
                       f"the report dates itself {claim.when}, in the future ({truth})")
    return Verdict(claim, UNVERIFIABLE, None, "no run date to compare the report's date with")


def _claim_start(claim: Claim) -> datetime | None:
    text = claim.when.split("/")[0]
    try:
        if len(text) == 7:
            moment = datetime.fromisoformat(text + "-01")
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _day_range(text: str, precision: str) -> tuple[date, date]:
    if precision == "month" or len(text) == 7:
        first = date.fromisoformat(text[:7] + "-01")
        following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        return first, following - timedelta(days=1)
    day = date.fromisoformat(text[:10])
    return day, day


def _check_period(claim: Claim, context: _Context) -> Verdict:
    index = context.index
    start_text, _, end_text = claim.when.partition("/")
    start_low, start_high = _day_range(start_text, claim.unit)
    end_low, end_high = _day_range(end_text, claim.unit)
    readings: list[tuple[date, date, int, str]] = []  # first, last, slack in days, label
    period = index.inventory.data_period()
    if period is not None:
        readings.append((period[0], period[1], 0, "the data speaks of"))
    first = index.earliest.get("")
    last = index.latest.get("")
    if first is not None and last is not None:
        readings.append((first.mtime.date(), last.mtime.date(), 1, "files were modified"))
    if not readings:
        return Verdict(claim, UNVERIFIABLE, None, "the corpus holds no dates")
    main = readings[0]
    truth = f"{main[3]} {main[0].isoformat()} to {main[1].isoformat()}"
    slack_month = claim.unit == "month"
    for low, high, slack, label in readings:
        pad = timedelta(days=slack)
        if (start_low - pad <= low <= start_high + pad and end_low - pad <= high <= end_high
                + pad):
            text = f"{label} {low.isoformat()} to {high.isoformat()}"
            return Verdict(claim, SUPPORTED, text, text)
    hull_low = min(r[0] for r in readings) - timedelta(days=1)
    hull_high = max(r[1] for r in readings) + timedelta(days=1)
    if start_high < hull_low or end_low > hull_high or end_high < hull_low or (
            start_low > hull_high) or end_high < start_low:
        return Verdict(claim, CONTRADICTED, truth, f"the corpus has no data outside {truth[-24:]}"
                       if not slack_month else truth)
    if claim.qualifier == "overall":
        return Verdict(claim, CONTRADICTED, truth, truth)
    return Verdict(claim, UNVERIFIABLE, truth, f"a period inside the data's ({truth})")


# -- paths ------------------------------------------------------------------------------------


_PATH_TEMPLATE = re.compile(r"<[^>]*>|\{[^}]*\}|\$\w|YYYY|MMDD|\.\.\.|…")


def _path_exists(path: str, index: InventoryIndex) -> tuple[bool | None, str]:
    """(exists, what) — None when the path points outside the corpus."""
    raw = path.strip()
    if _PATH_TEMPLATE.search(raw):
        return None, "a path template, not a path"
    relative = _relative(raw, index)
    if raw.startswith("/") and relative == raw.strip():
        return None, "an absolute path outside the corpus"
    clean = relative.strip("/").lower()
    if clean in ("", "."):
        return True, "the corpus root"
    if "*" in clean or "?" in clean:
        matched = [f for f in index.inventory.files if _glob_match(clean, f.path.lower())]
        if matched:
            return True, f"{len(matched)} files match {path}"
        return False, f"no file matches {path}"
    if clean in index.path_suffixes:
        what = index.path_suffixes[clean]
        return True, f"{what} {index.suffix_paths.get(clean, clean)}"
    parts = clean.split("/")
    for start in range(1, len(parts)):
        tail = "/".join(parts[start:])
        if tail in index.full_paths:
            return True, f"{index.full_paths[tail]} {tail}"
    return False, f"no file or folder {path} in the corpus"


def _check_path(claim: Claim, context: _Context) -> Verdict:
    exists, what = _path_exists(claim.subject, context.index)
    if exists is None:
        return Verdict(claim, UNVERIFIABLE, None, what)
    says_exists = claim.kind == "path.exists"
    if exists == says_exists:
        return Verdict(claim, SUPPORTED, what, f"exists: {what}" if exists else what)
    if exists:
        return Verdict(claim, CONTRADICTED, what, f"it exists: {what}")
    return Verdict(claim, CONTRADICTED, what, what)


# -- metrics ----------------------------------------------------------------------------------


def _interpretations(claim: Claim, pool: _Pool) -> list[tuple[float, float]]:
    """(value, tolerance) in the pool's unit for each way the claim's unit may be read."""
    value = claim.value if claim.value is not None else 0.0
    tolerance = claim.tolerance
    if claim.qualifier == "about":
        tolerance = max(tolerance, _APPROX_SHARE * abs(value))
    if pool.group in _TIME_GROUPS:
        if claim.unit in _TO_SECONDS:
            factor = _TO_SECONDS[claim.unit]
            return [(value * factor, tolerance * factor)]
        if claim.unit:
            return []
        return [(value, tolerance), (value * 0.001, tolerance * 0.001)]
    if claim.unit in ("", "tok/s") or claim.unit == pool.unit:
        return [(value, tolerance)]
    if pool.unit == "MB" and claim.unit in ("GB", "kB", "MiB", "GiB", "KiB"):
        factor = {"GB": 1000.0, "kB": 0.001, "MiB": 1.048576, "GiB": 1073.741824,
                  "KiB": 0.001024}[claim.unit]
        return [(value * factor, tolerance * factor)]
    return []


def _format_value(claim: Claim) -> str:
    value = claim.value if claim.value is not None else 0.0
    text = f"{value:.{claim.decimals}f}"
    return f"{text} {claim.unit}".strip()


def _pool_range(pool: _Pool, unit: str = "") -> str:
    """The pool's span, in ``unit`` when it is a time unit the claim used ("ttft_ms": ms)."""
    return _span(pool, pool.minimum, pool.maximum, unit)


def _short(value: float) -> str:
    return f"{value:.4g}"


def _check_metric(claim: Claim, context: _Context) -> Verdict:
    index = context.index
    if claim.unit == "%":
        return Verdict(claim, UNVERIFIABLE, None, "a percentage of a metric cannot be checked")
    group = claim.subject
    if not group:
        return Verdict(claim, UNVERIFIABLE, None,
                       f"{_format_value(claim)} is not tied to a metric the corpus holds")
    if claim.qualifier in ("bound", "delta"):
        what = "a bound" if claim.qualifier == "bound" else "a change"
        return Verdict(claim, UNVERIFIABLE, None,
                       f"{what} on {claim.name or group}, not a value the corpus holds")
    groups = [g for g in _ALSO_MEANS.get(group, (group,)) if g in index.pools]
    name = claim.name or group
    if not groups:
        return Verdict(claim, UNVERIFIABLE, None, f"the corpus has no {name} values")
    if claim.scope and not claim.scope.startswith("model:"):
        scoped = _check_scoped_metric(claim, groups, index)
        if scoped is not None:
            return scoped
    tried = False
    for current in groups:
        pool = index.pools[current]
        for value, tolerance in _interpretations(claim, pool):
            tried = True
            found = pool.near(value, tolerance, claim.qualifier)
            if found is not None:
                truth = f"{found.shown} in {found.where}"
                return Verdict(claim, SUPPORTED, truth, truth)
    if not tried:
        return Verdict(claim, UNVERIFIABLE, None,
                       f"{_format_value(claim)} is not in a unit {name} can be in")
    if claim.scope.startswith("model:"):
        # A model's figure may be pooled over its logs ("| llama3.2:1b | 137.9 |": the mean
        # of every prompt of its three CSVs). Only a way more to be right: a model's runs are
        # not all in files named after it, so a value elsewhere is not taken as wrong.
        pooled = _model_pooled(claim, groups, index)
        if pooled is not None:
            return pooled
    main = index.pools[groups[0]]
    truth = f"{name} values in the corpus span {_pool_range(main, claim.unit)}"
    return _no_such_value(claim, groups, index, truth, "", "in the corpus")


def _no_such_value(claim: Claim, groups: Sequence[str], index: InventoryIndex, truth: str,
                   of_place: str, where: str) -> Verdict:
    """The contradiction of a value found nowhere it should be: misattributed when another
    metric holds it, else simply not there."""
    name = claim.name or claim.subject
    other = _misattributed(claim, groups, index)
    if other is not None:
        return Verdict(
            claim, CONTRADICTED, truth,
            f"{_format_value(claim)} is not a {name} value{of_place}: {other.shown} is "
            f"{other.name} in {other.where} (misattributed; {truth})")
    return Verdict(claim, CONTRADICTED, truth,
                   f"no {name} value or statistic {where} is {_format_value(claim)} ({truth})")


def _check_scoped_metric(claim: Claim, groups: Sequence[str],
                         index: InventoryIndex) -> Verdict | None:
    """The verdict on a value the text ties to a file or folder ("In `a.csv` TTFT was …"):
    it must be a value or statistic of that file's (or folder's) own series. None when the
    scope holds no series of the metric (or is not in the corpus): the corpus-wide check then
    decides, and a path that does not exist is a claim of its own."""
    paths = _scope_paths(index, claim.scope)
    if not paths:
        return None
    name = claim.name or claim.subject
    in_scope: list[tuple[_Pool, list[_Candidate]]] = []
    for group in groups:
        pool = index.pools[group]
        by_path = _candidates_by_path(index, pool)
        candidates = [c for path in paths for c in by_path.get(path, ())]
        if candidates:
            if len(paths) > 1:
                candidates += _pooled(index, group, paths, claim.scope)
            in_scope.append((pool, candidates))
    if not in_scope:
        return None
    for pool, candidates in in_scope:
        supported = _supported_among(claim, pool, candidates)
        if supported is not None:
            return supported
    place = (f"the {claim.scope.removeprefix('model:')} files" if claim.scope.startswith("model:")
             else claim.scope.strip("`*'\"/ ") or claim.scope)
    pool, candidates = in_scope[0]
    raw = [c.value for c in candidates if not c.statistic] or [c.value for c in candidates]
    span = _span(pool, min(raw), max(raw), claim.unit)
    truth = f"{name} values in {place} span {span}"
    elsewhere = None
    for group in groups:
        for value, tolerance in _interpretations(claim, index.pools[group]):
            elsewhere = elsewhere or index.pools[group].near(value, tolerance,
                                                             claim.qualifier)
    if elsewhere is not None:
        return Verdict(claim, CONTRADICTED, truth,
                       f"{_format_value(claim)} is not a {name} value or statistic of {place}: "
                       f"{elsewhere.shown} is in {elsewhere.where} (another file; {truth})")
    return _no_such_value(claim, groups, index, truth, f" of {place}", f"of {place}")


def _model_pooled(claim: Claim, groups: Sequence[str], index: InventoryIndex) -> Verdict | None:
    paths = _scope_paths(index, claim.scope)
    if len(paths) < 2:
        return None
    for group in groups:
        supported = _supported_among(claim, index.pools[group],
                                     _pooled(index, group, paths, claim.scope))
        if supported is not None:
            return supported
    return None


def _supported_among(claim: Claim, pool: _Pool,
                     candidates: Sequence[_Candidate]) -> Verdict | None:
    """Supported by the candidate nearest the claim's value, if one is within its rounding."""
    fits = statistic_fits(claim.qualifier)
    for value, tolerance in _interpretations(claim, pool):
        allowed = tolerance + 1e-9 * max(1.0, abs(value))
        near = [c for c in candidates if abs(c.value - value) <= allowed and (
            not c.statistic or c.statistic in fits)]
        if near:
            found = min(near, key=lambda c: abs(c.value - value))
            truth = f"{found.shown} in {found.where}"
            return Verdict(claim, SUPPORTED, truth, truth)
    return None


def _pooled(index: InventoryIndex, group: str, paths: tuple[str, ...],
            scope: str) -> list[_Candidate]:
    """Statistics of a metric's values over several files (a model's logs, a folder's runs):
    over all of them, and over those of each file type ("pooled over the CSV logs")."""
    key = ("pooled", group, paths)
    found: list[_Candidate] | None = index.memo.get(key)
    if found is None:
        wanted = set(paths)
        pooled: dict[str, list[float]] = defaultdict(list)
        for one in index.inventory.series:
            if one.path not in wanted:
                continue
            series_group, _stat, unit = metric_group(one.name)
            if series_group != group:
                continue
            factor = _TO_SECONDS.get(unit or "s", 1.0) if group in _TIME_GROUPS else 1.0
            values = [value * factor for value in one.values]
            pooled[""] += values
            pooled[one.path.rsplit(".", 1)[-1].lower()] += values
        place = scope.removeprefix("model:")
        unit = "s" if group in _TIME_GROUPS else ""
        found = []
        for kind, values in pooled.items():
            if len(values) < 2 or (kind and len(pooled) == 2):
                continue  # one kind only: the same figures as all of them
            source = f"all {len(values)} {group} values of {place}" + (
                f" in its {kind} files" if kind else "")
            found.extend(_new(_Candidate, (value, source, label, group, value, unit, ""))
                         for label, value in _statistics(values))
        index.memo[key] = found
    return found


def _scope_paths(index: InventoryIndex, scope: str) -> tuple[str, ...]:
    """The corpus files a scope names: the file itself, every file of that name, or every
    file under that folder; for "model:<tag>", the files named after that model."""
    key = ("scope", scope)
    found: tuple[str, ...] | None = index.memo.get(key)
    if found is None and scope.startswith("model:"):
        # "llama3.2:1b" → "llama32_1b", as file names write it.
        name, _, size = scope.removeprefix("model:").partition(":")
        named = re.compile(rf"(?<![a-z0-9]){re.escape(name.replace('.', ''))}[_-]"
                           rf"{re.escape(size)}(?![a-z0-9])")
        found = index.memo[key] = tuple(
            record.path for record in index.inventory.files if named.search(record.path.lower()))
    if found is None:
        wanted = scope.strip().strip("`*'\"").removeprefix("./").rstrip("/").lower()
        paths: list[str] = []
        if wanted:
            inside = "/" + wanted + "/"
            for record in index.inventory.files:
                path = record.path.lower()
                if (path == wanted or path.endswith("/" + wanted)
                        or path.startswith(wanted + "/") or inside in path):
                    paths.append(record.path)
        found = index.memo[key] = tuple(paths)
    return found


def _candidates_by_path(index: InventoryIndex, pool: _Pool) -> dict[str, list[_Candidate]]:
    key = ("by_path", pool.group)
    found: dict[str, list[_Candidate]] | None = index.memo.get(key)
    if found is None:
        found = index.memo[key] = defaultdict(list)
        for candidate in pool.candidates:
            if candidate.path:
                found[candidate.path].append(candidate)
        found = index.memo[key] = dict(found)
    return found


def _span(pool: _Pool, low: float, high: float, unit: str) -> str:
    """``low``–``high`` (in the pool's unit) as :func:`_pool_range` shows a pool's span."""
    if pool.group in _TIME_GROUPS and unit in _TO_SECONDS and unit != pool.unit:
        factor = _TO_SECONDS[unit]
        return f"{_short(low / factor)}–{_short(high / factor)} {unit}"
    shown = f" {pool.unit}" if pool.unit else ""
    return f"{_short(low)}–{_short(high)}{shown}"


def _misattributed(claim: Claim, groups: Sequence[str],
                   index: InventoryIndex) -> _Candidate | None:
    """A value of another metric that the claim's number matches, raw values first.

    The number as written is tried first ("TTFT 45.3 ms" where 45.3 is a tokens/s value),
    then read in the claim's unit against time metrics (45.3 ms as 0.0453 s). Only values
    the corpus holds exactly as written count here, not statistics or near values: a
    number that happens to round to one of hundreds of values is no evidence of a mix-up.
    """
    value = claim.value if claim.value is not None else 0.0
    best: tuple[int, _Candidate] | None = None
    for group, pool in index.pools.items():
        if group in groups or group in _INDEX_GROUPS:
            continue
        readings = [(value, claim.tolerance, 0)] if group not in _TIME_GROUPS else []
        readings += [(v, t, 2) for v, t in _interpretations(claim, pool)]
        if group in _TIME_GROUPS and claim.unit not in _TO_SECONDS:
            # "Throughput 0.415 tok/s" where 0.415 is a TTFT in seconds.
            readings.append((value, claim.tolerance, 1))
        found = [(rank, pool.near_raw(reading, 1e-9 * max(1.0, abs(reading))))
                 for reading, _tolerance, rank in readings]
        if group in _TIME_GROUPS and claim.unit not in _TO_SECONDS:
            # "Throughput 88.6 tok/s" where 88.6 is written under "TTFT (ms)".
            found.append((1, pool.written(value)))
        for rank, candidate in found:
            if candidate is not None and (best is None or rank < best[0]):
                best = (rank, candidate)
    return best[1] if best else None


# -- language ---------------------------------------------------------------------------------


def _check_language(claim: Claim, context: _Context) -> Verdict:
    found = claim.subject
    wanted = context.language
    wanted_name = LANGUAGE_NAMES.get(wanted, wanted)
    if found == "und":
        return Verdict(claim, UNVERIFIABLE, None, "too little text to tell its language")
    found_name = LANGUAGE_NAMES.get(found, found)
    if found == wanted:
        return Verdict(claim, SUPPORTED, wanted, f"written in {wanted_name}, as prompted")
    return Verdict(claim, CONTRADICTED, wanted,
                   f"written in {found_name} ({found}); the prompt asks for {wanted_name}")


_CHECKERS = {
    "count": _check_count,
    "size": _check_size,
    "time": _check_time,
    "path": _check_path,
    "metric": _check_metric,
    "language": _check_language,
    "harness": _check_harness_text,
}
