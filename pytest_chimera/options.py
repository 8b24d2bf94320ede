"""Every ``--chimera-x`` flag with its ``chimera_x`` ini key, and how each value is parsed.

Precedence is the command line, then the ini file, then the default. A value that does not parse
is a ``pytest.UsageError`` naming the flag (or ini key) and the reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from .backends.base import BackendUnavailable
from .backends.ollama import DEFAULT_HOST, environment_host, normalize_host
from .history import GateRule, parse_gate

BACKENDS = ("auto", "ollama", "llamacpp", "replay")


@dataclass(frozen=True)
class OptionSpec:
    name: str  # the part after --chimera-
    help: str
    parse: Callable[[str], Any]
    default: str | None
    flag: bool = False  # a switch without a value
    multiple: bool = False  # may be given several times

    @property
    def cli(self) -> str:
        return f"--chimera-{self.name}"

    @property
    def dest(self) -> str:
        return "chimera_" + self.name.replace("-", "_")


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def _names(value: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in value.split(","))
    if not any(names):
        raise ValueError("expected a name or a comma-separated list of names")
    if not all(names):
        # "A,,B" is most likely a name lost in editing, not a request for A and B only.
        raise ValueError(f"{value!r} has an empty name; expected a name or a comma-separated "
                         "list of names")
    return names


def _backend(value: str) -> str:
    if value not in BACKENDS:
        raise ValueError(f"{value!r} is not one of {', '.join(BACKENDS)}")
    return value


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
        if number < low:
            raise ValueError(f"{number} is below the least allowed value {low}")
        return number
    return parse


# A socket timeout beyond about 1e9 s overflows the platform's time_t (an OverflowError from
# deep in httpx); a week is longer than any one generation may sensibly take.
MAX_TIMEOUT_S = 7 * 24 * 3600


def _timeout_seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number of seconds")
    if not number > 0:
        raise ValueError(f"{value} must be above 0")
    if number > MAX_TIMEOUT_S:
        raise ValueError(f"{value} is above the most allowed value {MAX_TIMEOUT_S} (a week)")
    return number


def _fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{value} is not between 0 and 1")
    return number


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{value!r} is not true or false")


def _host(value: str) -> str:
    host = _text(value)
    try:
        normalize_host(host)
    except BackendUnavailable as exc:
        raise ValueError(str(exc)) from None
    return host


def _path(value: str) -> Path:
    return Path(_text(value)).expanduser()


SPECS: tuple[OptionSpec, ...] = (
    OptionSpec("agent", "agent(s) to run: a name, a comma list, or 'all' (default: all)",
               _names, "all"),
    OptionSpec("persona", "run only these persona ids (comma list; default: every persona)",
               _names, None),
    OptionSpec("model", "use this model instead of each agent's own (an Ollama name, or a .gguf "
               "path for llamacpp)", _text, None),
    OptionSpec("backend", "auto (Ollama if a server answers, else llamacpp), ollama, llamacpp or "
               "replay", _backend, "auto"),
    OptionSpec("host", "Ollama server URL (default: $OLLAMA_HOST or http://127.0.0.1:11434); "
               "give it several times for a pool of hosts under xdist", _host, None,
               multiple=True),
    OptionSpec("config", "agents file (chimera.toml or a pyproject.toml with [tool.chimera])",
               _path, None),
    OptionSpec("corpus", "folder of benchmark artifacts to report on (default: the suite's)",
               _path, None),
    OptionSpec("report-dir", "where report artifacts are written", _path, "chimera-reports"),
    OptionSpec("cassettes", "cassette folder for --chimera-backend=replay and --chimera-record",
               _path, None),
    OptionSpec("record", "record every generation of the live backend into the cassettes",
               _bool, "false", flag=True),
    OptionSpec("rounds", "times each workflow runs under pytest-benchmark", _int_at_least(1), "1"),
    OptionSpec("timeout", "wall-clock seconds one generation may take (at most a week)",
               _timeout_seconds, "600"),
    OptionSpec("retries", "retries of a transient backend fault (never of a missing model)",
               _int_at_least(0), "2"),
    OptionSpec("max-contradicted", "most contradicted claims a report may have",
               _int_at_least(0), "0"),
    OptionSpec("min-faithfulness", "least share of checkable claims that must be supported",
               _fraction, "0"),
    OptionSpec("fail-on-unverifiable", "fail a report that has claims nobody can check",
               _bool, "false", flag=True),
    OptionSpec("compare", "compare this run's metrics with a saved pytest-benchmark run (a "
               "number, a name, a file, or 'last') and print the table at the end",
               _text, None),
    OptionSpec("compare-fail", "with --chimera-compare, fail the session when a metric gets "
               "worse beyond its limit, e.g. ttft_ms:10%,tokens_per_s:5%,faithfulness:0",
               parse_gate, None),
)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("chimera", "pytest-chimera: LLM agent report suites")
    for spec in SPECS:
        # argparse %-formats option help (not ini help): "10%" must reach it as "10%%".
        cli_help = spec.help.replace("%", "%%")
        if spec.flag:
            group.addoption(spec.cli, action="store_true", dest=spec.dest, default=None,
                            help=cli_help)
        elif spec.multiple:
            group.addoption(spec.cli, action="append", dest=spec.dest, default=None,
                            metavar="VALUE", help=cli_help)
        else:
            group.addoption(spec.cli, action="store", dest=spec.dest, default=None,
                            metavar="VALUE", help=cli_help)
        # A named variable: mypy reads a string literal given straight to a parameter called
        # "type" as a type expression.
        kind: Literal["linelist", "string"] = "linelist" if spec.multiple else "string"
        parser.addini(spec.dest, spec.help, type=kind, default=[] if spec.multiple else "")


@dataclass(frozen=True)
class ChimeraOptions:
    agent: tuple[str, ...]
    persona: tuple[str, ...] | None
    model: str | None
    backend: str
    host: tuple[str, ...]
    config: Path | None
    corpus: Path | None
    report_dir: Path
    cassettes: Path | None
    record: bool
    rounds: int
    timeout: float
    retries: int
    max_contradicted: int
    min_faithfulness: float
    fail_on_unverifiable: bool
    compare: str | None = None
    compare_fail: tuple[GateRule, ...] | None = None


def resolve_options(config: pytest.Config) -> ChimeraOptions:
    """Every option's value by precedence, parsed; raises UsageError naming the culprit."""
    values: dict[str, Any] = {}
    for spec in SPECS:
        field = spec.dest.removeprefix("chimera_")
        cli = config.getoption(spec.dest)
        ini = config.getini(spec.dest)
        if spec.multiple:
            raw_list = cli if cli else list(ini)
            source = spec.cli if cli else spec.dest
            try:
                values[field] = tuple(spec.parse(item) for item in raw_list)
            except ValueError as exc:
                raise pytest.UsageError(f"{source}: {exc}") from None
            continue
        if cli is not None:
            raw, source = ("true" if cli is True else str(cli)), spec.cli
        elif ini:
            raw, source = str(ini), f"{spec.dest} (ini)"
        elif spec.default is not None:
            raw, source = spec.default, f"{spec.cli} default"
        else:
            values[field] = None
            continue
        try:
            values[field] = spec.parse(raw)
        except ValueError as exc:
            raise pytest.UsageError(f"{source}: {exc}") from None
    try:
        from_env = environment_host(values["backend"])
    except BackendUnavailable as exc:
        raise pytest.UsageError(str(exc)) from None
    if not values["host"]:
        values["host"] = (from_env or DEFAULT_HOST,)
    return ChimeraOptions(**values)
