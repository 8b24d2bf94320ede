"""The concurrency study: do two agents finish sooner together than one after the other?

Each round times agent A's whole workflow (analysis and report calls) alone, then agent B's
alone, then both at once in two threads released together. The solo times are measured solo,
never read off the joint run, so

    speedup    = (time A alone + time B alone) / wall time of A and B together
    efficiency = speedup / 2

says how much of a second host (or of one server's parallel slots) the pair really uses: 2 and
1.0 when the two runs do not slow each other at all, 1 and 0.5 when they are served one after
the other. With ``repeat`` rounds the figures use the median of each time.

Each agent has its own backend object (its own connection, its own loaded model), on its own
host when two are given, so the joint run shares nothing in the client but the corpus
inventory, which is scanned once before anything is timed. Warm-up runs (untimed, solo) come
first, so a model load lands in no measured time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .backends.base import Backend, BackendError
from .config import AgentConfig, ConfigError, Persona
from .inventory import CorpusError, FileInventory
from .session import ChimeraSession
from .workflow import run_workflow

BACKEND_KINDS = ("auto", "ollama", "llamacpp", "replay")
DEFAULT_CONFIG = Path("suites") / "chimera.toml"


class ConcurrencyError(Exception):
    """The study cannot run; the message names the option, file or agent at fault."""


@dataclass(frozen=True)
class StudyRound:
    """One round: each agent alone, then both together (seconds)."""

    solo_a: float
    solo_b: float
    wall: float  # from the common start until the later of the two finished
    together_a: float  # A's own time within the joint run
    together_b: float


@dataclass(frozen=True)
class ConcurrencyResult:
    """Every round of the study, and what the figures are computed from."""

    agent_a: str
    agent_b: str
    persona: str
    backend: str
    host_a: str
    host_b: str
    rounds: tuple[StudyRound, ...]
    warmup: int

    @property
    def solo_a(self) -> float:
        return statistics.median(r.solo_a for r in self.rounds)

    @property
    def solo_b(self) -> float:
        return statistics.median(r.solo_b for r in self.rounds)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.rounds)

    @property
    def together_a(self) -> float:
        return statistics.median(r.together_a for r in self.rounds)

    @property
    def together_b(self) -> float:
        return statistics.median(r.together_b for r in self.rounds)

    @property
    def speedup(self) -> float:
        """(time A alone + time B alone) / wall time together, from the medians."""
        return (self.solo_a + self.solo_b) / self.wall

    @property
    def efficiency(self) -> float:
        """The speedup over the two agents: 1.0 is perfect overlap, 0.5 is none."""
        return self.speedup / 2

    @property
    def same_host(self) -> bool:
        return self.host_a == self.host_b

    def as_json(self) -> dict[str, Any]:
        return {
            "agents": [self.agent_a, self.agent_b],
            "persona": self.persona,
            "backend": self.backend,
            "hosts": {self.agent_a: self.host_a, self.agent_b: self.host_b},
            "same_host": self.same_host,
            "repeat": len(self.rounds),
            "warmup": self.warmup,
            "rounds": [
                {"solo_a_s": r.solo_a, "solo_b_s": r.solo_b, "together_wall_s": r.wall,
                 "together_a_s": r.together_a, "together_b_s": r.together_b}
                for r in self.rounds
            ],
            "median": {"solo_a_s": self.solo_a, "solo_b_s": self.solo_b,
                       "together_wall_s": self.wall, "together_a_s": self.together_a,
                       "together_b_s": self.together_b},
            "speedup": self.speedup,
            "efficiency": self.efficiency,
            "formula": "speedup = (solo_a_s + solo_b_s) / together_wall_s; "
                       "efficiency = speedup / 2 (medians over the rounds)",
        }


Job = Callable[[], None]
Clock = Callable[[], float]


def _timed(job: Job, clock: Clock) -> float:
    started = clock()
    job()
    return clock() - started


def measure(job_a: Job, job_b: Job, *, repeat: int = 1, warmup: int = 1,
            clock: Clock = time.perf_counter) -> list[StudyRound]:
    """Time ``job_a`` alone, ``job_b`` alone, then both in two threads, ``repeat`` times.

    An exception in either job (solo or joint) is raised here, after both threads ended.
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    for _ in range(warmup):
        job_a()
        job_b()
    rounds = []
    for _ in range(repeat):
        solo_a = _timed(job_a, clock)
        solo_b = _timed(job_b, clock)
        rounds.append(_together(job_a, job_b, solo_a, solo_b, clock))
    return rounds


