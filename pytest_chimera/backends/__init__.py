"""Backends: one Protocol (base.py), one module per implementation, chosen here."""

from __future__ import annotations

from pathlib import Path

from .base import Backend, BackendUnavailable


def choose_backend_kind(requested: str, host: str) -> tuple[str, str]:
    """Resolve ``auto``: (kind, why) — Ollama when a server answers at ``host``, else llamacpp."""
    if requested != "auto":
        return requested, f"--chimera-backend={requested}"
    from .ollama import server_answers

    if server_answers(host):
        return "ollama", f"auto: an Ollama server answers at {host}"
    return "llamacpp", f"auto: no Ollama server at {host}, using the embedded model"


def make_backend(
    kind: str,
    *,
    host: str,
    retries: int = 2,
    cassettes: Path | None = None,
    record: bool = False,
) -> Backend:
    """Build the backend of ``kind``; wrap it in a recorder when ``record`` is set."""
    backend: Backend
    if kind == "ollama":
        from .ollama import OllamaBackend

        backend = OllamaBackend(host, retries=retries)
    elif kind == "llamacpp":
        from .llamacpp import LlamaCppBackend

        backend = LlamaCppBackend()
    elif kind == "replay":
        from .replay import ReplayBackend

        if cassettes is None:
            raise BackendUnavailable("replay needs a cassette folder: pass --chimera-cassettes")
        if record:
            raise BackendUnavailable("--chimera-record needs a live backend, not replay")
        return ReplayBackend(cassettes)
    else:
        raise BackendUnavailable(f"unknown backend {kind!r}")
    if record:
        if cassettes is None:
            raise BackendUnavailable("--chimera-record needs a cassette folder: pass "
                                     "--chimera-cassettes")
        from .replay import RecordingBackend

        backend = RecordingBackend(backend, cassettes)
    return backend
