"""Everything one test decides about one run, kept so that artifacts record all of it.

The checks run once, eagerly, right after the workflow: a test that fails on its first assertion
still writes artifacts with the verdicts of every check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .artifacts import ArtifactError, atomic_write_texts, json_text, remove_file
from .faithfulness import FaithfulnessResult, verify
from .report import parse_report, render_report
from .structure import StructureResult, check_structure
from .workflow import WorkflowRun


@dataclass(frozen=True)
class Thresholds:
    max_contradicted: int = 0
    min_faithfulness: float = 0.0
    fail_on_unverifiable: bool = False


@dataclass
class RunOutcome:
    """A finished run, its checks, and where its artifacts go."""

    run: WorkflowRun
    report_path: Path
    record_path: Path
    thresholds: Thresholds
    rounds: list[dict[str, Any]] = field(default_factory=list)
    structure: StructureResult = field(init=False)
    faithfulness: Any = field(init=False, default=None)
    record: dict[str, Any] = field(init=False)
    markdown: str = field(init=False)

    def __post_init__(self) -> None:
        self.record = self.run.as_record()
        self.markdown = render_report(self.record)
        parsed = parse_report(self.markdown)
        self.structure = check_structure(parsed, self.run.persona.expect)
        self.faithfulness = _check_faithfulness(parsed, self.run, self.record,
                                                self.report_path.name)
        self.record["rounds"] = self.rounds
        self.record["structure"] = self.structure.as_dict()
        self.record["faithfulness"] = (
            self.faithfulness.as_json(self.thresholds.max_contradicted,
                                      self.thresholds.min_faithfulness,
                                      self.thresholds.fail_on_unverifiable)
            if self.faithfulness is not None else None
        )

    # -- failures, as pytest would word them -----------------------------------------------
    def context_failures(self) -> list[str]:
        problems = list(self.run.context_problems)
        if not self.run.calls[-1].generation.text.strip():
            problems.append("the report call returned an empty answer")
        return problems

    def structure_failures(self) -> list[str]:
        return self.structure.failure_lines(self.report_path.name)

    def faithfulness_failures(self) -> list[str]:
        if self.faithfulness is None:
            return []
        lines: list[str] = self.faithfulness.failures(
            self.thresholds.max_contradicted, self.thresholds.min_faithfulness,
            self.thresholds.fail_on_unverifiable,
        )
        return lines

    # -- what leaves the process ---------------------------------------------------------
    def write(self, assertions: dict[str, Any]) -> None:
        self.record["assertions"] = assertions
        self.record["artifacts"] = {"report": str(self.report_path),
                                    "record": str(self.record_path)}
        # The record is encoded while the report is already on its way to disk.
        try:
            atomic_write_texts([(self.record_path, lambda: json_text(self.record)),
                                (self.report_path, self.markdown)])
        except ArtifactError as exc:
            if not exc.written:
                raise
            # One of the pair is this run's, the other is missing or an earlier run's: a
            # record naming a report that is not there, or a report beside another run's
            # record, would mislead whoever opens it. A pair is kept whole or not at all.
            dropped = [path.name for path in (self.record_path, self.report_path)
                       if remove_file(path)]
            also = f"; {' and '.join(dropped)} removed too" if dropped else ""
            raise ArtifactError(f"{exc}{also}: a report and its run record are kept "
                                "together or not at all") from None

    def summary_row(self, outcome: str) -> dict[str, Any]:
        metrics = self.run.metrics
        faithful: str
        if self.faithfulness is None:
            faithful = "n/a"
        else:
            counts = self.faithfulness.counts
            faithful = (f"{self.faithfulness.faithfulness:.2f} "
                        f"({counts['contradicted']} contradicted)")
        return {
            "agent": self.run.agent.name,
            "persona": self.run.persona.id,
            "outcome": outcome,
            "structure": "pass" if self.structure.passed
            else f"fail ({len(self.structure.violations)})",
            "faithfulness": faithful,
            "ttft_ms": round(metrics.ttft_s * 1000, 1),
            "tokens_per_s": round(metrics.tokens_per_s, 2),
            "tokens": metrics.eval_tokens,
            "replayed": metrics.replayed,
            "report": str(self.report_path),
        }

    def extra_info(self) -> dict[str, Any]:
        """What goes into pytest-benchmark's extra_info: per-call and combined metrics."""
        run = self.run
        info: dict[str, Any] = {
            "agent": run.agent.name,
            "persona": run.persona.id,
            "model": run.model,
            "backend": run.backend_name,
            "options": run.agent.options.as_dict(),
            "replayed": run.replayed,
            "metrics": run.metrics.as_dict(),
            "calls": {c.phase: c.generation.metrics.as_dict() for c in run.calls},
            "context": {c.phase: {"num_ctx": c.budget.num_ctx,
                                  "prompt_tokens": c.generation.metrics.prompt_tokens,
                                  "left_out": len(c.budget.left_out)} for c in run.calls},
            "phases": run.phases,
            "structure_passed": self.structure.passed,
        }
        if self.faithfulness is not None:
            info["faithfulness"] = self.faithfulness.faithfulness
            info["contradicted"] = self.faithfulness.counts["contradicted"]
            info["claims"] = dict(self.faithfulness.counts)
        if len(self.rounds) > 1:
            info["rounds"] = self.rounds
        return info


def _check_faithfulness(parsed: Any, run: WorkflowRun, record: dict[str, Any],
                        report_name: str) -> FaithfulnessResult:
    # The report was rendered from this very record a moment ago: only the model's text in it
    # is a claim to check (the header and harness sections are the record's own lines).
    return verify(parsed, run.inventory, run_date=run.run_date, run_record=record,
                  expected_language=run.persona.expect.language or "en",
                  report_name=report_name, rendered_here=True)
