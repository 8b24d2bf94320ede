"""Shared fixtures: the sample corpus generator, and a scripted backend test double.

Hypothesis: under CI (the ``CI`` variable set, as CI services and .ci/run do) the property tests
run derandomised, so a red CI run replays the same examples on a developer's machine, and print
the failing example's reproduction blob; locally they explore new examples every run. Tests keep
their own ``@settings`` (example counts, no deadline) on top of the profile.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import settings

from pytest_chimera.backends.base import Generation, GenerationMetrics, GenerationRequest

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _not_an_xdist_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner pytest sessions are not xdist workers, even when this one is (``pytest -n 2``)."""
    # pytest-benchmark tells a worker by these variables, which xdist sets in each worker's
    # environment: an inner session would inherit them and save nothing.
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def make_corpus() -> ModuleType:
    """scripts/make_corpus.py (scripts/ is on pytest's pythonpath)."""
    return importlib.import_module("make_corpus")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory, make_corpus: ModuleType) -> Path:
    """The sample corpus (seed 2025), generated once per session; treat it as read-only."""
    root = tmp_path_factory.mktemp("sample") / "corpus"
    make_corpus.generate(root)
    return root


def word_count(text: str) -> int:
    return len(text.split())


class FakeBackend:
    """A scripted Backend: counts a token per whitespace-separated word, records requests.

    ``texts`` are answered in order (the last one repeats). ``prompt_token_shortfall`` makes it
    report that many fewer prompt tokens than it was sent, as a server that truncates would.
    """

    def __init__(
        self,
        texts: Sequence[str] = ("fact one\n- fact two",),
        *,
        name: str = "fake",
        model_name: str = "fake-model",
        exact: bool = True,
        prompt_token_shortfall: int = 0,
        metrics: Sequence[dict[str, Any]] = (),
    ) -> None:
        self.texts = list(texts)
        self.name = name
        self.model_name = model_name
        self.exact = exact
        self.prompt_token_shortfall = prompt_token_shortfall
        self.metrics = list(metrics)
        self.requests: list[GenerationRequest] = []
        self.counted: list[str] = []
        self.closed = False

    @property
    def exact_token_counts(self) -> bool:
        return self.exact

    def describe(self) -> str:
        return f"fake backend answering {len(self.texts)} scripted text(s)"

    def count_tokens(self, model: str, text: str, options: dict[str, Any]) -> int:
        self.counted.append(text)
        return word_count(text)

    def generate(self, request: GenerationRequest) -> Generation:
        index = len(self.requests)
        self.requests.append(request)
        text = self.texts[min(index, len(self.texts) - 1)]
        # The same layout the workflow counts while fitting the prompt.
        sent = word_count(f"{request.system}\n\n{request.prompt}\n\n{request.prefill}")
        scripted = self.metrics[min(index, len(self.metrics) - 1)] if self.metrics else {}
        values: dict[str, Any] = {
            "ttft_s": 0.05 * (index + 1), "total_s": 0.5 * (index + 1), "load_s": 0.0,
            "prompt_eval_s": 0.01, "eval_s": 0.25, "prompt_tokens": sent
            - self.prompt_token_shortfall, "eval_tokens": word_count(text),
        }
        values.update(scripted)
        return Generation(text=text, metrics=GenerationMetrics(**values),
                          model=self.model_name, backend=self.name)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def make_fake_backend() -> Callable[..., FakeBackend]:
    """Make FakeBackends: ``make_fake_backend(texts, prompt_token_shortfall=3, ...)``."""
    return FakeBackend


@pytest.fixture
def fake_backend() -> FakeBackend:
    """A FakeBackend with the default scripted answer."""
    return FakeBackend()
