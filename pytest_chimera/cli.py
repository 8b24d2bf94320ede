"""The ``chimera`` console script: ``chimera verify`` and the subcommands that join it.

Each subcommand is a :class:`Command` in :data:`COMMANDS`: it adds its own arguments and runs
on the parsed namespace, returning the exit status. Exit statuses are shared: 0 the check
passed, 1 it failed, 2 the input or the usage was bad (the message on stderr names what is at
fault; no traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import language
from .faithfulness import CONTRADICTED, SUPPORTED, UNVERIFIABLE, FaithfulnessResult, verify
from .inventory import CANNOT_LIST, CorpusError, Problem, scan_corpus
from .report import MODEL_START, ParsedReport, parse_report, render_report

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
MAX_REPORT_BYTES = 16 * 1024 * 1024
RUN_SCHEMA = "pytest-chimera/run/1"  # schemas/run.schema.json's "schema" constant
# A report asked for a language the detector cannot name would have every line read as
# drifted into another language.
KNOWN_LANGUAGES = language.KNOWN_LANGUAGES
_MAX_SCHEMA_ERRORS = 8
STDIN_ARGUMENT = "-"  # the report argument that reads standard input, as cat and grep do
STDIN_NAME = "<stdin>"  # how messages name a report read from standard input


class InputError(Exception):
    """Bad input for a subcommand; the message names the file or argument at fault."""


@dataclass(frozen=True)
class Command:
    """One ``chimera`` subcommand."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {}


def register(command: Command) -> Command:
    COMMANDS[command.name] = command
    return command


