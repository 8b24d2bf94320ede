"""pytest hooks of pytest-chimera, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from . import fixtures
from .artifacts import ArtifactError, check_writable, remove_stale_temps
from .backends.base import BackendError
from .backends.replay import CassetteError, check_recording_folder
from .config import ConfigError
from .history import (
    Comparison,
    HistoryError,
    Regression,
    SavedRun,
    benchmark_entry,
    case_from_info,
    check_gate,
    compare_runs,
    gate_lines,
    junit_properties,
    load_run,
    next_run_path,
    render_comparison,
    resolve_run,
    round_seconds,
)
from .options import ChimeraOptions, add_options, resolve_options
from .session import ChimeraSession, find_suite_file
from .summary import ab_tables, summary_table

SESSION_KEY = fixtures.SESSION_KEY
ROWS_KEY = pytest.StashKey[list[dict[str, Any]]]()
SUMMARY_PROPERTY = fixtures.SUMMARY_PROPERTY
BENCHMARK_PROPERTY = fixtures.BENCHMARK_PROPERTY
REFERENCE_KEY = pytest.StashKey[SavedRun]()
COMPARISON_KEY = pytest.StashKey[tuple[Comparison | None, list[Regression], str]]()
# What became of the save pytest-chimera makes for pytest-benchmark: the line to print, and
# whether it failed (which fails the session: the user asked for the metrics to be kept).
SAVED_KEY = pytest.StashKey[tuple[str, bool]]()
STALE_KEY = pytest.StashKey[list[Path]]()
ORPHANS_KEY = pytest.StashKey[list[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare every --chimera-x flag and its chimera_x ini key."""
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    """Resolve options, load the agents file and personas, and register the fixtures."""
    config.pluginmanager.register(fixtures, "chimera-fixtures")
    config.stash[ROWS_KEY] = []
    config.pluginmanager.register(SummaryCollector(config.stash[ROWS_KEY]), "chimera-summary")
    options = resolve_options(config)
    fixtures.store_options(config, options)
    if not hasattr(config, "workerinput"):
        _load_reference(config, options)
    if hasattr(config, "workerinput"):
        # An xdist worker: pin it to one host of the pool, round-robin by worker number.
        worker = int(str(config.workerinput["workerid"]).removeprefix("gw") or 0)
        host = options.host[worker % len(options.host)]
    else:
        host = options.host[0]
    try:
        found = find_suite_file(options.config, config.rootpath, list(config.args))
        if found is None:
            if config.getoption("chimera_agent") or config.getoption("chimera_persona"):
                raise pytest.UsageError(
                    "--chimera-agent/--chimera-persona given but no agents file was found: "
                    "pass --chimera-config or add chimera.toml next to your suite"
                )
            return
        session = ChimeraSession.from_files(
            found[0], found[1], agents=options.agent, personas=options.persona,
            corpus=options.corpus, cassettes=options.cassettes,
            report_dir=(config.rootpath / options.report_dir).resolve(),
            backend_kind=options.backend, host=host, retries=options.retries,
            record=options.record, model_override=options.model,
        )
        if not hasattr(config, "workerinput"):
            check_writable(session.report_dir)
            _check_benchmark_storage(config)
            config.stash[STALE_KEY] = remove_stale_temps(session.report_dir)
            if options.record and options.backend != "replay":
                check_recording_folder(session.cassettes)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    except ArtifactError as exc:
        raise pytest.UsageError(f"--chimera-report-dir: {exc}") from None
    except CassetteError as exc:
        raise pytest.UsageError(f"{_cassettes_source(config, session)}: {exc}") from None
    config.stash[SESSION_KEY] = session


def _cassettes_source(config: pytest.Config, session: ChimeraSession) -> str:
    # Name where the cassette folder was set, as option errors name their flag or ini key.
    if config.getoption("chimera_cassettes") is not None:
        return "--chimera-cassettes"
    if config.getini("chimera_cassettes"):
        return "chimera_cassettes (ini)"
    return f"{session.suite.source}: cassettes"