def _together(job_a: Job, job_b: Job, solo_a: float, solo_b: float, clock: Clock
              ) -> StudyRound:
    # Both threads wait at the barrier, so neither gets a head start while the other is
    # being created; the joint run starts when the first of them leaves it.
    barrier = threading.Barrier(2)
    starts: dict[str, float] = {}
    ends: dict[str, float] = {}
    errors: list[BaseException] = []

    def worker(name: str, job: Job) -> None:
        barrier.wait()
        starts[name] = clock()
        try:
            job()
        except BaseException as exc:  # handed to the caller below, with the thread ended
            errors.append(exc)
        finally:
            ends[name] = clock()

    threads = [threading.Thread(target=worker, args=("a", job_a), name="chimera-agent-a"),
               threading.Thread(target=worker, args=("b", job_b), name="chimera-agent-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    started = min(starts.values())
    return StudyRound(solo_a=solo_a, solo_b=solo_b, wall=max(ends.values()) - started,
                      together_a=ends["a"] - started, together_b=ends["b"] - started)


# -- the study on a Chimera suite --------------------------------------------------------------


@dataclass(frozen=True)
class StudyPlan:
    """What ``chimera concurrency`` was asked to run."""

    config: Path
    agents: tuple[str, str]
    persona: str | None
    backend: str
    hosts: tuple[str, ...]
    corpus: Path | None
    repeat: int
    warmup: int
    timeout_s: float = 600.0


def _session(plan: StudyPlan, host: str) -> ChimeraSession:
    table = "tool.chimera" if plan.config.name == "pyproject.toml" else "top"
    session = ChimeraSession.from_files(
        plan.config, table, agents=("all",), personas=None, corpus=plan.corpus,
        cassettes=None, report_dir=Path.cwd() / "chimera-reports", backend_kind=plan.backend,
        # No retries: a retried call would be timed as if it were one.
        host=host, retries=0, record=False, model_override=None)
    session.resolve_backend_kind()
    return session


def _pick(session: ChimeraSession, plan: StudyPlan) -> tuple[AgentConfig, AgentConfig, Persona]:
    agents = {agent.name: agent for agent in session.selection.agents}
    unknown = [name for name in plan.agents if name not in agents]
    if unknown:
        raise ConcurrencyError(f"--agents: unknown agent(s) {', '.join(map(repr, unknown))}; "
                               f"{plan.config} defines {', '.join(agents)}")
    personas = {persona.id: persona for persona in session.selection.personas}
    if not personas:
        raise ConcurrencyError(f"no persona in {session.suite.personas_dir}")
    if plan.persona is None:
        persona = next(iter(personas.values()))
    elif plan.persona in personas:
        persona = personas[plan.persona]
    else:
        raise ConcurrencyError(f"--persona: unknown persona {plan.persona!r}; "
                               f"{session.suite.personas_dir} has {', '.join(sorted(personas))}")
    return agents[plan.agents[0]], agents[plan.agents[1]], persona


def run_study(plan: StudyPlan) -> ConcurrencyResult:
    """Run the study; raises ConcurrencyError with the reason when it cannot."""
    if not plan.config.is_file():
        raise ConcurrencyError(f"--config: agents file {plan.config} not found")
    if not 1 <= len(plan.hosts) <= 2:
        raise ConcurrencyError(f"--host: give one host (both agents on it) or two (one each), "
                               f"not {len(plan.hosts)}")
    host_a, host_b = plan.hosts[0], plan.hosts[-1]
    backends: list[Backend] = []
    try:
        # One session, hence one backend object, per agent, even on one host: each agent has
        # its own client and its own loaded model, as two independent agents would.
        session_a, session_b = _session(plan, host_a), _session(plan, host_b)
        agent_a, agent_b, persona = _pick(session_a, plan)
        inventory, ingest_s = session_a.inventory()
        backends.append(session_a.backend())
        backends.append(session_b.backend())
        job_a = _job(agent_a, persona, backends[0], inventory, session_a, ingest_s, plan)
        job_b = _job(agent_b, persona, backends[1], inventory, session_b, ingest_s, plan)
        rounds = measure(job_a, job_b, repeat=plan.repeat, warmup=plan.warmup)
    except ConfigError as exc:
        raise ConcurrencyError(str(exc)) from None
    except CorpusError as exc:
        raise ConcurrencyError(f"corpus: {exc}") from None
    except BackendError as exc:
        raise ConcurrencyError(f"backend {plan.backend}: {exc}") from None
    finally:
        for backend in backends:
            backend.close()
    return ConcurrencyResult(
        agent_a=agent_a.name, agent_b=agent_b.name, persona=persona.id,
        backend=session_a.backend_kind, host_a=host_a, host_b=host_b, rounds=tuple(rounds),
        warmup=plan.warmup)


def _job(agent: AgentConfig, persona: Persona, backend: Backend, inventory: FileInventory,
         session: ChimeraSession, ingest_s: float, plan: StudyPlan) -> Job:
    model = session.model_for(agent)

    def job() -> None:
        run_workflow(agent, persona, backend, inventory, model=model, ingest_s=ingest_s,
                     timeout_s=plan.timeout_s)

    return job


# -- output ------------------------------------------------------------------------------------


def render(result: ConcurrencyResult) -> str:
    """The table the command prints, and the two figures with the formula filled in."""
    from tabulate import tabulate

    a, b = result.agent_a, result.agent_b
    rows = [
        [f"{a} alone", f"{result.solo_a:.3f}", "", f"{result.solo_a:.3f}"],
        [f"{b} alone", "", f"{result.solo_b:.3f}", f"{result.solo_b:.3f}"],
        [f"{a} and {b} together", f"{result.together_a:.3f}", f"{result.together_b:.3f}",
         f"{result.wall:.3f}"],
    ]
    if result.backend != "ollama":
        # Only Ollama has hosts; the embedded model runs in this process, one per agent.
        where = "both in this process, each with its own model instance"
    elif result.same_host:
        where = f"both on {result.host_a}"
    else:
        where = f"{a} on {result.host_a}, {b} on {result.host_b}"
    rounds = len(result.rounds)
    lines = [
        f"chimera concurrency: agents {a} and {b}, persona {result.persona}, "
        f"backend {result.backend} ({where})",
        f"median of {rounds} round(s) after {result.warmup} untimed warm-up run(s) of each "
        "agent; solo times measured solo",
        "",
        tabulate(rows, headers=["run", f"{a} (s)", f"{b} (s)", "wall (s)"],
                 disable_numparse=True, colalign=("left", "right", "right", "right")),
        "",
        f"speedup    = ({result.solo_a:.3f} + {result.solo_b:.3f}) / {result.wall:.3f} "
        f"= {result.speedup:.2f}",
        f"efficiency = speedup / 2 = {result.efficiency:.2f}",
    ]
    return "\n".join(lines)


# -- the command-line part (registered in cli.py) ----------------------------------------------


def _count(least: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{value} is below {least}")
        return value
    return parse


def _host(text: str) -> str:
    from .backends.base import BackendUnavailable
    from .backends.ollama import normalize_host

    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    try:
        normalize_host(text)
    except BackendUnavailable as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()


def _two_agents(text: str) -> tuple[str, str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if len(names) != 2 or names[0] == names[1]:
        raise argparse.ArgumentTypeError(
            f"{text!r}: name two different agents, comma-separated (A,B)")
    return names[0], names[1]


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="FILE",
                        help=f"agents file (default {DEFAULT_CONFIG})")
    parser.add_argument("--agents", type=_two_agents, default=("A", "B"), metavar="A,B",
                        help="the two agents to run (default A,B)")
    parser.add_argument("--persona", metavar="ID",
                        help="the persona both agents write for (default: the first one)")
    parser.add_argument("--backend", choices=BACKEND_KINDS, default="auto",
                        help="as --chimera-backend (default auto)")
    parser.add_argument("--host", action="append", type=_host, metavar="URL",
                        help="Ollama host; once: both agents on it, twice: one host each "
                             "(default $OLLAMA_HOST or http://127.0.0.1:11434)")
    parser.add_argument("--corpus", type=Path, metavar="DIR",
                        help="the corpus folder (default: the agents file's)")
    parser.add_argument("--repeat", type=_count(1), default=1, metavar="N",
                        help="rounds to take the median of (default 1)")
    parser.add_argument("--warmup", type=_count(0), default=1, metavar="N",
                        help="untimed solo runs of each agent first (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def plan_from_args(args: argparse.Namespace) -> StudyPlan:
    from .backends.base import BackendUnavailable
    from .backends.ollama import DEFAULT_HOST, environment_host

    try:
        from_env = environment_host(args.backend)
    except BackendUnavailable as exc:
        raise ConcurrencyError(str(exc)) from None
    hosts = tuple(args.host or (from_env or DEFAULT_HOST,))
    return StudyPlan(config=args.config, agents=args.agents, persona=args.persona,
                     backend=args.backend, hosts=hosts, corpus=args.corpus,
                     repeat=args.repeat, warmup=args.warmup)


def run_command(args: argparse.Namespace, out: TextIO) -> int:
    """``chimera concurrency``: run the study and print the table (or JSON); returns 0."""
    result = run_study(plan_from_args(args))
    if args.json:
        json.dump(result.as_json(), out, indent=2)
        out.write("\n")
    else:
        out.write(render(result) + "\n")
    return 0

