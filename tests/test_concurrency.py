"""The concurrency study: the arithmetic, the order of the runs, and ``chimera concurrency``
against loopback Ollama servers that take a fixed time per request."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from pytest_chimera.cli import main
from pytest_chimera.concurrency import ConcurrencyResult, StudyRound, measure

ollama_server = pytest.importorskip("ollama_server")

# Per request, before the first token: long enough that the client's own work (prompt fitting,
# parsing the stream) is small beside it, so overlap shows plainly in the figures.
LATENCY_S = 0.25

SUITE_TOML = """\
personas = "personas"
corpus = "corpus"

[agents.A]
model = "gemma3"
options = { num_ctx = 4096 }

[agents.B]
model = "gemma3"
options = { num_ctx = 8192 }
"""

PERSONA = """\
id = "counter"
title = "File counter"
prompt = "You count the files of the corpus and say how many there are, in English."
outline = ["Summary"]
"""


# -- the arithmetic -----------------------------------------------------------------------------


def _round(solo_a: float, solo_b: float, wall: float) -> StudyRound:
    return StudyRound(solo_a=solo_a, solo_b=solo_b, wall=wall, together_a=wall,
                      together_b=wall)


@pytest.mark.parametrize(
    ("rounds", "speedup"),
    [
        pytest.param([(2.0, 2.0, 2.0)], 2.0, id="perfect-overlap"),
        pytest.param([(2.0, 3.0, 5.0)], 1.0, id="served-one-after-the-other"),
        pytest.param([(2.0, 3.0, 4.0)], 1.25, id="partial"),
        pytest.param([(1.0, 1.0, 4.0)], 0.5, id="slower-together"),
        # Medians per time over the rounds, not a mean of per-round speedups.
        pytest.param([(2.0, 2.0, 2.0), (9.0, 9.0, 9.0), (2.0, 2.0, 4.0)], (2 + 2) / 4,
                     id="median-of-three"),
    ],
)
def test_speedup_and_efficiency(rounds: list[tuple[float, float, float]],
                                speedup: float) -> None:
    result = ConcurrencyResult(agent_a="A", agent_b="B", persona="p", backend="ollama",
                               host_a="h1", host_b="h2",
                               rounds=tuple(_round(*r) for r in rounds), warmup=0)
    assert result.speedup == pytest.approx(speedup)
    assert result.efficiency == result.speedup / 2
    document = result.as_json()
    assert document["speedup"] == result.speedup
    assert document["efficiency"] == result.efficiency
    assert len(document["rounds"]) == len(rounds)


# -- the order of the runs ----------------------------------------------------------------------


class Recorder:
    """Jobs that log when they start and end; in the joint run they meet at a barrier, which
    breaks (and fails the job) unless both really run at once."""

    def __init__(self, warmup: int) -> None:
        self.warmup = warmup
        self.events: list[tuple[str, str]] = []
        self.calls = {"a": 0, "b": 0}
        self.meet = threading.Barrier(2, timeout=5)
        self.lock = threading.Lock()

    def job(self, name: str) -> Any:
        def run() -> None:
            with self.lock:
                self.calls[name] += 1
                call = self.calls[name]
                self.events.append(("start", name))
            # Calls after the warm-up alternate solo (odd) and joint (even).
            if call > self.warmup and (call - self.warmup) % 2 == 0:
                self.meet.wait()
            with self.lock:
                self.events.append(("end", name))
        return run


@pytest.mark.parametrize(("repeat", "warmup"), [(1, 0), (1, 1), (3, 2)])
def test_solo_runs_are_alone_and_the_joint_run_is_concurrent(repeat: int, warmup: int) -> None:
    recorder = Recorder(warmup)
    rounds = measure(recorder.job("a"), recorder.job("b"), repeat=repeat, warmup=warmup)
    assert len(rounds) == repeat
    solo = [("start", "a"), ("end", "a"), ("start", "b"), ("end", "b")]
    assert recorder.events[: 4 * warmup] == solo * warmup
    for index in range(repeat):
        start = 4 * warmup + 8 * index
        assert recorder.events[start:start + 4] == solo
        joint = recorder.events[start + 4:start + 8]
        # Both started before either ended: they ran at the same time.
        assert sorted(joint[:2]) == [("start", "a"), ("start", "b")]
        assert sorted(joint[2:]) == [("end", "a"), ("end", "b")]
    for study_round in rounds:
        assert study_round.wall == max(study_round.together_a, study_round.together_b)


def test_a_failing_job_in_the_joint_run_is_raised() -> None:
    calls = []

    def fails_second_time() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("server went away")

    with pytest.raises(RuntimeError, match="server went away"):
        measure(lambda: None, fails_second_time, repeat=1, warmup=0)


# -- chimera concurrency against loopback servers ----------------------------------------------


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A two-agent suite over a three-file corpus; returns its agents file."""
    (tmp_path / "chimera.toml").write_text(SUITE_TOML, "utf-8")
    (tmp_path / "personas").mkdir()
    (tmp_path / "personas" / "counter.toml").write_text(PERSONA, "utf-8")
    corpus = tmp_path / "corpus" / "runs"
    corpus.mkdir(parents=True)
    (corpus / "run_20251001.csv").write_text("prompt,ttft_s\nhello,0.25\nbye,0.5\n", "utf-8")
    (corpus / "results.json").write_text('{"summary": {"mean_tokens_s": 39.25}}\n', "utf-8")
    (tmp_path / "corpus" / "notes.md").write_text("# Notes\n\nTwo prompts.\n", "utf-8")
    return tmp_path / "chimera.toml"


