"""The checker against the hand-labelled reports in tests/labelled/ (scripts/confusion.py).

Precision and recall of "contradicted" are what the README quotes; this keeps them from
slipping. The measurement is the script's own, imported by path, on the session's sample
corpus when the labels were written against the same seed.
"""

from __future__ import annotations

import importlib
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
