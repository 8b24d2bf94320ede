"""What one pytest session of a Chimera suite shares: the suite, one backend, one inventory.

The backend and the inventory are made on first use, once, so collecting or listing tests never
loads a model, and a session of many tests loads it (and scans the corpus) once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .artifacts import safe_name
from .backends import choose_backend_kind, make_backend
from .backends.base import Backend
from .config import AgentConfig, ConfigError, Persona, SuiteConfig, load_personas, load_suite
from .inventory import FileInventory, scan_corpus


@dataclass(frozen=True)
class Selection:
    agents: tuple[AgentConfig, ...]
    personas: tuple[Persona, ...]


def find_suite_file(explicit: Path | None, rootdir: Path,
                    args: list[str]) -> tuple[Path, str] | None:
    """The agents file to use and how it was found, or None when this is not a Chimera run.

    Looked for in order: the explicit path, chimera.toml in the rootdir, a [tool.chimera] table
    in the rootdir's pyproject.toml, then chimera.toml in each folder named on the command line.
    """
    if explicit is not None:
        path = explicit if explicit.is_absolute() else rootdir / explicit
        if not path.exists():
            raise ConfigError(f"{path}: agents file not found")
        table = "tool.chimera" if path.name == "pyproject.toml" else "top"
        return path, table
    if (rootdir / "chimera.toml").is_file():
        return rootdir / "chimera.toml", "top"
    pyproject = rootdir / "pyproject.toml"
    if pyproject.is_file() and "[tool.chimera" in pyproject.read_text("utf-8", errors="replace"):
        return pyproject, "tool.chimera"
    for arg in args:
        candidate = Path(arg.split("::", 1)[0])
        folder = candidate if candidate.is_dir() else candidate.parent
        for place in (folder, *folder.resolve().parents):
            if (place / "chimera.toml").is_file():
                return place / "chimera.toml", "top"
            if place == rootdir.resolve():
                break
    return None


def select(suite: SuiteConfig, agents: tuple[str, ...], personas: tuple[str, ...] | None,
           personas_dir: Path | None = None) -> Selection:
    """The agents and personas a run covers; unknown names are a ConfigError naming them."""
    if agents == ("all",):
        chosen = tuple(suite.agents.values())
    else:
        unknown = [a for a in agents if a not in suite.agents]
        if unknown:
            raise ConfigError(
                f"--chimera-agent: unknown agent(s) {', '.join(map(repr, unknown))}; "
                f"{suite.source} defines {', '.join(suite.agents)}"
            )
        chosen = tuple(suite.agents[a] for a in dict.fromkeys(agents))
    every = load_personas(personas_dir or suite.personas_dir)
    if personas:
        ids = {p.id for p in every}
        unknown = [p for p in personas if p not in ids]
        if unknown:
            raise ConfigError(
                f"--chimera-persona: unknown persona(s) {', '.join(map(repr, unknown))}; "
                f"{personas_dir or suite.personas_dir} has {', '.join(sorted(ids))}"
            )
        every = [p for p in every if p.id in personas]
    _check_artifact_names(suite, chosen, every)
    return Selection(agents=chosen, personas=tuple(every))


def _check_artifact_names(suite: SuiteConfig, agents: Sequence[AgentConfig],
                          personas: Sequence[Persona]) -> None:
    # Two tests writing the same artifact files would overwrite each other's reports. File
    # names are compared case-folded: macOS and Windows file systems ignore case.
    folders: dict[str, str] = {}
    for agent in agents:
        key = safe_name(agent.name).casefold()
        if key in folders:
            raise ConfigError(
                f"{suite.source}: agents.{agent.name}: would write its reports to the same "
                f"folder as agent {folders[key]!r}; rename one")
        folders[key] = agent.name
    stems: dict[str, Persona] = {}
    for persona in personas:
        key = safe_name(persona.id).casefold()
        if key in stems:
            raise ConfigError(
                f"{persona.source}: id: {persona.id!r} would write its reports to the same "
                f"files as persona {stems[key].id!r} ({stems[key].source}); rename one")
        stems[key] = persona


@dataclass
class ChimeraSession:
    """Lazily built, shared state of a session (kept in ``config.stash``)."""

    suite: SuiteConfig
    selection: Selection
    corpus: Path
    report_dir: Path
    backend_kind: str
    host: str
    retries: int
    cassettes: Path
    record: bool
    model_override: str | None
    rows: list[dict[str, Any]] = field(default_factory=list)
    backend_reason: str = ""
    _backend: Backend | None = None
    _inventory: tuple[FileInventory, float] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_files(cls, suite_file: Path, table: str, **kwargs: Any) -> ChimeraSession:
        suite = load_suite(suite_file, table="tool.chimera" if table == "tool.chimera" else "top")
        agents = kwargs.pop("agents")
        personas = kwargs.pop("personas")
        corpus = kwargs.pop("corpus") or suite.corpus
        cassettes = kwargs.pop("cassettes") or suite.cassettes
        return cls(suite=suite, selection=select(suite, agents, personas), corpus=corpus,
                   cassettes=cassettes, **kwargs)

    def resolve_backend_kind(self) -> str:
        kind, self.backend_reason = choose_backend_kind(self.backend_kind, self.host)
        self.backend_kind = kind
        return kind

    def backend(self) -> Backend:
        with self._lock:
            if self._backend is None:
                if self.backend_kind == "auto":
                    self.resolve_backend_kind()
                self._backend = make_backend(
                    self.backend_kind, host=self.host, retries=self.retries,
                    cassettes=self.cassettes, record=self.record,
                )
            return self._backend

    def inventory(self) -> tuple[FileInventory, float]:
        """The corpus inventory and the seconds its scan took (scanned once per session)."""
        with self._lock:
            if self._inventory is None:
                started = time.perf_counter()
                inventory = scan_corpus(self.corpus)
                self._inventory = (inventory, time.perf_counter() - started)
            return self._inventory

    def model_for(self, agent: AgentConfig) -> str:
        return self.model_override or agent.model

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None