@pytest.fixture
def servers() -> Iterator[Any]:
    """Start loopback Ollama servers that wait LATENCY_S before answering each generation."""
    with ExitStack() as stack:
        def start(**config: Any) -> Any:
            config.setdefault("first_token_delay_s", LATENCY_S)
            return stack.enter_context(ollama_server.running_server(
                models=("gemma3:latest",), tokens=("The corpus", " holds 3 files."),
                prompt_eval_count=900, **config))
        yield start


def _study(capsys: pytest.CaptureFixture[str], suite: Path, *hosts: str) -> dict[str, Any]:
    args = ["concurrency", "--config", str(suite), "--backend", "ollama", "--agents", "A,B",
            "--json"]
    for host in hosts:
        args += ["--host", host]
    assert main(args) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def _num_ctx_sent(server: Any) -> set[int]:
    return {r.body["options"]["num_ctx"] for r in server.requests_to("/api/chat")}


def _overlap(first: list[tuple[float, float]], second: list[tuple[float, float]]) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in first for s2, e2 in second)


def test_two_hosts_run_the_agents_side_by_side(
        capsys: pytest.CaptureFixture[str], suite: Path, servers: Any) -> None:
    host1, host2 = servers(), servers()
    document = _study(capsys, suite, host1.url, host2.url)
    # Each agent went to its own host, and only there: warm-up, solo and joint, two calls each.
    assert _num_ctx_sent(host1) == {4096}
    assert _num_ctx_sent(host2) == {8192}
    assert len(host1.requests_to("/api/chat")) == 6
    assert len(host2.requests_to("/api/chat")) == 6
    assert _overlap(host1.generation_spans, host2.generation_spans)
    assert document["hosts"] == {"A": host1.url, "B": host2.url}
    assert document["same_host"] is False
    # Two independent hosts: nearly twice as fast together (a check that the joint run is
    # concurrent at all, not a performance goal).
    assert document["speedup"] > 1.5
    assert document["efficiency"] == document["speedup"] / 2
    median = document["median"]
    assert document["speedup"] == pytest.approx(
        (median["solo_a_s"] + median["solo_b_s"]) / median["together_wall_s"])
    # The solo times are the solo runs' own: each is about one agent's two calls.
    assert median["solo_a_s"] >= 2 * LATENCY_S
    assert median["solo_b_s"] >= 2 * LATENCY_S


