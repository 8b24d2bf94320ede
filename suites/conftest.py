"""Suite-level set-up: give the shipped sample corpus its intended modification times.

A git checkout stamps every file with the checkout time. The sample corpus is generated with
fixed mtimes (scripts/make_corpus.py), and its "latest modified" facts, and the replay cassettes
whose prompts quote them, should not depend on when the repository was cloned.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    """Restore the sample corpus's mtimes before the plugin scans it."""
    import make_corpus  # scripts/ is on pytest's pythonpath (pyproject.toml)

    make_corpus.restore_mtimes(HERE / "corpus")
