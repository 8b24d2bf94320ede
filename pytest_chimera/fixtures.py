"""The fixtures a Chimera suite uses (registered by the plugin)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .artifacts import ArtifactError, artifact_paths
from .backends.base import Backend, BackendError
from .config import AgentConfig, Persona
from .inventory import CorpusError, FileInventory
from .options import ChimeraOptions
from .outcome import RunOutcome, Thresholds
from .session import ChimeraSession
from .workflow import WorkflowRun, run_workflow

SESSION_KEY = pytest.StashKey[ChimeraSession]()
OPTIONS_KEY = pytest.StashKey[ChimeraOptions]()
SUMMARY_PROPERTY = "chimera_summary"
BENCHMARK_PROPERTY = "chimera_benchmark"
CALL_REPORT_KEY = pytest.StashKey[pytest.TestReport]()


def store_options(config: pytest.Config, options: ChimeraOptions) -> None:
    config.stash[OPTIONS_KEY] = options


@pytest.fixture(scope="session")
def chimera_session(pytestconfig: pytest.Config) -> ChimeraSession:
    """The suite, agents, personas, backend and corpus shared by this session."""
    session = pytestconfig.stash.get(SESSION_KEY, None)
    if session is None:
        pytest.fail("no Chimera agents file was found (pass --chimera-config)", pytrace=False)
    return session


@pytest.fixture(scope="session")
def chimera_backend(chimera_session: ChimeraSession) -> Backend:
    """The backend every test of the session generates with (made once)."""
    try:
        return chimera_session.backend()
    except BackendError as exc:
        failure = f"backend {chimera_session.backend_kind}: {exc}"
    # pytest.fail outside the except block: inside it, pytest would print the BackendError
    # too, as "During handling of the above exception, another exception occurred".
    pytest.fail(failure, pytrace=False)


@pytest.fixture(scope="session")
def chimera_inventory(chimera_session: ChimeraSession) -> FileInventory:
    """The corpus inventory: the ground truth every report is checked against."""
    try:
        return chimera_session.inventory()[0]
    except CorpusError as exc:
        failure = f"corpus: {exc}"
    pytest.fail(failure, pytrace=False)


class ChimeraRun:
    """What a test asserts on: one persona's report from one agent, checked."""

    def __init__(self, outcome: RunOutcome) -> None:
        self.outcome = outcome

    @property
    def run(self) -> WorkflowRun:
        return self.outcome.run

    @property
    def report_text(self) -> str:
        return self.outcome.run.report_text

    @property
    def record(self) -> dict[str, Any]:
        return self.outcome.record

    def assert_complete(self) -> None:
        """Fail when the context was truncated or the report came back empty."""
        __tracebackhide__ = True
        self._fail("the run is incomplete", self.outcome.context_failures())

    def assert_structure(self) -> None:
        """Fail with every structure violation, each with its report line."""
        __tracebackhide__ = True
        self._fail(f"the report does not have the structure persona "
                   f"{self.run.persona.id!r} asks for", self.outcome.structure_failures())

    def assert_faithful(self) -> None:
        """Fail with every contradicted claim and the truth from the corpus."""
        __tracebackhide__ = True
        self._fail("the report is not faithful to the corpus",
                   self.outcome.faithfulness_failures())

    def assert_report(self) -> None:
        """Fail with every failing check at once: completeness, structure, faithfulness."""
        __tracebackhide__ = True
        parts = [self._message(headline, lines) for headline, lines in self._checks()]
        failed = [part for part in parts if part]
        if failed:
            pytest.fail("\n".join(failed), pytrace=False)

    def _checks(self) -> list[tuple[str, list[str]]]:
        return [
            ("the run is incomplete", self.outcome.context_failures()),
            (f"the report does not have the structure persona {self.run.persona.id!r} asks for",
             self.outcome.structure_failures()),
            ("the report is not faithful to the corpus", self.outcome.faithfulness_failures()),
        ]

    def _message(self, headline: str, lines: list[str]) -> str:
        if not lines:
            return ""
        body = "\n".join(f"  {line}" for line in lines)
        return f"{headline} ({self.outcome.report_path}):\n{body}"

    def _fail(self, headline: str, lines: list[str]) -> None:
        __tracebackhide__ = True
        message = self._message(headline, lines)
        if message:
            pytest.fail(message, pytrace=False)