# -- verify -----------------------------------------------------------------------------------


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; give 0 or more")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is outside 0..1")
    return value


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date or time (2025-11-02T10:00:00Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _language(text: str) -> str:
    tag = text.strip()
    if language.known_language(tag) is None:
        raise argparse.ArgumentTypeError(language.unknown_language(text))
    return tag


def _configure_verify(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("report", help="the Markdown report to check; - reads it from "
                                        "standard input (./- for a file named -)")
    parser.add_argument("--corpus", type=Path, required=True,
                        help="the folder of benchmark artifacts the report describes")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (schemas/verdict.schema.json)")
    parser.add_argument("--max-contradicted", type=_non_negative_int, default=0, metavar="N",
                        help="fail when more claims than this are contradicted (default 0)")
    parser.add_argument("--min-faithfulness", type=_share, default=0.0, metavar="F",
                        help="fail when supported/(supported+contradicted) is under F "
                             "(default 0)")
    parser.add_argument("--fail-on-unverifiable", action="store_true",
                        help="fail when any claim cannot be verified")
    record = parser.add_mutually_exclusive_group()
    record.add_argument("--run-record", type=Path, metavar="RUN.json",
                        help="check the harness sections against this run record (default: "
                             "REPORT's sibling <stem>.json, or run.json beside a harness "
                             "report, when its \"schema\" says it is a run record)")
    record.add_argument("--no-run-record", action="store_true",
                        help="do not look for a run record; read harness sections as text")
    parser.add_argument("--language", type=_language, default="en",
                        help="the language the report was asked for (ISO 639-1, default en; "
                             "one of " + ", ".join(KNOWN_LANGUAGES) + ")")
    parser.add_argument("--run-date", type=_moment, metavar="ISO",
                        help="when the report was written (default: the run record's date)")


def _read_report(path: Path) -> str:
    if not path.exists():
        raise InputError(f"report {path} does not exist")
    if path.is_dir():
        raise InputError(f"report {path} is a folder, not a file")
    try:
        # Read one byte past the limit, never the whole file: a "report" may be gigabytes.
        with path.open("rb") as handle:
            data = handle.read(MAX_REPORT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"report {path} cannot be read: {exc.strerror}") from None
    return _report_text(str(path), data)


def _read_stdin_report() -> str:
    """The report piped in (``chimera verify -``), checked as a file's would be."""
    stream = sys.stdin
    if stream is None:  # started with no standard input at all
        raise InputError(f"report {STDIN_NAME} cannot be read: there is no standard input")
    try:
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            data = buffer.read(MAX_REPORT_BYTES + 1)
        else:
            # A text stream has decoded already; undecodable bytes it kept as surrogates come
            # back as themselves, so they are still reported as not UTF-8.
            data = stream.read(MAX_REPORT_BYTES + 1).encode("utf-8", "surrogateescape")
    except (OSError, ValueError) as exc:  # ValueError: a closed stream
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"report {STDIN_NAME} cannot be read: {reason}") from None
    return _report_text(STDIN_NAME, data)


def _report_text(name: str, data: bytes) -> str:
    """The text of a report read as ``data``; ``name`` is how messages call it."""
    if len(data) > MAX_REPORT_BYTES:
        raise InputError(f"report {name} is over {MAX_REPORT_BYTES // 2**20} MiB; not a report")
    if b"\x00" in data:
        raise InputError(f"report {name} is binary, not Markdown text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"report {name} is not UTF-8 text (byte {exc.start} cannot be decoded)") from None
    if not text.replace("\ufeff", "").strip():
        # Verifying nothing would say "faithful" of a report the agent never wrote.
        raise InputError(f"report {name} is empty: nothing to verify")
    return text


def _sibling_record(report: Path, text: str) -> Path | None:
    by_stem = report.with_suffix(".json")
    if by_stem.is_file():
        return by_stem
    beside = report.with_name("run.json")
    # run.json belongs to the report only when the report is a harness artifact.
    if beside.is_file() and MODEL_START in text:
        return beside
    return None


def _read_json(path: Path) -> Any:
    if not path.exists():
        raise InputError(f"run record {path} does not exist")
    if path.is_dir():
        raise InputError(f"run record {path} is a folder, not a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"run record {path} cannot be read: {exc.strerror}") from None
    if not data.strip():
        raise InputError(f"run record {path} is empty")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"run record {path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"run record {path} is not JSON: {exc.msg} (line {exc.lineno}, "
                         f"column {exc.colno})") from None
    except RecursionError:
        raise InputError(f"run record {path} is JSON nested too deeply to read") from None
    except ValueError:  # int() refuses more digits than sys.get_int_max_str_digits()
        raise InputError(f"run record {path} is JSON with a number too long to read") from None


def _unwrap(document: Any) -> Any:
    # Some tools keep the record under "run"; the record itself carries "schema".
    if (isinstance(document, dict) and "schema" not in document
            and isinstance(document.get("run"), dict)):
        return document["run"]
    return document


def _not_a_record(document: Any) -> str:
    """Why ``document`` does not present itself as a run record; "" when it does.

    A run record says what it is: its "schema" field (schemas/run.schema.json). Only that
    decides whether a JSON file found beside a report is the report's record.
    """
    if not isinstance(document, dict):
        return f"it is a JSON {_json_type(document)}, not an object"
    marker = document.get("schema")
    if not (isinstance(marker, str) and marker.startswith("pytest-chimera/run/")):
        return f'it has no "schema": "{RUN_SCHEMA}"'
    return ""


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    return "null" if value is None else "number"


def _json_path(parts: Sequence[Any]) -> str:
    """``calls[0].metrics.ttft_s``: where a schema error is, as a reader would look for it."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _checked_record(path: Path, document: Any) -> tuple[dict[str, Any], ParsedReport]:
    """The run record, valid against schemas/run.schema.json, and the report it renders.

    A record of the wrong shape would otherwise reach the checker, which then leaves the
    harness lines unverifiable with a Python error, or reads a bad date as the report's own.
    """
    if not isinstance(document, dict):
        raise InputError(f"run record {path} is not a run record: {_not_a_record(document)}")
    problems = _schema_problems(document)
    if problems:
        shown = [f"  {line}" for line in problems[:_MAX_SCHEMA_ERRORS]]
        if len(problems) > _MAX_SCHEMA_ERRORS:
            shown.append(f"  ... and {len(problems) - _MAX_SCHEMA_ERRORS} more")
        raise InputError(f"run record {path} does not match schemas/run.schema.json:\n"
                         + "\n".join(shown))
    record: dict[str, Any] = document
    moment = record["run_date"]
    try:
        datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"run record {path}: run_date: {moment!r} is not an ISO date and "
                         "time (2025-11-02T10:00:00Z)") from None
    try:
        rendered = parse_report(render_report(record))
    except KeyError as exc:
        raise InputError(f"run record {path} cannot be rendered: it has no field "
                         f"{exc.args[0]!r}") from None
    except (TypeError, ValueError, AttributeError, IndexError) as exc:
        raise InputError(f"run record {path} cannot be rendered: {exc}") from None
    return record, rendered


def _schema_problems(document: dict[str, Any]) -> list[str]:
    """``field: what is wrong`` for each place ``document`` breaks the run-record schema."""
    from .config import schema_validator

    missing: dict[str, list[str]] = {}
    wrong: list[str] = []
    for error in schema_validator("run").iter_errors(document):
        where = _json_path(list(error.absolute_path))
        required = error.validator_value
        if error.validator == "required" and isinstance(required, list) and isinstance(
                error.instance, dict):
            # One error per missing field: said once per place, all the names together.
            missing.setdefault(where, [str(name) for name in required
                                       if name not in error.instance])
            continue
        message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
        wrong.append(f"{where}: {message}")
    lines = [f"{where}: missing " + ", ".join(names) for where, names in missing.items()]
    return sorted(lines) + sorted(wrong)


def _read_record(path: Path) -> tuple[dict[str, Any], ParsedReport]:
    """A run record named on the command line: anything wrong with it is exit 2."""
    return _checked_record(path, _unwrap(_read_json(path)))


def _found_record(path: Path) -> tuple[dict[str, Any], ParsedReport] | None:
    """A JSON file found beside the report: the report's run record only if it says it is one.

    ``chimera verify r.md --json > r.json`` empties r.json before chimera starts, and any
    other r.json may be a file of the user's: neither is a reason to refuse the report. One
    that says it is a run record and is broken still is.
    """
    try:
        document = _unwrap(_read_json(path))
    except InputError as exc:
        why = str(exc).removeprefix(f"run record {path} ")
        _note(f"{path} beside the report is not used as its run record: it {why}")
        return None
    why = _not_a_record(document)
    if why:
        _note(f"{path} beside the report is not used as its run record: {why}")
        return None
    return _checked_record(path, document)


def _note(text: str) -> None:
    sys.stderr.write(f"chimera verify: note: {text}\n")


def _run_verify(args: argparse.Namespace) -> int:
    from_stdin = args.report == STDIN_ARGUMENT
    report_path = Path(args.report)
    text = _read_stdin_report() if from_stdin else _read_report(report_path)
    record_path: Path | None = None
    found: tuple[dict[str, Any], ParsedReport] | None = None
    note = ""
    if args.run_record is not None:
        record_path = args.run_record
        found = _read_record(record_path)
    elif not args.no_run_record and not from_stdin:  # a piped report has nothing beside it
        beside = _sibling_record(report_path, text)
        if beside is not None:
            found = _found_record(beside)
            if found is not None:
                record_path = beside
                note = f"using run record {beside} (found beside the report; " \
                       f"--no-run-record to skip it)"
    record, rendered = found if found is not None else (None, None)
    try:
        inventory = scan_corpus(args.corpus)
    except CorpusError as exc:
        raise InputError(str(exc)) from None
    result = verify(parse_report(text), inventory, run_date=args.run_date, run_record=record,
                    rendered=rendered, expected_language=args.language,
                    report_name=STDIN_NAME if from_stdin else report_path.name)
    thresholds = (args.max_contradicted, args.min_faithfulness, args.fail_on_unverifiable)
    faithful = result.faithful(*thresholds)
    unreadable = inventory.unreadable
    if args.json:
        document = result.as_json(*thresholds)
        document["run_record_path"] = str(record_path) if record_path else None
        # What the scan could not read is in no count: a consumer must be able to see it.
        document["unreadable"] = [{"path": p.path, "reason": p.reason} for p in unreadable]
        for problem in unreadable:
            sys.stderr.write(f"chimera verify: warning: {_unread_line(problem)}\n")
        output = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    else:
        output = _human(result, thresholds, faithful, note, unreadable)
    _write_out(output)
    return EXIT_OK if faithful else EXIT_FAILED


def _unread_line(problem: Problem) -> str:
    why = problem.reason.partition(": ")[2] or problem.reason
    if problem.reason.startswith(CANNOT_LIST):
        return (f"corpus folder {problem.path} could not be read ({why}): the files in it are "
                "in no count, so counts may be low")
    return (f"corpus entry {problem.path} could not be read ({why}): it is in no count, so "
            "counts may be low")


def _summary_line(result: FaithfulnessResult) -> str:
    counts, own = result.counts, result.report_counts
    line = (f"{counts['total']} claims: {counts[SUPPORTED]} supported, "
            f"{counts[CONTRADICTED]} contradicted, {counts[UNVERIFIABLE]} unverifiable; ")
    if own != counts:
        # Faithfulness counts the report's own claims only (the harness's lines would dilute
        # it): show those counts next to the ratio, or it reads as an arithmetic error.
        line += (f"the report's own {own['total']}: {own[SUPPORTED]} supported, "
                 f"{own[CONTRADICTED]} contradicted, {own[UNVERIFIABLE]} unverifiable, "
                 f"faithfulness {result.faithfulness:.3f} (harness lines left out of it)")
    else:
        line += f"faithfulness {result.faithfulness:.3f}"
    return line


def _human(result: FaithfulnessResult, thresholds: tuple[int, float, bool], faithful: bool,
           note: str, unreadable: Sequence[Problem]) -> str:
    lines = [note] if note else []
    lines += [f"{verdict.verdict:<13} {result.describe(verdict)}" for verdict in result.verdicts]
    # The claim lines are above; of the failures only the thresholds broken are new.
    lines += [f"FAIL: {reason}" for reason in result.failures(*thresholds)
              if not reason.startswith(f"{result.report_name}:")]
    # Last before the verdict, where a reader who skips the list still sees it.
    lines += [f"WARNING: {_unread_line(problem)}" for problem in unreadable]
    state = "faithful" if faithful else "NOT faithful"
    lines.append(f"{result.report_name}: {_summary_line(result)} — {state}")
    return "\n".join(lines) + "\n"


register(Command(
    name="verify",
    help="check every factual claim of a report against a corpus",
    configure=_configure_verify,
    run=_run_verify,
))


# -- compare, export, plot: saved pytest-benchmark runs ---------------------------------------


def _storage(text: str) -> Path:
    # The same spelling --benchmark-storage accepts; only file storage can be read here.
    if "://" in text and not text.startswith("file://"):
        raise argparse.ArgumentTypeError(f"{text!r}: only file:// storage can be read")
    return Path(text.removeprefix("file://")).expanduser()


def _is_path_ref(ref: str) -> bool:
    # history.resolve_run's reading: such a ref names a file, wherever the storage is.
    text = ref.strip()
    return (Path(text).expanduser().is_file() or text.endswith(".json") or "/" in text
            or "\\" in text)


def _check_storage(storage: Path, refs: Sequence[str], *, needs_latest: bool) -> None:
    """Refuse a storage folder that is not there, when the runs asked for must come from it.

    Without this a mistyped --storage reads as "no saved runs", as though the folder were
    there and empty.
    """
    if not needs_latest and all(_is_path_ref(ref) for ref in refs):
        return
    if not storage.exists():
        raise InputError(f"no saved runs in {storage}: the folder does not exist (save runs "
                         "with pytest --benchmark-autosave; --storage names the folder, as "
                         "--benchmark-storage does)")
    if not storage.is_dir():
        raise InputError(f"no saved runs in {storage}: it is a file, not a folder")


def _add_storage(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--storage", type=_storage, default=Path(".benchmarks"), metavar="DIR",
                        help="pytest-benchmark storage folder, as --benchmark-storage "
                             "(default .benchmarks)")


def _configure_compare(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", nargs="*", metavar="RUN",
                        help="saved runs by number (3), name, file path or 'last': none for "
                             "the last two, one to compare it with the latest, or OLD NEW")
    _add_storage(parser)
    parser.add_argument("--fail", metavar="SPEC",
                        help="exit 1 when a metric gets worse beyond its limit, e.g. "
                             "ttft_ms:10%%,tokens_per_s:5%%,faithfulness:0")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _pick_pair(args: argparse.Namespace) -> tuple[Any, Any]:
    from .history import HistoryError, list_runs, load_run, load_runs, resolve_run

    refs: list[str] = args.runs
    try:
        if len(refs) > 2:
            raise InputError(f"give at most two runs (OLD NEW), not {len(refs)}")
        _check_storage(args.storage, refs, needs_latest=len(refs) < 2)
        if len(refs) == 1:
            old_path = resolve_run(args.storage, refs[0])
            saved = list_runs(args.storage)
            if not saved or saved[-1].resolve() == old_path.resolve():
                raise InputError(f"run {refs[0]!r} is the latest saved run; name the run to "
                                 "compare it with (chimera compare OLD NEW)")
            return load_run(old_path), load_run(saved[-1])
        if len(refs) == 2:
            old_path, new_path = (resolve_run(args.storage, ref) for ref in refs)
            # A run compared with itself shows no change, and a gate passes it: say so.
            if _same_file(old_path, new_path):
                named = f"run {refs[0]!r} is named twice" if refs[0] == refs[1] else \
                    f"runs {refs[0]!r} and {refs[1]!r} are the same saved run"
                raise InputError(f"{named} ({old_path}); name two different runs to compare "
                                 "(chimera compare OLD NEW)")
            return load_run(old_path), load_run(new_path)
        old, new = load_runs(args.storage, refs)
    except HistoryError as exc:
        raise InputError(str(exc)) from None
    return old, new


def _run_compare(args: argparse.Namespace) -> int:
    from .history import (
        GateSpecError,
        HistoryError,
        check_gate,
        compare_runs,
        comparison_json,
        gate_lines,
        parse_gate,
        render_comparison,
    )

    try:
        rules = parse_gate(args.fail) if args.fail is not None else ()
    except GateSpecError as exc:
        raise InputError(f"--fail: {exc}") from None
    old, new = _pick_pair(args)
    try:
        comparison = compare_runs(old, new)
    except HistoryError as exc:
        raise InputError(str(exc)) from None
    regressions = check_gate(comparison, rules)
    if args.json:
        output = json.dumps(comparison_json(comparison, regressions), ensure_ascii=False,
                            indent=2) + "\n"
    else:
        output = render_comparison(comparison, regressions) + "\n"
        if rules:
            output += "\n"
            for regression in regressions:
                output += f"REGRESSION: {regression.message}\n"
            output += "".join(f"{line}\n" for line in gate_lines(comparison, rules, regressions))
    _write_out(output)
    return EXIT_FAILED if regressions else EXIT_OK


register(Command(
    name="compare",
    help="compare two saved pytest-benchmark runs per agent × persona; gate regressions",
    configure=_configure_compare,
    run=_run_compare,
))


def _configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", nargs="?", default="last", metavar="RUN",
                        help="the saved run to export (default: the latest)")
    _add_storage(parser)
    parser.add_argument("--github-bigger", type=Path, metavar="FILE",
                        help="write github-action-benchmark JSON for tool customBiggerIsBetter "
                             "(tokens_per_s, faithfulness)")
    parser.add_argument("--github-smaller", type=Path, metavar="FILE",
                        help="write github-action-benchmark JSON for tool "
                             "customSmallerIsBetter (ttft_ms, load_ms, …, contradicted)")


def _run_export(args: argparse.Namespace) -> int:
    from .artifacts import ArtifactError, atomic_write_json
    from .history import HistoryError, github_benchmark_entries, load_run, resolve_run

    if args.github_bigger is None and args.github_smaller is None:
        raise InputError("nothing to write: give --github-bigger FILE and/or "
                         "--github-smaller FILE")
    if args.github_bigger is not None and args.github_smaller is not None and _same_file(
            args.github_bigger, args.github_smaller):
        bigger, smaller = args.github_bigger, args.github_smaller
        named = f"both name {bigger}" if bigger == smaller else \
            f"name the same file ({bigger} and {smaller})"
        raise InputError(f"--github-bigger and --github-smaller {named}: the second file "
                         "would replace the first; give each its own file")
    try:
        _check_storage(args.storage, [args.run], needs_latest=False)
        run = load_run(resolve_run(args.storage, args.run))
    except HistoryError as exc:
        raise InputError(str(exc)) from None
    if not run.tests:
        raise InputError(f"run {run.label} holds no Chimera tests")
    entries, not_finite = github_benchmark_entries(run)
    for key, target in (("bigger", args.github_bigger), ("smaller", args.github_smaller)):
        if target is None:
            continue
        try:
            atomic_write_json(target, entries[key])
        except ArtifactError as exc:
            raise InputError(str(exc)) from None
        _write_out(f"wrote {len(entries[key])} {key}-is-better entries of {run.label} "
                   f"to {target}\n")
    if not_finite:
        _write_out(f"left out {len(not_finite)} value(s) that are NaN or infinite in "
                   f"{run.label} (JSON cannot hold them): {', '.join(not_finite)}\n")
    return EXIT_OK


def _same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file: the same path, or links to one file."""
    if first.resolve() == second.resolve():
        return True
    try:
        return first.exists() and second.exists() and os.path.samefile(first, second)
    except OSError:
        return False


register(Command(
    name="export",
    help="write a saved run as github-action-benchmark custom JSON for CI dashboards",
    configure=_configure_export,
    run=_run_export,
))


def _configure_plot(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", nargs="*", metavar="RUN",
                        help="saved runs to plot (default: every saved run)")
    _add_storage(parser)
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="folder for the PNG charts")


def _run_plot(args: argparse.Namespace) -> int:
    from .history import HistoryError, list_runs, load_run, resolve_run
    from .plot import PlotError, plot_runs

    try:
        _check_storage(args.storage, args.runs, needs_latest=not args.runs)
        paths = ([resolve_run(args.storage, ref) for ref in args.runs] if args.runs
                 else list_runs(args.storage))
        if not paths:
            raise InputError(f"no saved runs in {args.storage} (save some with "
                             "--benchmark-autosave)")
        runs = [load_run(p) for p in paths]
        written = plot_runs(runs, args.out)
    except (HistoryError, PlotError) as exc:
        raise InputError(str(exc)) from None
    _write_out("".join(f"wrote {path}\n" for path in written))
    return EXIT_OK


register(Command(
    name="plot",
    help="PNG charts of saved runs: each metric over runs, and agent against agent",
    configure=_configure_plot,
    run=_run_plot,
))


# -- concurrency: two agents alone, then together ------------------------------------------


def _configure_concurrency(parser: argparse.ArgumentParser) -> None:
    from .concurrency import configure_parser

    configure_parser(parser)


def _run_concurrency(args: argparse.Namespace) -> int:
    from .concurrency import ConcurrencyError, run_command

    try:
        return run_command(args, sys.stdout)
    except ConcurrencyError as exc:
        raise InputError(str(exc)) from None


register(Command(
    name="concurrency",
    help="time two agents alone, then together: speedup and efficiency",
    configure=_configure_concurrency,
    run=_run_concurrency,
))


# -- main -------------------------------------------------------------------------------------


def _write_out(text: str) -> None:
    """Write ``text`` to stdout now; a reader that stopped reading (``| head``) is no error.

    The command's exit status is decided before its output is written, so it stays what the
    check found: ``chimera verify r.md --corpus c | head -1`` under ``set -o pipefail`` fails
    when the report does, not because head read one line. (Dying of SIGPIPE, 141, would fail
    every such pipeline; Python's own default, 120 and a "BrokenPipeError" on stderr, reads as
    a crash.)
    """
    try:
        sys.stdout.write(text)
        sys.stdout.flush()  # here, not at exit, where the failure could no longer be handled
    except BrokenPipeError:
        _reader_gone()


def _reader_gone() -> None:
    # What is still buffered, and whatever comes later, goes to /dev/null: Python flushes
    # stdout once more at exit, and that flush would fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError):  # a stdout with no descriptor (captured): nothing to do
        pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chimera", description="Tools for reports written by local LLM agents.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS.values():
        sub = subparsers.add_parser(command.name, help=command.help, description=command.help)
        command.configure(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``chimera``; returns the exit status (0 passed, 1 failed, 2 bad input or usage)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse reports usage errors itself, then exits
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_usage(sys.stderr)
        sys.stderr.write("chimera: error: name a command: " + ", ".join(COMMANDS) + "\n")
        return EXIT_USAGE
    try:
        status = COMMANDS[args.command].run(args)
        sys.stdout.flush()
        return status
    except InputError as exc:
        sys.stderr.write(f"chimera {args.command}: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write(f"chimera {args.command}: interrupted\n")
        return EXIT_USAGE
    except BrokenPipeError:
        # Output written as it is made (concurrency's table) met a reader that went away;
        # the work itself was done, so it is no failure (see _write_out).
        _reader_gone()
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
