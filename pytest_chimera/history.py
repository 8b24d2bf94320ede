"""Saved runs in pytest-benchmark's storage: load them, compare two, gate regressions, export.

A run saved with ``--benchmark-autosave`` (or ``--benchmark-save=NAME``) is a JSON file
``<storage>/<machine-id>/NNNN_<name>.json``; every Chimera test in it carries its generation
metrics and faithfulness figures in ``extra_info`` (see :meth:`RunOutcome.extra_info`). Under
pytest-xdist pytest-benchmark saves nothing, so the plugin writes the same layout itself
(:func:`next_run_path`, :func:`benchmark_entry`).

Timings of a replayed run are the cassette's, not this machine's: they are shown, marked, and
never compared. When runs have several rounds (``--chimera-rounds N``) a metric is its median
over the rounds and a change only counts when it is larger than the run-to-run spread.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tabulate import tabulate

from .config import schema_validator

# ASCII digits only, which is what pytest-benchmark writes: re's \d takes other scripts'
# digits, and str.isdigit() also "²", which int() cannot read.
RUN_FILE = re.compile(r"^(?P<number>[0-9]{4})_(?P<name>.*)\.json$")
DEFAULT_STORAGE = Path(".benchmarks")
MAX_RUN_BYTES = 64 * 1024 * 1024


class HistoryError(Exception):
    """A saved run cannot be found or read, or two runs cannot be compared; says which."""


class GateSpecError(ValueError):
    """A regression gate spec does not parse; the message names the part at fault."""


# -- metrics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    """One figure compared between runs, and which way is better."""

    name: str
    title: str
    unit: str
    better: str | None  # "lower", "higher", or None when neither is better
    performance: bool  # a timing: meaningless on a replayed run
    digits: int
    most: float | None = None  # the largest value it can take (a share's 1); None: unbounded

    def worsening(self, delta: float) -> float:
        """How much worse ``delta`` (new - old) is; negative when it is an improvement."""
        if self.better == "lower":
            return delta
        if self.better == "higher":
            return -delta
        return 0.0


# Every metric is 0 or more.
METRICS: tuple[Metric, ...] = (
    Metric("ttft_ms", "TTFT", "ms", "lower", True, 1),
    Metric("tokens_per_s", "decode", "tok/s", "higher", True, 2),
    Metric("load_ms", "load", "ms", "lower", True, 1),
    Metric("prompt_eval_ms", "prompt eval", "ms", "lower", True, 1),
    Metric("eval_ms", "eval", "ms", "lower", True, 1),
    Metric("total_ms", "total", "ms", "lower", True, 1),
    Metric("eval_tokens", "eval tokens", "tokens", None, False, 0),
    Metric("prompt_tokens", "prompt tokens", "tokens", None, False, 0),
    Metric("context_use", "context use", "share of num_ctx", None, False, 3),
    Metric("faithfulness", "faithfulness", "share", "higher", False, 3, most=1.0),
    Metric("contradicted", "contradicted", "claims", "lower", False, 0),
)
METRIC_BY_NAME = {m.name: m for m in METRICS}


def _round_values(metrics: Mapping[str, Any]) -> dict[str, float]:
    eval_s = float(metrics["eval_s"])
    eval_tokens = float(metrics["eval_tokens"])
    tokens_per_s = metrics.get("tokens_per_s")
    if tokens_per_s is None:
        tokens_per_s = eval_tokens / eval_s if eval_s > 0 else 0.0
    return {
        "ttft_ms": float(metrics["ttft_s"]) * 1000,
        "tokens_per_s": float(tokens_per_s),
        "load_ms": float(metrics["load_s"]) * 1000,
        "prompt_eval_ms": float(metrics["prompt_eval_s"]) * 1000,
        "eval_ms": eval_s * 1000,
        "total_ms": float(metrics["total_s"]) * 1000,
        "eval_tokens": eval_tokens,
        "prompt_tokens": float(metrics["prompt_tokens"]),
    }


@dataclass(frozen=True)
class Sample:
    """A metric's values over the rounds of one run."""

    values: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def median(self) -> float:
        return float(statistics.median(self.values))

    @property
    def p95(self) -> float:
        if self.n == 1:
            return self.values[0]
        return float(statistics.quantiles(self.values, n=20, method="inclusive")[18])

    @property
    def spread(self) -> float:
        """Run-to-run spread: the range of the rounds (0 with one round)."""
        return max(self.values) - min(self.values)


