"""OllamaBackend against a scripted loopback Ollama server (tests/ollama_server.py)."""

from __future__ import annotations

import itertools
import math
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from ollama_server import FakeOllamaServer, running_server

from pytest_chimera.backends.base import (
    Backend,
    BackendError,
    BackendUnavailable,
    GenerationRequest,
    TransientBackendError,
)
from pytest_chimera.backends.ollama import (
    OllamaBackend,
    estimate_tokens,
    normalize_host,
    server_answers,
)

TOKENS = ("The", " corpus", " holds", " 12", " files", ".")

ServerFactory = Callable[..., FakeOllamaServer]
BackendFactory = Callable[..., OllamaBackend]


@pytest.fixture
def ollama_server() -> Iterator[ServerFactory]:
    """Start scripted loopback Ollama servers (ServerScript fields as keywords); stop them after."""
    with ExitStack() as stack:
        yield lambda **config: stack.enter_context(running_server(**config))


@pytest.fixture
def ollama_backend() -> Iterator[BackendFactory]:
    """Build OllamaBackend objects (fast back-off by default) and close them after the test."""
    made: list[OllamaBackend] = []

    def make(host: str, **kwargs: Any) -> OllamaBackend:
        kwargs.setdefault("backoff_s", 0.01)
        backend = OllamaBackend(host, **kwargs)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()


