"""The Chimera suite: every persona's report, on every selected agent, checked.

Run it with ``pytest suites/ --chimera-agent=B`` (see README.md). Each test runs the agent
workflow once per round under pytest-benchmark, then asserts that the run was complete, that the
report has the structure its persona asks for, and that every claim it makes about the corpus is
true, and a failure lists every check that failed. The report and the run record are written
either way.
"""

from __future__ import annotations

from pytest_chimera.fixtures import ChimeraRun


def test_report(chimera_run: ChimeraRun) -> None:
    """The persona's report on this agent is complete, well-formed and faithful."""
    chimera_run.assert_report()
