"""Generate the sample benchmark corpus that ships in suites/corpus.

The corpus imitates what local-LLM teams leave behind after a few weeks of benchmarking:
per-run CSV logs, summary tables, nested JSON results, Markdown write-ups and a little junk.
Everything is derived from one seeded random generator, and every file's modification time is
set from the run it belongs to, so two runs of this script produce byte-identical trees with
identical mtimes.

    python scripts/make_corpus.py suites/corpus          # (re)write the corpus
    python scripts/make_corpus.py /tmp/c --seed 7         # another corpus of the same shape
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

EPOCH = datetime(2025, 9, 29, 8, 0, tzinfo=UTC)

PROMPTS = [
    "Summarise the attached benchmark results in three bullet points.",
    "Explain the difference between TTFT and throughput to an operator.",
    "List the configuration knobs that change decode speed.",
    "Write a haiku about GPU memory.",
    "Compare num_ctx 512 and 1024 for a 1b model.",
    "What does prompt evaluation time measure?",
    "Draft a release note for a quantised model.",
    "Translate 'latency budget' into plain words.",
]

MODELS = {
    "gemma3": [("gemma3:270m", 0.27), ("gemma3:1b", 1.0), ("gemma3:4b", 4.0), ("gemma3:12b", 12.0)],
    "llama3": [("llama3.2:1b", 1.0), ("llama3.2:3b", 3.0), ("llama3.1:8b", 8.0)],
}


@dataclass(frozen=True)
class Written:
    path: Path
    when: datetime


class CorpusWriter:
    """Writes files under a root and remembers the mtime each one must get.

    With ``dry=True`` nothing is written; ``contents`` still holds every file's bytes, which is
    how :func:`restore_mtimes` recognises files it made.
    """

    def __init__(self, root: Path, *, dry: bool = False) -> None:
        self.root = root
        self.dry = dry
        self.written: list[Written] = []
        self.contents: dict[Path, bytes] = {}

    def text(self, rel: str, content: str, when: datetime) -> None:
        self.raw(rel, content.encode("utf-8"), when)

    def raw(self, rel: str, content: bytes, when: datetime) -> None:
        path = self.root / rel
        self.written.append(Written(path, when))
        self.contents[path] = content
        if not self.dry:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)

    def finish(self) -> None:
        for item in self.written:
            stamp = item.when.timestamp()
            os.utime(item.path, (stamp, stamp))


def speed_for(size_b: float, rng: random.Random, num_gpu: int) -> tuple[float, float, float]:
    """Return (tokens_s, ttft_s, load_s) plausible for a model of size_b billion parameters."""
    offload = min(1.0, num_gpu / 100)
    tokens_s = (220.0 / (size_b + 0.6)) * (0.55 + 0.45 * offload) * rng.uniform(0.9, 1.1)
    ttft_s = (0.05 + 0.035 * size_b) / (0.5 + 0.5 * offload) * rng.uniform(0.85, 1.2)
    load_s = 0.4 + 0.6 * size_b * rng.uniform(0.8, 1.2)
    return tokens_s, ttft_s, load_s


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def run_rows(rng: random.Random, size_b: float, num_gpu: int, n: int) -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(n):
        tokens_s, ttft_s, load_s = speed_for(size_b, rng, num_gpu)
        eval_count = rng.randint(90, 420)
        eval_s = eval_count / tokens_s
        prompt_eval_s = ttft_s * rng.uniform(0.6, 0.9)
        rows.append([
            PROMPTS[i % len(PROMPTS)], round(ttft_s, 3), round(tokens_s, 2), round(load_s, 3),
            round(prompt_eval_s, 3), round(eval_s, 3), eval_count,
        ])
    return rows


RUN_HEADER = ["prompt", "ttft_s", "tokens_s", "load_s", "prompt_eval_s", "eval_s", "eval_count"]


def make_gemma_and_llama(w: CorpusWriter, rng: random.Random) -> None:
    day = 0
    for family, models in MODELS.items():
        for model, size_b in models:
            tag = model.split(":")[1]
            for run in range(2 if size_b <= 1 else 1):
                when = EPOCH + timedelta(days=day, hours=rng.randint(0, 9),
                                         minutes=rng.randint(0, 59))
                day += 1
                num_gpu = rng.choice([60, 80, 100])
                results = []
                for i in range(rng.randint(3, 5)):
                    tokens_s, ttft_s, load_s = speed_for(size_b, rng, num_gpu)
                    eval_count = rng.randint(120, 400)
                    results.append({
                        "prompt_id": i + 1,
                        "metrics": {
                            "ttft_ms": round(ttft_s * 1000, 1),
                            "tokens_per_second": round(tokens_s, 2),
                            "eval_count": eval_count,
                            "load_duration_ms": round(load_s * 1000, 1),
                        },
                    })
                doc = {
                    "model": model,
                    "timestamp": when.isoformat().replace("+00:00", "Z"),
                    "options": {"num_gpu": num_gpu, "num_ctx": rng.choice([512, 1024, 2048]),
                                "temperature": rng.choice([0.6, 0.8, 1.0])},
                    "results": results,
                    "summary": {
                        "mean_tokens_per_second": round(
                            sum(r["metrics"]["tokens_per_second"] for r in results)
                            / len(results), 2),
                        "mean_ttft_ms": round(
                            sum(r["metrics"]["ttft_ms"] for r in results) / len(results), 1),
                    },
                }
                stem = f"{family}_{tag}_bench_{when:%Y%m%d}_{run + 1}"
                w.text(f"reports/{family}/{stem}.json", json.dumps(doc, indent=2) + "\n", when)
                if run == 0:
                    w.text(f"reports/{family}/{stem}.md", write_up(model, doc, when), when)


def write_up(model: str, doc: dict[str, object], when: datetime) -> str:
    summary = doc["summary"]
    assert isinstance(summary, dict)
    options = doc["options"]
    assert isinstance(options, dict)
    lines = [
        f"# {model} benchmark — {when:%Y-%m-%d}",
        "",
        f"Run on {when:%Y-%m-%d %H:%M} UTC with num_gpu={options['num_gpu']}, "
        f"num_ctx={options['num_ctx']}, temperature={options['temperature']}.",
        "",
        "| metric | value |",
        "| --- | --- |",
        f"| mean_tokens_per_second | {summary['mean_tokens_per_second']} |",
        f"| mean_ttft_ms | {summary['mean_ttft_ms']} |",
        "",
        "## Notes",
        "",
        "- Throughput is eval_count divided by eval duration.",
        "- TTFT is measured on the client from request to first token.",
        "",
    ]
    return "\n".join(lines)


def make_compilation(w: CorpusWriter, rng: random.Random) -> None:
    for i, target in enumerate(["cuda", "vulkan", "cpu_avx2", "cpu_avx512", "metal"]):
        when = EPOCH + timedelta(days=3 + i * 2, hours=14)
        stages = {
            stage: round(rng.uniform(4, 90), 2)
            for stage in ("configure_s", "compile_s", "link_s", "test_s")
        }
        doc = {
            "target": target,
            "timestamp": when.isoformat().replace("+00:00", "Z"),
            "stages": stages,
            "binary_size_mb": round(rng.uniform(8, 120), 1),
            "warnings": rng.randint(0, 40),
        }
        w.text(f"reports/compilation/compilation_benchmark_{target}.json",
               json.dumps(doc, indent=2) + "\n", when)
        if i % 2 == 0:
            total = round(sum(stages.values()), 2)
            body = (f"# Compilation benchmark: {target}\n\nTotal build time {total} s "
                    f"({len(stages)} stages). Binary size {doc['binary_size_mb']} MB.\n")
            w.text(f"reports/compilation/compilation_report_{target}.md", body, when)
    when = EPOCH + timedelta(days=13, hours=9)
    rows = [[t, rng.randint(1, 6), round(rng.uniform(30, 240), 1)]
            for t in ("cuda", "vulkan", "cpu_avx2", "cpu_avx512")]
    w.text("reports/compilation/build_matrix.csv",
           csv_text(["target", "jobs", "wall_s"], rows), when)


def make_ollama_runs(w: CorpusWriter, rng: random.Random) -> None:
    for i in range(10):
        when = EPOCH + timedelta(days=20 + i, hours=rng.randint(8, 20), minutes=rng.randint(0, 59),
                                 seconds=rng.randint(0, 59))
        folder = f"reports/ollama/{when:%Y%m%d_%H%M%S}"
        model, size_b = rng.choice(MODELS["gemma3"][:3])
        num_gpu = rng.choice([80, 100])
        rows = run_rows(rng, size_b, num_gpu, rng.randint(4, 8))
        w.text(f"{folder}/metrics.csv", csv_text(RUN_HEADER, rows), when)
        doc = {
            "run_id": f"{when:%Y%m%d_%H%M%S}",
            "model": model,
            "started_at": when.isoformat().replace("+00:00", "Z"),
            "config": {"num_gpu": num_gpu, "num_ctx": rng.choice([512, 1024]),
                       "temperature": rng.choice([0.6, 1.0])},
            "aggregate": {
                "requests": len(rows),
                "mean_tokens_s": round(sum(float(str(r[2])) for r in rows) / len(rows), 2),
                "p95_ttft_s": round(sorted(float(str(r[1])) for r in rows)[-1], 3),
            },
        }
        w.text(f"{folder}/results.json", json.dumps(doc, indent=2) + "\n", when)
        if i % 2 == 0:
            aggregate = doc["aggregate"]
            assert isinstance(aggregate, dict)
            body = (f"# Ollama run {doc['run_id']}\n\nModel {model}, {len(rows)} prompts, "
                    f"mean {aggregate['mean_tokens_s']} tokens/s.\n")
            w.text(f"{folder}/summary.md", body, when)


def make_csv_data(w: CorpusWriter, rng: random.Random) -> None:
    configs = [("agent_a", 80, 512, 0.6), ("agent_b", 100, 1024, 1.0), ("baseline", 100, 2048, 0.8),
               ("low_gpu", 40, 1024, 0.7)]
    for week in range(4):
        when = EPOCH + timedelta(days=7 * week + 6, hours=18)
        rows = []
        for name, num_gpu, num_ctx, temperature in configs:
            tokens_s, ttft_s, _ = speed_for(1.0, rng, num_gpu)
            rows.append([name, num_gpu, num_ctx, temperature, round(tokens_s, 2), round(ttft_s, 3)])
        w.text(f"csv_data/summary_week{week + 1}.csv",
               csv_text(["config_name", "num_gpu", "num_ctx", "temperature", "mean_tokens_s",
                         "mean_ttft_s"], rows), when)
    for i in range(13):
        when = EPOCH + timedelta(days=2 * i + 1, hours=11, minutes=i * 3)
        model, size_b = rng.choice(MODELS["gemma3"] + MODELS["llama3"])
        rows = run_rows(rng, size_b, rng.choice([80, 100]), rng.randint(5, 10))
        safe = model.replace(":", "_").replace(".", "")
        w.text(f"csv_data/ollama_bench_{safe}_{when:%Y%m%d}.csv", csv_text(RUN_HEADER, rows), when)


def make_conversation_benchmarks(w: CorpusWriter, rng: random.Random) -> None:
    for i in range(20):
        when = EPOCH + timedelta(days=i + 5, hours=16, minutes=rng.randint(0, 59))
        model, size_b = rng.choice(MODELS["gemma3"][:2] + MODELS["llama3"][:1])
        turns = []
        for turn in range(rng.randint(2, 4)):
            tokens_s, ttft_s, _ = speed_for(size_b, rng, 100)
            turns.append({"turn": turn + 1, "ttft_s": round(ttft_s, 3),
                          "tokens_s": round(tokens_s, 2), "context_tokens": 180 * (turn + 1)})
        doc = {"model": model, "timestamp": when.isoformat().replace("+00:00", "Z"),
               "conversation": turns}
        w.text(f"reports/conv_bench_{when:%Y%m%d}_{i:02d}.json", json.dumps(doc, indent=2) + "\n",
               when)
    for i in range(8):
        when = EPOCH + timedelta(days=i * 4 + 2, hours=10)
        body = (f"# Weekly notes {i + 1}\n\nWe re-ran the conversation benchmark and the "
                f"summary tables. Nothing unusual in week {i + 1}.\n")
        w.text(f"reports/report_{when:%Y%m%d}.md", body, when)


def make_junk(w: CorpusWriter, rng: random.Random) -> None:
    when = EPOCH + timedelta(days=25, hours=12)
    w.raw("reports/.DS_Store", bytes(rng.randrange(256) for _ in range(64)), when)
    w.text("reports/notes.txt", "todo: rerun llama3 8b with num_gpu=100\n", when)
    w.text("csv_data/partial_export.csv", "config_name,num_gpu,mean_tokens_s\nagent_a,80,", when)
    w.text("reports/ollama/broken_results.json", '{"model": "gemma3:1b", "results": [', when)
    w.raw("reports/empty.json", b"", when)


GENERATORS: list[Callable[[CorpusWriter, random.Random], None]] = [
    make_gemma_and_llama, make_compilation, make_ollama_runs, make_csv_data,
    make_conversation_benchmarks, make_junk,
]


def generate(root: Path, seed: int = 2025) -> int:
    """Write the corpus under root (which must not exist or be empty) and return the file count."""
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty; pass --force to replace it")
    rng = random.Random(seed)
    writer = CorpusWriter(root)
    for make in GENERATORS:
        make(writer, rng)
    writer.finish()
    return len(writer.written)


def restore_mtimes(root: Path, seed: int = 2025) -> int:
    """Give every file of ``root`` that this generator made its intended mtime again.

    A git checkout stamps files with the checkout time; the suite's "latest modified" facts (and
    replay cassettes, whose prompts quote them) should not depend on when the repo was cloned.
    Files whose bytes differ from what the generator makes are left alone. Returns how many
    files were stamped.
    """
    writer = CorpusWriter(root, dry=True)
    rng = random.Random(seed)
    for make in GENERATORS:
        make(writer, rng)
    stamped = 0
    for item in writer.written:
        try:
            if item.path.read_bytes() != writer.contents[item.path]:
                continue
        except OSError:
            continue
        stamp = item.when.timestamp()
        if item.path.stat().st_mtime != stamp:
            os.utime(item.path, (stamp, stamp))
        stamped += 1
    return stamped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--force", action="store_true", help="replace an existing corpus")
    args = parser.parse_args(argv)
    if args.force and args.root.exists():
        shutil.rmtree(args.root)
    try:
        count = generate(args.root, args.seed)
    except FileExistsError as exc:
        print(f"make_corpus: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {count} files under {args.root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