def pytest_unconfigure(config: pytest.Config) -> None:
    """Release the backend (and its loaded models) at the end of the session."""
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        try:
            session.close()
        except BackendError as exc:
            # Past the summary, so no test can carry it; said once, not as a traceback.
            config.get_terminal_writer().line(f"chimera: {exc}", red=True)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which backend and model the suite runs on, and against which corpus."""
    session = config.stash.get(SESSION_KEY, None)
    if session is None:
        return []
    if hasattr(config, "workerinput"):
        return []
    try:
        kind = session.resolve_backend_kind()
    except BackendError as exc:
        return [f"chimera: backend unavailable: {exc}"]
    agents = ", ".join(
        f"{a.name} ({session.model_for(a)})" for a in session.selection.agents)
    lines = [
        f"chimera: backend {kind} ({session.backend_reason})",
        f"chimera: agents {agents}; personas "
        f"{', '.join(p.id for p in session.selection.personas)}",
        f"chimera: corpus {session.corpus}; reports to {session.report_dir}",
    ]
    if kind == "llamacpp" and not (session.model_override or "").endswith(".gguf"):
        lines.insert(1, "chimera: the embedded backend runs Gemma 3 270M Q4_K_M "
                        "(gemma-3-270m-q4_k_m) whatever model an agent names")
    stale = config.stash.get(STALE_KEY, [])
    if stale:
        lines.append(f"chimera: removed {len(stale)} temporary file(s) a killed run left in "
                     f"{session.report_dir}")
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise Chimera tests: one case per agent × persona, with readable ids."""
    if "chimera_agent" not in metafunc.fixturenames:
        return
    session = metafunc.config.stash.get(SESSION_KEY, None)
    if session is None:
        if hasattr(metafunc.config, "workerinput"):
            # An xdist worker that stopped its session would crash xdist's controller: a
            # collection error, which the controller reports in one line, is the clean way.
            pytest.fail(_no_agents_file(metafunc.config, [metafunc.definition.nodeid]),
                        pytrace=False)
        # Raised here, a UsageError would be a collection error wrapped in pytest's frames;
        # raised once collection is over, it is the one ERROR line of every other usage error.
        metafunc.config.stash.setdefault(ORPHANS_KEY, []).append(metafunc.definition.nodeid)
        return
    agents = session.selection.agents
    metafunc.parametrize("chimera_agent", agents, ids=[a.name for a in agents])
    if "chimera_persona" in metafunc.fixturenames:
        personas = session.selection.personas
        metafunc.parametrize("chimera_persona", personas, ids=[p.id for p in personas])


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config) -> None:
    """Stop with a usage error when tests use chimera fixtures but no agents file was found."""
    orphans = config.stash.get(ORPHANS_KEY, [])
    if orphans:
        raise pytest.UsageError(_no_agents_file(config, orphans))


def _no_agents_file(config: pytest.Config, orphans: list[str]) -> str:
    more = f" (and {len(orphans) - 1} more)" if len(orphans) > 1 else ""
    return (f"{orphans[0]}{more} uses chimera fixtures but no agents file was found: looked "
            f"for {_places_looked(config)}; add chimera.toml next to the suite or pass "
            "--chimera-config=PATH")


def _places_looked(config: pytest.Config) -> str:
    # The places find_suite_file searches, as the user named them.
    root = config.rootpath
    places = f"chimera.toml and [tool.chimera] in pyproject.toml in {root}"
    folders: dict[str, None] = {}
    for arg in config.args:
        candidate = Path(arg.split("::", 1)[0])
        folder = candidate if candidate.is_dir() else candidate.parent
        if folder.resolve() != root.resolve():
            folders[str(folder)] = None
    if folders:
        places += f", and chimera.toml in {', '.join(folders)} and the folders above, up to it"
    return places


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Any:
    """Keep the call-phase report so the run fixture knows, at teardown, how the test ended."""
    report = yield
    if report.when == "call":
        item.stash[fixtures.CALL_REPORT_KEY] = report
    elif report.when == "teardown":
        # Each metric as its own JUnit <property>, for CI tools that chart properties.
        for name, value in list(report.user_properties):
            if name == BENCHMARK_PROPERTY:
                report.user_properties.extend(junit_properties(json.loads(str(value))))
    return report


