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
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema.protocols
import jsonschema.validators

from ..artifacts import ArtifactError, atomic_write_json, check_writable
from ..config import load_schema
from .base import (
    Backend,
    BackendError,
    BackendUnavailable,
    Generation,
    GenerationMetrics,
    GenerationRequest,
)

TOKEN_COUNTS = "token-counts.json"


class CassetteError(BackendUnavailable):
    """A cassette or the token counts beside it are not what a recording writes."""


def _json_kind(value: Any) -> str:
    # Named as JSON names them: the person reading the message edits a JSON file.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {json.dumps(shown, ensure_ascii=False)}"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError, RecursionError) as exc:
        raise CassetteError(f"{path}: unreadable {what} ({exc})") from None


def _finite_number(_checker: Any, value: Any) -> bool:
    # Python's json reads NaN and Infinity, which JSON Schema's "minimum" lets through.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(
        value)


def _whole_number(_checker: Any, value: Any) -> bool:
    # JSON Schema takes 3.0 for an integer; a token count read back must be an int.
    return isinstance(value, int) and not isinstance(value, bool)


@cache
def _validator(schema: str) -> jsonschema.protocols.Validator:
    # The cassette schemas refer to nothing outside themselves: no registry is needed.
    base = jsonschema.Draft202012Validator
    checker = base.TYPE_CHECKER.redefine_many({"number": _finite_number,
                                               "integer": _whole_number})
    extend: Any = jsonschema.validators.extend  # untyped in jsonschema's stubs
    strict: type[jsonschema.protocols.Validator] = extend(base, type_checker=checker)
    return strict(load_schema(schema))


def _shape_problem(document: Any, schema: str) -> tuple[str, str] | None:
    """Where ``document`` first breaks ``schema`` (schemas/) and the words of that rule.

    The rule is the failing part's ``x-expected``; a key that is missing is named as found
    "nothing". None when the document has the shape.
    """
    errors = list(_validator(schema).iter_errors(document))
    if not errors:
        return None
    error = min(errors, key=lambda e: (len(e.absolute_path), [str(p) for p in e.absolute_path]))
    where = [str(part) for part in error.absolute_path]
    rule: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    found = _json_kind(error.instance)
    if error.validator == "required":
        required: list[str] = rule["required"]
        present: Any = error.instance
        missing = next(key for key in required if key not in present)
        where.append(missing)
        rule = _resolved(rule["properties"][missing], schema)
        found = "nothing (the key is missing)"
    expected = rule.get("x-expected", f"what {schema}.schema.json says")
    return ".".join(where), f"expected {expected}, found {found}"


def _resolved(rule: dict[str, Any], schema: str) -> dict[str, Any]:
    """A property's rule, following its "$ref" into the schema's $defs."""
    reference = rule.get("$ref", "")
    if reference.startswith("#/$defs/"):
        found: dict[str, Any] = load_schema(schema)["$defs"][reference.removeprefix("#/$defs/")]
        return found
    return rule


def read_token_counts(path: Path) -> dict[str, int]:
    """The token counts a recording kept ({} when there is no file); CassetteError if broken."""
    try:
        document = _read_json(path, "token counts")
    except FileNotFoundError:
        return {}
    problem = _shape_problem(document, "token-counts")
    if problem is not None:
        where, what = problem
        raise CassetteError(f"{path}: not a token-counts file: {where + ': ' if where else ''}"
                            f"{what}")
    counts: dict[str, int] = document
    return counts


def read_cassette(path: Path) -> dict[str, Any]:
    """The ``response`` of one cassette, checked against schemas/cassette.schema.json;
    CassetteError naming the first field that is wrong.

    Checked here, where the file is read, so that nothing past the backend meets a value of the
    wrong type. FileNotFoundError passes through: a missing cassette is a changed request.
    """
    document = _read_json(path, "cassette")
    problem = _shape_problem(document, "cassette")
    if problem is not None:
        where, what = problem
        raise CassetteError(f"{path}: not a cassette: {where or '(top level)'}: {what}; "
                            "re-record it with --chimera-record")
    response: dict[str, Any] = document["response"]
    return response


def check_recording_folder(cassettes: Path) -> None:
    """Raise CassetteError unless ``cassettes`` (made if missing) can take recordings.

    Run before any generation, so that a bad folder stops the session at once instead of
    after the first (possibly long) generation, whose result would then be lost.
    """
    if cassettes.exists() and not cassettes.is_dir():
        raise CassetteError(f"cassette folder {cassettes} is a file, not a folder")
    try:
        check_writable(cassettes, "cassette folder")
    except ArtifactError as exc:
        raise CassetteError(str(exc)) from None
    try:
        read_token_counts(cassettes / TOKEN_COUNTS)
    except CassetteError as exc:
        # Replay fits prompts with these counts: without them the cassettes beside them miss.
        raise CassetteError(f"{exc}: repair it, or delete it and re-record every cassette in "
                            f"{cassettes}") from None


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
        self._counts = read_token_counts(cassettes / TOKEN_COUNTS)
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
            response = read_cassette(path)
        except FileNotFoundError:
            raise BackendUnavailable(
                f"no recorded generation for this request in {self.cassettes} (looked for "
                f"{path.name}): the prompt, options or corpus changed since recording; "
                "re-record with --chimera-record"
            ) from None
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
        self._counts = read_token_counts(cassettes / TOKEN_COUNTS)
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
        path = self.cassettes / f"{request_key(request)}.json"
        try:
            self._write_cassette(path, request, generation)
            self._flush_counts()
        except ArtifactError as exc:
            raise BackendError(f"could not record the generation: {exc}") from None
        return generation

    def _write_cassette(self, path: Path, request: GenerationRequest,
                        generation: Generation) -> None:
        atomic_write_json(path, {
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

    def _flush_counts(self) -> None:
        path = self.cassettes / TOKEN_COUNTS
        with self._lock:
            if self._dirty:
                # Another process (an xdist worker) may have recorded counts since we read them.
                try:
                    on_disk = read_token_counts(path)
                except CassetteError:
                    # Checked at start (check_recording_folder); whatever broke it since is
                    # replaced by the counts this process holds.
                    on_disk = {}
                self._counts = {**on_disk, **self._counts}
                atomic_write_json(path, dict(sorted(self._counts.items())))
                self._dirty = False

    def close(self) -> None:
        try:
            try:
                self._flush_counts()
            except ArtifactError as exc:
                raise BackendError(f"could not save the token counts: {exc}") from None
        finally:
            self.inner.close()
