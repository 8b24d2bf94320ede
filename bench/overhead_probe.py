"""A pytest plugin for the inner sessions of bench_plugin_overhead.py (``-p overhead_probe``).

It gives the session a backend that answers at once, adds up the time spent inside that
backend, and writes how long the session ran from ``pytest_configure`` to
``pytest_unconfigure`` — everything but starting Python and importing the plugins — and the CPU
time the process used meanwhile, to the file named by ``CHIMERA_PROBE_OUT``. The canned
answer is read from ``CHIMERA_PROBE_TEXT``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from pytest_chimera import session as session_module
from pytest_chimera.backends.base import Backend, Generation, GenerationMetrics, GenerationRequest


class ZeroLatencyBackend:
    """Answers every call at once: the analysis and the report are the same canned text."""

    name = "ollama"

    def __init__(self, text: str) -> None:
        self.text = text

    @property
    def exact_token_counts(self) -> bool:
        return True

    def describe(self) -> str:
        return "zero-latency canned answers (bench)"

    def count_tokens(self, model: str, text: str, options: dict[str, Any]) -> int:
        return len(text.split())

    def generate(self, request: GenerationRequest) -> Generation:
        sent = self.count_tokens(request.model, f"{request.system}\n\n{request.prompt}\n\n"
                                 f"{request.prefill}", request.options)
        metrics = GenerationMetrics(ttft_s=0.001, total_s=0.01, load_s=0.0, prompt_eval_s=0.002,
                                    eval_s=0.008, prompt_tokens=sent,
                                    eval_tokens=len(self.text.split()))
        return Generation(text=self.text, metrics=metrics, model=request.model,
                          backend=self.name)

    def close(self) -> None:
        return None


class TimedBackend:
    """Adds up the seconds spent inside the wrapped backend's calls."""

    def __init__(self, inner: Backend, clock: list[float]) -> None:
        self.inner = inner
        self.name = inner.name
        self.clock = clock

    @property
    def exact_token_counts(self) -> bool:
        return self.inner.exact_token_counts

    def describe(self) -> str:
        return self.inner.describe()

    def count_tokens(self, model: str, text: str, options: dict[str, Any]) -> int:
        started = time.perf_counter()
        try:
            return self.inner.count_tokens(model, text, options)
        finally:
            self.clock[0] += time.perf_counter() - started

    def generate(self, request: GenerationRequest) -> Generation:
        started = time.perf_counter()
        try:
            return self.inner.generate(request)
        finally:
            self.clock[0] += time.perf_counter() - started

    def close(self) -> None:
        self.inner.close()


_backend_s = [0.0]
_started_at = [0.0, 0.0]


def _make_backend(kind: str, **_: Any) -> Backend:
    text = Path(os.environ["CHIMERA_PROBE_TEXT"]).read_text("utf-8")
    return TimedBackend(ZeroLatencyBackend(text), _backend_s)


# Imported by -p before any session exists: every backend this session makes is the one above.
session_module.make_backend = _make_backend


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    _started_at[:] = [time.perf_counter(), time.process_time()]


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    seconds = time.perf_counter() - _started_at[0]
    cpu_s = time.process_time() - _started_at[1]
    Path(os.environ["CHIMERA_PROBE_OUT"]).write_text(
        json.dumps({"session_s": seconds, "cpu_s": cpu_s, "backend_s": _backend_s[0]}), "utf-8")
