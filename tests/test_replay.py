"""Recording generations into cassettes, replaying them, and the atomic writes beneath."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_chimera import artifacts
from pytest_chimera.artifacts import (
    ArtifactError,
    artifact_paths,
    atomic_write_json,
    atomic_write_text,
    check_writable,
    safe_name,
)
from pytest_chimera.backends import make_backend
from pytest_chimera.backends.base import Backend, BackendUnavailable, GenerationRequest
from pytest_chimera.backends.replay import (
    TOKEN_COUNTS,
    RecordingBackend,
    ReplayBackend,
    request_key,
    text_key,
)
from pytest_chimera.config import load_personas, load_suite
from pytest_chimera.inventory import FileInventory, scan_corpus
from pytest_chimera.workflow import WorkflowRun, run_workflow

if TYPE_CHECKING:
    from conftest import FakeBackend

REPO = Path(__file__).resolve().parent.parent
SUITE = load_suite(REPO / "suites" / "chimera.toml")
PERSONAS = {p.id: p for p in load_personas(REPO / "suites" / "personas")}
WHEN = datetime(2025, 11, 1, tzinfo=UTC)
ANSWERS = ["- Total files: 101\n- JSON: 47", "## File Counts\n- 101 files in all\n"]

MakeFakeBackend = Callable[..., "FakeBackend"]


@pytest.fixture(scope="module")
def inventory(corpus: Path) -> FileInventory:
    return scan_corpus(corpus)


def workflow(backend: Backend, inventory: FileInventory, persona: str = "inventory-analyst",
             agent: str = "A") -> WorkflowRun:
    return run_workflow(SUITE.agents[agent], PERSONAS[persona], backend, inventory,
                        clock=lambda: WHEN)


@pytest.fixture
def recorded(tmp_path: Path, make_fake_backend: MakeFakeBackend, inventory: FileInventory
             ) -> tuple[Path, FakeBackend, WorkflowRun]:
    cassettes = tmp_path / "cassettes"
    live = make_fake_backend(ANSWERS, name="ollama", metrics=[{"ttft_s": 0.125}])
    recorder = RecordingBackend(live, cassettes)
    result = workflow(recorder, inventory)
    recorder.close()
    return cassettes, live, result


def test_recording_writes_a_cassette_per_request_and_the_token_counts(
    recorded: tuple[Path, FakeBackend, WorkflowRun]) -> None:
    cassettes, live, _ = recorded
    assert live.closed
    names = sorted(p.name for p in cassettes.iterdir())
    keys = sorted(f"{request_key(r)}.json" for r in live.requests)
    assert names == sorted([*keys, TOKEN_COUNTS])
    first = json.loads((cassettes / f"{request_key(live.requests[0])}.json").read_text("utf-8"))
    assert first["request"]["system"] == PERSONAS["inventory-analyst"].prompt
    assert first["request"]["prompt"] == live.requests[0].prompt
    assert first["response"]["text"] == ANSWERS[0]
    assert first["response"]["backend"] == "ollama"
    assert first["response"]["metrics"]["ttft_s"] == 0.125
    counts = json.loads((cassettes / TOKEN_COUNTS).read_text("utf-8"))
    assert len(counts) == len(set(live.counted))
    for text in live.counted:
        assert counts[text_key("gemma3", text)] == len(text.split())


def test_replay_plays_back_the_same_run(recorded: tuple[Path, FakeBackend, WorkflowRun],
                                        inventory: FileInventory) -> None:
    cassettes, _live, original = recorded
    replay = ReplayBackend(cassettes)
    again = workflow(replay, inventory)
    assert [c.request for c in again.calls] == [c.request for c in original.calls]
    assert again.report_text == original.report_text
    assert [c.generation.text for c in again.calls] == ANSWERS
    assert again.replayed and again.metrics.replayed
    assert all(c.generation.metrics.replayed for c in again.calls)
    assert again.calls[0].generation.metrics.ttft_s == 0.125
    assert again.calls[0].generation.backend == "replay"
    assert [c.budget for c in again.calls] == [c.budget for c in original.calls]
    assert replay.exact_token_counts
    assert str(cassettes) in replay.describe()


@pytest.mark.parametrize(
    ("persona", "agent"),
    [pytest.param("ops-insight", "A", id="other-persona"),
     pytest.param("inventory-analyst", "B", id="other-options")],
)
def test_a_changed_request_asks_to_re_record(
    recorded: tuple[Path, FakeBackend, WorkflowRun], inventory: FileInventory, persona: str,
    agent: str,
) -> None:
    cassettes, _, _ = recorded
    with pytest.raises(BackendUnavailable) as info:
        workflow(ReplayBackend(cassettes), inventory, persona=persona, agent=agent)
    message = str(info.value)
    assert f"no recorded generation for this request in {cassettes}" in message
    assert message.endswith("re-record with --chimera-record")


def test_a_changed_prompt_text_misses_the_cassette(
    recorded: tuple[Path, FakeBackend, WorkflowRun]) -> None:
    cassettes, live, _ = recorded
    request = live.requests[0]
    changed = GenerationRequest(model=request.model, system=request.system,
                                prompt=request.prompt + " ", options=request.options,
                                prefill=request.prefill)
    with pytest.raises(BackendUnavailable, match="re-record with --chimera-record"):
        ReplayBackend(cassettes).generate(changed)


def test_request_key_ignores_only_the_timeout() -> None:
    base = GenerationRequest(model="m", system="s", prompt="p", options={"a": 1}, prefill="x")
    assert request_key(base) == request_key(GenerationRequest("m", "s", "p", {"a": 1}, "x", 5.0))
    for other in (GenerationRequest("n", "s", "p", {"a": 1}, "x"),
                  GenerationRequest("m", "t", "p", {"a": 1}, "x"),
                  GenerationRequest("m", "s", "q", {"a": 1}, "x"),
                  GenerationRequest("m", "s", "p", {"a": 2}, "x"),
                  GenerationRequest("m", "s", "p", {"a": 1}, "y")):
        assert request_key(other) != request_key(base)


def test_replay_estimates_a_text_it_never_counted(tmp_path: Path) -> None:
    (tmp_path / TOKEN_COUNTS).write_text(json.dumps({text_key("m", "known"): 3}), "utf-8")
    replay = ReplayBackend(tmp_path)
    assert replay.count_tokens("m", "known", {}) == 3
    assert replay.count_tokens("m", "x" * 26, {}) == math.ceil(26 / 2.5)
    assert replay.count_tokens("other", "known", {}) == 2


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        pytest.param(lambda p: None, "no cassettes at {p}: record some with --chimera-record",
                     id="no-folder"),
        pytest.param(lambda p: (p.mkdir(), (p / TOKEN_COUNTS).write_text("{", "utf-8")),
                     "{p}/token-counts.json: unreadable token counts", id="bad-token-counts"),
    ],
)
def test_replay_backend_unavailable(tmp_path: Path, setup: Any, message: str) -> None:
    folder = tmp_path / "cassettes"
    setup(folder)
    with pytest.raises(BackendUnavailable, match="^" + message.format(p=folder)):
        ReplayBackend(folder)


def test_a_corrupt_cassette_is_named(recorded: tuple[Path, FakeBackend, WorkflowRun]) -> None:
    cassettes, live, _ = recorded
    path = cassettes / f"{request_key(live.requests[0])}.json"
    path.write_text("{not json", "utf-8")
    with pytest.raises(BackendUnavailable, match=f"^{path}: unreadable cassette"):
        ReplayBackend(cassettes).generate(live.requests[0])


def test_two_recorders_merge_their_token_counts(tmp_path: Path,
                                                make_fake_backend: MakeFakeBackend) -> None:
    # As two xdist workers recording into one folder do.
    one = RecordingBackend(make_fake_backend(), tmp_path)
    two = RecordingBackend(make_fake_backend(), tmp_path)
    one.count_tokens("m", "alpha beta", {})
    two.count_tokens("m", "gamma", {})
    one.generate(GenerationRequest("m", "system prompt", "one"))
    two.generate(GenerationRequest("m", "system prompt", "two"))
    counts = json.loads((tmp_path / TOKEN_COUNTS).read_text("utf-8"))
    assert counts == {text_key("m", "alpha beta"): 2, text_key("m", "gamma"): 1}


@pytest.mark.parametrize(
    ("kind", "kwargs", "message"),
    [
        pytest.param("replay", {}, "replay needs a cassette folder", id="replay-no-folder"),
        pytest.param("replay", {"cassettes": Path("c"), "record": True},
                     "--chimera-record needs a live backend", id="record-replay"),
        pytest.param("nope", {}, "unknown backend 'nope'", id="unknown"),
    ],
)
def test_make_backend_refuses(kind: str, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(BackendUnavailable, match=message):
        make_backend(kind, host="http://127.0.0.1:9", **kwargs)


def test_make_backend_builds_replay(tmp_path: Path) -> None:
    backend = make_backend("replay", host="http://127.0.0.1:9", cassettes=tmp_path)
    assert isinstance(backend, ReplayBackend) and isinstance(backend, Backend)


# -- atomic writes ---------------------------------------------------------------------------


def test_atomic_write_creates_folders_and_replaces_whole(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "r.json"
    atomic_write_json(path, {"x": "ü"})
    atomic_write_json(path, {"y": 2})
    assert json.loads(path.read_text("utf-8")) == {"y": 2}
    assert os.listdir(path.parent) == ["r.json"]


def test_atomic_write_leaves_no_temp_file_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "report.md"
    path.write_text("old", "utf-8")

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(artifacts.os, "replace", fail)
    with pytest.raises(ArtifactError, match=f"^cannot write {path}: No space left on device$"):
        atomic_write_text(path, "new")
    assert os.listdir(tmp_path) == ["report.md"]
    assert path.read_text("utf-8") == "old"


def test_atomic_write_leaves_no_temp_file_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(artifacts.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(tmp_path / "r.md", "text")
    assert os.listdir(tmp_path) == []


def test_atomic_write_into_a_file_as_folder_names_the_path(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("", "utf-8")
    target = tmp_path / "blocker" / "r.md"
    with pytest.raises(ArtifactError, match=f"^cannot write {target}: "):
        atomic_write_text(target, "x")


def test_check_writable(tmp_path: Path) -> None:
    check_writable(tmp_path / "new" / "reports")
    assert os.listdir(tmp_path / "new" / "reports") == []
    (tmp_path / "file").write_text("", "utf-8")
    with pytest.raises(ArtifactError, match=f"report folder {tmp_path / 'file'} is not"):
        check_writable(tmp_path / "file")


@pytest.mark.parametrize(
    ("text", "safe"),
    [("B", "B"), ("ops-insight", "ops-insight"), ("gemma3:1b", "gemma3_1b"), ("../x", "x"),
     ("a b/c", "a_b_c"), ("...", "_"), ("", "_")],
)
def test_safe_name(text: str, safe: str) -> None:
    assert safe_name(text) == safe


def test_artifact_paths(tmp_path: Path) -> None:
    assert artifact_paths(tmp_path, "../A", "ops insight") == (
        tmp_path / "A" / "ops_insight.md", tmp_path / "A" / "ops_insight.json")