def test_one_serialising_host_gains_nothing(
        capsys: pytest.CaptureFixture[str], suite: Path, servers: Any) -> None:
    host = servers(serial=True)
    document = _study(capsys, suite, host.url)
    assert _num_ctx_sent(host) == {4096, 8192}
    assert not _overlap(host.generation_spans[:1], host.generation_spans[1:])
    assert document["same_host"] is True
    # The server answers one call at a time, so together takes as long as one after the other.
    assert 0.5 < document["speedup"] < 1.25
    assert document["efficiency"] == document["speedup"] / 2


def test_the_table_names_the_runs_and_the_formula(
        capsys: pytest.CaptureFixture[str], suite: Path, servers: Any) -> None:
    host = servers(first_token_delay_s=0.0)
    assert main(["concurrency", "--config", str(suite), "--backend", "ollama",
                 "--host", host.url, "--repeat", "2", "--warmup", "0"]) == 0
    out = capsys.readouterr().out
    assert f"agents A and B, persona counter, backend ollama (both on {host.url})" in out
    assert "median of 2 round(s) after 0 untimed warm-up run(s)" in out
    lines = out.splitlines()
    assert any(line.startswith("A alone ") for line in lines)
    assert any(line.startswith("B alone ") for line in lines)
    assert any(line.startswith("A and B together ") for line in lines)
    assert any(line.startswith("speedup    = (") for line in lines)
    assert "efficiency = speedup / 2 = " in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--agents", "A,Z"],
         "chimera concurrency: --agents: unknown agent(s) 'Z'; * defines A, B"),
        (["--persona", "nobody"], "chimera concurrency: --persona: unknown persona 'nobody'; "
                                  "* has counter"),
        (["--host", "h1", "--host", "h2", "--host", "h3"],
         "chimera concurrency: --host: give one host (both agents on it) or two (one each), "
         "not 3"),
    ],
)
def test_bad_input_is_named(capsys: pytest.CaptureFixture[str], suite: Path,
                            extra: list[str], message: str) -> None:
    assert main(["concurrency", "--config", str(suite), "--backend", "replay", *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    pytest.LineMatcher([err.strip()]).fnmatch_lines([message])


def test_a_missing_agents_file_is_named(capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    assert main(["concurrency", "--config", str(missing)]) == 2
    assert capsys.readouterr().err == (f"chimera concurrency: --config: agents file {missing} "
                                       "not found\n")


@pytest.mark.parametrize(("host", "message"), [
    ("http://[::1", "argument --host: 'http://[::1' is not a valid Ollama host: invalid IPv6 URL"),
    ("ftp://gpu-box", "argument --host: 'ftp://gpu-box' is not a valid Ollama host: the scheme "
                      "must be http or https, not 'ftp'"),
    ("", "argument --host: must not be empty"),
])
def test_a_malformed_host_is_a_usage_error(capsys: pytest.CaptureFixture[str], suite: Path,
                                           host: str, message: str) -> None:
    assert main(["concurrency", "--config", str(suite), "--backend", "ollama",
                 "--host", host]) == 2
    err = capsys.readouterr().err
    assert f"chimera concurrency: error: {message}\n" in err and "Traceback" not in err


def test_a_malformed_ollama_host_in_the_environment_is_named(
        capsys: pytest.CaptureFixture[str], suite: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "gpu-box:99999")
    assert main(["concurrency", "--config", str(suite), "--backend", "ollama",
                 "--host", "127.0.0.1:1"]) == 2
    assert capsys.readouterr().err == (
        "chimera concurrency: OLLAMA_HOST (environment): 'gpu-box:99999' is not a valid Ollama "
        "host: the port is not a whole number from 1 to 65535\n")


@pytest.mark.parametrize("agents", ["A", "A,A", "A,B,C"])
def test_agents_must_be_two(capsys: pytest.CaptureFixture[str], agents: str) -> None:
    assert main(["concurrency", "--agents", agents]) == 2
    assert "name two different agents, comma-separated (A,B)" in capsys.readouterr().err


def test_an_unreachable_host_is_a_clear_error(capsys: pytest.CaptureFixture[str], suite: Path,
                                              servers: Any) -> None:
    host = servers()
    url = host.url
    host.stop()
    assert main(["concurrency", "--config", str(suite), "--backend", "ollama",
                 "--host", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chimera concurrency: backend ollama: ")
    assert "Traceback" not in err