class SummaryCollector:
    """Collects each Chimera test's summary row, on the controller under xdist too."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep the row a Chimera test attached to its teardown report."""
        if report.when != "teardown":
            return
        properties = dict(report.user_properties)
        if SUMMARY_PROPERTY in properties:
            row = json.loads(str(properties[SUMMARY_PROPERTY]))
            row["nodeid"] = report.nodeid
            if BENCHMARK_PROPERTY in properties:
                row["extra_info"] = json.loads(str(properties[BENCHMARK_PROPERTY]))
            self.rows.append(row)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """One table: a row per agent × persona with verdicts, TTFT, tok/s, tokens and report."""
    rows = config.stash.get(ROWS_KEY, [])
    if not rows:
        return
    terminalreporter.write_sep("=", "chimera summary")
    for line in summary_table(rows, Path.cwd()).splitlines():
        terminalreporter.write_line(line)
    for persona, table in ab_tables(rows):
        terminalreporter.write_sep("-", f"agents side by side: persona {persona}")
        for line in table.splitlines():
            terminalreporter.write_line(line)
    saved, failed = config.stash.get(SAVED_KEY, ("", False))
    if saved:
        terminalreporter.write_line(saved, red=failed, bold=failed)
    comparison, regressions, note = config.stash.get(COMPARISON_KEY, (None, [], ""))
    if comparison is None and not note:
        return
    terminalreporter.write_sep("=", "chimera compare")
    if note:
        terminalreporter.write_line(note)
    if comparison is not None:
        for line in render_comparison(comparison, regressions).splitlines():
            terminalreporter.write_line(line)
    for regression in regressions:
        terminalreporter.write_line(f"REGRESSION: {regression.message}", red=True, bold=True)
    rules = config.stash[fixtures.OPTIONS_KEY].compare_fail
    if comparison is not None and rules:
        for line in gate_lines(comparison, rules, regressions):
            checked_all = "not checked" not in line
            terminalreporter.write_line(f"chimera: {line}", green=checked_all and not regressions,
                                        yellow=not checked_all)


def _benchmark_storage(config: pytest.Config) -> Path | None:
    """pytest-benchmark's storage folder, resolved as it resolves it (None: not a folder)."""
    storage = str(config.getoption("benchmark_storage", None) or "file://./.benchmarks")
    if "://" in storage and not storage.startswith("file://"):
        return None
    return Path(storage.removeprefix("file://")).expanduser().resolve()


def _check_benchmark_storage(config: pytest.Config) -> None:
    # pytest-benchmark (or, under xdist and --benchmark-disable, this plugin) saves into the
    # storage only after every test has run; a file or read-only folder there would then
    # lose the whole run's metrics, in a traceback.
    if config.getoption("benchmark_save", None):
        flag = "--benchmark-save"
    elif config.getoption("benchmark_autosave", False):
        flag = "--benchmark-autosave"
    else:
        return
    storage = _benchmark_storage(config)
    if storage is None:
        return
    if storage.exists() and not storage.is_dir():
        raise pytest.UsageError(f"--benchmark-storage: {storage} is a file, not a folder "
                                f"({flag} saves the run in it)")
    try:
        check_writable(storage, "folder")
    except ArtifactError as exc:
        raise pytest.UsageError(f"--benchmark-storage: {exc} ({flag} saves the run in "
                                "it)") from None


def _load_reference(config: pytest.Config, options: ChimeraOptions) -> None:
    # Read the reference before the run, so a bad name fails fast and --benchmark-autosave
    # cannot make "last" mean this very run.
    if options.compare_fail is not None and options.compare is None:
        raise pytest.UsageError("--chimera-compare-fail needs --chimera-compare=REF (a saved "
                                "run to compare with; 'last' for the latest)")
    if options.compare is None:
        return
    storage = _benchmark_storage(config)
    if storage is None:
        raise pytest.UsageError("--chimera-compare reads file storage only; "
                                "--benchmark-storage is not a folder")
    try:
        config.stash[REFERENCE_KEY] = load_run(resolve_run(storage, options.compare))
    except HistoryError as exc:
        raise pytest.UsageError(f"--chimera-compare: {exc}") from None


def _current_run(rows: list[dict[str, Any]]) -> SavedRun:
    cases = tuple(case_from_info(row["nodeid"], row["extra_info"])
                  for row in rows if row.get("extra_info"))
    return SavedRun(label="this run", tests=cases)


def _why_benchmark_saves_nothing(config: pytest.Config) -> str:
    """Why pytest-benchmark will save nothing this session ("under xdist"); "" if it will."""
    if config.getoption("dist", "no") not in (None, "no"):
        return "under xdist"
    if config.getoption("benchmark_disable", False) and not config.getoption(
            "benchmark_enable", False):
        return "with --benchmark-disable"
    return ""


