"""The checker against the hand-labelled reports in tests/labelled/ (scripts/confusion.py).

Precision and recall of "contradicted" are what the README quotes; this keeps them from
slipping. The measurement is the script's own, imported by path, on the session's sample
corpus when the labels were written against the same seed.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

GOAL = 0.95


@pytest.fixture(scope="module")
def confusion() -> ModuleType:
    """scripts/confusion.py (scripts/ is on pytest's pythonpath)."""
    return importlib.import_module("confusion")


@pytest.fixture(scope="module")
def evaluation(confusion: ModuleType, corpus: Path,
               tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Every labelled report verified and matched against its labels (an ``Evaluation``)."""
    seed = int(confusion.load_labels()["corpus"]["seed"])
    if seed != 2025:  # the session corpus fixture is made with the generator's default seed
        corpus = tmp_path_factory.mktemp("labelled") / "corpus"
        confusion.make_corpus(corpus, seed)
    return confusion.evaluate(corpus)


def test_labelled_set_is_large_enough(evaluation: Any) -> None:
    assert evaluation.reports >= 20
    assert evaluation.labelled_claims >= 150


def test_contradicted_precision_and_recall(confusion: ModuleType, evaluation: Any) -> None:
    shown = confusion.format_matrix(evaluation)
    misses = "\n".join(
        f"{d.report}:{d.line} {d.kind} labelled {d.expected}, checker {d.predicted}: {d.text!r}"
        f" — {d.message}" for d in evaluation.disagreements
        if "contradicted" in (d.expected, d.predicted))
    assert evaluation.precision >= GOAL, f"{shown}\n{misses}"
    assert evaluation.recall >= GOAL, f"{shown}\n{misses}"


def test_every_labelled_report_is_read(confusion: ModuleType) -> None:
    labels = confusion.load_labels()
    files = {r["file"] for r in labels["reports"]}
    assert all((confusion.LABELLED / name).is_file() for name in files)
    assert all(claim["verdict"] in confusion.VERDICTS
               for report in labels["reports"] for claim in report["claims"])


def test_a_verdict_snapshot_finds_every_changed_verdict(confusion: ModuleType, corpus: Path,
                                                        tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str],
                                                        ) -> None:
    seed = int(confusion.load_labels()["corpus"]["seed"])
    if seed != 2025:
        pytest.skip("the labels were written against another corpus seed")
    saved = tmp_path / "before.json"
    assert confusion.main(["--corpus", str(corpus), "--snapshot", str(saved)]) == 0
    before = json.loads(saved.read_text("utf-8"))
    assert len(before) == len(confusion.load_labels()["reports"])
    assert confusion.main(["--corpus", str(corpus), "--against", str(saved)]) == 0
    assert "every verdict is the same" in capsys.readouterr().out

    name = sorted(before)[0]
    before[name][0]["verdict"] = "contradicted" if before[name][0]["verdict"] != \
        "contradicted" else "supported"
    saved.write_text(json.dumps(before), "utf-8")
    assert confusion.main(["--corpus", str(corpus), "--against", str(saved)]) == 1
    out = capsys.readouterr().out
    assert "1 report(s) changed" in out and f"{name}: " in out and "claim 1 was" in out

    saved.write_text("{not json", "utf-8")
    assert confusion.main(["--corpus", str(corpus), "--against", str(saved)]) == 2
    assert f"cannot read the snapshot {saved}" in capsys.readouterr().err
