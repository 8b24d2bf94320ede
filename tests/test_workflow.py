"""The agent workflow on a scripted backend: prompt fitting, the calls, truncation, the record."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_chimera import outcome as outcome_module
from pytest_chimera.artifacts import ArtifactError
from pytest_chimera.backends.base import ContextOverflow, GenerationMetrics
from pytest_chimera.config import AgentConfig, OllamaOptions, Persona, load_personas, load_suite
from pytest_chimera.inventory import FileInventory, scan_corpus
from pytest_chimera.language import KNOWN_LANGUAGES, LANGUAGE_NAMES
from pytest_chimera.outcome import RunOutcome, Thresholds
from pytest_chimera.report import MODEL_END, MODEL_START, parse_report, render_report
from pytest_chimera.workflow import (
    TEMPLATE_ALLOWANCE,
    WorkflowRun,
    combine_metrics,
    data_summary_lines,
    fit_prompt,
    report_instructions,
    run_workflow,
)

if TYPE_CHECKING:
    from conftest import FakeBackend

REPO = Path(__file__).resolve().parent.parent
SUITE = load_suite(REPO / "suites" / "chimera.toml")
PERSONAS = {p.id: p for p in load_personas(REPO / "suites" / "personas")}
FIXED_DATE = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)

MakeFakeBackend = Callable[..., "FakeBackend"]


def words(text: str) -> int:
    return len(text.split())


@pytest.fixture(scope="module")
def inventory(corpus: Path) -> FileInventory:
    return scan_corpus(corpus)


def run(agent: AgentConfig, persona: Persona, backend: Any, inventory: FileInventory
        ) -> WorkflowRun:
    return run_workflow(agent, persona, backend, inventory, clock=lambda: FIXED_DATE)


# -- fitting a prompt ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("room", "kept"),
    [
        pytest.param(0, 0, id="head-and-tail-only"),
        pytest.param(1, 1, id="first-line-fits"),
        pytest.param(2, 1, id="second-line-not-yet"),
        pytest.param(3, 2, id="two-lines"),
        pytest.param(6, 3, id="three-lines"),
        pytest.param(7, 4, id="everything-exactly"),
        pytest.param(50, 4, id="everything"),
    ],
)
def test_fit_prompt_keeps_the_longest_prefix_that_fits(fake_backend: FakeBackend, room: int,
                                                       kept: int) -> None:
    lines = ["one", "two words", "three more words", "four"]
    # system "s" + head "h" + tail "t" are 3 words, prefill is empty: ``room`` is the
    # words left for the lines (1, 2, 3 and 1 words long).
    num_ctx, reserve = TEMPLATE_ALLOWANCE + 3 + room + 10, 10
    prompt, budget = fit_prompt(fake_backend, "m", "s", "h", lines, "t", "", {}, num_ctx, reserve)
    assert prompt == "\n".join(["h", *lines[:kept], "", "t"])
    assert budget.left_out == tuple(lines[kept:])
    assert budget.prompt_tokens == TEMPLATE_ALLOWANCE + 3 + words(" ".join(lines[:kept]))
    assert budget.prompt_tokens + budget.reserved_for_output <= budget.num_ctx
    assert budget.exact is True


def test_fit_prompt_counts_once_when_everything_fits(fake_backend: FakeBackend) -> None:
    lines = [f"line {n}" for n in range(40)]
    _, budget = fit_prompt(fake_backend, "m", "s", "h", lines, "t", "", {}, 10_000, 10)
    assert budget.left_out == ()
    assert len(fake_backend.counted) == 1  # a tokenizer call per count: one, not a search


def test_fit_prompt_searches_in_few_counts_when_not(fake_backend: FakeBackend) -> None:
    lines = [f"line {n}" for n in range(40)]  # two words each
    room = 2 * 25 + 1  # 25 lines fit, not 26
    _, budget = fit_prompt(fake_backend, "m", "s", "h", lines, "t", "", {},
                           TEMPLATE_ALLOWANCE + 3 + room + 10, 10)
    assert len(budget.left_out) == 15
    assert len(fake_backend.counted) <= 1 + 6  # the whole, then a binary search of 40


def test_fit_prompt_counts_system_prompt_and_prefill(fake_backend: FakeBackend) -> None:
    _, budget = fit_prompt(fake_backend, "m", "a b c", "h", [], "t", "x y", {}, 1000, 10)
    assert fake_backend.counted[-1] == "a b c\n\nh\n\nt\n\nx y"
    assert budget.prompt_tokens == TEMPLATE_ALLOWANCE + 7


def test_fit_prompt_overflow_names_num_ctx(fake_backend: FakeBackend) -> None:
    with pytest.raises(ContextOverflow) as info:
        fit_prompt(fake_backend, "m", "a " * 50, "h", ["x"], "t", "", {}, 128, 64)
    assert str(info.value) == (
        f"the prompt needs {TEMPLATE_ALLOWANCE + 52} tokens before any data and 64 are kept for "
        "the answer, but num_ctx is 128: raise num_ctx or shorten the persona")


@pytest.mark.parametrize("agent", ["A", "B", "baseline"])
@pytest.mark.parametrize("persona", ["inventory-analyst", "ops-insight"])
def test_every_call_fits_num_ctx_with_the_backends_counts(
    make_fake_backend: MakeFakeBackend, inventory: FileInventory, agent: str, persona: str,
) -> None:
    backend = make_fake_backend(["- Total files: 101", "## Summary\nok"])
    result = run(SUITE.agents[agent], PERSONAS[persona], backend, inventory)
    num_ctx = SUITE.agents[agent].options.num_ctx or 2048
    lines = data_summary_lines(inventory)
    for call, request in zip(result.calls, backend.requests, strict=True):
        budget = call.budget
        sent = words(f"{request.system}\n\n{request.prompt}\n\n{request.prefill}")
        assert budget.num_ctx == num_ctx
        assert budget.prompt_tokens == sent + TEMPLATE_ALLOWANCE
        assert budget.prompt_tokens + budget.reserved_for_output <= num_ctx
        # What was left out is recorded, and really is absent from the prompt.
        for line in budget.left_out:
            if line.strip() and line in lines:
                assert f"\n{line}\n" not in f"\n{request.prompt}\n"
    assert result.context_problems == ()


def test_a_short_context_leaves_lines_out_deterministically(
    make_fake_backend: MakeFakeBackend, inventory: FileInventory) -> None:
    agent = SUITE.agents["A"]
    persona = PERSONAS["ops-insight"]
    first, second = make_fake_backend(["- a", "## x"]), make_fake_backend(["- a", "## x"])
    one, two = run(agent, persona, first, inventory), run(agent, persona, second, inventory)
    assert [r.prompt for r in first.requests] == [r.prompt for r in second.requests]
    assert one.calls[0].budget.left_out == two.calls[0].budget.left_out
    lines = data_summary_lines(inventory)
    left_out = one.calls[0].budget.left_out
    assert left_out, "agent A's 512 tokens should not hold the whole inventory"
    # Lines go from the end: the least important (metric lines) first, the totals never.
    assert left_out == tuple(lines[len(lines) - len(left_out):])
    assert lines[0] in first.requests[0].prompt
    # One more line would not have fitted.
    kept = len(lines) - len(left_out)
    bigger = "\n".join([
        "Inventory of the benchmark corpus, measured by the test harness:", *lines[:kept + 1],
        "", first.requests[0].prompt.rsplit("\n", 1)[-1]])
    whole = f"{persona.prompt}\n\n{bigger}\n\n{first.requests[0].prefill}"
    reserved = one.calls[0].budget.reserved_for_output
    assert words(whole) + TEMPLATE_ALLOWANCE > agent.options.num_ctx - reserved  # type: ignore[operator]


def test_the_workflow_raises_context_overflow_when_nothing_fits(
    make_fake_backend: MakeFakeBackend, inventory: FileInventory) -> None:
    agent = AgentConfig(name="tiny", model="m", options=OllamaOptions(num_ctx=128))
    persona = PERSONAS["ops-insight"]
    backend = make_fake_backend()
    with pytest.raises(ContextOverflow, match=r"but num_ctx is 128: raise num_ctx"):
        run(agent, persona, backend, inventory)
    assert backend.requests == []


# -- what is sent ----------------------------------------------------------------------------


def test_the_persona_is_the_system_prompt_of_both_calls(
    make_fake_backend: MakeFakeBackend, inventory: FileInventory) -> None:
    persona = PERSONAS["inventory-analyst"]
    agent = SUITE.agents["B"]
    backend = make_fake_backend(["- 101 files\n- 47 JSON", "- Folder Coverage: all"])
    result = run(agent, persona, backend, inventory)
    assert [r.system for r in backend.requests] == [persona.prompt, persona.prompt]
    assert [c.phase for c in result.calls] == ["analysis", "report"]
    analysis, report = backend.requests
    assert analysis.options == report.options == {"num_gpu": 100, "num_ctx": 1024,
                                                  "temperature": 1.0}
    assert analysis.model == report.model == "gemma3"
    assert analysis.prefill == "Key facts:\n-"
    assert report.prefill == f"# Technical Report\n\n## {persona.outline[0]}\n"
    for heading in persona.outline:
        assert f"## {heading}" in report.prompt
    assert "Length: between 40 and 250 words." in report.prompt
    assert result.report_text == report.prefill + "- Folder Coverage: all"
    assert result.as_record()["calls"][0]["system"] == persona.prompt


def test_the_analysis_notes_reach_the_report_prompt(make_fake_backend: MakeFakeBackend,
                                                    inventory: FileInventory) -> None:
    backend = make_fake_backend([" Total files: 101\n- JSON files: 47\n\n", "## x"])
    run(SUITE.agents["baseline"], PERSONAS["ops-insight"], backend, inventory)
    report_prompt = backend.requests[1].prompt
    assert "Your analysis notes:\nKey facts:\n- Total files: 101\n- JSON files: 47" in report_prompt


def test_model_override_is_what_the_backend_is_asked_for(make_fake_backend: MakeFakeBackend,
                                                         inventory: FileInventory) -> None:
    backend = make_fake_backend()
    result = run_workflow(SUITE.agents["A"], PERSONAS["ops-insight"], backend, inventory,
                          model="other:1b", ingest_s=0.25, clock=lambda: FIXED_DATE)
    assert {r.model for r in backend.requests} == {"other:1b"}
    assert result.model == "fake-model"  # what the backend says it ran
    assert result.phases["ingest"] == 0.25
    assert set(result.phases) == {"ingest", "analysis", "report"}


# -- truncation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exact", "shortfall", "metrics", "problems"),
    [
        pytest.param(True, 0, {}, 0, id="exact-all-evaluated"),
        pytest.param(True, 1, {}, 2, id="exact-one-token-short"),
        pytest.param(False, 1, {}, 0, id="estimate-within-slack"),
        pytest.param(False, 0, {"prompt_tokens": 10}, 2, id="estimate-far-below"),
        pytest.param(False, 0, {"prompt_tokens": 1024}, 2, id="estimate-filled-context"),
        pytest.param(True, 50, {"replayed": True}, 0, id="replayed-not-checked"),
    ],
)
def test_truncation_is_detected_from_the_backends_prompt_count(
    make_fake_backend: MakeFakeBackend, inventory: FileInventory, exact: bool, shortfall: int,
    metrics: dict[str, Any], problems: int,
) -> None:
    backend = make_fake_backend(exact=exact, prompt_token_shortfall=shortfall,
                        metrics=[metrics] if metrics else ())
    result = run(SUITE.agents["B"], PERSONAS["ops-insight"], backend, inventory)
    assert len(result.context_problems) == problems
    for phase, message in zip(("analysis", "report"), result.context_problems, strict=False):
        assert message.startswith(f"context truncated in the {phase} call: ")
        assert "num_ctx=1024" in message


def test_truncation_message_gives_sent_and_evaluated_counts(
    make_fake_backend: MakeFakeBackend, inventory: FileInventory) -> None:
    backend = make_fake_backend(prompt_token_shortfall=7)
    result = run(SUITE.agents["A"], PERSONAS["inventory-analyst"], backend, inventory)
    budget = result.calls[0].budget
    evaluated = result.calls[0].generation.metrics.prompt_tokens
    assert evaluated == budget.prompt_tokens - TEMPLATE_ALLOWANCE - 7
    assert result.context_problems[0] == (
        f"context truncated in the analysis call: {budget.prompt_tokens} prompt tokens were "
        f"sent but the backend evaluated only {evaluated} (num_ctx=512)")


# -- metrics ---------------------------------------------------------------------------------


def test_combined_metrics_sum_counts_and_average_ttft(make_fake_backend: MakeFakeBackend,
                                                      inventory: FileInventory) -> None:
    backend = make_fake_backend(["- a b", "## c d e"], metrics=[
        {"ttft_s": 0.1, "total_s": 1.0, "load_s": 0.5, "prompt_eval_s": 0.2, "eval_s": 0.5,
         "eval_tokens": 10},
        {"ttft_s": 0.3, "total_s": 2.0, "load_s": 0.0, "prompt_eval_s": 0.4, "eval_s": 1.5,
         "eval_tokens": 30},
    ])
    result = run(SUITE.agents["B"], PERSONAS["ops-insight"], backend, inventory)
    combined = result.metrics
    assert combined.ttft_s == pytest.approx(0.2)
    assert (combined.total_s, combined.load_s, combined.eval_s) == (3.0, 0.5, 2.0)
    assert combined.prompt_eval_s == pytest.approx(0.6)
    assert combined.eval_tokens == 40
    assert combined.tokens_per_s == 20.0
    assert combined.prompt_tokens == sum(c.generation.metrics.prompt_tokens for c in result.calls)
    assert combined.replayed is False
    as_dict = combined.as_dict()
    assert as_dict["ttft_ms"] == 200.0 and as_dict["tokens_per_s"] == 20.0


def test_combine_marks_any_replayed_call() -> None:
    live = GenerationMetrics(0.1, 1, 0, 0, 0, 1, 0)
    replayed = GenerationMetrics(0.1, 1, 0, 0, 0, 1, 0, replayed=True)
    assert combine_metrics([live, replayed]).replayed is True
    assert combine_metrics([live]).tokens_per_s == 0.0  # no decode time, no division by zero


# -- the record and the artifact -------------------------------------------------------------


@pytest.fixture
def outcome(make_fake_backend: MakeFakeBackend, inventory: FileInventory,
            tmp_path: Path) -> RunOutcome:
    backend = make_fake_backend([
        "- Total files: 101",
        "The corpus holds 101 files.\n\n## File Counts\n- JSON: 47\n- CSV: 29\n",
    ])
    result = run(SUITE.agents["A"], PERSONAS["inventory-analyst"], backend, inventory)
    return RunOutcome(run=result, report_path=tmp_path / "A" / "inventory-analyst.md",
                      record_path=tmp_path / "A" / "inventory-analyst.json",
                      thresholds=Thresholds(), rounds=[result.metrics.as_dict()])


@pytest.mark.parametrize("earlier_pair", [False, True], ids=["first-run", "over-an-earlier-run"])
def test_a_report_and_its_record_are_written_whole_or_not_at_all(
        outcome: RunOutcome, earlier_pair: bool) -> None:
    folder = outcome.report_path.parent
    folder.mkdir()
    if earlier_pair:
        outcome.record_path.write_text('{"run": "earlier"}\n', "utf-8")
    outcome.report_path.mkdir()  # the report cannot be written: a folder is in its place
    with pytest.raises(ArtifactError) as raised:
        outcome.write({"test_outcome": "passed"})
    assert str(raised.value) == (
        f"cannot write {outcome.report_path}: Is a directory; inventory-analyst.json removed "
        "too: a report and its run record are kept together or not at all")
    # The record was written, then removed: it named a report that is not there.
    assert sorted(p.name for p in folder.iterdir()) == ["inventory-analyst.md"]
    assert outcome.report_path.is_dir()


def test_when_neither_file_is_written_an_earlier_pair_is_left_alone(
        outcome: RunOutcome, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = outcome.report_path.parent
    folder.mkdir()
    outcome.record_path.write_text('{"run": "earlier"}\n', "utf-8")
    outcome.report_path.write_text("# earlier\n", "utf-8")

    def disk_full(files: object) -> list[Path]:
        raise ArtifactError("cannot write both: No space left on device", written=())

    monkeypatch.setattr(outcome_module, "atomic_write_texts", disk_full)
    with pytest.raises(ArtifactError, match=r"^cannot write both: No space left on device$"):
        outcome.write({"test_outcome": "passed"})
    # Still a whole pair, of the earlier run: nothing to remove.
    assert outcome.report_path.read_text("utf-8") == "# earlier\n"
    assert outcome.record_path.read_text("utf-8") == '{"run": "earlier"}\n'


def test_run_record_is_valid_against_the_run_schema(outcome: RunOutcome) -> None:
    from pytest_chimera.config import schema_validator

    outcome.write({"test_outcome": "passed", "complete": True, "structure": False,
                   "faithful": None, "failures": {"context": [], "structure": [],
                                                  "faithfulness": []}})
    record = json.loads(outcome.record_path.read_text("utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in schema_validator("run").iter_errors(record)]
    assert errors == []
    assert record["run_date"] == "2025-11-01T12:00:00Z"
    assert record["artifacts"] == {"report": str(outcome.report_path),
                                   "record": str(outcome.record_path)}
    assert [c["phase"] for c in record["calls"]] == ["analysis", "report"]
    assert record["calls"][1]["budget"]["num_ctx"] == 512
    assert outcome.report_path.read_text("utf-8") == outcome.markdown


def test_run_record_without_assertions_is_not_valid(outcome: RunOutcome) -> None:
    from pytest_chimera.config import schema_validator

    record = dict(outcome.record)
    assert not schema_validator("run").is_valid(record)  # no assertions/artifacts yet


def test_rendered_report_has_header_model_part_and_harness_sections(outcome: RunOutcome
                                                                    ) -> None:
    markdown = render_report(outcome.record)
    persona = PERSONAS["inventory-analyst"]
    assert markdown.startswith("# Technical Report — agent A, persona inventory-analyst\n")
    for line in ("- **Date:** 2025-11-01T12:00:00Z", "- **Agent:** A", "- **Model:** fake-model",
                 "- **Backend:** fake (fake backend answering 2 scripted text(s))",
                 "- **Configuration:** num_ctx=512, num_gpu=80, temperature=0.6",
                 "- **Persona:** inventory-analyst — Data-inventory analyst",
                 "- Total files: 101", "- Files by type: csv 29, json 47, md 23, other 1, txt 1",
                 "- Latest modified: 2025-10-29T18:00:00Z (reports/report_20251029.md)",
                 "- Data period: 2025-09-29 to 2025-10-29",
                 "- Not fully read: `reports/empty.json` (empty file)"):
        assert f"\n{line}\n" in markdown, line
    parsed = parse_report(markdown)
    assert parsed.model_text == outcome.run.report_text.rstrip("\n")
    assert [s.title for s in parsed.harness_sections] == [
        "Workflow Summary", "Data Summary", "Metrics", "Persona Prompt"]
    assert markdown.index(MODEL_END) < markdown.index("## Workflow Summary")
    assert markdown.index(MODEL_START) > markdown.index("- **Persona:**")
    metrics = next(s for s in parsed.harness_sections if s.title == "Metrics")
    rows = [line.split("|")[1].strip() for line in metrics.body if line.startswith("| ")]
    assert rows == ["call", "analysis", "report", "combined"]
    prompt = next(s for s in parsed.harness_sections if s.title == "Persona Prompt")
    quoted = "\n".join(line.removeprefix("> ").removeprefix(">") for line in prompt.body
                       if line.startswith(">"))
    assert quoted == persona.prompt.strip()
    shortened = [line for line in markdown.splitlines() if "shortened to fit" in line]
    assert len(shortened) == sum(1 for c in outcome.run.calls if c.budget.left_out) >= 1
    assert "replayed from a cassette" not in markdown


def test_rendered_report_says_when_timings_are_replayed(outcome: RunOutcome) -> None:
    record = {**outcome.record, "replayed": True}
    assert "Timings above are replayed from a cassette" in render_report(record)
    record["agent"] = {**record["agent"], "options": {}}
    assert "- **Configuration:** server defaults (no options set)" in render_report(record)


def test_outcome_reports_an_empty_answer(make_fake_backend: MakeFakeBackend,
                                         inventory: FileInventory, tmp_path: Path) -> None:
    result = run(SUITE.agents["B"], PERSONAS["ops-insight"], make_fake_backend(["- a", "  \n"]),
                 inventory)
    outcome = RunOutcome(run=result, report_path=tmp_path / "r.md",
                         record_path=tmp_path / "r.json", thresholds=Thresholds())
    assert outcome.context_failures() == ["the report call returned an empty answer"]
    row = outcome.summary_row("failed")
    assert row["agent"] == "B" and row["persona"] == "ops-insight"
    assert row["structure"].startswith("fail (")
    info = outcome.extra_info()
    assert info["metrics"] == result.metrics.as_dict()
    assert set(info["calls"]) == {"analysis", "report"}


@pytest.mark.parametrize(
    ("claim", "thresholds", "failing"),
    [
        pytest.param("The corpus holds 101 files.", Thresholds(), False, id="true-claim"),
        pytest.param("The corpus holds 90 files.", Thresholds(), True, id="false-claim"),
        pytest.param("The corpus holds 90 files.", Thresholds(max_contradicted=1), False,
                     id="false-claim-tolerated"),
    ],
)
def test_outcome_checks_faithfulness_with_its_thresholds(
    make_fake_backend: MakeFakeBackend, inventory: FileInventory, tmp_path: Path, claim: str,
    thresholds: Thresholds, failing: bool,
) -> None:
    result = run(SUITE.agents["B"], PERSONAS["inventory-analyst"],
                 make_fake_backend(["- a", claim]), inventory)
    outcome = RunOutcome(run=result, report_path=tmp_path / "inventory-analyst.md",
                         record_path=tmp_path / "inventory-analyst.json", thresholds=thresholds)
    assert outcome.faithfulness is not None, "pytest_chimera.faithfulness did not import"
    failures = outcome.faithfulness_failures()
    assert bool(failures) is failing
    assert outcome.record["faithfulness"]["faithful"] is not failing
    if failing:
        assert failures[-1].startswith("inventory-analyst.md:")
        assert '"The corpus holds 90 files"' in failures[-1]


def test_generation_metrics_as_a_dict_keep_every_field_and_read_back_whole() -> None:
    metrics = GenerationMetrics(ttft_s=0.25, total_s=3.5, load_s=0.5, prompt_eval_s=0.75,
                                eval_s=2.0, prompt_tokens=300, eval_tokens=90, replayed=True)
    data = metrics.as_dict()
    assert {f.name for f in dataclasses.fields(GenerationMetrics)} <= set(data)
    assert data["tokens_per_s"] == 45.0 and data["ttft_ms"] == 250.0
    assert GenerationMetrics.from_dict(data) == metrics
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize("code", KNOWN_LANGUAGES)
def test_the_report_prompt_names_every_language_a_persona_may_ask_for(code: str) -> None:
    persona = Persona(id="p", title="P", prompt="You describe the corpus you are given.",
                      outline=["Summary"], expect={"language": code})
    instructions = report_instructions(persona)
    assert f"Write in {LANGUAGE_NAMES[code]} only." in instructions, instructions
