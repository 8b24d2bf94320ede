"""pytest hooks of pytest-chimera, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from . import fixtures
from .artifacts import ArtifactError, check_writable
from .backends.base import BackendError
from .config import ConfigError
from .options import add_options, resolve_options
from .session import ChimeraSession, find_suite_file
from .summary import summary_table

SESSION_KEY = fixtures.SESSION_KEY
ROWS_KEY = pytest.StashKey[list[dict[str, Any]]]()
SUMMARY_PROPERTY = fixtures.SUMMARY_PROPERTY


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
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    except ArtifactError as exc:
        raise pytest.UsageError(f"--chimera-report-dir: {exc}") from None
    config.stash[SESSION_KEY] = session


def pytest_unconfigure(config: pytest.Config) -> None:
    """Release the backend (and its loaded models) at the end of the session."""
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        session.close()


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
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise Chimera tests: one case per agent × persona, with readable ids."""
    if "chimera_agent" not in metafunc.fixturenames:
        return
    session = metafunc.config.stash.get(SESSION_KEY, None)
    if session is None:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid} uses chimera fixtures but no agents file was found: "
            "pass --chimera-config or add chimera.toml next to the suite"
        )
    agents = session.selection.agents
    metafunc.parametrize("chimera_agent", agents, ids=[a.name for a in agents])
    if "chimera_persona" in metafunc.fixturenames:
        personas = session.selection.personas
        metafunc.parametrize("chimera_persona", personas, ids=[p.id for p in personas])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Any:
    """Keep the call-phase report so the run fixture knows, at teardown, how the test ended."""
    report = yield
    if report.when == "call":
        item.stash[fixtures.CALL_REPORT_KEY] = report
    return report


class SummaryCollector:
    """Collects each Chimera test's summary row, on the controller under xdist too."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep the row a Chimera test attached to its teardown report."""
        if report.when != "teardown":
            return
        for name, value in report.user_properties:
            if name == SUMMARY_PROPERTY:
                row = json.loads(str(value))
                row["nodeid"] = report.nodeid
                self.rows.append(row)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """One table: a row per agent × persona with verdicts, TTFT, tok/s, tokens and report."""
    rows = config.stash.get(ROWS_KEY, [])
    if not rows:
        return
    terminalreporter.write_sep("=", "chimera summary")
    for line in summary_table(rows, Path.cwd()).splitlines():
        terminalreporter.write_line(line)
