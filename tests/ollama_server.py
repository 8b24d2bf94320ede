"""A loopback stand-in for an Ollama server, speaking Ollama's HTTP protocol, for tests.

It serves what the backend and the ``auto`` backend choice touch: ``POST /api/chat`` and
``POST /api/generate`` (newline-delimited JSON in HTTP/1.1 chunks, as Ollama's Go server
streams it, the timings in nanoseconds on the final ``done`` chunk), ``GET /api/tags`` and
``GET /api/version``. A :class:`ServerScript` sets, per test, which models exist, what is
streamed and how fast, the counts reported, and which fault to inject; every request is
recorded with its parsed JSON body so tests can assert what was really sent.

Use it as ``with running_server(tokens=("Hi",)) as server: ... server.url ...``.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

# http_error: answer ``error_status`` with ``{"error": error_message}`` before streaming.
# cut: stream ``cut_after`` chunks, then drop the connection mid-body (no final chunk of the
#   chunked encoding), as a crashed or killed server does.
# end_without_done: stream ``cut_after`` chunks, then end the body cleanly without ``done``.
# endless: stream ``tokens`` round and round, never ``done``, until ``max_chunks`` (then cut)
#   or until the client hangs up; a model that never emits its stop token.
# stream_error: stream ``cut_after`` chunks, then an ``{"error": ...}`` line, as Ollama does
#   when the runner fails after the response started.
Fault = Literal["http_error", "cut", "end_without_done", "endless", "stream_error"]


@dataclass(frozen=True)
class ServerScript:
    """What the fake server does for each generation request."""

    models: tuple[str, ...] = ("gemma3:latest",)
    tokens: tuple[str, ...] = ("The", " corpus", " holds", " 12", " files", ".")
    # Before each token chunk: the time one decode step takes.
    token_delay_s: float = 0.0
    # Before the response headers, as Ollama answers only once the model is loaded.
    first_token_delay_s: float = 0.0
    # The delay applies from this generation request on (0-based): the earlier ones answer at
    # once, so a test can let the first N generations through and hold the next.
    delay_from: int = 0
    done_reason: str = "stop"
    total_duration_ns: int = 2_500_000_000
    load_duration_ns: int = 1_000_000_000
    # None: the number of whitespace-separated words the request sent. A smaller number is
    # what a server reports after silently truncating a prompt to num_ctx.
    prompt_eval_count: int | None = None
    prompt_eval_duration_ns: int = 250_000_000
    # None: one per token chunk sent.
    eval_count: int | None = None
    eval_duration_ns: int = 1_000_000_000
    fault: Fault | None = None
    # The fault applies to the first ``fault_requests`` generation requests; None: to all.
    fault_requests: int | None = None
    error_status: int = 500
    error_message: str = "llama runner process has terminated: signal: killed"
    cut_after: int = 2
    max_chunks: int = 10_000
    # None: /api/version answers 404, as a server that is not Ollama would.
    version: str | None = "0.12.6"
    # One generation at a time, the others queue: Ollama with OLLAMA_NUM_PARALLEL=1.
    serial: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received: its JSON body parsed, and when it arrived."""

    method: str
    path: str
    body: dict[str, Any] | None
    at: float


