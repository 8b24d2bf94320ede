"""The one interface every backend implements, and the data it returns.

A backend turns a :class:`GenerationRequest` into a :class:`Generation`: the text and the
metrics of one model call. Durations are in seconds as floats; TTFT is measured on the client
(request sent to first non-empty token) by every backend, so the figures compare across them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


class BackendError(Exception):
    """A backend could not produce a generation; the message says what to do about it."""


class BackendUnavailable(BackendError):
    """The backend cannot be used at all (server down, package missing, model missing)."""


class TransientBackendError(BackendError):
    """A fault worth retrying: a dropped connection, a 5xx, a timeout."""


class ContextOverflow(BackendError):
    """The prompt does not fit the context window the agent configured."""


@dataclass(frozen=True)
class GenerationRequest:
    """One model call: the system prompt (the persona), the user prompt, and sampling options.

    ``prefill`` is the start of the answer that the model should continue. Chat backends send
    it as a trailing assistant turn; the embedded base model simply continues the prompt text.
    """

    model: str
    system: str
    prompt: str
    options: dict[str, Any] = field(default_factory=dict)
    prefill: str = ""
    timeout_s: float = 600.0


@dataclass(frozen=True)
class GenerationMetrics:
    """Timings and counts of one generation, in seconds and tokens.

    ``replayed`` marks metrics read back from a cassette rather than measured in this run.
    """

    ttft_s: float
    total_s: float
    load_s: float
    prompt_eval_s: float
    eval_s: float
    prompt_tokens: int
    eval_tokens: int
    replayed: bool = False

    @property
    def tokens_per_s(self) -> float:
        """Decode throughput: generated tokens over the time spent generating them."""
        return self.eval_tokens / self.eval_s if self.eval_s > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        # Spelled out: dataclasses.asdict deep-copies every field, and this runs several
        # times a test (each call, the combined metrics, each round, the benchmark's info).
        return {
            "ttft_s": self.ttft_s, "total_s": self.total_s, "load_s": self.load_s,
            "prompt_eval_s": self.prompt_eval_s, "eval_s": self.eval_s,
            "prompt_tokens": self.prompt_tokens, "eval_tokens": self.eval_tokens,
            "replayed": self.replayed, "tokens_per_s": round(self.tokens_per_s, 3),
            "ttft_ms": round(self.ttft_s * 1000, 3),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, replayed: bool | None = None) -> GenerationMetrics:
        names = {
            "ttft_s", "total_s", "load_s", "prompt_eval_s", "eval_s", "prompt_tokens",
            "eval_tokens", "replayed",
        }
        kwargs = {k: v for k, v in data.items() if k in names}
        if replayed is not None:
            kwargs["replayed"] = replayed
        return cls(**kwargs)


@dataclass(frozen=True)
class Generation:
    """The answer of one call and how it was produced."""

    text: str
    metrics: GenerationMetrics
    model: str
    backend: str
    done_reason: str = "stop"


@runtime_checkable
class Backend(Protocol):
    """What the workflow needs from a model server or an embedded runtime."""

    name: str

    def describe(self) -> str:
        """A one-line description for the session header (backend, where, which model)."""
        ...

    def count_tokens(self, model: str, text: str, options: dict[str, Any]) -> int:
        """Tokens ``text`` takes in the model's context; an upper estimate when not exact."""
        ...

    @property
    def exact_token_counts(self) -> bool:
        """Whether :meth:`count_tokens` uses the model's own tokenizer."""
        ...

    def generate(self, request: GenerationRequest) -> Generation:
        """Run one generation and measure it."""
        ...

    def close(self) -> None:
        """Release models and connections; called once at the end of the session."""
        ...