@dataclass(frozen=True)
class CaseResult:
    """One Chimera test (agent × persona) of one saved run."""

    name: str
    agent: str
    persona: str
    model: str
    backend: str
    replayed: bool
    samples: Mapping[str, Sample]
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.agent, self.persona, self.name.split("[", 1)[0])

    @property
    def label(self) -> str:
        return f"{self.agent} × {self.persona}"

    @property
    def rounds(self) -> int:
        return max((s.n for s in self.samples.values()), default=0)

    def value(self, metric: str) -> float | None:
        sample = self.samples.get(metric)
        return sample.median if sample is not None else None


def case_from_info(name: str, info: Mapping[str, Any]) -> CaseResult:
    """A CaseResult from a benchmark's ``extra_info`` (already checked against the schema)."""
    rounds = info.get("rounds") or [info["metrics"]]
    per_round = [_round_values(r) for r in rounds]
    samples: dict[str, Sample] = {
        metric: Sample(tuple(values[metric] for values in per_round))
        for metric in per_round[0]
    }
    context = info.get("context") or {}
    uses = [c["prompt_tokens"] / c["num_ctx"] for c in context.values() if c.get("num_ctx")]
    if uses:
        samples["context_use"] = Sample((max(uses),))
    if info.get("faithfulness") is not None:
        samples["faithfulness"] = Sample((float(info["faithfulness"]),))
    if info.get("contradicted") is not None:
        samples["contradicted"] = Sample((float(info["contradicted"]),))
    return CaseResult(
        name=name, agent=str(info["agent"]), persona=str(info["persona"]),
        model=str(info.get("model", "")), backend=str(info.get("backend", "")),
        replayed=bool(info.get("replayed", False)), samples=samples,
        options=dict(info.get("options") or {}),
    )


def is_chimera_info(info: Any) -> bool:
    return isinstance(info, dict) and "agent" in info and "persona" in info


# -- saved runs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedRun:
    """The Chimera tests of one saved run (or of the run in progress, with no path)."""

    label: str
    tests: tuple[CaseResult, ...]
    path: Path | None = None
    datetime: str = ""
    commit: str = ""

    @property
    def replayed(self) -> bool:
        return bool(self.tests) and all(t.replayed for t in self.tests)

    @property
    def short(self) -> str:
        """The run's number for a saved file (autosave names run to 70 characters)."""
        return self.label[:4] if RUN_FILE.match(f"{self.label}.json") else self.label

    def by_key(self) -> dict[tuple[str, str, str], CaseResult]:
        return {t.key: t for t in self.tests}


def run_label(path: Path) -> str:
    return path.stem


def list_runs(storage: Path) -> list[Path]:
    """Every saved run under ``storage`` (any machine folder), oldest number first."""
    if not storage.is_dir():
        return []
    found = [p for p in storage.glob("*/*.json") if RUN_FILE.match(p.name)]
    found += [p for p in storage.glob("*.json") if RUN_FILE.match(p.name)]
    return sorted(found, key=lambda p: (p.name, str(p.parent)))


def _available(runs: Sequence[Path], storage: Path) -> str:
    if not runs:
        return (f"no saved runs in {storage} (save some with --benchmark-autosave or "
                f"--benchmark-save=NAME; --benchmark-storage/--storage choose the folder)")
    shown = ", ".join(run_label(p) for p in runs[-8:])
    more = f" (and {len(runs) - 8} older)" if len(runs) > 8 else ""
    return f"saved runs in {storage}: {shown}{more}"


def resolve_run(storage: Path, ref: str) -> Path:
    """The file of a saved run named by path, number (``3``, ``0003``), name, or ``last``."""
    text = ref.strip()
    if not text:
        raise HistoryError("an empty run name was given")
    candidate = Path(text).expanduser()
    if candidate.is_file():
        return candidate
    if candidate.suffix == ".json" or "/" in text or "\\" in text:
        if candidate.is_dir():
            raise HistoryError(f"run {text} is a folder, not a saved run file")
        raise HistoryError(f"run file {text} does not exist")
    runs = list_runs(storage)
    if not runs:
        raise HistoryError(f"run {text!r}: {_available(runs, storage)}")
    if text in ("last", "latest"):
        return runs[-1]
    if text.isascii() and text.isdigit():
        matches = [p for p in runs if int(p.name[:4]) == int(text)]
    else:
        matches = [p for p in runs if p.stem == text or p.stem[5:] == text]
        if not matches:
            matches = [p for p in runs if text in p.stem]
    if not matches:
        raise HistoryError(f"no saved run matches {text!r}; {_available(runs, storage)}")
    if len(matches) > 1:
        names = ", ".join(str(p.relative_to(storage)) for p in matches)
        raise HistoryError(f"{text!r} matches several saved runs: {names}; give the file path")
    return matches[0]


