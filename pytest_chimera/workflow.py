"""One agent run: ingest the corpus, an analysis call, a report call.

The persona is the system prompt of both calls (really sent, and quoted in the artifact). Each
prompt is fitted to the agent's context window with the backend's own token counts: the data
summary is a list of lines in priority order, and lines are dropped from the end until the
prompt and the room kept for the answer fit ``num_ctx``. What was dropped is recorded. If the
backend then reports that it evaluated fewer prompt tokens than were sent, the context was
truncated behind our back and the run says so.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .backends.base import (
    Backend,
    ContextOverflow,
    Generation,
    GenerationMetrics,
    GenerationRequest,
)
from .config import AgentConfig, Persona
from .inventory import FileInventory, MetricSeries, per_inventory
from .language import LANGUAGE_NAMES

# What we assume when an agent leaves num_ctx to the server: Ollama's long-standing default.
DEFAULT_NUM_CTX = 2048
# Chat templates wrap the system and user turns in role markers the plain count misses.
TEMPLATE_ALLOWANCE = 24
# Tokens per word of English prose for Gemma-family tokenizers, rounded up, plus markup.
TOKENS_PER_WORD = 1.6
ANALYSIS_RESERVE = 160
METRIC_LINES_PER_NAME = 1


@dataclass(frozen=True)
class PromptBudget:
    """How a prompt was fitted to the context window."""

    num_ctx: int
    reserved_for_output: int
    prompt_tokens: int  # as counted before sending (exact or an upper estimate)
    exact: bool
    left_out: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "num_ctx": self.num_ctx,
            "reserved_for_output": self.reserved_for_output,
            "prompt_tokens": self.prompt_tokens,
            "exact": self.exact,
            "left_out": list(self.left_out),
        }


@dataclass(frozen=True)
class CallRecord:
    """One model call of the workflow, with everything needed to replay or audit it."""

    phase: str
    request: GenerationRequest
    generation: Generation
    budget: PromptBudget

    @property
    def text(self) -> str:
        return self.request.prefill + self.generation.text

    def as_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "model": self.generation.model,
            "system": self.request.system,
            "prompt": self.request.prompt,
            "prefill": self.request.prefill,
            "options": dict(self.request.options),
            "response": self.generation.text,
            "done_reason": self.generation.done_reason,
            "metrics": self.generation.metrics.as_dict(),
            "budget": self.budget.as_dict(),
        }


@dataclass(frozen=True)
class WorkflowRun:
    """The outcome of one persona on one agent."""

    agent: AgentConfig
    persona: Persona
    backend_name: str
    backend_description: str
    model: str
    run_date: datetime
    inventory: FileInventory
    calls: tuple[CallRecord, ...]
    phases: dict[str, float]
    context_problems: tuple[str, ...] = ()
    replayed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def report_text(self) -> str:
        return self.calls[-1].text

    @property
    def metrics(self) -> GenerationMetrics:
        return combine_metrics([c.generation.metrics for c in self.calls])

    def as_record(self) -> dict[str, Any]:
        """The JSON run record (schemas/run.schema.json), without the assertion results."""
        return {
            "schema": "pytest-chimera/run/1",
            "run_date": self.run_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "agent": {
                "name": self.agent.name,
                "model": self.agent.model,
                "options": self.agent.options.as_dict(),
            },
            "persona": {
                "id": self.persona.id,
                "title": self.persona.title,
                "prompt": self.persona.prompt,
            },
            "backend": {
                "name": self.backend_name,
                "description": self.backend_description,
                "model": self.model,
            },
            "replayed": self.replayed,
            "inventory": self.inventory.summary(),
            "phases": {k: round(v, 6) for k, v in self.phases.items()},
            "calls": [c.as_dict() for c in self.calls],
            "metrics": self.metrics.as_dict(),
            "context_problems": list(self.context_problems),
            "report_text": self.report_text,
        }


def combine_metrics(parts: Sequence[GenerationMetrics]) -> GenerationMetrics:
    """Totals over the calls; TTFT is the mean of the calls' TTFTs (each call waits once)."""
    return GenerationMetrics(
        ttft_s=sum(m.ttft_s for m in parts) / len(parts),
        total_s=sum(m.total_s for m in parts),
        load_s=sum(m.load_s for m in parts),
        prompt_eval_s=sum(m.prompt_eval_s for m in parts),
        eval_s=sum(m.eval_s for m in parts),
        prompt_tokens=sum(m.prompt_tokens for m in parts),
        eval_tokens=sum(m.eval_tokens for m in parts),
        replayed=any(m.replayed for m in parts),
    )


