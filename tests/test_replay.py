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
from pytest_chimera.backends.base import (
    Backend,
    BackendError,
    BackendUnavailable,
    GenerationRequest,
)
from pytest_chimera.backends.replay import (
    TOKEN_COUNTS,
    CassetteError,
    RecordingBackend,
    ReplayBackend,
    check_recording_folder,
    request_key,
    text_key,
)
from pytest_chimera.config import load_personas, load_suite, schema_validator
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
    # What a recording writes is what the schemas in schemas/ describe.
    for name, document in (("cassette", first), ("token-counts", counts)):
        assert list(schema_validator(name).iter_errors(document)) == [], name



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


def _drop(*keys: str) -> Callable[[dict[str, Any]], None]:
    def edit(cassette: dict[str, Any]) -> None:
        *parents, last = keys
        node = cassette
        for key in parents:
            node = node[key]
        del node[last]
    return edit


def _set(value: Any, *keys: str) -> Callable[[dict[str, Any]], None]:
    def edit(cassette: dict[str, Any]) -> None:
        *parents, last = keys
        node = cassette
        for key in parents:
            node = node[key]
        node[last] = value
    return edit


@pytest.mark.parametrize(
    ("text", "edit", "message"),
    [
        pytest.param("[]", None, '(top level): expected an object with a "response", found an '
                     "array", id="array"),
        pytest.param('{"request": {}}', None, "response: expected an object, found nothing "
                     "(the key is missing)", id="no-response"),
        pytest.param(None, _set("x", "response"), 'response: expected an object, found the '
                     'string "x"', id="response-a-string"),
        pytest.param(None, _set(None, "response", "text"), "response.text: expected a string, "
                     "found null", id="text-null"),
        pytest.param(None, _drop("response", "text"), "response.text: expected a string, found "
                     "nothing (the key is missing)", id="text-missing"),
        pytest.param(None, _set(5, "response", "model"), "response.model: expected a string, "
                     "found the number 5", id="model-a-number"),
        pytest.param(None, _set(["stop"], "response", "done_reason"), "response.done_reason: "
                     "expected a string, found an array", id="done-reason-an-array"),
        pytest.param(None, _set([], "response", "metrics"), "response.metrics: expected an "
                     "object, found an array", id="metrics-an-array"),
        pytest.param(None, _set("slow", "response", "metrics", "ttft_s"),
                     'response.metrics.ttft_s: expected a number of seconds (0 or more), found '
                     'the string "slow"', id="ttft-a-string"),
        pytest.param(None, _drop("response", "metrics", "eval_s"),
                     "response.metrics.eval_s: expected a number of seconds (0 or more), found "
                     "nothing (the key is missing)", id="eval-s-missing"),
        pytest.param(None, _set(-1.5, "response", "metrics", "total_s"),
                     "response.metrics.total_s: expected a number of seconds (0 or more), found "
                     "the number -1.5", id="negative-seconds"),
        pytest.param(None, _set(math.nan, "response", "metrics", "load_s"),
                     "response.metrics.load_s: expected a number of seconds (0 or more), found "
                     "the number nan", id="nan-seconds"),
        pytest.param(None, _set(1.5, "response", "metrics", "eval_tokens"),
                     "response.metrics.eval_tokens: expected a whole number of tokens (0 or "
                     "more), found the number 1.5", id="fractional-tokens"),
        pytest.param(None, _set(math.inf, "response", "metrics", "ttft_s"),
                     "response.metrics.ttft_s: expected a number of seconds (0 or more), found "
                     "the number inf", id="infinite-seconds"),
        pytest.param(None, _set(12.0, "response", "metrics", "eval_tokens"),
                     "response.metrics.eval_tokens: expected a whole number of tokens (0 or "
                     "more), found the number 12.0", id="tokens-written-as-a-float"),
        pytest.param(None, _drop("response", "metrics"), "response.metrics: expected an object, "
                     "found nothing (the key is missing)", id="metrics-missing"),
        pytest.param(None, _set(True, "response", "metrics", "prompt_tokens"),
                     "response.metrics.prompt_tokens: expected a whole number of tokens (0 or "
                     "more), found true (a boolean)", id="boolean-tokens"),
    ],
)
def test_a_wrong_shaped_cassette_is_named_with_what_is_wrong(
    recorded: tuple[Path, FakeBackend, WorkflowRun], text: str | None,
    edit: Callable[[dict[str, Any]], None] | None, message: str,
) -> None:
    # Valid JSON of the wrong shape must stop at the backend with the file and the field, not
    # reach the workflow (or the report) as a value of the wrong type.
    cassettes, live, _ = recorded
    path = cassettes / f"{request_key(live.requests[0])}.json"
    if edit is not None:
        cassette = json.loads(path.read_text("utf-8"))
        edit(cassette)
        text = json.dumps(cassette)
    assert text is not None
    path.write_text(text, "utf-8")
    with pytest.raises(CassetteError) as info:
        ReplayBackend(cassettes).generate(live.requests[0])
    assert str(info.value) == (f"{path}: not a cassette: {message}; re-record it with "
                               "--chimera-record")