def _where(path: Iterable[Any]) -> str:
    parts = [str(p) for p in path]
    return ".".join(parts) if parts else "(top level)"


def load_run(path: Path) -> SavedRun:
    """Read and check one saved run file; every problem is a HistoryError naming the file."""
    if not path.exists():
        raise HistoryError(f"run file {path} does not exist")
    if path.is_dir():
        raise HistoryError(f"run {path} is a folder, not a saved run file")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_RUN_BYTES + 1)
    except OSError as exc:
        raise HistoryError(f"run file {path} cannot be read: {exc.strerror}") from None
    if len(data) > MAX_RUN_BYTES:
        raise HistoryError(f"run file {path} is over {MAX_RUN_BYTES // 2**20} MiB; "
                           "not a saved pytest-benchmark run")
    if not data.strip():
        # What pytest-benchmark leaves when a run is killed as it saves (it writes in place).
        raise HistoryError(f"run file {path} is empty (a save that was interrupted?)")
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise HistoryError(f"run file {path} is not UTF-8 text (corrupted?)") from None
    except json.JSONDecodeError as exc:
        raise HistoryError(f"run file {path} is not valid JSON (corrupted or cut short?): "
                           f"{exc}") from None
    except RecursionError:
        raise HistoryError(f"run file {path} is not valid JSON (nested too deeply to read); "
                           "not a saved pytest-benchmark run") from None
    except ValueError:  # int() refuses more digits than sys.get_int_max_str_digits()
        raise HistoryError(f"run file {path} is not valid JSON (a number too long to read); "
                           "not a saved pytest-benchmark run") from None
    return run_from_document(document, source=str(path), label=run_label(path), path=path)


