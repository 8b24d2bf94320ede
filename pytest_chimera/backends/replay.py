"""Play recorded generations back, and record them from a live backend.

A cassette folder holds one JSON file per generation, named after a hash of the request (model,
system prompt, prompt, prefill, options), plus ``token-counts.json`` with the token counts the
live backend gave while prompts were fitted, so that replay fits every prompt the same way and
finds the same requests. Replayed metrics carry ``replayed=True`` and say so wherever they are
shown.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from pathlib import Path
from typing import Any

from ..artifacts import atomic_write_json
from .base import Backend, BackendUnavailable, Generation, GenerationMetrics, GenerationRequest

TOKEN_COUNTS = "token-counts.json"


def request_key(request: GenerationRequest) -> str:
    body = json.dumps(
        [request.model, request.system, request.prompt, request.prefill,
         sorted(request.options.items())],
        ensure_ascii=False, default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:20]


def text_key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\x00{text}".encode()).hexdigest()[:20]


class ReplayBackend:
    """Serves generations from a cassette folder; never touches a model."""

    name = "replay"

    def __init__(self, cassettes: Path) -> None:
        if not cassettes.is_dir():
            raise BackendUnavailable(
                f"no cassettes at {cassettes}: record some with --chimera-record on a live backend"
            )
        self.cassettes = cassettes
        counts = cassettes / TOKEN_COUNTS
        try:
            self._counts: dict[str, int] = (
                json.loads(counts.read_text("utf-8")) if counts.exists() else {}
            )
        except (OSError, ValueError) as exc:
            raise BackendUnavailable(f"{counts}: unreadable token counts ({exc})") from None
        self._recorded_from = "unknown"

    @property
    def exact_token_counts(self) -> bool:
        return True

    def describe(self) -> str:
        return f"replay of cassettes in {self.cassettes}"

    def count_tokens(self, model: str, text: str, options: dict[str, Any]) -> int:
        recorded = self._counts.get(text_key(model, text))
        # A text never counted while recording cannot match a recorded request anyway; an
        # upper estimate keeps the fitting deterministic.
        return recorded if recorded is not None else math.ceil(len(text.encode("utf-8")) / 2.5)

    def generate(self, request: GenerationRequest) -> Generation:
        path = self.cassettes / f"{request_key(request)}.json"
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise BackendUnavailable(
                f"no recorded generation for this request in {self.cassettes} (looked for "
                f"{path.name}): the prompt, options or corpus changed since recording; "
                "re-record with --chimera-record"
            ) from None
        except (OSError, ValueError) as exc:
            raise BackendUnavailable(f"{path}: unreadable cassette ({exc})") from None
        response = data["response"]
        self._recorded_from = response.get("backend", "unknown")
        return Generation(
            text=response["text"],
            metrics=GenerationMetrics.from_dict(response["metrics"], replayed=True),
            model=response["model"],
            backend=self.name,
            done_reason=response.get("done_reason", "stop"),
        )

    def close(self) -> None:
        return None


class RecordingBackend:
    """Wraps a live backend and writes every generation and token count to a cassette folder."""

    def __init__(self, inner: Backend, cassettes: Path) -> None:
        self.inner = inner
        self.cassettes = cassettes
        self.name = inner.name
        self._lock = threading.Lock()
        path = cassettes / TOKEN_COUNTS
        self._counts: dict[str, int] = (
            json.loads(path.read_text("utf-8")) if path.exists() else {}
        )
        self._dirty = False

    @property
    def exact_token_counts(self) -> bool:
        return self.inner.exact_token_counts

    def describe(self) -> str:
        return f"{self.inner.describe()}; recording to {self.cassettes}"

    def count_tokens(self, model: str, text: str, options: dict[str, Any]) -> int:
        count = self.inner.count_tokens(model, text, options)
        with self._lock:
            self._counts[text_key(model, text)] = count
            self._dirty = True
        return count

    def generate(self, request: GenerationRequest) -> Generation:
        generation = self.inner.generate(request)
        atomic_write_json(self.cassettes / f"{request_key(request)}.json", {
            "request": {
                "model": request.model, "system": request.system, "prompt": request.prompt,
                "prefill": request.prefill, "options": request.options,
            },
            "response": {
                "text": generation.text, "model": generation.model,
                "backend": generation.backend, "done_reason": generation.done_reason,
                "metrics": generation.metrics.as_dict(),
            },
        })
        self._flush_counts()
        return generation

    def _flush_counts(self) -> None:
        path = self.cassettes / TOKEN_COUNTS
        with self._lock:
            if self._dirty:
                # Another process (an xdist worker) may have recorded counts since we read them.
                try:
                    on_disk = json.loads(path.read_text("utf-8")) if path.exists() else {}
                except (OSError, ValueError):
                    on_disk = {}
                self._counts = {**on_disk, **self._counts}
                atomic_write_json(path, dict(sorted(self._counts.items())))
                self._dirty = False

    def close(self) -> None:
        self._flush_counts()
        self.inner.close()