def _save_without_benchmark(config: pytest.Config, rows: list[dict[str, Any]],
                            why: str) -> None:
    # pytest-benchmark is off under xdist (and with --benchmark-disable), so it saves
    # nothing; the workers' rows still hold every metric. Save them in its layout, when the
    # user asked for a save: --benchmark-disable alone asks for none.
    name = config.getoption("benchmark_save", None)
    if not name and config.getoption("benchmark_autosave", False):
        from pytest_benchmark.utils import get_tag

        name = get_tag(  # type: ignore[no-untyped-call]
            config.getoption("benchmark_project_name", None))
    measured = [row for row in rows if row.get("extra_info")]
    if not name or not measured:
        return
    storage = _benchmark_storage(config)
    if storage is None:
        config.stash[SAVED_KEY] = (
            f"chimera: could not save the metrics: pytest-benchmark saves nothing {why}, and "
            f"pytest-chimera saves to a folder only, not to --benchmark-storage="
            f"{config.getoption('benchmark_storage')}", True)
        return
    from pytest_benchmark.stats import Stats
    from pytest_benchmark.utils import get_machine_id

    from .artifacts import ArtifactError, atomic_write_json

    entries = []
    for row in sorted(measured, key=lambda r: str(r["nodeid"])):
        stats = Stats()  # type: ignore[no-untyped-call]
        for seconds in round_seconds(row["extra_info"]):
            stats.update(seconds)  # type: ignore[no-untyped-call]
        timing = {**stats.as_dict(), "iterations": 1}  # type: ignore[no-untyped-call]
        nodeid = str(row["nodeid"])
        name_part = nodeid.rsplit("::", 1)[-1]
        param = name_part.partition("[")[2].removesuffix("]") or None
        entries.append(benchmark_entry(name_part, nodeid, param, row["extra_info"], timing))
    hook = config.hook
    machine_info = hook.pytest_benchmark_generate_machine_info(config=config)
    hook.pytest_benchmark_update_machine_info(config=config, machine_info=machine_info)
    commit_info = hook.pytest_benchmark_generate_commit_info(config=config)
    hook.pytest_benchmark_update_commit_info(config=config, commit_info=commit_info)
    from datetime import UTC, datetime

    from pytest_benchmark import __version__

    document = {
        "machine_info": machine_info, "commit_info": commit_info, "benchmarks": entries,
        "datetime": datetime.now(UTC).isoformat(), "version": __version__,
        "chimera": {"saved_by": "pytest-chimera",
                    "why": f"pytest-benchmark saves nothing {why}",
                    "stats": "generation seconds per round (total_s), not wall time"},
    }
    machine_id = get_machine_id()  # type: ignore[no-untyped-call]
    path = next_run_path(storage, machine_id, str(name))
    try:
        atomic_write_json(path, document)
    except ArtifactError as exc:
        config.stash[SAVED_KEY] = (f"chimera: could not save the metrics (pytest-benchmark "
                                   f"saves nothing {why}, so pytest-chimera saves them): {exc}",
                                   True)
        return
    config.stash[SAVED_KEY] = (f"chimera: saved the metrics of {len(entries)} test(s) in "
                               f"{path} (pytest-benchmark saves nothing {why})", False)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Save the metrics pytest-benchmark could not; compare with --chimera-compare and gate."""
    config = session.config
    if hasattr(config, "workerinput"):
        return
    rows = config.stash.get(ROWS_KEY, [])
    why = _why_benchmark_saves_nothing(config)
    if why:
        _save_without_benchmark(config, rows, why)
        if config.stash.get(SAVED_KEY, ("", False))[1] and (
                session.exitstatus == pytest.ExitCode.OK):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    reference = config.stash.get(REFERENCE_KEY, None)
    if reference is None:
        return
    current = _current_run(rows)
    if not current.tests:
        config.stash[COMPARISON_KEY] = (None, [], "chimera: nothing to compare: no Chimera "
                                        "test of this run produced metrics")
        return
    try:
        comparison = compare_runs(reference, current)
    except HistoryError as exc:
        config.stash[COMPARISON_KEY] = (None, [], f"chimera: cannot compare: {exc}")
        return
    rules = config.stash[fixtures.OPTIONS_KEY].compare_fail or ()
    regressions = check_gate(comparison, rules)
    config.stash[COMPARISON_KEY] = (comparison, regressions, "")
    if regressions and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