def run_from_document(document: Any, *, source: str, label: str,
                      path: Path | None = None) -> SavedRun:
    """A SavedRun from a pytest-benchmark JSON document, checked against its schema."""
    errors = sorted(schema_validator("benchmark-run").iter_errors(document),
                    key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{source}: {_where(e.absolute_path)}: {e.message}" for e in errors[:10]]
        if len(errors) > 10:
            lines.append(f"{source}: … and {len(errors) - 10} more problems")
        raise HistoryError("not a saved pytest-benchmark run:\n" + "\n".join(lines))
    tests = [
        case_from_info(str(bench.get("fullname") or bench["name"]), bench["extra_info"])
        for bench in document["benchmarks"] if is_chimera_info(bench.get("extra_info"))
    ]
    commit = document.get("commit_info") or {}
    return SavedRun(label=label, tests=tuple(tests), path=path,
                    datetime=str(document.get("datetime", "")),
                    commit=str(commit.get("id", "")) if isinstance(commit, dict) else "")


def load_runs(storage: Path, refs: Sequence[str], *, default: int = 2) -> list[SavedRun]:
    """The runs named by ``refs``, or the last ``default`` saved runs when none are named."""
    if refs:
        paths = [resolve_run(storage, ref) for ref in refs]
    else:
        paths = list_runs(storage)
        if len(paths) < default:
            raise HistoryError(f"need {default} saved runs to compare, found {len(paths)}; "
                               f"{_available(paths, storage)}")
        paths = paths[-default:]
    return [load_run(p) for p in paths]


# -- comparing two runs -----------------------------------------------------------------------


@dataclass(frozen=True)
class MetricChange:
    """One metric of one test in two runs."""

    metric: Metric
    old: Sample | None
    new: Sample | None
    status: str  # worse, better, changed, same, noise, replayed, missing, not-finite
    note: str = ""

    @property
    def delta(self) -> float | None:
        if self.old is None or self.new is None or self.status in NOT_COMPARED:
            return None
        return self.new.median - self.old.median

    @property
    def percent(self) -> float | None:
        delta = self.delta
        if delta is None or self.old is None:
            return None
        if self.old.median == 0:
            return 0.0 if delta == 0 else math.copysign(math.inf, delta)
        return delta / abs(self.old.median) * 100

    @property
    def spread(self) -> float:
        return max((s.spread for s in (self.old, self.new) if s is not None), default=0.0)


@dataclass(frozen=True)
class CaseComparison:
    key: tuple[str, str, str]
    old: CaseResult | None
    new: CaseResult | None
    changes: tuple[MetricChange, ...]

    @property
    def label(self) -> str:
        test = self.new or self.old
        assert test is not None
        return test.label

    @property
    def name(self) -> str:
        test = self.new or self.old
        assert test is not None
        return test.name


@dataclass(frozen=True)
class Comparison:
    old: SavedRun
    new: SavedRun
    tests: tuple[CaseComparison, ...]

    @property
    def rounds(self) -> int:
        return max((t.rounds for run in (self.old, self.new) for t in run.tests), default=0)


# The statuses of a metric that was not compared, and what each means to a gate.
NOT_COMPARED = {
    "missing": "not in both runs",
    "replayed": "replayed (timings not compared)",
    "not-finite": "NaN or infinite in a run",
}


def _change(metric: Metric, old: CaseResult, new: CaseResult) -> MetricChange:
    before, after = old.samples.get(metric.name), new.samples.get(metric.name)
    if before is None or after is None:
        return MetricChange(metric, before, after, "missing", "not in both runs")
    # Python's json reads and writes NaN; a NaN compares as neither worse nor better, so a
    # gate would pass it in silence.
    unreadable = [label for label, sample in (("old", before), ("new", after))
                  if not all(math.isfinite(v) for v in sample.values)]
    if unreadable:
        which = "both runs" if len(unreadable) == 2 else f"{unreadable[0]} run"
        return MetricChange(metric, before, after, "not-finite",
                            f"not a finite number ({which}): not compared")
    if metric.performance and (old.replayed or new.replayed):
        which = "both runs" if old.replayed and new.replayed else (
            "old run" if old.replayed else "new run")
        return MetricChange(metric, before, after, "replayed",
                            f"replayed ({which}): not compared")
    delta = after.median - before.median
    spread = max(before.spread, after.spread)
    noisy = before.n > 1 or after.n > 1
    if delta == 0:
        return MetricChange(metric, before, after, "same")
    if noisy and abs(delta) <= spread:
        return MetricChange(metric, before, after, "noise",
                            f"within run-to-run spread ±{_fmt(metric, spread)}")
    if metric.better is None:
        return MetricChange(metric, before, after, "changed")
    status = "worse" if metric.worsening(delta) > 0 else "better"
    return MetricChange(metric, before, after, status,
                        f"{status}, beyond spread ±{_fmt(metric, spread)}" if noisy else status)


def compare_runs(old: SavedRun, new: SavedRun) -> Comparison:
    """Every metric of every test in either run: old, new, delta, percentage, verdict."""
    for run in (old, new):
        if not run.tests:
            raise HistoryError(f"run {run.label} holds no Chimera tests (no benchmark has an "
                               "agent and a persona in its extra_info)")
    before, after = old.by_key(), new.by_key()
    tests = []
    for key in sorted(set(before) | set(after)):
        o, n = before.get(key), after.get(key)
        if o is None or n is None:
            tests.append(CaseComparison(key, o, n, ()))
            continue
        tests.append(CaseComparison(key, o, n, tuple(_change(m, o, n) for m in METRICS)))
    return Comparison(old, new, tuple(tests))


# -- the gate ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GateRule:
    """``metric:limit`` — fail when the metric gets worse by more than the limit."""

    metric: Metric
    limit: float
    relative: bool

    def __str__(self) -> str:
        return f"{self.metric.name}:{self.limit:g}{'%' if self.relative else ''}"


def parse_gate(spec: str) -> tuple[GateRule, ...]:
    """``ttft_ms:10%,tokens_per_s:5%,faithfulness:0`` → rules; GateSpecError names the part."""
    rules: list[GateRule] = []
    gated = [m.name for m in METRICS if m.better is not None]
    parts = spec.split(",")
    if not spec.strip():
        raise GateSpecError("the gate is empty; expected METRIC:LIMIT[%],… "
                            "such as ttft_ms:10%,tokens_per_s:5%,faithfulness:0")
    for raw in parts:
        part = raw.strip()
        if not part:
            raise GateSpecError(f"{spec!r} has an empty part; expected METRIC:LIMIT[%],…")
        name, colon, limit_text = part.partition(":")
        name, limit_text = name.strip(), limit_text.strip()
        if not colon or not limit_text:
            raise GateSpecError(f"{part!r}: expected METRIC:LIMIT such as ttft_ms:10% "
                                "(a percentage) or faithfulness:0 (in the metric's unit)")
        metric = METRIC_BY_NAME.get(name)
        if metric is None:
            raise GateSpecError(f"{part!r}: unknown metric {name!r}; gate one of "
                                f"{', '.join(gated)}")
        if metric.better is None:
            raise GateSpecError(f"{part!r}: {name} is neither better higher nor lower, so it "
                                f"cannot regress; gate one of {', '.join(gated)}")
        relative = limit_text.endswith("%")
        number_text = limit_text[:-1].strip() if relative else limit_text
        try:
            limit = float(number_text)
        except ValueError:
            raise GateSpecError(f"{part!r}: {limit_text!r} is not a number "
                                "(or a percentage such as 10%)") from None
        if not math.isfinite(limit) or limit < 0:
            raise GateSpecError(f"{part!r}: the limit must be 0 or more, not {limit_text!r}")
        limit += 0.0  # "-0" is 0, and is shown as 0
        never = _never_reached(metric, limit, relative)
        if never:
            raise GateSpecError(f"{part!r}: {never}")
        if any(r.metric is metric for r in rules):
            raise GateSpecError(f"{part!r}: {name} is gated twice")
        rules.append(GateRule(metric, limit, relative))
    return tuple(rules)


def _never_reached(metric: Metric, limit: float, relative: bool) -> str:
    """Why a rule with this limit could never fail (a typo, such as 5 for 5%); "" if it can.

    A rule fails when the metric gets worse by more than the limit; a metric never below 0
    that is better higher falls by 100% at most, and a bounded one (a share) gets worse by its
    bound at most.
    """
    name = metric.name
    if relative and metric.better == "higher" and limit >= 100:
        return (f"{name} cannot fall by more than 100% (it is never below 0), so this gate "
                "would never fail; give a percentage under 100%")
    if not relative and metric.most is not None and limit >= metric.most:
        most = metric.most
        return (f"{name} is a {metric.unit} from 0 to {most:g}: it cannot get worse by more "
                f"than {most:g}, so this gate would never fail; give a limit under {most:g} "
                f"({name}:{most * 0.05:g}) or a percentage ({name}:5%)")
    return ""


@dataclass(frozen=True)
class Regression:
    rule: GateRule
    test: CaseComparison
    change: MetricChange

    @property
    def message(self) -> str:
        change, metric = self.change, self.rule.metric
        assert change.old is not None and change.new is not None
        delta = change.delta or 0.0
        percent = change.percent
        pct = "" if percent is None else f", {_signed_percent(percent)}"
        unit = f" {metric.unit}" if metric.unit not in ("share", "claims") else ""
        return (f"{metric.name} of {self.test.name} ({self.test.label}) got worse: "
                f"{_fmt(metric, change.old.median)} -> {_fmt(metric, change.new.median)}{unit} "
                f"({_signed(metric, delta)}{pct}; gate {self.rule})")


def check_gate(comparison: Comparison, rules: Sequence[GateRule]) -> list[Regression]:
    """Each rule broken by a test: worse beyond the noise and beyond the rule's limit."""
    found = []
    for test in comparison.tests:
        by_metric = {c.metric.name: c for c in test.changes}
        for rule in rules:
            change = by_metric.get(rule.metric.name)
            if change is None or change.status != "worse":
                continue
            delta = change.delta
            assert delta is not None
            worse = rule.metric.worsening(delta)
            if rule.relative:
                percent = change.percent
                amount = math.inf if percent is None else abs(percent)
            else:
                amount = worse
            if amount > rule.limit:
                found.append(Regression(rule, test, change))
    return found


def gate_lines(comparison: Comparison, rules: Sequence[GateRule],
               regressions: Sequence[Regression]) -> list[str]:
    """What the gate checked: "no regression" only for a rule that compared every test.

    A rule whose values were replayed, NaN or in one run only says how many it could not
    check and why, so that a gate that compared nothing never reads as a pass.
    """
    if not rules:
        return []
    unchecked: dict[str, Counter[str]] = {}
    checked: dict[str, int] = {}
    for rule in rules:
        name = rule.metric.name
        reasons: Counter[str] = Counter()
        count = 0
        for test in comparison.tests:
            change = next((c for c in test.changes if c.metric.name == name), None)
            if change is None:
                reasons["in one run only"] += 1
            elif change.status in NOT_COMPARED:
                reasons[NOT_COMPARED[change.status]] += 1
            else:
                count += 1
        unchecked[name], checked[name] = reasons, count
    if not regressions and not any(unchecked.values()):
        return [f"gate {','.join(str(r) for r in rules)}: no regression"]
    lines = []
    for rule in rules:
        name = rule.metric.name
        found = sum(1 for r in regressions if r.rule.metric.name == name)
        why = ", ".join(f"{n} {reason}" for reason, n in sorted(unchecked[name].items()))
        if not checked[name]:
            lines.append(f"gate {rule}: not checked: {why}")
            continue
        verdict = f"{found} regression(s)" if found else "no regression"
        line = f"gate {rule}: {verdict} in {checked[name]} test(s)"
        lines.append(f"{line}; not checked: {why}" if why else line)
    return lines


# -- rendering --------------------------------------------------------------------------------


def _fmt(metric: Metric, value: float) -> str:
    if metric.digits == 0:
        return f"{value:.0f}"
    return f"{value:.{metric.digits}f}"


def _signed(metric: Metric, value: float) -> str:
    text = _fmt(metric, value)
    return text if text.startswith("-") else f"+{text}"


def _signed_percent(value: float) -> str:
    if math.isinf(value):
        return "+inf%" if value > 0 else "-inf%"
    return f"{value:+.1f}%"


def _cell(metric: Metric, sample: Sample | None) -> str:
    if sample is None:
        return "-"
    if sample.n > 1:
        return f"{_fmt(metric, sample.median)} (p95 {_fmt(metric, sample.p95)})"
    return _fmt(metric, sample.median)


def _describe(test: CaseResult) -> str:
    rounds = f"{test.rounds} rounds" if test.rounds > 1 else "1 round"
    replayed = ", replayed" if test.replayed else ""
    return f"{test.model} on {test.backend}, {rounds}{replayed}"


def noise_note(comparison: Comparison) -> str:
    if comparison.rounds > 1:
        return ("noise: values are medians (p95 in brackets) over the rounds; a change counts "
                "only when it is larger than the run-to-run spread (max - min of the rounds)")
    return ("noise: one round per run, so no spread is known and every change counts; "
            "run with --chimera-rounds N for medians, p95 and a noise threshold")


def render_comparison(comparison: Comparison, regressions: Sequence[Regression] = ()) -> str:
    """A table per agent × persona: each metric, old, new, delta, percentage and a note."""
    old, new = comparison.old, comparison.new
    lines = [f"chimera compare: {old.label} -> {new.label}"]
    for run in (old, new):
        if run.replayed:
            lines.append(f"  {run.label} was replayed from cassettes: its timings are not "
                         "compared")
    lines.append(noise_note(comparison))
    flagged = {(r.test.key, r.rule.metric.name) for r in regressions}
    for test in comparison.tests:
        lines.append("")
        if test.old is None or test.new is None:
            where = new.label if test.new is not None else old.label
            lines.append(f"{test.label} ({test.name}): only in {where}")
            continue
        lines.append(f"{test.label} ({test.name}): {old.short}: {_describe(test.old)}; "
                     f"{new.short}: {_describe(test.new)}")
        rows = []
        for change in test.changes:
            metric = change.metric
            delta, percent = change.delta, change.percent
            note = change.note
            if (test.key, metric.name) in flagged:
                note = f"REGRESSION ({note})" if note else "REGRESSION"
            rows.append([
                f"{metric.name} ({metric.unit})", _cell(metric, change.old),
                _cell(metric, change.new),
                "" if delta is None else _signed(metric, delta),
                "" if percent is None else _signed_percent(percent), note,
            ])
        lines.append(tabulate(rows, headers=["metric", old.short, new.short, "Δ", "Δ%", "note"],
                              tablefmt="simple", disable_numparse=True))
    return "\n".join(lines)


def comparison_json(comparison: Comparison, regressions: Sequence[Regression] = ()
                    ) -> dict[str, Any]:
    """What ``chimera compare --json`` prints."""

    def sample(s: Sample | None) -> dict[str, Any] | None:
        if s is None:
            return None
        return {"median": _json_number(s.median), "p95": _json_number(s.p95),
                "spread": _json_number(s.spread), "rounds": s.n}

    def run(r: SavedRun) -> dict[str, Any]:
        return {"label": r.label, "path": str(r.path) if r.path else None,
                "datetime": r.datetime, "commit": r.commit, "replayed": r.replayed}

    return {
        "old": run(comparison.old),
        "new": run(comparison.new),
        "noise": noise_note(comparison),
        "tests": [
            {
                "name": t.name, "agent": t.key[0], "persona": t.key[1],
                "in_old": t.old is not None, "in_new": t.new is not None,
                "metrics": {
                    c.metric.name: {"old": sample(c.old), "new": sample(c.new),
                                    "delta": c.delta, "percent": _json_number(c.percent),
                                    "status": c.status, "note": c.note}
                    for c in t.changes
                },
            }
            for t in comparison.tests
        ],
        "regressions": [
            {"metric": r.rule.metric.name, "test": r.test.name, "agent": r.test.key[0],
             "persona": r.test.key[1], "rule": str(r.rule), "message": r.message}
            for r in regressions
        ],
    }


def _json_number(value: float | None) -> float | str | None:
    # JSON has no NaN or Infinity; json.dumps would write them anyway, and parsers refuse them.
    if value is not None and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value is not None and math.isnan(value):
        return "nan"
    return value


# -- export -----------------------------------------------------------------------------------


def github_benchmark_entries(run: SavedRun) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """github-action-benchmark's custom format: ``{"bigger": [...], "smaller": [...]}``.

    Each entry is ``{"name", "unit", "value"}`` (plus ``range`` with several rounds and
    ``extra``); feed ``bigger`` to tool ``customBiggerIsBetter`` and ``smaller`` to
    ``customSmallerIsBetter``. Replayed timings are left out; so are metrics with no better
    direction. A value that is NaN or infinite is left out too, since the action's JSON
    parser refuses it and the format has no null value: its entry name is in the second item.
    """
    out: dict[str, list[dict[str, Any]]] = {"bigger": [], "smaller": []}
    not_finite: list[str] = []
    for test in sorted(run.tests, key=lambda t: t.key):
        for metric in METRICS:
            sample = test.samples.get(metric.name)
            if sample is None or metric.better is None:
                continue
            if metric.performance and test.replayed:
                continue
            name = f"{test.agent} × {test.persona} - {metric.name}"
            if not all(math.isfinite(v) for v in sample.values):
                not_finite.append(name)
                continue
            entry: dict[str, Any] = {
                "name": name,
                "unit": metric.unit,
                "value": round(sample.median, 6),
                "extra": f"{test.name}; {_describe(test)}",
            }
            if sample.n > 1:
                entry["range"] = f"± {_fmt(metric, sample.spread / 2)}"
            out["bigger" if metric.better == "higher" else "smaller"].append(entry)
    return out, not_finite


def junit_properties(info: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The metrics of one test as JUnit ``<property>`` pairs (``chimera_ttft_ms`` …)."""
    test = case_from_info("", info)
    props = [("chimera_replayed", "true" if test.replayed else "false")]
    for metric in METRICS:
        value = test.value(metric.name)
        if value is not None:
            props.append((f"chimera_{metric.name}", _fmt(metric, value) if metric.digits == 0
                          else f"{value:.{max(metric.digits, 3)}f}"))
    return props


# -- writing a run the way pytest-benchmark does ---------------------------------------------


def next_run_path(storage: Path, machine_id: str, name: str) -> Path:
    """``<storage>/<machine_id>/NNNN_<name>.json`` with the next free number, as pytest-benchmark
    numbers its own saves (one past the highest number in that machine folder)."""
    folder = storage / machine_id
    numbers = [int(p.name[:4]) for p in folder.glob("[0-9][0-9][0-9][0-9]_*.json")]
    return folder / f"{max(numbers, default=0) + 1:04d}_{name}.json"


def benchmark_entry(name: str, fullname: str, param: str | None, info: Mapping[str, Any],
                    stats: Mapping[str, Any]) -> dict[str, Any]:
    """One benchmark of a saved run, in pytest-benchmark's layout."""
    return {
        "group": None, "name": name, "fullname": fullname, "params": None, "param": param,
        "extra_info": dict(info), "options": {}, "stats": dict(stats),
    }


def round_seconds(info: Mapping[str, Any]) -> list[float]:
    """The generation time of each round, for the stats of a run pytest-benchmark did not time."""
    rounds = info.get("rounds") or [info["metrics"]]
    return [float(r["total_s"]) for r in rounds]