def test_a_cassette_with_extra_keys_still_plays(
        recorded: tuple[Path, FakeBackend, WorkflowRun]) -> None:
    cassettes, live, _ = recorded
    path = cassettes / f"{request_key(live.requests[0])}.json"
    cassette = json.loads(path.read_text("utf-8"))
    cassette["response"]["metrics"]["gpu"] = "H100"
    del cassette["request"], cassette["response"]["backend"], cassette["response"]["done_reason"]
    path.write_text(json.dumps(cassette), "utf-8")
    generation = ReplayBackend(cassettes).generate(live.requests[0])
    assert generation.text == ANSWERS[0] and generation.done_reason == "stop"


BAD_TOKEN_COUNTS = [
    pytest.param("[]", "not a token-counts file: expected an object of token counts, found an "
                 "array", id="array"),
    pytest.param('{"k": "3"}', 'not a token-counts file: k: expected a whole number of tokens '
                 '(0 or more), found the string "3"', id="count-a-string"),
    pytest.param('{"k": -1}', "not a token-counts file: k: expected a whole number of tokens "
                 "(0 or more), found the number -1", id="negative-count"),
    pytest.param('{"k": 2.5}', "not a token-counts file: k: expected a whole number of tokens "
                 "(0 or more), found the number 2.5", id="fractional-count"),
    pytest.param("{", "unreadable token counts (Expecting property name", id="not-json"),
]


@pytest.mark.parametrize(("text", "message"), BAD_TOKEN_COUNTS)
@pytest.mark.parametrize("backend", ["replay", "recording"])
def test_bad_token_counts_are_named(tmp_path: Path, make_fake_backend: MakeFakeBackend,
                                    backend: str, text: str, message: str) -> None:
    path = tmp_path / TOKEN_COUNTS
    path.write_text(text, "utf-8")
    with pytest.raises(CassetteError) as info:
        if backend == "replay":
            ReplayBackend(tmp_path)
        else:
            RecordingBackend(make_fake_backend(), tmp_path)
    assert str(info.value).startswith(f"{path}: {message}")


def test_check_recording_folder_makes_a_missing_folder(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "cassettes"
    check_recording_folder(folder)
    assert folder.is_dir() and os.listdir(folder) == []


def _file(path: Path) -> Path:
    path.write_text("", "utf-8")
    return path


def _counts(text: str) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.mkdir()
        (path / TOKEN_COUNTS).write_text(text, "utf-8")
        return path
    return make


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(_file, "^cassette folder {p} is a file, not a folder$", id="a-file"),
        pytest.param(lambda p: _file(p) / "sub", "^cassette folder {p}/sub is not writable: "
                     "{p} is a file, not a folder$", id="under-a-file"),
        pytest.param(_counts("{"), "^{p}/token-counts.json: unreadable token counts .*: repair "
                     "it, or delete it and re-record every cassette in {p}$",
                     id="corrupt-token-counts"),
        pytest.param(_counts("[]"), "^{p}/token-counts.json: not a token-counts file: .*: "
                     "repair it", id="wrong-shaped-token-counts"),
    ],
)
def test_check_recording_folder_refuses(tmp_path: Path, make: Callable[[Path], Path],
                                        message: str) -> None:
    folder = tmp_path / "cassettes"
    target = make(folder)
    with pytest.raises(CassetteError, match=message.format(p=folder)):
        check_recording_folder(target)


def test_a_recording_that_cannot_be_written_is_a_backend_error(
        tmp_path: Path, make_fake_backend: MakeFakeBackend) -> None:
    # The folder checked at start can still go: here a file takes its place mid-run.
    blocker = tmp_path / "cassettes"
    live = make_fake_backend()
    recorder = RecordingBackend(live, blocker)
    blocker.write_text("keep me", "utf-8")
    recorder.count_tokens("m", "alpha beta", {})
    with pytest.raises(BackendError, match=f"^could not record the generation: cannot write "
                                           f"{blocker}/"):
        recorder.generate(GenerationRequest("m", "system prompt", "one"))
    with pytest.raises(BackendError, match=f"^could not save the token counts: cannot write "
                                           f"{blocker}/{TOKEN_COUNTS}"):
        recorder.close()
    assert live.closed  # the live backend is released all the same
    assert blocker.read_text("utf-8") == "keep me"


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
    # It said "is not writable: File exists".
    with pytest.raises(ArtifactError, match=f"^report folder {tmp_path / 'file'} is a file, "
                       "not a folder$"):
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