class Unbenchmarked:
    """What ``chimera_run`` uses for pytest-benchmark's fixture when ``-p no:benchmark`` is given.

    It behaves as pytest-benchmark does under ``--benchmark-disable``: the target runs once,
    untimed by it. Chimera measures its own metrics, so the run, its checks and its artifacts
    are the same; only pytest-benchmark's table and saves are gone, as the user asked.
    """

    def __init__(self) -> None:
        self.extra_info: dict[str, Any] = {}
        self.skipped = False

    def pedantic(self, target: Callable[[], WorkflowRun], *, rounds: int,
                 iterations: int) -> WorkflowRun:
        return target()


@pytest.fixture
def chimera_run(
    request: pytest.FixtureRequest,
    chimera_session: ChimeraSession,
    chimera_agent: AgentConfig,
    chimera_persona: Persona,
) -> Iterator[ChimeraRun]:
    """Run the persona's workflow on the agent under pytest-benchmark, check it, save it."""
    options = request.config.stash[OPTIONS_KEY]
    # Asked for here, not as a parameter: with -p no:benchmark that would be "fixture
    # 'benchmark' not found" in every test, though nothing here needs pytest-benchmark.
    benchmark: Any = (request.getfixturevalue("benchmark")
                      if request.config.pluginmanager.hasplugin("benchmark")
                      else Unbenchmarked())
    report_path, record_path = artifact_paths(
        chimera_session.report_dir, chimera_agent.name, chimera_persona.id)
    failure: str | None = None
    try:
        backend = chimera_session.backend()
        inventory, ingest_s = chimera_session.inventory()
    except CorpusError as exc:
        failure = f"corpus: {exc}"
    except BackendError as exc:
        failure = f"backend {chimera_session.backend_kind}: {exc}"
    if failure is not None:
        # Nothing was measured: keep pytest-benchmark from adding a "fixture was not used"
        # warning (an error under -W error) to this failure.
        benchmark.skipped = True
        pytest.fail(failure, pytrace=False)
    rounds: list[dict[str, Any]] = []

    def once() -> WorkflowRun:
        run = run_workflow(chimera_agent, chimera_persona, backend, inventory,
                           model=chimera_session.model_for(chimera_agent), ingest_s=ingest_s,
                           timeout_s=options.timeout)
        rounds.append(run.metrics.as_dict())
        return run

    try:
        run = benchmark.pedantic(once, rounds=options.rounds, iterations=1)
        # A disabled benchmark (under xdist, or --benchmark-disable) calls once only; the
        # rounds still matter for the medians and the noise threshold of chimera compare.
        for _ in range(options.rounds - len(rounds)):
            run = once()
    except BackendError as exc:
        failure = f"{chimera_agent.name}/{chimera_persona.id} on backend {backend.name}: {exc}"
    if failure is not None:
        pytest.fail(failure, pytrace=False)
    outcome = RunOutcome(
        run=run, report_path=report_path, record_path=record_path, rounds=rounds,
        thresholds=Thresholds(options.max_contradicted, options.min_faithfulness,
                              options.fail_on_unverifiable),
    )
    benchmark.extra_info.update(outcome.extra_info())
    # The controller saves and compares the metrics from this, pytest-benchmark or not (xdist).
    request.node.user_properties.append((BENCHMARK_PROPERTY, json.dumps(benchmark.extra_info)))
    request.node.user_properties.append(("chimera_report", str(report_path)))
    request.node.user_properties.append(("chimera_record", str(record_path)))
    yield ChimeraRun(outcome)
    call = request.node.stash.get(CALL_REPORT_KEY, None)
    passed = bool(call is not None and call.passed)
    assertions = {
        "test_outcome": "passed" if passed else "failed",
        "complete": not outcome.context_failures(),
        "structure": outcome.structure.passed,
        "faithful": not outcome.faithfulness_failures() if outcome.faithfulness else None,
        "failures": {
            "context": outcome.context_failures(),
            "structure": outcome.structure_failures(),
            "faithfulness": outcome.faithfulness_failures(),
        },
    }
    try:
        outcome.write(assertions)
    except ArtifactError as exc:
        failure = str(exc)
    # The row goes out even when the artifacts could not be written: the summary is then the
    # one place its verdicts and metrics are shown, and the save and --chimera-compare read
    # its metrics from it. The test errors at teardown, and the row says so.
    row = outcome.summary_row("passed" if passed else "failed")
    if failure is not None:
        row["outcome"] = "error"
        row["report_written"] = False
    request.node.user_properties.append((SUMMARY_PROPERTY, json.dumps(row)))
    if failure is not None:
        # Raised outside the except block, so that pytest prints the message once, not the
        # ArtifactError again "during handling" of it.
        pytest.fail(failure, pytrace=False)