# -- the data summary the model is given ------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1e6 else f"{value:.0f}"


def data_summary_lines(inventory: FileInventory) -> tuple[str, ...]:
    """Facts for the prompt, most important first, so that shrinking drops the least useful."""
    return _data_summary_lines(inventory)


@per_inventory
def _data_summary_lines(inventory: FileInventory) -> tuple[str, ...]:
    summary = inventory.summary()
    by_type = ", ".join(f"{kind} {count}" for kind, count in summary["files_by_type"].items())
    lines = [
        f"- Total files: {summary['total_files']}",
        f"- Files by type: {by_type}",
        f"- Latest modified: {summary['latest_modified']} ({summary['latest_modified_path']})",
        f"- Total size: {summary['total_bytes']} bytes",
    ]
    if summary["data_period"]:
        lines.append(f"- Data period: {summary['data_period'][0]} to {summary['data_period'][1]}")
    for problem in summary["problems"]:
        lines.append(f"- Unreadable: {problem['path']} ({problem['reason']})")
    folders: dict[str, int] = defaultdict(int)
    for record in inventory.files:
        folders[record.folder or "."] += 1
    for folder, count in sorted(folders.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"- Folder {folder}: {count} files")
    lines.extend(_metric_lines(inventory.series))
    return tuple(lines)


def _metric_lines(series: Sequence[MetricSeries]) -> list[str]:
    by_name: dict[str, list[MetricSeries]] = defaultdict(list)
    for item in series:
        by_name[item.name].append(item)
    ranked = sorted(by_name.items(), key=lambda kv: (-sum(s.count for s in kv[1]), kv[0]))
    lines = []
    for name, group in ranked:
        count = sum(s.count for s in group)
        mean = sum(s.total for s in group) / count
        low = min(s.minimum for s in group)
        high = max(s.maximum for s in group)
        lines.append(
            f"- Metric {name}: {count} values in {len(group)} files, mean {_fmt(mean)}, "
            f"min {_fmt(low)}, max {_fmt(high)}"
        )
    return lines


# -- fitting prompts --------------------------------------------------------------------------


def _num_ctx(agent: AgentConfig) -> int:
    return agent.options.num_ctx or DEFAULT_NUM_CTX


def fit_prompt(
    backend: Backend,
    model: str,
    system: str,
    head: str,
    lines: Sequence[str],
    tail: str,
    prefill: str,
    options: dict[str, Any],
    num_ctx: int,
    reserve: int,
) -> tuple[str, PromptBudget]:
    """Join head, as many ``lines`` as fit (in order) and tail into a prompt within num_ctx."""

    def count(prompt: str) -> int:
        whole = f"{system}\n\n{prompt}\n\n{prefill}"
        return backend.count_tokens(model, whole, options) + TEMPLATE_ALLOWANCE

    limit = num_ctx - reserve
    counted: dict[int, tuple[str, int]] = {}

    def attempt(keep: int) -> bool:
        prompt = "\n".join([head, *lines[:keep], "", tail]).strip("\n")
        counted[keep] = (prompt, count(prompt))
        return counted[keep][1] <= limit

    # Counting tokens costs a tokenizer call. Most prompts fit whole: one count says so.
    # Otherwise a binary search finds how many lines fit.
    best: int | None = None
    if attempt(len(lines)):
        best = len(lines)
    else:
        low, high = 0, len(lines) - 1
        while low <= high:
            keep = (low + high) // 2
            if attempt(keep):
                best = keep
                low = keep + 1
            else:
                high = keep - 1
    if best is None:
        prompt = "\n".join([head, "", tail]).strip("\n")
        raise ContextOverflow(
            f"the prompt needs {count(prompt)} tokens before any data and {reserve} are kept "
            f"for the answer, but num_ctx is {num_ctx}: raise num_ctx or shorten the persona"
        )
    prompt, tokens = counted[best]
    budget = PromptBudget(
        num_ctx=num_ctx,
        reserved_for_output=reserve,
        prompt_tokens=tokens,
        exact=backend.exact_token_counts,
        left_out=tuple(lines[best:]),
    )
    return prompt, budget