def full_model_name(name: str) -> str:
    """Ollama's reading of a model name: no tag means ``:latest``."""
    return name if ":" in name else f"{name}:latest"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class _HTTPServer(ThreadingHTTPServer):
    fake: FakeOllamaServer


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 for chunked streaming and keep-alive, as a real client sees from Ollama.
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log lines on stderr."""

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection)

    def handle(self) -> None:
        # A client that hangs up (it hit its wall-clock limit, or was closed with a request
        # in flight) is part of every script, not an error worth a traceback on stderr.
        with suppress(ConnectionError):
            super().handle()

    def finish(self) -> None:
        with suppress(OSError):
            super().finish()
        self.server.fake._untrack(self.connection)

    # -- plumbing -----------------------------------------------------------------------------

    def _read_body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _write_chunk(self, payload: dict[str, Any]) -> None:
        line = json.dumps(payload).encode() + b"\n"
        self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")

    def _end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")

    # -- endpoints ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        fake = self.server.fake
        fake._record("GET", self.path, None)
        script = fake.script
        if self.path == "/api/version" and script.version is not None:
            self._send_json(200, {"version": script.version})
        elif self.path == "/api/tags":
            self._send_json(200, {"models": [_tag(name) for name in script.models]})
        else:
            self._send_json(404, {"error": "404 page not found"})

    def do_POST(self) -> None:
        fake = self.server.fake
        body = self._read_body()
        fake._record("POST", self.path, body)
        if self.path not in ("/api/chat", "/api/generate"):
            self._send_json(404, {"error": "404 page not found"})
            return
        if body is None:
            self._send_json(400, {"error": "invalid request body"})
            return
        self._generate(chat=self.path == "/api/chat", body=body)

    def _generate(self, *, chat: bool, body: dict[str, Any]) -> None:
        fake = self.server.fake
        script = fake.script
        model = str(body.get("model", ""))
        if full_model_name(model) not in {full_model_name(m) for m in script.models}:
            self._send_json(404, {"error": f'model "{model}" not found, try pulling it first'})
            return
        if script.serial:
            with fake._serial:
                self._timed_generation(chat=chat, body=body)
        else:
            self._timed_generation(chat=chat, body=body)

    def _timed_generation(self, *, chat: bool, body: dict[str, Any]) -> None:
        fake = self.server.fake
        started = time.perf_counter()
        try:
            self._one_generation(chat=chat, body=body)
        finally:
            fake._span(started, time.perf_counter())

    def _one_generation(self, *, chat: bool, body: dict[str, Any]) -> None:
        fake = self.server.fake
        script = fake.script
        index = fake._next_generation()
        fault = script.fault
        if script.fault_requests is not None and index >= script.fault_requests:
            fault = None
        if fault == "http_error":
            self._send_json(script.error_status, {"error": script.error_message})
            return
        delay = script.first_token_delay_s if index >= script.delay_from else 0.0
        if not fake._pause(delay):
            self.close_connection = True
            return
        try:
            self._stream(chat=chat, body=body, script=script, fault=fault)
        except OSError:
            # The client hung up (it stopped at its wall-clock limit, or was closed).
            self.close_connection = True

    def _stream(self, *, chat: bool, body: dict[str, Any], script: ServerScript,
                fault: Fault | None) -> None:
        fake = self.server.fake
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        model = str(body["model"])

        def chunk(text: str) -> dict[str, Any]:
            head: dict[str, Any] = {"model": model, "created_at": _now()}
            if chat:
                head["message"] = {"role": "assistant", "content": text}
            else:
                head["response"] = text
            return head

        tokens: Iterable[str] = script.tokens
        if fault == "endless":
            tokens = itertools.islice(itertools.cycle(script.tokens or (" and",)),
                                      script.max_chunks)
        stops_early = fault in ("cut", "end_without_done", "stream_error")
        sent = 0
        for token in tokens:
            if stops_early and sent == script.cut_after:
                break
            if not fake._pause(script.token_delay_s):
                self.close_connection = True
                return
            self._write_chunk({**chunk(token), "done": False})
            sent += 1
        if fault in ("cut", "endless"):
            # Leave without the chunked encoding's last chunk: the client sees the body end
            # early, as when a server dies mid-answer.
            self.close_connection = True
            return
        if fault == "stream_error":
            self._write_chunk({"error": script.error_message})
        elif fault != "end_without_done":
            final = {
                **chunk(""),
                "done": True,
                "done_reason": script.done_reason,
                "total_duration": script.total_duration_ns,
                "load_duration": script.load_duration_ns,
                "prompt_eval_count": (script.prompt_eval_count
                                      if script.prompt_eval_count is not None
                                      else _words_sent(body)),
                "prompt_eval_duration": script.prompt_eval_duration_ns,
                "eval_count": script.eval_count if script.eval_count is not None else sent,
                "eval_duration": script.eval_duration_ns,
            }
            if not chat:
                final["context"] = list(range(1, sent + 1))
            self._write_chunk(final)
        self._end_chunks()


def _words_sent(body: dict[str, Any]) -> int:
    if "messages" in body:
        texts = [str(m.get("content", "")) for m in body["messages"] if isinstance(m, dict)]
    else:
        texts = [str(body.get("system", "")), str(body.get("prompt", ""))]
    return sum(len(text.split()) for text in texts)


def _tag(name: str) -> dict[str, Any]:
    return {
        "name": full_model_name(name),
        "model": full_model_name(name),
        "modified_at": "2025-10-01T12:00:00.000000000Z",
        "size": 815_319_791,
        "digest": "a2af6cc3eb7fa8be8504abaf9b04e88f17a119ec3f04a3addf55f92841195f5a",
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "gemma3",
            "families": ["gemma3"],
            "parameter_size": "999.89M",
            "quantization_level": "Q4_K_M",
        },
    }


class FakeOllamaServer:
    """A scripted Ollama server on 127.0.0.1 and a free port, run in background threads.

    ``script`` may be replaced between requests. :meth:`stop` cuts open connections and
    wakes any handler waiting in a delay, so stopping never waits for a slow script.
    """

    def __init__(self, script: ServerScript | None = None) -> None:
        self.script = script or ServerScript()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._generations = 0
        self._spans: list[tuple[float, float]] = []
        self._serial = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in order of arrival."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    @property
    def generation_spans(self) -> list[tuple[float, float]]:
        """(start, end) in ``time.perf_counter`` seconds of each generation served, in order
        of ending; with ``serial`` the start is when the generation got its turn."""
        with self._lock:
            return list(self._spans)

    def start(self) -> FakeOllamaServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"fake-ollama-{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            # Wakes handlers blocked reading the next request of a kept-alive connection.
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        # Joins the handler threads and closes the listening socket.
        self._httpd.server_close()

    def __enter__(self) -> FakeOllamaServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- used by the handler ------------------------------------------------------------------

    def _record(self, method: str, path: str, body: dict[str, Any] | None) -> None:
        with self._lock:
            self._requests.append(RecordedRequest(method, path, body, time.perf_counter()))

    def _next_generation(self) -> int:
        with self._lock:
            index = self._generations
            self._generations += 1
            return index

    def _span(self, started: float, ended: float) -> None:
        with self._lock:
            self._spans.append((started, ended))

    def _pause(self, seconds: float) -> bool:
        """Wait ``seconds``; False when the server is stopping meanwhile."""
        if seconds <= 0:
            return not self._stopping.is_set()
        return not self._stopping.wait(seconds)

    def _track(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def _untrack(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)


@contextmanager
def running_server(**config: Any) -> Iterator[FakeOllamaServer]:
    """A started :class:`FakeOllamaServer` scripted by ``config`` (:class:`ServerScript` fields)."""
    with FakeOllamaServer(ServerScript(**config)) as server:
        yield server
