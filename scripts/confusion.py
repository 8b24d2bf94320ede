"""Measure the faithfulness checker on the hand-labelled reports in tests/labelled/.

Generates the sample corpus (scripts/make_corpus.py, the seed labels.json names) in a temporary
folder, verifies every labelled report against it at the labelled run date, matches the
checker's claims to the labelled ones, and prints the confusion matrix with the precision and
recall of "contradicted" — the figures the README quotes.

    python scripts/confusion.py              # matrix and figures
    python scripts/confusion.py --details    # and every disagreement, report:line
    python scripts/confusion.py --corpus DIR # an existing corpus made with the same seed
    python scripts/confusion.py --subset model  # only the reports the embedded model wrote
    python scripts/confusion.py --snapshot before.json  # and every verdict, to compare later
    python scripts/confusion.py --against before.json   # exit 1 if any verdict changed

A snapshot guards a change meant to leave the checker's output alone (a speed-up of the
extractor): take one before, then check against it after; every claim of every report, with
its line, text, kind, verdict, truth and message, must come out the same.

A report entry may carry its own "run_date" (else the file's global one applies) and a
"run_record" (its run's JSON record beside it), against which the harness sections are checked.

A labelled claim matches a checker claim on the same line and of the same kind; a "text"
(substring of the checker's snippet) or "when" (start of its ISO date) picks among several.
A labelled claim the checker did not make counts as "missed"; a claim the checker made that
no label covers counts under "(not labelled)".
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "labelled"
VERDICTS = ("supported", "contradicted", "unverifiable")
MISSED = "missed"
NOT_LABELLED = "(not labelled)"

# Run from a checkout where the package is not installed, import it from there. Only then:
# a test that imports this script must not put the checkout on sys.path, or pytest's inner
# (pytester) sessions find pytest_chimera imported past their assertion rewriter.
if importlib.util.find_spec("pytest_chimera") is None:
    sys.path.insert(0, str(ROOT))

from pytest_chimera.faithfulness import FaithfulnessResult, Verdict, verify  # noqa: E402
from pytest_chimera.inventory import FileInventory, scan_corpus  # noqa: E402
from pytest_chimera.report import parse_report  # noqa: E402


@dataclass(frozen=True)
class Disagreement:
    report: str
    line: int
    kind: str
    expected: str  # a verdict, or NOT_LABELLED
    predicted: str  # a verdict, or MISSED
    text: str
    message: str


@dataclass(frozen=True)
class Evaluation:
    """Labelled verdicts against the checker's, over every labelled report."""

    matrix: dict[tuple[str, str], int]  # (expected, predicted) → claims
    disagreements: tuple[Disagreement, ...]
    reports: int
    labelled_claims: int

    def cell(self, expected: str, predicted: str) -> int:
        return self.matrix.get((expected, predicted), 0)

    @property
    def precision(self) -> float:
        """Of the claims the checker called contradicted, the share that are."""
        called = sum(self.cell(e, "contradicted") for e in (*VERDICTS, NOT_LABELLED))
        return self.cell("contradicted", "contradicted") / called if called else 1.0

    @property
    def recall(self) -> float:
        """Of the claims labelled contradicted, the share the checker called contradicted."""
        labelled = sum(self.cell("contradicted", p) for p in (*VERDICTS, MISSED))
        return self.cell("contradicted", "contradicted") / labelled if labelled else 1.0

    @property
    def agreement(self) -> float:
        agreed = sum(self.cell(v, v) for v in VERDICTS)
        return agreed / self.labelled_claims if self.labelled_claims else 1.0


def load_labels(directory: Path = LABELLED) -> dict[str, Any]:
    labels: dict[str, Any] = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
    return labels


def make_corpus(root: Path, seed: int) -> None:
    # Its neighbour in scripts/: on sys.path when this runs as a script or under pytest.
    import make_corpus as generator

    generator.generate(root, seed)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def verify_labelled(report: dict[str, Any], labels: dict[str, Any], inventory: FileInventory,
                    directory: Path = LABELLED) -> FaithfulnessResult:
    """The checker's verdicts on one labelled report."""
    path = directory / report["file"]
    record = None
    if report.get("run_record"):
        record = json.loads((directory / report["run_record"]).read_text(encoding="utf-8"))
    return verify(
        parse_report(path.read_text(encoding="utf-8")), inventory,
        run_date=_moment(report.get("run_date", labels["run_date"])), run_record=record,
        expected_language=report.get("language", "en"), report_name=report["file"],
    )


def _fits(label: dict[str, Any], verdict: Verdict) -> bool:
    claim = verdict.claim
    if claim.line != label["line"] or claim.kind != label["kind"]:
        return False
    if "text" in label and label["text"] not in claim.text:
        return False
    return "when" not in label or (claim.when.startswith(label["when"]) and (
        bool(label["when"]) or not claim.when))


def match(labels: Sequence[dict[str, Any]], verdicts: Sequence[Verdict]
          ) -> tuple[list[tuple[dict[str, Any], Verdict | None]], list[Verdict]]:
    """Pair labelled claims with the checker's; return the pairs and the unlabelled rest."""
    free = list(verdicts)
    pairs: list[tuple[dict[str, Any], Verdict | None]] = []
    # Labels with a text or date hint go first, so that a bare label does not take their claim.
    order = sorted(range(len(labels)), key=lambda i: not ("text" in labels[i] or
                                                          "when" in labels[i]))
    chosen: dict[int, Verdict | None] = {}
    for index in order:
        label = labels[index]
        fitting = [v for v in free if _fits(label, v)]
        same = [v for v in fitting if v.verdict == label["verdict"]]
        pick = (same or fitting or [None])[0]
        if pick is not None:
            free.remove(pick)
        chosen[index] = pick
    pairs = [(labels[i], chosen[i]) for i in range(len(labels))]
    return pairs, free


