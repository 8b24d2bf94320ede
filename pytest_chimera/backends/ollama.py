"""The Ollama backend: a local or remote Ollama server through the official ``ollama`` client.

Every generation streams (``/api/chat`` with ``stream=True``) so that TTFT is measured on the
client, like every other backend: from just before the request is sent to the first chunk
that carries text. The server's own timings and counts come from the final ``done`` chunk, in
nanoseconds, and are converted to seconds.

Retries restart the whole call. ``generate`` buffers the answer and hands nothing to the caller
before the stream ends, so a restarted call cannot duplicate text; the metrics are those of the
attempt that succeeded. ``request.timeout_s`` bounds the whole call, retries and back-off
included, so a suite's worst case stays predictable.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .base import (
    BackendError,
    BackendUnavailable,
    Generation,
    GenerationMetrics,
    GenerationRequest,
    TransientBackendError,
)

if TYPE_CHECKING:
    import ollama

DEFAULT_HOST = "http://127.0.0.1:11434"
DEFAULT_PORT = 11434
INSTALL_HINT = "pip install 'ollama>=0.4'"
# A local server accepts a connection in microseconds; a remote one that drops packets would
# otherwise hang until the wall-clock limit, long after it is clear that nothing answers.
CONNECT_TIMEOUT_S = 10.0
# 5xx are the server's own failures (runner crashed, out of memory while loading); 429 and 503
# are what Ollama answers when its queue is full. All may pass; other 4xx will not.
RETRYABLE_STATUSES = frozenset({429}) | frozenset(range(500, 600))

_ASCII_WORD = re.compile(r"[A-Za-z]+")
_WHITESPACE_RUN = re.compile(r"\s+")
_SINGLE_TOKEN_CHAR = re.compile(r"[^A-Za-z\s]")


def normalize_host(host: str | None) -> str:
    """``host`` as a URL with scheme and port, read the way the ``ollama`` client reads it.

    ``None`` or empty gives the default; a bare ``host[:port]`` gets ``http://`` and port
    11434; an explicit scheme without a port gets that scheme's port. A host that no client
    could reach (another scheme, ``http://`` alone, a bad port or IPv6 address) raises
    :class:`BackendUnavailable` saying what is wrong with it.
    """
    host = (host or "").strip()
    if not host:
        return DEFAULT_HOST
    scheme, separator, rest = host.partition("://")
    if not separator:
        scheme, rest = "http", host
    scheme = scheme.lower()
    if scheme not in ("http", "https"):
        raise _bad_host(host, f"the scheme must be http or https, not {scheme!r}")
    try:
        parts = urlsplit(f"{scheme}://{rest}")
    except ValueError as exc:  # "Invalid IPv6 URL": a '[' without its ']'
        raise _bad_host(host, str(exc)[:1].lower() + str(exc)[1:]) from None
    netloc = parts.netloc
    if separator and not netloc:
        raise _bad_host(host, f"no server named after {scheme}://")
    if not netloc or netloc.startswith(":"):
        netloc = "127.0.0.1" + netloc
    try:
        port = parts.port
    except ValueError:  # not digits, or past 65535
        port = 0
    if port == 0:
        raise _bad_host(host, "the port is not a whole number from 1 to 65535")
    if port is None:
        default = DEFAULT_PORT if not separator else (443 if scheme == "https" else 80)
        netloc = f"{netloc}:{default}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def environment_host(backend: str) -> str:
    """``$OLLAMA_HOST`` ("" when unset), checked when ``backend`` may be Ollama.

    Checked even beside hosts given on the command line: the ``ollama`` package reads it when
    first imported, and a malformed one fails there in a traceback. BackendUnavailable names
    the variable and what is wrong with it.
    """
    host = os.environ.get("OLLAMA_HOST", "").strip()
    if host and backend in ("auto", "ollama"):
        try:
            normalize_host(host)
        except BackendUnavailable as exc:
            raise BackendUnavailable(f"OLLAMA_HOST (environment): {exc}") from None
    return host


def _bad_host(host: str, reason: str) -> BackendUnavailable:
    return BackendUnavailable(f"{host!r} is not a valid Ollama host: {reason}")


def server_answers(host: str, timeout_s: float = 0.5) -> bool:
    """Whether an Ollama server answers ``GET /api/version`` at ``host`` within ``timeout_s``.

    Uses the standard library so that choosing a backend stays cheap when ``ollama`` is not
    installed; anything but a 200 with a JSON ``version`` counts as no server.
    """
    try:
        parts = urlsplit(normalize_host(host))
    except BackendUnavailable:
        return False
    if parts.hostname is None:
        return False
    factory = (http.client.HTTPSConnection if parts.scheme == "https"
               else http.client.HTTPConnection)
    connection = factory(parts.hostname, parts.port, timeout=timeout_s)
    try:
        connection.request("GET", f"{parts.path}/api/version",
                           headers={"Accept": "application/json"})
        response = connection.getresponse()
        body = response.read(4096)
        if response.status != 200:
            return False
        data = json.loads(body)
        return isinstance(data, dict) and "version" in data
    except (OSError, ValueError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def estimate_tokens(text: str) -> int:
    """An upper estimate of the tokens ``text`` takes, without the model's tokenizer.

    Gemma, Llama 2, Mistral and Qwen tokenizers give every digit its own token, and the corpus
    is mostly numbers: one token per ``utf-8 bytes / 2.5`` undercounts a CSV row such as
    ``0.075,148.02,1.031`` by up to 45 % on Gemma 3. So the estimate counts by kind instead:
    one token per digit, ASCII punctuation mark and non-ASCII character (CJK, accents and
    emoji are at most one token per character in these vocabularies, bar rare byte-fallback);
    one per started three letters of an ASCII word (common words are one token, identifiers
    like ``cpu_avx512`` split into short pieces); one per newline and one per run of several
    spaces (indentation), while single spaces ride along with the next word. Measured with
    Gemma 3's tokenizer on every file of this repository's corpus and sources, the estimate is
    1.03x to 1.8x the true count (median 1.2x; French prose 2.1x); a short snippet dense with
    identifiers can fall a few percent under, which the workflow's template allowance absorbs.
    """
    letters = sum(math.ceil(len(word) / 3) for word in _ASCII_WORD.findall(text))
    singles = len(_SINGLE_TOKEN_CHAR.findall(text))
    spaces = 0
    for run in _WHITESPACE_RUN.findall(text):
        newlines = run.count("\n")
        spaces += newlines + (1 if len(run) - newlines > 1 else 0)
    return letters + singles + spaces


def _seconds(nanoseconds: int | None) -> float:
    return (nanoseconds or 0) / 1e9


class OllamaBackend:
    """Streams generations from an Ollama server and measures them."""

    name = "ollama"

    def __init__(
        self,
        host: str | None = None,
        *,
        retries: int = 2,
        backoff_s: float = 0.5,
        timeout_s: float | None = None,
    ) -> None:
        try:
            import httpx
            import ollama
        except ImportError:
            raise BackendUnavailable(
                f"the ollama Python package is not installed: {INSTALL_HINT}"
            ) from None
        if retries < 0:
            raise ValueError(f"retries must be 0 or more, not {retries}")
        if backoff_s < 0:
            raise ValueError(f"backoff_s must be 0 or more, not {backoff_s}")
        self.host = normalize_host(host if host is not None else os.environ.get("OLLAMA_HOST"))
        self.retries = retries
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self._client: ollama.Client = ollama.Client(
            host=self.host, timeout=httpx.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S)
        )

    @property
    def exact_token_counts(self) -> bool:
        return False

    def describe(self) -> str:
        return f"ollama at {self.host}"

    def count_tokens(self, model: str, text: str, options: dict[str, Any]) -> int:
        # Ollama has no tokenize endpoint; see estimate_tokens for why this bound holds.
        return estimate_tokens(text)

    @staticmethod
    def messages(request: GenerationRequest) -> list[dict[str, str]]:
        """The chat turns sent for ``request``: persona, prompt, and the prefill to continue."""
        turns = []
        if request.system:
            turns.append({"role": "system", "content": request.system})
        turns.append({"role": "user", "content": request.prompt})
        if request.prefill:
            turns.append({"role": "assistant", "content": request.prefill})
        return turns

    def generate(self, request: GenerationRequest) -> Generation:
        deadline = time.perf_counter() + request.timeout_s
        attempt = 0
        while True:
            try:
                return self._attempt(request, deadline)
            except TransientBackendError as exc:
                if attempt >= self.retries:
                    raise TransientBackendError(
                        f"{exc} (gave up after {attempt + 1} attempt"
                        f"{'s' if attempt else ''}: see the server's log, or allow more "
                        "with --chimera-retries)"
                    ) from exc
                pause = self.backoff_s * 2**attempt
                if time.perf_counter() + pause >= deadline:
                    raise TransientBackendError(
                        f"{exc} (no time left to retry within the {request.timeout_s:g} s limit)"
                    ) from exc
                time.sleep(pause)
                attempt += 1

    def _limit_error(self, request: GenerationRequest) -> BackendError:
        return BackendError(
            f"generation ran past the {request.timeout_s:g} s limit: set num_predict for this "
            "agent or raise --chimera-timeout"
        )

    def _set_read_timeout(self, seconds: float) -> None:
        # ollama's chat() takes no per-request timeout, and a server that stalls before its
        # first chunk (a model load that hangs) would otherwise block past the wall-clock
        # limit, which is only checked between chunks. The httpx client's timeout is public
        # httpx API; only reaching it through the ollama client is not.
        import httpx

        transport = getattr(self._client, "_client", None)
        if isinstance(transport, httpx.Client):
            transport.timeout = httpx.Timeout(seconds, connect=min(seconds, CONNECT_TIMEOUT_S))

    def _attempt(self, request: GenerationRequest, deadline: float) -> Generation:
        import httpx
        import ollama
        import pydantic

        started = time.perf_counter()
        remaining = max(deadline - started, 0.001)
        limited_by_deadline = self.timeout_s is None or remaining <= self.timeout_s
        self._set_read_timeout(
            remaining if self.timeout_s is None else min(remaining, self.timeout_s)
        )
        pieces: list[str] = []
        first: float | None = None
        chunks = 0
        final: ollama.ChatResponse | None = None
        stream: Iterator[ollama.ChatResponse] | None = None
        try:
            stream = self._client.chat(
                model=request.model, messages=self.messages(request),
                options=dict(request.options), stream=True,
            )
            for chunk in stream:
                chunks += 1
                content = chunk.message.content or ""
                if content:
                    if first is None:
                        first = time.perf_counter()
                    pieces.append(content)
                if chunk.done:
                    final = chunk
                    break
                if time.perf_counter() > deadline:
                    raise self._limit_error(request)
        except ollama.ResponseError as exc:
            raise self._response_error(exc, request.model) from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise self._unreachable(exc) from None
        except httpx.TimeoutException as exc:
            if limited_by_deadline:
                raise self._limit_error(request) from None
            raise TransientBackendError(
                f"Ollama at {self.host} sent nothing for {self.timeout_s:g} s "
                f"after {chunks} chunks: {type(exc).__name__}"
            ) from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise TransientBackendError(
                f"stream cut by Ollama at {self.host} after {chunks} chunks: {exc}"
            ) from None
        except httpx.HTTPError as exc:
            raise BackendError(f"cannot talk to Ollama at {self.host}: {exc}") from None
        except ConnectionError as exc:
            # The ollama client turns a refused connection into a bare ConnectionError; its
            # subclasses (reset, broken pipe) are faults of a connection that was up.
            if type(exc) is ConnectionError:
                raise self._unreachable(exc) from None
            raise TransientBackendError(
                f"connection to Ollama at {self.host} dropped after {chunks} chunks: {exc}"
            ) from None
        except (ValueError, pydantic.ValidationError) as exc:
            raise BackendError(
                f"Ollama at {self.host} sent a chunk that is not a chat response: {exc}"
            ) from None
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        elapsed = time.perf_counter() - started
        if final is None:
            raise TransientBackendError(
                f"stream cut by Ollama at {self.host} after {chunks} chunks: it ended without "
                "the final done chunk"
            )
        metrics = GenerationMetrics(
            ttft_s=(first - started) if first is not None else elapsed,
            total_s=_seconds(final.total_duration) or elapsed,
            load_s=_seconds(final.load_duration),
            prompt_eval_s=_seconds(final.prompt_eval_duration),
            eval_s=_seconds(final.eval_duration),
            prompt_tokens=final.prompt_eval_count or 0,
            eval_tokens=final.eval_count or 0,
        )
        return Generation(
            text="".join(pieces), metrics=metrics, model=final.model or request.model,
            backend=self.name, done_reason=final.done_reason or "stop",
        )

    def _unreachable(self, exc: BaseException) -> BackendUnavailable:
        return BackendUnavailable(
            f"no Ollama server answers at {self.host} ({type(exc).__name__}): start it with "
            "`ollama serve` or pass --chimera-host / --chimera-backend=llamacpp"
        )

    def _response_error(self, exc: ollama.ResponseError, model: str) -> BackendError:
        status, said = exc.status_code, exc.error
        if status == 404 or (status == -1 and "not found" in said and "model" in said):
            # Pulling takes minutes to hours: retrying would only repeat the same answer.
            return BackendUnavailable(
                f"model {model!r} is not pulled on {self.host}: run `ollama pull {model}` "
                f"(the server said: {said})"
            )
        if status == -1:
            # Ollama reports a failure after the response started as an error line in the
            # stream (the runner crashed, the model cannot run these options); a restart
            # would usually fail the same way, so it is not retried.
            return BackendError(f"Ollama at {self.host} failed while generating: {said} "
                                "(see the server's log)")
        if status in RETRYABLE_STATUSES:
            return TransientBackendError(f"Ollama at {self.host} answered HTTP {status}: {said}")
        return BackendError(
            f"Ollama at {self.host} refused the request with HTTP {status}: {said}"
        )

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if close is not None:
            close()