def check_truncation(phase: str, budget: PromptBudget, metrics: GenerationMetrics) -> str | None:
    """A message if the backend evaluated fewer prompt tokens than were sent."""
    if metrics.replayed:
        return None
    sent = budget.prompt_tokens - TEMPLATE_ALLOWANCE
    # An estimate (the Ollama backend's count by kind of character) runs 1.03-2.1x over the
    # real Gemma 3 count on everything we measured; a third of it is safely under any real
    # count, so only a prompt cut by more than about half is flagged.
    floor = sent if budget.exact else math.ceil(sent / 3)
    if metrics.prompt_tokens < floor:
        return (
            f"context truncated in the {phase} call: {budget.prompt_tokens} prompt tokens were "
            f"sent{'' if budget.exact else ' (estimated)'} but the backend evaluated only "
            f"{metrics.prompt_tokens} (num_ctx={budget.num_ctx})"
        )
    if not budget.exact and metrics.prompt_tokens >= budget.num_ctx:
        return (
            f"context truncated in the {phase} call: the prompt filled the whole context "
            f"({metrics.prompt_tokens} of num_ctx={budget.num_ctx} tokens)"
        )
    return None


def outline_text(persona: Persona) -> str:
    return "\n".join(f"## {heading}" for heading in persona.outline)


def report_instructions(persona: Persona) -> str:
    expect = persona.expect
    parts = [
        "Write the technical report now, in Markdown, using exactly these section headings "
        "in this order:",
        outline_text(persona),
    ]
    if expect.min_words is not None and expect.max_words is not None:
        parts.append(f"Length: between {expect.min_words} and {expect.max_words} words.")
    elif expect.max_words is not None:
        parts.append(f"Length: at most {expect.max_words} words.")
    if expect.min_table_rows:
        parts.append(f"Include a Markdown table with at least {expect.min_table_rows} rows.")
    if expect.language:
        parts.append(f"Write in {LANGUAGE_NAMES.get(expect.language, expect.language)} only. "
                     "Copy every number exactly from the inventory above.")
    return "\n".join(parts)


def _reserve_for_report(agent: AgentConfig, persona: Persona, num_ctx: int) -> int:
    if agent.options.num_predict:
        return min(agent.options.num_predict, num_ctx // 2)
    words = persona.expect.max_words or 400
    return min(num_ctx // 2, math.ceil(words * TOKENS_PER_WORD) + 64)


def run_workflow(
    agent: AgentConfig,
    persona: Persona,
    backend: Backend,
    inventory: FileInventory,
    *,
    model: str | None = None,
    ingest_s: float = 0.0,
    timeout_s: float = 600.0,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> WorkflowRun:
    """Run the analysis and report calls of ``persona`` on ``agent`` against ``inventory``."""
    model_name = model or agent.model
    options = agent.options.as_dict()
    num_ctx = _num_ctx(agent)
    run_date = clock()
    lines = data_summary_lines(inventory)
    head = "Inventory of the benchmark corpus, measured by the test harness:"
    problems: list[str] = []
    calls: list[CallRecord] = []
    phases = {"ingest": ingest_s}

    def call(phase: str, prompt_head: str, data: Sequence[str], tail: str, prefill: str,
             reserve: int) -> CallRecord:
        prompt, budget = fit_prompt(backend, model_name, persona.prompt, prompt_head, data, tail,
                                    prefill, options, num_ctx, reserve)
        request = GenerationRequest(model=model_name, system=persona.prompt, prompt=prompt,
                                    options=options, prefill=prefill, timeout_s=timeout_s)
        started = time.perf_counter()
        generation = backend.generate(request)
        phases[phase] = time.perf_counter() - started
        message = check_truncation(phase, budget, generation.metrics)
        if message:
            problems.append(message)
        record = CallRecord(phase=phase, request=request, generation=generation, budget=budget)
        calls.append(record)
        return record

    analysis_reserve = min(ANALYSIS_RESERVE, num_ctx // 4)
    analysis = call(
        "analysis", head, lines,
        "List the facts from this inventory that matter for your report, one per line, "
        "copying every number exactly.",
        "Key facts:\n-", analysis_reserve,
    )
    notes = [line.strip() for line in analysis.text.splitlines() if line.strip()]
    report_head = head
    report_lines = [*lines, "", "Your analysis notes:", *notes]
    first_heading = persona.outline[0]
    call(
        "report", report_head, report_lines, report_instructions(persona),
        f"# Technical Report\n\n## {first_heading}\n", _reserve_for_report(agent, persona, num_ctx),
    )
    return WorkflowRun(
        agent=agent,
        persona=persona,
        backend_name=backend.name,
        backend_description=backend.describe(),
        model=calls[-1].generation.model,
        run_date=run_date,
        inventory=inventory,
        calls=tuple(calls),
        phases=phases,
        context_problems=tuple(problems),
        replayed=any(c.generation.metrics.replayed for c in calls),
    )