def _in_subset(report: dict[str, Any], subset: str) -> bool:
    if subset in ("model", "written"):
        return str(report.get("source", "written")) == subset
    return subset == "all" or (subset == "held-out") == bool(report.get("held_out"))


def evaluate(corpus: Path, directory: Path = LABELLED, subset: str = "all") -> Evaluation:
    """Match every labelled report of ``subset`` ("all", "held-out", "tuned", "model",
    "written")."""
    labels = load_labels(directory)
    inventory = scan_corpus(corpus)
    matrix: Counter[tuple[str, str]] = Counter()
    disagreements: list[Disagreement] = []
    count = 0
    reports = [r for r in labels["reports"] if _in_subset(r, subset)]
    for report in reports:
        result = verify_labelled(report, labels, inventory, directory)
        pairs, extra = match(report["claims"], result.verdicts)
        for label, verdict in pairs:
            count += 1
            predicted = verdict.verdict if verdict is not None else MISSED
            matrix[(label["verdict"], predicted)] += 1
            if predicted != label["verdict"]:
                disagreements.append(Disagreement(
                    report["file"], label["line"], label["kind"], label["verdict"], predicted,
                    verdict.claim.text if verdict else label.get("text", ""),
                    verdict.message if verdict else "the checker made no such claim"))
        for verdict in extra:
            matrix[(NOT_LABELLED, verdict.verdict)] += 1
            disagreements.append(Disagreement(
                report["file"], verdict.claim.line, verdict.claim.kind, NOT_LABELLED,
                verdict.verdict, verdict.claim.text, verdict.message))
    return Evaluation(dict(matrix), tuple(disagreements), len(reports), count)


def snapshot(corpus: Path, directory: Path = LABELLED) -> dict[str, list[dict[str, Any]]]:
    """Every verdict on every labelled report, as ``chimera verify --json`` gives them."""
    labels = load_labels(directory)
    inventory = scan_corpus(corpus)
    return {report["file"]: [v.as_json() for v in
                             verify_labelled(report, labels, inventory, directory).verdicts]
            for report in labels["reports"]}


def snapshot_differences(before: dict[str, list[dict[str, Any]]],
                         after: dict[str, list[dict[str, Any]]]) -> list[str]:
    """A line per report whose verdicts changed, naming the first claim that differs."""
    lines = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if old is None or new is None:
            lines.append(f"{name}: {'new' if old is None else 'gone'} since the snapshot")
            continue
        first = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
                     min(len(old), len(new)))
        was = json.dumps(old[first], ensure_ascii=False) if first < len(old) else "(none)"
        now = json.dumps(new[first], ensure_ascii=False) if first < len(new) else "(none)"
        lines.append(f"{name}: {len(old)} -> {len(new)} claims; claim {first + 1} was {was}, "
                     f"is {now}")
    return lines


def format_matrix(evaluation: Evaluation) -> str:
    columns = (*VERDICTS, MISSED)
    rows = (*VERDICTS, NOT_LABELLED)
    width = max(len(r) for r in rows) + 2
    lines = ["labelled \\ checker".ljust(width) + "".join(c.rjust(14) for c in columns)]
    for row in rows:
        cells = [str(evaluation.cell(row, c)) if (row, c) != (NOT_LABELLED, MISSED) else "-"
                 for c in columns]
        lines.append(row.ljust(width) + "".join(cell.rjust(14) for cell in cells))
    lines.append("")
    lines.append(f"{evaluation.reports} reports, {evaluation.labelled_claims} labelled claims; "
                 f"verdicts agree on {evaluation.agreement:.1%}")
    lines.append(f"contradicted: precision {evaluation.precision:.3f}, "
                 f"recall {evaluation.recall:.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, help="an existing corpus (default: generate one)")
    parser.add_argument("--details", action="store_true", help="list every disagreement")
    parser.add_argument("--subset", choices=("all", "held-out", "tuned", "model", "written"),
                        default="all",
                        help="held-out: reports labelled before the checker ever ran on them; "
                             "model: reports the embedded model really wrote (source 'model')")
    parser.add_argument("--snapshot", type=Path, metavar="FILE",
                        help="also write every verdict on every labelled report to FILE")
    parser.add_argument("--against", type=Path, metavar="FILE",
                        help="compare every verdict with a snapshot; exit 1 if any changed")
    args = parser.parse_args(argv)
    labels = load_labels()
    before = None
    if args.against is not None:
        try:
            before = json.loads(args.against.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"confusion: cannot read the snapshot {args.against}: {exc}", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory() as scratch:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(scratch) / "corpus"
            make_corpus(corpus, int(labels["corpus"]["seed"]))
        evaluation = evaluate(corpus, subset=args.subset)
        verdicts = snapshot(corpus) if args.snapshot or before is not None else {}
    print(format_matrix(evaluation))
    if args.snapshot is not None:
        args.snapshot.write_text(json.dumps(verdicts, ensure_ascii=False, indent=1) + "\n",
                                 encoding="utf-8")
        print(f"\nsnapshot: {sum(map(len, verdicts.values()))} verdicts on {len(verdicts)} "
              f"reports written to {args.snapshot}")
    changed = snapshot_differences(before, verdicts) if before is not None else []
    if before is not None:
        print(f"\nagainst {args.against}: " + (f"{len(changed)} report(s) changed" if changed
                                               else "every verdict is the same"))
        for line in changed:
            print(f"  {line}")
    if args.details:
        print()
        for item in evaluation.disagreements:
            print(f"{item.report}:{item.line}  {item.kind:18} labelled {item.expected:13} "
                  f"checker {item.predicted:13} \"{item.text}\"  — {item.message}")
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