@pytest.fixture
def closed_port_url() -> str:
    """The URL of a loopback port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def make_request(**overrides: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "model": "gemma3",
        "system": "You are an inventory analyst.",
        "prompt": "Describe the corpus.",
        "options": {"num_ctx": 2048, "temperature": 0.2},
        "timeout_s": 5.0,
    }
    fields.update(overrides)
    return GenerationRequest(**fields)


# -- a successful generation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        pytest.param(
            {"total_duration_ns": 2_500_000_000, "load_duration_ns": 1_000_000_000,
             "prompt_eval_duration_ns": 250_000_000, "eval_duration_ns": 1_500_000_000,
             "prompt_eval_count": 321, "eval_count": 6},
            {"total_s": 2.5, "load_s": 1.0, "prompt_eval_s": 0.25, "eval_s": 1.5,
             "prompt_tokens": 321, "eval_tokens": 6, "tokens_per_s": 4.0, "done": "stop"},
            id="cold-load",
        ),
        pytest.param(
            {"total_duration_ns": 123_456_789, "load_duration_ns": 0,
             "prompt_eval_duration_ns": 1_000, "eval_duration_ns": 99_000_000,
             "prompt_eval_count": 17, "eval_count": 40, "done_reason": "length"},
            {"total_s": 0.123456789, "load_s": 0.0, "prompt_eval_s": 1e-6, "eval_s": 0.099,
             "prompt_tokens": 17, "eval_tokens": 40, "tokens_per_s": 40 / 0.099,
             "done": "length"},
            id="warm-and-hit-num-predict",
        ),
        pytest.param(
            # A server that truncated the prompt to num_ctx says so only through this count.
            {"prompt_eval_count": 2048},
            {"prompt_tokens": 2048, "eval_tokens": len(TOKENS), "done": "stop"},
            id="truncated-prompt-count-passed-through",
        ),
    ],
)
def test_metrics_come_from_the_done_chunk_in_seconds(
    ollama_server: ServerFactory, ollama_backend: BackendFactory,
    script: dict[str, Any], expected: dict[str, Any],
) -> None:
    server = ollama_server(tokens=TOKENS, **script)
    generation = ollama_backend(server.url).generate(make_request())

    metrics = generation.metrics
    assert generation.text == "".join(TOKENS)
    assert generation.backend == "ollama"
    assert generation.model == "gemma3"
    assert generation.done_reason == expected.pop("done")
    assert metrics.replayed is False
    for name, value in expected.items():
        assert getattr(metrics, name) == pytest.approx(value), name


@pytest.mark.parametrize(
    ("script", "at_least_s"),
    [
        pytest.param({"first_token_delay_s": 0.2}, 0.2, id="slow-first-token"),
        pytest.param({"tokens": ("", "", "Hi", " there"), "token_delay_s": 0.06}, 0.18,
                     id="empty-chunks-do-not-stop-the-clock"),
        pytest.param({"token_delay_s": 0.05}, 0.05, id="per-token-delay"),
    ],
)
def test_ttft_is_measured_on_the_client_to_the_first_text(
    ollama_server: ServerFactory, ollama_backend: BackendFactory,
    script: dict[str, Any], at_least_s: float,
) -> None:
    # The server reports a 1 ms total: a TTFT taken from its figures would be far too small.
    server = ollama_server(total_duration_ns=1_000_000, **script)
    backend = ollama_backend(server.url)

    started = time.perf_counter()
    generation = backend.generate(make_request())
    wall_s = time.perf_counter() - started

    assert generation.metrics.ttft_s >= at_least_s
    assert generation.metrics.ttft_s <= wall_s
    if script.get("token_delay_s"):
        # The first token, not the end of the stream, stops the clock.
        assert generation.metrics.ttft_s < wall_s - script["token_delay_s"]


@pytest.mark.parametrize(
    ("system", "prefill", "expected_messages"),
    [
        pytest.param(
            "You are an inventory analyst.", "",
            [{"role": "system", "content": "You are an inventory analyst."},
             {"role": "user", "content": "Describe the corpus."}],
            id="persona",
        ),
        pytest.param(
            "", "",
            [{"role": "user", "content": "Describe the corpus."}],
            id="no-persona",
        ),
        pytest.param(
            "You are an ops engineer.", "## Summary\n",
            [{"role": "system", "content": "You are an ops engineer."},
             {"role": "user", "content": "Describe the corpus."},
             {"role": "assistant", "content": "## Summary\n"}],
            id="prefill-as-trailing-assistant-turn",
        ),
    ],
)
def test_request_carries_persona_prompt_prefill_and_options(
    ollama_server: ServerFactory, ollama_backend: BackendFactory,
    system: str, prefill: str, expected_messages: list[dict[str, str]],
) -> None:
    server = ollama_server()
    options = {"num_ctx": 4096, "temperature": 0.2, "seed": 7, "num_predict": 300}
    generation = ollama_backend(server.url).generate(
        make_request(system=system, prefill=prefill, options=options)
    )

    [sent] = server.requests_to("/api/chat")
    assert sent.method == "POST"
    assert sent.body is not None
    assert sent.body["model"] == "gemma3"
    assert sent.body["stream"] is True
    assert sent.body["messages"] == expected_messages
    assert sent.body["options"] == options
    # The prefill is the caller's; the answer is only what the model added.
    assert generation.text == "".join(TOKENS)


def test_empty_answer_is_a_generation_with_empty_text(
    ollama_server: ServerFactory, ollama_backend: BackendFactory,
) -> None:
    server = ollama_server(tokens=())
    generation = ollama_backend(server.url).generate(make_request())

    assert generation.text == ""
    assert generation.metrics.eval_tokens == 0
    assert generation.done_reason == "stop"
    # No text ever came: TTFT is the whole wait, not zero.
    assert generation.metrics.ttft_s > 0


# -- server and model missing --------------------------------------------------------------


def test_server_down_is_unavailable_with_the_way_out(
    ollama_backend: BackendFactory, closed_port_url: str,
) -> None:
    backend = ollama_backend(closed_port_url, retries=3, backoff_s=10.0)

    started = time.perf_counter()
    with pytest.raises(BackendUnavailable) as excinfo:
        backend.generate(make_request())

    message = str(excinfo.value)
    assert f"no Ollama server answers at {closed_port_url}" in message
    for hint in ("`ollama serve`", "--chimera-host", "--chimera-backend=llamacpp"):
        assert hint in message
    # A 10 s back-off would show: nothing was retried.
    assert time.perf_counter() - started < 2.0


def test_missing_model_is_unavailable_and_never_retried(
    ollama_server: ServerFactory, ollama_backend: BackendFactory,
) -> None:
    server = ollama_server(models=("gemma3:latest",))
    backend = ollama_backend(server.url, retries=3, backoff_s=10.0)

    with pytest.raises(BackendUnavailable) as excinfo:
        backend.generate(make_request(model="qwen3:0.6b"))

    message = str(excinfo.value)
    assert "model 'qwen3:0.6b' is not pulled on http://127.0.0.1:" in message
    assert "run `ollama pull qwen3:0.6b`" in message
    assert len(server.requests_to("/api/chat")) == 1


# -- faults, retries and limits -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "failing", "retries", "raises", "attempts"),
    [
        pytest.param(500, 2, 2, None, 3, id="500-twice-then-ok"),
        pytest.param(429, 1, 1, None, 2, id="429-once-then-ok"),
        pytest.param(503, None, 2, TransientBackendError, 3, id="503-forever"),
        pytest.param(500, None, 0, TransientBackendError, 1, id="500-no-retries"),
        pytest.param(400, None, 2, BackendError, 1, id="400-not-retried"),
    ],
)
def test_http_errors_are_retried_only_when_transient(
    ollama_server: ServerFactory, ollama_backend: BackendFactory,
    status: int, failing: int | None, retries: int, raises: type[BackendError] | None,
    attempts: int,
) -> None:
    server = ollama_server(fault="http_error", fault_requests=failing, error_status=status,
                           error_message="runner busy")
    backoff_s = 0.03
    backend = ollama_backend(server.url, retries=retries, backoff_s=backoff_s)

    if raises is None:
        assert backend.generate(make_request()).text == "".join(TOKENS)
    else:
        with pytest.raises(BackendError) as excinfo:
            backend.generate(make_request())
        assert type(excinfo.value) is raises
        assert f"HTTP {status}: runner busy" in str(excinfo.value)

    sent = server.requests_to("/api/chat")
    assert len(sent) == attempts
    # Exponential back-off: the n-th retry waits backoff_s * 2**n.
    for n, (before, after) in enumerate(itertools.pairwise(r.at for r in sent)):
        assert after - before >= backoff_s * 2**n


@pytest.mark.parametrize(
    ("script", "retries", "raises", "says", "attempts"),
    [
        pytest.param({"fault": "cut", "cut_after": 2}, 1, TransientBackendError,
                     "after 2 chunks", 2, id="connection-dropped-mid-body"),
        pytest.param({"fault": "end_without_done", "cut_after": 3}, 1, TransientBackendError,
                     "after 3 chunks: it ended without the final done chunk", 2,
                     id="body-ended-without-done"),
        pytest.param({"fault": "cut", "fault_requests": 1}, 1, None, "", 2,
                     id="cut-once-then-ok"),
        pytest.param({"fault": "stream_error", "error_message": "out of memory"}, 2,
                     BackendError, "failed while generating: out of memory", 1,
                     id="error-line-in-stream-not-retried"),
    ],
)
def test_stream_faults(
    ollama_server: ServerFactory, ollama_backend: BackendFactory,
    script: dict[str, Any], retries: int, raises: type[BackendError] | None, says: str,
    attempts: int,
) -> None:
    server = ollama_server(tokens=TOKENS, **script)
    backend = ollama_backend(server.url, retries=retries)

    if raises is None:
        # The restarted call returns one clean answer, nothing left over from the cut one.
        assert backend.generate(make_request()).text == "".join(TOKENS)
    else:
        with pytest.raises(BackendError) as excinfo:
            backend.generate(make_request())
        assert type(excinfo.value) is raises
        assert says in str(excinfo.value)
    assert len(server.requests_to("/api/chat")) == attempts


@pytest.mark.parametrize(
    "script",
    [
        pytest.param({"fault": "endless", "token_delay_s": 0.005, "max_chunks": 400},
                     id="never-stops"),
        pytest.param({"first_token_delay_s": 30.0}, id="stalls-before-first-token"),
    ],
)
def test_wall_clock_limit_stops_the_generation(
    ollama_server: ServerFactory, ollama_backend: BackendFactory, script: dict[str, Any],
) -> None:
    server = ollama_server(**script)
    backend = ollama_backend(server.url, retries=2)

    started = time.perf_counter()
    with pytest.raises(BackendError) as excinfo:
        backend.generate(make_request(timeout_s=0.3))
    elapsed = time.perf_counter() - started

    assert type(excinfo.value) is BackendError
    assert "ran past the 0.3 s limit" in str(excinfo.value)
    assert "num_predict" in str(excinfo.value)
    assert 0.3 <= elapsed < 1.5
    assert len(server.requests_to("/api/chat")) == 1


def test_read_timeout_shorter_than_the_limit_is_transient(
    ollama_server: ServerFactory, ollama_backend: BackendFactory,
) -> None:
    server = ollama_server(first_token_delay_s=30.0)
    backend = ollama_backend(server.url, retries=1, timeout_s=0.2)

    with pytest.raises(TransientBackendError) as excinfo:
        backend.generate(make_request(timeout_s=5.0))

    assert "sent nothing for 0.2 s" in str(excinfo.value)
    assert "gave up after 2 attempts" in str(excinfo.value)
    assert len(server.requests_to("/api/chat")) == 2


# -- the auto choice, hosts, tokens ---------------------------------------------------------


def test_server_answers_an_ollama_server(ollama_server: ServerFactory) -> None:
    server = ollama_server()
    assert server_answers(server.url) is True
    assert [r.path for r in server.requests] == ["/api/version"]


def test_server_answers_false_for_another_http_server(ollama_server: ServerFactory) -> None:
    server = ollama_server(version=None)
    assert server_answers(server.url) is False


def test_server_answers_false_for_a_closed_port(closed_port_url: str) -> None:
    assert server_answers(closed_port_url) is False


def test_server_answers_false_within_its_timeout_when_nothing_replies() -> None:
    # Listens (the kernel accepts the connection) but never answers: a hung server.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.perf_counter()
        answered = server_answers(f"127.0.0.1:{silent.getsockname()[1]}", timeout_s=0.2)
        elapsed = time.perf_counter() - started
    assert answered is False
    assert elapsed < 1.0


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, "http://127.0.0.1:11434"),
        ("", "http://127.0.0.1:11434"),
        ("127.0.0.1:9999", "http://127.0.0.1:9999"),
        ("gpu-box", "http://gpu-box:11434"),
        (":5000", "http://127.0.0.1:5000"),
        ("http://gpu-box/", "http://gpu-box:80"),
        ("https://ollama.example.com", "https://ollama.example.com:443"),
        ("https://ollama.example.com:8443/ollama/", "https://ollama.example.com:8443/ollama"),
        ("[::1]:11435", "http://[::1]:11435"),
    ],
)
def test_normalize_host_reads_hosts_like_the_ollama_client(
    given: str | None, expected: str,
) -> None:
    assert normalize_host(given) == expected


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("http://[::1", "invalid IPv6 URL"),
        ("http://", "no server named after http://"),
        ("https:///ollama", "no server named after https://"),
        ("ftp://gpu-box", "the scheme must be http or https, not 'ftp'"),
        ("gpu-box:99999", "the port is not a whole number from 1 to 65535"),
        ("http://gpu-box:0", "the port is not a whole number from 1 to 65535"),
        ("gpu-box:port", "the port is not a whole number from 1 to 65535"),
    ],
)
def test_a_host_no_client_could_reach_is_named_with_the_reason(given: str, reason: str) -> None:
    with pytest.raises(BackendUnavailable) as raised:
        normalize_host(given)
    assert str(raised.value) == f"{given!r} is not a valid Ollama host: {reason}"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ("gpu-box:11500", "ollama at http://gpu-box:11500"),
        (None, "ollama at http://127.0.0.1:11434"),
    ],
)
def test_host_defaults_to_ollama_host_env(
    monkeypatch: pytest.MonkeyPatch, env: str | None, expected: str,
) -> None:
    if env is None:
        monkeypatch.delenv("OLLAMA_HOST", raising=False)
    else:
        monkeypatch.setenv("OLLAMA_HOST", env)
    backend = OllamaBackend()
    try:
        assert backend.describe() == expected
    finally:
        backend.close()


# Counts from Gemma 3's own tokenizer (llama.cpp on the gemma-3-270m GGUF, which shares the
# gemma3 family's vocabulary), without BOS. bytes/2.5 is shown to undercount them.
@pytest.mark.parametrize(
    ("text", "gemma3_tokens"),
    [
        pytest.param("0.075,148.02,1.031,0.051,1.925,285", 34, id="csv-row"),
        pytest.param("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 59,
                     id="sha256"),
        pytest.param('{\n    "ttft_ms": 83.1,\n    "tokens_per_s": 117.02\n}', 33, id="json"),
        pytest.param("Write a haiku about GPU memory.", 8, id="prose"),
        pytest.param("基准测试结果显示\uff0c吞吐量提高了。", 11, id="cjk"),
    ],
)
def test_token_estimate_is_an_upper_bound(text: str, gemma3_tokens: int) -> None:
    assert estimate_tokens(text) >= gemma3_tokens


def test_token_estimate_beats_bytes_over_2_5_on_numbers() -> None:
    row = "0.075,148.02,1.031,0.051,1.925,285"
    assert math.ceil(len(row.encode()) / 2.5) < 34 <= estimate_tokens(row)


def test_token_counts_are_estimates(ollama_backend: BackendFactory, closed_port_url: str) -> None:
    backend = ollama_backend(closed_port_url)
    assert backend.exact_token_counts is False
    assert backend.count_tokens("gemma3", "", {}) == 0
    assert backend.count_tokens("gemma3", "hello world", {}) == estimate_tokens("hello world")


# -- the object itself ------------------------------------------------------------------------


def test_backend_implements_the_protocol_and_closes_twice(closed_port_url: str) -> None:
    backend = OllamaBackend(closed_port_url)
    assert isinstance(backend, Backend)
    assert backend.name == "ollama"
    backend.close()
    backend.close()


def test_missing_package_is_unavailable_with_a_pip_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "ollama", None)
    with pytest.raises(BackendUnavailable, match=r"pip install 'ollama>=0\.4'"):
        OllamaBackend()
