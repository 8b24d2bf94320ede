"""The ``chimera`` console script: ``chimera verify`` and the subcommands that join it.

Each subcommand is a :class:`Command` in :data:`COMMANDS`: it adds its own arguments and runs
on the parsed namespace, returning the exit status. Exit statuses are shared: 0 the check
passed, 1 it failed, 2 the input or the usage was bad (the message on stderr names what is at
fault; no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from .faithfulness import FaithfulnessResult, verify
from .inventory import CorpusError, scan_corpus
from .report import MODEL_START, parse_report

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
MAX_REPORT_BYTES = 16 * 1024 * 1024


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


def _configure_verify(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("report", type=Path, help="the Markdown report to check")
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
                             "report)")
    record.add_argument("--no-run-record", action="store_true",
                        help="do not look for a run record; read harness sections as text")
    parser.add_argument("--language", default="en",
                        help="the language the report was asked for (ISO 639-1, default en)")
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
    if len(data) > MAX_REPORT_BYTES:
        raise InputError(f"report {path} is over {MAX_REPORT_BYTES // 2**20} MiB; not a report")
    if b"\x00" in data:
        raise InputError(f"report {path} is binary, not Markdown text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"report {path} is not UTF-8 text (byte {exc.start} cannot be decoded)") from None


def _sibling_record(report: Path, text: str) -> Path | None:
    by_stem = report.with_suffix(".json")
    if by_stem.is_file():
        return by_stem
    beside = report.with_name("run.json")
    # run.json belongs to the report only when the report is a harness artifact.
    if beside.is_file() and MODEL_START in text:
        return beside
    return None


def _read_record(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise InputError(f"run record {path} does not exist")
    if path.is_dir():
        raise InputError(f"run record {path} is a folder, not a file")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"run record {path} cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"run record {path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"run record {path} is not JSON: {exc.msg} (line {exc.lineno}, "
                         f"column {exc.colno})") from None
    if isinstance(document, dict) and isinstance(document.get("run"), dict):
        document = document["run"]
    if not isinstance(document, dict) or "run_date" not in document:
        raise InputError(f"run record {path} is not a run record (no run_date)")
    return document


def _run_verify(args: argparse.Namespace) -> int:
    out: TextIO = sys.stdout
    report_path: Path = args.report
    text = _read_report(report_path)
    record_path: Path | None = None
    note = ""
    if args.run_record is not None:
        record_path = args.run_record
    elif not args.no_run_record:
        record_path = _sibling_record(report_path, text)
        if record_path is not None:
            note = f"using run record {record_path} (found beside the report; " \
                   f"--no-run-record to skip it)"
    record = _read_record(record_path) if record_path is not None else None
    try:
        inventory = scan_corpus(args.corpus)
    except CorpusError as exc:
        raise InputError(str(exc)) from None
    result = verify(parse_report(text), inventory, run_date=args.run_date, run_record=record,
                    expected_language=args.language, report_name=report_path.name)
    thresholds = (args.max_contradicted, args.min_faithfulness, args.fail_on_unverifiable)
    faithful = result.faithful(*thresholds)
    if args.json:
        document = result.as_json(*thresholds)
        document["run_record_path"] = str(record_path) if record_path else None
        json.dump(document, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        if note:
            out.write(note + "\n")
        _print_human(result, thresholds, faithful, out)
    return EXIT_OK if faithful else EXIT_FAILED


def _print_human(result: FaithfulnessResult, thresholds: tuple[int, float, bool],
                 faithful: bool, out: TextIO) -> None:
    for verdict in result.verdicts:
        out.write(f"{verdict.verdict:<13} {result.describe(verdict)}\n")
    for reason in result.failures(*thresholds):
        # The claim lines were printed above; only the thresholds broken are new.
        if not reason.startswith(f"{result.report_name}:"):
            out.write(f"FAIL: {reason}\n")
    state = "faithful" if faithful else "NOT faithful"
    out.write(f"{result.report_name}: {result.summary()} — {state}\n")


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
        if len(refs) == 1:
            old_path = resolve_run(args.storage, refs[0])
            saved = list_runs(args.storage)
            if not saved or saved[-1].resolve() == old_path.resolve():
                raise InputError(f"run {refs[0]!r} is the latest saved run; name the run to "
                                 "compare it with (chimera compare OLD NEW)")
            return load_run(old_path), load_run(saved[-1])
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
        json.dump(comparison_json(comparison, regressions), sys.stdout, ensure_ascii=False,
                  indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_comparison(comparison, regressions) + "\n")
        if rules:
            sys.stdout.write("\n")
            for regression in regressions:
                sys.stdout.write(f"REGRESSION: {regression.message}\n")
            if not regressions:
                gate = ",".join(str(r) for r in rules)
                sys.stdout.write(f"gate {gate}: no regression\n")
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
    try:
        run = load_run(resolve_run(args.storage, args.run))
    except HistoryError as exc:
        raise InputError(str(exc)) from None
    if not run.tests:
        raise InputError(f"run {run.label} holds no Chimera tests")
    entries = github_benchmark_entries(run)
    for key, target in (("bigger", args.github_bigger), ("smaller", args.github_smaller)):
        if target is None:
            continue
        try:
            atomic_write_json(target, entries[key])
        except ArtifactError as exc:
            raise InputError(str(exc)) from None
        sys.stdout.write(f"wrote {len(entries[key])} {key}-is-better entries of {run.label} "
                         f"to {target}\n")
    return EXIT_OK


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
        paths = ([resolve_run(args.storage, ref) for ref in args.runs] if args.runs
                 else list_runs(args.storage))
        if not paths:
            raise InputError(f"no saved runs in {args.storage} (save some with "
                             "--benchmark-autosave)")
        runs = [load_run(p) for p in paths]
        written = plot_runs(runs, args.out)
    except (HistoryError, PlotError) as exc:
        raise InputError(str(exc)) from None
    for path in written:
        sys.stdout.write(f"wrote {path}\n")
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
        return COMMANDS[args.command].run(args)
    except InputError as exc:
        sys.stderr.write(f"chimera {args.command}: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write(f"chimera {args.command}: interrupted\n")
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader (``| head``) went away: nothing is left to tell it.
        sys.stderr.close()
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
